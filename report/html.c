/*
 * The single-file HTML report (SPEC §5): what the consultant hands to the
 * customer.  Everything a reader needs without JavaScript comes first, as
 * static HTML (scan facts, counts, SVG charts, skipped objects,
 * remediation per rule, duplicate groups, the comparison); the findings
 * table is rendered by the inline script from two JSON blocks (the first
 * page, then every row), one page at a time, so that 100,000 findings
 * stay responsive.
 *
 * Escaping cannot be forgotten: markup is written only with LIT(), which
 * accepts nothing but a string literal (a variable does not compile), and
 * every other text goes through text() (html_escape()), num() or, inside
 * the JSON blocks, json_escape() in its <script>-safe mode; the only other
 * bytes written are the build-time assets below and buffers these same
 * functions filled.  The stylesheet
 * and the script come from report/assets/ at build time with their
 * SHA-256, which the Content-Security-Policy allows and nothing else: no
 * network request, no other script, no inline event handler.
 */
#define LOG_MODULE "report"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/html-assets.h"
#include "report/html-escape.h"
#include "report/writers.h"

/* Duplicate groups shown in full; the rest are counted. */
#define HTML_MAX_DUP_GROUPS 2000
/* Fixed findings listed in the comparison; the rest are counted. */
#define HTML_MAX_FIXED_ROWS 2000
/* Bars per chart; the rest are summed into one "other" bar. */
#define HTML_MAX_BARS 25
/*
 * Rows in the small block the script shows at once, while the browser is
 * still reading the block of every row (the table's first page).
 */
#define HTML_FIRST_ROWS 100

struct html {
	FILE *out;
	struct strbuf sb;
	enum status st;
};

/* Markup: a string literal only ("" s "" does not compile otherwise). */
#define LIT(h, s) lit((h), "" s "", sizeof(s) - 1)

static void
flush_if(struct html *h, size_t limit)
{
	/* out NULL: a buffer kept in memory until the caller writes it. */
	if (h->out == NULL || h->sb.len < limit || h->st != STATUS_OK) {
		return;
	}
	if (fwrite(h->sb.buf, 1, h->sb.len, h->out) != h->sb.len) {
		LOG_ERRNO("cannot write the HTML report");
		h->st = STATUS_ERR_IO;
	}
	strbuf_reset(&h->sb);
}

static void
lit(struct html *h, const char *s, size_t len)
{
	strbuf_add(&h->sb, s, len);
	flush_if(h, 65536);
}

/* Directory (or any other) text: always escaped. */
static void
text(struct html *h, const char *s)
{
	html_escape_str(&h->sb, s);
	flush_if(h, 65536);
}

static void
num(struct html *h, int64_t n)
{
	strbuf_addf(&h->sb, "%" PRId64, n);
}

/* A JSON string inside the <script type="application/json"> block. */
static void
jstr(struct html *h, const char *s)
{
	json_string(&h->sb, s, JSON_ESCAPE_SCRIPT);
	flush_if(h, 65536);
}

/* ---- what the walk collects -------------------------------------------- */

struct tally {
	char *name;
	int64_t count;
	int64_t by_sev[3];
	struct strbuf errors; /* distinct ERROR names, ", "-separated */
};

struct tallies {
	struct tally *v;
	size_t n, cap;
};

static struct tally *
tally_get(struct tallies *t, const char *name)
{
	const char *key = name != NULL ? name : "";
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].name, key) == 0) {
			return &t->v[i];
		}
	}
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	struct tally *e = &t->v[t->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(key);
	strbuf_init(&e->errors);
	return e;
}

static void
tallies_release(struct tallies *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		strbuf_release(&t->v[i].errors);
	}
	free(t->v);
}

static int
cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	if (x->count != y->count) {
		return x->count < y->count ? 1 : -1;
	}
	return strcmp(x->name, y->name);
}

/* Adds each ", "-separated name of error to t's distinct list. */
static void
add_error_names(struct tally *t, const char *error)
{
	const char *p = error;
	while (p != NULL && *p != '\0') {
		const char *end = strstr(p, ", ");
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		bool seen = false;
		const char *q = t->errors.buf;
		while (*q != '\0' && !seen) {
			const char *qe = strstr(q, ", ");
			size_t ql = qe != NULL ? (size_t)(qe - q) : strlen(q);
			seen = ql == len && memcmp(q, p, len) == 0;
			q = qe != NULL ? qe + 2 : q + ql;
		}
		if (!seen && len > 0) {
			if (t->errors.len > 0) {
				strbuf_addstr(&t->errors, ", ");
			}
			strbuf_add(&t->errors, p, len);
		}
		p = end != NULL ? end + 2 : NULL;
	}
}

struct dup_row {
	char *key; /* attribute + 0x1f + case-folded value */
	char *attribute;
	char *value;
	char *dn;
	char *objectclass;
	char *guid;
	char *rule;
	char *update;
	char *action;
};

