/*
 * The set of top-level domains the RFC 2822 check accepts.  Internal to
 * rules/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct tld_set;

/*
 * Parses a list: one TLD a line, with or without a leading dot, '#'
 * starts a comment, blank lines ignored; entries are folded to lower
 * case.  origin names the list in error messages ("file:line: …").
 * Returns NULL on a malformed line (logged).
 */
struct tld_set *
tld_set_parse(const char *text, size_t len, const char *origin);

void
tld_set_free(struct tld_set *set);

/* True if tld (without the dot, already lower case) is in the set. */
bool
tld_set_has(const struct tld_set *set, const char *tld);

size_t
tld_set_count(const struct tld_set *set);
