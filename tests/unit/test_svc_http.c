/*
 * The http and http-proxy services through the stack: answers in the
 * template's flavour, the request facts in service events, bodies as
 * uploads, pipelining, and proxy requests recorded and never forwarded.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create linux\n"
	"set linux personality \"Linux 2.6.32\"\n"
	"add linux tcp port 80 internal \"http\"\n"
	"add linux tcp port 3128 internal \"http-proxy\"\n"
	"create win2k\n"
	"set win2k personality \"Microsoft Windows 2000 SP4\"\n"
	"add win2k tcp port 80 internal \"http\"\n"
	"create win2k3\n"
	"set win2k3 personality \"Microsoft Windows Server 2003 SP1\"\n"
	"add win2k3 tcp port 80 internal \"http\"\n"
	"bind 10.0.0.50 linux\n"
	"bind 10.0.0.51 win2k\n"
	"bind 10.0.0.52 win2k3\n";

#define LINUX	"10.0.0.50"
#define WIN2K	"10.0.0.51"
#define WIN2K3	"10.0.0.52"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The status line, then Apache's Date (an IMF-fixdate: "Date: Sun, 06
 * Nov 1994 08:49:37 GMT", RFC 9110 §5.6.7), then its Server header. */
static int
starts_apache(const char *s, const char *status)
{
	struct tm tm;
	const char *p, *end;

	if (!starts(s, status) || !starts(s + strlen(status), "Date: "))
		return 0;
	p = s + strlen(status) + 6;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(p, "%a, %d %b %Y %H:%M:%S GMT\r\n", &tm)) == NULL ||
	    end - p != 31 || tm.tm_year < 120)
		return 0;
	return starts(end, "Server: Apache/2.2.22 (Debian)\r\n");
}

/* curl 7.88's request, byte for byte. */
static const char curl_get[] =
	"GET / HTTP/1.1\r\n"
	"Host: 10.0.0.50\r\n"
	"User-Agent: curl/7.88.1\r\n"
	"Accept: */*\r\n"
	"\r\n";

static void
test_http_get_index_on_linux_is_apache(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;
	const char *t;

	s_open(h, &c, LINUX, 40000, 80);
	assert_int_equal(c.ngot, 0);	/* HTTP servers wait */
	s_sends(h, &c, curl_get);
	t = s_text(&c);
	assert_true(starts_apache(t, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(t, "\r\n\r\n<html><head><title>It works!"));
	assert_non_null(strstr(t, "Connection: Keep-Alive\r\n"));
	assert_int_equal(c.fin, 0);	/* HTTP/1.1 keeps the connection */
	e = s_svc_ev(h, "request", 0);
	assert_string_equal(e->u.service.service, "http");
	assert_field(e, "method", "GET");
	assert_field(e, "uri", "/");
	assert_field(e, "version", "HTTP/1.1");
	assert_field(e, "host", "10.0.0.50");
	assert_field(e, "user_agent", "curl/7.88.1");
	assert_field(e, "headers", "3");
	assert_field(e, "status", "200");
	assert_int_equal(h_count_ev(h, EVENT_UPLOAD), 0);
}

static void
test_http_content_length_matches_body(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const char *t, *cl, *sep;

	s_open(h, &c, LINUX, 40001, 80);
	s_sends(h, &c, "GET /nothing HTTP/1.0\r\n\r\n");
	t = s_text(&c);
	assert_true(starts(t, "HTTP/1.1 404 Not Found\r\n"));
	assert_non_null(cl = strstr(t, "Content-Length: "));
	assert_non_null(sep = strstr(t, "\r\n\r\n"));
	assert_int_equal(strtoul(cl + 16, NULL, 10), strlen(sep + 4));
	/* HTTP/1.0 without keep-alive: the server closes. */
	assert_int_equal(c.fin, 1);
	assert_non_null(strstr(t, "Connection: close\r\n"));
}

static void
test_http_windows_2000_is_iis5(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const char *t;

	s_open(h, &c, WIN2K, 40002, 80);
	s_sends(h, &c, "GET /scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir "
	    "HTTP/1.0\r\n\r\n");
	t = s_text(&c);
	assert_true(starts(t, "HTTP/1.1 404 Not Found\r\n"
	    "Server: Microsoft-IIS/5.0\r\n"
	    "Date: "));	/* IIS puts its Date after Server */
	assert_non_null(strstr(t, " GMT\r\n"));
	assert_non_null(strstr(t, "The page cannot be found"));
	assert_field(s_svc_ev(h, "request", 0), "uri",
	    "/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir");
}

static void
test_http_windows_2003_is_iis6(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, WIN2K3, 40003, 80);
	s_sends(h, &c, "HEAD / HTTP/1.0\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 200 OK\r\n"
	    "Server: Microsoft-IIS/6.0\r\n"));
	/* HEAD: the head only. */
	assert_int_equal(strlen(strstr(s_text(&c), "\r\n\r\n")), 4);
}

