/*
 * Reading a rule pack: libxml2 parses (no network, no entity expansion,
 * no DTD), this file validates every element and attribute and reports
 * the first problem as "file:line: message".
 */
#define LOG_MODULE "rules"

#include "rules/pack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const char *const kind_names[] = {
	[CHECK_LENGTH] = "length",       [CHECK_CHARSET] = "charset",
	[CHECK_PATTERN] = "pattern",     [CHECK_COLON] = "colon",
	[CHECK_BLANK] = "blank",         [CHECK_RFC2822] = "rfc2822",
	[CHECK_DUPLICATE] = "duplicate",
	[CHECK_COUNT] = "count",
	[CHECK_UNIQUE] = "unique",
	[CHECK_SMTP_NAMESPACE] = "smtp-namespace",
	[CHECK_ROUTABLE] = "routable",
	[CHECK_VERIFIED] = "verified",
	[CHECK_LOCAL_LENGTH] = "local-length",
	[CHECK_DOMAIN_LENGTH] = "domain-length",
	[CHECK_MULTIPLE_PRIMARY] = "multiple-primary",
	[CHECK_NO_PRIMARY] = "no-primary",
	[CHECK_PRIMARY_MISMATCH] = "primary-mismatch",
	[CHECK_MAILBOX_ONPREM] = "mailbox-onprem",
	[CHECK_MAILBOX_STALE] = "mailbox-stale",
	[CHECK_MAILBOX_NO_NICKNAME] = "mailbox-no-nickname",
	[CHECK_REMOTE_NO_GUID] = "remote-no-guid",
	[CHECK_REPLICATION_CONFLICT] = "replication-conflict",
	[CHECK_AUTODISCOVER_SCP] = "autodiscover-scp",
};

/*
 * Entry rules: the attribute a kind reads when the rule names none, and
 * whether it may name another (NULL default: the rule must name one).
 */
static const struct {
	const char *attribute;
	bool fixed;
	bool limit; /* takes (and needs) a limit */
} entry_kinds[] = {
	[CHECK_COUNT] = {NULL, false, true},
	[CHECK_UNIQUE] = {NULL, false, false},
	[CHECK_SMTP_NAMESPACE] = {"mail, proxyAddresses, targetAddress, "
				  "userPrincipalName",
				  true, false},
	[CHECK_ROUTABLE] = {NULL, false, false},
	[CHECK_VERIFIED] = {NULL, false, false},
	[CHECK_LOCAL_LENGTH] = {NULL, false, true},
	[CHECK_DOMAIN_LENGTH] = {NULL, false, true},
	[CHECK_MULTIPLE_PRIMARY] = {"proxyAddresses", true, false},
	[CHECK_NO_PRIMARY] = {"proxyAddresses", true, false},
	[CHECK_PRIMARY_MISMATCH] = {"proxyAddresses", true, false},
	[CHECK_MAILBOX_ONPREM] = {"msExchMailboxGuid", true, false},
	[CHECK_MAILBOX_STALE] = {"msExchMailboxGuid", true, false},
	[CHECK_MAILBOX_NO_NICKNAME] = {"msExchMailboxGuid", true, false},
	[CHECK_REMOTE_NO_GUID] = {"msExchMailboxGuid", true, false},
	[CHECK_REPLICATION_CONFLICT] = {"distinguishedName", true, false},
	[CHECK_AUTODISCOVER_SCP] = {"serviceBindingInformation", true, false},
};

/* The ERROR a check reports unless the rule names its own. */
static const char *const kind_errors[] = {
	[CHECK_LENGTH] = "Length",       [CHECK_CHARSET] = "Character",
	[CHECK_PATTERN] = "Character",   [CHECK_COLON] = "Character",
	[CHECK_BLANK] = "Blank",         [CHECK_RFC2822] = NULL,
	[CHECK_DUPLICATE] = "Duplicate",
	[CHECK_COUNT] = "LargeObject",
	[CHECK_UNIQUE] = "Duplicate",
	[CHECK_SMTP_NAMESPACE] = "SmtpConflict",
	[CHECK_ROUTABLE] = "NonRoutableDomain",
	[CHECK_VERIFIED] = "UnverifiedDomain",
	[CHECK_LOCAL_LENGTH] = "LocalPartLength",
	[CHECK_DOMAIN_LENGTH] = "DomainLength",
	[CHECK_MULTIPLE_PRIMARY] = "MultiplePrimary",
	[CHECK_NO_PRIMARY] = "NoPrimary",
	[CHECK_PRIMARY_MISMATCH] = "PrimaryMismatch",
	[CHECK_MAILBOX_ONPREM] = "OnPremisesMailbox",
	[CHECK_MAILBOX_STALE] = "StaleMailboxGuid",
	[CHECK_MAILBOX_NO_NICKNAME] = "MailboxGuidWithoutNickname",
	[CHECK_REMOTE_NO_GUID] = "RemoteMailboxWithoutGuid",
	[CHECK_REPLICATION_CONFLICT] = "ReplicationConflict",
	[CHECK_AUTODISCOVER_SCP] = "AutodiscoverScp",
};

