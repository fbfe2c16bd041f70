/*
 * syncready: the command line.  Parses the options of each command into a
 * plain struct, runs the pipeline (scanner -> rules -> store -> report) and
 * maps the resulting status to the exit code (SPEC §2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "main"
#include "common/log.h"
#include "common/status.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/import.h"
#include "report/report.h"
#include "rules/rules.h"
#include "scanner/source.h"
#include "store/store.h"

#define EXIT_FINDINGS 3
#define DEFAULT_DB "syncready.db"
#define MAX_LIST 64
/* A password longer than this is not a password but a mistake. */
#define MAX_PASSWORD 1024

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t writing_report;

/*
 * During a scan, a signal only sets a flag: the crawl stops at the next
 * entry and records the scan as failed.  While a report is written there
 * is nothing to record, so its temporary file is removed and we exit.
 */
static void
on_signal(int sig)
{
	interrupted = 1;
	if (writing_report) {
		report_cleanup_signal();
		_exit(128 + sig);
	}
}

static const char usage_text[] =
	"usage: syncready scan   (--uri URI | --ldif FILE) [--base DN] [--filter LDAPFILTER]\n"
	"                        [--bind-dn DN] [--password-file FILE] [--sasl-mech MECH]\n"
	"                        [--starttls] [--ca-file FILE] [--insecure]\n"
	"                        [--rules multi-tenant|dedicated|FILE] [--domain DNS]...\n"
	"                        [--tld-file FILE] [--page-size N] [--db FILE] [--label TEXT]\n"
	"                        [--report-dir DIR] [--fail-on error|warning|new] [-q|-v]\n"
	"       syncready report [--db FILE] [--scan ID|latest] [--compare ID|previous]\n"
	"                        --format csv|html|json|ldif [--accept] [-o FILE]\n"
	"       syncready import FILE.csv [--db FILE] [--scan ID|latest]\n"
	"       syncready diff   [--db FILE] [--force] [OLD [NEW]]\n"
	"       syncready scans  [--db FILE]\n"
	"       syncready rules  [--rules multi-tenant|dedicated|FILE]\n"
	"       syncready --version\n"
	"\n"
	"The password comes from --password-file, $SYNCREADY_PASSWORD or a prompt\n"
	"on the terminal; it is never accepted on the command line.\n";

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_QUIET, LOG_MODULE, 0, fmt, ap);
	va_end(ap);
	fputs("Try 'syncready --help'.\n", stderr);
	return status_exit_code(STATUS_ERR_USAGE);
}

/* ---- option helpers ------------------------------------------------------ */

struct str_list {
	const char *items[MAX_LIST + 1]; /* NULL-terminated */
	size_t n;
};

static bool
list_add(struct str_list *l, const char *s)
{
	if (l->n == MAX_LIST) {
		return false;
	}
	l->items[l->n++] = s;
	l->items[l->n] = NULL;
	return true;
}

static bool
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* ---- scan ---------------------------------------------------------------- */

enum fail_on {
	FAIL_ON_NOTHING,
	FAIL_ON_ERROR,
	FAIL_ON_WARNING,
	FAIL_ON_NEW,
};

struct scan_opts {
	const char *uri;
	const char *ldif;
	const char *base;
	const char *filter;
	const char *bind_dn;
	const char *password_file;
	const char *sasl_mech;
	const char *ca_file;
	bool starttls;
	bool insecure;
	const char *rules;
	struct str_list domains;
	struct str_list disable;
	const char *tld_file;
	long page_size;
	const char *db;
	const char *label;
	const char *report_dir;
	enum fail_on fail_on;
};

/*
 * Reads the password file's first line.  A trailing CR/LF is not part of
 * the password (editors add one); anything else is.
 */
static char *
read_password_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		LOG_ERRNO("cannot open password file %s", path);
		return NULL;
	}
	char buf[MAX_PASSWORD + 2];
	char *pw = NULL;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		if (ferror(f)) {
			LOG_ERRNO("cannot read password file %s", path);
		} else {
			LOG_ERR("password file %s is empty", path);
		}
		goto out;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		LOG_ERR("password file %s has an empty first line", path);
		goto out;
	}
	pw = xstrdup(buf);
out:
	explicit_bzero(buf, sizeof(buf));
	fclose(f);
	return pw;
}

/* Prompts on the controlling terminal with echo off. */
static char *
prompt_password(const char *bind_dn)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0) {
		return NULL;
	}
	struct termios old, quiet;
	bool restore = false;
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	char *prompt = xasprintf("Password for %s: ", bind_dn);
	ssize_t w = write(fd, prompt, strlen(prompt));
	(void)w;
	free(prompt);

	char buf[MAX_PASSWORD + 2];
	size_t n = 0;
	char c;
	while (n < sizeof(buf) - 1 && read(fd, &c, 1) == 1 && c != '\n') {
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
	}
	w = write(fd, "\n", 1);
	close(fd);
	buf[strcspn(buf, "\r")] = '\0';
	char *pw = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return pw;
}

