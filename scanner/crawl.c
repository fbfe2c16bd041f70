#define LOG_MODULE "crawl"

#include "scanner/crawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "scanner/conn.h"
#include "scanner/decode.h"
#include "scanner/range.h"
#include "scanner/source.h"

/* A message read ahead of its decoding, with ldap_result()'s type. */
struct ahead {
	LDAPMessage *msg;
	int type;
};

struct scan_crawl {
	LDAP *ld;
	char *uri;
	char *base;
	char *filter;
	char *config_base; /* the second search still to run, or NULL */
	int page_size;
	int timeout;
	volatile sig_atomic_t *cancel;
	volatile sig_atomic_t *stop; /* ends quietly (scan_crawl_set_flags) */
	const struct scan_attrs *attrs;
	char **search_attrs;   /* what the search asks for */
	int msgid;             /* the page being read; -1 between pages */
	int page_msgs; /* entries and references of that page read so far */
	struct berval *cookie; /* NULL before the first page */
	bool done;
	enum status failed; /* sticky: a failed crawl stays failed */
	unsigned long pages;
	char **refs;
	size_t nrefs;
	size_t bad;
	/*
	 * Messages read off the connection ahead of their decoding
	 * (read_ahead()), oldest at ahead[head]; at most two pages.
	 */
	struct ahead *ahead;
	size_t head, nahead, cap;
	size_t since_read; /* entries handed out since the last read-ahead */
	/* A failure met while reading ahead, reported after the messages
	 * before it. */
	enum status ahead_end;
};

/*
 * Entries handed out between two looks at what the server has sent: often
 * enough to see a page's end soon after it arrives, seldom enough that
 * the look (a poll() when nothing is there) costs nothing that counts.
 */
#define READ_AHEAD_EVERY 16

/*
 * When every message read has been decoded and the page is not complete,
 * the crawl lets the server's next messages gather this long before it
 * waits for them.  A server sends entries one at a time, a little slower
 * than they are decoded: waking whenever one arrived cost the reading and
 * checking threads a sleep and a wake-up every 8 entries or so, 50,000
 * context switches for 100,000 users, and a fifth of the scan's CPU
 * (BENCHMARKS.md, the twelfth round).  The server is not held up: what
 * it sends meanwhile waits in the socket.  A complete page's result is
 * waited for at once, as the request for the next page follows it.
 */
#define GATHER_US 1000

/* A ranged attribute of an entry whose later windows are still to read. */
struct pending {
	const char *name; /* the caller's spelling, owned by attrs */
	unsigned long next;
};

/*
 * Walks the attributes of a search entry in the order the server sent
 * them, with ldap_get_attribute_ber() as ldapsearch does: unlike
 * ldap_get_values_len() by name, it also sees a second occurrence of the
 * same attribute (slapd sends one when an import split its values).
 */
struct attr_walk {
	LDAP *ld;
	LDAPMessage *msg;
	BerElement *ber;
	char *desc;          /* the current description, a C string */
	struct berval *vals; /* its values, terminated by a NULL bv_val */
};

/* Starts the walk; *dn (NUL-terminated copy) is the caller's. */
static bool
walk_begin(struct attr_walk *w, LDAP *ld, LDAPMessage *msg, char **dn)
{
	memset(w, 0, sizeof(*w));
	w->ld = ld;
	w->msg = msg;
	struct berval bv = {0};
	int rc = ldap_get_dn_ber(ld, msg, &w->ber, &bv);
	if (rc != LDAP_SUCCESS || bv.bv_val == NULL) {
		return false;
	}
	*dn = xmemdup0(bv.bv_val, bv.bv_len);
	return true;
}

/* The next attribute, or false at the end (or on a decoding error). */
static bool
walk_next(struct attr_walk *w, int *rc)
{
	free(w->desc);
	w->desc = NULL;
	ber_memfree(w->vals);
	w->vals = NULL;
	struct berval name = {0};
	*rc = ldap_get_attribute_ber(w->ld, w->msg, w->ber, &name, &w->vals);
	if (*rc != LDAP_SUCCESS || name.bv_val == NULL) {
		return false;
	}
	w->desc = xmemdup0(name.bv_val, name.bv_len);
	return true;
}

static void
walk_end(struct attr_walk *w)
{
	free(w->desc);
	ber_memfree(w->vals);
	ber_free(w->ber, 0);
	memset(w, 0, sizeof(*w));
}

