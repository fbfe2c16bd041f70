#define LOG_MODULE "report"

#include "report/csv.h"

#include <errno.h>
#include <stdio.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "report/escape.h"

const char *const report_csv_columns[REPORT_CSV_NCOLUMNS] = {
	"DISTINGUISHEDNAME",
	"COMMONNAME",
	"OBJECTCLASS",
	"ATTRIBUTE",
	"ERROR",
	"VALUE",
	"UPDATE",
	"PROPOSEDACTION",
	"ACTION",
	"RULE",
	"SEVERITY",
	"OBJECTGUID",
	"STATUS",
};

/* Rows are gathered and written in chunks of about this many bytes. */
#define CSV_CHUNK 65536

struct csv_walk {
	FILE *out;
	struct strbuf sb;
};

static enum status
flush(struct csv_walk *w)
{
	if (w->sb.len > 0 &&
	    fwrite(w->sb.buf, 1, w->sb.len, w->out) != w->sb.len) {
		LOG_ERRNO("cannot write the CSV report");
		return STATUS_ERR_IO;
	}
	strbuf_reset(&w->sb);
	return STATUS_OK;
}

static enum status
add_row(void *ctx, const struct finding *f)
{
	struct csv_walk *w = ctx;
	const char *cells[REPORT_CSV_NCOLUMNS] = {
		f->dn,
		f->cn,
		f->objectclass,
		f->attribute,
		f->error,
		f->value,
		f->update,
		f->proposed_action,
		f->action,
		f->rule,
		finding_severity_str(f->severity),
		f->objectguid,
		f->status,
	};
	for (size_t i = 0; i < REPORT_CSV_NCOLUMNS; i++) {
		if (i > 0) {
			strbuf_addch(&w->sb, ',');
		}
		csv_escape(&w->sb, cells[i]);
	}
	strbuf_add(&w->sb, "\r\n", 2);
	if (w->sb.len >= CSV_CHUNK) {
		return flush(w);
	}
	return STATUS_OK;
}

enum status
report_csv_write(struct store *s, const struct store_scan *scan,
		 int64_t previous_id, FILE *out)
{
	struct csv_walk w = {.out = out};
	strbuf_init(&w.sb);
	/* The BOM tells Excel the file is UTF-8 (umlauts stay umlauts). */
	strbuf_addstr(&w.sb, "\xef\xbb\xbf");
	for (size_t i = 0; i < REPORT_CSV_NCOLUMNS; i++) {
		if (i > 0) {
			strbuf_addch(&w.sb, ',');
		}
		strbuf_addstr(&w.sb, report_csv_columns[i]);
	}
	strbuf_add(&w.sb, "\r\n", 2);
	enum status st = store_each_finding_compared(s, scan->id, previous_id,
						     add_row, &w);
	if (st == STATUS_OK) {
		st = flush(&w);
	}
	strbuf_release(&w.sb);
	return st;
}
