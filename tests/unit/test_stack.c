/*
 * The virtual-host stack, end to end through stack_input: TCP, UDP and
 * ICMP answers, checksums, limits, events and counters.  Frames are built
 * and read back with the codec (test_stack.h).
 */
#include "test_stack.h"

static const char cfg[] =
	"sensor {\n"
	"	interface veth0\n"
	"	limits { connections 16; rate 1000 per-source; payload 100 }\n"
	"	limit idle 10s\n"
	"}\n"
	"create default\n"
	"set default personality \"Linux 5.4\"\n"
	"set default default tcp action reset\n"
	"add default tcp port 80 open\n"
	"add default tcp port 7 internal \"echo\"\n"
	"add default tcp port 21 internal \"banner\"\n"
	"add default tcp port 25 tarpit open\n"
	"add default tcp port 81 block\n"
	"add default udp port 53 open\n"
	"add default udp port 161 block\n"
	"bind 10.0.0.50 default\n"
	"bind 2001:db8::50 default\n";

#define VH	"10.0.0.50"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
test_tcp_syn_to_open_port_gets_synack(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	uint8_t vh[4];

	h_tcp(h, VH, 40000, 80, TH_SYN, 1000, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 1);
	p = h_out(h, 0);
	h_ip4(vh, VH);
	assert_memory_equal(p->eth.dst, h_peermac, 6);
	assert_memory_equal(p->eth.src, h_ifmac, 6);
	assert_memory_equal(p->ip4.src, vh, 4);
	assert_int_equal(p->ip4.ttl, 64);
	assert_true(p->ip4.flags & IP4_DF);
	assert_int_equal(p->tcp.sport, 80);
	assert_int_equal(p->tcp.dport, 40000);
	assert_int_equal(p->tcp.flags, TH_SYN | TH_ACK);
	assert_int_equal(p->tcp.ack, 1001);
	assert_int_equal(p->tcp.win, 64240);
	assert_true(p->tcp.has_mss);
	assert_int_equal(p->tcp.mss, 1460);
	assert_int_equal(p->tcp.cksum_state, CKSUM_OK);
	/* The connection starts the moment it is seen. */
	assert_non_null(h_find_ev(h, EVENT_CONNECTION, EVENT_START));
}

static void
test_tcp_syn_to_closed_port_gets_rst_ack(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	const struct event *e;

	h_tcp(h, VH, 40000, 9999, TH_SYN, 5000, 0, NULL, 0, 0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_RST | TH_ACK);
	assert_int_equal(p->tcp.seq, 0);
	assert_int_equal(p->tcp.ack, 5001);
	assert_int_equal(p->tcp.win, 0);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_RST);
	assert_int_equal(e->u.connection.t.dport, 9999);
	assert_int_equal(e->u.connection.flags, TH_SYN);
}

static void
test_tcp_no_reply_to_syn_rst(void **state)
{
	struct harness *h = *state;

	h_tcp(h, VH, 40000, 80, TH_SYN | TH_RST, 5000, 0, NULL, 0, 0);
	h_tcp(h, VH, 40000, 9999, TH_SYN | TH_RST, 5000, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 0);
	assert_int_equal(stack_counter(h->st, "tcp_syn_rst_dropped"), 2);
}

static void
test_tcp_rst_is_never_answered(void **state)
{
	struct harness *h = *state;

	h_tcp(h, VH, 40000, 80, TH_RST, 5000, 0, NULL, 0, 0);
	h_tcp(h, VH, 40000, 9999, TH_RST | TH_ACK, 5000, 7, NULL, 0, 0);
	assert_int_equal(h->nout, 0);
}

/* A SYN with its TCP checksum broken after encoding. */
static void
badsum_syn(struct harness *h, unsigned flags)
{
	struct pkt p;
	uint8_t b[2048];
	int n;

	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 40001;
	p.tcp.dport = 80;
	p.tcp.seq = 1;
	p.tcp.flags = TH_SYN;
	p.tcp.win = 1024;
	n = encode_pkt(&p, b, sizeof(b));
	assert_true(n > 0);
	b[14 + 20 + 16] ^= 0x5a;	/* the TCP checksum */
	h_input(h, b, (size_t)n, flags);
}

/* The engine adds its own counters first; all of the stack's must still
 * fit one heartbeat, anomalies included. */
