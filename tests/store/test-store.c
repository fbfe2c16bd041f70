/*
 * Unit tests of store/: schema creation and migration, a scan's round
 * trip, duplicate resolution, failed and interrupted scans, and clean
 * errors for read-only, full and foreign databases.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "store/schema.h"
#include "store/store.h"
#include "tap.h"

/*
 * With SYNCREADY_TEST_WRITE_BEHIND set (the store-write-behind test),
 * every store writes its rows from its writer thread: the results must
 * not change.
 */
static struct store *
open_store(const char *path, enum status *st)
{
	struct store *s = store_open(path, st);
	if (s != NULL && getenv("SYNCREADY_TEST_WRITE_BEHIND") != NULL &&
	    store_write_behind(s) != STATUS_OK) {
		store_free(s);
		*st = STATUS_ERR_UNEXPECTED;
		return NULL;
	}
	return s;
}
#define store_open(path, st) open_store(path, st)

static char tmpdir[] = "/tmp/test-store-XXXXXX";
static unsigned db_seq;

/* A fresh database path in the test's directory. */
static char *
db_path(void)
{
	return xasprintf("%s/t%u.db", tmpdir, ++db_seq);
}

static int
db_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK) {
		sqlite3_stmt *stmt = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW) {
			v = sqlite3_column_int(stmt, 0);
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return v;
}

/* The first column of the first row as text (freed by the caller). */
static char *
db_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *v = xstrdup("(none)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK) {
		sqlite3_stmt *stmt = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW &&
		    sqlite3_column_text(stmt, 0) != NULL) {
			free(v);
			v = xstrdup((const char *)sqlite3_column_text(stmt, 0));
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return v;
}

static bool
db_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	bool ok = sqlite3_open(path, &db) == SQLITE_OK &&
		  sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

static const struct store_scan_meta meta = {
	.source_kind = "ldif",
	.source = "contoso.ldif",
	.filter = "(objectClass=*)",
	.rule_pack = "multi-tenant",
	.rule_pack_hash = "abc123",
	.label = "test",
	.tool_version = "0.1.0",
};

static enum status
add_obj(struct store *s, int64_t id, const char *key, const char *dn)
{
	struct store_object o = {
		.key = key, .dn = dn, .cn = "cn", .objectclass = "user"};
	return store_add_object(s, id, &o);
}

/* A plain finding on an object. */
static struct finding
plain(const char *key, const char *dn, const char *attr, const char *value,
      const char *rule, const char *error)
{
	struct finding f = {
		.dn = dn,
		.cn = "cn",
		.objectclass = "user",
		.objectguid = key,
		.attribute = attr,
		.value = value,
		.rule = rule,
		.error = error,
		.update = "fixed",
		.proposed_action = "Edit",
		.severity = FINDING_ERROR,
	};
	return f;
}

/* A duplicate candidate: plain variant error (may be NULL) + dup one. */
static struct finding
candidate(const char *key, const char *dn, const char *attr, const char *value,
	  const char *error, const char *dup_key)
{
	struct finding f = plain(key, dn, attr, value, "x.format", error);
	f.severity = FINDING_WARNING;
	f.dup_key = dup_key;
	f.dup_rule = "x.duplicate";
	f.dup_error = "Duplicate";
	f.dup_update = "";
	f.dup_action = "Remove";
	f.dup_severity = FINDING_ERROR;
	return f;
}

/* Collects findings as "dn|attr|value|rule|error|severity|action|status". */
static enum status
collect(void *ctx, const struct finding *f)
{
	struct strbuf *sb = ctx;
	strbuf_addf(sb, "%s|%s|%s|%s|%s|%s|%s|%s\n", f->dn, f->attribute,
		    f->value, f->rule, f->error,
		    finding_severity_str(f->severity),
		    f->action != NULL ? f->action : "-",
		    f->status != NULL ? f->status : "-");
	if (f->dup_rule != NULL || f->dup_error != NULL ||
	    f->dup_update != NULL || f->dup_action != NULL) {
		strbuf_addstr(sb, "dup fields set!\n");
	}
	if (f->dup_key != NULL) {
		strbuf_addf(sb, "  group %s\n", f->dup_key);
	}
	return STATUS_OK;
}

static char *
findings_of(struct store *s, int64_t id, int64_t prev)
{
	struct strbuf sb;
	strbuf_init(&sb);
	if (store_each_finding_compared(s, id, prev, collect, &sb) !=
	    STATUS_OK) {
		strbuf_addstr(&sb, "ERROR");
	}
	return strbuf_detach(&sb, NULL);
}

static void
test_create_reopen(void)
{
	char *path = db_path();
	enum status st = STATUS_ERR_UNEXPECTED;
	struct store *s = store_open(path, &st);
	ok(s != NULL && st == STATUS_OK, "a new database is created");
	store_free(s);
	is_int(db_int(path, "PRAGMA user_version"), store_schema_version(),
	       "the schema version is recorded");
	ok(store_schema_version() >= 1, "there is at least one migration");
	is_int(db_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
			    " ('scans', 'skipped', 'not_crawled', 'objects',"
			    " 'findings', 'decisions')"),
	       6, "every table exists");
	/* Header bytes 18 and 19 are 2 in a WAL database. */
	unsigned char hdr[20] = {0};
	FILE *fp = fopen(path, "rb");
	ok(fp != NULL && fread(hdr, 1, sizeof(hdr), fp) == sizeof(hdr) &&
		   hdr[18] == 2 && hdr[19] == 2,
	   "the database is in WAL mode");
	if (fp != NULL) {
		fclose(fp);
	}

	s = store_open_existing(path, &st);
	ok(s != NULL && st == STATUS_OK, "the database opens again");
	struct store_scan *scans = NULL;
	size_t n = 99;
	is_int(store_list_scans(s, &scans, &n), STATUS_OK, "list scans");
	is_int(n, 0, "a new database has no scan");
	store_scans_free(scans, n);
	struct store_scan latest;
	unsigned errs = log_error_count();
	is_int(store_get_scan(s, "latest", &latest), STATUS_ERR_USAGE,
	       "no latest scan in an empty database");
	is_int(log_error_count() - errs, 1, "that is logged once");
	store_scan_release(&latest);
	store_free(s);

	/* Opening an older version migrates it: simulate "no steps yet". */
	char *empty = db_path();
	ok(db_exec(empty, "PRAGMA user_version = 0"), "an empty sqlite file");
	s = store_open(empty, &st);
	ok(s != NULL, "an empty sqlite file is migrated from version 0");
	store_free(s);
	is_int(db_int(empty, "PRAGMA user_version"), store_schema_version(),
	       "to the current version");

	char *missing = xasprintf("%s/missing.db", tmpdir);
	errs = log_error_count();
	s = store_open_existing(missing, &st);
	ok(s == NULL && st == STATUS_ERR_STORE,
	   "store_open_existing does not create a database");
	is_int(log_error_count() - errs, 1, "that is logged once");
	ok(access(missing, F_OK) != 0, "and no file appears");
	free(missing);
	free(empty);
	free(path);
}

