/*
 * The attribute list a scan asks for.  Both inputs keep exactly these
 * attributes, spelt as the caller spelt them, so that an LDAP crawl and
 * an LDIF export of the same directory give identical entries whatever
 * case the server or the export tool used.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct scan_attrs;

/*
 * Copies the NULL-terminated list attrs (NULL: none) and adds
 * objectClass, objectGUID, cn and distinguishedName when they are not
 * in it (case-insensitive).  Duplicates are dropped.
 *
 * The attributes of the NULL-terminated list counted (NULL: none) are
 * asked for too, but an entry keeps only how many values each has
 * (struct scan_attr's counted), not the values: a group's member list
 * is millions of DNs in a large directory that the rules only count.
 * The four above are always kept whole.
 */
struct scan_attrs *
scan_attrs_new(const char *const *attrs, const char *const *counted);

void
scan_attrs_free(struct scan_attrs *a);

/*
 * The caller's spelling of the attribute whose name is the first len
 * bytes of name (options already cut off), or NULL if it was not asked
 * for.  Valid until scan_attrs_free().
 */
const char *
scan_attrs_match(const struct scan_attrs *a, const char *name, size_t len);

/*
 * True if name, a spelling scan_attrs_match() returned, is one whose
 * values are only counted.
 */
bool
scan_attrs_counted(const struct scan_attrs *a, const char *name);

/*
 * The list as a NULL-terminated array for ldap_search_ext(); owned by a,
 * not to be modified (libldap's prototype lacks const).
 */
char **
scan_attrs_list(const struct scan_attrs *a);
