#define LOG_MODULE "report"

#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "report/csv.h"
#include "report/writers.h"

/*
 * One writer per format (rpki-client's outputs[]).  A writer reads the scan
 * from the store and writes to out, checking every write and logging its
 * first failure once; report_write() owns the file around it.  A format is
 * listed only once its writer exists: report_format_known() is what main
 * offers.
 */
static const struct output {
	const char *name;
	const char *default_name;
	enum status (*write)(struct store *s, const struct store_scan *scan,
			     int64_t previous_id, FILE *out);
} outputs[] = {
	{"csv", "findings.csv", report_csv_write},
	{"html", "report.html", report_html_write},
	{"json", "findings.json", report_json_write},
	/* Two files and --accept: report_ldif_report() (writers.h). */
	{"ldif", "changes.ldif", NULL},
};

#define NOUTPUTS (sizeof(outputs) / sizeof(outputs[0]))

/*
 * The temporary file being written, for report_cleanup_signal(): a fixed
 * buffer and a flag, so that a signal handler can read them safely.
 */
static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_active;

static const struct output *
find_output(const char *format)
{
	if (format == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < NOUTPUTS; i++) {
		if (strcmp(outputs[i].name, format) == 0) {
			return &outputs[i];
		}
	}
	return NULL;
}

bool
report_format_known(const char *format)
{
	return find_output(format) != NULL;
}

const char *
report_default_name(const char *format)
{
	const struct output *o = find_output(format);
	return o != NULL ? o->default_name : NULL;
}

size_t
report_format_count(void)
{
	return NOUTPUTS;
}

const char *
report_format_name(size_t i)
{
	return i < NOUTPUTS ? outputs[i].name : NULL;
}

void
report_cleanup_signal(void)
{
	if (tmp_active) {
		unlink(tmp_path);
		tmp_active = 0;
	}
}

/* "dir/.name.XXXXXX" beside path, for mkstemp(). */
static char *
tmp_template(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		return xasprintf(".%s.XXXXXX", path);
	}
	return xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path,
			 slash + 1);
}

static mode_t
file_mode(void)
{
	/* mkstemp() makes 0600; a report gets what open() would give it. */
	mode_t mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

static enum status
write_file(const struct output *o, struct store *s,
	   const struct store_scan *scan, int64_t previous_id, const char *path)
{
	enum status st = STATUS_ERR_IO;
	FILE *fp = NULL;
	char *tmp = tmp_template(path);
	if (strlen(tmp) >= sizeof(tmp_path)) {
		LOG_ERR("cannot write %s: the path is too long", path);
		free(tmp);
		return STATUS_ERR_IO;
	}
	int fd = mkstemp(tmp);
	if (fd == -1) {
		LOG_ERRNO("cannot create a temporary file for %s", path);
		free(tmp);
		return STATUS_ERR_IO;
	}
	memcpy(tmp_path, tmp, strlen(tmp) + 1);
	tmp_active = 1;
	if (fchmod(fd, file_mode()) != 0) {
		LOG_ERRNO("cannot set the mode of %s", tmp);
		close(fd);
		goto out;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		LOG_ERRNO("cannot open %s", tmp);
		close(fd);
		goto out;
	}
	st = o->write(s, scan, previous_id, fp);
	if (st != STATUS_OK) {
		goto out;
	}
	st = STATUS_ERR_IO;
	if (fflush(fp) != 0 || ferror(fp)) {
		LOG_ERRNO("cannot write %s", path);
		goto out;
	}
	/* Data on disk before the rename makes it visible. */
	if (fsync(fileno(fp)) != 0) {
		LOG_ERRNO("cannot write %s", path);
		goto out;
	}
	int rc = fclose(fp);
	fp = NULL;
	if (rc != 0) {
		LOG_ERRNO("cannot write %s", path);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		LOG_ERRNO("cannot rename %s to %s", tmp, path);
		goto out;
	}
	st = STATUS_OK;
out:
	if (fp != NULL) {
		fclose(fp);
	}
	if (st != STATUS_OK) {
		unlink(tmp);
	}
	tmp_active = 0;
	free(tmp);
	return st;
}

enum status
report_write(struct store *s, const struct report_opts *opts)
{
	const struct output *o = find_output(opts->format);
	if (o == NULL) {
		LOG_ERR("unknown report format '%s'",
			opts->format != NULL ? opts->format : "");
		return STATUS_ERR_USAGE;
	}
	char spec[32] = "latest";
	if (opts->scan_id != 0) {
		snprintf(spec, sizeof(spec), "%" PRId64, opts->scan_id);
	}
	struct store_scan scan;
	enum status st = store_get_scan(s, spec, &scan);
	if (st != STATUS_OK) {
		goto out;
	}
	if (o->write == NULL) {
		st = report_ldif_report(s, &scan, opts->accept, opts->path);
	} else if (opts->path == NULL) {
		st = o->write(s, &scan, opts->compare_scan_id, stdout);
		if (st == STATUS_OK &&
		    (fflush(stdout) != 0 || ferror(stdout))) {
			LOG_ERRNO(
				"cannot write the %s report to standard output",
				o->name);
			st = STATUS_ERR_IO;
		}
	} else {
		st = write_file(o, s, &scan, opts->compare_scan_id, opts->path);
	}
out:
	store_scan_release(&scan);
	return st;
}
