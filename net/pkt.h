/*
 * The decoded packet.  One fixed struct per packet, filled by the decode_*
 * functions (net.h) and read back by the encode_* functions, so a decoded
 * frame re-encodes to the same bytes.  Nothing is allocated: variable parts
 * point into the caller's frame (valid only while that buffer lives) or, for
 * IPv4/TCP options (40 bytes at most), are copied inline so the
 * personality engine can build them in place.
 *
 * Multi-byte fields are in host order; addresses are bytes in network order.
 */
#ifndef DIAS_PKT_H
#define DIAS_PKT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Anomalies: one name per malformation, counted by the caller.  A layer
 * whose header cannot be read is left as raw payload of the layer around
 * it, so most anomalies still round-trip byte for byte.  The "lossy" ones
 * (third column) mean a length field disagrees with the bytes present, so
 * encode would not give the input back.
 */
#define ANOM_LIST(X)							\
	X(ETH_TRUNCATED,	"eth.truncated",		1)	\
	X(ETH_VLAN_TRUNCATED,	"eth.vlan_truncated",		1)	\
	X(ETH_VLAN_STACKED,	"eth.vlan_stacked",		0)	\
	X(SLL_TRUNCATED,	"sll.truncated",		1)	\
	X(ARP_TRUNCATED,	"arp.truncated",		0)	\
	X(ARP_ADDR_LEN,		"arp.addr_len",			0)	\
	X(IP4_TRUNCATED,	"ip4.truncated",		0)	\
	X(IP4_BAD_VERSION,	"ip4.bad_version",		0)	\
	X(IP4_HLEN_TOO_SMALL,	"ip4.hlen_too_small",		0)	\
	X(IP4_HLEN_TOO_BIG,	"ip4.hlen_too_big",		0)	\
	X(IP4_TOTLEN_TOO_SMALL,	"ip4.totlen_too_small",		0)	\
	X(IP4_TOTLEN_TOO_BIG,	"ip4.totlen_too_big",		1)	\
	X(IP4_BAD_CKSUM,	"ip4.bad_cksum",		0)	\
	X(IP4_RESERVED_FLAG,	"ip4.reserved_flag",		0)	\
	X(IP4_FRAG_TOO_BIG,	"ip4.frag_too_big",		0)	\
	X(IP4_OPT_LEN_INVALID,	"ip4.opt_len_invalid",		0)	\
	X(IP4_OPT_MALFORMED,	"ip4.opt_malformed",		0)	\
	X(IP4_OPT_PAD_NONZERO,	"ip4.opt_pad_nonzero",		0)	\
	X(IP6_TRUNCATED,	"ip6.truncated",		0)	\
	X(IP6_BAD_VERSION,	"ip6.bad_version",		0)	\
	X(IP6_PLEN_TOO_BIG,	"ip6.plen_too_big",		1)	\
	X(IP6_EXT_TRUNCATED,	"ip6.ext_truncated",		0)	\
	X(IP6_EXT_TOO_MANY,	"ip6.ext_too_many",		0)	\
	X(IP6_HOPOPTS_NOT_FIRST, "ip6.hopopts_not_first",	0)	\
	X(IP6_OPT_LEN_INVALID,	"ip6.opt_len_invalid",		0)	\
	X(ICMP_TRUNCATED,	"icmp.truncated",		0)	\
	X(ICMP_BAD_CKSUM,	"icmp.bad_cksum",		0)	\
	X(ICMP_QUOTE_TRUNCATED,	"icmp.quote_truncated",		0)	\
	X(ICMP_QUOTE_INVALID,	"icmp.quote_invalid",		0)	\
	X(ICMP6_TRUNCATED,	"icmp6.truncated",		0)	\
	X(ICMP6_BAD_CKSUM,	"icmp6.bad_cksum",		0)	\
	X(ICMP6_QUOTE_TRUNCATED, "icmp6.quote_truncated",	0)	\
	X(ICMP6_QUOTE_INVALID,	"icmp6.quote_invalid",		0)	\
	X(ICMP6_ND_HOPLIMIT,	"icmp6.nd_hoplimit",		0)	\
	X(ICMP6_ND_CODE,	"icmp6.nd_code",		0)	\
	X(ICMP6_ND_OPT_LEN_INVALID, "icmp6.nd_opt_len_invalid",	0)	\
	X(TCP_TRUNCATED,	"tcp.truncated",		0)	\
	X(TCP_HLEN_TOO_SMALL,	"tcp.hlen_too_small",		0)	\
	X(TCP_HLEN_TOO_BIG,	"tcp.hlen_too_big",		0)	\
	X(TCP_OPT_LEN_INVALID,	"tcp.opt_len_invalid",		0)	\
	X(TCP_OPT_BAD_SIZE,	"tcp.opt_bad_size",		0)	\
	X(TCP_OPT_PAD_NONZERO,	"tcp.opt_pad_nonzero",		0)	\
	X(TCP_BAD_CKSUM,	"tcp.bad_cksum",		0)	\
	X(UDP_TRUNCATED,	"udp.truncated",		0)	\
	X(UDP_LEN_INVALID,	"udp.len_invalid",		0)	\
	X(UDP_LEN_TOO_SMALL,	"udp.len_too_small",		1)	\
	X(UDP_LEN_TOO_BIG,	"udp.len_too_big",		1)	\
	X(UDP_BAD_CKSUM,	"udp.bad_cksum",		0)	\
	X(UDP6_ZERO_CKSUM,	"udp6.zero_cksum",		0)

