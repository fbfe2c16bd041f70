#define LOG_MODULE "rules"

#include "rules/tld.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "rules/text.h"

/* Open addressing, power-of-two table, at most half full. */
struct tld_set {
	char **slots;
	size_t cap;
	size_t count;
};

static void
insert(struct tld_set *set, char *s)
{
	if ((set->count + 1) * 2 > set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 1024;
		char **nslots = xcalloc(ncap, sizeof(*nslots));
		for (size_t i = 0; i < set->cap; i++) {
			if (set->slots[i] == NULL) {
				continue;
			}
			size_t j = hash_bytes(set->slots[i],
					      strlen(set->slots[i])) &
				   (ncap - 1);
			while (nslots[j] != NULL) {
				j = (j + 1) & (ncap - 1);
			}
			nslots[j] = set->slots[i];
		}
		free(set->slots);
		set->slots = nslots;
		set->cap = ncap;
	}
	size_t j = hash_bytes(s, strlen(s)) & (set->cap - 1);
	while (set->slots[j] != NULL) {
		if (strcmp(set->slots[j], s) == 0) {
			free(s);
			return;
		}
		j = (j + 1) & (set->cap - 1);
	}
	set->slots[j] = s;
	set->count++;
}

struct tld_set *
tld_set_parse(const char *text, size_t len, const char *origin)
{
	struct tld_set *set = xcalloc(1, sizeof(*set));
	size_t lineno = 0;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != '\n') {
			end++;
		}
		lineno++;
		char *line = xstrndup(text + i, end - i);
		i = end + 1;
		char *hashp = strchr(line, '#');
		if (hashp != NULL) {
			*hashp = '\0';
		}
		if (!text_utf8_valid(line, strlen(line))) {
			LOG_ERR("%s:%zu: not UTF-8", origin, lineno);
			free(line);
			tld_set_free(set);
			return NULL;
		}
		char *t = text_trim(line);
		free(line);
		const char *name = t[0] == '.' ? t + 1 : t;
		if (name[0] == '\0') {
			free(t);
			continue;
		}
		if (strpbrk(name, ". \t") != NULL) {
			LOG_ERR("%s:%zu: '%s' is not a top-level domain",
				origin, lineno, t);
			free(t);
			tld_set_free(set);
			return NULL;
		}
		insert(set, text_fold(name));
		free(t);
	}
	return set;
}

void
tld_set_free(struct tld_set *set)
{
	if (set == NULL) {
		return;
	}
	for (size_t i = 0; i < set->cap; i++) {
		free(set->slots[i]);
	}
	free(set->slots);
	free(set);
}

bool
tld_set_has(const struct tld_set *set, const char *tld)
{
	if (set->cap == 0) {
		return false;
	}
	size_t j = hash_bytes(tld, strlen(tld)) & (set->cap - 1);
	while (set->slots[j] != NULL) {
		if (strcmp(set->slots[j], tld) == 0) {
			return true;
		}
		j = (j + 1) & (set->cap - 1);
	}
	return false;
}

size_t
tld_set_count(const struct tld_set *set)
{
	return set->count;
}
