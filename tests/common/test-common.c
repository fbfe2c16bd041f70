#include <string.h>

#include "common/status.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "scanner/entry.h"
#include "tap.h"

static void
test_strbuf(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	is_str(sb.buf, "", "a new strbuf is empty");
	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, '\0');
	strbuf_addf(&sb, "%d-%s", 42, "x");
	is_int(sb.len, 8, "strbuf is binary-safe and counts the NUL");
	ok(memcmp(sb.buf, "abc\0" "42-x", 8) == 0, "strbuf keeps the bytes");
	strbuf_truncate(&sb, 2);
	is_str(sb.buf, "ab", "truncate");
	size_t len;
	char *s = strbuf_detach(&sb, &len);
	is_str(s, "ab", "detach hands the bytes over");
	is_int(len, 2, "detach gives the length");
	is_str(sb.buf, "", "detach leaves an empty strbuf");
	free(s);
	strbuf_release(&sb);
}

static void
test_entry(void)
{
	struct scan_entry *e = scan_entry_new("CN=Lee\\, Michael,OU=Staff,DC=x");
	scan_entry_add(e, "objectClass", "top", 3);
	scan_entry_add(e, "objectClass", "person", 6);
	scan_entry_add(e, "OBJECTCLASS", "user", 4);
	scan_entry_add(e, "proxyAddresses", "SMTP:a@x.com", 12);
	scan_entry_add(e, "proxyAddresses", "x\0y", 3);
	is_str(scan_entry_class(e), "user", "object type is the last class");
	ok(scan_entry_has_class(e, "PERSON"), "class look-up ignores case");
	const struct scan_attr *a = scan_entry_attr(e, "proxyaddresses");
	ok(a != NULL && a->nvals == 2, "attribute look-up ignores case");
	ok(a != NULL && a->vals[1].len == 3 &&
		   memcmp(a->vals[1].data, "x\0y", 4) == 0,
	   "values are binary-safe and NUL-terminated");
	is_str(scan_entry_key(e), e->dn, "key falls back to the DN");
	scan_entry_set(e, "objectGUID", "g", 1);
	is_str(scan_entry_key(e), "g", "key is the GUID when there is one");
	scan_entry_remove(e, "proxyAddresses");
	ok(scan_entry_attr(e, "proxyAddresses") == NULL, "remove");
	is_str(scan_entry_first(e, "objectGUID"), "g", "remove keeps others");
	scan_entry_free(e);
	scan_entry_free(NULL);
}

static void
test_status(void)
{
	is_int(status_exit_code(STATUS_OK), 0, "ok exits 0");
	is_int(status_exit_code(STATUS_ERR_USAGE), 2, "usage exits 2");
	is_int(status_exit_code(STATUS_ERR_DIRECTORY), 1, "failure exits 1");
	char *s = xasprintf("%s=%d", "n", 7);
	is_str(s, "n=7", "xasprintf");
	free(s);
}

int
main(void)
{
	test_strbuf();
	test_entry();
	test_status();
	return tap_done();
}
