/*
 * AF_PACKET TPACKET_V3 receive rings (DESIGN.md §6).
 *
 * The parent (root) makes the socket: ring_open() creates it bound to one
 * interface, with a BPF filter compiled by libpcap and the ring set up,
 * and passes the fd to a child.  The child, jailed, maps it with
 * ring_map() and walks retired blocks with ring_drain(); it needs only
 * mmap, poll, send and getsockopt.  Each frame carries the kernel's
 * per-frame status, so a frame whose checksum was left to offload (veth)
 * is told apart from one that arrived with a bad checksum.
 */
#ifndef DIAS_RING_H
#define DIAS_RING_H

#include <stddef.h>
#include <stdint.h>

#include "proc.h"

/* Sizes used by the sensor: the engine wants low latency, capture wants
 * room. */
extern const struct ring_geom ring_geom_engine;
extern const struct ring_geom ring_geom_capture;

#define RING_F_IGNORE_OUTGOING	0x01	/* PACKET_IGNORE_OUTGOING */

/*
 * Parent side.  An AF_PACKET socket on ifindex with filter (a pcap
 * expression; NULL for everything) attached before any frame can arrive,
 * and an RX ring of geometry g.  Returns the fd, or -1 with err filled.
 */
int	 ring_open(int ifindex, const struct ring_geom *g, const char *filter,
	    int flags, char *err, size_t errlen);
/* Compile filter with libpcap for Ethernet and attach it to fd. */
int	 ring_attach_filter(int fd, const char *filter, char *err,
	    size_t errlen);

/* Child side. */
struct ring;

struct ring_frame {
	const uint8_t	*data;		/* the Ethernet header onwards */
	size_t		 caplen;	/* bytes at data */
	size_t		 len;		/* bytes on the wire */
	unsigned	 flags;		/* STACK_F_* (stack.h) */
	int64_t		 ts_us;		/* kernel receive time, epoch µs */
};

/* Map the ring on fd (which the ring then owns and closes). NULL, errno. */
struct ring	*ring_map(int fd, int ifindex, const struct ring_geom *);
void		 ring_free(struct ring *);
int		 ring_fd(const struct ring *);
int		 ring_ifindex(const struct ring *);

/*
 * Hand every frame of every retired block to fn, and give the blocks
 * back to the kernel; at most max_blocks blocks (0: no limit, but one
 * pass around the ring).  Frames are only valid during the callback.
 * Returns frames seen.
 */
size_t		 ring_drain(struct ring *, size_t max_blocks,
		    void (*fn)(void *, const struct ring_frame *), void *arg);

/* Transmit one frame on the ring's interface.  0 or -1 with errno. */
int		 ring_send(struct ring *, const uint8_t *, size_t);

/* The kernel's counters since the last call (PACKET_STATISTICS). */
int		 ring_stats(struct ring *, uint64_t *packets, uint64_t *drops);

#endif
