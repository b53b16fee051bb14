/*
 * dias-server.conf parser.  Any input: no crash, every error is one
 * printable "name:line: message", and an accepted file prints to a
 * configuration that parses to the same printout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
report(void *arg, const char *msg)
{
	size_t i;

	(void)arg;
	CHECK(strncmp(msg, "fuzz:", 5) == 0);
	for (i = 0; msg[i] != '\0'; i++)
		CHECK(msg[i] != '\n');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_conf c, d;
	char *p1 = NULL, *p2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f;

	server_conf_init(&c);
	if (server_conf_parse_mem("fuzz", (const char *)data, size, &c,
	    report, NULL) == 0) {
		CHECK((f = open_memstream(&p1, &l1)) != NULL);
		server_conf_print(&c, f);
		fclose(f);
		server_conf_init(&d);
		CHECK(server_conf_parse_mem("fuzz", p1, l1, &d, report,
		    NULL) == 0);
		CHECK((f = open_memstream(&p2, &l2)) != NULL);
		server_conf_print(&d, f);
		fclose(f);
		CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
		server_conf_free(&d);
		free(p1);
		free(p2);
	}
	server_conf_free(&c);
	return 0;
}
