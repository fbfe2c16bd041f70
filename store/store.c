#define LOG_MODULE "store"

#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "store/cand.h"
#include "store/codec.h"
#include "store/keytab.h"
#include "store/rowsort.h"
#include "store/schema.h"
#include "store/writer.h"

/* "SyRd": marks a database as ours (PRAGMA application_id). */
#define STORE_APPLICATION_ID 0x53795264

/*
 * How long a writer waits for another one before giving up: long enough
 * for another scan of the same database to resolve its duplicates.
 */
#define STORE_BUSY_TIMEOUT_MS 120000

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

/*
 * The finding rows that the writer thread, and the findings that
 * settling the candidates, hold back to insert in runs in index order
 * (store/rowsort.h).  Object rows go in as they come: nothing indexes
 * them by key (schema version 6).  Tests make the runs short, so that a scan
 * holds and inserts many of them.
 */
#ifndef STORE_SORT_ROWS
#define STORE_SORT_ROWS 131072
#endif
#define STORE_SORT_BYTES (32u << 20)
/*
 * The writer inserts what it holds when its queue runs empty only once
 * it holds this many rows (or when the store waits for it).  Inserted at
 * every empty queue, most of a million-object scan went in in runs of a
 * few hundred rows, each descending the random-key indexes anew: 1.0 s
 * more of the scan's wall time (BENCHMARKS.md, the tenth round).  Small
 * enough that a crawl, where the writer waits for the server most of the
 * time, still has little left to insert after its last page.
 */
#ifndef STORE_SORT_IDLE_ROWS
#define STORE_SORT_IDLE_ROWS 16384
#endif
#ifndef STORE_IDLE_COMMIT_ROWS
#define STORE_IDLE_COMMIT_ROWS 32768
#endif

/* The statements a scan runs once per row, prepared once per store. */
enum stmt_id {
	STMT_ADD_OBJECT = 0,
	STMT_ADD_FINDING,
	STMT_ADD_SKIPPED,
	STMT_ADD_SUMMARY,
	STMT_ADD_NOT_CRAWLED,
	STMT_COUNT,
};

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_ADD_OBJECT] = "INSERT INTO objects (scan_id, key, dn, cn,"
			    " objectclass) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_ADD_FINDING] =
		"INSERT INTO findings (scan_id, object_key, dn, cn,"
		" objectclass, attribute, value, rule, error, update_value,"
		" proposed_action, severity, dup_key) VALUES (?1, ?2, ?3, ?4,"
		" ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[STMT_ADD_SKIPPED] = "INSERT INTO skipped (scan_id, reason, count)"
			     " VALUES (?1, ?2, 1) ON CONFLICT (scan_id, reason)"
			     " DO UPDATE SET count = count + 1",
	[STMT_ADD_SUMMARY] = "INSERT INTO summary (scan_id, name, count)"
			     " VALUES (?1, ?2, 1) ON CONFLICT (scan_id, name)"
			     " DO UPDATE SET count = count + 1",
	[STMT_ADD_NOT_CRAWLED] = "INSERT INTO not_crawled (scan_id, reference)"
				 " VALUES (?1, ?2)",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[STMT_COUNT];
	unsigned pending; /* rows written in the open batch transaction */
	/* The duplicate candidates of each running scan (store/cand.h). */
	struct cand_log **logs;
	size_t nlogs;
	/* store_write_behind(): the thread that writes the rows, or NULL. */
	struct writer *writer;
	/* The writer's findings not yet inserted (store/rowsort.h). */
	struct rowsort *held_findings;
	/*
	 * The scan begun last and the largest findings id before it: its
	 * findings all lie above, so counting them at its end reads those
	 * rows in order instead of looking each up through an index.
	 */
	int64_t floor_scan;
	int64_t floor_id;
	/*
	 * The rows of floor_scan as they were inserted, so that its end
	 * need not count them again (0.21 s at a million objects); not
	 * valid once a failure may have rolled some back.
	 */
	struct {
		bool valid;
		int64_t objects;
		int64_t severity[3]; /* by enum finding_severity */
	} tally;
};

static enum status
rows_written(struct store *s);

static enum status
db_fail(struct store *s, const char *what)
{
	LOG_ERR("cannot %s in %s: %s", what, s->path, sqlite3_errmsg(s->db));
	return STATUS_ERR_STORE;
}

static enum status
exec(struct store *s, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		LOG_ERR("cannot %s in %s: %s", what, s->path,
			msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return STATUS_ERR_STORE;
	}
	return STATUS_OK;
}

/* Prepares a statement for one call; finalized by the caller. */
static sqlite3_stmt *
prepare(struct store *s, const char *sql, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		db_fail(s, what);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* The per-row statement id, prepared on first use, finalized by store_free. */
static sqlite3_stmt *
row_stmt(struct store *s, enum stmt_id id, const char *what)
{
	if (s->stmt[id] == NULL &&
	    sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
			       SQLITE_PREPARE_PERSISTENT, &s->stmt[id],
			       NULL) != SQLITE_OK) {
		db_fail(s, what);
		return NULL;
	}
	return s->stmt[id];
}

static void
bind_str(sqlite3_stmt *stmt, int i, const char *str)
{
	/* The statement runs before we return: the caller's copy will do. */
	if (str == NULL) {
		sqlite3_bind_null(stmt, i);
	} else {
		sqlite3_bind_text(stmt, i, str, -1, SQLITE_STATIC);
	}
}

/*
 * Runs a statement that returns no rows and resets it.  Bindings stay:
 * every caller binds every parameter before each step.
 */
static enum status
step_done(struct store *s, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);
	enum status st = STATUS_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		st = db_fail(s, what);
	}
	sqlite3_reset(stmt);
	return st;
}

static char *
column_dup(sqlite3_stmt *stmt, int i)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);
	if (text == NULL) {
		return NULL;
	}
	return xmemdup0(text, (size_t)sqlite3_column_bytes(stmt, i));
}

static bool
in_transaction(struct store *s)
{
	return sqlite3_get_autocommit(s->db) == 0;
}

/* Commits the open batch, if any. */
static enum status
batch_flush(struct store *s)
{
	s->pending = 0;
	if (!in_transaction(s)) {
		return STATUS_OK;
	}
	enum status st = exec(s, "COMMIT", "commit scan rows");
	if (st != STATUS_OK) {
		/* SQLite may have rolled the rows back. */
		s->tally.valid = false;
	}
	return st;
}

/* Opens a batch transaction before a row is written. */
static enum status
batch_row_begin(struct store *s)
{
	if (in_transaction(s)) {
		return STATUS_OK;
	}
	s->pending = 0;
	return exec(s, "BEGIN IMMEDIATE", "start a transaction");
}

/* Counts the written row; commits every STORE_BATCH_ROWS rows. */
static enum status
batch_row_end(struct store *s)
{
	if (++s->pending < STORE_BATCH_ROWS) {
		return STATUS_OK;
	}
	return batch_flush(s);
}

static void
rollback(struct store *s)
{
	/* SQLite may already have rolled back (disk full): then no-op. */
	if (in_transaction(s)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	s->pending = 0;
	s->tally.valid = false;
}

static enum status
pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *stmt = prepare(s, sql, "read the schema version");
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	enum status st = STATUS_OK;
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*out = sqlite3_column_int(stmt, 0);
	} else {
		st = db_fail(s, "read the schema version");
	}
	sqlite3_finalize(stmt);
	return st;
}

/*
 * Whether the file is ours (or empty) and at a version this build knows;
 * *version is its schema version.  Reads only.
 */
static enum status
check_schema(struct store *s, int *version_out)
{
	int version = 0;
	int app_id = 0;
	enum status st = pragma_int(s, "PRAGMA user_version", &version);
	if (st == STATUS_OK) {
		st = pragma_int(s, "PRAGMA application_id", &app_id);
	}
	if (st != STATUS_OK) {
		return st;
	}
	if (app_id != 0 && app_id != STORE_APPLICATION_ID) {
		LOG_ERR("%s is not a syncready database (application id %d)",
			s->path, app_id);
		return STATUS_ERR_STORE;
	}
	int known = store_schema_version();
	if (version > known) {
		LOG_ERR("%s has schema version %d but this syncready knows "
			"only up to %d: use a newer syncready",
			s->path, version, known);
		return STATUS_ERR_STORE;
	}
	*version_out = version;
	if (version == 0) {
		/* Never put our tables into somebody else's database. */
		int tables = 0;
		st = pragma_int(s, "SELECT count(*) FROM sqlite_master",
				&tables);
		if (st != STATUS_OK) {
			return st;
		}
		if (tables > 0) {
			LOG_ERR("%s is not a syncready database (it has tables "
				"but no syncready schema version)",
				s->path);
			return STATUS_ERR_STORE;
		}
	}
	return STATUS_OK;
}