static void
test_round_trip(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t id = 0;
	is_int(store_scan_begin(s, &meta, &id), STATUS_OK, "scan begins");
	ok(id > 0, "the scan has an id");

	struct store_scan scan;
	is_int(store_get_scan(s, "latest", &scan), STATUS_ERR_USAGE,
	       "a running scan is not the latest");
	store_scan_release(&scan);

	is_int(store_scan_set_base(s, id, "DC=contoso,DC=com"), STATUS_OK,
	       "base set");
	ok(add_obj(s, id, "g1", "CN=b,DC=contoso,DC=com") == STATUS_OK &&
		   add_obj(s, id, "g2", "CN=A,DC=contoso,DC=com") ==
			   STATUS_OK &&
		   add_obj(s, id, "g3", "CN=c,DC=contoso,DC=com") ==
			   STATUS_OK &&
		   add_obj(s, id, "g4", "CN=krbtgt,DC=contoso,DC=com") ==
			   STATUS_OK,
	   "objects added");
	ok(store_add_skipped(s, id, "well-known account") == STATUS_OK &&
		   store_add_skipped(s, id, "well-known account") ==
			   STATUS_OK &&
		   store_add_skipped(s, id, "critical system object") ==
			   STATUS_OK,
	   "skipped added");
	is_int(store_add_not_crawled(s, id, "ldap://other/DC=x"), STATUS_OK,
	       "reference added");

	struct finding f1 = plain("g1", "CN=b,DC=contoso,DC=com", "mail", "b@x",
				  "mail.format", "Format");
	struct finding f2 =
		plain("g2", "CN=A,DC=contoso,DC=com", "mail",
		      "a,\"q\"\r\n\xc3\xa4", "mail.character", "Character");
	struct finding f3 = plain("g2", "CN=A,DC=contoso,DC=com", "displayname",
				  "", "displayname.blank", "Blank");
	f3.severity = FINDING_WARNING;
	struct finding f4 = plain("g3", "CN=c,DC=contoso,DC=com", "cn", "c",
				  "cn.info", "Length");
	f4.severity = FINDING_INFO;
	struct finding none =
		plain("g3", "CN=c,DC=contoso,DC=com", "cn", "c", NULL, NULL);
	ok(store_add_finding(s, id, &f1) == STATUS_OK &&
		   store_add_finding(s, id, &f2) == STATUS_OK &&
		   store_add_finding(s, id, &f3) == STATUS_OK &&
		   store_add_finding(s, id, &f4) == STATUS_OK &&
		   store_add_finding(s, id, &none) == STATUS_OK,
	   "findings added");
	is_int(store_scan_complete(s, id), STATUS_OK, "scan completes");
	is_int(store_scan_complete(s, id), STATUS_ERR_STORE,
	       "a complete scan cannot complete again");

	is_int(store_get_scan(s, "latest", &scan), STATUS_OK, "latest scan");
	is_int(scan.id, id, "latest is this scan");
	is_str(scan.state, "complete", "state complete");
	is_str(scan.reason, NULL, "no reason");
	is_str(scan.base, "DC=contoso,DC=com", "base");
	is_str(scan.source_kind, "ldif", "source kind");
	is_str(scan.source, "contoso.ldif", "source");
	is_str(scan.filter, "(objectClass=*)", "filter");
	is_str(scan.rule_pack, "multi-tenant", "rule pack");
	is_str(scan.rule_pack_hash, "abc123", "rule pack hash");
	is_str(scan.label, "test", "label");
	is_str(scan.tool_version, "0.1.0", "tool version");
	ok(scan.started != NULL && strlen(scan.started) == 20 &&
		   scan.started[10] == 'T' && scan.started[19] == 'Z',
	   "started is ISO 8601 UTC");
	ok(scan.finished != NULL, "finished is set");
	is_int(scan.objects_read, 4, "objects read");
	is_int(scan.objects_skipped, 3, "objects skipped");
	is_int(scan.findings, 4, "findings counted");
	is_int(scan.errors, 2, "errors counted");
	is_int(scan.warnings, 1, "warnings counted");
	is_int(scan.infos, 1, "infos counted");
	store_scan_release(&scan);

	char *idstr = xasprintf("%lld", (long long)id);
	is_int(store_get_scan(s, idstr, &scan), STATUS_OK, "scan by id");
	is_int(scan.id, id, "the right one");
	store_scan_release(&scan);
	free(idstr);
	is_int(store_get_scan(s, "12x", &scan), STATUS_ERR_USAGE,
	       "a bad scan spec is a usage error");
	is_int(store_get_scan(s, "999", &scan), STATUS_ERR_USAGE,
	       "an unknown scan id is a usage error");

	struct store_count *counts = NULL;
	size_t n = 0;
	is_int(store_skipped_counts(s, id, &counts, &n), STATUS_OK,
	       "skipped counts");
	is_int(n, 2, "two reasons");
	if (n == 2) {
		is_str(counts[0].name, "well-known account",
		       "most frequent first");
		is_int(counts[0].count, 2, "counted twice");
		is_int(counts[1].count, 1, "counted once");
	}
	store_counts_free(counts, n);

	char *got = findings_of(s, id, 0);
	is_str(got,
	       "CN=A,DC=contoso,DC=com|displayname||displayname.blank|Blank|"
	       "warning|-|-\n"
	       "CN=A,DC=contoso,DC=com|mail|a,\"q\"\r\n\xc3\xa4|mail.character|"
	       "Character|error|-|-\n"
	       "CN=b,DC=contoso,DC=com|mail|b@x|mail.format|Format|error|-|-\n"
	       "CN=c,DC=contoso,DC=com|cn|c|cn.info|Length|info|-|-\n",
	       "findings in DN (case-insensitive), attribute order, bytes kept");
	free(got);

	/* A decision from an imported CSV shows as the finding's action. */
	struct store_decision d = {.key = "g1",
				   .attribute = "mail",
				   .value = "b@x",
				   .action = "Edit",
				   .update = "b@contoso.com",
				   .origin = "fix.csv"};
	is_int(store_set_decision(s, id, &d), STATUS_OK, "decision recorded");
	d.action = "Complete";
	is_int(store_set_decision(s, id, &d), STATUS_OK, "decision replaced");
	got = findings_of(s, id, 0);
	ok(strstr(got, "b@x|mail.format|Format|error|Complete|-") != NULL,
	   "the decision's action is read back");
	free(got);

	/* A second scan of the same source: compare with the first. */
	int64_t id2 = 0;
	store_scan_begin(s, &meta, &id2);
	store_scan_set_base(s, id2, "DC=contoso,DC=com");
	struct finding moved = f1;
	moved.dn = "CN=b,OU=moved,DC=contoso,DC=com";
	struct finding fresh = plain("g9", "CN=n,DC=contoso,DC=com", "mail",
				     "n@x", "mail.format", "Format");
	ok(store_add_finding(s, id2, &moved) == STATUS_OK &&
		   store_add_finding(s, id2, &fresh) == STATUS_OK &&
		   store_scan_complete(s, id2) == STATUS_OK,
	   "second scan");
	is_int(store_get_previous(s, id2, &scan), STATUS_OK,
	       "previous scan found");
	is_int(scan.id, id, "previous is the first scan");
	store_scan_release(&scan);
	is_int(store_get_previous(s, id, &scan), STATUS_ERR_USAGE,
	       "the first scan has no previous one");
	bool found = true;
	is_int(store_find_previous(s, id, &scan, &found), STATUS_OK,
	       "find_previous: none is not an error");
	ok(!found, "find_previous: says there is none");
	is_int(store_find_previous(s, id2, &scan, &found), STATUS_OK,
	       "find_previous of the second scan");
	ok(found && scan.id == id, "find_previous: the first scan");
	store_scan_release(&scan);
	got = findings_of(s, id2, id);
	is_str(got,
	       "CN=b,OU=moved,DC=contoso,DC=com|mail|b@x|mail.format|Format|"
	       "error|-|open\n"
	       "CN=n,DC=contoso,DC=com|mail|n@x|mail.format|Format|error|-|"
	       "new\n",
	       "a moved object's finding is open (keyed by GUID), a new one new");
	free(got);

	store_free(s);
	free(path);
}

