/*
 * The SQLite database of one engagement: every scan, the objects it read,
 * the objects it skipped and why, and its findings.  Only store/ talks to
 * SQLite.
 *
 * A scan row is created "running" by store_scan_begin() and becomes
 * "complete" (store_scan_complete()) or "failed" with a reason
 * (store_scan_fail()).  Rows are written in batched transactions; a scan
 * that never reached store_scan_complete() is never shown as complete.
 * When a database is opened, "running" scans whose process is gone are
 * marked failed ("interrupted").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "rules/finding.h"

struct store;

/* The database used when no --db is given (path NULL below). */
#define STORE_DEFAULT_PATH "syncready.db"

/*
 * Rows of the database file written per transaction while a scan runs
 * (duplicate candidates never reach it).  Every commit rewrites the index
 * pages its rows touched; since the writer inserts rows in index order
 * (store/rowsort.h) fewer pages are touched, and a transaction that
 * outgrows SQLite's 64 MB cache spills pages to the WAL and reads them
 * back.  At a million objects, 250,000 rows beat 1,000,000 in 10 of 12
 * interleaved pairs, writing 2.4 GB instead of 2.0 GB (store/README.md).
 * Memory does not grow with it.  A scan that dies loses its open batch,
 * and is failed anyway.
 */
#define STORE_BATCH_ROWS 250000

/*
 * Opens (creating and migrating as needed) the database at path (NULL:
 * STORE_DEFAULT_PATH).  Logs and returns NULL with *st = STATUS_ERR_STORE
 * on failure: a file that is not a syncready database, a read-only file, a
 * database written by a newer syncready (higher schema version).  The
 * database runs in WAL mode with synchronous=NORMAL and foreign keys on.
 * "running" scans of this host whose process is gone are marked failed
 * ("interrupted (process ended)").
 */
struct store *
store_open(const char *path, enum status *st);

/*
 * Opens an existing database only (for report, diff, scans, import); a
 * missing file is an error, not a new database.  A file this process
 * cannot write is read as an immutable snapshot (nothing is written to it,
 * interrupted scans are not marked).
 */
struct store *
store_open_existing(const char *path, enum status *st);

/*
 * From now on the rows of store_add_object(), store_add_finding(),
 * store_add_skipped(), store_add_count() and store_add_not_crawled() are
 * written by a thread of the store's own while the caller goes on: those
 * calls only queue the row (copied), and return a failure of the writer
 * (logged where it happened) on a later call.  Every other call first
 * waits for the queued rows; store_scan_complete() and store_flush()
 * return the writer's failure.  A scan over two cores then checks entries
 * while SQLite writes the previous ones.
 */
enum status
store_write_behind(struct store *s);

/*
 * Commits rows still in an open batch (a scan left neither complete nor
 * failed stays "running" and is failed by the next store_open() once this
 * process is gone), finalizes every statement and closes the database.
 * NULL is a no-op.
 */
void
store_free(struct store *s);

/* The database's path as given to store_open(); lives as long as s. */
const char *
store_path(const struct store *s);

/* What the scan row records about its source (all strings copied). */
struct store_scan_meta {
	const char *source_kind; /* "ldap" or "ldif" */
	const char *source;      /* URI or file path: never a password */
	const char *base;
	const char *filter;
	const char *rule_pack;
	const char *rule_pack_hash;
	const char *label;
	const char *tool_version;
};

/*
 * Records a new scan "running" (with this process's pid and host) and
 * returns its id.  NULL strings in meta are stored as NULL.
 */
enum status
store_scan_begin(struct store *s, const struct store_scan_meta *meta,
		 int64_t *scan_id);

/* The base DN becomes known after the RootDSE read. */
enum status
store_scan_set_base(struct store *s, int64_t scan_id, const char *base);

/*
 * One object read (skipped or not).  This and the three store_add_*()
 * below write in batches of STORE_BATCH_ROWS rows per transaction; the
 * strings are only read during the call.
 */
struct store_object {
	const char *key; /* objectGUID, else DN (scan_entry_key()) */
	const char *dn;
	const char *cn;
	const char *objectclass;
};

enum status
store_add_object(struct store *s, int64_t scan_id,
		 const struct store_object *obj);

