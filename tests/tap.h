/*
 * A tiny TAP emitter for the unit tests (bubblewrap's test-utils.c is the
 * model): ok() lines, compare helpers, and a plan printed at the end.
 * Run with meson's protocol: 'tap'.  Exit status 77 means skip.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n;
static int tap_failed;

static inline void
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_n++;
	if (cond) {
		printf("ok %d - %s\n", tap_n, what);
	} else {
		tap_failed++;
		printf("not ok %d - %s (%s:%d)\n", tap_n, what, file, line);
	}
}

#define ok(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))

#define is_int(got, want, what)                                              \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		tap_ok(g_ == w_, __FILE__, __LINE__, (what));                \
		if (g_ != w_) {                                              \
			printf("#   got %lld, want %lld\n", g_, w_);         \
		}                                                            \
	} while (0)

#define is_str(got, want, what)                                              \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		int same_ = (g_ == NULL && w_ == NULL) ||                    \
			    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0); \
		tap_ok(same_, __FILE__, __LINE__, (what));                   \
		if (!same_) {                                                \
			printf("#   got  '%s'\n#   want '%s'\n",               \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");      \
		}                                                            \
	} while (0)

/*
 * A new file holding text, named after a mkstemp() template such as
 * "/tmp/test-XXXXXX"; the caller removes it and frees the name.  A test
 * that cannot write its input cannot run: it stops here.
 */
static inline char *
tap_write_file(const char *template, const char *text)
{
	char *path = strdup(template);
	int fd = path != NULL ? mkstemp(path) : -1;
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror("cannot write a test input");
		exit(EXIT_FAILURE);
	}
	close(fd);
	return path;
}

/* Prints the plan; the test's exit status. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
