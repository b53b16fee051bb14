/*
 * smtp through the stack: greetings per personality, HELO/EHLO, the
 * envelope and DATA with dot-unstuffing (RFC 5321 §4.5.2) recorded as a
 * "mail" event and a message.eml upload, AUTH PLAIN and LOGIN recorded
 * and refused, RSET, long lines, and the close in the middle of DATA.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 25 internal \"smtp\"\n"
	"create win\n"
	"set win personality \"Microsoft Windows 2000 SP4\"\n"
	"add win tcp port 25 internal \"smtp\"\n"
	"bind 10.0.0.50 lin\n"
	"bind 10.0.0.51 win\n";

#define LIN	"10.0.0.50"
#define WIN	"10.0.0.51"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
test_smtp_banner_follows_the_personality(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LIN, 41000, 25);
	assert_string_equal(s_text(&c),
	    "220 lin.localdomain ESMTP Postfix (Debian/GNU)\r\n");
	s_say(h, &c, "EHLO spam.example\r\n", "250-AUTH PLAIN LOGIN\r\n");
	s_open(h, &c, WIN, 41001, 25);
	assert_string_equal(s_text(&c), "220 win.localdomain Microsoft ESMTP "
	    "MAIL Service, Version: 5.0.2195.6713 ready\r\n");
	s_say(h, &c, "HELO spam.example\r\n",
	    "250 win.localdomain Hello [10.0.0.99]\r\n");
	assert_field(s_svc_ev(h, "helo", 1), "verb", "HELO");
	assert_field(s_svc_ev(h, "helo", 1), "name", "spam.example");
}

static void
test_smtp_message_is_recorded_and_kept_never_relayed(void **state)
{
	struct harness *h = *state;
	static const char msg[] =
	    "Subject: Cheap pills\r\n"
	    "From: a@example.org\r\n"
	    "\r\n"
	    "..a line that began with a dot\r\n"
	    "Subject: not a header\r\n";
	static const char kept[] =
	    "Subject: Cheap pills\r\n"
	    "From: a@example.org\r\n"
	    "\r\n"
	    ".a line that began with a dot\r\n"
	    "Subject: not a header\r\n";
	const struct event *e;
	struct s_conn c;
	size_t i;

	s_open(h, &c, LIN, 41002, 25);
	s_say(h, &c, "EHLO x\r\n", "250 DSN\r\n");
	s_say(h, &c, "DATA\r\n", "503 ");
	s_say(h, &c, "MAIL FROM:<a@example.org> SIZE=100\r\n", "250 2.1.0 Ok");
	s_say(h, &c, "RCPT TO:<v1@example.com>\r\n", "250 2.1.5 Ok");
	s_say(h, &c, "rcpt to: <v2@example.net>\r\n", "250 2.1.5 Ok");
	s_say(h, &c, "DATA\r\n", "354 ");
	s_reset_got(&c);
	s_sends(h, &c, msg);
	assert_int_equal(c.ngot, 0);
	s_say(h, &c, ".\r\n", "250 2.0.0 Ok: queued as ");
	e = s_svc_ev(h, "mail", 0);
	assert_field(e, "from", "a@example.org");
	assert_field(e, "rcpt", "v1@example.com,v2@example.net");
	assert_field(e, "nrcpt", "2");
	assert_field(e, "subject", "Cheap pills");
	assert_field(e, "size", "99");
	s_assert_upload(h, kept, sizeof(kept) - 1);
	assert_string_equal(h_find_ev(h, EVENT_UPLOAD, 0)->u.upload.name,
	    "message.eml");
	s_say(h, &c, "RSET\r\n", "250 ");
	s_say(h, &c, "QUIT\r\n", "221 ");
	assert_int_equal(c.fin, 1);
	/* Never relayed: nothing went anywhere but back to the client. */
	for (i = 0; i < h->nout; i++)
		assert_memory_equal(h->out[i].p.ip4.dst, "\x0a\x00\x00\x63", 4);
}

static void
test_smtp_auth_plain_and_login_are_recorded(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, WIN, 41003, 25);
	s_say(h, &c, "EHLO x\r\n", "250-AUTH LOGIN\r\n");
	/* "\0admin\0secret" */
	s_say(h, &c, "AUTH PLAIN AGFkbWluAHNlY3JldA==\r\n", "535 ");
	e = s_svc_ev(h, "login", 0);
	assert_field(e, "mech", "PLAIN");
	assert_field(e, "user", "admin");
	assert_field(e, "password", "secret");
	assert_field(e, "success", "false");
	s_say(h, &c, "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n");
	s_say(h, &c, "dXNlcg==\r\n", "334 UGFzc3dvcmQ6\r\n");
	s_say(h, &c, "cGFzcw==\r\n", "535 ");
	e = s_svc_ev(h, "login", 1);
	assert_field(e, "mech", "LOGIN");
	assert_field(e, "user", "user");
	assert_field(e, "password", "pass");
	s_say(h, &c, "AUTH PLAIN\r\n", "334 ");
	s_say(h, &c, "!!notbase64\r\n", "501 ");
	s_say(h, &c, "NOOP\r\n", "250 ");
	assert_int_equal(s_count_svc(h, "login"), 2);
}

static void
test_smtp_close_during_data_keeps_the_message(void **state)
{
	struct harness *h = *state;
	char line[1500];
	struct s_conn c;

	s_open(h, &c, LIN, 41004, 25);
	s_say(h, &c, "HELO x\r\n", "250 ");
	s_say(h, &c, "MAIL FROM:<>\r\n", "250 ");
	s_say(h, &c, "RCPT TO:<x@example.com>\r\n", "250 ");
	s_say(h, &c, "DATA\r\n", "354 ");
	/* A line past RFC 5321's 1000 is cut, and says so. */
	memset(line, 'z', sizeof(line));
	line[sizeof(line) - 2] = '\r';
	line[sizeof(line) - 1] = '\n';
	s_send(h, &c, line, 1000);
	s_send(h, &c, line + 1000, sizeof(line) - 1000);
	s_sends(h, &c, "tail\r\n");
	s_fin(h, &c);
	assert_field(s_svc_ev(h, "mail", 0), "truncated", "yes");
	assert_int_equal(h->nup, 1);
	assert_int_equal(h->uplen, 1000 + 2 + 6);
	assert_int_equal(stack_counter(h->st, "service_leaks"), 0);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
	const struct CMUnitTest tests[] = {
		T(test_smtp_banner_follows_the_personality),
		T(test_smtp_message_is_recorded_and_kept_never_relayed),
		T(test_smtp_auth_plain_and_login_are_recorded),
		T(test_smtp_close_during_data_keeps_the_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