static enum status
collect_change(void *ctx, enum store_change change,
	       const struct store_object *obj, const char *old_dn)
{
	static const char *const names[] = {"appeared", "disappeared", "moved"};
	strbuf_addf(ctx, "%s %s %s %s\n", names[change], obj->key, obj->dn,
		    old_dn != NULL ? old_dn : "-");
	return STATUS_OK;
}

static enum status
collect_rule_line(void *ctx, const struct store_rule *r)
{
	strbuf_addf(ctx, "%s|%s|%s|%s|%s|%s|%d\n", r->id, r->attribute,
		    r->check, r->severity, r->description, r->remediation,
		    r->enabled);
	return STATUS_OK;
}

/*
 * The rules' summary counters, and a database of schema version 1 (no
 * summary table) migrated on open with its scans kept.
 */
static void
test_summary(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t id = 0;
	is_int(store_scan_begin(s, &meta, &id), STATUS_OK, "summary: begin");
	store_add_count(s, id, "objects with mS-DS-ConsistencyGuid");
	store_add_count(s, id, "not synced by default: critical system object");
	store_add_count(s, id, "objects with mS-DS-ConsistencyGuid");
	const struct store_rule rule = {
		.id = "upn.character",
		.attribute = "userPrincipalName",
		.check = "charset",
		.severity = "error",
		.description = "characters Entra ID refuses",
		.remediation = "Remove them.\nOr rename.",
		.enabled = true,
	};
	is_int(store_add_rule(s, id, &rule), STATUS_OK, "a rule is recorded");
	struct finding f = plain("g1", "CN=x", "mail", "v", "r", "Format");
	is_int(store_add_finding(s, id, &f), STATUS_OK, "a finding is recorded");
	is_int(store_scan_complete(s, id), STATUS_OK, "summary: complete");
	struct strbuf got;
	strbuf_init(&got);
	is_int(store_each_rule(s, id, collect_rule_line, &got), STATUS_OK,
	       "the rules are read back");
	is_str(got.buf,
	       "upn.character|userPrincipalName|charset|error|characters "
	       "Entra ID refuses|Remove them.\nOr rename.|1\n",
	       "with every field");
	strbuf_release(&got);
	struct store_count *counts = NULL;
	size_t n = 0;
	is_int(store_summary_counts(s, id, &counts, &n), STATUS_OK,
	       "summary counts read back");
	is_int(n, 2, "two counters");
	if (n == 2) {
		is_str(counts[0].name,
		       "not synced by default: critical system object",
		       "by name");
		is_int(counts[0].count, 1, "counted once");
		is_int(counts[1].count, 2, "counted twice");
	}
	store_counts_free(counts, n);
	store_free(s);

	/* Back to version 1, as a database of the first release would be. */
	ok(db_exec(path, "DROP TABLE summary; DROP TABLE rules;"
			 " PRAGMA user_version = 1"),
	   "a version 1 database");
	s = store_open(path, &st);
	ok(s != NULL, "version 1 is migrated on open");
	if (s == NULL) {
		free(path);
		return;
	}
	is_int(db_int(path, "PRAGMA user_version"), store_schema_version(),
	       "to the current version");
	is_int(db_int(path, "SELECT count(*) FROM findings"), 1,
	       "its findings are kept (version 4 rebuilds the table)");
	is_int(db_int(path, "SELECT count(*) FROM pragma_index_info("
			    "'findings_scan_key')"),
	       2, "findings are indexed by scan and object (version 5)");
	is_int(db_int(path,
		      "SELECT count(*) FROM pragma_index_info("
		      "'findings_scan_key') WHERE (seqno = 0 AND name ="
		      " 'scan_id') OR (seqno = 1 AND name = 'object_key')"),
	       2, "in that order");
	is_int(db_int(path, "SELECT count(*) FROM pragma_index_info("
			    "'objects_scan') WHERE seqno = 0 AND name ="
			    " 'scan_id'"),
	       1, "objects are indexed by scan (version 6)");
	is_int(db_int(path, "SELECT count(*) FROM pragma_index_info("
			    "'objects_scan')"),
	       1, "by scan alone");
	is_int(db_int(path, "SELECT count(*) FROM sqlite_master WHERE name ="
			    " 'objects_scan_key'"),
	       0, "the (scan_id, key) index is gone");
	char *bad = xasprintf("INSERT INTO findings (scan_id, object_key, dn,"
			      " attribute, value, error, severity) VALUES"
			      " (%lld, 'k', 'd', 'a', 'v', 'e', 'fatal')",
			      (long long)id);
	ok(!db_exec(path, bad), "the severity check still holds");
	free(bad);
	struct store_scan scan;
	is_int(store_get_scan(s, "latest", &scan), STATUS_OK,
	       "its scans are kept");
	store_scan_release(&scan);
	is_int(store_summary_counts(s, id, &counts, &n), STATUS_OK,
	       "the summary table exists");
	is_int(n, 0, "empty for the old scan");
	store_counts_free(counts, n);
	store_free(s);
	free(path);
}

