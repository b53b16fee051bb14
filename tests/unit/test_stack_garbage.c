/*
 * The stack against hostile input: mutated, truncated and random frames,
 * with and without checksum offload flags, over a moving clock.  Nothing
 * may crash (the ASan build runs this too), every frame sent must decode
 * cleanly, and every event must be valid on the wire (test_stack.h checks
 * both on each send and emit).
 */
#include "test_stack.h"

static const char cfg[] =
	"sensor {\n"
	"	claim 10.0.0.0/24 except 10.0.0.1\n"
	"	claim 2001:db8::/120\n"
	"	limits { connections 64; payload 2K; reassembly 4K }\n"
	"	limit idle 5s\n"
	"}\n"
	"create default\n"
	"set default personality \"Microsoft Windows XP\"\n"
	"set default ethernet \"intel\"\n"
	"add default tcp port 7 internal \"echo\"\n"
	"add default tcp port 21 internal \"banner\"\n"
	"add default tcp port 17 internal \"qotd\"\n"
	"add default tcp port 80 open\n"
	"add default tcp port 25 tarpit open\n"
	"add default udp port 7 internal \"echo\"\n"
	"add default udp port 53 open\n"
	"bind 10.0.0.50 default\n"
	"bind 2001:db8::50 default\n";

static uint64_t rng = 0x1234567;
/* Our ISS per peer port, from the SYN/ACKs seen, so that some segments
 * are in window and connections really get established. */
static uint32_t iss[4];

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* A few well-formed frames to start each mutation from. */
static size_t
seed_frame(uint8_t *b, size_t size, unsigned which)
{
	static const char *dsts[] = { "10.0.0.50", "10.0.0.77" };
	struct pkt p;
	struct addr a;
	uint8_t opt[8] = { 1, 1, 2, 0, 0, 0, 0, 7 };
	int n;

	pkt_init(&p, 0);
	p.layers = PKT_L_ETH;
	memcpy(p.eth.src, h_peermac, 6);
	memcpy(p.eth.dst, h_ifmac, 6);
	switch (which % 7) {
	case 0:	/* ARP who-has */
		p.layers |= PKT_L_ARP;
		memcpy(p.eth.dst, h_bcast, 6);
		p.eth.type = 0x0806;
		p.arp.hrd = 1;
		p.arp.pro = 0x0800;
		p.arp.op = 1 + (rnd() & 1);
		p.arp.eth_ip4 = 1;
		memcpy(p.arp.sha, h_peermac, 6);
		h_ip4(p.arp.spa, "10.0.0.99");
		h_ip4(p.arp.tpa, "10.0.0.77");
		p.arp.tpa[3] = (uint8_t)(70 + rnd() % 8);
		break;
	case 1:	/* NDP NS */
		p.layers |= PKT_L_IP6 | PKT_L_ICMP6;
		p.eth.type = 0x86dd;
		p.ip6.hlim = 255;
		p.ip6.nxt = 58;
		addr_parse("2001:db8::99", &a);
		memcpy(p.ip6.src, a.a, 16);
		addr_parse("ff02::1:ff00:5", &a);
		memcpy(p.ip6.dst, a.a, 16);
		p.icmp6.type = 135;
		addr_parse("2001:db8::5", &a);
		memcpy(p.icmp6.target, a.a, 16);
		memcpy(opt + 2, h_peermac, 6);
		opt[0] = 1;
		p.icmp6.ndopt = opt;
		p.icmp6.ndopt_len = 8;
		break;
	case 2: case 3: case 4:	/* TCP */
		h_ip4pkt(&p, dsts[rnd() & 1], IPPROTO_TCP);
		p.layers |= PKT_L_TCP;
		p.tcp.sport = (uint16_t)(40000 + rnd() % 4);
		p.tcp.dport = (uint16_t[]){ 7, 21, 17, 80, 25, 9 }[rnd() % 6];
		p.tcp.seq = rnd() % 4 ? 1001 + rnd() % 64 : rnd();
		p.tcp.ack = iss[p.tcp.sport - 40000] + 1 +
		    (rnd() % 2 ? 0 : rnd() % 4 ? rnd() % 64 : rnd());
		p.tcp.flags = (uint8_t)(rnd() % 5 == 0 ? TH_SYN :
		    rnd() % 3 ? TH_ACK | (rnd() & (TH_PUSH | TH_FIN)) : rnd());
		if (p.tcp.flags & TH_SYN)
			p.tcp.seq = 1000;
		p.tcp.win = (uint16_t)rnd();
		if (p.tcp.flags & TH_SYN)
			opt_add(&p.tcp.opts, TCPOPT_MSS, "\x01\x00", 2);
		p.payload = (const uint8_t *)"GET / HTTP/1.0\r\n\r\n";
		p.payload_len = rnd() % 19;
		break;
	case 5:	/* UDP */
		h_ip4pkt(&p, dsts[rnd() & 1], IPPROTO_UDP);
		p.layers |= PKT_L_UDP;
		p.udp.sport = 5000;
		p.udp.dport = (uint16_t[]){ 7, 53, 9 }[rnd() % 3];
		p.payload = (const uint8_t *)"payload";
		p.payload_len = rnd() % 8;
		break;
	default:	/* ICMP */
		h_ip4pkt(&p, "10.0.0.50", IPPROTO_ICMP);
		p.layers |= PKT_L_ICMP;
		p.icmp.type = (uint8_t[]){ 8, 13, 17, 3 }[rnd() % 4];
		p.icmp.rest = rnd();
		break;
	}
	if ((p.layers & PKT_L_IP4) && rnd() % 8 == 0) {
		/* Fragments, for the reassembly. */
		p.ip4.flags = (uint8_t)(rnd() & IP4_MF);
		p.ip4.fragoff = (uint16_t)(rnd() % 4);
		p.ip4.id = (uint16_t)(rnd() % 4);
	}
	n = encode_pkt(&p, b, size);
	assert_true(n > 0);
	return (size_t)n;
}

static void
test_stack_survives_mutated_frames(void **state)
{
	struct harness h;
	uint8_t b[256];
	size_t len, i, k, nm;

	(void)state;
	h_setup(&h, cfg);
	for (i = 0; i < 200000; i++) {
		len = seed_frame(b, sizeof(b), rnd());
		nm = rnd() % 4;
		for (k = 0; k < nm && len > 0; k++) {
			switch (rnd() % 3) {
			case 0:
				b[rnd() % len] ^= (uint8_t)(1 << (rnd() % 8));
				break;
			case 1:
				b[rnd() % len] = (uint8_t)rnd();
				break;
			default:
				len = rnd() % (len + 1);
				break;
			}
		}
		h_input(&h, b, len, rnd() % 4 ? STACK_F_CSUM_NOTREADY : 0);
		if (rnd() % 16 == 0)
			h_advance(&h, rnd() % 3000);
		for (k = 0; k < h.nout; k++) {
			const struct pkt *o = &h.out[k].p;

			if ((o->layers & PKT_L_TCP) && o->tcp.flags ==
			    (TH_SYN | TH_ACK) && o->tcp.dport >= 40000 &&
			    o->tcp.dport < 40004)
				iss[o->tcp.dport - 40000] = o->tcp.seq;
		}
		h_clear_out(&h);
		h_clear_ev(&h);
	}
	/* Everything ends: idle flows time out, state is bounded. */
	h_advance(&h, 600000);
	assert_int_equal(stack_counter(h.st, "flows_active"), 0);
	assert_true(stack_counter(h.st, "frames_in") == 200000);
	h_teardown(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_survives_mutated_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
