#define LOG_MODULE "store"

#include "store/cand.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/thread.h"
#include "common/xalloc.h"
#include "store/codec.h"

/*
 * Tests keep only the low bits of the hash so that every key shares its
 * hash with others: the exact count must then make the decision alone.
 */
#ifndef STORE_CAND_HASH_BITS
#define STORE_CAND_HASH_BITS 64
#endif

#define CAND_BUF_SIZE (1u << 20)

/*
 * The fields of a record, in file order.  A record is the dup_key's hash
 * (8 bytes), the length of the rest (varint), a flags byte, the two
 * severities, then the strings (store/codec.h).  dup_key comes first so that the counting pass reads
 * nothing else; the object's four strings are written only when the
 * object differs from the previous record's.
 */
enum cand_field {
	CF_DUP_KEY = 0,
	CF_KEY,
	CF_DN,
	CF_CN,
	CF_CLASS,
	CF_ATTRIBUTE,
	CF_VALUE,
	CF_RULE,
	CF_ERROR,
	CF_UPDATE,
	CF_ACTION,
	CF_DUP_RULE,
	CF_DUP_ERROR,
	CF_DUP_UPDATE,
	CF_DUP_ACTION,
	CF_COUNT,
};

#define CF_OBJECT_FIRST CF_KEY
#define CF_OBJECT_LAST CF_CLASS
#define CAND_NEW_OBJECT 0x01

/*
 * The hashes held more than once, as an open-addressing set (0 marks a
 * free slot, so hash 0 is kept aside).
 */
struct hash_set {
	uint64_t *slot;
	size_t mask;
	size_t n;
	bool zero;
};

struct cand_log {
	int64_t scan_id;
	int fd;
	char *path; /* for messages; the file itself is already unlinked */
	struct strbuf out; /* records not yet written, about CAND_BUF_SIZE */
	uint64_t good;	   /* bytes of whole records safely in the file */
	bool broken;   /* a write failed: records after good are lost */
	uint64_t *hashes;
	size_t n, cap;
	uint64_t added; /* candidates, also after the hashes have gone */
	struct strbuf last_key, last_dn;
	bool have_last;
	/*
	 * cand_log_sort_begin(): a thread sorts the hashes into dups while
	 * the caller commits; sorted once it has (hashes then gone).
	 */
	pthread_t sorter;
	bool sorting;
	bool sorted;
	struct hash_set dups;
};

static const char *
tmp_dir(void)
{
	const char *env[] = {"SQLITE_TMPDIR", "TMPDIR"};
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		const char *dir = getenv(env[i]);
		if (dir != NULL && dir[0] != '\0') {
			return dir;
		}
	}
	/* Like SQLite's temporary files: on disk, not in a tmpfs. */
	return access("/var/tmp", W_OK | X_OK) == 0 ? "/var/tmp" : "/tmp";
}

struct cand_log *
cand_log_new(int64_t scan_id, enum status *st)
{
	const char *dir = tmp_dir();
	char *path = xasprintf("%s/syncready-candidates-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		LOG_ERRNO("cannot create a file for duplicate candidates in %s",
			  dir);
		free(path);
		*st = STATUS_ERR_IO;
		return NULL;
	}
	/* Gone with the process, however it ends. */
	unlink(path);
	struct cand_log *log = xcalloc(1, sizeof(*log));
	log->scan_id = scan_id;
	log->fd = fd;
	log->path = path;
	strbuf_init(&log->out);
	strbuf_init(&log->last_key);
	strbuf_init(&log->last_dn);
	*st = STATUS_OK;
	return log;
}

static void sort_end(struct cand_log *log);

void
cand_log_free(struct cand_log *log)
{
	if (log == NULL) {
		return;
	}
	sort_end(log);
	free(log->dups.slot);
	close(log->fd);
	free(log->path);
	strbuf_release(&log->out);
	free(log->hashes);
	strbuf_release(&log->last_key);
	strbuf_release(&log->last_dn);
	free(log);
}

int64_t
cand_log_scan(const struct cand_log *log)
{
	return log->scan_id;
}

