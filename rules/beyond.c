/*
 * The rules beyond IdFix (SPEC §4.2): entry rules that read a whole entry
 * and give their own rows outside IdFix's chains, which objects Entra
 * Connect's default rules would not sync (entra.md §1.6), and the summary
 * counters.  Like the chains they are pure: what needs the whole
 * directory (an SMTP address, a mailbox GUID or a source anchor held by
 * two objects) is a dup_key the store resolves after the scan.
 */
#define LOG_MODULE "rules"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "rules/pack.h"
#include "rules/text.h"

/* entra.md §1.4: Connect does not sync these recipient types. */
#define RTD_SYSTEM_MASK 0x21C07000LL
#define RTD_ROLE_GROUP 0x40000000LL

/* The Autodiscover SCP keyword (the seed article, SPEC §4.2). */
#define AUTODISCOVER_KEYWORD "77378F46-2C66-4aa9-A6A6-3E7A48B19596"

/* msExchRecipientTypeDetails of the Remote* mailboxes (entra.md §1.4). */
static const long long remote_types[] = {
	2147483648LL,   /* RemoteUserMailbox */
	8589934592LL,   /* RemoteRoomMailbox */
	17179869184LL,  /* RemoteEquipmentMailbox */
	34359738368LL,  /* RemoteSharedMailbox */
	274877906944LL, /* RemoteTeamMailbox */
};

/* Shared, room and equipment mailboxes: disabled accounts by design. */
static const long long resource_types[] = {
	4LL, 16LL, 32LL, 8589934592LL, 17179869184LL, 34359738368LL,
};

/*
 * Last labels that are never routable on the Internet: RFC 2606, 6761,
 * 6762, 7686 and the names ICANN will not delegate (.corp, .home, .mail).
 */
static const char *const reserved_tlds[] = {
	"local",   "localhost", "localdomain", "internal", "intranet", "lan",
	"home",    "corp",      "mail",        "private",  "priv",     "test",
	"example", "invalid",   "onion",       "localnet", NULL,
};

static const struct scan_attr *
vals(struct entry_view *v, const char *name)
{
	const struct scan_attr *a = entry_view_attr(v, name);
	return a != NULL && a->nvals > 0 ? a : NULL;
}

static bool
has_value(struct entry_view *v, const char *name)
{
	const struct scan_attr *a = vals(v, name);
	return a != NULL && a->vals[0].len > 0;
}

static bool
is_true(struct entry_view *v, const char *name)
{
	const char *t = entry_view_first(v, name);
	return t != NULL && strcasecmp(t, "TRUE") == 0;
}

/* The first value as a decimal 64-bit integer, as AD sends numbers. */
static bool
number(struct entry_view *v, const char *name, long long *out)
{
	const char *t = entry_view_first(v, name);
	if (t == NULL || t[0] == '\0') {
		return false;
	}
	errno = 0;
	char *end;
	long long n = strtoll(t, &end, 10);
	if (errno != 0 || *end != '\0') {
		return false;
	}
	*out = n;
	return true;
}

static bool
number_in(struct entry_view *v, const char *name, const long long *set,
	  size_t n)
{
	long long num;
	if (!number(v, name, &num)) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (num == set[i]) {
			return true;
		}
	}
	return false;
}

