/*
 * The paged crawl against a scripted server: libldap's search, result
 * and control calls are replaced with -Wl,--wrap (sssd's test_sdap.c
 * does the same), so the test sees the page size and attributes the
 * crawler asks for and makes the server limit, drop, stall or refer.
 * tests/integration runs the same code against a real slapd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>

#include "common/log.h"
#include "scanner/attrs.h"
#include "scanner/crawl.h"
#include "tap.h"

/* ---- the scripted server -------------------------------------------- */

enum fake_type {
	FAKE_ENTRY,
	FAKE_REFERENCE,
	FAKE_RESULT,
	FAKE_CONTROL,
};

struct fake_msg {
	enum fake_type type;
	int index;  /* entry number, or the next page's offset */
	bool no_dn; /* an entry whose DN cannot be read */
	int err;    /* result code of a FAKE_RESULT */
	bool paged; /* a FAKE_RESULT carries a page control */
	char dn[64];
	size_t cursor; /* attribute walk */
	char *pool[8];
	size_t npool;
};

static struct {
	int total;          /* entries under the base */
	int refer_at;       /* a continuation reference before this entry */
	int limit_page;     /* this page (1-based) ends in sizeLimitExceeded */
	int drop_after;     /* the connection drops after this many entries */
	int stall_after;    /* the server goes silent after this many */
	int cancel_after;   /* the cancel flag is set after this many */
	bool ignore_paging; /* no page control: everything in one go */
	int no_dn_at;       /* this entry has no readable DN */
	/*
	 * Messages arrive this many at a time, during the crawl's sleep, or
	 * one when it waits; 0: all of a page at once.
	 */
	int trickle;
	int ready;       /* arrived and not yet read */
	bool slept;      /* the crawl slept since it last read a message */
	int sleeps;      /* nanosleep() calls */
	int late_sleeps; /* of them, with only the page's result to come */
	int eager_waits; /* waits for one message mid-page, unslept */
	/* what the crawler asked */
	int searches;
	int page_sizes[64];
	char attrs[16][64];
	size_t nattrs;
	char base[64];
	char filter[128];
	int abandons, unbinds;
	/* entries the crawl had handed out when it asked for each page */
	int handed_at[64];
	int most_ahead; /* entries sent and not yet handed out, at most */
	/* the page being sent */
	int next, end, page;
	int sent;
	int result_code;
} srv;

static volatile sig_atomic_t cancel_flag;

/* Entries scan_crawl_next() has handed to the test so far. */
static int handed;

static void
server_reset(int total)
{
	memset(&srv, 0, sizeof(srv));
	srv.total = total;
	srv.refer_at = srv.limit_page = srv.drop_after = -1;
	srv.stall_after = srv.cancel_after = srv.no_dn_at = -1;
	cancel_flag = 0;
}

/* The page control carries the page size and the cookie (an offset). */
int
__wrap_ldap_create_page_control(LDAP *ld, ber_int_t size, struct berval *cookie,
				int critical, LDAPControl **ctrl);
int
__wrap_ldap_create_page_control(LDAP *ld, ber_int_t size, struct berval *cookie,
				int critical, LDAPControl **ctrl)
{
	LDAPControl *c = calloc(1, sizeof(*c));
	c->ldctl_oid = LDAP_CONTROL_PAGEDRESULTS;
	c->ldctl_iscritical = (char)critical;
	int offset = 0;
	if (cookie != NULL && cookie->bv_len > 0) {
		offset = atoi(cookie->bv_val);
	}
	/* size in the high bits, offset below: decoded by the search. */
	c->ldctl_value.bv_len = (ber_len_t)size * 100000 + (ber_len_t)offset;
	*ctrl = c;
	return LDAP_SUCCESS;
}

void
__wrap_ldap_control_free(LDAPControl *c);
void
__wrap_ldap_control_free(LDAPControl *c)
{
	free(c);
}

