/*
 * The rule engine: loading a pack (pack.c parses it), deciding skips,
 * and running IdFix's chain semantics (idfix.md §4.1) on every attribute
 * value of an entry.  Rules are pure: a duplicate step only computes a
 * dup_key and both variants of the finding; the store decides which one
 * holds once the scan is complete.
 */
#define LOG_MODULE "rules"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "rules/pack.h"
#include "rules/sha256.h"
#include "rules/text.h"

/* Compiled into the binary from rules/packs/ and rules/tld.txt. */
extern const unsigned char pack_multi_tenant[];
extern const size_t pack_multi_tenant_len;
extern const unsigned char pack_dedicated[];
extern const size_t pack_dedicated_len;
extern const unsigned char tld_builtin[];
extern const size_t tld_builtin_len;

/*
 * The attributes every pack reads besides its own: the object's type and
 * key, what decides LDIF filtering (objectCategory), and what the stages
 * after the rules show (objectSid, userAccountControl).
 */
static const char *const base_attrs[] = {
	"objectClass",
	"objectGUID",
	"objectCategory",
	"objectSid",
	"userAccountControl",
	"distinguishedName",
	"cn",
	NULL,
};

/*
 * What the summary counters, the Entra Connect scope and the entry rules
 * read besides their own attribute (rules/beyond.c).
 */
static const char *const beyond_attrs[] = {
	"isCriticalSystemObject",
	"sAMAccountName",
	"mailNickname",
	"mail",
	"proxyAddresses",
	"targetAddress",
	"userPrincipalName",
	"displayName",
	"groupType",
	"msExchHideFromAddressLists",
	"msExchRecipientTypeDetails",
	"msExchRemoteRecipientType",
	"msExchMailboxGuid",
	"msExchArchiveGuid",
	"homeMDB",
	"mS-DS-ConsistencyGuid",
	"keywords",
	"serviceBindingInformation",
	NULL,
};

/* What the blank fixers read. */
static const char *const fixer_attrs[] = {
	"givenName", "sn", "sAMAccountName", "mail", NULL,
};

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		LOG_ERRNO("cannot open %s", path);
		return NULL;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(&sb, buf, n);
	}
	if (ferror(f)) {
		LOG_ERRNO("cannot read %s", path);
		fclose(f);
		strbuf_release(&sb);
		return NULL;
	}
	fclose(f);
	return strbuf_detach(&sb, len);
}

/* read: some rule reads the values, not only how many there are. */
static void
attrs_add(struct ruleset *rs, size_t *n, const char *name, bool read)
{
	if (name == NULL || strcasecmp(name, "dn") == 0) {
		return;
	}
	for (size_t i = 0; i < *n; i++) {
		if (strcasecmp(rs->attrs[i], name) == 0) {
			rs->attrs_read[i] |= read;
			return;
		}
	}
	rs->attrs = xreallocarray(rs->attrs, *n + 2, sizeof(*rs->attrs));
	rs->attrs_read =
		xreallocarray(rs->attrs_read, *n + 1, sizeof(*rs->attrs_read));
	rs->attrs_read[*n] = read;
	rs->attrs[(*n)++] = xstrdup(name);
	rs->attrs[*n] = NULL;
}

static void
build_attrs(struct ruleset *rs)
{
	size_t n = 0;
	for (const char *const *a = base_attrs; *a; a++) {
		attrs_add(rs, &n, *a, true);
	}
	for (const char *const *a = beyond_attrs; *a; a++) {
		attrs_add(rs, &n, *a, true);
	}
	for (size_t i = 0; i < rs->nentry_rules; i++) {
		const struct rule *r = &rs->entry_rules[i];
		/* The SMTP namespace rule's "attribute" is a list. */
		if (strpbrk(r->attribute, " ,") == NULL) {
			attrs_add(rs, &n, r->attribute, r->kind != CHECK_COUNT);
		}
		attrs_add(rs, &n, r->cond.if_attr, true);
		attrs_add(rs, &n, r->cond.unless_attr, true);
	}
	for (size_t i = 0; i < rs->nskips; i++) {
		for (size_t j = 0; j < rs->skips[i].ntests; j++) {
			attrs_add(rs, &n, rs->skips[i].tests[j].attribute,
				  true);
		}
	}
	bool fixers = false;
	for (size_t i = 0; i < rs->nchains; i++) {
		const struct chain *ch = &rs->chains[i];
		attrs_add(rs, &n, ch->attribute, true);
		for (size_t j = 0; j < ch->nrules; j++) {
			const struct rule *r = &ch->rules[j];
			attrs_add(rs, &n, r->cond.if_attr, true);
			attrs_add(rs, &n, r->cond.unless_attr, true);
			attrs_add(rs, &n, r->complete_if, true);
			attrs_add(rs, &n, r->remove_unless, true);
			fixers |= r->kind == CHECK_BLANK;
		}
	}
	if (fixers) {
		for (const char *const *a = fixer_attrs; *a; a++) {
			attrs_add(rs, &n, *a, true);
		}
	}
	size_t c = 0;
	rs->counted = xcalloc(n + 1, sizeof(*rs->counted));
	for (size_t i = 0; i < n; i++) {
		if (!rs->attrs_read[i]) {
			rs->counted[c++] = rs->attrs[i];
		}
	}
}

