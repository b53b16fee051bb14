/*
 * ftp through the stack: greetings per personality, logins recorded,
 * the session's replies (RFC 959), and passive mode: the data connection
 * the client opens to the port PASV names reaches ftp-data, paired with
 * its session, so LIST is sent and STOR becomes an upload.  PORT never
 * makes the sensor connect out.
 */
#include <stdlib.h>

#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 21 internal \"ftp anonymous\"\n"
	"add lin tcp port 2121 internal \"ftp\"\n"
	"create win\n"
	"set win personality \"Microsoft Windows 2000 SP4\"\n"
	"add win tcp port 21 internal \"ftp any\"\n"
	"bind 10.0.0.50 lin\n"
	"bind 10.0.0.51 win\n";

#define LIN	"10.0.0.50"
#define WIN	"10.0.0.51"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* The port a 227 reply names; its address must be the host's own. */
static uint16_t
pasv_port(struct s_conn *c, const char *addr)
{
	unsigned a[6];
	char host[32];
	const char *p = strchr(s_text(c), '(');

	assert_non_null(p);
	assert_int_equal(sscanf(p, "(%u,%u,%u,%u,%u,%u)", &a[0], &a[1], &a[2],
	    &a[3], &a[4], &a[5]), 6);
	snprintf(host, sizeof(host), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	assert_string_equal(host, addr);
	return (uint16_t)(a[4] << 8 | a[5]);
}

static void
login(struct harness *h, struct s_conn *c, const char *dst, uint16_t sport,
    const char *user)
{
	char line[64];

	s_open(h, c, dst, sport, 21);
	snprintf(line, sizeof(line), "USER %s\r\n", user);
	s_say(h, c, line, "331 ");
	s_say(h, c, "PASS x@example.org\r\n", "230 ");
}

static void
test_ftp_banner_follows_the_personality(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LIN, 41000, 21);
	assert_string_equal(s_text(&c), "220 (vsFTPd 2.3.4)\r\n");
	s_say(h, &c, "SYST\r\n", "215 UNIX Type: L8\r\n");
	s_open(h, &c, WIN, 41001, 21);
	assert_string_equal(s_text(&c), "220 Microsoft FTP Service\r\n");
	s_say(h, &c, "SYST\r\n", "215 Windows_NT\r\n");
}

static void
test_ftp_login_is_recorded_and_refused(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, LIN, 41002, 2121);
	s_say(h, &c, "USER root\r\n", "331 Password required for root.\r\n");
	s_say(h, &c, "PASS toor\r\n", "530 Login incorrect.\r\n");
	e = s_svc_ev(h, "login", 0);
	assert_string_equal(e->u.service.service, "ftp");
	assert_field(e, "user", "root");
	assert_field(e, "password", "toor");
	assert_field(e, "success", "false");
	/* Nothing but USER/PASS before a login. */
	s_say(h, &c, "LIST\r\n", "530 Please login with USER and PASS.\r\n");
	s_say(h, &c, "PASS again\r\n", "503 ");
	s_say(h, &c, "QUIT\r\n", "221 Goodbye.\r\n");
	assert_int_equal(c.fin, 1);
}

static void
test_ftp_anonymous_is_accepted_when_configured(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	login(h, &c, LIN, 41003, "anonymous");
	assert_field(s_svc_ev(h, "login", 0), "success", "true");
	s_say(h, &c, "PWD\r\n", "257 \"/\" is the current directory\r\n");
	s_say(h, &c, "CWD pub/../incoming/./x\r\n", "250 ");
	s_say(h, &c, "PWD\r\n", "257 \"/incoming/x\"");
	s_say(h, &c, "CDUP\r\n", "250 ");
	s_say(h, &c, "PWD\r\n", "257 \"/incoming\"");
	s_say(h, &c, "TYPE I\r\n", "200 Switching to Binary mode.\r\n");
	s_say(h, &c, "FEAT\r\n", " EPSV\r\n");
	s_say(h, &c, "RETR /etc/passwd\r\n", "550 ");
	s_say(h, &c, "XYZZY\r\n", "500 Unknown command.\r\n");
	assert_field(s_svc_ev(h, "command", 7), "cmd", "RETR");
	assert_field(s_svc_ev(h, "command", 7), "arg", "/etc/passwd");
}

