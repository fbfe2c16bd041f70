/*
 * The report library's import and LDIF entry points as a command, for the
 * ldapmodify integration test until main wires `syncready import` and
 * `report --accept`:
 *
 *   report-tool import DB FILE.csv        decisions for the latest scan
 *   report-tool ldif DB OUT.ldif [accept] change and undo files
 */
#include <stdio.h>
#include <string.h>

#include "report/import.h"
#include "report/writers.h"

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: report-tool import|ldif DB FILE "
				"[accept]\n");
		return 2;
	}
	enum status st;
	struct store *s = store_open_existing(argv[2], &st);
	if (s == NULL) {
		return 1;
	}
	struct store_scan scan;
	st = store_get_scan(s, "latest", &scan);
	if (st == STATUS_OK && strcmp(argv[1], "import") == 0) {
		struct report_import_stats stats;
		st = report_import_csv(s, scan.id, argv[3], &stats);
		printf("rows %zu recorded %zu decided %zu unmatched %zu\n",
		       stats.rows, stats.recorded, stats.decided,
		       stats.unmatched);
	} else if (st == STATUS_OK) {
		st = report_ldif_write_files(s, &scan,
					     argc > 4 &&
						     strcmp(argv[4], "accept") == 0,
					     argv[3]);
	}
	if (st == STATUS_OK) {
		store_scan_release(&scan);
	}
	store_free(s);
	return st == STATUS_OK ? 0 : 1;
}
