/*
 * A harness for the virtual-host stack's suites: a stack on an inline
 * configuration, a fake clock, every frame it sends decoded back with the
 * codec, and every event it emits kept.  Frames in are built with the
 * codec's encoders.
 */
#ifndef DIAS_TEST_STACK_H
#define DIAS_TEST_STACK_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "conf.h"
#include "event.h"
#include "net.h"
#include "stack.h"

#define H_IFINDEX	3
#define H_MAXOUT	256
#define H_MAXEV		512

struct h_frame {
	uint8_t		 b[2048];
	size_t		 len;
	int		 ifindex;
	struct pkt	 p;		/* decoded from b */
};

struct harness {
	struct conf	*conf;
	struct stack	*st;
	uint64_t	 now;
	struct h_frame	*out;
	size_t		 nout;
	struct event	*ev;
	size_t		 nev;
	/* The last upload handed over, and how many there were. */
	uint8_t		*up;
	size_t		 uplen, nup;
};

#define H_UNUSED	__attribute__((unused))
static const uint8_t h_ifmac[6] H_UNUSED = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t h_peermac[6] H_UNUSED = { 0x02, 0xaa, 0, 0, 0, 0x02 };
static const uint8_t h_bcast[6] H_UNUSED = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static inline int
h_send(void *arg, int ifindex, const uint8_t *frame, size_t len)
{
	struct harness *h = arg;
	struct h_frame *f;

	assert_true(h->nout < H_MAXOUT);
	assert_true(len <= sizeof(f->b));
	f = &h->out[h->nout++];
	memcpy(f->b, frame, len);
	f->len = len;
	f->ifindex = ifindex;
	pkt_init(&f->p, 0);
	assert_int_equal(decode_eth(&f->p, f->b, f->len), 0);
	/* Everything the stack builds must be well-formed. */
	if (f->p.nanom != 0) {
		char a[256];

		pkt_anoms_fmt(&f->p, a, sizeof(a));
		fail_msg("stack sent a frame with anomalies: %s", a);
	}
	return 0;
}

static inline void
h_emit(void *arg, struct event *ev)
{
	struct harness *h = arg;
	struct buf b;
	char err[128];

	assert_true(h->nev < H_MAXEV);
	/* Every event must be valid on the wire. */
	buf_init(&b, EVENT_LINE_MAX);
	if (ev->sensor[0] == '\0')
		snprintf(ev->sensor, sizeof(ev->sensor), "test");
	ev->seq = h->nev + 1;
	if (event_encode(ev, &b, err, sizeof(err)) == -1)
		fail_msg("invalid event: %s", err);
	buf_free(&b);
	h->ev[h->nev] = *ev;
	/* Take over what the event owns; the stack clears the rest. */
	if (ev->kind == EVENT_PAYLOAD)
		ev->u.payload.data = NULL;
	if (ev->kind == EVENT_SERVICE) {
		ev->u.service.fields = NULL;
		ev->u.service.nfields = 0;
	}
	h->nev++;
}

static inline void
h_upload(void *arg, const struct event *ev, const uint8_t *data, size_t len)
{
	struct harness *h = arg;

	assert_int_equal(ev->kind, EVENT_UPLOAD);
	assert_int_equal(ev->u.upload.size, len);
	free(h->up);
	h->up = malloc(len);
	assert_non_null(h->up);
	memcpy(h->up, data, len);
	h->uplen = len;
	h->nup++;
}

static inline void
h_setup(struct harness *h, const char *cfg)
{
	struct conf_params cp;
	struct stack_io io;
	struct stack_iface ifc;

	memset(h, 0, sizeof(*h));
	memset(&cp, 0, sizeof(cp));
	if (conf_parse_buffer("test.conf", cfg, strlen(cfg), &cp,
	    &h->conf) == -1)
		fail_msg("config does not parse");
	h->out = calloc(H_MAXOUT, sizeof(*h->out));
	h->ev = calloc(H_MAXEV, sizeof(*h->ev));
	assert_non_null(h->out);
	assert_non_null(h->ev);
	h->now = 1000000000ULL;
	memset(&io, 0, sizeof(io));
	io.upload = h_upload;
	io.send = h_send;
	io.emit = h_emit;
	io.arg = h;
	h->st = stack_new(h->conf, &io, h->now);
	assert_non_null(h->st);
	stack_seed(h->st, 42);
	memset(&ifc, 0, sizeof(ifc));
	ifc.ifindex = H_IFINDEX;
	snprintf(ifc.name, sizeof(ifc.name), "veth0");
	memcpy(ifc.mac, h_ifmac, 6);
	addr_parse("10.0.0.1", &ifc.addrs[0]);
	ifc.plens[0] = 24;
	ifc.naddrs = 1;
	assert_int_equal(stack_add_iface(h->st, &ifc), 0);
}

static inline void
h_clear_out(struct harness *h)
{
	h->nout = 0;
}

static inline void
h_clear_ev(struct harness *h)
{
	size_t i;

	for (i = 0; i < h->nev; i++)
		event_clear(&h->ev[i]);
	h->nev = 0;
}

