/*
 * bench-gen: a deterministic synthetic Active Directory of N objects, as
 * LDIF in the spelling of fixtures/gen-contoso.py (--flavor slapd: what
 * slapadd accepts with fixtures/slapd/ad.schema): objectGUID/objectSid and
 * the Exchange GUIDs base64, objectCategory as a DN, AD's RDN escaping.
 *
 *   bench-gen [--objects N | --users N] [--seed S] [--stats FILE] [-o FILE]
 *
 * N counts users, contacts and groups (what the default filter returns) in
 * Contoso's proportions, 20 : 2 : 1; --users N sizes the directory so that
 * it holds N users.  On top come the domain head, the containers, an OU
 * tree of about 1,000 users per leaf (Staff/Region/Department/Site), the
 * well-known accounts the exclusions are about and their look-alikes.
 *
 * Every value is a pure function of (seed, object index): a duplicate of
 * object j is made by computing j's value again, so the generator keeps
 * nothing per object and writes a million objects in seconds.  About 2% of
 * the objects carry one IdFix-class defect or mailbox-GUID case (see
 * enum defect); duplicates are taken from objects far away, hence in other
 * OUs, and across classes (contacts and groups holding users' addresses).
 * Groups: "All Staff" holds every user, one group per region and per
 * department (more than AD's 1,500-value window, over 50,000 members from
 * a few hundred thousand objects on), and many small ones.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE_DN "DC=contoso,DC=com"
#define DOMAIN "contoso.com"
#define CLOUD "contoso.mail.onmicrosoft.com"
#define SCHEMA "CN=Schema,CN=Configuration," BASE_DN
#define HOME_MDB                                                              \
	"CN=Mailbox Database %02d,CN=Databases,CN=Exchange Administrative "    \
	"Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,"         \
	"CN=Microsoft Exchange,CN=Services,CN=Configuration," BASE_DN
#define USERS_PER_LEAF 1000
#define CONTACTS_PER_OU 5000
/* The share of objects with a seeded defect, in 1/10000. */
#define DEFECT_RATE 200

#define RTD_USER_MAILBOX "1"
#define RTD_MAIL_USER "128"
#define RTD_MAIL_CONTACT "64"
#define RTD_REMOTE_USER_MAILBOX "2147483648"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A name and its transliterated ASCII alias. */
struct name {
	const char *text;
	const char *ascii;
};

static const struct name first_names[] = {
	{"James", "james"}, {"Mary", "mary"}, {"John", "john"},
	{"Patricia", "patricia"}, {"Robert", "robert"},
	{"Jennifer", "jennifer"}, {"Michael", "michael"}, {"Linda", "linda"},
	{"William", "william"}, {"Elizabeth", "elizabeth"},
	{"David", "david"}, {"Barbara", "barbara"}, {"Richard", "richard"},
	{"Susan", "susan"}, {"Joseph", "joseph"}, {"Jessica", "jessica"},
	{"Thomas", "thomas"}, {"Sarah", "sarah"}, {"Charles", "charles"},
	{"Karen", "karen"}, {"Daniel", "daniel"}, {"Lisa", "lisa"},
	{"Matthew", "matthew"}, {"Nancy", "nancy"}, {"Anthony", "anthony"},
	{"Betty", "betty"}, {"Mark", "mark"}, {"Sandra", "sandra"},
	{"Steven", "steven"}, {"Ashley", "ashley"}, {"Paul", "paul"},
	{"Emily", "emily"}, {"Andrew", "andrew"}, {"Donna", "donna"},
	{"Kevin", "kevin"}, {"Michelle", "michelle"}, {"Brian", "brian"},
	{"Carol", "carol"}, {"George", "george"}, {"Amanda", "amanda"},
	{"J\xc3\xb6rg", "joerg"}, {"Zo\xc3\xab", "zoe"},
	{"Ren\xc3\xa9" "e", "renee"}, {"Jos\xc3\xa9", "jose"},
	{"Fran\xc3\xa7ois", "francois"}, {"S\xc3\xb8ren", "soren"},
	{"\xc5\x81ukasz", "lukasz"}, {"\xc3\x82ngela", "angela"},
	{"Mei", "mei"}, {"Hiroshi", "hiroshi"}, {"Anne-Marie", "annemarie"},
	{"Jean-Luc", "jeanluc"}, {"Siobh\xc3\xa1n", "siobhan"},
	{"Bj\xc3\xb6rn", "bjoern"}, {"In\xc3\xa8s", "ines"}, {"Olga", "olga"},
	{"Priya", "priya"}, {"Ahmed", "ahmed"}, {"Fatima", "fatima"},
	{"J\xc3\xbcrgen", "juergen"}, {"G\xc3\xbcnther", "guenther"},
	{"Chlo\xc3\xa9", "chloe"}, {"Kenji", "kenji"}, {"Yuki", "yuki"},
	{"Ngozi", "ngozi"}, {"Oluwaseun", "oluwaseun"},
};

static const struct name last_names[] = {
	{"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"},
	{"Brown", "brown"}, {"Jones", "jones"}, {"Garcia", "garcia"},
	{"Miller", "miller"}, {"Davis", "davis"},
	{"Rodriguez", "rodriguez"}, {"Martinez", "martinez"},
	{"Hernandez", "hernandez"}, {"Lopez", "lopez"},
	{"Gonzalez", "gonzalez"}, {"Wilson", "wilson"},
	{"Anderson", "anderson"}, {"Thomas", "thomas"}, {"Taylor", "taylor"},
	{"Moore", "moore"}, {"Jackson", "jackson"}, {"Martin", "martin"},
	{"Lee", "lee"}, {"Perez", "perez"}, {"Thompson", "thompson"},
	{"White", "white"}, {"Harris", "harris"}, {"Clark", "clark"},
	{"Lewis", "lewis"}, {"Walker", "walker"}, {"Hall", "hall"},
	{"Young", "young"}, {"O'Brien", "obrien"},
	{"M\xc3\xbcller", "mueller"}, {"Sch\xc3\xa4" "fer", "schaefer"},
	{"Wei\xc3\x9f", "weiss"}, {"Nguyen", "nguyen"},
	{"Van der Berg", "vanderberg"}, {"Smith-Jones", "smithjones"},
	{"Kowalski", "kowalski"}, {"\xc3\x98ster", "oster"},
	{"Dubois", "dubois"}, {"Rossi", "rossi"}, {"Tanaka", "tanaka"},
	{"Kim", "kim"}, {"Silva", "silva"}, {"Nov\xc3\xa1k", "novak"},
	{"\xc5\xbb" "ak", "zak"}, {"Garc\xc3\xad" "a-L\xc3\xb3pez", "garcialopez"},
	{"Bj\xc3\xb6rklund", "bjoerklund"}, {"\xc3\x85" "berg", "aberg"},
	{"D'Angelo", "dangelo"}, {"MacDonald", "macdonald"},
};

