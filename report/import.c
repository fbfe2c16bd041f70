/*
 * `syncready import`: an edited fix list back into the store (import.h).
 * IdFix's import (reference/idfix.md §8.3) trimmed every cell, matched
 * header names by position after an unknown column and kept rows by their
 * place in the grid; here nothing but ACTION is trimmed, columns are found
 * by name, and rows by OBJECTGUID + ATTRIBUTE + VALUE.
 */
#define LOG_MODULE "report"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/escape.h"
#include "report/html-escape.h"
#include "report/import.h"

/* Unmatched rows named one by one before they are only counted. */
#define IMPORT_MAX_WARNINGS 10

/* Larger files are not a fix list a person edited. */
#define IMPORT_MAX_BYTES ((size_t)1 << 30)

struct csv_parser {
	const char *path;
	const char *p, *end;
	unsigned long line; /* of p */
	char delim;
};

struct record {
	char **cells;
	size_t n, cap;
	unsigned long line; /* where the record starts */
};

static void
record_clear(struct record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->cells[i]);
	}
	r->n = 0;
}

static void
record_push(struct record *r, struct strbuf *cell)
{
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : r->cap * 2;
		r->cells = xreallocarray(r->cells, r->cap, sizeof(*r->cells));
	}
	r->cells[r->n++] = strbuf_detach(cell, NULL);
}

/*
 * Reads one record.  Returns 1 for a record, 0 at the end of the file,
 * -1 (logged) for a malformed one.
 */
static int
next_record(struct csv_parser *cp, struct record *r)
{
	struct strbuf cell;

	record_clear(r);
	if (cp->p == cp->end) {
		return 0;
	}
	r->line = cp->line;
	strbuf_init(&cell);
	for (;;) {
		if (cp->p < cp->end && *cp->p == '"') {
			cp->p++;
			for (;;) {
				if (cp->p == cp->end) {
					LOG_ERR("%s:%lu: a quoted cell is never "
						"closed",
						cp->path, r->line);
					strbuf_release(&cell);
					return -1;
				}
				char c = *cp->p++;
				if (c == '"') {
					if (cp->p < cp->end && *cp->p == '"') {
						strbuf_addch(&cell, '"');
						cp->p++;
						continue;
					}
					break;
				}
				/* Line breaks inside a cell still count. */
				if (c == '\n' ||
				    (c == '\r' &&
				     (cp->p == cp->end || *cp->p != '\n'))) {
					cp->line++;
				}
				strbuf_addch(&cell, c);
			}
			if (cp->p < cp->end && *cp->p != cp->delim &&
			    *cp->p != '\r' && *cp->p != '\n') {
				LOG_ERR("%s:%lu: text after the closing quote of "
					"a cell",
					cp->path, cp->line);
				strbuf_release(&cell);
				return -1;
			}
		} else {
			/* Unquoted: a stray quote is kept as text. */
			const char *start = cp->p;
			while (cp->p < cp->end && *cp->p != cp->delim &&
			       *cp->p != '\r' && *cp->p != '\n') {
				cp->p++;
			}
			strbuf_add(&cell, start, (size_t)(cp->p - start));
		}
		record_push(r, &cell);
		if (cp->p == cp->end) {
			break;
		}
		char c = *cp->p++;
		if (c == cp->delim) {
			continue;
		}
		if (c == '\r' && cp->p < cp->end && *cp->p == '\n') {
			cp->p++;
		}
		cp->line++;
		break;
	}
	strbuf_release(&cell);
	return 1;
}

/* The delimiter the header row uses most: , ; or TAB. */
static char
sniff_delimiter(const char *p, const char *end)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool quoted = false;
	for (; p < end; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && (*p == '\r' || *p == '\n')) {
			break;
		} else if (!quoted && *p == ',') {
			comma++;
		} else if (!quoted && *p == ';') {
			semi++;
		} else if (!quoted && *p == '\t') {
			tab++;
		}
	}
	if (semi > comma && semi >= tab) {
		return ';';
	}
	if (tab > comma && tab > semi) {
		return '\t';
	}
	return ',';
}

