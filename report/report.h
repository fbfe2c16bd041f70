/*
 * Reports, all read from the store: one writer per format behind one table
 * (rpki-client's outputs[]).  A report goes to a temporary file beside its
 * destination and is renamed into place, so a failure never leaves a
 * half-written report; with path NULL it goes to standard output.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "store/store.h"

struct report_opts {
	const char *format; /* "csv", "html", "json", "ldif" */
	const char *path;   /* NULL: stdout */
	int64_t scan_id;
};

/* Logs and returns STATUS_ERR_USAGE for an unknown format. */
enum status
report_write(struct store *s, const struct report_opts *opts);

/* True if the format has a writer. */
#include <stdbool.h>
bool
report_format_known(const char *format);

/* The default file name for format in a report directory ("findings.csv"). */
const char *
report_default_name(const char *format);
