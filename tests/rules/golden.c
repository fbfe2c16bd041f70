/*
 * Golden test driver: scans an LDIF fixture with a rule pack, resolves
 * duplicate candidates the way the store does (candidates grouped by
 * dup_key; a key held more than once turns every holder's candidate into
 * its dup_* variant), and compares the rows with an expected file.
 *
 *   golden PACK FIXTURE.ldif EXPECTED [--reverse] [--print] [--domain D]…
 *                                     [--disable RULE]…
 *   golden PACK FIXTURE.ldif --orders
 *
 * --reverse feeds the objects in reverse order and every attribute's
 * values reversed: the rows must not change.  --orders scans in both
 * orders in one run and compares the two (for a fixture without expected
 * rows).  --print writes the rows instead of comparing (to review a new
 * fixture by hand).
 *
 * Expected file: one row per line, tab-separated, with \\ \t \n \r and
 * \xNN escapes:  DN OBJECTCLASS ATTRIBUTE ERROR VALUE UPDATE ACTION RULE
 * for skipped objects:  SKIP DN REASON, and for the summary counters
 * (rule_sink.count):  COUNT NAME N.  '#' lines are comments.  --domain
 * and --disable are ruleset_opts.domains and .disable.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "common/xalloc.h"
#include "rules/rules.h"
#include "scanner/source.h"

struct cand {
	char *dn, *cls, *attr, *value;
	char *rule, *error, *update, *action;
	char *dup_key, *dup_rule, *dup_error, *dup_update, *dup_action;
};

struct counter {
	char *name;
	size_t n;
};

struct run {
	struct cand *c;
	size_t n, cap;
	struct counter *counts;
	size_t ncounts;
	char **lines;
	size_t nlines, linecap;
};

static char *
dup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static enum status
on_finding(void *ctx, const struct finding *f)
{
	struct run *r = ctx;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->c = xreallocarray(r->c, r->cap, sizeof(*r->c));
	}
	r->c[r->n++] = (struct cand){
		dup0(f->dn),         dup0(f->objectclass),
		dup0(f->attribute),  dup0(f->value),
		dup0(f->rule),       dup0(f->error),
		dup0(f->update),     dup0(f->proposed_action),
		dup0(f->dup_key),    dup0(f->dup_rule),
		dup0(f->dup_error),  dup0(f->dup_update),
		dup0(f->dup_action),
	};
	return STATUS_OK;
}

static void
add_line(struct run *r, char *line)
{
	if (r->nlines == r->linecap) {
		r->linecap = r->linecap ? r->linecap * 2 : 64;
		r->lines =
			xreallocarray(r->lines, r->linecap, sizeof(*r->lines));
	}
	r->lines[r->nlines++] = line;
}

/* True if s is well-formed UTF-8 (a simple check for the test's output). */
static bool
utf8_ok(const unsigned char *p)
{
	while (*p) {
		int n = *p < 0x80             ? 0
			: (*p & 0xe0) == 0xc0 ? 1
			: (*p & 0xf0) == 0xe0 ? 2
			: (*p & 0xf8) == 0xf0 ? 3
					      : -1;
		if (n < 0) {
			return false;
		}
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80) {
				return false;
			}
		}
	}
	return true;
}

static void
esc(struct strbuf *sb, const char *s)
{
	s = s ? s : "";
	bool raw = utf8_ok((const unsigned char *)s);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !raw)) {
				strbuf_addf(sb, "\\x%02x", *p);
			} else {
				strbuf_addch(sb, (char)*p);
			}
		}
	}
}

static enum status
on_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "SKIP\t");
	esc(&sb, e->dn);
	strbuf_addch(&sb, '\t');
	esc(&sb, reason);
	add_line(ctx, strbuf_detach(&sb, NULL));
	return STATUS_OK;
}

