#define LOG_MODULE "store"

#include "store/cand.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/thread.h"
#include "common/xalloc.h"
#include "store/codec.h"
#include "store/keytab.h"

/*
 * Tests keep only the low bits of the hash so that every key shares its
 * hash with others: the exact count must then make the decision alone.
 */
#ifndef STORE_CAND_HASH_BITS
#define STORE_CAND_HASH_BITS 64
#endif

#define CAND_BUF_SIZE (1u << 20)

/*
 * The findings the sorting thread may find before the settle asks for
 * them.  Tests make it small, so that the settle must go on where the
 * thread stopped.
 */
#ifndef STORE_CAND_AHEAD_MAX
#define STORE_CAND_AHEAD_MAX (16u << 20)
#endif

/*
 * The fields of a record, in file order.  A record is the dup_key's hash
 * (8 bytes), the length of the rest (varint), a flags byte, the two
 * severities, then the fields.  The object's four strings are written
 * only when the object differs from the previous record's.
 *
 * Most of what a candidate says repeats from record to record: rule ids,
 * error names, actions, attribute and class names; the update is mostly
 * the value; dup_key is mostly a namespace before the value in lower
 * case.  Written in full, a million-object scan's file was 1.6 GB, and
 * copying it into the page cache took the checking thread 2.5 s.  So the
 * dictionary fields (dict_field()) are written as a number: 0 for NULL,
 * 1 for a string that follows in full (and becomes the dictionary's next
 * entry while it has room), id + 2 for an entry written before.  Reading
 * the file in order builds the same dictionary.  With CAND_KEY_TAIL,
 * dup_key is a dictionary prefix followed by the value with A-Z in lower
 * case (checked byte by byte when writing, so the key read back is
 * exact); with CAND_UPDATE_VALUE and CAND_DUP_UPDATE_VALUE that update
 * is the value and is not written.
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
#define CAND_KEY_TAIL 0x02
#define CAND_UPDATE_VALUE 0x04
#define CAND_DUP_UPDATE_VALUE 0x08

/* Entries of the dictionary; strings after it is full are written whole. */
#define CAND_DICT_MAX 4096
/* A longer part of dup_key before the value is written whole. */
#define CAND_PREFIX_MAX 64
/* Slots of the writer's look-up by address: 2^8. */
#define CAND_DICT_CACHE_BITS 8
#define CAND_DICT_CACHE (1u << CAND_DICT_CACHE_BITS)

/* The strings of the dictionary fields, as written (writer side). */
struct dict {
	struct strbuf text; /* every entry, NUL-terminated, in id order */
	uint32_t off[CAND_DICT_MAX], len[CAND_DICT_MAX];
	uint32_t n;
	/* By content: id + 1 (0 free), open addressing. */
	uint32_t slot[2 * CAND_DICT_MAX];
	/*
	 * By address: the rules pass the same pointers again and again,
	 * so a string is mostly found without hashing it.  The content is
	 * compared before an entry is trusted.
	 */
	struct {
		const char *p;
		uint32_t id;
	} cache[CAND_DICT_CACHE];
};

/* The same dictionary, rebuilt while the file is read. */
struct dict_read {
	char **s;
	uint32_t n;
};

/*
 * The hashes held more than once, as an open-addressing set (0 marks a
 * free slot, so hash 0 is kept aside).
 */
struct hash_set {
	uint64_t *slot;
	size_t mask;
	size_t n;
	bool zero;
	/*
	 * A bitmap indexed by a hash's top bits (h >> filter_shift), with
	 * the set's hashes' bits set: for 157,000 hashes the table is 4 MB
	 * and the bitmap 256 KB, and nearly every hash looked up is not in
	 * the set.
	 */
	uint64_t *filter;
	unsigned filter_shift;
};

struct pass;

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
	struct dict *dict;
	/*
	 * cand_log_sort_begin(): a thread sorts the hashes into dups while
	 * the caller commits; sorted once it has (hashes then gone).
	 */
	pthread_t sorter;
	bool sorting;
	bool sorted;
	struct hash_set dups;
	/*
	 * The thread then begins the pass over the file (struct pass); the
	 * findings it meets on the way wait in ahead (at most about
	 * STORE_CAND_AHEAD_MAX bytes) for the settle, which goes on from
	 * there.
	 */
	struct pass *pass;
	struct strbuf ahead;
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
	log->dict = xcalloc(1, sizeof(*log->dict));
	strbuf_init(&log->dict->text);
	strbuf_init(&log->ahead);
	*st = STATUS_OK;
	return log;
}