/*
 * The findings block stores every distinct string once and the rows as
 * indexes into that table: a DN, a rule or an error repeats on many rows,
 * and arrays of numbers parse fast, so 100,000 findings stay a small
 * block.  Index 0 is null.  An open-addressing hash table
 * (hash_bytes()) maps a string to its index.
 */
struct intern {
	char **strings; /* [0] is NULL */
	size_t n, cap;
	uint32_t *slots; /* index + 1, 0 for empty */
	size_t n_slots;
};

static void
intern_grow(struct intern *t)
{
	size_t n_slots = t->n_slots == 0 ? 1024 : t->n_slots * 2;
	uint32_t *slots = xcalloc(n_slots, sizeof(*slots));
	for (size_t i = 1; i < t->n; i++) {
		size_t j = hash_bytes(t->strings[i], strlen(t->strings[i])) &
			   (n_slots - 1);
		while (slots[j] != 0) {
			j = (j + 1) & (n_slots - 1);
		}
		slots[j] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
}

/* The index of s (0 for NULL), added if new. */
static size_t
intern(struct intern *t, const char *s)
{
	if (s == NULL) {
		return 0;
	}
	if (t->n == 0) {
		t->cap = 1024;
		t->strings = xreallocarray(NULL, t->cap, sizeof(*t->strings));
		t->strings[t->n++] = NULL;
	}
	if (t->n * 2 >= t->n_slots) {
		intern_grow(t);
	}
	size_t j = hash_bytes(s, strlen(s)) & (t->n_slots - 1);
	while (t->slots[j] != 0) {
		size_t i = t->slots[j] - 1;
		if (strcmp(t->strings[i], s) == 0) {
			return i;
		}
		j = (j + 1) & (t->n_slots - 1);
	}
	if (t->n == t->cap) {
		t->cap *= 2;
		t->strings = xreallocarray(t->strings, t->cap,
					   sizeof(*t->strings));
	}
	t->strings[t->n] = xstrdup(s);
	t->slots[j] = (uint32_t)t->n + 1;
	return t->n++;
}

static void
intern_release(struct intern *t)
{
	for (size_t i = 1; i < t->n; i++) {
		free(t->strings[i]);
	}
	free(t->strings);
	free(t->slots);
}

struct html_walk {
	struct html *h;	    /* every row */
	struct html *first; /* the first page's rows, a block of their own */
	struct intern strings, first_strings;
	struct tallies rules, attributes;
	int64_t by_sev[3];
	int64_t total, n_new, n_open;
	struct dup_row *dups;
	size_t n_dups, cap_dups;
	bool compared;
};

/*
 * For a finding that says "Duplicate" without the store's dup_key: the
 * attribute and the value case-folded, ASCII only (AD compares with
 * Unicode rules, but a missed non-ASCII case pair only splits one group
 * in two).
 */
static char *
fold_key(const char *attribute, const char *value)
{
	char *k = xasprintf("%s\x1f%s", attribute != NULL ? attribute : "",
			    value != NULL ? value : "");
	for (char *p = k; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p - 'A' + 'a');
		}
	}
	return k;
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static void
add_dup(struct html_walk *w, const struct finding *f)
{
	if (w->n_dups == w->cap_dups) {
		w->cap_dups = w->cap_dups == 0 ? 64 : w->cap_dups * 2;
		w->dups = xreallocarray(w->dups, w->cap_dups, sizeof(*w->dups));
	}
	struct dup_row *d = &w->dups[w->n_dups++];
	/* The store's key groups exactly; the folded value is a fallback. */
	d->key = f->dup_key != NULL ? xasprintf("%s", f->dup_key)
				    : fold_key(f->attribute, f->value);
	d->attribute = dup_or_empty(f->attribute);
	d->value = dup_or_empty(f->value);
	d->dn = dup_or_empty(f->dn);
	d->objectclass = dup_or_empty(f->objectclass);
	d->guid = dup_or_empty(f->objectguid);
	d->rule = dup_or_empty(f->rule);
	d->update = dup_or_empty(f->update);
	d->action = dup_or_empty(f->proposed_action);
}

static int
cmp_dup(const void *a, const void *b)
{
	const struct dup_row *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c != 0 ? c : strcasecmp(x->dn, y->dn);
}

static void
dups_free(struct dup_row *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].key);
		free(d[i].attribute);
		free(d[i].value);
		free(d[i].dn);
		free(d[i].objectclass);
		free(d[i].guid);
		free(d[i].rule);
		free(d[i].update);
		free(d[i].action);
	}
	free(d);
}

/* The rows of the JSON block, in report_csv_columns order. */
static const char *const json_columns[] = {
	"DISTINGUISHEDNAME", "COMMONNAME", "OBJECTCLASS", "ATTRIBUTE",
	"ERROR",	     "VALUE",	   "UPDATE",	  "PROPOSEDACTION",
	"ACTION",	     "RULE",	   "SEVERITY",	  "OBJECTGUID",
	"STATUS",
};

