#include "scanner/entry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"

/*
 * A block of an entry's bytes.  Blocks double from SCAN_CHUNK_MIN up to
 * SCAN_CHUNK_MAX; a value larger than half a block gets a block of its
 * own.  Bytes of removed or replaced values stay until the entry goes.
 */
struct scan_chunk {
	struct scan_chunk *next;
	size_t size, used;
	char data[];
};

#define SCAN_CHUNK_MIN 2048
#define SCAN_CHUNK_MAX (256 * 1024)

/*
 * An entry is one allocation with room for this many attributes and a
 * first block of this many bytes, enough for most users and contacts:
 * the reader thread makes a million entries and the checking thread
 * frees them, each malloc() and free() a cost of both.
 */
#define SCAN_ENTRY_ATTRS 32
#define SCAN_ENTRY_BYTES 4096

struct entry_head {
	struct scan_entry e;
	struct scan_attr attrs[SCAN_ENTRY_ATTRS];
};

/* Where the first block starts, after the head, aligned as malloc's. */
#define SCAN_ENTRY_CHUNK_AT                                                    \
	((sizeof(struct entry_head) + _Alignof(max_align_t) - 1) /             \
	 _Alignof(max_align_t) * _Alignof(max_align_t))

static struct scan_attr *
inline_attrs(const struct scan_entry *e)
{
	return ((struct entry_head *)e)->attrs;
}

static struct scan_chunk *
inline_chunk(const struct scan_entry *e)
{
	return (struct scan_chunk *)((char *)e + SCAN_ENTRY_CHUNK_AT);
}

static char *
entry_alloc(struct scan_entry *e, size_t len)
{
	struct scan_chunk *c = e->chunks;
	if (c != NULL && c->size - c->used >= len) {
		char *p = c->data + c->used;
		c->used += len;
		return p;
	}
	size_t size = c == NULL ? SCAN_CHUNK_MIN : c->size * 2;
	if (size > SCAN_CHUNK_MAX) {
		size = SCAN_CHUNK_MAX;
	}
	if (len > size / 2) {
		/* Its own block, behind the current one, which stays in use. */
		struct scan_chunk *big = xmalloc(sizeof(*big) + len);
		big->size = big->used = len;
		if (c != NULL) {
			big->next = c->next;
			c->next = big;
		} else {
			big->next = NULL;
			e->chunks = big;
		}
		return big->data;
	}
	struct scan_chunk *n = xmalloc(sizeof(*n) + size);
	n->next = c;
	n->size = size;
	n->used = len;
	e->chunks = n;
	return n->data;
}

/* An array of n values in the entry's blocks, aligned for its type. */
static struct scan_value *
entry_alloc_vals(struct scan_entry *e, size_t n)
{
	const size_t align = _Alignof(struct scan_value);
	char *p = entry_alloc(e, n * sizeof(struct scan_value) + align - 1);
	return (struct scan_value *)(p + (align - (uintptr_t)p % align) % align);
}

static char *
entry_dup(struct scan_entry *e, const void *data, size_t len)
{
	char *p = entry_alloc(e, len + 1);
	memcpy(p, data, len);
	p[len] = '\0';
	return p;
}

struct scan_entry *
scan_entry_new(const char *dn)
{
	char *p = xmalloc(SCAN_ENTRY_CHUNK_AT + sizeof(struct scan_chunk) +
			  SCAN_ENTRY_BYTES);
	struct scan_entry *e = (struct scan_entry *)p;
	memset(e, 0, sizeof(*e));
	e->attrs = inline_attrs(e);
	e->cap = SCAN_ENTRY_ATTRS;
	struct scan_chunk *c = inline_chunk(e);
	c->next = NULL;
	c->size = SCAN_ENTRY_BYTES;
	c->used = 0;
	e->chunks = c;
	e->dn = xstrdup(dn);
	return e;
}

void
scan_entry_free(struct scan_entry *e)
{
	if (e == NULL) {
		return;
	}
	/* Names, values and their arrays live in the entry's blocks. */
	if (e->attrs != inline_attrs(e)) {
		free(e->attrs);
	}
	free(e->dn);
	struct scan_chunk *c = e->chunks;
	while (c != NULL) {
		struct scan_chunk *next = c->next;
		if (c != inline_chunk(e)) {
			free(c);
		}
		c = next;
	}
	free(e);
}

/*
 * The index (struct scan_entry's index) while an entry has at most this
 * many attributes, so that slots stay more than a third empty; every
 * look-up of a larger one walks the attributes.
 */
#define SCAN_ENTRY_INDEXED 40
#define SCAN_ENTRY_SLOTS (sizeof(((struct scan_entry *)0)->index))

