/*
 * The TCP state machine: both close sequences, TIME-WAIT, duplicate and
 * unexpected SYNs, bad ACKs, the peer's window, the bounded reassembly
 * queue and timestamps.
 */
#include "test_stack.h"

static const char cfg[] =
	"sensor {\n"
	"	interface veth0\n"
	"	limits { reassembly 1K }\n"
	"}\n"
	"create default\n"
	"set default personality \"Linux 5.4\"\n"
	"add default tcp port 17 internal \"qotd\"\n"
	"add default tcp port 7 internal \"echo\"\n"
	"add default tcp port 80 open\n"
	"bind 10.0.0.50 default\n";

#define VH	"10.0.0.50"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
test_tcp_active_close_goes_through_time_wait(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	const struct event *e;
	uint32_t iss, qlen;

	h_tcp(h, VH, 46000, 17, TH_SYN, 100, 0, NULL, 0, 0);
	iss = h_out(h, 0)->tcp.seq;
	h_clear_out(h);
	h_tcp(h, VH, 46000, 17, TH_ACK, 101, iss + 1, NULL, 0, 0);
	/* The quote, then our FIN right behind it. */
	assert_int_equal(h->nout, 2);
	qlen = (uint32_t)h_out(h, 0)->payload_len;
	assert_true(qlen > 0);
	p = h_out(h, 1);
	assert_int_equal(p->tcp.flags, TH_FIN | TH_ACK);
	assert_int_equal(p->tcp.seq, iss + 1 + qlen);
	h_clear_out(h);
	h_tcp(h, VH, 46000, 17, TH_ACK, 101, iss + 2 + qlen, NULL, 0, 0);
	assert_int_equal(h->nout, 0);		/* FIN-WAIT-2 */
	h_tcp(h, VH, 46000, 17, TH_FIN | TH_ACK, 101, iss + 2 + qlen, NULL, 0,
	    0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_ACK);
	assert_int_equal(p->tcp.ack, 102);
	e = h_find_ev(h, EVENT_CONNECTION, EVENT_END);
	assert_non_null(e);
	assert_int_equal(e->u.connection.reason, EVENT_FIN);
	assert_string_equal(e->u.connection.service, "qotd");
	/* TIME-WAIT re-acknowledges a retransmitted FIN, then ends. */
	h_clear_out(h);
	h_tcp(h, VH, 46000, 17, TH_FIN | TH_ACK, 101, iss + 2 + qlen, NULL, 0,
	    0);
	assert_int_equal(h->nout, 1);
	assert_int_equal(stack_counter(h->st, "flows_active"), 1);
	h_advance(h, 1500);
	assert_int_equal(stack_counter(h->st, "flows_active"), 0);
	assert_int_equal(h_count_ev(h, EVENT_CONNECTION), 2);
	/* The outbound quote was recorded too. */
	e = h_find_ev(h, EVENT_PAYLOAD, 0);
	assert_non_null(e);
	assert_int_equal(e->u.payload.dir, EVENT_OUT);
}

static void
test_tcp_simultaneous_close_goes_through_closing(void **state)
{
	struct harness *h = *state;
	uint32_t iss, qlen;

	h_tcp(h, VH, 46001, 17, TH_SYN, 100, 0, NULL, 0, 0);
	iss = h_out(h, 0)->tcp.seq;
	h_clear_out(h);
	h_tcp(h, VH, 46001, 17, TH_ACK, 101, iss + 1, NULL, 0, 0);
	qlen = (uint32_t)h_out(h, 0)->payload_len;
	h_clear_out(h);
	/* Their FIN crosses ours: it acks the data, not our FIN. */
	h_tcp(h, VH, 46001, 17, TH_FIN | TH_ACK, 101, iss + 1 + qlen, NULL, 0,
	    0);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_ACK);
	assert_int_equal(h_out(h, 0)->tcp.ack, 102);
	assert_null(h_find_ev(h, EVENT_CONNECTION, EVENT_END));
	h_tcp(h, VH, 46001, 17, TH_ACK, 102, iss + 2 + qlen, NULL, 0, 0);
	assert_non_null(h_find_ev(h, EVENT_CONNECTION, EVENT_END));
}

