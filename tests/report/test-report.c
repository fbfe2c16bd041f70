/*
 * Unit tests of report/: the CSV cell escaper and its inverse, the CSV
 * writer (parsed back by python3's csv module when it is installed), and
 * report_write()'s temporary-file-and-rename discipline.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/csv.h"
#include "report/escape.h"
#include "report/report.h"
#include "store/store.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-report-XXXXXX";

static char *
escaped(const char *cell)
{
	struct strbuf sb;
	strbuf_init(&sb);
	csv_escape(&sb, cell);
	return strbuf_detach(&sb, NULL);
}

#define is_escaped(in, want, what)                                             \
	do {                                                                   \
		char *got_ = escaped(in);                                      \
		is_str(got_, want, what);                                      \
		free(got_);                                                    \
	} while (0)

static void
test_escape(void)
{
	is_escaped("plain", "plain", "a plain cell is as it is");
	is_escaped("", "", "an empty cell is empty");
	is_escaped(NULL, "", "NULL is an empty cell");
	is_escaped("CN=Doe\\, John,OU=Sales,DC=contoso,DC=com",
		   "\"CN=Doe\\, John,OU=Sales,DC=contoso,DC=com\"",
		   "a DN with commas is quoted");
	is_escaped("say \"hi\"", "\"say \"\"hi\"\"\"",
		   "quotes are doubled inside quotes");
	is_escaped("\"", "\"\"\"\"", "a lone quote");
	is_escaped("line1\r\nline2", "\"line1\r\nline2\"",
		   "CRLF inside a value is quoted and kept");
	is_escaped("a\nb", "\"a\nb\"", "LF inside a value is quoted");
	is_escaped("M\xc3\xbcller \xc3\x84rger \xc3\x9f",
		   "M\xc3\xbcller \xc3\x84rger \xc3\x9f",
		   "umlauts stay UTF-8 bytes");
	is_escaped("\xf0\x9f\x98\x80 smile", "\xf0\x9f\x98\x80 smile",
		   "an emoji stays");
	is_escaped("a;b", "a;b", "a semicolon needs no quotes");

	/* The formula guard. */
	is_escaped("=SUM(A1:A9)", "'=SUM(A1:A9)", "= is guarded");
	is_escaped("+49 30 1234", "'+49 30 1234", "+ is guarded");
	is_escaped("-Smith", "'-Smith", "- is guarded");
	is_escaped("@admin", "'@admin", "@ is guarded");
	is_escaped("\tx", "'\tx", "TAB is guarded");
	is_escaped("\rx", "\"'\rx\"", "CR is guarded and quoted");
	is_escaped("'quoted", "''quoted", "a leading ' is doubled");
	is_escaped("'", "''", "a lone ' is doubled");
	is_escaped("=HYPERLINK(\"http://x\",\"a\")",
		   "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\"",
		   "guard inside the quotes, quotes doubled");
	is_escaped("a=b", "a=b", "= inside is harmless");
	is_escaped(" =x", " =x", "only the first character counts");
	ok(csv_needs_guard("=x") && !csv_needs_guard("x") &&
		   !csv_needs_guard(NULL) && !csv_needs_guard(""),
	   "csv_needs_guard");

	/* Invalid UTF-8 becomes U+FFFD, one per bad byte. */
	is_escaped("a\xff"
		   "b",
		   "a\xef\xbf\xbd"
		   "b",
		   "an invalid byte");
	is_escaped("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "an overlong form");
	is_escaped("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		   "a surrogate");
	is_escaped("x\xc3", "x\xef\xbf\xbd", "a truncated sequence");
	is_escaped("\xf4\x90\x80\x80",
		   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		   "above U+10FFFF");
	ok(csv_utf8_valid("M\xc3\xbcller", 7), "valid UTF-8");
	ok(!csv_utf8_valid("\xe0\x80\x80", 3), "overlong 3-byte is invalid");
	ok(csv_utf8_valid("\xf4\x8f\xbf\xbf", 4), "U+10FFFF is valid");

	/* The guard is undone exactly. */
	static const char *const cells[] = {
		"=1+1", "+1", "-1", "@x", "\tx",  "\rx", "'x",
		"''x",  "'",  "x",  "",   "'abc", "a'b",
	};
	bool all = true;
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		struct strbuf sb;
		strbuf_init(&sb);
		if (csv_needs_guard(cells[i])) {
			strbuf_addch(&sb, '\'');
		}
		strbuf_addstr(&sb, cells[i]);
		if (strcmp(csv_unguard(sb.buf), cells[i]) != 0) {
			printf("# unguard of '%s' gives '%s'\n", sb.buf,
			       csv_unguard(sb.buf));
			all = false;
		}
		strbuf_release(&sb);
	}
	ok(all, "csv_unguard undoes the guard of every case");
	is_str(csv_unguard("'abc"), "'abc",
	       "a ' not put there by the guard stays");
}

