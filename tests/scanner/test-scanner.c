/*
 * Unit tests of the scanner's pure parts: range descriptions, GUID and
 * SID decoding, the attribute list, and the LDIF input (read with
 * libldap's reader from files the test writes).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "scanner/attrs.h"
#include "scanner/decode.h"
#include "scanner/entry.h"
#include "scanner/ldif_input.h"
#include "scanner/range.h"
#include "scanner/source.h"
#include "tap.h"

static void
test_range_parse(void)
{
	struct scan_range r;
	ok(scan_range_parse("member;range=1500-2999", &r), "window parses");
	is_int(r.name_len, 6, "base name is 'member'");
	ok(r.ranged, "window is ranged");
	is_int(r.low, 1500, "window low");
	is_int(r.high, 2999, "window high");
	ok(!r.last, "window is not the last");

	ok(scan_range_parse("member;range=3000-*", &r), "last window parses");
	is_int(r.low, 3000, "last window low");
	ok(r.last, "'*' marks the last window");

	ok(scan_range_parse("member;range=0-*", &r), "0-* parses");
	ok(r.ranged && r.last && r.low == 0, "0-* is the whole attribute");

	ok(scan_range_parse("cn", &r), "plain name parses");
	is_int(r.name_len, 2, "plain name length");
	ok(!r.ranged, "plain name is not ranged");

	ok(scan_range_parse("userCertificate;binary", &r), ";binary parses");
	is_int(r.name_len, 15, ";binary is stripped");
	ok(!r.ranged, ";binary is not a range");

	ok(scan_range_parse("member;binary;RANGE=5-9", &r),
	   "range after another option, any case");
	ok(r.ranged && r.low == 5 && r.high == 9 && r.name_len == 6,
	   "range after another option is read");

	ok(!scan_range_parse("member;range=", &r), "empty range fails");
	ok(!scan_range_parse("member;range=abc-1", &r), "letters fail");
	ok(!scan_range_parse("member;range=10-5", &r), "high below low fails");
	ok(!scan_range_parse("member;range=5", &r), "missing dash fails");
	ok(!scan_range_parse("member;range=5-", &r), "missing high fails");
	ok(!scan_range_parse("member;range=5-9x", &r), "trailing junk fails");
	ok(!scan_range_parse("member;range=-5-9", &r), "negative low fails");
	ok(!scan_range_parse("member;range=99999999999999999999999-*", &r),
	   "overflowing low fails");
	ok(!scan_range_parse("member;range=0-1;range=2-3", &r),
	   "two ranges fail");
}

static void
test_decode(void)
{
	static const unsigned char guid[16] = {
		0x2f, 0xd6, 0x0e, 0x4a, 0x75, 0x68, 0x7b, 0x4f,
		0xa1, 0x51, 0x1c, 0x43, 0x4c, 0x0d, 0xcd, 0xb1};
	char buf[SCAN_SID_STRLEN];
	ok(scan_guid_format(guid, 16, buf), "16 bytes format as a GUID");
	is_str(buf, "4a0ed62f-6875-4f7b-a151-1c434c0dcdb1",
	       "GUID: first three groups little-endian, lower case");
	ok(!scan_guid_format(guid, 15, buf), "15 bytes are not a GUID");

	static const unsigned char sid[] = {
		0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00,
		0x00, 0x00, 0xc7, 0xf7, 0xfe, 0xd7, 0x7c, 0x77, 0x55, 0xc8,
		0x94, 0x5a, 0xce, 0x01, 0xf5, 0x03, 0x00, 0x00};
	ok(scan_sid_format(sid, sizeof(sid), buf), "domain SID formats");
	is_str(buf, "S-1-5-21-3623811015-3361044348-30300820-1013",
	       "domain SID text");
	static const unsigned char admins[] = {
		0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
		0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00};
	ok(scan_sid_format(admins, sizeof(admins), buf), "builtin SID");
	is_str(buf, "S-1-5-32-544", "BUILTIN\\Administrators");
	static const unsigned char world[] = {0x01, 0x01, 0, 0, 0, 0,
					      0,    0x01, 0, 0, 0, 0};
	ok(scan_sid_format(world, sizeof(world), buf), "Everyone SID");
	is_str(buf, "S-1-1-0", "Everyone");
	static const unsigned char bigauth[] = {0x01, 0x00, 0x01, 0,
						0,    0,    0,    0x05};
	ok(scan_sid_format(bigauth, sizeof(bigauth), buf), "big authority");
	is_str(buf, "S-1-0x010000000005", "authorities >= 2^32 in hex");
	/* The longest: 15 sub-authorities of 2^32 - 1 after 2^48 - 1. */
	unsigned char longest[8 + 15 * 4];
	memset(longest, 0xff, sizeof(longest));
	longest[0] = 0x01;
	longest[1] = 15;
	ok(scan_sid_format(longest, sizeof(longest), buf), "the longest SID");
	struct strbuf want;
	strbuf_init(&want);
	strbuf_addstr(&want, "S-1-0xFFFFFFFFFFFF");
	for (int i = 0; i < 15; i++) {
		strbuf_addstr(&want, "-4294967295");
	}
	is_str(buf, want.buf, "its text fits");
	strbuf_release(&want);
	longest[2] = longest[3] = 0;
	longest[4] = 0xff;
	ok(scan_sid_format(longest, 12, buf) == false && longest[1] == 15,
	   "15 sub-authorities need 68 bytes");
	longest[1] = 1;
	ok(scan_sid_format(longest, 12, buf), "an authority below 2^32");
	is_str(buf, "S-1-4294967295-4294967295", "in decimal");
	ok(!scan_sid_format(sid, sizeof(sid) - 1, buf),
	   "a truncated SID is refused");
	ok(!scan_sid_format(admins, 7, buf), "a short SID is refused");
	unsigned char badrev[sizeof(admins)];
	memcpy(badrev, admins, sizeof(admins));
	badrev[0] = 2;
	ok(!scan_sid_format(badrev, sizeof(badrev), buf),
	   "revision 2 is refused");

	struct scan_entry *e = scan_entry_new("CN=x");
	scan_entry_add(e, "objectGUID", guid, 16);
	scan_entry_add(e, "msExchMailboxGuid", guid, 16);
	scan_entry_add(e, "MSEXCHARCHIVEGUID", guid, 16);
	scan_entry_add(e, "mS-DS-ConsistencyGuid", guid, 15);
	scan_entry_add(e, "objectSid", sid, sizeof(sid));
	scan_entry_add(e, "description", guid, 16);
	scan_entry_decode(e);
	is_str(scan_entry_first(e, "objectGUID"),
	       "4a0ed62f-6875-4f7b-a151-1c434c0dcdb1", "objectGUID decoded");
	is_str(scan_entry_first(e, "msExchMailboxGuid"),
	       "4a0ed62f-6875-4f7b-a151-1c434c0dcdb1",
	       "msExchMailboxGuid decoded");
	is_str(scan_entry_first(e, "msExchArchiveGuid"),
	       "4a0ed62f-6875-4f7b-a151-1c434c0dcdb1",
	       "attribute names match case-insensitively");
	const struct scan_attr *a = scan_entry_attr(e, "mS-DS-ConsistencyGuid");
	ok(a != NULL && a->vals[0].len == 15 &&
		   memcmp(a->vals[0].data, guid, 15) == 0,
	   "a 15-byte GUID value stays as it was");
	is_str(scan_entry_first(e, "objectSid"),
	       "S-1-5-21-3623811015-3361044348-30300820-1013",
	       "objectSid decoded");
	a = scan_entry_attr(e, "description");
	ok(a != NULL && a->vals[0].len == 16 &&
		   memcmp(a->vals[0].data, guid, 16) == 0,
	   "other attributes are not decoded");
	scan_entry_free(e);
}

