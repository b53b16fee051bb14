/*
 * The honeyd-style log (sensor/hlog.c): lines made from our events read
 * back by server/honeyd.c's parser, the one `diasctl import honeyd-log`
 * uses, give the same facts.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "event.h"
#include "hlog.h"
#include "honeyd.h"

/* 2026-11-25 23:40:12.345678 UTC */
#define TS	1795650012345678LL

static void
conn(struct event *e, int phase, uint64_t id, uint8_t proto, const char *src,
    uint16_t sport, const char *dst, uint16_t dport)
{
	struct event_connection *c = &e->u.connection;

	event_init(e, EVENT_CONNECTION);
	e->ts = TS;
	c->phase = (uint8_t)phase;
	c->conn = id;
	c->t.proto = proto;
	assert_int_equal(addr_parse(src, &c->t.src), 0);
	assert_int_equal(addr_parse(dst, &c->t.dst), 0);
	c->t.sport = sport;
	c->t.dport = dport;
}

/* Format, parse back, and compare what both sides know. */
static void
roundtrip(const struct event *e, char type, struct honeyd_rec *r)
{
	const struct event_connection *c = &e->u.connection;
	char line[HLOG_LINE_MAX], err[128];
	int n;

	n = hlog_format(e, type, line, sizeof(line));
	assert_true(n > 0);
	assert_int_equal(line[n - 1], '\n');
	if (honeyd_parse_line(line, (size_t)n, r, err, sizeof(err)) == -1)
		fail_msg("%s: %s", line, err);
	assert_int_equal(r->ts, TS / 100 * 100);	/* 1/10000 s */
	assert_int_equal(r->proto, c->t.proto);
	assert_int_equal(r->type, type);
	assert_true(addr_eq(&r->src, &c->t.src));
	assert_true(addr_eq(&r->dst, &c->t.dst));
	assert_int_equal(r->sport, c->t.sport);
	assert_int_equal(r->dport, c->t.dport);
}

static void
test_hlog_tcp_start_and_end_read_back(void **state)
{
	struct honeyd_rec r;
	struct event e;
	char line[HLOG_LINE_MAX];

	(void)state;
	conn(&e, EVENT_START, 5, IPPROTO_TCP, "10.20.0.2", 3462, "10.10.0.20",
	    80);
	roundtrip(&e, 'S', &r);
	hlog_format(&e, 'S', line, sizeof(line));
	assert_string_equal(line, "2026-11-25-23:40:12.3456 tcp(6) S "
	    "10.20.0.2 3462 10.10.0.20 80\n");
	e.u.connection.phase = EVENT_END;
	e.u.connection.bytes_in = 310;
	e.u.connection.bytes_out = 1220;
	roundtrip(&e, 'E', &r);
	assert_int_equal(r.recv, 310);
	assert_int_equal(r.sent, 1220);
}

static void
test_hlog_probe_is_a_dash_line_with_flags(void **state)
{
	struct honeyd_rec r;
	struct event e;

	(void)state;
	conn(&e, EVENT_END, 6, IPPROTO_TCP, "10.20.0.2", 40000, "10.10.0.21",
	    139);
	e.u.connection.bytes_in = 40;
	e.u.connection.flags = 0x02;		/* SYN */
	roundtrip(&e, '-', &r);
	assert_int_equal(r.recv, 40);
	assert_string_equal(r.flags, "S");
	conn(&e, EVENT_END, 7, IPPROTO_UDP, "10.20.0.2", 1026, "10.10.0.21",
	    1434);
	e.u.connection.bytes_in = 376;
	roundtrip(&e, '-', &r);
	assert_int_equal(r.recv, 376);
	assert_string_equal(r.flags, "");
}

static void
test_hlog_ipv6_and_icmp_read_back(void **state)
{
	struct honeyd_rec r;
	struct event e;
	char line[HLOG_LINE_MAX];

	(void)state;
	conn(&e, EVENT_START, 8, IPPROTO_UDP, "2001:db8:20::2", 53000,
	    "2001:db8:10::20", 161);
	roundtrip(&e, 'S', &r);
	conn(&e, EVENT_END, 9, IPPROTO_ICMP, "10.20.0.2", 8, "10.10.0.20", 0);
	e.u.connection.bytes_in = 84;
	roundtrip(&e, '-', &r);
	assert_int_equal(r.recv, 84);
	/* ICMPv6 and other kinds have no honeyd line. */
	conn(&e, EVENT_END, 10, IPPROTO_ICMPV6, "2001:db8:20::2", 128,
	    "2001:db8:10::20", 0);
	assert_int_equal(hlog_format(&e, '-', line, sizeof(line)), 0);
	event_init(&e, EVENT_HEARTBEAT);
	assert_int_equal(hlog_format(&e, 'S', line, sizeof(line)), 0);
	/* Too short a buffer is an error, not a cut line. */
	conn(&e, EVENT_START, 8, IPPROTO_TCP, "10.20.0.2", 1, "10.10.0.20", 2);
	assert_int_equal(hlog_format(&e, 'S', line, 20), -1);
}

/* The writer: a start followed at once by its end is one probe line; a
 * start, something else, then its end are an S and an E line. */
static void
test_hlog_writer_merges_oneshots(void **state)
{
	struct honeyd_rec r;
	struct hlog *h;
	struct event e;
	char buf[4096], err[128], *line, *save = NULL;
	const char want[] = "S-E";
	int fds[2], i = 0;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_non_null(h = hlog_new(fds[1]));
	conn(&e, EVENT_START, 1, IPPROTO_TCP, "10.20.0.2", 1000, "10.10.0.20",
	    80);
	hlog_event(h, &e);
	conn(&e, EVENT_START, 2, IPPROTO_TCP, "10.20.0.2", 1001, "10.10.0.20",
	    81);
	hlog_event(h, &e);
	e.u.connection.phase = EVENT_END;
	e.u.connection.flags = 0x02;
	hlog_event(h, &e);
	conn(&e, EVENT_END, 1, IPPROTO_TCP, "10.20.0.2", 1000, "10.10.0.20",
	    80);
	hlog_event(h, &e);
	event_init(&e, EVENT_HEARTBEAT);
	hlog_event(h, &e);
	hlog_flush(h);
	assert_int_equal(hlog_lines(h), 3);
	assert_int_equal(hlog_errors(h), 0);
	hlog_free(h);
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fds[0]);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		if (honeyd_parse_line(line, strlen(line), &r, err,
		    sizeof(err)) == -1)
			fail_msg("%s: %s", line, err);
		assert_true(i < 3);
		assert_int_equal(r.type, want[i]);
	}
	assert_int_equal(i, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hlog_tcp_start_and_end_read_back),
		cmocka_unit_test(test_hlog_probe_is_a_dash_line_with_flags),
		cmocka_unit_test(test_hlog_ipv6_and_icmp_read_back),
		cmocka_unit_test(test_hlog_writer_merges_oneshots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