enum anom {
	ANOM_NONE = 0,
#define ANOM_ENUM(id, name, lossy)	ANOM_##id,
	ANOM_LIST(ANOM_ENUM)
#undef ANOM_ENUM
	ANOM_MAX
};

/*
 * Checksum state, kept per layer and apart from the anomalies, so frames the
 * kernel handed over with CSUM_NOT_READY can be decoded with verification
 * skipped (PKT_F_NO_L4_CKSUM) rather than filtered on an anomaly.  A failed
 * check also raises the layer's *_BAD_CKSUM anomaly.
 */
enum cksum_state {
	CKSUM_UNCHECKED = 0,	/* skipped, or not computable (no IP, cut) */
	CKSUM_OK,
	CKSUM_BAD,
	CKSUM_ABSENT		/* UDP checksum 0: sender did not compute one */
};

/* pkt_init() flags */
#define PKT_F_NO_IP_CKSUM	0x01	/* do not verify IPv4 header sums */
#define PKT_F_NO_L4_CKSUM	0x02	/* nor TCP/UDP/ICMP/ICMPv6 sums */

/* Layers present (pkt.layers). */
#define PKT_L_ETH	0x0001
#define PKT_L_VLAN	0x0002
#define PKT_L_SLL	0x0004
#define PKT_L_ARP	0x0008
#define PKT_L_IP4	0x0010
#define PKT_L_IP6	0x0020
#define PKT_L_ICMP	0x0040
#define PKT_L_ICMP6	0x0080
#define PKT_L_TCP	0x0100
#define PKT_L_UDP	0x0200

#define PKT_MAXANOM	16
#define OPT_AREA_MAX	40	/* RFC 791 §3.1, RFC 9293 §3.1: 15 words */
#define IP6_MAXEXT	8	/* extension headers walked before giving up */
#define ND_MAXOPT	16	/* NDP options indexed; the rest stay raw */

/*
 * IPv4 and TCP options share a format (kind 0 = EOL, 1 = NOP, otherwise
 * kind, length, data).  buf holds the option area exactly as on the wire,
 * and is what the encoder emits (zero-padded to a multiple of 4, RFC 791
 * §3.1).  opt[] indexes it in order; bytes from offset tail on (after an
 * EOL, or from an option whose length is invalid) are kept but not indexed.
 */
struct opt {
	uint8_t		 kind;
	uint8_t		 len;	/* whole option; 1 for EOL and NOP */
	uint8_t		 off;	/* of the kind byte in optlist.buf */
};

