/*
 * Hashes for the open-addressing tables of the scan's hot paths: bytes
 * eight at a time, and an address by Fibonacci hashing.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A 64-bit hash of the len bytes at p, eight at a time. */
static inline uint64_t
hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15u ^ (len * 0xff51afd7ed558ccdu);
	uint64_t w;
	while (len >= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
		b += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, b, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 32;
	return h;
}

/*
 * A slot of a table of 2^bits for the address p (1 <= bits <= 32): the
 * top bits of the address times 2^64/phi.
 */
static inline size_t
hash_ptr(const void *p, unsigned bits)
{
	return (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15u) >>
			(64 - bits));
}
