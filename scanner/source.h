/*
 * Where entries come from: an LDAP crawl or an LDIF file.  Both hand out
 * the same struct scan_entry, one at a time, so the rest of the pipeline
 * streams and never holds the directory in memory.
 *
 * The scanner knows no rule: the caller passes the attribute list to
 * fetch (the rule pack's, see ruleset_attributes()).  It writes nothing.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "scanner/entry.h"

/* AD caps pages at 1000 entries (MaxPageSize) and values at 1500. */
#define SCAN_DEFAULT_PAGE_SIZE 1000
#define SCAN_MAX_PAGE_SIZE 1000
#define SCAN_RANGE_WINDOW 1500
#define SCAN_DEFAULT_TIMEOUT 30
/*
 * Entries a reader thread takes ahead of the caller (scan_source_next()):
 * about one AD page, so the next page is asked for while the caller works
 * on this one.
 */
#define SCAN_PREFETCH_ENTRIES 1024
/*
 * The default filter: what Entra Connect syncs and IdFix reads, users,
 * contacts, inetOrgPersons (objectCategory person) and groups; computers
 * have objectCategory computer.
 */
#define SCAN_DEFAULT_FILTER "(|(objectCategory=person)(objectCategory=group))"

struct scan_ldap_opts {
	const char *uri;       /* ldap://host:port or ldaps://… */
	const char *base;      /* NULL: the RootDSE's defaultNamingContext */
	const char *filter;    /* NULL: SCAN_DEFAULT_FILTER */
	const char *bind_dn;   /* NULL: anonymous (or SASL identity) */
	const char *password;  /* borrowed; never logged or copied */
	const char *sasl_mech; /* NULL: simple bind */
	const char *ca_file;   /* NULL: libldap's configured CA */
	bool starttls;
	bool insecure; /* allow a simple bind over cleartext */
	int page_size; /* 0: SCAN_DEFAULT_PAGE_SIZE */
	int timeout;   /* seconds; 0: SCAN_DEFAULT_TIMEOUT */
	/*
	 * NULL-terminated attribute list; the scanner adds objectClass,
	 * objectGUID, cn and distinguishedName.
	 */
	const char *const *attrs;
	/*
	 * NULL-terminated: attributes whose values are only counted
	 * (scan_attrs_new()); NULL: none.
	 */
	const char *const *counted;
	/* Set from a signal handler: the crawl stops with INTERRUPTED. */
	volatile sig_atomic_t *cancel;
};

struct scan_source;

/*
 * Connects, binds and starts the crawl.  Returns NULL and sets *st on
 * failure, after logging one clear line (the library's own message).
 * SIGPIPE is set to be ignored if it had its default action, so that a
 * server dropping the connection fails the scan instead of killing the
 * process.
 */
struct scan_source *
scan_source_ldap_new(const struct scan_ldap_opts *opts, enum status *st);

/*
 * Opens an LDIF export (ldapsearch or ldifde style) read with libldap's
 * LDIF reader.  attrs and counted as above: other attributes are
 * dropped so that an LDIF scan and an LDAP scan of the same directory
 * give the same entries.  Entries that the default filter would not return
 * (OUs, computers, the domain head) are passed over the same way.  A record
 * that does not parse fails the scan with one line naming the file and
 * the line.  libldap prints its own parse errors, so standard error is
 * pointed at /dev/null while it parses a record: do not redirect stderr
 * while an LDIF source is open.
 */
struct scan_source *
scan_source_ldif_new(const char *path, const char *const *attrs,
		     const char *const *counted, volatile sig_atomic_t *cancel,
		     enum status *st);

/*
 * The next entry, owned by the caller (scan_entry_free()).  *entry is
 * NULL at the end.  A failure (connection lost, bad LDIF record) is
 * logged once and returned, after every entry read before it; the entries
 * handed out so far stay valid.  A set cancel flag ends the source with
 * STATUS_ERR_INTERRUPTED at the next call.
 *
 * Entries are read ahead by a thread of the source (at most
 * SCAN_PREFETCH_ENTRIES of them) from the first call on, so that reading
 * and the caller's work overlap; the source's other functions are called
 * from the caller's thread only, and scan_source_references() and
 * scan_source_bad_entries() are final once *entry came back NULL.
 */
enum status
scan_source_next(struct scan_source *src, struct scan_entry **entry);

/* "ldap" or "ldif". */
const char *
scan_source_kind(const struct scan_source *src);

/* The URI or the LDIF path. */
const char *
scan_source_name(const struct scan_source *src);

/* The base DN searched (after the RootDSE look-up); "" for LDIF. */
const char *
scan_source_base(const struct scan_source *src);

/* The filter used; "" for LDIF. */
const char *
scan_source_filter(const struct scan_source *src);

/*
 * Continuation references seen and not chased (other naming contexts):
 * *refs is valid until scan_source_free().
 */
size_t
scan_source_references(const struct scan_source *src, const char *const **refs);

/* Entries that the source could not turn into an entry and skipped. */
size_t
scan_source_bad_entries(const struct scan_source *src);

void
scan_source_free(struct scan_source *src);
