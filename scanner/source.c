#define LOG_MODULE "scanner"

#include "scanner/source.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "common/log.h"
#include "common/thread.h"
#include "common/xalloc.h"
#include "scanner/attrs.h"
#include "scanner/conn.h"
#include "scanner/crawl.h"
#include "scanner/decode.h"
#include "scanner/ldif_input.h"

/*
 * Read-ahead: a reader thread takes entries from the crawl or the LDIF
 * file while the caller checks and stores the ones before.  Over LDAP the
 * next page is then requested as soon as the server has sent the last
 * one, not after the caller has dealt with it, so the server and the scan
 * work at the same time; for an LDIF file, libldap's parsing runs beside
 * the rules.  The queue is bounded, so memory stays bounded.
 */
/* How often a caller waiting for an entry looks at the cancel flag. */
#define SCAN_CANCEL_POLL_MS 100

struct prefetch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* the queue changed, or stop was set */
	/*
	 * Who sleeps: each side wakes the other only when it has to, the
	 * reader after half the queue has been taken, so a full queue costs
	 * two context switches per SCAN_PREFETCH_ENTRIES / 2 entries, not
	 * per entry.
	 */
	bool reader_waits;
	bool caller_waits;
	struct scan_entry *queue[SCAN_PREFETCH_ENTRIES];
	size_t head;
	size_t count;
	bool done; /* the reader has ended; end says how */
	enum status end;
	bool stop; /* the caller is gone: the reader must end */
	/* Set with stop: ends a crawl waiting for the server, quietly. */
	volatile sig_atomic_t quit;
};

struct scan_source {
	const char *kind; /* "ldap" or "ldif" */
	char *name;
	char *base;
	char *filter;
	struct scan_attrs *attrs;
	struct scan_crawl *crawl; /* kind "ldap" */
	struct scan_ldif *ldif;   /* kind "ldif" */
	volatile sig_atomic_t *cancel;
	struct prefetch *pf; /* NULL until the first entry is asked for */
	bool sync;           /* no reader thread (it could not start) */
	enum status failed;  /* sticky once the source has ended badly */
};

static struct scan_source *
source_new(const char *kind, const char *name, const char *const *attrs,
	   const char *const *counted)
{
	struct scan_source *src = xcalloc(1, sizeof(*src));
	src->kind = kind;
	src->name = xstrdup(name != NULL ? name : "");
	src->base = xstrdup("");
	src->filter = xstrdup("");
	src->attrs = scan_attrs_new(attrs, counted);
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
	struct scan_source *src =
		source_new("ldap", opts->uri, opts->attrs, opts->counted);
	char *config_base = NULL;
	src->cancel = opts->cancel;
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
		     const char *const *counted, volatile sig_atomic_t *cancel,
		     enum status *st)
{
	*st = STATUS_OK;
	struct scan_source *src = source_new("ldif", path, attrs, counted);
	src->cancel = cancel;
	src->ldif = scan_ldif_new(path, src->attrs, cancel, st);
	if (src->ldif == NULL) {
		scan_source_free(src);
		return NULL;
	}
	return src;
}

static enum status
source_read(struct scan_source *src, struct scan_entry **entry)
{
	if (src->crawl != NULL) {
		return scan_crawl_next(src->crawl, entry);
	}
	return scan_ldif_next(src->ldif, entry);
}

static void *
reader_main(void *arg)
{
	struct scan_source *src = arg;
	struct prefetch *pf = src->pf;
	for (;;) {
		struct scan_entry *e = NULL;
		enum status st = source_read(src, &e);
		pthread_mutex_lock(&pf->lock);
		while (!pf->stop && e != NULL &&
		       pf->count == SCAN_PREFETCH_ENTRIES) {
			pf->reader_waits = true;
			pthread_cond_wait(&pf->cond, &pf->lock);
			pf->reader_waits = false;
		}
		if (pf->stop) {
			pthread_mutex_unlock(&pf->lock);
			scan_entry_free(e);
			break;
		}
		if (st != STATUS_OK || e == NULL) {
			/* A failure ends the source after those before. */
			scan_entry_free(e);
			pf->done = true;
			pf->end = st;
			pthread_cond_broadcast(&pf->cond);
			pthread_mutex_unlock(&pf->lock);
			break;
		}
		pf->queue[(pf->head + pf->count) % SCAN_PREFETCH_ENTRIES] = e;
		pf->count++;
		if (pf->caller_waits) {
			pthread_cond_broadcast(&pf->cond);
		}
		pthread_mutex_unlock(&pf->lock);
	}
	return NULL;
}

/* Starts the reader; false (and the source reads in the caller's thread)
 * if no thread can be made. */
