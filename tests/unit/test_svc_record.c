/*
 * The generic services (record, banner-record) and the service glue
 * every service relies on: a service named by the action's first word
 * with the rest as its argument, and the per-flow byte budget.
 */
#include "test_svc.h"
#include "stack_local.h"

static const char cfg[] =
	S_SENSOR
	"create host\n"
	"set host personality \"Linux 2.6.32\"\n"
	"add host tcp port 6129 internal \"record\"\n"
	"add host tcp port 21 internal "
	    "\"banner-record 220 ProFTPD 1.2.10 Server ready.\\r\\n\"\n"
	"add host tcp port 23 internal \"banner-record\"\n"
	"add host udp port 1026 internal \"banner-record \\x00\\x01ok\"\n"
	"bind 10.0.0.50 host\n";

#define VH	"10.0.0.50"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
test_record_says_nothing_and_keeps_everything(void **state)
{
	struct harness *h = *state;
	const struct event *e;
	struct s_conn c;

	s_open(h, &c, VH, 42000, 6129);
	s_send(h, &c, "\x00\x01\x02 dameware probe", 18);
	assert_int_equal(c.ngot, 0);
	assert_int_equal(c.fin, 0);
	e = h_find_ev(h, EVENT_PAYLOAD, 0);
	assert_non_null(e);
	assert_int_equal(e->u.payload.len, 18);
	assert_string_equal(h_find_ev(h, EVENT_CONNECTION,
	    EVENT_START)->u.connection.service, "record");
	assert_int_equal(stack_counter(h->st, "service_missing"), 0);
}

static void
test_banner_record_greets_with_configured_text(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, VH, 42001, 21);
	assert_string_equal(s_text(&c),
	    "220 ProFTPD 1.2.10 Server ready.\r\n");
	s_reset_got(&c);
	s_sends(h, &c, "USER anonymous\r\n");
	assert_int_equal(c.ngot, 0);	/* recorded, not answered */
}

static void
test_banner_record_without_text_sends_a_line(void **state)
{
	struct harness *h = *state;
	struct s_conn c;

	s_open(h, &c, VH, 42002, 23);
	assert_string_equal(s_text(&c), "\r\n");
}

static void
test_banner_record_answers_udp_once(void **state)
{
	struct harness *h = *state;
	uint8_t out[64];

	assert_int_equal(s_udp(h, VH, 5000, 1026, "hi", 2, out,
	    sizeof(out)), 4);
	assert_memory_equal(out, "\x00\x01ok", 4);
	assert_int_equal(s_udp(h, VH, 5000, 1026, "hi", 2, out,
	    sizeof(out)), 0);
}

static void
test_service_budget_is_enforced_and_returned(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	struct flow *f;
	struct buf b;
	void *p;

	s_open(h, &c, VH, 42003, 6129);
	f = &h->st->flows[0];
	assert_true(f->in_use);
	assert_int_equal(vconn_budget_left(f), VSERVICE_BUDGET);
	assert_null(vconn_alloc(f, VSERVICE_BUDGET + 1));
	assert_int_equal(stack_counter(h->st, "service_budget"), 1);
	assert_non_null(p = vconn_alloc(f, VSERVICE_BUDGET / 2));
	assert_int_equal(vconn_buf_init(f, &b, VSERVICE_BUDGET), -1);
	assert_int_equal(vconn_buf_init(f, &b, VSERVICE_BUDGET / 2), 0);
	assert_int_equal(vconn_budget_left(f), 0);
	/* The buf cannot outgrow what was charged for it. */
	assert_int_equal(buf_reserve(&b, VSERVICE_BUDGET / 2 + 1), -1);
	vconn_buf_free(f, &b);
	vconn_free(f, p, VSERVICE_BUDGET / 2);
	assert_int_equal(vconn_budget_left(f), VSERVICE_BUDGET);
	assert_int_equal(stack_counter(h->st, "service_budget"), 2);
}

static void
test_service_leak_is_counted(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	struct flow *f;
	void *p;

	s_open(h, &c, VH, 42004, 6129);
	f = &h->st->flows[0];
	assert_non_null(p = vconn_alloc(f, 100));
	h_tcp(h, c.dst, c.sport, c.dport, TH_RST, c.snd, 0, NULL, 0, 0);
	assert_int_equal(stack_counter(h->st, "service_leaks"), 1);
	free(p);
}

static void
test_service_event_fields_are_bounded(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	struct event ev;
	struct flow *f;
	char key[16];
	int i;

	s_open(h, &c, VH, 42005, 6129);
	f = &h->st->flows[0];
	vconn_event_init(f, &ev, "test", "many");
	for (i = 0; i < EVENT_FIELDS_MAX + 5; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		vconn_field(f, &ev, key, "\xff\x00v", 3);
	}
	vconn_field(f, &ev, "k0", "dup", 3);
	vconn_event_emit(f, &ev);
	assert_int_equal(stack_counter(h->st, "service_fields_dropped"), 6);
	assert_int_equal(s_svc_ev(h, "many", 0)->u.service.nfields,
	    EVENT_FIELDS_MAX);
	/* Attacker bytes become valid text. */
	assert_field(s_svc_ev(h, "many", 0), "k0", "\xef\xbf\xbd\xef\xbf\xbdv");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_record_says_nothing_and_keeps_everything),
		T(test_banner_record_greets_with_configured_text),
		T(test_banner_record_without_text_sends_a_line),
		T(test_banner_record_answers_udp_once),
		T(test_service_budget_is_enforced_and_returned),
		T(test_service_leak_is_counted),
		T(test_service_event_fields_are_bounded),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