static void sort_end(struct cand_log *log);
static void pass_free(struct pass *ps);

void
cand_log_free(struct cand_log *log)
{
	if (log == NULL) {
		return;
	}
	sort_end(log);
	pass_free(log->pass);
	strbuf_release(&log->ahead);
	free(log->dups.slot);
	free(log->dups.filter);
	close(log->fd);
	free(log->path);
	strbuf_release(&log->out);
	free(log->hashes);
	strbuf_release(&log->last_key);
	strbuf_release(&log->last_dn);
	strbuf_release(&log->dict->text);
	free(log->dict);
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

/* The hash of a dup_key. */
static uint64_t
cand_hash(const char *p, size_t len)
{
	uint64_t h = hash_bytes(p, len);
#if STORE_CAND_HASH_BITS < 64
	h &= ((uint64_t)1 << STORE_CAND_HASH_BITS) - 1;
#endif
	return h;
}

static bool
dict_is(const struct dict *d, uint32_t id, const char *s, size_t len)
{
	return d->len[id] == len &&
	       memcmp(d->text.buf + d->off[id], s, len) == 0;
}

/* A length not known yet: the string is NUL-terminated. */
#define CAND_LEN_UNKNOWN SIZE_MAX

/*
 * The number a dictionary field is written as (see enum cand_field): 0
 * for NULL, 1 for a string written whole (added to the dictionary if it
 * has room), else its id + 2.  *len is s's length or CAND_LEN_UNKNOWN (s
 * then ends at its NUL); with 1 it is the length.
 */
static uint64_t
dict_code(struct dict *d, const char *s, size_t *len)
{
	if (s == NULL) {
		return 0;
	}
	size_t c = hash_ptr(s, CAND_DICT_CACHE_BITS);
	if (d->cache[c].p == s) {
		/* Mostly found here, without measuring s. */
		uint32_t id = d->cache[c].id;
		if (*len == CAND_LEN_UNKNOWN
			    ? strcmp(d->text.buf + d->off[id], s) == 0
			    : dict_is(d, id, s, *len)) {
			return (uint64_t)id + 2;
		}
	}
	if (*len == CAND_LEN_UNKNOWN) {
		*len = strlen(s);
	}
	const size_t mask = 2 * CAND_DICT_MAX - 1;
	size_t at = (size_t)hash_bytes(s, *len) & mask;
	for (; d->slot[at] != 0; at = (at + 1) & mask) {
		uint32_t id = d->slot[at] - 1;
		if (dict_is(d, id, s, *len)) {
			d->cache[c].p = s;
			d->cache[c].id = id;
			return (uint64_t)id + 2;
		}
	}
	if (d->n < CAND_DICT_MAX) {
		uint32_t id = d->n++;
		d->off[id] = (uint32_t)d->text.len;
		d->len[id] = (uint32_t)*len;
		strbuf_add(&d->text, s, *len);
		strbuf_addch(&d->text, '\0');
		d->slot[at] = id + 1;
		d->cache[c].p = s;
		d->cache[c].id = id;
	}
	return 1;
}

/* The fields always written as dictionary numbers. */
#define CAND_DICT_FIELDS                                                       \
	((1u << CF_CLASS) | (1u << CF_ATTRIBUTE) | (1u << CF_RULE) |            \
	 (1u << CF_ERROR) | (1u << CF_ACTION) | (1u << CF_DUP_RULE) |          \
	 (1u << CF_DUP_ERROR) | (1u << CF_DUP_ACTION))

/* The fields written as dictionary numbers in a record with flags. */
static inline uint32_t
dict_fields(unsigned flags)
{
	return CAND_DICT_FIELDS |
	       ((flags & CAND_KEY_TAIL) != 0 ? 1u << CF_DUP_KEY : 0);
}

/* Whether field i is written as a dictionary number. */
static inline bool
dict_field(int i, unsigned flags)
{
	return ((dict_fields(flags) >> i) & 1) != 0;
}

/* Whether tail is value with A-Z in lower case (len bytes each). */
static bool
is_lower_of(const char *tail, const char *value, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v, t;
		memcpy(&v, value + i, 8);
		memcpy(&t, tail + i, 8);
		if (ascii_lower8(v) != t) {
			return false;
		}
	}
	for (; i < len; i++) {
		if (tail[i] != ascii_lower1(value[i])) {
			return false;
		}
	}
	return true;
}

