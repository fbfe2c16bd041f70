/*
 * The escapers of the HTML and JSON reports.  Pure functions that append
 * to a strbuf; every directory value that reaches an HTML or JSON report
 * goes through one of them (html.c has no other way to write a value).
 *
 * Directory values are bytes: usually UTF-8, but AD and LDIF exports can
 * hold anything.  Both escapers decode UTF-8 strictly (no overlong forms,
 * no surrogates, nothing above U+10FFFF) and write U+FFFD for every byte
 * that is not part of a valid sequence, so their output is always valid
 * UTF-8 and a browser or JSON parser never has to guess.
 */
#pragma once

#include <stddef.h>

#include "common/strbuf.h"

/*
 * Appends s (len bytes) as HTML text, safe in element content and in a
 * double- or single-quoted attribute value: & < > " ' become character
 * references.  C0 controls and DEL, which HTML forbids in text, become the
 * visible Unicode "control pictures" (U+2400 + c, U+2421), so a value with
 * a TAB or a line break shows where it is; NUL becomes U+2400 too.
 */
void
html_escape(struct strbuf *sb, const char *s, size_t len);

/* html_escape() of a NUL-terminated string; NULL appends nothing. */
void
html_escape_str(struct strbuf *sb, const char *s);

/* How json_escape() writes characters that are safe in plain JSON. */
enum json_escape_mode {
	JSON_ESCAPE_PLAIN,  /* RFC 8259: only " \ and controls escaped */
	JSON_ESCAPE_SCRIPT, /* also < > & U+2028 U+2029: safe in <script> */
};

/*
 * Appends s (len bytes) as the inside of a JSON string (without the
 * quotes).  " and \ are escaped, controls become \n \r \t \b \f or \u00XX,
 * DEL becomes \u007f.  In JSON_ESCAPE_SCRIPT mode < > & also become
 * \u003c \u003e \u0026 (so "</script>" and "<!--" cannot appear in the
 * output) and U+2028/U+2029 become \u2028/\u2029.  Invalid UTF-8: see the
 * file comment (each bad byte becomes \ufffd).
 */
void
json_escape(struct strbuf *sb, const char *s, size_t len,
	    enum json_escape_mode mode);

/*
 * Appends a JSON string value: "..." for s, or null when s is NULL.
 */
void
json_string(struct strbuf *sb, const char *s, enum json_escape_mode mode);

/*
 * Decodes one UTF-8 sequence at s (len > 0 bytes left).  Returns its
 * length (1-4) and sets *cp, or returns 0 when the first byte does not
 * start a valid, complete, shortest-form sequence.
 */
size_t
utf8_decode(const unsigned char *s, size_t len, unsigned *cp);
