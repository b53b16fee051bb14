/*
 * Helpers for the built-in services' suites, over the stack harness
 * (test_stack.h): a TCP client that sends bytes and collects what the
 * service answers, a UDP exchange, and service-event field lookup.
 */
#ifndef DIAS_TEST_SVC_H
#define DIAS_TEST_SVC_H

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "test_stack.h"

/* The sensor block every suite's configuration begins with. */
#define S_SENSOR							\
	"sensor {\n"							\
	"	interface veth0\n"					\
	"	limits { connections 64; payload 1M }\n"		\
	"	limit idle 10s\n"					\
	"}\n"

/* One TCP client connection to dst:dport. */
struct s_conn {
	const char	*dst;
	uint16_t	 sport, dport;
	uint32_t	 snd;		/* our next seq */
	uint32_t	 rcv;		/* their next seq */
	int		 fin;		/* they sent FIN */
	uint8_t		 got[65536];	/* everything they sent */
	size_t		 ngot;
};

/* Take c's payload (and FIN) out of the frames sent so far; 1 if there
 * is something to ACK. */
static inline int
s_take(struct harness *h, struct s_conn *c)
{
	const struct pkt *p;
	size_t i;
	int acked = 0;

	for (i = 0; i < h->nout; i++) {
		p = &h->out[i].p;
		if (!(p->layers & PKT_L_TCP) || p->tcp.dport != c->sport)
			continue;
		if (p->tcp.flags & TH_RST)
			c->fin = -1;
		if (p->payload_len > 0 && p->tcp.seq == c->rcv) {
			assert_true(c->ngot + p->payload_len <= sizeof(c->got));
			memcpy(c->got + c->ngot, p->payload, p->payload_len);
			c->ngot += p->payload_len;
			c->rcv += (uint32_t)p->payload_len;
			acked = 1;
		}
		if ((p->tcp.flags & TH_FIN) && p->tcp.seq + p->payload_len ==
		    c->rcv && c->fin == 0) {
			c->rcv++;
			c->fin = 1;
			acked = 1;
		}
	}
	return acked;
}

/* Take the payload (and FIN) of every frame sent so far to any of the
 * n connections (an FTP session and its data connection), and ACK it. */
static inline void
s_collect_n(struct harness *h, struct s_conn **c, size_t n)
{
	int acked[4] = { 0 };
	size_t i;

	assert_true(n <= 4);
	for (i = 0; i < n; i++)
		acked[i] = s_take(h, c[i]);
	h_clear_out(h);
	for (i = 0; i < n; i++)
		if (acked[i])
			h_tcp(h, c[i]->dst, c[i]->sport, c[i]->dport, TH_ACK,
			    c[i]->snd, c[i]->rcv, NULL, 0, 0);
	if (h->nout > 0)
		s_collect_n(h, c, n);
}

/* Take the payload (and FIN) of every frame sent so far, and ACK it. */
static inline void
s_collect(struct harness *h, struct s_conn *c)
{
	s_collect_n(h, &c, 1);
}

/* Connect, and collect a greeting sent when the handshake completes
 * (and, if other is not NULL, what is sent on it meanwhile). */
static inline void
s_open_beside(struct harness *h, struct s_conn *c, struct s_conn *other,
    const char *dst, uint16_t sport, uint16_t dport)
{
	struct s_conn *both[2] = { c, other };
	const struct pkt *sa;

	memset(c, 0, sizeof(*c));
	c->dst = dst;
	c->sport = sport;
	c->dport = dport;
	h_clear_out(h);
	h_tcp(h, dst, sport, dport, TH_SYN, 1000, 0, NULL, 0, 0);
	sa = h_out(h, 0);
	assert_int_equal(sa->tcp.flags, TH_SYN | TH_ACK);
	c->rcv = sa->tcp.seq + 1;
	c->snd = 1001;
	h_clear_out(h);
	h_tcp(h, dst, sport, dport, TH_ACK, c->snd, c->rcv, NULL, 0, 0);
	s_collect_n(h, both, other != NULL ? 2 : 1);
}

static inline void
s_open(struct harness *h, struct s_conn *c, const char *dst,
    uint16_t sport, uint16_t dport)
{
	s_open_beside(h, c, NULL, dst, sport, dport);
}

/* Send on c; collect what comes back on c and on other (NULL: none). */
static inline void
s_send_beside(struct harness *h, struct s_conn *c, struct s_conn *other,
    const void *d, size_t len, uint8_t flags)
{
	struct s_conn *both[2] = { c, other };

	h_clear_out(h);
	h_tcp(h, c->dst, c->sport, c->dport, TH_ACK | flags, c->snd, c->rcv,
	    d, len, 0);
	c->snd += (uint32_t)len + ((flags & TH_FIN) != 0);
	s_collect_n(h, both, other != NULL ? 2 : 1);
}