const char *
check_kind_name(enum check_kind kind)
{
	return kind_names[kind];
}

struct parse {
	struct ruleset *rs;
	const char *origin;
	bool failed;
};

char *
pack_class(const struct ruleset *rs, const char *cls)
{
	for (size_t i = 0; i < rs->nclasses; i++) {
		if (strcasecmp(rs->classes[i], cls) == 0) {
			return rs->classes[i];
		}
	}
	return NULL;
}

bool
pack_class_holds(const struct rule_cond *c, const char *pack_cls)
{
	if (c->nclasses == 0) {
		return true;
	}
	bool in = false;
	for (size_t i = 0; i < c->nclasses; i++) {
		in |= c->classes[i] == pack_cls;
	}
	return c->class_not ? !in : in;
}

/*
 * The one copy of an object class the pack names, whatever its case
 * (ruleset.classes): a condition's classes are then compared with the
 * entry's by address (pack_class_holds()).
 */
static char *
intern_class(struct parse *p, const char *s)
{
	struct ruleset *rs = p->rs;
	char *known = pack_class(rs, s);
	if (known != NULL) {
		return known;
	}
	rs->classes = xreallocarray(rs->classes, rs->nclasses + 1,
				    sizeof(*rs->classes));
	rs->classes[rs->nclasses] = xstrdup(s);
	return rs->classes[rs->nclasses++];
}

/*
 * The one copy of an attribute name as the pack spells it
 * (ruleset.names, which takes s): the entry view finds a name again by
 * its address (struct entry_view).  NULL stays NULL.
 */
static char *
intern(struct parse *p, char *s)
{
	if (s == NULL) {
		return NULL;
	}
	struct ruleset *rs = p->rs;
	for (size_t i = 0; i < rs->nnames; i++) {
		if (strcmp(rs->names[i], s) == 0) {
			free(s);
			return rs->names[i];
		}
	}
	rs->names = xreallocarray(rs->names, rs->nnames + 1,
				  sizeof(*rs->names));
	rs->names[rs->nnames++] = s;
	return s;
}

static void __attribute__((format(printf, 3, 4)))
fail(struct parse *p, const xmlNode *node, const char *fmt, ...)
{
	if (p->failed) {
		return; /* only the first problem: later ones may be echoes */
	}
	p->failed = true;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	LOG_ERR("%s:%ld: %s", p->origin, node ? xmlGetLineNo(node) : 0L, msg);
}

static bool
is_elem(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE;
}

/* The attribute's value (caller frees) or NULL. */
static char *
attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (v == NULL) {
		return NULL;
	}
	char *s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static char *
attr_req(struct parse *p, const xmlNode *n, const char *name)
{
	char *v = attr(n, name);
	if (v == NULL || v[0] == '\0') {
		fail(p, n, "<%s> needs a non-empty %s attribute", n->name,
		     name);
		free(v);
		return NULL;
	}
	return v;
}

/* Every attribute of n must be in allowed (typos fail loudly). */
static bool
attrs_known(struct parse *p, const xmlNode *n, const char *const *allowed)
{
	for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
		bool found = false;
		for (const char *const *k = allowed; *k; k++) {
			if (strcmp((const char *)a->name, *k) == 0) {
				found = true;
				break;
			}
		}
		if (!found) {
			fail(p, n, "unknown attribute '%s' on <%s>", a->name,
			     n->name);
			return false;
		}
	}
	return true;
}

/* Text of n with runs of white space collapsed (caller frees). */
static char *
text_of(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	struct strbuf sb;
	strbuf_init(&sb);
	bool space = false;
	for (const char *s = c ? (const char *)c : ""; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = sb.len > 0;
			continue;
		}
		if (space) {
			strbuf_addch(&sb, ' ');
			space = false;
		}
		strbuf_addch(&sb, *s);
	}
	xmlFree(c);
	return strbuf_detach(&sb, NULL);
}

