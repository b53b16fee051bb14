/*
 * The built-in services' glue (vservice.h) and three trivial services
 * the tests and benchmarks use: "echo" (RFC 862), "banner" (a greeting
 * line, then echo) and "qotd" (RFC 865: a line, then the server
 * closes).  The real services (ssh, http, smb …) plug in here in
 * a later issue.
 */
#include <netinet/in.h>

#include <string.h>

#include "stack_local.h"

int
vconn_send(struct flow *f, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (f->proto == IPPROTO_TCP)
		return vtcp_send(f->stack, f, data, len);
	if (f->proto == IPPROTO_UDP)
		return vudp_send(f->stack, f, data, len);
	return -1;
}

void
vconn_close(struct flow *f)
{
	/* UDP has no close: its flow ends when it goes idle. */
	if (f->proto == IPPROTO_TCP)
		vtcp_close(f->stack, f);
}

static int
echo_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	(void)state;
	return vconn_send(f, d, len) == -1 && f->proto == IPPROTO_TCP ? -1 : 0;
}

static const char banner_line[] = "220 service ready\r\n";

static int
banner_open(struct flow *f, void **state)
{
	(void)state;
	if (f->proto != IPPROTO_TCP)
		return 0;
	return vconn_send(f, banner_line, sizeof(banner_line) - 1);
}

/* RFC 865: a quote, then the server closes. */
static const char qotd_line[] =
    "\"The network is the computer.\" -- John Gage\r\n";

static int
qotd_open(struct flow *f, void **state)
{
	(void)state;
	if (vconn_send(f, qotd_line, sizeof(qotd_line) - 1) == -1)
		return -1;
	vconn_close(f);
	return 0;
}

static const struct vservice services[] = {
	{ "echo", NULL, echo_data, NULL },
	{ "banner", banner_open, echo_data, NULL },
	{ "qotd", qotd_open, NULL, NULL },
};

const struct vservice *
vservice_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}