static const char *const regions[] = {"Americas", "EMEA", "APAC", "LATAM",
				      "ANZ"};
static const char *const depts[] = {"Sales", "Marketing", "Finance",
				    "Human Resources", "IT", "Legal",
				    "Operations", "Research & Development",
				    "Support", "Executive"};
static const char *const titles[] = {"Analyst", "Engineer", "Manager",
				     "Director", "Specialist", "Consultant",
				     "Coordinator", "Associate", "Lead",
				     "Assistant"};
static const char *const partners[] = {
	"fabrikam.com", "tailspintoys.com", "adatum.com", "litwareinc.com",
	"northwindtraders.com", "wingtiptoys.com", "fourthcoffee.com",
	"proseware.com", "woodgrovebank.com", "alpineskihouse.com"};
static const char *const cities[] = {"Seattle", "Redmond", "London",
				     "M\xc3\xbcnchen", "Paris",
				     "Z\xc3\xbcrich", "Tokyo",
				     "S\xc3\xa3o Paulo", "Krak\xc3\xb3w",
				     "Oslo"};
static const char *const topics[] = {"Project", "Team", "Committee",
				     "Alumni", "Newsletter", "Office",
				     "Regional", "Working Group", "Champions",
				     "Volunteers"};

/* The seeded problems; one object carries at most one. */
enum defect {
	D_NONE,
	/* users */
	D_DISPLAYNAME_MISSING,
	D_DISPLAYNAME_SPACE,
	D_DISPLAYNAME_TOO_LONG,
	D_GIVENNAME_TOO_LONG,
	D_UPN_LOCAL_SUFFIX,
	D_UPN_SPACE,
	D_UPN_INVALID_CHAR,
	D_UPN_NON_ASCII,
	D_UPN_TLD_TYPO,
	D_UPN_DUPLICATE,
	D_SAM_TOO_LONG,
	D_SAM_INVALID_CHAR,
	D_MAIL_SPACE,
	D_MAIL_DOUBLE_DOT,
	D_MAIL_TLD_TYPO,
	D_MAIL_DUPLICATE,
	D_MAIL_TRAILING_SPACE,
	D_NICK_INVALID_CHAR,
	D_NICK_DUPLICATE,
	D_NICK_PERIOD,
	D_PROXY_TWO_PRIMARIES,
	D_PROXY_NO_PRIMARY,
	D_PROXY_PRIMARY_NOT_MAIL,
	D_PROXY_DUPLICATE,
	D_PROXY_SPACE,
	D_PROXY_COLON,
	D_MAILBOX_GUID_STALE,
	D_MAILBOX_GUID_DUPLICATE,
	D_MAILBOX_GUID_NO_NICK,
	D_REMOTE_WITHOUT_GUID,
	D_ANCHOR_DUPLICATE,
	/* contacts */
	D_CONTACT_HOLDS_USER_ADDRESS,
	D_CONTACT_MAIL_NO_TLD,
	D_CONTACT_DISPLAYNAME_MISSING,
	/* groups */
	D_GROUP_HOLDS_USER_ADDRESS,
	D_GROUP_MAIL_SPACE,
	D_GROUP_DISPLAYNAME_MISSING,
	D_COUNT
};

static const char *const defect_names[D_COUNT] = {
	[D_NONE] = "none",
	[D_DISPLAYNAME_MISSING] = "displayname_missing",
	[D_DISPLAYNAME_SPACE] = "displayname_leading_trailing_space",
	[D_DISPLAYNAME_TOO_LONG] = "displayname_over_256",
	[D_GIVENNAME_TOO_LONG] = "givenname_over_64",
	[D_UPN_LOCAL_SUFFIX] = "upn_local_suffix",
	[D_UPN_SPACE] = "upn_space",
	[D_UPN_INVALID_CHAR] = "upn_invalid_char",
	[D_UPN_NON_ASCII] = "upn_non_ascii",
	[D_UPN_TLD_TYPO] = "upn_tld_typo",
	[D_UPN_DUPLICATE] = "upn_duplicate",
	[D_SAM_TOO_LONG] = "samaccountname_over_20",
	[D_SAM_INVALID_CHAR] = "samaccountname_invalid_char",
	[D_MAIL_SPACE] = "mail_space",
	[D_MAIL_DOUBLE_DOT] = "mail_double_dot",
	[D_MAIL_TLD_TYPO] = "mail_tld_typo",
	[D_MAIL_DUPLICATE] = "mail_duplicate",
	[D_MAIL_TRAILING_SPACE] = "mail_trailing_space",
	[D_NICK_INVALID_CHAR] = "mailnickname_invalid_char",
	[D_NICK_DUPLICATE] = "mailnickname_duplicate",
	[D_NICK_PERIOD] = "mailnickname_leading_period",
	[D_PROXY_TWO_PRIMARIES] = "proxy_two_primaries",
	[D_PROXY_NO_PRIMARY] = "proxy_no_primary",
	[D_PROXY_PRIMARY_NOT_MAIL] = "proxy_primary_not_mail",
	[D_PROXY_DUPLICATE] = "proxy_duplicate",
	[D_PROXY_SPACE] = "proxy_space",
	[D_PROXY_COLON] = "proxy_colon_in_suffix",
	[D_MAILBOX_GUID_STALE] = "mailbox_guid_stale",
	[D_MAILBOX_GUID_DUPLICATE] = "mailbox_guid_duplicate",
	[D_MAILBOX_GUID_NO_NICK] = "mailbox_guid_without_nickname",
	[D_REMOTE_WITHOUT_GUID] = "remote_mailbox_without_guid",
	[D_ANCHOR_DUPLICATE] = "consistencyguid_duplicate",
	[D_CONTACT_HOLDS_USER_ADDRESS] = "contact_holds_user_address",
	[D_CONTACT_MAIL_NO_TLD] = "contact_mail_no_tld",
	[D_CONTACT_DISPLAYNAME_MISSING] = "contact_displayname_missing",
	[D_GROUP_HOLDS_USER_ADDRESS] = "group_holds_user_address",
	[D_GROUP_MAIL_SPACE] = "group_mail_space",
	[D_GROUP_DISPLAYNAME_MISSING] = "group_displayname_missing",
};

