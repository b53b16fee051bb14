/* UDP: checksums (absent, bad, IPv6 zero), length anomalies, truncation,
 * and the RFC 768 rule that a computed zero is sent as all ones. */
#include "test_net.h"

static void
test_udp_fields_and_checksum(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.udp.sport, 53);
	assert_int_equal(p.udp.dport, 53);
	assert_int_equal(p.udp.len, 12);
	assert_int_equal(p.udp.cksum_state, CKSUM_OK);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "dns?", 4);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_udp_checksums(void **state)
{
	struct frame none = hexframe(
	    "02000000000b02000000000a080045000020000100004011"
	    "66ca0a0000010a00000200450045000c000074667470");
	struct frame bad = hexframe(
	    "02000000000b02000000000a08004500001d000100004011"
	    "66cd0a0000010a000002000500060009dead62");
	struct frame zero6 = hexframe(
	    "02000000000b02000000000a86dd60000000000911402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "000000000002001b001c0009000066");
	struct frame lo = hexframe(
	    "0000000000000000000000000800450000208cc340004011"
	    "b0077f0000017f00000187251e62000cfe1f75647021");
	struct pkt p;

	(void)state;
	/* RFC 768: zero means the sender computed none; fine over IPv4. */
	assert_int_equal(dec(&p, decode_eth, &none, 0), 0);
	assert_int_equal(p.udp.cksum_state, CKSUM_ABSENT);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &none);
	assert_only_anom(decode_eth, &bad, ANOM_UDP_BAD_CKSUM);
	assert_roundtrip(decode_eth, encode_eth, &bad);
	assert_only_anom(decode_eth, &zero6, ANOM_UDP6_ZERO_CKSUM);
	assert_int_equal(dec(&p, decode_eth, &zero6, 0), 0);
	assert_int_equal(p.udp.cksum_state, CKSUM_ABSENT);
	/* Linux loopback leaves a partial sum: skippable. */
	assert_only_anom(decode_eth, &lo, ANOM_UDP_BAD_CKSUM);
	assert_int_equal(dec(&p, decode_eth, &lo, PKT_F_NO_L4_CKSUM), 0);
	assert_int_equal(p.nanom, 0);
	freeframe(&none);
	freeframe(&bad);
	freeframe(&zero6);
	freeframe(&lo);
}

static void
test_udp_length_anomalies(void **state)
{
	struct frame shorter = hexframe(
	    "02000000000b02000000000a080045000030000100004011"
	    "66ba0a0000010a00000200130014000a874c646464646464"
	    "6464646464646464646464646464");
	struct frame longer = hexframe(
	    "02000000000b02000000000a080045000030000100004011"
	    "66ba0a0000010a000002001500160040f592656565656565"
	    "6565656565656565656565656565");
	struct frame f = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	struct frame dg = copyframe(f.b + 46, 12);
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &shorter, ANOM_UDP_LEN_TOO_SMALL);
	assert_int_equal(dec(&p, decode_eth, &shorter, 0), 0);
	assert_int_equal(p.payload_len, 2);
	assert_int_equal(p.udp.cksum_state, CKSUM_OK);
	assert_false(pkt_exact(&p));
	assert_only_anom(decode_eth, &longer, ANOM_UDP_LEN_TOO_BIG);
	assert_int_equal(dec(&p, decode_eth, &longer, 0), 0);
	assert_int_equal(p.udp.cksum_state, CKSUM_UNCHECKED);
	assert_false(pkt_exact(&p));
	dg.b[4] = 0;
	dg.b[5] = 7;
	assert_only_anom(decode_udp, &dg, ANOM_UDP_LEN_INVALID);
	freeframe(&shorter);
	freeframe(&longer);
	freeframe(&f);
	freeframe(&dg);
}

static void
test_udp_every_truncation_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	struct frame dg = copyframe(f.b + 46, 12);

	(void)state;
	assert_truncations(decode_eth, encode_eth, &f);
	assert_truncations(decode_udp, encode_udp, &dg);
	assert_prefix_anom(decode_udp, &dg, 7, ANOM_UDP_TRUNCATED);
	assert_roundtrip(decode_udp, encode_udp, &dg);
	freeframe(&f);
	freeframe(&dg);
}

static void
test_udp_computed_zero_checksum_is_sent_as_ones(void **state)
{
	uint8_t out[64], data[4] = { 'a', 'b', 0, 0 };
	struct pkt p;
	uint16_t s;

	(void)state;
	pkt_init(&p, 0);
	p.layers = PKT_L_IP4 | PKT_L_UDP;
	p.ip4.ttl = 64;
	p.ip4.proto = 17;
	memcpy(p.ip4.src, "\x0a\x00\x00\x01", 4);
	memcpy(p.ip4.dst, "\x0a\x00\x00\x02", 4);
	p.udp.sport = 1000;
	p.udp.dport = 2000;
	p.payload = data;
	p.payload_len = sizeof(data);
	assert_int_equal(encode_ip4(&p, out, sizeof(out)), 32);
	/* Fill the last word with the sum so the next one folds to zero. */
	s = (uint16_t)(out[26] << 8 | out[27]);
	data[2] = s >> 8;
	data[3] = s & 0xff;
	assert_int_equal(encode_ip4(&p, out, sizeof(out)), 32);
	assert_int_equal(out[26] << 8 | out[27], 0xffff);
	assert_int_equal(dec(&p, decode_ip4,
	    &(struct frame){ out, 32 }, 0), 0);
	assert_int_equal(p.udp.cksum_state, CKSUM_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_fields_and_checksum),
		cmocka_unit_test(test_udp_checksums),
		cmocka_unit_test(test_udp_length_anomalies),
		cmocka_unit_test(test_udp_every_truncation_is_flagged),
		cmocka_unit_test(
		    test_udp_computed_zero_checksum_is_sent_as_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
