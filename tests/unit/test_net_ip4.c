/*
 * IPv4: fields, header checksum (verified, skippable, computed, forced),
 * options kept in order and checked, fragments, every header anomaly, and
 * a datagram built field by field as the personality engine will.
 */
#include "test_net.h"

static void
test_ip4_fields(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500003c000140004001"
	    "26be0a0000020a0000010000664312340001787878787878"
	    "787878787878787878787878787878787878787878787878"
	    "7878");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip4.hl, 5);
	assert_int_equal(p.ip4.len, 60);
	assert_int_equal(p.ip4.id, 1);
	assert_int_equal(p.ip4.flags, IP4_DF);
	assert_int_equal(p.ip4.fragoff, 0);
	assert_int_equal(p.ip4.ttl, 64);
	assert_int_equal(p.ip4.proto, 1);
	assert_memory_equal(p.ip4.src, "\x0a\x00\x00\x02", 4);
	assert_memory_equal(p.ip4.dst, "\x0a\x00\x00\x01", 4);
	assert_int_equal(p.ip4.cksum_state, CKSUM_OK);
	assert_true(p.ip4.cksum_keep);
	assert_int_equal(p.frag, 0);
	freeframe(&f);
}

static void
test_ip4_bad_header_checksum_is_reported_unless_skipped(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004500001d000100004011"
	    "dead0a0000010a0000020001000200098ad661");
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &f, ANOM_IP4_BAD_CKSUM);
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip4.cksum_state, CKSUM_BAD);
	assert_int_equal(p.ip4.cksum, 0xdead);
	assert_true(p.layers & PKT_L_UDP);	/* still decoded */
	assert_roundtrip(decode_eth, encode_eth, &f);
	assert_int_equal(dec(&p, decode_eth, &f, PKT_F_NO_IP_CKSUM), 0);
	assert_int_equal(p.ip4.cksum_state, CKSUM_UNCHECKED);
	assert_int_equal(p.nanom, 0);
	freeframe(&f);
}

static void
test_ip4_options_are_kept_in_order(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	const uint8_t kinds[] = { 7, 148, 0 };	/* RR, router alert, EOL */
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip4.hl, 8);
	assert_int_equal(p.ip4.opts.len, 12);
	assert_opt_kinds(&p.ip4.opts, kinds, sizeof(kinds));
	assert_int_equal(p.ip4.opts.opt[0].len, 7);
	assert_int_equal(p.ip4.opts.opt[1].off, 7);
	assert_int_equal(p.ip4.opts.tail, 12);
	assert_int_equal(p.nanom, 0);
	assert_true(p.layers & PKT_L_UDP);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_ip4_timestamp_option(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a080048000034000100004006"
	    "1ab50a0000010a000002440c050000000000000000000001"
	    "00020000000000000000500220007bdd0000");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip4.opts.n, 1);
	assert_int_equal(p.ip4.opts.opt[0].kind, 68);
	assert_int_equal(p.ip4.opts.opt[0].len, 12);
	assert_int_equal(p.nanom, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	freeframe(&f);
}

static void
test_ip4_bad_options_are_flagged_and_kept(void **state)
{
	/* A record-route option claiming 39 bytes. */
	struct frame f = hexframe(
	    "02000000000b02000000000a080046000020000100004011"
	    "5aa30a0000010a00000207270400000d000e0008ebc0");
	struct frame g = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	struct pkt p;

	(void)state;
	assert_only_anom(decode_eth, &f, ANOM_IP4_OPT_LEN_INVALID);
	assert_int_equal(dec(&p, decode_eth, &f, 0), 0);
	assert_int_equal(p.ip4.opts.n, 0);
	assert_int_equal(p.ip4.opts.tail, 0);
	assert_roundtrip(decode_eth, encode_eth, &f);
	/* A record-route pointer below 4 (RFC 791 §3.1). */
	g.b[14 + 20 + 2] = 3;
	g.b[14 + 10] = g.b[14 + 11] = 0;
	(void)dec(&p, decode_eth, &g, PKT_F_NO_IP_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_IP4_OPT_MALFORMED));
	/* Non-zero bytes after EOL. */
	g.b[14 + 20 + 2] = 4;
	g.b[14 + 20 + 7] = 0;
	g.b[14 + 20 + 9] = 0x99;
	(void)dec(&p, decode_eth, &g, PKT_F_NO_IP_CKSUM);
	assert_true(pkt_has_anom(&p, ANOM_IP4_OPT_PAD_NONZERO));
	freeframe(&f);
	freeframe(&g);
}