/* One row of a findings block: the indexes of its 13 strings. */
static void
add_row(struct html *h, struct intern *t, const char *const cells[13],
	bool first)
{
	if (first) {
		LIT(h, "\n[");
	} else {
		LIT(h, ",\n[");
	}
	for (size_t i = 0; i < 13; i++) {
		if (i > 0) {
			LIT(h, ",");
		}
		num(h, (int64_t)intern(t, cells[i]));
	}
	LIT(h, "]");
}

static enum status
collect(void *ctx, const struct finding *f)
{
	struct html_walk *w = ctx;
	struct html *h = w->h;
	unsigned sev = (unsigned)f->severity <= 2 ? (unsigned)f->severity : 0;

	w->by_sev[sev]++;
	struct tally *r = tally_get(&w->rules, f->rule);
	r->count++;
	r->by_sev[sev]++;
	add_error_names(r, f->error);
	struct tally *a = tally_get(&w->attributes, f->attribute);
	a->count++;
	a->by_sev[sev]++;
	if (f->dup_key != NULL ||
	    (f->error != NULL && strstr(f->error, "Duplicate") != NULL)) {
		add_dup(w, f);
	}
	if (w->compared) {
		if (f->status != NULL && strcmp(f->status, "new") == 0) {
			w->n_new++;
		} else {
			w->n_open++;
		}
	}

	const char *cells[] = {
		f->dn,	   f->cn,     f->objectclass,
		f->attribute, f->error,	f->value,
		f->update,    f->proposed_action, f->action,
		f->rule,      finding_severity_str(f->severity),
		f->objectguid, f->status,
	};
	add_row(h, &w->strings, cells, w->total == 0);
	if (w->total < HTML_FIRST_ROWS) {
		add_row(w->first, &w->first_strings, cells, w->total == 0);
	}
	w->total++;
	return h->st;
}

/*
 * ---- findings of the previous scan this one no longer has ---------------
 * store_each_fixed() says "fixed" (the object is still there) or "gone"
 * (deleted or moved out of the base: not a fix).
 */

struct fixed_walk {
	struct html rows; /* the table rows, written after the counts */
	int64_t n, fixed, gone;
};

static enum status
collect_fixed(void *ctx, const struct finding *f)
{
	struct fixed_walk *fw = ctx;
	bool gone = f->status != NULL && strcmp(f->status, "gone") == 0;
	if (gone) {
		fw->gone++;
	} else {
		fw->fixed++;
	}
	fw->n++;
	if (fw->n <= HTML_MAX_FIXED_ROWS) {
		struct html *h = &fw->rows;
		LIT(h, "<tr><td>");
		if (gone) {
			LIT(h, "object gone");
		} else {
			LIT(h, "fixed");
		}
		LIT(h, "</td><td>");
		text(h, f->dn);
		LIT(h, "</td><td>");
		text(h, f->attribute);
		LIT(h, "</td><td class=\"mono\">");
		text(h, f->value);
		LIT(h, "</td><td><code>");
		text(h, f->rule);
		LIT(h, "</code></td><td>");
		text(h, f->error);
		LIT(h, "</td></tr>\n");
	}
	return STATUS_OK;
}

/* ---- sections ----------------------------------------------------------- */

static void
fact(struct html *h, const char *label, const char *value)
{
	if (value == NULL || value[0] == '\0') {
		return;
	}
	LIT(h, "<dt>");
	text(h, label);
	LIT(h, "</dt><dd>");
	text(h, value);
	LIT(h, "</dd>\n");
}

static void
fact_num(struct html *h, const char *label, int64_t n)
{
	LIT(h, "<dt>");
	text(h, label);
	LIT(h, "</dt><dd>");
	num(h, n);
	LIT(h, "</dd>\n");
}

/* Seconds between two of the store's "YYYY-MM-DDTHH:MM:SSZ" stamps. */
static bool
duration(const char *from, const char *to, int64_t *secs)
{
	struct tm a = {0}, b = {0};
	if (from == NULL || to == NULL ||
	    sscanf(from, "%d-%d-%dT%d:%d:%d", &a.tm_year, &a.tm_mon,
		   &a.tm_mday, &a.tm_hour, &a.tm_min, &a.tm_sec) != 6 ||
	    sscanf(to, "%d-%d-%dT%d:%d:%d", &b.tm_year, &b.tm_mon, &b.tm_mday,
		   &b.tm_hour, &b.tm_min, &b.tm_sec) != 6) {
		return false;
	}
	a.tm_year -= 1900;
	b.tm_year -= 1900;
	a.tm_mon--;
	b.tm_mon--;
	time_t ta = timegm(&a), tb = timegm(&b);
	if (ta == (time_t)-1 || tb == (time_t)-1 || tb < ta) {
		return false;
	}
	*secs = (int64_t)(tb - ta);
	return true;
}

