#include "scanner/attrs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"

/* What every entry needs whatever the rules read: its type and its key. */
static const char *const always[] = {
	"objectClass",
	"objectGUID",
	"cn",
	"distinguishedName",
};

struct scan_attrs {
	char **names;  /* NULL-terminated */
	size_t *lens;  /* strlen() of each name: most look-ups end there */
	bool *counted; /* values only counted (scan_attrs_new()) */
	size_t n;
};

/* The index of the name of len bytes (ASCII case folded), else a->n. */
static size_t
find(const struct scan_attrs *a, const char *name, size_t len)
{
	/* Length and first letter (ASCII case folded) before the rest. */
	unsigned char c0 = len > 0 ? (unsigned char)name[0] | 0x20 : 0;
	size_t i = 0;
	for (; i < a->n; i++) {
		if (a->lens[i] == len &&
		    ((unsigned char)a->names[i][0] | 0x20) == c0 &&
		    strncasecmp(a->names[i], name, len) == 0) {
			break;
		}
	}
	return i;
}

/* The index of name, added if it is not there yet. */
static size_t
add(struct scan_attrs *a, const char *name)
{
	size_t have = find(a, name, strlen(name));
	if (have < a->n) {
		return have;
	}
	a->names = xreallocarray(a->names, a->n + 2, sizeof(*a->names));
	a->lens = xreallocarray(a->lens, a->n + 1, sizeof(*a->lens));
	a->counted = xreallocarray(a->counted, a->n + 1, sizeof(*a->counted));
	a->lens[a->n] = strlen(name);
	a->counted[a->n] = false;
	a->names[a->n++] = xstrdup(name);
	a->names[a->n] = NULL;
	return a->n - 1;
}

struct scan_attrs *
scan_attrs_new(const char *const *attrs, const char *const *counted)
{
	struct scan_attrs *a = xcalloc(1, sizeof(*a));
	a->names = xcalloc(1, sizeof(*a->names));
	for (size_t i = 0; attrs != NULL && attrs[i] != NULL; i++) {
		add(a, attrs[i]);
	}
	/* add() may move a->counted: its index first, then the flag. */
	for (size_t i = 0; counted != NULL && counted[i] != NULL; i++) {
		size_t k = add(a, counted[i]);
		a->counted[k] = true;
	}
	/* The entry's type, key and name are read whatever a list says. */
	for (size_t i = 0; i < sizeof(always) / sizeof(*always); i++) {
		size_t k = add(a, always[i]);
		a->counted[k] = false;
	}
	return a;
}

void
scan_attrs_free(struct scan_attrs *a)
{
	if (a == NULL) {
		return;
	}
	for (size_t i = 0; i < a->n; i++) {
		free(a->names[i]);
	}
	free(a->names);
	free(a->lens);
	free(a->counted);
	free(a);
}

const char *
scan_attrs_match(const struct scan_attrs *a, const char *name, size_t len)
{
	size_t i = find(a, name, len);
	return i < a->n ? a->names[i] : NULL;
}

bool
scan_attrs_counted(const struct scan_attrs *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->names[i] == name) {
			return a->counted[i];
		}
	}
	return false;
}

char **
scan_attrs_list(const struct scan_attrs *a)
{
	return a->names;
}