static void
test_heartbeat_holds_every_counter_and_anomaly(void **state)
{
	struct harness *h = *state;
	struct event ev;
	char name[32];
	size_t i, found = 0;

	badsum_syn(h, 0);
	event_init(&ev, EVENT_HEARTBEAT);
	for (i = 0; i < STACK_COUNTERS_SPARE; i++) {
		snprintf(name, sizeof(name), "engine.c%zu", i);
		assert_int_equal(event_add_counter(&ev, name, i), 0);
	}
	assert_int_equal(stack_counters(h->st, &ev), 0);
	for (i = 0; i < ev.u.heartbeat.ncounters; i++)
		if (strcmp(ev.u.heartbeat.counters[i].name,
		    "frames_bad_cksum") == 0 ||
		    strcmp(ev.u.heartbeat.counters[i].name,
		    "anom.tcp.bad_cksum") == 0) {
			assert_int_equal(ev.u.heartbeat.counters[i].value, 1);
			found++;
		}
	assert_int_equal(found, 2);
	event_clear(&ev);
}

static void
test_tcp_badsum_gets_no_reply(void **state)
{
	struct harness *h = *state;

	badsum_syn(h, 0);
	assert_int_equal(h->nout, 0);
	assert_int_equal(stack_counter(h->st, "frames_bad_cksum"), 1);
	assert_int_equal(h->nev, 0);
}

static void
test_tcp_csum_notready_is_answered(void **state)
{
	struct harness *h = *state;

	badsum_syn(h, STACK_F_CSUM_NOTREADY);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_SYN | TH_ACK);
	h_clear_out(h);
	badsum_syn(h, STACK_F_CSUM_VALID);	/* the same SYN again */
	assert_int_equal(h->nout, 1);
	assert_int_equal(stack_counter(h->st, "frames_bad_cksum"), 0);
}

static void
test_outgoing_frames_are_ignored(void **state)
{
	struct harness *h = *state;

	h_tcp(h, VH, 40000, 80, TH_SYN, 1, 0, NULL, 0, STACK_F_OUTGOING);
	assert_int_equal(h->nout, 0);
	assert_int_equal(stack_counter(h->st, "frames_outgoing"), 1);
}

static void
test_tcp_fin_null_xmas_to_closed_port_get_rst(void **state)
{
	struct harness *h = *state;
	static const uint8_t probes[] = { TH_FIN, 0,
	    TH_FIN | TH_PUSH | TH_URG };
	size_t i;

	for (i = 0; i < sizeof(probes); i++) {
		h_clear_out(h);
		h_tcp(h, VH, 40000, 9999, probes[i], 777, 0, NULL, 0, 0);
		assert_int_equal(h->nout, 1);
		assert_int_equal(h_out(h, 0)->tcp.flags, TH_RST | TH_ACK);
		assert_int_equal(h_out(h, 0)->tcp.seq, 0);
		/* RFC 9293: SEG.SEQ + SEG.LEN, a FIN counting one. */
		assert_int_equal(h_out(h, 0)->tcp.ack,
		    777 + ((probes[i] & TH_FIN) ? 1 : 0));
	}
}

static void
test_tcp_fin_null_xmas_to_open_port_get_nothing(void **state)
{
	struct harness *h = *state;

	h_tcp(h, VH, 40000, 80, TH_FIN, 777, 0, NULL, 0, 0);
	h_tcp(h, VH, 40000, 80, 0, 777, 0, NULL, 0, 0);
	h_tcp(h, VH, 40000, 80, TH_FIN | TH_PUSH | TH_URG, 777, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 0);
}

static void
test_tcp_ack_to_listen_gets_rst(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	h_tcp(h, VH, 40000, 80, TH_ACK, 777, 0xdeadbeef, NULL, 0, 0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_RST);
	assert_int_equal(p->tcp.seq, 0xdeadbeef);
}

static void
test_tcp_synfin_answered_as_syn_by_default_profile(void **state)
{
	struct harness *h = *state;

	/* "Linux 5.4" drops SYN+FIN, like the real one. */
	h_tcp(h, VH, 40000, 80, TH_SYN | TH_FIN, 777, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 0);
}

static void
test_tcp_filtered_port_is_silent(void **state)
{
	struct harness *h = *state;
	const struct event *e;

	h_tcp(h, VH, 40000, 81, TH_SYN, 777, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 0);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_TIMEOUT);
}

