/*
 * Flows and timers.  Flows come from one pool sized by limits.connections
 * and are found through a seeded hash of the 5-tuple over a bucket array
 * chained by pool index, so a lookup is O(1) and nothing is allocated per
 * packet.  The array doubles whenever the live flows outnumber half its
 * buckets, up to twice the pool: one sized for the whole pool from the
 * start cost a cache miss on every lookup while few flows lived.  An LRU list orders flows by last
 * activity: when the pool is full the least recently active one is
 * evicted.  Timers are a binary heap of pointers into their owners; idle
 * timeouts are checked lazily when a flow's timer fires, so ordinary
 * packets never touch the heap.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stack_local.h"

#define RATE_SLOTS	4096	/* per-source counters, direct-mapped */
#define CHUNK_MAX	4096	/* bytes per payload event */
#define FLOWS_MIN	16
#define FLOWS_MAX	(1U << 24)
#define BUCKETS_MIN	1024

/* Timers: a binary min-heap on due. */

static void
heap_place(struct stack *s, size_t i, struct timer *t)
{
	s->heap[i] = t;
	t->hidx = (uint32_t)i + 1;
}

static void
heap_up(struct stack *s, size_t i)
{
	struct timer *t = s->heap[i];

	while (i > 0 && s->heap[(i - 1) / 2]->due > t->due) {
		heap_place(s, i, s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_place(s, i, t);
}

static void
heap_down(struct stack *s, size_t i)
{
	struct timer *t = s->heap[i];
	size_t c;

	while ((c = 2 * i + 1) < s->nheap) {
		if (c + 1 < s->nheap && s->heap[c + 1]->due < s->heap[c]->due)
			c++;
		if (s->heap[c]->due >= t->due)
			break;
		heap_place(s, i, s->heap[c]);
		i = c;
	}
	heap_place(s, i, t);
}

void
stack_timer_set(struct stack *s, struct timer *t, uint64_t due)
{
	struct timer **h;
	size_t cap;

	if (t->hidx != 0) {
		if (due == t->due)
			return;
		t->due = due;
		heap_up(s, t->hidx - 1);
		heap_down(s, t->hidx - 1);
		return;
	}
	if (s->nheap == s->heapcap) {
		cap = s->heapcap ? s->heapcap * 2 : 256;
		if ((h = reallocarray(s->heap, cap, sizeof(*h))) == NULL)
			fatalx("stack: timer heap: out of memory");
		s->heap = h;
		s->heapcap = cap;
	}
	t->due = due;
	s->heap[s->nheap++] = t;
	heap_up(s, s->nheap - 1);
}

void
stack_timer_cancel(struct stack *s, struct timer *t)
{
	size_t i;

	if (t->hidx == 0)
		return;
	i = t->hidx - 1;
	t->hidx = 0;
	if (--s->nheap == i)
		return;
	heap_place(s, i, s->heap[s->nheap]);
	heap_up(s, i);
	heap_down(s, s->heap[i]->hidx - 1);
}

/* The pool. */

static struct flow *
fl(struct stack *s, uint32_t idx)
{
	return idx ? &s->flows[idx - 1] : NULL;
}

static uint32_t
fidx(struct stack *s, const struct flow *f)
{
	return (uint32_t)(f - s->flows) + 1;
}

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
	z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	return z ^ (z >> 33);
}

static uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t
flow_hash(const struct stack *s, uint8_t proto, const struct path *pa,
    uint16_t lport, uint16_t pport)
{
	uint64_t h = s->hseed;

	h = mix(h ^ load64(pa->peer_ip) ^ ((uint64_t)proto << 32 |
	    (uint64_t)lport << 16 | pport));
	h = mix(h ^ load64(pa->our_ip));
	if (pa->af == AF_INET6) {
		h = mix(h ^ load64(pa->peer_ip + 8));
		h = mix(h ^ load64(pa->our_ip + 8));
	}
	return (uint32_t)h & s->bmask;
}

int
flow_init(struct stack *s)
{
	uint64_t want = s->sc->limits.connections;
	uint32_t nb;

	if (want < FLOWS_MIN)
		want = FLOWS_MIN;
	if (want > FLOWS_MAX)
		want = FLOWS_MAX;
	s->maxflows = (uint32_t)want;
	for (nb = 1; nb < s->maxflows * 2; nb <<= 1)
		;
	s->bmax = nb;
	if (nb > BUCKETS_MIN)
		nb = BUCKETS_MIN;
	s->bmask = nb - 1;
	if ((s->flows = calloc(s->maxflows, sizeof(*s->flows))) == NULL ||
	    (s->buckets = calloc(nb, sizeof(*s->buckets))) == NULL ||
	    (s->rates = calloc(RATE_SLOTS, sizeof(*s->rates))) == NULL)
		return -1;
	s->rmask = RATE_SLOTS - 1;
	/* Slots never used are taken in order (s->fresh) before the free
	 * list, so an idle sensor never touches the pool's pages. */
	s->freelist = 0;
	s->fresh = 0;
	return 0;
}

void
flow_fini(struct stack *s)
{
	struct flow *f;
	uint32_t i;

	if (s->flows != NULL)
		for (i = 0; i < s->fresh; i++)
			if (s->flows[i].in_use) {
				f = &s->flows[i];
				if (f->svc_open && f->svc->on_close != NULL)
					f->svc->on_close(f, f->svc_state);
				vtcp_free(s, f);
				free(s->flows[i].chunk[0]);
				free(s->flows[i].chunk[1]);
			}
	free(s->flows);
	free(s->buckets);
	free(s->rates);
	s->flows = NULL;
	s->buckets = NULL;
	s->rates = NULL;
}

struct flow *
flow_lookup(struct stack *s, uint8_t proto, const struct path *pa,
    uint16_t lport, uint16_t pport)
{
	struct flow *f;
	uint32_t i;

	for (i = s->buckets[flow_hash(s, proto, pa, lport, pport)]; i != 0;
	    i = f->hnext) {
		f = &s->flows[i - 1];
		if (f->proto == proto && f->lport == lport &&
		    f->pport == pport && f->path.af == pa->af &&
		    memcmp(f->path.peer_ip, pa->peer_ip, 16) == 0 &&
		    memcmp(f->path.our_ip, pa->our_ip, 16) == 0)
			return f;
	}
	return NULL;
}

static void
lru_unlink(struct stack *s, struct flow *f)
{
	struct flow *p = fl(s, f->lprev), *n = fl(s, f->lnext);

	if (p != NULL)
		p->lnext = f->lnext;
	else
		s->lru_head = f->lnext;
	if (n != NULL)
		n->lprev = f->lprev;
	else
		s->lru_tail = f->lprev;
	f->lprev = f->lnext = 0;
}

static void
lru_append(struct stack *s, struct flow *f)
{
	uint32_t i = fidx(s, f);

	f->lprev = s->lru_tail;
	f->lnext = 0;
	if (s->lru_tail != 0)
		fl(s, s->lru_tail)->lnext = i;
	else
		s->lru_head = i;
	s->lru_tail = i;
}

void
flow_touch(struct stack *s, struct flow *f)
{
	f->last = s->now;
	if (s->lru_tail != fidx(s, f)) {
		lru_unlink(s, f);
		lru_append(s, f);
	}
}

/* A fixed window per second per source, in a direct-mapped table: a
 * collision can only make the limit stricter for the two sources. */
int
flow_rate_ok(struct stack *s, const struct addr *src)
{
	struct srcrate *r;
	uint64_t sec = s->now / 1000000, h;

	if (s->sc->limits.rate == 0)
		return 1;
	h = mix(s->hseed ^ load64(src->a) ^ load64(src->a + 8));
	r = &s->rates[h & s->rmask];
	if (r->window != sec || !addr_eq(&r->src, src)) {
		if (r->window == sec && r->n >= s->sc->limits.rate)
			return 0;
		r->src = *src;
		r->window = sec;
		r->n = 0;
	}
	if (r->n >= s->sc->limits.rate)
		return 0;
	r->n++;
	return 1;
}

static void
tuple_of(const struct flow *f, struct event_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->proto = f->proto;
	stack_addr_from(&t->src, f->path.af, f->path.peer_ip);
	stack_addr_from(&t->dst, f->path.af, f->path.our_ip);
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		t->sport = f->pport;
		t->dport = f->lport;
	} else {
		t->sport = f->icmp_type;
		t->dport = f->icmp_code;
	}
}

