#include "scanner/decode.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

/* The binary attributes that the rules compare as strings. */
struct binary_attr {
	const char *name;
	size_t len; /* strlen(name): compared first, it rules out most */
	bool sid;   /* objectSid; the others are GUIDs */
};

#define BINARY_ATTR(name, sid) {name, sizeof(name) - 1, sid}

static const struct binary_attr binary_attrs[] = {
	BINARY_ATTR("objectGUID", false),
	BINARY_ATTR("msExchMailboxGuid", false),
	BINARY_ATTR("msExchArchiveGuid", false),
	BINARY_ATTR("mS-DS-ConsistencyGuid", false),
	BINARY_ATTR("objectSid", true),
};

static const struct binary_attr *
binary_attr(const struct scan_attr *a)
{
	for (size_t i = 0; i < sizeof(binary_attrs) / sizeof(*binary_attrs);
	     i++) {
		const struct binary_attr *b = &binary_attrs[i];
		if (a->namelen == b->len && strcasecmp(a->name, b->name) == 0) {
			return b;
		}
	}
	return NULL;
}

bool
scan_guid_format(const unsigned char *b, size_t len, char out[SCAN_GUID_STRLEN])
{
	/* Byte order of the text: Data1..Data3 little-endian, then as is. */
	static const int order[16] = {3, 2, 1,  0,  5,  4,  7,  6,
				      8, 9, 10, 11, 12, 13, 14, 15};
	static const char hex[] = "0123456789abcdef";
	if (len != 16) {
		return false;
	}
	char *p = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			*p++ = '-';
		}
		*p++ = hex[b[order[i]] >> 4];
		*p++ = hex[b[order[i]] & 0xf];
	}
	*p = '\0';
	return true;
}

/* Writes "-" and v in decimal at p; returns the end. */
static char *
put_dash_u32(char *p, uint32_t v)
{
	char digits[10];
	size_t n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	*p++ = '-';
	while (n > 0) {
		*p++ = digits[--n];
	}
	return p;
}