static void
test_dn_normalize(void)
{
	struct {
		const char *in, *want;
	} cases[] = {
		{"cn=Johnson\\2C Yuki,ou=Operations,dc=contoso,dc=com",
		 "CN=Johnson\\, Yuki,OU=Operations,DC=contoso,DC=com"},
		{"CN=Johnson\\, Yuki,OU=Operations,DC=contoso,DC=com",
		 "CN=Johnson\\, Yuki,OU=Operations,DC=contoso,DC=com"},
		{"CN=In\xc3\xa8s Stra\xc3\x9f"
		 "e,DC=x",
		 "CN=In\xc3\xa8s Stra\xc3\x9f"
		 "e,DC=x"},
		{"cn=\\C3\\A9,dc=x", "CN=\xc3\xa9,DC=x"},
		{"CN=a\\+b\\\"c\\<d\\>e\\;f\\=g\\\\h,DC=x",
		 "CN=a\\+b\\\"c\\<d\\>e\\;f\\=g\\\\h,DC=x"},
		{"CN=\\#lead\\ ,DC=x", "CN=\\#lead\\ ,DC=x"},
		{"CN=line\\0Abreak,DC=x", "CN=line\\0Abreak,DC=x"},
		{"cn=a+sn=b,dc=x", "CN=a+SN=b,DC=x"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = scan_dn_normalize(cases[i].in);
		is_str(got, cases[i].want, cases[i].in);
		free(got);
	}
	ok(scan_dn_normalize("not a dn") == NULL, "a non-DN is refused");
	ok(scan_dn_normalize("CN=#04024869,DC=x") == NULL,
	   "a BER-encoded value is left alone");
}

/*
 * scan_entry_decode() leaves a DN already in AD's spelling as it is
 * without asking libldap: whichever way it takes, the DN it keeps is the
 * one scan_dn_normalize() gives (or the DN itself when that refuses it).
 */
static void
test_decode_dn(void)
{
	static const char *const dns[] = {
		"CN=Lee\\, Michael,OU=Sales,DC=contoso,DC=com",
		"cn=Lee\\, Michael,ou=Sales,dc=contoso,dc=com",
		/* OpenLDAP's spelling: types in lower case, whichever way. */
		"cn=Administrator,cn=Users,dc=contoso,dc=com",
		"Cn=a\\,b=c,oU=x-y\\=z,dc=x",
		"cn=a\\\\,dc=x",
		"msExch-x1=a,DC=x",
		"1cn=a,DC=x",
		"-cn=a,DC=x",
		"cn=a,2.5.4.3=b",
		/* OpenLDAP also escapes with hex pairs ("\2C" for ","). */
		"cn=Iwamoto\\2C Kenji,cn=Users,dc=contoso,dc=com",
		"CN=a\\2cb,DC=x",
		"CN=a\\5Cb\\3Dc\\22d\\2B\\3B\\3C\\3E,DC=x",
		"CN=\\23a,DC=x",
		"CN=a\\23,DC=x",
		"CN=\\20a\\20,DC=x",
		"CN=a\\20b,DC=x",
		"CN=a\\0Ab,DC=x",
		"CN=a\\2,DC=x",
		"CN=a\\2G,DC=x",
		"CN=\\C3\\A4,DC=x",
		"CN=a\\\\41,DC=x",
		"CN=a\\2C,DC=x\\2C",
		"CN=a, DC=x",
		"CN=\\#a,DC=x",
		"CN=a\\#,DC=x",
		"CN=#a,DC=x",
		"CN=a#,DC=x",
		"CN=\\ a,DC=x",
		"CN=a\\ ,DC=x",
		"CN=a\\ b,DC=x",
		"CN=a b,DC=x",
		"CN= a,DC=x",
		"CN=a+SN=b,DC=x",
		"CN=a\\+b,DC=x",
		"CN=a\\0Ab,DC=x",
		"CN=a\\2Cb,DC=x",
		"CN=J\xc3\xb6rg,DC=x",
		"CN=\xff\xfe,DC=x",
		"CN=a\\\\b,DC=x",
		"CN=a\\\"b,DC=x",
		"CN=a=b,DC=x",
		"CN=a\\=b,DC=x",
		"OU=Research & Development,DC=x",
		"CN=,DC=x",
		"CN=a,",
		"2.5.4.3=a,DC=x",
		"CN=a;DC=x",
		"",
	};
	for (size_t i = 0; i < sizeof(dns) / sizeof(*dns); i++) {
		char *want = scan_dn_normalize(dns[i]);
		struct scan_entry *e = scan_entry_new(dns[i]);
		scan_entry_decode(e);
		is_str(e->dn, want != NULL ? want : dns[i], dns[i]);
		scan_entry_free(e);
		free(want);
	}
}

/*
 * Look-ups by name find every name in any case in an entry of many
 * attributes, and keep finding the rest after removals.
 */
static void
test_entry_lookup(void)
{
	enum { N = 60 };
	struct scan_entry *e = scan_entry_new("CN=x,DC=contoso,DC=com");
	char name[32], upper[32];
	bool all = true, none = true;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "extensionAttribute%d", i);
		scan_entry_add(e, name, name, strlen(name));
		/* Every earlier one is still found while the entry grows. */
		for (int j = 0; j <= i; j++) {
			snprintf(upper, sizeof(upper), "EXTENSIONATTRIBUTE%d",
				 j);
			snprintf(name, sizeof(name), "extensionAttribute%d",
				 j);
			const char *v = scan_entry_first(e, upper);
			all &= v != NULL && strcmp(v, name) == 0;
		}
		snprintf(name, sizeof(name), "extensionAttribute%d", i + 1);
		none &= scan_entry_attr(e, name) == NULL;
	}
	ok(all, "every name found, in any case, among 60 attributes");
	ok(none, "a name not added is not found");
	is_int(e->nattrs, N, "one attribute per name");

	/* A second value of an early name joins its attribute. */
	scan_entry_add(e, "EXTENSIONATTRIBUTE3", "again", 5);
	const struct scan_attr *a = scan_entry_attr(e, "extensionattribute3");
	ok(a != NULL && a->nvals == 2 && strcmp(a->vals[1].data, "again") == 0,
	   "a value for an existing name in other case joins it");
	is_int(e->nattrs, N, "no new attribute for it");

	/* Remove from the front: the others move down. */
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "extensionAttribute%d", i);
		scan_entry_remove(e, name);
	}
	all = true;
	none = true;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "extensionAttribute%d", i);
		const char *v = scan_entry_first(e, name);
		if (i < 20) {
			none &= v == NULL;
		} else {
			all &= v != NULL && strcmp(v, name) == 0;
		}
	}
	ok(none, "removed names are gone");
	ok(all, "the others are found after the removals");
	scan_entry_set(e, "extensionAttribute40", "set", 3);
	ok(strcmp(scan_entry_first(e, "extensionattribute40"), "set") == 0,
	   "set replaces the values");
	is_int(e->nattrs, N - 20, "set keeps one attribute");
	scan_entry_free(e);
	scan_entry_free(NULL);

	e = scan_entry_new("CN=g,DC=contoso,DC=com");
	scan_entry_add(e, "cn", "g", 1);
	scan_entry_count(e, "member", 1500);
	scan_entry_add(e, "mail", "g@contoso.com", 13);
	scan_entry_count(e, "MEMBER", 2);
	const struct scan_attr *m = scan_entry_attr(e, "member");
	ok(m != NULL && m->nvals == 0 && m->counted == 1502 &&
		   strcmp(m->name, "member") == 0,
	   "count: one attribute, counts added, no values");
	ok(scan_entry_first(e, "member") == NULL,
	   "count: no first value to read");
	is_int(e->nattrs, 3, "count: beside the others");
	scan_entry_free(e);
}

