/*
 * The snmp service through the stack.  Requests and the expected replies
 * are the bytes python3-scapy's SNMP layer builds for the same messages
 * (what snmpget/snmpgetnext send), so the BER is checked against an
 * independent encoder.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create winxp\n"
	"set winxp personality \"Microsoft Windows XP Professional SP1\"\n"
	"set winxp uptime 3600\n"
	"add winxp udp port 161 internal \"snmp\"\n"
	"create linux\n"
	"set linux personality \"Linux 2.6.32\"\n"
	"add linux udp port 161 internal \"snmp\"\n"
	"create router\n"
	"set router personality \"Cisco IOS 12.2\"\n"
	"add router udp port 161 internal \"snmp private\"\n"
	"bind 10.0.0.50 winxp\n"
	"bind 10.0.0.52 router\n"
	"bind 10.0.0.51 linux\n";

#define VH	"10.0.0.50"
#define LINUX	"10.0.0.51"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* snmpget -v1 -c public VH sysDescr.0 sysName.0 */
static const uint8_t v1_get[] = {
	0x30, 0x35, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
	0x69, 0x63, 0xa0, 0x28, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00,
	0x02, 0x01, 0x00, 0x30, 0x1c, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06,
	0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00, 0x30, 0x0c, 0x06,
	0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x05, 0x00
};

static const uint8_t v1_get_reply[] = {
	0x30, 0x81, 0xbc, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62,
	0x6c, 0x69, 0x63, 0xa2, 0x81, 0xae, 0x02, 0x02, 0x12, 0x34, 0x02,
	0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x81, 0xa1, 0x30, 0x81, 0x8b,
	0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x04,
	0x7f, 'H', 'a', 'r', 'd', 'w', 'a', 'r', 'e', ':', ' ', 'x', '8',
	'6', ' ', 'F', 'a', 'm', 'i', 'l', 'y', ' ', '6', ' ', 'M', 'o',
	'd', 'e', 'l', ' ', '8', ' ', 'S', 't', 'e', 'p', 'p', 'i', 'n',
	'g', ' ', '1', '0', ' ', 'A', 'T', '/', 'A', 'T', ' ', 'C', 'O',
	'M', 'P', 'A', 'T', 'I', 'B', 'L', 'E', ' ', '-', ' ', 'S', 'o',
	'f', 't', 'w', 'a', 'r', 'e', ':', ' ', 'W', 'i', 'n', 'd', 'o',
	'w', 's', ' ', '2', '0', '0', '0', ' ', 'V', 'e', 'r', 's', 'i',
	'o', 'n', ' ', '5', '.', '1', ' ', '(', 'B', 'u', 'i', 'l', 'd',
	' ', '2', '6', '0', '0', ' ', 'U', 'n', 'i', 'p', 'r', 'o', 'c',
	'e', 's', 's', 'o', 'r', ' ', 'F', 'r', 'e', 'e', ')', 0x30, 0x11,
	0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x04,
	0x05, 'w', 'i', 'n', 'x', 'p'
};

/* snmpgetnext -v2c -c public VH sysObjectID.0 */
static const uint8_t v2_next[] = {
	0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
	0x69, 0x63, 0xa1, 0x19, 0x02, 0x01, 0x07, 0x02, 0x01, 0x00, 0x02,
	0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01,
	0x02, 0x01, 0x01, 0x02, 0x00, 0x05, 0x00
};

/* sysUpTime.0 = 360000 (the template's 3600 s) */
static const uint8_t v2_next_reply[] = {
	0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
	0x69, 0x63, 0xa2, 0x1c, 0x02, 0x01, 0x07, 0x02, 0x01, 0x00, 0x02,
	0x01, 0x00, 0x30, 0x11, 0x30, 0x0f, 0x06, 0x08, 0x2b, 0x06, 0x01,
	0x02, 0x01, 0x01, 0x03, 0x00, 0x43, 0x03, 0x05, 0x7e, 0x40
};

/* v2c get of lanmanager's user table, which this agent lacks */
static const uint8_t v2_get_unknown[] = {
	0x30, 0x27, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
	0x69, 0x63, 0xa0, 0x1a, 0x02, 0x01, 0x08, 0x02, 0x01, 0x00, 0x02,
	0x01, 0x00, 0x30, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2b, 0x06, 0x01,
	0x04, 0x01, 0x4d, 0x01, 0x02, 0x19, 0x05, 0x00
};

/* v1 getnext past sysServices.0, and its noSuchName answer */
static const uint8_t v1_next_end[] = {
	0x30, 0x26, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
	0x69, 0x63, 0xa1, 0x19, 0x02, 0x01, 0x09, 0x02, 0x01, 0x00, 0x02,
	0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01,
	0x02, 0x01, 0x01, 0x07, 0x00, 0x05, 0x00
};
static const uint8_t v1_next_end_reply[] = {
	0x30, 0x26, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
	0x69, 0x63, 0xa2, 0x19, 0x02, 0x01, 0x09, 0x02, 0x01, 0x02, 0x02,
	0x01, 0x01, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01,
	0x02, 0x01, 0x01, 0x07, 0x00, 0x05, 0x00
};

/* v2c get sysDescr.0 with community "private" */
static const uint8_t v2_private[] = {
	0x30, 0x27, 0x02, 0x01, 0x01, 0x04, 0x07, 0x70, 0x72, 0x69, 0x76,
	0x61, 0x74, 0x65, 0xa0, 0x19, 0x02, 0x01, 0x0a, 0x02, 0x01, 0x00,
	0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06,
	0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00
};

