/*
 * A thread that applies blocks of work in the order they were queued,
 * so that the thread which produces them (the rules) does not wait for
 * SQLite.  Internal to store/: store.c encodes each row it is handed into
 * the current block and decodes it again in the writer thread.
 *
 * The first failure is logged where it happens (by apply) and sticks:
 * later blocks are dropped unapplied, and every later writer_commit() and
 * writer_drain() returns it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "common/strbuf.h"

struct writer;

/* Applies one block; returns STATUS_OK or the (logged) failure. */
typedef enum status (*writer_apply_fn)(void *ctx, const char *data,
				       size_t len);

/*
 * Called when the queue has run empty, for work that apply held back
 * (store/rowsort.h): with drain true when writer_drain() waits for it
 * (all of it must be done before writer_drain() returns), false when it
 * may stay held.  slow is true when the writer's last wait for a block
 * was long: the producer is slower than the writer, which has time for
 * work it would otherwise leave for later.  Same rules as apply.
 */
typedef enum status (*writer_idle_fn)(void *ctx, bool drain, bool slow);

/*
 * Starts the thread; NULL (logged) if it cannot be started.  idle may be
 * NULL.
 */
struct writer *
writer_new(writer_apply_fn apply, writer_idle_fn idle, void *ctx,
	   enum status *st);

/* Waits for every queued block, stops the thread; NULL is a no-op. */
void
writer_free(struct writer *w);

/* The block being filled: append one whole unit of work, then commit. */
struct strbuf *
writer_block(struct writer *w);

/*
 * Queues the block once it is large enough (waiting while the queue is
 * full).  Returns the sticky failure, if any.
 */
enum status
writer_commit(struct writer *w);

/*
 * Queues the current block and waits until every block has been applied:
 * afterwards the caller may use what the writer uses.  Returns the
 * sticky failure, if any.
 */
enum status
writer_drain(struct writer *w);
