#define LOG_MODULE "ldif"

#include "scanner/ldif_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>
#include <ldif.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "scanner/decode.h"
#include "scanner/range.h"

/* The descriptions remembered, and the longest remembered (its bytes). */
#define LDIF_TYPES 512
#define LDIF_TYPE_MAX 48

struct scan_ldif {
	LDIFFP *fp;
	char *path;
	const struct scan_attrs *attrs;
	volatile sig_atomic_t *cancel;
	volatile sig_atomic_t *stop; /* ends quietly (scan_ldif_set_flags) */
	char *buf;                   /* libldap's record buffer, reused */
	int buflen;
	unsigned long lineno; /* last line read */
	size_t bad;
	enum status failed; /* sticky: a failed read stays failed */
	/*
	 * The record as read, for the slow path and its messages: copied
	 * before record_fast() changes l->buf when the record cannot be
	 * read again (record_start()), else only on the slow path, from
	 * the record read again (record_reread()).
	 */
	struct strbuf copy;
	bool regular; /* the file given is a regular file (seekable) */
	int null_fd;  /* /dev/null, to silence libldap's own parse message */
	int saved_fd; /* a copy of the real stderr */
	char *iobuf;  /* fp's stdio buffer: freed after the stream */
	/*
	 * The attribute descriptions met so far, spelt as in the file, and
	 * what they mean (type_lookup()): an export repeats a few dozen.
	 */
	struct ldif_type {
		char desc[LDIF_TYPE_MAX];
		size_t len; /* 0: a free slot */
		const char *name;
		bool category;
		bool counted; /* scan_attrs_counted() */
	} types[LDIF_TYPES];
	size_t ntypes;
	/* What each byte may be in record_fast()'s lines (LDIF_CHAR_*). */
	unsigned char chars[256];
};

#define LDIF_CHAR_TYPE 1u /* in an attribute description: A-Z a-z 0-9 - ; */
#define LDIF_CHAR_B64 2u  /* in base64: A-Z a-z 0-9 + / */

static void
chars_init(unsigned char *chars)
{
	for (int c = 0; c < 256; c++) {
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9');
		unsigned k = 0;
		if (alnum || c == '-' || c == ';') {
			k |= LDIF_CHAR_TYPE;
		}
		if (alnum || c == '+' || c == '/') {
			k |= LDIF_CHAR_B64;
		}
		chars[c] = (unsigned char)k;
	}
}

/*
 * stdio reads a file st_blksize (4 KB) at a time: 372,000 read() calls
 * for a million objects.  A buffer of this size makes them 1,500.
 */
#define LDIF_IO_BUFFER (1u << 20)

/* The most record buffer reserved up front (address space, not memory). */
#define LDIF_RESERVE_MAX (64u << 20)

/*
 * libldap grows the record buffer by one line plus 4 KB at a time, each
 * step a realloc(): a group of 250,000 members (a 10 MB record) takes
 * thousands, and where realloc() cannot grow in place (AddressSanitizer,
 * Valgrind, other allocators) each copies the whole record.  The buffer
 * is sized up front to the file, at most LDIF_RESERVE_MAX; malloc() maps
 * that lazily, so only the pages the largest record uses are touched.
 */
