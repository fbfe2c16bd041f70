/*
 * The rule engine.  STEP 1 skeleton: the built-in packs are named, the
 * attribute list is complete, and one real rule (displayName Blank) runs;
 * the XML packs replace the hard-coded rule.
 */
#define LOG_MODULE "rules"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "rules/rules.h"

struct ruleset {
	char *name;
	char *hash;
	struct rule_info info[1];
	size_t ninfo;
};

/*
 * The union of IdFix's MT and D request lists (idfix.md §2.4) plus what
 * the exclusions and the object key need.
 */
static const char *const attributes[] = {
	"cn", "displayName", "distinguishedName", "givenName", "groupType",
	"homeMdb", "isCriticalSystemObject", "mail", "mailNickname",
	"msExchHideFromAddressLists", "msExchRecipientTypeDetails",
	"objectClass", "proxyAddresses", "sAMAccountName", "sn",
	"targetAddress", "userPrincipalName", "objectGUID", "objectCategory",
	"objectSid", "userAccountControl", NULL,
};

struct ruleset *
ruleset_load(const char *pack, const struct ruleset_opts *opts,
	     enum status *st)
{
	if (strcmp(pack, "multi-tenant") != 0 &&
	    strcmp(pack, "dedicated") != 0) {
		LOG_ERR("%s: rule pack files are not supported yet", pack);
		*st = STATUS_ERR_CONFIG;
		return NULL;
	}
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	rs->name = xstrdup(pack);
	rs->hash = xstrdup("0");
	rs->info[0] = (struct rule_info){
		.id = "displayname.blank",
		.attribute = "displayName",
		.check = "blank",
		.severity = "error",
		.description = "displayName is missing",
		.remediation = "Set displayName; the proposal is the cn.",
		.enabled = true,
	};
	rs->ninfo = 1;
	*st = STATUS_OK;
	return rs;
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL) {
		return;
	}
	free(rs->name);
	free(rs->hash);
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
	return attributes;
}

enum status
ruleset_check(const struct ruleset *rs, const struct scan_entry *e,
	      const struct rule_sink *sink)
{
	const char *cls = scan_entry_class(e);
	const char *cn = scan_entry_first(e, "cn");
	if (cn == NULL) {
		cn = "";
	}
	/* MT: displayName absent on any object type; D: groups only. */
	if (scan_entry_attr(e, "displayName") != NULL) {
		return STATUS_OK;
	}
	if (strcmp(rs->name, "dedicated") == 0 && strcasecmp(cls, "group") != 0) {
		return STATUS_OK;
	}
	struct finding f = {
		.dn = e->dn,
		.cn = cn,
		.objectclass = cls,
		.objectguid = scan_entry_key(e),
		.attribute = "displayName",
		.value = "",
		.rule = "displayname.blank",
		.error = "Blank",
		.update = cn,
		.proposed_action = "Edit",
		.severity = FINDING_ERROR,
	};
	return sink->finding(sink->ctx, &f);
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