pcre2_code *
pack_compile(const char *pattern, bool for_skip, bool caseless,
	     const char *origin, long line, const char *what)
{
	/*
	 * Values: UTF mode without UCP, so [a-z] is ASCII; no CASELESS by
	 * default, because in UTF mode it lets K (U+212A) and ſ (U+017F)
	 * match k and s.  Skips: byte mode, where CASELESS is ASCII-only.
	 */
	uint32_t opts = PCRE2_DOLLAR_ENDONLY;
	if (for_skip) {
		opts |= PCRE2_CASELESS;
	} else {
		opts |= PCRE2_UTF | PCRE2_NO_UTF_CHECK;
		if (caseless) {
			opts |= PCRE2_CASELESS;
		}
	}
	int err;
	PCRE2_SIZE off;
	pcre2_code *re =
		pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
			      &err, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof(msg));
		LOG_ERR("%s:%ld: invalid %s '%s': %s at offset %zu", origin,
			line, what, pattern, (const char *)msg, (size_t)off);
		return NULL;
	}
	/* Without JIT (e.g. an exotic CPU) the interpreter is used. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static bool
parse_size(const char *s, size_t *out)
{
	if (s == NULL || s[0] < '0' || s[0] > '9') {
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 1000000) {
		return false;
	}
	*out = (size_t)v;
	return true;
}

static bool
parse_classes(struct parse *p, const xmlNode *n, struct rule_cond *c)
{
	char *cls = attr(n, "class");
	char *notcls = attr(n, "not-class");
	if (cls != NULL && notcls != NULL) {
		fail(p, n, "class and not-class are exclusive");
		free(cls);
		free(notcls);
		return false;
	}
	char *list = cls ? cls : notcls;
	c->class_not = notcls != NULL;
	if (list != NULL) {
		char *save = NULL;
		for (char *t = strtok_r(list, " ", &save); t;
		     t = strtok_r(NULL, " ", &save)) {
			c->classes = xreallocarray(c->classes, c->nclasses + 1,
						   sizeof(*c->classes));
			c->classes[c->nclasses++] = intern_class(p, t);
		}
		if (c->nclasses == 0) {
			fail(p, n, "empty class list");
		}
	}
	free(list);
	return !p->failed;
}

static bool
parse_cond(struct parse *p, const xmlNode *n, struct rule_cond *c)
{
	if (!parse_classes(p, n, c)) {
		return false;
	}
	c->if_attr = intern(p, attr(n, "if-attr"));
	c->unless_attr = intern(p, attr(n, "unless-attr"));
	char *iv = attr(n, "if-value");
	char *uv = attr(n, "unless-value");
	long line = xmlGetLineNo(n);
	if (iv != NULL) {
		c->if_value = pack_compile(iv, false, false, p->origin, line,
					   "if-value pattern");
		p->failed |= c->if_value == NULL;
	}
	if (uv != NULL && !p->failed) {
		c->unless_value = pack_compile(uv, false, false, p->origin,
					       line, "unless-value pattern");
		p->failed |= c->unless_value == NULL;
	}
	free(iv);
	free(uv);
	return !p->failed;
}

static void
cond_release(struct rule_cond *c)
{
	free(c->classes);
	pcre2_code_free(c->if_value);
	pcre2_code_free(c->unless_value);
}

static bool
valid_id(const char *id)
{
	for (const char *s = id; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_')) {
			return false;
		}
	}
	return true;
}

static bool
valid_error_name(const char *s)
{
	if (s[0] < 'A' || s[0] > 'Z') {
		return false;
	}
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9'))) {
			return false;
		}
	}
	return true;
}

static const char *const rule_attrs[] = {
	"id",        "check",   "severity",    "error",         "limit",
	"set",       "pattern", "caseless",    "fixer",         "class",
	"not-class", "if-attr", "unless-attr", "if-value",      "unless-value",
	"namespace", "qualify", "complete-if", "remove-unless", "enabled",
	"attribute", "scope",       NULL,
};

/* attribute and scope: entry rules only (ch NULL in parse_rule()). */
static bool
parse_entry_attrs(struct parse *p, const xmlNode *n, struct rule *r)
{
	char *a = attr(n, "attribute");
	char *scope = attr(n, "scope");
	bool entry = r->kind >= CHECK_FIRST_ENTRY;
	if (!entry && (a != NULL || scope != NULL)) {
		fail(p, n, "rule %s: attribute and scope are for entry rules",
		     r->id);
	} else if (entry && (xmlHasProp(n, (const xmlChar *)"if-value") ||
			     xmlHasProp(n, (const xmlChar *)"unless-value"))) {
		fail(p, n, "rule %s: if-value and unless-value are for chain "
			   "rules", r->id);
	} else if (entry) {
		const char *def = entry_kinds[r->kind].attribute;
		if (a == NULL && def == NULL) {
			fail(p, n, "rule %s: a %s rule needs an attribute",
			     r->id, kind_names[r->kind]);
		} else if (a != NULL && a[0] == '\0') {
			fail(p, n, "rule %s: empty attribute", r->id);
		} else if (a != NULL && def != NULL &&
			   entry_kinds[r->kind].fixed &&
			   strcasecmp(a, def) != 0) {
			fail(p, n, "rule %s: a %s rule reads %s", r->id,
			     kind_names[r->kind], def);
		} else {
			r->attribute = intern(p, xstrdup(a != NULL ? a : def));
		}
		r->scope = SCOPE_SYNCED;
		if (scope == NULL || strcmp(scope, "synced") == 0) {
			r->scope = SCOPE_SYNCED;
		} else if (strcmp(scope, "scanned") == 0) {
			r->scope = SCOPE_SCANNED;
		} else if (strcmp(scope, "all") == 0) {
			r->scope = SCOPE_ALL;
		} else {
			fail(p, n,
			     "rule %s: scope must be synced, scanned or all",
			     r->id);
		}
	}
	free(a);
	free(scope);
	return !p->failed;
}

