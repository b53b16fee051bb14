/*
 * Connections out of captured packets, for `diasctl import pcap` (DIAS's
 * file-based sensors): frames are decoded with the net/ codec and grouped
 * into flows by (proto, addresses, ports), either direction.
 *
 *	TCP	a flow begins with its first packet; the side that sent the
 *		first SYN without ACK (else the first packet) is the source.
 *		A RST, or a FIN from each side, closes it; a closed flow
 *		still takes its stragglers (last ACKs, repeated RSTs) until
 *		a new SYN opens the next flow on the same ports, or it idles.
 *	UDP, ICMP, ICMPv6  a flow per addresses and ports (ICMP: none),
 *		ended by FLOW_IDLE_US of silence.
 *
 * Everything in a frame is attacker-controlled: the codec checks every
 * length, and a frame that is not IP (ARP, garbage) or an IP fragment
 * after the first is counted and skipped.  A table holds at most
 * max_flows; when it is full the idlest flows are ended early (reason
 * "evicted") so memory stays bounded.  Payload is kept up to
 * payload_max bytes per direction, in arrival order (no reassembly).
 */
#ifndef DIAS_FLOW_H
#define DIAS_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define FLOW_IDLE_US	(60 * INT64_C(1000000))
#define FLOW_TCP_IDLE_US (300 * INT64_C(1000000))

/* Link types: pcap's DLT_EN10MB, DLT_RAW and DLT_LINUX_SLL values. */
#define FLOW_DLT_EN10MB		1
#define FLOW_DLT_RAW		12
#define FLOW_DLT_RAW_ALT	101	/* LINKTYPE_RAW in files */
#define FLOW_DLT_LINUX_SLL	113

/* A finished flow; dir 0 is from src (in, toward the sensor), 1 back. */
struct flow_rec {
	uint8_t		 proto;
	struct addr	 src, dst;
	uint16_t	 sport, dport;
	int64_t		 first, last;		/* µs */
	uint64_t	 pkts[2], bytes[2];	/* IP bytes */
	uint8_t		 flags;			/* TCP flags seen, or'ed */
	uint8_t		 reason;		/* EVENT_FIN ... */
	const uint8_t	*data[2];		/* payload kept */
	size_t		 len[2];
	int64_t		 data_ts[2];		/* its first byte's time */
};

struct flow_stats {
	uint64_t	 frames, skipped, flows, evicted;
};

struct flow_table;

/* NULL when out of memory. */
struct flow_table *flow_new(size_t max_flows, size_t payload_max);
void	 flow_free(struct flow_table *);

/*
 * One frame of link type dlt captured at ts (µs).  Flows that it ends
 * (and, once a second of capture time, idle ones) go to cb, whose rec is
 * valid only during the call.  -1 when cb returned -1 (which stops the
 * caller) or the link type is unknown; a bad frame is not an error.
 */
int	 flow_frame(struct flow_table *, int dlt, const uint8_t *frame,
	    size_t len, int64_t ts,
	    int (*cb)(void *, const struct flow_rec *), void *arg);
/* End every open flow (end of the file), oldest first. */
int	 flow_flush(struct flow_table *,
	    int (*cb)(void *, const struct flow_rec *), void *arg);
void	 flow_stats(const struct flow_table *, struct flow_stats *);

#endif
