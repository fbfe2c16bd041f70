#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "scanner/entry.h"

struct scan_entry *
scan_entry_new(const char *dn)
{
	struct scan_entry *e = xcalloc(1, sizeof(*e));
	e->dn = xstrdup(dn);
	return e;
}

static void
attr_release(struct scan_attr *a)
{
	for (size_t i = 0; i < a->nvals; i++) {
		free(a->vals[i].data);
	}
	free(a->vals);
	free(a->name);
}

void
scan_entry_free(struct scan_entry *e)
{
	if (e == NULL) {
		return;
	}
	for (size_t i = 0; i < e->nattrs; i++) {
		attr_release(&e->attrs[i]);
	}
	free(e->attrs);
	free(e->dn);
	free(e);
}

static struct scan_attr *
find(const struct scan_entry *e, const char *name)
{
	/*
	 * The rules look attributes up by name many times per entry: a
	 * first letter that differs (ASCII case folded) rules most out
	 * before strcasecmp().
	 */
	unsigned char c0 = (unsigned char)name[0] | 0x20;
	for (size_t i = 0; i < e->nattrs; i++) {
		if (((unsigned char)e->attrs[i].name[0] | 0x20) == c0 &&
		    strcasecmp(e->attrs[i].name, name) == 0) {
			return &e->attrs[i];
		}
	}
	return NULL;
}

void
scan_entry_add(struct scan_entry *e, const char *name, const void *data,
	       size_t len)
{
	struct scan_attr *a = find(e, name);
	if (a == NULL) {
		if (e->nattrs == e->cap) {
			e->cap = e->cap ? e->cap * 2 : 8;
			e->attrs = xreallocarray(e->attrs, e->cap,
						 sizeof(*e->attrs));
		}
		a = &e->attrs[e->nattrs++];
		memset(a, 0, sizeof(*a));
		a->name = xstrdup(name);
	}
	if (a->nvals == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1;
		a->vals = xreallocarray(a->vals, a->cap, sizeof(*a->vals));
	}
	a->vals[a->nvals].data = xmemdup0(data, len);
	a->vals[a->nvals].len = len;
	a->nvals++;
}

void
scan_entry_remove(struct scan_entry *e, const char *name)
{
	struct scan_attr *a = find(e, name);
	if (a == NULL) {
		return;
	}
	attr_release(a);
	size_t idx = (size_t)(a - e->attrs);
	memmove(a, a + 1, (e->nattrs - idx - 1) * sizeof(*a));
	e->nattrs--;
}

void
scan_entry_set(struct scan_entry *e, const char *name, const void *data,
	       size_t len)
{
	scan_entry_remove(e, name);
	scan_entry_add(e, name, data, len);
}

const struct scan_attr *
scan_entry_attr(const struct scan_entry *e, const char *name)
{
	return find(e, name);
}

const char *
scan_entry_first(const struct scan_entry *e, const char *name)
{
	const struct scan_attr *a = find(e, name);
	if (a == NULL || a->nvals == 0) {
		return NULL;
	}
	return a->vals[0].data;
}

const char *
scan_entry_class(const struct scan_entry *e)
{
	const struct scan_attr *a = find(e, "objectClass");
	if (a == NULL || a->nvals == 0) {
		return "";
	}
	return a->vals[a->nvals - 1].data;
}

bool
scan_entry_has_class(const struct scan_entry *e, const char *cls)
{
	const struct scan_attr *a = find(e, "objectClass");
	if (a == NULL) {
		return false;
	}
	for (size_t i = 0; i < a->nvals; i++) {
		if (strcasecmp(a->vals[i].data, cls) == 0) {
			return true;
		}
	}
	return false;
}

const char *
scan_entry_key(const struct scan_entry *e)
{
	const char *guid = scan_entry_first(e, "objectGUID");
	return guid != NULL ? guid : e->dn;
}
