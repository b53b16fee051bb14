/*
 * The virtual hosts' ICMP and ICMPv6: echo (RFC 792, RFC 4443 §4),
 * timestamp and address mask replies where the personality has them, and
 * the port unreachable errors closed UDP ports send.  A template's ICMP
 * default action decides whether it answers at all (closed and filtered
 * both mean silence).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "stack_local.h"

#define ICMP_ECHOREPLY_		0
#define ICMP_UNREACH_		3
#define ICMP_UNREACH_PORT_	3
#define ICMP_ECHO_		8
#define ICMP_TSTAMP_		13
#define ICMP_TSTAMPREPLY_	14
#define ICMP_MASKREQ_		17
#define ICMP_MASKREPLY_		18
#define ICMP6_UNREACH_		1
#define ICMP6_UNREACH_PORT_	4
#define ICMP6_ECHO_		128
#define ICMP6_ECHOREPLY_	129
#define ICMP6_QUOTE_MAX	1232	/* RFC 4443 §2.4: 1280 - 40 - 8 */
#define MS_PER_DAY		86400000ULL

static int
icmp_answers(const struct vhost *vh)
{
	return vh->tmpl->defaults[PROTO_ICMP].kind != ACTION_CLOSED &&
	    vh->tmpl->defaults[PROTO_ICMP].kind != ACTION_FILTERED;
}

/* One exchange per peer and echo id, so a ping run is one flow. */
static void
icmp_flow(struct stack *s, uint8_t proto, const struct pkt *in,
    const struct path *pa, struct vhost *vh, uint8_t type, uint8_t code,
    uint16_t id, size_t outlen)
{
	uint16_t tc = (uint16_t)(type << 8 | code);
	struct flow *f;

	if ((f = flow_lookup(s, proto, pa, id, tc)) == NULL) {
		if ((f = flow_create(s, proto, pa, id, tc, vh, NULL)) == NULL)
			return;
	} else
		flow_touch(s, f);
	f->pkts_in++;
	f->bytes_in += in->payload_len;
	f->pkts_out++;
	f->bytes_out += outlen;
	if (f->tm.hidx == 0)
		stack_timer_set(s, &f->tm,
		    f->last + s->sc->limits.idle_ms * 1000);
}

void
vicmp_input(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	const struct pkt_icmp *ic = &in->icmp;
	const struct personality *pe = &vh->pers;
	const struct stack_iface *ifc;
	struct pkt p;
	uint32_t ms;
	size_t i;
	int df;

	if (!icmp_answers(vh)) {
		CTR(s, ICMP_IGNORED);
		return;
	}
	switch (ic->type) {
	case ICMP_ECHO_:
		df = pe->icmp_echo_df == 2 ? (in->ip4.flags & IP4_DF) != 0 :
		    pe->icmp_echo_df;
		stack_out_ip(s, &p, pa, vh, IPPROTO_ICMP, df, pe->ipid_icmp);
		p.layers |= PKT_L_ICMP;
		p.icmp.type = ICMP_ECHOREPLY_;
		p.icmp.code = pe->icmp_echo_code0 ? 0 : ic->code;
		p.icmp.rest = ic->rest;
		p.payload = in->payload;
		p.payload_len = in->payload_len;
		if (stack_output(s, &p, pa) == 0)
			CTR(s, ICMP_ECHO_REPLIES);
		break;
	case ICMP_TSTAMP_:
		if (!pe->icmp_tstamp) {
			CTR(s, ICMP_IGNORED);
			return;
		}
		/* RFC 792: ms since midnight UT.  The engine has no wall
		 * clock; the monotonic one keeps the replies consistent. */
		ms = (uint32_t)((s->now / 1000) % MS_PER_DAY);
		stack_out_ip(s, &p, pa, vh, IPPROTO_ICMP, 0, pe->ipid_icmp);
		p.layers |= PKT_L_ICMP;
		p.icmp.type = ICMP_TSTAMPREPLY_;
		p.icmp.rest = ic->rest;
		p.icmp.otime = ic->otime;
		p.icmp.rtime = p.icmp.ttime = ms;
		if (stack_output(s, &p, pa) == 0)
			CTR(s, ICMP_OTHER_REPLIES);
		break;
	case ICMP_MASKREQ_:
		if (!pe->icmp_mask) {
			CTR(s, ICMP_IGNORED);
			return;
		}
		stack_out_ip(s, &p, pa, vh, IPPROTO_ICMP, 0, pe->ipid_icmp);
		p.layers |= PKT_L_ICMP;
		p.icmp.type = ICMP_MASKREPLY_;
		p.icmp.rest = ic->rest;
		p.icmp.mask = 0xffffff00;
		if ((ifc = stack_iface(s, pa->ifindex)) != NULL)
			for (i = 0; i < ifc->naddrs; i++)
				if (ifc->addrs[i].af == AF_INET &&
				    ifc->plens[i] != 0) {
					p.icmp.mask = 0xffffffffU <<
					    (32 - ifc->plens[i]);
					break;
				}
		if (stack_output(s, &p, pa) == 0)
			CTR(s, ICMP_OTHER_REPLIES);
		break;
	default:
		CTR(s, ICMP_IGNORED);
		return;
	}
	icmp_flow(s, IPPROTO_ICMP, in, pa, vh, ic->type, ic->code,
	    (uint16_t)(ic->rest >> 16), in->payload_len);
}

