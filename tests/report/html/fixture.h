/*
 * A throwaway store with one complete scan, for the report tests.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *store;
	int64_t scan_id;
};

static inline int
fixture_open(struct fixture *fx)
{
	enum status st;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/syncready-report-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/test.db", fx->dir);
	fx->store = store_open(fx->path, &st);
	if (fx->store == NULL) {
		return -1;
	}
	struct store_scan_meta meta = {
		.source_kind = "ldif",
		.source = "fixtures/<b>hostile</b>.ldif",
		.base = "DC=example,DC=com",
		.rule_pack = "multi-tenant",
		.rule_pack_hash = "0123abcd",
		.label = "test <script>alert(1)</script>",
		.tool_version = "0.1.0",
	};
	if (store_scan_begin(fx->store, &meta, &fx->scan_id) != STATUS_OK) {
		return -1;
	}
	return 0;
}

/* A finding with the common fields filled from the arguments. */
static inline int
fixture_add(struct fixture *fx, const char *dn, const char *attribute,
	    const char *value, const char *rule, const char *error,
	    const char *update, const char *proposed,
	    enum finding_severity sev)
{
	const char *comma = strchr(dn, ',');
	char cn[256];
	snprintf(cn, sizeof(cn), "%.*s",
		 comma != NULL ? (int)(comma - dn - 3) : (int)strlen(dn),
		 dn + 3);
	char guid[64];
	/* A stable fake GUID per DN. */
	unsigned h = 5381;
	for (const char *p = dn; *p != '\0'; p++) {
		h = h * 33 + (unsigned char)*p;
	}
	snprintf(guid, sizeof(guid), "%08x-0000-4000-8000-000000000000", h);
	struct store_object obj = {
		.key = guid, .dn = dn, .cn = cn, .objectclass = "user"};
	if (store_add_object(fx->store, fx->scan_id, &obj) != STATUS_OK) {
		return -1;
	}
	struct finding f = {
		.dn = dn,
		.cn = cn,
		.objectclass = "user",
		.objectguid = guid,
		.attribute = attribute,
		.value = value,
		.rule = rule,
		.error = error,
		.update = update,
		.proposed_action = proposed,
		.severity = sev,
	};
	return store_add_finding(fx->store, fx->scan_id, &f) == STATUS_OK
		       ? 0
		       : -1;
}

/* The GUID fixture_add() gives dn. */
static inline void
fixture_guid(const char *dn, char *guid, size_t size)
{
	unsigned h = 5381;
	for (const char *p = dn; *p != '\0'; p++) {
		h = h * 33 + (unsigned char)*p;
	}
	snprintf(guid, size, "%08x-0000-4000-8000-000000000000", h);
}

static inline int
fixture_decide(struct fixture *fx, const char *dn, const char *attribute,
	       const char *value, const char *action, const char *update)
{
	char guid[64];
	fixture_guid(dn, guid, sizeof(guid));
	struct store_decision d = {
		.key = guid,
		.attribute = attribute,
		.value = value,
		.action = action,
		.update = update,
		.origin = "test",
	};
	return store_set_decision(fx->store, fx->scan_id, &d) == STATUS_OK
		       ? 0
		       : -1;
}

static inline void
fixture_close(struct fixture *fx)
{
	char p[160];
	store_free(fx->store);
	fx->store = NULL;
	unlink(fx->path);
	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	rmdir(fx->dir);
}