static enum status
get_password(const struct scan_opts *o, char **password)
{
	*password = NULL;
	if (o->bind_dn == NULL || o->sasl_mech != NULL) {
		return STATUS_OK;
	}
	if (o->password_file != NULL) {
		*password = read_password_file(o->password_file);
		return *password != NULL ? STATUS_OK : STATUS_ERR_CREDENTIALS;
	}
	const char *env = getenv("SYNCREADY_PASSWORD");
	if (env != NULL && env[0] != '\0') {
		*password = xstrdup(env);
		return STATUS_OK;
	}
	if (isatty(STDIN_FILENO)) {
		*password = prompt_password(o->bind_dn);
		if (*password != NULL) {
			return STATUS_OK;
		}
	}
	LOG_ERR("no password for %s: use --password-file FILE or set "
		"SYNCREADY_PASSWORD",
		o->bind_dn);
	return STATUS_ERR_CREDENTIALS;
}

/* What the sink needs to write a finding or a skip to the store. */
struct scan_run {
	struct store *store;
	int64_t scan_id;
	uint64_t objects;
	uint64_t skipped;
	uint64_t candidates;
};

static enum status
sink_finding(void *ctx, const struct finding *f)
{
	struct scan_run *run = ctx;
	run->candidates++;
	return store_add_finding(run->store, run->scan_id, f);
}

static enum status
sink_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	struct scan_run *run = ctx;
	run->skipped++;
	return store_add_skipped(run->store, run->scan_id, reason);
}

static enum status
sink_count(void *ctx, const char *name)
{
	struct scan_run *run = ctx;
	return store_add_count(run->store, run->scan_id, name);
}

static double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress on stderr, at most a few times a second, only on a terminal. */
struct progress {
	bool on;
	double start;
	double last;
};

static void
progress_update(struct progress *p, const struct scan_run *run, bool final)
{
	if (!p->on) {
		return;
	}
	double t = now_seconds();
	if (!final && t - p->last < 0.25) {
		return;
	}
	p->last = t;
	double rate = t > p->start ? (double)run->objects / (t - p->start) : 0;
	fprintf(stderr,
		"\r%" PRIu64 " objects read, %.0f objects/s, %" PRIu64
		" skipped, %" PRIu64 " rule hits%s",
		run->objects, rate, run->skipped, run->candidates,
		final ? "\n" : "");
	fflush(stderr);
}

static enum status
write_reports(struct store *store, int64_t scan_id, const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		LOG_ERRNO("cannot create report directory %s", dir);
		return STATUS_ERR_IO;
	}
	static const char *const formats[] = {"csv", "html"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!report_format_known(formats[i])) {
			continue;
		}
		char *path = xasprintf("%s/%s", dir,
				       report_default_name(formats[i]));
		struct report_opts ro = {
			.format = formats[i],
			.path = path,
			.scan_id = scan_id,
		};
		writing_report = 1;
		enum status st = report_write(store, &ro);
		writing_report = 0;
		if (st == STATUS_OK) {
			printf("%s report: %s\n", formats[i], path);
		}
		free(path);
		if (st != STATUS_OK) {
			return st;
		}
	}
	return STATUS_OK;
}

/*
 * The crawl itself, between a scan row created "running" and its end:
 * every entry is recorded as an object, checked and its findings stored.
 */
static enum status
crawl(struct scan_source *src, const struct ruleset *rs, struct scan_run *run,
      struct progress *prog)
{
	const struct rule_sink sink = {
		.finding = sink_finding,
		.skipped = sink_skipped,
		.count = sink_count,
		.ctx = run,
	};
	enum status st = store_scan_set_base(run->store, run->scan_id,
					     scan_source_base(src));
	while (st == STATUS_OK) {
		if (interrupted) {
			LOG_ERR("scan interrupted after %" PRIu64 " objects",
				run->objects);
			st = STATUS_ERR_INTERRUPTED;
			break;
		}
		struct scan_entry *e = NULL;
		st = scan_source_next(src, &e);
		if (st != STATUS_OK || e == NULL) {
			break;
		}
		run->objects++;
		const char *cn = scan_entry_first(e, "cn");
		const struct store_object obj = {
			.key = scan_entry_key(e),
			.dn = e->dn,
			.cn = cn != NULL ? cn : "",
			.objectclass = scan_entry_class(e),
		};
		st = store_add_object(run->store, run->scan_id, &obj);
		if (st == STATUS_OK) {
			st = ruleset_check(rs, e, &sink);
		}
		scan_entry_free(e);
		progress_update(prog, run, false);
	}
	if (st == STATUS_ERR_INTERRUPTED && interrupted &&
	    log_last_error()[0] == '\0') {
		LOG_ERR("scan interrupted after %" PRIu64 " objects",
			run->objects);
	}
	if (st != STATUS_OK) {
		return st;
	}
	const char *const *refs;
	size_t nrefs = scan_source_references(src, &refs);
	for (size_t i = 0; i < nrefs && st == STATUS_OK; i++) {
		st = store_add_not_crawled(run->store, run->scan_id, refs[i]);
	}
	if (nrefs > 0) {
		LOG_INFO("%zu continuation reference(s) not crawled "
			 "(other naming contexts)",
			 nrefs);
	}
	return st;
}

static bool
same_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* The same directory: kind, server or file, and base DN. */
static bool
same_source(const struct store_scan *a, const struct store_scan *b)
{
	return same_str(a->source_kind, b->source_kind) &&
	       same_str(a->source, b->source) && same_str(a->base, b->base);
}