/* Takes the schema from version to the one this build knows. */
static enum status
migrate(struct store *s, int version)
{
	enum status st = STATUS_OK;
	int known = store_schema_version();
	for (int v = version; v < known; v++) {
		char what[64];
		snprintf(what, sizeof(what), "migrate the schema to version %d",
			 v + 1);
		char *set = xasprintf("PRAGMA application_id = %d;"
				      " PRAGMA user_version = %d",
				      STORE_APPLICATION_ID, v + 1);
		st = exec(s, "BEGIN IMMEDIATE", what);
		if (st == STATUS_OK) {
			st = exec(s, store_schema_step(v), what);
		}
		if (st == STATUS_OK) {
			st = exec(s, set, what);
		}
		if (st == STATUS_OK) {
			st = exec(s, "COMMIT", what);
		}
		free(set);
		if (st != STATUS_OK) {
			rollback(s);
			return st;
		}
		LOG_DBG("%s: schema version %d", s->path, v + 1);
	}
	return STATUS_OK;
}

static void
hostname(char *buf, size_t size)
{
	if (gethostname(buf, size) != 0) {
		buf[0] = '\0';
	}
	buf[size - 1] = '\0';
}

static bool
process_gone(int64_t pid)
{
	if (pid <= 0 || pid > INT_MAX) {
		return false;
	}
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/*
 * Marks "running" scans failed whose process on this host is gone.  A scan
 * of another host is left alone: we cannot tell whether it still runs.
 */
static enum status
end_scan(struct store *s, int64_t scan_id, const char *state,
	 const char *reason);

/*
 * Marks "running" scans failed whose process on this host is gone.  A scan
 * of another host is left alone: we cannot tell whether it still runs.
 */
static enum status
fail_stale_scans(struct store *s)
{
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		return STATUS_OK;
	}
	char host[256];
	hostname(host, sizeof(host));
	const char *what = "find interrupted scans";
	sqlite3_stmt *sel = prepare(s,
				    "SELECT id, pid FROM scans WHERE state ="
				    " 'running' AND host = ?1",
				    what);
	if (sel == NULL) {
		return STATUS_ERR_STORE;
	}
	bind_str(sel, 1, host);
	int64_t *stale = NULL;
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (process_gone(sqlite3_column_int64(sel, 1))) {
			stale = xreallocarray(stale, n + 1, sizeof(*stale));
			stale[n++] = sqlite3_column_int64(sel, 0);
		}
	}
	enum status st = STATUS_OK;
	if (rc != SQLITE_DONE) {
		st = db_fail(s, what);
	}
	sqlite3_finalize(sel);
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		st = exec(s, "BEGIN IMMEDIATE", "start a transaction");
		if (st == STATUS_OK) {
			st = end_scan(s, stale[i], "failed",
				      "interrupted (process ended)");
		}
		if (st == STATUS_OK) {
			LOG_WARN("scan %" PRId64 " was interrupted (its process"
				 " ended): marked failed",
				 stale[i]);
		}
	}
	free(stale);
	return st;
}

/* "file:" URI of path, opened immutable (see store_open_existing()). */
static char *
immutable_uri(const char *path)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "file:");
	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#') {
			strbuf_addf(&sb, "%%%02X", (unsigned char)*p);
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	strbuf_addstr(&sb, "?immutable=1");
	return strbuf_detach(&sb, NULL);
}

static void
sqlite_setup(void)
{
	/*
	 * Before SQLite's first use: without memory statistics (nothing here
	 * reads them) an allocation of SQLite's takes no process-wide mutex,
	 * and the writer thread makes millions.  Fails harmlessly if SQLite
	 * is already in use.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static struct store *
open_db(const char *path, bool create, bool immutable, enum status *st)
{
	static pthread_once_t setup = PTHREAD_ONCE_INIT;
	pthread_once(&setup, sqlite_setup);
	struct store *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	*st = STATUS_ERR_STORE;

	/* One thread per connection: SQLite's own mutexes are not needed. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (create) {
		flags |= SQLITE_OPEN_CREATE;
	}
	char *uri = NULL;
	if (immutable) {
		uri = immutable_uri(path);
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			SQLITE_OPEN_NOMUTEX;
	}
	int rc = sqlite3_open_v2(uri != NULL ? uri : path, &s->db, flags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		if (s->db == NULL) {
			LOG_ERR("cannot open database %s: %s", path,
				sqlite3_errstr(rc));
		} else {
			LOG_ERR("cannot open database %s: %s", path,
				sqlite3_errmsg(s->db));
		}
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if (create && sqlite3_db_readonly(s->db, "main") == 1) {
		LOG_ERR("cannot write database %s: the file is read-only",
			path);
		goto fail;
	}
	/*
	 * WAL: readers (a report) never block the scan; NORMAL: a commit
	 * survives a crash of the process, and the database stays consistent
	 * after a power loss.  Set once the file is known to be ours, and
	 * before the schema steps: in the default journal mode each of them
	 * waited for fsync() (40 ms of a new database's 55).
	 */
	int version = 0;
	if (exec(s, "PRAGMA foreign_keys = ON", "switch on foreign keys") !=
		    STATUS_OK ||
	    check_schema(s, &version) != STATUS_OK) {
		goto fail;
	}
	if (sqlite3_db_readonly(s->db, "main") != 1 &&
	    (exec(s, "PRAGMA journal_mode = WAL", "switch to WAL") !=
		     STATUS_OK ||
	     exec(s, "PRAGMA synchronous = NORMAL", "set synchronous") !=
		     STATUS_OK ||
	     exec(s, "PRAGMA cache_size = -65536", "set the cache size") !=
		     STATUS_OK)) {
		goto fail;
	}
	if (migrate(s, version) != STATUS_OK) {
		goto fail;
	}
	if (fail_stale_scans(s) != STATUS_OK) {
		goto fail;
	}
	*st = STATUS_OK;
	return s;
fail:
	store_free(s);
	return NULL;
}

struct store *
store_open(const char *path, enum status *st)
{
	return open_db(path != NULL ? path : STORE_DEFAULT_PATH, true, false,
		       st);
}