void
vicmp6_input(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	const struct pkt_icmp6 *ic = &in->icmp6;
	struct pkt p;

	if (!icmp_answers(vh) || ic->type != ICMP6_ECHO_) {
		CTR(s, ICMP_IGNORED);
		return;
	}
	stack_out_ip(s, &p, pa, vh, IPPROTO_ICMPV6, 0, vh->pers.ipid_icmp);
	p.layers |= PKT_L_ICMP6;
	p.icmp6.type = ICMP6_ECHOREPLY_;
	p.icmp6.code = 0;
	p.icmp6.rest = ic->rest;
	p.payload = in->payload;
	p.payload_len = in->payload_len;
	if (stack_output(s, &p, pa) == 0)
		CTR(s, ICMP_ECHO_REPLIES);
	icmp_flow(s, IPPROTO_ICMPV6, in, pa, vh, ic->type, ic->code,
	    (uint16_t)(ic->rest >> 16), in->payload_len);
}

/* RFC 792 / RFC 4443 §3.1: quote the datagram, as much as the OS does. */
void
vicmp_unreach(struct stack *s, const struct pkt *in, const struct path *pa,
    struct vhost *vh)
{
	const struct personality *pe = &vh->pers;
	const uint8_t *q;
	size_t qlen, max;
	struct pkt p;

	if (pa->af == AF_INET) {
		q = in->ip4.raw;
		qlen = in->ip4.len < in->ip4.rawlen + in->udp.rawlen +
		    in->payload_len ? in->ip4.len : in->ip4.rawlen +
		    in->udp.rawlen + in->payload_len;
		max = in->ip4.rawlen + pe->unreach_quote;
		if (qlen > max)
			qlen = max;
		stack_out_ip(s, &p, pa, vh, IPPROTO_ICMP, pe->unreach_df,
		    pe->ipid_icmp);
		p.layers |= PKT_L_ICMP;
		p.icmp.type = ICMP_UNREACH_;
		p.icmp.code = ICMP_UNREACH_PORT_;
	} else {
		q = in->ip6.raw;
		qlen = in->ip6.rawlen + in->udp.rawlen + in->payload_len;
		if (qlen > ICMP6_QUOTE_MAX)
			qlen = ICMP6_QUOTE_MAX;
		stack_out_ip(s, &p, pa, vh, IPPROTO_ICMPV6, 0, pe->ipid_icmp);
		p.layers |= PKT_L_ICMP6;
		p.icmp6.type = ICMP6_UNREACH_;
		p.icmp6.code = ICMP6_UNREACH_PORT_;
	}
	p.payload = q;
	p.payload_len = qlen;
	if (stack_output(s, &p, pa) == 0)
		CTR(s, UDP_UNREACH);
}
