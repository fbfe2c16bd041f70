/*
 * CSV import (report/import.c): the bytes are a fix list as Excel or
 * LibreOffice saved it.  It is recorded or refused with a message naming
 * the line; nothing crashes.  The store holds one scan with findings whose
 * keys the seed corpus's rows match, so matched rows reach
 * store_set_decision() too.  The database lives in memory-backed /dev/shm
 * when there is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "fuzz/fuzz.h"
#include "report/import.h"
#include "store/store.h"

static struct store *store;
static int64_t scan_id;

static void
add_finding(const char *guid, const char *dn, const char *attribute,
	    const char *value, const char *rule, const char *update)
{
	const struct store_object obj = {
		.key = guid, .dn = dn, .cn = "x", .objectclass = "user"};
	const struct finding f = {
		.dn = dn,
		.cn = "x",
		.objectclass = "user",
		.objectguid = guid,
		.attribute = attribute,
		.value = value,
		.rule = rule,
		.error = "Character",
		.update = update,
		.proposed_action = "Edit",
		.severity = FINDING_ERROR,
	};
	if (store_add_object(store, scan_id, &obj) != STATUS_OK ||
	    store_add_finding(store, scan_id, &f) != STATUS_OK) {
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(path, sizeof(path), "%s/syncready-fuzz-import-%ld.db", dir,
		 (long)getpid());
	enum status st;
	store = store_open(path, &st);
	if (store == NULL) {
		abort();
	}
	/* The file is needed only while the fuzzer runs. */
	unlink(path);
	const struct store_scan_meta meta = {
		.source_kind = "ldif",
		.source = "fuzz.ldif",
		.base = "DC=contoso,DC=com",
		.filter = "",
		.rule_pack = "multi-tenant",
		.rule_pack_hash = "0",
		.label = "",
		.tool_version = "fuzz",
	};
	if (store_scan_begin(store, &meta, &scan_id) != STATUS_OK) {
		abort();
	}
	add_finding("6f1c9a4e-0001-4a8e-9d3b-0a1b2c3d4e5f",
		    "CN=Lee\\, Mike,OU=Sales,DC=contoso,DC=com",
		    "userPrincipalName", "mike lee@contoso.com", "upn.character",
		    "mikelee@contoso.com");
	add_finding("6f1c9a4e-0002-4a8e-9d3b-0a1b2c3d4e5f",
		    "CN=Formula,OU=Sales,DC=contoso,DC=com", "displayName",
		    "=HYPERLINK(\"x\")", "displayname.character", "HYPERLINK");
	add_finding("6f1c9a4e-0003-4a8e-9d3b-0a1b2c3d4e5f",
		    "CN=Umlaut,OU=Sales,DC=contoso,DC=com", "proxyAddresses",
		    "smtp:jürgen@contoso.com", "proxyaddresses.smtp-character",
		    "smtp:jurgen@contoso.com");
	if (store_scan_complete(store, scan_id) != STATUS_OK) {
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_import_stats stats;
	(void)report_import_csv(store, scan_id, fuzz_input_path(data, size),
				&stats);
	return 0;
}