static void
test_http_pipelined_requests_answered_in_order(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const char *t, *second;

	s_open(h, &c, LINUX, 40004, 80);
	s_sends(h, &c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /missing HTTP/1.1\r\nHost: b\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n");
	t = s_text(&c);
	assert_true(starts(t, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(second = strstr(t + 1, "HTTP/1.1 404 Not Found"));
	assert_non_null(strstr(second, "HTTP/1.1 200 OK"));
	assert_int_equal(c.fin, 1);
	assert_int_equal(s_count_svc(h, "request"), 3);
	assert_field(s_svc_ev(h, "request", 1), "host", "b");
	assert_field(s_svc_ev(h, "request", 2), "host", "c");
}

static void
test_http_request_split_across_segments(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LINUX, 40005, 80);
	s_sends(h, &c, "GE");
	s_sends(h, &c, "T / HTTP/1.1\r\nHo");
	assert_int_equal(c.ngot, 0);
	s_sends(h, &c, "st: x\r\n\r");
	assert_int_equal(c.ngot, 0);
	s_sends(h, &c, "\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 200 OK\r\n"));
}

static void
test_http_post_body_is_an_upload(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	s_open(h, &c, LINUX, 40006, 80);
	s_sends(h, &c, "POST /cgi-bin/php HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 11\r\n\r\nhello");
	assert_int_equal(c.ngot, 0);	/* the body is not complete */
	s_sends(h, &c, " world");
	assert_true(starts(s_text(&c), "HTTP/1.1 404 Not Found\r\n"));
	e = s_svc_ev(h, "request", 0);
	assert_field(e, "method", "POST");
	assert_field(e, "content_length", "11");
	assert_field(e, "content_type", "application/x-www-form-urlencoded");
	s_assert_upload(h, "hello world", 11);
	e = h_find_ev(h, EVENT_UPLOAD, 0);
	assert_string_equal(e->u.upload.name, "/cgi-bin/php");
	/* Known bytes, known digest. */
	assert_int_equal(e->u.upload.sha256[0], 0xb9);
	assert_int_equal(e->u.upload.sha256[31], 0xe9);
	/* The connection goes on. */
	s_reset_got(&c);
	s_sends(h, &c, "GET / HTTP/1.1\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 200 OK\r\n"));
}

static void
test_http_put_is_refused_but_kept(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, WIN2K, 40007, 80);
	s_sends(h, &c, "PUT /x.asp HTTP/1.1\r\nHost: x\r\nContent-Length: 4"
	    "\r\n\r\n<%%>");
	assert_true(starts(s_text(&c), "HTTP/1.1 405 Method Not Allowed\r\n"));
	s_assert_upload(h, "<%%>", 4);
}