struct store *
store_open_existing(const char *path, enum status *st)
{
	if (path == NULL) {
		path = STORE_DEFAULT_PATH;
	}
	if (access(path, F_OK) != 0) {
		LOG_ERRNO("cannot open database %s", path);
		*st = STATUS_ERR_STORE;
		return NULL;
	}
	/*
	 * A WAL database we cannot write may lack the -shm file SQLite needs
	 * to read it; read such a file as an immutable snapshot instead.
	 */
	return open_db(path, false, access(path, W_OK) != 0, st);
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

void
store_free(struct store *s)
{
	if (s == NULL) {
		return;
	}
	writer_free(s->writer);
	rowsort_free(s->held_findings);
	if (s->db != NULL) {
		/* Rows written so far stay, as with store_scan_fail(). */
		if (in_transaction(s)) {
			batch_flush(s);
			rollback(s);
		}
		for (size_t i = 0; i < STMT_COUNT; i++) {
			sqlite3_finalize(s->stmt[i]);
		}
		if (sqlite3_close(s->db) != SQLITE_OK) {
			LOG_ERR("cannot close database %s: %s", s->path,
				sqlite3_errmsg(s->db));
		}
	}
	for (size_t i = 0; i < s->nlogs; i++) {
		cand_log_free(s->logs[i]);
	}
	free(s->logs);
	free(s->path);
	free(s);
}

enum status
store_scan_begin(struct store *s, const struct store_scan_meta *meta,
		 int64_t *scan_id)
{
	enum status written = rows_written(s);
	if (written != STATUS_OK) {
		return written;
	}
	enum status st = batch_flush(s);
	if (st != STATUS_OK) {
		return st;
	}
	const char *what = "record the start of the scan";
	sqlite3_stmt *stmt = prepare(
		s,
		"INSERT INTO scans (state, started, source_kind, source, base,"
		" filter, rule_pack, rule_pack_hash, label, tool_version, pid,"
		" host) VALUES ('running', " NOW_SQL ", ?1, ?2, ?3, ?4, ?5,"
		" ?6, ?7, ?8, ?9, ?10)",
		what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	char host[256];
	hostname(host, sizeof(host));
	bind_str(stmt, 1, meta->source_kind != NULL ? meta->source_kind : "");
	bind_str(stmt, 2, meta->source != NULL ? meta->source : "");
	bind_str(stmt, 3, meta->base);
	bind_str(stmt, 4, meta->filter);
	bind_str(stmt, 5, meta->rule_pack);
	bind_str(stmt, 6, meta->rule_pack_hash);
	bind_str(stmt, 7, meta->label);
	bind_str(stmt, 8, meta->tool_version);
	sqlite3_bind_int64(stmt, 9, (int64_t)getpid());
	bind_str(stmt, 10, host);
	st = step_done(s, stmt, what);
	if (st == STATUS_OK) {
		*scan_id = sqlite3_last_insert_rowid(s->db);
	}
	sqlite3_finalize(stmt);
	if (st != STATUS_OK) {
		return st;
	}
	what = "read the last finding id";
	stmt = prepare(s, "SELECT coalesce(max(id), 0) FROM findings", what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		s->floor_scan = *scan_id;
		s->floor_id = sqlite3_column_int64(stmt, 0);
		memset(&s->tally, 0, sizeof(s->tally));
		s->tally.valid = true;
	} else {
		st = db_fail(s, what);
	}
	sqlite3_finalize(stmt);
	return st;
}

enum status
store_scan_set_base(struct store *s, int64_t scan_id, const char *base)
{
	enum status written = rows_written(s);
	if (written != STATUS_OK) {
		return written;
	}
	const char *what = "record the base DN of the scan";
	sqlite3_stmt *stmt =
		prepare(s, "UPDATE scans SET base = ?2 WHERE id = ?1", what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, base);
	enum status st = step_done(s, stmt, what);
	sqlite3_finalize(stmt);
	return st;
}

/*
 * The key of an object or finding row (the diff's OBJECTGUID): its
 * objectGUID, else its DN.  Findings are indexed by it
 * (findings_scan_key), and the findings held back for insertion are
 * sorted by it.
 */
static const char *
object_key(const struct store_object *obj)
{
	return obj->key != NULL ? obj->key : obj->dn;
}

static const char *
finding_key(const struct finding *f)
{
	return f->objectguid != NULL ? f->objectguid : f->dn;
}

static enum status
add_object_now(struct store *s, int64_t scan_id,
	       const struct store_object *obj)
{
	const char *what = "record an object";
	sqlite3_stmt *stmt = row_stmt(s, STMT_ADD_OBJECT, what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	enum status st = batch_row_begin(s);
	if (st != STATUS_OK) {
		return st;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, object_key(obj));
	bind_str(stmt, 3, obj->dn);
	bind_str(stmt, 4, obj->cn);
	bind_str(stmt, 5, obj->objectclass);
	st = step_done(s, stmt, what);
	if (st != STATUS_OK) {
		return st;
	}
	if (scan_id == s->floor_scan) {
		s->tally.objects++;
	}
	return batch_row_end(s);
}

/* Adds one to the counter name of a per-scan count table. */
static enum status
add_count(struct store *s, int stmt_id, int64_t scan_id, const char *name,
	  const char *what)
{
	sqlite3_stmt *stmt = row_stmt(s, stmt_id, what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	enum status st = batch_row_begin(s);
	if (st != STATUS_OK) {
		return st;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, name != NULL ? name : "");
	st = step_done(s, stmt, what);
	if (st != STATUS_OK) {
		return st;
	}
	return batch_row_end(s);
}

static enum status
add_skipped_now(struct store *s, int64_t scan_id, const char *reason)
{
	return add_count(s, STMT_ADD_SKIPPED, scan_id, reason,
			 "record a skipped object");
}

static enum status
add_summary_now(struct store *s, int64_t scan_id, const char *name)
{
	return add_count(s, STMT_ADD_SUMMARY, scan_id, name,
			 "record a summary count");
}

static enum status
add_not_crawled_now(struct store *s, int64_t scan_id, const char *ref)
{
	const char *what = "record a reference not crawled";
	sqlite3_stmt *stmt = row_stmt(s, STMT_ADD_NOT_CRAWLED, what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	enum status st = batch_row_begin(s);
	if (st != STATUS_OK) {
		return st;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, ref != NULL ? ref : "");
	st = step_done(s, stmt, what);
	if (st != STATUS_OK) {
		return st;
	}
	return batch_row_end(s);
}

/* The candidate log of scan_id; with create, a new one if it has none. */
static struct cand_log *
find_log(struct store *s, int64_t scan_id, bool create, enum status *st)
{
	*st = STATUS_OK;
	for (size_t i = 0; i < s->nlogs; i++) {
		if (cand_log_scan(s->logs[i]) == scan_id) {
			return s->logs[i];
		}
	}
	if (!create) {
		return NULL;
	}
	struct cand_log *log = cand_log_new(scan_id, st);
	if (log != NULL) {
		s->logs = xreallocarray(s->logs, s->nlogs + 1,
					sizeof(*s->logs));
		s->logs[s->nlogs++] = log;
	}
	return log;
}

static void
drop_log(struct store *s, int64_t scan_id)
{
	for (size_t i = 0; i < s->nlogs; i++) {
		if (cand_log_scan(s->logs[i]) == scan_id) {
			cand_log_free(s->logs[i]);
			s->logs[i] = s->logs[--s->nlogs];
			return;
		}
	}
}

/* Binds and runs the findings insert; the caller handles the batch. */
static enum status
insert_finding(struct store *s, int64_t scan_id, const struct finding *f)
{
	const char *what = "record a finding";
	sqlite3_stmt *stmt = row_stmt(s, STMT_ADD_FINDING, what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	const char *key = finding_key(f);
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, key != NULL ? key : "");
	bind_str(stmt, 3, f->dn != NULL ? f->dn : "");
	bind_str(stmt, 4, f->cn);
	bind_str(stmt, 5, f->objectclass);
	bind_str(stmt, 6, f->attribute != NULL ? f->attribute : "");
	bind_str(stmt, 7, f->value != NULL ? f->value : "");
	bind_str(stmt, 8, f->rule);
	bind_str(stmt, 9, f->error);
	bind_str(stmt, 10, f->update);
	bind_str(stmt, 11, f->proposed_action);
	bind_str(stmt, 12, finding_severity_str(f->severity));
	bind_str(stmt, 13, f->dup_key);
	enum status st = step_done(s, stmt, what);
	if (st == STATUS_OK && scan_id == s->floor_scan) {
		size_t sev = (size_t)f->severity;
		if (sev < sizeof(s->tally.severity) /
				  sizeof(*s->tally.severity)) {
			s->tally.severity[sev]++;
		} else {
			s->tally.valid = false;
		}
	}
	return st;
}

static enum status
add_finding_now(struct store *s, int64_t scan_id, const struct finding *f)
{
	enum status st;
	if (f->dup_key != NULL) {
		/* Settled when the scan ends; never in the database file. */
		struct cand_log *log = find_log(s, scan_id, true, &st);
		return log != NULL ? cand_log_add(log, f) : st;
	}
	st = batch_row_begin(s);
	if (st == STATUS_OK) {
		st = insert_finding(s, scan_id, f);
	}
	return st != STATUS_OK ? st : batch_row_end(s);
}

/* ---- rows written behind (store_write_behind) ---------------------- */

enum row_op {
	ROW_OBJECT = 1,
	ROW_FINDING,
	ROW_SKIPPED,
	ROW_SUMMARY,
	ROW_NOT_CRAWLED,
};

/* The strings of a finding in the writer's encoding, in this order. */
#define FINDING_STRINGS 15

static void
finding_strings(const struct finding *f, const char *out[FINDING_STRINGS])
{
	const char *v[FINDING_STRINGS] = {
		f->dn,	      f->cn,	      f->objectclass, f->objectguid,
		f->attribute, f->value,	      f->rule,	      f->error,
		f->update,    f->proposed_action, f->dup_key, f->dup_rule,
		f->dup_error, f->dup_update,  f->dup_action,
	};
	memcpy(out, v, sizeof(v));
}

static struct strbuf *
row_begin(struct store *s, enum row_op op, int64_t scan_id)
{
	struct strbuf *b = writer_block(s->writer);
	unsigned char head[1 + 8];
	head[0] = (unsigned char)op;
	memcpy(head + 1, &scan_id, 8);
	strbuf_add(b, head, sizeof(head));
	return b;
}

/* Writes a row of one string (a count or a reference) now. */
static enum status
add_one_now(struct store *s, enum row_op op, int64_t scan_id, const char *str)
{
	switch (op) {
	case ROW_SKIPPED:
		return add_skipped_now(s, scan_id, str);
	case ROW_SUMMARY:
		return add_summary_now(s, scan_id, str);
	default:
		return add_not_crawled_now(s, scan_id, str);
	}
}

/* The object row that codec_put_strs() wrote for store_add_object(). */
static bool
decode_object(const unsigned char **p, const unsigned char *end,
	      struct store_object *obj)
{
	const char *str[4];
	size_t len;
	for (size_t i = 0; i < 4; i++) {
		if (!codec_get_str(p, end, &str[i], &len)) {
			return false;
		}
	}
	*obj = (struct store_object){
		.key = str[0],
		.dn = str[1],
		.cn = str[2],
		.objectclass = str[3],
	};
	return true;
}

/* The finding row that encode_finding() wrote. */
static bool
decode_finding(const unsigned char **p, const unsigned char *end,
	       struct finding *f)
{
	const char *str[FINDING_STRINGS];
	size_t len;
	for (size_t i = 0; i < FINDING_STRINGS; i++) {
		if (!codec_get_str(p, end, &str[i], &len)) {
			return false;
		}
	}
	if (end - *p < 2) {
		return false;
	}
	*f = (struct finding){
		.dn = str[0],
		.cn = str[1],
		.objectclass = str[2],
		.objectguid = str[3],
		.attribute = str[4],
		.value = str[5],
		.rule = str[6],
		.error = str[7],
		.update = str[8],
		.proposed_action = str[9],
		.severity = (enum finding_severity)(*p)[0],
		.dup_key = str[10],
		.dup_rule = str[11],
		.dup_error = str[12],
		.dup_update = str[13],
		.dup_action = str[14],
		.dup_severity = (enum finding_severity)(*p)[1],
	};
	*p += 2;
	return true;
}

static void
encode_finding(struct strbuf *b, const struct finding *f)
{
	const char *str[FINDING_STRINGS];
	size_t len[FINDING_STRINGS];
	finding_strings(f, str);
	codec_put_strs(b, str, len, FINDING_STRINGS);
	char *sev = strbuf_extend(b, 2);
	sev[0] = (char)f->severity;
	sev[1] = (char)f->dup_severity;
}

/* Only this file writes the held rows: a bug, not bad input. */
static enum status
held_damaged(const struct store *s)
{
	LOG_ERR("cannot write rows to %s: a held row is damaged", s->path);
	return STATUS_ERR_UNEXPECTED;
}

static enum status
insert_held_finding(void *ctx, int64_t scan_id, const unsigned char *row,
		    size_t len)
{
	struct store *s = ctx;
	struct finding f;
	if (!decode_finding(&row, row + len, &f)) {
		return held_damaged(s);
	}
	return add_finding_now(s, scan_id, &f);
}

/*
 * The writer's idle time: the held rows go in if there are enough of
 * them, if the writer waits for the rules anyway (slow), or all of them
 * when the store waits for the writer (drain).  A slow producer's rows
 * are also committed from STORE_IDLE_COMMIT_ROWS on: a crawl's rows then
 * commit and checkpoint while the server prepares its next page, not
 * all in one transaction after its last (0.3 s of a 4.7 s crawl of
 * 100,000 users).  Not while the rules keep the writer busy: at a million
 * objects a commit rewrites the index pages its rows touched, and more
 * of them cost the scan more than they save at its end.
 */
static enum status
insert_held_rows(void *ctx, bool drain, bool slow)
{
	struct store *s = ctx;
	enum status st = STATUS_OK;
	if (!drain && !slow &&
	    rowsort_count(s->held_findings) < STORE_SORT_IDLE_ROWS) {
		return STATUS_OK;
	}
	st = rowsort_drain(s->held_findings, insert_held_finding, s);
	if (st == STATUS_OK && !drain && slow &&
	    s->pending >= STORE_IDLE_COMMIT_ROWS) {
		st = batch_flush(s);
	}
	return st;
}

/* Applies a block of rows in the writer thread. */
static enum status
apply_rows(void *ctx, const char *data, size_t len)
{
	struct store *s = ctx;
	const unsigned char *p = (const unsigned char *)data;
	const unsigned char *end = p + len;
	enum status st = STATUS_OK;
	while (p < end && st == STATUS_OK) {
		if (end - p < 9) {
			goto damaged;
		}
		enum row_op op = (enum row_op)p[0];
		int64_t scan_id;
		memcpy(&scan_id, p + 1, 8);
		p += 9;
		const unsigned char *row = p;
		switch (op) {
		case ROW_OBJECT: {
			struct store_object obj;
			if (!decode_object(&p, end, &obj)) {
				goto damaged;
			}
			st = add_object_now(s, scan_id, &obj);
			break;
		}
		case ROW_FINDING: {
			struct finding f;
			if (!decode_finding(&p, end, &f)) {
				goto damaged;
			}
			rowsort_add(s->held_findings, scan_id, finding_key(&f),
				    row, (size_t)(p - row));
			if (rowsort_full(s->held_findings)) {
				st = rowsort_drain(s->held_findings,
						   insert_held_finding, s);
			}
			break;
		}
		case ROW_SKIPPED:
		case ROW_SUMMARY:
		case ROW_NOT_CRAWLED: {
			const char *str;
			size_t slen;
			if (!codec_get_str(&p, end, &str, &slen)) {
				goto damaged;
			}
			st = add_one_now(s, op, scan_id, str);
			break;
		}
		default:
			goto damaged;
		}
	}
	return st;
damaged:
	/* Only this file writes the blocks: a bug, not bad input. */
	LOG_ERR("cannot write rows to %s: a queued row is damaged", s->path);
	return STATUS_ERR_UNEXPECTED;
}

enum status
store_write_behind(struct store *s)
{
	if (s->writer != NULL) {
		return STATUS_OK;
	}
	/*
	 * The rows the writer inserts all belong to a scan that exists and
	 * that nothing deletes meanwhile: SQLite need not look the scan up
	 * for each of them (a tenth of the writer's instructions).  Back on
	 * when the scan ends (store_scan_complete(), store_scan_fail()).
	 */
	enum status st =
		exec(s, "PRAGMA foreign_keys = OFF", "switch off foreign keys");
	if (st != STATUS_OK) {
		return st;
	}
	s->held_findings = rowsort_new(STORE_SORT_ROWS, STORE_SORT_BYTES);
	s->writer = writer_new(apply_rows, insert_held_rows, s, &st);
	if (s->writer == NULL) {
		rowsort_free(s->held_findings);
		s->held_findings = NULL;
		/* No writer thread: the rows are checked as before. */
		exec(s, "PRAGMA foreign_keys = ON", "switch on foreign keys");
	}
	return st;
}

/*
 * Waits until the writer thread has written every queued row, so that
 * this thread may use the connection; returns the writer's failure.
 */
static enum status
rows_written(struct store *s)
{
	return s->writer != NULL ? writer_drain(s->writer) : STATUS_OK;
}

enum status
store_add_object(struct store *s, int64_t scan_id,
		 const struct store_object *obj)
{
	if (s->writer == NULL) {
		return add_object_now(s, scan_id, obj);
	}
	struct strbuf *b = row_begin(s, ROW_OBJECT, scan_id);
	const char *str[4] = {obj->key, obj->dn, obj->cn, obj->objectclass};
	size_t len[4];
	codec_put_strs(b, str, len, 4);
	return writer_commit(s->writer);
}

enum status
store_add_finding(struct store *s, int64_t scan_id, const struct finding *f)
{
	if (f->error == NULL && f->dup_key == NULL) {
		/* Neither a finding nor a candidate: nothing to keep. */
		return STATUS_OK;
	}
	/*
	 * A candidate goes to its log at once, in this thread: it never
	 * reaches SQLite, and encoding it for the writer thread only for
	 * that thread to decode and encode it again for the log cost a
	 * scan a twentieth of its instructions (eight candidates an
	 * object).  The writer never touches the logs.
	 */
	if (s->writer == NULL || f->dup_key != NULL) {
		return add_finding_now(s, scan_id, f);
	}
	encode_finding(row_begin(s, ROW_FINDING, scan_id), f);
	return writer_commit(s->writer);
}

/* A row of one string, written now or queued for the writer. */
static enum status
add_one(struct store *s, enum row_op op, int64_t scan_id, const char *str)
{
	if (s->writer == NULL) {
		return add_one_now(s, op, scan_id, str);
	}
	struct strbuf *b = row_begin(s, op, scan_id);
	codec_put_str(b, str);
	return writer_commit(s->writer);
}

enum status
store_add_skipped(struct store *s, int64_t scan_id, const char *reason)
{
	return add_one(s, ROW_SKIPPED, scan_id, reason);
}

enum status
store_add_count(struct store *s, int64_t scan_id, const char *name)
{
	return add_one(s, ROW_SUMMARY, scan_id, name);
}

enum status
store_add_not_crawled(struct store *s, int64_t scan_id, const char *ref)
{
	return add_one(s, ROW_NOT_CRAWLED, scan_id, ref);
}

static double
seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct settle_ctx {
	struct store *s;
	int64_t scan_id;
	size_t rows;
	struct rowsort *held;
	struct strbuf row;
};

static enum status
settle_held_finding(void *ctx, int64_t scan_id, const unsigned char *row,
		    size_t len)
{
	struct store *s = ctx;
	struct finding f;
	if (!decode_finding(&row, row + len, &f)) {
		return held_damaged(s);
	}
	/* Inside end_scan()'s transaction: no batch commits here. */
	return insert_finding(s, scan_id, &f);
}

/*
 * The settle hands findings over in the order their objects were read,
 * random in their key: like the writer's rows, they are held and
 * inserted in runs in key order.
 */
static enum status
settle_one(void *ctx, const struct finding *f)
{
	struct settle_ctx *c = ctx;
	c->rows++;
	strbuf_reset(&c->row);
	encode_finding(&c->row, f);
	rowsort_add(c->held, c->scan_id, finding_key(f), c->row.buf,
		    c->row.len);
	if (!rowsort_full(c->held)) {
		return STATUS_OK;
	}
	return rowsort_drain(c->held, settle_held_finding, c->s);
}

/*
 * Turns the scan's duplicate candidates into findings (store/cand.h):
 * with resolve, a candidate whose dup_key is held by more than one
 * candidate of the scan (other objects, or the same object twice) takes
 * its dup variant; otherwise (and always without resolve, for a scan that
 * did not finish) the plain one, and none if its error is NULL.
 */
static enum status
settle_candidates(struct store *s, int64_t scan_id, bool resolve)
{
	enum status st;
	struct cand_log *log = find_log(s, scan_id, false, &st);
	if (log == NULL) {
		return STATUS_OK;
	}
	bool timed = log_get_level() >= LOG_LEVEL_DEBUG;
	double t0 = timed ? seconds() : 0;
	struct settle_ctx ctx = {
		.s = s,
		.scan_id = scan_id,
		.held = rowsort_new(STORE_SORT_ROWS, STORE_SORT_BYTES),
	};
	strbuf_init(&ctx.row);
	st = cand_log_settle(log, resolve, settle_one, &ctx);
	if (st == STATUS_OK) {
		/* The last run; after a failure it is dropped with ctx. */
		st = rowsort_drain(ctx.held, settle_held_finding, s);
	}
	rowsort_free(ctx.held);
	strbuf_release(&ctx.row);
	if (timed && st == STATUS_OK) {
		uint64_t count, bytes;
		cand_log_stats(log, &count, &bytes);
		LOG_DBG("resolve duplicate candidates: %" PRIu64
			" candidates (%.1f MB of temporary file), %zu"
			" findings, %.2f s",
			count, (double)bytes / 1e6, ctx.rows, seconds() - t0);
	}
	return st;
}

/* Ends the scan as state (with reason), storing its counts. */
static enum status
finish_scan(struct store *s, int64_t scan_id, const char *state,
	    const char *reason)
{
	const char *what = "record the end of the scan";
	/*
	 * A complete scan of this store has its rows tallied as they were
	 * inserted: every one was committed.  Any other is counted: then
	 * "+scan_id" keeps the planner on the id range (0.1 s instead of
	 * 1.2 s for 423,000 findings), and a scan begun elsewhere (an
	 * interrupted one) is counted through the index.
	 */
	bool floor = scan_id == s->floor_scan;
	bool tallied =
		floor && s->tally.valid && strcmp(state, "complete") == 0;
#define FINISH_SQL(objects, counts)                                            \
	"UPDATE scans SET state = ?2, reason = ?3, finished = " NOW_SQL        \
	", objects_read = " objects ", objects_skipped = (SELECT"              \
	" coalesce(sum(count), 0) FROM skipped WHERE scan_id = ?1),"           \
	" findings = c.n, errors = c.e, warnings = c.w, infos = c.i FROM"      \
	" (" counts ") AS c WHERE id = ?1 AND state = 'running'"
#define COUNT_SQL(where)                                                       \
	"SELECT count(*) AS n, coalesce(sum(severity = 'error'), 0) AS e,"    \
	" coalesce(sum(severity = 'warning'), 0) AS w,"                       \
	" coalesce(sum(severity = 'info'), 0) AS i FROM findings WHERE " where
#define OBJECTS_SQL "(SELECT count(*) FROM objects WHERE scan_id = ?1)"
	const char *sql =
		tallied ? FINISH_SQL("?5", "SELECT ?6 + ?7 + ?8 AS n, ?6 AS e,"
					   " ?7 AS w, ?8 AS i")
		: floor ? FINISH_SQL(OBJECTS_SQL,
				     COUNT_SQL("id > ?4 AND +scan_id = ?1"))
			: FINISH_SQL(OBJECTS_SQL, COUNT_SQL("scan_id = ?1"));
#undef OBJECTS_SQL
#undef COUNT_SQL
#undef FINISH_SQL
	sqlite3_stmt *stmt = prepare(s, sql, what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	if (tallied) {
		sqlite3_bind_int64(stmt, 5, s->tally.objects);
		sqlite3_bind_int64(stmt, 6, s->tally.severity[FINDING_ERROR]);
		sqlite3_bind_int64(stmt, 7, s->tally.severity[FINDING_WARNING]);
		sqlite3_bind_int64(stmt, 8, s->tally.severity[FINDING_INFO]);
	} else if (floor) {
		sqlite3_bind_int64(stmt, 4, s->floor_id);
	}
	bind_str(stmt, 2, state);
	bind_str(stmt, 3, reason);
	enum status st = step_done(s, stmt, what);
	sqlite3_finalize(stmt);
	if (st == STATUS_OK && sqlite3_changes(s->db) != 1) {
		LOG_ERR("cannot end scan %" PRId64 " in %s: it is not running",
			scan_id, s->path);
		st = STATUS_ERR_STORE;
	}
	return st;
}

/*
 * Settles the candidates and records state, reason and counts, in one
 * transaction; the caller has opened it (BEGIN IMMEDIATE).
 */
static enum status
end_scan(struct store *s, int64_t scan_id, const char *state,
	 const char *reason)
{
	bool complete = strcmp(state, "complete") == 0;
	enum status st = STATUS_OK;
	/*
	 * Check first: settling a scan that is not running would change
	 * nothing but cost a pass over the candidates.
	 */
	const char *what = "read the state of the scan";
	sqlite3_stmt *stmt =
		prepare(s, "SELECT state FROM scans WHERE id = ?1", what);
	if (stmt == NULL) {
		st = STATUS_ERR_STORE;
	} else {
		sqlite3_bind_int64(stmt, 1, scan_id);
		int rc = sqlite3_step(stmt);
		const char *cur =
			rc == SQLITE_ROW
				? (const char *)sqlite3_column_text(stmt, 0)
				: NULL;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			st = db_fail(s, what);
		} else if (cur == NULL || strcmp(cur, "running") != 0) {
			LOG_ERR("cannot end scan %" PRId64 " in %s: it is %s",
				scan_id, s->path,
				cur != NULL ? cur : "not there");
			st = STATUS_ERR_STORE;
		}
		sqlite3_finalize(stmt);
	}
	if (st == STATUS_OK) {
		st = settle_candidates(s, scan_id, complete);
	}
	if (st == STATUS_OK) {
		st = finish_scan(s, scan_id, state, reason);
	}
	if (st == STATUS_OK) {
		st = exec(s, "COMMIT", "commit the end of the scan");
	}
	if (st != STATUS_OK) {
		rollback(s);
	} else {
		drop_log(s, scan_id);
	}
	return st;
}

enum status
store_scan_complete(struct store *s, int64_t scan_id)
{
	enum status written = rows_written(s);
	if (written != STATUS_OK) {
		return written;
	}
	/* The candidates' hashes sort while the rows commit. */
	enum status st;
	struct cand_log *log = find_log(s, scan_id, false, &st);
	if (log != NULL) {
		cand_log_sort_begin(log);
	}
	st = batch_flush(s);
	if (st == STATUS_OK) {
		st = exec(s, "PRAGMA foreign_keys = ON",
			  "switch on foreign keys");
	}
	if (st == STATUS_OK) {
		st = exec(s, "BEGIN IMMEDIATE", "start a transaction");
	}
	if (st == STATUS_OK) {
		st = end_scan(s, scan_id, "complete", NULL);
	}
	return st;
}

enum status
store_scan_fail(struct store *s, int64_t scan_id, const char *reason)
{
	/* Whatever the writer managed to write stays. */
	rows_written(s);
	/* Keep what was written, or else what was committed. */
	if (batch_flush(s) != STATUS_OK) {
		rollback(s);
	}
	/* Logged if it fails; the failure is recorded all the same. */
	exec(s, "PRAGMA foreign_keys = ON", "switch on foreign keys");
	enum status st = exec(s, "BEGIN IMMEDIATE", "start a transaction");
	if (st != STATUS_OK) {
		return st;
	}
	return end_scan(s, scan_id, "failed",
			reason != NULL ? reason : "failed");
}

enum status
store_flush(struct store *s)
{
	enum status written = rows_written(s);
	if (written != STATUS_OK) {
		return written;
	}
	return batch_flush(s);
}

void
store_scan_release(struct store_scan *scan)
{
	if (scan == NULL) {
		return;
	}
	free(scan->state);
	free(scan->reason);
	free(scan->started);
	free(scan->finished);
	free(scan->source_kind);
	free(scan->source);
	free(scan->base);
	free(scan->filter);
	free(scan->rule_pack);
	free(scan->rule_pack_hash);
	free(scan->label);
	free(scan->tool_version);
	memset(scan, 0, sizeof(*scan));
}

#define SCAN_COLUMNS                                                           \
	"id, state, reason, started, finished, source_kind, source, base,"     \
	" filter, rule_pack, rule_pack_hash, label, tool_version,"             \
	" objects_read, objects_skipped, findings, errors, warnings, infos"

static void
scan_from_row(sqlite3_stmt *stmt, struct store_scan *out)
{
	out->id = sqlite3_column_int64(stmt, 0);
	out->state = column_dup(stmt, 1);
	out->reason = column_dup(stmt, 2);
	out->started = column_dup(stmt, 3);
	out->finished = column_dup(stmt, 4);
	out->source_kind = column_dup(stmt, 5);
	out->source = column_dup(stmt, 6);
	out->base = column_dup(stmt, 7);
	out->filter = column_dup(stmt, 8);
	out->rule_pack = column_dup(stmt, 9);
	out->rule_pack_hash = column_dup(stmt, 10);
	out->label = column_dup(stmt, 11);
	out->tool_version = column_dup(stmt, 12);
	out->objects_read = sqlite3_column_int64(stmt, 13);
	out->objects_skipped = sqlite3_column_int64(stmt, 14);
	out->findings = sqlite3_column_int64(stmt, 15);
	out->errors = sqlite3_column_int64(stmt, 16);
	out->warnings = sqlite3_column_int64(stmt, 17);
	out->infos = sqlite3_column_int64(stmt, 18);
}

enum status
store_list_scans(struct store *s, struct store_scan **scans, size_t *n)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	*scans = NULL;
	*n = 0;
	const char *what = "list the scans";
	sqlite3_stmt *stmt = prepare(
		s, "SELECT " SCAN_COLUMNS " FROM scans ORDER BY id", what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	struct store_scan *list = NULL;
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		list = xreallocarray(list, count + 1, sizeof(*list));
		scan_from_row(stmt, &list[count]);
		count++;
	}
	enum status st = STATUS_OK;
	if (rc != SQLITE_DONE) {
		st = db_fail(s, what);
		store_scans_free(list, count);
	} else {
		*scans = list;
		*n = count;
	}
	sqlite3_finalize(stmt);
	return st;
}

void
store_scans_free(struct store_scan *scans, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		store_scan_release(&scans[i]);
	}
	free(scans);
}

/* Reads the one scan stmt selects into out; what names it in errors. */
static enum status
get_one_scan(struct store *s, sqlite3_stmt *stmt, const char *spec,
	     struct store_scan *out)
{
	memset(out, 0, sizeof(*out));
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		scan_from_row(stmt, out);
		return STATUS_OK;
	}
	if (rc == SQLITE_DONE) {
		LOG_ERR("no %s in %s", spec, s->path);
		return STATUS_ERR_USAGE;
	}
	return db_fail(s, "read a scan");
}

static bool
parse_id(const char *spec, int64_t *id)
{
	if (spec[0] < '0' || spec[0] > '9') {
		return false;
	}
	errno = 0;
	char *end = NULL;
	long long v = strtoll(spec, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0) {
		return false;
	}
	*id = v;
	return true;
}

enum status
store_get_scan(struct store *s, const char *spec, struct store_scan *out)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	memset(out, 0, sizeof(*out));
	int64_t id = 0;
	const char *sql;
	if (spec == NULL || strcmp(spec, "latest") == 0) {
		spec = "latest";
		sql = "SELECT " SCAN_COLUMNS " FROM scans WHERE state ="
		      " 'complete' ORDER BY id DESC LIMIT 1";
	} else if (parse_id(spec, &id)) {
		sql = "SELECT " SCAN_COLUMNS " FROM scans WHERE id = ?1";
	} else {
		LOG_ERR("invalid scan '%s': expected a scan id or \"latest\"",
			spec);
		return STATUS_ERR_USAGE;
	}
	sqlite3_stmt *stmt = prepare(s, sql, "read a scan");
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	if (id != 0) {
		sqlite3_bind_int64(stmt, 1, id);
	}
	char label[64];
	if (id != 0) {
		snprintf(label, sizeof(label), "scan %" PRId64, id);
	} else {
		snprintf(label, sizeof(label), "complete scan");
	}
	enum status st = get_one_scan(s, stmt, label, out);
	sqlite3_finalize(stmt);
	return st;
}

enum status
store_find_previous(struct store *s, int64_t scan_id, struct store_scan *out,
		    bool *found)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	memset(out, 0, sizeof(*out));
	*found = false;
	const char *what = "read the previous scan";
	sqlite3_stmt *stmt = prepare(
		s,
		"SELECT " SCAN_COLUMNS " FROM scans AS p WHERE p.state ="
		" 'complete' AND p.id < ?1 AND EXISTS (SELECT 1 FROM scans AS c"
		" WHERE c.id = ?1 AND c.source_kind = p.source_kind AND"
		" c.source = p.source AND c.base IS p.base) ORDER BY p.id DESC"
		" LIMIT 1",
		what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	enum status st = STATUS_OK;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		scan_from_row(stmt, out);
		*found = true;
	} else if (rc != SQLITE_DONE) {
		st = db_fail(s, what);
	}
	sqlite3_finalize(stmt);
	return st;
}

