#define LOG_MODULE "conn"

#include "scanner/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <ldap.h>

#include "common/log.h"
#include "common/xalloc.h"

/* What the connection reads at once (see read_ahead()). */
#define SCAN_READ_AHEAD_BYTES 65536

#if __has_include(<sasl/sasl.h>)
#include <sasl/sasl.h>
#else
/*
 * libsasl2-dev is not a build dependency: these are the few Cyrus SASL
 * definitions the interaction callback needs, unchanged in its ABI since
 * SASL v2 (sasl.h).
 */
#define SASL_CB_LIST_END 0
#define SASL_CB_USER 0x4001
#define SASL_CB_AUTHNAME 0x4002
#define SASL_CB_PASS 0x4004
#define SASL_CB_GETREALM 0x4008
struct sasl_interact {
	unsigned long id;
	const char *challenge;
	const char *prompt;
	const char *defresult;
	const void *result;
	unsigned len;
};
#define sasl_interact_t struct sasl_interact
#endif

char *
scan_ldap_errstr(LDAP *ld, int rc, const char *diag)
{
	char *own = NULL;
	if (diag == NULL && ld != NULL) {
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &own);
		diag = own;
	}
	char *s;
	/* libldap's placeholder for "no detail" adds nothing to a message. */
	if (diag != NULL && diag[0] != '\0' &&
	    strcmp(diag, "(unknown error code)") != 0) {
		s = xasprintf("%s (%s)", ldap_err2string(rc), diag);
	} else {
		s = xstrdup(ldap_err2string(rc));
	}
	ldap_memfree(own);
	return s;
}

bool
scan_ldap_unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	       rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

static void
log_unreachable(LDAP *ld, const char *uri, int rc)
{
	char *msg = scan_ldap_errstr(ld, rc, NULL);
	LOG_ERR("cannot connect to %s: %s; check the URI, the port and that "
		"the server is up (for ldaps://, also that the server's "
		"certificate is signed by the CA in --ca-file and names the "
		"host in the URI)",
		uri, msg);
	free(msg);
}

static bool
set_options(LDAP *ld, const struct scan_ldap_opts *o, int timeout,
	    enum status *st)
{
	int version = LDAP_VERSION3;
	struct timeval tv = {.tv_sec = timeout};
	/* Each option names itself in the message: they fail only on bugs. */
	const char *what = NULL;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) !=
	    LDAP_OPT_SUCCESS) {
		what = "LDAPv3";
	} else if (ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) !=
		   LDAP_OPT_SUCCESS) {
		what = "referrals off";
	} else if (ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) !=
		   LDAP_OPT_SUCCESS) {
		what = "the network timeout";
	} else if (ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) !=
		   LDAP_OPT_SUCCESS) {
		what = "the operation timeout";
	}
	if (what != NULL) {
		LOG_ERR("cannot set %s on the LDAP handle for %s", what,
			o->uri);
		*st = STATUS_ERR_UNEXPECTED;
		return false;
	}
	if (o->ca_file == NULL) {
		return true;
	}
	if (access(o->ca_file, R_OK) != 0) {
		LOG_ERRNO("cannot read CA file %s", o->ca_file);
		*st = STATUS_ERR_IO;
		return false;
	}
	/* A per-handle CA needs a new TLS context, or libldap ignores it. */
	int rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, o->ca_file);
	int is_server = 0;
	if (rc == LDAP_OPT_SUCCESS) {
		rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
	}
	if (rc != LDAP_OPT_SUCCESS) {
		char *msg = scan_ldap_errstr(ld, rc, NULL);
		LOG_ERR("cannot use CA file %s: %s; is it a PEM certificate?",
			o->ca_file, msg);
		free(msg);
		*st = STATUS_ERR_USAGE;
		return false;
	}
	return true;
}

/*
 * True when every URI of the list (libldap takes several, separated by
 * spaces or commas) is ldaps://, or ldapi:// (local, no network).
 */
static bool
uri_is_encrypted(const char *uri, bool *local)
{
	char *copy = xstrdup(uri);
	bool all = false, all_local = false, first = true;
	char *save = NULL;
	for (char *u = strtok_r(copy, " ,\t", &save); u != NULL;
	     u = strtok_r(NULL, " ,\t", &save)) {
		bool ldaps = ldap_is_ldaps_url(u) != 0;
		bool ldapi = ldap_is_ldapi_url(u) != 0;
		all = (first || all) && (ldaps || ldapi);
		all_local = (first || all_local) && ldapi;
		first = false;
	}
	free(copy);
	*local = all_local;
	return all;
}