static void
build_info(struct ruleset *rs)
{
	rs->ninfo = rs->nentry_rules;
	for (size_t i = 0; i < rs->nchains; i++) {
		rs->ninfo += rs->chains[i].nrules;
	}
	rs->info = xcalloc(rs->ninfo ? rs->ninfo : 1, sizeof(*rs->info));
	size_t k = 0;
	for (size_t i = 0; i < rs->nchains; i++) {
		const struct chain *ch = &rs->chains[i];
		for (size_t j = 0; j < ch->nrules; j++) {
			const struct rule *r = &ch->rules[j];
			rs->info[k++] = (struct rule_info){
				.id = r->id,
				.attribute = ch->label,
				.check = check_kind_name(r->kind),
				.severity = finding_severity_str(r->severity),
				.description = r->description,
				.remediation = r->remediation,
				.enabled = r->enabled,
			};
		}
	}
	for (size_t i = 0; i < rs->nentry_rules; i++) {
		const struct rule *r = &rs->entry_rules[i];
		rs->info[k++] = (struct rule_info){
			.id = r->id,
			.attribute = r->attribute,
			.check = check_kind_name(r->kind),
			.severity = finding_severity_str(r->severity),
			.description = r->description,
			.remediation = r->remediation,
			.enabled = r->enabled,
		};
	}
}

/* The RFC 2822 step patterns (idfix.md §4.6), with ASCII ranges. */
#define ATOM "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
#define LABEL "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#define DOMAIN "@(?:" LABEL "\\.)+[A-Za-z]{2,17}$"

static bool
compile_rfc(struct ruleset *rs)
{
	rs->rfc_domain =
		pack_compile(DOMAIN, false, false, "rfc2822", 0, "pattern");
	rs->rfc_local = pack_compile("^" ATOM "(?:\\." ATOM ")*@", false, false,
				     "rfc2822", 0, "pattern");
	rs->rfc_format = pack_compile("^" ATOM "(?:\\." ATOM ")*" DOMAIN, false,
				      false, "rfc2822", 0, "pattern");
	return rs->rfc_domain && rs->rfc_local && rs->rfc_format;
}