void
cand_log_stats(const struct cand_log *log, uint64_t *count, uint64_t *bytes)
{
	*count = log->added;
	*bytes = log->good + log->out.len;
}

/* A 64-bit hash of len bytes, eight at a time. */
static uint64_t
cand_hash(const char *p, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ (len * 0xff51afd7ed558ccdu);
	uint64_t w;
	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 32;
#if STORE_CAND_HASH_BITS < 64
	h &= ((uint64_t)1 << STORE_CAND_HASH_BITS) - 1;
#endif
	return h;
}

static enum status
write_all(struct cand_log *log, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(log->fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			LOG_ERRNO("cannot write duplicate candidates to %s",
				  log->path);
			log->broken = true;
			return STATUS_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return STATUS_OK;
}

static enum status
flush(struct cand_log *log)
{
	if (log->broken) {
		return STATUS_ERR_IO;
	}
	enum status st = write_all(log, log->out.buf, log->out.len);
	if (st == STATUS_OK) {
		log->good += log->out.len;
	}
	strbuf_reset(&log->out);
	return st;
}

enum status
cand_log_add(struct cand_log *log, const struct finding *f)
{
	if (log->broken) {
		return STATUS_ERR_IO;
	}
	const char *key = f->objectguid != NULL ? f->objectguid : f->dn;
	const char *dn = f->dn != NULL ? f->dn : "";
	key = key != NULL ? key : "";
	bool same = log->have_last && strcmp(key, log->last_key.buf) == 0 &&
		    strcmp(dn, log->last_dn.buf) == 0;
	if (!same) {
		strbuf_reset(&log->last_key);
		strbuf_addstr(&log->last_key, key);
		strbuf_reset(&log->last_dn);
		strbuf_addstr(&log->last_dn, dn);
		log->have_last = true;
	}
	const char *fields[CF_COUNT] = {
		[CF_DUP_KEY] = f->dup_key,
		[CF_KEY] = key,
		[CF_DN] = dn,
		[CF_CN] = f->cn,
		[CF_CLASS] = f->objectclass,
		[CF_ATTRIBUTE] = f->attribute != NULL ? f->attribute : "",
		[CF_VALUE] = f->value != NULL ? f->value : "",
		[CF_RULE] = f->rule,
		[CF_ERROR] = f->error,
		[CF_UPDATE] = f->update,
		[CF_ACTION] = f->proposed_action,
		[CF_DUP_RULE] = f->dup_rule,
		[CF_DUP_ERROR] = f->dup_error,
		[CF_DUP_UPDATE] = f->dup_update,
		[CF_DUP_ACTION] = f->dup_action,
	};
	const char *put[CF_COUNT];
	size_t len[CF_COUNT], n = 0, blen = 3;
	for (int i = 0; i < CF_COUNT; i++) {
		if (!same || i < CF_OBJECT_FIRST || i > CF_OBJECT_LAST) {
			put[n] = fields[i];
			len[n] = put[n] != NULL ? strlen(put[n]) : 0;
			blen += codec_str_size(put[n], len[n]);
			n++;
		}
	}
	/* CF_DUP_KEY is the first field written. */
	uint64_t h = cand_hash(f->dup_key, len[0]);
	unsigned char head[8 + 10];
	memcpy(head, &h, 8);
	size_t hlen = 8 + codec_varint(head + 8, blen);
	/*
	 * Straight into the write buffer; a record larger than it (a huge
	 * value) grows it until the flush.
	 */
	unsigned char *p =
		(unsigned char *)strbuf_extend(&log->out, hlen + blen);
	memcpy(p, head, hlen);
	p += hlen;
	*p++ = same ? 0 : CAND_NEW_OBJECT;
	*p++ = (unsigned char)f->severity;
	*p++ = (unsigned char)f->dup_severity;
	for (size_t i = 0; i < n; i++) {
		p = codec_write_str(p, put[i], len[i]);
	}
	if (log->out.len >= CAND_BUF_SIZE) {
		enum status st = flush(log);
		if (st != STATUS_OK) {
			return st;
		}
	}
	if (log->n == log->cap) {
		log->cap = log->cap == 0 ? 4096 : log->cap * 2;
		log->hashes = xreallocarray(log->hashes, log->cap,
					    sizeof(*log->hashes));
	}
	log->hashes[log->n++] = h;
	log->added++;
	return STATUS_OK;
}

/* ---- the end of the scan ------------------------------------------- */

static void
sort_u64(uint64_t *a, size_t n)
{
	/* Quicksort with Hoare's partition (fine with many equal keys). */
	while (n > 16) {
		uint64_t x = a[0], y = a[n / 2], z = a[n - 1];
		uint64_t pivot = x < y ? (y < z ? y : (x < z ? z : x))
				       : (x < z ? x : (y < z ? z : y));
		size_t i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot) {
				i++;
			}
			while (a[j] > pivot) {
				j--;
			}
			if (i >= j) {
				break;
			}
			uint64_t t = a[i];
			a[i++] = a[j];
			a[j--] = t;
		}
		/* Recurse into the smaller side, loop on the larger. */
		size_t left = j + 1;
		if (left < n - left) {
			sort_u64(a, left);
			a += left;
			n -= left;
		} else {
			sort_u64(a + left, n - left);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t v = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > v; j--) {
			a[j] = a[j - 1];
		}
		a[j] = v;
	}
}