static bool
starts_ci(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static bool
is_conflict_dn(const char *dn)
{
	return text_strcasestr(dn, "\\0ACNF:") != NULL ||
	       text_strcasestr(dn, "\nCNF:") != NULL;
}

static bool
is_user(struct entry_view *v)
{
	return entry_view_has_class(v, "user") &&
	       !entry_view_has_class(v, "computer");
}

/*
 * Connect's test for a mail-enabled contact or group (entra.md §1.6, the
 * default rules' expression): an SMTP: proxy address with an @, or a
 * mail with an @.
 */
static bool
mail_enabled(struct entry_view *v)
{
	const struct scan_attr *p = vals(v, "proxyAddresses");
	for (size_t i = 0; p != NULL && i < p->nvals; i++) {
		if (starts_ci(p->vals[i].data, "smtp:") &&
		    strchr(p->vals[i].data, '@') != NULL) {
			return true;
		}
	}
	const char *mail = entry_view_first(v, "mail");
	return mail != NULL && strchr(mail, '@') != NULL;
}

bool
beyond_is_config(struct entry_view *v)
{
	return entry_view_has_class(v, "serviceConnectionPoint");
}

const char *
beyond_unsynced_reason(struct entry_view *v)
{
	if (is_conflict_dn(v->e->dn)) {
		return "replication conflict object";
	}
	if (is_true(v, "isCriticalSystemObject")) {
		return "critical system object";
	}
	long long rtd = 0;
	bool has_rtd = number(v, "msExchRecipientTypeDetails", &rtd);
	if (has_rtd && (rtd & RTD_SYSTEM_MASK) != 0) {
		return "Exchange system object (msExchRecipientTypeDetails)";
	}
	if (is_user(v)) {
		const char *sam = entry_view_first(v, "sAMAccountName");
		const char *nick = entry_view_first(v, "mailNickname");
		if (sam == NULL || sam[0] == '\0') {
			return "user without sAMAccountName";
		}
		if (starts_ci(sam, "AAD_") || starts_ci(sam, "MSOL_")) {
			return "directory synchronization account (AAD_, MSOL_)";
		}
		if (strcasecmp(sam, "SUPPORT_388945a0") == 0 ||
		    (starts_ci(sam, "CAS_") && strchr(sam, '}') != NULL) ||
		    starts_ci(nick, "SystemMailbox{")) {
			return "Exchange system account";
		}
		return NULL;
	}
	if (entry_view_has_class(v, "contact")) {
		const char *dname = entry_view_first(v, "displayName");
		if (dname != NULL && strstr(dname, "(MSOL)") != NULL &&
		    is_true(v, "msExchHideFromAddressLists")) {
			return "directory synchronization contact";
		}
		return mail_enabled(v) ? NULL
				       : "contact that is not mail-enabled";
	}
	if (entry_view_has_class(v, "group")) {
		if (has_rtd && (rtd & RTD_ROLE_GROUP) != 0) {
			return "Exchange role group";
		}
		long long gt;
		if (number(v, "groupType", &gt) && gt >= 0 &&
		    !mail_enabled(v)) {
			return "distribution group that is not mail-enabled";
		}
	}
	return NULL;
}

static bool
is_remote_mailbox(struct entry_view *v)
{
	if (number_in(v, "msExchRecipientTypeDetails", remote_types,
		      sizeof(remote_types) / sizeof(*remote_types))) {
		return true;
	}
	/* Set at all (ProvisionMailbox 1, Migrated 4, …): a remote mailbox. */
	long long rrt;
	return number(v, "msExchRemoteRecipientType", &rrt) && rrt != 0;
}

static enum status
count(const struct entry_ctx *x, const char *name)
{
	return x->sink->count != NULL ? x->sink->count(x->sink->ctx, name)
				      : STATUS_OK;
}

enum status
beyond_count(const struct entry_ctx *x, const char *unsynced)
{
	struct entry_view *v = x->v;
	enum status st = STATUS_OK;
	if (unsynced != NULL) {
		char *name = xasprintf(RULES_COUNT_UNSYNCED "%s", unsynced);
		st = count(x, name);
		free(name);
	}
	if (st == STATUS_OK && has_value(v, "mS-DS-ConsistencyGuid")) {
		st = count(x, RULES_COUNT_CONSISTENCY_GUID);
	}
	long long uac;
	if (st == STATUS_OK && is_user(v) &&
	    number(v, "userAccountControl", &uac) && (uac & 2) != 0 &&
	    (has_value(v, "homeMDB") || has_value(v, "msExchMailboxGuid")) &&
	    !number_in(v, "msExchRecipientTypeDetails", resource_types,
		       sizeof(resource_types) / sizeof(*resource_types))) {
		st = count(x, RULES_COUNT_DISABLED_MAILBOX);
	}
	return st;
}

/* ---- rows ----------------------------------------------------------- */

static enum status
row(const struct entry_ctx *x, const struct rule *r, const char *attribute,
    const char *value, const char *update, const char *action)
{
	struct finding f = {
		.dn = x->e->dn,
		.cn = x->cn,
		.objectclass = x->cls,
		.objectguid = x->key,
		.attribute = attribute,
		.value = value,
		.rule = r->id,
		.error = r->error,
		.update = update,
		.proposed_action = action,
		.severity = r->severity,
	};
	return x->sink->finding(x->sink->ctx, &f);
}

/* A row that only holds when another object has the same dup_key. */
static enum status
candidate(const struct entry_ctx *x, const struct rule *r,
	  const char *attribute, const char *value, const char *key)
{
	struct finding f = {
		.dn = x->e->dn,
		.cn = x->cn,
		.objectclass = x->cls,
		.objectguid = x->key,
		.attribute = attribute,
		.value = value,
		.severity = r->severity,
		.dup_key = key,
		.dup_rule = r->id,
		.dup_error = r->error,
		.dup_update = "",
		.dup_action = "Complete",
		.dup_severity = r->severity,
	};
	return x->sink->finding(x->sink->ctx, &f);
}

/* ---- addresses ------------------------------------------------------ */

/* Attributes whose values carry a "type:" prefix. */
static bool
prefixed(const char *attribute)
{
	return strcasecmp(attribute, "proxyAddresses") == 0 ||
	       strcasecmp(attribute, "targetAddress") == 0;
}

/*
 * The address in value (valid UTF-8) of attribute: after "smtp:" for a
 * prefixed attribute (NULL for other types), the whole value otherwise;
 * NULL when it has no '@'.  *prefix_len is the prefix's length.
 */
static const char *
address_of(const char *attribute, const char *value, size_t *prefix_len)
{
	*prefix_len = 0;
	if (prefixed(attribute)) {
		if (!starts_ci(value, "smtp:")) {
			return NULL;
		}
		*prefix_len = 5;
		value += 5;
	}
	return strchr(value, '@') != NULL ? value : NULL;
}

/* Letters, digits, '.', '-' and non-ASCII (IDN) only, not empty. */
static bool
plausible_domain(const char *d)
{
	if (d[0] == '\0') {
		return false;
	}
	for (const unsigned char *c = (const unsigned char *)d; *c; c++) {
		if (*c < 0x80 &&
		    !((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-')) {
			return false;
		}
	}
	return true;
}

static bool
non_routable(const struct ruleset *rs, const char *domain)
{
	const char *dot = strrchr(domain, '.');
	if (dot == NULL || dot[1] == '\0' || domain[0] == '.') {
		return true; /* single label, or an empty one */
	}
	const char *tld = dot + 1;
	for (const char *const *r = reserved_tlds; *r; r++) {
		/* The first letter rules out most: this runs per address. */
		if ((*r)[0] == tld[0] && strcmp(tld, *r) == 0) {
			return true;
		}
	}
	size_t len = strlen(domain);
	if (len >= 9 && strcmp(domain + len - 9, "home.arpa") == 0) {
		return true;
	}
	return !tld_set_has(rs->tlds, tld);
}

static bool
verified(const struct ruleset *rs, const char *domain)
{
	size_t len = strlen(domain);
	/* Microsoft's own routing domains, *.mail.onmicrosoft.com too. */
	if (strcmp(domain, "onmicrosoft.com") == 0 ||
	    (len > 16 && strcmp(domain + len - 16, ".onmicrosoft.com") == 0)) {
		return true;
	}
	for (char **d = rs->domains; d != NULL && *d != NULL; d++) {
		if (strcmp(domain, *d) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * UPN: the local part on the first verified domain (an Edit); other
 * attributes: no proposal.
 */
static char *
suffix_proposal(const struct ruleset *rs, const char *attribute,
		const char *addr, const char *at, const char **action)
{
	if (strcasecmp(attribute, "userPrincipalName") == 0 &&
	    rs->domains != NULL && rs->domains[0] != NULL) {
		*action = "Edit";
		return xasprintf("%.*s@%s", (int)(at - addr), addr,
				 rs->domains[0]);
	}
	*action = "Complete";
	return xstrdup("");
}

/* routable, verified, local-length and domain-length, value by value. */
static enum status
check_addresses(const struct entry_ctx *x, const struct rule *r)
{
	const struct scan_attr *a = vals(x->v, r->attribute);
	enum status st = STATUS_OK;
	if (r->kind == CHECK_VERIFIED && x->rs->domains == NULL) {
		return STATUS_OK; /* no --domain: nothing is known verified */
	}
	for (size_t i = 0; a != NULL && i < a->nvals && st == STATUS_OK; i++) {
		const struct scan_value *v = &a->vals[i];
		if (!text_utf8_valid(v->data, v->len)) {
			continue; /* IdFix's rules report the encoding */
		}
		size_t plen;
		const char *addr = address_of(r->attribute, v->data, &plen);
		if (addr == NULL) {
			continue;
		}
		const char *at = strrchr(addr, '@');
		if (!plausible_domain(at + 1)) {
			continue; /* IdFix's format rules report it */
		}
		char domain_buf[256];
		char *domain =
			text_fold_buf(at + 1, domain_buf, sizeof(domain_buf));
		char *update = NULL;
		const char *action = "Complete";
		bool failed = false;
		switch (r->kind) {
		case CHECK_ROUTABLE:
			if (non_routable(x->rs, domain)) {
				failed = true;
				update = suffix_proposal(x->rs, r->attribute,
							 addr, at, &action);
			}
			break;
		case CHECK_VERIFIED:
			/* A non-routable one is the routable rule's row. */
			if (!non_routable(x->rs, domain) &&
			    !verified(x->rs, domain)) {
				failed = true;
				update = suffix_proposal(x->rs, r->attribute,
							 addr, at, &action);
			}
			break;
		case CHECK_LOCAL_LENGTH: {
			char *local = xstrndup(addr, (size_t)(at - addr));
			if (text_utf16_len(local) > r->limit) {
				failed = true;
				action = "Edit";
				update = xasprintf(
					"%.*s%.*s%s", (int)plen, v->data,
					(int)text_utf16_prefix(local, r->limit),
					local, at);
			}
			free(local);
			break;
		}
		case CHECK_DOMAIN_LENGTH:
			if (text_utf16_len(at + 1) > r->limit) {
				failed = true;
				update = xstrdup("");
			}
			break;
		default:
			break;
		}
		if (failed) {
			st = row(x, r, r->attribute, v->data, update, action);
		}
		free(update);
		if (domain != domain_buf) {
			free(domain);
		}
	}
	return st;
}

/* ---- duplicates across objects -------------------------------------- */

struct held {
	char *key; /* dup_key */
	const char *attribute;
	const char *value;
	int order; /* which attribute names the row when one object holds a
		      key in several */
	bool own;  /* key was allocated, not taken from the list's bytes */
};

/*
 * The keys of one object and one rule: on the stack for all but an
 * object of very many or very long addresses, since every synced object
 * has a few.
 */
#define HELD_LOCAL 16
#define HELD_BYTES 2048

struct held_list {
	struct held *h;
	size_t n, cap;
	struct held local[HELD_LOCAL];
	char bytes[HELD_BYTES];
	size_t used;
};

static void
held_init(struct held_list *l)
{
	l->h = l->local;
	l->n = 0;
	l->cap = HELD_LOCAL;
	l->used = 0;
}

static int
cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c != 0) {
		return c;
	}
	if (x->order != y->order) {
		return x->order - y->order;
	}
	return strcmp(x->value, y->value);
}

static void
held_add(struct held_list *l, const char *ns, const char *attribute,
	 const char *value, const char *addr, size_t al, int order)
{
	char *room = l->bytes + l->used;
	char *key = text_fold_key_buf(ns, addr, al, room,
				      sizeof(l->bytes) - l->used);
	if (key == room) {
		l->used += strlen(key) + 1;
	}
	if (l->n == l->cap) {
		bool local = l->h == l->local;
		struct held *h = xreallocarray(local ? NULL : l->h, l->cap * 2,
					       sizeof(*h));
		if (local) {
			memcpy(h, l->local, sizeof(l->local));
		}
		l->h = h;
		l->cap *= 2;
	}
	l->h[l->n++] = (struct held){
		.key = key,
		.attribute = attribute,
		.value = value,
		.order = order,
		.own = key != room,
	};
}

/*
 * One candidate per distinct key of this object: the store flags a key
 * held by more than one candidate row, so an object holding the same
 * address in mail and in its own SMTP: proxy must hand it over once,
 * and then only other objects make it a conflict.  The row names the
 * attribute that comes first in the rule's order, with its value (the
 * smallest value for a tie, so the row does not depend on value order).
 */
static enum status
emit_held(const struct entry_ctx *x, const struct rule *r, struct held_list *l)
{
	struct held *h = l->h;
	size_t n = l->n;
	/* qsort() must not see NULL, even for no element (C17 7.22.5). */
	if (n > 0) {
		qsort(h, n, sizeof(*h), cmp_held);
	}
	enum status st = STATUS_OK;
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		if (i > 0 && strcmp(h[i].key, h[i - 1].key) == 0) {
			continue;
		}
		st = candidate(x, r, h[i].attribute, h[i].value, h[i].key);
	}
	for (size_t i = 0; i < n; i++) {
		if (h[i].own) {
			free(h[i].key);
		}
	}
	if (h != l->local) {
		free(h);
	}
	return st;
}

/* The attributes of the SMTP namespace, in the order rows name them. */
static const char *const smtp_attrs[] = {
	"mail",
	"proxyAddresses",
	"targetAddress",
	"userPrincipalName",
};

static enum status
check_smtp_namespace(const struct entry_ctx *x, const struct rule *r)
{
	struct held_list h;
	held_init(&h);
	for (int k = 0; k < 4; k++) {
		const struct scan_attr *a = vals(x->v, smtp_attrs[k]);
		for (size_t i = 0; a != NULL && i < a->nvals; i++) {
			const struct scan_value *v = &a->vals[i];
			size_t plen;
			const char *addr;
			if (!text_utf8_valid(v->data, v->len) ||
			    (addr = address_of(smtp_attrs[k], v->data,
					       &plen)) == NULL) {
				continue;
			}
			size_t off, tl = text_trim_span(addr, &off);
			const char *t = addr + off;
			if (tl > 0 && t[0] != '@' && t[tl - 1] != '@') {
				held_add(&h, "smtp", smtp_attrs[k], v->data, t,
					 tl, k);
			}
		}
	}
	return emit_held(x, r, &h);
}

static enum status
check_unique(const struct entry_ctx *x, const struct rule *r)
{
	const struct scan_attr *a = vals(x->v, r->attribute);
	struct held_list h;
	held_init(&h);
	for (size_t i = 0; a != NULL && i < a->nvals; i++) {
		const struct scan_value *v = &a->vals[i];
		if (v->len == 0 || !text_utf8_valid(v->data, v->len)) {
			continue;
		}
		held_add(&h, r->ns, r->attribute, v->data, v->data, v->len, 0);
	}
	return emit_held(x, r, &h);
}

/* ---- proxyAddresses ------------------------------------------------- */

static bool
is_primary(const struct scan_value *v)
{
	return strncmp(v->data, "SMTP:", 5) == 0;
}

/* The address after a prefix equals mail, as Exchange compares. */
static bool
same_address(const char *a, const char *mail)
{
	if (mail == NULL || !text_utf8_valid(a, strlen(a)) ||
	    !text_utf8_valid(mail, strlen(mail))) {
		return false;
	}
	return text_fold_equal(a, mail);
}

static enum status
check_primary(const struct entry_ctx *x, const struct rule *r)
{
	const struct scan_attr *p = vals(x->v, "proxyAddresses");
	const char *mail = entry_view_first(x->v, "mail");
	if (mail != NULL && mail[0] == '\0') {
		mail = NULL;
	}
	size_t nprimary = 0, ngood = 0;
	const struct scan_value *primary = NULL;
	for (size_t i = 0; p != NULL && i < p->nvals; i++) {
		if (is_primary(&p->vals[i])) {
			nprimary++;
			primary = &p->vals[i];
			ngood += same_address(p->vals[i].data + 5, mail);
		}
	}
	enum status st = STATUS_OK;
	switch (r->kind) {
	case CHECK_MULTIPLE_PRIMARY:
		if (nprimary < 2) {
			break;
		}
		/*
		 * The one that matches mail stays primary; the others become
		 * secondary (Edit).  Without exactly one match nothing says
		 * which should stay: every primary is a row to decide.
		 */
		for (size_t i = 0; i < p->nvals && st == STATUS_OK; i++) {
			const struct scan_value *v = &p->vals[i];
			if (!is_primary(v)) {
				continue;
			}
			bool keep =
				ngood == 1 && same_address(v->data + 5, mail);
			if (keep) {
				continue;
			}
			char *update = xasprintf("smtp:%s", v->data + 5);
			st = row(x, r, "proxyAddresses", v->data, update,
				 ngood == 1 ? "Edit" : "Complete");
			free(update);
		}
		break;
	case CHECK_NO_PRIMARY: {
		/*
		 * Mail-enabled as Exchange makes recipients: with proxy
		 * addresses.  mail or mailNickname alone do not count:
		 * without proxy addresses Exchange Online builds them from
		 * mail and the UPN, which is the right result.
		 */
		if (nprimary > 0 || p == NULL) {
			break;
		}
		/* A secondary equal to mail is the one to promote. */
		for (size_t i = 0; p != NULL && i < p->nvals; i++) {
			const struct scan_value *v = &p->vals[i];
			if (starts_ci(v->data, "smtp:") &&
			    same_address(v->data + 5, mail)) {
				char *update =
					xasprintf("SMTP:%s", v->data + 5);
				st = row(x, r, "proxyAddresses", v->data,
					 update, "Edit");
				free(update);
				return st;
			}
		}
		char *update =
			mail != NULL ? xasprintf("SMTP:%s", mail) : xstrdup("");
		st = row(x, r, "proxyAddresses", "", update, "Complete");
		free(update);
		break;
	}
	case CHECK_PRIMARY_MISMATCH:
		if (nprimary == 1 && mail != NULL &&
		    !same_address(primary->data + 5, mail)) {
			char *update = xasprintf("SMTP:%s", mail);
			st = row(x, r, "proxyAddresses", primary->data, update,
				 "Complete");
			free(update);
		}
		break;
	default:
		break;
	}
	return st;
}

/* ---- counts ----------------------------------------------------------- */

static bool
scope_holds(const struct entry_ctx *x, const struct rule *r,
	    const char *skipped, const char *unsynced)
{
	switch (r->scope) {
	case SCOPE_SYNCED:
		return unsynced == NULL;
	case SCOPE_SCANNED:
		return skipped == NULL;
	case SCOPE_ALL:
		return true;
	}
	(void)x;
	return false;
}

static bool
applies(const struct entry_ctx *x, const struct rule *r, const char *skipped,
	const char *unsynced)
{
	if (!r->enabled || !scope_holds(x, r, skipped, unsynced)) {
		return false;
	}
	const struct rule_cond *c = &r->cond;
	if (!pack_class_holds(c, x->pack_cls)) {
		return false;
	}
	if (c->if_attr != NULL && !has_value(x->v, c->if_attr)) {
		return false;
	}
	return c->unless_attr == NULL || !has_value(x->v, c->unless_attr);
}

/*
 * Count rules of one attribute are thresholds: a group past 250,000 is
 * the error's row only, not also the 50,000 warning's.
 */
static bool
higher_count_fails(const struct entry_ctx *x, const struct rule *r, size_t n,
		   const char *skipped, const char *unsynced)
{
	for (size_t i = 0; i < x->rs->nentry_rules; i++) {
		const struct rule *o = &x->rs->entry_rules[i];
		if (o != r && o->kind == CHECK_COUNT &&
		    strcasecmp(o->attribute, r->attribute) == 0 &&
		    o->limit > r->limit && n > o->limit &&
		    applies(x, o, skipped, unsynced)) {
			return true;
		}
	}
	return false;
}

static enum status
check_count(const struct entry_ctx *x, const struct rule *r,
	    const char *skipped, const char *unsynced)
{
	/* Counted values have only a number (ruleset_counted_attributes()). */
	const struct scan_attr *a = entry_view_attr(x->v, r->attribute);
	size_t n = a != NULL ? a->nvals + a->counted : 0;
	if (n <= r->limit || higher_count_fails(x, r, n, skipped, unsynced)) {
		return STATUS_OK;
	}
	char *value = xasprintf("%zu values", n);
	enum status st = row(x, r, r->attribute, value, "", "Complete");
	free(value);
	return st;
}

/* ---- Exchange --------------------------------------------------------- */

static enum status
check_mailbox(const struct entry_ctx *x, const struct rule *r)
{
	struct entry_view *v = x->v;
	bool guid = has_value(v, "msExchMailboxGuid");
	const char *value =
		guid ? entry_view_first(v, "msExchMailboxGuid") : "";
	bool failed = false;
	switch (r->kind) {
	case CHECK_MAILBOX_ONPREM:
		failed = guid && has_value(v, "homeMDB");
		break;
	case CHECK_MAILBOX_STALE:
		failed = guid && !has_value(v, "homeMDB") &&
			 !is_remote_mailbox(v);
		break;
	case CHECK_MAILBOX_NO_NICKNAME:
		failed = guid && !has_value(v, "mailNickname");
		break;
	case CHECK_REMOTE_NO_GUID:
		failed = !guid && is_remote_mailbox(v);
		break;
	default:
		break;
	}
	/*
	 * Never an LDIF change: AD holds the GUID as 16 bytes, the row shows
	 * its text form, and the remediation names both ways out.
	 */
	return failed ? row(x, r, r->attribute, value, "", "Complete")
		      : STATUS_OK;
}

static enum status
check_scp(const struct entry_ctx *x, const struct rule *r)
{
	const struct scan_attr *k = vals(x->v, "keywords");
	bool autodiscover = false;
	for (size_t i = 0; k != NULL && i < k->nvals; i++) {
		autodiscover |=
			strcasecmp(k->vals[i].data, AUTODISCOVER_KEYWORD) == 0;
	}
	if (!beyond_is_config(x->v) || !autodiscover) {
		return STATUS_OK;
	}
	const struct scan_attr *b = vals(x->v, "serviceBindingInformation");
	if (b == NULL) {
		return row(x, r, r->attribute, "", "", "Complete");
	}
	enum status st = STATUS_OK;
	for (size_t i = 0; i < b->nvals && st == STATUS_OK; i++) {
		st = row(x, r, r->attribute, b->vals[i].data, "", "Complete");
	}
	return st;
}

enum status
beyond_check(const struct entry_ctx *x, const char *skipped,
	     const char *unsynced)
{
	enum status st = STATUS_OK;
	for (size_t i = 0; i < x->rs->nentry_rules && st == STATUS_OK; i++) {
		const struct rule *r = &x->rs->entry_rules[i];
		if (!applies(x, r, skipped, unsynced)) {
			continue;
		}
		switch (r->kind) {
		case CHECK_COUNT:
			st = check_count(x, r, skipped, unsynced);
			break;
		case CHECK_UNIQUE:
			st = check_unique(x, r);
			break;
		case CHECK_SMTP_NAMESPACE:
			st = check_smtp_namespace(x, r);
			break;
		case CHECK_ROUTABLE:
		case CHECK_VERIFIED:
		case CHECK_LOCAL_LENGTH:
		case CHECK_DOMAIN_LENGTH:
			st = check_addresses(x, r);
			break;
		case CHECK_MULTIPLE_PRIMARY:
		case CHECK_NO_PRIMARY:
		case CHECK_PRIMARY_MISMATCH:
			st = check_primary(x, r);
			break;
		case CHECK_MAILBOX_ONPREM:
		case CHECK_MAILBOX_STALE:
		case CHECK_MAILBOX_NO_NICKNAME:
		case CHECK_REMOTE_NO_GUID:
			st = check_mailbox(x, r);
			break;
		case CHECK_REPLICATION_CONFLICT:
			if (is_conflict_dn(x->e->dn)) {
				st = row(x, r, "distinguishedName", x->e->dn,
					 "", "Complete");
			}
			break;
		case CHECK_AUTODISCOVER_SCP:
			st = check_scp(x, r);
			break;
		default:
			break; /* chain kinds never get here (pack.c) */
		}
	}
	return st;
}
