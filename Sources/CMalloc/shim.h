// glibc's malloc tuning (mallopt) and introspection (malloc_info), which the Glibc module leaves out.
#include <malloc.h>
