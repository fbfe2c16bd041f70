/*
 * The RFC 2822 checker (rules/rules.c check_rfc2822(), static, so reached
 * through the rule engine): the bytes are an address, given as the
 * userPrincipalName, mail, an smtp: proxy address and an SMTP:
 * targetAddress of one user, and checked by both built-in packs with a
 * verified domain, so every rfc2822 rule, its proposal and the domain
 * rules see them.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"

static struct ruleset *packs[2];

static enum status
on_finding(void *ctx, const struct finding *f)
{
	size_t *n = ctx;
	*n += strlen(f->value);
	*n += f->update != NULL ? strlen(f->update) : 0;
	*n += f->error != NULL ? strlen(f->error) : 0;
	return STATUS_OK;
}

static enum status
on_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	return STATUS_OK;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[] = {"multi-tenant", "dedicated"};
	static const char *const domains[] = {"contoso.com", NULL};
	const struct ruleset_opts opts = {.domains = domains};
	for (size_t i = 0; i < 2; i++) {
		enum status st;
		packs[i] = ruleset_load(names[i], &opts, &st);
		if (packs[i] == NULL) {
			abort();
		}
	}
	return 0;
}

static void
add_prefixed(struct scan_entry *e, const char *name, const char *prefix,
	     const uint8_t *data, size_t size)
{
	size_t plen = strlen(prefix);
	char *v = xmalloc(plen + size + 1);
	memcpy(v, prefix, plen);
	memcpy(v + plen, data, size);
	v[plen + size] = '\0';
	scan_entry_add(e, name, v, plen + size);
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_entry *e = scan_entry_new("CN=Fuzz,DC=contoso,DC=com");
	scan_entry_add(e, "objectClass", "user", 4);
	scan_entry_add(e, "cn", "Fuzz", 4);
	scan_entry_add(e, "mailNickname", "fuzz", 4);
	add_prefixed(e, "userPrincipalName", "", data, size);
	add_prefixed(e, "mail", "", data, size);
	add_prefixed(e, "proxyAddresses", "smtp:", data, size);
	add_prefixed(e, "proxyAddresses", "SMTP:", data, size);
	add_prefixed(e, "targetAddress", "SMTP:", data, size);
	size_t n = 0;
	const struct rule_sink sink = {
		.finding = on_finding,
		.skipped = on_skipped,
		.ctx = &n,
	};
	for (size_t i = 0; i < 2; i++) {
		(void)ruleset_check(packs[i], e, &sink);
	}
	scan_entry_free(e);
	return 0;
}