/* Reads the whole file; checks it is UTF-8 without NUL bytes. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb;
	char buf[65536];
	size_t n;

	if (f == NULL) {
		LOG_ERRNO("cannot open %s", path);
		return NULL;
	}
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(&sb, buf, n);
		if (sb.len > IMPORT_MAX_BYTES) {
			LOG_ERR("%s: larger than 1 GiB: not a fix list", path);
			goto fail;
		}
	}
	if (ferror(f)) {
		LOG_ERRNO("cannot read %s", path);
		goto fail;
	}
	fclose(f);
	unsigned long line = 1;
	for (size_t i = 0; i < sb.len;) {
		unsigned cp;
		size_t k = utf8_decode((const unsigned char *)sb.buf + i,
				       sb.len - i, &cp);
		if (k == 0 || cp == 0) {
			LOG_ERR("%s:%lu: %s: save the file as \"CSV UTF-8\"",
				path, line,
				k == 0 ? "not UTF-8" : "a NUL byte");
			strbuf_release(&sb);
			return NULL;
		}
		if (cp == '\n') {
			line++;
		}
		i += k;
	}
	return strbuf_detach(&sb, len);
fail:
	fclose(f);
	strbuf_release(&sb);
	return NULL;
}

/*
 * The scan's findings, sorted by key (OBJECTGUID, ATTRIBUTE, VALUE) and
 * rule, to match rows against, with the decision each has now (ACTION,
 * and UPDATE: the edited one or the proposal), so that only rows that
 * change something are recorded.
 */
struct known {
	char *key;
	char *rule;
	char *action;
	char *update;
};

/* One row, checked, ready to record. */
struct import_row {
	unsigned long line;
	char *guid;
	char *attribute;
	char *value;
	char *update; /* NULL: no UPDATE column */
	char *rule;   /* NULL: no RULE column */
	const char *action; /* "Edit", "Remove", "Complete" or NULL */
	char *key;	    /* OBJECTGUID, ATTRIBUTE, VALUE: the decision's */
	const struct known *finding; /* the finding it matched, or NULL */
};

static void
rows_free(struct import_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].guid);
		free(rows[i].attribute);
		free(rows[i].value);
		free(rows[i].update);
		free(rows[i].rule);
		free(rows[i].key);
	}
	free(rows);
}

/* ACTION as IdFix and Excel users write it; false if unknown. */
static bool
parse_action(const char *cell, const char **action)
{
	const char *s = cell;
	while (*s == ' ' || *s == '\t') {
		s++;
	}
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
		len--;
	}
	static const char *const names[] = {"Edit", "Remove", "Complete"};
	if (len == 0) {
		*action = NULL;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0) {
			*action = names[i];
			return true;
		}
	}
	return false;
}

enum column {
	COL_GUID,
	COL_ATTRIBUTE,
	COL_VALUE,
	COL_ACTION,
	COL_UPDATE,
	COL_RULE,
	COL_N,
};

static const char *const column_names[COL_N] = {
	"OBJECTGUID", "ATTRIBUTE", "VALUE", "ACTION", "UPDATE", "RULE",
};

static bool
header_is(const char *cell, const char *name)
{
	/* The header alone may carry stray spaces or our guard. */
	const char *s = csv_unguard(cell);
	while (*s == ' ') {
		s++;
	}
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == ' ') {
		len--;
	}
	return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

static bool
blank_record(const struct record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->cells[i][0] != '\0') {
			return false;
		}
	}
	return true;
}

