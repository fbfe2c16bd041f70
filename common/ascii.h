/*
 * ASCII eight bytes at a time, for the hot loops that fold or measure
 * directory values (nearly all of them plain ASCII): a 64-bit word holds
 * eight bytes, and arithmetic on seven-bit bytes never carries into the
 * next one.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ASCII_HIGH8 0x8080808080808080u

/* Whether all eight bytes of w are below 0x80. */
static inline bool
ascii_word(uint64_t w)
{
	return (w & ASCII_HIGH8) == 0;
}

/* w with its bytes A-Z in lower case; every other byte as it was. */
static inline uint64_t
ascii_lower8(uint64_t w)
{
	uint64_t low7 = w & ~ASCII_HIGH8;
	/* A byte's high bit: at least 'A', and above 'Z'. */
	uint64_t from_a = low7 + 0x3f3f3f3f3f3f3f3fu;
	uint64_t past_z = low7 + 0x2525252525252525u;
	uint64_t upper = from_a & ~past_z & ~w & ASCII_HIGH8;
	return w | (upper >> 2);
}

/* c in lower case if it is A-Z. */
static inline char
ascii_lower1(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}
