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
	char **classes; /* object types (scan_entry_class), any of */
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
	char **attrs; /* NULL-terminated */
	struct rule_info *info;
	size_t ninfo;
	struct tld_set *tlds;
	pcre2_match_context *mctx;
	pcre2_code *rfc_domain;
	pcre2_code *rfc_local;
	pcre2_code *rfc_format;
};

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