void
vconn_tuple(const struct flow *f, struct event_tuple *t)
{
	tuple_of(f, t);
}

uint64_t
vconn_id(const struct flow *f)
{
	return f->conn;
}

static void
conn_event(struct stack *s, const struct flow *f, int phase, int reason)
{
	struct event ev;
	struct event_connection *c = &ev.u.connection;

	event_init(&ev, EVENT_CONNECTION);
	c->phase = (uint8_t)phase;
	c->conn = f->conn;
	tuple_of(f, &c->t);
	if (f->vh != NULL)
		memcpy(c->template, f->vh->name, sizeof(c->template));
	if (f->svc != NULL)
		strlcpy(c->service, f->svc->name, sizeof(c->service));
	if (phase == EVENT_END) {
		c->pkts_in = f->pkts_in;
		c->pkts_out = f->pkts_out;
		c->bytes_in = f->bytes_in;
		c->bytes_out = f->bytes_out;
		c->reason = (uint8_t)reason;
	}
	if (f->proto == IPPROTO_TCP)
		c->flags = f->flags_seen;
	stack_emit(s, &ev);
}

/*
 * Doubles the bucket array once the live flows outnumber half of it.
 * Old bucket i splits into new buckets i and i + nb, each chain keeping
 * its order (a lookup finds the newest of equal tuples first).  Out of
 * memory, the table stays as it is: slower, still correct.
 */