static void
test_attrs(void)
{
	const char *want[] = {"displayName", "CN", "mail", "displayname", NULL};
	struct scan_attrs *a = scan_attrs_new(want, NULL);
	char **list = scan_attrs_list(a);
	size_t n = 0;
	while (list[n] != NULL) {
		n++;
	}
	is_int(n, 6,
	       "list keeps the caller's, drops duplicates, adds objectClass, "
	       "objectGUID, distinguishedName");
	is_str(scan_attrs_match(a, "DISPLAYNAME;x", 11), "displayName",
	       "match returns the caller's spelling");
	is_str(scan_attrs_match(a, "cn", 2), "CN", "cn keeps caller's CN");
	is_str(scan_attrs_match(a, "objectclass", 11), "objectClass",
	       "objectClass is always asked for");
	ok(scan_attrs_match(a, "sn", 2) == NULL, "sn was not asked for");
	ok(scan_attrs_match(a, "mai", 3) == NULL, "no prefix matches");
	ok(!scan_attrs_counted(a, scan_attrs_match(a, "mail", 4)),
	   "values kept unless counted");
	scan_attrs_free(a);
	scan_attrs_free(NULL);

	const char *counted[] = {"Member", "MAIL", "cn", "objectGUID", NULL};
	a = scan_attrs_new(want, counted);
	list = scan_attrs_list(a);
	for (n = 0; list[n] != NULL; n++) {
	}
	is_int(n, 7, "a counted attribute is asked for too, once");
	const char *member = scan_attrs_match(a, "member", 6);
	is_str(member, "Member", "counted: the caller's spelling");
	ok(scan_attrs_counted(a, member), "member counted");
	ok(scan_attrs_counted(a, scan_attrs_match(a, "mail", 4)),
	   "counted though also in the list of attributes");
	ok(!scan_attrs_counted(a, scan_attrs_match(a, "cn", 2)) &&
		   !scan_attrs_counted(a,
				       scan_attrs_match(a, "objectguid", 10)),
	   "the entry's name and key are always kept");
	ok(!scan_attrs_counted(a, scan_attrs_match(a, "displayName", 11)),
	   "displayName kept");
	scan_attrs_free(a);
}

static void
test_default_filter(void)
{
	struct scan_entry *e = scan_entry_new("CN=x");
	ok(scan_ldif_default_filter("CN=Person,CN=Schema,CN=Configuration,"
				    "DC=x",
				    e),
	   "objectCategory Person is kept");
	ok(scan_ldif_default_filter("cn=group,cn=schema", e),
	   "objectCategory group is kept (any case)");
	ok(!scan_ldif_default_filter("CN=Computer,CN=Schema", e),
	   "objectCategory Computer is passed over");
	ok(!scan_ldif_default_filter("CN=Person-Extra,CN=Schema", e),
	   "only the whole RDN value counts");
	ok(scan_ldif_default_filter("person", e), "short form person");
	ok(!scan_ldif_default_filter(NULL, e), "no class, no category: out");
	scan_entry_add(e, "objectClass", "user", 4);
	ok(scan_ldif_default_filter(NULL, e), "class user without category");
	scan_entry_add(e, "objectClass", "computer", 8);
	ok(!scan_ldif_default_filter(NULL, e), "class computer is passed over");
	scan_entry_free(e);
	e = scan_entry_new("CN=y");
	scan_entry_add(e, "objectClass", "InetOrgPerson", 13);
	ok(scan_ldif_default_filter(NULL, e), "inetOrgPerson is kept");
	scan_entry_free(e);
	/* The Autodiscover SCPs the LDAP crawl reads from the configuration
	 * partition pass too (rules: exchange.autodiscover-scp). */
	e = scan_entry_new("CN=z");
	ok(scan_ldif_default_filter("CN=Service-Connection-Point,CN=Schema,"
				    "CN=Configuration,DC=x",
				    e),
	   "objectCategory Service-Connection-Point is kept");
	ok(!scan_ldif_default_filter(NULL, e), "still out without a class");
	scan_entry_add(e, "objectClass", "serviceConnectionPoint", 22);
	ok(scan_ldif_default_filter(NULL, e),
	   "class serviceConnectionPoint without category is kept");
	scan_entry_free(e);
}

/* Runs fn with stderr captured in a file; returns what it printed. */
static int saved_stderr = -1;

static void
capture_begin(const char *path)
{
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static char *
capture_end(const char *path)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	FILE *f = fopen(path, "r");
	struct strbuf sb;
	strbuf_init(&sb);
	char chunk[512];
	size_t n;
	while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		strbuf_add(&sb, chunk, n);
	}
	if (f != NULL) {
		fclose(f);
	}
	unlink(path);
	return strbuf_detach(&sb, NULL);
}

static const char ldif_text[] =
	"version: 1\n"
	"\n"
	"# ldapsearch style, with a comment\n"
	"dn: CN=Alice Smith,OU=Users,DC=contoso,DC=com\n"
	"objectClass: top\n"
	"objectClass: person\n"
	"objectClass: organizationalPerson\n"
	"objectClass: user\n"
	"cn: Alice Smith\n"
	"objectGUID:: L9YOSnVoe0+hURxDTA3NsQ==\n"
	"objectSid:: AQUAAAAAAAUVAAAAx/f+13x3VciUWs4B9QMAAA==\n"
	"displayName: Alice folded over\n"
	"  two lines\n"
	"USERPRINCIPALNAME: alice@contoso.com\n"
	"proxyAddresses: SMTP:alice@contoso.com\n"
	"proxyAddresses: smtp:asmith@contoso.com\n"
	"objectCategory: CN=Person,CN=Schema,CN=Configuration,DC=contoso,"
	"DC=com\n"
	"whenCreated: 20200101000000.0Z\n"
	"\n"
	"dn: OU=Users,DC=contoso,DC=com\n"
	"objectClass: top\n"
	"objectClass: organizationalUnit\n"
	"ou: Users\n"
	"objectCategory: CN=Organizational-Unit,CN=Schema,CN=Configuration,"
	"DC=contoso,DC=com\n"
	"\n"
	"\n"
	"dn: CN=PC1,OU=Computers,DC=contoso,DC=com\n"
	"objectClass: top\n"
	"objectClass: person\n"
	"objectClass: organizationalPerson\n"
	"objectClass: user\n"
	"objectClass: computer\n"
	"cn: PC1\n"
	"objectCategory: CN=Computer,CN=Schema,CN=Configuration,DC=contoso,"
	"DC=com\n"
	"\r\n"
	"dn: CN=Bob Contact,OU=Contacts,DC=contoso,DC=com\r\n"
	"changetype: add\r\n"
	"objectClass: top\r\n"
	"objectClass: contact\r\n"
	"cn: Bob Contact\r\n"
	"mail: bob@example.org\r\n"
	"\r\n"
	"dn: CN=WS2,OU=Computers,DC=contoso,DC=com\n"
	"objectClass: user\n"
	"objectClass: computer\n"
	"cn: WS2\n"
	"\n"
	"dn: CN=Alice Smith,OU=Users,DC=contoso,DC=com\n"
	"changetype: modify\n"
	"replace: mail\n"
	"mail: alice@contoso.com\n"
	"-\n"
	"\n"
	"dn: CN=Broken,OU=Users,DC=contoso,DC=com\n"
	"objectClass: user\n"
	"description: folded\n"
	"  line\n"
	"this line has no colon\n" /* line 58 */
	"cn: Broken\n"
	"\n"
	"dn: CN=After,OU=Users,DC=contoso,DC=com\n"
	"objectClass: user\n";

