/*
 * Claiming addresses (arpd done right): probes before a claim, unicast
 * replies, refusals and releases when a real owner shows up, and the
 * ARP/NDP frames that must never be answered.
 */
#include "test_stack.h"

static const char cfg[] =
	"sensor {\n"
	"	interface veth0\n"
	"	claim 10.0.0.0/24 except 10.0.0.1\n"
	"	claim 2001:db8::/120\n"
	"}\n"
	"create default\n"
	"set default ethernet \"dell\"\n"
	"create fixed\n"
	"set fixed ethernet \"00:16:3e:01:02:03\"\n"
	"bind 10.0.1.5 fixed\n"
	"bind 2001:db8:1::5 fixed\n";

static const uint8_t asker_mac[6] = { 0x02, 0xbb, 0, 0, 0, 0x07 };
static const uint8_t owner_mac[6] = { 0x02, 0xcc, 0, 0, 0, 0x09 };

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
arp(struct harness *h, uint16_t op, const uint8_t sha[6], const char *spa,
    const char *tpa, const uint8_t edst[6])
{
	struct pkt p;

	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_ARP;
	memcpy(p.eth.src, sha, 6);
	memcpy(p.eth.dst, edst, 6);
	p.eth.type = 0x0806;
	p.arp.hrd = 1;
	p.arp.pro = 0x0800;
	p.arp.op = op;
	p.arp.eth_ip4 = 1;
	memcpy(p.arp.sha, sha, 6);
	h_ip4(p.arp.spa, spa);
	h_ip4(p.arp.tpa, tpa);
	h_inpkt(h, &p, 0);
}

static void
whohas(struct harness *h, const char *tpa)
{
	arp(h, 1, asker_mac, "10.0.0.99", tpa, h_bcast);
}

static void
assert_probe(const struct pkt *p, const char *tpa)
{
	uint8_t t[4], zero[4] = { 0 };

	h_ip4(t, tpa);
	assert_true(p->layers & PKT_L_ARP);
	assert_int_equal(p->arp.op, 1);
	assert_memory_equal(p->eth.dst, h_bcast, 6);
	assert_memory_equal(p->arp.spa, zero, 4);
	assert_memory_equal(p->arp.tpa, t, 4);
}

/* Ask for addr and let the probes run out; the claim is made. */
static void
claim_it(struct harness *h, const char *addr)
{
	whohas(h, addr);
	h_advance(h, 1000);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_CLAIMED));
	h_clear_out(h);
}

static void
test_claim_waits_for_probes_then_replies_unicast(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	const struct event *e;
	uint8_t t[4], a[4];

	whohas(h, "10.0.0.130");
	assert_int_equal(h->nout, 1);
	assert_probe(h_out(h, 0), "10.0.0.130");
	/* The probe comes from the MAC we would claim with: dell's. */
	assert_memory_equal(h_out(h, 0)->arp.sha, "\x00\x14\x22", 3);
	h_advance(h, 499);
	assert_int_equal(h->nout, 1);
	h_advance(h, 1);
	assert_int_equal(h->nout, 2);
	assert_probe(h_out(h, 1), "10.0.0.130");
	assert_int_equal(h_count_ev(h, EVENT_CLAIM), 0);
	h_advance(h, 500);	/* 1.0 s after the who-has: <= 1.1 s */
	assert_int_equal(h->nout, 3);
	p = h_out(h, 2);
	h_ip4(t, "10.0.0.130");
	h_ip4(a, "10.0.0.99");
	assert_int_equal(p->arp.op, 2);
	assert_memory_equal(p->eth.dst, asker_mac, 6);
	assert_memory_equal(p->eth.src, p->arp.sha, 6);
	assert_memory_equal(p->arp.sha, "\x00\x14\x22", 3);
	assert_memory_equal(p->arp.spa, t, 4);
	assert_memory_equal(p->arp.tha, asker_mac, 6);
	assert_memory_equal(p->arp.tpa, a, 4);
	assert_int_equal(h->out[2].ifindex, H_IFINDEX);
	e = h_find_ev(h, EVENT_CLAIM, EVENT_CLAIMED);
	assert_non_null(e);
	assert_string_equal(e->u.claim.iface, "veth0");
	assert_memory_equal(e->u.claim.mac, p->arp.sha, 6);
	/* Later questions are answered at once. */
	h_clear_out(h);
	whohas(h, "10.0.0.130");
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->arp.op, 2);
	assert_int_equal(stack_counter(h->st, "claims_active"), 1);
}