static bool
parse_rule(struct parse *p, const xmlNode *n, const struct chain *ch,
	   struct rule *r)
{
	r->enabled = true;
	r->line = xmlGetLineNo(n);
	if (!attrs_known(p, n, rule_attrs)) {
		return false;
	}
	r->id = attr_req(p, n, "id");
	char *check = attr_req(p, n, "check");
	if (p->failed) {
		free(check);
		return false;
	}
	if (!valid_id(r->id)) {
		fail(p, n, "rule id '%s': use a-z, 0-9, '.', '-', '_'", r->id);
	}
	bool found = false;
	for (size_t k = 0; k < sizeof(kind_names) / sizeof(*kind_names); k++) {
		if (strcmp(check, kind_names[k]) == 0) {
			r->kind = (enum check_kind)k;
			found = true;
		}
	}
	bool entry = ch == NULL;
	if (!found) {
		fail(p, n,
		     entry ? "rule %s: unknown check kind '%s' (count, unique, "
			     "smtp-namespace, routable, verified, "
			     "local-length, domain-length, multiple-primary, "
			     "no-primary, primary-mismatch, mailbox-onprem, "
			     "mailbox-stale, mailbox-no-nickname, "
			     "remote-no-guid, replication-conflict, "
			     "autodiscover-scp)"
			   : "rule %s: unknown check kind '%s' (length, "
			     "charset, pattern, colon, blank, rfc2822, "
			     "duplicate)",
		     r->id, check);
	} else if (entry && r->kind < CHECK_FIRST_ENTRY) {
		fail(p, n,
		     "rule %s: a %s check belongs in a <chain>; a <rule> "
		     "directly under <pack> is an entry rule",
		     r->id, check);
	} else if (!entry && r->kind >= CHECK_FIRST_ENTRY) {
		fail(p, n,
		     "rule %s: %s is an entry rule: put it directly under "
		     "<pack>, not in a <chain>",
		     r->id, check);
	}
	free(check);
	if (p->failed) {
		return false;
	}
	if (!parse_entry_attrs(p, n, r)) {
		return false;
	}

	char *sev = attr(n, "severity");
	r->severity = FINDING_ERROR;
	if (sev != NULL && !finding_severity_parse(sev, &r->severity)) {
		fail(p, n,
		     "rule %s: severity '%s' is not error, warning or info",
		     r->id, sev);
	}
	free(sev);

	r->error = attr(n, "error");
	if (r->error != NULL) {
		if (r->kind == CHECK_RFC2822 || r->kind == CHECK_DUPLICATE) {
			fail(p, n,
			     "rule %s: a %s check reports its own error names",
			     r->id, kind_names[r->kind]);
		} else if (!valid_error_name(r->error)) {
			fail(p, n,
			     "rule %s: error '%s' must be one PascalCase word",
			     r->id, r->error);
		}
	} else if (kind_errors[r->kind] != NULL) {
		r->error = xstrdup(kind_errors[r->kind]);
	}

	char *en = attr(n, "enabled");
	if (en != NULL && strcmp(en, "true") != 0) {
		if (strcmp(en, "false") == 0) {
			r->enabled = false;
		} else {
			fail(p, n, "rule %s: enabled must be true or false",
			     r->id);
		}
	}
	free(en);

	/* Each check kind takes its own parameters and no others. */
	char *limit = attr(n, "limit");
	char *set = attr(n, "set");
	char *pattern = attr(n, "pattern");
	char *caseless = attr(n, "caseless");
	char *fixer = attr(n, "fixer");
	char *ns = attr(n, "namespace");
	char *qualify = attr(n, "qualify");
	r->complete_if = intern(p, attr(n, "complete-if"));
	r->remove_unless = intern(p, attr(n, "remove-unless"));
	bool entry_limit = entry && entry_kinds[r->kind].limit;
	bool want_limit = r->kind == CHECK_LENGTH ||
			  r->kind == CHECK_BLANK || entry_limit;
	bool dup = r->kind == CHECK_DUPLICATE;
	bool unique = r->kind == CHECK_UNIQUE;
	long line = xmlGetLineNo(n);

