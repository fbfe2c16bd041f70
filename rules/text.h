/*
 * Text helpers the rules need: UTF-8 validation and repair, lengths in
 * UTF-16 code units (as AD and .NET count), cutting without splitting a
 * character, the case folding duplicate keys use, and .NET's whitespace.
 * Internal to rules/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True if s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) without NUL bytes.
 */
bool
text_utf8_valid(const char *s, size_t len);

/*
 * A copy of s[0..len) without the bytes that are not part of a well-formed
 * UTF-8 sequence (NUL bytes are dropped too).  The caller frees it.
 */
char *
text_utf8_repair(const char *s, size_t len);

/*
 * Decodes the code point at s (valid UTF-8); returns its byte length.
 */
size_t
text_utf8_decode(const char *s, uint32_t *cp);

/* Appends cp as UTF-8 to buf (at least 4 bytes); returns the byte count. */
size_t
text_utf8_encode(uint32_t cp, char *buf);

/* Length of valid UTF-8 s in UTF-16 code units. */
size_t
text_utf16_len(const char *s);

/*
 * Byte length of the longest prefix of valid UTF-8 s that has at most
 * units UTF-16 code units; a character that needs a surrogate pair is
 * never split: if only its first half fits, it is left out.
 */
size_t
text_utf16_prefix(const char *s, size_t units);

/*
 * The simple lower-case folding of valid UTF-8 s used for duplicate keys
 * and top-level domains: ASCII, Latin-1, Latin Extended-A, Greek (final
 * sigma folds to sigma) and Cyrillic capitals to their small letters;
 * everything else is kept.  The caller frees the result.
 */
char *
text_fold(const char *s);

/* A duplicate key: ns, ':' and the folding of the len bytes of valid
 * UTF-8 s, in one allocation (the caller frees it). */
char *
text_fold_key(const char *ns, const char *s, size_t len);

/*
 * text_fold() and text_fold_key() into buf (size bytes) when the result
 * fits, else into an allocation: the caller frees the result if it is
 * not buf.  The rules fold several values of every entry, nearly all
 * of them short.
 */
char *
text_fold_buf(const char *s, char *buf, size_t size);

char *
text_fold_key_buf(const char *ns, const char *s, size_t len, char *buf,
		  size_t size);

/*
 * strcmp(text_fold(a), text_fold(b)) == 0, without the copies: a and b
 * are valid UTF-8.
 */
bool
text_fold_equal(const char *a, const char *b);

/* .NET's \s: U+0009-000D, 0020, 0085, 00A0, 1680, 2000-200A, 2028, 2029,
 * 202F, 205F, 3000. */
bool
text_is_space(uint32_t cp);

/* A copy of s without leading and trailing text_is_space() characters. */
char *
text_trim(const char *s);

/* What text_trim() keeps of s, without the copy: its length, and in
 * *start its offset in s. */
size_t
text_trim_span(const char *s, size_t *start);

/* ASCII case-insensitive strstr. */
const char *
text_strcasestr(const char *hay, const char *needle);