static void
record_buffer_reserve(struct scan_ldif *l)
{
	struct stat sb;
	if (fstat(fileno(l->fp->fp), &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size <= 0) {
		return;
	}
	size_t n = (uint64_t)sb.st_size < LDIF_RESERVE_MAX
			   ? (size_t)sb.st_size + 1
			   : LDIF_RESERVE_MAX;
	/* Without it libldap grows the buffer as before. */
	l->buf = ber_memalloc(n);
	if (l->buf != NULL) {
		l->buflen = (int)n;
	}
}

struct scan_ldif *
scan_ldif_new(const char *path, const struct scan_attrs *attrs,
	      volatile sig_atomic_t *cancel, enum status *st)
{
	LDIFFP *fp = ldif_open(path, "r");
	if (fp == NULL) {
		LOG_ERRNO("cannot open LDIF file %s", path);
		*st = STATUS_ERR_IO;
		return NULL;
	}
	struct scan_ldif *l = xcalloc(1, sizeof(*l));
	l->fp = fp;
	/* Before the first read; without it stdio keeps its own buffer. */
	l->iobuf = xmalloc(LDIF_IO_BUFFER);
	if (setvbuf(fp->fp, l->iobuf, _IOFBF, LDIF_IO_BUFFER) != 0) {
		free(l->iobuf);
		l->iobuf = NULL;
	}
	/*
	 * One thread at a time reads the stream (the reader thread, or the
	 * caller's for a pipe), so stdio need not lock it: libldap calls
	 * fgets() and feof() for every line, and once a process has a
	 * second thread glibc takes the stream's lock in each.
	 */
	__fsetlocking(fp->fp, FSETLOCKING_BYCALLER);
	l->path = xstrdup(path);
	l->attrs = attrs;
	l->cancel = cancel;
	chars_init(l->chars);
	strbuf_init(&l->copy);
	l->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	l->saved_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	record_buffer_reserve(l);
	/*
	 * Once: only the file given can be read again (record_reread()).
	 * record_start() asks for the offset of every record; glibc's
	 * ftello() answers from the stream's buffer only once a seek has
	 * told stdio where the file stands, and before that makes an
	 * lseek() each time.  Without the seek, records are copied.
	 */
	l->regular = scan_ldif_is_file(l) && fseeko(fp->fp, 0, SEEK_CUR) == 0;
	return l;
}

void
scan_ldif_free(struct scan_ldif *l)
{
	if (l == NULL) {
		return;
	}
	if (l->null_fd >= 0) {
		close(l->null_fd);
	}
	if (l->saved_fd >= 0) {
		close(l->saved_fd);
	}
	strbuf_release(&l->copy);
	ber_memfree(l->buf);
	ldif_close(l->fp);
	free(l->iobuf);
	free(l->path);
	free(l);
}

void
scan_ldif_set_flags(struct scan_ldif *l, volatile sig_atomic_t *cancel,
		    volatile sig_atomic_t *stop)
{
	l->cancel = cancel;
	l->stop = stop;
}

bool
scan_ldif_is_file(const struct scan_ldif *l)
{
	struct stat sb;
	return fstat(fileno(l->fp->fp), &sb) == 0 && S_ISREG(sb.st_mode);
}

size_t
scan_ldif_bad_entries(const struct scan_ldif *l)
{
	return l->bad;
}

static bool
is_one_of(const char *s, size_t len, const char *const *set)
{
	for (size_t i = 0; set[i] != NULL; i++) {
		if (strlen(set[i]) == len && strncasecmp(s, set[i], len) == 0) {
			return true;
		}
	}
	return false;
}

bool
scan_ldif_default_filter(const char *object_category,
			 const struct scan_entry *e)
{
	/*
	 * Service-Connection-Point: the Autodiscover SCPs the LDAP crawl
	 * reads from the configuration partition (rules/README.md); an
	 * export that holds them has them checked too.
	 */
	static const char *const categories[] = {
		"person", "group", "Service-Connection-Point", NULL};
	if (object_category != NULL) {
		/* "CN=Person,CN=Schema,…": the value of the first RDN. */
		const char *v = object_category;
		const char *eq = strchr(v, '=');
		const char *comma = strpbrk(v, ",+");
		if (eq != NULL && (comma == NULL || eq < comma)) {
			v = eq + 1;
		}
		size_t len = strcspn(v, ",+");
		while (len > 0 && v[len - 1] == ' ') {
			len--;
		}
		while (len > 0 && *v == ' ') {
			v++;
			len--;
		}
		return is_one_of(v, len, categories);
	}
	if (scan_entry_has_class(e, "computer")) {
		return false;
	}
	return scan_entry_has_class(e, "user") ||
	       scan_entry_has_class(e, "contact") ||
	       scan_entry_has_class(e, "inetOrgPerson") ||
	       scan_entry_has_class(e, "group") ||
	       scan_entry_has_class(e, "serviceConnectionPoint");
}

/*
 * ldap_parse_ldif_record() prints "invalid format (line N)" to stderr
 * itself; the scan reports the error once, with the file name and the
 * exact line, so stderr points at /dev/null while libldap parses.
 */
static void
quiet_begin(struct scan_ldif *l)
{
	if (l->null_fd >= 0 && l->saved_fd >= 0) {
		fflush(stderr);
		dup2(l->null_fd, STDERR_FILENO);
	}
}

static void
quiet_end(struct scan_ldif *l)
{
	if (l->null_fd >= 0 && l->saved_fd >= 0) {
		fflush(stderr);
		dup2(l->saved_fd, STDERR_FILENO);
	}
}

static bool
line_parses(char *line)
{
	if (line[0] == '#') {
		return true;
	}
	struct berval type, value;
	int freeval = 0;
	if (ldif_parse_line2(line, &type, &value, &freeval) != 0) {
		return false;
	}
	if (freeval) {
		ber_memfree(value.bv_val);
	}
	return true;
}

/*
 * The line of the record text (whose first line is first_line) that
 * libldap's line parser rejects, unfolding continuation lines as RFC
 * 2849 does; first_line when every line parses (the record is then
 * wrong as a whole, e.g. it has no dn).
 */
static unsigned long
find_bad_line(const char *text, unsigned long first_line)
{
	struct strbuf cur;
	strbuf_init(&cur);
	unsigned long line = first_line, start = first_line;
	unsigned long found = first_line;
	for (const char *s = text;; line++) {
		const char *nl = strchr(s, '\n');
		size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		bool cont = len > 0 && s[0] == ' ';
		if (!cont && cur.len > 0) {
			/* The logical line collected so far is complete. */
			if (!line_parses(cur.buf)) {
				found = start;
				break;
			}
			strbuf_reset(&cur);
		}
		if (cont) {
			strbuf_add(&cur, s + 1, len - 1);
		} else if (len > 0) {
			start = line;
			strbuf_add(&cur, s, len);
		}
		if (nl == NULL) {
			if (cur.len > 0 && !line_parses(cur.buf)) {
				found = start;
			}
			break;
		}
		s = nl + 1;
	}
	strbuf_release(&cur);
	return found;
}

/*
 * The first line of the record that takes its value from a URL
 * ("attr:< file:///…"), or 0.  libldap would fetch it: an export is data
 * and must not make the scan read local files into a report.
 */
static unsigned long
url_value_line(const char *text, unsigned long first)
{
	unsigned long line = first;
	for (const char *s = text; *s != '\0'; line++) {
		size_t len = strcspn(s, "\n");
		if (s[0] != ' ' && s[0] != '#') {
			const char *colon = memchr(s, ':', len);
			if (colon != NULL && colon + 1 < s + len &&
			    colon[1] == '<') {
				return line;
			}
		}
		s += len;
		if (*s == '\n') {
			s++;
		}
	}
	return 0;
}

/*
 * The first line of the record that has a value but no attribute name
 * (": value", ":: base64"), or 0.  libldap 2.5's ldap_parse_ldif_record()
 * dereferences NULL on such a line right after "dn:" or "changetype:"
 * (ldapmodify crashes on it too), so it never gets to see one.
 */
static unsigned long
nameless_line(const char *text, unsigned long first)
{
	unsigned long line = first;
	for (const char *s = text; *s != '\0'; line++) {
		size_t len = strcspn(s, "\n");
		if (s[0] == ':') {
			return line;
		}
		s += len;
		if (*s == '\n') {
			s++;
		}
	}
	return 0;
}

static bool
has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && strncasecmp(s, prefix, n) == 0;
}

