/*
 * UDP, RFC 768.  A zero checksum means none was computed; over IPv6 that
 * is not allowed (RFC 8200 §8.1) and is an anomaly.
 */
#include "net.h"
#include "local.h"

int
decode_udp(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_udp *uh = &p->udp;
	size_t dlen;

	if (len < UDP_HDRLEN) {
		anom_set(p, ANOM_UDP_TRUNCATED);
		return -1;
	}
	uh->len = rd16(buf + 4);
	if (uh->len < UDP_HDRLEN) {
		anom_set(p, ANOM_UDP_LEN_INVALID);
		return -1;
	}
	dlen = uh->len;
	if (dlen > len) {
		anom_set(p, ANOM_UDP_LEN_TOO_BIG);
		dlen = len;
	} else if (dlen < len)
		anom_set(p, ANOM_UDP_LEN_TOO_SMALL);
	uh->sport = rd16(buf);
	uh->dport = rd16(buf + 2);
	uh->cksum = rd16(buf + 6);
	uh->cksum_keep = 1;
	if (uh->cksum == 0) {
		uh->cksum_state = CKSUM_ABSENT;
		if (p->layers & PKT_L_IP6)
			anom_set(p, ANOM_UDP6_ZERO_CKSUM);
	} else if (!pkt_has_anom(p, ANOM_UDP_LEN_TOO_BIG)) {
		uh->cksum_state = l4_verify(p, IPPROTO_UDP_, buf, dlen);
		if (uh->cksum_state == CKSUM_BAD)
			anom_set(p, ANOM_UDP_BAD_CKSUM);
	}
	uh->raw = buf;
	uh->rawlen = UDP_HDRLEN;
	p->payload = buf + UDP_HDRLEN;
	p->payload_len = dlen - UDP_HDRLEN;
	p->layers |= PKT_L_UDP;
	return 0;
}

int
encode_udp(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_udp *uh = &p->udp;
	size_t len;
	uint32_t sum;
	uint16_t s;

	if (size < UDP_HDRLEN)
		return -1;
	len = UDP_HDRLEN + p->payload_len;
	if (len > UINT16_MAX)
		return -1;
	wr16(buf, uh->sport);
	wr16(buf + 2, uh->dport);
	wr16(buf + 4, len);
	wr16(buf + 6, 0);
	if (put_bytes(buf, size, UDP_HDRLEN, p->payload, p->payload_len) == -1)
		return -1;
	if (uh->cksum_keep || l4_pseudo(p, IPPROTO_UDP_, len, &sum) == -1)
		s = uh->cksum;
	else if ((s = cksum_fold(cksum_add(sum, buf, len))) == 0)
		s = 0xffff;	/* RFC 768: a computed zero is sent as ones */
	wr16(buf + 6, s);
	return (int)len;
}