static void
test_http_connect_is_granted_and_never_forwarded(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;
	size_t i;

	s_open(h, &c, LINUX, 40008, 3128);
	s_sends(h, &c, "CONNECT mx.example.com:25 HTTP/1.0\r\n\r\n");
	assert_string_equal(s_text(&c),
	    "HTTP/1.0 200 Connection established\r\n\r\n");
	e = s_svc_ev(h, "proxy", 0);
	assert_string_equal(e->u.service.service, "http-proxy");
	assert_field(e, "method", "CONNECT");
	assert_field(e, "target_host", "mx.example.com");
	assert_field(e, "target_port", "25");
	/* The tunnel's bytes are recorded, and nothing answers them. */
	s_reset_got(&c);
	h_clear_out(h);
	h_tcp(h, c.dst, c.sport, c.dport, TH_ACK | TH_PUSH, c.snd, c.rcv,
	    "HELO spam\r\n", 11, 0);
	for (i = 0; i < h->nout; i++) {
		assert_int_equal(h->out[i].p.payload_len, 0);
		assert_memory_equal(h->out[i].p.ip4.dst, "\x0a\x00\x00\x63", 4);
	}
	assert_non_null(h_find_ev(h, EVENT_PAYLOAD, 0));
}

static void
test_http_proxy_absolute_uri_gets_502(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	s_open(h, &c, LINUX, 40009, 3128);
	s_sends(h, &c, "GET http://user@www.example.org:8080/index.html "
	    "HTTP/1.1\r\nHost: www.example.org\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.0 502 Bad Gateway\r\n"
	    "Server: squid/2.5.STABLE12\r\n"));
	e = s_svc_ev(h, "proxy", 0);
	assert_field(e, "target_host", "www.example.org");
	assert_field(e, "target_port", "8080");
	assert_field(e, "uri", "http://user@www.example.org:8080/index.html");
}

static void
test_http_absolute_uri_on_a_web_server_is_recorded(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LINUX, 40010, 80);
	s_sends(h, &c, "GET http://[2001:db8::1]/ HTTP/1.0\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 200 OK\r\n"));
	assert_field(s_svc_ev(h, "proxy", 0), "target_host", "2001:db8::1");
	assert_field(s_svc_ev(h, "proxy", 0), "target_port", "80");
}

static void
test_http_rtsp_probe_gets_400(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	/* nmap -sV's RTSPRequest probe. */
	s_open(h, &c, LINUX, 40011, 80);
	s_sends(h, &c, "OPTIONS / RTSP/1.0\r\n\r\n");
	assert_true(starts_apache(s_text(&c), "HTTP/1.1 400 Bad Request\r\n"));
	assert_int_equal(c.fin, 1);
}

static void
test_http_garbage_gets_400_and_is_recorded(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	s_open(h, &c, LINUX, 40012, 80);
	s_send(h, &c, "\x16\x03\x01\x00\x05hello\r\n\r\n", 14);
	assert_true(starts(s_text(&c), "HTTP/1.1 400 Bad Request\r\n"));
	e = s_svc_ev(h, "request", 0);
	assert_field(e, "error", "bad request line");
	assert_int_equal(c.fin, 1);
}

static void
test_http_oversized_head_gets_400(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	char big[1000];
	int i;

	memset(big, 'A', sizeof(big));
	s_open(h, &c, LINUX, 40013, 80);
	s_sends(h, &c, "GET / HTTP/1.1\r\nX-Long: ");
	for (i = 0; i < 9 && c.fin == 0; i++)
		s_send(h, &c, big, sizeof(big));
	assert_true(starts(s_text(&c), "HTTP/1.1 400 Bad Request\r\n"));
	assert_int_equal(c.fin, 1);
	assert_field(s_svc_ev(h, "request", 0), "error", "head too large");
}