/*
 * The first line of the record that is a "-" separator right after the
 * dn:, a control: or the changetype: line, or 0.  libldap 2.5's
 * ldap_parse_ldif_record() dereferences NULL on that too (it is never
 * valid: "-" ends a modification, and none has begun).
 */
static unsigned long
early_separator_line(const char *text, unsigned long first)
{
	unsigned long line = first;
	bool after_head = false;
	for (const char *s = text; *s != '\0'; line++) {
		size_t len = strcspn(s, "\n");
		size_t l = len > 0 && s[len - 1] == '\r' ? len - 1 : len;
		if (l == 1 && s[0] == '-') {
			if (after_head) {
				return line;
			}
			after_head = false;
		} else if (len > 0 && s[0] != '#' && s[0] != ' ') {
			after_head = has_prefix(s, l, "dn:") ||
				     has_prefix(s, l, "control:") ||
				     has_prefix(s, l, "changetype:");
		}
		s += len;
		if (*s == '\n') {
			s++;
		}
	}
	return 0;
}

/* True if the record holds nothing but "version:" and comments. */
static bool
is_version_record(const char *text)
{
	bool version = false;
	for (const char *s = text; *s != '\0';) {
		size_t len = strcspn(s, "\n");
		if (len > 0 && s[0] != '#' && s[0] != ' ') {
			if (version || strncasecmp(s, "version:", 8) != 0) {
				return false;
			}
			version = true;
		}
		s += len;
		if (*s == '\n') {
			s++;
		}
	}
	return version;
}