static void
test_tcp_retransmitted_syn_gets_the_same_synack(void **state)
{
	struct harness *h = *state;

	h_tcp(h, VH, 46002, 80, TH_SYN, 100, 0, NULL, 0, 0);
	h_tcp(h, VH, 46002, 80, TH_SYN, 100, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 2);
	assert_int_equal(h_out(h, 1)->tcp.flags, TH_SYN | TH_ACK);
	assert_int_equal(h_out(h, 1)->tcp.seq, h_out(h, 0)->tcp.seq);
	assert_int_equal(h_count_ev(h, EVENT_CONNECTION), 1);
}

static void
test_tcp_syn_in_established_gets_challenge_ack(void **state)
{
	struct harness *h = *state;
	uint32_t iss;

	iss = h_connect(h, VH, 46003, 80, 100);
	h_tcp(h, VH, 46003, 80, TH_SYN, 5000, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_ACK);
	assert_int_equal(h_out(h, 0)->tcp.seq, iss + 1);
	assert_int_equal(h_out(h, 0)->tcp.ack, 101);
}

static void
test_tcp_bad_ack_in_syn_rcvd_gets_rst(void **state)
{
	struct harness *h = *state;
	uint32_t iss;

	h_tcp(h, VH, 46004, 80, TH_SYN, 100, 0, NULL, 0, 0);
	iss = h_out(h, 0)->tcp.seq;
	h_tcp(h, VH, 46004, 80, TH_ACK, 101, iss + 77, NULL, 0, 0);
	assert_int_equal(h->nout, 2);
	assert_int_equal(h_out(h, 1)->tcp.flags, TH_RST);
	assert_int_equal(h_out(h, 1)->tcp.seq, iss + 77);
}

static void
test_tcp_zero_window_holds_data_until_it_opens(void **state)
{
	struct harness *h = *state;
	struct pkt p;
	uint32_t iss;

	iss = h_connect(h, VH, 46005, 7, 100);
	/* Data, and a window of 0: the echo waits. */
	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 46005;
	p.tcp.dport = 7;
	p.tcp.seq = 101;
	p.tcp.ack = iss + 1;
	p.tcp.flags = TH_ACK | TH_PUSH;
	p.tcp.win = 0;
	p.payload = (const uint8_t *)"abc";
	p.payload_len = 3;
	h_inpkt(h, &p, 0);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->payload_len, 0);
	assert_int_equal(h_out(h, 0)->tcp.ack, 104);
	/* The window opens: out it goes. */
	h_tcp(h, VH, 46005, 7, TH_ACK, 104, iss + 1, NULL, 0, 0);
	assert_int_equal(h->nout, 2);
	assert_int_equal(h_out(h, 1)->payload_len, 3);
}

/* A zero-window ACK from the peer to port 7, acknowledging ack. */
static void
zero_window_ack(struct harness *h, uint16_t sport, uint32_t seq, uint32_t ack)
{
	struct pkt p;

	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = sport;
	p.tcp.dport = 7;
	p.tcp.seq = seq;
	p.tcp.ack = ack;
	p.tcp.flags = TH_ACK;
	p.tcp.win = 0;
	h_inpkt(h, &p, 0);
}

/*
 * RFC 1122 §4.2.2.17: a receiver may keep its window closed as long as it
 * likes; while it answers the window probes, the connection stays open.
 * Probes back off; only silence ends it.
 */
static void
test_tcp_zero_window_probes_keep_an_answering_peer(void **state)
{
	struct harness *h = *state;
	struct pkt p;
	uint32_t iss;
	int i, probes = 0;

	iss = h_connect(h, VH, 46007, 7, 100);
	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 46007;
	p.tcp.dport = 7;
	p.tcp.seq = 101;
	p.tcp.ack = iss + 1;
	p.tcp.flags = TH_ACK | TH_PUSH;
	p.tcp.win = 0;
	p.payload = (const uint8_t *)"abc";
	p.payload_len = 3;
	h_inpkt(h, &p, 0);
	/* Ten probes, twice as many as the retransmission limit, each
	 * answered with the window still closed. */
	for (i = 0; i < 10; i++) {
		h_clear_out(h);
		h_advance(h, 61000);
		assert_null(h_find_ev(h, EVENT_CONNECTION, EVENT_END));
		assert_true(h->nout >= 1);
		assert_int_equal(h_out(h, 0)->payload_len, 1);
		assert_int_equal(h_out(h, 0)->tcp.seq, iss + 1);
		probes++;
		zero_window_ack(h, 46007, 104, iss + 1);
	}
	assert_int_equal(probes, 10);
	/* The window opens: the rest of the echo follows the probe's byte. */
	h_clear_out(h);
	h_tcp(h, VH, 46007, 7, TH_ACK, 104, iss + 1, NULL, 0, 0);
	assert_true(h->nout >= 1);
	assert_int_equal(h_out(h, 0)->tcp.seq, iss + 2);
	assert_int_equal(h_out(h, 0)->payload_len, 2);
	/* A peer that stops answering is given up on. */
	zero_window_ack(h, 46007, 104, iss + 1);
	h_advance(h, 10 * 61000);
	assert_non_null(h_find_ev(h, EVENT_CONNECTION, EVENT_END));
}

