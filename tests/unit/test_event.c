/*
 * The event model and its NDJSON codec.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "addr.h"
#include "buf.h"
#include "event.h"

static void
set_addr(struct addr *a, const char *s)
{
	if (addr_parse(s, a) == -1)
		fail_msg("bad address in test: %s", s);
}

static void
common(struct event *e, int kind, uint64_t seq, int64_t ts)
{
	event_init(e, kind);
	strlcpy(e->sensor, "s1", sizeof(e->sensor));
	e->seq = seq;
	e->ts = ts;
}

static void
make_connection_end(struct event *e)
{
	struct event_connection *c = &e->u.connection;

	common(e, EVENT_CONNECTION, 42, 1700000000123456);
	c->phase = EVENT_END;
	c->conn = 7;
	c->t.proto = IPPROTO_TCP;
	set_addr(&c->t.src, "203.0.113.5");
	c->t.sport = 51234;
	set_addr(&c->t.dst, "10.0.0.23");
	c->t.dport = 445;
	strlcpy(c->template, "win2k", sizeof(c->template));
	strlcpy(c->service, "smb", sizeof(c->service));
	c->pkts_in = 12;
	c->pkts_out = 10;
	c->bytes_in = 1843;
	c->bytes_out = 977;
	c->flags = 0x1b;	/* FIN SYN PSH ACK */
	c->reason = EVENT_FIN;
}

static void
make_connection_start(struct event *e)
{
	struct event_connection *c = &e->u.connection;

	common(e, EVENT_CONNECTION, 1, 0);
	c->phase = EVENT_START;
	c->conn = 1;
	c->t.proto = IPPROTO_UDP;
	set_addr(&c->t.src, "2001:db8::5");
	c->t.sport = 5353;
	set_addr(&c->t.dst, "2001:db8::23");
	c->t.dport = 161;
	strlcpy(c->service, "snmp", sizeof(c->service));
}

static void
make_connection_icmp(struct event *e)
{
	struct event_connection *c = &e->u.connection;

	common(e, EVENT_CONNECTION, 2, 10);
	c->phase = EVENT_START;
	c->conn = 2;
	c->t.proto = IPPROTO_ICMP;
	set_addr(&c->t.src, "198.51.100.1");
	c->t.sport = 8;
	set_addr(&c->t.dst, "10.0.0.1");
	strlcpy(c->template, "router", sizeof(c->template));
}

static void
make_payload(struct event *e)
{
	common(e, EVENT_PAYLOAD, 43, 1700000000200000);
	e->u.payload.conn = 7;
	e->u.payload.dir = EVENT_IN;
	e->u.payload.offset = 0;
	assert_int_equal(event_set_data(e, "GET / HTTP/1.0\r\n\r\n", 18), 0);
}

static void
make_service(struct event *e)
{
	common(e, EVENT_SERVICE, 44, 1700000000300000);
	e->u.service.conn = 7;
	strlcpy(e->u.service.service, "telnet", sizeof(e->u.service.service));
	strlcpy(e->u.service.type, "login", sizeof(e->u.service.type));
	assert_int_equal(event_add_field(e, "user", "root", 4), 0);
	assert_int_equal(event_add_field(e, "password", "xc3511", 6), 0);
}

static void
make_upload(struct event *e)
{
	static const uint8_t sha[32] = {
		0xe4, 0x10, 0xe1, 0x10, 0x97, 0x84, 0x29, 0xa2, 0xa4, 0xe5,
		0x68, 0x5c, 0x53, 0x90, 0x7f, 0x9b, 0x07, 0x92, 0xdf, 0xe4,
		0xb7, 0x2e, 0x35, 0x13, 0xbd, 0x27, 0x6b, 0x73, 0x98, 0x54,
		0x02, 0x5c,
	};

	common(e, EVENT_UPLOAD, 45, 1700000000400000);
	e->u.upload.conn = 9;
	strlcpy(e->u.upload.name, "mirai.arm7", sizeof(e->u.upload.name));
	e->u.upload.size = 12345;
	memcpy(e->u.upload.sha256, sha, sizeof(sha));
}

static void
make_claim(struct event *e)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };

	common(e, EVENT_CLAIM, 46, 1700000000500000);
	e->u.claim.action = EVENT_CLAIMED;
	set_addr(&e->u.claim.addr, "10.0.0.23");
	memcpy(e->u.claim.mac, mac, sizeof(mac));
	strlcpy(e->u.claim.iface, "eth0", sizeof(e->u.claim.iface));
	strlcpy(e->u.claim.reason, "unanswered ARP for 300s",
	    sizeof(e->u.claim.reason));
}

static void
make_alert(struct event *e)
{
	struct event_alert *a = &e->u.alert;

	common(e, EVENT_ALERT, 47, 1700000000600000);
	a->sid = 2001219;
	a->rev = 20;
	a->priority = 2;
	strlcpy(a->classtype, "attempted-recon", sizeof(a->classtype));
	strlcpy(a->msg, "ET SCAN Potential SSH Scan", sizeof(a->msg));
	a->t.proto = IPPROTO_TCP;
	set_addr(&a->t.src, "203.0.113.5");
	a->t.sport = 40000;
	set_addr(&a->t.dst, "10.0.0.23");
	a->t.dport = 22;
	a->conn = 7;
}