/* A slot for a name of len bytes; ASCII case does not change it. */
static size_t
name_slot(const char *name, size_t len)
{
	uint32_t h = (uint32_t)len;
	if (len > 0) {
		h |= (uint32_t)((unsigned char)name[0] | 0x20) << 8 |
		     (uint32_t)((unsigned char)name[len / 2] | 0x20) << 16 |
		     (uint32_t)((unsigned char)name[len - 1] | 0x20) << 24;
	}
	/* Fibonacci hashing: the top bits of the product. */
	return (size_t)((h * 2654435769u) >> 26) % SCAN_ENTRY_SLOTS;
}

static void
index_add(struct scan_entry *e, size_t i)
{
	const struct scan_attr *a = &e->attrs[i];
	size_t s = name_slot(a->name, a->namelen);
	while (e->index[s] != 0) {
		s = (s + 1) % SCAN_ENTRY_SLOTS;
	}
	e->index[s] = (unsigned char)(i + 1);
}

static void
index_rebuild(struct scan_entry *e)
{
	memset(e->index, 0, sizeof(e->index));
	for (size_t i = 0; i < e->nattrs && e->nattrs <= SCAN_ENTRY_INDEXED;
	     i++) {
		index_add(e, i);
	}
}

static struct scan_attr *
find(const struct scan_entry *e, const char *name)
{
	/*
	 * The rules look attributes up by name many times per entry, for
	 * many names it does not have: through the index, a slot or two.
	 */
	size_t len = strlen(name);
	if (e->nattrs <= SCAN_ENTRY_INDEXED) {
		size_t s = name_slot(name, len);
		for (; e->index[s] != 0; s = (s + 1) % SCAN_ENTRY_SLOTS) {
			struct scan_attr *a = &e->attrs[e->index[s] - 1];
			if (a->namelen == len &&
			    strcasecmp(a->name, name) == 0) {
				return a;
			}
		}
		return NULL;
	}
	/* Else a length or a first letter that differs rules most out. */
	unsigned char c0 = (unsigned char)name[0] | 0x20;
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct scan_attr *a = &e->attrs[i];
		if (a->namelen == len &&
		    ((unsigned char)a->name[0] | 0x20) == c0 &&
		    strcasecmp(a->name, name) == 0) {
			return &e->attrs[i];
		}
	}
	return NULL;
}

/* The attribute called name, added without values if it is new. */
static struct scan_attr *
attr_get(struct scan_entry *e, const char *name)
{
	/* Values come attribute by attribute: try the last one first. */
	struct scan_attr *a = e->nattrs > 0 ? &e->attrs[e->nattrs - 1] : NULL;
	if (a == NULL || strcasecmp(a->name, name) != 0) {
		a = find(e, name);
	}
	if (a == NULL) {
		if (e->nattrs == e->cap) {
			/* Past the room in the entry's own allocation. */
			bool own = e->attrs == inline_attrs(e);
			struct scan_attr *attrs =
				xreallocarray(own ? NULL : e->attrs, e->cap * 2,
					      sizeof(*attrs));
			if (own) {
				memcpy(attrs, e->attrs,
				       e->cap * sizeof(*attrs));
			}
			e->attrs = attrs;
			e->cap *= 2;
		}
		a = &e->attrs[e->nattrs++];
		memset(a, 0, sizeof(*a));
		a->namelen = strlen(name);
		a->name = entry_dup(e, name, a->namelen);
		if (e->nattrs <= SCAN_ENTRY_INDEXED) {
			index_add(e, e->nattrs - 1);
		}
	}
	return a;
}

void
scan_entry_add(struct scan_entry *e, const char *name, const void *data,
	       size_t len)
{
	struct scan_attr *a = attr_get(e, name);
	if (a->nvals == a->cap) {
		/* In the blocks too; an outgrown array stays there unused. */
		size_t cap = a->cap ? a->cap * 2 : 1;
		if (cap > SIZE_MAX / 2 / sizeof(*a->vals)) {
			abort();
		}
		struct scan_value *vals = entry_alloc_vals(e, cap);
		if (a->nvals > 0) {
			memcpy(vals, a->vals, a->nvals * sizeof(*a->vals));
		}
		a->vals = vals;
		a->cap = cap;
	}
	a->vals[a->nvals].data = entry_dup(e, data, len);
	a->vals[a->nvals].len = len;
	a->nvals++;
}

void
scan_entry_count(struct scan_entry *e, const char *name, size_t n)
{
	attr_get(e, name)->counted += n;
}

void
scan_entry_set_value(struct scan_entry *e, struct scan_value *v,
		     const void *data, size_t len)
{
	v->data = entry_dup(e, data, len);
	v->len = len;
}

void
scan_entry_remove(struct scan_entry *e, const char *name)
{
	struct scan_attr *a = find(e, name);
	if (a == NULL) {
		return;
	}
	size_t idx = (size_t)(a - e->attrs);
	memmove(a, a + 1, (e->nattrs - idx - 1) * sizeof(*a));
	e->nattrs--;
	index_rebuild(e);
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
