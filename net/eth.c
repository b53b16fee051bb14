/*
 * Ethernet II with at most one 802.1Q/802.1ad tag, and the Linux cooked
 * capture header.  A second tag is an anomaly, not a recursion: what
 * follows it stays undecoded payload.
 */
#include <string.h>

#include "net.h"
#include "local.h"

/* The layer inside a link header, by ethertype; unknown types are payload. */
static void
link_next(struct pkt *p, uint16_t type, const uint8_t *buf, size_t len)
{
	int rv = -1;

	switch (type) {
	case ETHERTYPE_ARP:
		rv = decode_arp(p, buf, len);
		break;
	case ETHERTYPE_IP4:
		rv = decode_ip4(p, buf, len);
		break;
	case ETHERTYPE_IP6:
		rv = decode_ip6(p, buf, len);
		break;
	}
	if (rv == -1) {
		p->payload = buf;
		p->payload_len = len;
	}
}

int
decode_eth(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_eth *e = &p->eth;
	size_t off = ETH_HDRLEN;
	uint16_t type;

	if (len < ETH_HDRLEN) {
		anom_set(p, ANOM_ETH_TRUNCATED);
		return -1;
	}
	memcpy(e->dst, buf, 6);
	memcpy(e->src, buf + 6, 6);
	type = rd16(buf + 12);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (len < ETH_HDRLEN + VLAN_TAGLEN) {
			anom_set(p, ANOM_ETH_VLAN_TRUNCATED);
			return -1;
		}
		e->tpid = type;
		e->tci = rd16(buf + 14);
		type = rd16(buf + 16);
		off += VLAN_TAGLEN;
		p->layers |= PKT_L_VLAN;
	}
	e->type = type;
	e->raw = buf;
	e->rawlen = off;
	p->layers |= PKT_L_ETH;
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		anom_set(p, ANOM_ETH_VLAN_STACKED);
		p->payload = buf + off;
		p->payload_len = len - off;
		return 0;
	}
	link_next(p, type, buf + off, len - off);
	return 0;
}

/* The layer inside a link header, or its raw payload. */
static int
link_encode(const struct pkt *p, uint8_t *buf, size_t size, size_t off)
{
	int n;

	if (p->layers & PKT_L_ARP)
		n = encode_arp(p, buf + off, size - off);
	else if (p->layers & PKT_L_IP4)
		n = encode_ip4(p, buf + off, size - off);
	else if (p->layers & PKT_L_IP6)
		n = encode_ip6(p, buf + off, size - off);
	else {
		if (put_bytes(buf, size, off, p->payload, p->payload_len) == -1)
			return -1;
		n = (int)p->payload_len;
	}
	if (n == -1)
		return -1;
	return (int)off + n;
}

int
encode_eth(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_eth *e = &p->eth;
	size_t off = ETH_HDRLEN;

	if (p->layers & PKT_L_VLAN)
		off += VLAN_TAGLEN;
	if (size < off)
		return -1;
	memcpy(buf, e->dst, 6);
	memcpy(buf + 6, e->src, 6);
	if (p->layers & PKT_L_VLAN) {
		wr16(buf + 12, e->tpid);
		wr16(buf + 14, e->tci);
	}
	wr16(buf + off - 2, e->type);
	return link_encode(p, buf, size, off);
}

/* DLT_LINUX_SLL: packet type, ARPHRD type, address length, 8 address bytes,
 * protocol (an ethertype for Ethernet-like devices). */
int
decode_sll(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_sll *s = &p->sll;

	if (len < SLL_HDRLEN) {
		anom_set(p, ANOM_SLL_TRUNCATED);
		return -1;
	}
	s->pkttype = rd16(buf);
	s->hatype = rd16(buf + 2);
	s->halen = rd16(buf + 4);
	memcpy(s->addr, buf + 6, 8);
	s->proto = rd16(buf + 14);
	s->raw = buf;
	s->rawlen = SLL_HDRLEN;
	p->layers |= PKT_L_SLL;
	link_next(p, s->proto, buf + SLL_HDRLEN, len - SLL_HDRLEN);
	return 0;
}

int
encode_sll(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_sll *s = &p->sll;

	if (size < SLL_HDRLEN)
		return -1;
	wr16(buf, s->pkttype);
	wr16(buf + 2, s->hatype);
	wr16(buf + 4, s->halen);
	memcpy(buf + 6, s->addr, 8);
	wr16(buf + 14, s->proto);
	return link_encode(p, buf, size, SLL_HDRLEN);
}
