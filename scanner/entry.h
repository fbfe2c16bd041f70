/*
 * The directory entry that both inputs (LDAP crawl, LDIF file) produce and
 * the rules consume.
 *
 * An entry is a DN plus attributes; every attribute holds one or more
 * binary-safe values.  Attribute names keep the case the source sent, but
 * every look-up is case-insensitive, as in AD.  Options such as
 * ";range=0-1499" or ";binary" are never part of a stored name: the
 * crawler folds ranged windows into one attribute before the entry is
 * handed on.
 *
 * The scanner decodes the binary GUID attributes (objectGUID,
 * msExchMailboxGuid, msExchArchiveGuid, mS-DS-ConsistencyGuid) to the
 * usual string form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower case,
 * first three groups little-endian, as AD tools print them) and objectSid
 * to "S-1-5-21-…", so consumers only ever see text for those.  A value
 * that is not 16 bytes (or not a valid SID) is kept as it was.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct scan_value {
	char *data; /* len bytes, then a NUL byte that is not counted */
	size_t len;
};

struct scan_attr {
	char *name;
	struct scan_value *vals;
	size_t nvals;
	size_t cap;
	size_t namelen; /* strlen(name): look-ups compare it first */
	/*
	 * Values counted but not kept: those of an attribute the scan was
	 * asked only to count (scan_attrs_new()).  The attribute holds
	 * nvals + counted values.
	 */
	size_t counted;
};

struct scan_chunk;

struct scan_entry {
	char *dn;
	struct scan_attr *attrs;
	size_t nattrs;
	size_t cap;
	/*
	 * Where names and values live: blocks freed with the entry, so that
	 * an entry of thousands of values costs a few allocations, not one
	 * per value (entry.c).
	 */
	struct scan_chunk *chunks;
	/*
	 * The attributes by a hash of their name, for look-ups (entry.c):
	 * 1 + an index into attrs, 0 for an empty slot.  Kept by entry.c
	 * only; not used past SCAN_ENTRY_INDEXED attributes.
	 */
	unsigned char index[64];
};

/* A new entry with no attributes; dn is copied. */
struct scan_entry *
scan_entry_new(const char *dn);

/* Frees the entry and all its values; NULL is a no-op. */
void
scan_entry_free(struct scan_entry *e);

/*
 * Appends one value (copied) to the attribute called name, creating the
 * attribute if needed.  A name with options (";range=…", ";binary") must
 * be stripped by the caller.
 */
void
scan_entry_add(struct scan_entry *e, const char *name, const void *data,
	       size_t len);

/*
 * Adds n to the values of name that are counted but not kept, creating
 * the attribute if needed.
 */
void
scan_entry_count(struct scan_entry *e, const char *name, size_t n);

/* Replaces all values of name with this one value. */
void
scan_entry_set(struct scan_entry *e, const char *name, const void *data,
	       size_t len);

/* Replaces the bytes of v, one of e's values, with len bytes of data. */
void
scan_entry_set_value(struct scan_entry *e, struct scan_value *v,
		     const void *data, size_t len);

/* Removes the attribute; no-op if absent. */
void
scan_entry_remove(struct scan_entry *e, const char *name);

/* The attribute called name (case-insensitive), or NULL. */
const struct scan_attr *
scan_entry_attr(const struct scan_entry *e, const char *name);

/* The first value of name as a C string, or NULL if absent. */
const char *
scan_entry_first(const struct scan_entry *e, const char *name);

/*
 * The object type as IdFix defines it: the last value of objectClass (AD
 * returns the most general class first), e.g. "user", "contact", "group",
 * "inetOrgPerson".  "" when objectClass is absent.
 */
const char *
scan_entry_class(const struct scan_entry *e);

/* True if any objectClass value equals cls (case-insensitive). */
bool
scan_entry_has_class(const struct scan_entry *e, const char *cls);

/*
 * The key that ties an object across scans and reports: the objectGUID
 * string, or the DN when the source had no objectGUID (an LDIF without
 * it).
 */
const char *
scan_entry_key(const struct scan_entry *e);