struct ruleset *
ruleset_load(const char *pack, const struct ruleset_opts *opts, enum status *st)
{
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	char *file = NULL, *tldfile = NULL;
	const char *xml, *tld, *origin;
	size_t len, tldlen;
	bool ok = false;

	if (strcmp(pack, "multi-tenant") == 0) {
		xml = (const char *)pack_multi_tenant;
		len = pack_multi_tenant_len;
		origin = "multi-tenant.xml";
	} else if (strcmp(pack, "dedicated") == 0) {
		xml = (const char *)pack_dedicated;
		len = pack_dedicated_len;
		origin = "dedicated.xml";
	} else {
		file = read_file(pack, &len);
		if (file == NULL) {
			goto out;
		}
		xml = file;
		origin = pack;
	}
	if (!pack_parse(rs, xml, len, origin)) {
		goto out;
	}

	if (opts != NULL && opts->tld_file != NULL) {
		tldfile = read_file(opts->tld_file, &tldlen);
		if (tldfile == NULL) {
			goto out;
		}
		tld = tldfile;
		origin = opts->tld_file;
	} else {
		tld = (const char *)tld_builtin;
		tldlen = tld_builtin_len;
		origin = "tld.txt";
	}
	rs->tlds = tld_set_parse(tld, tldlen, origin);
	if (rs->tlds == NULL) {
		goto out;
	}
	if (tld_set_count(rs->tlds) == 0) {
		LOG_ERR("%s: the list of top-level domains is empty", origin);
		goto out;
	}

	for (const char *const *d = opts ? opts->disable : NULL; d && *d; d++) {
		bool found = false;
		for (size_t i = 0; i < rs->nchains; i++) {
			for (size_t j = 0; j < rs->chains[i].nrules; j++) {
				struct rule *r = &rs->chains[i].rules[j];
				if (strcmp(r->id, *d) == 0) {
					r->enabled = false;
					found = true;
				}
			}
		}
		for (size_t i = 0; i < rs->nentry_rules; i++) {
			if (strcmp(rs->entry_rules[i].id, *d) == 0) {
				rs->entry_rules[i].enabled = false;
				found = true;
			}
		}
		if (!found) {
			/* A typo must not leave the rule on unnoticed. */
			LOG_ERR("cannot switch off rule '%s': the pack %s has "
				"no such rule (syncready rules lists them)",
				*d, rs->name);
			goto out;
		}
	}
	size_t nd = 0;
	for (const char *const *d = opts ? opts->domains : NULL; d && *d;
	     d++) {
		/* "contoso.com", ".contoso.com" or "@contoso.com" */
		const char *dom = *d;
		while (*dom == '.' || *dom == '@') {
			dom++;
		}
		char *ok8 = text_utf8_repair(dom, strlen(dom));
		rs->domains = xreallocarray(rs->domains, nd + 2,
					    sizeof(*rs->domains));
		rs->domains[nd++] = text_fold(ok8);
		rs->domains[nd] = NULL;
		free(ok8);
	}
	if (!compile_rfc(rs)) {
		goto out;
	}
	rs->mctx = pcre2_match_context_create(NULL);
	/* Bounded work per value, whatever a consultant's pattern does. */
	pcre2_set_match_limit(rs->mctx, 1000000);
	pcre2_set_depth_limit(rs->mctx, 10000);

	/*
	 * The digest covers every input that decides the findings: the
	 * pack, the TLD list and, when given, the rules switched off (in
	 * pack order) and the verified domains (in order: the first is the
	 * proposals').  Without options it is the pack's and the list's.
	 */
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, xml, len);
	sha256_update(&h, "\0", 1);
	sha256_update(&h, tld, tldlen);
	for (size_t k = 0; opts != NULL && opts->disable != NULL && k < 2;
	     k++) {
		size_t n = k == 0 ? rs->nchains : 1;
		for (size_t i = 0; i < n; i++) {
			const struct rule *rules =
				k == 0 ? rs->chains[i].rules : rs->entry_rules;
			size_t nr = k == 0 ? rs->chains[i].nrules
					   : rs->nentry_rules;
			for (size_t j = 0; j < nr; j++) {
				for (const char *const *d = opts->disable; *d;
				     d++) {
					if (strcmp(*d, rules[j].id) == 0) {
						sha256_update(&h, "\0-", 2);
						sha256_update(
							&h, rules[j].id,
							strlen(rules[j].id));
						break;
					}
				}
			}
		}
	}
	for (char **d = rs->domains; d != NULL && *d != NULL; d++) {
		sha256_update(&h, "\0@", 2);
		sha256_update(&h, *d, strlen(*d));
	}
	sha256_hex(&h, rs->hash);

	build_attrs(rs);
	build_info(rs);
	ok = true;
out:
	free(file);
	free(tldfile);
	if (!ok) {
		ruleset_free(rs);
		*st = STATUS_ERR_CONFIG;
		return NULL;
	}
	*st = STATUS_OK;
	return rs;
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL) {
		return;
	}
	pack_release(rs);
	for (char **a = rs->attrs; a && *a; a++) {
		free(*a);
	}
	free(rs->attrs);
	free(rs->attrs_read);
	free(rs->counted);
	for (char **d = rs->domains; d && *d; d++) {
		free(*d);
	}
	free(rs->domains);
	free(rs->info);
	tld_set_free(rs->tlds);
	pcre2_match_context_free(rs->mctx);
	pcre2_code_free(rs->rfc_domain);
	pcre2_code_free(rs->rfc_local);
	pcre2_code_free(rs->rfc_format);
	free(rs);
}

const char *
ruleset_name(const struct ruleset *rs)
{
	return rs->name;
}

const char *
ruleset_hash(const struct ruleset *rs)
{
	return rs->hash;
}

const char *const *
ruleset_attributes(const struct ruleset *rs)
{
	return (const char *const *)rs->attrs;
}

const char *const *
ruleset_counted_attributes(const struct ruleset *rs)
{
	return (const char *const *)rs->counted;
}

size_t
ruleset_count(const struct ruleset *rs)
{
	return rs->ninfo;
}

void
ruleset_info(const struct ruleset *rs, size_t i, struct rule_info *info)
{
	*info = rs->info[i];
}

/* ---- checking one entry ------------------------------------------------ */

struct ectx {
	const struct ruleset *rs;
	const struct scan_entry *e;
	struct entry_view *v; /* of e */
	const struct rule_sink *sink;
	const char *cls;
	const char *pack_cls; /* struct entry_ctx */
	const char *key;      /* scan_entry_key() */
	char *cn;             /* valid UTF-8 ("" when absent) */
	/* One pair: re_match() only asks whether a pattern matches. */
	pcre2_match_data *md;
};