static void
test_tcp_reassembly_queue_is_bounded(void **state)
{
	struct harness *h = *state;
	uint8_t d[600];
	uint32_t iss;

	memset(d, 'z', sizeof(d));
	iss = h_connect(h, VH, 46006, 80, 100);
	h_tcp(h, VH, 46006, 80, TH_ACK, 201, iss + 1, d, 600, 0);
	h_tcp(h, VH, 46006, 80, TH_ACK, 1001, iss + 1, d, 600, 0);
	assert_int_equal(stack_counter(h->st, "tcp_ooo_queued"), 1);
	assert_int_equal(stack_counter(h->st, "tcp_ooo_dropped"), 1);
}

static void
test_tcp_time_wait_new_syn_starts_a_new_connection(void **state)
{
	struct harness *h = *state;
	uint32_t iss, qlen;

	h_tcp(h, VH, 46007, 17, TH_SYN, 100, 0, NULL, 0, 0);
	iss = h_out(h, 0)->tcp.seq;
	h_tcp(h, VH, 46007, 17, TH_ACK, 101, iss + 1, NULL, 0, 0);
	qlen = (uint32_t)h_out(h, 1)->payload_len;
	h_tcp(h, VH, 46007, 17, TH_FIN | TH_ACK, 101, iss + 2 + qlen, NULL, 0,
	    0);
	h_clear_out(h);
	h_tcp(h, VH, 46007, 17, TH_SYN, 100000, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_SYN | TH_ACK);
	assert_int_equal(h_out(h, 0)->tcp.ack, 100001);
}

static void
test_tcp_timestamps_echo_the_peer(void **state)
{
	struct harness *h = *state;
	struct pkt p;
	uint8_t ts[8] = { 0, 0, 0, 5, 0, 0, 0, 0 };
	uint32_t iss;

	h_ip4pkt(&p, VH, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 46008;
	p.tcp.dport = 7;
	p.tcp.seq = 100;
	p.tcp.flags = TH_SYN;
	p.tcp.win = 65535;
	opt_add(&p.tcp.opts, TCPOPT_TS, ts, 8);
	h_inpkt(h, &p, 0);
	iss = h_out(h, 0)->tcp.seq;
	assert_true(h_out(h, 0)->tcp.has_ts);
	assert_int_equal(h_out(h, 0)->tcp.tsecr, 5);
	p.tcp.flags = TH_ACK | TH_PUSH;
	p.tcp.seq = 101;
	p.tcp.ack = iss + 1;
	memset(&p.tcp.opts, 0, sizeof(p.tcp.opts));
	ts[3] = 9;
	opt_add(&p.tcp.opts, TCPOPT_NOP, NULL, 0);
	opt_add(&p.tcp.opts, TCPOPT_NOP, NULL, 0);
	opt_add(&p.tcp.opts, TCPOPT_TS, ts, 8);
	p.payload = (const uint8_t *)"hi";
	p.payload_len = 2;
	h_inpkt(h, &p, 0);
	assert_int_equal(h->nout, 2);
	assert_true(h_out(h, 1)->tcp.has_ts);
	assert_int_equal(h_out(h, 1)->tcp.tsecr, 9);
	assert_int_equal(h_out(h, 1)->payload_len, 2);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcp_active_close_goes_through_time_wait),
		T(test_tcp_simultaneous_close_goes_through_closing),
		T(test_tcp_retransmitted_syn_gets_the_same_synack),
		T(test_tcp_syn_in_established_gets_challenge_ack),
		T(test_tcp_bad_ack_in_syn_rcvd_gets_rst),
		T(test_tcp_zero_window_holds_data_until_it_opens),
		T(test_tcp_zero_window_probes_keep_an_answering_peer),
		T(test_tcp_reassembly_queue_is_bounded),
		T(test_tcp_time_wait_new_syn_starts_a_new_connection),
		T(test_tcp_timestamps_echo_the_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