static bool
start_tls(LDAP *ld, const struct scan_ldap_opts *o, enum status *st)
{
	int rc = ldap_start_tls_s(ld, NULL, NULL);
	if (rc == LDAP_SUCCESS) {
		return true;
	}
	char *msg = scan_ldap_errstr(ld, rc, NULL);
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT) {
		LOG_ERR("cannot connect to %s: %s; check the URI, the port and "
			"that the server is up",
			o->uri, msg);
	} else if (rc == LDAP_CONNECT_ERROR) {
		LOG_ERR("StartTLS with %s failed: %s; the server's certificate "
			"must be signed by the CA in --ca-file (or libldap's "
			"TLS_CACERT) and name the host in the URI",
			o->uri, msg);
	} else {
		LOG_ERR("StartTLS with %s failed: %s; the server may not offer "
			"StartTLS: try an ldaps:// URI",
			o->uri, msg);
	}
	free(msg);
	*st = STATUS_ERR_DIRECTORY;
	return false;
}

struct sasl_defaults {
	const char *authcid;
	const char *password;
};

/*
 * Answers Cyrus SASL's questions without a terminal: GSSAPI with a
 * Kerberos ticket asks none; password mechanisms get the bind DN as the
 * authentication identity and the password the caller read.
 */
static int
sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	const struct sasl_defaults *d = defaults;
	for (sasl_interact_t *it = in; it->id != SASL_CB_LIST_END; it++) {
		const char *val = it->defresult;
		switch (it->id) {
		case SASL_CB_AUTHNAME:
			if (d->authcid != NULL) {
				val = d->authcid;
			}
			break;
		case SASL_CB_PASS:
			val = d->password;
			break;
		case SASL_CB_USER:
			/* No authorization identity: act as ourselves. */
			val = "";
			break;
		default:
			break;
		}
		if (val == NULL) {
			val = "";
		}
		it->result = val;
		it->len = (unsigned)strlen(val);
	}
	return LDAP_SUCCESS;
}

static bool
bind_sasl(LDAP *ld, const struct scan_ldap_opts *o, bool encrypted,
	  enum status *st)
{
	/* These mechanisms send the password as it is. */
	bool cleartext = strcasecmp(o->sasl_mech, "PLAIN") == 0 ||
			 strcasecmp(o->sasl_mech, "LOGIN") == 0;
	if (cleartext && !encrypted && !o->insecure) {
		LOG_ERR("refusing to send a password with SASL %s unencrypted "
			"to %s; use --starttls or an ldaps:// URI (or "
			"--insecure on a network you trust)",
			o->sasl_mech, o->uri);
		*st = STATUS_ERR_CREDENTIALS;
		return false;
	}
	struct sasl_defaults d = {.authcid = o->bind_dn,
				  .password = o->password};
	/*
	 * Over TLS, AD and Samba refuse a SASL signing/sealing layer ("Sign
	 * or Seal are not allowed if TLS is used"): TLS already protects
	 * the connection, so ask for none.
	 */
	if (ldap_tls_inplace(ld) != 0 &&
	    ldap_set_option(ld, LDAP_OPT_X_SASL_SECPROPS, "maxssf=0") !=
		    LDAP_OPT_SUCCESS) {
		LOG_WARN("cannot turn off the SASL security layer over TLS; "
			 "the bind may be refused");
	}
	/*
	 * The Kerberos service name is the host name in the URI, as the
	 * user typed it (adcli does the same).  Left to itself libldap
	 * canonicalises it through a reverse look-up of the address, which
	 * on a jump host or a DC reached through a tunnel or 127.0.0.1
	 * names some other machine and the ticket request fails.
	 */
	if (ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON) !=
	    LDAP_OPT_SUCCESS) {
		LOG_WARN("cannot turn off SASL host name canonicalisation");
	}
	int rc = ldap_sasl_interactive_bind_s(ld, NULL, o->sasl_mech, NULL,
					      NULL, LDAP_SASL_QUIET,
					      sasl_interact, &d);
	if (rc == LDAP_SUCCESS) {
		return true;
	}
	char *msg = scan_ldap_errstr(ld, rc, NULL);
	if (scan_ldap_unreachable(rc)) {
		log_unreachable(ld, o->uri, rc);
		*st = STATUS_ERR_DIRECTORY;
	} else if (rc == LDAP_AUTH_METHOD_NOT_SUPPORTED) {
		LOG_ERR("SASL %s bind to %s failed: %s; the server or the local "
			"SASL library does not offer %s (is the "
			"libsasl2-modules-gssapi-mit package installed?)",
			o->sasl_mech, o->uri, msg, o->sasl_mech);
		*st = STATUS_ERR_CREDENTIALS;
	} else if (strcasecmp(o->sasl_mech, "GSSAPI") == 0 ||
		   strcasecmp(o->sasl_mech, "GSS-SPNEGO") == 0) {
		LOG_ERR("SASL %s bind to %s refused: %s; get a Kerberos ticket "
			"first (kinit) and use the server's host name, not its "
			"address, in the URI",
			o->sasl_mech, o->uri, msg);
		*st = STATUS_ERR_CREDENTIALS;
	} else {
		LOG_ERR("SASL %s bind to %s refused: %s; check the identity "
			"(--bind-dn) and the password",
			o->sasl_mech, o->uri, msg);
		*st = STATUS_ERR_CREDENTIALS;
	}
	free(msg);
	return false;
}