static void
test_claim_refused_when_owner_answers_probe(void **state)
{
	struct harness *h = *state;
	const struct event *e;

	whohas(h, "10.0.0.131");
	arp(h, 2, owner_mac, "10.0.0.131", "10.0.0.99", asker_mac);
	h_advance(h, 2000);
	assert_int_equal(h->nout, 1);		/* the first probe only */
	e = h_find_ev(h, EVENT_CLAIM, EVENT_REFUSED);
	assert_non_null(e);
	assert_memory_equal(e->u.claim.mac, owner_mac, 6);
	assert_null(h_find_ev(h, EVENT_CLAIM, EVENT_CLAIMED));
	whohas(h, "10.0.0.131");
	assert_int_equal(h->nout, 1);
}

static void
test_claim_released_on_gratuitous_arp(void **state)
{
	struct harness *h = *state;
	const struct event *e;

	claim_it(h, "10.0.0.132");
	arp(h, 1, owner_mac, "10.0.0.132", "10.0.0.132", h_bcast);
	e = h_find_ev(h, EVENT_CLAIM, EVENT_RELEASED);
	assert_non_null(e);
	assert_non_null(strstr(e->u.claim.reason, "gratuitous"));
	assert_int_equal(h->nout, 0);
	whohas(h, "10.0.0.132");
	h_tcp(h, "10.0.0.132", 4000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	h_advance(h, 2000);
	assert_int_equal(h->nout, 0);
	assert_int_equal(stack_counter(h->st, "claims_active"), 0);
}

static void
test_claim_released_when_owner_asks(void **state)
{
	struct harness *h = *state;

	claim_it(h, "10.0.0.133");
	arp(h, 1, owner_mac, "10.0.0.133", "10.0.0.99", h_bcast);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_RELEASED));
}

static void
test_claim_never_for_neighbour_seen(void **state)
{
	struct harness *h = *state;
	struct addr a;

	addr_parse("10.0.0.134", &a);
	stack_neighbour_seen(h->st, H_IFINDEX, &a, owner_mac, h->now);
	whohas(h, "10.0.0.134");
	whohas(h, "10.0.0.134");
	h_advance(h, 2000);
	assert_int_equal(h->nout, 0);
	/* One refusal, naming the owner, however often it is asked for. */
	assert_int_equal(h->nev, 1);
	assert_int_equal(h->ev[0].u.claim.action, EVENT_REFUSED);
	assert_memory_equal(h->ev[0].u.claim.mac, owner_mac, 6);
}

static void
test_claim_neighbour_seen_releases(void **state)
{
	struct harness *h = *state;
	struct addr a;

	claim_it(h, "10.0.0.135");
	addr_parse("10.0.0.135", &a);
	stack_neighbour_seen(h->st, H_IFINDEX, &a, owner_mac, h->now);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_RELEASED));
}

static void
test_claim_arp_probe_is_not_answered_and_yields(void **state)
{
	struct harness *h = *state;

	/* Somebody else's RFC 5227 probe: they are taking the address. */
	arp(h, 1, owner_mac, "0.0.0.0", "10.0.0.136", h_bcast);
	assert_int_equal(h->nout, 0);
	whohas(h, "10.0.0.136");
	h_advance(h, 2000);
	assert_int_equal(h->nout, 0);
	/* A probe for an address we hold: we step aside. */
	claim_it(h, "10.0.0.137");
	arp(h, 1, owner_mac, "0.0.0.0", "10.0.0.137", h_bcast);
	assert_int_equal(h->nout, 0);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_RELEASED));
}

