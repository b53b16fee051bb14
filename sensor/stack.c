/*
 * The virtual-host stack's front: frames in, dispatch by layer, frames
 * out, counters.  The protocol work is in claim.c (ARP/NDP), vtcp.c,
 * vudp.c and vicmp.c; flows and timers in flow.c; templates in vhost.c.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stack_local.h"

#define ETHERTYPE_ARP_	0x0806
#define ETHERTYPE_IP4_	0x0800
#define ETHERTYPE_IP6_	0x86dd
#define IPPROTO_ICMP6_	58
#define ND_NS		135
#define ND_NA		136

static const char *ctr_names[CTR_MAX] = {
#define CTR_NAME(id, name)	name,
	STACK_COUNTERS(CTR_NAME)
#undef CTR_NAME
};

/* splitmix64: small, fast, and good enough for ISNs and IP IDs that
 * must not be guessable from outside (the seed comes from getrandom). */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
stack_rand(struct stack *s)
{
	s->rng += 0x9e3779b97f4a7c15ULL;
	return mix64(s->rng);
}

struct stack *
stack_new(const struct conf *conf, const struct stack_io *io, uint64_t now_us)
{
	struct stack *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->conf = conf;
	s->sc = conf_sensor(conf);
	s->io = *io;
	s->now = s->boot = now_us;
	s->rng = mix64(now_us ^ 0x5eed);
	s->hseed = mix64(s->rng);
	s->next_conn = 1;
	if (flow_init(s) == -1 || claim_init(s) == -1)
		goto fail;
	if (io->script_open != NULL &&
	    (s->scripts = vscript_table_new(conf)) == NULL)
		goto fail;
	return s;
 fail:
	stack_free(s);
	return NULL;
}

void
stack_seed(struct stack *s, uint64_t seed)
{
	s->rng = seed;
	/* The hashes keep their seed once anything is stored under it. */
	if (s->nflows == 0 && s->nclaims == 0)
		s->hseed = mix64(seed ^ 0x68617368ULL);
}

void
stack_free(struct stack *s)
{
	if (s == NULL)
		return;
	flow_fini(s);
	claim_fini(s);
	vhost_fini(s);
	vfrag_fini(s);
	vscript_table_free(s->scripts);
	free(s->heap);
	free(s);
}

int
stack_add_iface(struct stack *s, const struct stack_iface *ifc)
{
	size_t i;

	for (i = 0; i < s->nifaces; i++)
		if (s->ifaces[i].ifindex == ifc->ifindex) {
			s->ifaces[i] = *ifc;
			return 0;
		}
	if (s->nifaces == STACK_IFACES || ifc->naddrs > STACK_IFACE_ADDRS)
		return -1;
	s->ifaces[s->nifaces++] = *ifc;
	return 0;
}

const struct stack_iface *
stack_iface(const struct stack *s, int ifindex)
{
	size_t i;

	for (i = 0; i < s->nifaces; i++)
		if (s->ifaces[i].ifindex == ifindex)
			return &s->ifaces[i];
	return NULL;
}

int
stack_is_own(const struct stack *s, const struct addr *a)
{
	size_t i, j;

	for (i = 0; i < s->nifaces; i++)
		for (j = 0; j < s->ifaces[i].naddrs; j++)
			if (addr_eq(&s->ifaces[i].addrs[j], a))
				return 1;
	return 0;
}

void
stack_addr_from(struct addr *a, uint8_t af, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->af = af;
	memcpy(a->a, b, af == AF_INET ? 4 : 16);
}

int
stack_send(struct stack *s, int ifindex, const uint8_t *frame, size_t len)
{
	if (s->io.send == NULL ||
	    s->io.send(s->io.arg, ifindex, frame, len) == -1) {
		CTR(s, SEND_ERRORS);
		return -1;
	}
	CTR(s, FRAMES_OUT);
	return 0;
}

void
stack_emit(struct stack *s, struct event *ev)
{
	CTR(s, EVENTS);
	if (s->io.emit != NULL)
		s->io.emit(s->io.arg, ev);
	event_clear(ev);
}

