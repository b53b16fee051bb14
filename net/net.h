/*
 * The packet codec.  Decoders share one signature and never read outside
 * [buf, buf + len); a malformation becomes an anomaly in the pkt (pkt.h),
 * never a crash.  Each returns 0 when its header was read, -1 when the layer
 * is unusable (the anomaly says why; its bytes stay the payload of the
 * layer around it).  decode_eth and decode_sll decode the whole stack; the
 * others start at their own layer.  pkt_init() the pkt before each decode.
 *
 * Encoders write the layers present in a pkt, from the given layer down,
 * into buf (size bytes at most) and return the length, or -1 if it does not
 * fit.  Lengths (IPv4 total/header length, TCP offset, UDP length, IPv6
 * payload length) are computed; a checksum is computed unless its layer's
 * cksum_keep is set, which the decoders set so that decode then encode gives
 * back the input bytes whenever pkt_exact() is true.
 *
 * To build a packet: pkt_init() it, set the PKT_L_* bits of the layers
 * wanted and their fields (ARP: eth_ip4 = 1 for Ethernet/IPv4 addresses;
 * IPv6: nxt, plus ext/extlen for extension headers; IPv4/TCP options with
 * opt_add), point payload at the data, and call encode_pkt().
 */
#ifndef DIAS_NET_H
#define DIAS_NET_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

void	 pkt_init(struct pkt *, unsigned int flags);
const char *anom_name(enum anom);
int	 anom_lossy(enum anom);
int	 pkt_has_anom(const struct pkt *, enum anom);
/* 1 if encoding the pkt reproduces the decoded bytes exactly. */
int	 pkt_exact(const struct pkt *);
/* Add the pkt's anomalies to per-code counters. */
void	 anom_count(const struct pkt *, uint64_t counts[ANOM_MAX]);
/* "eth:vlan:ip4:tcp" (":frag" for a fragment) and "ip4.bad_cksum,...";
 * "-" for none.  snprintf semantics. */
int	 pkt_layers_fmt(const struct pkt *, char *, size_t);
int	 pkt_anoms_fmt(const struct pkt *, char *, size_t);

int	 decode_eth(struct pkt *, const uint8_t *, size_t);
int	 decode_sll(struct pkt *, const uint8_t *, size_t);
int	 decode_arp(struct pkt *, const uint8_t *, size_t);
int	 decode_ip(struct pkt *, const uint8_t *, size_t);	/* by version */
int	 decode_ip4(struct pkt *, const uint8_t *, size_t);
int	 decode_ip6(struct pkt *, const uint8_t *, size_t);
int	 decode_icmp(struct pkt *, const uint8_t *, size_t);
int	 decode_icmp6(struct pkt *, const uint8_t *, size_t);
int	 decode_tcp(struct pkt *, const uint8_t *, size_t);
int	 decode_udp(struct pkt *, const uint8_t *, size_t);

/* From the outermost layer present. */
int	 encode_pkt(const struct pkt *, uint8_t *, size_t);
int	 encode_eth(const struct pkt *, uint8_t *, size_t);
int	 encode_sll(const struct pkt *, uint8_t *, size_t);
int	 encode_arp(const struct pkt *, uint8_t *, size_t);
int	 encode_ip4(const struct pkt *, uint8_t *, size_t);
int	 encode_ip6(const struct pkt *, uint8_t *, size_t);
int	 encode_icmp(const struct pkt *, uint8_t *, size_t);
int	 encode_icmp6(const struct pkt *, uint8_t *, size_t);
int	 encode_tcp(const struct pkt *, uint8_t *, size_t);
int	 encode_udp(const struct pkt *, uint8_t *, size_t);

/*
 * Building options in order, exactly as given: opt_add appends one option
 * (no length byte for EOL and NOP), opt_add_raw appends bytes unparsed
 * (deliberate padding or garbage).  -1 when the 40-byte area is full.
 * opt_parse re-indexes buf after it was written directly.
 */
int	 opt_add(struct optlist *, uint8_t kind, const void *, size_t);
int	 opt_add_raw(struct optlist *, const void *, size_t);
void	 opt_parse(struct optlist *);
const struct opt *opt_find(const struct optlist *, uint8_t kind);

/*
 * RFC 1071 Internet checksum.  cksum_add accumulates a partial sum (every
 * piece but the last must have even length); cksum_fold finishes it into
 * the value to store.  A received header is valid when cksum over it,
 * checksum field included, is 0.
 */
uint32_t cksum_add(uint32_t, const uint8_t *, size_t);
uint16_t cksum_fold(uint32_t);
uint16_t cksum(const uint8_t *, size_t);
uint32_t cksum_pseudo4(const uint8_t src[4], const uint8_t dst[4],
	    uint8_t proto, uint16_t len);
uint32_t cksum_pseudo6(const uint8_t src[16], const uint8_t dst[16],
	    uint8_t proto, uint32_t len);
/* RFC 1624 eqn. 3: the sum after a 16-bit field changes from old to new. */
uint16_t cksum_update16(uint16_t sum, uint16_t old, uint16_t new);
uint16_t cksum_update32(uint16_t sum, uint32_t old, uint32_t new);

#endif
