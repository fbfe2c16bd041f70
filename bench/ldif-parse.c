/*
 * bench-ldif-parse: the parse-only baseline of the offline benchmark.  It
 * reads an LDIF file with libldap's record functions, ldif_open(),
 * ldif_read_record() and ldap_parse_ldif_record() (LDIF_DEFAULT_ADD), and
 * does nothing else: no filter, no copy, no rule.  The time it takes is
 * what libldap alone costs to read the file record by record; the scan's
 * own cost is the difference.  (scanner/ldif_input.c uses
 * ldap_parse_ldif_record() only for unusual records: it splits the lines
 * of the others with libldap's line functions, ldif_getline() and
 * ldif_parse_line2(), straight into its entries.)
 *
 *   bench-ldif-parse FILE.ldif
 *
 * Prints the number of records and of attribute values read.
 */
#include <stdio.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>
#include <ldif.h>

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: bench-ldif-parse FILE.ldif\n", stderr);
		return 2;
	}
	LDIFFP *fp = ldif_open(argv[1], "r");
	if (fp == NULL) {
		perror(argv[1]);
		return 1;
	}
	char *buf = NULL;
	int buflen = 0;
	unsigned long lineno = 0, records = 0, values = 0;
	int rc;
	int status = 0;
	while ((rc = ldif_read_record(fp, &lineno, &buf, &buflen)) > 0) {
		struct berval rbuf = {.bv_len = strlen(buf), .bv_val = buf};
		LDIFRecord lr;
		memset(&lr, 0, sizeof(lr));
		if (ldap_parse_ldif_record(&rbuf, lineno, &lr, argv[1],
					   LDIF_DEFAULT_ADD |
						   LDIF_NO_CONTROLS) !=
		    LDAP_SUCCESS) {
			fprintf(stderr, "%s:%lu: bad record\n", argv[1],
				lineno);
			status = 1;
			ldap_ldif_record_done(&lr);
			break;
		}
		records++;
		for (size_t i = 0;
		     lr.lrop_mods != NULL && lr.lrop_mods[i] != NULL; i++) {
			struct berval **v = lr.lrop_mods[i]->mod_bvalues;
			for (size_t j = 0; v != NULL && v[j] != NULL; j++) {
				values++;
			}
		}
		ldap_ldif_record_done(&lr);
	}
	if (rc < 0) {
		fprintf(stderr, "%s: read error after line %lu\n", argv[1],
			lineno);
		status = 1;
	}
	ber_memfree(buf);
	ldif_close(fp);
	printf("%lu records, %lu values\n", records, values);
	return status;
}
