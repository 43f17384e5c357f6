#ifndef TIDE_CLIBPQ_SHIM_H
#define TIDE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
