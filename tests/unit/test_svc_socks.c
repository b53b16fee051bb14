/*
 * socks, mydoom and bagle through the stack: SOCKS4/4a/5 requests
 * recorded with their facts and answered, nothing ever connected out,
 * worm pushes handed over as uploads.  Request bytes follow
 * socks4.protocol, socks4a.protocol, RFC 1928 and RFC 1929.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows XP Professional SP1\"\n"
	"add win tcp port 1080 internal \"socks\"\n"
	"add win tcp port 3127 internal \"mydoom\"\n"
	"add win tcp port 2745 internal \"bagle\"\n"
	"bind 10.0.0.50 win\n";

#define VH	"10.0.0.50"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* Nothing the stack sent went anywhere but back to the client. */
static void
assert_only_to_client(const struct harness *h)
{
	size_t i;

	for (i = 0; i < h->nout; i++) {
		assert_memory_equal(h->out[i].p.ip4.dst, "\x0a\x00\x00\x63", 4);
		if (h->out[i].p.layers & PKT_L_TCP)
			assert_false((h->out[i].p.tcp.flags & TH_SYN) &&
			    !(h->out[i].p.tcp.flags & TH_ACK));
	}
}

static void
test_socks4_connect_is_recorded_and_granted(void **state)
{
	struct harness *h = *state;
	static const uint8_t req[] = { 4, 1, 0, 25, 192, 0, 2, 1,
	    'b', 'o', 'b', 0 };
	static const uint8_t rep[] = { 0, 90, 0, 25, 192, 0, 2, 1 };
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 41000, 1080);
	s_send(h, &c, req, sizeof(req));
	assert_int_equal(c.ngot, sizeof(rep));
	assert_memory_equal(c.got, rep, sizeof(rep));
	e = s_svc_ev(h, "request", 0);
	assert_string_equal(e->u.service.service, "socks");
	assert_field(e, "version", "4");
	assert_field(e, "cmd", "connect");
	assert_field(e, "dst_host", "192.0.2.1");
	assert_field(e, "dst_port", "25");
	assert_field(e, "user", "bob");
	assert_field(e, "reply", "granted");
	/* The tunnel: recorded, unanswered, never forwarded. */
	s_reset_got(&c);
	h_clear_out(h);
	h_tcp(h, c.dst, c.sport, c.dport, TH_ACK | TH_PUSH, c.snd, c.rcv,
	    "EHLO x\r\n", 8, 0);
	assert_only_to_client(h);
	c.snd += 8;
	s_collect(h, &c);
	assert_int_equal(c.ngot, 0);
	assert_int_equal(s_count_svc(h, NULL), 1);
}

static void
test_socks4a_names_the_host(void **state)
{
	struct harness *h = *state;
	static const uint8_t req[] = { 4, 1, 0, 80, 0, 0, 0, 1, 0,
	    'w', 'w', 'w', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c',
	    'o', 'm', 0 };
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 41001, 1080);
	/* Split mid-name: the service waits for the NUL. */
	s_send(h, &c, req, 12);
	assert_int_equal(c.ngot, 0);
	s_send(h, &c, req + 12, sizeof(req) - 12);
	assert_int_equal(c.ngot, 8);
	assert_int_equal(c.got[1], 90);
	e = s_svc_ev(h, "request", 0);
	assert_field(e, "version", "4a");
	assert_field(e, "dst_host", "www.example.com");
	assert_field(e, "dst_port", "80");
	assert_field(e, "user", "");
}

static void
test_socks5_connect_by_name(void **state)
{
	struct harness *h = *state;
	static const uint8_t hello[] = { 5, 1, 0 };
	static const uint8_t req[] = { 5, 1, 0, 3, 11, 'e', 'x', 'a', 'm',
	    'p', 'l', 'e', '.', 'c', 'o', 'm', 0x01, 0xbb };
	static const uint8_t rep[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 41002, 1080);
	s_send(h, &c, hello, sizeof(hello));
	assert_int_equal(c.ngot, 2);
	assert_memory_equal(c.got, "\x05\x00", 2);
	s_reset_got(&c);
	s_send(h, &c, req, sizeof(req));
	assert_int_equal(c.ngot, sizeof(rep));
	assert_memory_equal(c.got, rep, sizeof(rep));
	e = s_svc_ev(h, "request", 0);
	assert_field(e, "version", "5");
	assert_field(e, "cmd", "connect");
	assert_field(e, "dst_host", "example.com");
	assert_field(e, "dst_port", "443");
	assert_null(s_field(e, "user"));
	assert_int_equal(c.fin, 0);
}

static void
test_socks5_login_is_recorded(void **state)
{
	struct harness *h = *state;
	static const uint8_t hello[] = { 5, 2, 0, 2 };
	static const uint8_t auth[] = { 1, 3, 'b', 'o', 'b', 4, 's', 'e',
	    'k', 'r' };
	uint8_t req[22] = { 5, 3, 0, 4 };
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 41003, 1080);
	s_send(h, &c, hello, sizeof(hello));
	assert_memory_equal(c.got, "\x05\x02", 2);
	s_reset_got(&c);
	s_send(h, &c, auth, sizeof(auth));
	assert_int_equal(c.ngot, 2);
	assert_memory_equal(c.got, "\x01\x00", 2);
	e = s_svc_ev(h, "login", 0);
	assert_field(e, "user", "bob");
	assert_field(e, "password", "sekr");
	/* UDP ASSOCIATE to [2001:db8::1]:53: not supported, closed. */
	req[4] = 0x20;
	req[5] = 0x01;
	req[6] = 0x0d;
	req[7] = 0xb8;
	req[19] = 1;
	req[21] = 53;
	s_reset_got(&c);
	s_send(h, &c, req, sizeof(req));
	assert_int_equal(c.ngot, 10);
	assert_int_equal(c.got[1], 7);
	assert_int_equal(c.fin, 1);
	e = s_svc_ev(h, "request", 0);
	assert_field(e, "cmd", "udp_associate");
	assert_field(e, "dst_host", "2001:db8::1");
	assert_field(e, "dst_port", "53");
	assert_field(e, "user", "bob");
	assert_field(e, "reply", "rejected");
}