static void
test_ldif(void)
{
	char *path = tap_write_file("/tmp/test-scanner-XXXXXX", ldif_text);
	const char *want[] = {"displayName",    "userPrincipalName",
			      "proxyAddresses", "mail",
			      "objectSid",      NULL};
	char errpath[] = "/tmp/test-scanner-err-XXXXXX";
	int efd = mkstemp(errpath);
	close(efd);
	capture_begin(errpath);
	unsigned errors_before = log_error_count();
	enum status st;
	struct scan_source *src =
		scan_source_ldif_new(path, want, NULL, NULL, &st);
	struct scan_entry *alice = NULL, *bob = NULL, *extra = NULL;
	enum status s1 = scan_source_next(src, &alice);
	enum status s2 = scan_source_next(src, &bob);
	enum status s3 = scan_source_next(src, &extra);
	struct scan_entry *after = NULL;
	enum status s4 = scan_source_next(src, &after);
	unsigned errors = log_error_count() - errors_before;
	char *err = capture_end(errpath);

	is_int(st, STATUS_OK, "LDIF opens");
	is_str(scan_source_kind(src), "ldif", "kind is ldif");
	is_str(scan_source_base(src), "", "LDIF has no base");
	is_int(s1, STATUS_OK, "first entry reads");
	ok(alice != NULL, "the user is read");
	if (alice != NULL) {
		is_str(alice->dn, "CN=Alice Smith,OU=Users,DC=contoso,DC=com",
		       "user DN");
		is_str(scan_entry_first(alice, "objectGUID"),
		       "4a0ed62f-6875-4f7b-a151-1c434c0dcdb1",
		       "base64 objectGUID decoded as over LDAP");
		is_str(scan_entry_first(alice, "objectSid"),
		       "S-1-5-21-3623811015-3361044348-30300820-1013",
		       "base64 objectSid decoded");
		is_str(scan_entry_first(alice, "displayName"),
		       "Alice folded over two lines",
		       "folded line joined (one leading space dropped)");
		const struct scan_attr *upn =
			scan_entry_attr(alice, "userPrincipalName");
		ok(upn != NULL && strcmp(upn->name, "userPrincipalName") == 0,
		   "attribute spelt as requested, not as in the file");
		const struct scan_attr *pa =
			scan_entry_attr(alice, "proxyAddresses");
		ok(pa != NULL && pa->nvals == 2 &&
			   strcmp(pa->vals[1].data,
				  "smtp:asmith@contoso.com") == 0,
		   "multi-valued attribute keeps both values in order");
		ok(scan_entry_attr(alice, "whenCreated") == NULL,
		   "attributes not asked for are dropped");
		ok(scan_entry_attr(alice, "objectCategory") == NULL,
		   "objectCategory used for the filter, then dropped");
		is_str(scan_entry_class(alice), "user", "class is user");
		is_str(scan_entry_first(alice, "cn"), "Alice Smith",
		       "cn is always kept");
	}
	is_int(s2, STATUS_OK, "second entry reads");
	ok(bob != NULL && strcmp(bob->dn, "CN=Bob Contact,OU=Contacts,"
					  "DC=contoso,DC=com") == 0,
	   "OU and computers passed over; ldifde-style contact (CRLF, "
	   "changetype: add) read next");
	if (bob != NULL) {
		is_str(scan_entry_first(bob, "mail"), "bob@example.org",
		       "CR of CRLF is not part of the value");
	}
	is_int(s3, STATUS_ERR_DIRECTORY, "broken record fails the scan");
	ok(extra == NULL, "no entry from the broken record");
	ok(s4 == STATUS_ERR_DIRECTORY && after == NULL,
	   "after a failure the source stays failed (no entry past it)");
	is_int(errors, 1, "exactly one error logged");
	ok(strstr(err, path) != NULL && strstr(err, ":58:") != NULL,
	   "error names the file and the bad line 58");
	ok(strstr(err, "this line has no colon") != NULL,
	   "error quotes the bad line");
	ok(strstr(err, "invalid format") == NULL,
	   "libldap's own message does not leak to stderr");
	ok(strstr(err, ":48: CN=Alice Smith,OU=Users,DC=contoso,DC=com is a "
		       "change record") != NULL,
	   "the change record was warned about, with its first line");
	is_int(scan_source_bad_entries(src), 1, "change record counted bad");
	if (strstr(err, ":58:") == NULL) {
		printf("# stderr was: %s\n", err);
	}
	scan_entry_free(alice);
	scan_entry_free(bob);
	scan_source_free(src);
	free(err);
	unlink(path);
	free(path);

	/* A missing file is an I/O error, logged once. */
	errors_before = log_error_count();
	capture_begin(errpath);
	src = scan_source_ldif_new("/nonexistent/x.ldif", want, NULL, NULL,
				   &st);
	err = capture_end(errpath);
	ok(src == NULL && st == STATUS_ERR_IO, "missing LDIF: i/o error");
	ok(strstr(err, "/nonexistent/x.ldif") != NULL,
	   "missing LDIF: message names the file");
	is_int(log_error_count() - errors_before, 1, "missing LDIF: one error");
	free(err);

	/* Cancel between records. */
	path = tap_write_file("/tmp/test-scanner-XXXXXX",
			      "dn: cn=a,dc=x\nobjectClass: user\n\n"
			      "dn: cn=b,dc=x\nobjectClass: user\n");
	volatile sig_atomic_t cancel = 0;
	src = scan_source_ldif_new(path, want, NULL, &cancel, &st);
	struct scan_entry *e = NULL;
	ok(scan_source_next(src, &e) == STATUS_OK && e != NULL,
	   "entry before cancel");
	scan_entry_free(e);
	cancel = 1;
	capture_begin(errpath);
	enum status sc = scan_source_next(src, &e);
	free(capture_end(errpath));
	is_int(sc, STATUS_ERR_INTERRUPTED, "cancel flag interrupts");
	scan_source_free(src);
	unlink(path);
	free(path);

	/* An empty file is an empty scan. */
	path = tap_write_file("/tmp/test-scanner-XXXXXX",
			      "version: 1\n\n# nothing\n");
	src = scan_source_ldif_new(path, want, NULL, NULL, &st);
	e = NULL;
	is_int(scan_source_next(src, &e), STATUS_OK, "empty LDIF reads");
	ok(e == NULL, "empty LDIF has no entries");
	scan_source_free(src);
	unlink(path);
	free(path);
}

/*
 * The records of an ordinary export are read in one pass
 * (record_fast() in ldif_input.c), the others by libldap's
 * ldap_parse_ldif_record(); both must give the same entries.  A
 * "changetype: add" line after the dn sends a record down the second
 * path without changing what it holds.
 */