/* The first value as valid UTF-8 (caller frees), or NULL when absent. */
static char *
first_utf8(struct entry_view *v, const char *name)
{
	const struct scan_attr *a = entry_view_attr(v, name);
	if (a == NULL || a->nvals == 0) {
		return NULL;
	}
	return text_utf8_repair(a->vals[0].data, a->vals[0].len);
}

static bool
has_value(struct entry_view *v, const char *name)
{
	const struct scan_attr *a = entry_view_attr(v, name);
	return a != NULL && a->nvals > 0 && a->vals[0].len > 0;
}

/*
 * 1 match, 0 none, -1 error (logged with the object's DN).  s is valid
 * UTF-8, or re is a byte pattern (a skip's), which reads any bytes.
 */
static int
re_match(const struct ectx *x, const pcre2_code *re, const char *s, size_t len)
{
	/*
	 * pcre2_match() checks its arguments and options before it hands a
	 * compiled pattern to the JIT: about a third of a short match.  The
	 * JIT's own entry skips that, and checks no UTF-8 either (the
	 * caller has); a pattern the JIT could not compile says so with
	 * JIT_BADOPTION.  0: a match that did not fit the one pair, still a
	 * match.
	 */
	int rc = pcre2_jit_match(re, (PCRE2_SPTR)s, len, 0, 0, x->md,
				 x->rs->mctx);
	if (rc == PCRE2_ERROR_JIT_BADOPTION) {
		rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK,
				 x->md, x->rs->mctx);
	}
	if (rc >= 0) {
		return 1;
	}
	if (rc == PCRE2_ERROR_NOMATCH) {
		return 0;
	}
	PCRE2_UCHAR msg[256];
	pcre2_get_error_message(rc, msg, sizeof(msg));
	LOG_WARN("%s: pattern not evaluated: %s", x->e->dn, (const char *)msg);
	return -1;
}

/*
 * s with every match of re deleted (caller frees), or NULL when nothing
 * matched; a pattern error counts as no match (logged by re_match or by
 * its twin here).
 */
static char *
re_delete(const struct ectx *x, const pcre2_code *re, const char *s)
{
	size_t len = strlen(s);
	/*
	 * Most values hold nothing to delete: a JIT match says so for less
	 * than a substitution costs.  A pattern error is logged there once.
	 */
	int found = re_match(x, re, s, len);
	if (found != 1) {
		return NULL;
	}
	PCRE2_SIZE outlen = len + 1;
	PCRE2_UCHAR *out = xmalloc(outlen);
	int rc = pcre2_substitute(re, (PCRE2_SPTR)s, len, 0,
				  PCRE2_SUBSTITUTE_GLOBAL | PCRE2_NO_UTF_CHECK,
				  NULL, x->rs->mctx, (PCRE2_SPTR) "", 0, out,
				  &outlen);
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		LOG_WARN("%s: pattern not evaluated: %s", x->e->dn,
			 (const char *)msg);
	}
	if (rc <= 0) {
		free(out);
		return NULL;
	}
	return (char *)out;
}

static bool
cond_holds(const struct ectx *x, const struct rule_cond *c, const char *orig)
{
	if (!pack_class_holds(c, x->pack_cls)) {
		return false;
	}
	if (c->if_attr != NULL && !has_value(x->v, c->if_attr)) {
		return false;
	}
	if (c->unless_attr != NULL && has_value(x->v, c->unless_attr)) {
		return false;
	}
	size_t len = strlen(orig);
	if (c->if_value != NULL && re_match(x, c->if_value, orig, len) != 1) {
		return false;
	}
	if (c->unless_value != NULL &&
	    re_match(x, c->unless_value, orig, len) != 0) {
		return false;
	}
	return true;
}

/* s cut to limit UTF-16 units (never inside a surrogate pair). */
static char *
cut(const char *s, size_t limit)
{
	return xstrndup(s, text_utf16_prefix(s, limit));
}