static void
test_compare(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t a = 0, b = 0;
	store_scan_begin(s, &meta, &a);
	struct finding fa1 = plain("g1", "CN=a,DC=x", "mail", "x", "r", "E");
	struct finding fa2 = plain("g2", "CN=b,DC=x", "mail", "y", "r", "E");
	struct finding fa3 = plain("g3", "CN=c,DC=x", "mail", "z", "r", "E");
	ok(add_obj(s, a, "g1", "CN=a,DC=x") == STATUS_OK &&
		   store_add_finding(s, a, &fa1) == STATUS_OK &&
		   add_obj(s, a, "g2", "CN=b,DC=x") == STATUS_OK &&
		   store_add_finding(s, a, &fa2) == STATUS_OK &&
		   add_obj(s, a, "g3", "CN=c,DC=x") == STATUS_OK &&
		   store_add_finding(s, a, &fa3) == STATUS_OK &&
		   store_scan_complete(s, a) == STATUS_OK,
	   "old scan");
	store_scan_begin(s, &meta, &b);
	struct finding fb2 =
		plain("g2", "CN=b,OU=moved,DC=x", "mail", "y", "r", "E");
	struct finding fb4 = plain("g4", "CN=d,DC=x", "mail", "w", "r", "E");
	ok(add_obj(s, b, "g1", "CN=a,DC=x") == STATUS_OK &&
		   add_obj(s, b, "g2", "CN=b,OU=moved,DC=x") == STATUS_OK &&
		   store_add_finding(s, b, &fb2) == STATUS_OK &&
		   add_obj(s, b, "g4", "CN=d,DC=x") == STATUS_OK &&
		   store_add_finding(s, b, &fb4) == STATUS_OK &&
		   store_scan_complete(s, b) == STATUS_OK,
	   "new scan");
	/* A third scan's objects change nothing between the other two. */
	int64_t c = 0;
	store_scan_begin(s, &meta, &c);
	ok(add_obj(s, c, "g3", "CN=c,DC=x") == STATUS_OK &&
		   add_obj(s, c, "g5", "CN=e,DC=x") == STATUS_OK &&
		   add_obj(s, c, "g1", "CN=a,OU=elsewhere,DC=x") == STATUS_OK &&
		   store_scan_complete(s, c) == STATUS_OK,
	   "a third scan");

	struct strbuf sb;
	strbuf_init(&sb);
	is_int(store_each_fixed(s, b, a, collect, &sb), STATUS_OK,
	       "fixed findings walked");
	is_str(sb.buf,
	       "CN=a,DC=x|mail|x|r|E|error|-|fixed\n"
	       "CN=c,DC=x|mail|z|r|E|error|-|gone\n",
	       "a finding gone from a present object is fixed, from a gone "
	       "object gone; the moved object's finding is not fixed");
	strbuf_reset(&sb);
	is_int(store_each_object_change(s, b, a, collect_change, &sb),
	       STATUS_OK, "object changes walked");
	is_str(sb.buf,
	       "moved g2 CN=b,OU=moved,DC=x CN=b,DC=x\n"
	       "disappeared g3 CN=c,DC=x -\n"
	       "appeared g4 CN=d,DC=x -\n",
	       "appeared, disappeared and moved objects");
	strbuf_reset(&sb);
	is_int(store_each_object_change(s, b, b, collect_change, &sb),
	       STATUS_OK, "a scan compared with itself");
	is_str(sb.buf, "", "has no changes");
	strbuf_release(&sb);
	char *got = findings_of(s, b, a);
	is_str(got,
	       "CN=b,OU=moved,DC=x|mail|y|r|E|error|-|open\n"
	       "CN=d,DC=x|mail|w|r|E|error|-|new\n",
	       "still open and new");
	free(got);
	store_free(s);
	free(path);
}

