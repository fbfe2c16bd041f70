/*
 * Rows held back and handed out in the order of their table's index:
 * scan id, then key, then the order they came in.  Internal to store/.
 *
 * A table's index on (scan_id, key) takes rows whose keys are random
 * objectGUIDs: inserted as they come, each one descends to a page of its
 * own, and at a million objects those descents cost the writer thread
 * more than the rest of its work.  Inserted a few hundred thousand at a
 * time in key order, neighbouring rows land on neighbouring pages that
 * are already at hand (1,000,000 objects into an empty table: 4.2 s in
 * the order they were read, 1.7 s in sorted runs of 131,072).
 *
 * A row is opaque bytes (the store's codec.h encoding) with a string
 * key.  Both are copied: the caller's buffers may go.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

struct rowsort;

/* Full at max_rows rows or max_bytes bytes of rows, whichever comes first. */
struct rowsort *
rowsort_new(size_t max_rows, size_t max_bytes);

/* Drops the rows still held; NULL is a no-op. */
void
rowsort_free(struct rowsort *r);

/* Holds a copy of key (NULL is the empty key) and of the len bytes of row. */
void
rowsort_add(struct rowsort *r, int64_t scan_id, const char *key,
	    const void *row, size_t len);

/* True once the caller should rowsort_drain(). */
bool
rowsort_full(const struct rowsort *r);

/* How many rows are held. */
size_t
rowsort_count(const struct rowsort *r);

/* Drops the rows held. */
void
rowsort_clear(struct rowsort *r);

/*
 * Calls fn for every held row in order and empties r, whatever fn
 * returns; stops calling at the first failure and returns it.
 */
enum status
rowsort_drain(struct rowsort *r,
	      enum status (*fn)(void *ctx, int64_t scan_id,
				const unsigned char *row, size_t len),
	      void *ctx);