static const char *const same_records[] = {
	/* Attributes apart, folded, base64, empty, options, a comment. */
	"dn: CN=Ann Lee,OU=Users,DC=contoso,DC=com\n"
	"objectClass: top\n"
	"mail: ann@contoso.com\n"
	"objectClass: user\n"
	"PROXYADDRESSES: SMTP:ann@contoso.com\n"
	"displayName:: QW5uIEzDqWU=\n"
	"proxyAddresses: smtp:ann.lee@\n"
	" contoso.com\n"
	"objectGUID:: L9YOSnVo\n"
	" e0+hURxDTA3NsQ==\n"
	"description:\n"
	"objectCategory: CN=Person,CN=Schema,CN=Configuration,DC=contoso,"
	"DC=com\n"
	"userCertificate;binary:: AAEC\n"
	"# a comment inside the record\n"
	"whenCreated: 20200101000000.0Z\n"
	"msExchExtensionCustomAttributeLongerThanTheCacheHolds1: long\n"
	"cn: Ann Lee\n",
	/*
	 * A group whose members are apart, one window marked the last
	 * (ldapsearch's spelling: that record is left to libldap).
	 */
	"dn: CN=Staff,OU=Groups,DC=contoso,DC=com\n"
	"member: CN=A,DC=contoso,DC=com\n"
	"objectClass: group\n"
	"member: CN=B,DC=contoso,DC=com\n"
	"cn: Staff\n"
	"member;range=0-*: CN=C,DC=contoso,DC=com\n"
	"objectCategory: CN=Group,CN=Schema,CN=Configuration,DC=contoso,"
	"DC=com\n",
	/*
	 * An export of a few attributes (ldifde -l): only objectCategory
	 * tells that it is a person.
	 */
	"dn: CN=Dee,OU=Users,DC=contoso,DC=com\n"
	"objectCategory: CN=Person,CN=Schema,CN=Configuration,DC=contoso,"
	"DC=com\n"
	"mail: dee@contoso.com\n",
	/* ldifde: CRLF. */
	"dn: CN=Bob,OU=Contacts,DC=contoso,DC=com\r\n"
	"objectClass: contact\r\n"
	"cn: Bob\r\n"
	"mail: bob@example.org\r\n",
	/* Passed over by the default filter on either path. */
	"dn: CN=PC1,OU=Computers,DC=contoso,DC=com\n"
	"objectClass: user\n"
	"objectClass: computer\n"
	"cn: PC1\n"
	"objectCategory: CN=Computer,CN=Schema,CN=Configuration,DC=contoso,"
	"DC=com\n",
	/* More descriptions than ldif_input.c remembers (x1 … x600). */
	NULL,
	/* After them: the ones remembered still mean what they meant. */
	"dn: CN=Cy,OU=Users,DC=contoso,DC=com\n"
	"objectClass: user\n"
	"x599: after\n"
	"mail: cy@contoso.com\n"
	"x7: seven\n"
	"cn: Cy\n",
};

/* Reads every entry of text; returns how many (at most max). */
static size_t
read_all(const char *text, const char *const *want, const char *const *counted,
	 struct scan_entry **out, size_t max)
{
	char *path = tap_write_file("/tmp/test-scanner-XXXXXX", text);
	enum status st;
	struct scan_source *src =
		scan_source_ldif_new(path, want, counted, NULL, &st);
	size_t n = 0;
	struct scan_entry *e = NULL;
	while (src != NULL && scan_source_next(src, &e) == STATUS_OK &&
	       e != NULL) {
		if (n < max) {
			out[n++] = e;
		} else {
			scan_entry_free(e);
		}
	}
	scan_source_free(src);
	unlink(path);
	free(path);
	return n;
}

static bool
same_entry(const struct scan_entry *a, const struct scan_entry *b)
{
	if (strcmp(a->dn, b->dn) != 0 || a->nattrs != b->nattrs) {
		return false;
	}
	for (size_t i = 0; i < a->nattrs; i++) {
		const struct scan_attr *x = &a->attrs[i], *y = &b->attrs[i];
		if (strcmp(x->name, y->name) != 0 || x->nvals != y->nvals) {
			return false;
		}
		for (size_t j = 0; j < x->nvals; j++) {
			if (x->vals[j].len != y->vals[j].len ||
			    memcmp(x->vals[j].data, y->vals[j].data,
				   x->vals[j].len) != 0) {
				return false;
			}
		}
	}
	return true;
}

static void
test_ldif_both_paths(void)
{
	const char *want[] = {
		"mail", "proxyAddresses", "displayName", "description",
		"member", "userCertificate", "x7", "x599",
		"msExchExtensionCustomAttributeLongerThanTheCacheHolds1", NULL};
	struct strbuf fast, slow;
	strbuf_init(&fast);
	strbuf_init(&slow);
	for (size_t i = 0; i < sizeof(same_records) / sizeof(*same_records);
	     i++) {
		struct strbuf rec;
		strbuf_init(&rec);
		if (same_records[i] != NULL) {
			strbuf_addstr(&rec, same_records[i]);
		} else {
			strbuf_addstr(&rec, "dn: CN=Many,OU=Users,DC=contoso,"
					    "DC=com\nobjectClass: user\n");
			for (int k = 1; k <= 600; k++) {
				strbuf_addf(&rec, "x%d: v%d\n", k, k);
			}
			strbuf_addstr(&rec, "mail: many@contoso.com\n");
		}
		const char *nl = strchr(rec.buf, '\n');
		bool crlf = nl[-1] == '\r';
		size_t head = (size_t)(nl - rec.buf) + 1;
		strbuf_addstr(&fast, rec.buf);
		strbuf_addstr(&fast, crlf ? "\r\n" : "\n");
		strbuf_add(&slow, rec.buf, head);
		strbuf_addstr(&slow, crlf ? "changetype: add\r\n"
					  : "changetype: add\n");
		strbuf_addstr(&slow, rec.buf + head);
		strbuf_addstr(&slow, crlf ? "\r\n" : "\n");
		strbuf_release(&rec);
	}
	struct scan_entry *a[8] = {0}, *b[8] = {0};
	size_t na = read_all(fast.buf, want, NULL, a, 8);
	size_t nb = read_all(slow.buf, want, NULL, b, 8);
	is_int(na, 6, "one pass: every entry but the computer");
	is_int(nb, 6, "ldap_parse_ldif_record: the same number");
	for (size_t i = 0; i < na && i < nb; i++) {
		char what[128];
		snprintf(what, sizeof(what), "entry %zu the same on both paths",
			 i + 1);
		ok(same_entry(a[i], b[i]), what);
	}
	if (na == 6) {
		is_str(scan_entry_first(a[0], "displayName"), "Ann L\xc3\xa9"
							      "e",
		       "one pass: base64 decoded");
		const struct scan_attr *pa =
			scan_entry_attr(a[0], "proxyAddresses");
		ok(pa != NULL && pa->nvals == 2 &&
			   strcmp(pa->vals[1].data,
				  "smtp:ann.lee@contoso.com") == 0,
		   "one pass: values apart gathered, a folded one joined");
		is_str(scan_entry_first(a[0], "objectGUID"),
		       "4a0ed62f-6875-4f7b-a151-1c434c0dcdb1",
		       "one pass: folded base64 decoded");
		const struct scan_attr *d = scan_entry_attr(a[0], "description");
		ok(d != NULL && d->vals[0].len == 0,
		   "one pass: an empty value kept");
		const struct scan_attr *cert =
			scan_entry_attr(a[0], "userCertificate");
		ok(cert != NULL && cert->vals[0].len == 3 &&
			   memcmp(cert->vals[0].data, "\x00\x01\x02", 3) == 0,
		   "one pass: ;binary cut off, binary value");
		is_str(scan_entry_first(a[0], "msExchExtensionCustomAttribute"
					      "LongerThanTheCacheHolds1"),
		       "long", "one pass: a long description");
		ok(scan_entry_attr(a[0], "whenCreated") == NULL,
		   "one pass: not asked for, dropped");
		const struct scan_attr *m = scan_entry_attr(a[1], "member");
		ok(m != NULL && m->nvals == 3 &&
			   strcmp(m->vals[2].data, "CN=C,DC=contoso,DC=com") ==
				   0,
		   "members apart and the last window gathered");
		is_str(scan_entry_first(a[2], "mail"), "dee@contoso.com",
		       "one pass: kept for its objectCategory");
		is_str(scan_entry_first(a[3], "mail"), "bob@example.org",
		       "one pass: CRLF");
		is_str(scan_entry_first(a[3], "cn"), "Bob",
		       "one pass: a description met before");
		is_str(scan_entry_first(a[4], "x599"), "v599",
		       "one pass: 600 descriptions");
		is_str(scan_entry_first(a[4], "mail"), "many@contoso.com",
		       "one pass: a description after 600 others");
		is_str(scan_entry_first(a[5], "x599"), "after",
		       "one pass: not remembered, still read");
		is_str(scan_entry_first(a[5], "x7"), "seven",
		       "one pass: remembered before the table filled");
		is_str(scan_entry_first(a[5], "mail"), "cy@contoso.com",
		       "one pass: remembered, after the table filled");
	}
	for (size_t i = 0; i < 8; i++) {
		scan_entry_free(a[i]);
		scan_entry_free(b[i]);
	}
	strbuf_release(&fast);
	strbuf_release(&slow);
}

