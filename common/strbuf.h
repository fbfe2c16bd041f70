/*
 * A growable, binary-safe byte buffer that is always NUL-terminated
 * (git's strbuf.h is the model).  Caller-owned storage: strbuf_init() /
 * strbuf_release(); strbuf_detach() hands the bytes over.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;  /* never NULL after strbuf_init(); buf[len] == '\0' */
	size_t len;
	size_t cap;
};

void
strbuf_init(struct strbuf *sb);

/* Frees the bytes; the strbuf may be initialised again. */
void
strbuf_release(struct strbuf *sb);

/* Empties the buffer and keeps its memory. */
void
strbuf_reset(struct strbuf *sb);

/* Returns the bytes (the caller frees them) and re-initialises sb. */
char *
strbuf_detach(struct strbuf *sb, size_t *len);

void
strbuf_add(struct strbuf *sb, const void *data, size_t len);

void
strbuf_addstr(struct strbuf *sb, const char *s);

/*
 * Appends len bytes for the caller to fill, and returns where they start
 * (valid until the next change to sb): one capacity check for a record
 * built from many pieces.
 */
char *
strbuf_extend(struct strbuf *sb, size_t len);

void
strbuf_addch(struct strbuf *sb, char c);

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), nonnull(2)));

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), nonnull(2)));

/* Drops bytes past len (len must not exceed sb->len). */
void
strbuf_truncate(struct strbuf *sb, size_t len);
