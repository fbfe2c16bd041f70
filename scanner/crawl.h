/*
 * The LDAP crawl: a paged subtree search read one message at a time
 * (ldap_search_ext + ldap_result(LDAP_MSG_ONE), as ldapsearch does),
 * entries decoded into struct scan_entry with their ranged attributes
 * completed the way AD requires, continuation references recorded and
 * not chased.
 */
#pragma once

#include <signal.h>
#include <stddef.h>

#include <ldap.h>

#include "common/status.h"
#include "scanner/attrs.h"
#include "scanner/entry.h"

/* Windows one attribute may take: 10,000 × 1,500 values, far past AD's. */
#define SCAN_MAX_RANGE_WINDOWS 10000
/* How often the crawl wakes up to look at the cancel flag (ms). */
#define SCAN_POLL_MS 200

struct scan_crawl_opts {
	const char *uri; /* for messages */
	const char *base;
	const char *filter;
	int page_size;                 /* > 0 */
	int timeout;                   /* seconds a reply may take; > 0 */
	volatile sig_atomic_t *cancel; /* may be NULL */
	/*
	 * The server is AD (or Samba): member is asked for in explicit
	 * windows from the first page on ("member;range=0-1499"), so big
	 * groups are read the same way on AD and on Samba, which would
	 * otherwise send every value at once.  Other servers (slapd) know
	 * no ranges and get the plain name.
	 */
	bool active_directory;
	/*
	 * Not NULL: when the search under base is done, a second paged
	 * search under this base (the configuration partition) for the
	 * Exchange Autodiscover service connection points,
	 * SCAN_AUTODISCOVER_FILTER, whose entries follow the first
	 * search's.
	 */
	const char *config_base;
};

/* The Exchange Autodiscover SCPs (keyword from the Exchange schema). */
#define SCAN_AUTODISCOVER_FILTER                                               \
	"(&(objectClass=serviceConnectionPoint)"                               \
	"(keywords=77378F46-2C66-4aa9-A6A6-3E7A48B19596))"

struct scan_crawl;

/*
 * Starts the paged search on ld, which the crawl takes over (it unbinds
 * it in scan_crawl_free()); attrs is borrowed and must outlive the crawl.
 * Returns NULL with *st set after logging; ld is then unbound too.
 */
struct scan_crawl *
scan_crawl_new(LDAP *ld, const struct scan_crawl_opts *opts,
	       const struct scan_attrs *attrs, enum status *st);

/*
 * The next entry (the caller's) or *entry NULL at the end.  A scan the
 * server cut short (size or administrative limit, connection lost) is a
 * failure, never a quiet end: it returns STATUS_ERR_DIRECTORY after
 * logging.  The cancel flag gives STATUS_ERR_INTERRUPTED.
 */
enum status
scan_crawl_next(struct scan_crawl *c, struct scan_entry **entry);

/*
 * The flags the crawl watches from now on (either may be NULL): cancel
 * ends it with STATUS_ERR_INTERRUPTED and a message, as the one given to
 * scan_crawl_new(); stop ends it the same way within SCAN_POLL_MS but
 * quietly, for a reader thread whose caller watches the cancel flag and
 * says itself that the scan was interrupted (scanner/source.c).
 */
void
scan_crawl_set_flags(struct scan_crawl *c, volatile sig_atomic_t *cancel,
		     volatile sig_atomic_t *stop);

/* Continuation references seen so far; valid until scan_crawl_free(). */
size_t
scan_crawl_references(const struct scan_crawl *c, const char *const **refs);

/* Entries the crawl could not decode (no DN) and skipped. */
size_t
scan_crawl_bad_entries(const struct scan_crawl *c);

void
scan_crawl_free(struct scan_crawl *c);

/*
 * Turns the search entry msg into a scan_entry holding the attributes of
 * attrs (options stripped, the caller's spelling), and completes every
 * ranged attribute with scan_range_fetch().  The values are not decoded
 * (scan_entry_decode()).  Returns NULL with *st STATUS_OK for an entry
 * without a usable DN (logged as a warning), NULL with an error status
 * after logging when a range could not be completed.
 */
struct scan_entry *
scan_entry_from_ldap(LDAP *ld, LDAPMessage *msg, const struct scan_attrs *attrs,
		     int timeout, enum status *st);

/*
 * Reads the values of attribute name of entry dn from index next on, one
 * explicit window at a time ("member;range=1500-2999", then from the
 * window's end + 1) until the server answers with a final "…-*" window
 * or no values, and appends them to the attribute name of e in order
 * (with counted, adds how many there are: scan_entry_count()).
 * Each answer must start where it was asked to, and at most
 * SCAN_MAX_RANGE_WINDOWS windows are read, so a misbehaving server
 * cannot loop it.  Returns STATUS_ERR_DIRECTORY after logging on
 * failure.
 */
enum status
scan_range_fetch(LDAP *ld, const char *dn, const char *name, unsigned long next,
		 bool counted, struct scan_entry *e, int timeout);
