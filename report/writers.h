/*
 * The HTML, JSON and LDIF writers behind report.c's format table.  Each
 * reads one scan from the store and writes to a stream the caller opened
 * (report.c: a temporary file renamed into place afterwards); each checks
 * its writes and logs a failure once.  They are declared here so that the
 * tests can call them directly.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "store/store.h"

/*
 * The JSON report: {"format": "syncready-report", "format_version": 1,
 * "scan": {...}, "skipped": [...], "findings": [...]}, field names in
 * report/README.md.  previous_id != 0 fills each finding's "status" and
 * adds "fixed": the older scan's findings this one no longer has.
 */
enum status
report_json_write(struct store *s, const struct store_scan *scan,
		  int64_t previous_id, FILE *out);

/*
 * The single-file HTML report (SPEC §5): summary, charts, remediation,
 * duplicate groups, then the findings table (rendered by an inline script
 * from an embedded JSON block).  previous_id != 0 adds the comparison.
 */
enum status
report_html_write(struct store *s, const struct store_scan *scan,
		  int64_t previous_id, FILE *out);

/*
 * The LDIF change file and its undo file.  Every finding whose ACTION
 * (with accept, PROPOSEDACTION) is Edit or Remove becomes one modify record
 * in changes; undo receives the records that restore the old values, last
 * change first.  Written with libldap's ldif_put(), so values are base64
 * wherever LDIF needs it.  *n_changes (may be NULL) receives the number of
 * records.
 */
enum status
report_ldif_write(struct store *s, const struct store_scan *scan, bool accept,
		  FILE *changes, FILE *undo, size_t *n_changes);

/*
 * The undo file's path for a change file's path: "changes.ldif" ->
 * "changes-undo.ldif", "x.ldf" -> "x-undo.ldf", "x" -> "x-undo.ldif".
 * The caller frees the result.
 */
char *
report_ldif_undo_path(const char *path);

/*
 * Writes the change file to path and the undo file beside it
 * (report_ldif_undo_path()), each through a temporary file renamed into
 * place; the undo file is renamed first, so a change file never exists
 * without its undo file.  On failure neither file is left behind.
 */
enum status
report_ldif_write_files(struct store *s, const struct store_scan *scan,
			bool accept, const char *path);

/*
 * The "ldif" row of report.c's table: with path, report_ldif_write_files();
 * without, the change file to standard output and no undo file (warned).
 */
enum status
report_ldif_report(struct store *s, const struct store_scan *scan,
		   bool accept, const char *path);
