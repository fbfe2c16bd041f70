/*
 * The LDIF input: an export (ldapsearch or ldifde style) read with
 * libldap's own reader, record by record, turned into the entries an
 * LDAP crawl of the same directory would give.  (Not "ldif.h": that name
 * belongs to libldap's header.)
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "scanner/attrs.h"
#include "scanner/entry.h"

struct scan_ldif;

/*
 * Opens path; attrs is borrowed and must outlive the reader.  Returns
 * NULL with *st set after logging when the file cannot be opened.
 */
struct scan_ldif *
scan_ldif_new(const char *path, const struct scan_attrs *attrs,
	      volatile sig_atomic_t *cancel, enum status *st);

/*
 * The next entry that SCAN_DEFAULT_FILTER would return (the caller's),
 * or *entry NULL at the end.  A record that does not parse stops the
 * scan with STATUS_ERR_DIRECTORY and one line naming the file and the
 * line; change records (modify, delete, rename) are passed over with a
 * warning and counted as bad entries.
 */
enum status
scan_ldif_next(struct scan_ldif *l, struct scan_entry **entry);

/* Records that were not entries and were passed over with a warning. */
/*
 * The flags the reader watches from now on, as scan_crawl_set_flags():
 * cancel ends it with a message, stop quietly, before the next record.
 */
void
scan_ldif_set_flags(struct scan_ldif *l, volatile sig_atomic_t *cancel,
		    volatile sig_atomic_t *stop);

/*
 * True if the input is a regular file: reading it never waits for
 * someone else (a pipe or a FIFO can, and a thread blocked there could
 * not be stopped).
 */
bool
scan_ldif_is_file(const struct scan_ldif *l);

size_t
scan_ldif_bad_entries(const struct scan_ldif *l);

void
scan_ldif_free(struct scan_ldif *l);

/*
 * SCAN_DEFAULT_FILTER, "(|(objectCategory=person)(objectCategory=group))",
 * for an entry read from a file: true when the first RDN value of
 * object_category (a DN such as "CN=Person,CN=Schema,…", or the short
 * form "person") is person, group or Service-Connection-Point, or, when
 * object_category is NULL, when e's objectClass holds user, contact,
 * inetOrgPerson, group or serviceConnectionPoint and not computer
 * (case-insensitive).  The service connection points are the
 * Autodiscover SCPs an LDAP scan reads from the configuration partition
 * with a second search (scan_crawl_opts.config_base).
 */
bool
scan_ldif_default_filter(const char *object_category,
			 const struct scan_entry *e);