static enum status
count_status_new(void *ctx, const struct finding *f)
{
	int64_t *n = ctx;
	if (f->status != NULL && strcmp(f->status, "new") == 0) {
		(*n)++;
	}
	return STATUS_OK;
}

/*
 * --fail-on new: EXIT_FINDINGS when the scan has findings that the
 * previous complete scan of the same source did not have.  Without a
 * previous scan every finding is new.
 */
static int
count_new(struct store *store, const struct store_scan *scan)
{
	struct store_scan prev = {0};
	int64_t n = 0;
	int code = 1;
	bool found;
	if (store_find_previous(store, scan->id, &prev, &found) != STATUS_OK) {
		goto out;
	}
	if (!found) {
		printf("no earlier complete scan of this source: all %" PRId64
		       " findings are new\n",
		       scan->findings);
		code = scan->findings > 0 ? EXIT_FINDINGS : 0;
		goto out;
	}
	if (store_each_finding_compared(store, scan->id, prev.id,
					count_status_new, &n) != STATUS_OK) {
		goto out;
	}
	printf("%" PRId64 " new finding(s) since scan %" PRId64 "\n", n,
	       prev.id);
	code = n > 0 ? EXIT_FINDINGS : 0;
out:
	store_scan_release(&prev);
	return code;
}

static int
scan_finish_exit(struct store *store, int64_t scan_id, enum fail_on fail_on)
{
	struct store_scan scan;
	char id[32];
	snprintf(id, sizeof(id), "%" PRId64, scan_id);
	if (store_get_scan(store, id, &scan) != STATUS_OK) {
		return 1;
	}
	printf("scan %" PRId64 " complete: %" PRId64 " objects read, %" PRId64
	       " skipped, %" PRId64 " findings (%" PRId64 " error, %" PRId64
	       " warning, %" PRId64 " info)\n",
	       scan.id, scan.objects_read, scan.objects_skipped, scan.findings,
	       scan.errors, scan.warnings, scan.infos);
	int code = 0;
	if (fail_on == FAIL_ON_ERROR && scan.errors > 0) {
		code = EXIT_FINDINGS;
	} else if (fail_on == FAIL_ON_WARNING &&
		   scan.errors + scan.warnings > 0) {
		code = EXIT_FINDINGS;
	} else if (fail_on == FAIL_ON_NEW) {
		code = count_new(store, &scan);
	}
	store_scan_release(&scan);
	return code;
}

/* The pack's rules, so that reports explain them as this scan ran them. */
static enum status
record_rules(struct store *store, int64_t scan_id, const struct ruleset *rs)
{
	for (size_t i = 0; i < ruleset_count(rs); i++) {
		struct rule_info info;
		ruleset_info(rs, i, &info);
		const struct store_rule r = {
			.id = info.id,
			.attribute = info.attribute,
			.check = info.check,
			.severity = info.severity,
			.description = info.description,
			.remediation = info.remediation,
			.enabled = info.enabled,
		};
		enum status st = store_add_rule(store, scan_id, &r);
		if (st != STATUS_OK) {
			return st;
		}
	}
	return STATUS_OK;
}

static int
run_scan(const struct scan_opts *o, bool show_progress)
{
	enum status st = STATUS_OK;
	char *password = NULL;
	struct ruleset *rs = NULL;
	struct store *store = NULL;
	struct scan_source *src = NULL;
	int64_t scan_id = -1;
	int code = 1;

	st = get_password(o, &password);
	if (st != STATUS_OK) {
		goto out;
	}
	const struct ruleset_opts ropts = {
		.tld_file = o->tld_file,
		.domains = o->domains.n > 0 ? o->domains.items : NULL,
		.disable = o->disable.n > 0 ? o->disable.items : NULL,
	};
	rs = ruleset_load(o->rules, &ropts, &st);
	if (rs == NULL) {
		goto out;
	}
	store = store_open(o->db, &st);
	if (store == NULL) {
		goto out;
	}
	const struct store_scan_meta meta = {
		.source_kind = o->uri != NULL ? "ldap" : "ldif",
		.source = o->uri != NULL ? o->uri : o->ldif,
		.base = o->base != NULL ? o->base : "",
		.filter = o->uri != NULL
				  ? (o->filter ? o->filter : SCAN_DEFAULT_FILTER)
				  : "",
		.rule_pack = ruleset_name(rs),
		.rule_pack_hash = ruleset_hash(rs),
		.label = o->label != NULL ? o->label : "",
		.tool_version = SYNCREADY_VERSION,
	};
	st = store_scan_begin(store, &meta, &scan_id);
	if (st != STATUS_OK) {
		goto out;
	}
	st = record_rules(store, scan_id, rs);
	if (st != STATUS_OK) {
		goto out;
	}
	/* The rules check the next entries while SQLite writes. */
	st = store_write_behind(store);
	if (st != STATUS_OK) {
		goto out;
	}

	if (o->uri != NULL) {
		const struct scan_ldap_opts lo = {
			.uri = o->uri,
			.base = o->base,
			.filter = o->filter,
			.bind_dn = o->bind_dn,
			.password = password,
			.sasl_mech = o->sasl_mech,
			.ca_file = o->ca_file,
			.starttls = o->starttls,
			.insecure = o->insecure,
			.page_size = (int)o->page_size,
			.attrs = ruleset_attributes(rs),
			.counted = ruleset_counted_attributes(rs),
			.cancel = &interrupted,
		};
		src = scan_source_ldap_new(&lo, &st);
	} else {
		src = scan_source_ldif_new(o->ldif, ruleset_attributes(rs),
					   ruleset_counted_attributes(rs),
					   &interrupted, &st);
	}
	/* The password is not needed after the bind. */
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
	}
	if (src == NULL) {
		goto out;
	}

	struct scan_run run = {.store = store, .scan_id = scan_id};
	struct progress prog = {
		.on = show_progress,
		.start = now_seconds(),
	};
	st = crawl(src, rs, &run, &prog);
	progress_update(&prog, &run, true);
	if (st != STATUS_OK) {
		goto out;
	}
	st = store_scan_complete(store, scan_id);
	if (st != STATUS_OK) {
		goto out;
	}
	scan_id = -1; /* complete: nothing to mark failed any more */
	char id[32];
	snprintf(id, sizeof(id), "%" PRId64, run.scan_id);
	if (o->report_dir != NULL) {
		st = write_reports(store, run.scan_id, o->report_dir);
		if (st != STATUS_OK) {
			goto out;
		}
	}
	code = scan_finish_exit(store, run.scan_id, o->fail_on);