/* Copies len bytes of value to out with A-Z in lower case. */
static void
lower_copy(char *out, const char *value, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, value + i, 8);
		w = ascii_lower8(w);
		memcpy(out + i, &w, 8);
	}
	for (; i < len; i++) {
		out[i] = ascii_lower1(value[i]);
	}
}

/*
 * The fields left out of a record with these flags: the object's strings
 * after its first record, an update that is the value.
 */
static inline uint32_t
omitted_fields(unsigned flags)
{
	const uint32_t object = ((1u << (CF_OBJECT_LAST + 1)) - 1) &
				~((1u << CF_OBJECT_FIRST) - 1);
	return ((flags & CAND_NEW_OBJECT) == 0 ? object : 0) |
	       ((flags & CAND_UPDATE_VALUE) != 0 ? 1u << CF_UPDATE : 0) |
	       ((flags & CAND_DUP_UPDATE_VALUE) != 0 ? 1u << CF_DUP_UPDATE : 0);
}

/* Whether field i is left out of a record with these flags. */
static inline bool
field_omitted(int i, unsigned flags)
{
	return ((omitted_fields(flags) >> i) & 1) != 0;
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
	unsigned flags = same ? 0 : CAND_NEW_OBJECT;
	const char *value = fields[CF_VALUE];
	size_t klen = strlen(f->dup_key), vlen = strlen(value);
	uint64_t h = cand_hash(f->dup_key, klen);
	size_t len[CF_COUNT];
	len[CF_DUP_KEY] = klen;
	if (vlen > 0 && klen >= vlen && klen - vlen <= CAND_PREFIX_MAX &&
	    is_lower_of(f->dup_key + klen - vlen, value, vlen)) {
		flags |= CAND_KEY_TAIL;
		len[CF_DUP_KEY] = klen - vlen;
	}
	len[CF_VALUE] = vlen;
	if (f->update != NULL && strcmp(f->update, value) == 0) {
		flags |= CAND_UPDATE_VALUE;
	}
	if (f->dup_update != NULL && strcmp(f->dup_update, value) == 0) {
		flags |= CAND_DUP_UPDATE_VALUE;
	}
	/*
	 * Which fields are written, which of them as dictionary numbers,
	 * and the length of the body.
	 */
	const uint32_t written =
		((1u << CF_COUNT) - 1) & ~omitted_fields(flags);
	const uint32_t coded = dict_fields(flags);
	uint64_t code[CF_COUNT];
	size_t blen = 3;
	for (int i = 0; i < CF_COUNT; i++) {
		if (((written >> i) & 1) == 0) {
			continue;
		}
		if (((coded >> i) & 1) != 0) {
			if (i != CF_DUP_KEY) {
				len[i] = CAND_LEN_UNKNOWN;
			}
			code[i] = dict_code(log->dict, fields[i], &len[i]);
			blen += codec_varint_size(code[i]);
			if (code[i] == 1) {
				blen += codec_str_size(fields[i], len[i]);
			}
		} else {
			if (i != CF_DUP_KEY && i != CF_VALUE) {
				len[i] = fields[i] != NULL ? strlen(fields[i])
							   : 0;
			}
			blen += codec_str_size(fields[i], len[i]);
		}
	}
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
	*p++ = (unsigned char)flags;
	*p++ = (unsigned char)f->severity;
	*p++ = (unsigned char)f->dup_severity;
	for (int i = 0; i < CF_COUNT; i++) {
		if (((written >> i) & 1) == 0) {
			continue;
		}
		if (((coded >> i) & 1) == 0) {
			p = codec_write_str(p, fields[i], len[i]);
			continue;
		}
		p += codec_varint(p, code[i]);
		if (code[i] == 1) {
			p = codec_write_str(p, fields[i], len[i]);
		}
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

static size_t
table_size(size_t n)
{
	size_t size = 16;
	while (size < n * 2) {
		size *= 2;
	}
	return size;
}

/*
 * Moves the hashes held more than once to the front of a, each once, and
 * returns how many.  One in-place pass puts them in 256 buckets by their
 * top byte (American flag sort); then each bucket, small enough for the
 * cache at a million objects, goes through a table of its own, which
 * finds the ones met before.  No order is needed beyond the buckets:
 * for the 8.2 million hashes of a million-object scan, the buckets and
 * then a sort of each took 0.61 s, the buckets and the tables 0.13 s.
 */
static size_t
dup_hashes(uint64_t *a, size_t n)
{
	size_t count[256] = {0}, start[257], next[256];
	for (size_t i = 0; i < n; i++) {
		count[a[i] >> 56]++;
	}
	start[0] = 0;
	size_t largest = 0;
	for (size_t b = 0; b < 256; b++) {
		start[b + 1] = start[b] + count[b];
		next[b] = start[b];
		largest = count[b] > largest ? count[b] : largest;
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
	/* A slot is free (0), holds a hash met once (1) or more (2). */
	size_t room = table_size(largest);
	uint64_t *slot = xmalloc(room * sizeof(*slot));
	unsigned char *state = xmalloc(room);
	/*
	 * A hash met a second time is written at a[dups]: dups <= i, and
	 * a[i] and every place before it have been read already.
	 */
	size_t dups = 0;
	for (size_t b = 0; b < 256; b++) {
		size_t size = table_size(count[b]), mask = size - 1;
		memset(state, 0, size);
		for (size_t i = start[b]; i < start[b + 1]; i++) {
			uint64_t h = a[i];
			size_t at = (size_t)h & mask;
			while (state[at] != 0 && slot[at] != h) {
				at = (at + 1) & mask;
			}
			if (state[at] == 0) {
				state[at] = 1;
				slot[at] = h;
			} else if (state[at] == 1) {
				state[at] = 2;
				a[dups++] = h;
			}
		}
	}
	free(state);
	free(slot);
	return dups;
}

/* The set of the n hashes of dups, each held more than once. */
static void
hash_set_build(struct hash_set *set, const uint64_t *dups, size_t n)
{
	size_t size = table_size(n);
	set->slot = xcalloc(size, sizeof(*set->slot));
	set->mask = size - 1;
	set->n = n;
	set->zero = false;
	/* Eight bits a hash or more: about one in nine is looked up. */
	unsigned bits = 6;
	while (bits < 40 && ((size_t)1 << bits) < n * 8) {
		bits++;
	}
	set->filter_shift = 64 - bits;
	set->filter = xcalloc(((size_t)1 << bits) / 64, sizeof(*set->filter));
	for (size_t i = 0; i < n; i++) {
		uint64_t h = dups[i];
		uint64_t bit = h >> set->filter_shift;
		set->filter[bit / 64] |= (uint64_t)1 << (bit % 64);
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
	uint64_t bit = h >> set->filter_shift;
	if ((set->filter[bit / 64] & ((uint64_t)1 << (bit % 64))) == 0) {
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

/*
 * Exact counts (1 or "2 or more") of the keys whose hash is in the set:
 * a keytab whose entries carry a count.
 */
static void
key_count_add(struct keytab *t, uint64_t h, const char *key, size_t len)
{
	bool added;
	unsigned char *count =
		keytab_data(t, keytab_add(t, h, key, len, &added));
	*count = added ? 1 : 2;
}

static bool
key_count_twice(const struct keytab *t, uint64_t h, const char *key, size_t len)
{
	size_t i = keytab_find(t, h, key, len);
	return i != KEYTAB_NONE && *(unsigned char *)keytab_data(t, i) >= 2;
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

/* A dictionary field (dict_code()) read back; false if damaged. */
static bool
dict_get(struct dict_read *d, const unsigned char **p,
	 const unsigned char *end, const char **s)
{
	uint64_t code;
	if (!codec_get_varint(p, end, &code)) {
		return false;
	}
	if (code == 0) {
		*s = NULL;
		return true;
	}
	if (code == 1) {
		size_t len;
		if (!codec_get_str(p, end, s, &len) || *s == NULL) {
			return false;
		}
		if (d->n < CAND_DICT_MAX) {
			if (d->s == NULL) {
				d->s = xcalloc(CAND_DICT_MAX, sizeof(*d->s));
			}
			d->s[d->n++] = xmemdup0(*s, len);
		}
		return true;
	}
	if (code - 2 >= d->n) {
		return false;
	}
	*s = d->s[code - 2];
	return true;
}

/*
 * What the reading of one record keeps until the next: the object's
 * strings (later records share them), the dictionary, the dup_key
 * rebuilt from its prefix and the value.
 */
struct record_state {
	struct strbuf object[CF_OBJECT_LAST + 1];
	bool object_null[CF_OBJECT_LAST + 1];
	bool have_object;
	struct dict_read dict;
	struct strbuf key;
};

static void
record_state_init(struct record_state *rs)
{
	*rs = (struct record_state){0};
	for (int i = CF_OBJECT_FIRST; i <= CF_OBJECT_LAST; i++) {
		strbuf_init(&rs->object[i]);
	}
	strbuf_init(&rs->key);
}

static void
record_state_release(struct record_state *rs)
{
	for (int i = CF_OBJECT_FIRST; i <= CF_OBJECT_LAST; i++) {
		strbuf_release(&rs->object[i]);
	}
	for (uint32_t i = 0; i < rs->dict.n; i++) {
		free(rs->dict.s[i]);
	}
	free(rs->dict.s);
	strbuf_release(&rs->key);
}

/*
 * The fields of a record's body (flags, severities, fields) into v; they
 * stay valid until the next record.  False if the record is damaged.
 */
static bool
record_decode(struct record_state *rs, const unsigned char *body, size_t len,
	      const char *v[CF_COUNT])
{
	if (len < 3) {
		return false;
	}
	unsigned flags = body[0];
	const unsigned char *p = body + 3, *end = body + len;
	bool newobj = (flags & CAND_NEW_OBJECT) != 0;
	if (!newobj && !rs->have_object) {
		return false;
	}
	for (int i = 0; i < CF_COUNT; i++) {
		if (field_omitted(i, flags)) {
			continue;
		}
		bool of_object = i >= CF_OBJECT_FIRST && i <= CF_OBJECT_LAST;
		size_t slen = 0;
		bool ok = dict_field(i, flags)
				  ? dict_get(&rs->dict, &p, end, &v[i])
				  : codec_get_str(&p, end, &v[i], &slen);
		if (!ok) {
			return false;
		}
		if (of_object) {
			slen = v[i] != NULL ? strlen(v[i]) : 0;
			strbuf_reset(&rs->object[i]);
			strbuf_add(&rs->object[i], v[i] != NULL ? v[i] : "",
				   slen);
			rs->object_null[i] = v[i] == NULL;
		}
	}
	if (p != end || v[CF_DUP_KEY] == NULL || v[CF_VALUE] == NULL) {
		return false;
	}
	rs->have_object = true;
	for (int i = CF_OBJECT_FIRST; i <= CF_OBJECT_LAST; i++) {
		v[i] = rs->object_null[i] ? NULL : rs->object[i].buf;
	}
	if (flags & CAND_UPDATE_VALUE) {
		v[CF_UPDATE] = v[CF_VALUE];
	}
	if (flags & CAND_DUP_UPDATE_VALUE) {
		v[CF_DUP_UPDATE] = v[CF_VALUE];
	}
	return true;
}

/*
 * Makes v[CF_DUP_KEY] the whole key of the record that record_decode()
 * read into v: with CAND_KEY_TAIL that left only the key's prefix.  Only
 * a record whose hash is held more than once needs its key, and building
 * every key took a fifth of the pass over the file.
 */
static void
record_key(struct record_state *rs, const unsigned char *body,
	   const char *v[CF_COUNT])
{
	if ((body[0] & CAND_KEY_TAIL) == 0) {
		return;
	}
	size_t plen = strlen(v[CF_DUP_KEY]);
	size_t vlen = strlen(v[CF_VALUE]);
	strbuf_reset(&rs->key);
	char *k = strbuf_extend(&rs->key, plen + vlen);
	memcpy(k, v[CF_DUP_KEY], plen);
	lower_copy(k + plen, v[CF_VALUE], vlen);
	v[CF_DUP_KEY] = rs->key.buf;
}

/* A candidate's fields and severities, kept in memory (held, ahead). */
static void
record_put(struct strbuf *b, uint64_t h, const unsigned char sev[2],
	   const char *const v[CF_COUNT])
{
	strbuf_add(b, &h, 8);
	strbuf_add(b, sev, 2);
	for (int i = 0; i < CF_COUNT; i++) {
		codec_put_str(b, v[i]);
	}
}

/*
 * The pass over the file, which can stop and go on: the sorting thread
 * begins it, the settle ends it.  A candidate whose hash is not in dups is
 * held by nobody else: its plain finding (if any) is final.  The few
 * others are copied whole to held and their keys counted exactly; they go
 * to the caller after the pass (emit_records()).
 */
struct pass {
	struct reader r;
	struct record_state rs;
	struct keytab t; /* the held keys, counted */
	struct strbuf held;
	bool done;	/* the whole file has been read */
	enum status st; /* of the part the sorting thread read */
};

static struct pass *
pass_new(struct cand_log *log)
{
	struct pass *ps = xcalloc(1, sizeof(*ps));
	ps->r = (struct reader){.log = log, .cap = CAND_BUF_SIZE};
	ps->r.buf = xmalloc(ps->r.cap);
	record_state_init(&ps->rs);
	keytab_init(&ps->t, 1);
	strbuf_init(&ps->held);
	return ps;
}

static void
pass_free(struct pass *ps)
{
	if (ps == NULL) {
		return;
	}
	free(ps->r.buf);
	record_state_release(&ps->rs);
	keytab_release(&ps->t);
	strbuf_release(&ps->held);
	free(ps);
}

/*
 * Reads on.  A plain finding goes to fn, or with ahead to the end of
 * ahead, and then the pass stops once ahead holds STORE_CAND_AHEAD_MAX
 * bytes (ps->done still false).
 */
static enum status
pass_run(struct pass *ps, const struct hash_set *dups,
	 enum status (*fn)(void *ctx, const struct finding *f), void *ctx,
	 struct strbuf *ahead)
{
	enum status st;
	uint64_t h;
	const unsigned char *body;
	size_t len;
	for (;;) {
		if (ahead != NULL && ahead->len >= STORE_CAND_AHEAD_MAX) {
			return STATUS_OK;
		}
		if (!reader_next(&ps->r, &h, &body, &len, &st)) {
			break;
		}
		const char *v[CF_COUNT];
		if (!record_decode(&ps->rs, body, len, v)) {
			return damaged(ps->r.log);
		}
		if (hash_set_has(dups, h)) {
			record_key(&ps->rs, body, v);
			key_count_add(&ps->t, h, v[CF_DUP_KEY],
				      strlen(v[CF_DUP_KEY]));
			record_put(&ps->held, h, body + 1, v);
			continue;
		}
		if (v[CF_ERROR] == NULL) {
			continue;
		}
		if (ahead != NULL) {
			record_put(ahead, h, body + 1, v);
			continue;
		}
		struct finding f;
		make_finding(&f, v, false, body[1], body[2]);
		st = fn(ctx, &f);
		if (st != STATUS_OK) {
			return st;
		}
	}
	ps->done = st == STATUS_OK;
	return st;
}

/*
 * The candidates kept in memory: with t (held), each takes its dup
 * variant if its key was counted twice; without (ahead), its plain one.
 */
static enum status
emit_records(const struct strbuf *b, const struct keytab *t,
	     enum status (*fn)(void *ctx, const struct finding *f), void *ctx)
{
	const unsigned char *p = (const unsigned char *)b->buf;
	const unsigned char *end = p + b->len;
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
		bool dup = t != NULL && key_count_twice(t, h, v[CF_DUP_KEY],
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
	hash_set_build(&log->dups, log->hashes,
		       dup_hashes(log->hashes, log->n));
	/* The set is all that is needed now: the memory goes back. */
	free(log->hashes);
	log->hashes = NULL;
	log->n = log->cap = 0;
	log->sorted = true;
}

static void *
sorter_main(void *arg)
{
	struct cand_log *log = arg;
	sort_now(log);
	/*
	 * The caller is committing, which mostly waits for the disk: read
	 * the file meanwhile.  An error is logged here and returned by the
	 * settle.
	 */
	log->pass = pass_new(log);
	log->pass->st =
		pass_run(log->pass, &log->dups, NULL, NULL, &log->ahead);
	return NULL;
}

void
cand_log_sort_begin(struct cand_log *log)
{
	if (log->broken || log->sorting || log->sorted) {
		return;
	}
	/* The thread reads the file: the last records go there first. */
	if (log->out.len > 0 && flush(log) != STATUS_OK) {
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
	if (resolve && !log->broken && !log->sorted) {
		sort_now(log);
	}
	/* A sorted set left from a scan that did not complete is unused. */
	const struct hash_set *dups =
		resolve && !log->broken ? &log->dups : &none;
	struct pass *ps = log->pass;
	log->pass = NULL;
	enum status st = STATUS_OK;
	if (ps != NULL && dups == &log->dups) {
		/* Go on from where the sorting thread stopped. */
		st = ps->st;
		if (st == STATUS_OK) {
			st = emit_records(&log->ahead, NULL, fn, ctx);
		}
	} else {
		pass_free(ps);
		ps = pass_new(log);
	}
	strbuf_release(&log->ahead);
	strbuf_init(&log->ahead);
	if (st == STATUS_OK && !ps->done) {
		st = pass_run(ps, dups, fn, ctx, NULL);
	}
	if (st == STATUS_OK) {
		st = emit_records(&ps->held, &ps->t, fn, ctx);
	}
	pass_free(ps);
	return st;
}