/*
 * Sorts the hashes: one in-place pass puts them in 256 buckets by their
 * top byte (American flag sort), then each bucket, small enough for the
 * cache at a million objects, is sorted alone.
 */
static void
sort_hashes(uint64_t *a, size_t n)
{
	size_t count[256] = {0}, start[257], next[256];
	for (size_t i = 0; i < n; i++) {
		count[a[i] >> 56]++;
	}
	start[0] = 0;
	for (size_t b = 0; b < 256; b++) {
		start[b + 1] = start[b] + count[b];
		next[b] = start[b];
	}
	for (size_t b = 0; b < 256; b++) {
		while (next[b] < start[b + 1]) {
			uint64_t v = a[next[b]];
			size_t vb = (size_t)(v >> 56);
			if (vb == b) {
				next[b]++;
				continue;
			}
			/* Swap v into its bucket; take what was there. */
			a[next[b]] = a[next[vb]];
			a[next[vb]++] = v;
		}
	}
	for (size_t b = 0; b < 256; b++) {
		sort_u64(a + start[b], count[b]);
	}
}

static size_t
table_size(size_t n)
{
	size_t size = 16;
	while (size < n * 2) {
		size *= 2;
	}
	return size;
}

static void
hash_set_build(struct hash_set *set, uint64_t *sorted, size_t n)
{
	size_t dups = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (sorted[i] == sorted[i + 1] &&
		    (i == 0 || sorted[i - 1] != sorted[i])) {
			sorted[dups++] = sorted[i]; /* in place: dups <= i */
		}
	}
	size_t size = table_size(dups);
	set->slot = xcalloc(size, sizeof(*set->slot));
	set->mask = size - 1;
	set->n = dups;
	set->zero = false;
	for (size_t i = 0; i < dups; i++) {
		uint64_t h = sorted[i];
		if (h == 0) {
			set->zero = true;
			continue;
		}
		size_t at = (size_t)(h ^ (h >> 29)) & set->mask;
		while (set->slot[at] != 0) {
			at = (at + 1) & set->mask;
		}
		set->slot[at] = h;
	}
}

static bool
hash_set_has(const struct hash_set *set, uint64_t h)
{
	if (set->n == 0) {
		return false;
	}
	if (h == 0) {
		return set->zero;
	}
	size_t at = (size_t)(h ^ (h >> 29)) & set->mask;
	while (set->slot[at] != 0) {
		if (set->slot[at] == h) {
			return true;
		}
		at = (at + 1) & set->mask;
	}
	return false;
}

/* Exact counts (1 or "2 or more") of the keys whose hash is in the set. */
struct key_count {
	uint64_t hash;
	size_t off; /* in keys.buf; the key is NUL-terminated there */
	size_t len;
	unsigned count;
};

