/*
 * The CSV report: the fix list for Excel (SPEC §3 columns, SPEC §5
 * encoding).  Called through report.c's format table; declared here so
 * that the tests can call it directly.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "store/store.h"

/* The header row's column names, in order (SPEC §3). */
extern const char *const report_csv_columns[];

/* Number of entries in report_csv_columns. */
#define REPORT_CSV_NCOLUMNS 13

/*
 * Writes scan's findings to out: a UTF-8 BOM, the header row, then one row
 * per finding in store_each_finding() order, every line ended by CRLF and
 * every cell through csv_escape() (report/escape.h).  previous_id != 0
 * fills the STATUS column ("new" / "open"); 0 leaves it empty.  Every
 * write is checked: the first failure is logged once and returned as
 * STATUS_ERR_IO (store errors as STATUS_ERR_STORE).
 */
enum status
report_csv_write(struct store *s, const struct store_scan *scan,
		 int64_t previous_id, FILE *out);
