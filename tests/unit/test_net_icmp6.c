/*
 * ICMPv6 and neighbour discovery: echo, NS/NA/RS/RA with their options and
 * link-layer addresses, errors quoting IPv6, RFC 4861 validity checks, and
 * a neighbour advertisement built from fields as the claim logic will.
 */
#include <sys/socket.h>

#include "test_net.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0x0b };

static void
test_icmp6_echo(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd60000000000d3a402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "00000000000280000f670005000670696e6736");
	struct frame lo = hexframe(
	    "00000000000000000000000086dd600b1cc600403a400000"
	    "000000000000000000000000000100000000000000000000"
	    "0000000000018100f785422a0001eb4a076b000000008c49"
	    "070000000000101112131415161718191a1b1c1d1e1f2021"
	    "22232425262728292a2b2c2d2e2f3031323334353637");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.icmp6.type, 128);
	assert_int_equal(p.icmp6.rest, 5 << 16 | 6);
	assert_int_equal(p.icmp6.cksum_state, CKSUM_OK);
	assert_int_equal(p.payload_len, 5);
	assert_roundtrip(decode_eth, encode_eth, &f);
	assert_int_equal(dec(&p, decode_eth, &lo, 0), 0);
	assert_int_equal(p.icmp6.type, 129);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &lo);
	freeframe(&f);
	freeframe(&lo);
}

static void
test_icmp6_neighbour_solicitation_and_advertisement(void **state)
{
	struct frame ns = hexframe(
	    "3333ff00000202000000000a86dd6000000000203afffe80"
	    "0000000000000000000000000001ff020000000000000000"
	    "0001ff00000287004b560000000020010db8000000000000"
	    "000000000002010102000000000a");
	struct frame na = hexframe(
	    "02000000000b02000000000a86dd6000000000203aff2001"
	    "0db8000000000000000000000002fe800000000000000000"
	    "0000000000018800b9a06000000020010db8000000000000"
	    "000000000002020102000000000b");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &ns, 0), 0);
	assert_int_equal(p.icmp6.type, 135);
	assert_int_equal(p.icmp6.target[15], 2);
	assert_int_equal(p.icmp6.nopt, 1);
	assert_int_equal(p.icmp6.opt[0].type, 1);
	assert_true(p.icmp6.has_slla);
	assert_memory_equal(p.icmp6.slla, mac_a, 6);
	assert_int_equal(p.icmp6.rawlen, 24);
	assert_int_equal(p.icmp6.ndopt_len, 8);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &ns);
	assert_int_equal(dec(&p, decode_eth, &na, 0), 0);
	assert_int_equal(p.icmp6.type, 136);
	assert_int_equal(p.icmp6.rest >> 29, 3);	/* S and O, not R */
	assert_true(p.icmp6.has_tlla);
	assert_memory_equal(p.icmp6.tlla, mac_b, 6);
	assert_roundtrip(decode_eth, encode_eth, &na);
	assert_truncations(decode_eth, encode_eth, &na);
	{
		struct frame msg = copyframe(na.b + 54, na.len - 54);

		/* Short of the 8-byte header, and of the NA's target. */
		assert_prefix_anom(decode_icmp6, &msg, 7, ANOM_ICMP6_TRUNCATED);
		assert_prefix_anom(decode_icmp6, &msg, 23,
		    ANOM_ICMP6_TRUNCATED);
		freeframe(&msg);
	}
	freeframe(&ns);
	freeframe(&na);
}

static void
test_icmp6_router_solicitation_and_advertisement(void **state)
{
	struct frame rs = hexframe(
	    "33330000000202000000000a86dd6000000000103afffe80"
	    "0000000000000000000000000001ff020000000000000000"
	    "00000000000285007a2300000000010102000000000a");
	struct frame ra = hexframe(
	    "33330000000102000000000b86dd6000000000403afffe80"
	    "0000000000000000000000000002ff020000000000000000"
	    "00000000000186003c2f4048070800007530000003e80101"
	    "02000000000b05010000000005dc030440c0ffffffffffff"
	    "ffff0000000020010db8000000000000000000000000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &rs, 0), 0);
	assert_int_equal(p.icmp6.type, 133);
	assert_true(p.icmp6.has_slla);
	assert_roundtrip(decode_eth, encode_eth, &rs);
	assert_int_equal(dec(&p, decode_eth, &ra, 0), 0);
	assert_int_equal(p.icmp6.type, 134);
	assert_int_equal(p.icmp6.rest >> 24, 64);		/* hop limit */
	assert_int_equal(p.icmp6.rest & 0xffff, 1800);	/* lifetime */
	assert_int_equal(p.icmp6.reachable, 30000);
	assert_int_equal(p.icmp6.retrans, 1000);
	assert_int_equal(p.icmp6.nopt, 3);
	assert_int_equal(p.icmp6.opt[0].type, 1);	/* SLLA */
	assert_int_equal(p.icmp6.opt[1].type, 5);	/* MTU */
	assert_int_equal(p.icmp6.opt[2].type, 3);	/* prefix */
	assert_int_equal(p.icmp6.opt[2].len, 4);
	assert_memory_equal(p.icmp6.slla, mac_b, 6);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &ra);
	freeframe(&rs);
	freeframe(&ra);
}

