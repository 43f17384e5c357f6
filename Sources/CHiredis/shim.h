#ifndef TIDE_CHIREDIS_SHIM_H
#define TIDE_CHIREDIS_SHIM_H
// hiredis 0.14 (Debian 12). No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM
// rejects with a warning, and the headers are on the default include path anyway.
// redisCommand is variadic and not imported into Swift:
// Tide uses redisCommandArgv / redisAppendCommandArgv, which are binary-safe.
#include <hiredis/hiredis.h>
#endif