/* Adds one to the skipped count of reason. */
enum status
store_add_skipped(struct store *s, int64_t scan_id, const char *reason);

/* A continuation reference the crawl did not chase. */
enum status
store_add_not_crawled(struct store *s, int64_t scan_id, const char *ref);

/*
 * A finding or duplicate candidate (rules/finding.h).  action and status
 * are ignored; a finding with neither error nor dup_key is dropped.  A
 * candidate is kept by this connection (a temporary table) until the scan
 * ends: if the process dies, only the scan's certain findings remain.
 */
enum status
store_add_finding(struct store *s, int64_t scan_id, const struct finding *f);

/*
 * Ends the scan: resolves duplicate candidates, stores the counts and marks
 * the scan complete, in one transaction.  Resolution runs in SQL (memory
 * does not grow with the scan): every candidate whose dup_key is held by
 * more than one candidate row of the scan, on other objects or on the same
 * one, takes its dup_* variant; every other candidate keeps its plain
 * variant, and one whose plain error is NULL is deleted.  Fails (and
 * changes nothing) if the scan is not running.
 */
enum status
store_scan_complete(struct store *s, int64_t scan_id);

/*
 * Marks the scan failed with reason; the rows written so far stay (when
 * the last batch cannot be committed, e.g. disk full, the committed ones).
 * Duplicates are not resolved: each candidate with a plain error becomes
 * that plain finding.  Fails if the scan is not running.
 */
enum status
store_scan_fail(struct store *s, int64_t scan_id, const char *reason);

/* Commits the rows of the open batch now (a checkpoint during a scan). */
enum status
store_flush(struct store *s);

/* A scan as read back. */
struct store_scan {
	int64_t id;
	char *state; /* "running", "complete", "failed" */
	char *reason;
	char *started; /* ISO 8601 UTC */
	char *finished;
	char *source_kind;
	char *source;
	char *base;
	char *filter;
	char *rule_pack;
	char *rule_pack_hash;
	char *label;
	char *tool_version;
	int64_t objects_read;
	int64_t objects_skipped;
	int64_t findings;
	int64_t errors;
	int64_t warnings;
	int64_t infos;
};

/* Frees the strings of scan and zeroes it; NULL is a no-op. */
void
store_scan_release(struct store_scan *scan);

/* Every scan, oldest first; free with store_scans_free(). */
enum status
store_list_scans(struct store *s, struct store_scan **scans, size_t *n);

void
store_scans_free(struct store_scan *scans, size_t n);

/*
 * spec is "latest" (the newest complete scan; NULL means the same) or a
 * scan id (any state: check out->state).  Logs and returns
 * STATUS_ERR_USAGE if there is no such scan.  Release out with
 * store_scan_release().
 */
enum status
store_get_scan(struct store *s, const char *spec, struct store_scan *out);

/*
 * The newest complete scan before scan_id of the same source (source_kind,
 * source and base), for "--compare previous" and diff.  Failed and running
 * scans are never returned.  Logs and returns STATUS_ERR_USAGE if there is
 * none.
 */
enum status
store_get_previous(struct store *s, int64_t scan_id, struct store_scan *out);

/*
 * The same, for callers to whom "none" is an answer, not an error: *found
 * tells whether out was filled.  Only a database failure is logged.
 */
enum status
store_find_previous(struct store *s, int64_t scan_id, struct store_scan *out,
		    bool *found);

/* Skipped objects by reason, for reports. */
struct store_count {
	char *name;
	int64_t count;
};

/*
 * Adds one to the summary counter name (rules/rules.h struct rule_sink's
 * count: e.g. "objects with mS-DS-ConsistencyGuid"), batched like rows.
 */
enum status
store_add_count(struct store *s, int64_t scan_id, const char *name);

/* The summary counters of a scan, by name; free with store_counts_free(). */
enum status
store_summary_counts(struct store *s, int64_t scan_id,
		     struct store_count **counts, size_t *n);

/* A rule a scan ran (rules/rules.h struct rule_info, copied). */
struct store_rule {
	const char *id;
	const char *attribute;
	const char *check;
	const char *severity;
	const char *description;
	const char *remediation;
	bool enabled;
};

