/*
 * The built-in services under fuzzing, through the real stack: a client
 * connects to the service's port and sends the input as its stream (TCP)
 * or as datagrams (UDP).  The first input byte picks the cut: segments
 * of (byte % 64) * 23 + 1 bytes (TCP; at most 1460), or, for UDP, each
 * datagram is preceded by its length byte.  The client ACKs all it gets,
 * advances the clock a little per step, and finally closes.
 *
 * Checked: no crash or leak (ASan), every frame the stack sends is
 * well-formed and goes to the client only (a service never connects
 * out), every event is valid on the wire, and no service memory is left
 * charged (service_leaks stays 0).
 */
#ifndef DIAS_FUZZ_SVC_H
#define DIAS_FUZZ_SVC_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "event.h"
#include "net.h"
#include "stack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t fz_ifmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t fz_peermac[6] = { 0x02, 0xaa, 0, 0, 0, 0x02 };
static const uint8_t fz_peer[4] = { 10, 0, 0, 99 };
static const uint8_t fz_vh[4] = { 10, 0, 0, 50 };

/* The sensor block every service fuzzer's configuration begins with. */
#define FZ_SENSOR							\
	"sensor {\n"							\
	"	interface veth0\n"					\
	"	limits { connections 16; payload 64K }\n"		\
	"}\n"

struct fz_client {
	uint32_t	 snd, rcv;
	int		 synack;
};

static inline void
fz_fail(const char *what)
{
	fprintf(stderr, "%s\n", what);
	abort();
}

static inline int
fz_send(void *arg, int ifindex, const uint8_t *frame, size_t len)
{
	struct fz_client *c = arg;
	struct pkt p;

	(void)ifindex;
	pkt_init(&p, 0);
	if (decode_eth(&p, frame, len) == -1 || p.nanom != 0)
		fz_fail("stack sent a malformed frame");
	if (!(p.layers & PKT_L_IP4) || memcmp(p.ip4.dst, fz_peer, 4) != 0)
		fz_fail("stack sent a frame to someone other than the client");
	if (p.layers & PKT_L_TCP) {
		if ((p.tcp.flags & TH_SYN) && !(p.tcp.flags & TH_ACK))
			fz_fail("stack opened a connection");
		if (p.tcp.flags & TH_SYN) {
			c->rcv = p.tcp.seq + 1;
			c->synack = 1;
		} else if (p.tcp.seq == c->rcv)
			c->rcv += (uint32_t)p.payload_len +
			    ((p.tcp.flags & TH_FIN) != 0);
	}
	return 0;
}

static inline void
fz_emit(void *arg, struct event *ev)
{
	struct buf b;
	char err[128];

	(void)arg;
	snprintf(ev->sensor, sizeof(ev->sensor), "fuzz");
	ev->seq = 1;
	buf_init(&b, EVENT_LINE_MAX);
	if (event_encode(ev, &b, err, sizeof(err)) == -1) {
		fprintf(stderr, "invalid event: %s\n", err);
		abort();
	}
	buf_free(&b);
}

static inline void
fz_upload(void *arg, const struct event *ev, const uint8_t *d, size_t len)
{
	(void)arg;
	if (ev->kind != EVENT_UPLOAD || ev->u.upload.size != len ||
	    (len > 0 && d == NULL))
		fz_fail("bad upload");
}

static inline void
fz_frame(struct stack *st, uint8_t proto, uint16_t sport, uint16_t dport,
    uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *d, size_t len,
    uint64_t now)
{
	static uint8_t b[2048];
	struct pkt p;
	int n;

	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_IP4;
	memcpy(p.eth.src, fz_peermac, 6);
	memcpy(p.eth.dst, fz_ifmac, 6);
	p.eth.type = 0x0800;
	p.ip4.ttl = 64;
	p.ip4.id = 1;
	p.ip4.proto = proto;
	memcpy(p.ip4.src, fz_peer, 4);
	memcpy(p.ip4.dst, fz_vh, 4);
	if (proto == IPPROTO_TCP) {
		p.layers |= PKT_L_TCP;
		p.tcp.sport = sport;
		p.tcp.dport = dport;
		p.tcp.seq = seq;
		p.tcp.ack = ack;
		p.tcp.flags = flags;
		p.tcp.win = 65535;
	} else {
		p.layers |= PKT_L_UDP;
		p.udp.sport = sport;
		p.udp.dport = dport;
	}
	p.payload = d;
	p.payload_len = len;
	if ((n = encode_pkt(&p, b, sizeof(b))) <= 0)
		fz_fail("cannot build a frame");
	stack_input(st, 3, b, (size_t)n, 0, now);
}

