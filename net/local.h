/* Codec internals shared by the layer files; not for other modules. */
#ifndef DIAS_NET_LOCAL_H
#define DIAS_NET_LOCAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

/* Ethertypes and IP protocol numbers (IANA). */
#define ETHERTYPE_IP4		0x0800
#define ETHERTYPE_ARP		0x0806
#define ETHERTYPE_VLAN		0x8100	/* IEEE 802.1Q */
#define ETHERTYPE_QINQ		0x88a8	/* IEEE 802.1ad */
#define ETHERTYPE_IP6		0x86dd
#define IPPROTO_HOPOPTS_	0
#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_AH_		51
#define IPPROTO_ICMPV6_		58
#define IPPROTO_DSTOPTS_	60

#define ETH_HDRLEN	14
#define VLAN_TAGLEN	4
#define SLL_HDRLEN	16
#define ARP_HDRLEN	8
#define IP4_HDRLEN	20
#define IP6_HDRLEN	40
#define TCP_HDRLEN	20
#define UDP_HDRLEN	8
#define ICMP_HDRLEN	8

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Raise an anomaly once; pkt.lossy follows the anomaly's lossy bit. */
void	 anom_set(struct pkt *, enum anom);
/* Index an option area into l and report malformed options. */
int	 opt_walk(struct optlist *);
/* 0 if bytes after an EOL are not all zero (RFC 791 §3.1, RFC 9293 §3.1). */
int	 opt_pad_ok(const struct optlist *);
/* Copy n payload bytes to out if they fit; -1 otherwise. */
int	 put_bytes(uint8_t *, size_t, size_t at, const uint8_t *, size_t n);
/* Decode the bytes after an IP header by protocol (ip4.c). */
int	 decode_l4(struct pkt *, uint8_t proto, const uint8_t *, size_t);
/* Encode the layer inside IP (tcp, udp, icmp, icmp6 or the raw payload). */
int	 encode_l4(const struct pkt *, uint8_t *, size_t);
/* Upper-layer pseudo-header sum for the pkt's IP layer; -1 if it has none. */
int	 l4_pseudo(const struct pkt *, uint8_t proto, size_t len, uint32_t *);
/* Verify an upper-layer checksum over buf (incl. its checksum field). */
uint8_t	 l4_verify(struct pkt *, uint8_t proto, const uint8_t *, size_t);
/* Pseudo-header destination of an IPv6 packet (RFC 8200 §8.1). */
void	 ip6_final_dst(const struct pkt_ip6 *, uint8_t[16]);
/* Read the invoking packet quoted by an ICMP/ICMPv6 error. */
int	 quote_read(struct pkt_quote *, const uint8_t *, size_t);

#endif
