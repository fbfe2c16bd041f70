/*
 * ad-dump: prints the entries the scanner hands to the rules, for the
 * Samba AD suite.  It goes through the scanner's public API exactly as
 * syncready scan does (scanner/source.h), so a test sees what the crawler
 * made of the server's answers: decoded objectGUID/objectSid, every value
 * of a ranged attribute, the continuation references it did not chase.
 *
 *   ad-dump (--uri URI | --ldif FILE) [--base DN] [--filter F]
 *           [--bind-dn DN --password-file FILE] [--sasl-mech MECH]
 *           [--starttls] [--ca-file FILE] [--page-size N] [-v] ATTR...
 *
 * Output, one line per value: DN TAB attribute TAB value, with control
 * bytes, DEL and backslash written as \xHH (UTF-8 stays as it is, so the
 * lines compare with tests/ad/ldif2tsv.py's); then one line
 * "#ref TAB reference" per continuation reference and "#bad TAB n".
 * Exit status 0, or 1 after the scanner's one-line message.
 */
#define LOG_MODULE "ad-dump"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/status.h"
#include "common/xalloc.h"
#include "scanner/entry.h"
#include "scanner/source.h"

enum {
	OPT_URI = 256,
	OPT_LDIF,
	OPT_BASE,
	OPT_FILTER,
	OPT_BIND_DN,
	OPT_PASSWORD_FILE,
	OPT_SASL_MECH,
	OPT_STARTTLS,
	OPT_CA_FILE,
	OPT_PAGE_SIZE,
};

static void
print_escaped(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\') {
			fprintf(f, "\\x%02x", c);
		} else {
			fputc(c, f);
		}
	}
}

/* The first line of path, without its line end; NULL after logging. */
static char *
read_password(const char *path)
{
	char *pw = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		LOG_ERRNO("cannot open password file %s", path);
		return NULL;
	}
	ssize_t n = getline(&pw, &cap, f);
	if (n < 0) {
		LOG_ERR("password file %s is empty", path);
		free(pw);
		pw = NULL;
		goto out;
	}
	while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r')) {
		pw[--n] = '\0';
	}
out:
	fclose(f);
	return pw;
}

static void
print_entry(const struct scan_entry *e)
{
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct scan_attr *a = &e->attrs[i];
		for (size_t j = 0; j < a->nvals; j++) {
			print_escaped(stdout, e->dn, strlen(e->dn));
			printf("\t%s\t", a->name);
			print_escaped(stdout, a->vals[j].data, a->vals[j].len);
			putchar('\n');
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"uri", required_argument, NULL, OPT_URI},
		{"ldif", required_argument, NULL, OPT_LDIF},
		{"base", required_argument, NULL, OPT_BASE},
		{"filter", required_argument, NULL, OPT_FILTER},
		{"bind-dn", required_argument, NULL, OPT_BIND_DN},
		{"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
		{"sasl-mech", required_argument, NULL, OPT_SASL_MECH},
		{"starttls", no_argument, NULL, OPT_STARTTLS},
		{"ca-file", required_argument, NULL, OPT_CA_FILE},
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	struct scan_ldap_opts o = {0};
	const char *ldif = NULL, *password_file = NULL;
	char *password = NULL;
	struct scan_source *src = NULL;
	enum status st = STATUS_OK;
	int verbose = 0, c;

	while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_URI:
			o.uri = optarg;
			break;
		case OPT_LDIF:
			ldif = optarg;
			break;
		case OPT_BASE:
			o.base = optarg;
			break;
		case OPT_FILTER:
			o.filter = optarg;
			break;
		case OPT_BIND_DN:
			o.bind_dn = optarg;
			break;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			break;
		case OPT_SASL_MECH:
			o.sasl_mech = optarg;
			break;
		case OPT_STARTTLS:
			o.starttls = true;
			break;
		case OPT_CA_FILE:
			o.ca_file = optarg;
			break;
		case OPT_PAGE_SIZE:
			o.page_size = atoi(optarg);
			break;
		case 'v':
			verbose++;
			break;
		default:
			return 2;
		}
	}
	if ((o.uri == NULL) == (ldif == NULL)) {
		fprintf(stderr, "ad-dump: give --uri or --ldif\n");
		return 2;
	}
	log_set_level(verbose > 1   ? LOG_LEVEL_DEBUG
		      : verbose > 0 ? LOG_LEVEL_INFO
				    : LOG_LEVEL_WARN);

	/* The attribute list: the rest of argv, NULL-terminated already. */
	const char *const *attrs = (const char *const *)&argv[optind];
	if (password_file != NULL) {
		password = read_password(password_file);
		if (password == NULL) {
			st = STATUS_ERR_IO;
			goto out;
		}
		o.password = password;
	}
	if (ldif != NULL) {
		src = scan_source_ldif_new(ldif, attrs, NULL, NULL, &st);
	} else {
		o.attrs = attrs;
		src = scan_source_ldap_new(&o, &st);
	}
	if (src == NULL) {
		goto out;
	}
	for (;;) {
		struct scan_entry *e = NULL;
		st = scan_source_next(src, &e);
		if (st != STATUS_OK || e == NULL) {
			break;
		}
		print_entry(e);
		scan_entry_free(e);
	}
	if (st != STATUS_OK) {
		goto out;
	}
	const char *const *refs;
	size_t nrefs = scan_source_references(src, &refs);
	for (size_t i = 0; i < nrefs; i++) {
		printf("#ref\t%s\n", refs[i]);
	}
	printf("#bad\t%zu\n", scan_source_bad_entries(src));
out:
	scan_source_free(src);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (fflush(stdout) != 0 && st == STATUS_OK) {
		LOG_ERRNO("cannot write the output");
		st = STATUS_ERR_IO;
	}
	return status_exit_code(st);
}