/* Limits are never silent, but each is logged at most once a minute;
 * the counters say how often. */
void
stack_limit_log(struct stack *s, enum stack_limit l)
{
	static const char *names[LIMIT_MAX] = {
		[LIMIT_CONNECTIONS] = "connections (oldest idle flow evicted)",
		[LIMIT_RATE] = "per-source rate (new flows dropped)",
		[LIMIT_REASSEMBLY] = "reassembly (segment dropped)",
		[LIMIT_CLAIMS] = "claim table (address not claimed)",
	};

	if (s->limit_logged[l] != 0 && s->now - s->limit_logged[l] < 60000000)
		return;
	s->limit_logged[l] = s->now;
	log_warnx("stack: limit reached: %s", names[l]);
}

void
stack_path(struct path *pa, int ifindex, const struct pkt *p,
    const uint8_t our_mac[6])
{
	memset(pa, 0, sizeof(*pa));
	pa->ifindex = ifindex;
	if (p->layers & PKT_L_VLAN) {
		pa->has_vlan = 1;
		pa->tpid = p->eth.tpid;
		pa->tci = p->eth.tci;
	}
	memcpy(pa->our_mac, our_mac, 6);
	memcpy(pa->peer_mac, p->eth.src, 6);
	if (p->layers & PKT_L_IP4) {
		pa->af = AF_INET;
		memcpy(pa->our_ip, p->ip4.dst, 4);
		memcpy(pa->peer_ip, p->ip4.src, 4);
	} else {
		pa->af = AF_INET6;
		memcpy(pa->our_ip, p->ip6.dst, 16);
		memcpy(pa->peer_ip, p->ip6.src, 16);
	}
}

void
stack_out_ip(struct stack *s, struct pkt *p, const struct path *pa,
    struct vhost *vh, uint8_t proto, int df, uint8_t ipid_class)
{
	pkt_init(p, 0);
	p->layers = PKT_L_ETH;
	memcpy(p->eth.dst, pa->peer_mac, 6);
	memcpy(p->eth.src, pa->our_mac, 6);
	if (pa->has_vlan) {
		p->layers |= PKT_L_VLAN;
		p->eth.tpid = pa->tpid;
		p->eth.tci = pa->tci;
	}
	if (pa->af == AF_INET) {
		p->layers |= PKT_L_IP4;
		p->eth.type = ETHERTYPE_IP4_;
		p->ip4.ttl = vh->pers.ttl;
		p->ip4.proto = proto;
		p->ip4.flags = df ? IP4_DF : 0;
		p->ip4.id = vhost_ipid(s, vh, ipid_class);
		memcpy(p->ip4.src, pa->our_ip, 4);
		memcpy(p->ip4.dst, pa->peer_ip, 4);
	} else {
		p->layers |= PKT_L_IP6;
		p->eth.type = ETHERTYPE_IP6_;
		p->ip6.hlim = vh->pers.ttl;
		p->ip6.nxt = proto;
		memcpy(p->ip6.src, pa->our_ip, 16);
		memcpy(p->ip6.dst, pa->peer_ip, 16);
	}
}

int
stack_output(struct stack *s, const struct pkt *p, const struct path *pa)
{
	int n;

	if ((n = encode_pkt(p, s->tx, sizeof(s->tx))) == -1) {
		CTR(s, SEND_ERRORS);
		return -1;
	}
	return stack_send(s, pa->ifindex, s->tx, (size_t)n);
}

/* Addresses a reply must never go to (RFC 1122 §3.2.1.3, §3.2.2). */
static int
src_bogus(const struct addr *a)
{
	static const uint8_t zero[16];

	if (a->af == AF_INET)
		return a->a[0] == 0 || a->a[0] == 127 || a->a[0] >= 224;
	return a->a[0] == 0xff || memcmp(a->a, zero, 16) == 0;
}

static int
dst_unicast(const struct addr *a)
{
	if (a->af == AF_INET)
		return a->a[0] != 0 && a->a[0] < 224;
	return a->a[0] != 0xff;
}