/*
 * A counted attribute: the same number of values as when they are kept,
 * on both paths, and nothing else about the entry changes.
 */
static void
test_ldif_counted(void)
{
	static const char text[] =
		"dn: CN=Staff,OU=Groups,DC=contoso,DC=com\n"
		"objectClass: group\n"
		"member: CN=A,DC=contoso,DC=com\n"
		"member: CN=B,DC=contoso,DC=com\n"
		"Member:: Q049QyxEQz1jb250b3NvLERDPWNvbQ==\n"
		"member: CN=D,DC=contoso,\n"
		" DC=com\n"
		"member:\n"
		"cn: Staff\n"
		"member: CN=E,DC=contoso,DC=com\n"
		"mail: staff@contoso.com\n"
		"\n"
		"dn: CN=Ann,OU=Users,DC=contoso,DC=com\n"
		"objectClass: user\n"
		"mail: ann@contoso.com\n"
		"\n"
		/* Left to libldap: ldapsearch's spelling of the last window. */
		"dn: CN=Ops,OU=Groups,DC=contoso,DC=com\n"
		"objectClass: group\n"
		"member: CN=A,DC=contoso,DC=com\n"
		"member;range=0-*: CN=B,DC=contoso,DC=com\n"
		"member;range=0-*: CN=C,DC=contoso,DC=com\n"
		"cn: Ops\n";
	const char *want[] = {"mail", "member", NULL};
	const char *counted[] = {"MEMBER", NULL};
	struct scan_entry *kept[4] = {0}, *cnt[4] = {0};
	size_t nk = read_all(text, want, NULL, kept, 4);
	size_t nc = read_all(text, want, counted, cnt, 4);
	is_int(nc, 3, "counted: every entry read");
	is_int(nk, 3, "kept: every entry read");
	size_t expect[] = {6, 0, 3};
	for (size_t i = 0; i < nc && i < nk; i++) {
		const struct scan_attr *k = scan_entry_attr(kept[i], "member");
		const struct scan_attr *c = scan_entry_attr(cnt[i], "member");
		char what[128];
		snprintf(what, sizeof(what), "entry %zu: %zu values kept",
			 i + 1, expect[i]);
		is_int(k != NULL ? k->nvals : 0, expect[i], what);
		snprintf(what, sizeof(what),
			 "entry %zu: as many counted, none kept", i + 1);
		ok(expect[i] == 0 ? c == NULL
				  : c != NULL && c->nvals == 0 &&
					    c->counted == expect[i] &&
					    strcmp(c->name, "member") == 0,
		   what);
		/* Without the attribute, the entries are the same. */
		scan_entry_remove(kept[i], "member");
		scan_entry_remove(cnt[i], "member");
		snprintf(what, sizeof(what), "entry %zu: the rest the same",
			 i + 1);
		ok(same_entry(kept[i], cnt[i]), what);
	}
	if (nc == 3) {
		is_str(scan_entry_first(cnt[0], "mail"), "staff@contoso.com",
		       "counted: the line after the values read");
	}
	for (size_t i = 0; i < 4; i++) {
		scan_entry_free(kept[i]);
		scan_entry_free(cnt[i]);
	}
}

/*
 * From a regular file, a record that record_fast() gives up on is read
 * from the file again (ldif_input.c's record_reread()); from a FIFO,
 * which cannot be read twice, every record is copied first.  Both must
 * give the same entries, warnings and errors, at the same lines.
 */
struct ldif_run {
	struct scan_entry **e;
	size_t n, cap;
	enum status end;
	unsigned errors;
	char *err; /* stderr, the file's name replaced by "FILE" */
};

/* Every entry of the LDIF at path, until the end or a failure. */
static void
run_source(const char *path, struct ldif_run *r)
{
	const char *want[] = {"mail", "description", "member", NULL};
	char errpath[] = "/tmp/test-scanner-err-XXXXXX";
	int efd = mkstemp(errpath);
	close(efd);
	memset(r, 0, sizeof(*r));
	unsigned before = log_error_count();
	capture_begin(errpath);
	enum status st;
	struct scan_source *src =
		scan_source_ldif_new(path, want, NULL, NULL, &st);
	struct scan_entry *e = NULL;
	r->end = st;
	while (src != NULL &&
	       (r->end = scan_source_next(src, &e)) == STATUS_OK && e != NULL) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 16;
			r->e = xreallocarray(r->e, r->cap, sizeof(*r->e));
		}
		r->e[r->n++] = e;
	}
	scan_source_free(src);
	char *err = capture_end(errpath);
	r->errors = log_error_count() - before;
	struct strbuf sb;
	strbuf_init(&sb);
	size_t plen = strlen(path);
	for (const char *s = err; *s != '\0';) {
		if (strncmp(s, path, plen) == 0) {
			strbuf_addstr(&sb, "FILE");
			s += plen;
		} else {
			strbuf_addch(&sb, *s++);
		}
	}
	free(err);
	r->err = strbuf_detach(&sb, NULL);
}