static void
flow_grow(struct stack *s)
{
	uint32_t nb = s->bmask + 1, i, j, next, *nbk, *lo, *hi;
	struct flow *f;

	if (s->nflows < nb / 2 || nb >= s->bmax)
		return;
	if ((nbk = calloc((size_t)nb * 2, sizeof(*nbk))) == NULL)
		return;
	s->bmask = nb * 2 - 1;
	for (i = 0; i < nb; i++) {
		lo = &nbk[i];
		hi = &nbk[i + nb];
		for (j = s->buckets[i]; j != 0; j = next) {
			f = &s->flows[j - 1];
			next = f->hnext;
			f->hnext = 0;
			if (flow_hash(s, f->proto, &f->path, f->lport,
			    f->pport) == i) {
				*lo = j;
				lo = &f->hnext;
			} else {
				*hi = j;
				hi = &f->hnext;
			}
		}
	}
	free(s->buckets);
	s->buckets = nbk;
}

struct flow *
flow_create(struct stack *s, uint8_t proto, const struct path *pa,
    uint16_t lport, uint16_t pport, struct vhost *vh,
    const struct vservice *svc)
{
	struct addr src;
	struct flow *f;
	uint32_t i, b;

	stack_addr_from(&src, pa->af, pa->peer_ip);
	if (!flow_rate_ok(s, &src)) {
		CTR(s, FLOWS_RATE_LIMITED);
		stack_limit_log(s, LIMIT_RATE);
		return NULL;
	}
	if (s->freelist == 0 && s->fresh == s->maxflows) {
		CTR(s, FLOWS_EVICTED);
		stack_limit_log(s, LIMIT_CONNECTIONS);
		flow_end(s, fl(s, s->lru_head), EVENT_EVICTED);
	}
	if ((i = s->freelist) != 0)
		s->freelist = s->flows[i - 1].hnext;
	else if (s->fresh < s->maxflows)
		i = ++s->fresh;
	else
		fatalx("stack: flow pool empty after eviction");
	f = &s->flows[i - 1];
	memset(f, 0, sizeof(*f));
	f->in_use = 1;
	f->stack = s;
	f->proto = proto;
	f->path = *pa;
	f->lport = lport;
	f->pport = pport;
	f->vh = vh;
	f->svc = svc;
	f->conn = s->next_conn++;
	f->first = f->last = s->now;
	f->tm.kind = TIMER_FLOW;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		f->icmp_type = (uint8_t)(pport >> 8);
		f->icmp_code = (uint8_t)pport;
	}
	flow_grow(s);
	b = flow_hash(s, proto, pa, lport, pport);
	f->hnext = s->buckets[b];
	s->buckets[b] = i;
	lru_append(s, f);
	s->nflows++;
	s->ctr[CTR_FLOWS_ACTIVE] = s->nflows;
	CTR(s, FLOWS);
	conn_event(s, f, EVENT_START, 0);
	return f;
}