#define D_FIRST_USER D_DISPLAYNAME_MISSING
#define D_LAST_USER D_ANCHOR_DUPLICATE
#define D_FIRST_CONTACT D_CONTACT_HOLDS_USER_ADDRESS
#define D_LAST_CONTACT D_CONTACT_DISPLAYNAME_MISSING
#define D_FIRST_GROUP D_GROUP_HOLDS_USER_ADDRESS
#define D_LAST_GROUP D_GROUP_DISPLAYNAME_MISSING

/* Salts: each attribute draws from its own stream. */
enum salt {
	S_DEFECT = 1,
	S_DEFECT_KIND,
	S_PEER,
	S_FIRST,
	S_LAST,
	S_CNFORM,
	S_TITLE,
	S_PHONE,
	S_UAC,
	S_KIND,
	S_GUID,
	S_MBXGUID,
	S_ARCHIVE,
	S_ANCHOR,
	S_STAMP,
	S_EXTRAS,
	S_MDB,
	S_PARTNER,
	S_GROUP,
	S_MEMBERS,
};

static uint64_t seed = 1;
static uint64_t n_users, n_contacts, n_groups, n_leaves, n_contact_ous;
static uint64_t usn = 12000;
static uint64_t defect_count[D_COUNT];

/* ---- deterministic randomness --------------------------------------------- */

static uint64_t
mix(uint64_t x)
{
	/* splitmix64's finaliser */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A random number for (class, index, salt). */
static uint64_t
rnd(int cls, uint64_t i, enum salt salt)
{
	return mix(mix(seed ^ ((uint64_t)cls << 56)) ^ mix(i * 131 + salt));
}

/* True with probability p/10000. */
static bool
chance(int cls, uint64_t i, enum salt salt, unsigned p)
{
	return rnd(cls, i, salt) % 10000 < p;
}

/* ---- output --------------------------------------------------------------- */

static FILE *out;
static char obuf[1 << 20];
static size_t olen;

static void
flush_out(void)
{
	if (olen > 0 && fwrite(obuf, 1, olen, out) != olen) {
		fprintf(stderr, "bench-gen: write failed: %s\n", strerror(errno));
		exit(1);
	}
	olen = 0;
}

static void
put(const char *s, size_t n)
{
	if (olen + n > sizeof(obuf)) {
		flush_out();
	}
	if (n > sizeof(obuf)) {
		if (fwrite(s, 1, n, out) != n) {
			fprintf(stderr, "bench-gen: write failed: %s\n",
				strerror(errno));
			exit(1);
		}
		return;
	}
	memcpy(obuf + olen, s, n);
	olen += n;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* line: the attribute line being folded */
static char line[16384];
static size_t llen;

static void
lput(const char *s, size_t n)
{
	if (llen + n > sizeof(line)) {
		n = sizeof(line) - llen;
	}
	memcpy(line + llen, s, n);
	llen += n;
}

/* Writes line folded at 76 columns as RFC 2849 and ldapsearch do. */
static void
emit_line(void)
{
	if (llen <= 76) {
		put(line, llen);
		put("\n", 1);
		return;
	}
	put(line, 76);
	put("\n", 1);
	for (size_t at = 76; at < llen; at += 75) {
		size_t n = llen - at < 75 ? llen - at : 75;
		put(" ", 1);
		put(line + at, n);
		put("\n", 1);
	}
}

static bool
needs_b64(const unsigned char *v, size_t n)
{
	if (n == 0 || v[0] == ' ' || v[0] == ':' || v[0] == '<' ||
	    v[n - 1] == ' ') {
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] == 0 || v[i] == '\n' || v[i] == '\r' || v[i] >= 0x80) {
			return true;
		}
	}
	return false;
}

/* One attribute line: base64 when the value needs it. */
static void
attr_bin(const char *name, const void *data, size_t n)
{
	const unsigned char *v = data;
	llen = 0;
	lput(name, strlen(name));
	if (!needs_b64(v, n)) {
		lput(": ", 2);
		lput((const char *)v, n);
		emit_line();
		return;
	}
	lput(":: ", 3);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)v[i] << 16;
		if (i + 1 < n) {
			w |= (uint32_t)v[i + 1] << 8;
		}
		if (i + 2 < n) {
			w |= v[i + 2];
		}
		char q[4] = {b64[(w >> 18) & 63], b64[(w >> 12) & 63],
			     i + 1 < n ? b64[(w >> 6) & 63] : '=',
			     i + 2 < n ? b64[w & 63] : '='};
		lput(q, 4);
	}
	emit_line();
}

static void
attr(const char *name, const char *value)
{
	if (value != NULL) {
		attr_bin(name, value, strlen(value));
	}
}