static char *
blank_fix(const struct ectx *x, const struct rule *r)
{
	char *v = NULL;
	switch (r->fixer) {
	case FIXER_CN:
		v = xstrdup(x->cn);
		break;
	case FIXER_EMPTY:
		v = xstrdup("");
		break;
	case FIXER_CONTACT_NICKNAME: {
		/* idfix.md §6.2: givenName[.sn], else sAMAccountName, else cn
		 */
		struct strbuf sb;
		strbuf_init(&sb);
		char *given = first_utf8(x->v, "givenName");
		char *sn = first_utf8(x->v, "sn");
		if (given != NULL) {
			strbuf_addstr(&sb, given);
		}
		if (sn != NULL) {
			if (sb.len > 0) {
				strbuf_addch(&sb, '.');
			}
			strbuf_addstr(&sb, sn);
		}
		free(given);
		free(sn);
		if (sb.len == 0) {
			char *sam = first_utf8(x->v, "sAMAccountName");
			strbuf_addstr(&sb, sam && sam[0] ? sam : x->cn);
			free(sam);
		}
		v = strbuf_detach(&sb, NULL);
		break;
	}
	case FIXER_TARGET_MAIL: {
		/* Contacts route to their mail; a user has no safe guess. */
		char *mail = first_utf8(x->v, "mail");
		if (strcasecmp(x->cls, "contact") == 0 && mail && mail[0]) {
			v = xasprintf("SMTP:%s", mail);
		} else {
			v = xstrdup("");
		}
		free(mail);
		break;
	}
	}
	if (r->limit > 0) {
		char *c = cut(v, r->limit);
		free(v);
		v = c;
	}
	return v;
}

struct result {
	bool failed;
	uint32_t flags; /* rfc2822 only */
	char *proposal;
	const char *action;
};

/* Deletes the code points of s[from..to) that keep() rejects. */
static void
filter_chars(struct strbuf *out, const char *s, size_t from, size_t to,
	     bool (*keep)(uint32_t))
{
	size_t i = from;
	while (i < to) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, &cp);
		if (keep(cp)) {
			strbuf_add(out, s + i, n);
		}
		i += n;
	}
}

static bool
domain_char(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool
local_char(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != 0 && c < 0x80 && strchr(".!#$%&'*+/=?^_`{|}~-", (int)c));
}

/* idfix.md §4.6, step by step. */
static void
check_rfc2822(const struct ectx *x, const char *cur, struct result *res)
{
	const struct ruleset *rs = x->rs;
	bool smtp = text_strcasestr(cur, "smtp:") != NULL;
	const char *colon = strchr(cur, ':');
	const char *w0 = smtp ? colon + 1 : cur;
	uint32_t flags = 0;

	/* TopLevelDomain: from the last '.' wherever it is. */
	const char *dot = strrchr(w0, '.');
	if (dot != NULL && dot[1] != '\0') {
		char buf[64];
		char *tld = text_fold_buf(dot + 1, buf, sizeof(buf));
		if (!tld_set_has(rs->tlds, tld)) {
			flags |= FLAG_TLD;
		}
		if (tld != buf) {
			free(tld);
		}
	}

	/* The address as the steps leave it: w0 until one rewrites it. */
	const char *w = w0;
	char *owned = NULL;
	if (re_match(x, rs->rfc_domain, w, strlen(w)) != 1) {
		flags |= FLAG_DOMAIN;
		const char *at = strrchr(w, '@');
		if (at != NULL) {
			struct strbuf sb;
			strbuf_init(&sb);
			strbuf_add(&sb, w, (size_t)(at - w) + 1);
			filter_chars(&sb, w, (size_t)(at - w) + 1, strlen(w),
				     domain_char);
			free(owned);
			w = owned = strbuf_detach(&sb, NULL);
		}
	}
	const char *at1 = strchr(w, '@');
	bool one_at = at1 != NULL && strchr(at1 + 1, '@') == NULL;
	if (re_match(x, rs->rfc_local, w, strlen(w)) != 1 || !one_at) {
		flags |= FLAG_LOCAL;
		const char *at = strrchr(w, '@');
		if (at != NULL) {
			struct strbuf sb;
			strbuf_init(&sb);
			filter_chars(&sb, w, 0, (size_t)(at - w), local_char);
			/* ".@" → "@": one trailing dot of the local part */
			if (sb.len > 0 && sb.buf[sb.len - 1] == '.') {
				strbuf_truncate(&sb, sb.len - 1);
			}
			strbuf_addstr(&sb, at);
			free(owned);
			w = owned = strbuf_detach(&sb, NULL);
		}
	}
	/*
	 * The format is the local pattern's atoms and the domain pattern
	 * joined at the '@'.  When both matched the unchanged value and it
	 * holds one '@' (atoms hold none), both matched at that '@', so the
	 * format matches too: only a value that failed one of them needs
	 * the third pattern.
	 */
	if ((flags & (FLAG_DOMAIN | FLAG_LOCAL)) != 0 &&
	    re_match(x, rs->rfc_format, w, strlen(w)) != 1) {
		flags |= FLAG_FORMAT;
	}
	if (flags == 0) {
		free(owned);
		return;
	}
	res->failed = true;
	res->flags = flags;
	if (smtp) {
		char *prefix = xstrndup(cur, (size_t)(colon - cur) + 1);
		char *tp = text_trim(prefix);
		res->proposal = xasprintf("%s%s", tp, w);
		free(tp);
		free(prefix);
		free(owned);
	} else {
		res->proposal = owned != NULL ? owned : xstrdup(w);
	}
}