struct optlist {
	uint8_t		 buf[OPT_AREA_MAX];
	uint8_t		 len;
	uint8_t		 n;
	uint8_t		 tail;
	struct opt	 opt[OPT_AREA_MAX];
};

struct pkt_eth {
	const uint8_t	*raw;		/* header, incl. the tag */
	size_t		 rawlen;
	uint8_t		 dst[6];
	uint8_t		 src[6];
	uint16_t	 tpid;		/* 802.1Q tag, when PKT_L_VLAN */
	uint16_t	 tci;		/* PCP(3) DEI(1) VID(12) */
	uint16_t	 type;		/* ethertype after the tag */
};

/* Linux "cooked" capture header (DLT_LINUX_SLL), for reading captures. */
struct pkt_sll {
	const uint8_t	*raw;
	size_t		 rawlen;
	uint16_t	 pkttype;
	uint16_t	 hatype;
	uint16_t	 halen;
	uint8_t		 addr[8];
	uint16_t	 proto;
};

struct pkt_arp {
	const uint8_t	*raw;
	size_t		 rawlen;
	uint16_t	 hrd, pro;
	uint8_t		 hln, pln;
	uint16_t	 op;
	int		 eth_ip4;	/* hln 6, pln 4: the addresses below */
	uint8_t		 sha[6], spa[4], tha[6], tpa[4];
};

#define IP4_RF		0x4	/* flags: reserved, don't fragment, more */
#define IP4_DF		0x2
#define IP4_MF		0x1

struct pkt_ip4 {
	const uint8_t	*raw;
	size_t		 rawlen;	/* header length incl. options */
	uint8_t		 hl;		/* as received, 32-bit words */
	uint8_t		 tos;
	uint16_t	 len;		/* as received; encode computes it */
	uint16_t	 id;
	uint8_t		 flags;		/* IP4_RF | IP4_DF | IP4_MF */
	uint16_t	 fragoff;	/* 8-byte units */
	uint8_t		 ttl;
	uint8_t		 proto;
	uint16_t	 cksum;
	uint8_t		 cksum_keep;	/* encode emits cksum as is */
	uint8_t		 cksum_state;
	uint8_t		 src[4], dst[4];
	struct optlist	 opts;
};

struct ip6_ext {
	uint8_t		 type;	/* the next-header value naming it */
	uint8_t		 nxt;
	uint16_t	 off;	/* from the start of the extension headers */
	uint16_t	 len;
};

struct pkt_ip6 {
	const uint8_t	*raw;
	size_t		 rawlen;	/* 40 + extension headers walked */
	uint8_t		 tc;
	uint32_t	 flow;
	uint16_t	 plen;		/* as received; encode computes it */
	uint8_t		 nxt;		/* first next header */
	uint8_t		 hlim;
	uint8_t		 src[16], dst[16];
	/* Extension headers, raw: encode emits ext[0..extlen] as is. */
	const uint8_t	*ext;
	size_t		 extlen;
	uint8_t		 next;		/* entries in exth[] */
	struct ip6_ext	 exth[IP6_MAXEXT];
	uint8_t		 proto;		/* upper layer after the walk */
	uint8_t		 fragment;	/* has a fragment header */
	uint16_t	 fragoff;	/* 8-byte units */
	uint8_t		 mf;
	uint32_t	 fragid;
};

/* The invoking packet an ICMP error quotes, read shallowly (no recursion). */
struct pkt_quote {
	const uint8_t	*raw;
	size_t		 len;
	uint8_t		 af;		/* AF_INET/AF_INET6; 0 if unreadable */
	uint8_t		 proto;
	uint8_t		 src[16], dst[16];
	int		 has_ports;
	uint16_t	 sport, dport;
};

