/*
 * `syncready import FILE.csv`: the consultant's decisions from a fix list
 * edited in Excel (or LibreOffice) go back into the store, so that
 * `report --format ldif` writes the chosen changes.
 *
 * What is read: the CSV the CSV report wrote, as a spreadsheet saves it
 * again.  UTF-8 with or without BOM; CRLF, LF or CR line ends; RFC 4180
 * quoting (quoted cells may hold the delimiter, "" and line breaks); the
 * delimiter is the one of , ; TAB that the header row uses (Excel saves
 * with ; where that is the list separator).  Columns are found by their
 * header names (any order, any case; unknown columns are ignored):
 * OBJECTGUID, ATTRIBUTE, VALUE and ACTION are required, UPDATE is read
 * when present.  Every cell has the CSV report's formula guard undone
 * exactly (csv_unguard()); nothing is trimmed except around ACTION.
 *
 * A row is matched to a finding of the scan by OBJECTGUID + ATTRIBUTE +
 * VALUE (and RULE when the file has that column), never by its row
 * number, so sorting, filtering or deleting rows in Excel is harmless.
 * The decision is about the value: of several rows for one value (one
 * per rule), the first with an ACTION decides, with its UPDATE.  ACTION is Edit, Remove, Complete (any case) or
 * empty; anything else is an error naming the line.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "store/store.h"

/* What an import did, for the one-line summary main prints. */
struct report_import_stats {
	size_t rows;	  /* data rows read (blank rows not counted) */
	size_t decided;	  /* matched rows with an ACTION */
	size_t recorded;  /* decisions recorded (new or changed) */
	size_t unmatched; /* rows that match no finding of the scan */
};

/*
 * Reads path and records the decision of every matched row for scan_id
 * (store_set_decision(): ACTION, and UPDATE as the row has it, or the
 * proposal when there is no UPDATE column) where it differs from what the
 * store holds, so importing the same file twice records nothing new and a
 * row whose ACTION was cleared clears the earlier decision.  The whole file is checked
 * before anything is recorded: a file that is not UTF-8, a malformed
 * quote, a missing column or an unknown ACTION is logged once with the
 * file and line and returns STATUS_ERR_CONFIG with nothing recorded.
 * Unmatched rows are warned about (the first few by line) and counted;
 * if no row matches, that is STATUS_ERR_CONFIG too (a fix list of
 * another scan).  stats may be NULL.
 */
enum status
report_import_csv(struct store *s, int64_t scan_id, const char *path,
		  struct report_import_stats *stats);