static void
make_alert_bare(struct event *e)
{
	common(e, EVENT_ALERT, 48, 1700000000700000);
	e->u.alert.sid = 1;
	e->u.alert.priority = 1;
	strlcpy(e->u.alert.msg, "\"quoted\" \\ and\ttab, caf\xc3\xa9",
	    sizeof(e->u.alert.msg));
}

static void
make_heartbeat(struct event *e)
{
	common(e, EVENT_HEARTBEAT, 49, 1700000000800000);
	e->u.heartbeat.backlog = 10;
	e->u.heartbeat.claimed = 254;
	assert_int_equal(event_add_counter(e, "events", 1000), 0);
	assert_int_equal(event_add_counter(e, "limit.conns", 3), 0);
}

static const struct golden {
	void		(*make)(struct event *);
	const char	*line;
} goldens[] = {
	{ make_connection_end,
	  "{\"kind\":\"connection\",\"sensor\":\"s1\",\"seq\":42,"
	  "\"ts\":1700000000123456,\"phase\":\"end\",\"conn\":7,"
	  "\"proto\":\"tcp\",\"src\":\"203.0.113.5\",\"sport\":51234,"
	  "\"dst\":\"10.0.0.23\",\"dport\":445,\"template\":\"win2k\","
	  "\"service\":\"smb\",\"pkts_in\":12,\"pkts_out\":10,"
	  "\"bytes_in\":1843,\"bytes_out\":977,\"flags\":\"FSPA\","
	  "\"reason\":\"fin\"}\n" },
	{ make_connection_start,
	  "{\"kind\":\"connection\",\"sensor\":\"s1\",\"seq\":1,\"ts\":0,"
	  "\"phase\":\"start\",\"conn\":1,\"proto\":\"udp\","
	  "\"src\":\"2001:db8::5\",\"sport\":5353,\"dst\":\"2001:db8::23\","
	  "\"dport\":161,\"template\":\"\",\"service\":\"snmp\"}\n" },
	{ make_connection_icmp,
	  "{\"kind\":\"connection\",\"sensor\":\"s1\",\"seq\":2,\"ts\":10,"
	  "\"phase\":\"start\",\"conn\":2,\"proto\":\"icmp\","
	  "\"src\":\"198.51.100.1\",\"sport\":8,\"dst\":\"10.0.0.1\","
	  "\"dport\":0,\"template\":\"router\",\"service\":\"\"}\n" },
	{ make_payload,
	  "{\"kind\":\"payload\",\"sensor\":\"s1\",\"seq\":43,"
	  "\"ts\":1700000000200000,\"conn\":7,\"dir\":\"in\",\"offset\":0,"
	  "\"data\":\"R0VUIC8gSFRUUC8xLjANCg0K\"}\n" },
	{ make_service,
	  "{\"kind\":\"service\",\"sensor\":\"s1\",\"seq\":44,"
	  "\"ts\":1700000000300000,\"conn\":7,\"service\":\"telnet\","
	  "\"type\":\"login\",\"fields\":{\"user\":\"root\","
	  "\"password\":\"xc3511\"}}\n" },
	{ make_upload,
	  "{\"kind\":\"upload\",\"sensor\":\"s1\",\"seq\":45,"
	  "\"ts\":1700000000400000,\"conn\":9,\"name\":\"mirai.arm7\","
	  "\"size\":12345,\"sha256\":\"e410e110978429a2a4e5685c53907f9b"
	  "0792dfe4b72e3513bd276b739854025c\"}\n" },
	{ make_claim,
	  "{\"kind\":\"claim\",\"sensor\":\"s1\",\"seq\":46,"
	  "\"ts\":1700000000500000,\"action\":\"claim\","
	  "\"addr\":\"10.0.0.23\",\"mac\":\"02:00:5e:10:00:01\","
	  "\"iface\":\"eth0\",\"reason\":\"unanswered ARP for 300s\"}\n" },
	{ make_alert,
	  "{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":47,"
	  "\"ts\":1700000000600000,\"sid\":2001219,\"rev\":20,"
	  "\"priority\":2,\"classtype\":\"attempted-recon\","
	  "\"msg\":\"ET SCAN Potential SSH Scan\",\"proto\":\"tcp\","
	  "\"src\":\"203.0.113.5\",\"sport\":40000,\"dst\":\"10.0.0.23\","
	  "\"dport\":22,\"conn\":7}\n" },
	{ make_alert_bare,
	  "{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":48,"
	  "\"ts\":1700000000700000,\"sid\":1,\"rev\":0,\"priority\":1,"
	  "\"classtype\":\"\",\"msg\":\"\\\"quoted\\\" \\\\ and\\ttab, "
	  "caf\xc3\xa9\"}\n" },
	{ make_heartbeat,
	  "{\"kind\":\"heartbeat\",\"sensor\":\"s1\",\"seq\":49,"
	  "\"ts\":1700000000800000,\"backlog\":10,\"claimed\":254,"
	  "\"counters\":{\"events\":1000,\"limit.conns\":3}}\n" },
};

#define NGOLDEN	(sizeof(goldens) / sizeof(goldens[0]))

/* Encode e into b (reset first); fails the test on error. */
static const char *
encode(const struct event *e, struct buf *b)
{
	char err[256];

	buf_reset(b);
	if (event_encode(e, b, err, sizeof(err)) == -1)
		fail_msg("encode: %s", err);
	return buf_cstr(b);
}

