/*
 * The schema, as a list of migrations.  Step i takes a database from
 * user_version i to i + 1; a step is never edited once released, a change
 * is a new step at the end.  Version 1 already holds what the later issues
 * need (objects for appeared/disappeared, the stable finding key, decisions
 * from an imported CSV, the duplicate group of every finding) so that they
 * build on it without rewriting it.
 */
#include <stddef.h>

#include "store/schema.h"

static const char *const migrations[] = {
	/* 1: the first release. */
	"CREATE TABLE scans ("
	"  id INTEGER PRIMARY KEY,"
	"  state TEXT NOT NULL"
	"    CHECK (state IN ('running', 'complete', 'failed')),"
	"  reason TEXT,"
	"  started TEXT NOT NULL,"
	"  finished TEXT,"
	"  source_kind TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  base TEXT,"
	"  filter TEXT,"
	"  rule_pack TEXT,"
	"  rule_pack_hash TEXT,"
	"  label TEXT,"
	"  tool_version TEXT,"
	"  objects_read INTEGER NOT NULL DEFAULT 0,"
	"  objects_skipped INTEGER NOT NULL DEFAULT 0,"
	"  findings INTEGER NOT NULL DEFAULT 0,"
	"  errors INTEGER NOT NULL DEFAULT 0,"
	"  warnings INTEGER NOT NULL DEFAULT 0,"
	"  infos INTEGER NOT NULL DEFAULT 0,"
	/* Who runs it: a running scan whose process is gone is failed. */
	"  pid INTEGER,"
	"  host TEXT"
	");"
	"CREATE INDEX scans_source ON scans (source_kind, source, base, state);"

	"CREATE TABLE skipped ("
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (scan_id, reason)"
	") WITHOUT ROWID;"

	"CREATE TABLE not_crawled ("
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  reference TEXT NOT NULL"
	");"
	"CREATE INDEX not_crawled_scan ON not_crawled (scan_id);"

	/* Every object read, so that diff tells moved/gone from fixed. */
	"CREATE TABLE objects ("
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  dn TEXT NOT NULL,"
	"  cn TEXT,"
	"  objectclass TEXT"
	");"
	"CREATE INDEX objects_scan_key ON objects (scan_id, key);"

	/*
	 * Findings and duplicate candidates.  The plain variant is in rule ..
	 * severity; dup_* is the variant used when dup_key is held more than
	 * once.  store_scan_complete() copies the chosen variant into the
	 * plain columns (duplicated = 1 when it was the dup one) and deletes
	 * candidates that are no finding; dup_key stays so that reports can
	 * group every holder of a duplicated value.
	 */
	"CREATE TABLE findings ("
	"  id INTEGER PRIMARY KEY,"
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  object_key TEXT NOT NULL,"
	"  dn TEXT NOT NULL,"
	"  cn TEXT,"
	"  objectclass TEXT,"
	"  attribute TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  rule TEXT,"
	"  error TEXT,"
	"  update_value TEXT,"
	"  proposed_action TEXT,"
	"  severity TEXT NOT NULL"
	"    CHECK (severity IN ('error', 'warning', 'info')),"
	"  dup_key TEXT,"
	"  dup_rule TEXT,"
	"  dup_error TEXT,"
	"  dup_update TEXT,"
	"  dup_action TEXT,"
	"  dup_severity TEXT"
	"    CHECK (dup_severity IN ('error', 'warning', 'info')),"
	"  duplicated INTEGER NOT NULL DEFAULT 0"
	");"
	/* Reports: ordered by DN, attribute, value. */
	"CREATE INDEX findings_scan_dn"
	"  ON findings (scan_id, dn COLLATE NOCASE, attribute, value);"
	/* Diff and decisions: the stable key OBJECTGUID + ATTRIBUTE + VALUE
	 * (+ RULE). */
	"CREATE INDEX findings_scan_key"
	"  ON findings (scan_id, object_key, attribute, value, rule);"
	/* Duplicate resolution and the report's duplicate groups. */
	"CREATE INDEX findings_dup ON findings (scan_id, dup_key)"
	"  WHERE dup_key IS NOT NULL;"

	/* The consultant's decisions from an imported CSV (ACTION, UPDATE). */
	"CREATE TABLE decisions ("
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  object_key TEXT NOT NULL,"
	"  attribute TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  action TEXT,"
	"  update_value TEXT,"
	"  origin TEXT,"
	"  recorded TEXT NOT NULL,"
	"  PRIMARY KEY (scan_id, object_key, attribute, value)"
	") WITHOUT ROWID;",
};

int
store_schema_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *
store_schema_step(int from)
{
	if (from < 0 || from >= store_schema_version()) {
		return NULL;
	}
	return migrations[from];
}