static void
test_duplicates(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t id = 0;
	store_scan_begin(s, &meta, &id);

	/* Two objects share a value; the plain variant has no error. */
	struct finding a =
		candidate("ga", "CN=a,DC=x", "mail", "s@x", NULL, "mail:s@x");
	struct finding b =
		candidate("gb", "CN=b,DC=x", "mail", "S@x", NULL, "mail:s@x");
	/* Alone, without an error: no finding. */
	struct finding lone =
		candidate("gc", "CN=c,DC=x", "mail", "c@x", NULL, "mail:c@x");
	/* Alone, with a plain error: the plain finding. */
	struct finding lone2 = candidate("gd", "CN=d,DC=x", "mail", "d x@x",
					 "Character", "mail:d x@x");
	/* One object holds the same value twice. */
	struct finding p1 = candidate("ge", "CN=e,DC=x", "proxyaddresses",
				      "smtp:e@x", NULL, "proxy:e@x");
	struct finding p2 = candidate("ge", "CN=e,DC=x", "proxyaddresses",
				      "SMTP:e@x", NULL, "proxy:e@x");
	/* A duplicated value that also has a plain error takes dup's. */
	struct finding q1 =
		candidate("gf", "CN=f,DC=x", "upn", "f x", "Format", "upn:f x");
	struct finding q2 =
		candidate("gg", "CN=g,DC=x", "upn", "f x", "Format", "upn:f x");
	struct finding *all[] = {&a, &b, &lone, &lone2, &p1, &p2, &q1, &q2};
	bool added = true;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		/* Most follow their object (they refer to its row), b not. */
		if (all[i] != &b && all[i] != &p2) {
			added = added && add_obj(s, id, all[i]->objectguid,
						 all[i]->dn) == STATUS_OK;
		}
		added = added && store_add_finding(s, id, all[i]) == STATUS_OK;
	}
	ok(added, "candidates added");
	is_int(store_scan_complete(s, id), STATUS_OK, "scan completes");
	char *got = findings_of(s, id, 0);
	is_str(got,
	       "CN=a,DC=x|mail|s@x|x.duplicate|Duplicate|error|-|-\n"
	       "  group mail:s@x\n"
	       "CN=b,DC=x|mail|S@x|x.duplicate|Duplicate|error|-|-\n"
	       "  group mail:s@x\n"
	       "CN=d,DC=x|mail|d x@x|x.format|Character|warning|-|-\n"
	       "CN=e,DC=x|proxyaddresses|SMTP:e@x|x.duplicate|Duplicate|error|"
	       "-|-\n"
	       "  group proxy:e@x\n"
	       "CN=e,DC=x|proxyaddresses|smtp:e@x|x.duplicate|Duplicate|error|"
	       "-|-\n"
	       "  group proxy:e@x\n"
	       "CN=f,DC=x|upn|f x|x.duplicate|Duplicate|error|-|-\n"
	       "  group upn:f x\n"
	       "CN=g,DC=x|upn|f x|x.duplicate|Duplicate|error|-|-\n"
	       "  group upn:f x\n",
	       "duplicates resolved: across objects, within one, lone ones");
	free(got);
	struct store_scan scan;
	store_get_scan(s, "latest", &scan);
	is_int(scan.findings, 7, "the count excludes the dropped candidate");
	is_int(scan.errors, 6, "six errors");
	is_int(scan.warnings, 1, "one warning");
	store_scan_release(&scan);

	/* Keys are per scan: the same key in another scan is no duplicate. */
	int64_t id2 = 0;
	store_scan_begin(s, &meta, &id2);
	store_add_finding(s, id2, &a);
	store_scan_complete(s, id2);
	got = findings_of(s, id2, 0);
	is_str(got, "", "a key held once in this scan is no duplicate");
	free(got);
	/* Two scans running at once on one store keep their keys apart. */
	int64_t x = 0, y = 0;
	store_scan_begin(s, &meta, &x);
	store_scan_begin(s, &meta, &y);
	struct finding xa = candidate("gx", "CN=x,DC=x", "mail", "m@x", NULL,
				      "mail:m@x");
	struct finding ya = candidate("gy", "CN=y,DC=x", "mail", "m@x", NULL,
				      "mail:m@x");
	struct finding yb = candidate("gz", "CN=z,DC=x", "mail", "m@x", NULL,
				      "mail:m@x");
	ok(store_add_finding(s, x, &xa) == STATUS_OK &&
		   store_add_finding(s, y, &ya) == STATUS_OK &&
		   store_add_finding(s, y, &yb) == STATUS_OK &&
		   store_scan_complete(s, x) == STATUS_OK &&
		   store_scan_complete(s, y) == STATUS_OK,
	   "two interleaved scans complete");
	got = findings_of(s, x, 0);
	is_str(got, "", "the first scan's key is held once in it");
	free(got);
	got = findings_of(s, y, 0);
	is_str(got,
	       "CN=y,DC=x|mail|m@x|x.duplicate|Duplicate|error|-|-\n"
	       "  group mail:m@x\n"
	       "CN=z,DC=x|mail|m@x|x.duplicate|Duplicate|error|-|-\n"
	       "  group mail:m@x\n",
	       "the second scan's key is held twice in it");
	free(got);
	/* Counted by id range (y, begun last) and by index (x). */
	struct store_scan sx, sy;
	char *xs = xasprintf("%lld", (long long)x);
	char *ys = xasprintf("%lld", (long long)y);
	ok(store_get_scan(s, xs, &sx) == STATUS_OK &&
		   store_get_scan(s, ys, &sy) == STATUS_OK &&
		   sx.findings == 0 && sy.findings == 2 && sy.errors == 2,
	   "each interleaved scan counts its own findings");
	store_scan_release(&sx);
	store_scan_release(&sy);
	free(xs);
	free(ys);
	store_free(s);
	is_int(db_int(path, "SELECT count(*) FROM sqlite_master WHERE name ="
			    " 'candidates'"),
	       0, "candidates never reach the database file");
	free(path);
}

/*
 * Many candidates, more than the candidate file's buffer holds, a few
 * keys held twice: the duplicates are found, on every object that holds
 * them, whatever else shares their hash, and nothing else is reported.
 */
