/*
 * Attribute descriptions with options, as AD sends them for long
 * multi-valued attributes: "member;range=0-1499", "member;range=3000-*",
 * "userCertificate;binary".  Parsing is pure so that it is unit-tested
 * apart from the LDAP loop that uses it (crawl.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct scan_range {
	size_t name_len;    /* bytes of the base name (before the first ';') */
	bool ranged;        /* a ";range=" option was present */
	unsigned long low;  /* first value index of the window */
	unsigned long high; /* last index; meaningless when last is true */
	bool last;          /* "…-*": the server sent the final window */
};

/*
 * Splits an attribute description into its base name and its range
 * option, if any; other options (";binary", language tags) are ignored.
 * "member;range=1500-2999" gives name_len 6, ranged, low 1500, high 2999;
 * "member;range=3000-*" gives low 3000 and last; "cn" gives name_len 2
 * and !ranged.  Returns false for a malformed range option (no digits, a
 * high below the low, numbers that overflow), leaving *r unspecified.
 */
bool
scan_range_parse(const char *desc, struct scan_range *r);