static bool
reader_start(struct scan_source *src)
{
	if (src->ldif != NULL && !scan_ldif_is_file(src->ldif)) {
		/* A pipe can block the reader where no flag reaches it. */
		return false;
	}
	struct prefetch *pf = xcalloc(1, sizeof(*pf));
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->cond, NULL);
	src->pf = pf;
	/*
	 * Signals go to the caller's thread, whose handler sets the cancel
	 * flag: the reader sees the flag, its system calls are never
	 * interrupted.
	 */
	/*
	 * The reader ends quietly when told to; the caller's thread watches
	 * the cancel flag and says once that the scan was interrupted.
	 */
	if (src->crawl != NULL) {
		scan_crawl_set_flags(src->crawl, NULL, &pf->quit);
	} else {
		scan_ldif_set_flags(src->ldif, NULL, &pf->quit);
	}
	int rc = thread_start(&pf->thread, reader_main, src);
	if (rc != 0) {
		if (src->crawl != NULL) {
			scan_crawl_set_flags(src->crawl, src->cancel, NULL);
		} else {
			scan_ldif_set_flags(src->ldif, src->cancel, NULL);
		}
		LOG_DBG("no reader thread (%s): reading in one thread",
			strerror(rc));
		pthread_cond_destroy(&pf->cond);
		pthread_mutex_destroy(&pf->lock);
		free(pf);
		src->pf = NULL;
		return false;
	}
	return true;
}

/* Stops and joins the reader, frees what it read ahead; returns how it
 * ended (STATUS_OK if it was stopped first). */
static enum status
reader_stop(struct scan_source *src)
{
	struct prefetch *pf = src->pf;
	if (pf == NULL) {
		return STATUS_OK;
	}
	pthread_mutex_lock(&pf->lock);
	pf->stop = true;
	pf->quit = 1;
	pthread_cond_broadcast(&pf->cond);
	pthread_mutex_unlock(&pf->lock);
	pthread_join(pf->thread, NULL);
	/* pf->quit goes with pf: the source is the caller's again. */
	if (src->crawl != NULL) {
		scan_crawl_set_flags(src->crawl, src->cancel, NULL);
	} else {
		scan_ldif_set_flags(src->ldif, src->cancel, NULL);
	}
	enum status end = pf->done ? pf->end : STATUS_OK;
	for (size_t i = 0; i < pf->count; i++) {
		scan_entry_free(
			pf->queue[(pf->head + i) % SCAN_PREFETCH_ENTRIES]);
	}
	pthread_cond_destroy(&pf->cond);
	pthread_mutex_destroy(&pf->lock);
	free(pf);
	src->pf = NULL;
	return end;
}

/*
 * The cancel flag is set: the scan ends now, also with entries waiting
 * in the queue, as it would have without read-ahead, with one message.
 */
static enum status
source_cancelled(struct scan_source *src)
{
	reader_stop(src);
	if (src->crawl != NULL) {
		LOG_ERR("scan of %s interrupted; it is incomplete", src->name);
	} else {
		LOG_ERR("reading %s interrupted; the scan is incomplete",
			src->name);
	}
	return STATUS_ERR_INTERRUPTED;
}

enum status
scan_source_next(struct scan_source *src, struct scan_entry **entry)
{
	*entry = NULL;
	if (src->failed != STATUS_OK) {
		return src->failed;
	}
	if (src->sync || (src->pf == NULL && !reader_start(src))) {
		src->sync = true;
		src->failed = source_read(src, entry);
		return src->failed;
	}
	if (src->cancel != NULL && *src->cancel) {
		src->failed = source_cancelled(src);
		return src->failed;
	}
	struct prefetch *pf = src->pf;
	pthread_mutex_lock(&pf->lock);
	while (pf->count == 0 && !pf->done) {
		/* A signal does not end the wait: look at the flag often. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SCAN_CANCEL_POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pf->caller_waits = true;
		pthread_cond_timedwait(&pf->cond, &pf->lock, &until);
		pf->caller_waits = false;
		if (src->cancel != NULL && *src->cancel) {
			pthread_mutex_unlock(&pf->lock);
			src->failed = source_cancelled(src);
			return src->failed;
		}
	}
	enum status st = STATUS_OK;
	if (pf->count > 0) {
		*entry = pf->queue[pf->head];
		pf->head = (pf->head + 1) % SCAN_PREFETCH_ENTRIES;
		pf->count--;
		if (pf->reader_waits &&
		    pf->count <= SCAN_PREFETCH_ENTRIES / 2) {
			pthread_cond_broadcast(&pf->cond);
		}
	} else {
		st = pf->end;
	}
	pthread_mutex_unlock(&pf->lock);
	src->failed = st;
	return st;
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
	reader_stop(src);
	scan_crawl_free(src->crawl);
	scan_ldif_free(src->ldif);
	scan_attrs_free(src->attrs);
	free(src->filter);
	free(src->base);
	free(src->name);
	free(src);
}