enum status
store_get_previous(struct store *s, int64_t scan_id, struct store_scan *out)
{
	bool found;
	enum status st = store_find_previous(s, scan_id, out, &found);
	if (st == STATUS_OK && !found) {
		LOG_ERR("no complete scan before scan %" PRId64
			" of the same source in %s",
			scan_id, s->path);
		st = STATUS_ERR_USAGE;
	}
	return st;
}

/* Reads one per-scan count table, most frequent first. */
static enum status
read_counts(struct store *s, const char *sql, int64_t scan_id,
	    struct store_count **counts, size_t *n, const char *what)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	*counts = NULL;
	*n = 0;
	sqlite3_stmt *stmt = prepare(s, sql, what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	struct store_count *list = NULL;
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		list = xreallocarray(list, count + 1, sizeof(*list));
		list[count].name = column_dup(stmt, 0);
		list[count].count = sqlite3_column_int64(stmt, 1);
		count++;
	}
	enum status st = STATUS_OK;
	if (rc != SQLITE_DONE) {
		st = db_fail(s, what);
		store_counts_free(list, count);
	} else {
		*counts = list;
		*n = count;
	}
	sqlite3_finalize(stmt);
	return st;
}

enum status
store_skipped_counts(struct store *s, int64_t scan_id,
		     struct store_count **counts, size_t *n)
{
	return read_counts(s,
			   "SELECT reason, count FROM skipped WHERE"
			   " scan_id = ?1 ORDER BY count DESC, reason",
			   scan_id, counts, n, "read the skipped counts");
}

