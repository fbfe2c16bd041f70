/*
 * The rule engine's interface: a loaded rule pack, and a pure check of one
 * entry that hands its findings to a sink.  Rules keep no state between
 * entries (duplicates are resolved by the store from dup_key, see
 * rules/finding.h), so the same entries in any order give the same rows.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "rules/finding.h"
#include "scanner/entry.h"

struct ruleset;

/*
 * Where findings go.  Callbacks return STATUS_OK to go on; any other status
 * stops ruleset_check() and is returned by it.
 */
struct rule_sink {
	enum status (*finding)(void *ctx, const struct finding *f);
	/* The entry was skipped for reason (e.g. "well-known account"). */
	enum status (*skipped)(void *ctx, const struct scan_entry *e,
			       const char *reason);
	void *ctx;
	/*
	 * Optional (NULL: not counted): adds one to the summary counter
	 * name, e.g. RULES_COUNT_CONSISTENCY_GUID or RULES_COUNT_UNSYNCED
	 * followed by a reason.  Each entry counts at most once per name.
	 */
	enum status (*count)(void *ctx, const char *name);
};

/* Summary counters (struct rule_sink.count); rules/README.md lists them. */
#define RULES_COUNT_UNSYNCED "not synced by default: "
#define RULES_COUNT_CONSISTENCY_GUID "objects with mS-DS-ConsistencyGuid"
#define RULES_COUNT_DISABLED_MAILBOX "disabled users with a mailbox"

/* Options that change what a pack checks. */
struct ruleset_opts {
	const char *tld_file;	   /* NULL: the built-in TLD list */
	/*
	 * Verified domains, NULL-terminated (NULL: none given, and the
	 * "verified" rules report nothing).
	 */
	const char *const *domains;
	/*
	 * Rule ids switched off, NULL-terminated; an id the pack does not
	 * have is a configuration error.
	 */
	const char *const *disable;
};

/*
 * Loads "multi-tenant", "dedicated" (built into the binary) or a rule pack
 * file.  Errors are logged as "file:line: message"; returns NULL and sets
 * *st to STATUS_ERR_CONFIG.
 */
struct ruleset *
ruleset_load(const char *pack, const struct ruleset_opts *opts,
	     enum status *st);

void
ruleset_free(struct ruleset *rs);

/* The pack's name ("multi-tenant", or the file's name attribute). */
const char *
ruleset_name(const struct ruleset *rs);

/*
 * A hex digest of what decides the findings (recorded with each scan):
 * the pack's content and the TLD list, and the options' rules switched
 * off and verified domains when there are any.
 */
const char *
ruleset_hash(const struct ruleset *rs);

/* NULL-terminated list of the attributes the pack reads. */
const char *const *
ruleset_attributes(const struct ruleset *rs);

/*
 * NULL-terminated list of the attributes of ruleset_attributes() whose
 * values no rule reads, only how many there are (count rules: a group's
 * member): the scanner need keep only the number (scan_attrs_new()).
 * ruleset_check() reads an attribute's values as nvals + counted.
 */
const char *const *
ruleset_counted_attributes(const struct ruleset *rs);

/*
 * Checks one entry: decides whether it is skipped, then runs every rule
 * and passes each finding (or duplicate candidate) to sink.
 */
enum status
ruleset_check(const struct ruleset *rs, const struct scan_entry *e,
	      const struct rule_sink *sink);

/* One row of `syncready rules`. */
struct rule_info {
	const char *id;
	const char *attribute;
	const char *check;
	const char *severity;
	const char *description;
	const char *remediation;
	bool enabled;
};

size_t
ruleset_count(const struct ruleset *rs);

/* i < ruleset_count(); the strings live as long as rs. */
void
ruleset_info(const struct ruleset *rs, size_t i, struct rule_info *info);
