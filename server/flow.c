/*
 * Flow reconstruction for pcap import (flow.h).  One hash table of flows
 * keyed by both endpoints in either order, and three lists in order of
 * last activity (open TCP, closed TCP, the rest), since each ends after
 * its own idle time: expiring is a walk from the head of each list.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "flow.h"
#include "net.h"

#define CLOSED_IDLE_US	(10 * INT64_C(1000000))

enum { L_TCP, L_CLOSED, L_OTHER, L_MAX };

struct flow {
	struct flow	*hnext;			/* hash chain */
	struct flow	*prev, *next;		/* its activity list */
	int		 list;
	struct flow_rec	 r;
	uint8_t		*buf[2];
	uint8_t		 fin[2], closed;
};

struct flow_table {
	struct flow	**hash;
	size_t		 nbuckets, n, max;
	size_t		 payload_max;
	struct flow	*head[L_MAX], *tail[L_MAX];
	int64_t		 last_expire;
	struct flow_stats st;
};

static const int64_t idle_us[L_MAX] = {
	FLOW_TCP_IDLE_US, CLOSED_IDLE_US, FLOW_IDLE_US
};

struct flow_table *
flow_new(size_t max_flows, size_t payload_max)
{
	struct flow_table *t;

	if (max_flows == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	for (t->nbuckets = 1024; t->nbuckets < max_flows; t->nbuckets *= 2)
		;
	if ((t->hash = calloc(t->nbuckets, sizeof(*t->hash))) == NULL) {
		free(t);
		return NULL;
	}
	t->max = max_flows;
	t->payload_max = payload_max;
	return t;
}

static void
flow_release(struct flow *f)
{
	free(f->buf[0]);
	free(f->buf[1]);
	free(f);
}

void
flow_free(struct flow_table *t)
{
	struct flow *f;
	int l;

	if (t == NULL)
		return;
	for (l = 0; l < L_MAX; l++)
		while ((f = t->head[l]) != NULL) {
			t->head[l] = f->next;
			flow_release(f);
		}
	free(t->hash);
	free(t);
}

void
flow_stats(const struct flow_table *t, struct flow_stats *st)
{
	*st = t->st;
}

static uint32_t
mix(uint32_t h, const uint8_t *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 16777619u;	/* FNV-1a */
	return h;
}

/* The same for both directions: the endpoints are hashed in order. */
static size_t
bucket(const struct flow_table *t, uint8_t proto, const struct addr *a,
    uint16_t ap, const struct addr *b, uint16_t bp)
{
	uint32_t h = 2166136261u, x = (uint32_t)ap << 16 | bp;
	int c = addr_cmp(a, b);

	if (c > 0 || (c == 0 && ap > bp)) {
		const struct addr *s = a;

		a = b;
		b = s;
		x = (uint32_t)bp << 16 | ap;
	}
	h = mix(h, &proto, 1);
	h = mix(h, a->a, sizeof(a->a));
	h = mix(h, b->a, sizeof(b->a));
	h = mix(h, (const uint8_t *)&x, sizeof(x));
	return h & (t->nbuckets - 1);
}

static void
list_unlink(struct flow_table *t, struct flow *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		t->head[f->list] = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		t->tail[f->list] = f->prev;
	f->prev = f->next = NULL;
}

static void
list_append(struct flow_table *t, struct flow *f, int list)
{
	f->list = list;
	f->prev = t->tail[list];
	f->next = NULL;
	if (t->tail[list] != NULL)
		t->tail[list]->next = f;
	else
		t->head[list] = f;
	t->tail[list] = f;
}

/* Hand a flow to cb and forget it. */
static int
flow_end(struct flow_table *t, struct flow *f, uint8_t reason,
    int (*cb)(void *, const struct flow_rec *), void *arg)
{
	struct flow **pp;
	size_t b;
	int rc;

	b = bucket(t, f->r.proto, &f->r.src, f->r.sport, &f->r.dst,
	    f->r.dport);
	for (pp = &t->hash[b]; *pp != f; pp = &(*pp)->hnext)
		;
	*pp = f->hnext;
	list_unlink(t, f);
	t->n--;
	if (f->r.reason == 0)
		f->r.reason = reason;
	f->r.data[0] = f->buf[0];
	f->r.data[1] = f->buf[1];
	rc = cb(arg, &f->r);
	flow_release(f);
	return rc;
}

static int
expire(struct flow_table *t, int64_t now,
    int (*cb)(void *, const struct flow_rec *), void *arg)
{
	struct flow *f;
	int l;

	for (l = 0; l < L_MAX; l++)
		while ((f = t->head[l]) != NULL &&
		    now - f->r.last > idle_us[l])
			if (flow_end(t, f, l == L_CLOSED ? 0 : EVENT_TIMEOUT,
			    cb, arg) == -1)
				return -1;
	return 0;
}

/* The flow idle longest, of any list. */
static struct flow *
oldest(struct flow_table *t)
{
	struct flow *old = NULL;
	int l;

	for (l = 0; l < L_MAX; l++)
		if (t->head[l] != NULL && (old == NULL ||
		    t->head[l]->r.last < old->r.last))
			old = t->head[l];
	return old;
}

/* Make room: end the flow idle longest. */
static int
evict(struct flow_table *t, int (*cb)(void *, const struct flow_rec *),
    void *arg)
{
	struct flow *old;

	if ((old = oldest(t)) == NULL)
		return 0;
	t->st.evicted++;
	return flow_end(t, old, EVENT_EVICTED, cb, arg);
}

static void
keep(struct flow_table *t, struct flow *f, int dir, const uint8_t *p,
    size_t n, int64_t ts)
{
	size_t room;

	if (n == 0 || t->payload_max == 0)
		return;
	if (f->buf[dir] == NULL &&
	    (f->buf[dir] = malloc(t->payload_max)) == NULL)
		return;
	room = t->payload_max - f->r.len[dir];
	if (n > room)
		n = room;
	if (n == 0)
		return;
	if (f->r.len[dir] == 0)
		f->r.data_ts[dir] = ts;
	memcpy(f->buf[dir] + f->r.len[dir], p, n);
	f->r.len[dir] += n;
}

int
flow_frame(struct flow_table *t, int dlt, const uint8_t *frame, size_t len,
    int64_t ts, int (*cb)(void *, const struct flow_rec *), void *arg)
{
	struct pkt p;
	struct addr src, dst;
	struct flow *f;
	uint16_t sport = 0, dport = 0, iplen;
	uint8_t proto, tcpf = 0;
	size_t b;
	int dir, rc;

	t->st.frames++;
	pkt_init(&p, 0);
	switch (dlt) {
	case FLOW_DLT_EN10MB:
		rc = decode_eth(&p, frame, len);
		break;
	case FLOW_DLT_LINUX_SLL:
		rc = decode_sll(&p, frame, len);
		break;
	case FLOW_DLT_RAW:
	case FLOW_DLT_RAW_ALT:
		rc = decode_ip(&p, frame, len);
		break;
	default:
		return -1;
	}
	(void)rc;
	if (ts - t->last_expire >= 1000000) {
		t->last_expire = ts;
		if (expire(t, ts, cb, arg) == -1)
			return -1;
	}
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if (p.layers & PKT_L_IP4) {
		src.af = dst.af = AF_INET;
		memcpy(src.a, p.ip4.src, 4);
		memcpy(dst.a, p.ip4.dst, 4);
		proto = p.ip4.proto;
		iplen = p.ip4.len;
	} else if (p.layers & PKT_L_IP6) {
		src.af = dst.af = AF_INET6;
		memcpy(src.a, p.ip6.src, 16);
		memcpy(dst.a, p.ip6.dst, 16);
		proto = p.ip6.proto;
		iplen = (uint16_t)(p.ip6.plen + 40 < 65535 ? p.ip6.plen + 40 :
		    65535);
	} else {
		t->st.skipped++;
		return 0;
	}
	if (p.layers & PKT_L_TCP) {
		sport = p.tcp.sport;
		dport = p.tcp.dport;
		tcpf = p.tcp.flags;
		proto = IPPROTO_TCP;
	} else if (p.layers & PKT_L_UDP) {
		sport = p.udp.sport;
		dport = p.udp.dport;
		proto = IPPROTO_UDP;
	} else if (p.layers & (PKT_L_ICMP | PKT_L_ICMP6))
		proto = p.layers & PKT_L_ICMP ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	else {
		/* A later fragment, or a protocol without flows. */
		t->st.skipped++;
		return 0;
	}

	b = bucket(t, proto, &src, sport, &dst, dport);
	for (f = t->hash[b]; f != NULL; f = f->hnext)
		if (f->r.proto == proto &&
		    ((addr_cmp(&f->r.src, &src) == 0 && f->r.sport == sport &&
		    addr_cmp(&f->r.dst, &dst) == 0 && f->r.dport == dport) ||
		    (addr_cmp(&f->r.src, &dst) == 0 && f->r.sport == dport &&
		    addr_cmp(&f->r.dst, &src) == 0 && f->r.dport == sport)))
			break;
	/* A new SYN on a closed flow's ports is the next connection. */
	if (f != NULL && f->closed && (tcpf & (TH_SYN | TH_ACK)) == TH_SYN) {
		if (flow_end(t, f, 0, cb, arg) == -1)
			return -1;
		f = NULL;
	}
	if (f == NULL) {
		if (t->n >= t->max && evict(t, cb, arg) == -1)
			return -1;
		if ((f = calloc(1, sizeof(*f))) == NULL) {
			t->st.skipped++;
			return 0;
		}
		f->r.proto = proto;
		/* A SYN/ACK first: its receiver opened the connection. */
		if ((tcpf & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
			f->r.src = dst;
			f->r.sport = dport;
			f->r.dst = src;
			f->r.dport = sport;
		} else {
			f->r.src = src;
			f->r.sport = sport;
			f->r.dst = dst;
			f->r.dport = dport;
		}
		f->r.first = ts;
		f->hnext = t->hash[b];
		t->hash[b] = f;
		t->n++;
		t->st.flows++;
		list_append(t, f, proto == IPPROTO_TCP ? L_TCP : L_OTHER);
	}
	dir = addr_cmp(&f->r.src, &src) == 0 && f->r.sport == sport ? 0 : 1;
	f->r.pkts[dir]++;
	f->r.bytes[dir] += iplen;
	if (ts > f->r.last)
		f->r.last = ts;
	f->r.flags |= tcpf;
	keep(t, f, dir, p.payload, p.payload_len, ts);
	if (proto == IPPROTO_TCP && !f->closed) {
		if (tcpf & TH_RST) {
			f->closed = 1;
			f->r.reason = EVENT_RST;
		} else if (tcpf & TH_FIN) {
			f->fin[dir] = 1;
			if (f->fin[0] && f->fin[1]) {
				f->closed = 1;
				f->r.reason = EVENT_FIN;
			}
		}
	}
	list_unlink(t, f);
	list_append(t, f, proto != IPPROTO_TCP ? L_OTHER :
	    f->closed ? L_CLOSED : L_TCP);
	return 0;
}

int
flow_flush(struct flow_table *t, int (*cb)(void *, const struct flow_rec *),
    void *arg)
{
	struct flow *f;

	while ((f = oldest(t)) != NULL)
		if (flow_end(t, f, f->closed ? 0 : EVENT_TIMEOUT, cb, arg) ==
		    -1)
			return -1;
	return 0;
}