static const struct store_scan_meta meta = {
	.source_kind = "ldif",
	.source = "t.ldif",
	.rule_pack = "multi-tenant",
};

static struct finding
mk(const char *guid, const char *dn, const char *attr, const char *value,
   const char *update)
{
	struct finding f = {
		.dn = dn,
		.cn = "cn",
		.objectclass = "user",
		.objectguid = guid,
		.attribute = attr,
		.value = value,
		.rule = "x.rule",
		.error = "Character",
		.update = update,
		.proposed_action = "Edit",
		.severity = FINDING_ERROR,
	};
	return f;
}

/* A database with one complete scan of tricky findings, plus n fillers. */
static char *
make_db(int fillers, int64_t *scan_id)
{
	static unsigned seq;
	char *path = xasprintf("%s/r%u.db", tmpdir, ++seq);
	enum status st;
	struct store *s = store_open(path, &st);
	store_scan_begin(s, &meta, scan_id);
	struct finding rows[] = {
		mk("g1", "CN=Doe\\, John,OU=Sales,DC=contoso,DC=com", "mail",
		   "john,doe@contoso.com", "john.doe@contoso.com"),
		mk("g2", "CN=M\xc3\xbcller,DC=contoso,DC=com", "displayname",
		   "say \"hi\"\r\nnext line", "M\xc3\xbcller \xf0\x9f\x98\x80"),
		mk("g3", "CN=f,DC=contoso,DC=com", "givenname", "=1+1", "+1"),
		mk("g4", "CN=g,DC=contoso,DC=com", "sn", "'quoted", "@x"),
		mk("g5", "CN=h,DC=contoso,DC=com", "title", "\tx", "-1"),
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		store_add_finding(s, *scan_id, &rows[i]);
	}
	char value[64];
	for (int i = 0; i < fillers; i++) {
		snprintf(value, sizeof(value), "filler value number %08d", i);
		struct finding f =
			mk("gz", "CN=z,DC=contoso,DC=com", "mail", value, "x");
		store_add_finding(s, *scan_id, &f);
	}
	store_scan_complete(s, *scan_id);
	store_free(s);
	return path;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		return NULL;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		strbuf_add(&sb, buf, n);
	}
	fclose(fp);
	return strbuf_detach(&sb, len);
}

/* Number of entries in dir other than . and .. */
static int
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		return -1;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static const char header[] =
	"\xef\xbb\xbf"
	"DISTINGUISHEDNAME,COMMONNAME,OBJECTCLASS,ATTRIBUTE,ERROR,VALUE,"
	"UPDATE,PROPOSEDACTION,ACTION,RULE,SEVERITY,OBJECTGUID,STATUS\r\n";

