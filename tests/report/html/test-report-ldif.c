/*
 * The LDIF change and undo files, read back with libldap's own LDIF reader
 * (ldif_read_record + ldap_parse_ldif_record, what ldapmodify uses): every
 * record must parse and carry the exact bytes, including values that need
 * base64.
 */
#include <ldap.h>
#include <stdio.h>
#include <ldif.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/writers.h"
#include "tap.h"
#include "fixture.h"

#define DN_UMLAUT "CN=M\xc3\xbcller\\, Hans,OU=Users,DC=example,DC=com"
#define DN_PROXY "CN=Proxy,OU=Users,DC=example,DC=com"
#define DN_BLANK "CN=Blank,OU=Users,DC=example,DC=com"
#define DN_HOSTILE "CN=Hostile,OU=Users,DC=example,DC=com"
#define DN_TWIN "CN=Twin,OU=Users,DC=example,DC=com"

/* Renders the parsed records as text, one line per value, to compare. */
static int
parse_back(const char *text, size_t len, struct strbuf *out)
{
	char *copy = xmemdup0(text, len);
	LDIFFP *fp = ldif_open_mem(copy, len, "r");
	unsigned long lineno = 0;
	char *buf = NULL;
	int buflen = 0, n = 0, rc;

	if (fp == NULL) {
		free(copy);
		return -1;
	}
	while ((rc = ldif_read_record(fp, &lineno, &buf, &buflen)) > 0) {
		struct berval rbuf = {.bv_val = buf, .bv_len = strlen(buf)};
		LDIFRecord lr;
		memset(&lr, 0, sizeof(lr));
		if (ldap_parse_ldif_record(&rbuf, lineno, &lr, "test", 0) !=
		    0) {
			n = -1;
			break;
		}
		if (lr.lr_op != LDAP_REQ_MODIFY) {
			strbuf_addstr(out, "NOT A MODIFY\n");
		}
		strbuf_addf(out, "dn=%.*s\n", (int)lr.lr_dn.bv_len,
			    lr.lr_dn.bv_val);
		for (LDAPMod **m = lr.lrop_mods; m != NULL && *m != NULL;
		     m++) {
			int op = (*m)->mod_op & ~LDAP_MOD_BVALUES;
			const char *name = op == LDAP_MOD_ADD	   ? "add"
					   : op == LDAP_MOD_DELETE ? "delete"
								   : "replace";
			strbuf_addf(out, "%s %s", name, (*m)->mod_type);
			for (struct berval **v = (*m)->mod_bvalues;
			     v != NULL && *v != NULL; v++) {
				strbuf_addstr(out, " [");
				strbuf_add(out, (*v)->bv_val, (*v)->bv_len);
				strbuf_addch(out, ']');
			}
			strbuf_addch(out, '\n');
		}
		ldap_ldif_record_done(&lr);
		n++;
		/* ldap_parse_ldif_record() modifies buf in place. */
	}
	ber_memfree(buf);
	ldif_close(fp);
	free(copy);
	return rc < 0 ? -1 : n;
}

