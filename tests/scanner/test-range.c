/*
 * The range-window loop against canned server answers: the LDAP edge
 * (ldap_search_ext_s and the entry accessors) is replaced with
 * -Wl,--wrap so the test sees exactly which windows the crawler asks
 * for, as sssd's test_sdap.c does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "common/log.h"
#include "scanner/attrs.h"
#include "scanner/crawl.h"
#include "tap.h"

/* A canned entry: the fake LDAPMessage. */
struct fake_attr {
	char name[64];
	unsigned long first, count; /* values "CN=U<first+i>,…" */
};

struct fake_msg {
	char dn[64];
	struct fake_attr attrs[6];
	size_t nattrs;
	char **pool; /* value strings handed out */
	size_t npool;
};

/* How the fake server answers a window request. */
enum server_mode {
	SERVER_AD,      /* honours windows of up to max_window values */
	SERVER_STUCK,   /* always answers the window 1500-2999 */
	SERVER_CREEP,   /* one value a window, never ending */
	SERVER_ALL,     /* ignores ranges, sends the plain attribute */
	SERVER_NOTHING, /* the attribute is absent from the answer */
	SERVER_DOWN,    /* the search fails */
};

static enum server_mode mode;
static unsigned long total;      /* values the attribute has */
static unsigned long max_window; /* server's MaxValRange */
static char requests[16][64];
static size_t nrequests;
static size_t calls;

static void
server_reset(enum server_mode m, unsigned long n, unsigned long window)
{
	mode = m;
	total = n;
	max_window = window;
	nrequests = 0;
	calls = 0;
}

static struct fake_msg *
fake_entry(const char *dn)
{
	struct fake_msg *m = calloc(1, sizeof(*m));
	snprintf(m->dn, sizeof(m->dn), "%s", dn);
	return m;
}

static void
fake_add(struct fake_msg *m, const char *name, unsigned long first,
	 unsigned long count)
{
	struct fake_attr *a = &m->attrs[m->nattrs++];
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->first = first;
	a->count = count;
}

int
__wrap_ldap_search_ext_s(LDAP *ld, const char *base, int scope,
			 const char *filter, char **attrs, int attrsonly,
			 LDAPControl **sctrls, LDAPControl **cctrls,
			 struct timeval *timeout, int sizelimit,
			 LDAPMessage **res);
int
__wrap_ldap_search_ext_s(LDAP *ld, const char *base, int scope,
			 const char *filter, char **attrs, int attrsonly,
			 LDAPControl **sctrls, LDAPControl **cctrls,
			 struct timeval *timeout, int sizelimit,
			 LDAPMessage **res)
{
	calls++;
	if (nrequests < 16) {
		snprintf(requests[nrequests++], sizeof(requests[0]), "%s",
			 attrs != NULL && attrs[0] != NULL ? attrs[0] : "");
	}
	*res = NULL;
	if (mode == SERVER_DOWN) {
		return LDAP_SERVER_DOWN;
	}
	if (scope != LDAP_SCOPE_BASE || attrs == NULL || attrs[1] != NULL) {
		return LDAP_PROTOCOL_ERROR;
	}
	unsigned long lo, hi;
	if (sscanf(attrs[0], "member;range=%lu-%lu", &lo, &hi) != 2) {
		return LDAP_PROTOCOL_ERROR;
	}
	struct fake_msg *m = fake_entry(base);
	char name[64];
	switch (mode) {
	case SERVER_AD:
		if (hi - lo + 1 > max_window) {
			hi = lo + max_window - 1;
		}
		if (hi >= total - 1) {
			snprintf(name, sizeof(name), "member;range=%lu-*", lo);
			fake_add(m, name, lo, total - lo);
		} else {
			snprintf(name, sizeof(name), "member;range=%lu-%lu", lo,
				 hi);
			fake_add(m, name, lo, hi - lo + 1);
		}
		break;
	case SERVER_STUCK:
		fake_add(m, "member;range=1500-2999", 1500, 1500);
		break;
	case SERVER_CREEP:
		snprintf(name, sizeof(name), "member;range=%lu-%lu", lo, lo);
		fake_add(m, name, lo, 1);
		break;
	case SERVER_ALL:
		fake_add(m, "member", 0, total);
		break;
	case SERVER_NOTHING:
	case SERVER_DOWN:
		break;
	}
	*res = (LDAPMessage *)m;
	return LDAP_SUCCESS;
}

