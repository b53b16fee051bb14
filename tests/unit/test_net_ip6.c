/*
 * IPv6: fields, the bounded extension-header walk (hop-by-hop, routing,
 * fragment, destination options, AH), the routing header's final
 * destination in the pseudo-header, fragments, anomalies, truncation.
 */
#include "test_net.h"

static void
test_ip6_fields(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd62012345000d3a402001"
	    "0db800000000000000000000000220010db8000000000000"
	    "00000000000181000e670005000670696e6736");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.layers, PKT_L_ETH | PKT_L_IP6 | PKT_L_ICMP6);
	assert_int_equal(p.ip6.tc, 0x20);
	assert_int_equal(p.ip6.flow, 0x12345);
	assert_int_equal(p.ip6.hlim, 64);
	assert_int_equal(p.ip6.nxt, 58);
	assert_int_equal(p.ip6.proto, 58);
	assert_int_equal(p.ip6.plen, 13);
	assert_int_equal(p.ip6.extlen, 0);
	assert_int_equal(p.ip6.src[15], 2);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_ip6_extension_headers_are_walked(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd60000000003000402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000023c0005020000010006000104000000009c49"
	    "0050000000000000000080022000511f0000020405a00402"
	    "030308000000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip6.next, 2);
	assert_int_equal(p.ip6.exth[0].type, 0);	/* hop-by-hop */
	assert_int_equal(p.ip6.exth[0].len, 8);
	assert_int_equal(p.ip6.exth[1].type, 60);	/* destination */
	assert_int_equal(p.ip6.exth[1].off, 8);
	assert_int_equal(p.ip6.proto, 6);
	assert_int_equal(p.ip6.rawlen, 56);
	assert_true(p.layers & PKT_L_TCP);
	assert_int_equal(p.tcp.mss, 1440);
	assert_int_equal(p.tcp.cksum_state, CKSUM_OK);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	assert_truncations(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_ip6_routing_header_final_destination_is_summed(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd6000000000332b402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "000000000100110400020000000020010db8000000000000"
	    "00000000020020010db80000000000000000000000029c4a"
	    "0035000b656f727430");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip6.exth[0].type, 43);
	assert_int_equal(p.ip6.exth[0].len, 40);
	/* RFC 8200 §8.1: summed with the last address, not the dst. */
	assert_int_equal(p.udp.cksum_state, CKSUM_OK);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_ip6_fragments(void **state)
{
	struct frame atomic = hexframe(
	    "02000000000b02000000000a86dd6000000000162c402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "00000000000211000000000000079c4b0035000ecd976174"
	    "6f6d6963");
	struct frame later = hexframe(
	    "02000000000b02000000000a86dd6000000000182c402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "000000000002110000200000000848484848484848484848"
	    "484848484848");
	struct pkt p;

	(void)state;
	/* RFC 6946: offset 0 without M is a whole packet. */
	assert_int_equal(dec(&p, decode_eth, &atomic, 0), 0);
	assert_true(p.ip6.fragment);
	assert_int_equal(p.ip6.fragid, 7);
	assert_int_equal(p.frag, 0);
	assert_true(p.layers & PKT_L_UDP);
	assert_roundtrip(decode_eth, encode_eth, &atomic);
	assert_int_equal(dec(&p, decode_eth, &later, 0), 0);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.ip6.fragoff, 4);
	assert_int_equal(p.ip6.mf, 0);
	assert_false(p.layers & PKT_L_UDP);
	assert_int_equal(p.payload_len, 16);
	assert_roundtrip(decode_eth, encode_eth, &later);
	freeframe(&atomic);
	freeframe(&later);
}

static void
test_ip6_authentication_header_is_walked(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd60000000002c33402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "000000000002060400000000010000000001a5a5a5a5a5a5"
	    "a5a5a5a5a5a59c4c005000000000000000005004200097cf"
	    "0000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip6.exth[0].type, 51);
	assert_int_equal(p.ip6.exth[0].len, 24);	/* RFC 4302 §2.2 */
	assert_int_equal(p.tcp.flags, TH_RST);
	assert_int_equal(p.tcp.cksum_state, CKSUM_OK);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_ip6_anomalies(void **state)
{
	struct frame many = hexframe(
	    "02000000000b02000000000a86dd6000000000503c402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000023c000104000000003c000104000000003c00"
	    "0104000000003c000104000000003c000104000000003c00"
	    "0104000000003c000104000000003c000104000000001100"
	    "010400000000001700180008a43a");
	struct frame hbh = hexframe(
	    "02000000000b02000000000a86dd6000000000183c402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "000000000002000001040000000011000104000000000019"
	    "001a0008a436");
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd60000000003000402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000023c0005020000010006000104000000009c49"
	    "0050000000000000000080022000511f0000020405a00402"
	    "030308000000");
	struct pkt p;

	(void)state;
	/* Nine headers: eight walked, the rest left raw. */
	assert_only_anom(decode_eth, &many, ANOM_IP6_EXT_TOO_MANY);
	assert_int_equal(dec(&p, decode_eth, &many, 0), 0);
	assert_int_equal(p.ip6.next, IP6_MAXEXT);
	assert_false(p.layers & PKT_L_UDP);
	assert_roundtrip(decode_eth, encode_eth, &many);
	assert_only_anom(decode_eth, &hbh, ANOM_IP6_HOPOPTS_NOT_FIRST);
	assert_roundtrip(decode_eth, encode_eth, &hbh);
	/* A router-alert option claiming more than its header holds. */
	f.b[54 + 3] = 9;
	(void)dec(&p, decode_eth, &f, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_IP6_OPT_LEN_INVALID));
	/* A hop-by-hop length past the payload. */
	f.b[54 + 1] = 200;
	(void)dec(&p, decode_eth, &f, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_IP6_EXT_TRUNCATED));
	f.b[54 + 1] = 0;
	f.b[18] = 0x01;		/* payload length 256+ */
	(void)dec(&p, decode_eth, &f, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_IP6_PLEN_TOO_BIG));
	assert_false(pkt_exact(&p));
	f.b[14] = 0x40;
	assert_only_anom(decode_eth, &f, ANOM_IP6_BAD_VERSION);
	freeframe(&many);
	freeframe(&hbh);
	freeframe(&f);
}

static void
test_ip6_every_truncation_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd6000000000332b402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "000000000100110400020000000020010db8000000000000"
	    "00000000020020010db80000000000000000000000029c4a"
	    "0035000b656f727430");
	struct frame ip = copyframe(f.b + 14, f.len - 14);

	(void)state;
	assert_truncations(decode_eth, encode_eth, &f);
	assert_truncations(decode_ip6, encode_ip6, &ip);
	assert_prefix_anom(decode_ip6, &ip, 39, ANOM_IP6_TRUNCATED);
	assert_roundtrip(decode_ip6, encode_ip6, &ip);
	freeframe(&f);
	freeframe(&ip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip6_fields),
		cmocka_unit_test(test_ip6_extension_headers_are_walked),
		cmocka_unit_test(
		    test_ip6_routing_header_final_destination_is_summed),
		cmocka_unit_test(test_ip6_fragments),
		cmocka_unit_test(test_ip6_authentication_header_is_walked),
		cmocka_unit_test(test_ip6_anomalies),
		cmocka_unit_test(test_ip6_every_truncation_is_flagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
