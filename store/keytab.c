#include "store/keytab.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void
keytab_init(struct keytab *t, size_t size)
{
	*t = (struct keytab){.size = size};
	t->mask = 15;
	t->slot = xcalloc(t->mask + 1, sizeof(*t->slot));
	strbuf_init(&t->arena);
}

void
keytab_release(struct keytab *t)
{
	free(t->slot);
	free(t->keys);
	free(t->data);
	strbuf_release(&t->arena);
}

static size_t
home(const struct keytab *t, uint64_t hash)
{
	return (size_t)(hash ^ (hash >> 31)) & t->mask;
}

/* The slot of the key, or the free slot where it would go. */
static size_t
slot_of(const struct keytab *t, uint64_t hash, const void *key, size_t len)
{
	size_t at = home(t, hash);
	for (; t->slot[at] != 0; at = (at + 1) & t->mask) {
		const struct keytab_key *k = &t->keys[t->slot[at] - 1];
		if (k->hash == hash && k->len == len &&
		    memcmp(t->arena.buf + k->off, key, len) == 0) {
			break;
		}
	}
	return at;
}

size_t
keytab_find(const struct keytab *t, uint64_t hash, const void *key, size_t len)
{
	size_t e = t->slot[slot_of(t, hash, key, len)];
	return e != 0 ? e - 1 : KEYTAB_NONE;
}

static void
grow(struct keytab *t)
{
	size_t size = (t->mask + 1) * 2;
	free(t->slot);
	t->slot = xcalloc(size, sizeof(*t->slot));
	t->mask = size - 1;
	for (size_t i = 0; i < t->n; i++) {
		size_t at = home(t, t->keys[i].hash);
		while (t->slot[at] != 0) {
			at = (at + 1) & t->mask;
		}
		t->slot[at] = i + 1;
	}
}

size_t
keytab_add(struct keytab *t, uint64_t hash, const void *key, size_t len,
	   bool *added)
{
	size_t at = slot_of(t, hash, key, len);
	*added = t->slot[at] == 0;
	if (!*added) {
		return t->slot[at] - 1;
	}
	if ((t->n + 1) * 2 > t->mask + 1) {
		grow(t);
		at = slot_of(t, hash, key, len);
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->keys = xreallocarray(t->keys, t->cap, sizeof(*t->keys));
		if (t->size > 0) {
			t->data = xreallocarray(t->data, t->cap, t->size);
		}
	}
	size_t i = t->n++;
	t->keys[i] = (struct keytab_key){hash, t->arena.len, len};
	if (t->size > 0) {
		memset(keytab_data(t, i), 0, t->size);
	}
	strbuf_add(&t->arena, key, len);
	t->slot[at] = i + 1;
	return i;
}