LDAPMessage *
__wrap_ldap_first_entry(LDAP *ld, LDAPMessage *res);
LDAPMessage *
__wrap_ldap_first_entry(LDAP *ld, LDAPMessage *res)
{
	return res;
}

/* The BerElement is a cursor into the fake entry's attributes. */
int
__wrap_ldap_get_dn_ber(LDAP *ld, LDAPMessage *msg, BerElement **ber,
		       struct berval *dn);
int
__wrap_ldap_get_dn_ber(LDAP *ld, LDAPMessage *msg, BerElement **ber,
		       struct berval *dn)
{
	struct fake_msg *m = (struct fake_msg *)msg;
	size_t *cursor = calloc(1, sizeof(*cursor));
	*ber = (BerElement *)cursor;
	/* Not NUL-terminated, as in a real BER buffer. */
	dn->bv_val = m->dn;
	dn->bv_len = strlen(m->dn);
	return LDAP_SUCCESS;
}

static char *
value_text(const char *attr, unsigned long i)
{
	char buf[64];
	if (strcmp(attr, "member") == 0 || strncmp(attr, "member;", 7) == 0) {
		snprintf(buf, sizeof(buf), "CN=U%05lu,OU=Users,DC=x", i);
	} else {
		snprintf(buf, sizeof(buf), "%s-%lu", attr, i);
	}
	return strdup(buf);
}

/*
 * Values live in the fake message's pool (a real BER buffer holds them)
 * and go with ldap_msgfree(); the array is the caller's (ber_memfree).
 */
int
__wrap_ldap_get_attribute_ber(LDAP *ld, LDAPMessage *msg, BerElement *ber,
			      struct berval *attr, struct berval **vals);
int
__wrap_ldap_get_attribute_ber(LDAP *ld, LDAPMessage *msg, BerElement *ber,
			      struct berval *attr, struct berval **vals)
{
	struct fake_msg *m = (struct fake_msg *)msg;
	size_t *cursor = (size_t *)ber;
	*vals = NULL;
	if (*cursor >= m->nattrs) {
		attr->bv_val = NULL;
		attr->bv_len = 0;
		return LDAP_SUCCESS;
	}
	struct fake_attr *a = &m->attrs[(*cursor)++];
	attr->bv_val = a->name;
	attr->bv_len = strlen(a->name);
	struct berval *v = calloc(a->count + 1, sizeof(*v));
	for (unsigned long j = 0; j < a->count; j++) {
		char *text = value_text(a->name, a->first + j);
		m->pool = realloc(m->pool, (m->npool + 1) * sizeof(*m->pool));
		m->pool[m->npool++] = text;
		v[j].bv_val = text;
		v[j].bv_len = strlen(text);
	}
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
	free(ber);
}

static void
fake_free(struct fake_msg *m)
{
	if (m == NULL) {
		return;
	}
	for (size_t i = 0; i < m->npool; i++) {
		free(m->pool[i]);
	}
	free(m->pool);
	free(m);
}

int
__wrap_ldap_msgfree(LDAPMessage *msg);
int
__wrap_ldap_msgfree(LDAPMessage *msg)
{
	fake_free((struct fake_msg *)msg);
	return LDAP_RES_SEARCH_ENTRY;
}

static bool
values_in_order(const struct scan_attr *a, unsigned long n)
{
	if (a == NULL || a->nvals != n) {
		return false;
	}
	for (unsigned long i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof(want), "CN=U%05lu,OU=Users,DC=x", i);
		if (strcmp(a->vals[i].data, want) != 0) {
			return false;
		}
	}
	return true;
}