static void
test_ftp_pasv_list_is_sent_over_the_data_connection(void **state)
{
	struct harness *h = *state;
	struct s_conn c, d;
	uint16_t port;

	login(h, &c, LIN, 41004, "ftp");
	s_say(h, &c, "PASV\r\n", "227 Entering Passive Mode (");
	port = pasv_port(&c, LIN);
	assert_true(port >= 40000 && port <= 50000);
	/* curl's order: connect first, then LIST. */
	s_open_beside(h, &d, &c, LIN, 41005, port);
	assert_int_equal(d.ngot, 0);
	s_reset_got(&c);
	s_send_beside(h, &c, &d, "LIST\r\n", 6, TH_PUSH);
	assert_string_equal(s_text(&c), "150 Here comes the directory listing."
	    "\r\n226 Directory send OK.\r\n");
	assert_non_null(strstr(s_text(&d), "drwxr-xr-x    2 0        0"));
	assert_non_null(strstr(s_text(&d), " welcome.msg\r\n"));
	assert_int_equal(d.fin, 1);
	/* One transfer per PASV. */
	s_say(h, &c, "NLST\r\n", "425 Use PORT or PASV first.\r\n");
	/* One connection per PASV: the port is not open any more. */
	h_clear_out(h);
	h_tcp(h, LIN, 41006, port, TH_SYN, 5000, 0, NULL, 0, 0);
	assert_true(h_out(h, 0)->tcp.flags & TH_RST);
}

static void
test_ftp_stor_through_pasv_is_an_upload(void **state)
{
	struct harness *h = *state;
	struct s_conn c, d;
	const struct event *e;
	uint8_t file[3000];
	uint16_t port;
	size_t i;

	for (i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(i * 7 + 3);
	login(h, &c, WIN, 41007, "admin");
	s_say(h, &c, "EPSV\r\n", "229 Entering Extended Passive Mode (|||");
	port = (uint16_t)strtoul(strstr(s_text(&c), "|||") + 3, NULL, 10);
	assert_true(port >= 1025 && port <= 5000);
	/* STOR before the connection: the reply waits for it.  The upload
	 * is named by its path from the working directory. */
	s_say(h, &c, "CWD /incoming/sub\r\n", "250 CWD command successful.");
	s_reset_got(&c);
	s_sends(h, &c, "STOR ../x.exe\r\n");
	assert_int_equal(c.ngot, 0);
	s_open_beside(h, &d, &c, WIN, 41008, port);
	assert_string_equal(s_text(&c), "125 Data connection already open; "
	    "Transfer starting.\r\n");
	s_send_beside(h, &d, &c, file, 1400, 0);
	s_send_beside(h, &d, &c, file + 1400, sizeof(file) - 1400, TH_PUSH);
	s_reset_got(&c);
	s_send_beside(h, &d, &c, NULL, 0, TH_FIN);
	assert_string_equal(s_text(&c), "226 Transfer complete.\r\n");
	assert_int_equal(d.fin, 1);
	s_assert_upload(h, file, sizeof(file));
	assert_string_equal(h_find_ev(h, EVENT_UPLOAD, 0)->u.upload.name,
	    "/incoming/x.exe");
	e = s_svc_ev(h, "upload", 0);
	assert_field(e, "name", "/incoming/x.exe");
	assert_field(e, "size", "3000");
	/* The data connection is a flow of its own, named ftp-data. */
	for (i = 0, e = NULL; i < h->nev && e == NULL; i++)
		if (h->ev[i].kind == EVENT_CONNECTION &&
		    h->ev[i].u.connection.t.dport == port)
			e = &h->ev[i];
	assert_non_null(e);
	assert_string_equal(e->u.connection.service, "ftp-data");
}

static void
test_ftp_port_is_recorded_and_never_connected(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct s_conn c;
	size_t i;

	login(h, &c, LIN, 41009, "anonymous");
	s_say(h, &c, "PORT 192,0,2,7,0,25\r\n", "200 PORT command successful");
	e = s_svc_ev(h, "command", 0);
	assert_field(e, "cmd", "PORT");
	assert_field(e, "host", "192.0.2.7");
	assert_field(e, "port", "25");
	h_clear_out(h);
	s_say(h, &c, "LIST\r\n", "425 Can't open data connection.\r\n");
	s_say(h, &c, "EPRT |2|2001:db8::7|21|\r\n", "200 ");
	e = s_svc_ev(h, "command", 2);
	assert_field(e, "host", "2001:db8::7");
	assert_field(e, "port", "21");
	h_clear_out(h);
	s_say(h, &c, "STOR a\r\n", "425 ");
	for (i = 0; i < h->nout; i++)
		assert_false((h->out[i].p.tcp.flags & TH_SYN) != 0);
}

static void
test_ftp_data_connection_outlives_a_closed_session(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	uint16_t port;

	login(h, &c, LIN, 41010, "ftp");
	s_say(h, &c, "PASV\r\n", "227 ");
	port = pasv_port(&c, LIN);
	s_say(h, &c, "STOR y\r\n", "");
	/* The session resets before the data connection arrives. */
	h_clear_out(h);
	h_tcp(h, LIN, 41010, 21, TH_RST | TH_ACK, c.snd, c.rcv, NULL, 0, 0);
	h_clear_out(h);
	h_tcp(h, LIN, 41011, port, TH_SYN, 5000, 0, NULL, 0, 0);
	assert_true(h_out(h, 0)->tcp.flags & TH_RST);
	assert_int_equal(stack_counter(h->st, "service_leaks"), 0);
}

/* A SYN from src to dst:dport; the flags of the first answer. */
static uint8_t
syn_from(struct harness *h, const char *src, const char *dst, uint16_t dport)
{
	uint8_t mss[2] = { 0x05, 0xb4 };
	struct pkt p;

	h_clear_out(h);
	h_ip4pkt(&p, dst, IPPROTO_TCP);
	h_ip4(p.ip4.src, src);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = 42000;
	p.tcp.dport = dport;
	p.tcp.seq = 7000;
	p.tcp.flags = TH_SYN;
	p.tcp.win = 65535;
	assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_MSS, mss, 2), 0);
	h_inpkt(h, &p, 0);
	assert_true(h->nout > 0);
	return h->out[0].p.tcp.flags;
}

