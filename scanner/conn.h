/*
 * The LDAP connection: libldap set up as ldapsearch does it (LDAPv3,
 * referrals off, network timeout), StartTLS or ldaps:// with certificate
 * verification, then a simple or SASL bind, and the RootDSE.
 */
#pragma once

#include <ldap.h>

#include "common/status.h"
#include "scanner/source.h"

/*
 * Connects to opts->uri and binds as opts asks.  A simple bind with a
 * password is refused before anything is sent unless the connection is
 * encrypted (ldaps://, StartTLS, ldapi://) or opts->insecure is set.
 * Returns the bound handle (the caller frees it with ldap_unbind_ext_s())
 * or NULL with *st set, after one log line saying what failed and what
 * to do.
 */
LDAP *
scan_conn_open(const struct scan_ldap_opts *opts, enum status *st);

/*
 * The base DN to scan: the RootDSE's defaultNamingContext (AD), or its
 * only namingContexts value (other servers).  Returns a string the
 * caller frees, or NULL with *st set after logging.
 */
char *
scan_conn_default_base(LDAP *ld, const char *uri, int timeout, enum status *st);

/*
 * Checks that base exists on the server (a base-scope search), so that
 * a mistyped --base fails with a clear line before the crawl starts.
 */
enum status
scan_conn_check_base(LDAP *ld, const char *uri, const char *base, int timeout);

/*
 * The library's message for rc, with the server's diagnostic message
 * when there is one: diag if not NULL, else LDAP_OPT_DIAGNOSTIC_MESSAGE
 * of ld (ld may be NULL).  The caller frees the string.
 */
char *
scan_ldap_errstr(LDAP *ld, int rc, const char *diag);

/* True for the result codes that mean the server cannot be reached. */
bool
scan_ldap_unreachable(int rc);
