/*
 * The LDAP connection: libldap set up as ldapsearch does it (LDAPv3,
 * referrals off, network timeout), StartTLS or ldaps:// with certificate
 * verification, then a simple or SASL bind, and the RootDSE.
 */
#pragma once

#include <stdbool.h>

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

/* supportedCapabilities value of AD (and Samba): LDAP_CAP_ACTIVE_DIRECTORY. */
#define SCAN_OID_ACTIVE_DIRECTORY "1.2.840.113556.1.4.800"

struct scan_rootdse {
	/*
	 * The RootDSE's defaultNamingContext (AD), or its only
	 * namingContexts value (other servers); NULL if neither.  The
	 * caller frees it.
	 */
	char *default_base;
	/* The server says it is Active Directory (Samba says so too). */
	bool active_directory;
	/*
	 * configurationNamingContext (AD; a slapd whose RootDSE is given
	 * one), or NULL; the caller frees it.
	 */
	char *config_base;
};

/*
 * Reads the RootDSE into *out.  When need_base is false (the user gave
 * --base), a RootDSE the account may not read is no error.  Returns
 * false with *st set after logging.
 */
bool
scan_conn_rootdse(LDAP *ld, const char *uri, int timeout, bool need_base,
		  struct scan_rootdse *out, enum status *st);

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
