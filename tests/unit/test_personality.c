/*
 * Personalities: what the SYN/ACK, the resets and the ICMP replies of a
 * template look like (TTL, DF, window, option order, IP IDs, timestamps),
 * checked on the frames the stack sends.
 */
#include "test_stack.h"
#include "personality.h"

static const char cfg[] =
	"create win\n"
	"set win personality \"Microsoft Windows 7 Professional\"\n"
	"add win tcp port 135 open\n"
	"create lin\n"
	"set lin personality \"Linux 3.2 - 4.9\"\n"
	"set lin uptime 1000\n"
	"add lin tcp port 22 open\n"
	"create cisco\n"
	"set cisco personality \"Cisco IOS 12.1\"\n"
	"add cisco tcp port 23 open\n"
	"create plain\n"
	"add plain tcp port 80 open\n"
	"bind 10.0.0.60 win\n"
	"bind 10.0.0.61 lin\n"
	"bind 10.0.0.62 cisco\n"
	"bind 10.0.0.63 plain\n";

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* A SYN offering everything, like Linux's: M S T N W. */
static void
full_syn(struct harness *h, const char *dst, uint16_t dport, uint8_t flags)
{
	struct pkt p;
	uint8_t mss[2] = { 0x05, 0xb4 }, ws = 7;
	uint8_t ts[8] = { 0, 0, 0, 1, 0, 0, 0, 0 };

	h_ip4pkt(&p, dst, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 45000;
	p.tcp.dport = dport;
	p.tcp.seq = 1;
	p.tcp.flags = flags;
	p.tcp.win = 64240;
	opt_add(&p.tcp.opts, TCPOPT_MSS, mss, 2);
	opt_add(&p.tcp.opts, TCPOPT_SACKOK, NULL, 0);
	opt_add(&p.tcp.opts, TCPOPT_TS, ts, 8);
	opt_add(&p.tcp.opts, TCPOPT_NOP, NULL, 0);
	opt_add(&p.tcp.opts, TCPOPT_WS, &ws, 1);
	h_inpkt(h, &p, 0);
}

static void
test_personality_windows_ttl_and_options(void **state)
{
	struct harness *h = *state;
	static const uint8_t order[] = { TCPOPT_MSS, TCPOPT_NOP, TCPOPT_WS,
	    TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACKOK };
	const struct pkt *p;
	size_t i;

	full_syn(h, "10.0.0.60", 135, TH_SYN);
	p = h_out(h, 0);
	assert_int_equal(p->ip4.ttl, 128);
	assert_true(p->ip4.flags & IP4_DF);
	assert_int_equal(p->tcp.win, 8192);
	assert_int_equal(p->tcp.opts.n, sizeof(order));
	for (i = 0; i < sizeof(order); i++)
		assert_int_equal(p->tcp.opts.opt[i].kind, order[i]);
	assert_int_equal(p->tcp.ws, 8);
	assert_false(p->tcp.has_ts);
}

static void
test_personality_linux_option_order_and_timestamp(void **state)
{
	struct harness *h = *state;
	static const uint8_t order[] = { TCPOPT_MSS, TCPOPT_SACKOK,
	    TCPOPT_TS, TCPOPT_NOP, TCPOPT_WS };
	const struct pkt *p;
	size_t i;

	full_syn(h, "10.0.0.61", 22, TH_SYN);
	p = h_out(h, 0);
	assert_int_equal(p->ip4.ttl, 64);
	assert_int_equal(p->tcp.win, 64240);
	assert_int_equal(p->tcp.opts.n, sizeof(order));
	for (i = 0; i < sizeof(order); i++)
		assert_int_equal(p->tcp.opts.opt[i].kind, order[i]);
	assert_int_equal(p->tcp.ws, 7);
	/* Uptime 1000 s at 1000 Hz, and the peer's value echoed. */
	assert_int_equal(p->tcp.tsval, 1000000);
	assert_int_equal(p->tcp.tsecr, 1);
	assert_int_equal(p->ip4.id, 0);		/* TI=Z */
	h_clear_out(h);
	h_advance(h, 2500);
	full_syn(h, "10.0.0.61", 22, TH_SYN);	/* the same SYN again */
	p = h_out(h, h->nout - 1);
	assert_true(p->tcp.tsval >= 1002500 && p->tcp.tsval <= 1002600);
}

static void
test_personality_omits_options_not_offered(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	/* Only an MSS offered: no WS, TS or SACK, and no NOPs for them. */
	h_tcp(h, "10.0.0.61", 45001, 22, TH_SYN, 1, 0, NULL, 0, 0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.opts.n, 1);
	assert_int_equal(p->tcp.opts.opt[0].kind, TCPOPT_MSS);
}

static void
test_personality_cisco_ttl_mss_and_incremental_ipid(void **state)
{
	struct harness *h = *state;
	const struct pkt *a, *b;

	full_syn(h, "10.0.0.62", 23, TH_SYN);
	h_tcp(h, "10.0.0.62", 45002, 9, TH_SYN, 1, 0, NULL, 0, 0);
	a = h_out(h, 0);
	b = h_out(h, 1);
	assert_int_equal(a->ip4.ttl, 255);
	assert_false(a->ip4.flags & IP4_DF);
	assert_int_equal(a->tcp.mss, 536);
	assert_int_equal(a->tcp.opts.n, 1);
	assert_int_equal(a->tcp.win, 4128);
	assert_int_equal((uint16_t)(b->ip4.id - a->ip4.id), 1);
	assert_int_equal(b->tcp.flags, TH_RST | TH_ACK);
	assert_false(b->ip4.flags & IP4_DF);
}

static void
test_personality_default_when_unset(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	full_syn(h, "10.0.0.63", 80, TH_SYN);
	p = h_out(h, 0);
	assert_int_equal(p->ip4.ttl, 64);
	/* Unlike real Linux, the default answers SYN+FIN like a SYN. */
	h_clear_out(h);
	full_syn(h, "10.0.0.63", 80, TH_SYN | TH_FIN);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->tcp.flags, TH_SYN | TH_ACK);
}

