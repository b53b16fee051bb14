/*
 * dias-server's parsers: server.conf, event batches, request routes and
 * honeyd log lines.
 */
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "honeyd.h"
#include "ingest.h"
#include "route.h"
#include "server_conf.h"

struct msgs {
	char	 all[4096];
	int	 n;
};

static void
collect(void *arg, const char *msg)
{
	struct msgs *m = arg;
	size_t len = strlen(m->all);

	snprintf(m->all + len, sizeof(m->all) - len, "%s\n", msg);
	m->n++;
}

static int
parse(const char *text, struct server_conf *c, struct msgs *m)
{
	memset(m, 0, sizeof(*m));
	server_conf_init(c);
	return server_conf_parse_mem("t.conf", text, strlen(text), c, collect,
	    m);
}

static void
test_server_conf_reads_every_keyword(void **state)
{
	struct server_conf c;
	struct msgs m;
	char a[ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse(
	    "# comment\n"
	    "listen 10.30.0.2 port 443\n"
	    "listen 2001:db8:30::2\n"
	    "store \"sqlite:///var/lib/dias/dias.db\"  # trailing\n"
	    "data-dir /srv/dias\n"
	    "ca-dir /etc/dias/ca\n"
	    "access-log -\n"
	    "server-name dias.example\n"
	    "server-name 10.30.0.2\n"
	    "threads 8\n"
	    "max-connections 100\n"
	    "timeout 2m\n"
	    "shutdown-grace 1m\n"
	    "max-body 16m\n"
	    "max-line 64k\n"
	    "max-batch 5000\n"
	    "max-capture 1g\n"
	    "token-lifetime 2h\n"
	    "cert-lifetime 30d\n", &c, &m), 0);
	assert_int_equal(c.nlisten, 2);
	addr_fmt(&c.listen[0].addr, a, sizeof(a));
	assert_string_equal(a, "10.30.0.2");
	assert_int_equal(c.listen[0].port, 443);
	addr_fmt(&c.listen[1].addr, a, sizeof(a));
	assert_string_equal(a, "2001:db8:30::2");
	assert_int_equal(c.listen[1].port, 8443);
	assert_string_equal(c.store, "sqlite:///var/lib/dias/dias.db");
	assert_string_equal(c.data_dir, "/srv/dias");
	assert_string_equal(c.access_log, "-");
	assert_int_equal(c.nnames, 2);
	assert_int_equal(c.threads, 8);
	assert_int_equal(c.timeout, 120);
	assert_int_equal(c.shutdown_grace, 60);
	assert_int_equal(c.max_body, 16 << 20);
	assert_int_equal(c.max_line, 64 << 10);
	assert_int_equal(c.max_batch, 5000);
	assert_int_equal(c.max_capture, 1ULL << 30);
	assert_int_equal(c.token_lifetime, 7200);
	assert_int_equal(c.cert_days, 30);
	server_conf_free(&c);
}

static void
test_server_conf_defaults_need_only_a_store(void **state)
{
	struct server_conf c;
	struct msgs m;

	(void)state;
	assert_int_equal(parse("store \"postgresql://dias@/dias\"\n", &c, &m),
	    0);
	assert_int_equal(c.nlisten, 1);
	assert_int_equal(c.listen[0].addr.af, AF_INET);
	assert_int_equal(c.listen[0].port, 8443);
	assert_string_equal(c.data_dir, "/var/lib/dias");
	assert_string_equal(c.ca_dir, "/etc/dias/ca");
	assert_null(c.access_log);
	server_conf_free(&c);
	assert_int_equal(parse("threads 2\n", &c, &m), 1);
	assert_string_equal(m.all, "t.conf:1: no store given "
	    "(store \"sqlite:///path\")\n");
	server_conf_free(&c);
}

static void
test_server_conf_reports_every_error_with_its_line(void **state)
{
	struct server_conf c;
	struct msgs m;

	(void)state;
	assert_int_equal(parse(
	    "store \"sqlite:///x\"\n"
	    "threads 0\n"
	    "bogus 1\n"
	    "listen 1.2.3 port 1\n"
	    "max-body 12q\n"
	    "listen ::1 port 9\n"
	    "store \"sqlite:///y\"\n"
	    "data-dir relative\n"
	    "server-name \"unterminated\n"
	    "timeout\n"
	    "listen ::1 port 9\n", &c, &m), 9);
	assert_string_equal(m.all,
	    "t.conf:2: threads: 0 is out of range 1..256\n"
	    "t.conf:3: unknown keyword 'bogus'\n"
	    "t.conf:4: listen: '1.2.3' is not an IPv4 or IPv6 address\n"
	    "t.conf:5: max-body: '12q' is not a number (suffix k, m or g)\n"
	    "t.conf:7: store: given twice\n"
	    "t.conf:8: data-dir: 'relative' is not an absolute path\n"
	    "t.conf:9: unterminated string\n"
	    "t.conf:10: timeout: expected 1 argument, got 0\n"
	    "t.conf:11: listen: ::1 port 9 is given twice\n");
	server_conf_free(&c);
}