static void
attrf(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
attrf(const char *name, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	attr_bin(name, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
end_entry(void)
{
	put("\n", 1);
}

/* RFC 4514 escaping of an RDN value, as AD writes it. */
static void
rdn_escape(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v), o = 0;
	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		char c = v[i];
		if (strchr(",+\"\\<>;=", c) != NULL ||
		    (c == '#' && i == 0) ||
		    (c == ' ' && (i == 0 || i == n - 1))) {
			dst[o++] = '\\';
		}
		dst[o++] = c;
	}
	dst[o] = '\0';
}

static void
guid_bytes(unsigned char g[16], int cls, uint64_t i, enum salt salt)
{
	uint64_t a = rnd(cls, i, salt), b = mix(a ^ 0x5851f42d4c957f2dULL);
	memcpy(g, &a, 8);
	memcpy(g + 8, &b, 8);
	g[7] = (unsigned char)((g[7] & 0x0f) | 0x40); /* version 4, LE */
	g[8] = (unsigned char)((g[8] & 0x3f) | 0x80);
}

static void
attr_guid(const char *name, int cls, uint64_t i, enum salt salt)
{
	unsigned char g[16];
	guid_bytes(g, cls, i, salt);
	attr_bin(name, g, sizeof(g));
}

static void
attr_sid(uint32_t rid)
{
	unsigned char b[28] = {1, 5, 0, 0, 0, 0, 0, 5};
	uint32_t subs[5] = {21, (uint32_t)(mix(seed) & 0x7fffffff),
			    (uint32_t)(mix(seed + 1) & 0x7fffffff),
			    (uint32_t)(mix(seed + 2) & 0x7fffffff), rid};
	for (int k = 0; k < 5; k++) {
		for (int j = 0; j < 4; j++) {
			b[8 + 4 * k + j] = (unsigned char)(subs[k] >> (8 * j));
		}
	}
	attr_bin("objectSid", b, sizeof(b));
}

static void
stamps(int cls, uint64_t i)
{
	uint64_t r = rnd(cls, i, S_STAMP);
	char ts[32];
	snprintf(ts, sizeof(ts), "20%02u%02u%02u%02u%02u%02u.0Z",
		 (unsigned)(15 + r % 10), (unsigned)(1 + (r >> 8) % 12),
		 (unsigned)(1 + (r >> 16) % 28), (unsigned)((r >> 24) % 24),
		 (unsigned)((r >> 32) % 60), (unsigned)((r >> 40) % 60));
	usn++;
	attr("whenCreated", ts);
	attr("whenChanged", ts);
	attrf("uSNCreated", "%" PRIu64, usn);
	attrf("uSNChanged", "%" PRIu64, usn);
}

static void
category(const char *cat)
{
	attrf("objectCategory", "CN=%s," SCHEMA, cat);
}

static void
classes(const char *const *cls)
{
	for (; *cls != NULL; cls++) {
		attr("objectClass", *cls);
	}
}

/* ---- the OU tree ---------------------------------------------------------- */

static void
ou_dn(char *dst, size_t cap, uint64_t leaf)
{
	char d[64];
	rdn_escape(d, sizeof(d), depts[(leaf / NELEM(regions)) % NELEM(depts)]);
	snprintf(dst, cap, "OU=Site %02" PRIu64 ",OU=%s,OU=%s,OU=Staff," BASE_DN,
		 leaf / (NELEM(regions) * NELEM(depts)) + 1, d,
		 regions[leaf % NELEM(regions)]);
}

static void
emit_ou(const char *dn, const char *name)
{
	attr("dn", dn);
	classes((const char *const[]){"top", "organizationalUnit", NULL});
	attr("ou", name);
	attr("description", name);
	end_entry();
}

static void
emit_container(const char *dn, const char *cn, bool critical, uint64_t k)
{
	attr("dn", dn);
	classes((const char *const[]){"top", "container", NULL});
	attr("cn", cn);
	attr_guid("objectGUID", 9, k, S_GUID);
	attr("instanceType", "4");
	if (critical) {
		attr("isCriticalSystemObject", "TRUE");
	}
	stamps(9, k);
	category("Container");
	end_entry();
}

static void
skeleton(void)
{
	attr("dn", BASE_DN);
	classes((const char *const[]){"top", "domain", "domainDNS", NULL});
	attr("dc", "contoso");
	attr_guid("objectGUID", 9, 0, S_GUID);
	attr_sid(0);
	attr("instanceType", "5");
	attr("isCriticalSystemObject", "TRUE");
	stamps(9, 0);
	category("Domain-DNS");
	end_entry();
	emit_container("CN=Users," BASE_DN, "Users", true, 1);
	emit_container("CN=Computers," BASE_DN, "Computers", true, 2);
	emit_ou("OU=Domain Controllers," BASE_DN, "Domain Controllers");
	emit_ou("OU=Staff," BASE_DN, "Staff");
	uint64_t nr = n_leaves < NELEM(regions) ? n_leaves : NELEM(regions);
	for (uint64_t r = 0; r < nr; r++) {
		char dn[512];
		snprintf(dn, sizeof(dn), "OU=%s,OU=Staff," BASE_DN, regions[r]);
		emit_ou(dn, regions[r]);
	}
	uint64_t nd = n_leaves < NELEM(regions) * NELEM(depts)
			      ? n_leaves
			      : NELEM(regions) * NELEM(depts);
	for (uint64_t k = 0; k < nd; k++) {
		char dn[512], d[64];
		const char *dept = depts[(k / NELEM(regions)) % NELEM(depts)];
		rdn_escape(d, sizeof(d), dept);
		snprintf(dn, sizeof(dn), "OU=%s,OU=%s,OU=Staff," BASE_DN, d,
			 regions[k % NELEM(regions)]);
		emit_ou(dn, dept);
	}
	for (uint64_t leaf = 0; leaf < n_leaves; leaf++) {
		char dn[512], name[32];
		ou_dn(dn, sizeof(dn), leaf);
		snprintf(name, sizeof(name), "Site %02" PRIu64,
			 leaf / (NELEM(regions) * NELEM(depts)) + 1);
		emit_ou(dn, name);
	}
	emit_ou("OU=Contacts," BASE_DN, "Contacts");
	for (uint64_t k = 0; k < n_contact_ous; k++) {
		char dn[256], name[32];
		snprintf(name, sizeof(name), "Partners %02" PRIu64, k + 1);
		snprintf(dn, sizeof(dn), "OU=%s,OU=Contacts," BASE_DN, name);
		emit_ou(dn, name);
	}
	emit_ou("OU=Groups," BASE_DN, "Groups");
}

/* ---- users ---------------------------------------------------------------- */

/* What an index's user looks like before its own defect is applied. */
struct person {
	const struct name *gn, *sn;
	char cn[160];
	char dn[800];
	char sam[32];
	char upn[128];
	char mail[128];
	char alias[96];
	char display[160];
	int kind; /* 0 on-premises mailbox, 1 remote, 2 mail user, 3 none */
};

static enum defect
user_defect(uint64_t i)
{
	if (!chance(1, i, S_DEFECT, DEFECT_RATE)) {
		return D_NONE;
	}
	return (enum defect)(D_FIRST_USER + rnd(1, i, S_DEFECT_KIND) %
						    (D_LAST_USER - D_FIRST_USER + 1));
}

static void
base36(char *dst, uint64_t v)
{
	char tmp[16];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v > 0);
	while (n < 4) {
		tmp[n++] = '0';
	}
	for (int k = 0; k < n; k++) {
		dst[k] = tmp[n - 1 - k];
	}
	dst[n] = '\0';
}