out:
	if (st != STATUS_OK) {
		code = status_exit_code(st);
		if (store != NULL && scan_id >= 0) {
			const char *reason = log_last_error();
			store_scan_fail(store, scan_id,
					reason[0] != '\0' ? reason
							  : status_str(st));
		}
	}
	scan_source_free(src);
	store_free(store);
	ruleset_free(rs);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return code;
}

enum {
	OPT_URI = 256,
	OPT_LDIF,
	OPT_BASE,
	OPT_FILTER,
	OPT_BIND_DN,
	OPT_PASSWORD_FILE,
	OPT_SASL_MECH,
	OPT_STARTTLS,
	OPT_CA_FILE,
	OPT_INSECURE,
	OPT_RULES,
	OPT_DOMAIN,
	OPT_DISABLE,
	OPT_TLD_FILE,
	OPT_PAGE_SIZE,
	OPT_DB,
	OPT_LABEL,
	OPT_REPORT_DIR,
	OPT_FAIL_ON,
	OPT_SCAN,
	OPT_COMPARE,
	OPT_FORMAT,
	OPT_ACCEPT,
	OPT_FORCE,
	OPT_PASSWORD,
};

static int
cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"base", required_argument, NULL, OPT_BASE},
		{"bind-dn", required_argument, NULL, OPT_BIND_DN},
		{"ca-file", required_argument, NULL, OPT_CA_FILE},
		{"db", required_argument, NULL, OPT_DB},
		{"disable", required_argument, NULL, OPT_DISABLE},
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"filter", required_argument, NULL, OPT_FILTER},
		{"insecure", no_argument, NULL, OPT_INSECURE},
		{"label", required_argument, NULL, OPT_LABEL},
		{"ldif", required_argument, NULL, OPT_LDIF},
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		{"password", required_argument, NULL, OPT_PASSWORD},
		{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
		{"quiet", no_argument, NULL, 'q'},
		{"report-dir", required_argument, NULL, OPT_REPORT_DIR},
		{"rules", required_argument, NULL, OPT_RULES},
		{"sasl-mech", required_argument, NULL, OPT_SASL_MECH},
		{"starttls", no_argument, NULL, OPT_STARTTLS},
		{"tld-file", required_argument, NULL, OPT_TLD_FILE},
		{"uri", required_argument, NULL, OPT_URI},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	struct scan_opts o = {
		.rules = "multi-tenant",
		.db = DEFAULT_DB,
		.page_size = 0,
	};
	int verbose = 0;
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "qv", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_BASE:
			o.base = optarg;
			break;
		case OPT_BIND_DN:
			o.bind_dn = optarg;
			break;
		case OPT_CA_FILE:
			o.ca_file = optarg;
			break;
		case OPT_DB:
			o.db = optarg;
			break;
		case OPT_DISABLE:
			if (!list_add(&o.disable, optarg)) {
				return usage_error("too many --disable options");
			}
			break;
		case OPT_DOMAIN:
			if (!list_add(&o.domains, optarg)) {
				return usage_error("too many --domain options");
			}
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "error") == 0) {
				o.fail_on = FAIL_ON_ERROR;
			} else if (strcmp(optarg, "warning") == 0) {
				o.fail_on = FAIL_ON_WARNING;
			} else if (strcmp(optarg, "new") == 0) {
				o.fail_on = FAIL_ON_NEW;
			} else {
				return usage_error("--fail-on takes error, "
						   "warning or new, not '%s'",
						   optarg);
			}
			break;
		case OPT_FILTER:
			o.filter = optarg;
			break;
		case OPT_INSECURE:
			o.insecure = true;
			break;
		case OPT_LABEL:
			o.label = optarg;
			break;
		case OPT_LDIF:
			o.ldif = optarg;
			break;
		case OPT_PAGE_SIZE:
			if (!parse_int(optarg, 1, INT_MAX, &o.page_size)) {
				return usage_error("--page-size takes a "
						   "positive number, not '%s'",
						   optarg);
			}
			break;
		case OPT_PASSWORD:
			return usage_error("a password is never taken on the "
					   "command line: use --password-file "
					   "FILE or SYNCREADY_PASSWORD");
		case OPT_PASSWORD_FILE:
			o.password_file = optarg;
			break;
		case OPT_REPORT_DIR:
			o.report_dir = optarg;
			break;
		case OPT_RULES:
			o.rules = optarg;
			break;
		case OPT_SASL_MECH:
			o.sasl_mech = optarg;
			break;
		case OPT_STARTTLS:
			o.starttls = true;
			break;
		case OPT_TLD_FILE:
			o.tld_file = optarg;
			break;
		case OPT_URI:
			o.uri = optarg;
			break;
		default:
			return usage_error("unknown option for scan");
		}
	}
	if (optind < argc) {
		return usage_error("scan takes no argument '%s'", argv[optind]);
	}
	if ((o.uri == NULL) == (o.ldif == NULL)) {
		return usage_error("scan needs exactly one of --uri URI or "
				   "--ldif FILE");
	}
	if (o.ldif != NULL &&
	    (o.filter != NULL || o.bind_dn != NULL || o.starttls ||
	     o.sasl_mech != NULL || o.page_size != 0 || o.base != NULL)) {
		return usage_error("--base, --filter, --bind-dn, --sasl-mech, "
				   "--starttls and --page-size apply to "
				   "--uri scans, not to --ldif");
	}
	if (o.sasl_mech != NULL && o.password_file != NULL) {
		return usage_error("--password-file is for simple binds; "
				   "--sasl-mech %s uses its own credentials",
				   o.sasl_mech);
	}
	if (quiet && verbose > 0) {
		return usage_error("-q and -v contradict each other");
	}
	if (quiet) {
		log_set_level(LOG_LEVEL_QUIET);
	} else if (verbose > 0) {
		log_set_level(verbose > 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	}
	return run_scan(&o, !quiet && isatty(STDERR_FILENO));
}

