#include "report/escape.h"

#include <stdbool.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define REPLACEMENT "\xef\xbf\xbd"

static bool
starts_formula(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	       c == '\r' || c == '\'';
}

/*
 * Length of the valid UTF-8 sequence at s (len > 0 bytes left), or 0 if
 * the first byte does not start one (RFC 3629's table: no overlong forms,
 * no surrogates, nothing above U+10FFFF).
 */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		return 1;
	}
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0) {
			lo = 0xa0; /* no overlong */
		} else if (c == 0xed) {
			hi = 0x9f; /* no surrogates */
		}
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0) {
			lo = 0x90; /* no overlong */
		} else if (c == 0xf4) {
			hi = 0x8f; /* nothing above U+10FFFF */
		}
	} else {
		return 0;
	}
	if (len < n || s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
	}
	return n;
}

bool
csv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);
		if (n == 0) {
			return false;
		}
		i += n;
	}
	return true;
}

bool
csv_needs_guard(const char *cell)
{
	return cell != NULL && starts_formula(cell[0]);
}

void
csv_escape(struct strbuf *sb, const char *cell)
{
	if (cell == NULL || cell[0] == '\0') {
		return;
	}
	size_t len = strlen(cell);
	bool quote = strpbrk(cell, ",\"\r\n") != NULL;
	if (quote) {
		strbuf_addch(sb, '"');
	}
	if (starts_formula(cell[0])) {
		strbuf_addch(sb, '\'');
	}
	const unsigned char *p = (const unsigned char *)cell;
	size_t i = 0;
	while (i < len) {
		/* Copy the longest run that needs nothing, then the special. */
		size_t run = i;
		while (run < len && p[run] < 0x80 && p[run] != '"') {
			run++;
		}
		strbuf_add(sb, p + i, run - i);
		i = run;
		if (i == len) {
			break;
		}
		if (p[i] == '"') {
			strbuf_add(sb, "\"\"", 2);
			i++;
			continue;
		}
		size_t n = utf8_seq(p + i, len - i);
		if (n == 0) {
			strbuf_add(sb, REPLACEMENT, sizeof(REPLACEMENT) - 1);
			i++;
		} else {
			strbuf_add(sb, p + i, n);
			i += n;
		}
	}
	if (quote) {
		strbuf_addch(sb, '"');
	}
}

const char *
csv_unguard(const char *cell)
{
	if (cell[0] == '\'' && starts_formula(cell[1])) {
		return cell + 1;
	}
	return cell;
}