static void
person_of(uint64_t i, struct person *p)
{
	p->gn = &first_names[rnd(1, i, S_FIRST) % NELEM(first_names)];
	p->sn = &last_names[rnd(1, i, S_LAST) % NELEM(last_names)];
	char id[16];
	base36(id, i);
	/* A unique cn: AD needs one per OU; real directories add a number. */
	if (rnd(1, i, S_CNFORM) % 10 < 6) {
		snprintf(p->cn, sizeof(p->cn), "%s, %s %s", p->sn->text,
			 p->gn->text, id);
	} else {
		snprintf(p->cn, sizeof(p->cn), "%s %s %s", p->gn->text,
			 p->sn->text, id);
	}
	char esc[320];
	rdn_escape(esc, sizeof(esc), p->cn);
	char ou[400];
	ou_dn(ou, sizeof(ou), i % n_leaves);
	snprintf(p->dn, sizeof(p->dn), "CN=%s,%s", esc, ou);
	/* sAMAccountName: initial + surname, cut so the id fits in 20 */
	snprintf(p->sam, sizeof(p->sam), "%.1s%.*s%s", p->gn->ascii,
		 (int)(19 - strlen(id)), p->sn->ascii, id);
	snprintf(p->upn, sizeof(p->upn), "%s@" DOMAIN, p->sam);
	snprintf(p->alias, sizeof(p->alias), "%s.%s.%s", p->gn->ascii,
		 p->sn->ascii, id);
	snprintf(p->mail, sizeof(p->mail), "%s@" DOMAIN, p->alias);
	snprintf(p->display, sizeof(p->display), "%s %s", p->gn->text,
		 p->sn->text);
	uint64_t k = rnd(1, i, S_KIND) % 100;
	p->kind = k < 45 ? 0 : k < 75 ? 1 : k < 85 ? 2 : 3;
}

/*
 * Another user, far from i (so in another OU), without a defect of its
 * own, so that the copied value is really held twice.
 */
static uint64_t
peer_of(int cls, uint64_t i)
{
	uint64_t j = rnd(cls, i, S_PEER) % n_users;
	if (cls == 1 && j == i) {
		j = (j + n_users / 2 + 1) % n_users;
	}
	for (int tries = 0; tries < 64 && user_defect(j) != D_NONE; tries++) {
		j = (j + 7919) % n_users;
		if (cls == 1 && j == i) {
			j = (j + 1) % n_users;
		}
	}
	return j;
}

static bool
is_non_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80) {
			return true;
		}
	}
	return false;
}

