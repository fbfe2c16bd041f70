/*
 * Reports, all read from the store: one writer per format behind one table
 * (rpki-client's outputs[]).  A report goes to a temporary file beside its
 * destination and is renamed into place, so a failure never leaves a
 * half-written report; with path NULL it goes to standard output.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "store/store.h"

struct report_opts {
	const char *format;      /* "csv", "html", "json", "ldif" */
	const char *path;        /* NULL: stdout */
	int64_t scan_id;         /* 0: the latest complete scan */
	int64_t compare_scan_id; /* 0: no comparison (STATUS stays empty) */
	bool accept; /* ldif: PROPOSEDACTION instead of ACTION */
};

/*
 * Writes the report of opts->scan_id in opts->format to opts->path: a
 * temporary file "dir/.name.XXXXXX" in the destination's directory, every
 * write checked, flushed, fsync()ed, closed and renamed into place; on any
 * failure the temporary file is removed and nothing appears at path.
 * Logs and returns STATUS_ERR_USAGE for an unknown format or scan,
 * STATUS_ERR_IO for a file system failure, STATUS_ERR_STORE for a store
 * failure.
 */
enum status
report_write(struct store *s, const struct report_opts *opts);

/* True if the format has a writer. */
bool
report_format_known(const char *format);

/*
 * The default file name for format in a report directory ("findings.csv"),
 * or NULL for an unknown format.
 */
const char *
report_default_name(const char *format);

/* The number of formats with a writer, and the name of format i (for usage
 * text); report_format_name() returns NULL for i out of range. */
size_t
report_format_count(void);

const char *
report_format_name(size_t i);

/*
 * Removes the temporary file of a report being written, if any.
 * Async-signal-safe: for a SIGINT/SIGTERM handler that then exits.
 */
void
report_cleanup_signal(void);
