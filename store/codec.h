/*
 * The byte encoding of the store's own temporary records (store/cand.c,
 * the writer queue in store.c): varints of 7 bits a byte, low first, and
 * strings as varint 0 (NULL) or length + 1, the bytes and a NUL, so that
 * a decoded string can be used where it lies.  Internal to store/.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/strbuf.h"

/* Writes v to b (at least 10 bytes); returns the length. */
static inline size_t
codec_varint(unsigned char *b, uint64_t v)
{
	size_t n = 0;
	do {
		b[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0) {
			b[n] |= 0x80;
		}
		n++;
	} while (v != 0);
	return n;
}

static inline void
codec_put_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char b[10];
	strbuf_add(sb, b, codec_varint(b, v));
}

static inline void
codec_put_str(struct strbuf *sb, const char *s)
{
	if (s == NULL) {
		codec_put_varint(sb, 0);
		return;
	}
	size_t len = strlen(s);
	codec_put_varint(sb, (uint64_t)len + 1);
	strbuf_add(sb, s, len + 1);
}

/* The bytes codec_varint() writes for v. */
static inline size_t
codec_varint_size(uint64_t v)
{
	size_t n = 1;
	for (; v >= 0x80; v >>= 7) {
		n++;
	}
	return n;
}

/* The bytes codec_put_str() writes for a string of len bytes (or NULL). */
static inline size_t
codec_str_size(const char *s, size_t len)
{
	if (s == NULL) {
		return 1;
	}
	return codec_varint_size((uint64_t)len + 1) + len + 1;
}

/*
 * Writes what codec_put_str() would for the first len bytes of s to p,
 * which has codec_str_size() bytes; returns the end.  s need not end
 * there.
 */
static inline unsigned char *
codec_write_str(unsigned char *p, const char *s, size_t len)
{
	if (s == NULL) {
		*p = 0;
		return p + 1;
	}
	p += codec_varint(p, (uint64_t)len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p + len + 1;
}

/*
 * Appends n strings (NULL ones included) with one capacity check.  len
 * receives their lengths (scratch, n entries).
 */
static inline void
codec_put_strs(struct strbuf *sb, const char *const *strs, size_t *len,
	       size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		len[i] = strs[i] != NULL ? strlen(strs[i]) : 0;
		total += codec_str_size(strs[i], len[i]);
	}
	unsigned char *p = (unsigned char *)strbuf_extend(sb, total);
	for (size_t i = 0; i < n; i++) {
		p = codec_write_str(p, strs[i], len[i]);
	}
}

static inline bool
codec_get_varint(const unsigned char **p, const unsigned char *end,
		 uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			return true;
		}
	}
	return false;
}

/* The next string: *s NULL for NULL, else NUL-terminated where it lies. */
static inline bool
codec_get_str(const unsigned char **p, const unsigned char *end,
	      const char **s, size_t *len)
{
	uint64_t v;
	if (!codec_get_varint(p, end, &v)) {
		return false;
	}
	if (v == 0) {
		*s = NULL;
		*len = 0;
		return true;
	}
	if (v > (uint64_t)(end - *p) || (*p)[v - 1] != '\0') {
		return false;
	}
	*s = (const char *)*p;
	*len = (size_t)(v - 1);
	*p += v;
	return true;
}
