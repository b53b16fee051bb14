/*
 * sensor/firewall.c: the self-protection table's text, in particular the
 * egress chain that lets the sensor's user open new connections only to
 * the server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "firewall.h"

#define RULES_MAX	(64 * 1024)

static char *
ruleset(const char *sensor_block)
{
	struct conf_params p;
	struct conf *conf = NULL;
	char *out;

	memset(&p, 0, sizeof(p));
	p.errf = stderr;
	assert_int_equal(conf_parse_buffer("test.conf", sensor_block,
	    strlen(sensor_block), &p, &conf), 0);
	out = malloc(RULES_MAX);
	assert_non_null(out);
	assert_int_equal(firewall_ruleset(conf, 65534, out, RULES_MAX), 0);
	conf_free(conf);
	return out;
}

/* The text of chain name, up to its closing brace. */
static char *
chain(char *rules, const char *name)
{
	char head[64], *c, *end;

	snprintf(head, sizeof(head), "\tchain %s {", name);
	c = strstr(rules, head);
	assert_non_null(c);
	end = strstr(c, "\n\t}");
	assert_non_null(end);
	end[1] = '\0';
	return c;
}

static void
test_egress_only_to_the_server_address_and_port(void **state)
{
	char *rules, *out;

	(void)state;
	rules = ruleset("sensor {\n\tinterface eth0\n"
	    "\tserver \"https://10.30.0.2:8443/\"\n"
	    "\tmanagement 10.30.0.0/24\n}\n");
	out = chain(rules, "output");
	assert_non_null(strstr(out, "hook output"));
	/* Only the sensor's user is held; the rest of the host is not. */
	assert_non_null(strstr(out, "meta skuid != 65534 accept"));
	assert_true(strstr(out, "meta skuid") < strstr(out, "tcp dport 8443"));
	assert_non_null(strstr(out, "ct state established,related accept"));
	assert_non_null(strstr(out, "ip daddr 10.30.0.2 tcp dport 8443 "
	    "accept"));
	/* The server rule comes before the drop, and nothing follows it. */
	assert_true(strstr(out, "tcp dport 8443") <
	    strstr(out, "ct state new counter drop"));
	assert_null(strstr(strstr(out, "ct state new counter drop"),
	    "accept"));
	free(rules);
}

static void
test_egress_default_port_and_ipv6_server(void **state)
{
	char *rules, *out;

	(void)state;
	rules = ruleset("sensor {\n\tinterface eth0\n"
	    "\tserver \"https://[2001:db8:30::2]/\"\n}\n");
	out = chain(rules, "output");
	assert_non_null(strstr(out, "ip6 daddr 2001:db8:30::2 tcp dport 443 "
	    "accept"));
	assert_null(strstr(out, "ip daddr"));
	free(rules);
}

static void
test_egress_without_server_starts_nothing(void **state)
{
	char *rules, *out;

	(void)state;
	rules = ruleset("sensor {\n\tinterface eth0\n}\n");
	out = chain(rules, "output");
	assert_null(strstr(out, "tcp dport"));
	assert_non_null(strstr(out, "ct state new counter drop"));
	free(rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_egress_only_to_the_server_address_and_port),
		cmocka_unit_test(test_egress_default_port_and_ipv6_server),
		cmocka_unit_test(test_egress_without_server_starts_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