static void
decode(const char *line, struct event *e)
{
	char err[256];

	if (event_decode(line, strlen(line), e, err, sizeof(err)) == -1)
		fail_msg("decode: %s\n  line: %s", err, line);
}

static void
test_event_matches_golden_lines(void **state)
{
	struct event e, d;
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, EVENT_LINE_MAX + 1);
	for (i = 0; i < NGOLDEN; i++) {
		goldens[i].make(&e);
		assert_string_equal(encode(&e, &b), goldens[i].line);
		decode(goldens[i].line, &d);
		assert_true(event_equal(&e, &d));
		event_clear(&e);
		event_clear(&d);
	}
	buf_free(&b);
}

static void
test_event_roundtrip_every_kind(void **state)
{
	struct event e, d;
	struct buf b1, b2;
	int kinds = 0;
	size_t i;

	(void)state;
	buf_init(&b1, EVENT_LINE_MAX + 1);
	buf_init(&b2, EVENT_LINE_MAX + 1);
	for (i = 0; i < NGOLDEN; i++) {
		goldens[i].make(&e);
		kinds |= 1 << e.kind;
		encode(&e, &b1);
		decode(buf_cstr(&b1), &d);
		assert_true(event_equal(&e, &d));
		/* Re-encoding what was decoded gives the same bytes. */
		assert_string_equal(encode(&d, &b2), buf_cstr(&b1));
		event_clear(&e);
		event_clear(&d);
		assert_int_equal(e.kind, 0);
	}
	assert_int_equal(kinds, 0xfe);		/* kinds 1..7 */
	buf_free(&b1);
	buf_free(&b2);
}

static void
test_event_equal_notices_every_difference(void **state)
{
	struct event a, b;

	(void)state;
	make_service(&a);
	make_service(&b);
	assert_true(event_equal(&a, &b));
	b.u.service.fields[1].value[0] = 'X';
	assert_false(event_equal(&a, &b));
	event_clear(&b);
	make_service(&b);
	b.seq++;
	assert_false(event_equal(&a, &b));
	event_clear(&a);
	event_clear(&b);

	make_payload(&a);
	make_payload(&b);
	b.u.payload.data[17] ^= 1;
	assert_false(event_equal(&a, &b));
	event_clear(&b);
	make_heartbeat(&b);
	assert_false(event_equal(&a, &b));
	event_clear(&a);
	event_clear(&b);
}