static void
test_big_group(void)
{
	/* AD: a group of 3,200 members arrives as member;range=0-1499. */
	server_reset(SERVER_AD, 3200, 1500);
	const char *want[] = {"member", "displayName", NULL};
	struct scan_attrs *attrs = scan_attrs_new(want, NULL);
	struct fake_msg *m = fake_entry("CN=Big,OU=Groups,DC=x");
	fake_add(m, "objectClass", 0, 2);
	fake_add(m, "member;range=0-1499", 0, 1500);
	fake_add(m, "description", 0, 1);
	fake_add(m, "displayName", 0, 1);
	enum status st;
	struct scan_entry *e =
		scan_entry_from_ldap(NULL, (LDAPMessage *)m, attrs, 30, &st);
	fake_free(m);
	is_int(st, STATUS_OK, "big group: read");
	ok(e != NULL, "big group: entry");
	is_int(nrequests, 2, "big group: two more windows asked for");
	is_str(requests[0], "member;range=1500-2999",
	       "big group: first request is the explicit window 1500-2999");
	is_str(requests[1], "member;range=3000-4499",
	       "big group: second request is 3000-4499");
	if (e != NULL) {
		const struct scan_attr *a = scan_entry_attr(e, "member");
		ok(a != NULL && strcmp(a->name, "member") == 0,
		   "big group: one attribute named member, options stripped");
		ok(values_in_order(a, 3200),
		   "big group: all 3,200 values, in order");
		ok(scan_entry_attr(e, "description") == NULL,
		   "big group: attribute not asked for is dropped");
		ok(scan_entry_attr(e, "displayName") != NULL,
		   "big group: other attributes kept");
		is_int(e->nattrs, 3,
		       "big group: objectClass, member, "
		       "displayName");
	}
	scan_entry_free(e);

	/* A server with a smaller MaxValRange: windows follow its answers. */
	server_reset(SERVER_AD, 3200, 1000);
	m = fake_entry("CN=Big,OU=Groups,DC=x");
	fake_add(m, "member;range=0-999", 0, 1000);
	e = scan_entry_from_ldap(NULL, (LDAPMessage *)m, attrs, 30, &st);
	fake_free(m);
	is_int(st, STATUS_OK, "small windows: read");
	is_int(nrequests, 3, "small windows: three more windows");
	is_str(requests[0], "member;range=1000-2499",
	       "small windows: next window starts after the server's");
	is_str(requests[1], "member;range=2000-3499",
	       "small windows: then 2000");
	is_str(requests[2], "member;range=3000-4499",
	       "small windows: then 3000");
	ok(e != NULL && values_in_order(scan_entry_attr(e, "member"), 3200),
	   "small windows: all values in order");
	scan_entry_free(e);

	/* range=0-*: everything in the first answer, nothing more asked. */
	server_reset(SERVER_AD, 10, 1500);
	m = fake_entry("CN=Small,OU=Groups,DC=x");
	fake_add(m, "member;range=0-*", 0, 10);
	e = scan_entry_from_ldap(NULL, (LDAPMessage *)m, attrs, 30, &st);
	fake_free(m);
	is_int(nrequests, 0, "0-*: no further request");
	ok(e != NULL && values_in_order(scan_entry_attr(e, "member"), 10),
	   "0-*: folded into member");
	scan_entry_free(e);
	scan_attrs_free(attrs);

	/* Counted: the same windows asked for, only their number kept. */
	const char *counted[] = {"member", NULL};
	attrs = scan_attrs_new(want, counted);
	server_reset(SERVER_AD, 3200, 1000);
	m = fake_entry("CN=Big,OU=Groups,DC=x");
	fake_add(m, "member;range=0-999", 0, 1000);
	fake_add(m, "displayName", 0, 1);
	e = scan_entry_from_ldap(NULL, (LDAPMessage *)m, attrs, 30, &st);
	fake_free(m);
	is_int(st, STATUS_OK, "counted: read");
	is_int(nrequests, 3, "counted: the same three windows");
	const struct scan_attr *cm =
		e != NULL ? scan_entry_attr(e, "member") : NULL;
	ok(cm != NULL && cm->nvals == 0 && cm->counted == 3200,
	   "counted: 3,200 values counted, none kept");
	ok(e != NULL && scan_entry_first(e, "displayName") != NULL,
	   "counted: the other attributes keep their values");
	scan_entry_free(e);
	scan_attrs_free(attrs);

	/* An attribute sent twice (slapd does after some imports). */
	const char *want2[] = {"proxyAddresses", NULL};
	attrs = scan_attrs_new(want2, NULL);
	m = fake_entry("CN=Twice,DC=x");
	fake_add(m, "proxyAddresses", 0, 3);
	fake_add(m, "cn", 0, 1);
	fake_add(m, "PROXYADDRESSES", 3, 1);
	e = scan_entry_from_ldap(NULL, (LDAPMessage *)m, attrs, 30, &st);
	fake_free(m);
	const struct scan_attr *pa =
		e != NULL ? scan_entry_attr(e, "proxyAddresses") : NULL;
	ok(pa != NULL && pa->nvals == 4 &&
		   strcmp(pa->vals[3].data, "PROXYADDRESSES-3") == 0 &&
		   strcmp(pa->vals[0].data, "proxyAddresses-0") == 0,
	   "an attribute sent twice keeps all its values, in order");
	scan_entry_free(e);
	scan_attrs_free(attrs);
}