static void
test_personality_windows_answers_null_scan_on_open_port(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	h_tcp(h, "10.0.0.60", 45003, 135, 0, 500, 0, NULL, 0, 0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_RST | TH_ACK);
	assert_int_equal(p->tcp.seq, 0);
	assert_int_equal(p->tcp.ack, 500);
	h_tcp(h, "10.0.0.61", 45003, 22, 0, 500, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 1);		/* Linux: silence */
}

static void
test_personality_pattern_table(void **state)
{
	struct personality p;

	(void)state;
	personality_for(&p, "Microsoft Windows XP Professional SP1");
	assert_string_equal(p.name, "windows");
	personality_for(&p, "FreeBSD 11.0-RELEASE");
	assert_string_equal(p.name, "freebsd");
	personality_for(&p, "OpenBSD 6.0");
	assert_string_equal(p.name, "openbsd");
	personality_for(&p, "Cisco 2611 router (IOS 12.1)");
	assert_string_equal(p.name, "cisco");
	personality_for(&p, "Linux 2.4.7 (X86)");
	assert_string_equal(p.name, "linux");
	personality_for(&p, "AmigaOS 3.1");
	assert_string_equal(p.name, "default");
	personality_for(&p, NULL);
	assert_string_equal(p.name, "default");
	assert_true(personality_nbuiltin() >= 5);
}


static void
test_personality_random_picks_a_builtin(void **state)
{
	struct harness h;
	const struct pkt *p;
	uint8_t ttl;

	(void)state;
	h_setup(&h, "create r\nset r personality random\n"
	    "add r tcp port 80 open\nbind 10.0.0.70 r\n");
	h_tcp(&h, "10.0.0.70", 45000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	p = h_out(&h, 0);
	ttl = p->ip4.ttl;
	assert_true(ttl == 64 || ttl == 128 || ttl == 255);
	/* Chosen once per template, not per packet. */
	h_tcp(&h, "10.0.0.70", 45001, 80, TH_SYN, 1, 0, NULL, 0, 0);
	assert_int_equal(h_out(&h, 1)->ip4.ttl, ttl);
	h_teardown(&h);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_personality_windows_ttl_and_options),
		T(test_personality_linux_option_order_and_timestamp),
		T(test_personality_omits_options_not_offered),
		T(test_personality_cisco_ttl_mss_and_incremental_ipid),
		T(test_personality_default_when_unset),
		T(test_personality_windows_answers_null_scan_on_open_port),
		T(test_personality_pattern_table),
		cmocka_unit_test(test_personality_random_picks_a_builtin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
