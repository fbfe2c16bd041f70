/*
 * The store's schema as an ordered list of migrations (store/ only).
 */
#pragma once

/*
 * The schema version this syncready writes: the number of migrations.  A
 * database's PRAGMA user_version says how many of them it has applied.
 */
int
store_schema_version(void);

/*
 * The SQL that takes a database from version from to from + 1, or NULL if
 * from is out of range.  The store runs each step in its own transaction
 * together with the user_version update.
 */
const char *
store_schema_step(int from);
