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

/*
 * Opens (creating and migrating as needed) the database at path.  Logs and
 * returns NULL with *st = STATUS_ERR_STORE on failure.  A database written
 * by a newer syncready (higher schema version) is refused.
 */
struct store *
store_open(const char *path, enum status *st);

/* Opens an existing database only (for report, diff, scans, import). */
struct store *
store_open_existing(const char *path, enum status *st);

void
store_free(struct store *s);

/* What the scan row records about its source (all strings copied). */
struct store_scan_meta {
	const char *source_kind; /* "ldap" or "ldif" */
	const char *source;	 /* URI or file path: never a password */
	const char *base;
	const char *filter;
	const char *rule_pack;
	const char *rule_pack_hash;
	const char *label;
	const char *tool_version;
};

enum status
store_scan_begin(struct store *s, const struct store_scan_meta *meta,
		 int64_t *scan_id);

/* The base DN becomes known after the RootDSE read. */
enum status
store_scan_set_base(struct store *s, int64_t scan_id, const char *base);

/* One object read (skipped or not). */
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

/* A finding or duplicate candidate (rules/finding.h). */
enum status
store_add_finding(struct store *s, int64_t scan_id, const struct finding *f);

/*
 * Ends the scan: resolves duplicate candidates, stores the counts and marks
 * the scan complete, in one transaction.
 */
enum status
store_scan_complete(struct store *s, int64_t scan_id);

/* Marks the scan failed with reason; the rows written so far stay. */
enum status
store_scan_fail(struct store *s, int64_t scan_id, const char *reason);

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

void
store_scan_release(struct store_scan *scan);

/* Every scan, oldest first; free with store_scans_free(). */
enum status
store_list_scans(struct store *s, struct store_scan **scans, size_t *n);

void
store_scans_free(struct store_scan *scans, size_t n);

/*
 * spec is "latest" (the newest complete scan) or a scan id.  Logs and
 * returns STATUS_ERR_USAGE if there is no such scan.
 */
enum status
store_get_scan(struct store *s, const char *spec, struct store_scan *out);

/* Skipped objects by reason, for reports. */
struct store_count {
	char *name;
	int64_t count;
};

enum status
store_skipped_counts(struct store *s, int64_t scan_id,
		     struct store_count **counts, size_t *n);

void
store_counts_free(struct store_count *counts, size_t n);

/*
 * Calls fn for every finding of the scan, ordered by DN (case-insensitive),
 * then attribute, then value, so reports are stable.  The struct's dup_*
 * fields are NULL: what is passed is the resolved finding.  fn returning
 * anything but STATUS_OK stops the walk and is returned.
 */
enum status
store_each_finding(struct store *s, int64_t scan_id,
		   enum status (*fn)(void *ctx, const struct finding *f),
		   void *ctx);
