/*
 * Duplicate candidates of a running scan (rules/finding.h), kept by the
 * store outside SQLite until the scan ends.
 *
 * A candidate costs the crawl one record appended to an unlinked
 * temporary file (about 75 bytes: strings that repeat from record to
 * record are written once and then referred to by number) and one 64-bit
 * hash of its dup_key in memory (8 bytes: 96 MB for twelve million
 * candidates).  At the end the hashes held more than once are found
 * (bucketed by their top byte, then each bucket through a table) and one
 * pass over the file hands a candidate whose hash occurs once to the caller at once;
 * the few others are kept in memory until their keys have been counted
 * exactly, and follow.  Internal to store/.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/status.h"
#include "rules/finding.h"

struct cand_log;

/* A log in a new unlinked file under $SQLITE_TMPDIR, $TMPDIR or /var/tmp. */
struct cand_log *
cand_log_new(int64_t scan_id, enum status *st);

void
cand_log_free(struct cand_log *log);

int64_t
cand_log_scan(const struct cand_log *log);

/* How many candidates were added, and the bytes of their file. */
void
cand_log_stats(const struct cand_log *log, uint64_t *count, uint64_t *bytes);

/* Appends the candidate f (f->dup_key != NULL). */
enum status
cand_log_add(struct cand_log *log, const struct finding *f);

/*
 * Finds the hashes held more than once (once called sorting them, which
 * gave the name) for a cand_log_settle() with resolve, in a thread of
 * its own, so that the caller can commit meanwhile (a commit mostly waits
 * for the disk); the thread then begins the settle's pass over the file,
 * keeping the findings it meets (up to 16 MB of them) for the settle.
 * Nothing may be added after it.  If no thread can be started,
 * cand_log_settle() does it all itself.
 */
void
cand_log_sort_begin(struct cand_log *log);

/*
 * Calls fn for every candidate that becomes a finding: in the order they
 * were added, except that those whose key's hash is held more than once
 * come last (in their order).  With resolve, a candidate whose dup_key
 * was added more than once takes its dup_* variant and has dup_key set;
 * every other one keeps its plain variant (none if its error is NULL)
 * and has dup_key NULL.  Without resolve (a scan that did not finish)
 * every candidate keeps its plain variant.  After a write error, only the
 * records written before it are read.
 */
enum status
cand_log_settle(struct cand_log *log, bool resolve,
		enum status (*fn)(void *ctx, const struct finding *f),
		void *ctx);
