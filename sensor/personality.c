/*
 * Built-in personalities: a handful of profiles that look like the common
 * stacks to nmap's SEQ/OPS/WIN/T1-T7/U1/IE tests, picked by a pattern on
 * the template's personality string.  The values come from nmap-os-db
 * entries of each family; the nmap-os-db engine replaces them per
 * fingerprint later (personality.h).
 */
#include <fnmatch.h>
#include <string.h>

#include "net.h"
#include "personality.h"

/* The RFC 9293 §3.10.7.1 answers: what a closed or listening stack does
 * when no personality says otherwise. */
#define RFC_OPEN_NOSYN	{ 0, 0, PSEQ_RFC, PACK_RFC, 0, 1 }
#define RFC_OPEN_ACK	{ 1, TH_RST, PSEQ_ACK, PACK_ZERO, 0, 1 }
#define RFC_CLOSED_SYN	{ 1, TH_RST | TH_ACK, PSEQ_ZERO, PACK_RFC, 0, 1 }
#define RFC_CLOSED_ACK	{ 1, TH_RST, PSEQ_ACK, PACK_ZERO, 0, 1 }
#define RFC_CLOSED_OTH	{ 1, TH_RST | TH_ACK, PSEQ_ZERO, PACK_RFC, 0, 1 }
#define RFC_PROBES	{						\
	[PROBE_OPEN_NOSYN] = RFC_OPEN_NOSYN,				\
	[PROBE_OPEN_SYNFIN] = RFC_OPEN_NOSYN,				\
	[PROBE_OPEN_ACK] = RFC_OPEN_ACK,				\
	[PROBE_CLOSED_SYN] = RFC_CLOSED_SYN,				\
	[PROBE_CLOSED_ACK] = RFC_CLOSED_ACK,				\
	[PROBE_CLOSED_OTHER] = RFC_CLOSED_OTH,				\
}
/* Windows answers NULL/FIN/Xmas on open ports with RST+ACK. */
#define WINDOWS_PROBES	{						\
	[PROBE_OPEN_NOSYN] = { 1, TH_RST | TH_ACK, PSEQ_ZERO, PACK_SEQ, 0, 1 }, \
	[PROBE_OPEN_SYNFIN] = RFC_OPEN_NOSYN,				\
	[PROBE_OPEN_ACK] = RFC_OPEN_ACK,				\
	[PROBE_CLOSED_SYN] = RFC_CLOSED_SYN,				\
	[PROBE_CLOSED_ACK] = RFC_CLOSED_ACK,				\
	[PROBE_CLOSED_OTHER] = RFC_CLOSED_OTH,				\
}

struct profile {
	const char		*pattern;	/* fnmatch, case-folded */
	struct personality	 p;
};

