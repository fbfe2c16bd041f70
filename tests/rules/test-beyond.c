/*
 * Unit tests of the rules beyond IdFix (rules/beyond.c): entry rules in
 * a pack, their validation, scopes, switching them off, the SMTP
 * namespace's one-candidate-per-object keys, the summary counters and
 * hostile values.  The golden tests (fixtures/rules/cases_x.py) cover
 * the rows of every rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "rules/rules.h"
#include "tap.h"

struct row {
	char *attribute, *value, *rule, *error, *update, *action, *dup_key;
	enum finding_severity severity;
};

struct collect {
	struct row rows[32];
	int n;
	char skipped[128];
	char counts[16][128];
	int ncounts;
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
	if (c->n < 32) {
		bool dup = f->dup_key != NULL;
		c->rows[c->n++] = (struct row){
			dup0(f->attribute),
			dup0(f->value),
			dup0(dup ? f->dup_rule : f->rule),
			dup0(dup ? f->dup_error : f->error),
			dup0(dup ? f->dup_update : f->update),
			dup0(dup ? f->dup_action : f->proposed_action),
			dup0(f->dup_key),
			dup ? f->dup_severity : f->severity,
		};
	}
	return STATUS_OK;
}

static enum status
on_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	struct collect *c = ctx;
	snprintf(c->skipped, sizeof(c->skipped), "%s", reason);
	return STATUS_OK;
}

static enum status
on_count(void *ctx, const char *name)
{
	struct collect *c = ctx;
	if (c->ncounts < 16) {
		snprintf(c->counts[c->ncounts++], sizeof(c->counts[0]), "%s",
			 name);
	}
	return STATUS_OK;
}

static void
reset(struct collect *c)
{
	for (int i = 0; i < c->n; i++) {
		struct row *r = &c->rows[i];
		char *all[] = {r->attribute, r->value,  r->rule,   r->error,
			       r->update,    r->action, r->dup_key};
		for (size_t k = 0; k < sizeof(all) / sizeof(*all); k++) {
			free(all[k]);
		}
	}
	memset(c, 0, sizeof(*c));
}

static void
check(const struct ruleset *rs, const struct scan_entry *e, struct collect *c,
      bool counts)
{
	reset(c);
	struct rule_sink sink = {on_finding, on_skipped, c,
				 counts ? on_count : NULL};
	ruleset_check(rs, e, &sink);
}

/* The row of rule, or NULL. */
static const struct row *
row_of(const struct collect *c, const char *rule)
{
	for (int i = 0; i < c->n; i++) {
		if (c->rows[i].rule != NULL &&
		    strcmp(c->rows[i].rule, rule) == 0) {
			return &c->rows[i];
		}
	}
	return NULL;
}

static int
rows_of(const struct collect *c, const char *rule)
{
	int n = 0;
	for (int i = 0; i < c->n; i++) {
		n += c->rows[i].rule != NULL &&
		     strcmp(c->rows[i].rule, rule) == 0;
	}
	return n;
}

/* Rows that hold whatever other objects hold (not dup candidates). */
static int
certain(const struct collect *c)
{
	int n = 0;
	for (int i = 0; i < c->n; i++) {
		n += c->rows[i].dup_key == NULL;
	}
	return n;
}