int
__wrap_ldap_search_ext(LDAP *ld, const char *base, int scope,
		       const char *filter, char **attrs, int attrsonly,
		       LDAPControl **sctrls, LDAPControl **cctrls,
		       struct timeval *tv, int sizelimit, int *msgid);
int
__wrap_ldap_search_ext(LDAP *ld, const char *base, int scope,
		       const char *filter, char **attrs, int attrsonly,
		       LDAPControl **sctrls, LDAPControl **cctrls,
		       struct timeval *tv, int sizelimit, int *msgid)
{
	int size = (int)(sctrls[0]->ldctl_value.bv_len / 100000);
	int offset = (int)(sctrls[0]->ldctl_value.bv_len % 100000);
	if (srv.searches < 64) {
		srv.page_sizes[srv.searches] = size;
		srv.handed_at[srv.searches] = handed;
	}
	srv.searches++;
	srv.page++;
	snprintf(srv.base, sizeof(srv.base), "%s", base);
	snprintf(srv.filter, sizeof(srv.filter), "%s", filter);
	srv.nattrs = 0;
	for (size_t i = 0; attrs[i] != NULL && i < 16; i++) {
		snprintf(srv.attrs[srv.nattrs++], sizeof(srv.attrs[0]), "%s",
			 attrs[i]);
	}
	srv.next = offset;
	srv.end = srv.ignore_paging ? srv.total : offset + size;
	if (srv.end > srv.total) {
		srv.end = srv.total;
	}
	*msgid = srv.searches;
	return LDAP_SUCCESS;
}

static bool referred;

/* The crawl's pause lets the server's messages gather; no time passes. */
int
__wrap_nanosleep(const struct timespec *req, struct timespec *rem);
int
__wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)req;
	(void)rem;
	srv.sleeps++;
	if (srv.next >= srv.end) {
		srv.late_sleeps++;
	}
	srv.ready += srv.trickle;
	srv.slept = true;
	return 0;
}

int
__wrap_ldap_result(LDAP *ld, int msgid, int all, struct timeval *tv,
		   LDAPMessage **res);
int
__wrap_ldap_result(LDAP *ld, int msgid, int all, struct timeval *tv,
		   LDAPMessage **res)
{
	*res = NULL;
	if (srv.cancel_after >= 0 && srv.sent >= srv.cancel_after) {
		cancel_flag = 1;
	}
	if (srv.drop_after >= 0 && srv.sent >= srv.drop_after) {
		srv.result_code = LDAP_SERVER_DOWN;
		return -1;
	}
	if (srv.stall_after >= 0 && srv.sent >= srv.stall_after) {
		return 0; /* the poll timed out */
	}
	if (srv.trickle > 0) {
		if (srv.ready == 0) {
			if (tv == NULL ||
			    (tv->tv_sec == 0 && tv->tv_usec == 0)) {
				return 0; /* nothing has arrived */
			}
			if (!srv.slept && srv.next < srv.end) {
				srv.eager_waits++;
			}
			srv.ready = 1; /* the wait ends with the first */
		}
		srv.ready--;
		srv.slept = false;
	}
	struct fake_msg *m = calloc(1, sizeof(*m));
	*res = (LDAPMessage *)m;
	if (srv.next == srv.refer_at && !referred) {
		referred = true;
		m->type = FAKE_REFERENCE;
		return LDAP_RES_SEARCH_REFERENCE;
	}
	if (srv.next < srv.end) {
		m->type = FAKE_ENTRY;
		m->index = srv.next;
		m->no_dn = srv.next == srv.no_dn_at;
		snprintf(m->dn, sizeof(m->dn), "cn=user%03d,dc=x", srv.next);
		srv.next++;
		srv.sent++;
		if (srv.sent - handed > srv.most_ahead) {
			srv.most_ahead = srv.sent - handed;
		}
		return LDAP_RES_SEARCH_ENTRY;
	}
	m->type = FAKE_RESULT;
	m->err = srv.page == srv.limit_page ? LDAP_SIZELIMIT_EXCEEDED
					    : LDAP_SUCCESS;
	m->paged = !srv.ignore_paging;
	m->index = srv.end < srv.total ? srv.end : -1;
	return LDAP_RES_SEARCH_RESULT;
}