/* counted: only how many there are (scan_attrs_counted()). */
static void
append_values(const struct berval *vals, struct scan_entry *e, const char *name,
	      bool counted)
{
	size_t n = 0;
	for (; vals != NULL && vals[n].bv_val != NULL; n++) {
		if (!counted) {
			scan_entry_add(e, name, vals[n].bv_val, vals[n].bv_len);
		}
	}
	if (counted) {
		scan_entry_count(e, name, n);
	}
}

static void
log_decoding_error(LDAP *ld, const char *dn, int rc)
{
	char *msg = scan_ldap_errstr(ld, rc, NULL);
	LOG_ERR("%s: cannot decode the entry the server sent: %s; the scan "
		"is incomplete",
		dn, msg);
	free(msg);
}

struct scan_entry *
scan_entry_from_ldap(LDAP *ld, LDAPMessage *msg, const struct scan_attrs *attrs,
		     int timeout, enum status *st)
{
	*st = STATUS_OK;
	struct attr_walk w;
	char *dn = NULL;
	if (!walk_begin(&w, ld, msg, &dn)) {
		char *err = scan_ldap_errstr(ld, LDAP_DECODING_ERROR, NULL);
		LOG_WARN("skipping a search entry without a readable DN: %s",
			 err);
		free(err);
		walk_end(&w);
		return NULL;
	}
	struct scan_entry *e = scan_entry_new(dn);
	free(dn);

	struct pending *pend = NULL;
	size_t npend = 0;
	int rc;
	while (walk_next(&w, &rc)) {
		struct scan_range r;
		if (!scan_range_parse(w.desc, &r)) {
			LOG_ERR("%s: the server sent the malformed attribute "
				"description '%s'; the entry cannot be read "
				"whole",
				e->dn, w.desc);
			*st = STATUS_ERR_DIRECTORY;
			break;
		}
		const char *name = scan_attrs_match(attrs, w.desc, r.name_len);
		if (name == NULL) {
			continue;
		}
		/* A second occurrence or window appends, in order. */
		append_values(w.vals, e, name, scan_attrs_counted(attrs, name));
		if (r.ranged && !r.last) {
			pend = xreallocarray(pend, npend + 1, sizeof(*pend));
			pend[npend].name = name;
			pend[npend].next = r.high + 1;
			npend++;
		}
	}
	if (*st == STATUS_OK && rc != LDAP_SUCCESS) {
		log_decoding_error(ld, e->dn, rc);
		*st = STATUS_ERR_DIRECTORY;
	}
	walk_end(&w);

	for (size_t i = 0; i < npend && *st == STATUS_OK; i++) {
		*st = scan_range_fetch(ld, e->dn, pend[i].name, pend[i].next,
				       scan_attrs_counted(attrs, pend[i].name),
				       e, timeout);
	}
	free(pend);
	if (*st != STATUS_OK) {
		scan_entry_free(e);
		return NULL;
	}
	return e;
}

/*
 * Reads one window answer: appends (or counts) the values of name and
 * says where the next window starts.  Returns false after logging when
 * the answer is not the window asked for.
 */
static bool
read_window(LDAP *ld, LDAPMessage *msg, const char *dn, const char *name,
	    unsigned long next, bool counted, struct scan_entry *e, bool *more,
	    unsigned long *after)
{
	bool ok = true;
	*more = false;
	struct attr_walk w;
	char *wdn = NULL;
	if (!walk_begin(&w, ld, msg, &wdn)) {
		log_decoding_error(ld, dn, LDAP_DECODING_ERROR);
		walk_end(&w);
		return false;
	}
	free(wdn);
	int rc;
	while (walk_next(&w, &rc)) {
		struct scan_range r;
		if (!scan_range_parse(w.desc, &r) ||
		    strlen(name) != r.name_len ||
		    strncasecmp(w.desc, name, r.name_len) != 0) {
			continue;
		}
		if (r.ranged && r.low != next) {
			LOG_ERR("%s: asked for %s values from %lu, the server "
				"sent %s; the entry cannot be read whole",
				dn, name, next, w.desc);
			ok = false;
			break;
		}
		if (!r.ranged) {
			/* No range option: the server sent them all. */
			scan_entry_remove(e, name);
		}
		append_values(w.vals, e, name, counted);
		*more = r.ranged && !r.last;
		*after = r.high + 1;
		break;
	}
	if (ok && rc != LDAP_SUCCESS) {
		log_decoding_error(ld, dn, rc);
		ok = false;
	}
	walk_end(&w);
	return ok;
}

