/*
 * `import`: the fix list the CSV writer wrote, edited as a spreadsheet
 * saves it, back into decisions that the LDIF writer turns into changes.
 * Hostile values (formula starters, quotes, line breaks, delimiters)
 * must come back byte for byte; bad files fail with nothing recorded.
 */
#include <ldap.h>
#include <stdio.h>
#include <ldif.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/csv.h"
#include "report/escape.h"
#include "report/import.h"
#include "report/writers.h"
#include "tap.h"
#include "fixture.h"

static const char *const hostile[] = {
	"=1+2\";=1+2", "+49 30 1234", "-Old-",	   "@home",
	"\tTabbed",    "'quoted",     "''twice",   "line1\r\nline2",
	"a,b;c",       "\"quoted\"",  "M\xc3\xbcller \xf0\x9f\x98\x80",
	" lead and trail ",
};
#define NH (sizeof(hostile) / sizeof(hostile[0]))

static char dn[NH][128];

static void
write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");
	fputs(data, f);
	fclose(f);
}

/* A cell as a spreadsheet that quotes every cell saves it. */
static void
cell_all_quoted(struct strbuf *sb, const char *v)
{
	strbuf_addch(sb, '"');
	if (csv_needs_guard(v)) {
		strbuf_addch(sb, '\'');
	}
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"') {
			strbuf_addch(sb, '"');
		}
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
}

static int
ldif_changes(struct fixture *fx, struct strbuf *got)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);
	struct store_scan scan;
	store_get_scan(fx->store, "latest", &scan);
	enum status st = report_ldif_write(fx->store, &scan, false, f, NULL, &n);
	store_scan_release(&scan);
	fclose(f);
	/* Read back with libldap: every replace value, one per line. */
	LDIFFP *fp = ldif_open_mem(buf, len, "r");
	unsigned long lineno = 0;
	char *rec = NULL;
	int reclen = 0;
	while (ldif_read_record(fp, &lineno, &rec, &reclen) > 0) {
		struct berval rbuf = {.bv_val = rec, .bv_len = strlen(rec)};
		LDIFRecord lr;
		memset(&lr, 0, sizeof(lr));
		if (ldap_parse_ldif_record(&rbuf, lineno, &lr, "t", 0) != 0) {
			strbuf_addstr(got, "PARSE ERROR\n");
			break;
		}
		for (LDAPMod **m = lr.lrop_mods; m != NULL && *m != NULL; m++) {
			for (struct berval **v = (*m)->mod_bvalues;
			     v != NULL && *v != NULL; v++) {
				strbuf_add(got, (*v)->bv_val, (*v)->bv_len);
				strbuf_addch(got, '|');
			}
		}
		ldap_ldif_record_done(&lr);
	}
	ber_memfree(rec);
	ldif_close(fp);
	free(buf);
	return st == STATUS_OK ? (int)n : -1;
}

