/*
 * honeyd's text log (honeyd -l FILE), as the IPMS paper's sensors wrote
 * it, for `diasctl import honeyd-log`.  One line is one of:
 *
 *	DATE tcp(6) S SRC SPORT DST DPORT [OS]		connection start
 *	DATE tcp(6) E SRC SPORT DST DPORT: RECV SENT	connection end
 *	DATE udp(17) - SRC SPORT DST DPORT: SIZE [FLAGS] [OS]	a packet
 *	DATE icmp(1) - SRC DST: TYPE(CODE): SIZE [OS]	an ICMP packet
 *
 * with DATE as 2004-12-04-12:52:09.7432 (taken as UTC).  honeyd writes
 * the same for udp starts and ends, and "tcp(6) -" for stray packets.
 */
#ifndef DIAS_HONEYD_H
#define DIAS_HONEYD_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct honeyd_rec {
	int64_t		 ts;		/* µs since the epoch */
	uint8_t		 proto;		/* IPPROTO_TCP, _UDP, _ICMP */
	char		 type;		/* 'S', 'E' or '-' */
	struct addr	 src, dst;
	uint16_t	 sport, dport;	/* ICMP: type and code */
	uint64_t	 recv, sent;	/* 'E': bytes each way; '-': size */
	char		 os[64];	/* may be empty */
	char		 flags[16];	/* tcp flags of a '-' line */
};

/* Parse one line (no newline needed).  0, or -1 with err. */
int	 honeyd_parse_line(const char *line, size_t len,
	    struct honeyd_rec *, char *err, size_t errlen);

#endif
