/* Unit tests of the rule engine: API, pack validation, text helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "rules/pack.h"
#include "rules/rules.h"
#include "rules/sha256.h"
#include "rules/text.h"
#include "rules/tld.h"
#include "tap.h"

struct row {
	char *attribute, *value, *rule, *error, *update, *action;
	char *dup_key, *dup_error, *dup_update, *dup_action, *dup_rule;
};

struct collect {
	struct row rows[64];
	int n;
	char skipped[128];
	enum status answer; /* what the sink returns */
};

static char *
dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static enum status
on_finding(void *ctx, const struct finding *f)
{
	struct collect *c = ctx;
	if (c->n < 64) {
		c->rows[c->n++] = (struct row){
			dup0(f->attribute),  dup0(f->value),
			dup0(f->rule),       dup0(f->error),
			dup0(f->update),     dup0(f->proposed_action),
			dup0(f->dup_key),    dup0(f->dup_error),
			dup0(f->dup_update), dup0(f->dup_action),
			dup0(f->dup_rule),
		};
	}
	return c->answer;
}

static enum status
on_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	struct collect *c = ctx;
	snprintf(c->skipped, sizeof(c->skipped), "%s", reason);
	return STATUS_OK;
}

static void
reset(struct collect *c)
{
	for (int i = 0; i < c->n; i++) {
		struct row *r = &c->rows[i];
		char *all[] = {r->attribute,  r->value,     r->rule,
			       r->error,      r->update,    r->action,
			       r->dup_key,    r->dup_error, r->dup_update,
			       r->dup_action, r->dup_rule};
		for (size_t k = 0; k < sizeof(all) / sizeof(*all); k++) {
			free(all[k]);
		}
	}
	memset(c, 0, sizeof(*c));
}

/* The row for attribute (first one), or NULL. */
static const struct row *
find(const struct collect *c, const char *attribute)
{
	for (int i = 0; i < c->n; i++) {
		if (strcmp(c->rows[i].attribute, attribute) == 0) {
			return &c->rows[i];
		}
	}
	return NULL;
}

static void
add(struct scan_entry *e, const char *name, const char *value)
{
	scan_entry_add(e, name, value, strlen(value));
}

static struct scan_entry *
user(const char *cn)
{
	char dn[256];
	snprintf(dn, sizeof(dn), "CN=%s,OU=Staff,DC=contoso,DC=com", cn);
	struct scan_entry *e = scan_entry_new(dn);
	add(e, "objectClass", "top");
	add(e, "objectClass", "person");
	add(e, "objectClass", "organizationalPerson");
	add(e, "objectClass", "user");
	add(e, "cn", cn);
	return e;
}

static void
check(const struct ruleset *rs, const struct scan_entry *e, struct collect *c)
{
	reset(c);
	struct rule_sink sink = {on_finding, on_skipped, c};
	ruleset_check(rs, e, &sink);
}

