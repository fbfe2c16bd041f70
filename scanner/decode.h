/*
 * Text forms of AD's binary identifiers, so that an LDAP crawl and an
 * LDIF export (where the same bytes arrive base64-encoded) give the same
 * strings to the rules and the reports.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "scanner/entry.h"

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus NUL. */
#define SCAN_GUID_STRLEN 37
/* "S-1-" + authority + 15 sub-authorities of 10 digits, with dashes. */
#define SCAN_SID_STRLEN 192

/*
 * Formats a 16-byte GUID as Windows prints it: lower-case hex, the first
 * three groups little-endian.  Returns false (out untouched) when len is
 * not 16.
 */
bool
scan_guid_format(const unsigned char *bin, size_t len,
		 char out[SCAN_GUID_STRLEN]);

/*
 * Formats a binary SID (revision 1, sub-authority count, 48-bit
 * big-endian authority, little-endian 32-bit sub-authorities) as
 * "S-1-5-21-…".  Returns false (out untouched) when the bytes are not a
 * well-formed SID.
 */
bool
scan_sid_format(const unsigned char *bin, size_t len,
		char out[SCAN_SID_STRLEN]);

/*
 * Rewrites in place the values of objectGUID, msExchMailboxGuid,
 * msExchArchiveGuid and mS-DS-ConsistencyGuid (16 bytes) and objectSid
 * to their text forms, and the DN to scan_dn_normalize()'s form; other
 * values and other attributes stay as they are.
 */
void
scan_entry_decode(struct scan_entry *e);

/*
 * A DN in the form AD prints it, so that both inputs and every server
 * give one spelling per object: attribute types in upper case ("CN=",
 * "OU=", "DC="), special characters escaped with a backslash ("\,"
 * rather than "\2C"), control bytes as "\0A", other bytes (UTF-8) as
 * they are.  Returns a new string (the caller's), or NULL when dn does
 * not parse as an LDAPv3 DN or holds a "#…" BER value; callers then keep
 * dn as it was.
 */
char *
scan_dn_normalize(const char *dn);