static void
run_check(const struct ectx *x, const struct rule *r, const char *cur,
	  struct result *res)
{
	memset(res, 0, sizeof(*res));
	res->action = "Edit";
	switch (r->kind) {
	case CHECK_LENGTH:
		if (text_utf16_len(cur) > r->limit) {
			res->failed = true;
			res->proposal = cut(cur, r->limit);
		}
		break;
	case CHECK_CHARSET:
	case CHECK_PATTERN: {
		char *v = re_delete(x, r->re, cur);
		if (v != NULL) {
			res->failed = true;
			if (v[0] == '\0') {
				free(v);
				v = xstrdup(x->cn);
			}
			res->proposal = v;
		}
		break;
	}
	case CHECK_COLON: {
		const char *c = strchr(cur, ':');
		if (c != NULL && c > cur && strchr(c + 1, ':') != NULL) {
			struct strbuf sb;
			strbuf_init(&sb);
			strbuf_add(&sb, cur, (size_t)(c - cur) + 1);
			for (const char *s = c + 1; *s; s++) {
				if (*s != ':') {
					strbuf_addch(&sb, *s);
				}
			}
			res->failed = true;
			res->proposal = strbuf_detach(&sb, NULL);
		}
		break;
	}
	case CHECK_BLANK:
		if (cur[0] == '\0') {
			res->failed = true;
			res->proposal = blank_fix(x, r);
			if (res->proposal[0] == '\0') {
				res->action = "Complete";
			}
		}
		break;
	case CHECK_RFC2822:
		check_rfc2822(x, cur, res);
		break;
	case CHECK_DUPLICATE:
		break; /* handled by the chain */
	default:
		break; /* entry rules never sit in a chain (pack.c) */
	}
}

/* One failed step of a chain. */
struct step {
	const char *id;
	const char *error; /* NULL: the flags */
	uint32_t flags;
	const char *action;
	enum finding_severity severity;
};

static const char *const flag_names[] = {
	"Format",         "Blank",      "Duplicate", "Character",
	"TopLevelDomain", "DomainPart", "LocalPart", "Length",
};

static void
join_errors(struct strbuf *sb, const struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (steps[i].error != NULL) {
			if (sb->len > 0) {
				strbuf_addstr(sb, ", ");
			}
			strbuf_addstr(sb, steps[i].error);
			continue;
		}
		for (unsigned b = 0; b < 8; b++) {
			if (steps[i].flags & (1u << b)) {
				if (sb->len > 0) {
					strbuf_addstr(sb, ", ");
				}
				strbuf_addstr(sb, flag_names[b]);
			}
		}
	}
}

/*
 * join_errors() of one step, without building it: its error, or the
 * name of its one flag; NULL when there is more to join.  Most findings
 * have one step (a duplicate candidate always does).
 */
static const char *
single_error(const struct step *steps, size_t n)
{
	if (n != 1) {
		return NULL;
	}
	if (steps[0].error != NULL) {
		return steps[0].error;
	}
	uint32_t f = steps[0].flags;
	if (f == 0 || (f & (f - 1)) != 0) {
		return NULL;
	}
	for (unsigned b = 0; b < 8; b++) {
		if (f == 1u << b) {
			return flag_names[b];
		}
	}
	return NULL;
}

static enum finding_severity
worst(const struct step *steps, size_t n)
{
	enum finding_severity s = FINDING_INFO;
	for (size_t i = 0; i < n; i++) {
		if (steps[i].severity < s) {
			s = steps[i].severity;
		}
	}
	return s;
}

static enum status
emit(const struct ectx *x, const struct chain *ch, const char *value,
     const char *update, const struct step *steps, size_t n,
     const struct step *dup, size_t dup_at, const char *dup_key)
{
	struct finding f = {
		.dn = x->e->dn,
		.cn = x->cn,
		.objectclass = x->cls,
		.objectguid = x->key,
		.attribute = ch->label,
		.value = value,
	};
	struct strbuf err, derr;
	strbuf_init(&err);
	strbuf_init(&derr);
	if (n > 0) {
		f.error = single_error(steps, n);
		if (f.error == NULL) {
			join_errors(&err, steps, n);
			f.error = err.buf;
		}
		f.rule = steps[0].id;
		f.update = update;
		f.proposed_action = steps[n - 1].action;
		f.severity = worst(steps, n);
	}
	if (dup != NULL) {
		/* The same chain with the duplicate step failed in place. */
		struct step local[16];
		struct step *all =
			n + 1 <= 16 ? local : xcalloc(n + 1, sizeof(*all));
		memcpy(all, steps, dup_at * sizeof(*all));
		all[dup_at] = *dup;
		memcpy(all + dup_at + 1, steps + dup_at,
		       (n - dup_at) * sizeof(*all));
		f.dup_error = single_error(all, n + 1);
		if (f.dup_error == NULL) {
			join_errors(&derr, all, n + 1);
			f.dup_error = derr.buf;
		}
		f.dup_key = dup_key;
		f.dup_rule = all[0].id;
		f.dup_update = update;
		f.dup_action = all[n].action;
		f.dup_severity = worst(all, n + 1);
		if (all != local) {
			free(all);
		}
	}
	enum status st = STATUS_OK;
	if (n > 0 || dup != NULL) {
		st = x->sink->finding(x->sink->ctx, &f);
	}
	strbuf_release(&err);
	strbuf_release(&derr);
	return st;
}

