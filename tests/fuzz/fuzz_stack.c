/*
 * The whole virtual-host stack under coverage-guided fuzzing: an input is
 * a script of frames for a fresh stack.  Each step is
 *	uint8  flags	(bit 0-2: STACK_F_*, bit 3: advance the clock first)
 *	uint8  dt	(clock step in 10 ms units when bit 3 is set)
 *	uint16 len	(big endian) and len bytes of Ethernet frame.
 * The stack must never crash, every frame it sends must decode without
 * anomaly, and every event it emits must be valid on the wire.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "event.h"
#include "net.h"
#include "stack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char cfg[] =
	"sensor {\n"
	"	claim 10.0.0.0/24 except 10.0.0.1\n"
	"	claim 2001:db8::/120\n"
	"	limits { connections 32; payload 2K; reassembly 4K }\n"
	"	limit idle 5s\n"
	"}\n"
	"create default\n"
	"set default personality \"Microsoft Windows XP\"\n"
	"set default ethernet \"intel\"\n"
	"add default tcp port 7 internal \"echo\"\n"
	"add default tcp port 21 internal \"banner\"\n"
	"add default tcp port 80 open\n"
	"add default tcp port 25 tarpit open\n"
	"add default udp port 7 internal \"echo\"\n"
	"add default udp port 53 open\n"
	"create linux\n"
	"set linux personality \"Linux 2.6.32\"\n"
	"add linux tcp port 22 open\n"
	"bind 10.0.0.50 linux\n"
	"bind 2001:db8::50 default\n";

static struct conf *conf;

static int
fz_send(void *arg, int ifindex, const uint8_t *frame, size_t len)
{
	struct pkt p;

	(void)arg;
	(void)ifindex;
	pkt_init(&p, 0);
	if (decode_eth(&p, frame, len) == -1 || p.nanom != 0) {
		char a[256];

		pkt_anoms_fmt(&p, a, sizeof(a));
		fprintf(stderr, "stack sent a malformed frame: %s\n", a);
		abort();
	}
	return 0;
}

static void
fz_emit(void *arg, struct event *ev)
{
	struct buf b;
	char err[128];

	(void)arg;
	snprintf(ev->sensor, sizeof(ev->sensor), "fuzz");
	ev->seq = 1;
	buf_init(&b, EVENT_LINE_MAX);
	if (event_encode(ev, &b, err, sizeof(err)) == -1) {
		fprintf(stderr, "stack emitted an invalid event: %s\n", err);
		abort();
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ifmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct conf_params cp;
	struct stack_iface ifc;
	struct stack_io io;
	struct stack *st;
	uint64_t now = 1000000000ULL;
	size_t off = 0, len;

	if (conf == NULL) {
		memset(&cp, 0, sizeof(cp));
		if (conf_parse_buffer("fuzz.conf", cfg, sizeof(cfg) - 1, &cp,
		    &conf) == -1)
			abort();
	}
	memset(&io, 0, sizeof(io));
	io.send = fz_send;
	io.emit = fz_emit;
	if ((st = stack_new(conf, &io, now)) == NULL)
		abort();
	stack_seed(st, 7);
	memset(&ifc, 0, sizeof(ifc));
	ifc.ifindex = 2;
	snprintf(ifc.name, sizeof(ifc.name), "veth0");
	memcpy(ifc.mac, ifmac, 6);
	addr_parse("10.0.0.1", &ifc.addrs[0]);
	ifc.plens[0] = 24;
	ifc.naddrs = 1;
	if (stack_add_iface(st, &ifc) == -1)
		abort();

	while (size - off >= 4) {
		uint8_t flags = data[off], dt = data[off + 1];

		len = (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		if (flags & 0x08) {
			now += (uint64_t)dt * 10000;
			stack_timers(st, now);
		}
		stack_input(st, 2, data + off, len, flags & 0x07, now);
		off += len;
	}
	/* Let every timer run out: retransmissions, idle ends, claims. */
	now += 600ULL * 1000000;
	stack_timers(st, now);
	stack_free(st);
	return 0;
}