static void
write_facts(struct html *h, const struct store_scan *scan)
{
	LIT(h, "<dl class=\"facts\">\n");
	fact(h, "Source",
	     scan->source_kind != NULL && strcmp(scan->source_kind, "ldif") == 0
		     ? "LDIF export"
		     : "LDAP server");
	fact(h, scan->source_kind != NULL &&
			     strcmp(scan->source_kind, "ldif") == 0
		     ? "File"
		     : "Server",
	     scan->source);
	fact(h, "Search base", scan->base);
	fact(h, "Filter", scan->filter);
	fact(h, "Rule pack", scan->rule_pack);
	fact(h, "Rule pack SHA-256", scan->rule_pack_hash);
	fact(h, "Started (UTC)", scan->started);
	fact(h, "Finished (UTC)", scan->finished);
	int64_t secs;
	if (duration(scan->started, scan->finished, &secs)) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%" PRId64 " min %02" PRId64 " s",
			 secs / 60, secs % 60);
		fact(h, "Duration", buf);
	}
	fact(h, "State", scan->state);
	fact(h, "Reason", scan->reason);
	fact_num(h, "Objects read", scan->objects_read);
	fact_num(h, "Objects skipped", scan->objects_skipped);
	fact(h, "syncready version", scan->tool_version);
	LIT(h, "</dl>\n");
}

static void
card(struct html *h, int sev, int64_t n, const char *label)
{
	static const char *const cls[] = {"card error", "card warning",
					  "card info"};
	LIT(h, "<div class=\"");
	text(h, cls[sev]);
	LIT(h, "\"><span class=\"n\">");
	num(h, n);
	LIT(h, "</span>");
	text(h, label);
	LIT(h, "</div>\n");
}

/* Cuts s to at most max code points (never inside a UTF-8 sequence). */
static char *
shorten(const char *s, size_t max)
{
	size_t len = strlen(s), i = 0, cps = 0;
	while (i < len && cps < max) {
		unsigned cp;
		size_t n = utf8_decode((const unsigned char *)s + i, len - i,
				       &cp);
		i += n != 0 ? n : 1;
		cps++;
	}
	if (i >= len) {
		return xstrdup(s);
	}
	return xasprintf("%.*s\xe2\x80\xa6", (int)i, s);
}

/* A horizontal bar chart of t (sorted by count); bars colored by worst
 * severity. */
static void
chart(struct html *h, const char *title, const char *id, struct tallies *t,
      bool sort)
{
	/* qsort() must not see NULL, even for no element (C17 7.22.5). */
	if (sort && t->n > 0) {
		qsort(t->v, t->n, sizeof(*t->v), cmp_tally);
	}
	size_t bars = t->n > HTML_MAX_BARS ? HTML_MAX_BARS + 1 : t->n;
	int64_t max = 1, other = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (i < HTML_MAX_BARS) {
			max = t->v[i].count > max ? t->v[i].count : max;
		} else {
			other += t->v[i].count;
		}
	}
	max = other > max ? other : max;
	const int label_w = 230, bar_w = 330, row_h = 22;
	int height = (int)bars * row_h + 8;

	LIT(h, "<figure class=\"chart\"><figcaption><h3>");
	text(h, title);
	LIT(h, "</h3></figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	       "role=\"img\" aria-labelledby=\"");
	text(h, id);
	LIT(h, "\" viewBox=\"0 0 640 ");
	num(h, height);
	LIT(h, "\" width=\"640\" height=\"");
	num(h, height);
	LIT(h, "\"><title id=\"");
	text(h, id);
	LIT(h, "\">");
	text(h, title);
	LIT(h, "</title>\n");
	if (t->n == 0) {
		LIT(h, "<text x=\"0\" y=\"16\">No findings</text>");
	}
	for (size_t i = 0; i < bars; i++) {
		bool is_other = i == HTML_MAX_BARS;
		int64_t count = is_other ? other : t->v[i].count;
		const char *name = is_other ? "(other)" : t->v[i].name;
		const char *cls = "bar";
		if (!is_other) {
			cls = t->v[i].by_sev[0] > 0	  ? "bar error"
			      : t->v[i].by_sev[1] > 0 ? "bar warning"
						  : "bar info";
		}
		int y = (int)i * row_h + 4;
		int w = (int)((double)count / (double)max * bar_w);
		char *label = shorten(name[0] != '\0' ? name : "(none)", 32);
		LIT(h, "<g><title>");
		text(h, name);
		LIT(h, ": ");
		num(h, count);
		LIT(h, "</title><text x=\"0\" y=\"");
		num(h, y + 14);
		LIT(h, "\">");
		text(h, label);
		LIT(h, "</text><rect class=\"");
		text(h, cls);
		LIT(h, "\" x=\"");
		num(h, label_w);
		LIT(h, "\" y=\"");
		num(h, y);
		LIT(h, "\" width=\"");
		num(h, w > 0 ? w : 1);
		LIT(h, "\" height=\"16\"/><text x=\"");
		num(h, label_w + (w > 0 ? w : 1) + 6);
		LIT(h, "\" y=\"");
		num(h, y + 14);
		LIT(h, "\">");
		num(h, count);
		LIT(h, "</text></g>\n");
		free(label);
	}
	LIT(h, "</svg></figure>\n");
}