static bool
counted(const struct collect *c, const char *name)
{
	for (int i = 0; i < c->ncounts; i++) {
		if (strcmp(c->counts[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static void
add(struct scan_entry *e, const char *name, const char *value)
{
	scan_entry_add(e, name, value, strlen(value));
}

static struct scan_entry *
entry(const char *cn, const char *cls)
{
	char dn[256];
	snprintf(dn, sizeof(dn), "CN=%s,OU=Staff,DC=contoso,DC=com", cn);
	struct scan_entry *e = scan_entry_new(dn);
	add(e, "objectClass", "top");
	if (strcmp(cls, "group") != 0) {
		add(e, "objectClass", "person");
		add(e, "objectClass", "organizationalPerson");
	}
	add(e, "objectClass", cls);
	add(e, "cn", cn);
	add(e, "displayName", cn);
	return e;
}

/* A user Entra Connect syncs: sAMAccountName and a routable UPN. */
static struct scan_entry *
synced_user(const char *cn, const char *sam)
{
	struct scan_entry *e = entry(cn, "user");
	char upn[128];
	snprintf(upn, sizeof(upn), "%s@contoso.com", sam);
	add(e, "sAMAccountName", sam);
	add(e, "userPrincipalName", upn);
	return e;
}

static void
load_fails(const char *xml, const char *want, const char *what)
{
	char *path = tap_write_file("/tmp/pack-XXXXXX", xml);
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
	free(path);
}

#define HEAD "<?xml version=\"1.0\"?>\n<pack name=\"p\">\n"
#define DESC "<description>d</description></rule>\n"
#define TAIL "</pack>\n"

static void
test_pack_errors(void)
{
	load_fails(HEAD
		   "<rule id=\"a\" check=\"length\" limit=\"3\">" DESC TAIL,
		   ":3: rule a: a length check belongs in a <chain>",
		   "a chain check outside a chain");
	load_fails(HEAD "<chain attribute=\"mail\"><rule id=\"a\" "
			"check=\"smtp-namespace\">" DESC "</chain>" TAIL,
		   ":3: rule a: smtp-namespace is an entry rule",
		   "an entry rule inside a chain");
	load_fails(HEAD "<rule id=\"a\" check=\"count\" limit=\"3\">" DESC TAIL,
		   ":3: rule a: a count rule needs an attribute",
		   "count without attribute");
	load_fails(HEAD
		   "<rule id=\"a\" check=\"count\" attribute=\"member\">" DESC
			   TAIL,
		   ":3: rule a: a count check needs a limit",
		   "count without limit");
	load_fails(HEAD "<rule id=\"a\" check=\"mailbox-stale\" "
			"attribute=\"mail\">" DESC TAIL,
		   ":3: rule a: a mailbox-stale rule reads msExchMailboxGuid",
		   "a fixed attribute cannot be changed");
	load_fails(HEAD "<rule id=\"a\" check=\"mailbox-stale\" "
			"scope=\"everything\">" DESC TAIL,
		   ":3: rule a: scope must be synced, scanned or all",
		   "bad scope");
	load_fails(HEAD "<rule id=\"a\" check=\"routable\" attribute=\"mail\" "
			"if-value=\"x\">" DESC TAIL,
		   ":3: rule a: if-value and unless-value are for chain rules",
		   "value conditions are for chains");
	load_fails(HEAD "<rule id=\"a\" check=\"mailbox-stale\" "
			"namespace=\"x\">" DESC TAIL,
		   ":3: rule a: namespace, qualify, complete-if and "
		   "remove-unless are for duplicate checks",
		   "namespace only for unique and duplicate");
	load_fails(HEAD
		   "<rule id=\"a\" check=\"unqiue\" attribute=\"x\">" DESC TAIL,
		   ":3: rule a: unknown check kind 'unqiue' (count, unique,",
		   "unknown entry check kind names the entry kinds");
	load_fails(HEAD "<chain attribute=\"mail\"><rule id=\"a\" "
			"check=\"length\" limit=\"3\">" DESC "</chain>"
			"<rule id=\"a\" check=\"mailbox-stale\">" DESC TAIL,
		   ":4: rule id 'a' is used twice (first on line 3)",
		   "ids unique across chains and entry rules");
	load_fails(HEAD "<chain attribute=\"mail\"><rule id=\"a\" "
			"check=\"length\" limit=\"3\" attribute=\"x\">" DESC
			"</chain>" TAIL,
		   ":3: rule a: attribute and scope are for entry rules",
		   "attribute is for entry rules");
	load_fails(HEAD TAIL, ":2: the pack has no <chain> and no <rule>",
		   "an empty pack");
}

static void
test_custom_entry_pack(void)
{
	/* A pack of entry rules only: a group limit of the customer's. */
	char *path = tap_write_file(
		"/tmp/pack-XXXXXX", HEAD
		"<rule id=\"acme.big\" check=\"count\" attribute=\"member\" "
		"limit=\"2\" class=\"group\" scope=\"all\" "
		"severity=\"info\" error=\"BigGroup\">"
		"<description>big</description>"
		"<remediation>split</remediation></rule>\n"
		"<rule id=\"acme.off\" check=\"count\" attribute=\"member\" "
		"limit=\"1\" enabled=\"false\">" DESC TAIL);
	enum status st;
	struct ruleset *rs = ruleset_load(path, NULL, &st);
	ok(rs != NULL, "a pack of entry rules loads");
	if (rs == NULL) {
		free(path);
		return;
	}
	is_int(ruleset_count(rs), 2, "two rules listed");
	struct rule_info info;
	ruleset_info(rs, 0, &info);
	is_str(info.attribute, "member", "info: attribute");
	is_str(info.check, "count", "info: check kind");
	is_str(info.severity, "info", "info: severity");
	ruleset_info(rs, 1, &info);
	ok(!info.enabled, "enabled=\"false\" shows in the list");
	bool member = false;
	for (const char *const *a = ruleset_attributes(rs); *a; a++) {
		member |= strcmp(*a, "member") == 0;
	}
	ok(member, "the pack asks the crawler for member");
	const char *const *counted = ruleset_counted_attributes(rs);
	ok(counted[0] != NULL && strcmp(counted[0], "member") == 0 &&
		   counted[1] == NULL,
	   "only counted: member, and nothing else");

	struct scan_entry *e = entry("Team", "group");
	add(e, "member", "CN=a");
	add(e, "member", "CN=b");
	struct collect c = {0};
	check(rs, e, &c, false);
	is_int(c.n, 0, "at the limit: no row (and the disabled rule none)");
	add(e, "member", "CN=c");
	check(rs, e, &c, false);
	is_int(c.n, 1, "one past the limit: one row");
	const struct row *r = row_of(&c, "acme.big");
	ok(r != NULL && strcmp(r->error, "BigGroup") == 0 &&
		   strcmp(r->value, "3 values") == 0 &&
		   r->severity == FINDING_INFO,
	   "its error name, value and severity");
	reset(&c);
	scan_entry_free(e);

	/* Values the scanner only counted (scan_attrs_new()) count too. */
	e = entry("Counted", "group");
	scan_entry_count(e, "member", 2);
	check(rs, e, &c, false);
	is_int(c.n, 0, "two counted: no row");
	add(e, "member", "CN=a");
	check(rs, e, &c, false);
	r = row_of(&c, "acme.big");
	ok(c.n == 1 && r != NULL && strcmp(r->value, "3 values") == 0,
	   "two counted and one kept: three values");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
	unlink(path);
	free(path);

	/* Read by anything else, an attribute's values are kept. */
	static const char *const readers[] = {
		"<rule id=\"b\" check=\"count\" attribute=\"mail\" "
		"limit=\"2\" if-attr=\"member\">" DESC,
		"<skip reason=\"r\"><match attribute=\"member\" "
		"pattern=\"x\"/></skip>\n"
		"<chain attribute=\"mail\"><rule id=\"b\" check=\"pattern\" "
		"pattern=\"x\" error=\"Policy\">" DESC "</chain>\n",
		"<chain attribute=\"member\"><rule id=\"b\" check=\"pattern\" "
		"pattern=\"x\" error=\"Policy\">" DESC "</chain>\n",
	};
	for (size_t i = 0; i < sizeof(readers) / sizeof(*readers); i++) {
		struct strbuf xml;
		strbuf_init(&xml);
		strbuf_addf(&xml,
			    "%s<rule id=\"a\" check=\"count\" "
			    "attribute=\"Member\" limit=\"2\">%s%s%s",
			    HEAD, DESC, readers[i], TAIL);
		path = tap_write_file("/tmp/pack-XXXXXX", xml.buf);
		rs = ruleset_load(path, NULL, &st);
		char what[64];
		snprintf(what, sizeof(what), "pack %zu: loads", i + 1);
		ok(rs != NULL, what);
		snprintf(what, sizeof(what),
			 "pack %zu: member read elsewhere, not counted", i + 1);
		ok(rs != NULL && ruleset_counted_attributes(rs)[0] == NULL,
		   what);
		ruleset_free(rs);
		unlink(path);
		free(path);
		strbuf_release(&xml);
	}
}

static void
test_smtp_keys(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct scan_entry *e = synced_user("Ann Lee", "ann");
	add(e, "mail", "Ann@Contoso.com");
	add(e, "mailNickname", "ann");
	add(e, "proxyAddresses", "SMTP:ann@contoso.com");
	add(e, "proxyAddresses", "smtp:ann.lee@contoso.com");
	add(e, "proxyAddresses", "sip:ann@contoso.com");
	add(e, "proxyAddresses", "X500:/o=Contoso/cn=ann");
	struct collect c = {0};
	check(rs, e, &c, false);
	/* ann@ (mail, proxy, UPN) once, ann.lee@ once; sip and X500 none. */
	is_int(rows_of(&c, "smtp.conflict"), 2,
	       "one candidate per distinct address of the object");
	const struct row *r = NULL;
	for (int i = 0; i < c.n; i++) {
		if (c.rows[i].dup_key != NULL &&
		    strcmp(c.rows[i].dup_key, "smtp:ann@contoso.com") == 0) {
			r = &c.rows[i];
		}
	}
	ok(r != NULL && strcmp(r->attribute, "mail") == 0 &&
		   strcmp(r->value, "Ann@Contoso.com") == 0,
	   "the key is smtp: + the folded address; the row names mail "
	   "first");
	ok(r != NULL && strcmp(r->error, "SmtpConflict") == 0 &&
		   strcmp(r->action, "Complete") == 0,
	   "SmtpConflict, decided by hand");
	scan_entry_free(e);

	/* A critical system object never syncs: it holds no address. */
	e = synced_user("Old Admin", "oldadmin");
	add(e, "mail", "ann@contoso.com");
	add(e, "isCriticalSystemObject", "TRUE");
	check(rs, e, &c, false);
	is_int(rows_of(&c, "smtp.conflict"), 0,
	       "objects Connect does not sync hand over no address");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

static void
test_scopes_and_switches(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct collect c = {0};

	/* IdFix skips IUSR_…; Entra Connect syncs it: the GUID rule runs. */
	struct scan_entry *e = synced_user("IUSR_WEB01", "IUSR_WEB01");
	add(e, "msExchMailboxGuid", "2c3d4e5f-6a7b-4c8d-ae9f-1a2b3c4d5e6f");
	add(e, "mailNickname", "iusr");
	check(rs, e, &c, false);
	ok(strcmp(c.skipped, "well-known account") == 0,
	   "skipped by the IdFix pack");
	const struct row *r = row_of(&c, "mailbox.stale-guid");
	ok(r != NULL && r->severity == FINDING_ERROR,
	   "stale GUID reported all the same (scope synced)");
	scan_entry_free(e);

	/* A remote mailbox with a GUID is fine; without one, a warning. */
	e = synced_user("Remote", "remote");
	add(e, "mailNickname", "remote");
	add(e, "msExchRecipientTypeDetails", "2147483648");
	check(rs, e, &c, false);
	r = row_of(&c, "mailbox.remote-no-guid");
	ok(r != NULL && r->severity == FINDING_WARNING,
	   "remote mailbox without GUID: warning");
	add(e, "msExchMailboxGuid", "2c3d4e5f-6a7b-4c8d-ae9f-1a2b3c4d5e6f");
	check(rs, e, &c, false);
	is_int(certain(&c), 0, "remote mailbox with GUID: no row");
	scan_entry_free(e);

	/* Group size: every group, also one the IdFix pack skips. */
	e = entry("Big Security", "group");
	add(e, "groupType", "-2147483646");
	char dn[64];
	for (int i = 0; i < 50001; i++) {
		snprintf(dn, sizeof(dn), "CN=u%d", i);
		add(e, "member", dn);
	}
	check(rs, e, &c, false);
	ok(strcmp(c.skipped, "security group without mail") == 0 &&
		   row_of(&c, "group.large") != NULL,
	   "a skipped group of 50,001 members: group.large (scope all)");
	ruleset_free(rs);

	/* ruleset_opts.disable (--disable) switches an entry rule off. */
	const char *const off[] = {"group.large", NULL};
	const struct ruleset_opts opts = {.disable = off};
	rs = ruleset_load("multi-tenant", &opts, &st);
	check(rs, e, &c, false);
	is_int(certain(&c), 0, "--disable group.large: no row");
	const char *const typo[] = {"group.larg", NULL};
	const struct ruleset_opts bad = {.disable = typo};
	unsigned before = log_error_count();
	struct ruleset *none = ruleset_load("multi-tenant", &bad, &st);
	ok(none == NULL && st == STATUS_ERR_CONFIG &&
		   log_error_count() == before + 1 &&
		   strstr(log_last_error(), "'group.larg'") != NULL,
	   "--disable of a rule the pack lacks: one clear error");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

static void
test_domains(void)
{
	/* --domain spellings: a leading @ or dot, any case. */
	const char *const domains[] = {"@Contoso.COM", ".fabrikam.com", NULL};
	const struct ruleset_opts opts = {.domains = domains};
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", &opts, &st);
	struct collect c = {0};
	struct scan_entry *e = synced_user("Bo", "bo");
	check(rs, e, &c, false);
	is_int(certain(&c), 0, "a UPN on a verified domain: no row");
	scan_entry_free(e);
	e = entry("Cy", "user");
	add(e, "sAMAccountName", "cy");
	add(e, "userPrincipalName", "cy@tailspin.com");
	add(e, "mail", "cy@tailspin.mail.onmicrosoft.com");
	check(rs, e, &c, false);
	const struct row *r = row_of(&c, "upn.unverified");
	ok(r != NULL && strcmp(r->update, "cy@contoso.com") == 0 &&
		   strcmp(r->action, "Edit") == 0,
	   "unverified UPN: proposal on the first verified domain");
	ok(row_of(&c, "mail.unverified") == NULL,
	   "*.mail.onmicrosoft.com is never unverified");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

static void
test_config_and_counts(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct collect c = {0};
	struct scan_entry *e = scan_entry_new(
		"CN=EX01,CN=Autodiscover,CN=Protocols,CN=EX01,CN=Servers,"
		"CN=Configuration,DC=contoso,DC=com");
	add(e, "objectClass", "top");
	add(e, "objectClass", "serviceConnectionPoint");
	add(e, "cn", "EX01");
	add(e, "keywords", "77378f46-2c66-4AA9-a6a6-3e7a48b19596");
	add(e, "serviceBindingInformation", "https://ex01/Autodiscover.xml");
	check(rs, e, &c, true);
	ok(c.n == 1 && row_of(&c, "exchange.autodiscover-scp") != NULL,
	   "an Autodiscover SCP: its row only (no IdFix Blank row)");
	ok(c.skipped[0] == '\0' && c.ncounts == 0,
	   "neither skipped nor counted");
	scan_entry_free(e);

	e = synced_user("Dee", "dee");
	add(e, "userAccountControl", "514");
	add(e, "homeMDB", "CN=DB01");
	add(e, "msExchMailboxGuid", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	add(e, "mailNickname", "dee");
	add(e, "mS-DS-ConsistencyGuid", "7b8c9dae-bfc0-41d2-b3e4-6f7a8b9cadbe");
	check(rs, e, &c, true);
	ok(counted(&c, RULES_COUNT_DISABLED_MAILBOX) &&
		   counted(&c, RULES_COUNT_CONSISTENCY_GUID) && c.ncounts == 2,
	   "disabled with a mailbox, and a consistency GUID: counted");
	const struct row *r = row_of(&c, "mailbox.onprem");
	ok(r != NULL && r->severity == FINDING_INFO,
	   "an on-premises mailbox is info");
	check(rs, e, &c, false);
	ok(row_of(&c, "mailbox.onprem") != NULL,
	   "a sink without count works the same");
	scan_entry_free(e);

	e = entry("Eve", "user");
	add(e, "isCriticalSystemObject", "TRUE");
	check(rs, e, &c, true);
	ok(counted(&c, RULES_COUNT_UNSYNCED "critical system object"),
	   "not synced by default: counted with its reason");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

static void
test_hostile(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	struct collect c = {0};
	struct scan_entry *e = synced_user("Hostile", "hostile");
	static const char *const vals[] = {
		"SMTP:",   "smtp:@",  "SMTP:@@",
		"smtp:a@", "SMTP:@b", "SMTP:x@y@z",
		"",        ":",       "smtp:\xff\xfe@contoso.com",
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(*vals); i++) {
		add(e, "proxyAddresses", vals[i]);
	}
	add(e, "mail", "");
	add(e, "msExchMailboxGuid", "");
	add(e, "msExchRecipientTypeDetails", "not a number");
	add(e, "userPrincipalName", "@");
	check(rs, e, &c, true);
	ok(true, "odd proxy addresses, empty values, bad numbers: no crash");
	ok(rows_of(&c, "proxyaddresses.multiple-primary") == 4,
	   "four primaries of which none equals mail: four rows");
	reset(&c);
	scan_entry_free(e);
	ruleset_free(rs);
}

/* The scan's recorded digest tells scans with other options apart. */
static void
test_hash_options(void)
{
	enum status st;
	const char *const dom1[] = {"contoso.com", NULL};
	const char *const dom2[] = {"fabrikam.com", "contoso.com", NULL};
	const char *const off[] = {"smtp.conflict", NULL};
	const struct ruleset_opts o1 = {.domains = dom1};
	const struct ruleset_opts o2 = {.domains = dom2};
	const struct ruleset_opts o3 = {.disable = off};
	const struct ruleset_opts none = {0};
	struct ruleset *a = ruleset_load("multi-tenant", NULL, &st);
	struct ruleset *b = ruleset_load("multi-tenant", &none, &st);
	struct ruleset *c = ruleset_load("multi-tenant", &o1, &st);
	struct ruleset *d = ruleset_load("multi-tenant", &o2, &st);
	struct ruleset *e = ruleset_load("multi-tenant", &o3, &st);
	struct ruleset *f = ruleset_load("multi-tenant", &o1, &st);
	is_str(ruleset_hash(a), ruleset_hash(b),
	       "no options: the pack's digest as before");
	ok(strcmp(ruleset_hash(a), ruleset_hash(c)) != 0 &&
		   strcmp(ruleset_hash(c), ruleset_hash(d)) != 0 &&
		   strcmp(ruleset_hash(a), ruleset_hash(e)) != 0,
	   "verified domains and rules switched off change the digest");
	is_str(ruleset_hash(c), ruleset_hash(f), "the same options: the same");
	ruleset_free(a);
	ruleset_free(b);
	ruleset_free(c);
	ruleset_free(d);
	ruleset_free(e);
	ruleset_free(f);
}

static bool
entry_kind(const char *check)
{
	static const char *const kinds[] = {
		"count",
		"unique",
		"smtp-namespace",
		"routable",
		"verified",
		"local-length",
		"domain-length",
		"multiple-primary",
		"no-primary",
		"primary-mismatch",
		"mailbox-onprem",
		"mailbox-stale",
		"mailbox-no-nickname",
		"remote-no-guid",
		"replication-conflict",
		"autodiscover-scp",
		NULL,
	};
	for (const char *const *k = kinds; *k; k++) {
		if (strcmp(*k, check) == 0) {
			return true;
		}
	}
	return false;
}

/* Both built-in packs carry the same rules beyond IdFix, all on. */
static void
test_builtin_packs(void)
{
	enum status st;
	struct ruleset *mt = ruleset_load("multi-tenant", NULL, &st);
	struct ruleset *d = ruleset_load("dedicated", NULL, &st);
	struct rule_info a[64], b[64];
	size_t na = 0, nb = 0;
	for (size_t i = 0; i < ruleset_count(mt) && na < 64; i++) {
		ruleset_info(mt, i, &a[na]);
		na += entry_kind(a[na].check);
	}
	for (size_t i = 0; i < ruleset_count(d) && nb < 64; i++) {
		ruleset_info(d, i, &b[nb]);
		nb += entry_kind(b[nb].check);
	}
	is_int(na, 26, "multi-tenant has the 26 rules beyond IdFix");
	bool same = na == nb, on = true, texts = true;
	for (size_t i = 0; same && i < na; i++) {
		same = strcmp(a[i].id, b[i].id) == 0 &&
		       strcmp(a[i].check, b[i].check) == 0 &&
		       strcmp(a[i].severity, b[i].severity) == 0 &&
		       strcmp(a[i].attribute, b[i].attribute) == 0 &&
		       strcmp(a[i].description, b[i].description) == 0 &&
		       strcmp(a[i].remediation, b[i].remediation) == 0;
		on = on && a[i].enabled;
		/* A remediation long enough to say what, why and the ways out.
		 */
		texts = texts && strlen(a[i].remediation) > 200 &&
			strstr(a[i].remediation, "Ways out") != NULL;
	}
	ok(same, "dedicated has the same ones (id, check, severity, texts)");
	ok(on, "all on by default");
	ok(texts, "every remediation names the ways out");
	bool both = false;
	for (size_t i = 0; i < na; i++) {
		if (strncmp(a[i].id, "mailbox.", 8) == 0 &&
		    strcmp(a[i].id, "mailbox.remote-no-guid") != 0 &&
		    strcmp(a[i].id, "mailbox.duplicate-archive-guid") != 0) {
			both = strstr(a[i].remediation, "In from AD") != NULL &&
			       strstr(a[i].remediation,
				      "-Clear "
				      "msExchMailboxGuid") != NULL;
			if (!both) {
				printf("# %s lacks a way out\n", a[i].id);
				break;
			}
		}
	}
	ok(both, "the mailbox GUID rules name both ways out: clearing in AD "
		 "and the \"In from AD\" rule");
	/*
	 * The group size and certificate rules only count: the values of
	 * those three are not kept.
	 */
	for (int k = 0; k < 2; k++) {
		const char *const *c = ruleset_counted_attributes(k ? d : mt);
		size_t n = 0;
		bool known = true;
		for (; c[n] != NULL; n++) {
			known = known &&
				(strcmp(c[n], "member") == 0 ||
				 strcmp(c[n], "userCertificate") == 0 ||
				 strcmp(c[n], "userSMIMECertificate") == 0);
		}
		ok(n == 3 && known,
		   k ? "dedicated only counts member and the certificates"
		     : "multi-tenant only counts member and the certificates");
	}
	ruleset_free(mt);
	ruleset_free(d);
}

int
main(void)
{
	log_set_level(LOG_LEVEL_QUIET);
	test_builtin_packs();
	test_hash_options();
	test_pack_errors();
	test_custom_entry_pack();
	test_smtp_keys();
	test_scopes_and_switches();
	test_domains();
	test_config_and_counts();
	test_hostile();
	return tap_done();
}
