/*
 * The dns service through the stack: queries recorded and REFUSED (no
 * recursion, ever), version.bind answered by BIND flavours, malformed
 * queries FORMERR, responses never answered.  Query bytes are what
 * python3-scapy's DNS layer (and dig) send.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create linux\n"
	"set linux personality \"Linux 2.6.32\"\n"
	"add linux udp port 53 internal \"dns\"\n"
	"create win\n"
	"set win personality \"Microsoft Windows Server 2003\"\n"
	"add win udp port 53 internal \"dns\"\n"
	"bind 10.0.0.50 linux\n"
	"bind 10.0.0.51 win\n";

#define LINUX	"10.0.0.50"
#define WIN	"10.0.0.51"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* dig @VH www.example.com A (without EDNS) */
static const uint8_t q_a[] = {
	0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01
};

/* dig @VH version.bind CH TXT +norec */
static const uint8_t q_version[] = {
	0x11, 0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x07, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x04, 'b', 'i', 'n',
	'd', 0x00, 0x00, 0x10, 0x00, 0x03
};

static void
test_dns_query_is_recorded_and_refused(void **state)
{
	struct harness *h = *state;
	uint8_t out[512];
	const struct event *e;
	size_t n;

	n = s_udp(h, LINUX, 5353, 53, q_a, sizeof(q_a), out, sizeof(out));
	assert_int_equal(n, sizeof(q_a));
	/* QR, RD copied, RA clear (no recursion here), REFUSED. */
	assert_memory_equal(out, "\xbe\xef\x81\x05\x00\x01\x00\x00\x00\x00"
	    "\x00\x00", 12);
	assert_memory_equal(out + 12, q_a + 12, sizeof(q_a) - 12);
	e = s_svc_ev(h, "query", 0);
	assert_string_equal(e->u.service.service, "dns");
	assert_field(e, "id", "48879");
	assert_field(e, "qname", "www.example.com");
	assert_field(e, "qtype", "A");
	assert_field(e, "qclass", "IN");
	assert_field(e, "rd", "1");
	assert_field(e, "rcode", "5");
}

static void
test_dns_bind_flavour_tells_its_version(void **state)
{
	struct harness *h = *state;
	static const char ver[] = "9.8.4-rpz2+rl005.12-P1";
	uint8_t out[512];
	size_t n;

	n = s_udp(h, LINUX, 5354, 53, q_version, sizeof(q_version), out,
	    sizeof(out));
	assert_int_equal(n, sizeof(q_version) + 13 + strlen(ver));
	assert_memory_equal(out, "\x11\x11\x84\x00\x00\x01\x00\x01\x00\x00"
	    "\x00\x00", 12);
	assert_memory_equal(out + sizeof(q_version),
	    "\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00\x17\x16", 13);
	assert_memory_equal(out + sizeof(q_version) + 13, ver, strlen(ver));
	assert_field(s_svc_ev(h, "query", 0), "qclass", "CH");
	assert_field(s_svc_ev(h, "query", 0), "qtype", "TXT");
}

static void
test_dns_windows_does_not_tell_a_version(void **state)
{
	struct harness *h = *state;
	uint8_t out[512];
	size_t n;

	n = s_udp(h, WIN, 5355, 53, q_version, sizeof(q_version), out,
	    sizeof(out));
	assert_int_equal(n, sizeof(q_version));
	assert_int_equal(out[3], 5);
}

static void
test_dns_truncated_question_is_formerr(void **state)
{
	struct harness *h = *state;
	uint8_t out[512];
	size_t n;

	n = s_udp(h, LINUX, 5356, 53, q_a, 20, out, sizeof(out));
	assert_int_equal(n, 12);
	assert_int_equal(out[3], 1);
	assert_memory_equal(out + 4, "\x00\x00", 2);
	assert_field(s_svc_ev(h, "query", 0), "rcode", "1");
	assert_field(s_svc_ev(h, "query", 0), "qdcount", "1");
}

static void
test_dns_responses_and_runts_are_not_answered(void **state)
{
	struct harness *h = *state;
	uint8_t out[512], resp[sizeof(q_a)];

	memcpy(resp, q_a, sizeof(resp));
	resp[2] |= 0x80;
	assert_int_equal(s_udp(h, LINUX, 5357, 53, resp, sizeof(resp), out,
	    sizeof(out)), 0);
	assert_int_equal(s_udp(h, LINUX, 5357, 53, q_a, 11, out,
	    sizeof(out)), 0);
	assert_int_equal(s_count_svc(h, NULL), 0);
}

static void
test_dns_update_is_notimp(void **state)
{
	struct harness *h = *state;
	uint8_t out[512], q[sizeof(q_a)];

	memcpy(q, q_a, sizeof(q));
	q[2] = 0x28;		/* opcode 5, UPDATE */
	assert_int_equal(s_udp(h, LINUX, 5358, 53, q, sizeof(q), out,
	    sizeof(out)), sizeof(q));
	assert_memory_equal(out + 2, "\xa8\x04", 2);
	assert_field(s_svc_ev(h, "query", 0), "opcode", "5");
}

static void
test_dns_odd_labels_are_escaped(void **state)
{
	struct harness *h = *state;
	static const uint8_t q[] = {
		0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'a', '.', 0x00, 2, 'e', '\\', 0, 0, 99, 0, 1
	};
	uint8_t out[512];

	assert_int_equal(s_udp(h, LINUX, 5359, 53, q, sizeof(q), out,
	    sizeof(out)), sizeof(q));
	assert_field(s_svc_ev(h, "query", 0), "qname",
	    "a\\046\\000.e\\092");
	assert_field(s_svc_ev(h, "query", 0), "qtype", "99");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_dns_query_is_recorded_and_refused),
		T(test_dns_bind_flavour_tells_its_version),
		T(test_dns_windows_does_not_tell_a_version),
		T(test_dns_truncated_question_is_formerr),
		T(test_dns_responses_and_runts_are_not_answered),
		T(test_dns_update_is_notimp),
		T(test_dns_odd_labels_are_escaped),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