static inline void
s_send(struct harness *h, struct s_conn *c, const void *d, size_t len)
{
	s_send_beside(h, c, NULL, d, len, TH_PUSH);
}

static inline void
s_sends(struct harness *h, struct s_conn *c, const char *s)
{
	s_send(h, c, s, strlen(s));
}

/* What the service sent, as a string (got must hold text). */
static inline const char *
s_text(struct s_conn *c)
{
	static char t[sizeof(c->got) + 1];

	memcpy(t, c->got, c->ngot);
	t[c->ngot] = '\0';
	return t;
}

/* Forget what was received so far. */
static inline void
s_reset_got(struct s_conn *c)
{
	c->ngot = 0;
}

/* What the service sent holds want (got may hold NULs). */
static inline void
s_assert_has(struct s_conn *c, const char *want)
{
	if (memmem(c->got, c->ngot, want, strlen(want)) == NULL)
		fail_msg("no \"%s\" in \"%s\"", want, s_text(c));
}

/* One exchange of a line protocol: send line, the answer holds want. */
static inline void
s_say(struct harness *h, struct s_conn *c, const char *line,
    const char *want)
{
	s_reset_got(c);
	s_sends(h, c, line);
	s_assert_has(c, want);
}

/* The client closes its side (FIN); what the service answers is taken. */
static inline void
s_fin(struct harness *h, struct s_conn *c)
{
	h_clear_out(h);
	h_tcp(h, c->dst, c->sport, c->dport, TH_FIN | TH_ACK, c->snd, c->rcv,
	    NULL, 0, 0);
	c->snd++;
	s_collect(h, c);
}

/* One UDP datagram to dst:dport; the reply (if any) into out.  The
 * frames sent stay in h->out until the next exchange. */
static inline size_t
s_udp(struct harness *h, const char *dst, uint16_t sport, uint16_t dport,
    const void *d, size_t len, uint8_t *out, size_t cap)
{
	struct pkt in;
	const struct pkt *p;
	size_t i, n = 0;

	h_clear_out(h);
	h_ip4pkt(&in, dst, IPPROTO_UDP);
	in.layers |= PKT_L_UDP;
	in.udp.sport = sport;
	in.udp.dport = dport;
	in.payload = d;
	in.payload_len = len;
	h_inpkt(h, &in, 0);
	for (i = 0; i < h->nout; i++) {
		p = &h->out[i].p;
		if (!(p->layers & PKT_L_UDP))
			continue;
		assert_int_equal(p->udp.dport, sport);
		assert_int_equal(p->udp.sport, dport);
		assert_true(p->payload_len <= cap);
		memcpy(out, p->payload, p->payload_len);
		n = p->payload_len;
	}
	return n;
}

/* The n-th service event (0-based) of type (NULL: any), or NULL. */
static inline const struct event *
s_svc_ev(const struct harness *h, const char *type, size_t n)
{
	size_t i;

	for (i = 0; i < h->nev; i++) {
		if (h->ev[i].kind != EVENT_SERVICE)
			continue;
		if (type != NULL && strcmp(h->ev[i].u.service.type, type) != 0)
			continue;
		if (n-- == 0)
			return &h->ev[i];
	}
	return NULL;
}

static inline size_t
s_count_svc(const struct harness *h, const char *type)
{
	size_t n = 0;

	while (s_svc_ev(h, type, n) != NULL)
		n++;
	return n;
}

/* A field's value, or NULL. */
static inline const char *
s_field(const struct event *e, const char *key)
{
	size_t i;

	assert_non_null(e);
	for (i = 0; i < e->u.service.nfields; i++)
		if (strcmp(e->u.service.fields[i].key, key) == 0)
			return e->u.service.fields[i].value;
	return NULL;
}

#define assert_field(e, key, want) do {					\
	const char *v_ = s_field((e), (key));				\
	if (v_ == NULL)							\
		fail_msg("no field %s", (key));				\
	assert_string_equal(v_, (want));				\
} while (0)

/* The upload event's sha256 against the bytes' own. */
static inline void
s_assert_upload(const struct harness *h, const void *d, size_t len)
{
	const struct event *e = h_find_ev(h, EVENT_UPLOAD, 0);
	uint8_t md[32];

	assert_non_null(e);
	assert_int_equal(e->u.upload.size, len);
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, d, len, md), 0);
	assert_memory_equal(e->u.upload.sha256, md, 32);
	assert_int_equal(h->uplen, len);
	assert_memory_equal(h->up, d, len);
}

#endif