static void
test_displayname_blank(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	ok(rs != NULL && st == STATUS_OK, "multi-tenant loads");
	is_str(ruleset_name(rs), "multi-tenant", "pack name");

	struct scan_entry *e = user("Jane Doe");
	add(e, "sAMAccountName", "jdoe");
	add(e, "userPrincipalName", "jdoe@contoso.com");
	struct collect c = {0};
	check(rs, e, &c);
	const struct row *r = find(&c, "displayName");
	ok(r != NULL, "displayName finding");
	if (r != NULL) {
		is_str(r->error, "Blank", "ERROR Blank");
		is_str(r->value, "", "VALUE empty");
		is_str(r->update, "Jane Doe", "UPDATE = cn");
		is_str(r->action, "Edit", "PROPOSEDACTION Edit");
		is_str(r->rule, "displayname.blank", "RULE");
		ok(r->dup_key == NULL, "no duplicate step for displayName");
	}
	/* The UPN is only a duplicate candidate: no error of its own. */
	r = find(&c, "userPrincipalName");
	ok(r != NULL && r->error == NULL && r->dup_key != NULL,
	   "UPN is a candidate without a plain error");

	add(e, "displayName", "Jane Doe");
	check(rs, e, &c);
	ok(find(&c, "displayName") == NULL, "no finding with displayName");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

static bool
has_attr(const struct ruleset *rs, const char *name)
{
	for (const char *const *a = ruleset_attributes(rs); *a; a++) {
		if (strcasecmp(*a, name) == 0) {
			return true;
		}
	}
	return false;
}

static void
test_attributes(void)
{
	/* idfix.md §2.4: both request lists, plus the object's key. */
	static const char *const mt[] = {
		"cn",
		"displayName",
		"distinguishedName",
		"givenName",
		"groupType",
		"homeMdb",
		"isCriticalSystemObject",
		"mail",
		"mailnickname",
		"msExchHideFromAddressLists",
		"msExchRecipientTypeDetails",
		"objectClass",
		"proxyAddresses",
		"sAMAccountName",
		"targetAddress",
		"userPrincipalName",
		"objectGUID",
		"objectCategory",
		NULL,
	};
	static const char *const d[] = {
		"cn",
		"displayName",
		"distinguishedName",
		"givenName",
		"homeMdb",
		"mail",
		"mailnickname",
		"objectClass",
		"proxyAddresses",
		"sAMAccountName",
		"sn",
		"targetAddress",
		"isCriticalSystemObject",
		"objectGUID",
		NULL,
	};
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	bool all = true;
	for (const char *const *a = mt; *a; a++) {
		if (!has_attr(rs, *a)) {
			printf("# multi-tenant lacks %s\n", *a);
			all = false;
		}
	}
	ok(all, "multi-tenant reads IdFix's MT attributes");
	ruleset_free(rs);
	rs = ruleset_load("dedicated", NULL, &st);
	all = true;
	for (const char *const *a = d; *a; a++) {
		if (!has_attr(rs, *a)) {
			printf("# dedicated lacks %s\n", *a);
			all = false;
		}
	}
	ok(all, "dedicated reads IdFix's D attributes");
	ok(ruleset_count(rs) == 19 + 26,
	   "dedicated has 19 IdFix rules and the 26 beyond IdFix");
	ruleset_free(rs);
}

static void
test_hash(void)
{
	enum status st;
	struct ruleset *a = ruleset_load("multi-tenant", NULL, &st);
	struct ruleset *b = ruleset_load("multi-tenant", NULL, &st);
	struct ruleset *c = ruleset_load("dedicated", NULL, &st);
	is_int(strlen(ruleset_hash(a)), 64, "hash is 64 hex digits");
	is_str(ruleset_hash(a), ruleset_hash(b), "hash is stable");
	ok(strcmp(ruleset_hash(a), ruleset_hash(c)) != 0, "packs differ");
	ruleset_free(a);
	ruleset_free(b);
	ruleset_free(c);

	struct sha256 h;
	char hex[65];
	sha256_init(&h);
	sha256_update(&h, "abc", 3);
	sha256_hex(&h, hex);
	is_str(hex,
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "SHA-256 of abc");
	sha256_init(&h);
	char block[1000];
	memset(block, 'a', sizeof(block));
	for (int i = 0; i < 1000; i++) {
		sha256_update(&h, block, sizeof(block));
	}
	sha256_hex(&h, hex);
	is_str(hex,
	       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "SHA-256 of a million a");
}

/*
 * The eight-bytes-at-a-time paths of text_fold(), text_fold_equal() and
 * text_utf16_len() against the same functions on one character at a
 * time (shorter than a word, so never on those paths): strings of
 * random characters, the bytes around A-Z among them, at every offset.
 */
static void
test_text_words(void)
{
	/* One character each, separated by spaces. */
	char list[] =
		"A Z a z @ [ ` { 0 . - ~ \x7f \xc3\x84 \xc3\xa4 \xce\xa3 "
		"\xcf\x82 \xd0\x9f \xc5\xbd \xe2\x82\xac \xf0\x9f\x98\x80";
	const char *chars[32];
	size_t nchars = 0;
	char *save = NULL;
	for (char *c = strtok_r(list, " ", &save); c != NULL;
	     c = strtok_r(NULL, " ", &save)) {
		chars[nchars++] = c;
	}
	unsigned seed = 12345;
	size_t bad_fold = 0, bad_len = 0, bad_equal = 0, equal_seen = 0;
	for (int round = 0; round < 2000; round++) {
		char s[256], ref[256], other[256];
		size_t len = 0, units = 0, olen = 0;
		size_t n = (size_t)(round % 40);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *c = chars[(seed >> 16) % nchars];
			size_t cl = strlen(c);
			memcpy(s + len, c, cl);
			char *f = text_fold(c);
			memcpy(ref + len, f, cl);
			free(f);
			units += text_utf16_len(c);
			len += cl;
			/* The other string: the same folding, or one change. */
			seed = seed * 1103515245u + 12345u;
			const char *o = (seed >> 16) % 64 == 0
						? chars[(seed >> 8) % nchars]
						: c;
			char *of = text_fold(o);
			char *cf = text_fold(c);
			if (strcmp(of, cf) == 0 && (seed >> 4) % 2 == 0) {
				o = ((seed >> 5) % 2) ? of : c;
			}
			memcpy(other + olen, o, strlen(o));
			olen += strlen(o);
			free(of);
			free(cf);
		}
		s[len] = ref[len] = other[olen] = '\0';
		char *f = text_fold(s);
		bad_fold += strcmp(f, ref) != 0;
		bad_len += text_utf16_len(s) != units;
		char *fo = text_fold(other);
		bool want = strcmp(f, fo) == 0;
		equal_seen += want;
		bad_equal += text_fold_equal(s, other) != want;
		bad_equal += text_fold_equal(other, s) != want;
		free(f);
		free(fo);
	}
	is_int(bad_fold, 0,
	       "text_fold: a word at a time as a character at a time");
	is_int(bad_len, 0,
	       "text_utf16_len: a word at a time as a character at a time");
	is_int(bad_equal, 0, "text_fold_equal agrees with comparing the folds");
	ok(equal_seen > 100 && equal_seen < 1900,
	   "text_fold_equal saw both equal and different strings");

	/* Into the caller's buffer when it fits, with its NUL. */
	char buf[8];
	char *f = text_fold_buf("\xc3\x89TE", buf, sizeof(buf));
	ok(f == buf && strcmp(f, "\xc3\xa9te") == 0,
	   "text_fold_buf: a short fold in the buffer");
	f = text_fold_buf("ABCDEFG", buf, sizeof(buf));
	ok(f == buf && strcmp(f, "abcdefg") == 0,
	   "text_fold_buf: seven bytes and the NUL fill eight");
	f = text_fold_buf("ABCDEFGH", buf, sizeof(buf));
	ok(f != buf && strcmp(f, "abcdefgh") == 0,
	   "text_fold_buf: eight bytes and the NUL are allocated");
	free(f);
	f = text_fold_key_buf("ns", "AbC", 3, buf, sizeof(buf));
	ok(f == buf && strcmp(f, "ns:abc") == 0,
	   "text_fold_key_buf: in the buffer");
	f = text_fold_key_buf("ns", "AbCdE", 4, buf, sizeof(buf));
	ok(f == buf && strcmp(f, "ns:abcd") == 0,
	   "text_fold_key_buf: len bytes of s, filling the buffer");
	f = text_fold_key_buf("ns", "AbCdE", 5, buf, sizeof(buf));
	char *k = text_fold_key("ns", "AbCdE", 5);
	ok(f != buf && strcmp(f, k) == 0 && strcmp(f, "ns:abcde") == 0,
	   "text_fold_key_buf: allocated past the buffer, as text_fold_key");
	free(f);
	free(k);
}

