/*
 * OS personality: how one virtual host's TCP/IP stack looks from outside.
 *
 * One struct per template, filled once and read by the stack on every
 * reply.  Today personality_for() fills it from a small built-in table
 * keyed by a pattern on the template's personality string ("Windows*",
 * "*Linux*" ...).  The nmap-os-db engine (a later issue) fills the same
 * struct from a fingerprint's lines, which is why the fields follow them:
 *	SEQ	isn, isn_incr, ipid_tcp / ipid_closed / ipid_icmp (TI CI II),
 *		ts_hz (TS)
 *	OPS	opts (O1..O6 are one option order here; O1 for the SYN/ACK)
 *	WIN	win_synack (W1), win (after the handshake)
 *	ECN	ecn
 *	T1	ttl, df, the SYN/ACK
 *	T2-T7	probe[]: the reply to each of nmap's odd probes
 *	U1	unreach_*, the port-unreachable quote
 *	IE	icmp_echo_*
 * Nothing here allocates; a personality is plain data and may be copied.
 */
#ifndef DIAS_PERSONALITY_H
#define DIAS_PERSONALITY_H

#include <stddef.h>
#include <stdint.h>

/* IP ID sequence classes (nmap TI/CI/II). */
enum ipid_class {
	IPID_INCR,		/* +1 per packet (I) */
	IPID_RANDINCR,		/* + small random step (RI) */
	IPID_ZERO,		/* always 0 (Z) */
	IPID_RANDOM,		/* uniform random (RD) */
	IPID_BROKEN,		/* +256, byte-swapped increment (BI) */
	IPID_CONST		/* one fixed value */
};

/* ISN classes (nmap SEQ.SP/GCD/ISR). */
enum isn_class {
	ISN_RANDOM,		/* RFC 6528-like: unpredictable */
	ISN_INCR,		/* + isn_incr per connection */
	ISN_TIME64K,		/* + 64000 per second and per connection */
	ISN_CONST		/* the same every time */
};

/* What the stack does with a SYN+FIN to an open port. */
enum synfin_class {
	SYNFIN_AS_SYN,		/* many stacks: answer SYN/ACK */
	SYNFIN_DROP,		/* modern Linux */
	SYNFIN_RST
};

/*
 * nmap's T2-T7 probes, which cover every odd TCP segment the stack meets:
 * segments to an open port that are not a plain SYN, and anything to a
 * closed one.
 */
enum pers_probe {
	PROBE_OPEN_NOSYN,	/* T2: NULL / FIN / Xmas to an open port */
	PROBE_OPEN_SYNFIN,	/* T3: SYN+FIN(+URG+PSH) to an open port */
	PROBE_OPEN_ACK,		/* T4: ACK to LISTEN */
	PROBE_CLOSED_SYN,	/* T5 */
	PROBE_CLOSED_ACK,	/* T6 */
	PROBE_CLOSED_OTHER,	/* T7: FIN / NULL / Xmas to a closed port */
	PROBE_MAX
};

/* nmap's S and A tests: what the reply's seq and ack are. */
enum pers_seq { PSEQ_RFC, PSEQ_ZERO, PSEQ_ACK, PSEQ_ACK1 };
enum pers_ack { PACK_RFC, PACK_ZERO, PACK_SEQ, PACK_SEQ1 };

struct pers_resp {
	uint8_t		 reply;		/* 0: silence (R=N) */
	uint8_t		 flags;		/* TH_* of the reply (F) */
	uint8_t		 seq;		/* enum pers_seq (S) */
	uint8_t		 ack;		/* enum pers_ack (A) */
	uint16_t	 win;		/* W */
	uint8_t		 df;		/* DF */
};

#define PERS_NAME_MAX	63
#define PERS_OPTS_MAX	15

struct personality {
	char		 name[PERS_NAME_MAX + 1];	/* profile chosen */
	uint8_t		 ttl;		/* initial TTL/hop limit */
	uint8_t		 df;		/* DF on TCP replies */
	uint16_t	 win_synack;	/* window in the SYN/ACK (unscaled) */
	uint32_t	 win;		/* receive window afterwards, bytes */
	uint16_t	 mss;
	uint8_t		 wscale;	/* our shift, when the peer offers WS */
	/*
	 * SYN/ACK option order, one letter per option: M mss, N nop,
	 * W window scale, T timestamps, S sack-permitted, E eol.  Options
	 * the peer did not offer (W, T, S) are left out with their NOPs
	 * the way the OS does: a T or S not offered drops the NOPs before
	 * it.
	 */
	char		 opts[PERS_OPTS_MAX + 1];
	uint8_t		 ecn;		/* ECE in the SYN/ACK to ECN SYNs */
	uint8_t		 synfin;	/* enum synfin_class */

	uint8_t		 ipid_tcp;	/* enum ipid_class (TI) */
	uint8_t		 ipid_closed;	/* (CI) */
	uint8_t		 ipid_icmp;	/* (II) */
	uint8_t		 isn;		/* enum isn_class */
	uint32_t	 isn_incr;	/* ISN_INCR step */
	uint16_t	 ts_hz;		/* timestamp clock; 0: no timestamps */

	struct pers_resp probe[PROBE_MAX];	/* T2-T7 */

	/* U1: closed UDP ports. */
	uint16_t	 unreach_per_s;	/* token rate; 0: unlimited */
	uint16_t	 unreach_burst;
	uint16_t	 unreach_quote;	/* bytes of the datagram quoted */
	uint8_t		 unreach_df;

	/* IE: echo, and the rarer queries. */
	uint8_t		 icmp_echo_df;	/* 0 clear, 1 set, 2 copy */
	uint8_t		 icmp_echo_code0;	/* reply code 0, else echo it */
	uint8_t		 icmp_tstamp;	/* answer timestamp requests */
	uint8_t		 icmp_mask;	/* answer address mask requests */
};

/* The built-in profile for a template's personality string (NULL:
 * the default, a Linux 4.x/5.x look).  Never fails. */
void	 personality_for(struct personality *, const char *name);
/* The built-in table: its size, each entry's pattern, and the entry
 * itself ("set T personality random" picks one). */
size_t	 personality_nbuiltin(void);
const char *personality_builtin(size_t);
void	 personality_at(struct personality *, size_t);

#endif