int
__wrap_ldap_msgfree(LDAPMessage *msg);
int
__wrap_ldap_msgfree(LDAPMessage *msg)
{
	struct fake_msg *m = (struct fake_msg *)msg;
	if (m != NULL) {
		for (size_t i = 0; i < m->npool; i++) {
			free(m->pool[i]);
		}
	}
	free(m);
	return 0;
}

int
__wrap_ldap_parse_reference(LDAP *ld, LDAPMessage *msg, char ***refs,
			    LDAPControl ***ctrls, int freeit);
int
__wrap_ldap_parse_reference(LDAP *ld, LDAPMessage *msg, char ***refs,
			    LDAPControl ***ctrls, int freeit)
{
	char **r = calloc(2, sizeof(*r));
	r[0] = strdup("ldap://other.example.com/DC=other,DC=x??sub");
	*refs = r;
	return LDAP_SUCCESS;
}

void
__wrap_ldap_memvfree(void **v);
void
__wrap_ldap_memvfree(void **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		free(v[i]);
	}
	free(v);
}

void
__wrap_ldap_memfree(void *p);
void
__wrap_ldap_memfree(void *p)
{
	free(p);
}

int
__wrap_ldap_parse_result(LDAP *ld, LDAPMessage *msg, int *err, char **matched,
			 char **diag, char ***refs, LDAPControl ***ctrls,
			 int freeit);
int
__wrap_ldap_parse_result(LDAP *ld, LDAPMessage *msg, int *err, char **matched,
			 char **diag, char ***refs, LDAPControl ***ctrls,
			 int freeit)
{
	struct fake_msg *m = (struct fake_msg *)msg;
	*err = m->err;
	*matched = NULL;
	*diag = m->err != LDAP_SUCCESS ? strdup("limit reached") : NULL;
	*refs = NULL;
	*ctrls = NULL;
	if (m->paged) {
		LDAPControl **c = calloc(2, sizeof(*c));
		c[0] = calloc(1, sizeof(**c));
		c[0]->ldctl_oid = LDAP_CONTROL_PAGEDRESULTS;
		/* the next offset, or -1 for the empty cookie */
		c[0]->ldctl_value.bv_len = (ber_len_t)(m->index + 1);
		*ctrls = c;
	}
	return LDAP_SUCCESS;
}

LDAPControl *
__wrap_ldap_control_find(const char *oid, LDAPControl **ctrls,
			 LDAPControl ***next);
LDAPControl *
__wrap_ldap_control_find(const char *oid, LDAPControl **ctrls,
			 LDAPControl ***next)
{
	if (ctrls == NULL || strcmp(oid, LDAP_CONTROL_PAGEDRESULTS) != 0) {
		return NULL;
	}
	return ctrls[0];
}

int
__wrap_ldap_parse_pageresponse_control(LDAP *ld, LDAPControl *ctrl,
				       ber_int_t *count, struct berval *cookie);
int
__wrap_ldap_parse_pageresponse_control(LDAP *ld, LDAPControl *ctrl,
				       ber_int_t *count, struct berval *cookie)
{
	int next = (int)ctrl->ldctl_value.bv_len - 1;
	*count = srv.total;
	if (next < 0) {
		cookie->bv_val = calloc(1, 1);
		cookie->bv_len = 0;
	} else {
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", next);
		cookie->bv_val = strdup(buf);
		cookie->bv_len = strlen(buf);
	}
	return LDAP_SUCCESS;
}

void
__wrap_ldap_controls_free(LDAPControl **c);
void
__wrap_ldap_controls_free(LDAPControl **c)
{
	for (size_t i = 0; c != NULL && c[i] != NULL; i++) {
		free(c[i]);
	}
	free(c);
}