/* Parses and checks the whole file. */
static enum status
parse_file(const char *path, struct import_row **out, size_t *n_out)
{
	size_t len = 0;
	char *data = read_file(path, &len);
	struct record r = {0};
	struct import_row *rows = NULL;
	size_t n = 0, cap = 0;
	enum status st = STATUS_ERR_CONFIG;
	int col[COL_N];

	if (data == NULL) {
		return STATUS_ERR_CONFIG;
	}
	struct csv_parser cp = {.path = path, .p = data, .end = data + len,
				.line = 1};
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		cp.p += 3;
	}
	cp.delim = sniff_delimiter(cp.p, cp.end);
	int rc = next_record(&cp, &r);
	if (rc <= 0) {
		if (rc == 0) {
			LOG_ERR("%s: empty file: expected the fix list's "
				"header row",
				path);
		}
		goto out;
	}
	for (int c = 0; c < COL_N; c++) {
		col[c] = -1;
		for (size_t i = 0; i < r.n; i++) {
			if (header_is(r.cells[i], column_names[c])) {
				col[c] = (int)i;
				break;
			}
		}
		if (col[c] == -1 && c != COL_UPDATE && c != COL_RULE) {
			LOG_ERR("%s:1: no %s column: the first row must be the "
				"fix list's header",
				path, column_names[c]);
			goto out;
		}
	}
	while ((rc = next_record(&cp, &r)) > 0) {
		if (blank_record(&r)) {
			continue;
		}
		const char *cell[COL_N] = {NULL};
		for (int c = 0; c < COL_N; c++) {
			if (col[c] < 0) {
				continue;
			}
			if ((size_t)col[c] >= r.n) {
				if (c == COL_ACTION || c == COL_UPDATE ||
				    c == COL_RULE) {
					cell[c] = "";
					continue;
				}
				LOG_ERR("%s:%lu: the row has %zu cells, the "
					"header %s is cell %d",
					path, r.line, r.n, column_names[c],
					col[c] + 1);
				goto out;
			}
			cell[c] = csv_unguard(r.cells[col[c]]);
		}
		const char *action;
		if (!parse_action(cell[COL_ACTION], &action)) {
			LOG_ERR("%s:%lu: ACTION \"%s\" is not Edit, Remove, "
				"Complete or empty",
				path, r.line, cell[COL_ACTION]);
			goto out;
		}
		if (cell[COL_GUID][0] == '\0' || cell[COL_ATTRIBUTE][0] == '\0') {
			LOG_ERR("%s:%lu: OBJECTGUID and ATTRIBUTE must not be "
				"empty",
				path, r.line);
			goto out;
		}
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		rows[n++] = (struct import_row){
			.line = r.line,
			.guid = xstrdup(cell[COL_GUID]),
			.attribute = xstrdup(cell[COL_ATTRIBUTE]),
			.value = xstrdup(cell[COL_VALUE]),
			.update = cell[COL_UPDATE] != NULL
					  ? xstrdup(cell[COL_UPDATE])
					  : NULL,
			.rule = cell[COL_RULE] != NULL ? xstrdup(cell[COL_RULE])
						       : NULL,
			.action = action,
		};
	}
	if (rc < 0) {
		goto out;
	}
	*out = rows;
	*n_out = n;
	rows = NULL;
	n = 0;
	st = STATUS_OK;
out:
	record_clear(&r);
	free(r.cells);
	rows_free(rows, n);
	free(data);
	return st;
}

struct keys {
	struct known *v;
	size_t n, cap;
};

static char *
make_key(const char *guid, const char *attribute, const char *value)
{
	return xasprintf("%s\x1f%s\x1f%s", guid != NULL ? guid : "",
			 attribute != NULL ? attribute : "",
			 value != NULL ? value : "");
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static enum status
collect_key(void *ctx, const struct finding *f)
{
	struct keys *k = ctx;
	if (k->n == k->cap) {
		k->cap = k->cap == 0 ? 1024 : k->cap * 2;
		k->v = xreallocarray(k->v, k->cap, sizeof(*k->v));
	}
	k->v[k->n++] = (struct known){
		.key = make_key(f->objectguid, f->attribute, f->value),
		.rule = xstrdup(f->rule != NULL ? f->rule : ""),
		.action = dup_or_null(f->action),
		.update = dup_or_null(f->update),
	};
	return STATUS_OK;
}

static int
cmp_known(const void *a, const void *b)
{
	const struct known *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c != 0 ? c : strcmp(x->rule, y->rule);
}

/*
 * The finding row r stands for: same key and, when the file has a RULE
 * column, same rule; else the key's first finding.  NULL if none.
 */
static const struct known *
find_known(const struct keys *k, const struct import_row *r)
{
	size_t lo = 0, hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(k->v[mid].key, r->key) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo == k->n || strcmp(k->v[lo].key, r->key) != 0) {
		return NULL;
	}
	for (size_t i = lo; r->rule != NULL && i < k->n &&
			    strcmp(k->v[i].key, r->key) == 0;
	     i++) {
		if (strcmp(k->v[i].rule, r->rule) == 0) {
			return &k->v[i];
		}
	}
	return &k->v[lo];
}

