/*
 * LDIF input -> entry -> rules: the bytes are an LDIF export, read with the
 * scanner's LDIF source (libldap's reader) and every entry it yields is
 * checked by both built-in rule packs.  Nothing may crash, leak or hang,
 * whatever the file holds.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"
#include "scanner/source.h"

static struct ruleset *packs[2];

static enum status
on_finding(void *ctx, const struct finding *f)
{
	/* Touch every string the store would read. */
	size_t *n = ctx;
	*n += strlen(f->dn) + strlen(f->value) + strlen(f->attribute);
	*n += f->update != NULL ? strlen(f->update) : 0;
	*n += f->dup_key != NULL ? strlen(f->dup_key) : 0;
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
	const struct ruleset_opts opts = {0};
	for (size_t i = 0; i < 2; i++) {
		enum status st;
		packs[i] = ruleset_load(names[i], &opts, &st);
		if (packs[i] == NULL) {
			abort();
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_path(data, size);
	enum status st;
	struct scan_source *src = scan_source_ldif_new(
		path, ruleset_attributes(packs[0]),
		ruleset_counted_attributes(packs[0]), NULL, &st);
	if (src == NULL) {
		return 0;
	}
	size_t n = 0;
	const struct rule_sink sink = {
		.finding = on_finding,
		.skipped = on_skipped,
		.ctx = &n,
	};
	for (;;) {
		struct scan_entry *e = NULL;
		if (scan_source_next(src, &e) != STATUS_OK || e == NULL) {
			break;
		}
		(void)scan_entry_key(e);
		(void)scan_entry_class(e);
		for (size_t i = 0; i < 2; i++) {
			(void)ruleset_check(packs[i], e, &sink);
		}
		scan_entry_free(e);
	}
	scan_source_free(src);
	return 0;
}