	if (limit != NULL && !want_limit) {
		fail(p, n,
		     "rule %s: limit is for length, blank, count, "
		     "local-length and domain-length checks",
		     r->id);
	} else if (limit != NULL && !parse_size(limit, &r->limit)) {
		fail(p, n, "rule %s: bad limit '%s' (a whole number 1-1000000)",
		     r->id, limit);
	} else if (limit == NULL && (r->kind == CHECK_LENGTH || entry_limit)) {
		fail(p, n, "rule %s: a %s check needs a limit", r->id,
		     kind_names[r->kind]);
	}
	if (set != NULL && r->kind != CHECK_CHARSET) {
		fail(p, n, "rule %s: set is for charset checks", r->id);
	} else if (set == NULL && r->kind == CHECK_CHARSET) {
		fail(p, n, "rule %s: a charset check needs a set", r->id);
	}
	if (pattern != NULL && r->kind != CHECK_PATTERN) {
		fail(p, n, "rule %s: pattern is for pattern checks", r->id);
	} else if (pattern == NULL && r->kind == CHECK_PATTERN) {
		fail(p, n, "rule %s: a pattern check needs a pattern", r->id);
	}
	bool ci = false;
	if (caseless != NULL) {
		if (r->kind != CHECK_CHARSET && r->kind != CHECK_PATTERN) {
			fail(p, n,
			     "rule %s: caseless is for charset and pattern",
			     r->id);
		} else if (strcmp(caseless, "true") == 0) {
			ci = true;
		} else if (strcmp(caseless, "false") != 0) {
			fail(p, n, "rule %s: caseless must be true or false",
			     r->id);
		}
	}
	if (fixer != NULL && r->kind != CHECK_BLANK) {
		fail(p, n, "rule %s: fixer is for blank checks", r->id);
	} else if (fixer != NULL) {
		if (strcmp(fixer, "cn") == 0) {
			r->fixer = FIXER_CN;
		} else if (strcmp(fixer, "contact-nickname") == 0) {
			r->fixer = FIXER_CONTACT_NICKNAME;
		} else if (strcmp(fixer, "target-mail") == 0) {
			r->fixer = FIXER_TARGET_MAIL;
		} else if (strcmp(fixer, "empty") == 0) {
			r->fixer = FIXER_EMPTY;
		} else {
			fail(p, n,
			     "rule %s: unknown fixer '%s' (cn, "
			     "contact-nickname, target-mail, empty)",
			     r->id, fixer);
		}
	}
	if (unique && (qualify || r->complete_if || r->remove_unless)) {
		fail(p, n,
		     "rule %s: qualify, complete-if and remove-unless are "
		     "for duplicate checks",
		     r->id);
	} else if (unique) {
		/* dup_key namespace; "smtp" is the SMTP namespace rule's. */
		r->ns = xstrdup(ns != NULL ? ns : r->attribute);
		for (char *s = r->ns; *s; s++) {
			*s = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
		}
	} else if (!dup &&
		   (ns || qualify || r->complete_if || r->remove_unless)) {
		fail(p, n,
		     "rule %s: namespace, qualify, complete-if and "
		     "remove-unless are for duplicate checks",
		     r->id);
	}
	if (dup) {
		if (ns != NULL) {
			r->ns = xstrdup(ns);
		} else {
			r->ns = xstrdup(ch->attribute);
			for (char *s = r->ns; *s; s++) {
				*s = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32
								   : *s);
			}
		}
		if (qualify == NULL || strcmp(qualify, "unchanged") == 0) {
			r->qualify = DUP_UNCHANGED;
		} else if (strcmp(qualify, "primary-smtp") == 0) {
			r->qualify = DUP_PRIMARY_SMTP;
		} else {
			fail(p, n,
			     "rule %s: qualify must be unchanged or "
			     "primary-smtp",
			     r->id);
		}
	}
	if (!p->failed && set != NULL) {
		char *cls = xasprintf("[%s]", set);
		r->re = pack_compile(cls, false, ci, p->origin, line,
				     "character set");
		p->failed |= r->re == NULL;
		free(cls);
	}
	if (!p->failed && pattern != NULL) {
		r->re = pack_compile(pattern, false, ci, p->origin, line,
				     "pattern");
		p->failed |= r->re == NULL;
	}
	free(limit);
	free(set);
	free(pattern);
	free(caseless);
	free(fixer);
	free(ns);
	free(qualify);
	if (p->failed) {
		return false;
	}
	if (!parse_cond(p, n, &r->cond)) {
		return false;
	}

	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (!is_elem(c)) {
			continue;
		}
		char **dst = NULL;
		if (strcmp((const char *)c->name, "description") == 0) {
			dst = &r->description;
		} else if (strcmp((const char *)c->name, "remediation") == 0) {
			dst = &r->remediation;
		} else {
			fail(p, c, "unknown element <%s> in rule %s", c->name,
			     r->id);
			return false;
		}
		if (*dst != NULL) {
			fail(p, c, "rule %s has two <%s>", r->id, c->name);
			return false;
		}
		*dst = text_of(c);
	}
	if (r->description == NULL || r->description[0] == '\0') {
		fail(p, n, "rule %s needs a <description>", r->id);
		return false;
	}
	if (r->remediation == NULL) {
		r->remediation = xstrdup("");
	}
	return true;
}