/* ---- report -------------------------------------------------------------- */

/*
 * A scan that reports and comparisons may use: "latest" or an id of a
 * complete scan.  A failed or running scan is refused with its reason,
 * never shown as if it were complete.
 */
static enum status
get_complete_scan(struct store *store, const char *spec,
		  struct store_scan *scan)
{
	enum status st = store_get_scan(store, spec, scan);
	if (st != STATUS_OK) {
		return st;
	}
	if (strcmp(scan->state, "complete") != 0) {
		LOG_ERR("scan %" PRId64 " is %s, not complete%s%s", scan->id,
			scan->state,
			scan->reason != NULL && scan->reason[0] ? ": " : "",
			scan->reason != NULL ? scan->reason : "");
		store_scan_release(scan);
		memset(scan, 0, sizeof(*scan));
		return STATUS_ERR_USAGE;
	}
	return STATUS_OK;
}

static int
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"accept", no_argument, NULL, OPT_ACCEPT},
		{"compare", required_argument, NULL, OPT_COMPARE},
		{"db", required_argument, NULL, OPT_DB},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"output", required_argument, NULL, 'o'},
		{"scan", required_argument, NULL, OPT_SCAN},
		{NULL, 0, NULL, 0},
	};
	const char *db = DEFAULT_DB;
	const char *scan_spec = "latest";
	const char *format = NULL;
	const char *output = NULL;
	const char *compare = NULL;
	bool accept = false;
	int c;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_ACCEPT:
			accept = true;
			break;
		case OPT_COMPARE:
			compare = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_SCAN:
			scan_spec = optarg;
			break;
		default:
			return usage_error("unknown option for report");
		}
	}
	if (optind < argc) {
		return usage_error("report takes no argument '%s'",
				   argv[optind]);
	}
	if (format == NULL) {
		return usage_error("report needs --format csv|html|json|ldif");
	}
	if (!report_format_known(format)) {
		return usage_error("report format '%s' is not available",
				   format);
	}
	if (accept && strcmp(format, "ldif") != 0) {
		return usage_error("--accept applies to --format ldif only");
	}

	enum status st;
	struct store_scan scan = {0};
	struct store_scan prev = {0};
	struct store *store = store_open_existing(db, &st);
	if (store == NULL) {
		goto out;
	}
	st = get_complete_scan(store, scan_spec, &scan);
	if (st != STATUS_OK) {
		goto out;
	}
	if (compare != NULL) {
		if (strcmp(compare, "previous") == 0) {
			st = store_get_previous(store, scan.id, &prev);
		} else {
			st = get_complete_scan(store, compare, &prev);
		}
		if (st != STATUS_OK) {
			goto out;
		}
		if (prev.id == scan.id) {
			LOG_ERR("--compare names scan %" PRId64 " itself",
				scan.id);
			st = STATUS_ERR_USAGE;
			goto out;
		}
	}
	const struct report_opts ro = {
		.format = format,
		.path = output,
		.scan_id = scan.id,
		.compare_scan_id = compare != NULL ? prev.id : 0,
		.accept = accept,
	};
	writing_report = 1;
	st = report_write(store, &ro);
	writing_report = 0;
