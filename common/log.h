/*
 * Logging to stderr.
 *
 * Each .c file may define LOG_MODULE before including this header; the
 * module name is shown only at LOG_LEVEL_DEBUG, so ordinary messages read
 * as one clear line: "syncready: cannot open rules file x.xml: ...".
 * Messages follow git's guidelines: lower case, no full stop, what failed
 * first.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

#ifndef LOG_MODULE
#define LOG_MODULE "syncready"
#endif

enum log_level {
	LOG_LEVEL_QUIET = 0, /* errors only */
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Set the threshold; messages above it are dropped. Default WARN. */
void
log_set_level(enum log_level level);

enum log_level
log_get_level(void);

/*
 * Count of LOG_ERR messages so far; tests and main use it to make sure a
 * failure was reported exactly once.
 */
unsigned
log_error_count(void);

/*
 * The text of the last LOG_ERR message (without the "syncready: " prefix),
 * or "" if there was none: main records it as a failed scan's reason.
 */
const char *
log_last_error(void);

void
log_msg(enum log_level level, const char *module, int errnum,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void
log_vmsg(enum log_level level, const char *module, int errnum,
	 const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* LOG_LEVEL_QUIET as level marks an error: always printed. */
#define LOG_ERR(...) log_msg(LOG_LEVEL_QUIET, LOG_MODULE, 0, __VA_ARGS__)
#define LOG_ERRNO(...) log_msg(LOG_LEVEL_QUIET, LOG_MODULE, errno, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LEVEL_WARN, LOG_MODULE, 0, __VA_ARGS__)
#define LOG_INFO(...) log_msg(LOG_LEVEL_INFO, LOG_MODULE, 0, __VA_ARGS__)
#define LOG_DBG(...) log_msg(LOG_LEVEL_DEBUG, LOG_MODULE, 0, __VA_ARGS__)
