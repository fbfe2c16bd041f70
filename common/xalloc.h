/*
 * Allocation that cannot fail: out of memory aborts the program (foot's
 * xmalloc.h, adcli's HACKING), so callers never check for NULL.
 */
#pragma once

#include <stddef.h>

void *
xmalloc(size_t size);

void *
xcalloc(size_t nmemb, size_t size);

/* Grows *ptr to hold nmemb elements of size; checks the multiplication. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size);

char *
xstrdup(const char *s);

/* Copies at most n bytes and always NUL-terminates. */
char *
xstrndup(const char *s, size_t n);

/* Copies len bytes and adds a NUL byte after them (binary-safe). */
char *
xmemdup0(const void *p, size_t len);

char *
xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), nonnull(1)));
