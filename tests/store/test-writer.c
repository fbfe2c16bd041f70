/*
 * Unit tests of store/writer.c: blocks are applied in order, the idle
 * callback runs when the queue empties (with drain set when
 * writer_drain() waits for it, and slow set after a long wait for
 * work), and the first failure sticks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "store/writer.h"
#include "tap.h"

struct seen {
	pthread_mutex_t mu;
	struct strbuf applied; /* every block's bytes, then '|' */
	unsigned idles, drains, slows;
	bool last_slow;
	int fail_apply_at; /* fail the nth block (1-based), or 0 */
	int blocks;
};

static enum status
apply(void *ctx, const char *data, size_t len)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	enum status st =
		++s->blocks == s->fail_apply_at ? STATUS_ERR_STORE : STATUS_OK;
	if (st == STATUS_OK) {
		strbuf_add(&s->applied, data, len);
		strbuf_addstr(&s->applied, "|");
	}
	pthread_mutex_unlock(&s->mu);
	return st;
}

static enum status
idle(void *ctx, bool drain, bool slow)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->idles++;
	s->drains += drain;
	s->slows += slow;
	s->last_slow = slow;
	pthread_mutex_unlock(&s->mu);
	return STATUS_OK;
}

static void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	strbuf_init(&s->applied);
}

static void
seen_release(struct seen *s)
{
	strbuf_release(&s->applied);
	pthread_mutex_destroy(&s->mu);
}

static void
put(struct writer *w, const char *text)
{
	strbuf_addstr(writer_block(w), text);
}

static void
test_drain(void)
{
	struct seen s;
	seen_init(&s);
	enum status st;
	struct writer *w = writer_new(apply, idle, &s, &st);
	ok(w != NULL && st == STATUS_OK, "drain: the writer starts");
	is_int(writer_drain(w), STATUS_OK, "an empty queue drains");
	is_int(s.drains, 1, "idle ran once, told to drain");
	put(w, "a");
	is_int(writer_commit(w), STATUS_OK, "a short block stays current");
	is_str(s.applied.buf != NULL ? s.applied.buf : "", "",
	       "and is not applied yet");
	is_int(writer_drain(w), STATUS_OK, "drained");
	is_str(s.applied.buf, "a|", "the block was applied");
	is_int(s.drains, 2, "idle was told to drain again, after it");
	writer_free(w);
	writer_free(NULL);
	seen_release(&s);
}

static void
test_slow(void)
{
	struct seen s;
	seen_init(&s);
	enum status st;
	struct writer *w = writer_new(apply, idle, &s, &st);
	/*
	 * When writer_drain() returns, the writer has started its next
	 * wait for work (it holds the lock until then), so the pause below
	 * is all inside that wait.
	 */
	writer_drain(w);
	struct timespec pause = {.tv_nsec = 60 * 1000 * 1000};
	nanosleep(&pause, NULL);
	put(w, "late");
	is_int(writer_drain(w), STATUS_OK, "a block after a pause drains");
	ok(s.last_slow, "idle is told the producer is slow");
	is_str(s.applied.buf, "late|", "the block was applied");
	writer_free(w);
	seen_release(&s);
}

static void
test_failure(void)
{
	struct seen s;
	seen_init(&s);
	s.fail_apply_at = 2;
	enum status st;
	struct writer *w = writer_new(apply, idle, &s, &st);
	const char *parts[] = {"one", "two", "three"};
	for (size_t i = 0; i < 3; i++) {
		put(w, parts[i]);
		writer_drain(w);
	}
	is_int(writer_drain(w), STATUS_ERR_STORE, "the failure sticks");
	is_str(s.applied.buf, "one|", "later blocks are dropped");
	unsigned idles = s.idles;
	put(w, "four");
	writer_drain(w);
	is_int(s.idles, idles, "idle does not run after a failure");
	writer_free(w);
	seen_release(&s);
}

int
main(void)
{
	test_drain();
	test_slow();
	test_failure();
	return tap_done();
}