static bool
parse_chain(struct parse *p, const xmlNode *n, struct chain *ch)
{
	static const char *const allowed[] = {"attribute", "label", "values",
					      NULL};
	if (!attrs_known(p, n, allowed)) {
		return false;
	}
	ch->attribute = intern(p, attr_req(p, n, "attribute"));
	if (ch->attribute == NULL) {
		return false;
	}
	ch->label = attr(n, "label");
	if (ch->label == NULL) {
		ch->label = xstrdup(ch->attribute);
	}
	char *values = attr(n, "values");
	if (values != NULL && strcmp(values, "all") == 0) {
		ch->all_values = true;
	} else if (values != NULL && strcmp(values, "first") != 0) {
		fail(p, n, "chain %s: values must be first or all",
		     ch->attribute);
	}
	free(values);
	for (const xmlNode *c = n->children; c != NULL && !p->failed;
	     c = c->next) {
		if (!is_elem(c)) {
			continue;
		}
		if (strcmp((const char *)c->name, "rule") != 0) {
			fail(p, c, "unknown element <%s> in chain %s", c->name,
			     ch->attribute);
			break;
		}
		ch->rules = xreallocarray(ch->rules, ch->nrules + 1,
					  sizeof(*ch->rules));
		struct rule *r = &ch->rules[ch->nrules++];
		memset(r, 0, sizeof(*r));
		parse_rule(p, c, ch, r);
	}
	if (!p->failed && ch->nrules == 0) {
		fail(p, n, "chain %s has no rules", ch->attribute);
	}
	return !p->failed;
}

static bool
parse_number_list(const char *s, long long **nums, size_t *n)
{
	char *copy = xstrdup(s);
	char *save = NULL;
	bool ok = true;
	for (char *t = strtok_r(copy, " ,", &save); t && ok;
	     t = strtok_r(NULL, " ,", &save)) {
		errno = 0;
		char *end;
		long long v = strtoll(t, &end, 0);
		if (errno != 0 || *end != '\0') {
			ok = false;
			break;
		}
		*nums = xreallocarray(*nums, *n + 1, sizeof(**nums));
		(*nums)[(*n)++] = v;
	}
	free(copy);
	return ok && *n > 0;
}

static bool
parse_skip_test(struct parse *p, const xmlNode *c, struct skip_test *t)
{
	const char *name = (const char *)c->name;
	static const char *const match_attrs[] = {"attribute", "pattern", NULL};
	static const char *const equals_attrs[] = {"attribute", "value", NULL};
	static const char *const absent_attrs[] = {"attribute", NULL};
	static const char *const number_attrs[] = {"attribute", "lt", "ge",
						   "in", NULL};
	const char *const *allowed;
	if (strcmp(name, "match") == 0) {
		t->op = SKIP_MATCH;
		allowed = match_attrs;
	} else if (strcmp(name, "equals") == 0) {
		t->op = SKIP_EQUALS;
		allowed = equals_attrs;
	} else if (strcmp(name, "absent") == 0) {
		t->op = SKIP_ABSENT;
		allowed = absent_attrs;
	} else if (strcmp(name, "number") == 0) {
		t->op = SKIP_IN; /* refined below */
		allowed = number_attrs;
	} else {
		fail(p, c,
		     "unknown element <%s> in <skip> (match, equals, "
		     "absent, number)",
		     name);
		return false;
	}
	if (!attrs_known(p, c, allowed)) {
		return false;
	}
	t->attribute = intern(p, attr_req(p, c, "attribute"));
	if (t->attribute == NULL) {
		return false;
	}
	if (t->op == SKIP_MATCH) {
		char *pat = attr_req(p, c, "pattern");
		if (pat == NULL) {
			return false;
		}
		t->re = pack_compile(pat, true, true, p->origin,
				     xmlGetLineNo(c), "skip pattern");
		free(pat);
		p->failed |= t->re == NULL;
	} else if (t->op == SKIP_EQUALS) {
		t->value = attr_req(p, c, "value");
	} else if (t->op == SKIP_IN) {
		char *lt = attr(c, "lt"), *ge = attr(c, "ge"),
		     *in = attr(c, "in");
		int nset = (lt != NULL) + (ge != NULL) + (in != NULL);
		const char *v = lt ? lt : ge ? ge : in;
		t->op = lt ? SKIP_LT : ge ? SKIP_GE : SKIP_IN;
		if (nset != 1) {
			fail(p, c, "<number> needs exactly one of lt, ge, in");
		} else if (!parse_number_list(v, &t->nums, &t->nnums) ||
			   (t->op != SKIP_IN && t->nnums != 1)) {
			fail(p, c, "<number>: bad number list '%s'", v);
		}
		free(lt);
		free(ge);
		free(in);
	}
	return !p->failed;
}

