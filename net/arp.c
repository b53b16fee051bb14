/*
 * ARP, RFC 826.  Ethernet/IPv4 addresses (hln 6, pln 4) are decoded; other
 * address sizes are kept raw as the payload.  Bytes after the message
 * (Ethernet padding) are the trailer.
 */
#include <string.h>

#include "net.h"
#include "local.h"

#define ARPHRD_ETHER_	1	/* RFC 826 ar$hrd for Ethernet */

int
decode_arp(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_arp *a = &p->arp;
	size_t body;

	if (len < ARP_HDRLEN) {
		anom_set(p, ANOM_ARP_TRUNCATED);
		return -1;
	}
	a->hrd = rd16(buf);
	a->pro = rd16(buf + 2);
	a->hln = buf[4];
	a->pln = buf[5];
	a->op = rd16(buf + 6);
	body = 2 * ((size_t)a->hln + a->pln);
	if (len - ARP_HDRLEN < body) {
		anom_set(p, ANOM_ARP_TRUNCATED);
		return -1;
	}
	a->raw = buf;
	a->eth_ip4 = a->hln == 6 && a->pln == 4;
	if (a->eth_ip4) {
		memcpy(a->sha, buf + 8, 6);
		memcpy(a->spa, buf + 14, 4);
		memcpy(a->tha, buf + 18, 6);
		memcpy(a->tpa, buf + 24, 4);
		a->rawlen = ARP_HDRLEN + body;
	} else {
		if (a->hrd == ARPHRD_ETHER_ && a->pro == ETHERTYPE_IP4)
			anom_set(p, ANOM_ARP_ADDR_LEN);
		a->rawlen = ARP_HDRLEN;
		p->payload = buf + ARP_HDRLEN;
		p->payload_len = body;
	}
	p->trailer = buf + ARP_HDRLEN + body;
	p->trailer_len = len - ARP_HDRLEN - body;
	p->layers |= PKT_L_ARP;
	return 0;
}

int
encode_arp(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_arp *a = &p->arp;
	size_t off;

	if (size < ARP_HDRLEN)
		return -1;
	wr16(buf, a->hrd);
	wr16(buf + 2, a->pro);
	buf[4] = a->eth_ip4 ? 6 : a->hln;
	buf[5] = a->eth_ip4 ? 4 : a->pln;
	wr16(buf + 6, a->op);
	off = ARP_HDRLEN;
	if (a->eth_ip4) {
		if (size < ARP_HDRLEN + 20)
			return -1;
		memcpy(buf + 8, a->sha, 6);
		memcpy(buf + 14, a->spa, 4);
		memcpy(buf + 18, a->tha, 6);
		memcpy(buf + 24, a->tpa, 4);
		off += 20;
	} else {
		if (put_bytes(buf, size, off, p->payload, p->payload_len) == -1)
			return -1;
		off += p->payload_len;
	}
	if (put_bytes(buf, size, off, p->trailer, p->trailer_len) == -1)
		return -1;
	return (int)(off + p->trailer_len);
}