static void
emit_user(uint64_t i)
{
	struct person p, peer;
	person_of(i, &p);
	enum defect d = user_defect(i);
	if (d == D_UPN_NON_ASCII && !is_non_ascii(p.gn->text) &&
	    !is_non_ascii(p.sn->text)) {
		d = D_UPN_SPACE;
	}
	defect_count[d]++;
	bool has_peer = d == D_UPN_DUPLICATE || d == D_MAIL_DUPLICATE ||
			d == D_NICK_DUPLICATE || d == D_PROXY_DUPLICATE ||
			d == D_MAILBOX_GUID_DUPLICATE || d == D_ANCHOR_DUPLICATE;
	uint64_t pj = 0;
	if (has_peer) {
		pj = peer_of(1, i);
		person_of(pj, &peer);
	}
	char buf[512], id[16];
	base36(id, i);

	attr("dn", p.dn);
	classes((const char *const[]){"top", "person", "organizationalPerson",
				      "user", NULL});
	attr("cn", p.cn);
	if (d == D_GIVENNAME_TOO_LONG) {
		char g[80];
		memset(g, 'G', 65);
		g[65] = '\0';
		attr("givenName", g);
	} else {
		attr("givenName", p.gn->text);
	}
	attr("sn", p.sn->text);
	snprintf(buf, sizeof(buf), "%s", p.display);
	if (d == D_DISPLAYNAME_SPACE) {
		char t[sizeof(buf) + 4];
		snprintf(t, sizeof(t), " %s ", buf);
		attr("displayName", t);
	} else if (d == D_DISPLAYNAME_TOO_LONG) {
		char t[300];
		memset(t, 'D', 257);
		t[257] = '\0';
		attr("displayName", t);
	} else if (d != D_DISPLAYNAME_MISSING) {
		attr("displayName", buf);
	}
	if (d == D_SAM_TOO_LONG) {
		attrf("sAMAccountName", "%s.longname.%s", p.sn->ascii, id);
	} else if (d == D_SAM_INVALID_CHAR) {
		attrf("sAMAccountName", "%s[%s]", p.sn->ascii, id);
	} else {
		attr("sAMAccountName", p.sam);
	}
	switch (d) {
	case D_UPN_LOCAL_SUFFIX:
		attrf("userPrincipalName", "%s@contoso.local", p.sam);
		break;
	case D_UPN_SPACE:
		attrf("userPrincipalName", "%s %s%s@" DOMAIN, p.gn->ascii,
		      p.sn->ascii, id);
		break;
	case D_UPN_INVALID_CHAR:
		attrf("userPrincipalName", "%s(%s)%s@" DOMAIN, p.gn->ascii,
		      p.sn->ascii, id);
		break;
	case D_UPN_NON_ASCII:
		attrf("userPrincipalName", "%s.%s%s@" DOMAIN, p.gn->text,
		      p.sn->text, id);
		break;
	case D_UPN_TLD_TYPO:
		attrf("userPrincipalName", "%s@contoso.cmo", p.sam);
		break;
	case D_UPN_DUPLICATE:
		attr("userPrincipalName", peer.upn);
		break;
	default:
		attr("userPrincipalName", p.upn);
		break;
	}
	uint64_t u = rnd(1, i, S_UAC) % 100;
	attr("userAccountControl", u < 10 ? "514" : u < 15 ? "66048" : "512");
	attr_guid("objectGUID", 1, i, S_GUID);
	attr_sid((uint32_t)(1200 + i));
	attr("sAMAccountType", "805306368");
	attr("primaryGroupID", "513");
	attr("instanceType", "4");
	attr("title", titles[rnd(1, i, S_TITLE) % NELEM(titles)]);
	attr("department", depts[(i % n_leaves / NELEM(regions)) % NELEM(depts)]);
	attr("company", "Contoso Ltd.");
	attrf("telephoneNumber", "+1 425 555 %04u",
	      (unsigned)(rnd(1, i, S_PHONE) % 9000 + 1000));
	if (d == D_ANCHOR_DUPLICATE) {
		attr_guid("mS-DS-ConsistencyGuid", 1, pj, S_GUID);
	} else if (chance(1, i, S_ANCHOR, 1000)) {
		attr_guid("mS-DS-ConsistencyGuid", 1, i, S_GUID);
	}
	int kind = p.kind;
	if (d >= D_MAIL_SPACE && d <= D_REMOTE_WITHOUT_GUID && kind == 3) {
		kind = 0; /* the defect needs a mail-enabled user */
	}
	if (d == D_REMOTE_WITHOUT_GUID) {
		kind = 1;
	}
	if (d == D_MAILBOX_GUID_DUPLICATE) {
		kind = 0;
	}
	if (kind != 3) {
		const char *mail = p.mail;
		char m[256];
		switch (d) {
		case D_MAIL_SPACE:
			snprintf(m, sizeof(m), "%s %s%s@" DOMAIN, p.gn->ascii,
				 p.sn->ascii, id);
			mail = m;
			break;
		case D_MAIL_DOUBLE_DOT:
			snprintf(m, sizeof(m), "%s..%s%s@" DOMAIN, p.gn->ascii,
				 p.sn->ascii, id);
			mail = m;
			break;
		case D_MAIL_TLD_TYPO:
			snprintf(m, sizeof(m), "%s@contoso.con", p.alias);
			mail = m;
			break;
		case D_MAIL_DUPLICATE:
			mail = peer.mail;
			break;
		case D_MAIL_TRAILING_SPACE:
			snprintf(m, sizeof(m), "%s ", p.mail);
			mail = m;
			break;
		default:
			break;
		}
		attr("mail", mail);
		/* proxies: the primary first, as Exchange writes them */
		char prim[300];
		snprintf(prim, sizeof(prim), "%s", mail);
		size_t pl = strlen(prim);
		while (pl > 0 && prim[pl - 1] == ' ') {
			prim[--pl] = '\0';
		}
		if (d == D_PROXY_NO_PRIMARY) {
			attrf("proxyAddresses", "smtp:%s", prim);
		} else if (d == D_PROXY_PRIMARY_NOT_MAIL) {
			attrf("proxyAddresses", "SMTP:%s.primary@" DOMAIN, p.sam);
			attrf("proxyAddresses", "smtp:%s", prim);
		} else {
			attrf("proxyAddresses", "SMTP:%s", prim);
		}
		attrf("proxyAddresses", "smtp:%s@" DOMAIN, p.sam);
		if (d == D_PROXY_TWO_PRIMARIES) {
			attrf("proxyAddresses", "SMTP:%s.alt@" DOMAIN, p.sam);
		} else if (d == D_PROXY_DUPLICATE) {
			attrf("proxyAddresses", "smtp:%s", peer.mail);
		} else if (d == D_PROXY_SPACE) {
			attrf("proxyAddresses", "smtp:%s %s%s@" DOMAIN,
			      p.gn->ascii, p.sn->ascii, id);
		} else if (d == D_PROXY_COLON) {
			attrf("proxyAddresses", "smtp:%s@" DOMAIN ":25", p.sam);
		}
		uint64_t x = rnd(1, i, S_EXTRAS);
		if (x % 100 < 30) {
			attrf("proxyAddresses",
			      "X500:/o=Contoso/ou=Exchange Administrative Group "
			      "(FYDIBOHF23SPDLT)/cn=Recipients/cn=%s",
			      p.sam);
		}
		if ((x >> 8) % 100 < 20) {
			attrf("proxyAddresses", "SIP:%s", p.upn);
		}
		if ((x >> 16) % 100 < 10) {
			attrf("proxyAddresses",
			      "X400:c=US;a= ;p=Contoso;o=Exchange;s=%s%s;g=%s;",
			      p.sn->ascii, id, p.gn->ascii);
		}
		if (kind == 1) {
			attrf("proxyAddresses", "smtp:%s@" CLOUD, p.sam);
		}
		if (d == D_NICK_INVALID_CHAR) {
			attrf("mailNickname", "%s %s%s", p.gn->ascii,
			      p.sn->ascii, id);
		} else if (d == D_NICK_DUPLICATE) {
			attr("mailNickname", peer.sam);
		} else if (d == D_NICK_PERIOD) {
			attrf("mailNickname", ".%s", p.sam);
		} else if (d != D_MAILBOX_GUID_NO_NICK) {
			attr("mailNickname", p.sam);
		}
		if (kind == 0) {
			char mdb[512];
			snprintf(mdb, sizeof(mdb), HOME_MDB,
				 (int)(rnd(1, i, S_MDB) % 8 + 1));
			if (d != D_MAILBOX_GUID_STALE) {
				attr("homeMDB", mdb);
			}
			attr_guid("msExchMailboxGuid", 1,
				  d == D_MAILBOX_GUID_DUPLICATE ? pj : i,
				  S_MBXGUID);
			attr("msExchRecipientTypeDetails", RTD_USER_MAILBOX);
			attr("msExchRecipientDisplayType", "1073741824");
			if (chance(1, i, S_ARCHIVE, 1000)) {
				attr_guid("msExchArchiveGUID", 1, i, S_ARCHIVE);
			}
		} else if (kind == 1) {
			attrf("targetAddress", "SMTP:%s@" CLOUD, p.sam);
			if (d != D_REMOTE_WITHOUT_GUID) {
				attr_guid("msExchMailboxGuid", 1, i, S_MBXGUID);
			}
			attr("msExchRecipientTypeDetails",
			     RTD_REMOTE_USER_MAILBOX);
			attr("msExchRecipientDisplayType", "-2147483642");
			attr("msExchRemoteRecipientType", "4");
		} else {
			attrf("targetAddress", "SMTP:%s@%s", p.alias,
			      partners[rnd(1, i, S_PARTNER) % NELEM(partners)]);
			attr("msExchRecipientTypeDetails", RTD_MAIL_USER);
			attr("msExchRecipientDisplayType", "6");
		}
	}
	stamps(1, i);
	category("Person");
	end_entry();
}

/* ---- contacts ------------------------------------------------------------- */