static void
expect_decode_error(const char *line, const char *want)
{
	struct event e;
	char err[256];

	err[0] = '\0';
	if (event_decode(line, strlen(line), &e, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", line);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'\n  line: %s", err, want, line);
	/* Nothing to free after a failure, and e is left zeroed. */
	assert_int_equal(e.kind, 0);
}

#define HB_HEAD	"{\"kind\":\"heartbeat\",\"sensor\":\"s1\","
#define HB(rest) HB_HEAD "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0," \
		"\"counters\":{}" rest "}"

static void
test_event_rejects_seq_above_int64(void **state)
{
	struct event e;
	struct buf b;
	char err[256];

	(void)state;
	expect_decode_error(HB_HEAD "\"seq\":9223372036854775808,\"ts\":5,"
	    "\"backlog\":0,\"claimed\":0,\"counters\":{}}", "too big integer");
	/* The largest seq is fine. */
	make_heartbeat(&e);
	e.seq = INT64_MAX;
	buf_init(&b, EVENT_LINE_MAX + 1);
	assert_int_equal(event_encode(&e, &b, err, sizeof(err)), 0);
	assert_non_null(strstr(buf_cstr(&b), "\"seq\":9223372036854775807,"));
	/* One more cannot be written as a JSON integer: refused. */
	e.seq = (uint64_t)INT64_MAX + 1;
	buf_reset(&b);
	assert_int_equal(event_encode(&e, &b, err, sizeof(err)), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "seq: out of range 1..9223372036854775807");
	assert_int_equal(b.len, 0);
	event_clear(&e);
	buf_free(&b);
}

static void
test_event_rejects_bad_common_fields(void **state)
{
	(void)state;
	expect_decode_error(HB_HEAD "\"seq\":0,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{}}",
	    "seq: out of range 1..9223372036854775807");
	expect_decode_error(HB_HEAD "\"seq\":-1,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{}}", "seq: out of range");
	expect_decode_error(HB_HEAD "\"seq\":\"1\",\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{}}", "seq: not an integer");
	expect_decode_error(HB_HEAD "\"seq\":1.0,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{}}", "seq: not an integer");
	expect_decode_error(HB_HEAD "\"seq\":1,\"ts\":-5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{}}", "ts: out of range");
	expect_decode_error(HB_HEAD "\"seq\":1,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{}}", "missing key 'ts'");
	expect_decode_error("{\"kind\":\"heartbeat\",\"sensor\":\"\","
	    "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0,\"counters\":{}}",
	    "sensor: empty");
	expect_decode_error("{\"kind\":\"heartbeat\",\"sensor\":\"../etc\","
	    "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0,\"counters\":{}}",
	    "sensor: not a sensor name");
	expect_decode_error("{\"kind\":\"heartbeat\",\"sensor\":\"a b\","
	    "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0,\"counters\":{}}",
	    "sensor: not a sensor name");
	expect_decode_error("{\"kind\":\"heartbeat\",\"sensor\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0,\"counters\":{}}",
	    "sensor: longer than 63 bytes");
	expect_decode_error("{\"kind\":\"heartbeat\",\"sensor\":7,"
	    "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0,\"counters\":{}}",
	    "sensor: not a string");
}

static void
test_event_rejects_malformed_lines(void **state)
{
	(void)state;
	expect_decode_error("", "json:");
	expect_decode_error("{", "json:");
	expect_decode_error("[1,2]", "not a JSON object");
	expect_decode_error("\"kind\"", "json:");
	expect_decode_error(HB("") " x", "json:");
	expect_decode_error(HB("") "\n\n", "newline inside the line");
	expect_decode_error("{\"kind\":\"heartbeat\",\n\"sensor\":\"s1\","
	    "\"seq\":1,\"ts\":5,\"backlog\":0,\"claimed\":0,\"counters\":{}}",
	    "newline inside the line");
	expect_decode_error("{\"sensor\":\"s1\"}", "missing key 'kind'");
	expect_decode_error("{\"kind\":\"bogus\"}",
	    "kind: unknown value 'bogus'");
	expect_decode_error("{\"kind\":3}", "kind: not a string");
	expect_decode_error(HB(",\"bogus\":1"),
	    "unknown key 'bogus' for heartbeat");
	/* A key valid for another kind is still unknown here. */
	expect_decode_error(HB(",\"conn\":1"),
	    "unknown key 'conn' for heartbeat");
	expect_decode_error(HB(",\"seq\":2"), "duplicate object key");
	/* Attacker text in an error message comes out printable. */
	expect_decode_error(HB(",\"\\u0001\\u001b[31mred\":1"),
	    "unknown key '??[31mred'");
	expect_decode_error("{\"kind\":\"heartbeat\",\"sensor\":\"\xff\"}",
	    "json:");
}

static void
test_event_accepts_one_trailing_newline(void **state)
{
	struct event e;
	const char *line = HB("") "\n";

	(void)state;
	assert_int_equal(event_decode(line, strlen(line), &e, NULL, 0), 0);
	event_clear(&e);
	/* The length given is what counts, not a NUL. */
	assert_int_equal(event_decode(line, strlen(line) - 2, &e, NULL, 0),
	    -1);
}

static void
test_event_rejects_overlong_line(void **state)
{
	struct event e;
	char *line, err[128];
	size_t n = EVENT_LINE_MAX + 2;

	(void)state;
	line = malloc(n);
	assert_non_null(line);
	memset(line, ' ', n);
	assert_int_equal(event_decode(line, n, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line longer than"));
	free(line);
}

#define CONN_HEAD "{\"kind\":\"connection\",\"sensor\":\"s1\",\"seq\":1," \
		"\"ts\":0,"

static void
test_event_connection_keys_follow_phase_and_proto(void **state)
{
	(void)state;
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\",\"reason\":\"fin\"}",
	    "key 'reason' is only allowed with phase end");
	expect_decode_error(CONN_HEAD "\"phase\":\"end\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\",\"pkts_in\":1,\"pkts_out\":1,\"bytes_in\":1,"
	    "\"bytes_out\":1}", "missing key 'reason'");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\",\"flags\":\"S\"}",
	    "key 'flags' is only allowed with proto tcp");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\"}", "missing key 'flags'");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\",\"flags\":\"SF\"}",
	    "flags: not TCP flags in the order FSRPAUEC");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\",\"flags\":\"SS\"}", "flags: not TCP flags");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"icmp\",\"src\":\"2001:db8::1\",\"sport\":8,"
	    "\"dst\":\"2001:db8::2\",\"dport\":0,\"template\":\"\","
	    "\"service\":\"\"}", "icmp needs IPv4");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"icmp\",\"src\":\"10.0.0.1\",\"sport\":300,"
	    "\"dst\":\"10.0.0.2\",\"dport\":0,\"template\":\"\","
	    "\"service\":\"\"}", "ICMP type and code");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"2001:db8::2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\"}", "src and dst differ in family");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":70000,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\"}", "sport: out of range 0..65535");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.256\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\"}", "src: not an IP address");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":0,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\"}", "conn: out of range 1..");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"sctp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"\","
	    "\"service\":\"\"}", "proto: unknown value 'sctp'");
	expect_decode_error(CONN_HEAD "\"phase\":\"start\",\"conn\":1,"
	    "\"proto\":\"udp\",\"src\":\"10.0.0.1\",\"sport\":1,"
	    "\"dst\":\"10.0.0.2\",\"dport\":2,\"template\":\"a b\","
	    "\"service\":\"\"}", "template: bad character");
}

#define PL(data) "{\"kind\":\"payload\",\"sensor\":\"s1\",\"seq\":1," \
		"\"ts\":0,\"conn\":1,\"dir\":\"in\",\"offset\":0,\"data\":" \
		data "}"

