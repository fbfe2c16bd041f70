/*
 * SHA-256 (FIPS 180-4), for the digest of a rule pack recorded with each
 * scan.  Internal to rules/.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void
sha256_init(struct sha256 *c);

void
sha256_update(struct sha256 *c, const void *data, size_t len);

/* Writes the digest as 64 lower-case hex digits and a NUL to hex. */
void
sha256_hex(struct sha256 *c, char hex[65]);