static int
l4_bad_cksum(const struct pkt *p)
{
	if ((p->layers & PKT_L_TCP) && p->tcp.cksum_state == CKSUM_BAD)
		return 1;
	if ((p->layers & PKT_L_UDP) && p->udp.cksum_state == CKSUM_BAD)
		return 1;
	if ((p->layers & PKT_L_ICMP) && p->icmp.cksum_state == CKSUM_BAD)
		return 1;
	if ((p->layers & PKT_L_ICMP6) && p->icmp6.cksum_state == CKSUM_BAD)
		return 1;
	return 0;
}

static void
ip_input(struct stack *s, int ifindex, const struct pkt *p)
{
	const struct template *t, *mt;
	struct addr src, dst;
	struct path pa;
	struct vhost *vh;
	uint8_t mac[6];
	enum conf_proto cp;

	if (p->layers & PKT_L_IP4) {
		stack_addr_from(&src, AF_INET, p->ip4.src);
		stack_addr_from(&dst, AF_INET, p->ip4.dst);
	} else {
		stack_addr_from(&src, AF_INET6, p->ip6.src);
		stack_addr_from(&dst, AF_INET6, p->ip6.dst);
	}
	/* RFC 1122 §3.3.6: unicast IP in a link-layer broadcast is
	 * discarded; and nothing is ever sent to a broadcast source. */
	if ((p->eth.dst[0] & 1) || !dst_unicast(&dst) || src_bogus(&src) ||
	    stack_addr_special(s, ifindex, &dst) ||
	    stack_addr_special(s, ifindex, &src)) {
		CTR(s, FRAMES_NOT_OURS);
		return;
	}
	if (p->layers & PKT_L_TCP)
		cp = PROTO_TCP;
	else if (p->layers & PKT_L_UDP)
		cp = PROTO_UDP;
	else if (p->layers & (PKT_L_ICMP | PKT_L_ICMP6))
		cp = PROTO_ICMP;
	else {
		/* Fragments and unknown protocols: not answered. */
		s->ctr[p->frag ? CTR_FRAMES_FRAGMENT : CTR_FRAMES_NOT_OURS]++;
		return;
	}
	if (!claim_answers(s, ifindex, &dst) ||
	    (mt = conf_template_for(s->conf, &dst)) == NULL ||
	    (mt->flags & TEMPLATE_EXTERNAL)) {
		CTR(s, FRAMES_NOT_OURS);
		return;
	}
	if ((t = vhost_template(s, &dst, &src, cp)) == NULL ||
	    (vh = vhost_get(s, t)) == NULL) {
		CTR(s, FLOWS_NO_TEMPLATE);
		return;
	}
	vhost_mac(s, mt, &dst, ifindex, mac);
	stack_path(&pa, ifindex, p, mac);
	CTR(s, FRAMES_ANSWERED);
	switch (cp) {
	case PROTO_TCP:
		vtcp_input(s, p, &pa, vh);
		break;
	case PROTO_UDP:
		vudp_input(s, p, &pa, vh);
		break;
	default:
		if (p->layers & PKT_L_ICMP)
			vicmp_input(s, p, &pa, vh);
		else
			vicmp6_input(s, p, &pa, vh);
		break;
	}
}

void
stack_input(struct stack *s, int ifindex, const uint8_t *frame, size_t len,
    unsigned flags, uint64_t now_us)
{
	if (now_us > s->now)
		s->now = now_us;
	CTR(s, FRAMES_IN);
	if (flags & STACK_F_OUTGOING) {
		CTR(s, FRAMES_OUTGOING);
		return;
	}
	stack_frame(s, ifindex, frame, len, flags);
}

