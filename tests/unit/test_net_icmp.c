/* ICMP: echo, timestamps, masks, errors with the quoted header read
 * shallowly, checksum, truncation, and an echo reply built from fields. */
#include <sys/socket.h>

#include "test_net.h"

static void
test_icmp_echo_and_vlan(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a8100a02a08004500003c0007"
	    "0000400166b80a0000010a00000208005e43123400017878"
	    "787878787878787878787878787878787878787878787878"
	    "787878787878");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.icmp.type, 8);
	assert_int_equal(p.icmp.rest >> 16, 0x1234);	/* id */
	assert_int_equal(p.icmp.rest & 0xffff, 1);	/* seq */
	assert_int_equal(p.icmp.cksum_state, CKSUM_OK);
	assert_int_equal(p.icmp.rawlen, 8);
	assert_int_equal(p.payload_len, 32);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_icmp_timestamp_and_mask_bodies(void **state)
{
	struct frame ts = hexframe(
	    "02000000000b02000000000a080045000028000100004001"
	    "66d20a0000020a0000010e00de7300010002000003e80000"
	    "07d0000007d1");
	struct frame mask = hexframe(
	    "02000000000b02000000000a080045000024000100004001"
	    "66d60a0000010a0000021100eef800030004000000000000"
	    "000000000000000000000000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &ts, 0), 0);
	assert_int_equal(p.icmp.type, 14);
	assert_int_equal(p.icmp.rawlen, 20);
	assert_int_equal(p.icmp.otime, 1000);
	assert_int_equal(p.icmp.rtime, 2000);
	assert_int_equal(p.icmp.ttime, 2001);
	assert_int_equal(p.payload_len, 0);
	assert_roundtrip(decode_eth, encode_eth, &ts);
	assert_int_equal(dec(&p, decode_eth, &mask, 0), 0);
	assert_int_equal(p.icmp.type, 17);
	assert_int_equal(p.icmp.rawlen, 12);
	assert_int_equal(p.icmp.mask, 0);
	assert_roundtrip(decode_eth, encode_eth, &mask);
	/* A timestamp message too short for its body stays raw. */
	ts.b[16] = 0;
	ts.b[17] = 20 + 12;
	(void)dec(&p, decode_eth, &ts, PKT_F_NO_IP_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_ICMP_TRUNCATED));
	assert_false(p.layers & PKT_L_ICMP);
	freeframe(&ts);
	freeframe(&mask);
}

static void
test_icmp_errors_quote_the_invoking_header(void **state)
{
	struct frame unreach = hexframe(
	    "02000000000b02000000000a08004500003d000100004001"
	    "66bd0a0000020a0000010303111e00000000450000210001"
	    "0000401166c90a0000010a0000029c40829a000d88217072"
	    "6f6265");
	struct frame mtu = hexframe(
	    "02000000000b02000000000a080045000044000100004001"
	    "66b60a0000020a00000103040ba100000578450000280001"
	    "4000400626cd0a0000010a0000029c410050000000000000"
	    "000050022000df4e0000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &unreach, 0), 0);
	assert_int_equal(p.icmp.type, 3);
	assert_int_equal(p.icmp.code, 3);
	assert_int_equal(p.icmp.quote.af, AF_INET);
	assert_int_equal(p.icmp.quote.proto, 17);
	assert_true(p.icmp.quote.has_ports);
	assert_int_equal(p.icmp.quote.sport, 40000);
	assert_int_equal(p.icmp.quote.dport, 33434);
	assert_memory_equal(p.icmp.quote.dst, "\x0a\x00\x00\x02", 4);
	assert_ptr_equal(p.icmp.quote.raw, p.payload);
	assert_false(p.layers & PKT_L_UDP);	/* no recursion */
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &unreach);
	assert_int_equal(dec(&p, decode_eth, &mtu, 0), 0);
	assert_int_equal(p.icmp.rest & 0xffff, 1400);	/* RFC 1191 */
	assert_int_equal(p.icmp.quote.proto, 6);
	assert_int_equal(p.icmp.quote.dport, 80);
	assert_roundtrip(decode_eth, encode_eth, &mtu);
	freeframe(&unreach);
	freeframe(&mtu);
}

static void
test_icmp_anomalies(void **state)
{
	struct frame sum = hexframe(
	    "02000000000b02000000000a08004500001c000100004001"
	    "66de0a0000010a0000020800dead00000000000000000000"
	    "000000000000000000000000");
	struct frame quote = hexframe(
	    "02000000000b02000000000a080045000028000100004001"
	    "66d20a0000020a0000010301110200000000450000140001"
	    "0000400066e7");
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000038000100004001"
	    "66c20a0000020a0000010b00091c000000004500001c0001"
	    "00000111a5ce0a0000010a0000029c42829b0008ccfd");
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &sum, ANOM_ICMP_BAD_CKSUM);
	assert_roundtrip(decode_eth, encode_eth, &sum);
	assert_int_equal(dec(&p, decode_eth, &sum, PKT_F_NO_L4_CKSUM), 0);
	assert_int_equal(p.nanom, 0);
	assert_only_anom(decode_eth, &quote, ANOM_ICMP_QUOTE_TRUNCATED);
	assert_roundtrip(decode_eth, encode_eth, &quote);
	/* A quote that is not an IP header. */
	f.b[42] = 0x15;
	(void)dec(&p, decode_eth, &f, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_ICMP_QUOTE_INVALID));
	freeframe(&sum);
	freeframe(&quote);
	freeframe(&f);
}

static void
test_icmp_every_truncation_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000044000100004001"
	    "66b60a0000020a00000103040ba100000578450000280001"
	    "4000400626cd0a0000010a0000029c410050000000000000"
	    "000050022000df4e0000");
	struct frame ts = hexframe(
	    "02000000000b02000000000a080045000028000100004001"
	    "66d20a0000010a0000020d00ef1400010002000003e80000"
	    "000000000000");

	(void)state;
	assert_truncations(decode_eth, encode_eth, &f);
	assert_truncations(decode_eth, encode_eth, &ts);
	freeframe(&f);
	freeframe(&ts);
}

static void
test_icmp_built_echo_reply_matches_the_wire(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000140004001"
	    "26be0a0000020a0000010000664312340001787878787878"
	    "787878787878787878787878787878787878787878787878"
	    "7878");
	uint8_t out[128];
	struct pkt p;

	(void)state;
	pkt_init(&p, 0);
	p.layers = PKT_L_IP4 | PKT_L_ICMP;
	p.ip4.ttl = 64;
	p.ip4.id = 1;
	p.ip4.flags = IP4_DF;
	p.ip4.proto = 1;
	memcpy(p.ip4.src, "\x0a\x00\x00\x02", 4);
	memcpy(p.ip4.dst, "\x0a\x00\x00\x01", 4);
	p.icmp.type = 0;
	p.icmp.rest = 0x1234 << 16 | 1;
	p.payload = f.b + 42;
	p.payload_len = 32;
	assert_int_equal(encode_ip4(&p, out, sizeof(out)), 60);
	assert_memory_equal(out, f.b + 14, 60);
	freeframe(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_echo_and_vlan),
		cmocka_unit_test(test_icmp_timestamp_and_mask_bodies),
		cmocka_unit_test(test_icmp_errors_quote_the_invoking_header),
		cmocka_unit_test(test_icmp_anomalies),
		cmocka_unit_test(test_icmp_every_truncation_is_flagged),
		cmocka_unit_test(test_icmp_built_echo_reply_matches_the_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