static void
emit_contact(uint64_t i)
{
	enum defect d = D_NONE;
	if (chance(2, i, S_DEFECT, DEFECT_RATE)) {
		d = (enum defect)(D_FIRST_CONTACT +
				  rnd(2, i, S_DEFECT_KIND) %
					  (D_LAST_CONTACT - D_FIRST_CONTACT + 1));
	}
	defect_count[d]++;
	const struct name *gn =
		&first_names[rnd(2, i, S_FIRST) % NELEM(first_names)];
	const struct name *sn =
		&last_names[rnd(2, i, S_LAST) % NELEM(last_names)];
	const char *dom = partners[rnd(2, i, S_PARTNER) % NELEM(partners)];
	char org[32], id[16];
	snprintf(org, sizeof(org), "%.*s", (int)strcspn(dom, "."), dom);
	org[0] = (char)(org[0] - 'a' + 'A');
	base36(id, i);
	char cn[200], esc[320], dn[512], mail[256], nick[128];
	snprintf(cn, sizeof(cn), "%s %s (%s) %s", gn->text, sn->text, org, id);
	rdn_escape(esc, sizeof(esc), cn);
	snprintf(dn, sizeof(dn), "CN=%s,OU=Partners %02" PRIu64 ",OU=Contacts," BASE_DN,
		 esc, i % n_contact_ous + 1);
	snprintf(mail, sizeof(mail), "%s.%s.%s@%s", gn->ascii, sn->ascii, id, dom);
	snprintf(nick, sizeof(nick), "%s%s%s%s", gn->ascii, sn->ascii, org, id);
	if (d == D_CONTACT_HOLDS_USER_ADDRESS) {
		struct person p;
		person_of(peer_of(2, i), &p);
		snprintf(mail, sizeof(mail), "%s", p.mail);
	} else if (d == D_CONTACT_MAIL_NO_TLD) {
		snprintf(mail, sizeof(mail), "%s.%s@%s", gn->ascii, id, org);
	}
	attr("dn", dn);
	classes((const char *const[]){"top", "person", "organizationalPerson",
				      "contact", NULL});
	attr("cn", cn);
	attr("sn", sn->text);
	attr("givenName", gn->text);
	if (d != D_CONTACT_DISPLAYNAME_MISSING) {
		attrf("displayName", "%s %s (%s)", gn->text, sn->text, org);
	}
	attr("company", org);
	attr("mail", mail);
	attrf("proxyAddresses", "SMTP:%s", mail);
	attrf("targetAddress", "SMTP:%s", mail);
	attr("mailNickname", nick);
	attr("msExchRecipientTypeDetails", RTD_MAIL_CONTACT);
	attr("msExchRecipientDisplayType", "6");
	attr_guid("objectGUID", 2, i, S_GUID);
	attr("instanceType", "4");
	stamps(2, i);
	category("Person");
	end_entry();
}

/* ---- groups --------------------------------------------------------------- */

static void
member(uint64_t u)
{
	struct person p;
	person_of(u, &p);
	attr("member", p.dn);
}

/*
 * Group g: 0 All Staff, 1..5 regions, 6..15 departments (security), the
 * rest small groups of 3 to 40 members, half of them mail-enabled.
 */
static void
emit_group(uint64_t g)
{
	enum defect d = D_NONE;
	char name[128], mail[256] = "";
	bool security = false;
	uint64_t r = rnd(3, g, S_GROUP);
	if (g == 0) {
		snprintf(name, sizeof(name), "All Staff");
		snprintf(mail, sizeof(mail), "allstaff@" DOMAIN);
	} else if (g <= NELEM(regions)) {
		snprintf(name, sizeof(name), "Staff %s", regions[g - 1]);
		snprintf(mail, sizeof(mail), "staff-%s@" DOMAIN,
			 regions[g - 1]);
	} else if (g <= NELEM(regions) + NELEM(depts)) {
		snprintf(name, sizeof(name), "GS-%s",
			 depts[g - 1 - NELEM(regions)]);
		security = true;
	} else {
		snprintf(name, sizeof(name), "%s %s %" PRIu64,
			 cities[r % NELEM(cities)],
			 topics[(r >> 8) % NELEM(topics)], g);
		security = (r >> 16) % 2 == 0;
		if (!security) {
			snprintf(mail, sizeof(mail), "group%" PRIu64 "@" DOMAIN,
				 g);
			if (chance(3, g, S_DEFECT, DEFECT_RATE * 2)) {
				d = (enum defect)(D_FIRST_GROUP +
						  rnd(3, g, S_DEFECT_KIND) %
							  (D_LAST_GROUP -
							   D_FIRST_GROUP + 1));
			}
		}
	}
	defect_count[d]++;
	if (d == D_GROUP_MAIL_SPACE) {
		snprintf(mail, sizeof(mail), "group %" PRIu64 "@" DOMAIN, g);
	}
	char esc[256];
	rdn_escape(esc, sizeof(esc), name);
	char dn[512];
	snprintf(dn, sizeof(dn), "CN=%s,OU=Groups," BASE_DN, esc);
	attr("dn", dn);
	classes((const char *const[]){"top", "group", NULL});
	attr("cn", name);
	attrf("description", "%s group", name);
	if (d != D_GROUP_DISPLAYNAME_MISSING) {
		attr("displayName", name);
	}
	char sam[32];
	snprintf(sam, sizeof(sam), "grp%" PRIu64, g);
	attr("sAMAccountName", sam);
	attr("groupType", security ? "-2147483646" : "8");
	attr_guid("objectGUID", 3, g, S_GUID);
	attr_sid((uint32_t)(1200 + n_users + g));
	attr("instanceType", "4");
	if (mail[0] != '\0') {
		attr("mail", mail);
		attrf("proxyAddresses", "SMTP:%s", mail);
		if (d == D_GROUP_HOLDS_USER_ADDRESS) {
			struct person p;
			person_of(peer_of(3, g), &p);
			attrf("proxyAddresses", "smtp:%s", p.mail);
		}
		attrf("mailNickname", "%s", sam);
		attr("msExchRecipientTypeDetails", "256");
	}
	stamps(3, g);
	if (g == 0) {
		for (uint64_t u = 0; u < n_users; u++) {
			member(u);
		}
	} else if (g <= NELEM(regions)) {
		/* users of region g-1: leaf % 5 == g-1 */
		for (uint64_t u = 0; u < n_users; u++) {
			if ((u % n_leaves) % NELEM(regions) == g - 1) {
				member(u);
			}
		}
	} else if (g <= NELEM(regions) + NELEM(depts)) {
		uint64_t k = g - 1 - NELEM(regions);
		for (uint64_t u = 0; u < n_users; u++) {
			if (((u % n_leaves) / NELEM(regions)) % NELEM(depts) ==
			    k) {
				member(u);
			}
		}
	} else {
		uint64_t m = 3 + (r >> 24) % 38;
		uint64_t start = rnd(3, g, S_MEMBERS) % n_users;
		uint64_t step = 1 + (r >> 32) % 997;
		for (uint64_t k = 0; k < m && k < n_users; k++) {
			member((start + k * step) % n_users);
		}
	}
	category("Group");
	end_entry();
}

