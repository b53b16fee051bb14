/*
 * Built-in services: what answers behind an open port inside the engine.
 *
 * The stack owns the connection; a service sees it as an opaque flow and
 * gets three callbacks.  All are called from inside stack_input or
 * stack_timers, so a service never blocks and never does I/O of its own:
 * it answers with vconn_send and ends with vconn_close.
 *
 *	on_open		the TCP handshake completed, or the first UDP datagram
 *			arrived (before its on_data).  *state is the
 *			service's, NULL on entry.  -1 resets the flow.
 *	on_data		in-order bytes from the peer (one datagram for UDP).
 *			-1 resets the flow.
 *	on_close	the peer closed (TCP FIN) or the flow ends for any
 *			reason; free state here.  No callback follows.
 *
 * vconn_send queues bytes (TCP: the stack segments, windows and
 * retransmits them; UDP: one datagram back to the peer).  The send buffer
 * is bounded; -1 when it is full.  vconn_close sends FIN after what is
 * queued (TCP); a UDP flow has no close and ends when idle.  Both may
 * be called from any callback, including on_close for a final word after
 * the peer's FIN.
 */
#ifndef DIAS_VSERVICE_H
#define DIAS_VSERVICE_H

#include <stddef.h>
#include <stdint.h>

struct flow;
struct event_tuple;

struct vservice {
	const char	*name;
	int		(*on_open)(struct flow *, void **state);
	int		(*on_data)(struct flow *, void *state, const uint8_t *,
			    size_t);
	void		(*on_close)(struct flow *, void *state);
};

int		 vconn_send(struct flow *, const void *, size_t);
void		 vconn_close(struct flow *);
uint64_t	 vconn_id(const struct flow *);
void		 vconn_tuple(const struct flow *, struct event_tuple *);

/* A built-in service by name ("echo", "banner", "qotd"), or NULL. */
const struct vservice *vservice_find(const char *name);

#endif