struct key_table {
	struct key_count *slot; /* count 0: free */
	size_t mask;
	size_t n;
	struct strbuf keys;
};

static void
key_table_init(struct key_table *t)
{
	t->mask = 15;
	t->slot = xcalloc(t->mask + 1, sizeof(*t->slot));
	t->n = 0;
	strbuf_init(&t->keys);
}

static void
key_table_release(struct key_table *t)
{
	free(t->slot);
	strbuf_release(&t->keys);
}

static struct key_count *
key_table_find(struct key_table *t, uint64_t h, const char *key, size_t len)
{
	size_t at = (size_t)(h ^ (h >> 31)) & t->mask;
	while (t->slot[at].count != 0) {
		struct key_count *c = &t->slot[at];
		if (c->hash == h && c->len == len &&
		    memcmp(t->keys.buf + c->off, key, len) == 0) {
			return c;
		}
		at = (at + 1) & t->mask;
	}
	return &t->slot[at];
}

static void
key_table_add(struct key_table *t, uint64_t h, const char *key, size_t len)
{
	struct key_count *c = key_table_find(t, h, key, len);
	if (c->count != 0) {
		c->count = 2;
		return;
	}
	if ((t->n + 1) * 2 > t->mask + 1) {
		struct key_count *old = t->slot;
		size_t oldsize = t->mask + 1;
		t->mask = oldsize * 2 - 1;
		t->slot = xcalloc(oldsize * 2, sizeof(*t->slot));
		for (size_t i = 0; i < oldsize; i++) {
			if (old[i].count == 0) {
				continue;
			}
			size_t at = (size_t)(old[i].hash ^ (old[i].hash >> 31)) &
				    t->mask;
			while (t->slot[at].count != 0) {
				at = (at + 1) & t->mask;
			}
			t->slot[at] = old[i];
		}
		free(old);
		c = key_table_find(t, h, key, len);
	}
	c->hash = h;
	c->off = t->keys.len;
	c->len = len;
	c->count = 1;
	strbuf_add(&t->keys, key, len);
	strbuf_addch(&t->keys, '\0');
	t->n++;
}

static bool
key_table_twice(struct key_table *t, uint64_t h, const char *key, size_t len)
{
	return key_table_find(t, h, key, len)->count >= 2;
}

static enum status
damaged(struct cand_log *log)
{
	LOG_ERR("cannot read duplicate candidates from %s: a record is damaged",
		log->path);
	return STATUS_ERR_IO;
}

/* Reads the file back, record by record. */
struct reader {
	struct cand_log *log;
	unsigned char *buf;
	size_t cap, pos, end;
	uint64_t off; /* file offset of buf[end] */
};

static enum status
reader_fill(struct reader *r, size_t need)
{
	if (r->end - r->pos >= need) {
		return STATUS_OK;
	}
	memmove(r->buf, r->buf + r->pos, r->end - r->pos);
	r->end -= r->pos;
	r->pos = 0;
	if (need > r->cap) {
		r->cap = need;
		r->buf = xreallocarray(r->buf, r->cap, 1);
	}
	while (r->end < need) {
		uint64_t left = r->log->good - r->off;
		size_t want = r->cap - r->end;
		if (want > left) {
			want = (size_t)left;
		}
		if (want == 0) {
			LOG_ERR("cannot read duplicate candidates from %s: "
				"the file ends early",
				r->log->path);
			return STATUS_ERR_IO;
		}
		ssize_t n = pread(r->log->fd, r->buf + r->end, want,
				  (off_t)r->off);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			if (n == 0) {
				errno = EIO;
			}
			LOG_ERRNO("cannot read duplicate candidates from %s",
				  r->log->path);
			return STATUS_ERR_IO;
		}
		r->end += (size_t)n;
		r->off += (uint64_t)n;
	}
	return STATUS_OK;
}

/*
 * The next record: its hash and body (flags, severities, strings).
 * Returns false at the end of the file (st OK) or on an error.
 */
