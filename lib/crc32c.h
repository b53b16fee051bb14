/*
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected), as iSCSI
 * (RFC 3720 §12.1, test vectors in B.4) and the spool's records use it.
 * No library we link exposes it.  SSE4.2's crc32 instruction when the
 * CPU has it, else slicing-by-8 tables.
 *
 *	crc32c(0, data, len) is the CRC of data; passing a previous result
 *	as crc continues it over more bytes.
 */
#ifndef DIAS_CRC32C_H
#define DIAS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t	 crc32c(uint32_t crc, const void *, size_t);
/* The portable path alone, so tests can check both give the same. */
uint32_t	 crc32c_sw(uint32_t crc, const void *, size_t);

#endif
