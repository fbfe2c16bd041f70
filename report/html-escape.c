#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "report/html-escape.h"

size_t
utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n) {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past Unicode. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
		return 0;
	}
	*cp = c;
	return n;
}

/* U+FFFD REPLACEMENT CHARACTER. */
static const char replacement[] = "\xef\xbf\xbd";

void
html_escape(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			strbuf_add(sb, replacement, 3);
			i++;
			continue;
		}
		switch (cp) {
		case '&':
			strbuf_addstr(sb, "&amp;");
			break;
		case '<':
			strbuf_addstr(sb, "&lt;");
			break;
		case '>':
			strbuf_addstr(sb, "&gt;");
			break;
		case '"':
			strbuf_addstr(sb, "&quot;");
			break;
		case '\'':
			strbuf_addstr(sb, "&#39;");
			break;
		default:
			if (cp < 0x20) {
				/* U+2400 + cp: E2 90 80+cp */
				char pic[3] = {'\xe2', '\x90',
					       (char)(0x80 + cp)};
				strbuf_add(sb, pic, 3);
			} else if (cp == 0x7f) {
				strbuf_addstr(sb, "\xe2\x90\xa1");
			} else {
				strbuf_add(sb, p + i, n);
			}
			break;
		}
		i += n;
	}
}

void
html_escape_str(struct strbuf *sb, const char *s)
{
	if (s != NULL) {
		html_escape(sb, s, strlen(s));
	}
}

void
json_escape(struct strbuf *sb, const char *s, size_t len,
	    enum json_escape_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	bool script = mode == JSON_ESCAPE_SCRIPT;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			strbuf_addstr(sb, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '\b':
			strbuf_addstr(sb, "\\b");
			break;
		case '\f':
			strbuf_addstr(sb, "\\f");
			break;
		default:
			if (cp < 0x20 || cp == 0x7f ||
			    (script && (cp == '<' || cp == '>' || cp == '&' ||
					cp == 0x2028 || cp == 0x2029))) {
				strbuf_addf(sb, "\\u%04x", cp);
			} else {
				strbuf_add(sb, p + i, n);
			}
			break;
		}
		i += n;
	}
}

void
json_string(struct strbuf *sb, const char *s, enum json_escape_mode mode)
{
	if (s == NULL) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addch(sb, '"');
	json_escape(sb, s, strlen(s), mode);
	strbuf_addch(sb, '"');
}