static void
test_ftp_pasv_port_is_the_peers_only_and_expires(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	uint16_t port;

	login(h, &c, LIN, 41013, "ftp");
	s_say(h, &c, "PASV\r\n", "227 ");
	port = pasv_port(&c, LIN);
	/* Another source cannot take the session's data connection. */
	assert_int_equal(syn_from(h, "10.0.0.98", LIN, port), TH_RST | TH_ACK);
	/* Nor the same peer on another of our addresses. */
	assert_int_equal(syn_from(h, "10.0.0.99", WIN, port), TH_RST | TH_ACK);
	/* A new PASV replaces the last: its port is closed again. */
	s_say(h, &c, "PASV\r\n", "227 ");
	assert_int_equal(syn_from(h, "10.0.0.99", LIN, port), TH_RST | TH_ACK);
	port = pasv_port(&c, LIN);
	/* Past VSERVICE_EXPECT_MS nobody is expected (a NOOP now and then
	 * keeps the session itself alive). */
	h_advance(h, 9000);
	s_say(h, &c, "NOOP\r\n", "200 ");
	h_advance(h, 9000);
	s_say(h, &c, "NOOP\r\n", "200 ");
	h_advance(h, 9000);
	s_say(h, &c, "NOOP\r\n", "200 ");
	h_advance(h, 4000);
	assert_int_equal(syn_from(h, "10.0.0.99", LIN, port), TH_RST | TH_ACK);
	assert_int_equal(stack_counter(h->st, "expects"), 2);
	assert_int_equal(stack_counter(h->st, "expects_met"), 0);
}

static void
test_ftp_long_lines_are_refused(void **state)
{
	struct harness *h = *state;
	char line[3000];
	struct s_conn c;

	s_open(h, &c, LIN, 41012, 21);
	memset(line, 'A', sizeof(line));
	memcpy(line, "USER ", 5);
	line[sizeof(line) - 2] = '\r';
	line[sizeof(line) - 1] = '\n';
	s_reset_got(&c);
	s_send(h, &c, line, 1400);
	s_send(h, &c, line + 1400, sizeof(line) - 1400);
	assert_string_equal(s_text(&c), "500 Command line too long.\r\n");
	s_say(h, &c, "USER ok\r\n", "331 ");
	assert_int_equal(s_count_svc(h, "login"), 0);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
	const struct CMUnitTest tests[] = {
		T(test_ftp_banner_follows_the_personality),
		T(test_ftp_login_is_recorded_and_refused),
		T(test_ftp_anonymous_is_accepted_when_configured),
		T(test_ftp_pasv_list_is_sent_over_the_data_connection),
		T(test_ftp_stor_through_pasv_is_an_upload),
		T(test_ftp_port_is_recorded_and_never_connected),
		T(test_ftp_data_connection_outlives_a_closed_session),
		T(test_ftp_pasv_port_is_the_peers_only_and_expires),
		T(test_ftp_long_lines_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
