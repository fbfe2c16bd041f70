#define LOG_MODULE "store"

#include "store/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/thread.h"
#include "common/xalloc.h"

/*
 * Blocks of 64 KB, a failure is noticed within a block, and a block is
 * still in the cache when the writer reads it (256 KB blocks cost the
 * 100,000-object scan about 0.3 s more).  At most 512 queued (32 MB):
 * enough for what the rules produce while SQLite commits a transaction
 * and checkpoints (1.7 s for one of 1,000,000 rows at a million objects)
 * or the writer inserts a run of held rows.  With sixteen (1 MB) the
 * checking and reading threads stood still for all of it (BENCHMARKS.md,
 * the seventh round).
 */
#define WRITER_BLOCK_SIZE (64 * 1024)
#define WRITER_QUEUE 512

/*
 * A wait for work this long means the producer is slower than the
 * writer (a crawl waiting for the server's next page; rules that check
 * faster than SQLite inserts keep the waits far shorter).
 */
#define WRITER_SLOW_WAIT_NS (10 * 1000 * 1000)

struct writer {
	writer_apply_fn apply;
	writer_idle_fn idle;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;  /* the writer waits for a block or stop */
	pthread_cond_t space; /* the producer waits for room or idleness */
	struct strbuf *queue[WRITER_QUEUE];
	size_t head, count;
	struct strbuf *spare[WRITER_QUEUE + 1]; /* applied, for reuse */
	size_t nspare;
	bool busy;  /* a block or the held-back work is being applied */
	bool drain; /* writer_drain() waits for the held-back work */
	bool slow;  /* the last wait for work was long */
	bool stop;
	enum status failed;
	struct strbuf *cur; /* the producer's; not locked */
};

static struct strbuf *
block_new(void)
{
	struct strbuf *b = xmalloc(sizeof(*b));
	strbuf_init(b);
	return b;
}

static void
block_free(struct strbuf *b)
{
	if (b != NULL) {
		strbuf_release(b);
		free(b);
	}
}

static int64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs idle with the lock released; the lock is held. */
static void
run_idle(struct writer *w, bool drain)
{
	if (w->idle == NULL || w->failed != STATUS_OK) {
		return;
	}
	bool slow = w->slow;
	pthread_mutex_unlock(&w->mu);
	enum status st = w->idle(w->ctx, drain, slow);
	pthread_mutex_lock(&w->mu);
	if (w->failed == STATUS_OK) {
		w->failed = st;
	}
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (w->count == 0 && !w->drain && !w->stop) {
			int64_t t0 = now_ns();
			while (w->count == 0 && !w->drain && !w->stop) {
				pthread_cond_wait(&w->work, &w->mu);
			}
			w->slow = now_ns() - t0 >= WRITER_SLOW_WAIT_NS;
		}
		if (w->count == 0 && w->drain) {
			/* writer_drain() came when the queue was empty. */
			w->busy = true;
			run_idle(w, true);
			w->drain = false;
			w->busy = false;
			pthread_cond_broadcast(&w->space);
			continue;
		}
		if (w->count == 0) {
			break;
		}
		struct strbuf *b = w->queue[w->head];
		enum status failed = w->failed;
		w->busy = true;
		pthread_mutex_unlock(&w->mu);

		enum status st = STATUS_OK;
		if (failed == STATUS_OK) {
			st = w->apply(w->ctx, b->buf, b->len);
		}
		strbuf_reset(b);

		pthread_mutex_lock(&w->mu);
		if (w->failed == STATUS_OK) {
			w->failed = st;
		}
		w->head = (w->head + 1) % WRITER_QUEUE;
		w->count--;
		if (w->nspare < WRITER_QUEUE + 1) {
			w->spare[w->nspare++] = b;
		} else {
			block_free(b);
		}
		/*
		 * Room for the producer now; writer_drain() still waits,
		 * for busy, until the held-back work is done too.
		 */
		pthread_cond_signal(&w->space);
		if (w->count == 0) {
			bool drain = w->drain;
			run_idle(w, drain);
			if (drain) {
				w->drain = false;
			}
		}
		w->busy = false;
		pthread_cond_signal(&w->space);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *
writer_new(writer_apply_fn apply, writer_idle_fn idle, void *ctx,
	   enum status *st)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	w->apply = apply;
	w->idle = idle;
	w->ctx = ctx;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->space, NULL);
	w->cur = block_new();
	int rc = thread_start(&w->thread, writer_main, w);
	if (rc != 0) {
		errno = rc;
		LOG_ERRNO("cannot start the database writer thread");
		pthread_cond_destroy(&w->space);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		block_free(w->cur);
		free(w);
		*st = STATUS_ERR_UNEXPECTED;
		return NULL;
	}
	*st = STATUS_OK;
	return w;
}

/* Hands the current block to the writer; the lock is held. */
static void
push_locked(struct writer *w)
{
	while (w->count == WRITER_QUEUE) {
		pthread_cond_wait(&w->space, &w->mu);
	}
	w->queue[(w->head + w->count) % WRITER_QUEUE] = w->cur;
	w->count++;
	pthread_cond_signal(&w->work);
	w->cur = w->nspare > 0 ? w->spare[--w->nspare] : block_new();
}

struct strbuf *
writer_block(struct writer *w)
{
	return w->cur;
}

enum status
writer_commit(struct writer *w)
{
	if (w->cur->len < WRITER_BLOCK_SIZE) {
		return STATUS_OK;
	}
	pthread_mutex_lock(&w->mu);
	push_locked(w);
	enum status st = w->failed;
	pthread_mutex_unlock(&w->mu);
	return st;
}

enum status
writer_drain(struct writer *w)
{
	pthread_mutex_lock(&w->mu);
	if (w->cur->len > 0) {
		push_locked(w);
	}
	w->drain = true;
	pthread_cond_signal(&w->work);
	while (w->count > 0 || w->busy || w->drain) {
		pthread_cond_wait(&w->space, &w->mu);
	}
	enum status st = w->failed;
	pthread_mutex_unlock(&w->mu);
	return st;
}

void
writer_free(struct writer *w)
{
	if (w == NULL) {
		return;
	}
	writer_drain(w);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	for (size_t i = 0; i < w->nspare; i++) {
		block_free(w->spare[i]);
	}
	block_free(w->cur);
	pthread_cond_destroy(&w->space);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
