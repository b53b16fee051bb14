/*
 * Service commands, the stack's side (sensor/vscript.c): the command
 * table both processes number alike, and a script flow through the stack
 * with the engine's callbacks faked: the request, the peer's bytes in,
 * the command's output out, the peer's half-close, the command's EOF.
 */
#include "test_svc.h"

#include "stack_local.h"
#include "vscript.h"

static const char cfg[] =
	"sensor {\n"
	"	interface veth0\n"
	"	limits { connections 64 }\n"
	"	limit idle 10s\n"
	"}\n"
	"create win\n"
	"set win default tcp action \"sh default.sh\"\n"
	"add win tcp port 23 \"sh telnet.sh $ipsrc\"\n"
	"add win udp port 161 \"perl snmp.pl\"\n"
	"add win tcp port 80 internal \"echo\"\n"
	"bind 10.0.0.50 win\n";

#define VH	"10.0.0.50"

/* What the fake engine saw. */
static struct {
	int		 opens, closes;
	uint32_t	 index;
	struct flow	*flow;
	uint64_t	 conn;
	uint8_t		 in[256];
	size_t		 nin;
	int		 refuse;
} eng;

static int
f_open(void *arg, struct flow *f, uint32_t index)
{
	(void)arg;
	eng.opens++;
	eng.index = index;
	eng.flow = f;
	eng.conn = vconn_id(f);
	return eng.refuse ? -1 : 0;
}

static int
f_input(void *arg, struct flow *f, const uint8_t *d, size_t len)
{
	(void)arg;
	assert_ptr_equal(f, eng.flow);
	assert_true(eng.nin + len <= sizeof(eng.in));
	memcpy(eng.in + eng.nin, d, len);
	eng.nin += len;
	return 0;
}

static void
f_close(void *arg, struct flow *f)
{
	(void)arg;
	assert_ptr_equal(f, eng.flow);
	eng.closes++;
}

static int
setup(void **state)
{
	struct harness *h;

	if (h_new(state, cfg) != 0)
		return -1;
	h = *state;
	/* The harness has no engine: give the stack a fake one. */
	h->st->io.script_open = f_open;
	h->st->io.script_input = f_input;
	h->st->io.script_close = f_close;
	h->st->scripts = vscript_table_new(h->conf);
	assert_non_null(h->st->scripts);
	memset(&eng, 0, sizeof(eng));
	return 0;
}

static void
test_vscript_table_numbers_commands_alike(void **state)
{
	struct harness *h = *state;
	const struct template *t = conf_template_find(h->conf, "win");
	struct vscript_table *a, *b;
	uint32_t i23, i161, idef, idx;
	size_t i;

	a = vscript_table_new(h->conf);
	b = vscript_table_new(h->conf);
	assert_non_null(a);
	assert_non_null(b);
	/* Two processes, two tables, one numbering. */
	assert_int_equal(vscript_table_count(a), 3);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(vscript_table_command(a, i),
		    vscript_table_command(b, i));
	assert_null(vscript_table_command(a, 3));
	/* Ports first (tcp, udp), then the defaults. */
	assert_int_equal(vscript_table_index(a, template_action(t, PROTO_TCP,
	    23)->arg, &i23), 0);
	assert_int_equal(vscript_table_index(a, template_action(t, PROTO_UDP,
	    161)->arg, &i161), 0);
	assert_int_equal(vscript_table_index(a, template_action(t, PROTO_TCP,
	    9999)->arg, &idef), 0);
	assert_int_equal(i23, 0);
	assert_int_equal(i161, 1);
	assert_int_equal(idef, 2);
	assert_string_equal(vscript_table_command(a, i23),
	    "sh telnet.sh $ipsrc");
	/* Only the conf's own strings are found: equal text is not. */
	assert_int_equal(vscript_table_index(a, "sh telnet.sh $ipsrc", &idx),
	    -1);
	vscript_table_free(a);
	vscript_table_free(b);
}

static void
test_vscript_flow_pumps_both_ways_and_half_closes(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	struct flow *f;

	s_open(h, &c, VH, 40000, 23);
	assert_int_equal(eng.opens, 1);
	assert_int_equal(eng.index, 0);
	assert_non_null(f = vscript_flow(h->st, eng.flow, eng.conn));
	/* The command greets; the peer gets it. */
	assert_true(vscript_room(f) > 0);
	assert_int_equal(vscript_output(h->st, f, (const uint8_t *)"login: ",
	    7, h->now), 0);
	s_collect(h, &c);
	assert_string_equal(s_text(&c), "login: ");
	/* The peer's bytes go to the command, in order. */
	s_sends(h, &c, "root\r\n");
	assert_int_equal(eng.nin, 6);
	assert_memory_equal(eng.in, "root\r\n", 6);
	/* The peer half-closes: the command hears it, and may still
	 * answer; nothing is closed on its behalf. */
	s_fin(h, &c);
	assert_int_equal(eng.closes, 1);
	assert_int_equal(c.fin, 0);
	assert_non_null(f = vscript_flow(h->st, eng.flow, eng.conn));
	s_reset_got(&c);
	assert_int_equal(vscript_output(h->st, f,
	    (const uint8_t *)"Login incorrect\r\n", 17, h->now), 0);
	s_collect(h, &c);
	assert_string_equal(s_text(&c), "Login incorrect\r\n");
	/* The command's EOF is the sensor's FIN. */
	vscript_eof(h->st, f, h->now);
	s_collect(h, &c);
	assert_int_equal(c.fin, 1);
	assert_null(vscript_flow(h->st, eng.flow, eng.conn));
	/* A stale pointer with another conn is never taken for the flow. */
	assert_null(vscript_flow(h->st, eng.flow, eng.conn + 1));
}

static void
test_vscript_refused_command_closes_the_flow(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	eng.refuse = 1;
	s_open(h, &c, VH, 40001, 4444);		/* the default command */
	assert_int_equal(eng.opens, 1);
	assert_int_equal(eng.index, 2);
	assert_int_equal(c.fin, 1);
	assert_int_equal(c.ngot, 0);
}

static void
test_vscript_udp_datagrams_reach_the_command(void **state)
{
	struct harness *h = *state;
	uint8_t out[64];
	struct flow *f;

	s_udp(h, VH, 5000, 161, "\x30\x26", 2, out, sizeof(out));
	assert_int_equal(eng.opens, 1);
	assert_int_equal(eng.index, 1);
	assert_int_equal(eng.nin, 2);
	assert_non_null(f = vscript_flow(h->st, eng.flow, eng.conn));
	assert_int_equal(vscript_room(f), 1400);
	h_clear_out(h);
	assert_int_equal(vscript_output(h->st, f, (const uint8_t *)"\x30\x29",
	    2, h->now), 0);
	assert_int_equal(h->nout, 1);
	assert_true(h->out[0].p.layers & PKT_L_UDP);
	assert_int_equal(h->out[0].p.udp.dport, 5000);
	assert_int_equal(h->out[0].p.payload_len, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_vscript_table_numbers_commands_alike, setup, h_delete),
		cmocka_unit_test_setup_teardown(
		    test_vscript_flow_pumps_both_ways_and_half_closes, setup,
		    h_delete),
		cmocka_unit_test_setup_teardown(
		    test_vscript_refused_command_closes_the_flow, setup,
		    h_delete),
		cmocka_unit_test_setup_teardown(
		    test_vscript_udp_datagrams_reach_the_command, setup,
		    h_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