static bool
bind_simple(LDAP *ld, const struct scan_ldap_opts *o, bool encrypted,
	    enum status *st)
{
	if (o->password == NULL || o->password[0] == '\0') {
		/* An empty password is an unauthenticated bind (RFC 4513). */
		LOG_ERR("no password for bind DN %s; give --password-file or "
			"SYNCREADY_PASSWORD",
			o->bind_dn);
		*st = STATUS_ERR_CREDENTIALS;
		return false;
	}
	if (!encrypted && !o->insecure) {
		LOG_ERR("refusing to send the password of %s unencrypted to "
			"%s; use --starttls or an ldaps:// URI (or --insecure "
			"on a network you trust)",
			o->bind_dn, o->uri);
		*st = STATUS_ERR_CREDENTIALS;
		return false;
	}
	struct berval cred = {.bv_len = strlen(o->password),
			      .bv_val = (char *)o->password};
	int rc = ldap_sasl_bind_s(ld, o->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
				  NULL, NULL);
	if (rc == LDAP_SUCCESS) {
		return true;
	}
	char *msg = scan_ldap_errstr(ld, rc, NULL);
	if (scan_ldap_unreachable(rc)) {
		log_unreachable(ld, o->uri, rc);
		*st = STATUS_ERR_DIRECTORY;
	} else if (rc == LDAP_INVALID_CREDENTIALS) {
		LOG_ERR("bind as %s to %s refused: %s; check the bind DN and "
			"the password",
			o->bind_dn, o->uri, msg);
		*st = STATUS_ERR_CREDENTIALS;
	} else if (rc == LDAP_STRONG_AUTH_REQUIRED ||
		   rc == LDAP_CONFIDENTIALITY_REQUIRED) {
		LOG_ERR("bind as %s to %s refused: %s; the server requires an "
			"encrypted or signed connection: use --starttls, an "
			"ldaps:// URI or --sasl-mech GSSAPI",
			o->bind_dn, o->uri, msg);
		*st = STATUS_ERR_CREDENTIALS;
	} else {
		LOG_ERR("bind as %s to %s refused: %s", o->bind_dn, o->uri,
			msg);
		*st = STATUS_ERR_CREDENTIALS;
	}
	free(msg);
	return false;
}

/*
 * A read-ahead buffer under TLS: libldap reads each message's header and
 * body, and GnuTLS each record's header and body, with a system call each
 * (two reads and a poll per entry, 350,000 system calls for 115,000
 * entries); with 64 KB read at once it is one read per buffer.  Without
 * it the connection works as before, one small read at a time.
 */
static void
read_ahead(LDAP *ld)
{
	Sockbuf *sb = NULL;
	int size = SCAN_READ_AHEAD_BYTES;
	if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS ||
	    sb == NULL ||
	    ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead,
			       LBER_SBIOD_LEVEL_PROVIDER, &size) != 0) {
		LOG_DBG("no read-ahead buffer on the connection: reading "
			"without");
	}
}