bool
scan_sid_format(const unsigned char *b, size_t len, char out[SCAN_SID_STRLEN])
{
	/* MS-DTYP 2.4.2.2: at most 15 sub-authorities. */
	if (len < 8 || b[0] != 1 || b[1] > 15 || len != 8 + 4 * (size_t)b[1]) {
		return false;
	}
	uint64_t auth = 0;
	for (int i = 2; i < 8; i++) {
		auth = (auth << 8) | b[i];
	}
	/*
	 * By hand, not with snprintf(): every user and group has a SID, and
	 * the format string cost a crawl of 115,000 objects 0.03 s.
	 * 15 sub-authorities of 11 characters and "S-1-0x" with 12 hex
	 * digits fit SCAN_SID_STRLEN.
	 */
	char *p = out;
	memcpy(p, "S-1", 3);
	p += 3;
	if (auth < ((uint64_t)1 << 32)) {
		p = put_dash_u32(p, (uint32_t)auth);
	} else {
		/* MS-DTYP: authorities of 2^32 and above are printed in hex. */
		p += snprintf(p, SCAN_SID_STRLEN - 3, "-0x%012" PRIX64, auth);
	}
	for (size_t i = 0; i < b[1]; i++) {
		const unsigned char *s = b + 8 + 4 * i;
		uint32_t v = (uint32_t)s[0] | (uint32_t)s[1] << 8 |
			     (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
		p = put_dash_u32(p, v);
	}
	*p = '\0';
	return true;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A backslash and two hex digits at s: the byte they stand for, else -1. */
static int
hex_pair(const unsigned char *s)
{
	if (s[0] != '\\') {
		return -1;
	}
	int hi = hex_value(s[1]);
	int lo = hi < 0 ? -1 : hex_value(s[2]);
	return lo < 0 ? -1 : hi * 16 + lo;
}

/* Whether escape_value() writes c as a backslash and c. */
static bool
escaped_special(int c, bool first, bool last)
{
	return c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' ||
	       c == '>' || c == ';' || c == '=' || (c == '#' && first) ||
	       (c == ' ' && (first || last));
}

/*
 * True if scan_dn_normalize(dn) would return dn unchanged but for the case
 * of its types and the spelling of its escapes (*fix is then set): RDNs
 * of one type (letters, digits and '-', a letter first) and one value
 * each, separated by bare commas, whose values escape exactly the
 * characters that the normal form escapes and no other, as a backslash
 * and the character or as a backslash and two hex digits ("\2C" for
 * ",").  Nearly every DN that AD or an export sends looks like this, and
 * what OpenLDAP sends (lower-case types, hex escapes); the others (spaces
 * after commas, other hex escapes, multi-valued RDNs…) take the slow way
 * through ldap_str2dn().
 */
static bool
dn_is_normal(const char *dn, bool *fix)
{
	const unsigned char *s = (const unsigned char *)dn;
	*fix = false;
	if (*s == '\0') {
		return false;
	}
	for (;;) {
		/* The type: letters, digits and '-', then '='. */
		const unsigned char *t = s;
		for (;; s++) {
			if (*s >= 'a' && *s <= 'z') {
				*fix = true;
			} else if (!((*s >= 'A' && *s <= 'Z') ||
				     (*s >= '0' && *s <= '9') || *s == '-')) {
				break;
			}
		}
		if (s == t || *s != '=' || isdigit(*t) || *t == '-') {
			return false;
		}
		s++;
		/* The value, up to a bare comma or the end. */
		const unsigned char *v = s;
		for (;;) {
			unsigned char c = *s;
			if (c == '\0' || c == ',') {
				break;
			}
			if (c == '\\') {
				/* Only what escape_value() escapes, where it
				 * does. */
				int x = hex_pair(s);
				size_t len = x >= 0 ? 3 : 2;
				if (x < 0) {
					x = s[1];
				}
				bool last = s[len] == '\0' || s[len] == ',';
				if (!escaped_special(x, s == v, last)) {
					return false;
				}
				*fix = *fix || len == 3;
				s += len;
				continue;
			}
			if (c < 0x20 || c == 0x7f || c == '+' || c == '"' ||
			    c == '<' || c == '>' || c == ';' || c == '=' ||
			    (c == '#' && s == v) ||
			    (c == ' ' &&
			     (s == v || s[1] == '\0' || s[1] == ','))) {
				return false;
			}
			s++;
		}
		if (s == v) {
			return false;
		}
		if (*s == '\0') {
			return true;
		}
		s++; /* the comma */
	}
}

/*
 * Rewrites a DN that dn_is_normal() accepted into the normal form, where
 * it lies (it only gets shorter): types in upper case, "\2C" as "\,".
 */
static void
dn_fix(char *dn)
{
	bool in_type = true;
	char *w = dn;
	const unsigned char *r = (const unsigned char *)dn;
	while (*r != '\0') {
		unsigned char c = *r;
		if (in_type) {
			if (c == '=') {
				in_type = false;
			} else if (c >= 'a' && c <= 'z') {
				c = (unsigned char)(c - 'a' + 'A');
			}
			*w++ = (char)c;
			r++;
			continue;
		}
		if (c == '\\') {
			int x = hex_pair(r);
			*w++ = '\\';
			*w++ = (char)(x >= 0 ? x : r[1]);
			r += x >= 0 ? 3 : 2;
			continue;
		}
		in_type = c == ',';
		*w++ = (char)c;
		r++;
	}
	*w = '\0';
}

void
scan_entry_decode(struct scan_entry *e)
{
	bool fix;
	if (dn_is_normal(e->dn, &fix)) {
		if (fix) {
			dn_fix(e->dn);
		}
	} else {
		char *dn = scan_dn_normalize(e->dn);
		if (dn != NULL) {
			free(e->dn);
			e->dn = dn;
		}
	}
	for (size_t i = 0; i < e->nattrs; i++) {
		struct scan_attr *a = &e->attrs[i];
		const struct binary_attr *b = binary_attr(a);
		for (size_t j = 0; b != NULL && j < a->nvals; j++) {
			struct scan_value *v = &a->vals[j];
			const unsigned char *bin =
				(const unsigned char *)v->data;
			char buf[SCAN_SID_STRLEN];
			if (b->sid ? scan_sid_format(bin, v->len, buf)
				   : scan_guid_format(bin, v->len, buf)) {
				scan_entry_set_value(e, v, buf, strlen(buf));
			}
		}
	}
}

static void
escape_value(struct strbuf *sb, const struct berval *v)
{
	for (size_t i = 0; i < v->bv_len; i++) {
		unsigned char c = (unsigned char)v->bv_val[i];
		bool edge_space = c == ' ' && (i == 0 || i + 1 == v->bv_len);
		if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\%02X", c);
		} else if (c == ',' || c == '+' || c == '"' || c == '\\' ||
			   c == '<' || c == '>' || c == ';' || c == '=' ||
			   edge_space || (c == '#' && i == 0)) {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
		} else {
			strbuf_addch(sb, (char)c);
		}
	}
}

char *
scan_dn_normalize(const char *in)
{
	LDAPDN dn = NULL;
	if (ldap_str2dn(in, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
		return NULL;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	bool ok = true;
	for (size_t r = 0; dn != NULL && dn[r] != NULL && ok; r++) {
		if (r > 0) {
			strbuf_addch(&sb, ',');
		}
		for (size_t a = 0; dn[r][a] != NULL; a++) {
			LDAPAVA *ava = dn[r][a];
			if (ava->la_flags & LDAP_AVA_BINARY) {
				ok = false;
				break;
			}
			if (a > 0) {
				strbuf_addch(&sb, '+');
			}
			for (size_t i = 0; i < ava->la_attr.bv_len; i++) {
				strbuf_addch(&sb,
					     (char)toupper(
						     (unsigned char)ava->la_attr
							     .bv_val[i]));
			}
			strbuf_addch(&sb, '=');
			escape_value(&sb, &ava->la_value);
		}
	}
	ldap_dnfree(dn);
	if (!ok) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}