static void
test_tcp_data_is_recorded_acked_and_closed_with_fin(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	const struct pkt *p;
	uint32_t iss;

	iss = h_connect(h, VH, 40002, 80, 100);
	h_tcp(h, VH, 40002, 80, TH_ACK | TH_PUSH, 101, iss + 1, "hello\n", 6,
	    0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_ACK);
	assert_int_equal(p->tcp.ack, 107);
	h_clear_out(h);
	h_tcp(h, VH, 40002, 80, TH_FIN | TH_ACK, 107, iss + 1, NULL, 0, 0);
	/* Nothing behind the port: our FIN goes with the ACK of theirs. */
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_FIN | TH_ACK);
	assert_int_equal(p->tcp.ack, 108);
	assert_int_equal(p->tcp.seq, iss + 1);
	h_tcp(h, VH, 40002, 80, TH_ACK, 108, iss + 2, NULL, 0, 0);
	e = h_find_ev(h, EVENT_PAYLOAD, 0);
	assert_non_null(e);
	assert_int_equal(e->u.payload.dir, EVENT_IN);
	assert_int_equal(e->u.payload.offset, 0);
	assert_int_equal(e->u.payload.len, 6);
	assert_memory_equal(e->u.payload.data, "hello\n", 6);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_FIN);
	assert_int_equal(e->u.connection.pkts_in, 5);
	assert_int_equal(e->u.connection.bytes_in, 6);
	assert_int_equal(e->u.connection.pkts_out, 3);
	assert_int_equal(e->u.connection.flags, TH_SYN | TH_ACK | TH_PUSH |
	    TH_FIN);
	assert_int_equal(stack_counter(h->st, "flows_active"), 0);
}

static void
test_tcp_echo_service_echoes(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	const struct event *e;
	uint32_t iss;

	iss = h_connect(h, VH, 40003, 7, 100);
	h_tcp(h, VH, 40003, 7, TH_ACK | TH_PUSH, 101, iss + 1, "ping", 4, 0);
	assert_int_equal(h->nout, 1);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_ACK | TH_PUSH);
	assert_int_equal(p->tcp.ack, 105);
	assert_int_equal(p->payload_len, 4);
	assert_memory_equal(p->payload, "ping", 4);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_START);
	assert_string_equal(e->u.connection.service, "echo");
}

static void
test_tcp_banner_service_greets(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	h_tcp(h, VH, 40004, 21, TH_SYN, 100, 0, NULL, 0, 0);
	p = h_out(h, 0);
	h_tcp(h, VH, 40004, 21, TH_ACK, 101, p->tcp.seq + 1, NULL, 0, 0);
	assert_int_equal(h->nout, 2);
	p = h_out(h, 1);
	assert_true(p->payload_len > 4);
	assert_memory_equal(p->payload, "220 ", 4);
}

static void
test_tcp_retransmits_synack_with_backoff(void **state)
{
	struct harness *h = *state;
	uint64_t start = h->now, at[8];
	size_t n = 0, i;
	const struct event *e;

	h_tcp(h, VH, 40005, 80, TH_SYN, 100, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 1);
	while (h->now - start < 120ULL * 1000000 && n < 8) {
		size_t before = h->nout;

		h_advance(h, 100);
		if (h->nout > before)
			at[n++] = h->now - start;
	}
	/* 1, 2, 4, 8, 16 s apart (RFC 6298), 5 tries, then given up. */
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_int_equal(h_out(h, i + 1)->tcp.flags, TH_SYN | TH_ACK);
		assert_int_equal(h_out(h, i + 1)->tcp.seq,
		    h_out(h, 0)->tcp.seq);
	}
	assert_true(at[0] >= 1000000 && at[0] <= 1100000);
	assert_true(at[1] - at[0] >= 2000000 && at[1] - at[0] <= 2100000);
	assert_true(at[2] - at[1] >= 4000000 && at[2] - at[1] <= 4100000);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_TIMEOUT);
}

static void
test_tcp_out_of_order_delivered_in_order(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	const struct pkt *p;
	uint32_t iss;

	iss = h_connect(h, VH, 40006, 80, 100);
	h_tcp(h, VH, 40006, 80, TH_ACK, 107, iss + 1, "world", 5, 0);
	/* A gap: a duplicate ACK for what we have. */
	p = h_out(h, 0);
	assert_int_equal(p->tcp.ack, 101);
	assert_int_equal(stack_counter(h->st, "tcp_ooo_queued"), 1);
	h_tcp(h, VH, 40006, 80, TH_ACK, 101, iss + 1, "hello ", 6, 0);
	p = h_out(h, 1);
	assert_int_equal(p->tcp.ack, 112);
	h_tcp(h, VH, 40006, 80, TH_RST, 112, 0, NULL, 0, 0);
	e = h_find_ev(h, EVENT_PAYLOAD, 0);
	assert_non_null(e);
	assert_int_equal(e->u.payload.len, 11);
	assert_memory_equal(e->u.payload.data, "hello world", 11);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_int_equal(e->u.connection.reason, EVENT_RST);
}