int
main(void)
{
	struct fixture fx;
	if (fixture_open(&fx) != 0) {
		printf("Bail out! cannot create the store\n");
		return 1;
	}
	int bad = 0;
	for (size_t i = 0; i < NH; i++) {
		snprintf(dn[i], sizeof(dn[i]),
			 "CN=User %zu\\, Test,OU=Users,DC=example,DC=com", i);
		bad |= fixture_add(&fx, dn[i], "displayname", hostile[i],
				   "displayname.character", "Character",
				   "proposal", "Edit", FINDING_ERROR);
	}
	bad |= store_scan_complete(fx.store, fx.scan_id) != STATUS_OK;
	ok(!bad, "fixture written");

	char csv[256], edited[256];
	snprintf(csv, sizeof(csv), "%s/findings.csv", fx.dir);
	snprintf(edited, sizeof(edited), "%s/edited.csv", fx.dir);
	struct store_scan scan;
	store_get_scan(fx.store, "latest", &scan);
	FILE *f = fopen(csv, "wb");
	ok(report_csv_write(fx.store, &scan, 0, f) == STATUS_OK,
	   "CSV report written");
	fclose(f);
	store_scan_release(&scan);

	/* 1. The fix list as written: every row matches, nothing decided. */
	struct report_import_stats stats;
	ok(report_import_csv(fx.store, fx.scan_id, csv, &stats) == STATUS_OK,
	   "unedited fix list imports");
	is_int(stats.rows, NH, "every row read");
	is_int(stats.unmatched, 0, "every row matched (guard undone on VALUE)");
	is_int(stats.recorded, 0, "nothing to record: the fix list as written");
	is_int(stats.decided, 0, "no ACTION yet");
	struct strbuf got;
	strbuf_init(&got);
	is_int(ldif_changes(&fx, &got), 0, "no change without ACTION");

	/*
	 * 2. Edited: columns reordered, an extra column, ';' as delimiter,
	 * every cell quoted, LF line ends, no BOM; ACTION in any case with
	 * spaces; UPDATE set to the hostile values themselves.
	 */
	struct strbuf e;
	strbuf_init(&e);
	strbuf_addstr(&e, "Notes;action;UPDATE;VALUE;ATTRIBUTE;OBJECTGUID\n");
	for (size_t i = 0; i < NH; i++) {
		char guid[64];
		fixture_guid(dn[i], guid, sizeof(guid));
		strbuf_addstr(&e, "\"note; with, delimiters\";");
		strbuf_addstr(&e, i % 2 == 0 ? "\" edit \";" : "\"EDIT\";");
		cell_all_quoted(&e, hostile[NH - 1 - i]);
		strbuf_addch(&e, ';');
		cell_all_quoted(&e, hostile[i]);
		strbuf_addstr(&e, ";\"displayname\";");
		cell_all_quoted(&e, guid);
		strbuf_addch(&e, '\n');
	}
	strbuf_addstr(&e, ";;;;;\n"); /* a blank row Excel leaves */
	write_file(edited, e.buf);
	ok(report_import_csv(fx.store, fx.scan_id, edited, &stats) == STATUS_OK,
	   "edited fix list imports");
	is_int(stats.decided, NH, "every row decided");
	is_int(stats.unmatched, 0, "nothing unmatched");
	strbuf_reset(&got);
	is_int(ldif_changes(&fx, &got), NH, "one change per row");
	/* Ordered by DN: "User 10" sorts before "User 1\\, Test". */
	struct strbuf want;
	strbuf_init(&want);
	static const int order[] = {0, 10, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	for (size_t k = 0; k < NH; k++) {
		size_t i = (size_t)order[k];
		if (strcmp(hostile[NH - 1 - i], hostile[i]) == 0) {
			continue;
		}
		strbuf_addstr(&want, hostile[NH - 1 - i]);
		strbuf_addch(&want, '|');
	}
	is_str(got.buf, want.buf, "the LDIF carries every UPDATE exactly");
	ok(report_import_csv(fx.store, fx.scan_id, edited, &stats) == STATUS_OK &&
		   stats.recorded == 0 && stats.decided == NH,
	   "importing it again records nothing new");

	/* 3. The unedited fix list again: every ACTION cleared. */
	ok(report_import_csv(fx.store, fx.scan_id, csv, &stats) == STATUS_OK,
	   "re-import of the unedited fix list");
	is_int(stats.recorded, NH, "every decision changed back");
	strbuf_reset(&got);
	is_int(ldif_changes(&fx, &got), 0, "no change left");
	ok(report_import_csv(fx.store, fx.scan_id, edited, &stats) == STATUS_OK &&
		   stats.recorded == NH,
	   "and the edited one again");
	/* 3b. The CSV writer's own output has a BOM. */
	strbuf_reset(&e);
	f = fopen(csv, "rb");
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(&e, buf, n);
	}
	fclose(f);
	ok(e.len > 3 && memcmp(e.buf, "\xef\xbb\xbf", 3) == 0,
	   "the writer's CSV has a BOM");

	/* 4. Bad files: an error, nothing recorded. */
	write_file(edited, "OBJECTGUID,ATTRIBUTE,VALUE,ACTION\r\n"
			   "x,displayname,v,Delete\r\n");
	unsigned before = log_error_count();
	ok(report_import_csv(fx.store, fx.scan_id, edited, NULL) ==
		   STATUS_ERR_CONFIG,
	   "unknown ACTION refused");
	is_int(log_error_count() - before, 1, "logged once");
	write_file(edited, "OBJECTGUID,ATTRIBUTE,ACTION\r\nx,y,Edit\r\n");
	ok(report_import_csv(fx.store, fx.scan_id, edited, NULL) ==
		   STATUS_ERR_CONFIG,
	   "missing VALUE column refused");
	write_file(edited, "OBJECTGUID,ATTRIBUTE,VALUE,ACTION\r\n"
			   "x,y,\"never closed,Edit\r\n");
	ok(report_import_csv(fx.store, fx.scan_id, edited, NULL) ==
		   STATUS_ERR_CONFIG,
	   "unterminated quote refused");
	write_file(edited, "OBJECTGUID,ATTRIBUTE,VALUE,ACTION\r\n"
			   "x,y,M\xfcller,Edit\r\n");
	ok(report_import_csv(fx.store, fx.scan_id, edited, NULL) ==
		   STATUS_ERR_CONFIG,
	   "Windows-1252 file refused");
	write_file(edited, "OBJECTGUID,ATTRIBUTE,VALUE,ACTION\r\n"
			   "other-guid,displayname,v,Edit\r\n");
	ok(report_import_csv(fx.store, fx.scan_id, edited, &stats) ==
		   STATUS_ERR_CONFIG,
	   "a fix list of another scan is refused");
	write_file(edited, "");
	ok(report_import_csv(fx.store, fx.scan_id, edited, NULL) ==
		   STATUS_ERR_CONFIG,
	   "empty file refused");
	snprintf(edited, sizeof(edited), "%s/missing.csv", fx.dir);
	ok(report_import_csv(fx.store, fx.scan_id, edited, NULL) ==
		   STATUS_ERR_CONFIG,
	   "missing file refused");
	strbuf_reset(&got);
	is_int(ldif_changes(&fx, &got), NH,
	       "the decisions of the good import are unchanged");

	/*
	 * 5. Two rules found one value: one decision for the value; the
	 * first row with an ACTION decides, with its UPDATE.
	 */
	struct fixture fx2;
	if (fixture_open(&fx2) != 0) {
		printf("Bail out! cannot create the second store\n");
		return 1;
	}
	const char *dn2 = "CN=Two,OU=Users,DC=example,DC=com";
	bad = fixture_add(&fx2, dn2, "mail", "a b@example.com", "mail.character",
			  "Character", "ab@example.com", "Edit", FINDING_ERROR);
	bad |= fixture_add(&fx2, dn2, "mail", "a b@example.com", "mail.duplicate",
			   "Duplicate", "a b@example.com", "Edit", FINDING_ERROR);
	bad |= store_scan_complete(fx2.store, fx2.scan_id) != STATUS_OK;
	ok(!bad, "second fixture: one value, two rules");
	char guid2[64], two[256];
	fixture_guid(dn2, guid2, sizeof(guid2));
	snprintf(two, sizeof(two), "%s/two.csv", fx2.dir);
	strbuf_reset(&e);
	strbuf_addf(&e, "OBJECTGUID,ATTRIBUTE,VALUE,RULE,ACTION,UPDATE\r\n"
			"%s,mail,a b@example.com,mail.duplicate,,a b@example.com\r\n"
			"%s,mail,a b@example.com,mail.character,Edit,edited@example.com\r\n"
			"%s,mail,a b@example.com,mail.duplicate,Remove,\r\n",
		    guid2, guid2, guid2);
	write_file(two, e.buf);
	ok(report_import_csv(fx2.store, fx2.scan_id, two, &stats) == STATUS_OK,
	   "three rows for one value import");
	is_int(stats.decided, 2, "two rows with an ACTION");
	is_int(stats.recorded, 1, "one decision for the value");
	strbuf_reset(&got);
	is_int(ldif_changes(&fx2, &got), 1, "one change");
	is_str(got.buf, "edited@example.com|",
	       "the first row with an ACTION decides, with its UPDATE");
	/* No ACTION, an edited UPDATE on the row of the RULE named. */
	strbuf_reset(&e);
	strbuf_addf(&e, "OBJECTGUID,ATTRIBUTE,VALUE,RULE,ACTION,UPDATE\r\n"
			"%s,mail,a b@example.com,mail.character,,ab@example.com\r\n"
			"%s,mail,a b@example.com,mail.duplicate,,b@example.com\r\n",
		    guid2, guid2);
	write_file(two, e.buf);
	ok(report_import_csv(fx2.store, fx2.scan_id, two, &stats) == STATUS_OK &&
		   stats.recorded == 1,
	   "an edited UPDATE without ACTION is recorded (and the ACTION cleared)");
	strbuf_reset(&got);
	is_int(ldif_changes(&fx2, &got), 0, "no ACTION: no change");
	unlink(two);
	fixture_close(&fx2);

	strbuf_release(&e);
	strbuf_release(&got);
	strbuf_release(&want);
	snprintf(edited, sizeof(edited), "%s/edited.csv", fx.dir);
	unlink(edited);
	unlink(csv);
	fixture_close(&fx);
	return tap_done();
}