/* Rows by key, then by line. */
static int
cmp_row(const void *a, const void *b)
{
	const struct import_row *x = *(const struct import_row *const *)a;
	const struct import_row *y = *(const struct import_row *const *)b;
	int c = strcmp(x->key, y->key);
	if (c != 0) {
		return c;
	}
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A CSV cannot tell an empty cell from a missing value: neither can we. */
static bool
same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

enum status
report_import_csv(struct store *s, int64_t scan_id, const char *path,
		  struct report_import_stats *stats)
{
	struct report_import_stats local = {0};
	struct import_row *rows = NULL;
	struct import_row **order = NULL;
	struct keys keys = {0};
	size_t n = 0;
	enum status st;

	st = parse_file(path, &rows, &n);
	if (st != STATUS_OK) {
		goto out;
	}
	st = store_each_finding(s, scan_id, collect_key, &keys);
	if (st != STATUS_OK) {
		goto out;
	}
	/* qsort() must not see NULL, even for no element (C17 7.22.5). */
	if (keys.n > 0) {
		qsort(keys.v, keys.n, sizeof(*keys.v), cmp_known);
	}
	local.rows = n;
	for (size_t i = 0; i < n; i++) {
		rows[i].key = make_key(rows[i].guid, rows[i].attribute,
				       rows[i].value);
		rows[i].finding = find_known(&keys, &rows[i]);
		local.decided += rows[i].action != NULL;
		if (rows[i].finding == NULL) {
			local.unmatched++;
			if (local.unmatched <= IMPORT_MAX_WARNINGS) {
				LOG_WARN("%s:%lu: no finding of scan %lld has "
					 "this OBJECTGUID, ATTRIBUTE and VALUE: "
					 "row ignored",
					 path, rows[i].line,
					 (long long)scan_id);
			}
		}
	}
	if (n > 0 && local.unmatched == n) {
		LOG_ERR("%s: none of its %zu rows matches a finding of scan "
			"%lld: is it the fix list of another scan? (--scan ID)",
			path, n, (long long)scan_id);
		st = STATUS_ERR_CONFIG;
		goto out;
	}
	if (local.unmatched > IMPORT_MAX_WARNINGS) {
		LOG_WARN("%s: %zu rows match no finding of scan %lld and were "
			 "ignored",
			 path, local.unmatched, (long long)scan_id);
	}

	/*
	 * One decision per OBJECTGUID + ATTRIBUTE + VALUE, however many rows
	 * (one per rule that found the value) carry it: the first row with
	 * an ACTION decides, with its UPDATE, as the LDIF writer lets the
	 * first finding of a value decide.
	 */
	order = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*order));
	for (size_t i = 0; i < n; i++) {
		order[i] = &rows[i];
	}
	if (n > 0) {
		qsort(order, n, sizeof(*order), cmp_row);
	}
	for (size_t i = 0; i < n && st == STATUS_OK;) {
		size_t j = i;
		while (j < n && strcmp(order[j]->key, order[i]->key) == 0) {
			j++;
		}
		const struct import_row *by = NULL, *edited = NULL;
		for (size_t k = i; k < j; k++) {
			const struct import_row *r = order[k];
			if (r->finding == NULL) {
				continue;
			}
			if (r->action != NULL && by == NULL) {
				by = r;
			} else if (r->action != NULL &&
				   strcmp(r->action, by->action) != 0) {
				LOG_WARN("%s:%lu: ACTION %s ignored: line %lu "
					 "already chose %s for this "
					 "OBJECTGUID, ATTRIBUTE and VALUE",
					 path, r->line, r->action, by->line,
					 by->action);
			}
			if (edited == NULL && r->update != NULL &&
			    !same(r->update, r->finding->update)) {
				edited = r;
			}
		}
		i = j;
		const struct import_row *r = by != NULL ? by : edited;
		if (r == NULL && order[j - 1]->finding != NULL) {
			/* No ACTION, no edit: only an earlier ACTION to undo. */
			r = order[j - 1];
			if (r->finding->action == NULL) {
				continue;
			}
		}
		if (r == NULL) {
			continue;
		}
		const char *action = by != NULL ? by->action : NULL;
		const char *update = r == by || r == edited ? r->update : NULL;
		/*
		 * The store holds this already (re-import, or a row left as
		 * written): one transaction per decision is slow, and a
		 * fix list of 100,000 rows mostly changes nothing.
		 */
		if (same(r->finding->action, action) &&
		    (update == NULL || same(r->finding->update, update))) {
			continue;
		}
		struct store_decision d = {
			.key = r->guid,
			.attribute = r->attribute,
			.value = r->value,
			.action = action,
			.update = update,
			.origin = path,
		};
		st = store_set_decision(s, scan_id, &d);
		if (st == STATUS_OK) {
			local.recorded++;
		}
	}
	if (st == STATUS_OK) {
		LOG_INFO("%s: %zu rows, %zu with an ACTION, %zu decisions "
			 "recorded or changed, %zu unmatched",
			 path, local.rows, local.decided, local.recorded,
			 local.unmatched);
	}
out:
	if (stats != NULL) {
		*stats = local;
	}
	free(order);
	for (size_t i = 0; i < keys.n; i++) {
		free(keys.v[i].key);
		free(keys.v[i].rule);
		free(keys.v[i].action);
		free(keys.v[i].update);
	}
	free(keys.v);
	rows_free(rows, n);
	return st;
}