enum status
store_summary_counts(struct store *s, int64_t scan_id,
		     struct store_count **counts, size_t *n)
{
	return read_counts(s,
			   "SELECT name, count FROM summary WHERE"
			   " scan_id = ?1 ORDER BY name",
			   scan_id, counts, n, "read the summary counts");
}

void
store_counts_free(struct store_count *counts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(counts[i].name);
	}
	free(counts);
}

enum status
store_set_decision(struct store *s, int64_t scan_id,
		   const struct store_decision *d)
{
	enum status written = rows_written(s);
	if (written != STATUS_OK) {
		return written;
	}
	const char *what = "record a decision";
	sqlite3_stmt *stmt = prepare(
		s,
		"INSERT INTO decisions (scan_id, object_key, attribute, value,"
		" action, update_value, origin, recorded) VALUES (?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, " NOW_SQL ") ON CONFLICT (scan_id,"
		" object_key, attribute, value) DO UPDATE SET action ="
		" excluded.action, update_value = excluded.update_value,"
		" origin = excluded.origin, recorded = excluded.recorded",
		what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, d->key);
	bind_str(stmt, 3, d->attribute);
	bind_str(stmt, 4, d->value != NULL ? d->value : "");
	bind_str(stmt, 5, d->action);
	bind_str(stmt, 6, d->update);
	bind_str(stmt, 7, d->origin);
	enum status st = step_done(s, stmt, what);
	sqlite3_finalize(stmt);
	return st;
}