static void
test_misbehaving_servers(void)
{
	struct scan_entry *e = scan_entry_new("CN=G,DC=x");
	unsigned errors = log_error_count();
	server_reset(SERVER_STUCK, 5000, 1500);
	enum status st = scan_range_fetch(NULL, "CN=G,DC=x", "member", 1500,
					  false, e, 30);
	is_int(st, STATUS_ERR_DIRECTORY,
	       "stuck: a server repeating a window fails");
	is_int(calls, 2, "stuck: the repeat is caught at the second answer");
	is_str(requests[1], "member;range=3000-4499",
	       "stuck: the second request moved on");
	is_int(log_error_count() - errors, 1, "stuck: one error logged");
	scan_entry_free(e);

	e = scan_entry_new("CN=G,DC=x");
	server_reset(SERVER_CREEP, 0, 1);
	st = scan_range_fetch(NULL, "CN=G,DC=x", "member", 0, false, e, 30);
	is_int(st, STATUS_ERR_DIRECTORY,
	       "creep: a never-ending attribute "
	       "fails");
	is_int(calls, SCAN_MAX_RANGE_WINDOWS, "creep: the loop is capped");
	scan_entry_free(e);

	/* A server that ignores ranges and sends every value at once. */
	e = scan_entry_new("CN=G,DC=x");
	scan_entry_add(e, "member", "CN=U00000,OU=Users,DC=x", 23);
	server_reset(SERVER_ALL, 2000, 1500);
	st = scan_range_fetch(NULL, "CN=G,DC=x", "member", 1, false, e, 30);
	is_int(st, STATUS_OK, "all at once: read");
	is_int(calls, 1, "all at once: one request");
	ok(values_in_order(scan_entry_attr(e, "member"), 2000),
	   "all at once: the whole set replaces the first window");
	scan_entry_free(e);

	e = scan_entry_new("CN=G,DC=x");
	scan_entry_count(e, "member", 1);
	server_reset(SERVER_ALL, 2000, 1500);
	st = scan_range_fetch(NULL, "CN=G,DC=x", "member", 1, true, e, 30);
	const struct scan_attr *cm = scan_entry_attr(e, "member");
	ok(st == STATUS_OK && cm != NULL && cm->counted == 2000 &&
		   cm->nvals == 0,
	   "all at once, counted: the whole count replaces the first");
	scan_entry_free(e);

	e = scan_entry_new("CN=G,DC=x");
	server_reset(SERVER_NOTHING, 0, 1500);
	st = scan_range_fetch(NULL, "CN=G,DC=x", "member", 1500, false, e, 30);
	is_int(st, STATUS_OK, "no values past the end: done");
	is_int(calls, 1, "no values past the end: one request");
	scan_entry_free(e);

	e = scan_entry_new("CN=G,DC=x");
	errors = log_error_count();
	server_reset(SERVER_DOWN, 0, 1500);
	st = scan_range_fetch(NULL, "CN=G,DC=x", "member", 1500, false, e, 30);
	is_int(st, STATUS_ERR_DIRECTORY, "server down: directory error");
	is_int(log_error_count() - errors, 1, "server down: one error");
	scan_entry_free(e);

	/* A malformed range in the entry itself. */
	const char *want[] = {"member", NULL};
	struct scan_attrs *attrs = scan_attrs_new(want, NULL);
	struct fake_msg *m = fake_entry("CN=Bad,DC=x");
	fake_add(m, "member;range=x-1", 0, 1);
	errors = log_error_count();
	e = scan_entry_from_ldap(NULL, (LDAPMessage *)m, attrs, 30, &st);
	fake_free(m);
	ok(e == NULL && st == STATUS_ERR_DIRECTORY,
	   "malformed range option fails the entry");
	is_int(log_error_count() - errors, 1, "malformed range: one error");
	scan_attrs_free(attrs);
}

int
main(void)
{
	log_set_level(LOG_LEVEL_QUIET);
	test_big_group();
	test_misbehaving_servers();
	return tap_done();
}
