/*
 * Unit tests of store/rowsort.c: rows come back in the order of the
 * index they are inserted into (scan id, then key as SQLite's BINARY
 * collation compares it, then the order they came in), whole, and only
 * once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"
#include "store/rowsort.h"
#include "tap.h"

struct got {
	struct strbuf out; /* "scan key row|" for each row handed out */
	size_t calls, fail_at;
};

static enum status
collect(void *ctx, int64_t scan_id, const unsigned char *row, size_t len)
{
	struct got *g = ctx;
	if (++g->calls == g->fail_at) {
		return STATUS_ERR_STORE;
	}
	strbuf_addf(&g->out, "%" PRId64 " %.*s|", scan_id, (int)len,
		    (const char *)row);
	return STATUS_OK;
}

/* The rows' bytes as they are, each followed by '|'. */
static enum status
collect_raw(void *ctx, int64_t scan_id, const unsigned char *row, size_t len)
{
	struct got *g = ctx;
	(void)scan_id;
	g->calls++;
	strbuf_add(&g->out, row, len);
	strbuf_addch(&g->out, '|');
	return STATUS_OK;
}

/* Adds a row whose bytes are its key and a tag, as "key/tag". */
static void
add(struct rowsort *r, int64_t scan_id, const char *key, const char *tag)
{
	char *row = xasprintf("%s/%s", key != NULL ? key : "", tag);
	rowsort_add(r, scan_id, key, row, strlen(row));
	free(row);
}

static void
test_order(void)
{
	struct rowsort *r = rowsort_new(100, 1 << 20);
	struct got none = {.fail_at = 0};
	strbuf_init(&none.out);
	ok(rowsort_drain(r, collect, &none) == STATUS_OK && none.calls == 0,
	   "a new, empty one drains to nothing");
	strbuf_release(&none.out);
	/*
	 * Keys that share their first eight bytes, a prefix of another,
	 * bytes above 0x7f (unsigned, as memcmp), the empty and the NULL
	 * key, equal keys in two scans and twice in one.
	 */
	add(r, 2, "b", "1");
	add(r, 1, "abcdefgh2", "2");
	add(r, 1, "abcdefgh1", "3");
	add(r, 1, "abcdefgh", "4");
	add(r, 1, "\xc3\xa4", "5");
	add(r, 1, "B", "6");
	add(r, 1, "b", "7");
	add(r, 1, "", "8");
	add(r, 1, NULL, "9");
	add(r, 1, "b", "10");
	add(r, 1, "abc", "11");
	is_int(rowsort_count(r), 11, "eleven rows held");
	ok(!rowsort_full(r), "not full");
	struct got g = {.fail_at = 0};
	strbuf_init(&g.out);
	is_int(rowsort_drain(r, collect, &g), STATUS_OK, "drained");
	is_str(g.out.buf,
	       "1 /8|1 /9|1 B/6|1 abc/11|1 abcdefgh/4|1 abcdefgh1/3|"
	       "1 abcdefgh2/2|1 b/7|1 b/10|1 \xc3\xa4/5|2 b/1|",
	       "by scan, key bytes, then arrival");
	is_int(rowsort_count(r), 0, "empty after");
	strbuf_reset(&g.out);
	is_int(rowsort_drain(r, collect, &g), STATUS_OK, "an empty drain");
	ok(g.out.len == 0, "hands out nothing");
	strbuf_release(&g.out);
	rowsort_free(r);
	rowsort_free(NULL);
}