static void
test_ip4_fragments_are_flagged_not_decoded(void **state)
{
	struct frame first = hexframe(
	    "02000000000b02000000000a080045000024006320004011"
	    "46640a0000010a0000029c40003500180000464646464646"
	    "4646");
	struct frame second = hexframe(
	    "02000000000b02000000000a08004500001c006300024011"
	    "666a0a0000010a0000024747474747474747000000000000"
	    "000000000000000000000000");
	struct frame big = hexframe(
	    "02000000000b02000000000a08004500007800011ffd4001"
	    "46850a0000010a0000025050505050505050505050505050"
	    "505050505050505050505050505050505050505050505050"
	    "505050505050505050505050505050505050505050505050"
	    "505050505050505050505050505050505050505050505050"
	    "5050505050505050505050505050");
	struct pkt p;

	(void)state;
	assert_int_equal(dec(&p, decode_eth, &first, 0), 0);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.ip4.flags, IP4_MF);
	assert_int_equal(p.ip4.fragoff, 0);
	assert_false(p.layers & PKT_L_UDP);
	assert_int_equal(p.payload_len, 16);
	assert_roundtrip(decode_eth, encode_eth, &first);
	assert_int_equal(dec(&p, decode_eth, &second, 0), 0);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.ip4.fragoff, 2);
	assert_int_equal(p.trailer_len, 18);
	assert_roundtrip(decode_eth, encode_eth, &second);
	assert_only_anom(decode_eth, &big, ANOM_IP4_FRAG_TOO_BIG);
	freeframe(&first);
	freeframe(&second);
	freeframe(&big);
}

static void
test_ip4_header_anomalies(void **state)
{
	struct frame hl4 = hexframe(
	    "02000000000b02000000000a08004400001c000100004011"
	    "66ce0a0000010a000002000b000c0008ebc4");
	struct frame evil = hexframe(
	    "02000000000b02000000000a08004500001c000180004011"
	    "e6cd0a0000010a000002000f00100008ebbc");
	struct frame cut = hexframe(
	    "02000000000b02000000000a080045000100000100004011"
	    "65ea0a0000010a00000200110012001c09af636363636363"
	    "6363636363636363636363636363");
	struct frame v = hexframe(
	    "02000000000b02000000000a080045000020000100004011"
	    "66ca0a0000010a00000200450045000c000074667470");
	struct pkt p;

	(void)state;
	/* An unreadable header leaves the bytes as Ethernet payload. */
	assert_only_anom(decode_eth, &hl4, ANOM_IP4_HLEN_TOO_SMALL);
	assert_int_equal(dec(&p, decode_eth, &hl4, 0), 0);
	assert_int_equal(p.layers, PKT_L_ETH);
	assert_roundtrip(decode_eth, encode_eth, &hl4);
	assert_only_anom(decode_eth, &evil, ANOM_IP4_RESERVED_FLAG);
	assert_roundtrip(decode_eth, encode_eth, &evil);
	/* A total length past the data: decoded, but not claimed exact. */
	assert_only_anom(decode_eth, &cut, ANOM_IP4_TOTLEN_TOO_BIG);
	assert_int_equal(dec(&p, decode_eth, &cut, 0), 0);
	assert_false(pkt_exact(&p));
	assert_int_equal(p.udp.cksum_state, CKSUM_UNCHECKED);
	/* Version 6 in an IPv4 ethertype; total length below the header. */
	v.b[14] = 0x65;
	assert_only_anom(decode_eth, &v, ANOM_IP4_BAD_VERSION);
	v.b[14] = 0x45;
	v.b[16] = 0;
	v.b[17] = 19;
	assert_only_anom(decode_eth, &v, ANOM_IP4_TOTLEN_TOO_SMALL);
	v.b[14] = 0x4f;
	assert_only_anom(decode_eth, &v, ANOM_IP4_HLEN_TOO_BIG);
	freeframe(&hl4);
	freeframe(&evil);
	freeframe(&cut);
	freeframe(&v);
}

