/*
 * IPv4, RFC 791: header, options (kept in order, checked per RFC 791
 * §3.1), fragments (flagged; the upper layer of a fragment is left raw for
 * the engine's reassembly), header checksum.  Also the upper-layer dispatch
 * and pseudo-header checksums shared with IPv6.
 */
#include <string.h>

#include "net.h"
#include "local.h"

#define IP4_MAXLEN	65535
#define IPOPT_RR	7	/* RFC 791 §3.1 record route */
#define IPOPT_TS	68	/* internet timestamp */
#define IPOPT_SEC	130	/* RFC 1108 security */
#define IPOPT_LSRR	131
#define IPOPT_SATID	136	/* stream identifier */
#define IPOPT_SSRR	137
#define IPOPT_RA	148	/* RFC 2113 router alert */

/* Option-specific lengths and pointers, RFC 791 §3.1. */
static int
ip4_opt_ok(const struct optlist *l, const struct opt *o)
{
	const uint8_t *d = l->buf + o->off;

	switch (o->kind) {
	case IPOPT_RR:
	case IPOPT_LSRR:
	case IPOPT_SSRR:
		/* Route data is whole addresses; the pointer starts at 4. */
		return o->len >= 3 && (o->len - 3) % 4 == 0 && d[2] >= 4;
	case IPOPT_TS:
		return o->len >= 4 && d[2] >= 5;
	case IPOPT_SATID:
	case IPOPT_RA:
		return o->len == 4;
	case IPOPT_SEC:
		return o->len >= 3;
	}
	return 1;
}

int
decode_ip4(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_ip4 *ip = &p->ip4;
	size_t hlen, totlen, dlen, i;
	uint16_t frag;

	if (len < IP4_HDRLEN) {
		anom_set(p, ANOM_IP4_TRUNCATED);
		return -1;
	}
	if (buf[0] >> 4 != 4) {
		anom_set(p, ANOM_IP4_BAD_VERSION);
		return -1;
	}
	ip->hl = buf[0] & 0x0f;
	hlen = (size_t)ip->hl * 4;
	if (hlen < IP4_HDRLEN) {
		anom_set(p, ANOM_IP4_HLEN_TOO_SMALL);
		return -1;
	}
	if (hlen > len) {
		anom_set(p, ANOM_IP4_HLEN_TOO_BIG);
		return -1;
	}
	totlen = rd16(buf + 2);
	if (totlen < hlen) {
		anom_set(p, ANOM_IP4_TOTLEN_TOO_SMALL);
		return -1;
	}
	dlen = totlen;
	if (totlen > len) {
		/* Cut short (snap length, or a lie): decode what is here. */
		anom_set(p, ANOM_IP4_TOTLEN_TOO_BIG);
		dlen = len;
	}
	ip->raw = buf;
	ip->rawlen = hlen;
	ip->tos = buf[1];
	ip->len = totlen;
	ip->id = rd16(buf + 4);
	frag = rd16(buf + 6);
	ip->flags = frag >> 13;
	ip->fragoff = frag & 0x1fff;
	ip->ttl = buf[8];
	ip->proto = buf[9];
	ip->cksum = rd16(buf + 10);
	ip->cksum_keep = 1;
	memcpy(ip->src, buf + 12, 4);
	memcpy(ip->dst, buf + 16, 4);

	if (ip->flags & IP4_RF)
		anom_set(p, ANOM_IP4_RESERVED_FLAG);
	if (!(p->flags & PKT_F_NO_IP_CKSUM)) {
		ip->cksum_state = cksum(buf, hlen) == 0 ? CKSUM_OK : CKSUM_BAD;
		if (ip->cksum_state == CKSUM_BAD)
			anom_set(p, ANOM_IP4_BAD_CKSUM);
	}

	ip->opts.len = hlen - IP4_HDRLEN;
	memcpy(ip->opts.buf, buf + IP4_HDRLEN, ip->opts.len);
	if (opt_walk(&ip->opts) == -1)
		anom_set(p, ANOM_IP4_OPT_LEN_INVALID);
	if (!opt_pad_ok(&ip->opts))
		anom_set(p, ANOM_IP4_OPT_PAD_NONZERO);
	for (i = 0; i < ip->opts.n; i++)
		if (!ip4_opt_ok(&ip->opts, &ip->opts.opt[i]))
			anom_set(p, ANOM_IP4_OPT_MALFORMED);

	p->layers |= PKT_L_IP4;
	p->trailer = buf + dlen;
	p->trailer_len = len - dlen;
	if (ip->fragoff != 0 || (ip->flags & IP4_MF)) {
		p->frag = 1;
		/* Reassembled it would exceed 65535 bytes ("ping of death"). */
		if ((size_t)ip->fragoff * 8 + totlen - hlen >
		    IP4_MAXLEN - IP4_HDRLEN)
			anom_set(p, ANOM_IP4_FRAG_TOO_BIG);
		p->payload = buf + hlen;
		p->payload_len = dlen - hlen;
		return 0;
	}
	(void)decode_l4(p, ip->proto, buf + hlen, dlen - hlen);
	return 0;
}