/* A frame from the wire, or a datagram vfrag.c put back together. */
void
stack_frame(struct stack *s, int ifindex, const uint8_t *frame, size_t len,
    unsigned flags)
{
	const struct stack_iface *ifc;
	struct pkt p;

	if ((ifc = stack_iface(s, ifindex)) == NULL) {
		CTR(s, FRAMES_NOT_OURS);
		return;
	}
	/* The kernel left the sums to offload (veth): they are not wrong,
	 * only not there yet. */
	pkt_init(&p, flags & (STACK_F_CSUM_NOTREADY | STACK_F_CSUM_VALID) ?
	    PKT_F_NO_L4_CKSUM : 0);
	if (decode_eth(&p, frame, len) == -1) {
		CTR(s, FRAMES_MALFORMED);
		anom_count(&p, s->anom);
		return;
	}
	if (p.nanom > 0) {
		CTR(s, ANOMALIES);
		anom_count(&p, s->anom);
	}
	if (memcmp(p.eth.src, ifc->mac, 6) == 0) {
		CTR(s, FRAMES_OUTGOING);
		return;
	}
	if (p.layers & PKT_L_ARP) {
		claim_arp(s, ifindex, &p);
		return;
	}
	if (p.eth.type == ETHERTYPE_ARP_) {
		CTR(s, ARP_MALFORMED);	/* cut short, or odd sizes */
		return;
	}
	if ((p.layers & PKT_L_IP4) && p.ip4.cksum_state == CKSUM_BAD) {
		CTR(s, FRAMES_BAD_CKSUM);
		return;
	}
	if (!(p.layers & (PKT_L_IP4 | PKT_L_IP6))) {
		CTR(s, FRAMES_NOT_OURS);
		return;
	}
	if ((p.layers & PKT_L_IP4) && p.frag) {
		vfrag_input(s, ifindex, &p, flags);
		return;
	}
	if (l4_bad_cksum(&p)) {
		/* nmap --badsum: a real stack never answers these. */
		CTR(s, FRAMES_BAD_CKSUM);
		return;
	}
	if ((p.layers & PKT_L_ICMP6) &&
	    (p.icmp6.type == ND_NS || p.icmp6.type == ND_NA)) {
		claim_ndp(s, ifindex, &p);
		return;
	}
	ip_input(s, ifindex, &p);
}

void
stack_neighbour_seen(struct stack *s, int ifindex, const struct addr *a,
    const uint8_t mac[6], uint64_t now_us)
{
	if (now_us > s->now)
		s->now = now_us;
	claim_seen(s, ifindex, a, mac, "neighbour cache");
}

uint64_t
stack_timers(struct stack *s, uint64_t now_us)
{
	struct timer *t;

	if (now_us > s->now)
		s->now = now_us;
	while (s->nheap > 0 && s->heap[0]->due <= s->now) {
		t = s->heap[0];
		stack_timer_cancel(s, t);
		if (t->kind == TIMER_FLOW)
			flow_timer(s, (struct flow *)t);
		else
			claim_timer(s, (struct claim *)t);
	}
	if (s->nheap == 0)
		return UINT64_MAX;
	return s->heap[0]->due - s->now;
}

/* Every counter and every anomaly fit one heartbeat, with room left for
 * the engine's own (STACK_COUNTERS_SPARE). */
_Static_assert(CTR_MAX + ANOM_MAX + STACK_COUNTERS_SPARE <= EVENT_COUNTERS_MAX,
    "a heartbeat cannot hold the stack's counters");

int
stack_counters(const struct stack *s, struct event *ev)
{
	char name[EVENT_TOKEN_MAX + 1];
	size_t i;

	ev->u.heartbeat.claimed = s->ctr[CTR_CLAIMS_ACTIVE];
	for (i = 0; i < CTR_MAX; i++)
		if (event_add_counter(ev, ctr_names[i], s->ctr[i]) == -1)
			return -1;
	/* Anomalies seen, by name. */
	for (i = 1; i < ANOM_MAX; i++) {
		if (s->anom[i] == 0)
			continue;
		snprintf(name, sizeof(name), "anom.%s", anom_name(i));
		if (event_add_counter(ev, name, s->anom[i]) == -1)
			break;
	}
	return 0;
}

uint64_t
stack_counter(const struct stack *s, const char *name)
{
	size_t i;

	for (i = 0; i < CTR_MAX; i++)
		if (strcmp(ctr_names[i], name) == 0)
			return s->ctr[i];
	return 0;
}