void
flow_oneshot(struct stack *s, uint8_t proto, const struct path *pa,
    uint16_t lport, uint16_t pport, struct vhost *vh, uint8_t flags,
    size_t inbytes, size_t outbytes, int outpkts, int reason)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.proto = proto;
	f.path = *pa;
	f.lport = lport;
	f.pport = pport;
	f.vh = vh;
	f.conn = s->next_conn++;
	f.flags_seen = flags;
	f.pkts_in = 1;
	f.bytes_in = inbytes;
	f.pkts_out = (uint64_t)outpkts;
	f.bytes_out = outbytes;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		f.icmp_type = (uint8_t)(pport >> 8);
		f.icmp_code = (uint8_t)pport;
	}
	conn_event(s, &f, EVENT_START, 0);
	conn_event(s, &f, EVENT_END, reason);
}

void
flow_flush(struct stack *s, struct flow *f, int dir)
{
	struct event ev;
	struct event_payload *pl = &ev.u.payload;

	if (f->chunk_len[dir] == 0)
		return;
	event_init(&ev, EVENT_PAYLOAD);
	pl->conn = f->conn;
	pl->dir = dir == 0 ? EVENT_IN : EVENT_OUT;
	pl->offset = f->chunk_off[dir];
	pl->data = f->chunk[dir];	/* the event owns it now */
	pl->len = f->chunk_len[dir];
	f->chunk[dir] = NULL;
	f->chunk_len[dir] = 0;
	stack_emit(s, &ev);
}

void
flow_record(struct stack *s, struct flow *f, int dir, const uint8_t *d,
    size_t len)
{
	uint64_t cap = s->sc->limits.payload, keep;
	size_t chunk = cap < CHUNK_MAX ? (size_t)cap : CHUNK_MAX, n;

	if (len == 0)
		return;
	keep = f->rec[dir] >= cap ? 0 : cap - f->rec[dir];
	if (keep < len) {
		s->ctr[CTR_PAYLOAD_TRUNCATED] += len - keep;
		len = (size_t)keep;
	}
	while (len > 0) {
		if (f->chunk[dir] == NULL) {
			if ((f->chunk[dir] = malloc(chunk)) == NULL) {
				s->ctr[CTR_PAYLOAD_TRUNCATED] += len;
				return;
			}
			f->chunk_off[dir] = f->rec[dir];
		}
		n = chunk - f->chunk_len[dir];
		if (n > len)
			n = len;
		memcpy(f->chunk[dir] + f->chunk_len[dir], d, n);
		f->chunk_len[dir] += n;
		f->rec[dir] += n;
		s->ctr[CTR_PAYLOAD_BYTES] += n;
		d += n;
		len -= n;
		if (f->chunk_len[dir] == chunk)
			flow_flush(s, f, dir);
	}
}