static bool
parse_skip(struct parse *p, const xmlNode *n, struct skip *s)
{
	static const char *const allowed[] = {"reason", "class", "not-class",
					      NULL};
	if (!attrs_known(p, n, allowed)) {
		return false;
	}
	s->reason = attr_req(p, n, "reason");
	if (s->reason == NULL || !parse_classes(p, n, &s->cond)) {
		return false;
	}
	for (const xmlNode *c = n->children; c != NULL && !p->failed;
	     c = c->next) {
		if (!is_elem(c)) {
			continue;
		}
		s->tests = xreallocarray(s->tests, s->ntests + 1,
					 sizeof(*s->tests));
		struct skip_test *t = &s->tests[s->ntests++];
		memset(t, 0, sizeof(*t));
		parse_skip_test(p, c, t);
	}
	if (!p->failed && s->ntests == 0) {
		fail(p, n, "<skip reason=\"%s\"> has no condition", s->reason);
	}
	return !p->failed;
}

/* The first parser error, reported once with its line. */
static void
on_xml_error(void *ctx, xmlErrorPtr err)
{
	struct parse *p = ctx;
	if (p->failed || err == NULL || err->level < XML_ERR_ERROR) {
		return;
	}
	p->failed = true;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "?");
	size_t l = strlen(msg);
	while (l > 0 && msg[l - 1] == '\n') {
		msg[--l] = '\0';
	}
	LOG_ERR("%s:%d: %s", p->origin, err->line, msg);
}