enum status
store_add_rule(struct store *s, int64_t scan_id, const struct store_rule *r)
{
	enum status written = rows_written(s);
	if (written != STATUS_OK) {
		return written;
	}
	const char *what = "record a rule of the scan";
	sqlite3_stmt *stmt = prepare(
		s,
		"INSERT OR REPLACE INTO rules (scan_id, id, attribute,"
		" check_kind, severity, description, remediation, enabled)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	bind_str(stmt, 2, r->id);
	bind_str(stmt, 3, r->attribute);
	bind_str(stmt, 4, r->check);
	bind_str(stmt, 5, r->severity);
	bind_str(stmt, 6, r->description);
	bind_str(stmt, 7, r->remediation);
	sqlite3_bind_int(stmt, 8, r->enabled ? 1 : 0);
	enum status st = step_done(s, stmt, what);
	sqlite3_finalize(stmt);
	return st;
}

enum status
store_each_rule(struct store *s, int64_t scan_id,
		enum status (*fn)(void *ctx, const struct store_rule *r),
		void *ctx)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	const char *what = "read the rules of the scan";
	sqlite3_stmt *stmt = prepare(
		s,
		"SELECT id, attribute, check_kind, severity, description,"
		" remediation, enabled FROM rules WHERE scan_id = ?1"
		" ORDER BY id",
		what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	enum status st = STATUS_OK;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const struct store_rule r = {
			.id = (const char *)sqlite3_column_text(stmt, 0),
			.attribute = (const char *)sqlite3_column_text(stmt, 1),
			.check = (const char *)sqlite3_column_text(stmt, 2),
			.severity = (const char *)sqlite3_column_text(stmt, 3),
			.description =
				(const char *)sqlite3_column_text(stmt, 4),
			.remediation =
				(const char *)sqlite3_column_text(stmt, 5),
			.enabled = sqlite3_column_int(stmt, 6) != 0,
		};
		st = fn(ctx, &r);
		if (st != STATUS_OK) {
			break;
		}
	}
	if (st == STATUS_OK && rc != SQLITE_DONE) {
		st = db_fail(s, what);
	}
	sqlite3_finalize(stmt);
	return st;
}