/* Full by rows or by bytes; rows of any bytes, NULs included. */
static void
test_full(void)
{
	struct rowsort *r = rowsort_new(3, 1 << 20);
	add(r, 1, "c", "x");
	add(r, 1, "a", "x");
	ok(!rowsort_full(r), "two of three rows: not full");
	add(r, 1, "b", "x");
	ok(rowsort_full(r), "three rows: full");
	rowsort_clear(r);
	ok(rowsort_count(r) == 0 && !rowsort_full(r), "cleared");
	rowsort_free(r);

	r = rowsort_new(1000, 64);
	char big[40];
	memset(big, 'z', sizeof(big));
	rowsort_add(r, 1, "k", big, sizeof(big));
	ok(!rowsort_full(r), "42 bytes of 64: not full");
	const unsigned char nul[] = {'a', 0, 'b', 0};
	rowsort_add(r, 1, "j", nul, sizeof(nul));
	rowsort_add(r, 1, "i", big, sizeof(big));
	ok(rowsort_full(r), "past 64 bytes: full");
	struct got g = {.fail_at = 0};
	strbuf_init(&g.out);
	is_int(rowsort_drain(r, collect_raw, &g), STATUS_OK, "drained");
	struct strbuf want;
	strbuf_init(&want);
	strbuf_add(&want, big, sizeof(big));
	strbuf_add(&want, "|a\0b\0|", 6);
	strbuf_add(&want, big, sizeof(big));
	strbuf_addch(&want, '|');
	ok(g.out.len == want.len && memcmp(g.out.buf, want.buf, want.len) == 0,
	   "rows come back whole, NULs included, by key");
	strbuf_release(&want);
	strbuf_release(&g.out);
	rowsort_free(r);
}

/* A failure stops the calls and is returned; the rows are gone anyway. */
static void
test_failure(void)
{
	struct rowsort *r = rowsort_new(100, 1 << 20);
	for (int i = 0; i < 10; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", 9 - i);
		add(r, 1, key, "x");
	}
	struct got g = {.fail_at = 4};
	strbuf_init(&g.out);
	is_int(rowsort_drain(r, collect, &g), STATUS_ERR_STORE,
	       "the failure comes back");
	is_int(g.calls, 4, "no call after it");
	is_str(g.out.buf, "1 k0/x|1 k1/x|1 k2/x|", "the rows before it");
	is_int(rowsort_count(r), 0, "and nothing is held");
	strbuf_release(&g.out);
	rowsort_free(r);
}

/*
 * Many random keys, most sharing their first eight bytes as
 * objectGUIDs of one generator do not, some equal: the order is the
 * one strcmp() and arrival give.
 */
struct ref {
	char key[24];
	size_t seq;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void
test_random(void)
{
	enum { N = 5000 };
	struct ref *refs = xcalloc(N, sizeof(*refs));
	struct rowsort *r = rowsort_new(N, 1 << 24);
	srand(7);
	for (size_t i = 0; i < N; i++) {
		/* Prefixes of 0 to 12 shared bytes, then 0 to 3 random. */
		int shared = rand() % 13, tail = rand() % 4;
		size_t n = 0;
		for (int j = 0; j < shared; j++) {
			refs[i].key[n++] = "0123456789ab"[j];
		}
		for (int j = 0; j < tail; j++) {
			refs[i].key[n++] = (char)(0x61 + rand() % 3 +
						  (rand() % 5 == 0) * 0x60);
		}
		refs[i].key[n] = '\0';
		refs[i].seq = i;
		char row[32];
		snprintf(row, sizeof(row), "%zu", i);
		rowsort_add(r, 1, refs[i].key, row, strlen(row));
	}
	qsort(refs, N, sizeof(*refs), ref_cmp);
	struct strbuf want;
	strbuf_init(&want);
	for (size_t i = 0; i < N; i++) {
		strbuf_addf(&want, "1 %zu|", refs[i].seq);
	}
	struct got g = {.fail_at = 0};
	strbuf_init(&g.out);
	rowsort_drain(r, collect, &g);
	ok(g.out.len == want.len && strcmp(g.out.buf, want.buf) == 0,
	   "5,000 keys in strcmp() and arrival order");
	strbuf_release(&g.out);
	strbuf_release(&want);
	rowsort_free(r);
	free(refs);
}

int
main(void)
{
	test_order();
	test_full();
	test_failure();
	test_random();
	return tap_done();
}
