/*
 * The entry being checked, its attributes looked up once each (pack.h,
 * struct entry_view).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"
#include "rules/pack.h"

void
entry_view_init(struct entry_view *v, const struct scan_entry *e)
{
	memset(v, 0, sizeof(*v));
	v->e = e;
}

const struct scan_attr *
entry_view_attr(struct entry_view *v, const char *name)
{
	struct entry_view_slot *s = &v->slot[hash_ptr(name, ENTRY_VIEW_BITS)];
	if (s->name != name) {
		s->name = name;
		s->a = scan_entry_attr(v->e, name);
	}
	return s->a;
}

const char *
entry_view_first(struct entry_view *v, const char *name)
{
	const struct scan_attr *a = entry_view_attr(v, name);
	return a != NULL && a->nvals > 0 ? a->vals[0].data : NULL;
}

const char *
entry_view_class(struct entry_view *v)
{
	const struct scan_attr *a = entry_view_attr(v, "objectClass");
	return a != NULL && a->nvals > 0 ? a->vals[a->nvals - 1].data : "";
}

bool
entry_view_has_class(struct entry_view *v, const char *cls)
{
	/* The rules ask about the same few classes several times. */
	for (size_t i = 0; i < v->nclasses; i++) {
		if (v->classes[i].cls == cls) {
			return v->classes[i].has;
		}
	}
	const struct scan_attr *a = entry_view_attr(v, "objectClass");
	bool has = false;
	for (size_t i = 0; a != NULL && i < a->nvals && !has; i++) {
		has = strcasecmp(a->vals[i].data, cls) == 0;
	}
	if (v->nclasses < sizeof(v->classes) / sizeof(*v->classes)) {
		v->classes[v->nclasses].cls = cls;
		v->classes[v->nclasses].has = has;
		v->nclasses++;
	}
	return has;
}