static void
test_claim_malformed_arp_is_ignored(void **state)
{
	struct harness *h = *state;
	struct pkt p;
	uint8_t b[128], mc[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	int n;

	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_ARP;
	memcpy(p.eth.src, asker_mac, 6);
	memcpy(p.eth.dst, h_bcast, 6);
	p.eth.type = 0x0806;
	p.arp.hrd = 6;			/* IEEE 802, not Ethernet */
	p.arp.pro = 0x0800;
	p.arp.op = 1;
	p.arp.eth_ip4 = 1;
	memcpy(p.arp.sha, asker_mac, 6);
	h_ip4(p.arp.spa, "10.0.0.99");
	h_ip4(p.arp.tpa, "10.0.0.140");
	h_inpkt(h, &p, 0);
	p.arp.hrd = 1;
	p.arp.pro = 0x86dd;		/* wrong protocol type */
	h_inpkt(h, &p, 0);
	p.arp.pro = 0x0800;
	p.arp.op = 9;			/* no such operation */
	h_inpkt(h, &p, 0);
	p.arp.op = 1;
	memcpy(p.arp.sha, mc, 6);	/* multicast sender */
	h_inpkt(h, &p, 0);
	memcpy(p.arp.sha, owner_mac, 6);	/* sha != Ethernet source */
	h_inpkt(h, &p, 0);
	/* hlen 8: not Ethernet/IPv4 addresses at all */
	memcpy(p.arp.sha, asker_mac, 6);
	n = encode_pkt(&p, b, sizeof(b));
	b[14 + 4] = 8;
	h_input(h, b, (size_t)n, 0);
	h_advance(h, 2000);
	assert_int_equal(h->nout, 0);
	assert_int_equal(stack_counter(h->st, "arp_malformed"), 6);
}

static void
test_claim_never_own_broadcast_or_network_address(void **state)
{
	struct harness *h = *state;

	whohas(h, "10.0.0.1");		/* the sensor's own */
	whohas(h, "10.0.0.255");	/* the subnet's broadcast */
	whohas(h, "10.0.0.0");
	whohas(h, "255.255.255.255");
	/* A question from a broadcast or unspecified sender. */
	arp(h, 1, asker_mac, "10.0.0.255", "10.0.0.141", h_bcast);
	h_advance(h, 2000);
	assert_int_equal(h->nout, 0);
}

static void
test_claim_bound_address_answers_at_once(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	whohas(h, "10.0.1.5");
	assert_int_equal(h->nout, 1);
	p = h_out(h, 0);
	assert_int_equal(p->arp.op, 2);
	assert_memory_equal(p->arp.sha, "\x00\x16\x3e\x01\x02\x03", 6);
	assert_memory_equal(p->eth.dst, asker_mac, 6);
}

static void
test_claim_answers_only_on_request_interface(void **state)
{
	struct harness *h = *state;
	struct stack_iface ifc;
	struct pkt p;
	uint8_t b[128];
	int n;

	memset(&ifc, 0, sizeof(ifc));
	ifc.ifindex = 9;
	snprintf(ifc.name, sizeof(ifc.name), "veth9");
	memcpy(ifc.mac, "\x02\0\0\0\0\x09", 6);
	assert_int_equal(stack_add_iface(h->st, &ifc), 0);
	claim_it(h, "10.0.0.142");
	/* The same question on the other interface starts over there. */
	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_ARP;
	memcpy(p.eth.src, asker_mac, 6);
	memcpy(p.eth.dst, h_bcast, 6);
	p.eth.type = 0x0806;
	p.arp.hrd = 1;
	p.arp.pro = 0x0800;
	p.arp.op = 1;
	p.arp.eth_ip4 = 1;
	memcpy(p.arp.sha, asker_mac, 6);
	h_ip4(p.arp.spa, "10.0.0.99");
	h_ip4(p.arp.tpa, "10.0.0.142");
	n = encode_pkt(&p, b, sizeof(b));
	stack_input(h->st, 9, b, (size_t)n, 0, h->now);
	assert_int_equal(h->nout, 1);
	assert_int_equal(h->out[0].ifindex, 9);
	assert_int_equal(h_out(h, 0)->arp.op, 1);	/* a probe */
	/* Unknown interfaces are not answered at all. */
	stack_input(h->st, 77, b, (size_t)n, 0, h->now);
	assert_int_equal(h->nout, 1);
}

static void
test_claimed_address_answers_tcp_with_its_mac(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	h_tcp(h, "10.0.0.143", 4000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	assert_int_equal(h->nout, 0);	/* not claimed yet */
	claim_it(h, "10.0.0.143");
	h_tcp(h, "10.0.0.143", 4000, 80, TH_SYN, 1, 0, NULL, 0, 0);
	p = h_out(h, 0);
	assert_int_equal(p->tcp.flags, TH_RST | TH_ACK);
	assert_memory_equal(p->eth.src, "\x00\x14\x22", 3);
}

/* IPv6: a neighbour solicitation for target from src (:: for DAD). */
static void
ns(struct harness *h, const char *src, const char *target,
    const uint8_t mac[6])
{
	struct pkt p;
	struct addr s, t;
	uint8_t opt[8];

	addr_parse(src, &s);
	addr_parse(target, &t);
	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_IP6 | PKT_L_ICMP6;
	memcpy(p.eth.src, mac, 6);
	memcpy(p.eth.dst, "\x33\x33\xff\x00\x00\x05", 6);
	p.eth.type = 0x86dd;
	p.ip6.hlim = 255;
	p.ip6.nxt = 58;
	memcpy(p.ip6.src, s.a, 16);
	memcpy(p.ip6.dst, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\0\0\x05", 16);
	p.icmp6.type = 135;
	memcpy(p.icmp6.target, t.a, 16);
	if (s.a[0] != 0) {
		opt[0] = 1;
		opt[1] = 1;
		memcpy(opt + 2, mac, 6);
		p.icmp6.ndopt = opt;
		p.icmp6.ndopt_len = 8;
	}
	h_inpkt(h, &p, 0);
}

static void
test_claim_ndp_probes_with_dad_then_advertises(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;
	struct addr t, a;
	uint8_t zero[16] = { 0 };

	addr_parse("2001:db8::5", &t);
	addr_parse("2001:db8::99", &a);
	ns(h, "2001:db8::99", "2001:db8::5", asker_mac);
	assert_int_equal(h->nout, 1);
	p = h_out(h, 0);
	assert_int_equal(p->icmp6.type, 135);
	assert_memory_equal(p->ip6.src, zero, 16);
	assert_memory_equal(p->ip6.dst,
	    "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\0\0\x05", 16);
	assert_memory_equal(p->eth.dst, "\x33\x33\xff\x00\x00\x05", 6);
	assert_int_equal(p->ip6.hlim, 255);
	assert_false(p->icmp6.has_slla);
	assert_memory_equal(p->icmp6.target, t.a, 16);
	h_advance(h, 1000);
	assert_int_equal(h->nout, 3);
	p = h_out(h, 2);
	assert_int_equal(p->icmp6.type, 136);
	assert_int_equal(p->icmp6.cksum_state, CKSUM_OK);
	assert_memory_equal(p->ip6.src, t.a, 16);
	assert_memory_equal(p->ip6.dst, a.a, 16);
	assert_memory_equal(p->eth.dst, asker_mac, 6);
	assert_true(p->icmp6.has_tlla);
	assert_memory_equal(p->icmp6.tlla, p->eth.src, 6);
	assert_int_equal(p->icmp6.rest & 0x60000000, 0x60000000);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_CLAIMED));
}

static void
test_claim_ndp_dad_from_another_host_yields(void **state)
{
	struct harness *h = *state;

	ns(h, "::", "2001:db8::6", owner_mac);
	ns(h, "2001:db8::99", "2001:db8::6", asker_mac);
	h_advance(h, 2000);
	assert_int_equal(h->nout, 0);
}

static void
test_claim_released_on_unsolicited_na(void **state)
{
	struct harness *h = *state;
	struct pkt p;
	struct addr t;
	uint8_t opt[8] = { 2, 1 };

	ns(h, "2001:db8::99", "2001:db8::7", asker_mac);
	h_advance(h, 1000);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_CLAIMED));
	addr_parse("2001:db8::7", &t);
	pkt_init(&p, 0);
	p.layers = PKT_L_ETH | PKT_L_IP6 | PKT_L_ICMP6;
	memcpy(p.eth.src, owner_mac, 6);
	memcpy(p.eth.dst, "\x33\x33\0\0\0\x01", 6);
	p.eth.type = 0x86dd;
	p.ip6.hlim = 255;
	p.ip6.nxt = 58;
	memcpy(p.ip6.src, t.a, 16);
	memcpy(p.ip6.dst, "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	p.icmp6.type = 136;
	p.icmp6.rest = 0x20000000;
	memcpy(p.icmp6.target, t.a, 16);
	memcpy(opt + 2, owner_mac, 6);
	p.icmp6.ndopt = opt;
	p.icmp6.ndopt_len = 8;
	h_inpkt(h, &p, 0);
	assert_non_null(h_find_ev(h, EVENT_CLAIM, EVENT_RELEASED));
}