static void
test_csv(void)
{
	int64_t id = 0;
	char *db = make_db(0, &id);
	enum status st;
	struct store *s = store_open_existing(db, &st);
	char *out = xasprintf("%s/out", tmpdir);
	mkdir(out, 0755);
	char *path = xasprintf("%s/findings.csv", out);
	struct report_opts ro = {.format = "csv", .path = path};
	is_int(report_write(s, &ro), STATUS_OK, "CSV written");
	is_int(dir_entries(out), 1, "only the report is left in the directory");
	struct stat sst;
	ok(stat(path, &sst) == 0 && (sst.st_mode & 0444) == 0444,
	   "the report is readable like any new file");
	size_t len = 0;
	char *csv = slurp(path, &len);
	ok(csv != NULL && strncmp(csv, header, strlen(header)) == 0,
	   "BOM and the SPEC §3 header, CRLF");
	ok(csv != NULL &&
		   strstr(csv, "\r\n\"CN=Doe\\, John,OU=Sales,DC=contoso,"
			       "DC=com\",cn,user,mail,Character,\"john,"
			       "doe@contoso.com\",john.doe@contoso.com,"
			       "Edit,,x.rule,error,g1,\r\n") != NULL,
	   "a row with every column in order");
	ok(csv != NULL &&
		   strstr(csv, ",\"say \"\"hi\"\"\r\nnext line\",M\xc3\xbc"
			       "ller \xf0\x9f\x98\x80,") != NULL,
	   "quotes, CRLF inside a value, umlaut and emoji");
	ok(csv != NULL && strstr(csv, ",'=1+1,'+1,") != NULL &&
		   strstr(csv, ",''quoted,'@x,") != NULL &&
		   strstr(csv, ",'\tx,'-1,") != NULL,
	   "formula guard in VALUE and UPDATE");
	/* Every line ends with CRLF: no bare LF outside the quoted value. */
	size_t bare = 0;
	for (size_t i = 0; csv != NULL && i < len; i++) {
		if (csv[i] == '\n' && (i == 0 || csv[i - 1] != '\r')) {
			bare++;
		}
	}
	is_int(bare, 0, "no bare LF");
	ok(csv != NULL && len >= 2 && csv[len - 2] == '\r' &&
		   csv[len - 1] == '\n',
	   "the last line ends with CRLF");
	free(csv);

	/* A real CSV parser reads every field back exactly. */
	if (system("python3 -c 'import csv' 2>/dev/null") == 0) {
		char *cmd = xasprintf(
			"python3 -c 'import csv, json, sys\n"
			"rows = list(csv.reader(open(sys.argv[1], encoding="
			"\"utf-8-sig\", newline=\"\")))\n"
			"g = lambda c: c[1:] if c[:1] == \"\\x27\" and c[1:2] "
			"in (\"=\", \"+\", \"-\", \"@\", \"\\t\", \"\\r\", "
			"\"\\x27\") else c\n"
			"print(json.dumps([[g(c) for c in r] for r in rows]))' "
			"'%s'",
			path);
		FILE *p = popen(cmd, "r");
		struct strbuf sb;
		strbuf_init(&sb);
		char buf[4096];
		size_t n;
		while (p != NULL && (n = fread(buf, 1, sizeof(buf), p)) > 0) {
			strbuf_add(&sb, buf, n);
		}
		if (p != NULL) {
			pclose(p);
		}
		ok(strstr(sb.buf,
			  "[\"CN=Doe\\\\, John,OU=Sales,DC=contoso,DC=com\", "
			  "\"cn\", \"user\", \"mail\", \"Character\", "
			  "\"john,doe@contoso.com\", \"john.doe@contoso.com\", "
			  "\"Edit\", \"\", \"x.rule\", \"error\", \"g1\", "
			  "\"\"]") != NULL,
		   "python's csv reads the DN with commas back");
		ok(strstr(sb.buf, "\"say \\\"hi\\\"\\r\\nnext line\", "
				  "\"M\\u00fcller \\ud83d\\ude00\"") != NULL,
		   "python's csv reads quotes, CRLF, umlaut, emoji back");
		ok(strstr(sb.buf, "\"=1+1\", \"+1\"") != NULL &&
			   strstr(sb.buf, "\"'quoted\", \"@x\"") != NULL &&
			   strstr(sb.buf, "\"\\tx\", \"-1\"") != NULL,
		   "python's csv and the unguard read the originals back");
		ok(strncmp(sb.buf, "[[\"DISTINGUISHEDNAME\"", 20) == 0 &&
			   strstr(sb.buf, "\"OBJECTGUID\", \"STATUS\"], [") !=
				   NULL,
		   "the header parses to the 13 columns");
		if (strstr(sb.buf, "\"g1\"") == NULL) {
			printf("# python printed: %s\n", sb.buf);
		}
		strbuf_release(&sb);
		free(cmd);
	} else {
		printf("# python3 not found: parse-back checks skipped\n");
	}

	/* Writing again replaces the file atomically. */
	is_int(report_write(s, &ro), STATUS_OK, "CSV written again");
	is_int(dir_entries(out), 1, "still only the report");

	struct report_opts bad = {.format = "xlsx", .path = path};
	unsigned errs = log_error_count();
	is_int(report_write(s, &bad), STATUS_ERR_USAGE,
	       "an unknown format is a usage error");
	is_int(log_error_count() - errs, 1, "logged once");
	ok(report_format_known("csv") && !report_format_known("xlsx") &&
		   !report_format_known(NULL),
	   "report_format_known");
	is_str(report_default_name("csv"), "findings.csv", "default name");
	is_str(report_default_name("xlsx"), NULL, "no default name");
	ok(report_format_count() >= 1 &&
		   strcmp(report_format_name(0), "csv") == 0 &&
		   report_format_name(report_format_count()) == NULL,
	   "the format table is listed");

	struct report_opts none = {
		.format = "csv", .path = path, .scan_id = 99};
	is_int(report_write(s, &none), STATUS_ERR_USAGE,
	       "an unknown scan is a usage error");

	char *missing = xasprintf("%s/nodir/findings.csv", tmpdir);
	struct report_opts nodir = {.format = "csv", .path = missing};
	errs = log_error_count();
	is_int(report_write(s, &nodir), STATUS_ERR_IO,
	       "a missing directory is an I/O error");
	is_int(log_error_count() - errs, 1, "logged once");
	free(missing);

	store_free(s);
	free(path);
	free(out);
	free(db);
}