static void
test_event_payload_base64_is_strict(void **state)
{
	struct event e;

	(void)state;
	decode(PL("\"QQ==\""), &e);
	assert_int_equal(e.u.payload.len, 1);
	assert_int_equal(e.u.payload.data[0], 'A');
	event_clear(&e);
	decode(PL("\"QUI=\""), &e);
	assert_int_equal(e.u.payload.len, 2);
	event_clear(&e);
	decode(PL("\"+/+/\""), &e);
	assert_int_equal(e.u.payload.len, 3);
	assert_int_equal(e.u.payload.data[0], 0xfb);
	event_clear(&e);

	expect_decode_error(PL("\"QR==\""), "data: not canonical base64");
	expect_decode_error(PL("\"QUJ=\""), "data: not canonical base64");
	expect_decode_error(PL("\"QQ\""), "data: not canonical base64");
	expect_decode_error(PL("\"QQ=\""), "data: not canonical base64");
	expect_decode_error(PL("\"Q===\""), "data: not canonical base64");
	expect_decode_error(PL("\"QQ==QQ==\""), "data: not canonical base64");
	expect_decode_error(PL("\"QUJD RA==\""), "data: not canonical base64");
	expect_decode_error(PL("\"QUJD\\nRA==\""),
	    "data: not canonical base64");
	expect_decode_error(PL("\"QU-_\""), "data: not canonical base64");
	expect_decode_error(PL("\"\""), "data: empty");
	expect_decode_error(PL("7"), "data: not a string");
	expect_decode_error("{\"kind\":\"payload\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"conn\":1,\"dir\":\"sideways\",\"offset\":0,"
	    "\"data\":\"QQ==\"}", "dir: unknown value 'sideways'");
}