static void
test_tcp_rst_out_of_order_gets_challenge_ack(void **state)
{
	struct harness *h = *state;
	uint32_t iss;

	iss = h_connect(h, VH, 40007, 80, 100);
	h_tcp(h, VH, 40007, 80, TH_RST, 105, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_ACK);
	assert_int_equal(h_out(h, 0)->tcp.ack, 101);
	assert_null(h_find_ev(h, EVENT_CONNECTION, EVENT_END));
	(void)iss;
}

static void
test_tcp_idle_connection_gets_keepalive_then_reset(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	uint32_t iss;

	iss = h_connect(h, VH, 40008, 80, 100);
	h_advance(h, 5000);	/* limit idle 10s: keepalive at half */
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_ACK);
	assert_int_equal(h_out(h, 0)->tcp.seq, iss);
	h_advance(h, 5000);
	assert_int_equal(h->nout, 2);
	assert_int_equal(h_out(h, 1)->tcp.flags, TH_RST);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_TIMEOUT);
}

static void
test_tcp_tarpit_holds_with_zero_window(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	h_tcp(h, VH, 40009, 25, TH_SYN, 100, 0, NULL, 0, 0);
	p = h_out(h, 0);
	assert_true(p->tcp.win <= 10);
	h_tcp(h, VH, 40009, 25, TH_ACK, 101, p->tcp.seq + 1, "HELO x\r\n", 8,
	    0);
	p = h_out(h, 1);
	assert_int_equal(p->tcp.flags, TH_ACK);
	assert_int_equal(p->tcp.win, 0);
	assert_int_equal(p->tcp.ack, 101);
}

static void
test_tcp_respects_peer_mss_and_retransmits_data(void **state)
{
	struct harness *h = *state;
	uint8_t big[1200];
	struct pkt p;
	uint8_t mss[2] = { 0x01, 0x00 };	/* 256 */
	const struct pkt *sa;
	size_t i, total = 0;

	memset(big, 'x', sizeof(big));
	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 40010;
	p.tcp.dport = 7;
	p.tcp.seq = 100;
	p.tcp.flags = TH_SYN;
	p.tcp.win = 65535;
	opt_add(&p.tcp.opts, TCPOPT_MSS, mss, 2);
	h_inpkt(h, &p, 0);
	sa = h_out(h, 0);
	h_tcp(h, VH, 40010, 7, TH_ACK, 101, sa->tcp.seq + 1, NULL, 0, 0);
	h_clear_out(h);
	/* 100 bytes of payload are kept, but the echo is whole. */
	h_tcp(h, VH, 40010, 7, TH_ACK, 101, 0, big, 200, 0);
	for (i = 0; i < h->nout; i++) {
		assert_true(h_out(h, i)->payload_len <= 256);
		total += h_out(h, i)->payload_len;
	}
	assert_int_equal(total, 200);
	/* Unacknowledged: sent again after the RTO. */
	h_clear_out(h);
	h_advance(h, 1100);
	assert_true(h->nout >= 1);
	assert_true(h_out(h, 0)->payload_len > 0);
	assert_true(stack_counter(h->st, "tcp_retransmits") >= 1);
}

static void
test_udp_closed_port_unreachable(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	struct pkt in;

	h_ip4pkt(&in, VH, IPPROTO_UDP);
	in.layers |= PKT_L_UDP;
	in.udp.sport = 5555;
	in.udp.dport = 9999;
	in.payload = (const uint8_t *)"abcd";
	in.payload_len = 4;
	h_inpkt(h, &in, 0);
	p = h_out(h, 0);
	assert_true(p->layers & PKT_L_ICMP);
	assert_int_equal(p->icmp.type, 3);
	assert_int_equal(p->icmp.code, 3);
	assert_int_equal(p->icmp.quote.af, AF_INET);
	assert_int_equal(p->icmp.quote.dport, 9999);
	assert_int_equal(p->icmp.quote.sport, 5555);
	assert_int_equal(p->ip4.ttl, 64);
}

static void
test_udp_unreachable_is_rate_limited(void **state)
{
	struct harness *h = *state;
	struct pkt in;
	int i;

	h_ip4pkt(&in, VH, IPPROTO_UDP);
	in.layers |= PKT_L_UDP;
	in.udp.sport = 5555;
	for (i = 0; i < 20; i++) {
		in.udp.dport = (uint16_t)(1000 + i);
		h_inpkt(h, &in, 0);
	}
	/* Linux: a burst of 6, then one a second. */
	assert_int_equal(h->nout, 6);
	assert_int_equal(stack_counter(h->st, "udp_unreach_limited"), 14);
	h_advance(h, 1000);
	in.udp.dport = 2000;
	h_inpkt(h, &in, 0);
	assert_int_equal(h->nout, 7);
}

