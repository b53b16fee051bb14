/*
 * The honeyd-style log (sensor/hlog.c) over any event a sensor could emit:
 * the input is an event line; when it decodes, every honeyd line made of
 * it must parse back with server/honeyd.c's parser to the same facts, so
 * that `diasctl import honeyd-log` reads whatever the sensor writes.
 */
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hlog.h"
#include "honeyd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char types[] = "SE-";
	const struct event_connection *c;
	struct honeyd_rec r;
	struct event e;
	char line[HLOG_LINE_MAX], err[256];
	size_t i;
	int n;

	if (event_decode((const char *)data, size, &e, err, sizeof(err)) == -1)
		return 0;
	c = &e.u.connection;
	for (i = 0; i < 3; i++) {
		n = hlog_format(&e, types[i], line, sizeof(line));
		CHECK(n >= 0);
		if (n == 0) {
			CHECK(e.kind != EVENT_CONNECTION ||
			    c->t.proto == IPPROTO_ICMPV6);
			continue;
		}
		CHECK((size_t)n < sizeof(line) && line[n - 1] == '\n');
		CHECK(honeyd_parse_line(line, (size_t)n, &r, err,
		    sizeof(err)) == 0);
		CHECK(r.ts == e.ts / 100 * 100);
		CHECK(r.proto == c->t.proto);
		CHECK(addr_eq(&r.src, &c->t.src) && addr_eq(&r.dst, &c->t.dst));
		CHECK(r.sport == c->t.sport && r.dport == c->t.dport);
		/* Byte counts as honeyd kept them: 32 bits, saturated. */
		if (r.type == 'E') {
			CHECK(r.recv == (c->bytes_in > UINT32_MAX ? UINT32_MAX :
			    c->bytes_in));
			CHECK(r.sent == (c->bytes_out > UINT32_MAX ?
			    UINT32_MAX : c->bytes_out));
		}
	}
	event_clear(&e);
	return 0;
}
