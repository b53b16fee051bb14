/* ARP: requests and replies, padding, odd address sizes, truncation, and
 * building a reply from fields as the claim logic will. */
#include "test_net.h"

static void
test_arp_request_fields(void **state)
{
	struct frame f = hexframe(
	    "ffffffffffff02000000000a080600010800060400010200"
	    "0000000a0a0000010000000000000a000002000000000000"
	    "000000000000000000000000");
	const uint8_t spa[4] = { 10, 0, 0, 1 }, tpa[4] = { 10, 0, 0, 2 };
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.layers, PKT_L_ETH | PKT_L_ARP);
	assert_int_equal(p.arp.op, 1);
	assert_int_equal(p.arp.hrd, 1);
	assert_int_equal(p.arp.pro, 0x0800);
	assert_true(p.arp.eth_ip4);
	assert_memory_equal(p.arp.spa, spa, 4);
	assert_memory_equal(p.arp.tpa, tpa, 4);
	assert_int_equal(p.arp.rawlen, 28);
	assert_int_equal(p.trailer_len, 18);	/* padded to 60 */
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_arp_reply_built_from_fields_matches_the_wire(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080600010800060400020200"
	    "0000000b0a00000202000000000a0a000001000000000000"
	    "000000000000000000000000");
	uint8_t out[128];
	struct pkt p;

	(void)state;
	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_ARP;
	memcpy(p.eth.dst, f.b, 6);
	memcpy(p.eth.src, f.b + 6, 6);
	p.eth.type = 0x0806;
	p.arp.hrd = 1;
	p.arp.pro = 0x0800;
	p.arp.op = 2;
	p.arp.eth_ip4 = 1;
	memcpy(p.arp.sha, f.b, 6);
	memcpy(p.arp.spa, "\x0a\x00\x00\x02", 4);
	memcpy(p.arp.tha, f.b + 6, 6);
	memcpy(p.arp.tpa, "\x0a\x00\x00\x01", 4);
	assert_int_equal(encode_pkt(&p, out, sizeof(out)), 42);
	assert_memory_equal(out, f.b, 42);
	freeframe(&f);
}

static void
test_arp_every_truncation_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080600010800060400020200"
	    "0000000b0a00000202000000000a0a000001000000000000"
	    "000000000000000000000000");
	struct frame arp = copyframe(f.b + 14, 28);

	(void)state;
	assert_truncations(decode_arp, encode_arp, &arp);
	assert_prefix_anom(decode_arp, &arp, 7, ANOM_ARP_TRUNCATED);
	assert_prefix_anom(decode_arp, &arp, 27, ANOM_ARP_TRUNCATED);
	assert_roundtrip(decode_arp, encode_arp, &arp);
	freeframe(&f);
	freeframe(&arp);
}

static void
test_arp_odd_address_sizes_are_kept_raw(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080600010800060600011111"
	    "111111111111111111111111111111111111111111110000"
	    "000000000000000000000000");
	/* IEEE 802 hardware, 8-byte addresses. */
	struct frame g = hexframe("0006 0800 0804 0001"
	    "1111111111111111 0a000001 2222222222222222 0a000002");
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &f, ANOM_ARP_ADDR_LEN);
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_false(p.arp.eth_ip4);
	assert_int_equal(p.payload_len, 24);
	assert_roundtrip(decode_eth, encode_eth, &f);
	/* Other hardware types are not anomalies, just not Ethernet. */
	assert_int_equal(dec(&p, decode_arp, &g, 0), 0);
	assert_int_equal(p.nanom, 0);
	assert_int_equal(p.arp.hln, 8);
	assert_roundtrip(decode_arp, encode_arp, &g);
	freeframe(&f);
	freeframe(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request_fields),
		cmocka_unit_test(
		    test_arp_reply_built_from_fields_matches_the_wire),
		cmocka_unit_test(test_arp_every_truncation_is_flagged),
		cmocka_unit_test(test_arp_odd_address_sizes_are_kept_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
