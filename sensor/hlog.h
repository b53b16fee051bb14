/*
 * honeyd's text connection log (honeyd -l FILE), written from our events
 * so that consumers of honeyd logs keep working (issue 4 item 5).  The
 * lines are honeyd 1.5's (honeyd_log_flownew, _flowend, _probe), the ones
 * server/honeyd.c reads back for `diasctl import honeyd-log`:
 *
 *	2004-03-03-13:18:53.0411 tcp(6) S 10.0.0.1 3462 10.0.0.2 80
 *	2004-03-03-13:18:55.1020 tcp(6) E 10.0.0.1 3462 10.0.0.2 80: 310 1220
 *	2004-03-03-13:18:56.0007 tcp(6) - 10.0.0.1 3463 10.0.0.2 81: 40 S
 *	2004-03-03-13:18:57.4410 icmp(1) - 10.0.0.1 10.0.0.2: 8(0): 84
 *
 * Dates are UTC with 1/10000 s.  A connection start is S, its end E with
 * bytes received and sent; a flow that starts and ends in the same
 * instant (a probe of a closed or blocked port: flow_oneshot) is one '-'
 * line with its size and TCP flags, as honeyd logs packets no connection
 * took.  ICMP (IPv4) flows are '-' lines at their end.  honeyd's trailing
 * [OS] is the source's passive fingerprint, which DIAS does not guess:
 * it is left out, as honeyd does when it has none.  ICMPv6 has no honeyd
 * form and is skipped.  Byte counts saturate at 2^32 - 1, as honeyd's.
 */
#ifndef DIAS_HLOG_H
#define DIAS_HLOG_H

#include <stddef.h>
#include <stdint.h>

struct event;

/* Longest line hlog_format writes, newline and NUL included. */
#define HLOG_LINE_MAX	256

/*
 * One line for ev as type 'S', 'E' or '-' into out (with '\n' and NUL).
 * Returns its length, 0 when the event has no honeyd form (not a
 * connection, ICMPv6), -1 if outlen is too short.
 */
int	 hlog_format(const struct event *, char type, char *out,
	    size_t outlen);

/*
 * A log writer on fd (opened by the parent, O_APPEND).  hlog_event takes
 * every event the engine emits and keeps at most one start back, to see
 * whether its end follows at once; hlog_flush writes what is complete.
 * A failed write is counted in *errors and the lines are dropped: the log
 * is a courtesy copy, never a reason to stop the engine.  hlog_free
 * flushes and closes fd.
 */
struct hlog;

struct hlog	*hlog_new(int fd);
void		 hlog_event(struct hlog *, const struct event *);
void		 hlog_flush(struct hlog *);
uint64_t	 hlog_lines(const struct hlog *);
uint64_t	 hlog_errors(const struct hlog *);
void		 hlog_free(struct hlog *);

#endif