LDAP *
scan_conn_open(const struct scan_ldap_opts *o, enum status *st)
{
	LDAP *ld = NULL;
	bool ok = false;
	int timeout = o->timeout > 0 ? o->timeout : SCAN_DEFAULT_TIMEOUT;

	if (o->uri == NULL || o->uri[0] == '\0') {
		LOG_ERR("no LDAP URI given; use --uri ldap://HOST or --ldif "
			"FILE");
		*st = STATUS_ERR_USAGE;
		goto out;
	}
	int rc = ldap_initialize(&ld, o->uri);
	if (rc != LDAP_SUCCESS) {
		LOG_ERR("invalid LDAP URI %s: %s; expected ldap://HOST[:PORT] "
			"or ldaps://HOST[:PORT]",
			o->uri, ldap_err2string(rc));
		*st = STATUS_ERR_USAGE;
		goto out;
	}
	if (!set_options(ld, o, timeout, st)) {
		goto out;
	}
	bool local;
	bool ldaps = uri_is_encrypted(o->uri, &local);
	if (o->starttls && ldaps && !local) {
		LOG_ERR("--starttls with %s: the connection is already "
			"encrypted; drop --starttls or use ldap://",
			o->uri);
		*st = STATUS_ERR_USAGE;
		goto out;
	}
	/* Connect first, so an unreachable server is named as such. */
	rc = ldap_connect(ld);
	if (rc != LDAP_SUCCESS) {
		log_unreachable(ld, o->uri, rc);
		*st = STATUS_ERR_DIRECTORY;
		goto out;
	}
	read_ahead(ld);
	if (o->starttls && !start_tls(ld, o, st)) {
		goto out;
	}
	bool encrypted = local || ldap_tls_inplace(ld) != 0;
	if (o->sasl_mech != NULL) {
		ok = bind_sasl(ld, o, encrypted, st);
	} else if (o->bind_dn != NULL) {
		ok = bind_simple(ld, o, encrypted, st);
	} else {
		/* Anonymous: LDAPv3 needs no bind request. */
		ok = true;
	}
	if (ok) {
		LOG_INFO("connected to %s%s", o->uri,
			 encrypted ? " (encrypted)" : "");
	}
out:
	if (!ok && ld != NULL) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		ld = NULL;
	}
	return ld;
}

/* The first value of attr in the entry msg, copied, or NULL. */
static char *
first_value(LDAP *ld, LDAPMessage *msg, const char *attr, size_t *count)
{
	struct berval **vals = ldap_get_values_len(ld, msg, attr);
	char *s = NULL;
	*count = vals != NULL ? (size_t)ldap_count_values_len(vals) : 0;
	if (*count > 0) {
		s = xmemdup0(vals[0]->bv_val, vals[0]->bv_len);
	}
	ldap_value_free_len(vals);
	return s;
}

/* True if the entry's attr has a value equal to want. */
static bool
has_value(LDAP *ld, LDAPMessage *msg, const char *attr, const char *want)
{
	struct berval **vals = ldap_get_values_len(ld, msg, attr);
	bool found = false;
	for (size_t i = 0; vals != NULL && vals[i] != NULL && !found; i++) {
		found = vals[i]->bv_len == strlen(want) &&
			memcmp(vals[i]->bv_val, want, vals[i]->bv_len) == 0;
	}
	ldap_value_free_len(vals);
	return found;
}