static const char *
dup_action(const struct ectx *x, const struct rule *r, const char *cur,
	   const char *orig, bool valid)
{
	bool unchanged = valid && strcmp(cur, orig) == 0;
	if (!unchanged ||
	    (r->qualify == DUP_PRIMARY_SMTP && strncmp(cur, "SMTP:", 5) != 0)) {
		return "Edit";
	}
	if (r->complete_if != NULL && has_value(x->v, r->complete_if)) {
		return "Complete";
	}
	if (r->remove_unless != NULL && !has_value(x->v, r->remove_unless)) {
		return "Remove";
	}
	return "Edit";
}

static enum status
run_value(const struct ectx *x, const struct chain *ch,
	  const struct scan_value *val)
{
	bool valid = text_utf8_valid(val->data, val->len);
	/* Valid UTF-8 holds no NUL: the value itself is the C string. */
	char *repaired =
		valid ? NULL : text_utf8_repair(val->data, val->len);
	const char *orig = valid ? val->data : repaired;
	/* The value as the steps leave it: orig until one proposes a fix. */
	const char *cur = orig;
	char *owned = NULL;
	/* A chain's rules, and the UTF-8 step: on the stack for most. */
	struct step local[16];
	struct step *steps = ch->nrules + 1 <= 16
				     ? memset(local, 0, sizeof(local))
				     : xcalloc(ch->nrules + 1, sizeof(*steps));
	size_t n = 0;
	struct step dup;
	bool have_dup = false;
	size_t dup_at = 0;
	char *dup_key = NULL;
	char key_buf[256]; /* dup_key, unless it is longer */

	if (!valid) {
		/* Not UTF-8: the bad bytes go, then the chain goes on. */
		steps[n++] = (struct step){"encoding.utf8", "Character", 0,
					   "Edit", FINDING_ERROR};
	}
	for (size_t i = 0; i < ch->nrules; i++) {
		const struct rule *r = &ch->rules[i];
		if (!r->enabled || !cond_holds(x, &r->cond, orig)) {
			continue;
		}
		if (r->kind == CHECK_DUPLICATE) {
			/*
			 * One dup_key per finding; an empty value (only an
			 * LDIF can hold one) is nobody's address.
			 */
			if (have_dup || cur[0] == '\0') {
				continue;
			}
			dup_key = text_fold_key_buf(r->ns, cur, strlen(cur),
						    key_buf, sizeof(key_buf));
			dup = (struct step){r->id, NULL, FLAG_DUPLICATE,
					    dup_action(x, r, cur, orig, valid),
					    r->severity};
			have_dup = true;
			dup_at = n;
			continue;
		}
		struct result res;
		run_check(x, r, cur, &res);
		if (!res.failed) {
			continue;
		}
		steps[n++] = (struct step){r->id, r->error, res.flags,
					   res.action, r->severity};
		free(owned);
		cur = owned = res.proposal;
	}
	enum status st = emit(x, ch, val->data, cur, steps, n,
			      have_dup ? &dup : NULL, dup_at, dup_key);
	if (dup_key != key_buf) {
		free(dup_key);
	}
	if (steps != local) {
		free(steps);
	}
	free(owned);
	free(repaired);
	return st;
}

/* idfix.md §4.1: an absent attribute meets only the first Blank rule. */
static enum status
run_absent(const struct ectx *x, const struct chain *ch)
{
	for (size_t i = 0; i < ch->nrules; i++) {
		const struct rule *r = &ch->rules[i];
		if (r->kind != CHECK_BLANK || !r->enabled) {
			continue;
		}
		if (!cond_holds(x, &r->cond, "")) {
			return STATUS_OK;
		}
		struct result res;
		run_check(x, r, "", &res);
		struct step s = {r->id, r->error, 0, res.action, r->severity};
		enum status st =
			emit(x, ch, "", res.proposal, &s, 1, NULL, 0, NULL);
		free(res.proposal);
		return st;
	}
	return STATUS_OK;
}

