/*
 * netbios-ns and ms-sql-m through the stack: name queries and node
 * status (RFC 1001 §14.1 encoding, RFC 1002 §4.2), and the SQL Server
 * resolution protocol with SQL Slammer's overflow.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create winxp\n"
	"set winxp personality \"Microsoft Windows XP Professional SP1\"\n"
	"add winxp udp port 137 internal \"netbios-ns\"\n"
	"add winxp udp port 1434 internal \"ms-sql-m\"\n"
	"bind 10.0.0.50 winxp\n";

#define VH	"10.0.0.50"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

/* A name query as nmblookup sends it: RFC 1002 §4.2.12. */
static size_t
nb_query(uint8_t *q, uint16_t id, const char *name, uint8_t suffix,
    uint16_t qtype)
{
	uint8_t raw[16];
	size_t i;

	memset(raw, ' ', 15);
	if (name[0] == '*')
		memset(raw, 0, 15);
	memcpy(raw, name, strlen(name));
	raw[15] = suffix;
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	memcpy(q + 2, "\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);
	q[12] = 32;
	for (i = 0; i < 16; i++) {
		q[13 + 2 * i] = (uint8_t)('A' + (raw[i] >> 4));
		q[14 + 2 * i] = (uint8_t)('A' + (raw[i] & 0xf));
	}
	q[45] = 0;
	q[46] = (uint8_t)(qtype >> 8);
	q[47] = (uint8_t)qtype;
	q[48] = 0;
	q[49] = 1;
	return 50;
}

static void
test_nbns_name_query_for_own_name_is_answered(void **state)
{
	struct harness *h = *state;
	uint8_t q[64], out[512];
	const struct event *e;
	size_t n, ql;

	ql = nb_query(q, 0x1234, "WINXP", 0x20, 0x20);
	n = s_udp(h, VH, 137, 137, q, ql, out, sizeof(out));
	assert_int_equal(n, 62);
	assert_memory_equal(out, "\x12\x34\x85\x00\x00\x00\x00\x01\x00\x00"
	    "\x00\x00", 12);
	assert_memory_equal(out + 12, q + 12, 34);
	/* NB IN, TTL 300000, RDLENGTH 6, unique B-node, our address. */
	assert_memory_equal(out + 46, "\x00\x20\x00\x01\x00\x04\x93\xe0\x00"
	    "\x06\x00\x00\x0a\x00\x00\x32", 16);
	e = s_svc_ev(h, "query", 0);
	assert_string_equal(e->u.service.service, "netbios-ns");
	assert_field(e, "name", "WINXP");
	assert_field(e, "suffix", "20");
	assert_field(e, "reply", "yes");
}

static void
test_nbns_other_names_are_recorded_not_answered(void **state)
{
	struct harness *h = *state;
	uint8_t q[64], out[512];
	size_t ql;

	ql = nb_query(q, 1, "FILESERVER", 0x20, 0x20);
	assert_int_equal(s_udp(h, VH, 137, 137, q, ql, out, sizeof(out)), 0);
	assert_field(s_svc_ev(h, "query", 0), "name", "FILESERVER");
	assert_field(s_svc_ev(h, "query", 0), "reply", "no");
}

static void
test_nbns_node_status_lists_windows_names(void **state)
{
	struct harness *h = *state;
	uint8_t q[64], out[512];
	const uint8_t *t;
	size_t n, ql;

	/* nmblookup -A 10.0.0.50 */
	ql = nb_query(q, 0x2222, "*", 0x00, 0x21);
	n = s_udp(h, VH, 40137, 137, q, ql, out, sizeof(out));
	assert_int_equal(n, 12 + 34 + 10 + 1 + 5 * 18 + 46);
	assert_memory_equal(out, "\x22\x22\x84\x00\x00\x00\x00\x01", 8);
	assert_memory_equal(out + 46, "\x00\x21\x00\x01\x00\x00\x00\x00", 8);
	assert_int_equal(out[54] << 8 | out[55], 1 + 5 * 18 + 46);
	assert_int_equal(out[56], 5);
	t = out + 57;
	assert_memory_equal(t, "WINXP          \x00\x04\x00", 18);
	assert_memory_equal(t + 18, "WORKGROUP      \x00\x84\x00", 18);
	assert_memory_equal(t + 36, "WINXP          \x03\x04\x00", 18);
	assert_memory_equal(t + 54, "WINXP          \x20\x04\x00", 18);
	assert_memory_equal(t + 72, "WORKGROUP      \x1e\x84\x00", 18);
	/* The unit id is the MAC the host answers with. */
	assert_int_equal(h->nout, 1);
	assert_memory_equal(t + 90, h->out[0].p.eth.src, 6);
	assert_field(s_svc_ev(h, "status", 0), "name", "*");
}

static void
test_nbns_malformed_is_recorded(void **state)
{
	struct harness *h = *state;
	uint8_t q[64], out[512];
	size_t ql;

	ql = nb_query(q, 3, "WINXP", 0x20, 0x20);
	q[20] = 'Z';		/* not a half-byte letter */
	assert_int_equal(s_udp(h, VH, 137, 137, q, ql, out, sizeof(out)), 0);
	assert_field(s_svc_ev(h, "query", 0), "error", "malformed");
	for (size_t i = 0; i < ql; i++)
		assert_int_equal(s_udp(h, VH, 137, 137, q, i, out,
		    sizeof(out)), 0);
}

static const char server_list[] =
	"ServerName;WINXP;InstanceName;MSSQLSERVER;IsClustered;No;"
	"Version;8.00.760;tcp;1433;np;\\\\WINXP\\pipe\\sql\\query;;";

static void
test_mssql_ping_gets_the_server_list(void **state)
{
	struct harness *h = *state;
	uint8_t out[512];
	size_t n;

	n = s_udp(h, VH, 1434, 1434, "\x02", 1, out, sizeof(out));
	assert_int_equal(n, 3 + strlen(server_list));
	assert_int_equal(out[0], 0x05);
	assert_int_equal(out[1] | out[2] << 8, strlen(server_list));
	assert_memory_equal(out + 3, server_list, strlen(server_list));
	assert_field(s_svc_ev(h, "request", 0), "type", "bcast_ex");
	n = s_udp(h, VH, 1435, 1434, "\x04MSSQLSERVER\x00", 13, out,
	    sizeof(out));
	assert_int_equal(n, 3 + strlen(server_list));
	assert_field(s_svc_ev(h, "request", 1), "instance", "MSSQLSERVER");
}

static void
test_mssql_slammer_is_an_exploit(void **state)
{
	struct harness *h = *state;
	uint8_t worm[376], out[512];
	const struct event *e;

	/* Slammer's shape: 0x04, a run of 0x01 over the instance name,
	 * then its code, which names kernel32 piecewise. */
	memset(worm, 0x01, sizeof(worm));
	worm[0] = 0x04;
	memcpy(worm + 200, "h.dllhel32hkernQhounthickChGetTf", 32);
	assert_int_equal(s_udp(h, VH, 1026, 1434, worm, sizeof(worm), out,
	    sizeof(out)), 0);
	e = s_svc_ev(h, "exploit", 0);
	assert_string_equal(e->u.service.service, "ms-sql-m");
	assert_field(e, "exploit", "slammer");
	assert_field(e, "cve", "CVE-2002-0649");
	assert_field(e, "size", "376");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_nbns_name_query_for_own_name_is_answered),
		T(test_nbns_other_names_are_recorded_not_answered),
		T(test_nbns_node_status_lists_windows_names),
		T(test_nbns_malformed_is_recorded),
		T(test_mssql_ping_gets_the_server_list),
		T(test_mssql_slammer_is_an_exploit),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