static void
chart_severity(struct html *h, const int64_t by_sev[3])
{
	struct tallies t = {0};
	static const char *const names[] = {"error", "warning", "info"};
	for (int i = 0; i < 3; i++) {
		struct tally *e = tally_get(&t, names[i]);
		e->count = by_sev[i];
		e->by_sev[i] = by_sev[i];
	}
	chart(h, "Findings by severity", "chart-severity", &t, false);
	tallies_release(&t);
}

/*
 * What to do about each of IdFix's ERROR names (reference/idfix.md §4,
 * entra.md §1).  Until the store records each rule's own description and
 * remediation, the report explains a rule by the checks it failed.
 */
static const struct {
	const char *error;
	const char *advice;
} guidance[] = {
	{"Character",
	 "The value contains characters that Entra ID does not accept in "
	 "this attribute. The proposed value drops them; check that it still "
	 "identifies the object (and, for addresses, still receives mail)."},
	{"Format",
	 "The value is not in the form the attribute requires (an address "
	 "must be local-part@domain, a UPN must have exactly one @ and a "
	 "suffix). Correct it in Active Directory."},
	{"Blank",
	 "The attribute is empty where Entra ID needs a value (for example "
	 "displayName or mailNickname of a mail-enabled object). Fill it in; "
	 "the proposed value is derived from the object's other attributes."},
	{"Duplicate",
	 "Another object holds the same value, and Entra ID requires it to be "
	 "unique across the tenant: the second object to synchronize fails "
	 "with a duplicate-attribute error. Decide which object keeps the "
	 "value (see the duplicate groups below) and change the others."},
	{"TopLevelDomain",
	 "The domain's top-level domain is not routable on the internet "
	 "(such as .local). Add a verified, routable UPN suffix or mail "
	 "domain and move the value to it; otherwise Entra ID replaces the "
	 "suffix with the tenant's onmicrosoft.com domain."},
	{"DomainPart",
	 "The part after the @ is not a valid domain name. Correct the "
	 "domain (letters, digits, hyphens, dots; no leading or trailing "
	 "dot)."},
	{"LocalPart",
	 "The part before the @ is not valid (characters outside RFC 5322, a "
	 "leading, trailing or doubled dot). Correct it."},
	{"Length",
	 "The value is longer than Entra ID allows for this attribute and "
	 "would be rejected or truncated. Shorten it."},
};

static void
write_advice(struct html *h, const char *errors)
{
	const char *p = errors;
	bool any = false;
	LIT(h, "<ul>\n");
	while (p != NULL && *p != '\0') {
		const char *end = strstr(p, ", ");
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *advice = NULL;
		for (size_t i = 0; i < sizeof(guidance) / sizeof(guidance[0]);
		     i++) {
			if (strlen(guidance[i].error) == len &&
			    memcmp(guidance[i].error, p, len) == 0) {
				advice = guidance[i].advice;
			}
		}
		char *name = xstrndup(p, len);
		LIT(h, "<li><strong>");
		text(h, name);
		LIT(h, "</strong>: ");
		text(h, advice != NULL
				? advice
				: "See the rule's description (syncready rules).");
		LIT(h, "</li>\n");
		free(name);
		any = true;
		p = end != NULL ? end + 2 : NULL;
	}
	if (!any) {
		LIT(h, "<li>See the rule's description (syncready rules).</li>\n");
	}
	LIT(h, "</ul>\n");
}

/* The description and remediation text of the scan's rules. */
struct rule_texts {
	struct rule_text {
		char *id;
		char *description;
		char *remediation;
	} *v;
	size_t n;
};

static enum status
collect_rule(void *ctx, const struct store_rule *r)
{
	struct rule_texts *t = ctx;
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = (struct rule_text){
		.id = dup_or_empty(r->id),
		.description = dup_or_empty(r->description),
		.remediation = dup_or_empty(r->remediation),
	};
	return STATUS_OK;
}

static void
rule_texts_release(struct rule_texts *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].description);
		free(t->v[i].remediation);
	}
	free(t->v);
}

static const struct rule_text *
rule_text(const struct rule_texts *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].id, id) == 0) {
			return &t->v[i];
		}
	}
	return NULL;
}