enum status
scan_range_fetch(LDAP *ld, const char *dn, const char *name, unsigned long next,
		 bool counted, struct scan_entry *e, int timeout)
{
	enum status st = STATUS_OK;
	LDAPMessage *res = NULL;
	for (unsigned w = 0;; w++) {
		if (w == SCAN_MAX_RANGE_WINDOWS) {
			LOG_ERR("%s: gave up reading %s after %u windows of "
				"values; the server keeps sending more",
				dn, name, w);
			st = STATUS_ERR_DIRECTORY;
			break;
		}
		char desc[256];
		int n = snprintf(desc, sizeof(desc), "%s;range=%lu-%lu", name,
				 next, next + SCAN_RANGE_WINDOW - 1);
		if (n < 0 || (size_t)n >= sizeof(desc)) {
			LOG_ERR("%s: attribute name %s is too long", dn, name);
			st = STATUS_ERR_DIRECTORY;
			break;
		}
		char *want[] = {desc, NULL};
		struct timeval tv = {.tv_sec = timeout};
		int rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE,
					   "(objectClass=*)", want, 0, NULL,
					   NULL, &tv, 0, &res);
		if (rc != LDAP_SUCCESS) {
			char *msg = scan_ldap_errstr(ld, rc, NULL);
			LOG_ERR("%s: cannot read %s: %s; the scan is "
				"incomplete, run it again",
				dn, desc, msg);
			free(msg);
			st = STATUS_ERR_DIRECTORY;
			break;
		}
		LDAPMessage *m = ldap_first_entry(ld, res);
		if (m == NULL) {
			LOG_ERR("%s: the entry vanished while its %s values "
				"were read; run the scan again",
				dn, name);
			st = STATUS_ERR_DIRECTORY;
			break;
		}
		bool more;
		unsigned long after = next;
		if (!read_window(ld, m, dn, name, next, counted, e, &more,
				 &after)) {
			st = STATUS_ERR_DIRECTORY;
			break;
		}
		ldap_msgfree(res);
		res = NULL;
		if (!more) {
			break;
		}
		next = after;
	}
	ldap_msgfree(res);
	return st;
}

static void
log_search_error(struct scan_crawl *c, int err, const char *diag)
{
	char *msg = scan_ldap_errstr(c->ld, err, diag);
	switch (err) {
	case LDAP_SIZELIMIT_EXCEEDED:
	case LDAP_ADMINLIMIT_EXCEEDED:
		LOG_ERR("search of %s under %s stopped: %s; the server limited "
			"the results, so the scan is incomplete: use "
			"--page-size 1000 or less, or a narrower --base",
			c->uri, c->base, msg);
		break;
	case LDAP_NO_SUCH_OBJECT:
		LOG_ERR("base DN %s does not exist on %s: %s; check --base "
			"and that the bind account may read it",
			c->base, c->uri, msg);
		break;
	case LDAP_FILTER_ERROR:
		LOG_ERR("invalid search filter '%s': %s; check --filter",
			c->filter, msg);
		break;
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
		LOG_ERR("connection to %s lost during the scan: %s; the scan "
			"is incomplete, run it again",
			c->uri, msg);
		break;
	default:
		LOG_ERR("search of %s under %s failed: %s; the scan is "
			"incomplete",
			c->uri, c->base, msg);
		break;
	}
	free(msg);
}

static enum status
start_page(struct scan_crawl *c)
{
	LDAPControl *page = NULL;
	/*
	 * Not critical (as sssd): a server without paging then answers
	 * whole, or with a size limit, which fails the scan loudly.
	 */
	int rc = ldap_create_page_control(c->ld, (ber_int_t)c->page_size,
					  c->cookie, 0, &page);
	if (rc != LDAP_SUCCESS) {
		char *msg = scan_ldap_errstr(c->ld, rc, NULL);
		LOG_ERR("cannot create the paged-results control: %s", msg);
		free(msg);
		return STATUS_ERR_UNEXPECTED;
	}
	LDAPControl *ctrls[] = {page, NULL};
	rc = ldap_search_ext(c->ld, c->base, LDAP_SCOPE_SUBTREE, c->filter,
			     c->search_attrs, 0, ctrls, NULL, NULL, 0,
			     &c->msgid);
	ldap_control_free(page);
	if (rc != LDAP_SUCCESS) {
		log_search_error(c, rc, NULL);
		c->msgid = -1;
		return STATUS_ERR_DIRECTORY;
	}
	c->pages++;
	c->page_msgs = 0;
	LOG_DBG("page %lu of %s requested (size %d)", c->pages, c->base,
		c->page_size);
	return STATUS_OK;
}