/* text read from a regular file (fifo false) or through a FIFO. */
static void
run_ldif(const char *text, bool fifo, struct ldif_run *r)
{
	if (!fifo) {
		char *path = tap_write_file("/tmp/test-scanner-XXXXXX", text);
		run_source(path, r);
		unlink(path);
		free(path);
		return;
	}
	char dir[] = "/tmp/test-scanner-fifo-XXXXXX";
	char path[sizeof(dir) + 16];
	if (mkdtemp(dir) == NULL) {
		perror("cannot make the FIFO's directory");
		exit(EXIT_FAILURE);
	}
	snprintf(path, sizeof(path), "%s/in.ldif", dir);
	if (mkfifo(path, 0600) != 0) {
		perror("cannot make the FIFO");
		exit(EXIT_FAILURE);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("cannot start the FIFO's writer");
		exit(EXIT_FAILURE);
	}
	if (pid == 0) {
		int fd = open(path, O_WRONLY);
		size_t len = strlen(text), done = 0;
		while (fd >= 0 && done < len) {
			ssize_t n = write(fd, text + done, len - done);
			if (n <= 0) {
				_exit(EXIT_FAILURE);
			}
			done += (size_t)n;
		}
		_exit(fd >= 0 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	run_source(path, r);
	/* A scan that stopped early leaves the writer blocked. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(dir);
}

static void
run_release(struct ldif_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		scan_entry_free(r->e[i]);
	}
	free(r->e);
	free(r->err);
}

/*
 * Reads text both ways and checks that they agree and that they end
 * with status end after n entries, stderr holding each of needles.
 * *out gets what was read from the file, for more checks; the caller
 * releases it (run_release()).
 */
static void
same_both_ways(const char *what, const char *text, size_t n, enum status end,
	       const char *const *needles, struct ldif_run *out)
{
	struct ldif_run file, fifo;
	run_ldif(text, false, &file);
	run_ldif(text, true, &fifo);
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: %zu entries from the file", what, n);
	is_int(file.n, n, msg);
	snprintf(msg, sizeof(msg), "%s: as many through a FIFO", what);
	is_int(fifo.n, file.n, msg);
	bool same = file.n == fifo.n;
	for (size_t i = 0; same && i < file.n; i++) {
		same = same_entry(file.e[i], fifo.e[i]);
	}
	snprintf(msg, sizeof(msg), "%s: the same entries both ways", what);
	ok(same, msg);
	snprintf(msg, sizeof(msg), "%s: the file's scan ends as expected",
		 what);
	is_int(file.end, end, msg);
	snprintf(msg, sizeof(msg), "%s: the FIFO's ends the same", what);
	is_int(fifo.end, file.end, msg);
	snprintf(msg, sizeof(msg), "%s: the same errors and warnings", what);
	ok(file.errors == fifo.errors && strcmp(file.err, fifo.err) == 0, msg);
	for (size_t i = 0; needles[i] != NULL; i++) {
		snprintf(msg, sizeof(msg), "%s: says '%s'", what, needles[i]);
		ok(strstr(file.err, needles[i]) != NULL, msg);
	}
	if (strcmp(file.err, fifo.err) != 0 || file.end != end) {
		printf("# file: %s# fifo: %s", file.err, fifo.err);
	}
	run_release(&fifo);
	*out = file;
}

/* text with every "\n" made "\r\n". */
static char *
crlf(const char *text)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (const char *s = text; *s != '\0'; s++) {
		if (*s == '\n') {
			strbuf_addch(&sb, '\r');
		}
		strbuf_addch(&sb, *s);
	}
	return strbuf_detach(&sb, NULL);
}

/* Slow records (version, changetype, a change, an error) among others. */
static const char reread_text[] =
	"version: 1\n"                               /* 1 */
	"\n"                                         /* 2 */
	"dn: CN=Ann,OU=Users,DC=contoso,DC=com\n"    /* 3 */
	"objectClass: user\n"                        /* 4 */
	"mail: ann@contoso.com\n"                    /* 5 */
	"\n"                                         /* 6 */
	"dn: CN=Bob,OU=Users,DC=contoso,DC=com\n"    /* 7 */
	"changetype: add\n"                          /* 8 */
	"objectClass: user\n"                        /* 9 */
	"mail: bob@contoso.com\n"                    /* 10 */
	"description: folded\n"                      /* 11 */
	"  over two lines\n"                         /* 12 */
	"\n"                                         /* 13 */
	"\n"                                         /* 14 */
	"dn: CN=Ann,OU=Users,DC=contoso,DC=com\n"    /* 15 */
	"changetype: modify\n"                       /* 16 */
	"replace: mail\n"                            /* 17 */
	"mail: ann2@contoso.com\n"                   /* 18 */
	"-\n"                                        /* 19 */
	"\n"                                         /* 20 */
	"dn: CN=Cy,OU=Users,DC=contoso,DC=com\n"     /* 21 */
	"objectClass: user\n"                        /* 22 */
	"mail: cy@contoso.com\n"                     /* 23 */
	"\n"                                         /* 24 */
	"dn: CN=Broken,OU=Users,DC=contoso,DC=com\n" /* 25 */
	"changetype: add\n"                          /* 26 */
	"objectClass: user\n"                        /* 27 */
	"this line has no colon\n"                   /* 28 */
	"cn: Broken\n"                               /* 29 */
	"\n"                                         /* 30 */
	"dn: CN=Dee,OU=Users,DC=contoso,DC=com\n"    /* 31 */
	"objectClass: user\n";                       /* 32 */

static void
test_ldif_reread(void)
{
	struct ldif_run r;
	const char *const errs[] = {
		"FILE:15: CN=Ann,OU=Users,DC=contoso,DC=com is a change "
		"record",
		"FILE:28: not a valid LDIF record", "this line has no colon",
		NULL};
	same_both_ways("slow records", reread_text, 3, STATUS_ERR_DIRECTORY,
		       errs, &r);
	if (r.n == 3) {
		is_str(scan_entry_first(r.e[1], "description"),
		       "folded over two lines",
		       "slow records: the slow one read whole");
		is_str(scan_entry_first(r.e[2], "mail"), "cy@contoso.com",
		       "slow records: the one after them read");
	}
	run_release(&r);
	char *text = crlf(reread_text);
	same_both_ways("slow records, CRLF", text, 3, STATUS_ERR_DIRECTORY,
		       errs, &r);
	if (r.n == 3) {
		is_str(scan_entry_first(r.e[1], "mail"), "bob@contoso.com",
		       "slow records, CRLF: no CR in the slow one's value");
	}
	run_release(&r);
	free(text);

	/* The slow record last: no blank line after it, or no line end. */
	static const char last[] = "dn: CN=Ann,OU=Users,DC=contoso,DC=com\n"
				   "objectClass: user\n"
				   "\n"
				   "dn: CN=Bob,OU=Users,DC=contoso,DC=com\n"
				   "changetype: add\n"
				   "objectClass: user\n"
				   "mail: bob@contoso.com\n";
	const char *const none[] = {NULL};
	same_both_ways("slow record last", last, 2, STATUS_OK, none, &r);
	run_release(&r);
	text = crlf(last);
	same_both_ways("slow record last, CRLF", text, 2, STATUS_OK, none, &r);
	run_release(&r);
	text[strlen(text) - 2] = '\0';
	same_both_ways("slow record last, no line end", text, 2, STATUS_OK,
		       none, &r);
	if (r.n == 2) {
		is_str(scan_entry_first(r.e[1], "mail"), "bob@contoso.com",
		       "slow record last, no line end: its last value whole");
	}
	run_release(&r);
	free(text);
	static const char last_bad[] = "dn: CN=Ann,OU=Users,DC=contoso,DC=com\n"
				       "objectClass: user\n"
				       "\n"
				       "dn: CN=Bob,OU=Users,DC=contoso,DC=com\n"
				       "changetype: add\n"
				       "objectClass: user\n"
				       "no colon";
	const char *const bad_errs[] = {"FILE:7: not a valid LDIF record",
					NULL};
	same_both_ways("bad record last", last_bad, 1, STATUS_ERR_DIRECTORY,
		       bad_errs, &r);
	run_release(&r);

	/*
	 * A slow record larger than the stream's buffer (1 MB) and across
	 * its end: read again from the disk, not from the buffer.
	 */
	struct strbuf big;
	strbuf_init(&big);
	for (int i = 0; i < 3000; i++) {
		strbuf_addf(&big,
			    "dn: CN=U%d,OU=Users,DC=contoso,DC=com\n"
			    "objectClass: user\n"
			    "description: %0200d\n\n",
			    i, i);
	}
	strbuf_addstr(&big, "dn: CN=Big,OU=Groups,DC=contoso,DC=com\n"
			    "changetype: add\n"
			    "objectClass: group\n");
	for (int i = 0; i < 30000; i++) {
		strbuf_addf(&big,
			    "member: CN=Member %d,OU=Users,DC=contoso,"
			    "DC=com\n",
			    i);
	}
	strbuf_addstr(&big, "\n"
			    "dn: CN=Zed,OU=Users,DC=contoso,DC=com\n"
			    "changetype: modify\n"
			    "replace: mail\n"
			    "mail: zed@contoso.com\n"
			    "-\n"
			    "\n"
			    "dn: CN=Last,OU=Users,DC=contoso,DC=com\n"
			    "objectClass: user\n");
	const char *const big_errs[] = {
		"FILE:42005: CN=Zed,OU=Users,DC=contoso,DC=com is a change "
		"record",
		NULL};
	same_both_ways("a slow record over 1 MB", big.buf, 3002, STATUS_OK,
		       big_errs, &r);
	if (r.n == 3002) {
		const struct scan_attr *m =
			scan_entry_attr(r.e[3000], "member");
		ok(m != NULL && m->nvals == 30000 &&
			   strcmp(m->vals[29999].data,
				  "CN=Member 29999,OU=Users,DC=contoso,"
				  "DC=com") == 0,
		   "a slow record over 1 MB: every member read");
		is_str(r.e[3001]->dn, "CN=Last,OU=Users,DC=contoso,DC=com",
		       "a slow record over 1 MB: the records after it read");
	}
	run_release(&r);
	strbuf_release(&big);

	/*
	 * libldap follows "include:" to another file; records it reads
	 * there, or that begin there, are copied, not read again.
	 */
	char *inc = tap_write_file("/tmp/test-scanner-XXXXXX",
				   "dn: CN=Bob,OU=Users,DC=contoso,DC=com\n"
				   "changetype: add\n"
				   "objectClass: user\n"
				   "mail: bob@contoso.com\n"
				   "\n"
				   "dn: CN=Bo2,OU=Users,DC=contoso,DC=com\n"
				   "changetype: add\n"
				   "objectClass: user\n"
				   "mail: bo2@contoso.com\n");
	struct strbuf with;
	strbuf_init(&with);
	strbuf_addf(&with,
		    "dn: CN=Ann,OU=Users,DC=contoso,DC=com\n"
		    "objectClass: user\n"
		    "\n"
		    "include: file://%s\n"
		    "\n"
		    "dn: CN=Cy,OU=Users,DC=contoso,DC=com\n"
		    "changetype: add\n"
		    "objectClass: user\n"
		    "mail: cy@contoso.com\n"
		    "\n"
		    "dn: CN=Dee,OU=Users,DC=contoso,DC=com\n"
		    "changetype: add\n"
		    "objectClass: user\n"
		    "mail: dee@contoso.com\n",
		    inc);
	same_both_ways("an include", with.buf, 5, STATUS_OK, none, &r);
	if (r.n == 5) {
		is_str(scan_entry_first(r.e[1], "mail"), "bob@contoso.com",
		       "an include: the slow record in the other file");
		is_str(scan_entry_first(r.e[4], "mail"), "dee@contoso.com",
		       "an include: a slow record after it, back in the first");
	}
	run_release(&r);
	strbuf_release(&with);
	unlink(inc);
	free(inc);
}

/* One bad LDIF: the scan fails with one error naming file:line. */
static void
bad_ldif(const char *text, const char *line, const char *needle,
	 const char *what)
{
	char *path = tap_write_file("/tmp/test-scanner-XXXXXX", text);
	char errpath[] = "/tmp/test-scanner-err-XXXXXX";
	int efd = mkstemp(errpath);
	close(efd);
	const char *want[] = {"mail", NULL};
	const char *counted[] = {"member", NULL};
	unsigned before = log_error_count();
	capture_begin(errpath);
	enum status st;
	struct scan_source *src =
		scan_source_ldif_new(path, want, counted, NULL, &st);
	struct scan_entry *e = NULL;
	enum status sn = STATUS_OK;
	while (src != NULL && (sn = scan_source_next(src, &e)) == STATUS_OK &&
	       e != NULL) {
		scan_entry_free(e);
	}
	char *err = capture_end(errpath);
	char tag[256];
	snprintf(tag, sizeof(tag), "%s:%s:", path, line);
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: directory error", what);
	is_int(sn, STATUS_ERR_DIRECTORY, msg);
	snprintf(msg, sizeof(msg), "%s: one error line naming line %s", what,
		 line);
	ok(log_error_count() - before == 1 && strstr(err, tag) != NULL &&
		   strchr(err, '\n') == strrchr(err, '\n'),
	   msg);
	snprintf(msg, sizeof(msg), "%s: says why", what);
	ok(strstr(err, needle) != NULL, msg);
	if (strstr(err, tag) == NULL || strstr(err, needle) == NULL) {
		printf("# stderr was: %s\n", err);
	}
	free(err);
	scan_source_free(src);
	unlink(path);
	free(path);
}

static void
test_bad_ldif(void)
{
	bad_ldif("dn: cn=a,dc=x\nobjectClass: user\n\n"
		 "objectClass: user\ncn: b\n",
		 "4", "no 'dn:' line", "record without dn");
	bad_ldif("dn: cn=a,dc=x\nobjectClass: user\ncn:: !!!notbase64\n", "3",
		 "cn:: !!!notbase64", "invalid base64");
	/* The values of a counted attribute after the first are checked too. */
	bad_ldif("dn: cn=g,dc=x\nobjectClass: group\nmember: cn=a,dc=x\n"
		 "member:: !!!notbase64\n",
		 "4", "member:: !!!notbase64",
		 "invalid base64 in a counted attribute");
	bad_ldif("dn: cn=a,dc=x\nobjectClass: user\n"
		 "description:< file:///etc/passwd\n",
		 "3", "URL", "URL value refused");
	bad_ldif("# c\ndn: cn=a,dc=x\nobjectClass: user\n"
		 "member;range=zz-1: cn=b\n",
		 "1", "malformed attribute description", "bad range option");
}

int
main(void)
{
	test_range_parse();
	test_decode();
	test_dn_normalize();
	test_decode_dn();
	test_attrs();
	test_entry_lookup();
	test_default_filter();
	test_ldif();
	test_ldif_both_paths();
	test_ldif_counted();
	test_ldif_reread();
	test_bad_ldif();
	scan_source_free(NULL);
	return tap_done();
}
