/*
 * The HTML and JSON escapers with hostile values: markup, script breakers,
 * controls, invalid UTF-8 of every kind.
 */
#include <stdbool.h>
#include <string.h>

#include "common/strbuf.h"
#include "report/html-escape.h"
#include "tap.h"

static struct strbuf sb;

static const char *
html(const char *s, size_t len)
{
	strbuf_reset(&sb);
	html_escape(&sb, s, len);
	return sb.buf;
}

static const char *
json(const char *s, size_t len, enum json_escape_mode mode)
{
	strbuf_reset(&sb);
	json_escape(&sb, s, len, mode);
	return sb.buf;
}

#define H(s) html((s), sizeof(s) - 1)
#define JP(s) json((s), sizeof(s) - 1, JSON_ESCAPE_PLAIN)
#define JS(s) json((s), sizeof(s) - 1, JSON_ESCAPE_SCRIPT)

static void
test_utf8(void)
{
	unsigned cp = 0;
	is_int(utf8_decode((const unsigned char *)"A", 1, &cp), 1, "ascii");
	is_int(utf8_decode((const unsigned char *)"\xc3\xa4", 2, &cp), 2,
	       "two bytes");
	is_int(cp, 0xe4, "U+00E4");
	is_int(utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp),
	       4, "emoji");
	is_int(cp, 0x1f600, "U+1F600");
	is_int(utf8_decode((const unsigned char *)"\xc0\xbc", 2, &cp), 0,
	       "overlong < refused");
	is_int(utf8_decode((const unsigned char *)"\xe0\x80\xbc", 3, &cp), 0,
	       "3-byte overlong refused");
	is_int(utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0,
	       "surrogate refused");
	is_int(utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp),
	       0, "past U+10FFFF refused");
	is_int(utf8_decode((const unsigned char *)"\xe2\x82", 2, &cp), 0,
	       "truncated sequence refused");
	is_int(utf8_decode((const unsigned char *)"\x80", 1, &cp), 0,
	       "lone continuation refused");
	is_int(utf8_decode((const unsigned char *)"\xff", 1, &cp), 0,
	       "0xff refused");
}

static void
test_html(void)
{
	is_str(H("<img src=x onerror=alert(1)>"),
	       "&lt;img src=x onerror=alert(1)&gt;", "img payload is text");
	is_str(H("</script><script>alert(1)</script>"),
	       "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
	       "script breaker is text");
	is_str(H("a\"b'c&d"), "a&quot;b&#39;c&amp;d",
	       "quotes and ampersand (attribute-safe)");
	is_str(H("&amp;"), "&amp;amp;", "entity is not interpreted");
	is_str(H("M\xc3\xbcller \xf0\x9f\x98\x80"), "M\xc3\xbcller \xf0\x9f\x98\x80",
	       "umlaut and emoji pass through");
	is_str(H("a\tb\nc"), "a\xe2\x90\x89" "b\xe2\x90\x8a" "c",
	       "TAB and LF become control pictures");
	is_str(H("\x7f"), "\xe2\x90\xa1", "DEL becomes U+2421");
	is_str(html("a\0b", 3), "a\xe2\x90\x80" "b", "NUL becomes U+2400");
	is_str(H("\xff<"), "\xef\xbf\xbd&lt;", "invalid byte becomes U+FFFD");
	is_str(H("\xc0\xbc"), "\xef\xbf\xbd\xef\xbf\xbd",
	       "overlong '<' is two U+FFFD, never a '<'");
	is_str(H("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd",
	       "truncated sequence at the end");
	strbuf_reset(&sb);
	html_escape_str(&sb, NULL);
	is_str(sb.buf, "", "NULL appends nothing");
}

static void
test_json(void)
{
	is_str(JP("a\"b\\c"), "a\\\"b\\\\c", "quote and backslash");
	is_str(JP("\n\r\t\b\f"), "\\n\\r\\t\\b\\f", "short escapes");
	is_str(JP("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f", "controls, DEL");
	is_str(json("a\0b", 3, JSON_ESCAPE_PLAIN), "a\\u0000b", "NUL");
	is_str(JP("</script>"), "</script>", "plain mode leaves <");
	is_str(JS("</script><!--"), "\\u003c/script\\u003e\\u003c!--",
	       "script mode: no </script> and no <!--");
	is_str(JS("</SCRIPT >"), "\\u003c/SCRIPT \\u003e", "any case");
	is_str(JS("a&b"), "a\\u0026b", "script mode escapes &");
	is_str(JS("\xe2\x80\xa8\xe2\x80\xa9"), "\\u2028\\u2029",
	       "line and paragraph separators");
	is_str(JP("M\xc3\xbcller \xf0\x9f\x98\x80"),
	       "M\xc3\xbcller \xf0\x9f\x98\x80", "UTF-8 passes through");
	is_str(JP("a\xff" "b"), "a\\ufffdb", "invalid byte becomes \\ufffd");
	is_str(JP("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd",
	       "encoded surrogate: one \\ufffd per byte");
	is_str(JS("\xc0\xbc/script>"), "\\ufffd\\ufffd/script\\u003e",
	       "overlong '<' cannot sneak a tag in");
	strbuf_reset(&sb);
	json_string(&sb, NULL, JSON_ESCAPE_PLAIN);
	is_str(sb.buf, "null", "NULL is null");
	strbuf_reset(&sb);
	json_string(&sb, "x", JSON_ESCAPE_PLAIN);
	is_str(sb.buf, "\"x\"", "a string is quoted");

	/* Every single byte yields valid UTF-8 without a raw control. */
	bool clean = true;
	for (int c = 0; c < 256; c++) {
		char in[1] = {(char)c};
		const char *out = json(in, 1, JSON_ESCAPE_SCRIPT);
		for (const unsigned char *p = (const unsigned char *)out;
		     *p != '\0'; p++) {
			if (*p < 0x20 || *p == '<' || *p == '>') {
				clean = false;
			}
		}
		unsigned cp;
		size_t len = strlen(out);
		for (size_t i = 0; i < len;) {
			size_t n = utf8_decode((const unsigned char *)out + i,
					       len - i, &cp);
			if (n == 0) {
				clean = false;
				break;
			}
			i += n;
		}
	}
	ok(clean, "every byte: valid UTF-8, no control, no < or >");
}

int
main(void)
{
	strbuf_init(&sb);
	test_utf8();
	test_html();
	test_json();
	strbuf_release(&sb);
	return tap_done();
}