/*
 * The entry view answers as the entry does, for more names than it has
 * slots (so slots are shared and overwritten), present and absent, in
 * several spellings, asked again in another order.
 */
static void
test_entry_view(void)
{
	struct scan_entry *e = scan_entry_new("CN=View,DC=example,DC=com");
	char *names[300];
	for (int i = 0; i < 300; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%sattr%d", i % 3 ? "x" : "X", i);
		names[i] = xstrdup(name);
		if (i % 2 == 0) {
			scan_entry_add(e, name, name, strlen(name));
		}
	}
	struct entry_view v;
	entry_view_init(&v, e);
	size_t wrong = 0, found = 0;
	for (int pass = 0; pass < 3; pass++) {
		for (int k = 0; k < 300; k++) {
			int i = pass == 1 ? 299 - k : (k * 7) % 300;
			const struct scan_attr *a =
				entry_view_attr(&v, names[i]);
			wrong += a != scan_entry_attr(e, names[i]);
			found += a != NULL;
			const char *f = entry_view_first(&v, names[i]);
			wrong += (f == NULL) != (a == NULL) ||
				 (f != NULL && strcmp(f, names[i]) != 0);
		}
	}
	is_int(wrong, 0, "entry view: every answer is the entry's");
	is_int(found, 450, "entry view: the present half found each time");
	scan_entry_add(e, "objectClass", "top", 3);
	scan_entry_add(e, "objectClass", "user", 4);
	entry_view_init(&v, e);
	/* Each asked twice: the second answer is the view's memory. */
	ok(entry_view_has_class(&v, "USER") &&
		   !entry_view_has_class(&v, "group") &&
		   entry_view_has_class(&v, "USER") &&
		   !entry_view_has_class(&v, "group") &&
		   strcmp(entry_view_class(&v), "user") == 0,
	   "entry view: classes");
	for (int i = 0; i < 300; i++) {
		free(names[i]);
	}
	scan_entry_free(e);
}

