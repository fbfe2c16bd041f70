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

static void
on_signal(int sig)
{
	interrupted = 1;
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
		enum status st = report_write(store, &ro);
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
	}
	store_scan_release(&scan);
	return code;
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
			.cancel = &interrupted,
		};
		src = scan_source_ldap_new(&lo, &st);
	} else {
		src = scan_source_ldif_new(o->ldif, ruleset_attributes(rs),
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
	if (o.fail_on == FAIL_ON_NEW) {
		return usage_error("--fail-on new needs scan comparison, "
				   "which this version does not have yet");
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
	if (compare != NULL || accept) {
		return usage_error("--compare and --accept are not available "
				   "in this version yet");
	}

	enum status st;
	struct store_scan scan = {0};
	struct store *store = store_open_existing(db, &st);
	if (store == NULL) {
		goto out;
	}
	st = store_get_scan(store, scan_spec, &scan);
	if (st != STATUS_OK) {
		goto out;
	}
	if (strcmp(scan.state, "complete") != 0) {
		LOG_ERR("scan %" PRId64 " is %s, not complete: it has no "
			"report (%s)",
			scan.id, scan.state, scan.reason ? scan.reason : "");
		st = STATUS_ERR_USAGE;
		goto out;
	}
	const struct report_opts ro = {
		.format = format,
		.path = output,
		.scan_id = scan.id,
	};
	st = report_write(store, &ro);
out:
	store_scan_release(&scan);
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
	if (strcmp(cmd, "import") == 0 || strcmp(cmd, "diff") == 0) {
		return usage_error("'%s' is not available in this version yet",
				   cmd);
	}
	return usage_error("unknown command '%s'", cmd);
}