static bool
reader_next(struct reader *r, uint64_t *hash, const unsigned char **body,
	    size_t *len, enum status *st)
{
	*st = STATUS_OK;
	uint64_t avail = (r->end - r->pos) + (r->log->good - r->off);
	if (avail == 0) {
		return false;
	}
	/* The hash and the longest varint, or what is left of the file. */
	*st = reader_fill(r, avail < 8 + 10 ? (size_t)avail : 8 + 10);
	if (*st != STATUS_OK) {
		return false;
	}
	if (r->end - r->pos < 8) {
		*st = damaged(r->log);
		return false;
	}
	memcpy(hash, r->buf + r->pos, 8);
	const unsigned char *p = r->buf + r->pos + 8;
	uint64_t blen;
	if (!codec_get_varint(&p, r->buf + r->end, &blen) ||
	    blen > r->log->good) {
		*st = damaged(r->log);
		return false;
	}
	size_t hlen = (size_t)(p - (r->buf + r->pos));
	*st = reader_fill(r, hlen + (size_t)blen);
	if (*st != STATUS_OK) {
		return false;
	}
	*body = r->buf + r->pos + hlen;
	*len = (size_t)blen;
	r->pos += hlen + (size_t)blen;
	return true;
}

/* The finding of a candidate: its dup variant if dup, else its plain one. */
static void
make_finding(struct finding *f, const char *const v[CF_COUNT], bool dup,
	     unsigned char sev, unsigned char dup_sev)
{
	*f = (struct finding){
		.objectguid = v[CF_KEY],
		.dn = v[CF_DN],
		.cn = v[CF_CN],
		.objectclass = v[CF_CLASS],
		.attribute = v[CF_ATTRIBUTE],
		.value = v[CF_VALUE],
		.rule = dup ? v[CF_DUP_RULE] : v[CF_RULE],
		.error = dup ? v[CF_DUP_ERROR] : v[CF_ERROR],
		.update = dup ? v[CF_DUP_UPDATE] : v[CF_UPDATE],
		.proposed_action = dup ? v[CF_DUP_ACTION] : v[CF_ACTION],
		.severity = (enum finding_severity)(dup ? dup_sev : sev),
		.dup_key = dup ? v[CF_DUP_KEY] : NULL,
	};
}

/*
 * The one pass over the file.  A candidate whose hash is not in dups is
 * held by nobody else: its plain finding (if any) goes to fn at once.  The
 * few others are copied whole to held and their keys counted exactly; they
 * go to fn after the pass (emit_held()).
 */
static enum status
settle_pass(struct cand_log *log, const struct hash_set *dups,
	    struct key_table *t, struct strbuf *held,
	    enum status (*fn)(void *ctx, const struct finding *f), void *ctx)
{
	struct reader r = {.log = log, .cap = CAND_BUF_SIZE};
	r.buf = xmalloc(r.cap);
	/*
	 * A record's strings lie in the read buffer until the next record;
	 * the object's, which later records share, are copied out.
	 */
	struct strbuf object[CF_OBJECT_LAST + 1];
	bool object_null[CF_OBJECT_LAST + 1] = {0};
	for (int i = CF_OBJECT_FIRST; i <= CF_OBJECT_LAST; i++) {
		strbuf_init(&object[i]);
	}
	bool have_object = false;
	enum status st;
	uint64_t h;
	const unsigned char *body;
	size_t len;
	while (reader_next(&r, &h, &body, &len, &st)) {
		if (len < 3) {
			st = damaged(log);
			break;
		}
		const unsigned char *p = body + 3, *end = body + len;
		bool newobj = (body[0] & CAND_NEW_OBJECT) != 0;
		const char *v[CF_COUNT];
		bool ok = true;
		for (int i = 0; i < CF_COUNT && ok; i++) {
			bool of_object = i >= CF_OBJECT_FIRST &&
					 i <= CF_OBJECT_LAST;
			if (of_object && !newobj) {
				v[i] = object_null[i] ? NULL : object[i].buf;
				continue;
			}
			size_t slen;
			ok = codec_get_str(&p, end, &v[i], &slen);
			if (ok && of_object) {
				strbuf_reset(&object[i]);
				strbuf_add(&object[i], v[i] != NULL ? v[i] : "",
					   slen);
				object_null[i] = v[i] == NULL;
			}
		}
		if (!ok || v[CF_DUP_KEY] == NULL || (!newobj && !have_object)) {
			st = damaged(log);
			break;
		}
		have_object = true;
		if (hash_set_has(dups, h)) {
			key_table_add(t, h, v[CF_DUP_KEY], strlen(v[CF_DUP_KEY]));
			strbuf_add(held, &h, 8);
			strbuf_add(held, body + 1, 2);
			for (int i = 0; i < CF_COUNT; i++) {
				codec_put_str(held, v[i]);
			}
			continue;
		}
		struct finding f;
		make_finding(&f, v, false, body[1], body[2]);
		if (f.error != NULL) {
			st = fn(ctx, &f);
			if (st != STATUS_OK) {
				break;
			}
		}
	}
	for (int i = CF_OBJECT_FIRST; i <= CF_OBJECT_LAST; i++) {
		strbuf_release(&object[i]);
	}
	free(r.buf);
	return st;
}