static enum status
on_count(void *ctx, const char *name)
{
	struct run *r = ctx;
	for (size_t i = 0; i < r->ncounts; i++) {
		if (strcmp(r->counts[i].name, name) == 0) {
			r->counts[i].n++;
			return STATUS_OK;
		}
	}
	r->counts = xreallocarray(r->counts, r->ncounts + 1,
				  sizeof(*r->counts));
	r->counts[r->ncounts++] = (struct counter){xstrdup(name), 1};
	return STATUS_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
reverse_values(struct scan_entry *e)
{
	for (size_t i = 0; i < e->nattrs; i++) {
		struct scan_attr *a = &e->attrs[i];
		/* objectClass order decides the object type: keep it. */
		if (strcasecmp(a->name, "objectClass") == 0) {
			continue;
		}
		for (size_t j = 0; j < a->nvals / 2; j++) {
			struct scan_value t = a->vals[j];
			a->vals[j] = a->vals[a->nvals - 1 - j];
			a->vals[a->nvals - 1 - j] = t;
		}
	}
}

/* The store's resolution: is key held by more than one candidate? */
static bool
key_shared(char **keys, size_t nkeys, const char *key)
{
	char **hit = bsearch(&key, keys, nkeys, sizeof(*keys), cmp_str);
	if (hit == NULL) {
		return false;
	}
	return (hit > keys && strcmp(hit[-1], key) == 0) ||
	       (hit + 1 < keys + nkeys && strcmp(hit[1], key) == 0);
}

static void
resolve(struct run *r)
{
	char **keys = xcalloc(r->n + 1, sizeof(*keys));
	size_t nkeys = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->c[i].dup_key != NULL) {
			keys[nkeys++] = r->c[i].dup_key;
		}
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < r->n; i++) {
		const struct cand *c = &r->c[i];
		bool dup = c->dup_key && key_shared(keys, nkeys, c->dup_key);
		const char *error = dup ? c->dup_error : c->error;
		if (error == NULL) {
			continue;
		}
		struct strbuf sb;
		strbuf_init(&sb);
		const char *f[] = {c->dn,
				   c->cls,
				   c->attr,
				   error,
				   c->value,
				   dup ? c->dup_update : c->update,
				   dup ? c->dup_action : c->action,
				   dup ? c->dup_rule : c->rule};
		for (size_t k = 0; k < 8; k++) {
			if (k > 0) {
				strbuf_addch(&sb, '\t');
			}
			esc(&sb, f[k]);
		}
		add_line(r, strbuf_detach(&sb, NULL));
	}
	free(keys);
}

static char **
read_expected(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, fp)) >= 0) {
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r')) {
			line[--len] = '\0';
		}
		if (len == 0 || line[0] == '#') {
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[(*n)++] = xstrdup(line);
	}
	free(line);
	fclose(fp);
	return v;
}

/* Runs every entry through the pack and resolves the candidates. */
static bool
scan_rows(const struct ruleset *rs, struct scan_entry **entries, size_t n,
	  bool reverse, struct run *r)
{
	struct rule_sink sink = {on_finding, on_skipped, r, on_count};
	for (size_t i = 0; i < n; i++) {
		struct scan_entry *x = entries[reverse ? n - 1 - i : i];
		if (reverse) {
			reverse_values(x);
		}
		if (ruleset_check(rs, x, &sink) != STATUS_OK) {
			return false;
		}
	}
	resolve(r);
	for (size_t i = 0; i < r->ncounts; i++) {
		struct strbuf sb;
		strbuf_init(&sb);
		strbuf_addstr(&sb, "COUNT\t");
		esc(&sb, r->counts[i].name);
		strbuf_addf(&sb, "\t%zu", r->counts[i].n);
		add_line(r, strbuf_detach(&sb, NULL));
	}
	qsort(r->lines, r->nlines, sizeof(*r->lines), cmp_str);
	return true;
}

