/*
 * ICMP for IPv4, RFC 792 (timestamps), RFC 950 (address masks), RFC 1191
 * (next-hop MTU).  Errors quote the invoking packet, which is read
 * shallowly, never decoded recursively.
 */
#include <sys/socket.h>

#include <string.h>

#include "net.h"
#include "local.h"

#define ICMP_ECHOREPLY		0
#define ICMP_UNREACH		3
#define ICMP_SOURCEQUENCH	4
#define ICMP_REDIRECT		5
#define ICMP_TIMXCEED		11
#define ICMP_PARAMPROB		12
#define ICMP_TSTAMP		13
#define ICMP_TSTAMPREPLY	14
#define ICMP_MASKREQ		17
#define ICMP_MASKREPLY		18
#define ICMP_TSTAMP_HDRLEN	20	/* 8 + originate, receive, transmit */
#define ICMP_MASK_HDRLEN	12	/* 8 + address mask */

static size_t
icmp_hdrlen(uint8_t type)
{
	switch (type) {
	case ICMP_TSTAMP:
	case ICMP_TSTAMPREPLY:
		return ICMP_TSTAMP_HDRLEN;
	case ICMP_MASKREQ:
	case ICMP_MASKREPLY:
		return ICMP_MASK_HDRLEN;
	}
	return ICMP_HDRLEN;
}

static int
icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_SOURCEQUENCH ||
	    type == ICMP_REDIRECT || type == ICMP_TIMXCEED ||
	    type == ICMP_PARAMPROB;
}

/*
 * The quoted packet: an IP header and, for TCP/UDP/SCTP, the ports.
 * Returns 0, -1 if it is cut short, -2 if it is not an IP header.
 */
int
quote_read(struct pkt_quote *q, const uint8_t *buf, size_t len)
{
	size_t hlen;

	memset(q, 0, sizeof(*q));
	q->raw = buf;
	q->len = len;
	if (len < 1)
		return -1;
	switch (buf[0] >> 4) {
	case 4:
		if (len < IP4_HDRLEN)
			return -1;
		if ((hlen = (size_t)(buf[0] & 0x0f) * 4) < IP4_HDRLEN)
			return -2;
		if (len < hlen)
			return -1;
		q->af = AF_INET;
		q->proto = buf[9];
		memcpy(q->src, buf + 12, 4);
		memcpy(q->dst, buf + 16, 4);
		break;
	case 6:
		if (len < IP6_HDRLEN)
			return -1;
		hlen = IP6_HDRLEN;
		q->af = AF_INET6;
		q->proto = buf[6];
		memcpy(q->src, buf + 8, 16);
		memcpy(q->dst, buf + 24, 16);
		break;
	default:
		return -2;
	}
	if (len - hlen >= 4 && (q->proto == IPPROTO_TCP_ ||
	    q->proto == IPPROTO_UDP_ || q->proto == 132 /* SCTP */)) {
		q->has_ports = 1;
		q->sport = rd16(buf + hlen);
		q->dport = rd16(buf + hlen + 2);
	}
	/* RFC 792: the header plus the first 64 bits of data. */
	return len - hlen >= 8 ? 0 : -1;
}

int
decode_icmp(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_icmp *ic = &p->icmp;
	size_t hlen;
	int rv;

	if (len < ICMP_HDRLEN) {
		anom_set(p, ANOM_ICMP_TRUNCATED);
		return -1;
	}
	ic->type = buf[0];
	ic->code = buf[1];
	hlen = icmp_hdrlen(ic->type);
	if (len < hlen) {
		anom_set(p, ANOM_ICMP_TRUNCATED);
		return -1;
	}
	ic->cksum = rd16(buf + 2);
	ic->cksum_keep = 1;
	ic->rest = rd32(buf + 4);
	if (hlen == ICMP_TSTAMP_HDRLEN) {
		ic->otime = rd32(buf + 8);
		ic->rtime = rd32(buf + 12);
		ic->ttime = rd32(buf + 16);
	} else if (hlen == ICMP_MASK_HDRLEN)
		ic->mask = rd32(buf + 8);
	ic->cksum_state = l4_verify(p, IPPROTO_ICMP_, buf, len);
	if (ic->cksum_state == CKSUM_BAD)
		anom_set(p, ANOM_ICMP_BAD_CKSUM);
	if (icmp_is_error(ic->type)) {
		rv = quote_read(&ic->quote, buf + hlen, len - hlen);
		if (rv == -1)
			anom_set(p, ANOM_ICMP_QUOTE_TRUNCATED);
		else if (rv == -2)
			anom_set(p, ANOM_ICMP_QUOTE_INVALID);
	}
	ic->raw = buf;
	ic->rawlen = hlen;
	p->payload = buf + hlen;
	p->payload_len = len - hlen;
	p->layers |= PKT_L_ICMP;
	return 0;
}

int
encode_icmp(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_icmp *ic = &p->icmp;
	size_t hlen, len;

	hlen = icmp_hdrlen(ic->type);
	if (size < hlen)
		return -1;
	buf[0] = ic->type;
	buf[1] = ic->code;
	wr16(buf + 2, 0);
	wr32(buf + 4, ic->rest);
	if (hlen == ICMP_TSTAMP_HDRLEN) {
		wr32(buf + 8, ic->otime);
		wr32(buf + 12, ic->rtime);
		wr32(buf + 16, ic->ttime);
	} else if (hlen == ICMP_MASK_HDRLEN)
		wr32(buf + 8, ic->mask);
	if (put_bytes(buf, size, hlen, p->payload, p->payload_len) == -1)
		return -1;
	len = hlen + p->payload_len;
	wr16(buf + 2, ic->cksum_keep ? ic->cksum : cksum(buf, len));
	return (int)len;
}