static void
add_references(struct scan_crawl *c, char **refs)
{
	for (size_t i = 0; refs != NULL && refs[i] != NULL; i++) {
		LOG_INFO("not crawled (continuation reference): %s", refs[i]);
		c->refs =
			xreallocarray(c->refs, c->nrefs + 2, sizeof(*c->refs));
		c->refs[c->nrefs++] = xstrdup(refs[i]);
		c->refs[c->nrefs] = NULL;
	}
}

/* The search result that ends a page: next cookie, end, or failure. */
static enum status
end_page(struct scan_crawl *c, LDAPMessage *msg)
{
	int err = LDAP_SUCCESS;
	char *matched = NULL, *diag = NULL, **refs = NULL;
	LDAPControl **ctrls = NULL;
	enum status st = STATUS_OK;
	c->msgid = -1;
	int rc = ldap_parse_result(c->ld, msg, &err, &matched, &diag, &refs,
				   &ctrls, 0);
	if (rc != LDAP_SUCCESS) {
		log_search_error(c, rc, NULL);
		st = STATUS_ERR_DIRECTORY;
		goto out;
	}
	if (err == LDAP_REFERRAL) {
		LOG_ERR("base DN %s is not held by %s (referral to %s); point "
			"--uri at the server that holds it",
			c->base, c->uri,
			refs != NULL && refs[0] != NULL ? refs[0] : "?");
		st = STATUS_ERR_DIRECTORY;
		goto out;
	}
	if (err != LDAP_SUCCESS) {
		log_search_error(c, err, diag);
		st = STATUS_ERR_DIRECTORY;
		goto out;
	}
	LDAPControl *pc =
		ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL);
	if (pc == NULL) {
		/* The server ignored paging and sent everything at once. */
		c->done = true;
		goto out;
	}
	ber_int_t estimate = 0;
	struct berval cookie = {0};
	rc = ldap_parse_pageresponse_control(c->ld, pc, &estimate, &cookie);
	if (rc != LDAP_SUCCESS) {
		log_search_error(c, rc, NULL);
		st = STATUS_ERR_DIRECTORY;
		goto out;
	}
	ber_bvfree(c->cookie);
	c->cookie = NULL;
	if (cookie.bv_len == 0) {
		ber_memfree(cookie.bv_val);
		c->done = true;
	} else {
		c->cookie = ber_bvdup(&cookie);
		ber_memfree(cookie.bv_val);
	}
out:
	ldap_memfree(matched);
	ldap_memfree(diag);
	ldap_memvfree((void **)refs);
	ldap_controls_free(ctrls);
	return st;
}

/* Attributes worth asking AD for in windows: the ones that grow big. */
static const char *const ranged_attrs[] = {"member", NULL};

static char **
search_list(const struct scan_attrs *attrs, bool active_directory)
{
	char **names = scan_attrs_list(attrs);
	size_t n = 0;
	while (names[n] != NULL) {
		n++;
	}
	char **list = xcalloc(n + 1, sizeof(*list));
	for (size_t i = 0; i < n; i++) {
		bool ranged = false;
		for (size_t r = 0; active_directory && ranged_attrs[r] != NULL;
		     r++) {
			ranged = ranged ||
				 strcasecmp(names[i], ranged_attrs[r]) == 0;
		}
		list[i] = ranged ? xasprintf("%s;range=0-%d", names[i],
					     SCAN_RANGE_WINDOW - 1)
				 : xstrdup(names[i]);
	}
	return list;
}

struct scan_crawl *
scan_crawl_new(LDAP *ld, const struct scan_crawl_opts *o,
	       const struct scan_attrs *attrs, enum status *st)
{
	struct scan_crawl *c = xcalloc(1, sizeof(*c));
	c->ld = ld;
	c->uri = xstrdup(o->uri);
	c->base = xstrdup(o->base);
	c->filter = xstrdup(o->filter);
	c->config_base = o->config_base ? xstrdup(o->config_base) : NULL;
	c->page_size = o->page_size;
	c->timeout = o->timeout;
	c->cancel = o->cancel;
	c->attrs = attrs;
	c->search_attrs = search_list(attrs, o->active_directory);
	c->msgid = -1;
	*st = start_page(c);
	if (*st != STATUS_OK) {
		scan_crawl_free(c);
		return NULL;
	}
	return c;
}