int
__wrap_ldap_get_option(LDAP *ld, int option, void *out);
int
__wrap_ldap_get_option(LDAP *ld, int option, void *out)
{
	if (option == LDAP_OPT_RESULT_CODE) {
		*(int *)out = srv.result_code;
	} else if (option == LDAP_OPT_DIAGNOSTIC_MESSAGE) {
		*(char **)out = NULL;
	}
	return LDAP_OPT_SUCCESS;
}

int
__wrap_ldap_abandon_ext(LDAP *ld, int msgid, LDAPControl **s, LDAPControl **c);
int
__wrap_ldap_abandon_ext(LDAP *ld, int msgid, LDAPControl **s, LDAPControl **c)
{
	srv.abandons++;
	return LDAP_SUCCESS;
}

int
__wrap_ldap_unbind_ext_s(LDAP *ld, LDAPControl **s, LDAPControl **c);
int
__wrap_ldap_unbind_ext_s(LDAP *ld, LDAPControl **s, LDAPControl **c)
{
	srv.unbinds++;
	return LDAP_SUCCESS;
}

/* Entries: a DN and objectClass: user, cn, member (plain). */
int
__wrap_ldap_get_dn_ber(LDAP *ld, LDAPMessage *msg, BerElement **ber,
		       struct berval *dn);
int
__wrap_ldap_get_dn_ber(LDAP *ld, LDAPMessage *msg, BerElement **ber,
		       struct berval *dn)
{
	struct fake_msg *m = (struct fake_msg *)msg;
	*ber = (BerElement *)m;
	if (m->no_dn) {
		return LDAP_DECODING_ERROR;
	}
	dn->bv_val = m->dn;
	dn->bv_len = strlen(m->dn);
	return LDAP_SUCCESS;
}

int
__wrap_ldap_get_attribute_ber(LDAP *ld, LDAPMessage *msg, BerElement *ber,
			      struct berval *attr, struct berval **vals);
int
__wrap_ldap_get_attribute_ber(LDAP *ld, LDAPMessage *msg, BerElement *ber,
			      struct berval *attr, struct berval **vals)
{
	static const char *const names[] = {"objectClass", "cn", "unrequested"};
	struct fake_msg *m = (struct fake_msg *)msg;
	*vals = NULL;
	if (m->cursor >= 3) {
		attr->bv_val = NULL;
		attr->bv_len = 0;
		return LDAP_SUCCESS;
	}
	const char *name = names[m->cursor++];
	attr->bv_val = (char *)name;
	attr->bv_len = strlen(name);
	char buf[32];
	if (strcmp(name, "objectClass") == 0) {
		snprintf(buf, sizeof(buf), "user");
	} else {
		snprintf(buf, sizeof(buf), "user%03d", m->index);
	}
	char *text = strdup(buf);
	m->pool[m->npool++] = text;
	struct berval *v = calloc(2, sizeof(*v));
	v[0].bv_val = text;
	v[0].bv_len = strlen(text);
	*vals = v;
	return LDAP_SUCCESS;
}

void
__wrap_ber_memfree(void *p);
void
__wrap_ber_memfree(void *p)
{
	free(p);
}

void
__wrap_ber_free(BerElement *ber, int freebuf);
void
__wrap_ber_free(BerElement *ber, int freebuf)
{
	/* The BerElement is the message itself. */
}

/* ---- the tests -------------------------------------------------------- */

static LDAP *const fake_ld = (LDAP *)&srv;

/* The second search's base for the next crawl() (NULL: none). */
static const char *config_base;