/* The child of test_unwritable(): as nobody, into a root-owned 0755 dir. */
static int
unwritable_child(const char *db, const char *dir)
{
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
		return 2;
	}
	enum status st;
	struct store *s = store_open_existing(db, &st);
	if (s == NULL) {
		return 3;
	}
	char *path = xasprintf("%s/findings.csv", dir);
	struct report_opts ro = {.format = "csv", .path = path};
	unsigned errs = log_error_count();
	st = report_write(s, &ro);
	int rc = st == STATUS_ERR_IO && log_error_count() - errs == 1 ? 0 : 4;
	free(path);
	store_free(s);
	return rc;
}

static void
test_unwritable(void)
{
	int64_t id = 0;
	char *db = make_db(0, &id);
	char *dir = xasprintf("%s/locked", tmpdir);
	mkdir(dir, 0755);
	/* Readable by nobody, but the directory is not writable by them. */
	chmod(db, 0644);
	if (geteuid() != 0) {
		chmod(dir, 0555);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		_exit(unwritable_child(db, dir));
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0,
	   "an unwritable directory gives STATUS_ERR_IO, logged once");
	is_int(dir_entries(dir), 0, "and leaves no file behind");
	chmod(dir, 0755);
	free(dir);
	free(db);
}

/* The child of test_full(): the report hits a file size limit. */
static int
full_child(const char *db, const char *path)
{
	signal(SIGXFSZ, SIG_IGN);
	enum status st;
	struct store *s = store_open_existing(db, &st);
	if (s == NULL) {
		return 3;
	}
	struct rlimit rl = {.rlim_cur = 64 * 1024, .rlim_max = 64 * 1024};
	setrlimit(RLIMIT_FSIZE, &rl);
	struct report_opts ro = {.format = "csv", .path = path};
	unsigned errs = log_error_count();
	st = report_write(s, &ro);
	int rc = st == STATUS_ERR_IO && log_error_count() - errs == 1 ? 0 : 4;
	store_free(s);
	return rc;
}

static void
test_full(void)
{
	int64_t id = 0;
	char *db = make_db(5000, &id);
	char *dir = xasprintf("%s/full", tmpdir);
	mkdir(dir, 0755);
	char *path = xasprintf("%s/findings.csv", dir);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		_exit(full_child(db, path));
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0,
	   "a full disk mid-report gives STATUS_ERR_IO, logged once");
	is_int(dir_entries(dir), 0, "and removes the temporary file");
	free(path);
	free(dir);
	free(db);
}

/* Writes the report of a scan to stdout (redirected to path). */
static void
test_stdout(void)
{
	int64_t id = 0;
	char *db = make_db(0, &id);
	char *path = xasprintf("%s/stdout.csv", tmpdir);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (freopen(path, "w", stdout) == NULL) {
			_exit(2);
		}
		enum status st;
		struct store *s = store_open_existing(db, &st);
		struct report_opts ro = {.format = "csv", .scan_id = id};
		st = s != NULL ? report_write(s, &ro) : STATUS_ERR_STORE;
		store_free(s);
		_exit(st == STATUS_OK ? 0 : 1);
	}
	int wst = 0;
	waitpid(pid, &wst, 0);
	ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "path NULL writes stdout");
	size_t len = 0;
	char *csv = slurp(path, &len);
	ok(csv != NULL && strncmp(csv, header, strlen(header)) == 0 &&
		   strstr(csv, ",g5,\r\n") != NULL,
	   "the whole CSV went to stdout");
	free(csv);
	free(path);
	free(db);
}

int
main(void)
{
	/* Searchable by the unprivileged child of test_unwritable(). */
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) != 0) {
		perror(tmpdir);
		return 1;
	}
	test_escape();
	test_csv();
	test_unwritable();
	test_full();
	test_stdout();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0) {
		printf("# cannot remove %s\n", tmpdir);
	}
	free(cmd);
	return tap_done();
}