static void
test_claim_ndp_bound_address_answers_at_once(void **state)
{
	struct harness *h = *state;
	const struct pkt *p;

	ns(h, "2001:db8::99", "2001:db8:1::5", asker_mac);
	assert_int_equal(h->nout, 1);
	p = h_out(h, 0);
	assert_int_equal(p->icmp6.type, 136);
	assert_memory_equal(p->icmp6.tlla, "\x00\x16\x3e\x01\x02\x03", 6);
	assert_int_equal(p->ip6.hlim, 255);
}


static void
test_claim_bound_address_kept_on_conflict_and_counted(void **state)
{
	struct harness *h = *state;

	arp(h, 1, owner_mac, "10.0.1.5", "10.0.1.5", h_bcast);
	assert_int_equal(stack_counter(h->st, "bound_conflicts"), 1);
	assert_int_equal(h->nev, 0);
	whohas(h, "10.0.1.5");
	assert_int_equal(h->nout, 1);
	assert_int_equal(h_out(h, 0)->arp.op, 2);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_claim_waits_for_probes_then_replies_unicast),
		T(test_claim_refused_when_owner_answers_probe),
		T(test_claim_released_on_gratuitous_arp),
		T(test_claim_released_when_owner_asks),
		T(test_claim_never_for_neighbour_seen),
		T(test_claim_neighbour_seen_releases),
		T(test_claim_arp_probe_is_not_answered_and_yields),
		T(test_claim_malformed_arp_is_ignored),
		T(test_claim_never_own_broadcast_or_network_address),
		T(test_claim_bound_address_answers_at_once),
		T(test_claim_answers_only_on_request_interface),
		T(test_claimed_address_answers_tcp_with_its_mac),
		T(test_claim_ndp_probes_with_dad_then_advertises),
		T(test_claim_ndp_dad_from_another_host_yields),
		T(test_claim_released_on_unsolicited_na),
		T(test_claim_ndp_bound_address_answers_at_once),
		T(test_claim_bound_address_kept_on_conflict_and_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
