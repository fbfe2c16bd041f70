/*
 * Byte-string keys under the caller's 64-bit hash of them: an
 * open-addressing table over an arena of the keys.  Each key gets an
 * entry number, 0, 1, … in the order the keys were added, and a zeroed
 * block of the size given at keytab_init() for what the caller keeps
 * with it (cand.c: how often the key was seen; store.c: the row of an
 * object in the scan compared).  Internal to store/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define KEYTAB_NONE SIZE_MAX

struct keytab_key {
	uint64_t hash;
	size_t off; /* in arena */
	size_t len;
};

struct keytab {
	size_t *slot; /* entry number + 1; 0: a free slot */
	size_t mask;
	struct keytab_key *keys; /* by entry number */
	unsigned char *data;     /* size bytes an entry, by entry number */
	size_t size, n, cap;
	struct strbuf arena;
};

void
keytab_init(struct keytab *t, size_t size);

void
keytab_release(struct keytab *t);

/* The entry number of the key, else KEYTAB_NONE. */
size_t
keytab_find(const struct keytab *t, uint64_t hash, const void *key, size_t len);

/* The entry number of the key; *added says whether it was new. */
size_t
keytab_add(struct keytab *t, uint64_t hash, const void *key, size_t len,
	   bool *added);

/* The caller's block of entry i (i < t->n). */
static inline void *
keytab_data(const struct keytab *t, size_t i)
{
	return t->data + i * t->size;
}