const struct vservice *
flow_service_for(struct stack *s, const struct action *act)
{
	const struct vservice *svc = NULL;

	if (act->kind == ACTION_INTERNAL && act->arg != NULL)
		svc = vservice_find(act->arg);
	else if (act->kind == ACTION_SCRIPT && act->arg != NULL &&
	    s->scripts != NULL)
		svc = &vservice_script;
	/* Scripts, proxies and unknown services: accepted and recorded. */
	if (svc == NULL && (act->kind == ACTION_INTERNAL ||
	    act->kind == ACTION_SCRIPT || act->kind == ACTION_PROXY))
		CTR(s, SERVICE_MISSING);
	return svc;
}

const char *
flow_service_arg(const struct action *act)
{
	const char *sp;

	/* A command's flow knows its command (vscript.c). */
	if (act->kind == ACTION_SCRIPT)
		return act->arg;
	if (act->kind != ACTION_INTERNAL || act->arg == NULL ||
	    (sp = strchr(act->arg, ' ')) == NULL)
		return NULL;
	return sp + 1;
}

void
flow_service_open(struct stack *s, struct flow *f)
{
	if (f->svc == NULL || f->svc_open)
		return;
	f->svc_open = 1;
	if (f->svc->on_open != NULL &&
	    f->svc->on_open(f, &f->svc_state) == -1) {
		if (f->proto == IPPROTO_TCP)
			vtcp_close(s, f);	/* the service gave up */
	}
}

struct flow *
flow_by_index(struct stack *s, uint32_t idx, uint64_t conn)
{
	struct flow *f;

	if (idx == 0 || idx > s->fresh)
		return NULL;
	f = &s->flows[idx - 1];
	if (!f->in_use || f->ended || f->conn != conn)
		return NULL;
	return f;
}

uint32_t
flow_index(struct stack *s, const struct flow *f)
{
	return fidx(s, f);
}

void
flow_end_event(struct stack *s, struct flow *f, int reason)
{
	if (f->ended)
		return;
	f->ended = 1;
	flow_flush(s, f, 0);
	flow_flush(s, f, 1);
	conn_event(s, f, EVENT_END, reason);
	if (f->svc_open) {
		f->svc_open = 0;
		if (f->svc->on_close != NULL)
			f->svc->on_close(f, f->svc_state);
		f->svc_state = NULL;
	}
}

void
flow_free(struct stack *s, struct flow *f)
{
	uint32_t i = fidx(s, f), *pp;

	stack_timer_cancel(s, &f->tm);
	for (pp = &s->buckets[flow_hash(s, f->proto, &f->path, f->lport,
	    f->pport)]; *pp != 0; pp = &s->flows[*pp - 1].hnext)
		if (*pp == i) {
			*pp = f->hnext;
			break;
		}
	lru_unlink(s, f);
	vtcp_free(s, f);
	if (f->svc_mem != 0) {
		CTR(s, SERVICE_LEAKS);
		s->svc_mem -= f->svc_mem;
	}
	free(f->chunk[0]);
	free(f->chunk[1]);
	memset(f, 0, sizeof(*f));
	f->hnext = s->freelist;
	s->freelist = i;
	s->nflows--;
	s->ctr[CTR_FLOWS_ACTIVE] = s->nflows;
}

void
flow_end(struct stack *s, struct flow *f, int reason)
{
	flow_end_event(s, f, reason);
	flow_free(s, f);
}

void
flow_timer(struct stack *s, struct flow *f)
{
	uint64_t due;

	if (f->proto == IPPROTO_TCP) {
		vtcp_timer(s, f);
		return;
	}
	due = f->last + s->sc->limits.idle_ms * 1000;
	if (s->now >= due)
		flow_end(s, f, EVENT_TIMEOUT);
	else
		stack_timer_set(s, &f->tm, due);
}
