/*
 * Claiming unused addresses: arpd done right.
 *
 * An address in a claim range is only taken when somebody asks for it
 * (ARP who-has, NDP neighbour solicitation) and nobody else has it: the
 * sensor first probes as RFC 5227 §2.1.1 (ARP, sender IP 0.0.0.0) and RFC
 * 4862 §5.4 (NS from ::, to the solicited-node group) say, claim_probes
 * times claim_interval_ms apart, and only if the probes go unanswered
 * does it answer, unicast to each asker, on the interface the question
 * came in on.  Any sign of a real owner (an ARP or NA from the address, a
 * gratuitous ARP, someone else's probe, the host's neighbour cache) makes
 * the address in use: never claimed, and released at once if it was.
 *
 * State exists only for addresses that were asked for or seen, in a
 * chained hash; bound addresses need none (they answer at once).
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stack_local.h"

#define ETHERTYPE_ARP_	0x0806
#define ETHERTYPE_IP4_	0x0800
#define ETHERTYPE_IP6_	0x86dd
#define ARPHRD_ETHER_	1
#define ARPOP_REQUEST_	1
#define ARPOP_REPLY_	2
#define IPPROTO_ICMP6_	58
#define ND_NS		135
#define ND_NA		136
#define ND_OPT_TLLA	2
#define ND_NA_SOLICITED	0x40000000	/* RFC 4861 §4.4 */
#define ND_NA_OVERRIDE	0x20000000

#define CLAIM_MAX	(1U << 17)	/* entries: asked-for or seen */
#define CLAIM_BUCKETS0	1024
/* An address seen in use is left alone this long after it was last
 * heard from; then a new question probes again. */
#define INUSE_HOLD_US	(10ULL * 60 * 1000000)

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int
claim_init(struct stack *s)
{
	if ((s->claims = calloc(CLAIM_BUCKETS0, sizeof(*s->claims))) == NULL)
		return -1;
	s->cmask = CLAIM_BUCKETS0 - 1;
	return 0;
}

void
claim_fini(struct stack *s)
{
	struct claim *c, *n;
	size_t i;

	if (s->claims == NULL)
		return;
	for (i = 0; i <= s->cmask; i++)
		for (c = s->claims[i]; c != NULL; c = n) {
			n = c->next;
			free(c->asker);
			free(c);
		}
	free(s->claims);
	s->claims = NULL;
}

static size_t
cslot(const struct stack *s, int ifindex, const struct addr *a)
{
	uint32_t h = 2166136261u ^ (uint32_t)ifindex;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ a->a[i]) * 16777619u;
	h ^= (uint32_t)s->hseed;
	h ^= h >> 15;
	return (size_t)h & s->cmask;
}

static struct claim *
claim_find(struct stack *s, int ifindex, const struct addr *a)
{
	struct claim *c;

	for (c = s->claims[cslot(s, ifindex, a)]; c != NULL; c = c->next)
		if (c->ifindex == ifindex && addr_eq(&c->addr, a))
			return c;
	return NULL;
}

static void
claim_grow(struct stack *s)
{
	struct claim **old = s->claims, **nb, *c, *n;
	size_t oldn = s->cmask + 1, i, j;

	if ((nb = calloc(oldn * 2, sizeof(*nb))) == NULL)
		return;		/* longer chains, still correct */
	s->claims = nb;
	s->cmask = oldn * 2 - 1;
	for (i = 0; i < oldn; i++)
		for (c = old[i]; c != NULL; c = n) {
			n = c->next;
			j = cslot(s, c->ifindex, &c->addr);
			c->next = nb[j];
			nb[j] = c;
		}
	free(old);
}

