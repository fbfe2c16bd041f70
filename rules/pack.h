/*
 * The loaded form of a rule pack (rules/README.md describes the XML) and
 * the checks that run on it.  Internal to rules/: the public interface is
 * rules/rules.h.
 */
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcre2.h>

#include "rules/finding.h"
#include "rules/rules.h"
#include "rules/tld.h"
#include "scanner/entry.h"

enum check_kind {
	CHECK_LENGTH,
	CHECK_CHARSET,
	CHECK_PATTERN,
	CHECK_COLON,
	CHECK_BLANK,
	CHECK_RFC2822,
	CHECK_DUPLICATE,
	/*
	 * Entry rules (a <rule> directly under <pack>, rules/beyond.c):
	 * each reads the whole entry and gives its own rows, outside any
	 * chain.
	 */
	CHECK_COUNT,
	CHECK_UNIQUE,
	CHECK_SMTP_NAMESPACE,
	CHECK_ROUTABLE,
	CHECK_VERIFIED,
	CHECK_LOCAL_LENGTH,
	CHECK_DOMAIN_LENGTH,
	CHECK_MULTIPLE_PRIMARY,
	CHECK_NO_PRIMARY,
	CHECK_PRIMARY_MISMATCH,
	CHECK_MAILBOX_ONPREM,
	CHECK_MAILBOX_STALE,
	CHECK_MAILBOX_NO_NICKNAME,
	CHECK_REMOTE_NO_GUID,
	CHECK_REPLICATION_CONFLICT,
	CHECK_AUTODISCOVER_SCP,
};

/* The first entry-rule kind: kinds before it belong in a chain. */
#define CHECK_FIRST_ENTRY CHECK_COUNT

/* Which objects an entry rule reads (README: "Entry rules"). */
enum rule_scope {
	SCOPE_SYNCED,  /* what Entra Connect syncs by default (entra.md §1.6) */
	SCOPE_SCANNED, /* what the pack's <skip>s let through */
	SCOPE_ALL,     /* every entry read */
};

/* IdFix's ErrorType flags; names print in this (numeric) order. */
enum check_flag {
	FLAG_FORMAT = 1,
	FLAG_BLANK = 2,
	FLAG_DUPLICATE = 4,
	FLAG_CHARACTER = 8,
	FLAG_TLD = 16,
	FLAG_DOMAIN = 32,
	FLAG_LOCAL = 64,
	FLAG_LENGTH = 128,
};

enum blank_fixer {
	FIXER_CN,               /* cn */
	FIXER_CONTACT_NICKNAME, /* givenName.sn, else sAMAccountName, else cn */
	FIXER_TARGET_MAIL,      /* contacts: "SMTP:" + mail; others: empty */
	FIXER_EMPTY,            /* no proposal */
};

enum dup_qualify {
	DUP_UNCHANGED,    /* the value was not changed by the chain */
	DUP_PRIMARY_SMTP, /* unchanged and a primary "SMTP:" address */
};

/* When a rule applies; every field that is set must hold. */
struct rule_cond {
	char **classes; /* object types (scan_entry_class), any of; in
			   ruleset.classes */
	size_t nclasses;
	bool class_not;           /* true: applies to every type except those */
	char *if_attr;            /* entry has this attribute (non-empty) */
	char *unless_attr;        /* entry lacks it (or it is empty) */
	pcre2_code *if_value;     /* the original value matches */
	pcre2_code *unless_value; /* the original value does not match */
};

struct rule {
	char *id;
	char *error; /* the ERROR name, except for rfc2822 (flags) */
	char *description;
	char *remediation;
	enum check_kind kind;
	enum finding_severity severity;
	bool enabled;
	long line; /* in the pack, for messages */
	struct rule_cond cond;

	size_t limit;   /* length; blank: truncation of the fixer, 0 none */
	pcre2_code *re; /* charset, pattern */
	enum blank_fixer fixer;
	char *ns; /* duplicate: namespace of dup_key */
	enum dup_qualify qualify;
	char *complete_if;
	char *remove_unless;

	/* Entry rules only. */
	char *attribute; /* what the rule reads and the ATTRIBUTE column */
	enum rule_scope scope;
};

struct chain {
	char *attribute; /* as the pack names it, looked up case-insensitively
			  */
	char *label;     /* ATTRIBUTE column, e.g. "mailnickname" */
	bool all_values; /* every value its own chain (proxyAddresses) */
	struct rule *rules;
	size_t nrules;
};

enum skip_op {
	SKIP_MATCH,  /* some value matches the pattern */
	SKIP_EQUALS, /* some value equals, ASCII case-insensitively */
	SKIP_ABSENT, /* no (non-empty) value */
	SKIP_LT,     /* first value, as a 64-bit integer, is less than */
	SKIP_GE,     /* … greater than or equal to */
	SKIP_IN,     /* … one of the listed numbers */
};

struct skip_test {
	char *attribute; /* "dn" means the entry's DN */
	enum skip_op op;
	pcre2_code *re;
	char *value;
	long long *nums;
	size_t nnums;
};