static unsigned long
count_lines(const char *s)
{
	unsigned long n = 0;
	while ((s = strchr(s, '\n')) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
log_bad_record(struct scan_ldif *l, unsigned long first, int rc)
{
	/* The line parser has its own stderr messages too. */
	quiet_begin(l);
	unsigned long bad = find_bad_line(l->copy.buf, first);
	quiet_end(l);
	/* Quote the start of the offending line so it can be found. */
	const char *text = l->copy.buf;
	for (unsigned long n = first; n < bad && text != NULL; n++) {
		text = strchr(text, '\n');
		text = text != NULL ? text + 1 : NULL;
	}
	int len = text != NULL ? (int)strcspn(text, "\n") : 0;
	LOG_ERR("%s:%lu: not a valid LDIF record (%s) near '%.*s'%s; fix or "
		"remove the record and scan again",
		l->path, bad, ldap_err2string(rc), len > 60 ? 60 : len,
		text != NULL ? text : "", len > 60 ? "…" : "");
}

static bool
is_category(const char *type, size_t name_len)
{
	return name_len == strlen("objectCategory") &&
	       strncasecmp(type, "objectCategory", name_len) == 0;
}

/*
 * Builds the entry of an add record; *keep is false when the default
 * filter would not return it.  Returns NULL after logging on a bad
 * attribute description.
 */
static struct scan_entry *
record_entry(struct scan_ldif *l, LDIFRecord *lr, unsigned long first,
	     bool *keep)
{
	struct scan_entry *e = scan_entry_new(
		lr->lr_dn.bv_val != NULL ? lr->lr_dn.bv_val : "");
	const char *category = NULL;
	for (size_t i = 0; lr->lrop_mods != NULL && lr->lrop_mods[i] != NULL;
	     i++) {
		LDAPMod *m = lr->lrop_mods[i];
		struct berval **vals = m->mod_bvalues;
		struct scan_range r;
		if (!scan_range_parse(m->mod_type, &r)) {
			LOG_ERR("%s:%lu: %s: malformed attribute description "
				"'%s'; fix the record and scan again",
				l->path, first, e->dn, m->mod_type);
			scan_entry_free(e);
			return NULL;
		}
		if (r.ranged && !r.last) {
			LOG_WARN(
				"%s:%lu: %s holds only values %lu-%lu of %.*s: "
				"the export stopped at AD's range limit, so "
				"the other values are missing",
				l->path, first, e->dn, r.low, r.high,
				(int)r.name_len, m->mod_type);
		}
		if (is_category(m->mod_type, r.name_len) && vals != NULL &&
		    vals[0] != NULL && category == NULL) {
			category = vals[0]->bv_val;
		}
		const char *name =
			scan_attrs_match(l->attrs, m->mod_type, r.name_len);
		bool counted =
			name != NULL && scan_attrs_counted(l->attrs, name);
		size_t j = 0;
		for (; name != NULL && vals != NULL && vals[j] != NULL; j++) {
			if (!counted) {
				scan_entry_add(e, name, vals[j]->bv_val,
					       vals[j]->bv_len);
			}
		}
		if (counted) {
			scan_entry_count(e, name, j);
		}
	}
	*keep = scan_ldif_default_filter(category, e);
	return e;
}

/* The length of the attribute description that starts line, or 0. */
static size_t
plain_type_len(const struct scan_ldif *l, const char *line)
{
	size_t t = 0;
	while (l->chars[(unsigned char)line[t]] & LDIF_CHAR_TYPE) {
		t++;
	}
	return line[t] == ':' ? t : 0;
}

/*
 * True if the base64 value v (what follows "::", as ldif_getline() left
 * it, a '\r' where a line was folded) is well-formed, so that libldap
 * decodes it without printing a complaint to stderr.
 */
static bool
b64_is_plain(const struct scan_ldif *l, const char *v)
{
	while (*v == ' ' || *v == '\r') {
		v++;
	}
	size_t n = 0, pad = 0;
	for (;;) {
		/* Runs of base64 between folds, then the padding. */
		const char *run = v;
		while (l->chars[(unsigned char)*v] & LDIF_CHAR_B64) {
			v++;
		}
		n += (size_t)(v - run);
		if (*v != '\r') {
			break;
		}
		v++;
	}
	for (; *v == '=' || *v == '\r'; v++) {
		pad += *v == '=';
	}
	return *v == '\0' && n > 0 && pad <= 2 && (n + pad) % 4 == 0;
}

static bool
is_word(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/*
 * What the attribute description type (len bytes, as in the file) means
 * for the entry: the caller's spelling of its name (NULL: not asked for,
 * dropped), whether its values are only counted, and whether it is
 * objectCategory, which the default filter reads.  False for one that
 * record_fast() leaves to ldap_parse_ldif_record(): dn, changetype,
 * control and version, a range option that is malformed or not the last
 * window.
 */
static bool
type_lookup(struct scan_ldif *l, const char *type, size_t len,
	    const char **name, bool *counted, bool *category)
{
	size_t i = (size_t)(hash_bytes(type, len) % LDIF_TYPES);
	for (; l->types[i].len != 0; i = (i + 1) % LDIF_TYPES) {
		if (l->types[i].len == len &&
		    memcmp(l->types[i].desc, type, len) == 0) {
			*name = l->types[i].name;
			*counted = l->types[i].counted;
			*category = l->types[i].category;
			return true;
		}
	}
	struct scan_range r;
	if (is_word(type, len, "dn") || is_word(type, len, "changetype") ||
	    is_word(type, len, "control") || is_word(type, len, "version") ||
	    !scan_range_parse(type, &r) || (r.ranged && !r.last)) {
		return false;
	}
	*name = scan_attrs_match(l->attrs, type, r.name_len);
	*counted = *name != NULL && scan_attrs_counted(l->attrs, *name);
	*category = is_category(type, r.name_len);
	/* Three quarters full at most, so that a miss ends soon. */
	if (len < LDIF_TYPE_MAX && l->ntypes < LDIF_TYPES * 3 / 4) {
		memcpy(l->types[i].desc, type, len);
		l->types[i].len = len;
		l->types[i].name = *name;
		l->types[i].counted = *counted;
		l->types[i].category = *category;
		l->ntypes++;
	}
	return true;
}

/*
 * The records of an ordinary export (all but a few) in one pass: each
 * line is split and decoded by libldap's own line functions,
 * ldif_getline() and ldif_parse_line2() (the ones
 * ldap_parse_ldif_record() calls), straight into the entry, without the
 * arrays of lines and of LDAPMod that ldap_parse_ldif_record() builds
 * first; a value of a counted attribute (scan_attrs_new()) that follows
 * another of it is only counted.  What it does beyond them for such a
 * record (values of one attribute gathered together, whatever their
 * order) scan_entry_add() does too.
 *
 * Anything else makes it return false: a first line that is not dn:, a
 * change type, a control, a version line, a "-" line, an attribute
 * description with spaces or other characters (folded, for one), a
 * nameless or URL value, base64 that is not well-formed, a line libldap
 * refuses, a range option that is
 * malformed or not the last window.  The record is then parsed again from
 * its copy by ldap_parse_ldif_record(), which decides what it is and says
 * what is wrong with it or warns, as before: record_fast() itself logs
 * nothing.  It changes l->buf as it goes.
 */
static bool
record_fast(struct scan_ldif *l, struct scan_entry **out, bool *keep)
{
	struct scan_entry *e = NULL;
	const char *category = NULL;
	/* The previous line's description: the next is nearly always it. */
	const char *last_type = NULL;
	size_t last_len = 0;
	const char *name = NULL;
	bool counted = false;
	bool category_type = false;
	bool ret = false;
	char *next = l->buf;
	char *line;
	while ((line = ldif_getline(&next)) != NULL) {
		size_t t = plain_type_len(l, line);
		if (t == 0 || line[t + 1] == '<' ||
		    (line[t + 1] == ':' && !b64_is_plain(l, line + t + 2))) {
			goto out;
		}
		if (e == NULL && !is_word(line, t, "dn")) {
			goto out;
		}
		/*
		 * One more value of a counted attribute (the line before
		 * had the same description): nothing reads it, so libldap
		 * need not take it apart.  It was checked above as any
		 * value is, so the record parses as before.
		 */
		if (counted && t == last_len &&
		    memcmp(line, last_type, t) == 0) {
			scan_entry_count(e, name, 1);
			continue;
		}
		struct berval type, value;
		int freeval = 0;
		if (ldif_parse_line2(line, &type, &value, &freeval) != 0) {
			goto out;
		}
		if (freeval) {
			/* A URL value; refused above, so never here. */
			ber_memfree(value.bv_val);
			goto out;
		}
		if (e == NULL) {
			e = scan_entry_new(value.bv_val);
			continue;
		}
		if (t != last_len || memcmp(line, last_type, t) != 0) {
			if (!type_lookup(l, type.bv_val, t, &name, &counted,
					 &category_type)) {
				goto out;
			}
			last_type = line;
			last_len = t;
		}
		if (category_type && category == NULL) {
			category = value.bv_val;
		}
		if (counted) {
			scan_entry_count(e, name, 1);
		} else if (name != NULL) {
			scan_entry_add(e, name, value.bv_val, value.bv_len);
		}
	}
	if (e == NULL) {
		goto out;
	}
	*keep = scan_ldif_default_filter(category, e);
	*out = e;
	e = NULL;
	ret = true;
out:
	scan_entry_free(e);
	return ret;
}

/*
 * Any record, as libldap's ldap_parse_ldif_record() sees it, from its
 * copy in l->copy: *entry is the entry of an add record (NULL for the
 * version line or a change record, which is counted bad), *keep whether
 * the default filter keeps it.
 */
static enum status
record_slow(struct scan_ldif *l, unsigned long first, size_t len,
	    struct scan_entry **entry, bool *keep)
{
	*entry = NULL;
	unsigned long nameless = nameless_line(l->copy.buf, first);
	if (nameless != 0) {
		LOG_ERR("%s:%lu: a value without an attribute name; fix or "
			"remove the record and scan again",
			l->path, nameless);
		return STATUS_ERR_DIRECTORY;
	}
	unsigned long sep = early_separator_line(l->copy.buf, first);
	if (sep != 0) {
		LOG_ERR("%s:%lu: a '-' line where an attribute belongs; fix or "
			"remove the record and scan again",
			l->path, sep);
		return STATUS_ERR_DIRECTORY;
	}
	unsigned long url = url_value_line(l->copy.buf, first);
	if (url != 0) {
		LOG_ERR("%s:%lu: the value is a URL to fetch ('attr:<'); an "
			"export must hold its values: export again without "
			"URL values",
			l->path, url);
		return STATUS_ERR_DIRECTORY;
	}
	/* record_fast() has been through it, unless it was read again. */
	memcpy(l->buf, l->copy.buf, len + 1);
	struct berval rbuf = {.bv_len = len, .bv_val = l->buf};
	LDIFRecord lr;
	memset(&lr, 0, sizeof(lr));
	quiet_begin(l);
	int rc = ldap_parse_ldif_record(&rbuf, first - 1, &lr, l->path,
					LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS);
	quiet_end(l);
	enum status st = STATUS_OK;
	if (rc != LDAP_SUCCESS) {
		log_bad_record(l, first, rc);
		st = STATUS_ERR_DIRECTORY;
	} else if (lr.lr_dn.bv_val == NULL && is_version_record(l->copy.buf)) {
		/* "version: 1" alone: nothing to read. */
	} else if (lr.lr_dn.bv_val == NULL) {
		LOG_ERR("%s:%lu: the record has no 'dn:' line; fix or remove "
			"the record and scan again",
			l->path, first);
		st = STATUS_ERR_DIRECTORY;
	} else if (lr.lr_op != LDAP_REQ_ADD) {
		LOG_WARN("%s:%lu: %s is a change record, not an entry; passed "
			 "over",
			 l->path, first, lr.lr_dn.bv_val);
		l->bad++;
	} else {
		*entry = record_entry(l, &lr, first, keep);
		if (*entry == NULL) {
			st = STATUS_ERR_DIRECTORY;
		}
	}
	ldap_ldif_record_done(&lr);
	return st;
}

/*
 * Where the next record starts, to read it again (record_reread()) if
 * record_fast() gives up on it, or -1 if it cannot be: the input is not
 * a regular file, or it is a file an "include:" line opened (libldap
 * closes that at its end).  Reading it again costs only the rare record
 * that takes the slow path; a copy of every record costs a memcpy() of
 * the whole input and as much memory as the largest record (91 MB, the
 * "All Staff" group of bench-gen's million objects).
 */
static off_t
record_start(struct scan_ldif *l)
{
	if (!l->regular || l->fp->prev != NULL) {
		return -1;
	}
	return ftello(l->fp->fp);
}

/*
 * Reads the record that starts at offset start, after line before, into
 * l->buf again, as the first read (which ended at line l->lineno) left
 * it before record_fast() went through it, and copies it to l->copy for
 * the slow path.  The stream ends where the first read left it.  A
 * failed seek or read, or a record that is not the same length, in as
 * many lines (the file changed during the scan), is an I/O error.
 */
static enum status
record_reread(struct scan_ldif *l, off_t start, unsigned long before,
	      size_t len)
{
	FILE *fp = l->fp->fp;
	unsigned long after = l->lineno;
	bool eof = feof(fp) != 0;
	if (fseeko(fp, start, SEEK_SET) != 0) {
		LOG_ERRNO("%s:%lu: cannot go back to read the LDIF record "
			  "after this line again",
			  l->path, before);
		return STATUS_ERR_IO;
	}
	l->lineno = before;
	l->buf[0] = '\0';
	int rc = ldif_read_record(l->fp, &l->lineno, &l->buf, &l->buflen);
	if (ferror(l->fp->fp)) {
		LOG_ERR("cannot read %s again after line %lu", l->path, before);
		return STATUS_ERR_IO;
	}
	if (rc != 1 || l->fp->fp != fp || l->fp->prev != NULL ||
	    l->lineno != after || (feof(fp) != 0) != eof ||
	    strlen(l->buf) != len) {
		LOG_ERR("%s:%lu: cannot read the LDIF record after this line "
			"again: it is not what was read the first time (was "
			"the file changed during the scan?)",
			l->path, before);
		return STATUS_ERR_IO;
	}
	strbuf_reset(&l->copy);
	strbuf_add(&l->copy, l->buf, len);
	return STATUS_OK;
}

static enum status
ldif_next(struct scan_ldif *l, struct scan_entry **entry)
{
	*entry = NULL;
	for (;;) {
		if (l->stop != NULL && *l->stop) {
			return STATUS_ERR_INTERRUPTED;
		}
		if (l->cancel != NULL && *l->cancel) {
			LOG_ERR("reading %s interrupted; the scan is "
				"incomplete",
				l->path);
			return STATUS_ERR_INTERRUPTED;
		}
		unsigned long before = l->lineno;
		FILE *fp = l->fp->fp;
		off_t start = record_start(l);
		if (l->buf != NULL) {
			/* libldap leaves it alone when it stores no line. */
			l->buf[0] = '\0';
		}
		int rc = ldif_read_record(l->fp, &l->lineno, &l->buf,
					  &l->buflen);
		if (rc == 0) {
			if (ferror(l->fp->fp)) {
				LOG_ERR("cannot read %s after line %lu",
					l->path, l->lineno);
				return STATUS_ERR_IO;
			}
			return STATUS_OK;
		}
		if (rc < 0) {
			LOG_ERR("%s:%lu: cannot read the LDIF record after this "
				"line; fix the file and scan again",
				l->path, before);
			return STATUS_ERR_DIRECTORY;
		}
		if (l->buf == NULL || l->buf[0] == '\0') {
			/*
			 * libldap skips a line of digits (an entry ID, as
			 * old slapcat wrote) and reports a record it never
			 * stored when the record ends there (lineno is then
			 * the blank line after it, or the last line).
			 */
			LOG_ERR("%s:%lu: not a valid LDIF record (a line with "
				"only a number); fix or remove the record and "
				"scan again",
				l->path,
				l->lineno - (feof(l->fp->fp) ? 0 : 1));
			return STATUS_ERR_DIRECTORY;
		}
		size_t len = strlen(l->buf);
		/*
		 * Read again only in the stream the read began in.  One
		 * that followed an "include:" line ends in another file
		 * (prev set) and is copied, before record_fast() changes
		 * l->buf.  (With prev NULL before and after, the stream is
		 * the file given: libldap closes an included file only on
		 * its way back to the one that included it.)
		 */
		bool again =
			start >= 0 && l->fp->fp == fp && l->fp->prev == NULL;
		if (!again) {
			strbuf_reset(&l->copy);
			strbuf_add(&l->copy, l->buf, len);
		}
		struct scan_entry *e = NULL;
		bool keep = false;
		if (!record_fast(l, &e, &keep)) {
			if (again) {
				enum status st =
					record_reread(l, start, before, len);
				if (st != STATUS_OK) {
					return st;
				}
			}
			/*
			 * lineno is the last line read, including the blank
			 * line that ends the record unless the file ended
			 * first.  Only the messages of the slow path need it;
			 * the copy still has the record's line ends.
			 */
			unsigned long first = l->lineno -
					      count_lines(l->copy.buf) + 1 -
					      (feof(l->fp->fp) ? 0 : 1);
			enum status st = record_slow(l, first, len, &e, &keep);
			if (st != STATUS_OK) {
				return st;
			}
		}
		if (e != NULL && keep) {
			scan_entry_decode(e);
			*entry = e;
			return STATUS_OK;
		}
		scan_entry_free(e);
	}
}

enum status
scan_ldif_next(struct scan_ldif *l, struct scan_entry **entry)
{
	*entry = NULL;
	if (l->failed != STATUS_OK) {
		return l->failed;
	}
	l->failed = ldif_next(l, entry);
	return l->failed;
}