static void
write_remediation(struct html *h, struct tallies *rules,
		  const struct rule_texts *texts)
{
	LIT(h, "<section id=\"remediation\"><h2>What to do, rule by rule</h2>\n");
	if (rules->n == 0) {
		LIT(h, "<p>No findings: nothing to fix.</p>\n");
	}
	for (size_t i = 0; i < rules->n; i++) {
		struct tally *r = &rules->v[i];
		LIT(h, "<div class=\"rule\"><h3>");
		text(h, r->name[0] != '\0' ? r->name : "(no rule id)");
		LIT(h, "</h3><p>");
		num(h, r->count);
		LIT(h, " findings (");
		num(h, r->by_sev[0]);
		LIT(h, " errors, ");
		num(h, r->by_sev[1]);
		LIT(h, " warnings, ");
		num(h, r->by_sev[2]);
		LIT(h, " info). Checks failed: ");
		text(h, r->errors.len > 0 ? r->errors.buf : "(none)");
		LIT(h, ".</p>\n");
		/*
		 * The rule's own words as its pack wrote them; a scan made
		 * before the store kept them is explained by its checks.
		 */
		const struct rule_text *rt = rule_text(texts, r->name);
		if (rt != NULL && rt->remediation[0] != '\0') {
			LIT(h, "<p class=\"desc\">");
			text(h, rt->description);
			LIT(h, "</p>\n<p class=\"fix\">");
			text(h, rt->remediation);
			LIT(h, "</p>\n");
		} else {
			write_advice(h, r->errors.buf);
		}
		LIT(h, "</div>\n");
	}
	LIT(h, "</section>\n");
}

static void
write_duplicates(struct html *h, struct html_walk *w)
{
	LIT(h, "<section id=\"duplicates\"><h2>Duplicate values</h2>\n");
	if (w->n_dups == 0) {
		LIT(h, "<p>No value is held by more than one object.</p>"
		       "</section>\n");
		return;
	}
	qsort(w->dups, w->n_dups, sizeof(*w->dups), cmp_dup);
	size_t groups = 0, shown = 0;
	for (size_t i = 0; i < w->n_dups;) {
		size_t j = i;
		while (j < w->n_dups && strcmp(w->dups[j].key, w->dups[i].key) == 0) {
			j++;
		}
		groups++;
		if (groups <= HTML_MAX_DUP_GROUPS) {
			shown++;
			LIT(h, "<div class=\"dup\"><h3>");
			text(h, w->dups[i].attribute);
			LIT(h, " <code>");
			text(h, w->dups[i].value);
			LIT(h, "</code> is held by ");
			num(h, (int64_t)(j - i));
			LIT(h, " objects</h3>\n<table><thead><tr><th>Object (DN)"
			       "</th><th>Class</th><th>objectGUID</th><th>Value"
			       "</th><th>Rule</th><th>Proposed value</th><th>"
			       "Proposed action</th></tr></thead><tbody>\n");
			for (size_t k = i; k < j; k++) {
				struct dup_row *d = &w->dups[k];
				LIT(h, "<tr><td>");
				text(h, d->dn);
				LIT(h, "</td><td>");
				text(h, d->objectclass);
				LIT(h, "</td><td class=\"mono\">");
				text(h, d->guid);
				LIT(h, "</td><td class=\"mono\">");
				text(h, d->value);
				LIT(h, "</td><td><code>");
				text(h, d->rule);
				LIT(h, "</code></td><td class=\"mono\">");
				text(h, d->update);
				LIT(h, "</td><td>");
				text(h, d->action);
				LIT(h, "</td></tr>\n");
			}
			LIT(h, "</tbody></table></div>\n");
		}
		i = j;
	}
	LIT(h, "<p class=\"note\">");
	num(h, (int64_t)groups);
	LIT(h, " duplicated values");
	if (shown < groups) {
		LIT(h, ", the first ");
		num(h, (int64_t)shown);
		LIT(h, " shown; filter the findings table by the error "
		       "\"Duplicate\" for all of them");
	}
	LIT(h, ".</p></section>\n");
}

/* A two-column table of counts: skipped objects, the rules' counters. */
static void
write_counts(struct html *h, const char *title, const char *what,
	     const struct store_count *c, size_t n)
{
	LIT(h, "<h3>");
	text(h, title);
	LIT(h, "</h3>\n");
	if (n == 0) {
		LIT(h, "<p>None.</p>\n");
		return;
	}
	LIT(h, "<table class=\"skipped\"><thead><tr><th>");
	text(h, what);
	LIT(h, "</th><th class=\"num\">Objects</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		LIT(h, "<tr><td>");
		text(h, c[i].name);
		LIT(h, "</td><td class=\"num\">");
		num(h, c[i].count);
		LIT(h, "</td></tr>\n");
	}
	LIT(h, "</tbody></table>\n");
}

/* What the scan looked at: its base, else its source. */
static const char *
scan_name(const struct store_scan *scan)
{
	if (scan->base != NULL && scan->base[0] != '\0') {
		return scan->base;
	}
	return scan->source != NULL ? scan->source : "";
}

static void
write_head(struct html *h, const struct store_scan *scan)
{
	LIT(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	       "<meta charset=\"utf-8\">\n"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\""
	       "default-src 'none'; style-src '");
	text(h, html_asset_css_hash);
	LIT(h, "'; script-src '");
	text(h, html_asset_js_hash);
	LIT(h, "'; img-src 'none'; connect-src 'none'; base-uri 'none'; "
	       "form-action 'none'\">\n"
	       "<meta name=\"referrer\" content=\"no-referrer\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, "
	       "initial-scale=1\">\n"
	       "<meta name=\"generator\" content=\"syncready\">\n<title>");
	LIT(h, "Entra Connect readiness: ");
	text(h, scan_name(scan));
	LIT(h, "</title>\n<style>");
	/* A build-time asset, hashed above: written exactly as hashed. */
	strbuf_addstr(&h->sb, html_asset_css);
	LIT(h, "</style>\n</head>\n<body>\n");
}

