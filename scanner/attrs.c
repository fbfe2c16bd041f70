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
	char **names; /* NULL-terminated */
	size_t *lens; /* strlen() of each name: most look-ups end there */
	size_t n;
};

static void
add(struct scan_attrs *a, const char *name)
{
	if (scan_attrs_match(a, name, strlen(name)) != NULL) {
		return;
	}
	a->names = xreallocarray(a->names, a->n + 2, sizeof(*a->names));
	a->lens = xreallocarray(a->lens, a->n + 1, sizeof(*a->lens));
	a->lens[a->n] = strlen(name);
	a->names[a->n++] = xstrdup(name);
	a->names[a->n] = NULL;
}

struct scan_attrs *
scan_attrs_new(const char *const *attrs)
{
	struct scan_attrs *a = xcalloc(1, sizeof(*a));
	a->names = xcalloc(1, sizeof(*a->names));
	for (size_t i = 0; attrs != NULL && attrs[i] != NULL; i++) {
		add(a, attrs[i]);
	}
	for (size_t i = 0; i < sizeof(always) / sizeof(*always); i++) {
		add(a, always[i]);
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
	free(a);
}

const char *
scan_attrs_match(const struct scan_attrs *a, const char *name, size_t len)
{
	/* Length and first letter (ASCII case folded) before the rest. */
	unsigned char c0 = len > 0 ? (unsigned char)name[0] | 0x20 : 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->lens[i] == len &&
		    ((unsigned char)a->names[i][0] | 0x20) == c0 &&
		    strncasecmp(a->names[i], name, len) == 0) {
			return a->names[i];
		}
	}
	return NULL;
}

char **
scan_attrs_list(const struct scan_attrs *a)
{
	return a->names;
}