static void
test_many_candidates(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t id = 0;
	store_scan_begin(s, &meta, &id);
	enum { USERS = 20000, EVERY = 500 };
	char key[32], dn[64], value[64], dupkey[80], big[8192];
	bool added = true;
	for (int i = 0; i < USERS && added; i++) {
		snprintf(key, sizeof(key), "g%d", i);
		snprintf(dn, sizeof(dn), "CN=user %d,OU=Staff,DC=x", i);
		/* Every EVERYth user also holds the address of user i + 1. */
		int of = i % EVERY == 0 ? i + 1 : i;
		snprintf(value, sizeof(value), "user.%d@example.com", of);
		snprintf(dupkey, sizeof(dupkey), "mail:user.%d@example.com",
			 of);
		added = add_obj(s, id, key, dn) == STATUS_OK;
		struct finding f =
			candidate(key, dn, "mail", value, NULL, dupkey);
		added = added && store_add_finding(s, id, &f) == STATUS_OK;
		/* Own records of large values, and a plain error. */
		if (i % 997 == 0) {
			memset(big, 'a', sizeof(big) - 1);
			big[sizeof(big) - 1] = '\0';
			struct finding g = candidate(key, dn, "info", big,
						     "Length", "info:big");
			g.dup_key = i == 0 ? "info:alone" : g.dup_key;
			added = added && store_add_finding(s, id, &g) ==
						 STATUS_OK;
		}
	}
	ok(added, "many candidates added");
	is_int(store_scan_complete(s, id), STATUS_OK, "and settled");
	int dups = USERS / EVERY;
	char *sql = xasprintf("SELECT count(*) FROM findings WHERE scan_id ="
			      " %lld AND attribute = 'mail' AND rule ="
			      " 'x.duplicate' AND dup_key IS NOT NULL",
			      (long long)id);
	is_int(db_int(path, sql), 2 * dups,
	       "both holders of each shared address, no other mail row");
	free(sql);
	sql = xasprintf("SELECT count(*) FROM findings WHERE scan_id = %lld"
			" AND attribute = 'mail'",
			(long long)id);
	is_int(db_int(path, sql), 2 * dups, "no mail finding without a twin");
	free(sql);
	sql = xasprintf("SELECT count(*) || ' ' || sum(rule = 'x.duplicate')"
			" || ' ' || sum(length(value) = 8191) FROM findings"
			" WHERE scan_id = %lld AND attribute = 'info'",
			(long long)id);
	int n = USERS / 997 + 1;
	char *want = xasprintf("%d %d %d", n, n - 1, n);
	char *got = db_text(path, sql);
	is_str(got, want,
	       "large values kept whole; the lone one keeps its plain row");
	free(got);
	free(want);
	free(sql);
	store_free(s);
	free(path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A candidate of test_candidate_fields() and what it must become. */
struct field_case {
	struct finding f;
	char *strs[8]; /* what f points to, freed after */
};

/*
 * The candidate file writes repeated strings as numbers of a dictionary,
 * an update equal to the value as a flag, and dup_key as a prefix and the
 * value in lower case where it is one.  Every field must come back
 * exactly: keys that only look like the value (non-ASCII case, a long
 * prefix, an empty value), updates that differ, NULL strings, more
 * distinct error names than the dictionary holds (each named again, by
 * the same pointer or a copy, as the action of its record, so that every
 * entry up to the last one is referred to), a rule id passed in the same
 * buffer with a new content, two candidates of one object, and duplicates
 * between the first objects and the last.
 */
static void
test_candidate_fields(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t id = 0;
	store_scan_begin(s, &meta, &id);
	enum { N = 9000, TWINS = 50 };
	static const char long_prefix[] =
		"a-namespace-longer-than-any-the-rules-use-for-its-keys-"
		"and-then-some:";
	char rule[32];
	size_t ncase = 0;
	struct field_case *c = xcalloc(2 * N, sizeof(*c));
	bool added = true;
	for (int i = 0; i < N && added; i++) {
		/* The last TWINS objects repeat the first ones' values. */
		int v = i < N - TWINS ? i : i - (N - TWINS);
		char *key = xasprintf("g%d", i);
		char *dn = xasprintf("CN=User %d,OU=Staff,DC=x", i);
		char *value, *dup_key;
		switch (v % 5) {
		case 0:
			value = xasprintf("Mixed.Case%d@Example.COM", v);
			dup_key = xasprintf("mail:mixed.case%d@example.com", v);
			break;
		case 1:
			value = xasprintf("Ünïcode%d@Example.com", v);
			dup_key = xasprintf("mail:ünïcode%d@example.com", v);
			break;
		case 2:
			value = xstrdup("");
			dup_key = xasprintf("mail:empty%d", v);
			break;
		case 3:
			value = xasprintf("plain%d@x.com", v);
			dup_key = xasprintf("mail:plain%d@x.com", v);
			break;
		default:
			value = xasprintf("Long%d", v);
			dup_key = xasprintf("%slong%d", long_prefix, v);
			break;
		}
		char *error = i % 3 != 0 ? xasprintf("Error %d", i) : NULL;
		char *action = i % 3 == 2 ? xstrdup(error) : NULL;
		char *update = i % 2 == 0 ? NULL : xasprintf("fixed %d", i);
		snprintf(rule, sizeof(rule), "x.format-%d", i % 4);
		struct field_case *m = &c[ncase++];
		m->f = (struct finding){
			.dn = dn,
			.cn = i % 7 == 0 ? NULL : "User",
			.objectclass = i % 2 == 0 ? "user" : "contact",
			.objectguid = key,
			.attribute = "mail",
			.value = value,
			.rule = rule,
			.error = error,
			.update = i % 2 == 0 ? value : update,
			.proposed_action = i % 3 == 1   ? error
					   : i % 3 == 2 ? action
					   : i % 4 == 0 ? "Edit"
							: "Remove",
			.severity = FINDING_WARNING,
			.dup_key = dup_key,
			.dup_rule = "x.duplicate",
			.dup_error = "Duplicate",
			.dup_update = i % 4 == 0   ? value
				      : i % 4 == 1 ? ""
						   : "dupfix",
			.dup_action = "Complete",
			.dup_severity = FINDING_ERROR,
		};
		m->strs[0] = key;
		m->strs[1] = dn;
		m->strs[2] = value;
		m->strs[3] = dup_key;
		m->strs[4] = error;
		m->strs[5] = update;
		m->strs[6] = action;
		m->strs[7] = xstrdup(rule);
		added = add_obj(s, id, key, dn) == STATUS_OK &&
			store_add_finding(s, id, &m->f) == STATUS_OK;
		if (i % 6 == 0) {
			/* A second candidate of the same object. */
			struct field_case *p = &c[ncase++];
			p->f = m->f;
			p->f.attribute = "proxyAddresses";
			p->strs[0] = xasprintf("SMTP:p%d@X.com", v);
			p->strs[1] =
				xasprintf("proxyaddresses:smtp:p%d@x.com", v);
			p->f.value = p->strs[0];
			p->f.dup_key = p->strs[1];
			p->f.error = NULL;
			p->f.update = NULL;
			p->f.dup_update = p->strs[0];
			added = added &&
				store_add_finding(s, id, &p->f) == STATUS_OK;
			p->f.rule = m->strs[7];
		}
		/* The buffer changes: what was added is what is expected. */
		m->f.rule = m->strs[7];
	}
	ok(added, "candidates of every form added");
	is_int(store_scan_complete(s, id), STATUS_OK, "and settled");

	/* What each must become: its dup variant if its key is shared. */
	char **want = xcalloc(ncase + 1, sizeof(*want));
	size_t nwant = 0;
	for (size_t i = 0; i < ncase; i++) {
		const struct finding *f = &c[i].f;
		bool dup = false;
		for (size_t j = 0; j < ncase && !dup; j++) {
			dup = j != i && strcmp(c[j].f.dup_key, f->dup_key) == 0;
		}
		if (!dup && f->error == NULL) {
			continue;
		}
		want[nwant++] = xasprintf(
			"%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", f->dn, f->attribute,
			f->value, dup ? f->dup_rule : f->rule,
			dup ? f->dup_error : f->error,
			(dup ? f->dup_update : f->update) != NULL
				? (dup ? f->dup_update : f->update)
				: "-",
			dup ? f->dup_action : f->proposed_action,
			finding_severity_str(dup ? f->dup_severity
						 : f->severity),
			dup ? f->dup_key : "-", f->cn != NULL ? f->cn : "-",
			f->objectclass);
	}
	qsort(want, nwant, sizeof(*want), cmp_str);
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < nwant; i++) {
		strbuf_addf(&sb, "%s%s", i > 0 ? "\n" : "", want[i]);
		free(want[i]);
	}
	free(want);
	char *sql = xasprintf(
		"SELECT group_concat(line, char(10)) FROM (SELECT dn || '|' ||"
		" attribute || '|' || value || '|' || coalesce(rule, '-') ||"
		" '|' || error || '|' || coalesce(update_value, '-') || '|' ||"
		" coalesce(proposed_action, '-') || '|' || severity || '|' ||"
		" coalesce(dup_key, '-') || '|' || coalesce(cn, '-') || '|' ||"
		" coalesce(objectclass, '-') AS line FROM findings WHERE"
		" scan_id = %lld ORDER BY line)",
		(long long)id);
	char *got = db_text(path, sql);
	is_str(got, sb.buf, "every field of every candidate comes back");
	ok(nwant > 6000, "and there were many of them");
	free(got);
	free(sql);
	strbuf_release(&sb);
	for (size_t i = 0; i < ncase; i++) {
		for (size_t k = 0; k < 8; k++) {
			free(c[i].strs[k]);
		}
	}
	free(c);
	store_free(s);
	free(path);
}

static void
test_fail(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t good = 0, bad = 0;
	store_scan_begin(s, &meta, &good);
	add_obj(s, good, "g1", "CN=x");
	store_scan_complete(s, good);

	store_scan_begin(s, &meta, &bad);
	add_obj(s, bad, "g1", "CN=x");
	add_obj(s, bad, "g2", "CN=y");
	struct finding f = plain("g2", "CN=y", "mail", "v", "r", "Format");
	store_add_finding(s, bad, &f);
	/* Candidates of a failed scan: only their plain findings stay. */
	struct finding c1 = candidate("g2", "CN=y", "upn", "u", "Character",
				      "upn:u");
	struct finding c2 = candidate("g1", "CN=x", "upn", "u", NULL, "upn:u");
	store_add_finding(s, bad, &c1);
	store_add_finding(s, bad, &c2);
	is_int(store_scan_fail(s, bad, "connection lost"), STATUS_OK,
	       "scan marked failed");
	char *got = findings_of(s, bad, 0);
	is_str(got,
	       "CN=y|mail|v|r|Format|error|-|-\n"
	       "CN=y|upn|u|x.format|Character|warning|-|-\n",
	       "a failed scan keeps its certain findings, resolves no "
	       "duplicate");
	free(got);
	is_int(store_scan_complete(s, bad), STATUS_ERR_STORE,
	       "a failed scan cannot complete");

	struct store_scan scan;
	char *idstr = xasprintf("%lld", (long long)bad);
	store_get_scan(s, idstr, &scan);
	is_str(scan.state, "failed", "state failed");
	is_str(scan.reason, "connection lost", "reason kept");
	is_int(scan.objects_read, 2, "the rows written so far stay");
	is_int(scan.findings, 2, "and the findings");
	store_scan_release(&scan);
	free(idstr);

	store_get_scan(s, "latest", &scan);
	is_int(scan.id, good, "latest skips the failed scan");
	store_scan_release(&scan);

	int64_t third = 0;
	store_scan_begin(s, &meta, &third);
	is_int(store_get_previous(s, third, &scan), STATUS_OK, "previous");
	is_int(scan.id, good, "previous skips the failed scan");
	store_scan_release(&scan);
	store_free(s);
	free(path);
}

static void
test_stale(void)
{
	char *path = db_path();
	enum status st;
	/* A scan whose process dies without ending it. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct store *c = store_open(path, &st);
		int64_t id = 0;
		if (c == NULL || store_scan_begin(c, &meta, &id) != STATUS_OK ||
		    add_obj(c, id, "g1", "CN=x") != STATUS_OK ||
		    store_flush(c) != STATUS_OK) {
			_exit(1);
		}
		_exit(0);
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "child began a scan");

	struct store *s = store_open(path, &st);
	ok(s != NULL, "the database opens");
	struct store_scan scan;
	is_int(store_get_scan(s, "1", &scan), STATUS_OK, "the scan is there");
	is_str(scan.state, "failed", "a running scan of a dead process fails");
	is_str(scan.reason, "interrupted (process ended)", "with the reason");
	is_int(scan.objects_read, 1, "its rows stay");
	store_scan_release(&scan);

	/* A running scan of this (living) process stays running. */
	int64_t id = 0;
	store_scan_begin(s, &meta, &id);
	struct store *s2 = store_open(path, &st);
	char *idstr = xasprintf("%lld", (long long)id);
	store_get_scan(s2, idstr, &scan);
	is_str(scan.state, "running", "a living scan stays running");
	store_scan_release(&scan);
	free(idstr);
	store_free(s2);
	store_free(s);
	free(path);
}

/* Runs fn in a child, as nobody when we are root; true if it returned 0. */
static bool
in_child_unprivileged(int (*fn)(const char *), const char *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgid(65534) != 0 || setuid(65534) != 0)) {
			_exit(2);
		}
		_exit(fn(arg));
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	return WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
}