int
encode_ip4(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_ip4 *ip = &p->ip4;
	size_t optlen, hlen, totlen;
	int n;

	optlen = ip->opts.len > OPT_AREA_MAX ? OPT_AREA_MAX : ip->opts.len;
	hlen = IP4_HDRLEN + ((optlen + 3) & ~(size_t)3);
	if (size < hlen)
		return -1;
	buf[0] = 4 << 4 | hlen / 4;
	buf[1] = ip->tos;
	wr16(buf + 4, ip->id);
	wr16(buf + 6, (uint16_t)((ip->flags & 0x7) << 13 |
	    (ip->fragoff & 0x1fff)));
	buf[8] = ip->ttl;
	buf[9] = ip->proto;
	memcpy(buf + 12, ip->src, 4);
	memcpy(buf + 16, ip->dst, 4);
	memcpy(buf + IP4_HDRLEN, ip->opts.buf, optlen);
	/* RFC 791 §3.1: the header is padded with zeros to a 32-bit edge. */
	memset(buf + IP4_HDRLEN + optlen, 0, hlen - IP4_HDRLEN - optlen);

	if ((n = encode_l4(p, buf + hlen, size - hlen)) == -1)
		return -1;
	totlen = hlen + (size_t)n;
	if (totlen > IP4_MAXLEN)
		return -1;
	wr16(buf + 2, totlen);
	wr16(buf + 10, 0);
	wr16(buf + 10, ip->cksum_keep ? ip->cksum : cksum(buf, hlen));
	if (put_bytes(buf, size, totlen, p->trailer, p->trailer_len) == -1)
		return -1;
	return (int)(totlen + p->trailer_len);
}

int
decode_l4(struct pkt *p, uint8_t proto, const uint8_t *buf, size_t len)
{
	int rv = -1;

	switch (proto) {
	case IPPROTO_TCP_:
		rv = decode_tcp(p, buf, len);
		break;
	case IPPROTO_UDP_:
		rv = decode_udp(p, buf, len);
		break;
	case IPPROTO_ICMP_:
		if (p->layers & PKT_L_IP4)
			rv = decode_icmp(p, buf, len);
		break;
	case IPPROTO_ICMPV6_:
		if (p->layers & PKT_L_IP6)
			rv = decode_icmp6(p, buf, len);
		break;
	}
	if (rv == -1) {
		p->payload = buf;
		p->payload_len = len;
	}
	return rv;
}

int
encode_l4(const struct pkt *p, uint8_t *buf, size_t size)
{
	if (p->layers & PKT_L_TCP)
		return encode_tcp(p, buf, size);
	if (p->layers & PKT_L_UDP)
		return encode_udp(p, buf, size);
	if (p->layers & PKT_L_ICMP)
		return encode_icmp(p, buf, size);
	if (p->layers & PKT_L_ICMP6)
		return encode_icmp6(p, buf, size);
	if (put_bytes(buf, size, 0, p->payload, p->payload_len) == -1)
		return -1;
	return (int)p->payload_len;
}

int
l4_pseudo(const struct pkt *p, uint8_t proto, size_t len, uint32_t *sum)
{
	uint8_t dst[16];

	if (p->layers & PKT_L_IP4) {
		if (len > IP4_MAXLEN)
			return -1;
		*sum = cksum_pseudo4(p->ip4.src, p->ip4.dst, proto, len);
		return 0;
	}
	if (p->layers & PKT_L_IP6) {
		ip6_final_dst(&p->ip6, dst);
		*sum = cksum_pseudo6(p->ip6.src, dst, proto, len);
		return 0;
	}
	return -1;
}

uint8_t
l4_verify(struct pkt *p, uint8_t proto, const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;

	if (p->flags & PKT_F_NO_L4_CKSUM)
		return CKSUM_UNCHECKED;
	/* A cut datagram cannot be summed. */
	if (pkt_has_anom(p, ANOM_IP4_TOTLEN_TOO_BIG) ||
	    pkt_has_anom(p, ANOM_IP6_PLEN_TOO_BIG))
		return CKSUM_UNCHECKED;
	/* ICMP for IPv4 has no pseudo-header (RFC 792). */
	if (proto != IPPROTO_ICMP_ && l4_pseudo(p, proto, len, &sum) == -1)
		return CKSUM_UNCHECKED;
	return cksum_fold(cksum_add(sum, buf, len)) == 0 ? CKSUM_OK : CKSUM_BAD;
}