struct skip {
	char *reason;
	struct rule_cond cond; /* classes only */
	struct skip_test *tests;
	size_t ntests;
};

struct ruleset {
	char *name;
	char hash[65];
	struct skip *skips;
	size_t nskips;
	struct chain *chains;
	size_t nchains;
	char **attrs;     /* NULL-terminated */
	bool *attrs_read; /* a rule reads attrs[i]'s values, not just counts */
	char **counted;   /* NULL-terminated; borrows from attrs */
	struct rule_info *info;
	size_t ninfo;
	struct tld_set *tlds;
	pcre2_match_context *mctx;
	pcre2_code *rfc_domain;
	pcre2_code *rfc_local;
	pcre2_code *rfc_format;
	struct rule *entry_rules; /* <rule> directly under <pack> */
	size_t nentry_rules;
	char **domains; /* verified domains, folded; NULL-terminated */
	/*
	 * Every attribute name of the pack, one copy per spelling: the
	 * attribute fields of rules, conditions, chains and skip tests
	 * point here (pack.c, intern()).
	 */
	char **names;
	size_t nnames;
	/* Every object class the pack names, one copy whatever its case:
	 * the conditions' classes point here (pack.c). */
	char **classes;
	size_t nclasses;
};

/* ruleset.classes' copy of the object class cls, whatever its case, or
 * NULL when the pack names it nowhere. */
char *
pack_class(const struct ruleset *rs, const char *cls);

/* Whether c's class or not-class list admits an entry whose class is
 * pack_cls (pack_class()'s answer): compared by address. */
bool
pack_class_holds(const struct rule_cond *c, const char *pack_cls);

/*
 * The entry being checked, its attributes looked up by name once each
 * (view.c): the rules ask for the same few names dozens of times an
 * entry, always by pointers that outlive the check (string literals, and
 * the pack's names, one pointer per spelling: ruleset.names), so a
 * name's address is its key.  A slot holds the last name that hashed to
 * it and what the entry has under that name (NULL: nothing).  Never pass
 * a name built for the call: its address could come back holding
 * another name.
 */
#define ENTRY_VIEW_BITS 7
struct entry_view_slot {
	const char *name;
	const struct scan_attr *a;
};

struct entry_view {
	const struct scan_entry *e;
	struct entry_view_slot slot[1u << ENTRY_VIEW_BITS];
	/* entry_view_has_class()'s answers, by the class name's address. */
	struct {
		const char *cls;
		bool has;
	} classes[8];
	size_t nclasses;
};

void
entry_view_init(struct entry_view *v, const struct scan_entry *e);

/* scan_entry_attr(), scan_entry_first(), scan_entry_class() and
 * scan_entry_has_class() of the viewed entry. */
const struct scan_attr *
entry_view_attr(struct entry_view *v, const char *name);

const char *
entry_view_first(struct entry_view *v, const char *name);

const char *
entry_view_class(struct entry_view *v);

bool
entry_view_has_class(struct entry_view *v, const char *cls);

/* What an entry rule sees of the entry being checked. */
struct entry_ctx {
	const struct ruleset *rs;
	const struct scan_entry *e;
	struct entry_view *v; /* of e */
	const struct rule_sink *sink;
	const char *cls;
	/* cls as spelt in ruleset.classes, NULL if the pack names it
	 * nowhere: conditions compare it by address. */
	const char *pack_cls;
	const char *key; /* scan_entry_key() */
	const char *cn;  /* valid UTF-8, "" when absent */
};

/*
 * Why Entra Connect's default rules would not sync e (entra.md §1.6), or
 * NULL when they would.  beyond.c.
 */
const char *
beyond_unsynced_reason(struct entry_view *v);

/* True for the configuration-partition objects the crawl also reads
 * (Autodiscover service connection points): no pack skip, chain or count
 * applies to them, only entry rules with scope "all". */
bool
beyond_is_config(struct entry_view *v);

/*
 * Runs the enabled entry rules whose scope includes the entry: skipped
 * is the pack's skip reason (NULL: scanned), unsynced
 * beyond_unsynced_reason()'s.
 */
enum status
beyond_check(const struct entry_ctx *x, const char *skipped,
	     const char *unsynced);

/* Hands the entry's summary counters (README: "Summary counters") to
 * the sink's count callback. */
enum status
beyond_count(const struct entry_ctx *x, const char *unsynced);

/*
 * Parses and validates a pack's XML (origin names it in messages) into rs
 * (name, skips, chains).  Returns false after logging "origin:line: …".
 */
bool
pack_parse(struct ruleset *rs, const char *xml, size_t len, const char *origin);

/* Compiles a pattern for values (UTF, $ = end of value) or skips
 * (bytes, ASCII case-insensitive); NULL after logging. */
pcre2_code *
pack_compile(const char *pattern, bool for_skip, bool caseless,
	     const char *origin, long line, const char *what);

/* Frees what pack_parse() built. */
void
pack_release(struct ruleset *rs);

/* The name of a check kind ("length", …). */
const char *
check_kind_name(enum check_kind kind);