bool
pack_parse(struct ruleset *rs, const char *xml, size_t len, const char *origin)
{
	struct parse p = {.rs = rs, .origin = origin};
	if (len == 0) {
		LOG_ERR("%s: the rule pack is empty", origin);
		return false;
	}
	if (len > 16 * 1024 * 1024) {
		LOG_ERR("%s: a rule pack over 16 MiB is not plausible", origin);
		return false;
	}
	/* UTF-16/32 would hide a DOCTYPE from the byte scan below. */
	const unsigned char *b = (const unsigned char *)xml;
	if (len >= 2 &&
	    (b[0] == 0 || b[1] == 0 || (b[0] == 0xfe && b[1] == 0xff) ||
	     (b[0] == 0xff && b[1] == 0xfe))) {
		LOG_ERR("%s:1: a rule pack must be UTF-8", origin);
		return false;
	}
	/*
	 * A DOCTYPE could declare entities; refuse it before libxml2 sees
	 * it, so nothing is ever declared, let alone expanded.
	 */
	const char *dt = NULL;
	for (size_t i = 0; i + 9 <= len; i++) {
		if (memcmp(xml + i, "<!DOCTYPE", 9) == 0) {
			dt = xml + i;
			break;
		}
	}
	if (dt != NULL) {
		long line = 1;
		for (const char *c = xml; c < dt; c++) {
			line += *c == '\n';
		}
		LOG_ERR("%s:%ld: a DOCTYPE is not allowed in a rule pack",
			origin, line);
		return false;
	}
	/*
	 * NONET: nothing is fetched; no NOENT and no DTDLOAD: entities are
	 * never expanded and no external subset is read.  A DOCTYPE is
	 * refused below before anything reads the tree.
	 */
	xmlSetStructuredErrorFunc(&p, on_xml_error);
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, origin, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		if (!p.failed) {
			LOG_ERR("%s: not a well-formed XML document", origin);
		}
		return false;
	}
	if (p.failed) {
		xmlFreeDoc(doc);
		return false;
	}
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		fail(&p, (const xmlNode *)doc->intSubset,
		     "a DOCTYPE is not allowed in a rule pack");
		goto out;
	}
	if (root == NULL || strcmp((const char *)root->name, "pack") != 0) {
		fail(&p, root, "the root element must be <pack>");
		goto out;
	}
	static const char *const pack_attrs[] = {"name", "version", NULL};
	if (!attrs_known(&p, root, pack_attrs)) {
		goto out;
	}
	rs->name = attr_req(&p, root, "name");
	for (const xmlNode *c = root->children; c != NULL && !p.failed;
	     c = c->next) {
		if (c->type == XML_ENTITY_REF_NODE) {
			fail(&p, c, "entity references are not allowed");
			break;
		}
		if (!is_elem(c)) {
			continue;
		}
		const char *name = (const char *)c->name;
		if (strcmp(name, "description") == 0) {
			continue;
		}
		if (strcmp(name, "skip") == 0) {
			rs->skips = xreallocarray(rs->skips, rs->nskips + 1,
						  sizeof(*rs->skips));
			struct skip *s = &rs->skips[rs->nskips++];
			memset(s, 0, sizeof(*s));
			parse_skip(&p, c, s);
		} else if (strcmp(name, "rule") == 0) {
			rs->entry_rules = xreallocarray(
				rs->entry_rules, rs->nentry_rules + 1,
				sizeof(*rs->entry_rules));
			struct rule *r = &rs->entry_rules[rs->nentry_rules++];
			memset(r, 0, sizeof(*r));
			parse_rule(&p, c, NULL, r);
		} else if (strcmp(name, "chain") == 0) {
			rs->chains = xreallocarray(rs->chains, rs->nchains + 1,
						   sizeof(*rs->chains));
			struct chain *ch = &rs->chains[rs->nchains++];
			memset(ch, 0, sizeof(*ch));
			parse_chain(&p, c, ch);
		} else {
			fail(&p, c,
			     "unknown element <%s> (description, skip, "
			     "chain, rule)",
			     name);
		}
	}
	if (!p.failed && rs->nchains == 0 && rs->nentry_rules == 0) {
		fail(&p, root, "the pack has no <chain> and no <rule>");
	}
	/* Rule ids are the stable RULE column: unique within the pack. */
	size_t nall = rs->nentry_rules;
	for (size_t i = 0; i < rs->nchains; i++) {
		nall += rs->chains[i].nrules;
	}
	const struct rule **all = xcalloc(nall + 1, sizeof(*all));
	size_t k = 0;
	for (size_t i = 0; i < rs->nchains; i++) {
		for (size_t j = 0; j < rs->chains[i].nrules; j++) {
			all[k++] = &rs->chains[i].rules[j];
		}
	}
	for (size_t i = 0; i < rs->nentry_rules; i++) {
		all[k++] = &rs->entry_rules[i];
	}
	for (size_t i = 0; i < k && !p.failed; i++) {
		for (size_t j = 0; j < i; j++) {
			if (all[i]->id != NULL && all[j]->id != NULL &&
			    strcmp(all[i]->id, all[j]->id) == 0) {
				LOG_ERR("%s:%ld: rule id '%s' is used twice "
					"(first on line %ld)",
					origin, all[i]->line, all[i]->id,
					all[j]->line);
				p.failed = true;
				break;
			}
		}
	}
	free(all);
out:
	xmlFreeDoc(doc);
	return !p.failed;
}

static void
rule_release(struct rule *r)
{
	free(r->id);
	free(r->error);
	free(r->description);
	free(r->remediation);
	cond_release(&r->cond);
	pcre2_code_free(r->re);
	free(r->ns);
}

void
pack_release(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nskips; i++) {
		struct skip *s = &rs->skips[i];
		for (size_t j = 0; j < s->ntests; j++) {
			pcre2_code_free(s->tests[j].re);
			free(s->tests[j].value);
			free(s->tests[j].nums);
		}
		free(s->tests);
		free(s->reason);
		cond_release(&s->cond);
	}
	free(rs->skips);
	for (size_t i = 0; i < rs->nchains; i++) {
		struct chain *ch = &rs->chains[i];
		for (size_t j = 0; j < ch->nrules; j++) {
			rule_release(&ch->rules[j]);
		}
		free(ch->rules);
		free(ch->label);
	}
	free(rs->chains);
	for (size_t i = 0; i < rs->nentry_rules; i++) {
		rule_release(&rs->entry_rules[i]);
	}
	free(rs->entry_rules);
	for (size_t i = 0; i < rs->nnames; i++) {
		free(rs->names[i]);
	}
	free(rs->names);
	for (size_t i = 0; i < rs->nclasses; i++) {
		free(rs->classes[i]);
	}
	free(rs->classes);
	free(rs->name);
}
