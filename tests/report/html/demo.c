/*
 * Writes a demo database and its HTML, JSON and LDIF reports into a
 * directory, for the Python checks, the browser test and the benchmark:
 *
 *   report-demo DIR [EXTRA]
 *
 * Scan 1 is an older scan, scan 2 the one reported (compared with scan 1).
 * Scan 2 holds hostile values (markup, script breakers, controls, invalid
 * UTF-8, formula starters, umlauts, emoji), a duplicate group, and EXTRA
 * generated findings (default 0; the benchmark uses 100000).
 */
#include <stdio.h>
#include <stdlib.h>

#include "report/writers.h"
#include "fixture.h"

/* Every value here must come back exactly from the JSON report. */
static const char *const hostile_names[] = {
	"<img src=x onerror=alert(1)>",
	"</script><script>alert(2)</script>",
	"<!-- comment --> -->",
	"M\xc3\xbcller, J\xc3\xbcrgen \"JJ\" \xf0\x9f\x98\x80",
	"=HYPERLINK(\"http://x.invalid\")",
	"+49 30 1234",
	"-Old-",
	"@home",
	"\tTabbed",
	"'quoted",
	"line1\r\nline2",
	"bad \xff byte",
	"\xe2\x80\xa8separator",
};

static int
add_hostile(struct fixture *fx)
{
	int bad = 0;
	char dn[256];
	for (size_t i = 0; i < sizeof(hostile_names) / sizeof(*hostile_names);
	     i++) {
		snprintf(dn, sizeof(dn), "CN=Hostile %zu\\, Test,OU=Users,"
			 "DC=example,DC=com", i);
		bad |= fixture_add(fx, dn, "displayname", hostile_names[i],
				   "displayname.character", "Character",
				   "Cleaned", "Edit", FINDING_ERROR);
	}
	bad |= fixture_add(fx, "CN=Dup A,OU=Users,DC=example,DC=com",
			   "proxyAddresses", "smtp:shared@example.com",
			   "proxyaddresses.duplicate", "Duplicate", "",
			   "Remove", FINDING_ERROR);
	bad |= fixture_add(fx, "CN=Dup B,OU=Sales,DC=example,DC=com",
			   "proxyAddresses", "SMTP:Shared@Example.com",
			   "proxyaddresses.duplicate", "Duplicate", "",
			   "Remove", FINDING_ERROR);
	bad |= fixture_add(fx, "CN=Dup C <b>x</b>,OU=Sales,DC=example,DC=com",
			   "proxyAddresses", "smtp:SHARED@example.com",
			   "proxyaddresses.duplicate", "Character, Duplicate",
			   "", "Remove", FINDING_ERROR);
	/* Duplicate candidates the store resolves (dup_key). */
	static const char *const holders[] = {
		"CN=Mail One,OU=Users,DC=example,DC=com",
		"CN=Mail Two,OU=Users,DC=example,DC=com"};
	static const char *const addrs[] = {"same@example.com",
					    "SAME@Example.com"};
	for (int i = 0; i < 2; i++) {
		struct finding f = {
			.dn = holders[i],
			.cn = holders[i] + 3,
			.objectclass = "user",
			.objectguid = holders[i],
			.attribute = "mail",
			.value = addrs[i],
			.severity = FINDING_ERROR,
			.dup_key = "smtp\x1fsame@example.com",
			.dup_rule = "mail.duplicate",
			.dup_error = "Duplicate",
			.dup_update = "",
			.dup_action = "Edit",
			.dup_severity = FINDING_ERROR,
		};
		bad |= store_add_finding(fx->store, fx->scan_id, &f) !=
		       STATUS_OK;
	}
	bad |= fixture_add(fx, "CN=Local,OU=Users,DC=example,DC=com",
			   "userprincipalname", "local@corp.local",
			   "upn.tld", "TopLevelDomain", "local@example.com",
			   "Edit", FINDING_WARNING);
	bad |= fixture_add(fx, "CN=Blank,OU=Users,DC=example,DC=com",
			   "mailnickname", "", "mailnickname.blank", "Blank",
			   "Blank", "Edit", FINDING_ERROR);
	bad |= fixture_add(fx, "CN=Info,OU=Users,DC=example,DC=com",
			   "givenname", "x", "givenname.newcheck",
			   "NewCheck", "x", "Complete", FINDING_INFO);
	return bad;
}