static void
write_findings_shell(struct html *h)
{
	LIT(h, "<section id=\"findings\"><h2>Findings</h2>\n"
	       "<p id=\"findings-count\" class=\"note\"></p>\n"
	       "<noscript><p>The findings table needs JavaScript. Every finding "
	       "is also in the CSV and JSON reports.</p></noscript>\n"
	       "<div class=\"controls\" id=\"findings-controls\" hidden>\n"
	       "<label>Rule<select id=\"filter-rule\" data-key=\"rule\">"
	       "<option value=\"\">all</option></select></label>\n"
	       "<label>Severity<select id=\"filter-severity\" "
	       "data-key=\"severity\"><option value=\"\">all</option>"
	       "</select></label>\n"
	       "<label>Attribute<select id=\"filter-attribute\" "
	       "data-key=\"attribute\"><option value=\"\">all</option>"
	       "</select></label>\n"
	       "<label>Text<input id=\"filter-text\" type=\"search\" "
	       "placeholder=\"DN, value, error\u2026\"></label>\n"
	       "<label>Rows per page<select id=\"page-size\">"
	       "<option>50</option><option selected>100</option>"
	       "<option>500</option><option>1000</option></select></label>\n"
	       "</div>\n"
	       "<div class=\"pager\" id=\"findings-pager\" hidden>"
	       "<button type=\"button\" id=\"page-prev\">Previous</button>"
	       "<span id=\"page-info\"></span>"
	       "<button type=\"button\" id=\"page-next\">Next</button></div>\n"
	       "<table id=\"findings-table\"><thead></thead><tbody></tbody>"
	       "</table>\n</section>\n");
}

/*
 * A findings block: {"compared", "total", "columns", "rows" (indexes into
 * "strings"), "strings"}, inside a JSON script element that nothing runs.
 */
static void
write_block(struct html *h, const char *id, bool compared, int64_t total,
	    const struct strbuf *rows, const struct intern *t)
{
	LIT(h, "<script type=\"application/json\" id=\"");
	text(h, id);
	LIT(h, "\">{\"compared\": ");
	if (compared) {
		LIT(h, "true");
	} else {
		LIT(h, "false");
	}
	LIT(h, ", \"total\": ");
	num(h, total);
	LIT(h, ", \"columns\": [");
	for (size_t i = 0; i < sizeof(json_columns) / sizeof(json_columns[0]);
	     i++) {
		if (i > 0) {
			LIT(h, ", ");
		}
		jstr(h, json_columns[i]);
	}
	LIT(h, "],\n\"rows\": [");
	flush_if(h, 0);
	if (h->st == STATUS_OK && rows->len > 0 &&
	    fwrite(rows->buf, 1, rows->len, h->out) != rows->len) {
		LOG_ERRNO("cannot write the HTML report");
		h->st = STATUS_ERR_IO;
	}
	LIT(h, "],\n\"strings\": [null");
	for (size_t i = 1; i < t->n; i++) {
		LIT(h, ",\n");
		jstr(h, t->strings[i]);
	}
	LIT(h, "]}</script>\n");
}