static void
test_http_chunked_body_is_an_upload(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, WIN2K, 40014, 80);
	s_sends(h, &c, "POST /default.asp HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n1");
	assert_int_equal(c.ngot, 0);
	s_sends(h, &c, "0;ext=1\r\n0123456789abcdef\r\n0\r\n");
	assert_int_equal(c.ngot, 0);	/* the trailer section is open */
	s_sends(h, &c, "X-Trailer: y\r\n\r\nGET / HTTP/1.1\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(s_text(&c) + 1, "HTTP/1.1 200 OK\r\n"));
	assert_field(s_svc_ev(h, "request", 0), "transfer_encoding",
	    "chunked");
	s_assert_upload(h, "abcd0123456789abcdef", 20);
	assert_int_equal(c.fin, 0);
}

static void
test_http10_chunked_body_gets_411(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, WIN2K, 40017, 80);
	s_sends(h, &c, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n4\r\nabcd\r\n0\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 411 Length Required\r\n"));
	assert_int_equal(c.fin, 1);
}

static void
test_http_chunk_size_overflow_is_an_exploit(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	/* The Scalper worm's request, in short. */
	s_open(h, &c, LINUX, 40018, 80);
	s_sends(h, &c, "POST /x.html HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nAAAAA\r\n"
	    "FFFFFF6e\r\n\x90\x90\x90");
	assert_true(starts(s_text(&c), "HTTP/1.1 400 Bad Request\r\n"));
	assert_int_equal(c.fin, 1);
	e = s_svc_ev(h, "exploit", 0);
	assert_string_equal(e->u.service.service, "http");
	assert_field(e, "exploit", "chunked-size");
	assert_field(e, "cve", "CVE-2002-0392");
	assert_field(e, "chunk_size", "FFFFFF6e");
	assert_field(e, "uri", "/x.html");
}

static void
test_http_bad_chunk_framing_gets_400(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LINUX, 40019, 80);
	s_sends(h, &c, "PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n2\r\nabX\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 400 Bad Request\r\n"));
	assert_field(s_svc_ev(h, "request", 1), "error", "bad chunk");
	assert_int_equal(h_count_ev(h, EVENT_UPLOAD), 0);
}

static void
test_http_iis_options_shows_webdav(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, WIN2K, 40015, 80);
	s_sends(h, &c, "OPTIONS / HTTP/1.0\r\n\r\n");
	assert_true(starts(s_text(&c), "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(s_text(&c), "DAV: 1, 2\r\n"));
}

static void
test_http_service_memory_is_returned(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LINUX, 40016, 80);
	s_sends(h, &c, "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc");
	/* The peer goes away mid-body: what came is still an upload. */
	h_tcp(h, c.dst, c.sport, c.dport, TH_RST, c.snd, 0, NULL, 0, 0);
	s_assert_upload(h, "abc", 3);
	assert_int_equal(stack_counter(h->st, "service_leaks"), 0);
	assert_int_equal(stack_counter(h->st, "uploads"), 1);
	assert_int_equal(stack_counter(h->st, "service_events"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_http_get_index_on_linux_is_apache),
		T(test_http_content_length_matches_body),
		T(test_http_windows_2000_is_iis5),
		T(test_http_windows_2003_is_iis6),
		T(test_http_pipelined_requests_answered_in_order),
		T(test_http_request_split_across_segments),
		T(test_http_post_body_is_an_upload),
		T(test_http_put_is_refused_but_kept),
		T(test_http_connect_is_granted_and_never_forwarded),
		T(test_http_proxy_absolute_uri_gets_502),
		T(test_http_absolute_uri_on_a_web_server_is_recorded),
		T(test_http_rtsp_probe_gets_400),
		T(test_http_garbage_gets_400_and_is_recorded),
		T(test_http_oversized_head_gets_400),
		T(test_http_chunked_body_is_an_upload),
		T(test_http10_chunked_body_gets_411),
		T(test_http_chunk_size_overflow_is_an_exploit),
		T(test_http_bad_chunk_framing_gets_400),
		T(test_http_iis_options_shows_webdav),
		T(test_http_service_memory_is_returned),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