static void
test_text(void)
{
	is_int(text_utf16_len("a\xf0\x9f\x98\x80"), 3,
	       "surrogate pair counts 2");
	is_int(text_utf16_len("\xc3\xa9\xe2\x82\xac"), 2,
	       "BMP characters count 1");
	is_int(text_utf16_prefix("aa\xf0\x9f\x98\x80", 3), 2,
	       "the cut never splits a pair");
	is_int(text_utf16_prefix("aa\xf0\x9f\x98\x80", 4), 6, "the pair fits");
	is_int(text_utf16_prefix("a\xc3\xa9z", 2), 3,
	       "UTF-8 sequence kept whole");
	ok(text_utf8_valid("abc\xc3\xa9", 5), "valid UTF-8");
	ok(!text_utf8_valid("\xc0\xaf", 2), "overlong rejected");
	ok(!text_utf8_valid("\xed\xa0\x80", 3), "surrogate rejected");
	ok(!text_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF rejected");
	ok(!text_utf8_valid("a\0b", 3), "NUL rejected");
	ok(!text_utf8_valid("\xe2\x82", 2), "truncated sequence rejected");
	char *r = text_utf8_repair("a\xffz\xe2\x82", 5);
	is_str(r, "az", "repair drops bad bytes");
	free(r);
	char *f = text_fold("SMTP:\xc3\x84"
			    "Bc@X.COM \xce\xa3\xce\x91\xcf\x82 "
			    "\xd0\x9f\xd0\xa0\xd0\x98 \xc5\xbd \xc3\x9f");
	is_str(f,
	       "smtp:\xc3\xa4"
	       "bc@x.com \xcf\x83\xce\xb1\xcf\x83 "
	       "\xd0\xbf\xd1\x80\xd0\xb8 \xc5\xbe \xc3\x9f",
	       "folding: ASCII, Latin-1, Greek (final sigma), Cyrillic, Latin Ext-A");
	free(f);
	ok(text_fold_equal("SMTP:\xc3\x84"
			   "bc@X.com",
			   "smtp:\xc3\xa4"
			   "BC@x.COM") &&
		   text_fold_equal("\xce\xa3\xce\x91", "\xcf\x83\xce\xb1") &&
		   !text_fold_equal("a@x.com", "a@x.co") &&
		   !text_fold_equal("a@x.co", "a@x.com") &&
		   !text_fold_equal("\xc3\x84", "\xc3\xa5") &&
		   text_fold_equal("", ""),
	   "folded equality without copies: ASCII, Latin-1, Greek, lengths");
	char *t = text_trim("\xc2\xa0 x y\t\xe3\x80\x80");
	is_str(t, "x y", "trim .NET white space");
	free(t);
	t = text_trim(" \t\r\n ");
	is_str(t, "", "trim: only white space");
	free(t);
	t = text_trim("  a\xc2\xa0"
		      "b \xe2\x80\x83\n");
	is_str(t, "a\xc2\xa0""b", "trim: inner white space stays");
	free(t);
	t = text_trim(" x\xa0 ");
	is_str(t, "x\xa0", "trim: a stray byte at the end is no space");
	free(t);
	t = text_trim("\xe3\x80\x80");
	is_str(t, "", "trim: one ideographic space");
	free(t);
	ok(text_utf8_valid("abcdefghijklmnop\xc3\xa9qrstuvwx", 26) &&
		   !text_utf8_valid("abcdefg\xffhijklmnop", 17) &&
		   !text_utf8_valid("abcdefghij\0klmnop", 17),
	   "UTF-8 checked eight ASCII bytes at a time, bad bytes and NUL found");
}

static void
test_tld(void)
{
	const char *list =
		"# comment\n.COM\nnet # trailing\n\n  org  \nxn--p1ai\n"
		"\xd1\x80\xd1\x84\n";
	struct tld_set *s = tld_set_parse(list, strlen(list), "t.txt");
	ok(s != NULL, "TLD list parses");
	is_int(tld_set_count(s), 5, "five TLDs");
	ok(tld_set_has(s, "com") && tld_set_has(s, "org") &&
		   tld_set_has(s, "\xd1\x80\xd1\x84") &&
		   !tld_set_has(s, "local"),
	   "look-ups");
	tld_set_free(s);
	const char *bad = "com\nco.uk\n";
	s = tld_set_parse(bad, strlen(bad), "t.txt");
	ok(s == NULL, "a two-label line is refused");
	ok(strstr(log_last_error(), "t.txt:2:") != NULL, "with its line");

	/* The built-in list: current ICANN TLDs, IDN in both forms. */
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct scan_entry *e = user("Tld Test");
	add(e, "displayName", "x");
	add(e, "userPrincipalName", "a@contoso.app");
	struct collect c = {0};
	check(rs, e, &c);
	const struct row *r = find(&c, "userPrincipalName");
	ok(r != NULL && r->error == NULL,
	   ".app is a TLD (IdFix's list lacks it)");
	ruleset_free(rs);

	/* --tld-file replaces the list. */
	char path[] = "/tmp/tld-XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "com\n", 4) == 4, "TLD file written");
	close(fd);
	struct ruleset_opts o = {.tld_file = path};
	rs = ruleset_load("multi-tenant", &o, &st);
	ok(rs != NULL, "pack loads with --tld-file");
	check(rs, e, &c);
	r = find(&c, "userPrincipalName");
	ok(r != NULL && r->error && strcmp(r->error, "TopLevelDomain") == 0,
	   ".app is not in the replacement list");
	ruleset_free(rs);
	o.tld_file = "/nonexistent/tlds.txt";
	rs = ruleset_load("multi-tenant", &o, &st);
	ok(rs == NULL && st == STATUS_ERR_CONFIG,
	   "missing TLD file is an error");
	unlink(path);
	reset(&c);
	scan_entry_free(e);
}

/* Loads xml from a temporary file; returns the load's error text. */
static bool
load_fails(const char *xml, const char *want, const char *what)
{
	char path[] = "/tmp/pack-XXXXXX";
	int fd = mkstemp(path);
	size_t len = strlen(xml);
	if (fd < 0 || write(fd, xml, len) != (ssize_t)len) {
		return false;
	}
	close(fd);
	enum status st;
	unsigned before = log_error_count();
	struct ruleset *rs = ruleset_load(path, NULL, &st);
	bool failed = rs == NULL && st == STATUS_ERR_CONFIG &&
		      log_error_count() == before + 1;
	char expect[512];
	snprintf(expect, sizeof(expect), "%s%s", path, want);
	bool msg = strstr(log_last_error(), expect) != NULL;
	if (!msg) {
		printf("#   got  '%s'\n#   want '%s'\n", log_last_error(),
		       expect);
	}
	ok(failed && msg, what);
	ruleset_free(rs);
	unlink(path);
	return failed && msg;
}

#define HEAD                                                                   \
	"<?xml version=\"1.0\"?>\n<pack name=\"p\">\n<chain attribute=\"mail\">\n"
#define TAIL "</chain>\n</pack>\n"
#define DESC "<description>d</description></rule>\n"

static void
test_pack_errors(void)
{
	load_fails(HEAD
		   "<rule id=\"a\" check=\"lenght\" limit=\"3\">" DESC TAIL,
		   ":4: rule a: unknown check kind 'lenght'",
		   "unknown check kind");
	load_fails(HEAD "<rule id=\"a\" check=\"length\">" DESC TAIL,
		   ":4: rule a: a length check needs a limit", "missing limit");
	load_fails(HEAD
		   "<rule id=\"a\" check=\"length\" limit=\"-3\">" DESC TAIL,
		   ":4: rule a: bad limit '-3'", "negative limit");
	load_fails(HEAD
		   "<rule id=\"a\" check=\"length\" limit=\"12x\">" DESC TAIL,
		   ":4: rule a: bad limit '12x'", "limit with junk");
	load_fails(
		HEAD
		"<rule id=\"a\" check=\"pattern\" pattern=\"(open\">" DESC TAIL,
		":4: invalid pattern '(open': missing closing parenthesis at offset 5",
		"invalid PCRE2 pattern");
	load_fails(HEAD
		   "<rule id=\"a\" check=\"charset\" set=\"z-a\">" DESC TAIL,
		   ":4: invalid character set '[z-a]': range out of order",
		   "invalid character set");
	load_fails(HEAD "<rule id=\"a\" check=\"length\" limt=\"3\">" DESC TAIL,
		   ":4: unknown attribute 'limt' on <rule>",
		   "typo in an attribute");
	load_fails(HEAD "<rule check=\"length\" limit=\"3\">" DESC TAIL,
		   ":4: <rule> needs a non-empty id attribute", "missing id");
	load_fails(HEAD "<rule id=\"a\" check=\"length\" limit=\"3\"/>\n" TAIL,
		   ":4: rule a needs a <description>", "missing description");
	load_fails(
		HEAD
		"<rule id=\"a\" check=\"length\" limit=\"3\" severity=\"fatal\">" DESC
			TAIL,
		":4: rule a: severity 'fatal'", "bad severity");
	load_fails(HEAD "<rule id=\"a\" check=\"length\" limit=\"3\">" DESC
			"<rule id=\"a\" check=\"blank\">" DESC TAIL,
		   ":5: rule id 'a' is used twice", "duplicate id");
	load_fails(HEAD
		   "<rule id=\"a\" check=\"blank\" fixer=\"magic\">" DESC TAIL,
		   ":4: rule a: unknown fixer 'magic'", "unknown fixer");
	load_fails(
		"<?xml version=\"1.0\"?>\n<!DOCTYPE pack [\n<!ENTITY x \"y\">\n]>\n"
		"<pack name=\"&x;\"/>\n",
		":2: a DOCTYPE is not allowed", "DOCTYPE refused");
	load_fails(
		"<?xml version=\"1.0\"?>\n<pack name=\"p\">\n<chain attribute=\"mail\">\n"
		"</pack>\n",
		":4: ", "not well-formed");
	load_fails("", ": the rule pack is empty", "empty file");
	load_fails("\xff\xfe<\0?\0", ":1: a rule pack must be UTF-8",
		   "UTF-16 refused");
	load_fails(
		"<?xml version=\"1.0\"?>\n<pack name=\"p\">\n<skip reason=\"r\">"
		"<number attribute=\"groupType\" lt=\"x\"/></skip>\n</pack>\n",
		":3: <number>: bad number list 'x'", "bad number in a skip");
	load_fails("<?xml version=\"1.0\"?>\n<rules/>\n",
		   ":2: the root element must be <pack>", "wrong root");

	enum status st;
	struct ruleset *rs = ruleset_load("/nonexistent/pack.xml", NULL, &st);
	ok(rs == NULL && st == STATUS_ERR_CONFIG, "missing pack file");
}

/* A pack loaded from a file holding xml (removed again), or NULL. */
static struct ruleset *
pack_from_xml(const char *xml)
{
	char *path = tap_write_file("/tmp/pack-XXXXXX", xml);
	enum status st;
	struct ruleset *rs = ruleset_load(path, NULL, &st);
	unlink(path);
	free(path);
	return rs;
}

static void
test_custom_pack(void)
{
	/* A consultant's naming policy, through the same code path. */
	const char *xml =
		"<?xml version=\"1.0\"?>\n<pack name=\"acme\">\n"
		"<skip reason=\"service\"><match attribute=\"sAMAccountName\" pattern=\"^svc-\"/></skip>\n"
		"<chain attribute=\"sAMAccountName\">\n"
		"<rule id=\"acme.sam\" check=\"pattern\" pattern=\"[^a-z0-9.]\" error=\"Policy\" severity=\"warning\">"
		"<description>policy</description><remediation>fix</remediation></rule>\n"
		"</chain></pack>\n";
	struct ruleset *rs = pack_from_xml(xml);
	ok(rs != NULL, "custom pack loads");
	if (rs == NULL) {
		return;
	}
	is_str(ruleset_name(rs), "acme", "its name");
	is_int(ruleset_count(rs), 1, "one rule");
	struct rule_info info;
	ruleset_info(rs, 0, &info);
	is_str(info.check, "pattern", "info check");
	is_str(info.severity, "warning", "info severity");
	is_str(info.remediation, "fix", "info remediation");
	struct scan_entry *e = user("John Smith");
	add(e, "sAMAccountName", "John.Smith");
	struct collect c = {0};
	check(rs, e, &c);
	is_int(c.n, 1, "one finding");
	is_str(c.rows[0].error, "Policy", "custom error name");
	is_str(c.rows[0].update, "ohn.mith", "matches deleted");
	scan_entry_free(e);
	e = user("Backup");
	add(e, "sAMAccountName", "SVC-backup");
	check(rs, e, &c);
	is_str(c.skipped, "service", "custom skip, ASCII case-insensitive");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

/*
 * Class conditions match whatever the case on either side; the pack
 * keeps one spelling of a class, and rules compare it by address.
 */
static void
test_class_conditions(void)
{
	const char *xml =
		"<?xml version=\"1.0\"?>\n<pack name=\"classes\">\n"
		"<chain attribute=\"sAMAccountName\">\n"
		"<rule id=\"c.user\" check=\"pattern\" pattern=\"x\" error=\"U\" class=\"USER contact\">"
		"<description>d</description><remediation>r</remediation></rule>\n"
		"<rule id=\"c.other\" check=\"pattern\" pattern=\"y\" error=\"N\" not-class=\"User\">"
		"<description>d</description><remediation>r</remediation></rule>\n"
		"</chain></pack>\n";
	struct ruleset *rs = pack_from_xml(xml);
	ok(rs != NULL, "class pack loads");
	if (rs == NULL) {
		return;
	}
	static const char *const cases[][2] = {
		{"user", "U"},
		{"Contact", "U, N"},
		{"group", "N"},
	};
	for (size_t i = 0; i < 3; i++) {
		struct scan_entry *e =
			scan_entry_new("CN=T,OU=Staff,DC=contoso,DC=com");
		add(e, "objectClass", "top");
		add(e, "objectClass", cases[i][0]);
		add(e, "cn", "T");
		add(e, "sAMAccountName", "xy");
		struct collect c = {0};
		check(rs, e, &c);
		char what[64];
		snprintf(what, sizeof(what), "class conditions on a %s",
			 cases[i][0]);
		ok(c.n == 1 && strcmp(c.rows[0].error, cases[i][1]) == 0, what);
		reset(&c);
		scan_entry_free(e);
	}
	ruleset_free(rs);
}

static void
test_chain_and_duplicates(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct collect c = {0};

	/* A fix, then the duplicate step sees the fixed value. */
	struct scan_entry *e = user("Up N");
	add(e, "displayName", "x");
	add(e, "mailNickname", "upn");
	add(e, "userPrincipalName", "Up N@Contoso.com");
	check(rs, e, &c);
	const struct row *r = find(&c, "userPrincipalName");
	ok(r != NULL, "UPN row");
	if (r != NULL) {
		is_str(r->error, "Character", "plain: Character");
		is_str(r->update, "UpN@Contoso.com", "plain update");
		is_str(r->dup_key, "userprincipalname:upn@contoso.com",
		       "dup_key: namespace + folded fixed value");
		is_str(r->dup_error, "Character, Duplicate",
		       "dup: chain order");
		is_str(r->dup_action, "Edit", "dup of a changed value: Edit");
		is_str(r->dup_rule, "upn.character",
		       "dup rule: the first failed");
	}
	scan_entry_free(e);

	/* Unchanged and mail-enabled: Complete; plain has no error. */
	e = user("Plain");
	add(e, "displayName", "x");
	add(e, "mailNickname", "plain");
	add(e, "userPrincipalName", "plain@contoso.com");
	check(rs, e, &c);
	r = find(&c, "userPrincipalName");
	ok(r && r->error == NULL && r->update == NULL, "plain: no finding");
	ok(r && r->dup_error && strcmp(r->dup_error, "Duplicate") == 0 &&
		   strcmp(r->dup_action, "Complete") == 0,
	   "dup: Duplicate, Complete");
	scan_entry_free(e);

	/* Case and prefix: SMTP:/smtp: fold together, sip: does not. */
	e = user("Proxy");
	add(e, "displayName", "x");
	add(e, "proxyAddresses", "SMTP:\xc3\x84nne@Contoso.com");
	add(e, "proxyAddresses", "sip:\xc3\xa4nne@contoso.com");
	check(rs, e, &c);
	ok(c.n == 2 &&
		   strcmp(c.rows[0].dup_key,
			  "proxyaddresses:smtp:\xc3\xa4nne@contoso.com") == 0 &&
		   strcmp(c.rows[1].dup_key,
			  "proxyaddresses:sip:\xc3\xa4nne@contoso.com") == 0,
	   "proxy keys keep the prefix and fold the rest");
	ok(c.n == 2 && c.rows[0].error &&
		   strcmp(c.rows[0].error, "LocalPart") == 0,
	   "non-ASCII local part: LocalPart");
	ok(c.n == 2 &&
		   strcmp(c.rows[0].dup_error, "Duplicate, LocalPart") == 0 &&
		   strcmp(c.rows[0].dup_action, "Edit") == 0 &&
		   strcmp(c.rows[0].dup_update, "SMTP:nne@Contoso.com") == 0,
	   "dup variant: Duplicate before LocalPart, UPDATE/ACTION of the last failure");
	scan_entry_free(e);

	/* K (Kelvin) and long s are not [a-z]. */
	e = user("Kelvin");
	add(e, "displayName", "x");
	add(e, "userPrincipalName",
	    "\xe2\x84\xaa"
	    "a\xc5\xbf@contoso.com");
	check(rs, e, &c);
	r = find(&c, "userPrincipalName");
	ok(r && r->error && strcmp(r->error, "LocalPart") == 0 &&
		   strcmp(r->update, "a@contoso.com") == 0,
	   "K and long s are not ASCII letters");
	scan_entry_free(e);

	/* Invalid UTF-8: no crash, a Character finding, the chain goes on. */
	e = user("Bad Bytes");
	add(e, "displayName", "x");
	add(e, "proxyAddresses",
	    "smtp:b\xff"
	    "ad@contoso.com");
	scan_entry_add(e, "givenName", "Jo\0hn", 5);
	check(rs, e, &c);
	r = find(&c, "proxyAddresses");
	ok(r && r->error && strcmp(r->error, "Character") == 0 &&
		   strcmp(r->update, "smtp:bad@contoso.com") == 0 &&
		   strcmp(r->rule, "encoding.utf8") == 0,
	   "invalid UTF-8 proxy: Character, bad bytes dropped");
	r = find(&c, "givenName");
	ok(r && strcmp(r->update, "John") == 0, "embedded NUL dropped");
	scan_entry_free(e);

	/* An empty value (LDIF only) is no duplicate candidate. */
	e = user("Empty Mail");
	add(e, "displayName", "x");
	scan_entry_add(e, "mail", "", 0);
	check(rs, e, &c);
	ok(find(&c, "mail") == NULL, "empty mail: no candidate");
	scan_entry_free(e);

	/* The sink's status stops the check. */
	e = user("Stop");
	reset(&c);
	c.answer = STATUS_ERR_STORE;
	struct rule_sink sink = {on_finding, on_skipped, &c};
	is_int(ruleset_check(rs, e, &sink), STATUS_ERR_STORE,
	       "sink status returned");
	is_int(c.n, 1, "no finding after the sink failed");
	scan_entry_free(e);

	/* Switched-off rules. */
	ruleset_free(rs);
	const char *const off[] = {"displayname.blank", NULL};
	struct ruleset_opts o = {.disable = off};
	rs = ruleset_load("multi-tenant", &o, &st);
	e = user("No Blank");
	check(rs, e, &c);
	ok(find(&c, "displayName") == NULL, "disabled rule does not run");
	struct rule_info info;
	bool shown = false;
	for (size_t i = 0; i < ruleset_count(rs); i++) {
		ruleset_info(rs, i, &info);
		shown |= strcmp(info.id, "displayname.blank") == 0 &&
			 !info.enabled;
	}
	ok(shown, "listed as disabled");
	scan_entry_free(e);
	reset(&c);
	ruleset_free(rs);
}

static void
test_skips(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct collect c = {0};
	struct {
		const char *cn, *attr, *value, *reason;
	} cases[] = {
		{"krbtgt", "sAMAccountName", "krbtgt", "well-known account"},
		{"Guest", "sAMAccountName", "Guest", "well-known account"},
		{"Guest Services", "sAMAccountName", "guestsvc", ""},
		{"Iwamoto, Kenji", "sAMAccountName", "kiwamoto", ""},
		{"Administration Team", "sAMAccountName", "adminteam", ""},
		{"SUPPORT_388945a0", "sAMAccountName", "SUPPORT_388945a0",
		 "well-known account"},
		{"Support_388945a0x", "sAMAccountName", "sup", ""},
		{"PC01", "sAMAccountName", "PC01$",
		 "machine or service account (name ends with $)"},
		{"Arb", "msExchRecipientTypeDetails", "8388608",
		 "Exchange system mailbox (msExchRecipientTypeDetails)"},
		{"Arb Hex", "msExchRecipientTypeDetails", "0x800000", ""},
		{"Crit", "isCriticalSystemObject", "true",
		 "critical system object"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct scan_entry *e = user(cases[i].cn);
		add(e, cases[i].attr, cases[i].value);
		check(rs, e, &c);
		char what[128];
		snprintf(what, sizeof(what), "%s: %s", cases[i].cn,
			 cases[i].reason[0] ? cases[i].reason : "scanned");
		is_str(c.skipped, cases[i].reason, what);
		scan_entry_free(e);
	}
	reset(&c);
	ruleset_free(rs);
}

int
main(void)
{
	log_set_level(LOG_LEVEL_QUIET);
	test_displayname_blank();
	test_attributes();
	test_hash();
	test_text();
	test_text_words();
	test_entry_view();
	test_tld();
	test_pack_errors();
	test_custom_pack();
	test_class_conditions();
	test_chain_and_duplicates();
	test_skips();
	return tap_done();
}