static int
add_generated(struct fixture *fx, long n)
{
	static const char *const attrs[] = {"displayname", "mail",
					    "proxyAddresses",
					    "userprincipalname",
					    "mailnickname"};
	static const char *const rules[] = {"displayname.character",
					    "mail.format", "proxyaddresses.tld",
					    "upn.character",
					    "mailnickname.length"};
	static const char *const errors[] = {"Character", "Format",
					     "TopLevelDomain", "Character",
					     "Length"};
	char dn[128], value[128], update[128];
	for (long i = 0; i < n; i++) {
		int k = (int)(i % 5);
		snprintf(dn, sizeof(dn), "CN=User %06ld,OU=Bulk %02ld,"
			 "DC=example,DC=com", i, i % 37);
		snprintf(value, sizeof(value), "user%06ld bad@example.local", i);
		snprintf(update, sizeof(update), "user%06ld@example.com", i);
		if (fixture_add(fx, dn, attrs[k], value, rules[k], errors[k],
				update, "Edit",
				(enum finding_severity)(i % 7 == 0 ? 1 : 0)) !=
		    0) {
			return -1;
		}
	}
	return 0;
}

static int
write_one(struct fixture *fx, const struct store_scan *scan, int64_t prev,
	  const char *dir, const char *name, int html)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	enum status st = html ? report_html_write(fx->store, scan, prev, f)
			      : report_json_write(fx->store, scan, prev, f);
	if (fclose(f) != 0 || st != STATUS_OK) {
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: report-demo DIR [EXTRA]\n");
		return 2;
	}
	const char *dir = argv[1];
	long extra = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	struct fixture fx;

	/* The fixture's own temp dir holds nothing else: use DIR's db. */
	if (fixture_open(&fx) != 0) {
		fprintf(stderr, "cannot create the store\n");
		return 1;
	}
	/* Scan 1: two findings that scan 2 no longer has, one it keeps. */
	int bad = 0;
	bad |= fixture_add(&fx, "CN=Fixed,OU=Users,DC=example,DC=com",
			   "mail", "fixed <b>@example.com", "mail.character",
			   "Character", "fixed@example.com", "Edit",
			   FINDING_ERROR);
	bad |= fixture_add(&fx, "CN=Local,OU=Users,DC=example,DC=com",
			   "userprincipalname", "local@corp.local", "upn.tld",
			   "TopLevelDomain", "local@example.com", "Edit",
			   FINDING_WARNING);
	bad |= fixture_add(&fx, "CN=Deleted,OU=Users,DC=example,DC=com",
			   "mail", "deleted@example.local", "mail.tld",
			   "TopLevelDomain", "deleted@example.com", "Edit",
			   FINDING_ERROR);
	bad |= store_scan_complete(fx.store, fx.scan_id) != STATUS_OK;
	struct store_scan_meta meta = {
		.source_kind = "ldap",
		.source = "ldap://dc1.example.com \"<i>\"",
		.base = "DC=example,DC=com",
		.filter = "(|(objectClass=user)(objectClass=contact))",
		.rule_pack = "multi-tenant",
		.rule_pack_hash = "9f86d081884c7d659a2feaa0c55ad015",
		.label = "Contoso <script>alert(3)</script> pre-migration",
		.tool_version = "0.1.0",
	};
	int64_t first = fx.scan_id;
	bad |= store_scan_begin(fx.store, &meta, &fx.scan_id) != STATUS_OK;
	bad |= add_hostile(&fx);
	/* CN=Fixed is still there, without its finding; CN=Deleted is gone. */
	char guid[64];
	fixture_guid("CN=Fixed,OU=Users,DC=example,DC=com", guid, sizeof(guid));
	struct store_object fixed = {
		.key = guid,
		.dn = "CN=Fixed,OU=Users,DC=example,DC=com",
		.cn = "Fixed",
		.objectclass = "user",
	};
	bad |= store_add_object(fx.store, fx.scan_id, &fixed) != STATUS_OK;
	bad |= add_generated(&fx, extra);
	bad |= store_add_skipped(fx.store, fx.scan_id,
				 "system object (isCriticalSystemObject)") !=
	       STATUS_OK;
	bad |= store_add_skipped(fx.store, fx.scan_id,
				 "<b>reason</b> & more") != STATUS_OK;
	for (int i = 0; i < 2; i++) {
		bad |= store_add_count(fx.store, fx.scan_id,
				       "objects with <i>mS-DS-ConsistencyGuid"
				       "</i>") != STATUS_OK;
	}
	bad |= store_scan_complete(fx.store, fx.scan_id) != STATUS_OK;
	if (bad) {
		fprintf(stderr, "cannot fill the store\n");
		return 1;
	}
	struct store_scan scan;
	if (store_get_scan(fx.store, "latest", &scan) != STATUS_OK) {
		return 1;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/changes.ldif", dir);
	if (write_one(&fx, &scan, first, dir, "report.html", 1) != 0 ||
	    write_one(&fx, &scan, first, dir, "report.json", 0) != 0 ||
	    report_ldif_write_files(fx.store, &scan, true, path) !=
		    STATUS_OK) {
		fprintf(stderr, "cannot write the reports\n");
		return 1;
	}
	store_scan_release(&scan);
	fixture_close(&fx);
	return 0;
}