bool
scan_conn_rootdse(LDAP *ld, const char *uri, int timeout, bool need_base,
		  struct scan_rootdse *out, enum status *st)
{
	char *attrs[] = {"defaultNamingContext", "namingContexts",
			 "supportedCapabilities", "configurationNamingContext",
			 NULL};
	struct timeval tv = {.tv_sec = timeout > 0 ? timeout
						   : SCAN_DEFAULT_TIMEOUT};
	LDAPMessage *res = NULL;
	bool ok = false;
	memset(out, 0, sizeof(*out));
	int rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)",
				   attrs, 0, NULL, NULL, &tv, 0, &res);
	if (rc != LDAP_SUCCESS) {
		char *msg = scan_ldap_errstr(ld, rc, NULL);
		if (scan_ldap_unreachable(rc)) {
			LOG_ERR("cannot read the RootDSE of %s: %s; check that "
				"the server is up",
				uri, msg);
			*st = STATUS_ERR_DIRECTORY;
		} else if (need_base) {
			LOG_ERR("cannot read the RootDSE of %s: %s; give the "
				"base DN with --base",
				uri, msg);
			*st = STATUS_ERR_DIRECTORY;
		} else {
			/* Only the server type is missing: scan anyway. */
			LOG_DBG("cannot read the RootDSE of %s: %s", uri, msg);
			ok = true;
		}
		free(msg);
		goto out;
	}
	LDAPMessage *e = ldap_first_entry(ld, res);
	size_t n = 0;
	if (e != NULL) {
		out->default_base =
			first_value(ld, e, "defaultNamingContext", &n);
		if (out->default_base == NULL) {
			out->default_base =
				first_value(ld, e, "namingContexts", &n);
			if (n > 1) {
				free(out->default_base);
				out->default_base = NULL;
			}
		}
		out->active_directory =
			has_value(ld, e, "supportedCapabilities",
				  SCAN_OID_ACTIVE_DIRECTORY);
		out->config_base =
			first_value(ld, e, "configurationNamingContext", &n);
	}
	if (need_base && out->default_base == NULL) {
		LOG_ERR("the RootDSE of %s names no single default naming "
			"context; give the base DN with --base",
			uri);
		*st = STATUS_ERR_DIRECTORY;
		goto out;
	}
	if (out->default_base != NULL) {
		LOG_DBG("default naming context of %s: %s", uri,
			out->default_base);
	}
	if (out->active_directory) {
		LOG_INFO("%s is Active Directory (or Samba)", uri);
	}
	ok = true;
out:
	ldap_msgfree(res);
	if (!ok) {
		free(out->default_base);
		out->default_base = NULL;
		free(out->config_base);
		out->config_base = NULL;
	}
	return ok;
}

enum status
scan_conn_check_base(LDAP *ld, const char *uri, const char *base, int timeout)
{
	char *attrs[] = {LDAP_NO_ATTRS, NULL};
	struct timeval tv = {.tv_sec = timeout > 0 ? timeout
						   : SCAN_DEFAULT_TIMEOUT};
	LDAPMessage *res = NULL;
	enum status st = STATUS_OK;
	int rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_BASE, "(objectClass=*)",
				   attrs, 0, NULL, NULL, &tv, 0, &res);
	if (rc == LDAP_SUCCESS) {
		goto out;
	}
	char *matched = NULL, *diag = NULL, **refs = NULL;
	int err = rc;
	if (res != NULL) {
		ldap_parse_result(ld, res, &err, &matched, &diag, &refs, NULL,
				  0);
		if (err == LDAP_SUCCESS) {
			err = rc;
		}
	}
	char *msg = scan_ldap_errstr(ld, err, diag);
	st = STATUS_ERR_DIRECTORY;
	if (err == LDAP_NO_SUCH_OBJECT) {
		LOG_ERR("base DN %s does not exist on %s: %s; check --base "
			"and that the bind account may read it%s%s%s",
			base, uri, msg,
			matched != NULL && matched[0] != '\0'
				? " (the closest existing entry is "
				: "",
			matched != NULL && matched[0] != '\0' ? matched : "",
			matched != NULL && matched[0] != '\0' ? ")" : "");
	} else if (err == LDAP_INVALID_DN_SYNTAX) {
		LOG_ERR("base DN %s is not a valid DN: %s; check --base", base,
			msg);
	} else if (err == LDAP_REFERRAL) {
		LOG_ERR("base DN %s is not held by %s (referral to %s); point "
			"--uri at the server that holds it",
			base, uri,
			refs != NULL && refs[0] != NULL ? refs[0] : "?");
	} else if (scan_ldap_unreachable(err)) {
		LOG_ERR("cannot read base DN %s on %s: %s; check that the "
			"server is up",
			base, uri, msg);
	} else {
		LOG_ERR("cannot read base DN %s on %s: %s; check --base and "
			"the bind account's rights",
			base, uri, msg);
	}
	free(msg);
	ldap_memfree(matched);
	ldap_memfree(diag);
	ldap_memvfree((void **)refs);
out:
	ldap_msgfree(res);
	return st;
}