out:
	store_scan_release(&prev);
	store_scan_release(&scan);
	store_free(store);
	return status_exit_code(st);
}

/* ---- import -------------------------------------------------------------- */

static int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"scan", required_argument, NULL, OPT_SCAN},
		{NULL, 0, NULL, 0},
	};
	const char *db = DEFAULT_DB;
	const char *scan_spec = "latest";
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_SCAN:
			scan_spec = optarg;
			break;
		default:
			return usage_error("unknown option for import");
		}
	}
	if (argc - optind != 1) {
		return usage_error("import takes one CSV file");
	}
	const char *path = argv[optind];
	enum status st;
	struct store_scan scan = {0};
	struct store *store = store_open_existing(db, &st);
	if (store == NULL) {
		goto out;
	}
	st = get_complete_scan(store, scan_spec, &scan);
	if (st != STATUS_OK) {
		goto out;
	}
	struct report_import_stats stats = {0};
	st = report_import_csv(store, scan.id, path, &stats);
	if (st != STATUS_OK) {
		goto out;
	}
	printf("imported %s into scan %" PRId64 ": %zu rows, %zu with an "
	       "ACTION, %zu decisions recorded, %zu rows matched no finding\n",
	       path, scan.id, stats.rows, stats.decided, stats.recorded,
	       stats.unmatched);
out:
	store_scan_release(&scan);
	store_free(store);
	return status_exit_code(st);
}

/* ---- diff ---------------------------------------------------------------- */

/* Counts of one rule (or one severity) across two scans. */
struct diff_row {
	char *name;
	int64_t fixed;
	int64_t open;
	int64_t added;
};

struct diff_table {
	struct diff_row *rows;
	size_t n;
};

static struct diff_row *
diff_row(struct diff_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->rows[i].name, name) == 0) {
			return &t->rows[i];
		}
	}
	t->rows = xreallocarray(t->rows, t->n + 1, sizeof(*t->rows));
	struct diff_row *r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	return r;
}

static void
diff_table_release(struct diff_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->rows[i].name);
	}
	free(t->rows);
}

/* Findings are listed as they are read, and counted per rule/severity. */
struct diff_state {
	struct diff_table by_rule;
	struct diff_table by_severity;
	struct strbuf fixed;
	struct strbuf open;
	struct strbuf added;
	struct strbuf gone;
	int64_t n_gone;
};

static void
list_finding(struct strbuf *sb, const struct finding *f)
{
	strbuf_addf(sb, "  %s\t%s\t%s\t%s\t%s\n", f->dn, f->attribute,
		    f->rule, f->error != NULL ? f->error : "",
		    f->value != NULL ? f->value : "");
}

static enum status
diff_current(void *ctx, const struct finding *f)
{
	struct diff_state *d = ctx;
	bool added = f->status != NULL && strcmp(f->status, "new") == 0;
	struct diff_row *r = diff_row(&d->by_rule, f->rule);
	struct diff_row *sv =
		diff_row(&d->by_severity, finding_severity_str(f->severity));
	if (added) {
		r->added++;
		sv->added++;
		list_finding(&d->added, f);
	} else {
		r->open++;
		sv->open++;
		list_finding(&d->open, f);
	}
	return STATUS_OK;
}

static enum status
diff_fixed(void *ctx, const struct finding *f)
{
	struct diff_state *d = ctx;
	/* Findings of objects that left the scan are not fixes. */
	if (f->status != NULL && strcmp(f->status, "gone") == 0) {
		d->n_gone++;
		list_finding(&d->gone, f);
		return STATUS_OK;
	}
	diff_row(&d->by_rule, f->rule)->fixed++;
	diff_row(&d->by_severity, finding_severity_str(f->severity))->fixed++;
	list_finding(&d->fixed, f);
	return STATUS_OK;
}

struct object_changes {
	struct strbuf appeared;
	struct strbuf disappeared;
	struct strbuf moved;
	int64_t n[3];
};

static enum status
diff_object(void *ctx, enum store_change change, const struct store_object *obj,
	    const char *old_dn)
{
	struct object_changes *oc = ctx;
	switch (change) {
	case STORE_CHANGE_APPEARED:
		strbuf_addf(&oc->appeared, "  %s\t%s\n", obj->dn,
			    obj->objectclass);
		break;
	case STORE_CHANGE_DISAPPEARED:
		strbuf_addf(&oc->disappeared, "  %s\t%s\n", obj->dn,
			    obj->objectclass);
		break;
	case STORE_CHANGE_MOVED:
		strbuf_addf(&oc->moved, "  %s\t(was %s)\n", obj->dn, old_dn);
		break;
	}
	oc->n[change]++;
	return STATUS_OK;
}

