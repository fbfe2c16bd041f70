/*
 * Prints a pack's rules as the Markdown table rows rules/README.md shows
 * between its "BEGIN rules PACK" and "END rules PACK" markers;
 * check-readme.sh compares the two, so the README cannot drift from the
 * compiled packs.
 *
 *   rules-list PACK
 */
#include <stdio.h>

#include "rules/rules.h"

static void
cell(const char *s)
{
	fputs("| ", stdout);
	for (; *s; s++) {
		if (*s == '|') {
			fputc('\\', stdout);
		}
		fputc(*s, stdout);
	}
	fputc(' ', stdout);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rules-list PACK\n");
		return 2;
	}
	enum status st;
	struct ruleset *rs = ruleset_load(argv[1], NULL, &st);
	if (rs == NULL) {
		return 1;
	}
	puts("| Rule | Attribute | Check | Severity | Description |");
	puts("|---|---|---|---|---|");
	for (size_t i = 0; i < ruleset_count(rs); i++) {
		struct rule_info info;
		ruleset_info(rs, i, &info);
		cell(info.id);
		cell(info.attribute);
		cell(info.check);
		cell(info.severity);
		cell(info.description);
		puts("|");
	}
	ruleset_free(rs);
	return 0;
}
