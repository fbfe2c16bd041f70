#include "scanner/range.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parses a run of decimal digits ending at a given delimiter. */
static bool
parse_number(const char *s, const char **end, unsigned long *out)
{
	if (!isdigit((unsigned char)*s)) {
		return false;
	}
	errno = 0;
	char *e;
	unsigned long v = strtoul(s, &e, 10);
	if (errno == ERANGE) {
		return false;
	}
	*end = e;
	*out = v;
	return true;
}

static bool
parse_range(const char *opt, size_t len, struct scan_range *r)
{
	/* opt points just after "range=", len bytes up to ';' or NUL. */
	const char *end = opt + len;
	const char *p;
	if (!parse_number(opt, &p, &r->low) || p >= end || *p != '-') {
		return false;
	}
	p++;
	if (p + 1 == end && *p == '*') {
		r->last = true;
		r->high = 0;
		return true;
	}
	const char *q;
	if (!parse_number(p, &q, &r->high) || q != end) {
		return false;
	}
	return r->high >= r->low;
}

bool
scan_range_parse(const char *desc, struct scan_range *r)
{
	memset(r, 0, sizeof(*r));
	const char *semi = strchr(desc, ';');
	r->name_len = semi != NULL ? (size_t)(semi - desc) : strlen(desc);
	const char *opt = semi;
	while (opt != NULL) {
		opt++;
		const char *next = strchr(opt, ';');
		size_t len = next != NULL ? (size_t)(next - opt) : strlen(opt);
		if (len > 6 && strncasecmp(opt, "range=", 6) == 0) {
			if (r->ranged || !parse_range(opt + 6, len - 6, r)) {
				return false;
			}
			r->ranged = true;
		} else if (len >= 5 && strncasecmp(opt, "range", 5) == 0) {
			/* "range" or "range=" with nothing after it */
			return false;
		}
		opt = next;
	}
	return true;
}