static int
cmp_diff_row(const void *a, const void *b)
{
	const struct diff_row *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void
print_table(const char *title, struct diff_table *t)
{
	qsort(t->rows, t->n, sizeof(*t->rows), cmp_diff_row);
	printf("%-36s %8s %10s %8s\n", title, "FIXED", "STILL OPEN", "NEW");
	for (size_t i = 0; i < t->n; i++) {
		const struct diff_row *r = &t->rows[i];
		printf("%-36s %8" PRId64 " %10" PRId64 " %8" PRId64 "\n",
		       r->name, r->fixed, r->open, r->added);
	}
	printf("\n");
}

static void
print_list(const char *title, int64_t n, const struct strbuf *sb)
{
	printf("%s (%" PRId64 "):\n%s\n", title, n, sb->len ? sb->buf : "");
}

static void
print_scan_line(const char *what, const struct store_scan *s)
{
	printf("%s scan %" PRId64 ": %s, %s %s%s%s, rules %s%s%s\n", what,
	       s->id, s->started, s->source_kind, s->source,
	       s->base != NULL && s->base[0] ? " " : "",
	       s->base != NULL ? s->base : "", s->rule_pack,
	       s->label != NULL && s->label[0] ? ", label " : "",
	       s->label != NULL ? s->label : "");
}

/*
 * Picks the two scans: NEW defaults to the latest complete scan, OLD to
 * the newest complete scan of the same source before it.
 */
static enum status
diff_pick(struct store *store, const char *old_spec, const char *new_spec,
	  struct store_scan *old_scan, struct store_scan *new_scan)
{
	enum status st = get_complete_scan(
		store, new_spec != NULL ? new_spec : "latest", new_scan);
	if (st != STATUS_OK) {
		return st;
	}
	if (old_spec != NULL) {
		return get_complete_scan(store, old_spec, old_scan);
	}
	bool found;
	st = store_find_previous(store, new_scan->id, old_scan, &found);
	if (st != STATUS_OK) {
		return st;
	}
	if (!found) {
		LOG_ERR("scan %" PRId64 " has no earlier complete scan of the "
			"same source to compare with; name both scans",
			new_scan->id);
		return STATUS_ERR_USAGE;
	}
	return STATUS_OK;
}

static int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	const char *db = DEFAULT_DB;
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		default:
			return usage_error("unknown option for diff");
		}
	}
	int nargs = argc - optind;
	if (nargs > 2) {
		return usage_error("diff takes at most two scans, OLD and NEW");
	}
	/* One argument is OLD, compared with the latest scan. */
	const char *old_spec = nargs >= 1 ? argv[optind] : NULL;
	const char *new_spec = nargs == 2 ? argv[optind + 1] : NULL;

	enum status st;
	struct store_scan old_scan = {0}, new_scan = {0};
	struct diff_state d = {0};
	struct object_changes oc = {0};
	strbuf_init(&d.fixed);
	strbuf_init(&d.open);
	strbuf_init(&d.added);
	strbuf_init(&d.gone);
	strbuf_init(&oc.appeared);
	strbuf_init(&oc.disappeared);
	strbuf_init(&oc.moved);
	struct store *store = store_open_existing(db, &st);
	if (store == NULL) {
		goto out;
	}
	st = diff_pick(store, old_spec, new_spec, &old_scan, &new_scan);
	if (st != STATUS_OK) {
		goto out;
	}
	if (old_scan.id == new_scan.id) {
		LOG_ERR("diff needs two different scans, not scan %" PRId64
			" twice",
			old_scan.id);
		st = STATUS_ERR_USAGE;
		goto out;
	}
	bool same_rules = same_str(old_scan.rule_pack, new_scan.rule_pack) &&
			  same_str(old_scan.rule_pack_hash,
				   new_scan.rule_pack_hash);
	if (!force && !(same_source(&old_scan, &new_scan) && same_rules)) {
		LOG_ERR("scans %" PRId64 " and %" PRId64 " differ in %s: "
			"their findings are not comparable (use --force to "
			"compare them anyway)",
			old_scan.id, new_scan.id,
			!same_source(&old_scan, &new_scan)
				? "source (server, file or base DN)"
				: "rule pack (or its --domain and --disable "
				  "options)");
		st = STATUS_ERR_USAGE;
		goto out;
	}
	st = store_each_finding_compared(store, new_scan.id, old_scan.id,
					 diff_current, &d);
	if (st == STATUS_OK) {
		st = store_each_fixed(store, new_scan.id, old_scan.id,
				      diff_fixed, &d);
	}
	if (st == STATUS_OK) {
		st = store_each_object_change(store, new_scan.id, old_scan.id,
					      diff_object, &oc);
	}
	if (st != STATUS_OK) {
		goto out;
	}

	print_scan_line("old", &old_scan);
	print_scan_line("new", &new_scan);
	if (!same_source(&old_scan, &new_scan) || !same_rules) {
		printf("warning: the scans differ in source or rule pack "
		       "(compared with --force)\n");
	}
	int64_t fixed = 0, open = 0, added = 0;
	for (size_t i = 0; i < d.by_severity.n; i++) {
		fixed += d.by_severity.rows[i].fixed;
		open += d.by_severity.rows[i].open;
		added += d.by_severity.rows[i].added;
	}
	printf("\n%" PRId64 " fixed, %" PRId64 " still open, %" PRId64
	       " new; objects: %" PRId64 " appeared, %" PRId64
	       " disappeared, %" PRId64 " moved or renamed\n\n",
	       fixed, open, added, oc.n[STORE_CHANGE_APPEARED],
	       oc.n[STORE_CHANGE_DISAPPEARED], oc.n[STORE_CHANGE_MOVED]);
	print_table("SEVERITY", &d.by_severity);
	print_table("RULE", &d.by_rule);
	print_list("fixed", fixed, &d.fixed);
	print_list("new", added, &d.added);
	print_list("still open", open, &d.open);
	print_list("objects that appeared", oc.n[STORE_CHANGE_APPEARED],
		   &oc.appeared);
	print_list("objects that disappeared (their findings are not "
		   "counted as fixed)",
		   oc.n[STORE_CHANGE_DISAPPEARED], &oc.disappeared);
	print_list("findings of objects that disappeared", d.n_gone, &d.gone);
	print_list("objects moved or renamed", oc.n[STORE_CHANGE_MOVED],
		   &oc.moved);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A reader that stopped early (| head) is not worth a line. */
		if (errno != EPIPE) {
			LOG_ERRNO("cannot write the diff");
		}
		st = STATUS_ERR_IO;
	}
