/*
 * The schema, as a list of migrations.  Step i takes a database from
 * user_version i to i + 1; a step is never edited once released, a change
 * is a new step at the end.  Version 1 already holds what the later issues
 * need (objects for appeared/disappeared, the stable finding key, decisions
 * from an imported CSV, the duplicate group of every finding) so that they
 * build on it without rewriting it.
 *
 * Speed matters (a million objects in a minute, rules included): during a
 * scan only objects and findings carry an index; duplicate candidates
 * never reach this schema (store/cand.h) and become findings at the end.
 */
#include "store/schema.h"

#include <stddef.h>

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
	"  id INTEGER PRIMARY KEY,"
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  dn TEXT NOT NULL,"
	"  cn TEXT,"
	"  objectclass TEXT"
	");"
	"CREATE INDEX objects_scan_key ON objects (scan_id, key);"

	/*
	 * Findings: what the reports show, the plain or the duplicate variant
	 * already chosen.  dup_key is set when the finding is a duplicate,
	 * so that reports can group every holder of a value.
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
	"  error TEXT NOT NULL,"
	"  update_value TEXT,"
	"  proposed_action TEXT,"
	"  severity TEXT NOT NULL"
	"    CHECK (severity IN ('error', 'warning', 'info')),"
	"  dup_key TEXT"
	");"
	/*
	 * Diff, decisions and the per-scan walk: the stable key OBJECTGUID +
	 * ATTRIBUTE + VALUE (+ RULE); version 5 keeps only its first part.
	 * Reports sort by DN when they read: cheaper than keeping a second
	 * wide index during the scan.
	 */
	"CREATE INDEX findings_scan_key"
	"  ON findings (scan_id, object_key, attribute, value, rule);"
	/* The report's duplicate groups. */
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

	/*
	 * 2: the rules' summary counters (objects Entra Connect would not
	 * sync by default, objects with mS-DS-ConsistencyGuid, …).
	 */
	"CREATE TABLE summary ("
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (scan_id, name)"
	") WITHOUT ROWID;",

	/*
	 * 3: the rules a scan ran, with their description and remediation
	 * text, so a report explains each rule as the pack of that scan did.
	 */
	"CREATE TABLE rules ("
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  id TEXT NOT NULL,"
	"  attribute TEXT,"
	"  check_kind TEXT,"
	"  severity TEXT,"
	"  description TEXT,"
	"  remediation TEXT,"
	"  enabled INTEGER NOT NULL,"
	"  PRIMARY KEY (scan_id, id)"
	") WITHOUT ROWID;",

	/*
	 * 4: findings again, the severity CHECK written as comparisons.
	 * SQLite checks "IN (list)" by building a temporary b-tree of the
	 * list for every row: about half the cost of inserting a finding.
	 */
	"CREATE TABLE findings_v4 ("
	"  id INTEGER PRIMARY KEY,"
	"  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,"
	"  object_key TEXT NOT NULL,"
	"  dn TEXT NOT NULL,"
	"  cn TEXT,"
	"  objectclass TEXT,"
	"  attribute TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  rule TEXT,"
	"  error TEXT NOT NULL,"
	"  update_value TEXT,"
	"  proposed_action TEXT,"
	"  severity TEXT NOT NULL"
	"    CHECK (severity = 'error' OR severity = 'warning'"
	"           OR severity = 'info'),"
	"  dup_key TEXT"
	");"
	"INSERT INTO findings_v4 SELECT id, scan_id, object_key, dn, cn,"
	"  objectclass, attribute, value, rule, error, update_value,"
	"  proposed_action, severity, dup_key FROM findings;"
	"DROP TABLE findings;"
	"ALTER TABLE findings_v4 RENAME TO findings;"
	"CREATE INDEX findings_scan_key"
	"  ON findings (scan_id, object_key, attribute, value, rule);"
	"CREATE INDEX findings_dup ON findings (scan_id, dup_key)"
	"  WHERE dup_key IS NOT NULL;",

	/*
	 * 5: findings_scan_key on (scan_id, object_key) alone.  An object has
	 * a finding or two, so the look-ups across scans find its few rows
	 * and compare attribute, value and rule there; the five-column index
	 * was twice the size (52 MB at a million objects), and a scan writes
	 * its entries in random key order.
	 */
	"DROP INDEX findings_scan_key;"
	"CREATE INDEX findings_scan_key ON findings (scan_id, object_key);",

	/*
	 * 6: objects indexed by scan alone.  An index on (scan_id, key)
	 * took its entries in random key order (objectGUIDs), so a scan of
	 * a million objects rewrote its pages in the WAL and the database
	 * over and over: about 1 s of system time.  Only the comparison of
	 * two scans looks objects up by key, and it builds its own
	 * look-up of the other scan's keys (store_each_object_change()).
	 */
	"DROP INDEX IF EXISTS objects_scan_key;"
	"CREATE INDEX IF NOT EXISTS objects_scan ON objects (scan_id);",
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
