/*
 * A finding: one object, one attribute, one value (SPEC §3).  This is the
 * plain struct the rules hand to the store and the store hands to the
 * reports.  Every string is NUL-terminated UTF-8 (or the directory's bytes
 * as they were) and borrowed: valid only during the call that passes it.
 *
 * Duplicates cannot be known while streaming: whether a value is held by
 * another object is only known at the end of the scan.  A rule whose chain
 * contains a duplicate check therefore hands over a candidate with a
 * dup_key; the store groups candidates by dup_key after the crawl and
 * keeps, for each candidate, the dup_* variant when the key is held more
 * than once and the plain variant otherwise (a plain variant with error
 * NULL means "no finding unless duplicated").
 */
#pragma once

#include <stdbool.h>
#include <string.h>

enum finding_severity {
	FINDING_ERROR = 0,   /* sync fails or the value is dropped */
	FINDING_WARNING = 1, /* sync succeeds with a wrong result */
	FINDING_INFO = 2,
};

struct finding {
	const char *dn;
	const char *cn;
	const char *objectclass; /* IdFix's object type (last objectClass) */
	const char *objectguid;	 /* scan_entry_key(): GUID, else the DN */
	const char *attribute;	 /* IdFix's spelling, e.g. "mailnickname" */
	const char *value;	 /* original value; "" for Blank */

	/* The finding when the value is not duplicated (error NULL: none). */
	const char *rule; /* stable id, e.g. "upn.character" */
	const char *error;	 /* IdFix names joined by ", " */
	const char *update;	 /* proposed value */
	const char *proposed_action; /* "Edit", "Remove", "Complete" */
	enum finding_severity severity;

	/* Duplicate candidate: NULL when the chain has no duplicate step. */
	const char *dup_key; /* namespace + normalised value */
	const char *dup_rule;
	const char *dup_error;
	const char *dup_update;
	const char *dup_action;
	enum finding_severity dup_severity;

	/* Filled by the store when reading back; ignored on insert. */
	const char *action;	 /* consultant's decision (import) */
	const char *status;	 /* "new" or "open" when compared */
};

/*
 * "error", "warning", "info".  Inline so that the store and the reports
 * can use it without linking the rules library.
 */
static inline const char *
finding_severity_str(enum finding_severity sev)
{
	switch (sev) {
	case FINDING_ERROR:
		return "error";
	case FINDING_WARNING:
		return "warning";
	case FINDING_INFO:
		return "info";
	}
	return "error";
}

/* Parses the above; returns false for anything else. */
static inline bool
finding_severity_parse(const char *s, enum finding_severity *sev)
{
	if (strcmp(s, "error") == 0) {
		*sev = FINDING_ERROR;
	} else if (strcmp(s, "warning") == 0) {
		*sev = FINDING_WARNING;
	} else if (strcmp(s, "info") == 0) {
		*sev = FINDING_INFO;
	} else {
		return false;
	}
	return true;
}