out:
	strbuf_release(&d.fixed);
	strbuf_release(&d.open);
	strbuf_release(&d.added);
	strbuf_release(&d.gone);
	strbuf_release(&oc.appeared);
	strbuf_release(&oc.disappeared);
	strbuf_release(&oc.moved);
	diff_table_release(&d.by_rule);
	diff_table_release(&d.by_severity);
	store_scan_release(&old_scan);
	store_scan_release(&new_scan);
	store_free(store);
	return status_exit_code(st);
}

/* ---- scans --------------------------------------------------------------- */

static int
cmd_scans(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{NULL, 0, NULL, 0},
	};
	const char *db = DEFAULT_DB;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db = optarg;
			break;
		default:
			return usage_error("unknown option for scans");
		}
	}
	if (optind < argc) {
		return usage_error("scans takes no argument '%s'", argv[optind]);
	}
	enum status st;
	struct store_scan *scans = NULL;
	size_t n = 0;
	struct store *store = store_open_existing(db, &st);
	if (store == NULL) {
		goto out;
	}
	st = store_list_scans(store, &scans, &n);
	if (st != STATUS_OK) {
		goto out;
	}
	printf("%-4s %-8s %-20s %-6s %-14s %8s %8s %8s  %s\n", "ID", "STATE",
	       "STARTED", "KIND", "RULES", "OBJECTS", "SKIPPED", "FINDINGS",
	       "SOURCE / REASON");
	for (size_t i = 0; i < n; i++) {
		const struct store_scan *s = &scans[i];
		printf("%-4" PRId64 " %-8s %-20s %-6s %-14s %8" PRId64
		       " %8" PRId64 " %8" PRId64 "  %s%s%s%s%s\n",
		       s->id, s->state, s->started ? s->started : "",
		       s->source_kind ? s->source_kind : "",
		       s->rule_pack ? s->rule_pack : "", s->objects_read,
		       s->objects_skipped, s->findings,
		       s->source ? s->source : "",
		       s->base && s->base[0] ? " " : "", s->base ? s->base : "",
		       s->reason && s->reason[0] ? ": " : "",
		       s->reason ? s->reason : "");
	}
out:
	store_scans_free(scans, n);
	store_free(store);
	return status_exit_code(st);
}

/* ---- rules --------------------------------------------------------------- */

static int
cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"rules", required_argument, NULL, OPT_RULES},
		{"tld-file", required_argument, NULL, OPT_TLD_FILE},
		{NULL, 0, NULL, 0},
	};
	const char *pack = "multi-tenant";
	struct ruleset_opts ropts = {0};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RULES:
			pack = optarg;
			break;
		case OPT_TLD_FILE:
			ropts.tld_file = optarg;
			break;
		default:
			return usage_error("unknown option for rules");
		}
	}
	if (optind < argc) {
		return usage_error("rules takes no argument '%s'", argv[optind]);
	}
	enum status st;
	struct ruleset *rs = ruleset_load(pack, &ropts, &st);
	if (rs == NULL) {
		return status_exit_code(st);
	}
	printf("# rule pack %s (%zu rules)\n", ruleset_name(rs),
	       ruleset_count(rs));
	printf("%-32s %-18s %-12s %-8s %s\n", "RULE", "ATTRIBUTE", "CHECK",
	       "SEVERITY", "DESCRIPTION");
	for (size_t i = 0; i < ruleset_count(rs); i++) {
		struct rule_info info;
		ruleset_info(rs, i, &info);
		printf("%-32s %-18s %-12s %-8s %s%s\n", info.id,
		       info.attribute ? info.attribute : "-", info.check,
		       info.severity, info.description,
		       info.enabled ? "" : " (disabled)");
	}
	ruleset_free(rs);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"diff", cmd_diff},
	{"import", cmd_import},
	{"report", cmd_report},
	{"rules", cmd_rules},
	{"scan", cmd_scan},
	{"scans", cmd_scans},
};

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return status_exit_code(STATUS_ERR_USAGE);
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("syncready %s\n", SYNCREADY_VERSION);
		return 0;
	}

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed report pipe is an I/O error, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			/* getopt_long sees the command as argv[0]. */
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	return usage_error("unknown command '%s'", cmd);
}