struct pkt_icmp {
	const uint8_t	*raw;
	size_t		 rawlen;	/* 8; timestamps 20, masks 12 */
	uint8_t		 type, code;
	uint16_t	 cksum;
	uint8_t		 cksum_keep;
	uint8_t		 cksum_state;
	/*
	 * Second header word (RFC 792): id << 16 | seq for echo, timestamp,
	 * information and mask messages; gateway for redirects; pointer << 24
	 * for parameter problems; next-hop MTU for "fragmentation needed"
	 * (RFC 1191 §4).
	 */
	uint32_t	 rest;
	uint32_t	 otime, rtime, ttime;	/* types 13, 14 (RFC 792) */
	uint32_t	 mask;			/* types 17, 18 (RFC 950) */
	struct pkt_quote quote;			/* error types */
};

struct nd_opt {
	uint8_t		 type;
	uint8_t		 len;	/* 8-octet units, RFC 4861 §4.6 */
	uint16_t	 off;	/* in pkt_icmp6.ndopt */
};

struct pkt_icmp6 {
	const uint8_t	*raw;
	size_t		 rawlen;	/* 8 + the type's fixed NDP body */
	uint8_t		 type, code;
	uint16_t	 cksum;
	uint8_t		 cksum_keep;
	uint8_t		 cksum_state;
	uint32_t	 rest;	/* id << 16 | seq, MTU, pointer, NA flags … */
	uint8_t		 target[16];	/* NS, NA, redirect */
	uint8_t		 dest[16];	/* redirect */
	uint32_t	 reachable, retrans;	/* RA */
	/* NDP options, raw (encode emits them as is) and indexed. */
	const uint8_t	*ndopt;
	size_t		 ndopt_len;
	uint8_t		 nopt;
	struct nd_opt	 opt[ND_MAXOPT];
	int		 has_slla, has_tlla;
	uint8_t		 slla[6], tlla[6];
	struct pkt_quote quote;
};

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PUSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TH_ECE	0x40
#define TH_CWR	0x80

/* TCP option kinds, RFC 9293 §3.1, RFC 7323, RFC 2018. */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WS		3
#define TCPOPT_SACKOK		4
#define TCPOPT_SACK		5
#define TCPOPT_TS		8

struct pkt_tcp {
	const uint8_t	*raw;
	size_t		 rawlen;
	uint16_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 off;		/* as received; encode computes it */
	uint8_t		 res;		/* the 4 bits before CWR (incl. AE) */
	uint8_t		 flags;		/* TH_* */
	uint16_t	 win;
	uint16_t	 cksum;
	uint8_t		 cksum_keep;
	uint8_t		 cksum_state;
	uint16_t	 urp;
	struct optlist	 opts;
	/* Well-formed known options, read from opts (the last one wins). */
	uint8_t		 has_mss, has_ws, has_sackok, has_ts;
	uint16_t	 mss;
	uint8_t		 ws;
	uint32_t	 tsval, tsecr;
	uint8_t		 nsack;
	uint32_t	 sack[4][2];
};

struct pkt_udp {
	const uint8_t	*raw;
	size_t		 rawlen;
	uint16_t	 sport, dport;
	uint16_t	 len;		/* as received; encode computes it */
	uint16_t	 cksum;
	uint8_t		 cksum_keep;
	uint8_t		 cksum_state;
};

struct pkt {
	unsigned int	 flags;		/* PKT_F_* */
	uint16_t	 layers;	/* PKT_L_* */
	uint8_t		 nanom;		/* distinct anomalies (> MAXANOM ok) */
	uint8_t		 lossy;		/* a lossy anomaly was raised */
	uint16_t	 anom[PKT_MAXANOM];
	uint8_t		 frag;		/* IP fragment: upper layer raw */

	struct pkt_eth	 eth;
	struct pkt_sll	 sll;
	struct pkt_arp	 arp;
	struct pkt_ip4	 ip4;
	struct pkt_ip6	 ip6;
	struct pkt_icmp	 icmp;
	struct pkt_icmp6 icmp6;
	struct pkt_tcp	 tcp;
	struct pkt_udp	 udp;

	/* Bytes after the innermost decoded header. */
	const uint8_t	*payload;
	size_t		 payload_len;
	/* After the ARP message or IP datagram (Ethernet padding, FCS). */
	const uint8_t	*trailer;
	size_t		 trailer_len;
};

#endif