/* The held candidates, now that their keys are counted. */
static enum status
emit_held(const struct strbuf *held, struct key_table *t,
	  enum status (*fn)(void *ctx, const struct finding *f), void *ctx)
{
	const unsigned char *p = (const unsigned char *)held->buf;
	const unsigned char *end = p + held->len;
	while (p < end) {
		uint64_t h;
		memcpy(&h, p, 8);
		unsigned char sev = p[8], dup_sev = p[9];
		p += 10;
		const char *v[CF_COUNT];
		size_t slen;
		for (int i = 0; i < CF_COUNT; i++) {
			codec_get_str(&p, end, &v[i], &slen);
		}
		struct finding f;
		bool dup = key_table_twice(t, h, v[CF_DUP_KEY],
					   strlen(v[CF_DUP_KEY]));
		make_finding(&f, v, dup, sev, dup_sev);
		if (f.error != NULL) {
			enum status st = fn(ctx, &f);
			if (st != STATUS_OK) {
				return st;
			}
		}
	}
	return STATUS_OK;
}

/* The hashes held more than once, from the hashes, which then go. */
static void
sort_now(struct cand_log *log)
{
	sort_hashes(log->hashes, log->n);
	hash_set_build(&log->dups, log->hashes, log->n);
	/* The set is all that is needed now: the memory goes back. */
	free(log->hashes);
	log->hashes = NULL;
	log->n = log->cap = 0;
	log->sorted = true;
}

static void *
sorter_main(void *arg)
{
	sort_now(arg);
	return NULL;
}

void
cand_log_sort_begin(struct cand_log *log)
{
	if (log->broken || log->sorting || log->sorted) {
		return;
	}
	int rc = thread_start(&log->sorter, sorter_main, log);
	if (rc != 0) {
		LOG_DBG("no thread to sort duplicate candidates (%s): the "
			"settle sorts them",
			strerror(rc));
		return;
	}
	log->sorting = true;
}

/* Waits for the thread of cand_log_sort_begin(), if there is one. */
static void
sort_end(struct cand_log *log)
{
	if (log->sorting) {
		pthread_join(log->sorter, NULL);
		log->sorting = false;
	}
}

enum status
cand_log_settle(struct cand_log *log, bool resolve,
		enum status (*fn)(void *ctx, const struct finding *f),
		void *ctx)
{
	sort_end(log);
	if (!log->broken && log->out.len > 0) {
		/* Unwritten records are lost only if this fails. */
		flush(log);
	}
	struct hash_set none = {0};
	struct key_table t;
	key_table_init(&t);
	enum status st;
	if (resolve && !log->broken && !log->sorted) {
		sort_now(log);
	}
	/* A sorted set left from a scan that did not complete is unused. */
	const struct hash_set *dups =
		resolve && !log->broken ? &log->dups : &none;
	struct strbuf held;
	strbuf_init(&held);
	st = settle_pass(log, dups, &t, &held, fn, ctx);
	if (st == STATUS_OK) {
		st = emit_held(&held, &t, fn, ctx);
	}
	strbuf_release(&held);
	key_table_release(&t);
	return st;
}