/*
 * The first eleven columns of a findings query, in the order dn, cn,
 * objectclass, object_key, attribute, value, rule, error, update,
 * proposed_action, severity.  The column text lives until the next step:
 * exactly the borrowed lifetime struct finding promises.
 */
static void
row_finding(sqlite3_stmt *stmt, struct finding *f)
{
	*f = (struct finding){
		.dn = (const char *)sqlite3_column_text(stmt, 0),
		.cn = (const char *)sqlite3_column_text(stmt, 1),
		.objectclass = (const char *)sqlite3_column_text(stmt, 2),
		.objectguid = (const char *)sqlite3_column_text(stmt, 3),
		.attribute = (const char *)sqlite3_column_text(stmt, 4),
		.value = (const char *)sqlite3_column_text(stmt, 5),
		.rule = (const char *)sqlite3_column_text(stmt, 6),
		.error = (const char *)sqlite3_column_text(stmt, 7),
		.update = (const char *)sqlite3_column_text(stmt, 8),
		.proposed_action = (const char *)sqlite3_column_text(stmt, 9),
	};
	const char *sev = (const char *)sqlite3_column_text(stmt, 10);
	if (sev == NULL || !finding_severity_parse(sev, &f->severity)) {
		f->severity = FINDING_ERROR;
	}
}

enum status
store_each_finding(struct store *s, int64_t scan_id,
		   enum status (*fn)(void *ctx, const struct finding *f),
		   void *ctx)
{
	return store_each_finding_compared(s, scan_id, 0, fn, ctx);
}

enum status
store_each_finding_compared(
	struct store *s, int64_t scan_id, int64_t previous_id,
	enum status (*fn)(void *ctx, const struct finding *f), void *ctx)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	const char *what = "read the findings";
	sqlite3_stmt *stmt = prepare(
		s,
		"SELECT f.dn, f.cn, f.objectclass, f.object_key, f.attribute,"
		" f.value, f.rule, f.error, coalesce(d.update_value,"
		" f.update_value), f.proposed_action, f.severity, d.action,"
		" CASE WHEN ?2 = 0 THEN NULL WHEN EXISTS (SELECT 1 FROM"
		" findings AS p WHERE p.scan_id = ?2 AND p.object_key ="
		" f.object_key AND p.attribute = f.attribute AND p.value ="
		" f.value AND p.rule IS f.rule) THEN 'open' ELSE 'new' END,"
		" f.dup_key"
		" FROM findings AS f LEFT JOIN decisions AS d ON d.scan_id ="
		" f.scan_id AND d.object_key = f.object_key AND d.attribute ="
		" f.attribute AND d.value = f.value WHERE f.scan_id = ?1"
		" ORDER BY f.dn COLLATE NOCASE,"
		" f.attribute, f.value, f.rule, f.id",
		what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	sqlite3_bind_int64(stmt, 2, previous_id);
	enum status st = STATUS_OK;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct finding f;
		row_finding(stmt, &f);
		f.action = (const char *)sqlite3_column_text(stmt, 11);
		f.status = (const char *)sqlite3_column_text(stmt, 12);
		f.dup_key = (const char *)sqlite3_column_text(stmt, 13);
		st = fn(ctx, &f);
		if (st != STATUS_OK) {
			break;
		}
	}
	if (st == STATUS_OK && rc != SQLITE_DONE) {
		st = db_fail(s, what);
	}
	sqlite3_finalize(stmt);
	return st;
}

/*
 * An object of the old scan, for store_each_object_change(): objects are
 * indexed by scan alone (schema version 6), so the comparison reads each
 * scan's rows once, through a keytab of the old scan's keys, instead of
 * searching the other scan for each object.  Only a DN that differs (a
 * move) and the objects on one side only are read again, by row id.
 */
struct old_object {
	int64_t id;
	uint64_t dn_hash;
	bool seen; /* the new scan has the key */
};

/* Reads scan_id's (id, key, dn) rows; fn gets each. */
static enum status
each_object_key(struct store *s, int64_t scan_id, const char *what,
		enum status (*fn)(void *ctx, int64_t id, const char *key,
				  size_t len, const char *dn),
		void *ctx)
{
	sqlite3_stmt *stmt = prepare(
		s, "SELECT id, key, dn FROM objects WHERE scan_id = ?1", what);
	if (stmt == NULL) {
		return STATUS_ERR_STORE;
	}
	sqlite3_bind_int64(stmt, 1, scan_id);
	enum status st = STATUS_OK;
	int rc;
	while (st == STATUS_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(stmt, 1);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 1);
		const char *dn = (const char *)sqlite3_column_text(stmt, 2);
		st = fn(ctx, sqlite3_column_int64(stmt, 0), key ? key : "",
			key ? len : 0, dn ? dn : "");
	}
	if (st == STATUS_OK && rc != SQLITE_DONE) {
		st = db_fail(s, what);
	}
	sqlite3_finalize(stmt);
	return st;
}

struct change_pass {
	struct store *s;
	struct keytab t;   /* the old scan's keys, with a struct old_object */
	sqlite3_stmt *add; /* into temp.object_changes */
	const char *what;
};