enum status
report_html_write(struct store *s, const struct store_scan *scan,
		  int64_t previous_id, FILE *out)
{
	struct html main = {.out = out, .st = STATUS_OK};
	struct html rows = {.out = NULL, .st = STATUS_OK};
	struct html first = {.out = NULL, .st = STATUS_OK};
	struct html_walk w = {
		.h = &rows, .first = &first, .compared = previous_id != 0};
	struct fixed_walk fw = {0};
	struct store_count *skipped = NULL, *summary = NULL;
	size_t n_skipped = 0, n_summary = 0;
	struct html *h = &main;
	enum status st;

	strbuf_init(&main.sb);
	strbuf_init(&rows.sb);
	strbuf_init(&first.sb);
	strbuf_init(&fw.rows.sb);
	fw.rows.st = STATUS_OK;

	/*
	 * The summary needs the counts the walk produces, so the walk goes
	 * first, into memory: the rows' JSON (rows.out NULL never flushes).
	 */
	st = store_each_finding_compared(s, scan->id, previous_id, collect, &w);
	if (st != STATUS_OK) {
		goto out;
	}
	st = store_skipped_counts(s, scan->id, &skipped, &n_skipped);
	if (st != STATUS_OK) {
		goto out;
	}
	st = store_summary_counts(s, scan->id, &summary, &n_summary);
	if (st != STATUS_OK) {
		goto out;
	}
	if (w.compared) {
		st = store_each_fixed(s, scan->id, previous_id, collect_fixed,
				      &fw);
		if (st != STATUS_OK) {
			goto out;
		}
	}

	write_head(h, scan);
	LIT(h, "<header><h1>Entra Connect readiness report</h1>\n<p class=\"sub\">");
	text(h, scan->label != NULL && scan->label[0] != '\0'
			? scan->label
			: scan_name(scan));
	LIT(h, " \u2014 scan ");
	num(h, scan->id);
	LIT(h, "</p>\n<nav><a href=\"#summary\">Summary</a> \u00b7 ");
	if (w.compared) {
		LIT(h, "<a href=\"#comparison\">Comparison</a> \u00b7 ");
	}
	LIT(h, "<a href=\"#remediation\">What to do</a> \u00b7 "
	       "<a href=\"#duplicates\">Duplicates</a> \u00b7 "
	       "<a href=\"#findings\">Findings</a></nav></header>\n"
	       "<section id=\"summary\"><h2>Summary</h2>\n");
	if (scan->state != NULL && strcmp(scan->state, "complete") != 0) {
		LIT(h, "<p class=\"new\">This scan is ");
		text(h, scan->state);
		LIT(h, ": its findings are incomplete.</p>\n");
	}
	write_facts(h, scan);
	LIT(h, "<div class=\"cards\">\n");
	card(h, 0, w.by_sev[0], "errors: sync fails or drops the value");
	card(h, 1, w.by_sev[1], "warnings: syncs with a wrong result");
	card(h, 2, w.by_sev[2], "info");
	LIT(h, "</div>\n<div class=\"charts\">\n");
	chart_severity(h, w.by_sev);
	chart(h, "Findings by rule", "chart-rule", &w.rules, true);
	chart(h, "Findings by attribute", "chart-attribute", &w.attributes,
	      true);
	LIT(h, "</div>\n");
	write_counts(h, "Objects skipped", "Reason", skipped, n_skipped);
	if (n_summary > 0) {
		write_counts(h, "Also counted", "What", summary, n_summary);
	}
	LIT(h, "</section>\n");

	if (w.compared) {
		LIT(h, "<section id=\"comparison\"><h2>Compared with scan ");
		num(h, previous_id);
		LIT(h, "</h2>\n<div class=\"cards\">\n");
		card(h, 2, fw.fixed, "fixed since then");
		card(h, 1, w.n_open, "still open");
		card(h, 0, w.n_new, "new");
		if (fw.gone > 0) {
			card(h, 2, fw.gone, "gone with their object");
		}
		LIT(h, "</div>\n<h3>Fixed</h3>\n");
		if (fw.n == 0) {
			LIT(h, "<p>None.</p>\n");
		} else {
			LIT(h, "<table><thead><tr><th>How</th><th>Object (DN)"
			       "</th><th>"
			       "Attribute</th><th>Value</th><th>Rule</th><th>"
			       "Error</th></tr></thead><tbody>\n");
			strbuf_add(&h->sb, fw.rows.sb.buf, fw.rows.sb.len);
			LIT(h, "</tbody></table>\n");
			if (fw.n > HTML_MAX_FIXED_ROWS) {
				LIT(h, "<p class=\"note\">");
				num(h, fw.n);
				LIT(h, " fixed findings, the first ");
				num(h, HTML_MAX_FIXED_ROWS);
				LIT(h, " shown.</p>\n");
			}
		}
		LIT(h, "</section>\n");
	}

	if (w.rules.n > 0) {
		qsort(w.rules.v, w.rules.n, sizeof(*w.rules.v), cmp_tally);
	}
	struct rule_texts texts = {0};
	st = store_each_rule(s, scan->id, collect_rule, &texts);
	if (st != STATUS_OK) {
		rule_texts_release(&texts);
		goto out;
	}
	write_remediation(h, &w.rules, &texts);
	rule_texts_release(&texts);
	write_duplicates(h, &w);
	write_findings_shell(h);
	/*
	 * The first page, the script, then every row: the script shows the
	 * first page before the browser has read the large block, and loads
	 * that when the document is complete.
	 */
	write_block(h, "findings-first", w.compared, w.total, &first.sb,
		    &w.first_strings);
	LIT(h, "<script>");
	strbuf_addstr(&h->sb, html_asset_js);
	LIT(h, "</script>\n");
	write_block(h, "findings-data", w.compared, w.total, &rows.sb,
		    &w.strings);
	LIT(h, "</body>\n</html>\n");
	flush_if(h, 0);
	st = h->st;
	if (st == STATUS_OK && fflush(out) != 0) {
		LOG_ERRNO("cannot write the HTML report");
		st = STATUS_ERR_IO;
	}
out:
	store_counts_free(skipped, n_skipped);
	store_counts_free(summary, n_summary);
	intern_release(&w.strings);
	intern_release(&w.first_strings);
	tallies_release(&w.rules);
	tallies_release(&w.attributes);
	dups_free(w.dups, w.n_dups);
	strbuf_release(&main.sb);
	strbuf_release(&rows.sb);
	strbuf_release(&first.sb);
	strbuf_release(&fw.rows.sb);
	return st;
}