/*
 * The next message of the page in flight.  With wait, waits for it (in
 * SCAN_POLL_MS steps, to see the flags); else *msg is NULL when nothing
 * has arrived.
 */
static enum status
next_message(struct scan_crawl *c, bool wait, LDAPMessage **msg, int *type)
{
	long waited_ms = 0;
	*msg = NULL;
	for (;;) {
		if (c->stop != NULL && *c->stop) {
			return STATUS_ERR_INTERRUPTED;
		}
		if (c->cancel != NULL && *c->cancel) {
			LOG_ERR("scan of %s interrupted; it is incomplete",
				c->uri);
			return STATUS_ERR_INTERRUPTED;
		}
		struct timeval tv = {.tv_sec = 0,
				     .tv_usec = wait ? SCAN_POLL_MS * 1000 : 0};
		int rc = ldap_result(c->ld, c->msgid, LDAP_MSG_ONE, &tv, msg);
		if (rc > 0) {
			*type = rc;
			return STATUS_OK;
		}
		*msg = NULL;
		if (rc < 0 && c->cancel != NULL && *c->cancel) {
			/*
			 * Ctrl-C interrupted the wait (EINTR): libldap calls
			 * that "Can't contact LDAP server", which it is not.
			 */
			LOG_ERR("scan of %s interrupted; it is incomplete",
				c->uri);
			return STATUS_ERR_INTERRUPTED;
		}
		if (rc < 0) {
			int err = LDAP_OTHER;
			ldap_get_option(c->ld, LDAP_OPT_RESULT_CODE, &err);
			log_search_error(c, err, NULL);
			return STATUS_ERR_DIRECTORY;
		}
		if (!wait) {
			return STATUS_OK;
		}
		waited_ms += SCAN_POLL_MS;
		if (waited_ms >= (long)c->timeout * 1000) {
			LOG_ERR("%s sent nothing for %d s during the scan; the "
				"scan is incomplete: check the server, or run "
				"it again",
				c->uri, c->timeout);
			return STATUS_ERR_DIRECTORY;
		}
	}
}

/*
 * The first search is done: the second one (the configuration
 * partition's Autodiscover SCPs) starts with a fresh cookie.
 */
static bool
next_search(struct scan_crawl *c)
{
	if (c->config_base == NULL) {
		return false;
	}
	free(c->base);
	free(c->filter);
	c->base = c->config_base;
	c->config_base = NULL;
	c->filter = xstrdup(SCAN_AUTODISCOVER_FILTER);
	ber_bvfree(c->cookie);
	c->cookie = NULL;
	c->msgid = -1;
	c->done = false;
	LOG_INFO("searching %s for Exchange Autodiscover service connection "
		 "points",
		 c->base);
	return true;
}

static void
ahead_push(struct scan_crawl *c, LDAPMessage *msg, int type)
{
	if (c->head > 0 && c->head + c->nahead == c->cap) {
		memmove(c->ahead, c->ahead + c->head,
			c->nahead * sizeof(*c->ahead));
		c->head = 0;
	}
	if (c->head + c->nahead == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->ahead = xreallocarray(c->ahead, c->cap, sizeof(*c->ahead));
	}
	c->ahead[c->head + c->nahead++] = (struct ahead){msg, type};
}

static LDAPMessage *
ahead_pop(struct scan_crawl *c, int *type)
{
	if (c->nahead == 0) {
		return NULL;
	}
	struct ahead a = c->ahead[c->head++];
	if (--c->nahead == 0) {
		c->head = 0;
	}
	*type = a.type;
	return a.msg;
}

/*
 * Reads what the server has sent of the page in flight without decoding
 * it, and asks for the next page as soon as this one's result is in: the
 * server builds that page while this one's entries are decoded.  Decoding
 * each entry before reading the next kept a server on the same machine
 * waiting (and ldapsearch does the same).  Blocks only while there is
 * nothing to decode, in mid-page after GATHER_US.  A failure, an
 * interruption too, is kept for after the messages before it: at most a
 * page, decoded in milliseconds.
 */