static enum status
old_object(void *ctx, int64_t id, const char *key, size_t len, const char *dn)
{
	struct change_pass *p = ctx;
	bool added;
	size_t i = keytab_add(&p->t, hash_bytes(key, len), key, len, &added);
	if (added) {
		/* A key twice in one scan keeps its first row. */
		*(struct old_object *)keytab_data(&p->t, i) =
			(struct old_object){
				.id = id,
				.dn_hash = hash_bytes(dn, strlen(dn)),
			};
	}
	return STATUS_OK;
}

static enum status
add_change(struct change_pass *p, enum store_change kind, int64_t id,
	   int64_t old_id)
{
	sqlite3_bind_int(p->add, 1, (int)kind);
	sqlite3_bind_int64(p->add, 2, id);
	if (old_id != 0) {
		sqlite3_bind_int64(p->add, 3, old_id);
	} else {
		sqlite3_bind_null(p->add, 3);
	}
	return step_done(p->s, p->add, p->what);
}

static enum status
new_object(void *ctx, int64_t id, const char *key, size_t len, const char *dn)
{
	struct change_pass *p = ctx;
	size_t i = keytab_find(&p->t, hash_bytes(key, len), key, len);
	if (i == KEYTAB_NONE) {
		return add_change(p, STORE_CHANGE_APPEARED, id, 0);
	}
	struct old_object *o = keytab_data(&p->t, i);
	o->seen = true;
	if (o->dn_hash != hash_bytes(dn, strlen(dn))) {
		return add_change(p, STORE_CHANGE_MOVED, id, o->id);
	}
	return STATUS_OK;
}

/*
 * syncready_in_scan(key) for store_each_fixed(): whether the scan has an
 * object of that key.  Its keys are read into a table at the first call,
 * so a comparison without fixed findings never reads them.  SQLite's own
 * "key IN (SELECT …)" built a b-tree of a million random keys in a
 * temporary file: 5 s of system time.
 */
struct in_scan {
	struct store *s;
	int64_t scan_id;
	bool loaded;
	bool failed; /* reading the keys failed, and said so */
	struct keytab t;
};

static enum status
in_scan_key(void *ctx, int64_t id, const char *key, size_t len, const char *dn)
{
	bool added;
	keytab_add(ctx, hash_bytes(key, len), key, len, &added);
	return STATUS_OK;
}

static void
in_scan_fn(sqlite3_context *sctx, int argc, sqlite3_value **argv)
{
	struct in_scan *in = sqlite3_user_data(sctx);
	if (!in->loaded) {
		in->loaded = true;
		if (each_object_key(in->s, in->scan_id, "read a scan's keys",
				    in_scan_key, &in->t) != STATUS_OK) {
			in->failed = true;
			sqlite3_result_error(sctx, "cannot read a scan's keys",
					     -1);
			return;
		}
	}
	const char *key = (const char *)sqlite3_value_text(argv[0]);
	size_t len = (size_t)sqlite3_value_bytes(argv[0]);
	sqlite3_result_int(
		sctx, key != NULL && keytab_find(&in->t, hash_bytes(key, len),
						 key, len) != KEYTAB_NONE);
}

enum status
store_each_fixed(struct store *s, int64_t new_id, int64_t old_id,
		 enum status (*fn)(void *ctx, const struct finding *f),
		 void *ctx)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	const char *what = "read the fixed findings";
	struct in_scan in = {.s = s, .scan_id = new_id};
	keytab_init(&in.t, 0);
	if (sqlite3_create_function(s->db, "syncready_in_scan", 1, SQLITE_UTF8,
				    &in, in_scan_fn, NULL, NULL) != SQLITE_OK) {
		keytab_release(&in.t);
		return db_fail(s, what);
	}
	sqlite3_stmt *stmt = prepare(
		s,
		"SELECT f.dn, f.cn, f.objectclass, f.object_key, f.attribute,"
		" f.value, f.rule, f.error, f.update_value, f.proposed_action,"
		" f.severity, iif(syncready_in_scan(f.object_key), 'fixed',"
		" 'gone')"
		" FROM findings AS f WHERE f.scan_id = ?2 AND NOT EXISTS"
		" (SELECT 1 FROM findings AS n WHERE n.scan_id = ?1 AND"
		" n.object_key = f.object_key AND n.attribute = f.attribute"
		" AND n.value = f.value AND n.rule IS f.rule) ORDER BY f.dn"
		" COLLATE NOCASE, f.attribute, f.value, f.rule, f.id",
		what);
	enum status st = STATUS_OK;
	if (stmt == NULL) {
		st = STATUS_ERR_STORE;
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, new_id);
	sqlite3_bind_int64(stmt, 2, old_id);
	int rc;
	while (st == STATUS_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct finding f;
		row_finding(stmt, &f);
		f.status = (const char *)sqlite3_column_text(stmt, 11);
		st = fn(ctx, &f);
	}
	if (st == STATUS_OK && rc != SQLITE_DONE) {
		/* A failure to read the keys was logged where it happened. */
		st = in.failed ? STATUS_ERR_STORE : db_fail(s, what);
	}
	sqlite3_finalize(stmt);
out:
	sqlite3_create_function(s->db, "syncready_in_scan", 1, SQLITE_UTF8,
				NULL, NULL, NULL, NULL);
	keytab_release(&in.t);
	return st;
}

enum status
store_each_object_change(struct store *s, int64_t new_id, int64_t old_id,
			 enum status (*fn)(void *ctx, enum store_change change,
					   const struct store_object *obj,
					   const char *old_dn),
			 void *ctx)
{
	rows_written(s); /* a failure there was logged; reading goes on */
	const char *what = "compare the objects of two scans";
	struct change_pass p = {.s = s, .what = what};
	keytab_init(&p.t, sizeof(struct old_object));
	sqlite3_stmt *stmt = NULL;
	/* One snapshot for both reads, unless a transaction is open. */
	bool own = sqlite3_get_autocommit(s->db) != 0;
	enum status st = STATUS_OK;
	if (own) {
		st = exec(s, "BEGIN", what);
		own = st == STATUS_OK;
	}
	if (st == STATUS_OK) {
		st = exec(s,
			  "CREATE TEMP TABLE IF NOT EXISTS object_changes"
			  " (kind INTEGER NOT NULL, id INTEGER NOT NULL,"
			  " old_id INTEGER);"
			  "DELETE FROM temp.object_changes",
			  what);
	}
	if (st == STATUS_OK) {
		p.add = prepare(s,
				"INSERT INTO temp.object_changes (kind, id,"
				" old_id) VALUES (?1, ?2, ?3)",
				what);
		st = p.add != NULL ? STATUS_OK : STATUS_ERR_STORE;
	}
	if (st == STATUS_OK) {
		st = each_object_key(s, old_id, what, old_object, &p);
	}
	if (st == STATUS_OK) {
		st = each_object_key(s, new_id, what, new_object, &p);
	}
	for (size_t i = 0; st == STATUS_OK && i < p.t.n; i++) {
		const struct old_object *o = keytab_data(&p.t, i);
		if (!o->seen) {
			st = add_change(&p, STORE_CHANGE_DISAPPEARED, o->id, 0);
		}
	}
	sqlite3_finalize(p.add);
	keytab_release(&p.t);
	/* The changes are few, or sorted by SQLite: by DN, then as before. */
	if (st == STATUS_OK) {
		stmt = prepare(
			s,
			"SELECT c.kind, o.key, o.dn, o.cn, o.objectclass,"
			" p.dn FROM temp.object_changes AS c JOIN"
			" objects AS o ON o.id = c.id LEFT JOIN objects"
			" AS p ON p.id = c.old_id"
			" ORDER BY 3 COLLATE NOCASE, 1, 2",
			what);
		st = stmt != NULL ? STATUS_OK : STATUS_ERR_STORE;
	}
	int rc = SQLITE_DONE;
	while (st == STATUS_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(stmt, 0);
		struct store_object obj = {
			.key = (const char *)sqlite3_column_text(stmt, 1),
			.dn = (const char *)sqlite3_column_text(stmt, 2),
			.cn = (const char *)sqlite3_column_text(stmt, 3),
			.objectclass =
				(const char *)sqlite3_column_text(stmt, 4),
		};
		const char *old_dn = (const char *)sqlite3_column_text(stmt, 5);
		st = fn(ctx, (enum store_change)kind, &obj, old_dn);
	}
	if (st == STATUS_OK && rc != SQLITE_DONE) {
		st = db_fail(s, what);
	}
	sqlite3_finalize(stmt);
	exec(s, "DROP TABLE IF EXISTS temp.object_changes", what);
	if (own) {
		/* Nothing of the main database was written. */
		exec(s, "COMMIT", what);
	}
	return st;
}