static void
test_ingest_takes_a_batch_whole(void **state)
{
	const char *body =
	    "{\"kind\":\"heartbeat\",\"sensor\":\"s1\",\"seq\":5,\"ts\":1,"
	    "\"backlog\":0,\"claimed\":0,\"counters\":{}}\n"
	    "{\"kind\":\"heartbeat\",\"sensor\":\"s1\",\"seq\":9,\"ts\":2,"
	    "\"backlog\":0,\"claimed\":0,\"counters\":{}}";
	struct ingest_batch b;
	char err[256];

	(void)state;
	assert_int_equal(ingest_parse(body, strlen(body), "s1", 4096, 10, &b,
	    err, sizeof(err)), INGEST_OK);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.last_seq, 9);
	assert_ptr_equal(b.lines[0], body);
	assert_int_equal(b.lens[1], strlen(body) - (size_t)(b.lines[1] - body));
	ingest_batch_free(&b);
}

#define HEARTBEAT_LINE "{\"kind\":\"heartbeat\",\"sensor\":\"s1\"," \
	"\"seq\":%d,\"ts\":1,\"backlog\":0,\"claimed\":0,\"counters\":{}}\n"

static void
test_ingest_names_the_bad_line(void **state)
{
	char body[1024], err[256];
	struct ingest_batch b;
	size_t n;

	(void)state;
	n = (size_t)snprintf(body, sizeof(body), HEARTBEAT_LINE, 1);
	n += (size_t)snprintf(body + n, sizeof(body) - n, HEARTBEAT_LINE, 2);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "{\"kind\":1}\n");
	assert_int_equal(ingest_parse(body, n, "s1", 4096, 10, &b, err,
	    sizeof(err)), INGEST_MALFORMED);
	assert_true(strncmp(err, "line 3: ", 8) == 0);
	assert_int_equal(b.n, 0);
	assert_null(b.evs);

	assert_int_equal(ingest_parse(body, n, "s2", 4096, 10, &b, err,
	    sizeof(err)), INGEST_FORBIDDEN);
	assert_string_equal(err, "line 1: sensor \"s1\" is not this client "
	    "(\"s2\")");
	assert_int_equal(ingest_parse(body, n, "s1", 4096, 2, &b, err,
	    sizeof(err)), INGEST_MALFORMED);
	assert_string_equal(err, "3 lines; a batch has at most 2");
	assert_int_equal(ingest_parse(body, n, "s1", 20, 10, &b, err,
	    sizeof(err)), INGEST_MALFORMED);
	assert_true(strncmp(err, "line 1: ", 8) == 0);
	assert_int_equal(ingest_parse("\n", 1, "s1", 20, 10, &b, err,
	    sizeof(err)), INGEST_MALFORMED);
	assert_string_equal(err, "line 1: empty line");
	assert_int_equal(ingest_parse("", 0, "s1", 20, 10, &b, err,
	    sizeof(err)), INGEST_MALFORMED);
	assert_string_equal(err, "empty batch");
}

static void
test_route_maps_methods_and_paths(void **state)
{
	struct route r;

	(void)state;
	assert_int_equal(route_parse("POST", "/api/v1/sensor/events", &r), 0);
	assert_int_equal(r.id, ROUTE_EVENTS);
	assert_true(r.sensor);
	assert_int_equal(route_parse("GET", "/api/v1/sensor/events", &r), 405);
	assert_int_equal(route_parse("POST", "/api/v1/sensor/events/", &r),
	    404);
	assert_int_equal(route_parse("HEAD", "/healthz", &r), 0);
	assert_int_equal(r.id, ROUTE_HEALTHZ);
	assert_false(r.sensor);
	assert_int_equal(route_parse("PUT",
	    "/api/v1/sensor/captures/eth0-20261125.pcap", &r), 0);
	assert_int_equal(r.id, ROUTE_CAPTURE);
	assert_string_equal(r.name, "eth0-20261125.pcap");
	assert_int_equal(route_parse("PUT",
	    "/api/v1/sensor/captures/../x", &r), 404);
	assert_int_equal(route_parse("PUT",
	    "/api/v1/sensor/captures/.x", &r), 404);
	assert_int_equal(route_parse("PUT", "/api/v1/sensor/captures/", &r),
	    404);
	assert_int_equal(route_parse("POST", "/api/v1/enroll", &r), 0);
	assert_false(r.sensor);
}