static void
read_ahead(struct scan_crawl *c)
{
	/*
	 * Two pages at most: the rest of this one and the next, even from a
	 * server that ignores paging and answers with everything at once.
	 */
	size_t most = 2 * (size_t)c->page_size;
	while (c->msgid >= 0 && c->ahead_end == STATUS_OK &&
	       c->nahead < most) {
		LDAPMessage *msg = NULL;
		int type = 0;
		bool gather = c->nahead == 0 && c->page_msgs < c->page_size;
		enum status st =
			next_message(c, c->nahead == 0 && !gather, &msg, &type);
		if (st == STATUS_OK && msg == NULL && gather) {
			struct timespec ts = {.tv_nsec = GATHER_US * 1000L};
			nanosleep(&ts, NULL);
			st = next_message(c, true, &msg, &type);
		}
		if (st != STATUS_OK) {
			c->ahead_end = st;
			return;
		}
		if (msg == NULL) {
			return;
		}
		if (type != LDAP_RES_SEARCH_RESULT) {
			c->page_msgs++;
			ahead_push(c, msg, type);
			continue;
		}
		st = end_page(c, msg);
		ldap_msgfree(msg);
		if (st == STATUS_OK && (!c->done || next_search(c))) {
			st = start_page(c);
		}
		c->ahead_end = st;
	}
}

static enum status
crawl_next(struct scan_crawl *c, struct scan_entry **entry)
{
	*entry = NULL;
	enum status st = STATUS_OK;
	for (;;) {
		if (c->nahead == 0 || ++c->since_read >= READ_AHEAD_EVERY) {
			c->since_read = 0;
			read_ahead(c);
		}
		int type = 0;
		LDAPMessage *msg = ahead_pop(c, &type);
		if (msg == NULL) {
			/* The crawl's end, or a failure after every entry. */
			return c->ahead_end;
		}
		struct scan_entry *e = NULL;
		char **refs = NULL;
		switch (type) {
		case LDAP_RES_SEARCH_ENTRY:
			e = scan_entry_from_ldap(c->ld, msg, c->attrs,
						 c->timeout, &st);
			if (e == NULL && st == STATUS_OK) {
				c->bad++;
			}
			break;
		case LDAP_RES_SEARCH_REFERENCE:
			if (ldap_parse_reference(c->ld, msg, &refs, NULL, 0) ==
			    LDAP_SUCCESS) {
				add_references(c, refs);
			}
			ldap_memvfree((void **)refs);
			break;
		default:
			/* Intermediate responses: nothing for a search. */
			break;
		}
		ldap_msgfree(msg);
		if (st != STATUS_OK) {
			return st;
		}
		if (e != NULL) {
			scan_entry_decode(e);
			*entry = e;
			return STATUS_OK;
		}
	}
}

enum status
scan_crawl_next(struct scan_crawl *c, struct scan_entry **entry)
{
	*entry = NULL;
	if (c->failed != STATUS_OK) {
		return c->failed;
	}
	c->failed = crawl_next(c, entry);
	return c->failed;
}

void
scan_crawl_set_flags(struct scan_crawl *c, volatile sig_atomic_t *cancel,
		     volatile sig_atomic_t *stop)
{
	c->cancel = cancel;
	c->stop = stop;
}

size_t
scan_crawl_references(const struct scan_crawl *c, const char *const **refs)
{
	static const char *const none[] = {NULL};
	*refs = c->refs != NULL ? (const char *const *)c->refs : none;
	return c->nrefs;
}

size_t
scan_crawl_bad_entries(const struct scan_crawl *c)
{
	return c->bad;
}

void
scan_crawl_free(struct scan_crawl *c)
{
	if (c == NULL) {
		return;
	}
	if (c->ld != NULL) {
		if (c->msgid >= 0) {
			ldap_abandon_ext(c->ld, c->msgid, NULL, NULL);
		}
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	}
	int type;
	for (LDAPMessage *msg; (msg = ahead_pop(c, &type)) != NULL;) {
		ldap_msgfree(msg);
	}
	free(c->ahead);
	for (size_t i = 0; i < c->nrefs; i++) {
		free(c->refs[i]);
	}
	free(c->refs);
	for (size_t i = 0;
	     c->search_attrs != NULL && c->search_attrs[i] != NULL; i++) {
		free(c->search_attrs[i]);
	}
	free(c->search_attrs);
	ber_bvfree(c->cookie);
	free(c->config_base);
	free(c->filter);
	free(c->base);
	free(c->uri);
	free(c);
}
