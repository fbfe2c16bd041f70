/*
 * Rule pack loading: the bytes are a consultant's rule pack (XML, PCRE2
 * patterns, limits).  It loads or is refused with a message; it never
 * crashes, never reads a file or the network, never expands an entity.
 * A pack that loads lists its rules and checks one entry.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"

static struct scan_entry *sample;

static enum status
on_finding(void *ctx, const struct finding *f)
{
	return STATUS_OK;
}

static enum status
on_skipped(void *ctx, const struct scan_entry *e, const char *reason)
{
	return STATUS_OK;
}

static void
add(const char *name, const char *value)
{
	scan_entry_add(sample, name, value, strlen(value));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sample = scan_entry_new("CN=Fuzz\\, Sample,OU=Users,DC=contoso,DC=com");
	add("objectClass", "top");
	add("objectClass", "user");
	add("cn", "Fuzz, Sample");
	add("sAMAccountName", "fuzz.sample");
	add("displayName", " Fuzz Sample ");
	add("userPrincipalName", "fuzz sample@contoso.local");
	add("mail", "fuzz@contoso.com");
	add("mailNickname", ".fuzz");
	add("proxyAddresses", "SMTP:fuzz@contoso.com");
	add("proxyAddresses", "smtp:fuzz@contoso");
	add("proxyAddresses", "X500:/o=Contoso/ou=[x]");
	add("targetAddress", "SMTP:fuzz@contoso.mail.onmicrosoft.com");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_path(data, size);
	const struct ruleset_opts opts = {0};
	enum status st;
	struct ruleset *rs = ruleset_load(path, &opts, &st);
	if (rs == NULL) {
		return 0;
	}
	(void)ruleset_name(rs);
	(void)ruleset_hash(rs);
	for (const char *const *a = ruleset_attributes(rs); *a != NULL; a++) {
		(void)strlen(*a);
	}
	for (size_t i = 0; i < ruleset_count(rs); i++) {
		struct rule_info info;
		ruleset_info(rs, i, &info);
	}
	const struct rule_sink sink = {
		.finding = on_finding,
		.skipped = on_skipped,
	};
	(void)ruleset_check(rs, sample, &sink);
	ruleset_free(rs);
	return 0;
}
