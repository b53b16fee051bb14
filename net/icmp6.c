/*
 * ICMPv6, RFC 4443, and neighbour discovery, RFC 4861: router and
 * neighbour solicitations and advertisements, redirects, and their
 * options (indexed; source/target link-layer addresses read out).
 */
#include <string.h>

#include "net.h"
#include "local.h"

#define ICMP6_DST_UNREACH	1
#define ICMP6_PARAM_PROB	4
#define ND_ROUTER_SOLICIT	133
#define ND_ROUTER_ADVERT	134
#define ND_NEIGHBOR_SOLICIT	135
#define ND_NEIGHBOR_ADVERT	136
#define ND_REDIRECT		137
#define ND_OPT_SLLA		1	/* RFC 4861 §4.6.1 */
#define ND_OPT_TLLA		2
#define ND_HOPLIMIT		255	/* RFC 4861 §6.1, §7.1 */

static int
icmp6_is_nd(uint8_t type)
{
	return type >= ND_ROUTER_SOLICIT && type <= ND_REDIRECT;
}

/* Bytes after the first 8 that the type fixes (RFC 4861 §4.1-4.5). */
static size_t
icmp6_bodylen(uint8_t type)
{
	switch (type) {
	case ND_ROUTER_ADVERT:
		return 8;	/* reachable time, retrans timer */
	case ND_NEIGHBOR_SOLICIT:
	case ND_NEIGHBOR_ADVERT:
		return 16;	/* target */
	case ND_REDIRECT:
		return 32;	/* target, destination */
	}
	return 0;
}

/* RFC 4861 §4.6: type, length in 8-octet units (0 is invalid), data. */
static void
nd_opts(struct pkt *p, const uint8_t *o, size_t len)
{
	struct pkt_icmp6 *ic = &p->icmp6;
	size_t off = 0, olen;

	while (off < len) {
		if (len - off < 2 || o[off + 1] == 0 ||
		    (olen = (size_t)o[off + 1] * 8) > len - off) {
			anom_set(p, ANOM_ICMP6_ND_OPT_LEN_INVALID);
			return;
		}
		if (ic->nopt < ND_MAXOPT) {
			ic->opt[ic->nopt].type = o[off];
			ic->opt[ic->nopt].len = o[off + 1];
			ic->opt[ic->nopt].off = off;
			ic->nopt++;
		}
		/* One unit carries a 6-byte Ethernet address. */
		if (o[off] == ND_OPT_SLLA && olen == 8) {
			ic->has_slla = 1;
			memcpy(ic->slla, o + off + 2, 6);
		} else if (o[off] == ND_OPT_TLLA && olen == 8) {
			ic->has_tlla = 1;
			memcpy(ic->tlla, o + off + 2, 6);
		}
		off += olen;
	}
}

int
decode_icmp6(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_icmp6 *ic = &p->icmp6;
	size_t hlen;
	int rv;

	if (len < ICMP_HDRLEN) {
		anom_set(p, ANOM_ICMP6_TRUNCATED);
		return -1;
	}
	ic->type = buf[0];
	ic->code = buf[1];
	hlen = ICMP_HDRLEN + icmp6_bodylen(ic->type);
	if (len < hlen) {
		anom_set(p, ANOM_ICMP6_TRUNCATED);
		return -1;
	}
	ic->cksum = rd16(buf + 2);
	ic->cksum_keep = 1;
	ic->rest = rd32(buf + 4);
	switch (ic->type) {
	case ND_ROUTER_ADVERT:
		ic->reachable = rd32(buf + 8);
		ic->retrans = rd32(buf + 12);
		break;
	case ND_NEIGHBOR_SOLICIT:
	case ND_NEIGHBOR_ADVERT:
		memcpy(ic->target, buf + 8, 16);
		break;
	case ND_REDIRECT:
		memcpy(ic->target, buf + 8, 16);
		memcpy(ic->dest, buf + 24, 16);
		break;
	}
	ic->cksum_state = l4_verify(p, IPPROTO_ICMPV6_, buf, len);
	if (ic->cksum_state == CKSUM_BAD)
		anom_set(p, ANOM_ICMP6_BAD_CKSUM);
	ic->raw = buf;
	ic->rawlen = hlen;
	p->layers |= PKT_L_ICMP6;
	if (icmp6_is_nd(ic->type)) {
		/* Off-link senders would not have hop limit 255. */
		if ((p->layers & PKT_L_IP6) && p->ip6.hlim != ND_HOPLIMIT)
			anom_set(p, ANOM_ICMP6_ND_HOPLIMIT);
		if (ic->code != 0)
			anom_set(p, ANOM_ICMP6_ND_CODE);
		ic->ndopt = buf + hlen;
		ic->ndopt_len = len - hlen;
		nd_opts(p, ic->ndopt, ic->ndopt_len);
		p->payload = buf + len;
		p->payload_len = 0;
		return 0;
	}
	/* RFC 4443 §3: the errors quote as much of the packet as fits. */
	if (ic->type >= ICMP6_DST_UNREACH && ic->type <= ICMP6_PARAM_PROB) {
		rv = quote_read(&ic->quote, buf + hlen, len - hlen);
		if (rv == -1)
			anom_set(p, ANOM_ICMP6_QUOTE_TRUNCATED);
		else if (rv == -2)
			anom_set(p, ANOM_ICMP6_QUOTE_INVALID);
	}
	p->payload = buf + hlen;
	p->payload_len = len - hlen;
	return 0;
}

int
encode_icmp6(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_icmp6 *ic = &p->icmp6;
	size_t hlen, len;
	uint32_t sum;

	hlen = ICMP_HDRLEN + icmp6_bodylen(ic->type);
	if (size < hlen)
		return -1;
	buf[0] = ic->type;
	buf[1] = ic->code;
	wr16(buf + 2, 0);
	wr32(buf + 4, ic->rest);
	switch (ic->type) {
	case ND_ROUTER_ADVERT:
		wr32(buf + 8, ic->reachable);
		wr32(buf + 12, ic->retrans);
		break;
	case ND_NEIGHBOR_SOLICIT:
	case ND_NEIGHBOR_ADVERT:
		memcpy(buf + 8, ic->target, 16);
		break;
	case ND_REDIRECT:
		memcpy(buf + 8, ic->target, 16);
		memcpy(buf + 24, ic->dest, 16);
		break;
	}
	len = hlen;
	if (put_bytes(buf, size, len, ic->ndopt, ic->ndopt_len) == -1)
		return -1;
	len += ic->ndopt_len;
	if (put_bytes(buf, size, len, p->payload, p->payload_len) == -1)
		return -1;
	len += p->payload_len;
	if (ic->cksum_keep || l4_pseudo(p, IPPROTO_ICMPV6_, len, &sum) == -1)
		wr16(buf + 2, ic->cksum);
	else
		wr16(buf + 2, cksum_fold(cksum_add(sum, buf, len)));
	return (int)len;
}