/* Records one rule of the scan's pack (once per id; a repeat replaces). */
enum status
store_add_rule(struct store *s, int64_t scan_id, const struct store_rule *r);

/*
 * Calls fn for every rule recorded for the scan, ordered by id; the strings
 * are valid only during the call.  A scan of an older syncready has none.
 */
enum status
store_each_rule(struct store *s, int64_t scan_id,
		enum status (*fn)(void *ctx, const struct store_rule *r),
		void *ctx);

/* Most frequent reason first; free with store_counts_free(). */
enum status
store_skipped_counts(struct store *s, int64_t scan_id,
		     struct store_count **counts, size_t *n);

void
store_counts_free(struct store_count *counts, size_t n);

/*
 * Calls fn for every finding of the scan, ordered by DN (case-insensitive),
 * then attribute, then value, so reports are stable.  What is passed is
 * the resolved finding: dup_key is the duplicated value's key when the
 * finding is a duplicate (every holder of the value has the same one, so
 * reports can group them exactly), else NULL; the other dup_* fields are
 * NULL.  action (and an edited update) come from store_set_decision(),
 * status is NULL.  The
 * strings are valid only during the call of fn.  fn returning anything but
 * STATUS_OK stops the walk and is returned.
 */
enum status
store_each_finding(struct store *s, int64_t scan_id,
		   enum status (*fn)(void *ctx, const struct finding *f),
		   void *ctx);

/*
 * Like store_each_finding(), and when previous_id is not 0 each finding's
 * status is "open" if scan previous_id has the same finding (OBJECTGUID,
 * ATTRIBUTE, VALUE and RULE: the DN is not the key) and "new" otherwise.
 * With previous_id 0, status is NULL.
 */
enum status
store_each_finding_compared(
	struct store *s, int64_t scan_id, int64_t previous_id,
	enum status (*fn)(void *ctx, const struct finding *f), void *ctx);

/*
 * Calls fn for every finding of scan old_id that scan new_id no longer
 * has (same OBJECTGUID, ATTRIBUTE, VALUE and RULE), in store_each_finding()
 * order, with status "fixed" when the object is still in new_id (under
 * any DN) and "gone" when new_id did not read the object at all (it was
 * deleted or moved out of the scan's base: not a fix).  The strings are
 * valid only during the call of fn.
 */
enum status
store_each_fixed(struct store *s, int64_t new_id, int64_t old_id,
		 enum status (*fn)(void *ctx, const struct finding *f),
		 void *ctx);

/* How an object differs between two scans (store_each_object_change()). */
enum store_change {
	STORE_CHANGE_APPEARED = 0, /* in the new scan only */
	STORE_CHANGE_DISAPPEARED,  /* in the old scan only */
	STORE_CHANGE_MOVED,        /* in both, under another DN */
};

/*
 * Calls fn for every object that appeared, disappeared or changed its DN
 * between scan old_id and scan new_id, matched by key (objectGUID, else
 * DN), ordered by DN case-insensitively.  obj is the object as the newer
 * scan has it (the older one's for DISAPPEARED); old_dn is the DN in
 * old_id for MOVED, else NULL.  The strings are valid only during the
 * call.
 */
enum status
store_each_object_change(struct store *s, int64_t new_id, int64_t old_id,
			 enum status (*fn)(void *ctx, enum store_change change,
					   const struct store_object *obj,
					   const char *old_dn),
			 void *ctx);

/* A consultant's decision about one finding (from an imported CSV). */
struct store_decision {
	const char *key; /* OBJECTGUID */
	const char *attribute;
	const char *value;
	const char *action; /* ACTION as the consultant filled it in */
	const char *update; /* UPDATE, possibly edited; NULL: keep proposal */
	const char *origin; /* where it came from, e.g. the CSV's path */
};

/*
 * Records (or replaces) the decision for the finding of scan_id keyed by
 * OBJECTGUID + ATTRIBUTE + VALUE.  store_each_finding() then passes its
 * action as finding.action and its update, when not NULL, as
 * finding.update.
 */
enum status
store_set_decision(struct store *s, int64_t scan_id,
		   const struct store_decision *d);
