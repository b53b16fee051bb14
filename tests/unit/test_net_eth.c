/*
 * Ethernet: fields, one 802.1Q tag, a second tag as an anomaly, 802.3
 * frames, short-frame padding kept for an exact round trip, the Linux
 * cooked header, truncation at every length.
 */
#include "test_net.h"

static void
test_eth_decodes_addresses_and_type(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000140004001"
	    "26be0a0000020a0000010000664312340001787878787878"
	    "787878787878787878787878787878787878787878787878"
	    "7878");
	const uint8_t a[6] = { 2, 0, 0, 0, 0, 0x0a };
	const uint8_t b[6] = { 2, 0, 0, 0, 0, 0x0b };
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.layers, PKT_L_ETH | PKT_L_IP4 | PKT_L_ICMP);
	assert_memory_equal(p.eth.dst, b, 6);
	assert_memory_equal(p.eth.src, a, 6);
	assert_int_equal(p.eth.type, 0x0800);
	assert_ptr_equal(p.eth.raw, f.b);
	assert_int_equal(p.eth.rawlen, 14);
	assert_ptr_equal(p.ip4.raw, f.b + 14);
	assert_int_equal(p.trailer_len, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_eth_vlan_tag_is_decoded_once(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a8100a02a08004500003c0007"
	    "0000400166b80a0000010a00000208005e43123400017878"
	    "787878787878787878787878787878787878787878787878"
	    "787878787878");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_true(p.layers & PKT_L_VLAN);
	assert_int_equal(p.eth.tpid, 0x8100);
	assert_int_equal(p.eth.tci >> 13, 5);		/* PCP */
	assert_int_equal(p.eth.tci & 0x0fff, 42);	/* VID */
	assert_int_equal(p.eth.type, 0x0800);
	assert_int_equal(p.eth.rawlen, 18);
	assert_true(p.layers & PKT_L_ICMP);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	assert_truncations(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_eth_second_vlan_tag_is_an_anomaly_not_a_recursion(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a8100000a8100001408004500"
	    "001c00010000401166ce0a0000010a000002001d001e0008"
	    "eba0");
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &f, ANOM_ETH_VLAN_STACKED);
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.layers, PKT_L_ETH | PKT_L_VLAN);
	assert_int_equal(p.eth.type, 0x8100);
	assert_ptr_equal(p.payload, f.b + 18);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_eth_short_frame_padding_is_kept(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000024000100004001"
	    "66d60a0000010a0000021100eef800030004000000000000"
	    "000000000000000000000000");	/* 50 bytes + 10 pad */
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip4.len, 36);
	assert_int_equal(p.trailer_len, 10);
	assert_ptr_equal(p.trailer, f.b + 50);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_eth_8023_frame_is_raw_payload(void **state)
{
	/* 802.3 length 3, LLC: not decoded, not an anomaly. */
	struct frame f = hexframe("0180c2000000 02000000000a 0003 424203"
	    "000000000000000000000000000000000000000000000000000000"
	    "0000000000000000000000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.layers, PKT_L_ETH);
	assert_int_equal(p.nanom, 0);
	assert_int_equal(p.payload_len, f.len - 14);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_eth_truncated_header_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000");
	struct frame g = hexframe("02000000000b02000000000a8100 00");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), -1);
	assert_true(pkt_has_anom(&p, ANOM_ETH_TRUNCATED));
	assert_false(pkt_exact(&p));
	assert_int_equal(dec(&p, decode_eth, &g, 0), -1);
	assert_true(pkt_has_anom(&p, ANOM_ETH_VLAN_TRUNCATED));
	freeframe(&f);
	freeframe(&g);
}

static void
test_eth_every_truncation_of_a_tcp_frame_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000040000100004006"
	    "66b50a0000010a0000029c4300500000000000000000b002"
	    "20005e6c000003030a01020405b4080affffffff00000000"
	    "040200000000");

	(void)state;
	assert_truncations(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_sll_cooked_header_round_trips(void **state)
{
	/* DLT_LINUX_SLL: outgoing (4), ARPHRD_ETHER, 6-byte address. */
	struct frame f = hexframe("0004 0001 0006 02000000000a0000 0800"
	    "4500001c00010000401166ce0a0000010a000002 003500350008eb71");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_sll, &f, 0), 0);
	assert_int_equal(p.layers, PKT_L_SLL | PKT_L_IP4 | PKT_L_UDP);
	assert_int_equal(p.sll.pkttype, 4);
	assert_int_equal(p.sll.proto, 0x0800);
	assert_int_equal(p.udp.cksum_state, CKSUM_OK);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_sll, encode_sll, &f);
	assert_truncations(decode_sll, encode_sll, &f);
	assert_prefix_anom(decode_sll, &f, 15, ANOM_SLL_TRUNCATED);
	freeframe(&f);
}

static void
test_eth_anomaly_names_are_distinct(void **state)
{
	int a, b;

	(void)state;
	for (a = 1; a < ANOM_MAX; a++) {
		assert_non_null(strchr(anom_name(a), '.'));
		for (b = a + 1; b < ANOM_MAX; b++)
			assert_string_not_equal(anom_name(a), anom_name(b));
	}
	assert_string_equal(anom_name(ANOM_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_decodes_addresses_and_type),
		cmocka_unit_test(test_eth_vlan_tag_is_decoded_once),
		cmocka_unit_test(
		    test_eth_second_vlan_tag_is_an_anomaly_not_a_recursion),
		cmocka_unit_test(test_eth_short_frame_padding_is_kept),
		cmocka_unit_test(test_eth_8023_frame_is_raw_payload),
		cmocka_unit_test(test_eth_truncated_header_is_flagged),
		cmocka_unit_test(
		    test_eth_every_truncation_of_a_tcp_frame_is_flagged),
		cmocka_unit_test(test_sll_cooked_header_round_trips),
		cmocka_unit_test(test_eth_anomaly_names_are_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