/* A stack on cfg whose frames go to send(arg, ...). */
static inline struct stack *
fz_stack_send(struct conf **conf, const char *cfg,
    int (*send)(void *, int, const uint8_t *, size_t), void *arg,
    uint64_t now)
{
	struct conf_params cp;
	struct stack_iface ifc;
	struct stack_io io;
	struct stack *st;

	if (*conf == NULL) {
		memset(&cp, 0, sizeof(cp));
		if (conf_parse_buffer("fuzz.conf", cfg, strlen(cfg), &cp,
		    conf) == -1)
			fz_fail("config does not parse");
	}
	memset(&io, 0, sizeof(io));
	io.send = send;
	io.emit = fz_emit;
	io.upload = fz_upload;
	io.arg = arg;
	if ((st = stack_new(*conf, &io, now)) == NULL)
		fz_fail("stack_new");
	stack_seed(st, 1);
	memset(&ifc, 0, sizeof(ifc));
	ifc.ifindex = 3;
	snprintf(ifc.name, sizeof(ifc.name), "veth0");
	memcpy(ifc.mac, fz_ifmac, 6);
	if (addr_parse("10.0.0.1", &ifc.addrs[0]) == -1)
		fz_fail("addr_parse");
	ifc.plens[0] = 24;
	ifc.naddrs = 1;
	if (stack_add_iface(st, &ifc) == -1)
		fz_fail("stack_add_iface");
	return st;
}

static inline struct stack *
fz_stack(struct conf **conf, const char *cfg, struct fz_client *c,
    uint64_t now)
{
	return fz_stack_send(conf, cfg, fz_send, c, now);
}

/* The client's SYN and ACK from sport to dport (c->synack: answered). */
static inline void
fz_handshake(struct stack *st, struct fz_client *c, uint16_t sport,
    uint16_t dport, uint64_t now)
{
	c->snd = 1000;
	fz_frame(st, IPPROTO_TCP, sport, dport, TH_SYN, c->snd, 0, NULL, 0,
	    now);
	c->snd++;
	fz_frame(st, IPPROTO_TCP, sport, dport, TH_ACK, c->snd, c->rcv, NULL,
	    0, now);
}

/* The client's FIN and the ACK of the service's. */
static inline void
fz_finish(struct stack *st, struct fz_client *c, uint16_t sport,
    uint16_t dport, uint64_t now)
{
	fz_frame(st, IPPROTO_TCP, sport, dport, TH_FIN | TH_ACK, c->snd,
	    c->rcv, NULL, 0, now);
	c->snd++;
	fz_frame(st, IPPROTO_TCP, sport, dport, TH_ACK, c->snd, c->rcv, NULL,
	    0, now);
}

/* The segment size the first input byte picks; the byte is consumed. */
static inline size_t
fz_cut(const uint8_t **data, size_t *size)
{
	size_t cut;

	if (*size == 0)
		return 1;
	cut = (size_t)((*data)[0] % 64) * 23 + 1;
	(*data)++;
	(*size)--;
	return cut;
}

static inline void
fz_done(struct stack *st)
{
	if (stack_counter(st, "service_leaks") != 0)
		fz_fail("service memory left charged");
	stack_free(st);
}

static inline int
fuzz_svc_tcp(struct conf **conf, const char *cfg, uint16_t port,
    const uint8_t *data, size_t size)
{
	struct fz_client c;
	struct stack *st;
	uint64_t now = 1000000000ULL;
	size_t cut, n;

	memset(&c, 0, sizeof(c));
	st = fz_stack(conf, cfg, &c, now);
	fz_handshake(st, &c, 40000, port, now);
	if (!c.synack)
		fz_fail("no SYN/ACK");
	cut = fz_cut(&data, &size);
	while (size > 0) {
		n = size < cut ? size : cut;
		fz_frame(st, IPPROTO_TCP, 40000, port, TH_ACK | TH_PUSH,
		    c.snd, c.rcv, data, n, now);
		c.snd += (uint32_t)n;
		data += n;
		size -= n;
		now += 10000;
		(void)stack_timers(st, now);
		/* ACK what the service said, so its buffer drains. */
		fz_frame(st, IPPROTO_TCP, 40000, port, TH_ACK, c.snd, c.rcv,
		    NULL, 0, now);
	}
	fz_finish(st, &c, 40000, port, now);
	fz_done(st);
	return 0;
}

static inline int
fuzz_svc_udp(struct conf **conf, const char *cfg, uint16_t port,
    const uint8_t *data, size_t size)
{
	struct fz_client c;
	struct stack *st;
	uint64_t now = 1000000000ULL;
	size_t n;

	memset(&c, 0, sizeof(c));
	st = fz_stack(conf, cfg, &c, now);
	while (size > 0) {
		n = data[0];
		data++;
		size--;
		if (n == 0 || n > size)
			n = size < 1400 ? size : 1400;
		fz_frame(st, IPPROTO_UDP, 40000, port, 0, 0, 0, data, n, now);
		data += n;
		size -= n;
		now += 10000;
		(void)stack_timers(st, now);
	}
	fz_done(st);
	return 0;
}

#endif
