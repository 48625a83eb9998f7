// Thin shims for Linux calls Swift cannot import (variadic). No logic lives here.
#ifndef PANDA_LINUX_SHIM_H
#define PANDA_LINUX_SHIM_H

#include <sys/prctl.h>

/// `prctl` is variadic. 0 turns core dumps (and same-user ptrace and /proc memory reads) off.
static inline int panda_set_dumpable(int dumpable) { return prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0); }

/// Whether this process may dump core (1) or not (0).
static inline int panda_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

#endif