static void
test_route_names_uploads_by_sha256_only(void **state)
{
	const char *sha = "3c5a0d8c6e1f2b4a9d7e8f0a1b2c3d4e"
	    "5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c";
	char path[160];
	struct route r;

	(void)state;
	snprintf(path, sizeof(path), "/api/v1/sensor/uploads/%s", sha);
	assert_int_equal(route_parse("PUT", path, &r), 0);
	assert_int_equal(r.id, ROUTE_CAPTURE);
	assert_true(r.upload);
	assert_true(r.sensor);
	assert_string_equal(r.name, sha);
	assert_int_equal(route_parse("PUT",
	    "/api/v1/sensor/captures/eth0.pcap", &r), 0);
	assert_false(r.upload);
	/* Upper case, short, long, or not hex: no such blob. */
	path[sizeof("/api/v1/sensor/uploads/") - 1] = 'C';
	assert_int_equal(route_parse("PUT", path, &r), 404);
	assert_int_equal(route_parse("PUT", "/api/v1/sensor/uploads/abc", &r),
	    404);
	snprintf(path, sizeof(path), "/api/v1/sensor/uploads/%s0", sha);
	assert_int_equal(route_parse("PUT", path, &r), 404);
	snprintf(path, sizeof(path), "/api/v1/sensor/uploads/%.63sg", sha);
	assert_int_equal(route_parse("PUT", path, &r), 404);
	snprintf(path, sizeof(path), "/api/v1/sensor/uploads/%s", sha);
	assert_int_equal(route_parse("POST", path, &r), 405);
}

static void
test_honeyd_lines_of_each_kind(void **state)
{
	struct honeyd_rec r;
	char err[256], a[ADDR_STRLEN];
	const char *l;

	(void)state;
	l = "2004-12-04-12:52:09.7432 tcp(6) S 192.168.1.5 1244 10.0.0.1 80 "
	    "[Windows XP SP1]\n";
	assert_int_equal(honeyd_parse_line(l, strlen(l), &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.proto, IPPROTO_TCP);
	assert_int_equal(r.type, 'S');
	assert_int_equal(r.ts, 1102164729743200LL);
	addr_fmt(&r.src, a, sizeof(a));
	assert_string_equal(a, "192.168.1.5");
	assert_int_equal(r.sport, 1244);
	assert_int_equal(r.dport, 80);
	assert_string_equal(r.os, "Windows XP SP1");

	l = "2004-12-04-12:52:17.2834 tcp(6) E 192.168.1.5 1244 10.0.0.1 80: "
	    "136 504";
	assert_int_equal(honeyd_parse_line(l, strlen(l), &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.recv, 136);
	assert_int_equal(r.sent, 504);

	l = "2004-12-04-12:53:01.1234 icmp(1) - 192.168.1.5 10.0.0.1: 8(0): 84";
	assert_int_equal(honeyd_parse_line(l, strlen(l), &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.proto, IPPROTO_ICMP);
	assert_int_equal(r.sport, 8);
	assert_int_equal(r.recv, 84);

	l = "2004-12-04-12:53:01.1234 udp(17) - 192.168.1.5 1025 10.0.0.1 "
	    "137: 78 [Linux]";
	assert_int_equal(honeyd_parse_line(l, strlen(l), &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.proto, IPPROTO_UDP);
	assert_string_equal(r.os, "Linux");

	l = "2004-12-04-12:53:01 tcp(6) E 192.168.1.5 1244 10.0.0.1 80";
	assert_int_equal(honeyd_parse_line(l, strlen(l), &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "an end line has ': RECEIVED SENT'");
	l = "yesterday tcp(6) S 1.2.3.4 1 5.6.7.8 2";
	assert_int_equal(honeyd_parse_line(l, strlen(l), &r, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "bad date");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_conf_reads_every_keyword),
		cmocka_unit_test(test_server_conf_defaults_need_only_a_store),
		cmocka_unit_test(test_server_conf_reports_every_error_with_its_line),
		cmocka_unit_test(test_ingest_takes_a_batch_whole),
		cmocka_unit_test(test_ingest_names_the_bad_line),
		cmocka_unit_test(test_route_maps_methods_and_paths),
		cmocka_unit_test(test_route_names_uploads_by_sha256_only),
		cmocka_unit_test(test_honeyd_lines_of_each_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