/* ---- the fixed objects ---------------------------------------------------- */

static void
account(const char *cn, const char *sam, const char *uac, bool critical,
	uint64_t k)
{
	char esc[256];
	rdn_escape(esc, sizeof(esc), cn);
	attrf("dn", "CN=%s,CN=Users," BASE_DN, esc);
	classes((const char *const[]){"top", "person", "organizationalPerson",
				      "user", NULL});
	attr("cn", cn);
	attr("sn", cn);
	attr("sAMAccountName", sam);
	attr("userAccountControl", uac);
	attr_guid("objectGUID", 4, k, S_GUID);
	attr_sid((uint32_t)(500 + k));
	attr("instanceType", "4");
	if (critical) {
		attr("isCriticalSystemObject", "TRUE");
	}
	stamps(4, k);
	category("Person");
	end_entry();
}

static void
well_known(void)
{
	account("Administrator", "Administrator", "66048", true, 0);
	account("Guest", "Guest", "66082", true, 1);
	account("krbtgt", "krbtgt", "514", true, 2);
	account("SUPPORT_388945a0", "SUPPORT_388945a0", "66050", false, 3);
	account("IUSR_WEB01", "IUSR_WEB01", "66048", false, 4);
	account("IWAM_WEB01", "IWAM_WEB01", "66048", false, 5);
	account("MSOL_1f3c5e7a9b2d", "MSOL_1f3c5e7a9b2d", "66048", false, 6);
	account("FABRIKAM$", "FABRIKAM$", "2080", false, 7);
	account("HealthMailbox0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		"SM_0a1b2c3d4e5f6071", "514", false, 8);
	/* look-alikes of the exclusions, scanned like anyone */
	account("Iwamoto, Kenji", "kiwamoto", "512", false, 9);
	account("Krbtgtova, Jana", "jkrbtgtova", "512", false, 10);
	account("Guest Services", "guestservices", "512", false, 11);
}

/* ---- main ----------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fputs("usage: bench-gen [--objects N | --users N] [--seed S] "
	      "[--stats FILE] [-o FILE]\n",
	      f);
}

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
		return false;
	}
	*v = x;
	return true;
}

int
main(int argc, char **argv)
{
	uint64_t objects = 10000, users = 0;
	const char *path = NULL, *stats = NULL;
	for (int a = 1; a < argc; a++) {
		const char *o = argv[a];
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		bool ok = v != NULL;
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(o, "--objects") == 0) {
			ok = ok && parse_u64(v, &objects);
		} else if (strcmp(o, "--users") == 0) {
			ok = ok && parse_u64(v, &users);
		} else if (strcmp(o, "--seed") == 0) {
			ok = ok && parse_u64(v, &seed);
		} else if (strcmp(o, "--stats") == 0) {
			stats = v;
		} else if (strcmp(o, "-o") == 0) {
			path = v;
		} else {
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "bench-gen: bad option or value: %s\n", o);
			usage(stderr);
			return 2;
		}
		a++;
	}
	if (users > 0) {
		objects = users + users / 10 + users / 20;
	}
	if (objects < 100) {
		fprintf(stderr, "bench-gen: at least 100 objects\n");
		return 2;
	}
	/* users : contacts : groups = 20 : 2 : 1 (Contoso's proportions) */
	n_contacts = objects * 2 / 23;
	n_groups = objects / 23;
	if (n_groups < NELEM(regions) + NELEM(depts) + 1) {
		n_groups = NELEM(regions) + NELEM(depts) + 1;
	}
	n_users = objects - n_contacts - n_groups;
	if (users > 0) {
		n_users = users;
		n_contacts = users / 10;
		n_groups = objects - n_users - n_contacts;
	}
	n_leaves = (n_users + USERS_PER_LEAF - 1) / USERS_PER_LEAF;
	n_contact_ous = (n_contacts + CONTACTS_PER_OU - 1) / CONTACTS_PER_OU;
	if (n_contact_ous == 0) {
		n_contact_ous = 1;
	}
	out = stdout;
	if (path != NULL) {
		out = fopen(path, "w");
		if (out == NULL) {
			fprintf(stderr, "bench-gen: cannot open %s: %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	skeleton();
	well_known();
	for (uint64_t i = 0; i < n_users; i++) {
		emit_user(i);
	}
	for (uint64_t i = 0; i < n_contacts; i++) {
		emit_contact(i);
	}
	for (uint64_t g = 0; g < n_groups; g++) {
		emit_group(g);
	}
	flush_out();
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
		fprintf(stderr, "bench-gen: cannot write %s: %s\n",
			path != NULL ? path : "standard output",
			strerror(errno));
		return 1;
	}
	if (stats != NULL) {
		FILE *f = fopen(stats, "w");
		if (f == NULL) {
			fprintf(stderr, "bench-gen: cannot open %s: %s\n",
				stats, strerror(errno));
			return 1;
		}
		uint64_t total = 0;
		for (int k = 1; k < D_COUNT; k++) {
			total += defect_count[k];
		}
		fprintf(f,
			"{\n \"seed\": %" PRIu64 ",\n \"objects\": {\"users\": %" PRIu64
			", \"contacts\": %" PRIu64 ", \"groups\": %" PRIu64
			", \"well_known\": 12, \"leaf_ous\": %" PRIu64
			"},\n \"defective_objects\": %" PRIu64
			",\n \"defects\": {",
			seed, n_users, n_contacts, n_groups, n_leaves, total);
		const char *sep = "";
		for (int k = 1; k < D_COUNT; k++) {
			fprintf(f, "%s\n  \"%s\": %" PRIu64, sep,
				defect_names[k], defect_count[k]);
			sep = ",";
		}
		fprintf(f, "\n }\n}\n");
		if (fclose(f) != 0) {
			fprintf(stderr, "bench-gen: cannot write %s\n", stats);
			return 1;
		}
	}
	return 0;
}
