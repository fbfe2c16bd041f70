#include "rules/text.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "common/ascii.h"
#include "common/xalloc.h"

/* Length of the well-formed sequence at s (at most n bytes), 0 if none. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c == 0) {
		return 0;
	}
	if (c < 0x80) {
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) {
			return 0;
		}
		if (c == 0xe0 && s[1] < 0xa0) {
			return 0; /* overlong */
		}
		if (c == 0xed && s[1] >= 0xa0) {
			return 0; /* surrogate */
		}
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80) {
			return 0;
		}
		if (c == 0xf0 && s[1] < 0x90) {
			return 0; /* overlong */
		}
		if (c == 0xf4 && s[1] >= 0x90) {
			return 0; /* above U+10FFFF */
		}
		return 4;
	}
	return 0;
}

bool
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		/*
		 * Eight bytes at a time while they are ASCII and none is NUL
		 * (a high bit, or a borrow out of a zero byte, says otherwise):
		 * nearly every value of a directory.
		 */
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			uint64_t zero = (w - 0x0101010101010101u) & ~w;
			if (((w | zero) & 0x8080808080808080u) == 0) {
				i += 8;
				continue;
			}
		}
		size_t n = seq_len(p + i, len - i);
		if (n == 0) {
			return false;
		}
		i += n;
	}
	return true;
}

char *
text_utf8_repair(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len + 1);
	size_t i = 0, o = 0;
	while (i < len) {
		size_t n = seq_len(p + i, len - i);
		if (n == 0) {
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

size_t
text_utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] < 0xe0) {
		*cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if (p[0] < 0xf0) {
		*cp = ((uint32_t)(p[0] & 0x0f) << 12) |
		      ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(p[0] & 0x07) << 18) |
	      ((uint32_t)(p[1] & 0x3f) << 12) | ((uint32_t)(p[2] & 0x3f) << 6) |
	      (p[3] & 0x3f);
	return 4;
}

size_t
text_utf8_encode(uint32_t cp, char *buf)
{
	unsigned char *b = (unsigned char *)buf;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | (cp >> 18));
	b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t
text_utf16_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), units = 0, i = 0;
	while (i < len) {
		/* Eight ASCII bytes are eight units (most values are ASCII). */
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (ascii_word(w)) {
				units += 8;
				i += 8;
				continue;
			}
		}
		if ((p[i] & 0xc0) != 0x80) {
			/* A 4-byte lead is one character outside the BMP. */
			units += p[i] >= 0xf0 ? 2 : 1;
		}
		i++;
	}
	return units;
}

size_t
text_utf16_prefix(const char *s, size_t units)
{
	size_t i = 0, used = 0;
	while (s[i] != '\0') {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, &cp);
		size_t u = cp >= 0x10000 ? 2 : 1;
		if (used + u > units) {
			break;
		}
		used += u;
		i += n;
	}
	return i;
}

static uint32_t
fold_cp(uint32_t c)
{
	if (c < 0x80) {
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	}
	if (c >= 0xc0 && c <= 0xde && c != 0xd7) {
		return c + 32;
	}
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 ||
		    c == 0x17f) {
			return c; /* dotted/dotless i, kra, 'n, long s */
		}
		if (c == 0x178) {
			return 0xff;
		}
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) {
			return (c & 1) ? c + 1 : c;
		}
		return (c & 1) ? c : c + 1;
	}
	if (c >= 0x386 && c <= 0x3ab) {
		if (c == 0x386) {
			return 0x3ac;
		}
		if (c >= 0x388 && c <= 0x38a) {
			return c + 37;
		}
		if (c == 0x38c) {
			return 0x3cc;
		}
		if (c == 0x38e || c == 0x38f) {
			return c + 63;
		}
		if (c >= 0x391 && c <= 0x3ab && c != 0x3a2) {
			return c + 32;
		}
		return c;
	}
	if (c == 0x3c2) {
		return 0x3c3; /* final sigma */
	}
	if (c >= 0x400 && c <= 0x40f) {
		return c + 80;
	}
	if (c >= 0x410 && c <= 0x42f) {
		return c + 32;
	}
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	    (c >= 0x4d0 && c <= 0x52f)) {
		return (c & 1) ? c : c + 1;
	}
	if (c == 0x4c0) {
		return 0x4cf;
	}
	if (c >= 0x4c1 && c <= 0x4ce) {
		return (c & 1) ? c + 1 : c;
	}
	return c;
}

/*
 * text_fold() of the len bytes of valid UTF-8 s (no NUL among them) into
 * out, which has room for len + 1: the folding is as long as s, and out
 * gets a NUL after it.
 */