static void
test_snmp_v1_get_answers_sysdescr_and_sysname(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	const struct event *e;
	size_t n;

	n = s_udp(h, VH, 33000, 161, v1_get, sizeof(v1_get), out,
	    sizeof(out));
	assert_int_equal(n, sizeof(v1_get_reply));
	assert_memory_equal(out, v1_get_reply, n);
	e = s_svc_ev(h, "request", 0);
	assert_string_equal(e->u.service.service, "snmp");
	assert_field(e, "version", "1");
	assert_field(e, "community", "public");
	assert_field(e, "pdu", "get");
	assert_field(e, "request_id", "4660");
	assert_field(e, "varbinds", "2");
	assert_field(e, "oids", "1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.5.0");
	assert_field(e, "reply", "response");
}

static void
test_snmp_v2c_getnext_walks_to_uptime(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	size_t n;

	n = s_udp(h, VH, 33001, 161, v2_next, sizeof(v2_next), out,
	    sizeof(out));
	assert_int_equal(n, sizeof(v2_next_reply));
	assert_memory_equal(out, v2_next_reply, n);
	assert_field(s_svc_ev(h, "request", 0), "version", "2c");
	assert_field(s_svc_ev(h, "request", 0), "pdu", "getnext");
}

static void
test_snmp_v2c_unknown_object_is_nosuchobject(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	size_t n;

	n = s_udp(h, VH, 33002, 161, v2_get_unknown, sizeof(v2_get_unknown),
	    out, sizeof(out));
	assert_int_equal(n, sizeof(v2_get_unknown));
	/* The request with a response tag and noSuchObject for NULL. */
	assert_int_equal(out[13], 0xa2);
	assert_memory_equal(out + 14, v2_get_unknown + 14, n - 16);
	assert_memory_equal(out + n - 2, "\x80\x00", 2);
}

static void
test_snmp_v1_getnext_past_the_end_is_nosuchname(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	size_t n;

	n = s_udp(h, VH, 33003, 161, v1_next_end, sizeof(v1_next_end), out,
	    sizeof(out));
	assert_int_equal(n, sizeof(v1_next_end_reply));
	assert_memory_equal(out, v1_next_end_reply, n);
}

static void
test_snmp_wrong_community_is_recorded_and_silent(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	const struct event *e;

	assert_int_equal(s_udp(h, VH, 33004, 161, v2_private,
	    sizeof(v2_private), out, sizeof(out)), 0);
	e = s_svc_ev(h, "request", 0);
	assert_field(e, "community", "private");
	assert_field(e, "reply", "none");
	/* No ICMP either: the port is open. */
	assert_int_equal(h->nout, 0);
}

static void
test_snmp_linux_sysdescr_names_the_host(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	size_t n;

	n = s_udp(h, LINUX, 33005, 161, v1_get, sizeof(v1_get), out,
	    sizeof(out));
	assert_true(n > 40);
	assert_non_null(memmem(out, n, "Linux linux 2.6.32", 18));
}

static void
test_snmp_configured_community_is_the_only_one(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];
	size_t n;

	assert_int_equal(s_udp(h, "10.0.0.52", 33009, 161, v1_get,
	    sizeof(v1_get), out, sizeof(out)), 0);
	assert_field(s_svc_ev(h, "request", 0), "community", "public");
	n = s_udp(h, "10.0.0.52", 33009, 161, v2_private, sizeof(v2_private),
	    out, sizeof(out));
	assert_true(n > 0);
	assert_non_null(memmem(out, n, "Cisco Internetwork Operating System",
	    35));
	assert_field(s_svc_ev(h, "request", 1), "reply", "response");
}

static void
test_snmp_set_is_refused(void **state)
{
	struct harness *h = *state;
	uint8_t req[sizeof(v1_get)], out[1500];
	size_t n;

	memcpy(req, v1_get, sizeof(req));
	req[13] = 0xa3;		/* SetRequest */
	n = s_udp(h, VH, 33006, 161, req, sizeof(req), out, sizeof(out));
	assert_int_equal(n, sizeof(req));
	assert_int_equal(out[13], 0xa2);
	assert_memory_equal(out + 19, "\x02\x01\x02\x02\x01\x01", 6);
	assert_field(s_svc_ev(h, "request", 0), "pdu", "set");
}

static void
test_snmp_garbage_is_recorded_and_silent(void **state)
{
	struct harness *h = *state;
	uint8_t out[1500];

	assert_int_equal(s_udp(h, VH, 33007, 161, "\x30\x84\xff\xff\xff\xff",
	    6, out, sizeof(out)), 0);
	assert_field(s_svc_ev(h, "request", 0), "error", "malformed");
	/* Truncated anywhere: never an answer, never a crash. */
	for (size_t i = 0; i < sizeof(v1_get); i++)
		assert_int_equal(s_udp(h, VH, 33008, 161, v1_get, i, out,
		    sizeof(out)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_snmp_v1_get_answers_sysdescr_and_sysname),
		T(test_snmp_v2c_getnext_walks_to_uptime),
		T(test_snmp_v2c_unknown_object_is_nosuchobject),
		T(test_snmp_v1_getnext_past_the_end_is_nosuchname),
		T(test_snmp_wrong_community_is_recorded_and_silent),
		T(test_snmp_linux_sysdescr_names_the_host),
		T(test_snmp_configured_community_is_the_only_one),
		T(test_snmp_set_is_refused),
		T(test_snmp_garbage_is_recorded_and_silent),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