static const struct profile profiles[] = {
	{ "*windows*", {
		.name = "windows", .ttl = 128, .df = 1,
		.win_synack = 8192, .win = 262656, .mss = 1460, .wscale = 8,
		.opts = "MNWNNS", .ecn = 0, .synfin = SYNFIN_AS_SYN,
		.ipid_tcp = IPID_INCR, .ipid_closed = IPID_INCR,
		.ipid_icmp = IPID_INCR, .isn = ISN_RANDOM, .ts_hz = 0,
		.probe = WINDOWS_PROBES,
		.unreach_per_s = 0, .unreach_burst = 0, .unreach_quote = 8,
		.unreach_df = 0,
		.icmp_echo_df = 0, .icmp_echo_code0 = 1, .icmp_tstamp = 0,
		.icmp_mask = 0,
	} },
	{ "*microsoft*", {
		.name = "windows", .ttl = 128, .df = 1,
		.win_synack = 65535, .win = 65535, .mss = 1460, .wscale = 0,
		.opts = "MNWNNTNNS", .ecn = 0, .synfin = SYNFIN_AS_SYN,
		.ipid_tcp = IPID_INCR, .ipid_closed = IPID_INCR,
		.ipid_icmp = IPID_INCR, .isn = ISN_RANDOM, .ts_hz = 100,
		.probe = WINDOWS_PROBES,
		.unreach_per_s = 0, .unreach_quote = 8,
		.icmp_echo_df = 0, .icmp_echo_code0 = 1, .icmp_tstamp = 1,
	} },
	{ "*linux*", {
		.name = "linux", .ttl = 64, .df = 1,
		.win_synack = 64240, .win = 64128, .mss = 1460, .wscale = 7,
		.opts = "MSTNW", .ecn = 1, .synfin = SYNFIN_DROP,
		.ipid_tcp = IPID_ZERO, .ipid_closed = IPID_ZERO,
		.ipid_icmp = IPID_INCR, .isn = ISN_RANDOM, .ts_hz = 1000,
		.probe = RFC_PROBES,
		/* net.ipv4.icmp_ratelimit: 1/s, burst 6 (XRLIM_BURST_FACTOR) */
		.unreach_per_s = 1, .unreach_burst = 6, .unreach_quote = 548,
		.unreach_df = 0,
		.icmp_echo_df = 0, .icmp_echo_code0 = 0, .icmp_tstamp = 1,
		.icmp_mask = 0,
	} },
	{ "*freebsd*", {
		.name = "freebsd", .ttl = 64, .df = 1,
		.win_synack = 65535, .win = 65728, .mss = 1460, .wscale = 6,
		.opts = "MNWST", .ecn = 0, .synfin = SYNFIN_AS_SYN,
		.ipid_tcp = IPID_RANDOM, .ipid_closed = IPID_RANDOM,
		.ipid_icmp = IPID_RANDOM, .isn = ISN_RANDOM, .ts_hz = 1000,
		.probe = RFC_PROBES,
		/* net.inet.icmp.icmplim */
		.unreach_per_s = 200, .unreach_burst = 200, .unreach_quote = 8,
		.icmp_echo_df = 0, .icmp_echo_code0 = 0, .icmp_tstamp = 1,
	} },
	{ "*openbsd*", {
		.name = "openbsd", .ttl = 64, .df = 1,
		.win_synack = 16384, .win = 16384, .mss = 1460, .wscale = 3,
		.opts = "MNNSNWNNT", .ecn = 0, .synfin = SYNFIN_DROP,
		.ipid_tcp = IPID_RANDOM, .ipid_closed = IPID_RANDOM,
		.ipid_icmp = IPID_RANDOM, .isn = ISN_RANDOM, .ts_hz = 2,
		.probe = RFC_PROBES,
		.unreach_per_s = 100, .unreach_burst = 100, .unreach_quote = 8,
		.icmp_echo_df = 0, .icmp_echo_code0 = 0, .icmp_tstamp = 1,
	} },
	{ "*cisco*", {
		.name = "cisco", .ttl = 255, .df = 0,
		.win_synack = 4128, .win = 4128, .mss = 536, .wscale = 0,
		.opts = "M", .ecn = 0, .synfin = SYNFIN_AS_SYN,
		.ipid_tcp = IPID_INCR, .ipid_closed = IPID_INCR,
		.ipid_icmp = IPID_INCR, .isn = ISN_TIME64K, .ts_hz = 0,
		.probe = RFC_PROBES,
		/* "ip icmp rate-limit unreachable" default: one per 500 ms */
		.unreach_per_s = 2, .unreach_burst = 1, .unreach_quote = 8,
		.icmp_echo_df = 0, .icmp_echo_code0 = 1, .icmp_tstamp = 1,
		.icmp_mask = 1,
	} },
};

/* The default look, when the personality names nothing we know. */
#define DEFAULT_PROFILE	2	/* linux */

/* The table's resets carry DF; a stack that never sets it does not. */
static void
profile_copy(struct personality *p, size_t i)
{
	size_t k;

	*p = profiles[i].p;
	if (!p->df)
		for (k = 0; k < PROBE_MAX; k++)
			p->probe[k].df = 0;
}

void
personality_for(struct personality *p, const char *name)
{
	size_t i;

	if (name != NULL)
		for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
			if (fnmatch(profiles[i].pattern, name,
			    FNM_CASEFOLD) == 0) {
				profile_copy(p, i);
				return;
			}
	/* No personality: a Linux look, but SYN+FIN answered as a SYN as
	 * most stacks do. */
	profile_copy(p, DEFAULT_PROFILE);
	strlcpy(p->name, "default", sizeof(p->name));
	p->synfin = SYNFIN_AS_SYN;
}

size_t
personality_nbuiltin(void)
{
	return sizeof(profiles) / sizeof(profiles[0]);
}

void
personality_at(struct personality *p, size_t i)
{
	if (i >= personality_nbuiltin())
		i = DEFAULT_PROFILE;
	profile_copy(p, i);
}

const char *
personality_builtin(size_t i)
{
	if (i >= personality_nbuiltin())
		return NULL;
	return profiles[i].pattern;
}