static struct claim *
claim_add(struct stack *s, int ifindex, const struct addr *a)
{
	struct claim *c;
	size_t i;

	if (s->nclaims >= CLAIM_MAX) {
		CTR(s, CLAIM_TABLE_FULL);
		stack_limit_log(s, LIMIT_CLAIMS);
		return NULL;
	}
	if (s->nclaims >= s->cmask + 1)
		claim_grow(s);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->tm.kind = TIMER_CLAIM;
	c->ifindex = ifindex;
	c->addr = *a;
	c->since = s->now;
	i = cslot(s, ifindex, a);
	c->next = s->claims[i];
	s->claims[i] = c;
	s->nclaims++;
	return c;
}

static void
claim_del(struct stack *s, struct claim *c)
{
	struct claim **pp;

	stack_timer_cancel(s, &c->tm);
	for (pp = &s->claims[cslot(s, c->ifindex, &c->addr)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->nclaims--;
	free(c->asker);
	free(c);
}

static void
claim_event(struct stack *s, const struct claim *c, int action,
    const uint8_t mac[6], const char *reason)
{
	const struct stack_iface *ifc = stack_iface(s, c->ifindex);
	struct event ev;
	struct event_claim *ec = &ev.u.claim;
	char abuf[ADDR_STRLEN];

	event_init(&ev, EVENT_CLAIM);
	ec->action = (uint8_t)action;
	ec->addr = c->addr;
	memcpy(ec->mac, mac, 6);
	if (ifc != NULL)
		strlcpy(ec->iface, ifc->name, sizeof(ec->iface));
	strlcpy(ec->reason, reason, sizeof(ec->reason));
	addr_fmt(&c->addr, abuf, sizeof(abuf));
	log_info("claim: %s %s on %s: %s", action == EVENT_CLAIMED ?
	    "claimed" : action == EVENT_RELEASED ? "released" : "refused",
	    abuf, ec->iface, reason);
	stack_emit(s, &ev);
}

/* Addresses never claimed or answered, whatever the configuration says:
 * ours, unspecified, loopback, multicast, broadcast. */
int
stack_addr_special(const struct stack *s, int ifindex, const struct addr *a)
{
	const struct stack_iface *ifc;
	uint32_t v, net, mask;
	size_t i;

	if (stack_is_own(s, a))
		return 1;
	if (a->af == AF_INET6) {
		static const uint8_t zero[15];

		/* multicast, unspecified, loopback */
		return a->a[0] == 0xff ||
		    (memcmp(a->a, zero, 15) == 0 && a->a[15] <= 1);
	}
	if (a->a[0] == 0 || a->a[0] == 127 || a->a[0] >= 224)
		return 1;
	/* A subnet's network and broadcast addresses (RFC 919, 922). */
	if ((ifc = stack_iface(s, ifindex)) == NULL)
		return 0;
	v = addr_v4(a);
	for (i = 0; i < ifc->naddrs; i++) {
		if (ifc->addrs[i].af != AF_INET || ifc->plens[i] == 0 ||
		    ifc->plens[i] >= 31)
			continue;
		mask = htonl(0xffffffffU << (32 - ifc->plens[i]));
		net = addr_v4(&ifc->addrs[i]) & mask;
		if ((v & mask) == net && (v == net || v == (net | ~mask)))
			return 1;
	}
	return 0;
}

/* The template and MAC a claimed or bound address answers with. */
static const struct template *
claim_template(struct stack *s, int ifindex, const struct addr *a,
    uint8_t mac[6])
{
	const struct template *t;

	if ((t = conf_template_for(s->conf, a)) == NULL ||
	    (t->flags & TEMPLATE_EXTERNAL))
		return NULL;
	vhost_mac(s, t, a, ifindex, mac);
	return t;
}

static int
is_bound(struct stack *s, const struct addr *a)
{
	return addrset_contains(conf_bound(s->conf), a);
}

static void
link_hdr(struct pkt *p, const uint8_t dst[6], const uint8_t src[6],
    uint16_t type, int has_vlan, uint16_t tci)
{
	p->layers = PKT_L_ETH;
	memcpy(p->eth.dst, dst, 6);
	memcpy(p->eth.src, src, 6);
	p->eth.type = type;
	if (has_vlan) {
		p->layers |= PKT_L_VLAN;
		p->eth.tpid = 0x8100;
		p->eth.tci = tci;
	}
}

static void
send_frame(struct stack *s, int ifindex, const struct pkt *p)
{
	int n;

	if ((n = encode_pkt(p, s->tx, sizeof(s->tx))) == -1) {
		CTR(s, SEND_ERRORS);
		return;
	}
	(void)stack_send(s, ifindex, s->tx, (size_t)n);
}

static void
arp_send(struct stack *s, int ifindex, uint16_t op, const uint8_t edst[6],
    const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
    const uint8_t tpa[4], int has_vlan, uint16_t tci)
{
	struct pkt p;

	pkt_init(&p, 0);
	link_hdr(&p, edst, sha, ETHERTYPE_ARP_, has_vlan, tci);
	p.layers |= PKT_L_ARP;
	p.arp.hrd = ARPHRD_ETHER_;
	p.arp.pro = ETHERTYPE_IP4_;
	p.arp.op = op;
	p.arp.eth_ip4 = 1;
	memcpy(p.arp.sha, sha, 6);
	memcpy(p.arp.spa, spa, 4);
	memcpy(p.arp.tha, tha, 6);
	memcpy(p.arp.tpa, tpa, 4);
	send_frame(s, ifindex, &p);
}

/* RFC 4861 §4.3, §4.4: NS and NA with the link-layer option for NA. */
static void
nd_send(struct stack *s, int ifindex, uint8_t type, const uint8_t edst[6],
    const uint8_t esrc[6], const uint8_t src[16], const uint8_t dst[16],
    const uint8_t target[16], uint32_t flags, int has_vlan, uint16_t tci)
{
	struct pkt p;
	uint8_t opt[8];

	pkt_init(&p, 0);
	link_hdr(&p, edst, esrc, ETHERTYPE_IP6_, has_vlan, tci);
	p.layers |= PKT_L_IP6 | PKT_L_ICMP6;
	p.ip6.hlim = 255;
	p.ip6.nxt = IPPROTO_ICMP6_;
	memcpy(p.ip6.src, src, 16);
	memcpy(p.ip6.dst, dst, 16);
	p.icmp6.type = type;
	p.icmp6.rest = flags;
	memcpy(p.icmp6.target, target, 16);
	if (type == ND_NA) {
		opt[0] = ND_OPT_TLLA;
		opt[1] = 1;
		memcpy(opt + 2, esrc, 6);
		p.icmp6.ndopt = opt;
		p.icmp6.ndopt_len = sizeof(opt);
	}
	send_frame(s, ifindex, &p);
}

static void
probe_send(struct stack *s, struct claim *c)
{
	static const uint8_t zero[16];
	uint8_t edst[6], dst[16];

	CTR(s, CLAIM_PROBES);
	if (c->addr.af == AF_INET) {
		/* RFC 5227 §2.1.1: sender IP 0, target hardware 0. */
		arp_send(s, c->ifindex, ARPOP_REQUEST_, bcast_mac, c->mac,
		    zero, zero, c->addr.a, c->has_vlan, c->tci);
		return;
	}
	/* RFC 4862 §5.4.2: from ::, to the solicited-node group
	 * ff02::1:ffXX:XXXX (RFC 4291 §2.7.1), no link-layer option. */
	memset(dst, 0, sizeof(dst));
	dst[0] = 0xff;
	dst[1] = 0x02;
	dst[11] = 0x01;
	dst[12] = 0xff;
	memcpy(dst + 13, c->addr.a + 13, 3);
	edst[0] = 0x33;
	edst[1] = 0x33;
	memcpy(edst + 2, dst + 12, 4);
	nd_send(s, c->ifindex, ND_NS, edst, c->mac, zero, dst, c->addr.a, 0,
	    c->has_vlan, c->tci);
}

/* Answer one asker for an address we hold (claimed or bound). */
static void
answer(struct stack *s, int ifindex, const struct addr *a,
    const uint8_t mac[6], const uint8_t amac[6], const uint8_t aip[16],
    int has_vlan, uint16_t tci)
{
	if (a->af == AF_INET) {
		arp_send(s, ifindex, ARPOP_REPLY_, amac, mac, a->a, amac, aip,
		    has_vlan, tci);
		CTR(s, ARP_REPLIES);
	} else {
		nd_send(s, ifindex, ND_NA, amac, mac, a->a, aip, a->a,
		    ND_NA_SOLICITED | ND_NA_OVERRIDE, has_vlan, tci);
		CTR(s, NDP_ADVERTS);
	}
}

static void
askers_drop(struct claim *c)
{
	free(c->asker);
	c->asker = NULL;
	c->nasker = 0;
}

static void
asker_add(struct claim *c, const uint8_t mac[6], const uint8_t *ip,
    size_t iplen, int has_vlan, uint16_t tci)
{
	size_t i;

	if (c->nasker == 0) {
		c->has_vlan = (uint8_t)has_vlan;
		c->tci = tci;
	}
	if (c->asker == NULL &&
	    (c->asker = calloc(CLAIM_ASKERS, sizeof(*c->asker))) == NULL)
		return;		/* they ask again; answered then */
	for (i = 0; i < c->nasker; i++)
		if (memcmp(c->asker[i].mac, mac, 6) == 0 &&
		    memcmp(c->asker[i].ip, ip, iplen) == 0)
			return;
	if (c->nasker == CLAIM_ASKERS)
		return;		/* they ask again; answered then */
	memcpy(c->asker[c->nasker].mac, mac, 6);
	memset(c->asker[c->nasker].ip, 0, 16);
	memcpy(c->asker[c->nasker].ip, ip, iplen);
	c->asker[c->nasker].has_vlan = (uint8_t)has_vlan;
	c->asker[c->nasker].tci = tci;
	c->nasker++;
}

static void
claim_done(struct stack *s, struct claim *c)
{
	size_t i;

	c->state = CLAIM_CLAIMED;
	c->since = s->now;
	CTR(s, CLAIMS);
	CTR(s, CLAIMS_ACTIVE);
	claim_event(s, c, EVENT_CLAIMED, c->mac, "unanswered probes");
	for (i = 0; i < c->nasker; i++)
		answer(s, c->ifindex, &c->addr, c->mac, c->asker[i].mac,
		    c->asker[i].ip, c->asker[i].has_vlan, c->asker[i].tci);
	askers_drop(c);
}

/* Somebody asked for a (IPv4 or IPv6) on ifindex. */
static void
question(struct stack *s, int ifindex, const struct addr *a,
    const uint8_t amac[6], const uint8_t *aip, size_t aiplen, int has_vlan,
    uint16_t tci)
{
	struct claim *c;
	uint8_t mac[6];

	if (stack_addr_special(s, ifindex, a) ||
	    claim_template(s, ifindex, a, mac) == NULL)
		return;
	if (is_bound(s, a)) {
		/* Configured: answered at once, like honeyd's arpd. */
		uint8_t ip[16] = { 0 };

		memcpy(ip, aip, aiplen);
		answer(s, ifindex, a, mac, amac, ip, has_vlan, tci);
		return;
	}
	if (!addrset_contains(conf_claimed(s->conf), a))
		return;
	if ((c = claim_find(s, ifindex, a)) == NULL) {
		if ((c = claim_add(s, ifindex, a)) == NULL)
			return;
		memcpy(c->mac, mac, 6);
	} else if (c->state == CLAIM_INUSE) {
		if (s->now - c->since < INUSE_HOLD_US) {
			/* Asked for, but known to be in use: say so once. */
			if (!c->refused) {
				c->refused = 1;
				CTR(s, CLAIM_REFUSALS);
				claim_event(s, c, EVENT_REFUSED, c->owner,
				    "in use");
			}
			return;
		}
		askers_drop(c);
	}
	switch (c->state) {
	case CLAIM_CLAIMED: {
		uint8_t ip[16] = { 0 };

		memcpy(ip, aip, aiplen);
		answer(s, ifindex, a, c->mac, amac, ip, has_vlan, tci);
		return;
	}
	case CLAIM_PROBING:
		asker_add(c, amac, aip, aiplen, has_vlan, tci);
		return;
	}
	/* New, or in use long ago: probe before claiming. */
	c->state = CLAIM_PROBING;
	c->since = s->now;
	c->probes = 0;
	memcpy(c->mac, mac, 6);
	asker_add(c, amac, aip, aiplen, has_vlan, tci);
	if (s->sc->claim_probes == 0) {
		claim_done(s, c);
		return;
	}
	probe_send(s, c);
	c->probes = 1;
	stack_timer_set(s, &c->tm, s->now + s->sc->claim_interval_ms * 1000);
}

void
claim_timer(struct stack *s, struct claim *c)
{
	switch (c->state) {
	case CLAIM_PROBING:
		if (c->probes < s->sc->claim_probes) {
			probe_send(s, c);
			c->probes++;
			stack_timer_set(s, &c->tm,
			    s->now + s->sc->claim_interval_ms * 1000);
		} else
			claim_done(s, c);
		break;
	case CLAIM_INUSE:
		/* Forget owners not heard from in a while: bounded memory. */
		if (s->now - c->since >= INUSE_HOLD_US)
			claim_del(s, c);
		else
			stack_timer_set(s, &c->tm, c->since + INUSE_HOLD_US);
		break;
	}
}

/*
 * Evidence that a is used by the host with MAC mac.  For an address we
 * are probing this is a refusal, for one we hold a release.
 */
void
claim_seen(struct stack *s, int ifindex, const struct addr *a,
    const uint8_t mac[6], const char *why)
{
	struct claim *c;
	int was;

	if (is_bound(s, a)) {
		/* Configured, so still answered; but somebody else uses it. */
		uint8_t ours[6];

		if (claim_template(s, ifindex, a, ours) != NULL &&
		    memcmp(ours, mac, 6) != 0)
			CTR(s, BOUND_CONFLICTS);
		return;
	}
	if (!addrset_contains(conf_claimed(s->conf), a))
		return;
	if ((c = claim_find(s, ifindex, a)) == NULL) {
		if ((c = claim_add(s, ifindex, a)) == NULL)
			return;
	} else if (c->state != CLAIM_INUSE && memcmp(c->mac, mac, 6) == 0)
		return;		/* our own frame, heard back */
	was = c->state;
	c->state = CLAIM_INUSE;
	c->refused = was == CLAIM_PROBING;
	c->since = s->now;
	askers_drop(c);
	memcpy(c->owner, mac, 6);
	stack_timer_set(s, &c->tm, s->now + INUSE_HOLD_US);
	if (was == CLAIM_PROBING) {
		CTR(s, CLAIM_REFUSALS);
		claim_event(s, c, EVENT_REFUSED, mac, why);
	} else if (was == CLAIM_CLAIMED) {
		CTR(s, CLAIM_RELEASES);
		s->ctr[CTR_CLAIMS_ACTIVE]--;
		claim_event(s, c, EVENT_RELEASED, c->mac, why);
	}
}

int
claim_answers(struct stack *s, int ifindex, const struct addr *a)
{
	struct claim *c;

	if (is_bound(s, a))
		return 1;
	return (c = claim_find(s, ifindex, a)) != NULL &&
	    c->state == CLAIM_CLAIMED;
}

static int
mac_bad(const uint8_t m[6])
{
	static const uint8_t zero[6];

	return (m[0] & 1) || memcmp(m, zero, 6) == 0;
}

void
claim_arp(struct stack *s, int ifindex, const struct pkt *p)
{
	const struct pkt_arp *ar = &p->arp;
	static const uint8_t zero[4];
	struct addr spa, tpa;
	int has_vlan = (p->layers & PKT_L_VLAN) != 0;

	/* RFC 826 for Ethernet/IPv4 only; anything else is not answered
	 * (honeyd #43), nor is a sender that hides behind another MAC. */
	if (ar->hrd != ARPHRD_ETHER_ || ar->pro != ETHERTYPE_IP4_ ||
	    !ar->eth_ip4 || (ar->op != ARPOP_REQUEST_ &&
	    ar->op != ARPOP_REPLY_) || mac_bad(ar->sha) ||
	    memcmp(ar->sha, p->eth.src, 6) != 0) {
		CTR(s, ARP_MALFORMED);
		return;
	}
	stack_addr_from(&spa, AF_INET, ar->spa);
	stack_addr_from(&tpa, AF_INET, ar->tpa);
	if (memcmp(ar->spa, zero, 4) == 0) {
		/* RFC 5227 §2.1.1: a probe.  Somebody is about to use tpa:
		 * leave it to them, and never answer a probe. */
		if (ar->op == ARPOP_REQUEST_)
			claim_seen(s, ifindex, &tpa, ar->sha, "arp probe");
		return;
	}
	if (memcmp(ar->spa, ar->tpa, 4) == 0) {
		/* RFC 5227 §3: an announcement (gratuitous ARP). */
		claim_seen(s, ifindex, &spa, ar->sha, "gratuitous arp");
		return;
	}
	claim_seen(s, ifindex, &spa, ar->sha, ar->op == ARPOP_REPLY_ ?
	    "arp reply from owner" : "arp request from owner");
	if (ar->op != ARPOP_REQUEST_)
		return;
	CTR(s, ARP_REQUESTS);
	if (stack_addr_special(s, ifindex, &spa))
		return;		/* never to a broadcast, nor to us */
	question(s, ifindex, &tpa, ar->sha, ar->spa, 4, has_vlan,
	    p->eth.tci);
}

void
claim_ndp(struct stack *s, int ifindex, const struct pkt *p)
{
	const struct pkt_icmp6 *ic = &p->icmp6;
	static const uint8_t zero[16];
	const uint8_t *mac;
	struct addr src, target;
	int has_vlan = (p->layers & PKT_L_VLAN) != 0;

	/* RFC 4861 §7.1.1, §7.1.2: hop limit 255, code 0, no multicast
	 * target; anything else is silently discarded. */
	if (pkt_has_anom(p, ANOM_ICMP6_ND_HOPLIMIT) ||
	    pkt_has_anom(p, ANOM_ICMP6_ND_CODE) ||
	    pkt_has_anom(p, ANOM_ICMP6_ND_OPT_LEN_INVALID) ||
	    ic->target[0] == 0xff || mac_bad(p->eth.src)) {
		CTR(s, ARP_MALFORMED);
		return;
	}
	stack_addr_from(&src, AF_INET6, p->ip6.src);
	stack_addr_from(&target, AF_INET6, ic->target);
	if (ic->type == ND_NA) {
		mac = ic->has_tlla ? ic->tlla : p->eth.src;
		claim_seen(s, ifindex, &target, mac, "neighbour advertisement");
		return;
	}
	CTR(s, NDP_SOLICITS);
	if (memcmp(p->ip6.src, zero, 16) == 0) {
		/* RFC 4862 §5.4.3: somebody's duplicate address detection. */
		if (ic->has_slla)
			return;		/* invalid with ::, §7.1.1 */
		claim_seen(s, ifindex, &target, p->eth.src, "dad probe");
		return;
	}
	mac = ic->has_slla ? ic->slla : p->eth.src;
	if (mac_bad(mac) || src.a[0] == 0xff)
		return;
	claim_seen(s, ifindex, &src, mac, "neighbour solicitation from owner");
	question(s, ifindex, &target, mac, p->ip6.src, 16, has_vlan,
	    p->eth.tci);
}