static bool
skip_test_holds(const struct ectx *x, const struct skip_test *t)
{
	struct scan_value dnval;
	const struct scan_value *vals;
	size_t nvals;
	if (strcasecmp(t->attribute, "dn") == 0) {
		dnval.data = x->e->dn;
		dnval.len = strlen(x->e->dn);
		vals = &dnval;
		nvals = 1;
	} else {
		const struct scan_attr *a = entry_view_attr(x->v, t->attribute);
		vals = a ? a->vals : NULL;
		nvals = a ? a->nvals : 0;
	}
	if (t->op == SKIP_ABSENT) {
		return nvals == 0 || vals[0].len == 0;
	}
	if (nvals == 0) {
		return false;
	}
	if (t->op == SKIP_MATCH || t->op == SKIP_EQUALS) {
		for (size_t i = 0; i < nvals; i++) {
			/* A skip's pattern reads bytes (pack_compile()). */
			if (t->op == SKIP_MATCH
				    ? re_match(x, t->re, vals[i].data,
					       vals[i].len) == 1
				    : strcasecmp(vals[i].data, t->value) == 0) {
				return true;
			}
		}
		return false;
	}
	/* Numbers as AD sends them: decimal, possibly negative. */
	errno = 0;
	char *end;
	long long v = strtoll(vals[0].data, &end, 10);
	if (errno != 0 || end == vals[0].data || *end != '\0') {
		return false;
	}
	switch (t->op) {
	case SKIP_LT:
		return v < t->nums[0];
	case SKIP_GE:
		return v >= t->nums[0];
	case SKIP_IN:
		for (size_t i = 0; i < t->nnums; i++) {
			if (v == t->nums[i]) {
				return true;
			}
		}
		return false;
	default:
		return false;
	}
}

static const char *
skip_reason(const struct ectx *x)
{
	for (size_t i = 0; i < x->rs->nskips; i++) {
		const struct skip *s = &x->rs->skips[i];
		if (!pack_class_holds(&s->cond, x->pack_cls)) {
			continue;
		}
		bool all = true;
		for (size_t j = 0; j < s->ntests && all; j++) {
			all = skip_test_holds(x, &s->tests[j]);
		}
		if (all) {
			return s->reason;
		}
	}
	return NULL;
}

enum status
ruleset_check(const struct ruleset *rs, const struct scan_entry *e,
	      const struct rule_sink *sink)
{
	struct entry_view view;
	entry_view_init(&view, e);
	struct ectx x = {
		.rs = rs,
		.e = e,
		.v = &view,
		.sink = sink,
		.cls = entry_view_class(&view),
		.md = pcre2_match_data_create(1, NULL),
	};
	x.pack_cls = pack_class(rs, x.cls);
	if (x.md == NULL) {
		LOG_ERR("cannot check %s: out of memory", e->dn);
		return STATUS_ERR_UNEXPECTED;
	}
	enum status st = STATUS_OK;
	/*
	 * Configuration objects (Autodiscover SCPs) are no users, groups or
	 * contacts: IdFix's skips and chains and the counters pass them by;
	 * only the entry rules that read every entry see them.
	 */
	bool config = beyond_is_config(&view);
	const char *unsynced = config ? "configuration object"
				      : beyond_unsynced_reason(&view);
	const char *reason = config ? NULL : skip_reason(&x);
	x.key = scan_entry_key(e);
	x.cn = first_utf8(&view, "cn");
	if (x.cn == NULL) {
		x.cn = xstrdup("");
	}
	struct entry_ctx ex = {
		.rs = rs,
		.e = e,
		.v = &view,
		.sink = sink,
		.cls = x.cls,
		.pack_cls = x.pack_cls,
		.key = x.key,
		.cn = x.cn,
	};
	if (!config) {
		st = beyond_count(&ex, unsynced);
	}
	if (st == STATUS_OK && reason != NULL && sink->skipped != NULL) {
		st = sink->skipped(sink->ctx, e, reason);
	}
	for (size_t i = 0; i < rs->nchains && st == STATUS_OK && !config &&
			   reason == NULL;
	     i++) {
		const struct chain *ch = &rs->chains[i];
		const struct scan_attr *a =
			entry_view_attr(&view, ch->attribute);
		if (a == NULL || a->nvals == 0) {
			st = run_absent(&x, ch);
			continue;
		}
		size_t nv = ch->all_values ? a->nvals : 1;
		for (size_t v = 0; v < nv && st == STATUS_OK; v++) {
			st = run_value(&x, ch, &a->vals[v]);
		}
	}
	if (st == STATUS_OK) {
		st = beyond_check(&ex, config ? "configuration object" : reason,
				  unsynced);
	}
	free(x.cn);
	pcre2_match_data_free(x.md);
	return st;
}
