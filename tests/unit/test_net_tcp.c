/*
 * TCP: options kept in the order and form they arrived (known, unknown,
 * EOL and what follows it), every header anomaly, checksums, and a SYN-ACK
 * built option by option as the personality engine will.
 */
#include "test_net.h"

static void
test_tcp_nmap_style_syn_options_keep_their_order(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000040000100004006"
	    "66b50a0000010a0000029c4300500000000000000000b002"
	    "20005e6c000003030a01020405b4080affffffff00000000"
	    "040200000000");
	const uint8_t kinds[] = { TCPOPT_WS, TCPOPT_NOP, TCPOPT_MSS,
	    TCPOPT_TS, TCPOPT_SACKOK, TCPOPT_EOL };
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.tcp.flags, TH_SYN);
	assert_opt_kinds(&p.tcp.opts, kinds, sizeof(kinds));
	assert_true(p.tcp.has_ws && p.tcp.has_mss && p.tcp.has_ts &&
	    p.tcp.has_sackok);
	assert_int_equal(p.tcp.ws, 10);
	assert_int_equal(p.tcp.mss, 1460);
	assert_int_equal(p.tcp.tsval, 0xffffffff);
	assert_int_equal(p.tcp.tsecr, 0);
	assert_int_equal(p.tcp.cksum_state, CKSUM_OK);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_tcp_sack_blocks(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000100004006"
	    "66b90a0000010a0000029c4300500000000000000000a010"
	    "20006207000001010512000003e8000007d000000bb80000"
	    "0fa0");
	const uint8_t kinds[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK };
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_opt_kinds(&p.tcp.opts, kinds, sizeof(kinds));
	assert_int_equal(p.tcp.nsack, 2);
	assert_int_equal(p.tcp.sack[0][0], 1000);
	assert_int_equal(p.tcp.sack[0][1], 2000);
	assert_int_equal(p.tcp.sack[1][0], 3000);
	assert_int_equal(p.tcp.sack[1][1], 4000);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_tcp_unknown_options_are_kept_as_kind_and_bytes(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000044000100004006"
	    "66b10a0000010a0000029c4400b30000000000000000c002"
	    "20007a3d0000131211111111111111111111111111111111"
	    "fd06f989616201010000");
	const uint8_t kinds[] = { 19, 253, TCPOPT_NOP, TCPOPT_NOP,
	    TCPOPT_EOL };
	const struct opt *o;
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_opt_kinds(&p.tcp.opts, kinds, sizeof(kinds));
	assert_int_equal(p.tcp.opts.opt[0].len, 18);	/* MD5, RFC 2385 */
	o = opt_find(&p.tcp.opts, 253);
	assert_non_null(o);
	assert_int_equal(o->len, 6);
	assert_memory_equal(p.tcp.opts.buf + o->off + 2, "\xf9\x89" "ab", 4);
	assert_null(opt_find(&p.tcp.opts, TCPOPT_MSS));
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_tcp_bytes_after_eol_are_kept(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045000030000100004006"
	    "66c50a0000010a0000029c45001600000000000000007002"
	    "2000fee900000204021800aabbcc");
	const uint8_t kinds[] = { TCPOPT_MSS, TCPOPT_EOL };
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &f, ANOM_TCP_OPT_PAD_NONZERO);
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_opt_kinds(&p.tcp.opts, kinds, sizeof(kinds));
	assert_int_equal(p.tcp.opts.tail, 5);
	assert_int_equal(p.tcp.opts.len, 8);
	assert_memory_equal(p.tcp.opts.buf + 5, "\xaa\xbb\xcc", 3);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_tcp_reserved_bits_urgent_pointer_and_flags_round_trip(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080045b80029000100004006"
	    "66140a0000010a0000029c46001700000000000000005e29"
	    "0000116bbeef21");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	/* The three reserved bits (the fourth, AE/NS, is clear). */
	assert_int_equal(p.tcp.res, 0x0e);
	assert_int_equal(p.tcp.flags, TH_FIN | TH_PUSH | TH_URG);
	assert_int_equal(p.tcp.urp, 0xbeef);
	assert_int_equal(p.tcp.win, 0);
	assert_int_equal(p.ip4.tos, 0xb8);
	assert_int_equal(p.payload_len, 1);
	assert_int_equal(p.trailer_len, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_tcp_bad_option_lengths_are_flagged_and_kept(void **state)
{
	struct frame size = hexframe(
	    "02000000000b02000000000a08004500002c000100004006"
	    "66c90a0000010a0000020007000800000000000000006002"
	    "200064c9000002030501");	/* MSS of 3 bytes */
	struct frame zero = hexframe(
	    "02000000000b02000000000a08004500002c000100004006"
	    "66c90a0000010a0000020009000a00000000000000006002"
	    "200064150000020005b4");	/* MSS of length 0 */
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &size, ANOM_TCP_OPT_BAD_SIZE);
	assert_int_equal(dec(&p, decode_eth, &size, 0), 0);
	assert_false(p.tcp.has_mss);
	assert_int_equal(p.tcp.opts.opt[0].len, 3);
	assert_roundtrip(decode_eth, encode_eth, &size);
	assert_only_anom(decode_eth, &zero, ANOM_TCP_OPT_LEN_INVALID);
	assert_int_equal(dec(&p, decode_eth, &zero, 0), 0);
	assert_int_equal(p.tcp.opts.n, 0);
	assert_int_equal(p.tcp.opts.tail, 0);
	assert_roundtrip(decode_eth, encode_eth, &zero);
	freeframe(&size);
	freeframe(&zero);
}