static void
test_icmp6_errors_quote_the_invoking_header(void **state)
{
	struct frame unreach = hexframe(
	    "02000000000b02000000000a86dd6000000000393a402001"
	    "0db800000000000000000000000220010db8000000000000"
	    "000000000001010431e40000000060000000000911402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000029c47829a00090d8578");
	struct frame ptb = hexframe(
	    "02000000000b02000000000a86dd6000000000443a402001"
	    "0db800000000000000000000000220010db8000000000000"
	    "000000000001020036d20000050060000000001406402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000029c4801bb000000000000000050022000966a"
	    "0000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &unreach, 0), 0);
	assert_int_equal(p.icmp6.quote.af, AF_INET6);
	assert_int_equal(p.icmp6.quote.proto, 17);
	assert_int_equal(p.icmp6.quote.sport, 40007);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &unreach);
	assert_int_equal(dec(&p, decode_eth, &ptb, 0), 0);
	assert_int_equal(p.icmp6.rest, 1280);
	assert_int_equal(p.icmp6.quote.dport, 443);
	assert_roundtrip(decode_eth, encode_eth, &ptb);
	freeframe(&unreach);
	freeframe(&ptb);
}

static void
test_icmp6_anomalies(void **state)
{
	struct frame sum = hexframe(
	    "02000000000b02000000000a86dd6000000000083a402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000028000dead00000000");
	struct frame hlim = hexframe(
	    "02000000000b02000000000a86dd6000000000203a40fe80"
	    "0000000000000000000000000001ff020000000000000000"
	    "0001ff00000287004b560000000020010db8000000000000"
	    "000000000002010102000000000a");
	struct frame optlen = hexframe(
	    "02000000000b02000000000a86dd6000000000203afffe80"
	    "0000000000000000000000000001ff020000000000000000"
	    "0001ff00000287004d610000000020010db8000000000000"
	    "0000000000020100000000000000");
	struct frame ns = hexframe(
	    "3333ff00000202000000000a86dd6000000000203afffe80"
	    "0000000000000000000000000001ff020000000000000000"
	    "0001ff00000287004b560000000020010db8000000000000"
	    "000000000002010102000000000a");
	struct frame ptb = hexframe(
	    "02000000000b02000000000a86dd6000000000443a402001"
	    "0db800000000000000000000000220010db8000000000000"
	    "000000000001020036d20000050060000000001406402001"
	    "0db800000000000000000000000120010db8000000000000"
	    "0000000000029c4801bb000000000000000050022000966a"
	    "0000");
	struct frame cut;
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &sum, ANOM_ICMP6_BAD_CKSUM);
	assert_roundtrip(decode_eth, encode_eth, &sum);
	assert_only_anom(decode_eth, &hlim, ANOM_ICMP6_ND_HOPLIMIT);
	assert_only_anom(decode_eth, &optlen, ANOM_ICMP6_ND_OPT_LEN_INVALID);
	assert_roundtrip(decode_eth, encode_eth, &optlen);
	ns.b[55] = 1;	/* code */
	(void)dec(&p, decode_eth, &ns, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_ICMP6_ND_CODE));
	/* Cut the quote to 20 bytes, below an IPv6 header. */
	ptb.b[19] = 8 + 20;
	cut = copyframe(ptb.b, 14 + 40 + 28);
	(void)dec(&p, decode_eth, &cut, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_ICMP6_QUOTE_TRUNCATED));
	freeframe(&cut);
	/* A quote that is not an IP header. */
	ptb.b[19] = 8 + 48;
	ptb.b[62] = 0x50;
	(void)dec(&p, decode_eth, &ptb, PKT_F_NO_L4_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_ICMP6_QUOTE_INVALID));
	freeframe(&sum);
	freeframe(&hlim);
	freeframe(&optlen);
	freeframe(&ns);
	freeframe(&ptb);
}

static void
test_icmp6_built_neighbour_advertisement_matches_the_wire(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a86dd6000000000203aff2001"
	    "0db8000000000000000000000002fe800000000000000000"
	    "0000000000018800b9a06000000020010db8000000000000"
	    "000000000002020102000000000b");
	uint8_t out[128], tlla[8] = { 2, 1 };
	struct pkt p;

	(void)state;
	memcpy(tlla + 2, mac_b, 6);
	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_IP6 | PKT_L_ICMP6;
	memcpy(p.eth.dst, f.b, 6);
	memcpy(p.eth.src, f.b + 6, 6);
	p.eth.type = 0x86dd;
	p.ip6.nxt = 58;
	p.ip6.hlim = 255;
	memcpy(p.ip6.src, f.b + 22, 16);
	memcpy(p.ip6.dst, f.b + 38, 16);
	p.icmp6.type = 136;
	p.icmp6.rest = 0x60000000;	/* S, O: RFC 4861 §4.4 */
	memcpy(p.icmp6.target, f.b + 62, 16);
	p.icmp6.ndopt = tlla;
	p.icmp6.ndopt_len = sizeof(tlla);
	assert_int_equal(encode_pkt(&p, out, sizeof(out)), (int)f.len);
	assert_memory_equal(out, f.b, f.len);
	freeframe(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp6_echo),
		cmocka_unit_test(
		    test_icmp6_neighbour_solicitation_and_advertisement),
		cmocka_unit_test(
		    test_icmp6_router_solicitation_and_advertisement),
		cmocka_unit_test(test_icmp6_errors_quote_the_invoking_header),
		cmocka_unit_test(test_icmp6_anomalies),
		cmocka_unit_test(
		    test_icmp6_built_neighbour_advertisement_matches_the_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
