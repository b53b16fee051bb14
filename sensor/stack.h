/*
 * The virtual-host stack: everything the engine does with a frame, as pure
 * logic.  The engine process feeds it frames and the clock; the stack
 * answers through the callbacks in struct stack_io.  No I/O and no
 * syscalls happen in here, so every behaviour is unit-testable and it runs
 * comfortably inside the engine's seccomp sandbox.
 *
 * Ownership: stack_new keeps a pointer to the conf, which must outlive the
 * stack.  Frames passed to stack_input are only borrowed for the call.
 */
#ifndef DIAS_STACK_H
#define DIAS_STACK_H

#include <net/if.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct conf;
struct event;
struct flow;
struct stack;

struct stack_io {
	/* Transmit one complete Ethernet frame on interface ifindex. */
	int	(*send)(void *arg, int ifindex, const uint8_t *frame,
		    size_t len);
	/*
	 * One event, emitted the moment it happens.  The stack fills all
	 * but ts (the callee stamps wall-clock time), sensor and seq (the
	 * shipper's).  The callee copies what it keeps; the stack clears
	 * ev after the call.
	 */
	void	(*emit)(void *arg, struct event *ev);
	void	*arg;
	/*
	 * Optional (NULL: the bytes are dropped, the event still goes out).
	 * A file a service received, with its upload event (conn, name,
	 * size, sha256) before that event is emitted: the engine forwards
	 * the bytes to the shipper, which stores them content-addressed.
	 * data and ev are borrowed for the call.
	 */
	void	(*upload)(void *arg, const struct event *ev,
		    const uint8_t *data, size_t len);
	/*
	 * Optional (NULL: command ports are accepted and recorded only).
	 * A flow reached a service command (vscript.h): script_open asks
	 * for command index to be run for it (0, or -1: the flow is
	 * closed); script_input passes what the peer sent (-1 when it
	 * cannot be taken: the flow is reset); script_close says the peer
	 * closed or the flow ended, and nothing more comes.  All three
	 * are called from inside stack_input or stack_timers.
	 */
	int	(*script_open)(void *arg, struct flow *, uint32_t index);
	int	(*script_input)(void *arg, struct flow *, const uint8_t *,
		    size_t);
	void	(*script_close)(void *arg, struct flow *);
};

/* An interface the sensor listens on, and the sensor's own addresses
 * there (never claimed, never answered for). */
#define STACK_IFACE_ADDRS	16
struct stack_iface {
	int		 ifindex;
	char		 name[IF_NAMESIZE];
	uint8_t		 mac[6];
	struct addr	 addrs[STACK_IFACE_ADDRS];
	/* Prefix length of each address (0: unknown): the subnet's network
	 * and broadcast addresses are never claimed. */
	uint8_t		 plens[STACK_IFACE_ADDRS];
	size_t		 naddrs;
};

/* Per-frame status from the AF_PACKET ring (TPACKET_V3 tp_status). */
#define STACK_F_CSUM_NOTREADY	0x01	/* TP_STATUS_CSUMNOTREADY: the
					   sender's kernel left the
					   checksum to offload; trust it */
#define STACK_F_CSUM_VALID	0x02	/* TP_STATUS_CSUM_VALID */
#define STACK_F_OUTGOING	0x04	/* PACKET_OUTGOING: our own frame */

struct stack	*stack_new(const struct conf *, const struct stack_io *,
		    uint64_t now_us);
void		 stack_free(struct stack *);
/* Seed the stack's PRNG (ISNs, IP IDs, the flow hash) from getrandom();
 * call before the first frame. */
void		 stack_seed(struct stack *, uint64_t seed);
int		 stack_add_iface(struct stack *, const struct stack_iface *);

/* One received frame; now_us is CLOCK_MONOTONIC in µs. */
void		 stack_input(struct stack *, int ifindex, const uint8_t *frame,
		    size_t len, unsigned flags, uint64_t now_us);

/*
 * Addresses the host's kernel knows to be in use (its neighbour cache, as
 * the parent reads it): never claimed, and released at once if claimed.
 */
void		 stack_neighbour_seen(struct stack *, int ifindex,
		    const struct addr *, const uint8_t mac[6], uint64_t now_us);

/* Run due timers (probes, retransmissions, idle and keepalive timeouts).
 * Returns µs until the next timer is due, or UINT64_MAX for none. */
uint64_t	 stack_timers(struct stack *, uint64_t now_us);

/* Append the stack's counters (packets, flows, drops by reason, claims)
 * to a heartbeat event; they leave room for STACK_COUNTERS_SPARE more. */
#define STACK_COUNTERS_SPARE	32
int		 stack_counters(const struct stack *, struct event *);
/* One counter by its stack_counters name; 0 if unknown. */
uint64_t	 stack_counter(const struct stack *, const char *name);

#endif