/* Runs a crawl to its end; returns the final status and counts entries. */
static enum status
crawl(int page_size, bool ad, int *entries, int *in_order, size_t *refs,
      size_t *bad)
{
	const char *want[] = {"member", "displayName", NULL};
	struct scan_attrs *attrs = scan_attrs_new(want, NULL);
	struct scan_crawl_opts o = {
		.uri = "ldap://fake",
		.base = "DC=x",
		.filter = "(objectCategory=person)",
		.page_size = page_size,
		.timeout = 1,
		.cancel = &cancel_flag,
		.active_directory = ad,
		.config_base = config_base,
	};
	referred = false;
	enum status st;
	struct scan_crawl *c = scan_crawl_new(fake_ld, &o, attrs, &st);
	*entries = 0;
	*in_order = 1;
	handed = 0;
	struct scan_entry *e = NULL;
	while (c != NULL && (st = scan_crawl_next(c, &e)) == STATUS_OK &&
	       e != NULL) {
		char want_cn[32];
		snprintf(want_cn, sizeof(want_cn), "user%03d", *entries);
		if (srv.no_dn_at >= 0 && *entries >= srv.no_dn_at) {
			snprintf(want_cn, sizeof(want_cn), "user%03d",
				 *entries + 1);
		}
		const char *cn = scan_entry_first(e, "cn");
		if (cn == NULL || strcmp(cn, want_cn) != 0 ||
		    scan_entry_attr(e, "unrequested") != NULL) {
			*in_order = 0;
		}
		handed = ++*entries;
		scan_entry_free(e);
	}
	const char *const *r;
	*refs = c != NULL ? scan_crawl_references(c, &r) : 0;
	*bad = c != NULL ? scan_crawl_bad_entries(c) : 0;
	if (c != NULL && st != STATUS_OK) {
		/* A failed crawl stays failed. */
		struct scan_entry *again = NULL;
		if (scan_crawl_next(c, &again) != st || again != NULL) {
			*in_order = 0;
		}
	}
	scan_crawl_free(c);
	scan_attrs_free(attrs);
	return st;
}

static void
test_paging(void)
{
	int n, in_order;
	size_t refs, bad;
	server_reset(95);
	enum status st = crawl(10, false, &n, &in_order, &refs, &bad);
	is_int(st, STATUS_OK, "95 in pages of 10: ok");
	is_int(n, 95, "95 in pages of 10: all 95 entries");
	ok(in_order, "95 in pages of 10: in order, unrequested dropped");
	is_int(srv.searches, 10, "95 in pages of 10: ten pages asked for");
	int sizes_ok = 1;
	for (int i = 0; i < srv.searches && i < 64; i++) {
		sizes_ok = sizes_ok && srv.page_sizes[i] == 10;
	}
	ok(sizes_ok, "95 in pages of 10: every request asks for 10");
	is_str(srv.base, "DC=x", "base as given");
	is_str(srv.filter, "(objectCategory=person)", "filter as given");
	is_int(srv.nattrs, 6, "attributes asked: 2 + 4 always");
	is_str(srv.attrs[0], "member", "non-AD server: plain member");
	is_int(srv.unbinds, 1, "the connection is closed at the end");
	is_int(srv.abandons, 0, "nothing to abandon after the end");
	/*
	 * The scripted server has each page ready at once: the crawl reads
	 * it to its end and asks for the next before handing out its
	 * entries, so that a server builds a page while the last is decoded.
	 */
	is_int(srv.handed_at[1], 0,
	       "page 2 is asked for before page 1's entries are handed out");
	int early = 1;
	for (int i = 1; i < srv.searches && i < 64; i++) {
		early = early && srv.handed_at[i] < 10 * i;
	}
	ok(early, "every page is asked for before the last one's entries "
		  "are all handed out");
	ok(srv.most_ahead > 10 && srv.most_ahead <= 20,
	   "the crawl reads ahead, two pages at most");

	server_reset(2500);
	st = crawl(1000, true, &n, &in_order, &refs, &bad);
	is_int(n, 2500, "2500 in pages of 1000: all");
	is_int(srv.searches, 3, "2500 in pages of 1000: three pages");
	is_str(srv.attrs[0], "member;range=0-1499",
	       "AD: member asked for in an explicit window");

	server_reset(30);
	srv.ignore_paging = true;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	ok(st == STATUS_OK && n == 30 && srv.searches == 1,
	   "a server that ignores paging: one answer, all entries");
	ok(srv.most_ahead <= 20,
	   "a server that ignores paging: read two pages ahead at most");

	/*
	 * A server that sends entries a few at a time: the crawl, having
	 * decoded all it read, lets the next ones gather rather than wake
	 * for each, except for a complete page's result.
	 */
	server_reset(100);
	srv.trickle = 3;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	ok(st == STATUS_OK && n == 100 && in_order,
	   "entries a few at a time: all, in order");
	ok(srv.sleeps > 0, "entries a few at a time: the crawl lets them "
			   "gather");
	is_int(srv.eager_waits, 0,
	       "entries a few at a time: no waiting for each mid-page");
	is_int(srv.late_sleeps, 0,
	       "entries a few at a time: a complete page's result is waited "
	       "for at once");

	server_reset(30);
	srv.refer_at = 12;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	ok(st == STATUS_OK && n == 30 && in_order,
	   "a continuation reference does not stop the crawl");
	is_int(refs, 1, "the reference is recorded, not chased");
	is_int(srv.searches, 3, "no search for the reference");

	server_reset(30);
	srv.no_dn_at = 7;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	ok(st == STATUS_OK && n == 29 && in_order,
	   "an entry without a DN is skipped");
	is_int(bad, 1, "and counted bad");
}