static void
test_udp_open_port_records_payload(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct pkt in;

	h_ip4pkt(&in, VH, IPPROTO_UDP);
	in.layers |= PKT_L_UDP;
	in.udp.sport = 5555;
	in.udp.dport = 53;
	in.payload = (const uint8_t *)"query";
	in.payload_len = 5;
	h_inpkt(h, &in, 0);
	h_inpkt(h, &in, 0);
	assert_int_equal(h->nout, 0);
	/* One payload event per datagram, with its stream offset. */
	assert_int_equal(h_count_ev(h, EVENT_PAYLOAD), 2);
	assert_int_equal(h->ev[2].u.payload.offset, 5);
	h_advance(h, 11000);	/* idle: the flow ends */
	e = h_find_ev(h, EVENT_PAYLOAD, 0);
	assert_non_null(e);
	assert_int_equal(e->u.payload.len, 5);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.t.proto, IPPROTO_UDP);
	assert_int_equal(e->u.connection.pkts_in, 2);
	assert_int_equal(e->u.connection.reason, EVENT_TIMEOUT);
	assert_int_equal(h_count_ev(h, EVENT_CONNECTION), 2);
}

static void
test_udp_filtered_port_is_silent(void **state)
{
	struct harness *h = *state;
	struct pkt in;

	h_ip4pkt(&in, VH, IPPROTO_UDP);
	in.layers |= PKT_L_UDP;
	in.udp.sport = 5555;
	in.udp.dport = 161;
	h_inpkt(h, &in, 0);
	assert_int_equal(h->nout, 0);
}

static void
test_icmp_echo_reply_with_template_ttl(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	struct pkt in;

	h_ip4pkt(&in, VH, IPPROTO_ICMP);
	in.layers |= PKT_L_ICMP;
	in.icmp.type = 8;
	in.icmp.rest = 0x12340001;
	in.payload = (const uint8_t *)"0123456789abcdef";
	in.payload_len = 16;
	h_inpkt(h, &in, 0);
	p = h_out(h, 0);
	assert_int_equal(p->icmp.type, 0);
	assert_int_equal(p->icmp.code, 0);
	assert_int_equal(p->icmp.rest, 0x12340001);
	assert_int_equal(p->icmp.cksum_state, CKSUM_OK);
	assert_int_equal(p->payload_len, 16);
	assert_memory_equal(p->payload, "0123456789abcdef", 16);
	assert_int_equal(p->ip4.ttl, 64);
	assert_int_equal(h_count_ev(h, EVENT_CONNECTION), 1);
}

static void
test_icmp_bad_checksum_gets_no_reply(void **state)
{
	struct harness *h = *state;
	struct pkt in;
	uint8_t b[256];
	int n;

	h_ip4pkt(&in, VH, IPPROTO_ICMP);
	in.layers |= PKT_L_ICMP;
	in.icmp.type = 8;
	n = encode_pkt(&in, b, sizeof(b));
	b[14 + 20 + 2] ^= 1;
	h_input(h, b, (size_t)n, 0);
	assert_int_equal(h->nout, 0);
}

