/*
 * The attribute list a scan asks for.  Both inputs keep exactly these
 * attributes, spelt as the caller spelt them, so that an LDAP crawl and
 * an LDIF export of the same directory give identical entries whatever
 * case the server or the export tool used.
 */
#pragma once

#include <stddef.h>

struct scan_attrs;

/*
 * Copies the NULL-terminated list attrs (NULL: none) and adds
 * objectClass, objectGUID, cn and distinguishedName when they are not
 * in it (case-insensitive).  Duplicates are dropped.
 */
struct scan_attrs *
scan_attrs_new(const char *const *attrs);

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
 * The list as a NULL-terminated array for ldap_search_ext(); owned by a,
 * not to be modified (libldap's prototype lacks const).
 */
char **
scan_attrs_list(const struct scan_attrs *a);
