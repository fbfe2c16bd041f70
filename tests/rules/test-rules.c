/* Unit tests of the rule engine's API. */
#include <string.h>

#include "rules/rules.h"
#include "tap.h"

struct collect {
	int n;
	char error[64];
	char update[256];
	char value[256];
	char action[32];
	char rule[64];
	char attribute[64];
};

static enum status
on_finding(void *ctx, const struct finding *f)
{
	struct collect *c = ctx;
	c->n++;
	snprintf(c->error, sizeof(c->error), "%s", f->error ? f->error : "");
	snprintf(c->update, sizeof(c->update), "%s", f->update ? f->update : "");
	snprintf(c->value, sizeof(c->value), "%s", f->value);
	snprintf(c->action, sizeof(c->action), "%s",
		 f->proposed_action ? f->proposed_action : "");
	snprintf(c->rule, sizeof(c->rule), "%s", f->rule ? f->rule : "");
	snprintf(c->attribute, sizeof(c->attribute), "%s", f->attribute);
	return STATUS_OK;
}

static enum status
on_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	return STATUS_OK;
}

static void
add(struct scan_entry *e, const char *name, const char *value)
{
	scan_entry_add(e, name, value, strlen(value));
}

static void
test_displayname_blank(void)
{
	enum status st;
	struct ruleset *rs = ruleset_load("multi-tenant", NULL, &st);
	ok(rs != NULL && st == STATUS_OK, "multi-tenant loads");
	is_str(ruleset_name(rs), "multi-tenant", "pack name");

	bool has_dn = false, has_guid = false, has_proxy = false;
	for (const char *const *a = ruleset_attributes(rs); *a; a++) {
		has_dn |= strcmp(*a, "displayName") == 0;
		has_guid |= strcmp(*a, "objectGUID") == 0;
		has_proxy |= strcmp(*a, "proxyAddresses") == 0;
	}
	ok(has_dn && has_guid && has_proxy, "attribute list");

	struct scan_entry *e = scan_entry_new("CN=Jane Doe,OU=Staff,DC=contoso,DC=com");
	add(e, "objectClass", "top");
	add(e, "objectClass", "person");
	add(e, "objectClass", "organizationalPerson");
	add(e, "objectClass", "user");
	add(e, "cn", "Jane Doe");
	add(e, "sAMAccountName", "jdoe");
	add(e, "userPrincipalName", "jdoe@contoso.com");

	struct collect c = {0};
	struct rule_sink sink = {on_finding, on_skipped, &c};
	is_int(ruleset_check(rs, e, &sink), STATUS_OK, "check runs");
	is_int(c.n, 1, "one finding");
	is_str(c.error, "Blank", "ERROR Blank");
	is_str(c.value, "", "VALUE empty");
	is_str(c.update, "Jane Doe", "UPDATE = cn");
	is_str(c.action, "Edit", "PROPOSEDACTION Edit");
	is_str(c.rule, "displayname.blank", "RULE");

	memset(&c, 0, sizeof(c));
	add(e, "displayName", "Jane Doe");
	is_int(ruleset_check(rs, e, &sink), STATUS_OK, "check runs");
	is_int(c.n, 0, "no finding with displayName");

	scan_entry_free(e);
	ruleset_free(rs);
}

int
main(void)
{
	test_displayname_blank();
	return tap_done();
}
