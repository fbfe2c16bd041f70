#define LOG_MODULE "scanner"

#include "scanner/source.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "scanner/attrs.h"
#include "scanner/conn.h"
#include "scanner/crawl.h"
#include "scanner/decode.h"
#include "scanner/ldif_input.h"

struct scan_source {
	const char *kind; /* "ldap" or "ldif" */
	char *name;
	char *base;
	char *filter;
	struct scan_attrs *attrs;
	struct scan_crawl *crawl; /* kind "ldap" */
	struct scan_ldif *ldif;   /* kind "ldif" */
};

static struct scan_source *
source_new(const char *kind, const char *name, const char *const *attrs)
{
	struct scan_source *src = xcalloc(1, sizeof(*src));
	src->kind = kind;
	src->name = xstrdup(name != NULL ? name : "");
	src->base = xstrdup("");
	src->filter = xstrdup("");
	src->attrs = scan_attrs_new(attrs);
	return src;
}

/* dn is base or below it (RDN-wise, ASCII case-insensitive). */
static bool
dn_within(const char *dn, const char *base)
{
	size_t n = strlen(dn), b = strlen(base);
	if (n < b || strcasecmp(dn + n - b, base) != 0) {
		return false;
	}
	return n == b || dn[n - b - 1] == ',';
}

struct scan_source *
scan_source_ldap_new(const struct scan_ldap_opts *opts, enum status *st)
{
	*st = STATUS_OK;
	int page_size = opts->page_size;
	int timeout = opts->timeout > 0 ? opts->timeout : SCAN_DEFAULT_TIMEOUT;
	if (page_size < 0) {
		LOG_ERR("invalid page size %d; give a positive --page-size",
			page_size);
		*st = STATUS_ERR_USAGE;
		return NULL;
	}
	if (page_size == 0) {
		page_size = SCAN_DEFAULT_PAGE_SIZE;
	} else if (page_size > SCAN_MAX_PAGE_SIZE) {
		LOG_WARN("page size %d is above %d: Active Directory returns "
			 "at most %d entries a page (MaxPageSize)",
			 page_size, SCAN_MAX_PAGE_SIZE, SCAN_MAX_PAGE_SIZE);
	}
	/*
	 * libldap writes to the socket without MSG_NOSIGNAL (TLS, unbind):
	 * a server that drops the connection must fail the scan with a
	 * message, not kill the process with SIGPIPE (curl does the same).
	 */
	struct sigaction old;
	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
		struct sigaction ign = {.sa_handler = SIG_IGN};
		sigemptyset(&ign.sa_mask);
		sigaction(SIGPIPE, &ign, NULL);
	}
	struct scan_source *src = source_new("ldap", opts->uri, opts->attrs);
	char *config_base = NULL;
	LDAP *ld = scan_conn_open(opts, st);
	if (ld == NULL) {
		goto fail;
	}
	struct scan_rootdse dse;
	if (!scan_conn_rootdse(ld, opts->uri, timeout, opts->base == NULL, &dse,
			       st)) {
		goto fail;
	}
	free(src->base);
	if (opts->base != NULL) {
		src->base = xstrdup(opts->base);
	} else {
		/* Shown in the scan's record: AD's spelling, whatever the
		 * server's. */
		char *pretty = scan_dn_normalize(dse.default_base);
		src->base = pretty != NULL ? pretty : xstrdup(dse.default_base);
		LOG_INFO("base DN from the RootDSE: %s", src->base);
	}
	free(dse.default_base);
	/*
	 * AD keeps the Exchange Autodiscover SCPs in the configuration
	 * partition, outside any domain's base: when the RootDSE names one
	 * (AD and Samba do), a second search reads them (rules:
	 * exchange.autodiscover-scp), unless the scan's base is in that
	 * partition already.
	 */
	if (dse.config_base != NULL &&
	    !dn_within(src->base, dse.config_base)) {
		config_base = dse.config_base;
	} else {
		free(dse.config_base);
	}
	dse.config_base = NULL;
	*st = scan_conn_check_base(ld, opts->uri, src->base, timeout);
	if (*st != STATUS_OK) {
		goto fail;
	}
	free(src->filter);
	src->filter = xstrdup(opts->filter != NULL ? opts->filter
						   : SCAN_DEFAULT_FILTER);
	struct scan_crawl_opts co = {
		.uri = opts->uri,
		.base = src->base,
		.filter = src->filter,
		.page_size = page_size,
		.timeout = timeout,
		.cancel = opts->cancel,
		.active_directory = dse.active_directory,
		.config_base = config_base,
	};
	/* The crawl owns ld from here on, also when it fails. */
	src->crawl = scan_crawl_new(ld, &co, src->attrs, st);
	ld = NULL;
	free(config_base);
	config_base = NULL;
	if (src->crawl == NULL) {
		goto fail;
	}
	return src;
fail:
	free(config_base);
	if (ld != NULL) {
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
	scan_source_free(src);
	return NULL;
}

struct scan_source *
scan_source_ldif_new(const char *path, const char *const *attrs,
		     volatile sig_atomic_t *cancel, enum status *st)
{
	*st = STATUS_OK;
	struct scan_source *src = source_new("ldif", path, attrs);
	src->ldif = scan_ldif_new(path, src->attrs, cancel, st);
	if (src->ldif == NULL) {
		scan_source_free(src);
		return NULL;
	}
	return src;
}

enum status
scan_source_next(struct scan_source *src, struct scan_entry **entry)
{
	if (src->crawl != NULL) {
		return scan_crawl_next(src->crawl, entry);
	}
	return scan_ldif_next(src->ldif, entry);
}

const char *
scan_source_kind(const struct scan_source *src)
{
	return src->kind;
}

const char *
scan_source_name(const struct scan_source *src)
{
	return src->name;
}

const char *
scan_source_base(const struct scan_source *src)
{
	return src->base;
}

const char *
scan_source_filter(const struct scan_source *src)
{
	return src->filter;
}

size_t
scan_source_references(const struct scan_source *src, const char *const **refs)
{
	static const char *const none[] = {NULL};
	if (src->crawl != NULL) {
		return scan_crawl_references(src->crawl, refs);
	}
	*refs = none;
	return 0;
}

size_t
scan_source_bad_entries(const struct scan_source *src)
{
	if (src->crawl != NULL) {
		return scan_crawl_bad_entries(src->crawl);
	}
	return src->ldif != NULL ? scan_ldif_bad_entries(src->ldif) : 0;
}

void
scan_source_free(struct scan_source *src)
{
	if (src == NULL) {
		return;
	}
	scan_crawl_free(src->crawl);
	scan_ldif_free(src->ldif);
	scan_attrs_free(src->attrs);
	free(src->filter);
	free(src->base);
	free(src->name);
	free(src);
}
