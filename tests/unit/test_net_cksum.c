/*
 * RFC 1071 checksum: the RFC's own example, a textbook IPv4 header, sums in
 * pieces and at odd alignments against a naive reference, RFC 1624
 * incremental updates, and pseudo-headers on frames a Linux kernel sent.
 */
#include "test_net.h"

/* Reference: 16-bit big-endian words, end-around carry (RFC 1071 §4.1). */
static uint16_t
naive_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
test_cksum_rfc1071_example(void **state)
{
	/* RFC 1071 §3: the sum of these words is ddf2. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(cksum(b, sizeof(b)), (uint16_t)~0xddf2);
	assert_int_equal(cksum_fold(cksum_add(0, b, sizeof(b))), 0x220d);
}

static void
test_cksum_ipv4_header_sums_to_zero(void **state)
{
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
	    0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
	    0x00, 0xc7 };

	(void)state;
	assert_int_equal(cksum(h, sizeof(h)), 0);
	h[10] = h[11] = 0;
	assert_int_equal(cksum(h, sizeof(h)), 0xb861);
}

static void
test_cksum_matches_reference_at_every_length_and_alignment(void **state)
{
	uint8_t buf[300];
	size_t i, len, align;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3 + (i >> 3) * 0x55);
	for (align = 0; align < 4; align++)
		for (len = 0; len + align <= 256; len++)
			assert_int_equal(cksum(buf + align, len),
			    naive_cksum(buf + align, len));
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(cksum(buf, 256), naive_cksum(buf, 256));
}

static void
test_cksum_pieces_add_up_to_the_whole(void **state)
{
	uint8_t buf[128];
	uint32_t sum;
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xa5 ^ (i * 31));
	for (cut = 0; cut < sizeof(buf); cut += 2) {
		sum = cksum_add(0, buf, cut);
		sum = cksum_add(sum, buf + cut, sizeof(buf) - cut - 1);
		assert_int_equal(cksum_fold(sum), cksum(buf, sizeof(buf) - 1));
	}
}

static void
test_cksum_incremental_rfc1624(void **state)
{
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
	    0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
	    0x00, 0xc7 };
	uint16_t sum;

	(void)state;
	/* RFC 1624 §4: eqn. 3 gives 0x0000 where eqn. 2 gave 0xffff. */
	assert_int_equal(cksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);

	/* A router decrements TTL (the TTL/protocol word). */
	sum = cksum_update16(0xb861, 0x4011, 0x3f11);
	h[8] = 0x3f;
	h[10] = sum >> 8;
	h[11] = sum & 0xff;
	assert_int_equal(cksum(h, sizeof(h)), 0);

	/* NAT rewrites the source address. */
	sum = cksum_update32(sum, 0xc0a80001, 0x0a000001);
	h[12] = 10; h[13] = 0; h[14] = 0; h[15] = 1;
	h[10] = sum >> 8;
	h[11] = sum & 0xff;
	assert_int_equal(cksum(h, sizeof(h)), 0);
}

/* Frames a Linux kernel checksummed in software: ICMP and ICMPv6 echo. */
static void
test_cksum_kernel_frames_verify(void **state)
{
	struct frame icmp = hexframe(
	    "000000000000000000000000080045000054f00540004001"
	    "4ca17f0000017f0000010800680a42290001eb4a076b0000"
	    "00009542070000000000101112131415161718191a1b1c1d"
	    "1e1f202122232425262728292a2b2c2d2e2f303132333435"
	    "3637");
	struct frame icmp6 = hexframe(
	    "00000000000000000000000086dd600da9e000403a400000"
	    "000000000000000000000000000100000000000000000000"
	    "0000000000018000f885422a0001eb4a076b000000008c49"
	    "070000000000101112131415161718191a1b1c1d1e1f2021"
	    "22232425262728292a2b2c2d2e2f3031323334353637");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &icmp, 0), 0);
	assert_int_equal(p.ip4.cksum_state, CKSUM_OK);
	assert_int_equal(p.icmp.cksum_state, CKSUM_OK);
	assert_int_equal(dec(&p, decode_eth, &icmp6, 0), 0);
	assert_int_equal(p.icmp6.cksum_state, CKSUM_OK);
	assert_int_equal(p.nanom, 0);
	freeframe(&icmp);
	freeframe(&icmp6);
}

/*
 * Loopback TCP leaves the sum partial (CHECKSUM_PARTIAL: the pseudo-header
 * only), as veth offload does; verification is skippable for such frames.
 */
static void
test_cksum_partial_frames_pass_when_verification_skipped(void **state)
{
	struct frame syn = hexframe(
	    "00000000000000000000000008004500003c8e5a40004006"
	    "ae5f7f0000017f000001c8141e61c31cdf1d00000000a002"
	    "ffd7fe3000000204ffd70402080a22c8d63b000000000103"
	    "030a");
	struct pkt p;
	uint32_t ph;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &syn, 0), 0);
	assert_int_equal(p.tcp.cksum_state, CKSUM_BAD);
	assert_true(pkt_has_anom(&p, ANOM_TCP_BAD_CKSUM));
	/* What the kernel left is the folded pseudo-header sum. */
	ph = cksum_pseudo4(p.ip4.src, p.ip4.dst, 6, 40);
	assert_int_equal(p.tcp.cksum, (uint16_t)~cksum_fold(ph));

	assert_int_equal(dec(&p, decode_eth, &syn, PKT_F_NO_L4_CKSUM), 0);
	assert_int_equal(p.tcp.cksum_state, CKSUM_UNCHECKED);
	assert_int_equal(p.ip4.cksum_state, CKSUM_OK);
	assert_int_equal(p.nanom, 0);
	freeframe(&syn);
}

static void
test_cksum_pseudo6_covers_length_and_next_header(void **state)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 }, b[16] = { 0xfe, 0x80 };
	uint8_t ph[40] = { 0 };

	(void)state;
	a[15] = 1;
	b[15] = 2;
	memcpy(ph, a, 16);
	memcpy(ph + 16, b, 16);
	ph[33] = 0x01;		/* length 0x10000: jumbo-sized */
	ph[39] = 58;
	assert_int_equal(cksum_fold(cksum_pseudo6(a, b, 58, 0x10000)),
	    naive_cksum(ph, sizeof(ph)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cksum_rfc1071_example),
		cmocka_unit_test(test_cksum_ipv4_header_sums_to_zero),
		cmocka_unit_test(
		    test_cksum_matches_reference_at_every_length_and_alignment),
		cmocka_unit_test(test_cksum_pieces_add_up_to_the_whole),
		cmocka_unit_test(test_cksum_incremental_rfc1624),
		cmocka_unit_test(test_cksum_kernel_frames_verify),
		cmocka_unit_test(
		    test_cksum_partial_frames_pass_when_verification_skipped),
		cmocka_unit_test(
		    test_cksum_pseudo6_covers_length_and_next_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