static int
open_readonly_child(const char *path)
{
	enum status st = STATUS_OK;
	unsigned errs = log_error_count();
	struct store *s = store_open(path, &st);
	int rc = s == NULL && st == STATUS_ERR_STORE &&
				 log_error_count() - errs == 1
			 ? 0
			 : 1;
	store_free(s);
	return rc;
}

static enum status
count_change(void *ctx, enum store_change change,
	     const struct store_object *obj, const char *old_dn)
{
	(*(int *)ctx)++;
	return STATUS_OK;
}

static int
read_readonly_child(const char *path)
{
	enum status st = STATUS_OK;
	struct store *s = store_open_existing(path, &st);
	struct store_scan scan;
	int rc = s != NULL && store_get_scan(s, "latest", &scan) == STATUS_OK
			 ? 0
			 : 1;
	if (rc == 0) {
		/* The comparison's temporary table is not in the file. */
		int changes = 0;
		if (store_each_object_change(s, scan.id, scan.id - 1,
					     count_change,
					     &changes) != STATUS_OK ||
		    changes != 1) {
			rc = 1;
		}
		store_scan_release(&scan);
	}
	store_free(s);
	return rc;
}

static void
test_readonly(void)
{
	char *dir = xasprintf("%s/ro", tmpdir);
	mkdir(dir, 0755);
	char *path = xasprintf("%s/ro.db", dir);
	enum status st;
	struct store *s = store_open(path, &st);
	int64_t id = 0;
	store_scan_begin(s, &meta, &id);
	store_scan_complete(s, id);
	store_scan_begin(s, &meta, &id);
	add_obj(s, id, "g1", "CN=a,DC=x");
	store_scan_complete(s, id);
	store_free(s);
	ok(chmod(path, 0444) == 0 && chmod(dir, 0555) == 0,
	   "database and directory made read-only");
	ok(in_child_unprivileged(open_readonly_child, path),
	   "a read-only database gives STATUS_ERR_STORE, logged once");
	ok(in_child_unprivileged(read_readonly_child, path),
	   "a read-only database can still be read, and two scans compared");
	chmod(dir, 0755);
	free(path);
	free(dir);
}