static void
test_ip4_every_truncation_is_flagged(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	struct frame ip = copyframe(f.b + 14, f.len - 14);

	(void)state;
	assert_truncations(decode_eth, encode_eth, &f);
	assert_truncations(decode_ip4, encode_ip4, &ip);
	assert_prefix_anom(decode_ip4, &ip, 19, ANOM_IP4_TRUNCATED);
	assert_roundtrip(decode_ip4, encode_ip4, &ip);
	freeframe(&f);
	freeframe(&ip);
}

/* Everything the personality engine sets by hand, then computed sums. */
static void
test_ip4_built_datagram_matches_the_wire(void **state)
{
	struct frame f = hexframe(
	    "02000000000b02000000000a08004800002c000100004011"
	    "54230a0000010a0000020707040000000094040000000035"
	    "0035000c13bc646e733f");
	const uint8_t rr[] = { 4, 0, 0, 0, 0 }, ra[] = { 0, 0 };
	uint8_t out[256];
	struct pkt p;

	(void)state;
	pkt_init(&p, 0);
	p.layers = PKT_L_IP4 | PKT_L_UDP;
	p.ip4.ttl = 64;
	p.ip4.id = 1;
	p.ip4.proto = 17;
	memcpy(p.ip4.src, "\x0a\x00\x00\x01", 4);
	memcpy(p.ip4.dst, "\x0a\x00\x00\x02", 4);
	assert_int_equal(opt_add(&p.ip4.opts, 7, rr, sizeof(rr)), 0);
	assert_int_equal(opt_add(&p.ip4.opts, 148, ra, sizeof(ra)), 0);
	assert_int_equal(opt_add(&p.ip4.opts, 0, NULL, 0), 0);
	p.udp.sport = p.udp.dport = 53;
	p.payload = (const uint8_t *)"dns?";
	p.payload_len = 4;
	assert_int_equal(encode_ip4(&p, out, sizeof(out)), (int)f.len - 14);
	assert_memory_equal(out, f.b + 14, f.len - 14);
	/* A deliberately wrong header checksum. */
	p.ip4.cksum = 0x1234;
	p.ip4.cksum_keep = 1;
	assert_int_equal(encode_ip4(&p, out, sizeof(out)), (int)f.len - 14);
	assert_int_equal(out[10] << 8 | out[11], 0x1234);
	freeframe(&f);
}

static void
test_ip4_option_area_is_bounded(void **state)
{
	struct optlist l;
	uint8_t big[38] = { 0 };

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(opt_add(&l, 7, big, sizeof(big)), 0);	/* 40 */
	assert_int_equal(opt_add(&l, 1, NULL, 0), -1);
	assert_int_equal(opt_add_raw(&l, big, 1), -1);
	assert_int_equal(l.len, 40);
	assert_int_equal(l.n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_fields),
		cmocka_unit_test(
		    test_ip4_bad_header_checksum_is_reported_unless_skipped),
		cmocka_unit_test(test_ip4_options_are_kept_in_order),
		cmocka_unit_test(test_ip4_timestamp_option),
		cmocka_unit_test(test_ip4_bad_options_are_flagged_and_kept),
		cmocka_unit_test(test_ip4_fragments_are_flagged_not_decoded),
		cmocka_unit_test(test_ip4_header_anomalies),
		cmocka_unit_test(test_ip4_every_truncation_is_flagged),
		cmocka_unit_test(test_ip4_built_datagram_matches_the_wire),
		cmocka_unit_test(test_ip4_option_area_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
