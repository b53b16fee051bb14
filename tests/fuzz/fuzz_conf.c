/*
 * The configuration parser on arbitrary bytes: it must report, never crash
 * or leak.  Includes are refused so that an input cannot read the disk.
 * A configuration that parses is printed, and its lookups must agree with
 * its listings: every binding's ends find its template, every port found
 * by iteration is found by lookup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_lookups(const struct conf *conf)
{
	const struct template *t;
	const struct template_port *tp;
	struct addr lo, hi;
	size_t i;
	int p;

	for (i = 0; (t = conf_binding_at(conf, i, &lo, &hi)) != NULL; i++)
		if (conf_template_for(conf, &lo) != t ||
		    conf_template_for(conf, &hi) != t ||
		    !addrset_contains(conf_bound(conf), &hi))
			abort();
	for (t = conf_template_next(conf, NULL); t != NULL;
	    t = conf_template_next(conf, t))
		for (p = PROTO_TCP; p <= PROTO_UDP; p++)
			for (i = 0; (tp = template_port_at(t, p, i)) != NULL;
			    i++)
				if (template_port(t, p, tp->port) != tp ||
				    template_action(t, p, tp->port) !=
				    &tp->action)
					abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct conf_params p = { 0 };
	struct conf *conf;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		return 0;
	p.errf = devnull;
	p.flags = CONF_F_NOINCLUDE | CONF_F_VERBOSE;
	if (conf_parse_buffer("fuzz", data, size, &p, &conf) == 0) {
		check_lookups(conf);
		conf_print(conf, devnull);
		conf_free(conf);
	}
	return 0;
}
