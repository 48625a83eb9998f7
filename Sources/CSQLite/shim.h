// Thin shims for what Swift cannot import from <sqlite3.h>. No logic lives here.
#ifndef PANDA_SQLITE_SHIM_H
#define PANDA_SQLITE_SHIM_H

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a cast of -1 to a function pointer: SQLite copies the bound bytes.
static inline sqlite3_destructor_type panda_sqlite_transient(void) { return SQLITE_TRANSIENT; }

#endif