static void
test_tcp_header_anomalies(void **state)
{
	struct frame big = hexframe(
	    "02000000000b02000000000a080045000028000100004006"
	    "66cd0a0000010a000002001f00200000000000000000f002"
	    "20007ba10000");
	struct frame sum = hexframe(
	    "02000000000b02000000000a080045000028000100004006"
	    "66cd0a0000010a0000020003000400000000000000005002"
	    "2000dead0000");
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000140004006"
	    "26b90a0000020a00000100509c430000000000000000a012"
	    "fe8898560000020405b40402080a0000007bffffffff0103"
	    "0307");
	struct frame seg = copyframe(f.b + 34, f.len - 34);
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &big, ANOM_TCP_HLEN_TOO_BIG);
	assert_int_equal(dec(&p, decode_eth, &big, 0), 0);
	assert_false(p.layers & PKT_L_TCP);
	assert_int_equal(p.payload_len, 20);
	assert_roundtrip(decode_eth, encode_eth, &big);
	assert_only_anom(decode_eth, &sum, ANOM_TCP_BAD_CKSUM);
	assert_roundtrip(decode_eth, encode_eth, &sum);
	seg.b[12] = 0x40;
	assert_only_anom(decode_tcp, &seg, ANOM_TCP_HLEN_TOO_SMALL);
	freeframe(&big);
	freeframe(&sum);
	freeframe(&f);
	freeframe(&seg);
}

static void
test_tcp_every_truncation_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000140004006"
	    "26b90a0000020a00000100509c430000000000000000a012"
	    "fe8898560000020405b40402080a0000007bffffffff0103"
	    "0307");
	struct frame seg = copyframe(f.b + 34, 40);
	struct pkt p;
	size_t len;

	(void)state;
	assert_truncations(decode_eth, encode_eth, &f);
	/* Alone, a segment has no length field: only the header can be
	 * found short. */
	for (len = 0; len < seg.len; len++) {
		struct frame cut = copyframe(seg.b, len);

		assert_int_equal(dec(&p, decode_tcp, &cut, 0), -1);
		assert_true(pkt_has_anom(&p, len < 20 ? ANOM_TCP_TRUNCATED :
		    ANOM_TCP_HLEN_TOO_BIG));
		freeframe(&cut);
	}
	assert_roundtrip(decode_tcp, encode_tcp, &seg);
	freeframe(&f);
	freeframe(&seg);
}

/* The personality engine's view: every field and option chosen. */
static void
test_tcp_built_syn_ack_matches_the_wire(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000140004006"
	    "26b90a0000020a00000100509c430000000000000000a012"
	    "fe8898560000020405b40402080a0000007bffffffff0103"
	    "0307");
	const uint8_t mss[] = { 0x05, 0xb4 }, ws = 7;
	const uint8_t ts[] = { 0, 0, 0, 123, 0xff, 0xff, 0xff, 0xff };
	uint8_t out[256];
	struct pkt p;
	int n;

	(void)state;
	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_IP4 | PKT_L_TCP;
	memcpy(p.eth.dst, f.b, 6);
	memcpy(p.eth.src, f.b + 6, 6);
	p.eth.type = 0x0800;
	p.ip4.ttl = 64;
	p.ip4.id = 1;
	p.ip4.flags = IP4_DF;
	p.ip4.proto = 6;
	memcpy(p.ip4.src, "\x0a\x00\x00\x02", 4);
	memcpy(p.ip4.dst, "\x0a\x00\x00\x01", 4);
	p.tcp.sport = 80;
	p.tcp.dport = 40003;
	p.tcp.flags = TH_SYN | TH_ACK;
	p.tcp.win = 65160;
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_MSS, mss, 2), 0);
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_SACKOK, NULL, 0), 0);
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_TS, ts, 8), 0);
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_NOP, NULL, 0), 0);
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_WS, &ws, 1), 0);
	n = encode_pkt(&p, out, sizeof(out));
	assert_int_equal(n, (int)f.len);
	assert_memory_equal(out, f.b, f.len);

	/* A deliberately wrong checksum, for stacks that send one. */
	p.tcp.cksum = 0xdead;
	p.tcp.cksum_keep = 1;
	assert_int_equal(encode_pkt(&p, out, sizeof(out)), (int)f.len);
	assert_int_equal(out[50] << 8 | out[51], 0xdead);
	freeframe(&f);
}

static void
test_tcp_options_are_padded_with_zeros(void **state)
{
	const uint8_t ws = 2;
	uint8_t out[64];
	struct pkt p;

	(void)state;
	pkt_init(&p, 0);
	p.layers = PKT_L_TCP;
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_WS, &ws, 1), 0);
	assert_int_equal(encode_tcp(&p, out, sizeof(out)), 24);
	assert_int_equal(out[12] >> 4, 6);
	assert_memory_equal(out + 20, "\x03\x03\x02\x00", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_tcp_nmap_style_syn_options_keep_their_order),
		cmocka_unit_test(test_tcp_sack_blocks),
		cmocka_unit_test(
		    test_tcp_unknown_options_are_kept_as_kind_and_bytes),
		cmocka_unit_test(test_tcp_bytes_after_eol_are_kept),
		cmocka_unit_test(
		    test_tcp_reserved_bits_urgent_pointer_and_flags_round_trip),
		cmocka_unit_test(
		    test_tcp_bad_option_lengths_are_flagged_and_kept),
		cmocka_unit_test(test_tcp_header_anomalies),
		cmocka_unit_test(test_tcp_every_truncation_is_flagged),
		cmocka_unit_test(test_tcp_built_syn_ack_matches_the_wire),
		cmocka_unit_test(test_tcp_options_are_padded_with_zeros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
