#include "store/rowsort.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

struct rowsort_entry {
	/*
	 * The key's first eight bytes, big-endian and zero-padded: ordered
	 * as strcmp() orders the keys, so that most comparisons stop here.
	 */
	uint64_t prefix;
	int64_t scan_id;
	const char *key; /* set when draining; the arena may move before */
	size_t off;      /* of the row and then the key in the arena */
	size_t len;      /* of the row */
	size_t seq;
};

struct rowsort {
	size_t max_rows, max_bytes;
	struct strbuf arena;
	struct rowsort_entry *entries;
	size_t n, cap;
};

struct rowsort *
rowsort_new(size_t max_rows, size_t max_bytes)
{
	struct rowsort *r = xcalloc(1, sizeof(*r));
	r->max_rows = max_rows > 0 ? max_rows : 1;
	r->max_bytes = max_bytes;
	strbuf_init(&r->arena);
	return r;
}

void
rowsort_free(struct rowsort *r)
{
	if (r == NULL) {
		return;
	}
	strbuf_release(&r->arena);
	free(r->entries);
	free(r);
}

/* key is not empty. */
static uint64_t
key_prefix(const char *key)
{
	uint64_t p = 0;
	size_t i = 0;
	for (; i < 8 && key[i] != '\0'; i++) {
		p = p << 8 | (unsigned char)key[i];
	}
	return i == 8 ? p : p << (8 * (8 - i));
}

void
rowsort_add(struct rowsort *r, int64_t scan_id, const char *key,
	    const void *row, size_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap > 0 ? r->cap * 2 : 1024;
		r->entries =
			xreallocarray(r->entries, r->cap, sizeof(*r->entries));
	}
	struct rowsort_entry *e = &r->entries[r->n];
	e->scan_id = scan_id;
	e->off = r->arena.len;
	e->len = len;
	e->seq = r->n++;
	if (key == NULL) {
		key = "";
	}
	e->prefix = key[0] != '\0' ? key_prefix(key) : 0;
	strbuf_add(&r->arena, row, len);
	strbuf_add(&r->arena, key, strlen(key) + 1);
}

bool
rowsort_full(const struct rowsort *r)
{
	return r->n >= r->max_rows || r->arena.len >= r->max_bytes;
}

size_t
rowsort_count(const struct rowsort *r)
{
	return r->n;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct rowsort_entry *x = a, *y = b;
	if (x->scan_id != y->scan_id) {
		return x->scan_id < y->scan_id ? -1 : 1;
	}
	if (x->prefix != y->prefix) {
		return x->prefix < y->prefix ? -1 : 1;
	}
	int c = strcmp(x->key, y->key);
	if (c != 0) {
		return c;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

enum status
rowsort_drain(struct rowsort *r,
	      enum status (*fn)(void *ctx, int64_t scan_id,
				const unsigned char *row, size_t len),
	      void *ctx)
{
	if (r->n == 0) {
		/* Nothing held: entries may still be NULL, which qsort() refuses. */
		return STATUS_OK;
	}
	const char *base = r->arena.buf;
	for (size_t i = 0; i < r->n; i++) {
		struct rowsort_entry *e = &r->entries[i];
		e->key = base + e->off + e->len;
	}
	qsort(r->entries, r->n, sizeof(*r->entries), entry_cmp);
	enum status st = STATUS_OK;
	for (size_t i = 0; i < r->n && st == STATUS_OK; i++) {
		const struct rowsort_entry *e = &r->entries[i];
		st = fn(ctx, e->scan_id, (const unsigned char *)base + e->off,
			e->len);
	}
	rowsort_clear(r);
	return st;
}

void
rowsort_clear(struct rowsort *r)
{
	r->n = 0;
	strbuf_reset(&r->arena);
}