static void
test_event_payload_roundtrips_every_length(void **state)
{
	static uint8_t data[EVENT_PAYLOAD_MAX + 1];
	static const size_t more[] = { 1000, 4095, 4096, 4097, 65534, 65535 };
	struct event e, d;
	struct buf b;
	size_t i, len, n;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	buf_init(&b, EVENT_LINE_MAX + 1);
	for (len = 1; len <= 300 + sizeof(more) / sizeof(more[0]); len++) {
		make_payload(&e);
		n = len <= 300 ? len : more[len - 301];
		assert_int_equal(event_set_data(&e, data, n), 0);
		decode(encode(&e, &b), &d);
		assert_int_equal(d.u.payload.len, n);
		assert_true(event_equal(&e, &d));
		event_clear(&e);
		event_clear(&d);
	}
	/* Exactly the maximum. */
	make_payload(&e);
	assert_int_equal(event_set_data(&e, data, EVENT_PAYLOAD_MAX), 0);
	decode(encode(&e, &b), &d);
	assert_true(event_equal(&e, &d));
	event_clear(&d);
	/* One more byte is refused by the builder and by the decoder. */
	assert_int_equal(event_set_data(&e, data, EVENT_PAYLOAD_MAX + 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(e.u.payload.len, EVENT_PAYLOAD_MAX);
	event_clear(&e);
	buf_free(&b);
	{
		/* 65537 bytes of base64 ("AAAA" * 21845 + "AAA="). */
		struct buf l;
		size_t k;

		buf_init(&l, EVENT_LINE_MAX + 1);
		assert_int_equal(buf_addstr(&l, "{\"kind\":\"payload\","
		    "\"sensor\":\"s1\",\"seq\":1,\"ts\":0,\"conn\":1,"
		    "\"dir\":\"in\",\"offset\":0,\"data\":\""), 0);
		for (k = 0; k < 21845; k++)
			assert_int_equal(buf_addstr(&l, "AAAA"), 0);
		assert_int_equal(buf_addstr(&l, "AAA=\"}"), 0);
		expect_decode_error(buf_cstr(&l), "data: more than 65536 bytes");
		buf_free(&l);
	}
}

#define SV(fields) "{\"kind\":\"service\",\"sensor\":\"s1\",\"seq\":1," \
		"\"ts\":0,\"conn\":1,\"service\":\"http\",\"type\":\"request\"," \
		"\"fields\":" fields "}"

/* The encoder writes JSON itself; its bytes must stay jansson's compact
 * form for every character class a value can hold, so decode -> encode
 * is stable whichever side produced a line. */
static void
test_event_encoder_writes_what_jansson_writes(void **state)
{
	static const char *values[] = {
		"plain", "", "quote\" back\\slash /slash",
		"\x01\x02\x07\b\t\n\x0b\f\r\x1b\x1f end", "del \x7f",
		"utf8 \xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80",
	};
	struct event e;
	struct buf b;
	json_t *root;
	json_error_t jerr;
	char *dump, key[8];
	size_t i;

	(void)state;
	event_init(&e, EVENT_SERVICE);
	strlcpy(e.sensor, "s1", sizeof(e.sensor));
	e.seq = 9;
	e.ts = 1700000000123456;
	e.u.service.conn = 3;
	strlcpy(e.u.service.service, "telnet", sizeof(e.u.service.service));
	strlcpy(e.u.service.type, "command", sizeof(e.u.service.type));
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(event_add_field(&e, key, values[i],
		    strlen(values[i])), 0);
	}
	buf_init(&b, EVENT_LINE_MAX + 1);
	encode(&e, &b);
	root = json_loadb((const char *)b.data, b.len, 0, &jerr);
	assert_non_null(root);
	dump = json_dumps(root, JSON_COMPACT);
	assert_non_null(dump);
	b.data[--b.len] = '\0';		/* the newline */
	assert_string_equal(dump, (const char *)b.data);
	free(dump);
	json_decref(root);
	buf_free(&b);
	event_clear(&e);
}

static void
test_event_service_fields_keep_order_and_limits(void **state)
{
	struct event e;
	struct buf b;
	char key[8], *line;
	size_t i;

	(void)state;
	decode(SV("{\"z\":\"1\",\"a\":\"2\",\"m\":\"\"}"), &e);
	assert_int_equal(e.u.service.nfields, 3);
	assert_string_equal(e.u.service.fields[0].key, "z");
	assert_string_equal(e.u.service.fields[1].key, "a");
	assert_string_equal(e.u.service.fields[2].value, "");
	buf_init(&b, EVENT_LINE_MAX + 1);
	assert_non_null(strstr(encode(&e, &b),
	    "\"fields\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"\"}}"));
	event_clear(&e);

	expect_decode_error(SV("[]"), "fields: not an object");
	expect_decode_error(SV("{\"a\":1}"), "fields: value of 'a' not a string");
	expect_decode_error(SV("{\"a b\":\"1\"}"), "fields: bad character");
	expect_decode_error(SV("{\"\":\"1\"}"), "fields: empty");
	expect_decode_error(SV("{\"a\":\"1\",\"a\":\"2\"}"),
	    "duplicate object key");
	expect_decode_error("{\"kind\":\"service\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"conn\":1,\"service\":\"http\",\"type\":\"\","
	    "\"fields\":{}}", "type: empty");

	/* 33 fields is one too many. */
	buf_reset(&b);
	assert_int_equal(buf_addstr(&b, "{"), 0);
	for (i = 0; i < EVENT_FIELDS_MAX + 1; i++)
		assert_int_equal(buf_printf(&b, "%s\"k%zu\":\"v\"",
		    i ? "," : "", i), 0);
	assert_int_equal(buf_addstr(&b, "}"), 0);
	assert_true(asprintf(&line, SV("%s"), buf_cstr(&b)) > 0);
	expect_decode_error(line, "fields: more than 32 fields");
	free(line);

	/* A value one byte over the limit. */
	buf_reset(&b);
	assert_int_equal(buf_addstr(&b, "{\"k\":\""), 0);
	for (i = 0; i < EVENT_VALUE_MAX + 1; i++)
		assert_int_equal(buf_addc(&b, 'v'), 0);
	assert_int_equal(buf_addstr(&b, "\"}"), 0);
	assert_true(asprintf(&line, SV("%s"), buf_cstr(&b)) > 0);
	expect_decode_error(line, "fields: value longer than 1024 bytes");
	free(line);
	buf_free(&b);

	/* The builder keeps the same limits. */
	event_init(&e, EVENT_SERVICE);
	for (i = 0; i < EVENT_FIELDS_MAX; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(event_add_field(&e, key, "v", 1), 0);
	}
	assert_int_equal(event_add_field(&e, "more", "v", 1), -1);
	assert_int_equal(errno, EINVAL);
	event_clear(&e);
	event_init(&e, EVENT_SERVICE);
	assert_int_equal(event_add_field(&e, "k", "v", 1), 0);
	assert_int_equal(event_add_field(&e, "k", "w", 1), -1);
	assert_int_equal(event_add_field(&e, "a b", "w", 1), -1);
	assert_int_equal(event_add_field(&e, "", "w", 1), -1);
	event_clear(&e);
	event_init(&e, EVENT_HEARTBEAT);
	assert_int_equal(event_add_field(&e, "k", "v", 1), -1);
	event_clear(&e);
}

static void
test_event_field_values_are_made_valid_utf8(void **state)
{
	static const char raw[] = "ro\0ot\xff\xc3\xa9\xed\xa0\x80\xc0\xaf!";
	static char big[EVENT_VALUE_MAX + 8];
	struct event e, d;
	struct buf b;

	(void)state;
	event_init(&e, EVENT_SERVICE);
	e.u.service.conn = 1;
	strlcpy(e.sensor, "s1", sizeof(e.sensor));
	e.seq = 1;
	strlcpy(e.u.service.service, "ftp", sizeof(e.u.service.service));
	strlcpy(e.u.service.type, "login", sizeof(e.u.service.type));
	/* NUL, a stray byte, a surrogate and an overlong become U+FFFD. */
	assert_int_equal(event_add_field(&e, "user", raw, sizeof(raw) - 1), 0);
	assert_string_equal(e.u.service.fields[0].value,
	    "ro\xef\xbf\xbdot\xef\xbf\xbd\xc3\xa9"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd!");
	/* Cut at the limit, never inside a character. */
	memset(big, 'a', EVENT_VALUE_MAX - 1);
	memcpy(big + EVENT_VALUE_MAX - 1, "\xc3\xa9zz", 4);
	assert_int_equal(event_add_field(&e, "pass", big,
	    EVENT_VALUE_MAX + 3), 0);
	assert_int_equal(strlen(e.u.service.fields[1].value),
	    EVENT_VALUE_MAX - 1);
	buf_init(&b, EVENT_LINE_MAX + 1);
	decode(encode(&e, &b), &d);
	assert_true(event_equal(&e, &d));
	event_clear(&d);
	event_clear(&e);
	buf_free(&b);
}

static void
test_event_checks_upload_claim_and_alert_fields(void **state)
{
	(void)state;
	expect_decode_error("{\"kind\":\"upload\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"conn\":9,\"name\":\"x\",\"size\":1,\"sha256\":"
	    "\"E410e110978429a2a4e5685c53907f9b0792dfe4b72e3513bd276b739854025c\"}",
	    "sha256: not 64 lowercase hex digits");
	expect_decode_error("{\"kind\":\"upload\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"conn\":9,\"name\":\"x\",\"size\":1,\"sha256\":"
	    "\"e410e1\"}", "sha256: not 64 lowercase hex digits");
	expect_decode_error("{\"kind\":\"claim\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"action\":\"claim\",\"addr\":\"10.0.0.1\","
	    "\"mac\":\"02:00:5E:10:00:01\",\"iface\":\"eth0\",\"reason\":\"\"}",
	    "mac: not a MAC address");
	expect_decode_error("{\"kind\":\"claim\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"action\":\"claim\",\"addr\":\"10.0.0.1\","
	    "\"mac\":\"02-00-5e-10-00-01\",\"iface\":\"eth0\",\"reason\":\"\"}",
	    "mac: not a MAC address");
	expect_decode_error("{\"kind\":\"claim\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"action\":\"claim\",\"addr\":\"10.0.0.1\","
	    "\"mac\":\"02:00:5e:10:00:01\",\"iface\":\"eth/0\",\"reason\":\"\"}",
	    "iface: bad character");
	expect_decode_error("{\"kind\":\"claim\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"action\":\"claim\",\"addr\":\"10.0.0.1\","
	    "\"mac\":\"02:00:5e:10:00:01\",\"iface\":\"a-very-long-name0\","
	    "\"reason\":\"\"}", "iface: longer than 15 bytes");
	expect_decode_error("{\"kind\":\"claim\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"action\":\"grab\",\"addr\":\"10.0.0.1\","
	    "\"mac\":\"02:00:5e:10:00:01\",\"iface\":\"eth0\",\"reason\":\"\"}",
	    "action: unknown value 'grab'");
	expect_decode_error("{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"sid\":1,\"rev\":0,\"priority\":1,\"classtype\":\"\","
	    "\"msg\":\"m\",\"src\":\"10.0.0.1\"}",
	    "key 'src' is only allowed together with proto, src, sport, dst "
	    "and dport");
	expect_decode_error("{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"sid\":1,\"rev\":0,\"priority\":1,\"classtype\":\"\","
	    "\"msg\":\"m\",\"proto\":\"tcp\",\"src\":\"10.0.0.1\","
	    "\"dst\":\"10.0.0.2\",\"dport\":2}", "missing key 'sport'");
	expect_decode_error("{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"sid\":0,\"rev\":0,\"priority\":1,\"classtype\":\"\","
	    "\"msg\":\"m\"}", "sid: out of range 1..4294967295");
	expect_decode_error("{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"sid\":1,\"rev\":0,\"priority\":256,\"classtype\":\"\","
	    "\"msg\":\"m\"}", "priority: out of range 1..255");
	expect_decode_error("{\"kind\":\"alert\",\"sensor\":\"s1\",\"seq\":1,"
	    "\"ts\":0,\"sid\":1,\"rev\":0,\"priority\":1,\"classtype\":\"\","
	    "\"msg\":\"m\",\"conn\":0}", "conn: out of range 1..");
}

static void
test_event_heartbeat_counters_are_checked(void **state)
{
	struct event e;

	(void)state;
	expect_decode_error(HB_HEAD "\"seq\":1,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{\"x\":-1}}",
	    "counters: 'x' not an integer >= 0");
	expect_decode_error(HB_HEAD "\"seq\":1,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{\"x\":\"1\"}}",
	    "counters: 'x' not an integer >= 0");
	expect_decode_error(HB_HEAD "\"seq\":1,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":{\"a b\":1}}", "counters: bad character");
	expect_decode_error(HB_HEAD "\"seq\":1,\"ts\":5,\"backlog\":0,"
	    "\"claimed\":0,\"counters\":[]}", "counters: not an object");
	event_init(&e, EVENT_HEARTBEAT);
	assert_int_equal(event_add_counter(&e, "x", (uint64_t)INT64_MAX + 1),
	    -1);
	assert_int_equal(event_add_counter(&e, "x", 1), 0);
	assert_int_equal(event_add_counter(&e, "x", 2), -1);
	event_clear(&e);
}

static void
expect_encode_error(const struct event *e, const char *want)
{
	struct buf b;
	char err[256];

	buf_init(&b, EVENT_LINE_MAX + 1);
	assert_int_equal(buf_addstr(&b, "keep"), 0);
	err[0] = '\0';
	if (event_encode(e, &b, err, sizeof(err)) != -1)
		fail_msg("encoded an invalid event: %s", buf_cstr(&b));
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_string_equal(buf_cstr(&b), "keep");
	buf_free(&b);
}

static void
test_event_encode_refuses_invalid_events(void **state)
{
	struct event e;

	(void)state;
	event_init(&e, 0);
	expect_encode_error(&e, "kind: unknown value 0");
	event_init(&e, 99);
	expect_encode_error(&e, "kind: unknown value 99");

	make_connection_start(&e);
	e.u.connection.pkts_in = 5;
	expect_encode_error(&e, "key 'pkts_in' is only allowed with phase end");
	make_connection_start(&e);
	e.u.connection.flags = 0x02;
	expect_encode_error(&e, "key 'flags' is only allowed with proto tcp");
	make_connection_start(&e);
	e.u.connection.t.dst.af = 0;
	expect_encode_error(&e, "dst: not an address");
	make_connection_end(&e);
	e.u.connection.reason = 0;
	expect_encode_error(&e, "reason: unknown value 0");

	make_upload(&e);
	strlcpy(e.u.upload.name, "bad\xff", sizeof(e.u.upload.name));
	expect_encode_error(&e, "name: not UTF-8");
	make_upload(&e);
	memset(e.sensor, 'a', sizeof(e.sensor));
	expect_encode_error(&e, "sensor: not terminated");
	make_upload(&e);
	e.ts = -1;
	expect_encode_error(&e, "ts: out of range");

	make_alert_bare(&e);
	set_addr(&e.u.alert.t.src, "10.0.0.1");
	expect_encode_error(&e, "key 'src' is only allowed together with");

	event_init(&e, EVENT_PAYLOAD);
	strlcpy(e.sensor, "s1", sizeof(e.sensor));
	e.seq = 1;
	e.u.payload.conn = 1;
	e.u.payload.dir = EVENT_OUT;
	expect_encode_error(&e, "data: empty");
}

static void
test_event_encode_leaves_a_full_buffer_unchanged(void **state)
{
	struct event e;
	struct buf b;
	char err[128];

	(void)state;
	make_heartbeat(&e);
	buf_init(&b, 40);
	assert_int_equal(buf_addstr(&b, "prefix"), 0);
	assert_int_equal(event_encode(&e, &b, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(b.len, 6);
	assert_string_equal(buf_cstr(&b), "prefix");
	event_clear(&e);
	buf_free(&b);
}

static void
test_event_appends_lines_as_ndjson(void **state)
{
	struct event e, d;
	struct buf b;
	const char *p, *nl;
	size_t i, n = 0;

	(void)state;
	buf_init(&b, 1 << 20);
	for (i = 0; i < NGOLDEN; i++) {
		goldens[i].make(&e);
		assert_int_equal(event_encode(&e, &b, NULL, 0), 0);
		event_clear(&e);
	}
	for (p = buf_cstr(&b); (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		assert_int_equal(event_decode(p, (size_t)(nl - p + 1), &d,
		    NULL, 0), 0);
		goldens[n++].make(&e);
		assert_true(event_equal(&e, &d));
		event_clear(&e);
		event_clear(&d);
	}
	assert_int_equal(n, NGOLDEN);
	assert_string_equal(p, "");
	buf_free(&b);
}

static void
test_event_kind_names(void **state)
{
	(void)state;
	assert_string_equal(event_kind_name(EVENT_CONNECTION), "connection");
	assert_string_equal(event_kind_name(EVENT_HEARTBEAT), "heartbeat");
	assert_null(event_kind_name(0));
	assert_null(event_kind_name(8));
	assert_null(event_kind_name(-1));
	assert_null(event_kind_name(256 + EVENT_ALERT));
}

/* IPv4 addresses are written by hand: as inet_ntop writes them, and a
 * canonical line decodes the same with or without a jansson tree. */
static void
test_event_ipv4_text_and_fast_decode(void **state)
{
	static const char *const addrs[] = { "0.0.0.0", "255.255.255.255",
	    "192.168.100.9", "10.0.10.99", "1.20.3.40" };
	struct event e, d, t;
	struct buf b;
	char want[64], err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		make_connection_end(&e);
		set_addr(&e.u.connection.t.src, addrs[i]);
		set_addr(&e.u.connection.t.dst, addrs[i]);
		buf_init(&b, EVENT_LINE_MAX + 1);
		assert_int_equal(event_encode(&e, &b, err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "\"src\":\"%s\",", addrs[i]);
		assert_non_null(memmem(b.data, b.len, want, strlen(want)));
		assert_int_equal(event_decode((char *)b.data, b.len, &d, err,
		    sizeof(err)), 0);
		assert_int_equal(event_decode_tree((char *)b.data, b.len, &t,
		    err, sizeof(err)), 0);
		assert_true(event_equal(&e, &d));
		assert_true(event_equal(&t, &d));
		event_clear(&e);
		event_clear(&d);
		event_clear(&t);
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_matches_golden_lines),
		cmocka_unit_test(test_event_encoder_writes_what_jansson_writes),
		cmocka_unit_test(test_event_roundtrip_every_kind),
		cmocka_unit_test(test_event_equal_notices_every_difference),
		cmocka_unit_test(test_event_rejects_seq_above_int64),
		cmocka_unit_test(test_event_rejects_bad_common_fields),
		cmocka_unit_test(test_event_rejects_malformed_lines),
		cmocka_unit_test(test_event_accepts_one_trailing_newline),
		cmocka_unit_test(test_event_rejects_overlong_line),
		cmocka_unit_test(test_event_connection_keys_follow_phase_and_proto),
		cmocka_unit_test(test_event_payload_base64_is_strict),
		cmocka_unit_test(test_event_payload_roundtrips_every_length),
		cmocka_unit_test(test_event_service_fields_keep_order_and_limits),
		cmocka_unit_test(test_event_field_values_are_made_valid_utf8),
		cmocka_unit_test(test_event_checks_upload_claim_and_alert_fields),
		cmocka_unit_test(test_event_heartbeat_counters_are_checked),
		cmocka_unit_test(test_event_encode_refuses_invalid_events),
		cmocka_unit_test(test_event_encode_leaves_a_full_buffer_unchanged),
		cmocka_unit_test(test_event_appends_lines_as_ndjson),
		cmocka_unit_test(test_event_kind_names),
		cmocka_unit_test(test_event_ipv4_text_and_fast_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