/* Compares two sorted row lists; prints the differences. */
static int
compare(char **got, size_t ngot, char **want, size_t nwant)
{
	int rc = 0;
	size_t i = 0, j = 0;
	while (i < ngot || j < nwant) {
		int c = i == ngot    ? 1
			: j == nwant ? -1
				     : strcmp(got[i], want[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			printf("unexpected: %s\n", got[i++]);
			rc = 1;
		} else {
			printf("missing:    %s\n", want[j++]);
			rc = 1;
		}
	}
	printf("%zu rows, %zu expected: %s\n", ngot, nwant, rc ? "FAIL" : "ok");
	return rc;
}

static void
run_release(struct run *r)
{
	for (size_t i = 0; i < r->nlines; i++) {
		free(r->lines[i]);
	}
	free(r->lines);
	for (size_t i = 0; i < r->n; i++) {
		struct cand *c = &r->c[i];
		char *all[] = {c->dn,        c->cls,       c->attr,
			       c->value,     c->rule,      c->error,
			       c->update,    c->action,    c->dup_key,
			       c->dup_rule,  c->dup_error, c->dup_update,
			       c->dup_action};
		for (size_t k = 0; k < sizeof(all) / sizeof(*all); k++) {
			free(all[k]);
		}
	}
	free(r->c);
	for (size_t i = 0; i < r->ncounts; i++) {
		free(r->counts[i].name);
	}
	free(r->counts);
	memset(r, 0, sizeof(*r));
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: golden PACK LDIF EXPECTED|--orders "
				"[--reverse] [--print] [--domain D]... "
				"[--disable RULE]...\n");
		return 2;
	}
	bool reverse = false, print = false;
	bool orders = strcmp(argv[3], "--orders") == 0;
	const char **domains = xcalloc((size_t)argc, sizeof(*domains));
	const char **disable = xcalloc((size_t)argc, sizeof(*disable));
	size_t nd = 0, ndis = 0;
	for (int i = 4; i < argc; i++) {
		reverse |= strcmp(argv[i], "--reverse") == 0;
		print |= strcmp(argv[i], "--print") == 0;
		if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc) {
			domains[nd++] = argv[++i];
		} else if (strcmp(argv[i], "--disable") == 0 && i + 1 < argc) {
			disable[ndis++] = argv[++i];
		}
	}
	const struct ruleset_opts opts = {
		.domains = nd ? domains : NULL,
		.disable = ndis ? disable : NULL,
	};
	enum status st;
	struct ruleset *rs = ruleset_load(argv[1], &opts, &st);
	free(domains);
	free(disable);
	if (rs == NULL) {
		return 1;
	}
	struct scan_source *src =
		scan_source_ldif_new(argv[2], ruleset_attributes(rs),
				     ruleset_counted_attributes(rs), NULL, &st);
	if (src == NULL) {
		return 1;
	}
	struct scan_entry **entries = NULL;
	size_t n = 0, cap = 0;
	struct scan_entry *e;
	struct run r = {0};
	int rc = 1;
	while ((st = scan_source_next(src, &e)) == STATUS_OK && e != NULL) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			entries = xreallocarray(entries, cap, sizeof(*entries));
		}
		entries[n++] = e;
	}
	if (st != STATUS_OK ||
	    !scan_rows(rs, entries, n, reverse && !orders, &r)) {
		goto out;
	}
	rc = 0;
	if (orders) {
		/* The same entries backwards, values reversed: same rows. */
		struct run back = {0};
		rc = scan_rows(rs, entries, n, true, &back)
			     ? compare(back.lines, back.nlines, r.lines,
				       r.nlines)
			     : 1;
		run_release(&back);
	} else if (print) {
		for (size_t i = 0; i < r.nlines; i++) {
			printf("%s\n", r.lines[i]);
		}
	} else {
		size_t nexp;
		char **exp = read_expected(argv[3], &nexp);
		qsort(exp, nexp, sizeof(*exp), cmp_str);
		rc = compare(r.lines, r.nlines, exp, nexp);
		for (size_t k = 0; k < nexp; k++) {
			free(exp[k]);
		}
		free(exp);
	}
out:
	run_release(&r);
	for (size_t i = 0; i < n; i++) {
		scan_entry_free(entries[i]);
	}
	free(entries);
	scan_source_free(src);
	ruleset_free(rs);
	return rc;
}