static void
fold_to(char *out, const char *s, size_t len)
{
	/*
	 * Every mapping in fold_cp() keeps the UTF-8 length (ASCII to
	 * ASCII, two-byte letters to two-byte letters), so the result has
	 * the length of s, and eight ASCII bytes fold at once.
	 */
	size_t i = 0;
	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (ascii_word(w)) {
				w = ascii_lower8(w);
				memcpy(out + i, &w, 8);
				i += 8;
				continue;
			}
		}
		if ((unsigned char)s[i] < 0x80) {
			out[i] = ascii_lower1(s[i]);
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, &cp);
		uint32_t f = fold_cp(cp);
		if (f != cp) {
			text_utf8_encode(f, out + i);
		} else {
			memcpy(out + i, s + i, n);
		}
		i += n;
	}
	out[len] = '\0';
}

char *
text_fold_key_buf(const char *ns, const char *s, size_t len, char *buf,
		  size_t size)
{
	size_t nl = strlen(ns);
	size_t need = nl + 1 + len + 1;
	char *key = need <= size ? buf : xmalloc(need);
	memcpy(key, ns, nl);
	key[nl] = ':';
	fold_to(key + nl + 1, s, len);
	return key;
}

char *
text_fold_key(const char *ns, const char *s, size_t len)
{
	return text_fold_key_buf(ns, s, len, NULL, 0);
}

char *
text_fold_buf(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);
	char *out = len < size ? buf : xmalloc(len + 1);
	fold_to(out, s, len);
	return out;
}

char *
text_fold(const char *s)
{
	return text_fold_buf(s, NULL, 0);
}

bool
text_fold_equal(const char *a, const char *b)
{
	/*
	 * fold_cp() keeps every character's UTF-8 length: strings that fold
	 * alike have the same length, and their characters start at the
	 * same offsets.
	 */
	size_t len = strlen(a), i = 0;
	if (strlen(b) != len) {
		return false;
	}
	while (i < len) {
		if (len - i >= 8) {
			uint64_t wa, wb;
			memcpy(&wa, a + i, 8);
			memcpy(&wb, b + i, 8);
			if (ascii_word(wa | wb)) {
				if (ascii_lower8(wa) != ascii_lower8(wb)) {
					return false;
				}
				i += 8;
				continue;
			}
		}
		unsigned char ca = (unsigned char)a[i];
		unsigned char cb = (unsigned char)b[i];
		if (ca < 0x80 || cb < 0x80) {
			if (ascii_lower1((char)ca) != ascii_lower1((char)cb)) {
				return false;
			}
			i++;
			continue;
		}
		uint32_t pa, pb;
		size_t na = text_utf8_decode(a + i, &pa);
		size_t nb = text_utf8_decode(b + i, &pb);
		if (na != nb || fold_cp(pa) != fold_cp(pb)) {
			return false;
		}
		i += na;
	}
	return true;
}

bool
text_is_space(uint32_t c)
{
	return (c >= 0x9 && c <= 0xd) || c == 0x20 || c == 0x85 || c == 0xa0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	       c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

static bool
ascii_space(unsigned char c)
{
	return c == ' ' || (c >= 0x9 && c <= 0xd);
}

size_t
text_trim_span(const char *s, size_t *start_out)
{
	/* From each end, ASCII without decoding; the rest decoded. */
	size_t len = strlen(s), start = 0, end = len;
	while (start < len) {
		unsigned char c = (unsigned char)s[start];
		uint32_t cp;
		size_t n = c < 0x80 ? 1 : text_utf8_decode(s + start, &cp);
		if (c < 0x80 ? !ascii_space(c) : !text_is_space(cp)) {
			break;
		}
		start += n;
	}
	while (end > start) {
		unsigned char c = (unsigned char)s[end - 1];
		if (c < 0x80) {
			if (!ascii_space(c)) {
				break;
			}
			end--;
			continue;
		}
		/* Back to the first byte of the last sequence. */
		size_t k = end - 1;
		while (k > start && ((unsigned char)s[k] & 0xc0) == 0x80) {
			k--;
		}
		uint32_t cp;
		if (k + text_utf8_decode(s + k, &cp) != end ||
		    !text_is_space(cp)) {
			break;
		}
		end = k;
	}
	*start_out = start;
	return end - start;
}

char *
text_trim(const char *s)
{
	size_t start, len = text_trim_span(s, &start);
	return xstrndup(s + start, len);
}

const char *
text_strcasestr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0) {
		return hay;
	}
	/*
	 * Only where the first byte matches, in either case, is the rest
	 * compared: strpbrk() skips the other positions quickly (this runs
	 * on every DN and every address).
	 */
	char first[3] = {(char)tolower((unsigned char)needle[0]),
			 (char)toupper((unsigned char)needle[0]), '\0'};
	for (hay = strpbrk(hay, first); hay != NULL;
	     hay = strpbrk(hay + 1, first)) {
		if (strncasecmp(hay, needle, n) == 0) {
			return hay;
		}
	}
	return NULL;
}
