/*
 * The Internet checksum, RFC 1071: the ones-complement of the
 * ones-complement sum of 16-bit words.  The sum is byte-order independent
 * (RFC 1071 §2(B)), so words are added in host order, 32 bits at a time
 * into a 64-bit accumulator, and the result is swapped once at the end.
 */
#include <endian.h>
#include <string.h>

#include "net.h"
#include "local.h"

static uint32_t
fold32(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return (uint32_t)sum;
}

/* Partial sums are kept in network order so they can be added freely. */
uint32_t
cksum_add(uint32_t acc, const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	uint32_t w;
	uint16_t h;
	uint32_t native;

	while (len >= 16) {
		memcpy(&w, p, 4); sum += w;
		memcpy(&w, p + 4, 4); sum += w;
		memcpy(&w, p + 8, 4); sum += w;
		memcpy(&w, p + 12, 4); sum += w;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* An odd byte is the high half of a zero-padded word. */
		uint8_t pad[2] = { p[0], 0 };

		memcpy(&h, pad, 2);
		sum += h;
	}
	native = fold32(sum);
	native = (native & 0xffff) + (native >> 16);
	native = (native & 0xffff) + (native >> 16);
	/* Back to network order: the 16-bit host value of the bytes. */
	h = (uint16_t)native;
	return acc + be16toh(h);
}

uint16_t
cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
cksum(const uint8_t *p, size_t len)
{
	return cksum_fold(cksum_add(0, p, len));
}

/* RFC 9293 §3.1, RFC 768: src, dst, zero, protocol, upper-layer length. */
uint32_t
cksum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
    uint16_t len)
{
	uint8_t ph[12];

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	wr16(ph + 10, len);
	return cksum_add(0, ph, sizeof(ph));
}

/* RFC 8200 §8.1: src, dst, 32-bit length, 3 zero bytes, next header. */
uint32_t
cksum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
    uint32_t len)
{
	uint8_t ph[40];

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	wr32(ph + 32, len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	return cksum_add(0, ph, sizeof(ph));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t
cksum_update16(uint16_t sum, uint16_t old, uint16_t new)
{
	uint32_t s;

	s = (uint16_t)~sum + (uint32_t)(uint16_t)~old + new;
	return cksum_fold(s);
}

uint16_t
cksum_update32(uint16_t sum, uint32_t old, uint32_t new)
{
	sum = cksum_update16(sum, old >> 16, new >> 16);
	return cksum_update16(sum, old & 0xffff, new & 0xffff);
}