static void
test_unbound_address_is_not_answered(void **state)
{
	struct harness *h = *state;

	h_tcp(h, "10.0.0.51", 40000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	h_tcp(h, "10.0.0.1", 40000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 0);
}

static void
test_limits_evict_oldest_idle(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	uint16_t i;

	for (i = 0; i < 16; i++) {
		h_tcp(h, VH, (uint16_t)(41000 + i), 80, TH_SYN, 1, 0, NULL, 0,
		    0);
		h->now += 1000;
	}
	/* Touch the first: the second is now the least recently active. */
	h_tcp(h, VH, 41000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	h_clear_ev(h);
	h_tcp(h, VH, 42000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	assert_int_equal(stack_counter(h->st, "flows_evicted"), 1);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_EVICTED);
	assert_int_equal(e->u.connection.t.sport, 41001);
	assert_int_equal(stack_counter(h->st, "flows_active"), 16);
}

static void
test_payload_capped_per_direction(void **state)
{
	struct harness *h = *state;
	uint8_t big[300];
	uint32_t iss;
	size_t i, got = 0;

	memset(big, 'A', sizeof(big));
	iss = h_connect(h, VH, 40011, 80, 100);
	h_tcp(h, VH, 40011, 80, TH_ACK, 101, iss + 1, big, sizeof(big), 0);
	h_tcp(h, VH, 40011, 80, TH_RST, 401, 0, NULL, 0, 0);
	for (i = 0; i < h->nev; i++)
		if (h->ev[i].kind == EVENT_PAYLOAD)
			got += h->ev[i].u.payload.len;
	assert_int_equal(got, 100);
	assert_int_equal(stack_counter(h->st, "payload_truncated"), 200);
}

static void
test_connection_ids_unique_from_one(void **state)
{
	struct harness *h = *state;
	size_t i;

	h_tcp(h, VH, 40000, 9999, TH_SYN, 1, 0, NULL, 0, 0);
	h_tcp(h, VH, 40001, 80, TH_SYN, 1, 0, NULL, 0, 0);
	h_tcp(h, VH, 40002, 9999, TH_SYN, 1, 0, NULL, 0, 0);
	for (i = 0; i < h->nev; i++)
		assert_int_equal(h->ev[i].kind, EVENT_CONNECTION);
	assert_int_equal(h->ev[0].u.connection.conn, 1);
	assert_int_equal(h->ev[1].u.connection.conn, 1);
	assert_int_equal(h->ev[2].u.connection.conn, 2);
	assert_int_equal(h->ev[3].u.connection.conn, 3);
}

static void
test_counters_fill_a_heartbeat(void **state)
{
	struct harness *h = *state;
	struct event ev;
	struct buf b;
	char err[128];

	h_tcp(h, VH, 40000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	event_init(&ev, EVENT_HEARTBEAT);
	snprintf(ev.sensor, sizeof(ev.sensor), "s1");
	ev.seq = 1;
	assert_int_equal(stack_counters(h->st, &ev), 0);
	assert_true(ev.u.heartbeat.ncounters > 30);
	buf_init(&b, EVENT_LINE_MAX);
	if (event_encode(&ev, &b, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_non_null(strstr(buf_cstr(&b), "\"tcp_synacks\":1"));
	buf_free(&b);
	event_clear(&ev);
}

static void
test_tcp_ipv6_syn_gets_synack(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	struct pkt in;
	struct addr a;

	pkt_init(&in, 0);
	in.layers = PKT_L_ETH | PKT_L_IP6 | PKT_L_TCP;
	memcpy(in.eth.src, h_peermac, 6);
	memcpy(in.eth.dst, h_ifmac, 6);
	in.eth.type = 0x86dd;
	in.ip6.hlim = 64;
	in.ip6.nxt = IPPROTO_TCP;
	addr_parse("2001:db8::99", &a);
	memcpy(in.ip6.src, a.a, 16);
	addr_parse("2001:db8::50", &a);
	memcpy(in.ip6.dst, a.a, 16);
	in.tcp.sport = 40000;
	in.tcp.dport = 80;
	in.tcp.seq = 9;
	in.tcp.flags = TH_SYN;
	in.tcp.win = 1000;
	h_inpkt(h, &in, 0);
	p = h_out(h, 0);
	assert_true(p->layers & PKT_L_IP6);
	assert_int_equal(p->ip6.hlim, 64);
	assert_memory_equal(p->ip6.src, a.a, 16);
	assert_int_equal(p->tcp.flags, TH_SYN | TH_ACK);
	assert_int_equal(p->tcp.cksum_state, CKSUM_OK);
}


static void
test_limits_rate_per_source(void **state)
{
	struct harness h;
	uint16_t i;

	(void)state;
	h_setup(&h, "sensor {\n limits { rate 5 per-source }\n}\n"
	    "create default\nadd default tcp port 80 open\n"
	    "bind 10.0.0.50 default\n");
	for (i = 0; i < 8; i++)
		h_tcp(&h, VH, (uint16_t)(43000 + i), 80, TH_SYN, 1, 0, NULL, 0,
		    0);
	assert_int_equal(h.nout, 5);
	assert_int_equal(stack_counter(h.st, "flows_rate_limited"), 3);
	h_advance(&h, 1000);
	h_tcp(&h, VH, 43100, 80, TH_SYN, 1, 0, NULL, 0, 0);
	assert_int_equal(h.nout, 6 + 5);	/* + the SYN/ACK retransmits */
	h_teardown(&h);
}

static void
test_unicast_ip_in_broadcast_frame_is_ignored(void **state)
{
	struct harness *h = *state;
	struct pkt p;

	h_ip4pkt(&p, VH, IPPROTO_TCP);
	memcpy(p.eth.dst, h_bcast, 6);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 40000;
	p.tcp.dport = 80;
	p.tcp.flags = TH_SYN;
	h_inpkt(h, &p, 0);
	/* A smurf: an echo request "from" the subnet broadcast. */
	h_ip4pkt(&p, VH, IPPROTO_ICMP);
	h_ip4(p.ip4.src, "10.0.0.255");
	p.layers |= PKT_L_ICMP;
	p.icmp.type = 8;
	h_inpkt(h, &p, 0);
	assert_int_equal(h->nout, 0);
}

static void
test_vlan_tagged_syn_gets_tagged_reply(void **state)
{
	struct harness *h = *state;
	const struct pkt *o;
	struct pkt p;

	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_VLAN | PKT_L_TCP;
	p.eth.tpid = 0x8100;
	p.eth.tci = 42;
	p.tcp.sport = 40000;
	p.tcp.dport = 80;
	p.tcp.flags = TH_SYN;
	h_inpkt(h, &p, 0);
	o = h_out(h, 0);
	assert_true(o->layers & PKT_L_VLAN);
	assert_int_equal(o->eth.tci, 42);
	assert_int_equal(o->tcp.flags, TH_SYN | TH_ACK);
}

static void
test_udp6_closed_port_unreachable(void **state)
{
	struct harness *h = *state;
	const struct pkt *o;
	struct pkt p;
	struct addr a;

	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_IP6 | PKT_L_UDP;
	memcpy(p.eth.src, h_peermac, 6);
	memcpy(p.eth.dst, h_ifmac, 6);
	p.eth.type = 0x86dd;
	p.ip6.hlim = 64;
	p.ip6.nxt = IPPROTO_UDP;
	addr_parse("2001:db8::99", &a);
	memcpy(p.ip6.src, a.a, 16);
	addr_parse("2001:db8::50", &a);
	memcpy(p.ip6.dst, a.a, 16);
	p.udp.sport = 5000;
	p.udp.dport = 9999;
	p.payload = (const uint8_t *)"x";
	p.payload_len = 1;
	h_inpkt(h, &p, 0);
	o = h_out(h, 0);
	assert_true(o->layers & PKT_L_ICMP6);
	assert_int_equal(o->icmp6.type, 1);
	assert_int_equal(o->icmp6.code, 4);
	assert_int_equal(o->icmp6.cksum_state, CKSUM_OK);
	assert_int_equal(o->icmp6.quote.dport, 9999);
}

static void
test_icmp_closed_template_does_not_echo(void **state)
{
	struct harness h;
	struct pkt p;

	(void)state;
	h_setup(&h, "create default\nset default default icmp action reset\n"
	    "bind 10.0.0.50 default\n");
	h_ip4pkt(&p, VH, IPPROTO_ICMP);
	p.layers |= PKT_L_ICMP;
	p.icmp.type = 8;
	h_inpkt(&h, &p, 0);
	assert_int_equal(h.nout, 0);
	h_teardown(&h);
}


/* The SYN to dport as IPv4 fragments of 8 bytes and the rest: in order,
 * reversed, or with the first one twice (an overlap). */
static void
fragmented_syn(struct harness *h, uint16_t dport, int reverse, int overlap)
{
	struct pkt p, f;
	uint8_t whole[128], seg[64];
	int n;
	size_t tl;

	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 40100;
	p.tcp.dport = dport;
	p.tcp.seq = 77;
	p.tcp.flags = TH_SYN;
	p.tcp.win = 1024;
	n = encode_pkt(&p, whole, sizeof(whole));
	assert_true(n > 0);
	tl = (size_t)n - 14 - 20;	/* the TCP segment */
	memcpy(seg, whole + 14 + 20, tl);
	h_ip4pkt(&f, VH, IPPROTO_TCP);
	f.ip4.id = 999;
	/* The raw TCP bytes ride as the fragments' payload. */
	if (!reverse) {
		f.ip4.flags = IP4_MF;
		f.payload = seg;
		f.payload_len = 8;
		h_inpkt(h, &f, 0);
		if (overlap)	/* the same bytes again */
			h_inpkt(h, &f, 0);
	}
	f.ip4.flags = 0;
	f.ip4.fragoff = 1;
	f.payload = seg + 8;
	f.payload_len = tl - 8;
	h_inpkt(h, &f, 0);
	if (reverse) {
		f.ip4.flags = IP4_MF;
		f.ip4.fragoff = 0;
		f.payload = seg;
		f.payload_len = 8;
		h_inpkt(h, &f, 0);
	}
}

static void
test_ip_fragmented_syn_is_reassembled_and_answered(void **state)
{
	struct harness *h = *state;

	fragmented_syn(h, 80, 0, 0);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_SYN | TH_ACK);
	assert_int_equal(h_out(h, 0)->tcp.ack, 78);
	h_clear_out(h);
	fragmented_syn(h, 9999, 1, 0);		/* last fragment first */
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_RST | TH_ACK);
	assert_int_equal(stack_counter(h->st, "frag_reassembled"), 2);
}

static void
test_ip_overlapping_fragments_are_dropped(void **state)
{
	struct harness *h = *state;

	fragmented_syn(h, 80, 0, 1);
	assert_int_equal(h->nout, 0);
	assert_int_equal(stack_counter(h->st, "frag_dropped"), 1);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)

/*
 * The flow table starts small and doubles as flows pile up (flow.c):
 * every flow is still found after each doubling, none answered as a
 * stranger's segment.
 */
static void
test_flow_table_grows_and_finds_every_flow(void **state)
{
	enum { N = 3000 };
	static uint32_t iss[N];
	struct harness h;
	const struct pkt *p;
	uint16_t i;

	(void)state;
	h_setup(&h, "sensor {\n limits { connections 5000; "
	    "rate 100000 per-source }\n}\n"
	    "create default\nadd default tcp port 80 open\n"
	    "bind 10.0.0.50 default\n");
	for (i = 0; i < N; i++) {
		iss[i] = h_connect(&h, VH, (uint16_t)(20000 + i), 80, 1000);
		if (h.nev > H_MAXEV / 2)
			h_clear_ev(&h);
	}
	assert_int_equal(stack_counter(h.st, "flows_active"), N);
	for (i = 0; i < N; i++) {
		h_clear_out(&h);
		h_tcp(&h, VH, (uint16_t)(20000 + i), 80, TH_ACK | TH_PUSH, 1001,
		    iss[i] + 1, "x", 1, 0);
		assert_int_equal(h.nout, 1);
		p = h_out(&h, 0);
		assert_int_equal(p->tcp.flags, TH_ACK);
		assert_int_equal(p->tcp.ack, 1002);
		if (h.nev > H_MAXEV / 2)
			h_clear_ev(&h);
	}
	assert_int_equal(stack_counter(h.st, "flows_evicted"), 0);
	h_teardown(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcp_syn_to_open_port_gets_synack),
		T(test_tcp_syn_to_closed_port_gets_rst_ack),
		T(test_tcp_no_reply_to_syn_rst),
		T(test_tcp_rst_is_never_answered),
		T(test_tcp_badsum_gets_no_reply),
		T(test_heartbeat_holds_every_counter_and_anomaly),
		T(test_tcp_csum_notready_is_answered),
		T(test_outgoing_frames_are_ignored),
		T(test_tcp_fin_null_xmas_to_closed_port_get_rst),
		T(test_tcp_fin_null_xmas_to_open_port_get_nothing),
		T(test_tcp_ack_to_listen_gets_rst),
		T(test_tcp_synfin_answered_as_syn_by_default_profile),
		T(test_tcp_filtered_port_is_silent),
		T(test_tcp_data_is_recorded_acked_and_closed_with_fin),
		T(test_tcp_echo_service_echoes),
		T(test_tcp_banner_service_greets),
		T(test_tcp_retransmits_synack_with_backoff),
		T(test_tcp_out_of_order_delivered_in_order),
		T(test_tcp_rst_out_of_order_gets_challenge_ack),
		T(test_tcp_idle_connection_gets_keepalive_then_reset),
		T(test_tcp_tarpit_holds_with_zero_window),
		T(test_tcp_respects_peer_mss_and_retransmits_data),
		T(test_udp_closed_port_unreachable),
		T(test_udp_unreachable_is_rate_limited),
		T(test_udp_open_port_records_payload),
		T(test_udp_filtered_port_is_silent),
		T(test_icmp_echo_reply_with_template_ttl),
		T(test_icmp_bad_checksum_gets_no_reply),
		T(test_unbound_address_is_not_answered),
		T(test_limits_evict_oldest_idle),
		T(test_payload_capped_per_direction),
		T(test_connection_ids_unique_from_one),
		T(test_counters_fill_a_heartbeat),
		T(test_tcp_ipv6_syn_gets_synack),
		cmocka_unit_test(test_limits_rate_per_source),
		T(test_unicast_ip_in_broadcast_frame_is_ignored),
		T(test_vlan_tagged_syn_gets_tagged_reply),
		T(test_udp6_closed_port_unreachable),
		T(test_ip_fragmented_syn_is_reassembled_and_answered),
		T(test_ip_overlapping_fragments_are_dropped),
		cmocka_unit_test(test_icmp_closed_template_does_not_echo),
		cmocka_unit_test(test_flow_table_grows_and_finds_every_flow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
