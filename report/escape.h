/*
 * The CSV cell escaper (SPEC §5) and its inverse for `import`.  Pure
 * functions: no I/O, no state, unit-tested on their own.
 *
 * A cell is written in three steps:
 *  1. Formula guard (OWASP "CSV injection"): a cell that begins with
 *     = + - @ TAB or CR gets a leading ', and so does one that begins with '
 *     (so that the guard can be undone exactly: every cell we write that
 *     begins with ' carries our guard).
 *  2. UTF-8: every byte that is not part of a valid, shortest-form UTF-8
 *     sequence becomes U+FFFD, so the file is always valid UTF-8 and Excel
 *     or a CSV parser never has to guess an encoding.
 *  3. RFC 4180: a cell holding a comma, a double quote, CR or LF is
 *     enclosed in double quotes, and every double quote inside is doubled.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

/* Appends cell (NUL-terminated; NULL is an empty cell) as one CSV field. */
void
csv_escape(struct strbuf *sb, const char *cell);

/* True if csv_escape() puts a ' in front of cell. */
bool
csv_needs_guard(const char *cell);

/*
 * The value of a cell as read back by a CSV parser (quotes already
 * removed), with our formula guard undone: a cell that begins with ' and
 * then one of = + - @ TAB CR ' loses that first '.  Returns a pointer into
 * cell.
 */
const char *
csv_unguard(const char *cell);

/*
 * True if s (len bytes) is valid UTF-8: shortest forms only, no
 * surrogates, nothing above U+10FFFF.
 */
bool
csv_utf8_valid(const char *s, size_t len);