/* The configuration partition's Autodiscover SCPs: a second search. */
static void
test_config_search(void)
{
	int n, in_order;
	size_t refs, bad;
	server_reset(25);
	config_base = "CN=Configuration,DC=x";
	enum status st = crawl(10, true, &n, &in_order, &refs, &bad);
	config_base = NULL;
	is_int(st, STATUS_OK, "second search: ok");
	is_int(n, 50, "second search: its entries follow the first's");
	is_int(srv.searches, 6, "second search: paged from a fresh cookie");
	is_str(srv.base, "CN=Configuration,DC=x",
	       "second search: under the configuration partition");
	is_str(srv.filter, SCAN_AUTODISCOVER_FILTER,
	       "second search: the Autodiscover SCP filter");
	is_int(srv.unbinds, 1, "second search: one connection, closed once");

	server_reset(25);
	srv.limit_page = 5;
	config_base = "CN=Configuration,DC=x";
	st = crawl(10, true, &n, &in_order, &refs, &bad);
	config_base = NULL;
	is_int(st, STATUS_ERR_DIRECTORY,
	       "a failing second search fails the scan");
	is_int(n, 45, "entries before the failure came (page 5 is the second search's second)");
}

static void
test_failures(void)
{
	int n, in_order;
	size_t refs, bad;
	unsigned errors = log_error_count();
	server_reset(95);
	srv.limit_page = 3;
	enum status st = crawl(10, false, &n, &in_order, &refs, &bad);
	is_int(st, STATUS_ERR_DIRECTORY, "size limit: the scan fails");
	is_int(n, 30, "size limit: the entries before it came");
	ok(in_order, "size limit: failure is sticky");
	is_int(log_error_count() - errors, 1, "size limit: one error");

	errors = log_error_count();
	server_reset(95);
	srv.drop_after = 25;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	is_int(st, STATUS_ERR_DIRECTORY, "dropped connection: the scan fails");
	is_int(n, 25, "dropped connection: entries before it came");
	is_int(log_error_count() - errors, 1, "dropped connection: one error");

	errors = log_error_count();
	server_reset(95);
	srv.stall_after = 12;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	is_int(st, STATUS_ERR_DIRECTORY, "silent server: the scan fails");
	is_int(n, 12, "silent server: entries before it came");
	is_int(log_error_count() - errors, 1, "silent server: one error");
	is_int(srv.abandons, 1, "silent server: the search is abandoned");

	server_reset(95);
	srv.cancel_after = 5;
	st = crawl(10, false, &n, &in_order, &refs, &bad);
	is_int(st, STATUS_ERR_INTERRUPTED, "cancel flag: interrupted");
	ok(n >= 5 && n <= 6, "cancel flag: stops at once");
	is_int(srv.abandons, 1, "cancel flag: the search is abandoned");
}

int
main(void)
{
	log_set_level(LOG_LEVEL_QUIET);
	test_paging();
	test_config_search();
	test_failures();
	return tap_done();
}