static inline void
h_teardown(struct harness *h)
{
	stack_free(h->st);
	conf_free(h->conf);
	h_clear_ev(h);
	free(h->up);
	free(h->ev);
	free(h->out);
}

/*
 * cmocka fixtures: a harness on the heap for each test.  A suite writes
 *	static int setup(void **state) { return h_new(state, cfg); }
 * and passes h_delete as the teardown.
 */
static inline int
h_new(void **state, const char *cfg)
{
	struct harness *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	h_setup(h, cfg);
	*state = h;
	return 0;
}

static inline int
h_delete(void **state)
{
	struct harness *h = *state;

	h_teardown(h);
	free(h);
	return 0;
}

/* Advance the fake clock by ms, running timers as the engine would. */
static inline void
h_advance(struct harness *h, uint64_t ms)
{
	uint64_t end = h->now + ms * 1000, next;

	for (;;) {
		next = stack_timers(h->st, h->now);
		if (next == UINT64_MAX || h->now + next > end)
			break;
		h->now += next;
	}
	h->now = end;
	(void)stack_timers(h->st, h->now);
}

static inline void
h_input(struct harness *h, const uint8_t *b, size_t len, unsigned flags)
{
	uint8_t *copy = malloc(len);	/* exact size: ASan sees overreads */

	assert_non_null(copy);
	memcpy(copy, b, len);
	stack_input(h->st, H_IFINDEX, copy, len, flags, h->now);
	free(copy);
}

static inline void
h_inpkt(struct harness *h, const struct pkt *p, unsigned flags)
{
	uint8_t b[2048];
	int n;

	n = encode_pkt(p, b, sizeof(b));
	assert_true(n > 0);
	h_input(h, b, (size_t)n, flags);
}

static inline void
h_ip4(uint8_t out[4], const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	memcpy(out, a.a, 4);
}

/* An Ethernet/IPv4 packet from the peer (10.0.0.99) to dst. */
static inline void
h_ip4pkt(struct pkt *p, const char *dst, uint8_t proto)
{
	pkt_init(p, 0);
	p->layers = PKT_L_ETH | PKT_L_IP4;
	memcpy(p->eth.src, h_peermac, 6);
	memcpy(p->eth.dst, h_ifmac, 6);
	p->eth.type = 0x0800;
	p->ip4.ttl = 64;
	p->ip4.id = 0x1234;
	p->ip4.proto = proto;
	h_ip4(p->ip4.src, "10.0.0.99");
	h_ip4(p->ip4.dst, dst);
}

static inline void
h_tcp(struct harness *h, const char *dst, uint16_t sport, uint16_t dport,
    uint8_t flags, uint32_t seq, uint32_t ack, const void *data, size_t len,
    unsigned fflags)
{
	struct pkt p;
	uint8_t mss[2] = { 0x05, 0xb4 };

	h_ip4pkt(&p, dst, IPPROTO_TCP);
	p.layers |= PKT_L_TCP;
	p.tcp.sport = sport;
	p.tcp.dport = dport;
	p.tcp.seq = seq;
	p.tcp.ack = ack;
	p.tcp.flags = flags;
	p.tcp.win = 65535;
	if (flags & TH_SYN)
		assert_int_equal(opt_add(&p.tcp.opts, TCPOPT_MSS, mss, 2), 0);
	p.payload = data;
	p.payload_len = len;
	h_inpkt(h, &p, fflags);
}

/* Find the n-th sent TCP frame, or fail. */
static inline const struct pkt *
h_out(struct harness *h, size_t i)
{
	if (i >= h->nout)
		fail_msg("want frame %zu, stack sent %zu", i, h->nout);
	return &h->out[i].p;
}

static inline size_t
h_count_ev(const struct harness *h, int kind)
{
	size_t i, n = 0;

	for (i = 0; i < h->nev; i++)
		if (h->ev[i].kind == kind)
			n++;
	return n;
}

static inline const struct event *
h_find_ev(const struct harness *h, int kind, int sub)
{
	size_t i;

	for (i = 0; i < h->nev; i++) {
		if (h->ev[i].kind != kind)
			continue;
		if (kind == EVENT_CONNECTION && sub != 0 &&
		    h->ev[i].u.connection.phase != sub)
			continue;
		if (kind == EVENT_CLAIM && sub != 0 &&
		    h->ev[i].u.claim.action != sub)
			continue;
		return &h->ev[i];
	}
	return NULL;
}

/* Complete a handshake to dst:dport from sport; returns our ISS. */
static inline uint32_t
h_connect(struct harness *h, const char *dst, uint16_t sport,
    uint16_t dport, uint32_t iss)
{
	const struct pkt *sa;
	uint32_t ours;

	h_clear_out(h);
	h_tcp(h, dst, sport, dport, TH_SYN, iss, 0, NULL, 0, 0);
	sa = h_out(h, 0);
	assert_true(sa->layers & PKT_L_TCP);
	assert_int_equal(sa->tcp.flags, TH_SYN | TH_ACK);
	assert_int_equal(sa->tcp.ack, iss + 1);
	ours = sa->tcp.seq;
	h_tcp(h, dst, sport, dport, TH_ACK, iss + 1, ours + 1, NULL, 0, 0);
	h_clear_out(h);
	return ours;
}

#endif