static int
write_ldif(struct fixture *fx, bool accept, char **chg, size_t *chg_len,
	   char **undo, size_t *undo_len, size_t *n)
{
	FILE *c = open_memstream(chg, chg_len);
	FILE *u = open_memstream(undo, undo_len);
	struct store_scan scan;
	if (store_get_scan(fx->store, "latest", &scan) != STATUS_OK) {
		return -1;
	}
	enum status st = report_ldif_write(fx->store, &scan, accept, c, u, n);
	store_scan_release(&scan);
	fclose(c);
	fclose(u);
	return st == STATUS_OK ? 0 : -1;
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
	bad |= fixture_add(&fx, DN_UMLAUT, "displayname", " M\xc3\xbcller, Hans",
			   "displayname.character", "Character",
			   "M\xc3\xbcller, Hans", "Edit", FINDING_ERROR);
	bad |= fixture_add(&fx, DN_UMLAUT, "mailnickname", ":colon",
			   "mailnickname.character", "Character", "colon",
			   "Edit", FINDING_ERROR);
	bad |= fixture_add(&fx, DN_PROXY, "proxyAddresses",
			   "smtp:a b@example.com", "proxyaddresses.character",
			   "Character", "smtp:ab@example.com", "Edit",
			   FINDING_ERROR);
	bad |= fixture_add(&fx, DN_PROXY, "proxyAddresses",
			   "smtp:old@example.local", "proxyaddresses.tld",
			   "TopLevelDomain", "", "Remove", FINDING_ERROR);
	bad |= fixture_add(&fx, DN_PROXY, "mail", "<x@example.com",
			   "mail.character", "Character", "x@example.com",
			   "Edit", FINDING_ERROR);
	bad |= fixture_add(&fx, DN_BLANK, "displayname", "",
			   "displayname.blank", "Blank", "Blank", "Edit",
			   FINDING_ERROR);
	bad |= fixture_add(&fx, DN_HOSTILE, "displayname",
			   "line1\nline2 ", "displayname.character",
			   "Character", "line1 line2", "Edit", FINDING_ERROR);
	bad |= fixture_add(&fx, DN_HOSTILE, "givenname", "Ok",
			   "givenname.length", "Length", "Ok", "Complete",
			   FINDING_WARNING);
	bad |= fixture_add(&fx, DN_HOSTILE, "bad attr", "x", "x.y", "Format",
			   "y", "Edit", FINDING_ERROR);
	/* Case twins, both fixed to the same address. */
	bad |= fixture_add(&fx, DN_TWIN, "proxyAddresses", "SMTP:a b@example.com",
			   "proxyaddresses.character", "Character",
			   "SMTP:ab@example.com", "Edit", FINDING_ERROR);
	bad |= fixture_add(&fx, DN_TWIN, "proxyAddresses", "smtp:a b@example.com",
			   "proxyaddresses.character", "Character",
			   "smtp:ab@example.com", "Edit", FINDING_ERROR);
	bad |= store_scan_complete(fx.store, fx.scan_id) != STATUS_OK;
	ok(!bad, "fixture written");

	/* --accept: the proposals. */
	char *chg = NULL, *undo = NULL;
	size_t chg_len = 0, undo_len = 0, n = 0;
	ok(write_ldif(&fx, true, &chg, &chg_len, &undo, &undo_len, &n) == 0,
	   "LDIF written with --accept");
	is_int(n, 9, "nine changes (Complete and a bad attribute skipped)");
	ok(strstr(chg, "cn:") == NULL, "no cn: line (IdFix's LDF bug)");
	ok(strstr(chg, "dn:: ") != NULL, "non-ASCII DN is base64");
	ok(strstr(chg, "displayName:: ") != NULL,
	   "leading space value is base64");
	ok(strstr(undo, "mailNickname:: ") != NULL,
	   "leading colon is base64 (undo)");
	ok(strstr(undo, "mail:: ") != NULL, "leading < is base64 (undo)");
	ok(strstr(undo, "mailNickname: :") == NULL &&
		   strstr(undo, "mail: <") == NULL,
	   "no raw : or < value");
	ok(strstr(chg, "bad attr") == NULL, "invalid attribute name skipped");

	struct strbuf got;
	strbuf_init(&got);
	is_int(parse_back(chg, chg_len, &got), 9,
	       "libldap parses nine change records");
	is_str(got.buf,
	       "dn=" DN_BLANK "\n"
	       "replace displayName [Blank]\n"
	       "dn=" DN_HOSTILE "\n"
	       "replace displayName [line1 line2]\n"
	       "dn=" DN_UMLAUT "\n"
	       "replace displayName [M\xc3\xbcller, Hans]\n"
	       "dn=" DN_UMLAUT "\n"
	       "replace mailNickname [colon]\n"
	       "dn=" DN_PROXY "\n"
	       "replace mail [x@example.com]\n"
	       "dn=" DN_PROXY "\n"
	       "delete proxyAddresses [smtp:a b@example.com]\n"
	       "add proxyAddresses [smtp:ab@example.com]\n"
	       "dn=" DN_PROXY "\n"
	       "delete proxyAddresses [smtp:old@example.local]\n"
	       "dn=" DN_TWIN "\n"
	       "delete proxyAddresses [SMTP:a b@example.com]\n"
	       "add proxyAddresses [SMTP:ab@example.com]\n"
	       "dn=" DN_TWIN "\n"
	       "delete proxyAddresses [smtp:a b@example.com]\n",
	       "change records carry the exact values; a second fix to the "
	       "same address only removes");

	strbuf_reset(&got);
	is_int(parse_back(undo, undo_len, &got), 8,
	       "libldap parses eight undo records (a case twin is not re-added)");
	is_str(got.buf,
	       "dn=" DN_TWIN "\n"
	       "delete proxyAddresses [SMTP:ab@example.com]\n"
	       "add proxyAddresses [SMTP:a b@example.com]\n"
	       "dn=" DN_PROXY "\n"
	       "add proxyAddresses [smtp:old@example.local]\n"
	       "dn=" DN_PROXY "\n"
	       "delete proxyAddresses [smtp:ab@example.com]\n"
	       "add proxyAddresses [smtp:a b@example.com]\n"
	       "dn=" DN_PROXY "\n"
	       "replace mail [<x@example.com]\n"
	       "dn=" DN_UMLAUT "\n"
	       "replace mailNickname [:colon]\n"
	       "dn=" DN_UMLAUT "\n"
	       "replace displayName [ M\xc3\xbcller, Hans]\n"
	       "dn=" DN_HOSTILE "\n"
	       "replace displayName [line1\nline2 ]\n"
	       "dn=" DN_BLANK "\n"
	       "delete displayName\n",
	       "undo records restore the old values, last change first");
	free(chg);
	free(undo);

	/* Without --accept: only the consultant's decisions. */
	ok(fixture_decide(&fx, DN_PROXY, "proxyAddresses",
			  "smtp:a b@example.com", "REMOVE", "") == 0 &&
		   fixture_decide(&fx, DN_UMLAUT, "displayname",
				  " M\xc3\xbcller, Hans", "EDIT",
				  "Hans M\xc3\xbcller") == 0 &&
		   fixture_decide(&fx, DN_PROXY, "mail", "<x@example.com",
				  "COMPLETE", "") == 0 &&
		   fixture_decide(&fx, DN_HOSTILE, "givenname", "Ok", "Bogus",
				  "x") == 0,
	   "decisions recorded");
	chg = undo = NULL;
	ok(write_ldif(&fx, false, &chg, &chg_len, &undo, &undo_len, &n) == 0,
	   "LDIF written from the decisions");
	is_int(n, 2, "two changes: EDIT and REMOVE");
	strbuf_reset(&got);
	parse_back(chg, chg_len, &got);
	is_str(got.buf,
	       "dn=" DN_UMLAUT "\n"
	       "replace displayName [Hans M\xc3\xbcller]\n"
	       "dn=" DN_PROXY "\n"
	       "delete proxyAddresses [smtp:a b@example.com]\n",
	       "edited UPDATE used, REMOVE deletes the one value");
	strbuf_reset(&got);
	parse_back(undo, undo_len, &got);
	is_str(got.buf,
	       "dn=" DN_PROXY "\n"
	       "add proxyAddresses [smtp:a b@example.com]\n"
	       "dn=" DN_UMLAUT "\n"
	       "replace displayName [ M\xc3\xbcller, Hans]\n",
	       "undo of the decisions");
	free(chg);
	free(undo);

	char *p = report_ldif_undo_path("out/changes.ldif");
	is_str(p, "out/changes-undo.ldif", "undo path of .ldif");
	free(p);
	p = report_ldif_undo_path("x.LDF");
	is_str(p, "x-undo.LDF", "undo path of .LDF");
	free(p);
	p = report_ldif_undo_path("dir.v2/changes");
	is_str(p, "dir.v2/changes-undo.ldif", "undo path without suffix");
	free(p);
	p = report_ldif_undo_path(".ldif");
	is_str(p, ".ldif-undo.ldif", "dot file is not a suffix");
	free(p);

	/* The file variant: both files, no temporary left. */
	char path[200], upath[220];
	snprintf(path, sizeof(path), "%s/changes.ldif", fx.dir);
	snprintf(upath, sizeof(upath), "%s/changes-undo.ldif", fx.dir);
	struct store_scan scan;
	store_get_scan(fx.store, "latest", &scan);
	ok(report_ldif_write_files(fx.store, &scan, true, path) == STATUS_OK,
	   "report_ldif_write_files");
	store_scan_release(&scan);
	ok(access(path, R_OK) == 0 && access(upath, R_OK) == 0,
	   "change and undo files exist");
	unlink(path);
	unlink(upath);
	snprintf(path, sizeof(path), "%s/no-such-dir/changes.ldif", fx.dir);
	store_get_scan(fx.store, "latest", &scan);
	unsigned before = log_error_count();
	ok(report_ldif_write_files(fx.store, &scan, true, path) == STATUS_ERR_IO,
	   "a missing directory is an I/O error");
	is_int(log_error_count() - before, 1, "logged once");
	store_scan_release(&scan);
	/* Nothing left behind in the fixture directory but the database. */
	char cmd[300];
	snprintf(cmd, sizeof(cmd),
		 "test $(ls -A %s | grep -v '^test.db' | wc -l) -eq 0", fx.dir);
	ok(system(cmd) == 0, "no temporary file left behind");

	strbuf_release(&got);
	fixture_close(&fx);
	return tap_done();
}