static int
disk_full_child(const char *path)
{
	/* A file size limit makes writes fail as a full disk would. */
	signal(SIGXFSZ, SIG_IGN);
	enum status st;
	struct store *s = store_open(path, &st);
	if (s == NULL) {
		return 3;
	}
	int64_t id = 0;
	if (store_scan_begin(s, &meta, &id) != STATUS_OK) {
		return 4;
	}
	struct rlimit rl = {.rlim_cur = 256 * 1024, .rlim_max = 256 * 1024};
	setrlimit(RLIMIT_FSIZE, &rl);
	char value[512];
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	struct finding f = plain("g", "CN=x", "mail", value, "r", "Format");
	st = STATUS_OK;
	unsigned errs = log_error_count();
	for (int i = 0; i < 100000 && st == STATUS_OK; i++) {
		st = store_add_finding(s, id, &f);
		if (st == STATUS_OK && i % 100 == 99) {
			st = store_flush(s);
		}
	}
	int rc =
		st == STATUS_ERR_STORE && log_error_count() - errs == 1 ? 0 : 5;
	store_scan_fail(s, id, "disk full");
	store_free(s);
	return rc;
}

static void
test_disk_full(void)
{
	char *path = db_path();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		_exit(disk_full_child(path));
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0,
	   "a full disk gives STATUS_ERR_STORE once, no crash");
	if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
		printf("#   child status %d\n", wst);
	}
	free(path);
}

static void
test_refused(void)
{
	char *path = db_path();
	enum status st;
	struct store *s = store_open(path, &st);
	store_free(s);
	char *sql = xasprintf("PRAGMA user_version = %d",
			      store_schema_version() + 1);
	ok(db_exec(path, sql), "schema version raised");
	free(sql);
	unsigned errs = log_error_count();
	s = store_open(path, &st);
	ok(s == NULL && st == STATUS_ERR_STORE,
	   "a newer schema version is refused");
	is_int(log_error_count() - errs, 1, "logged once");
	free(path);

	path = db_path();
	ok(db_exec(path, "CREATE TABLE t (x)"), "a foreign database");
	s = store_open(path, &st);
	ok(s == NULL && st == STATUS_ERR_STORE,
	   "a database of another program is refused");
	is_int(db_int(path, "SELECT count(*) FROM sqlite_master"), 1,
	       "and left untouched");
	free(path);

	path = db_path();
	FILE *fp = fopen(path, "w");
	fputs("this is not a database, but text that is long enough to be "
	      "read as a header by sqlite and refused\n",
	      fp);
	fclose(fp);
	s = store_open(path, &st);
	ok(s == NULL && st == STATUS_ERR_STORE, "a text file is refused");
	free(path);
}

int
main(void)
{
	/* Searchable by the unprivileged children of the read-only tests. */
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) != 0) {
		perror(tmpdir);
		return 1;
	}
	test_create_reopen();
	test_round_trip();
	test_duplicates();
	test_many_candidates();
	test_candidate_fields();
	test_compare();
	test_summary();
	test_fail();
	test_stale();
	test_readonly();
	test_disk_full();
	test_refused();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0) {
		printf("# cannot remove %s\n", tmpdir);
	}
	free(cmd);
	return tap_done();
}
