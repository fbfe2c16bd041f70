#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

static enum log_level threshold = LOG_LEVEL_WARN;
static unsigned error_count;
static char last_error[1024];
/* The scan's threads (reader, rules, store writer) may all log. */
static pthread_mutex_t last_error_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_set_level(enum log_level level)
{
	threshold = level;
}

enum log_level
log_get_level(void)
{
	return threshold;
}

const char *
log_last_error(void)
{
	return last_error;
}

unsigned
log_error_count(void)
{
	return error_count;
}

/*
 * One line whatever the message quotes: a server's diagnostic text or a
 * hostile DN may hold line breaks or terminal escape sequences.  TAB, CR
 * and LF become spaces (trailing ones are dropped), other control
 * characters '?'.
 */
static void
one_line(char *s)
{
	size_t end = 0;
	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\n' || c == '\r') {
			s[i] = ' ';
		} else if (c < 0x20 || c == 0x7f) {
			s[i] = '?';
		}
		if (s[i] != ' ') {
			end = i + 1;
		}
	}
	s[end] = '\0';
}

void
log_vmsg(enum log_level level, const char *module, int errnum,
	 const char *fmt, va_list ap)
{
	if (level != LOG_LEVEL_QUIET && level > threshold) {
		return;
	}

	/* One line per message, built first so that it is written at once. */
	char line[4096];
	int n;
	va_list cp;
	va_copy(cp, ap);
	if (level == LOG_LEVEL_QUIET) {
		pthread_mutex_lock(&last_error_lock);
		error_count++;
		int k = vsnprintf(last_error, sizeof(last_error), fmt, cp);
		if (errnum != 0 && k >= 0 && (size_t)k < sizeof(last_error)) {
			snprintf(last_error + k, sizeof(last_error) - k, ": %s",
				 strerror(errnum));
		}
		one_line(last_error);
		pthread_mutex_unlock(&last_error_lock);
	}
	va_end(cp);
	if (threshold >= LOG_LEVEL_DEBUG) {
		n = snprintf(line, sizeof(line), "syncready[%s]: ", module);
	} else {
		n = snprintf(line, sizeof(line), "syncready: ");
	}
	if (level == LOG_LEVEL_WARN) {
		n += snprintf(line + n, sizeof(line) - n, "warning: ");
	}
	int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (m > 0) {
		n += m;
	}
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
	}
	if (errnum != 0) {
		snprintf(line + n, sizeof(line) - n, ": %s", strerror(errnum));
	}
	one_line(line);
	fprintf(stderr, "%s\n", line);
}

void
log_msg(enum log_level level, const char *module, int errnum,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, module, errnum, fmt, ap);
	va_end(ap);
}