static void
test_socks_port_closes_on_other_protocols(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, VH, 41004, 1080);
	s_sends(h, &c, "GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(c.ngot, 0);
	assert_int_equal(c.fin, 1);
	assert_field(s_svc_ev(h, "error", 0), "head",
	    "474554202f20485454502f312e300d0a");
}

static void
test_mydoom_socks4_is_rejected_like_mydoom_pl(void **state)
{
	struct harness *h = *state;
	static const uint8_t req[] = { 4, 1, 0, 25, 10, 11, 12, 13, 0 };
	static const uint8_t rep[] = { 0, 91, 0, 25, 10, 11, 12, 13 };
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 41005, 3127);
	s_send(h, &c, req, sizeof(req));
	assert_int_equal(c.ngot, sizeof(rep));
	assert_memory_equal(c.got, rep, sizeof(rep));
	e = s_svc_ev(h, "request", 0);
	assert_string_equal(e->u.service.service, "socks");
	assert_field(e, "version", "4");
	assert_field(e, "dst_host", "10.11.12.13");
	assert_field(e, "dst_port", "25");
	assert_field(e, "reply", "rejected");
	/* mydoom.pl reads on: a second request gets a second answer. */
	s_reset_got(&c);
	s_send(h, &c, req, sizeof(req));
	assert_int_equal(c.ngot, sizeof(rep));
	assert_int_equal(c.fin, 0);
}

static void
test_mydoom_push_is_an_upload(void **state)
{
	struct harness *h = *state;
	static const uint8_t magic[] = { 0x85, 0x13, 0x3c, 0x9e, 0xa2 };
	uint8_t exe[3000];
	const struct event *e;
	struct s_conn c;
	size_t i;

	for (i = 0; i < sizeof(exe); i++)
		exe[i] = (uint8_t)(i * 7);
	memcpy(exe, "MZ\x90\x00", 4);
	s_open(h, &c, VH, 41006, 3127);
	s_send(h, &c, magic, 3);	/* split inside the magic */
	s_send(h, &c, magic + 3, 2);
	s_send(h, &c, exe, 1400);
	s_send(h, &c, exe + 1400, 1400);
	s_send(h, &c, exe + 2800, 200);
	assert_int_equal(c.ngot, 0);	/* the backdoor says nothing */
	assert_int_equal(h_count_ev(h, EVENT_UPLOAD), 0);
	s_fin(h, &c);
	s_assert_upload(h, exe, sizeof(exe));
	assert_string_equal(h_find_ev(h, EVENT_UPLOAD, 0)->u.upload.name,
	    "mydoom");
	e = s_svc_ev(h, "upload", 0);
	assert_string_equal(e->u.service.service, "mydoom");
	assert_field(e, "size", "3000");
	assert_field(e, "kept", "3000");
	assert_field(e, "pe_offset", "0");
	assert_int_equal(stack_counter(h->st, "service_leaks"), 0);
}

static void
test_mydoom_bad_signature_is_recorded(void **state)
{
	struct harness *h = *state;
	static const uint8_t push[] = { 0x85, 1, 2, 3, 4, 'M', 'Z' };
	struct s_conn c;

	s_open(h, &c, VH, 41007, 3127);
	s_send(h, &c, push, sizeof(push));
	assert_field(s_svc_ev(h, "error", 0), "error",
	    "unknown upload signature");
	s_fin(h, &c);
	assert_int_equal(h_count_ev(h, EVENT_UPLOAD), 0);
}

static void
test_bagle_push_is_an_upload(void **state)
{
	struct harness *h = *state;
	static const uint8_t push[] = { 0x43, 0xff, 0xff, 0xff, 0x30, 0x30,
	    0x30, 0x01, 'M', 'Z', 0x90, 0, 3, 0, 0, 0 };
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 41008, 2745);
	s_send(h, &c, push, sizeof(push));
	s_fin(h, &c);
	s_assert_upload(h, push, sizeof(push));
	e = s_svc_ev(h, "upload", 0);
	assert_string_equal(e->u.service.service, "bagle");
	assert_field(e, "pe_offset", "8");
	assert_null(s_field(e, "url"));
}

static void
test_bagle_url_is_recorded(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, VH, 41009, 2745);
	s_sends(h, &c, "\x43\xff\xff\xffhttp://192.0.2.7/x.exe\r\n");
	s_fin(h, &c);
	assert_field(s_svc_ev(h, "upload", 0), "url",
	    "http://192.0.2.7/x.exe");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_socks4_connect_is_recorded_and_granted),
		T(test_socks4a_names_the_host),
		T(test_socks5_connect_by_name),
		T(test_socks5_login_is_recorded),
		T(test_socks_port_closes_on_other_protocols),
		T(test_mydoom_socks4_is_rejected_like_mydoom_pl),
		T(test_mydoom_push_is_an_upload),
		T(test_mydoom_bad_signature_is_recorded),
		T(test_bagle_push_is_an_upload),
		T(test_bagle_url_is_recorded),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
