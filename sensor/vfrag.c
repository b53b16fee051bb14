/*
 * IPv4 reassembly (RFC 791 §3.2, RFC 815's hole bitmap), so fragmented
 * probes (nmap -f) are answered as a real host would.  Bounded: at most
 * FRAG_SLOTS datagrams at once, each at most 64 KiB, for at most
 * FRAG_TIMEOUT; overlapping fragments (teardrop and friends) drop the
 * whole datagram, as RFC 5722 has IPv6 do.  Only datagrams to addresses
 * the stack answers are collected.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "stack_local.h"

#define FRAG_TIMEOUT_US	(30ULL * 1000000)	/* Linux ipfrag_time */
#define FRAG_DATA_MAX	65535
#define FRAG_HDR_MAX	(18 + 60)		/* Ethernet + tag, IPv4 */
#define FRAG_UNITS	(FRAG_DATA_MAX / 8 + 1)

struct frag {
	int		 ifindex;
	uint8_t		 src[4], dst[4];
	uint16_t	 id;
	uint8_t		 proto;
	unsigned	 flags;		/* STACK_F_* of the first fragment */
	uint64_t	 first;
	size_t		 hdrlen;	/* link + IP header, once offset 0 came */
	size_t		 linklen;
	uint32_t	 total;		/* data bytes, once the last came */
	uint8_t		 hdr[FRAG_HDR_MAX];
	uint8_t		 bits[FRAG_UNITS / 8 + 1];
	uint8_t		 data[FRAG_HDR_MAX + FRAG_DATA_MAX];
};

void
vfrag_fini(struct stack *s)
{
	size_t i;

	for (i = 0; i < FRAG_SLOTS; i++) {
		free(s->frags[i]);
		s->frags[i] = NULL;
	}
}

static void
frag_drop(struct stack *s, size_t i)
{
	free(s->frags[i]);
	s->frags[i] = NULL;
	CTR(s, FRAG_DROPPED);
}

/* The slot for p's datagram: found, or new (expiring or evicting the
 * oldest); -1 if memory fails. */
static int
frag_slot(struct stack *s, int ifindex, const struct pkt *p, unsigned flags)
{
	struct frag *fr;
	size_t i, freei = FRAG_SLOTS, oldest = 0;

	for (i = 0; i < FRAG_SLOTS; i++) {
		if ((fr = s->frags[i]) == NULL) {
			freei = i;
			continue;
		}
		if (s->now - fr->first >= FRAG_TIMEOUT_US) {
			frag_drop(s, i);
			freei = i;
			continue;
		}
		if (fr->ifindex == ifindex && fr->id == p->ip4.id &&
		    fr->proto == p->ip4.proto &&
		    memcmp(fr->src, p->ip4.src, 4) == 0 &&
		    memcmp(fr->dst, p->ip4.dst, 4) == 0)
			return (int)i;
		if (s->frags[oldest] == NULL ||
		    fr->first < s->frags[oldest]->first)
			oldest = i;
	}
	if (freei == FRAG_SLOTS) {
		frag_drop(s, oldest);
		freei = oldest;
	}
	if ((fr = calloc(1, sizeof(*fr))) == NULL)
		return -1;
	fr->ifindex = ifindex;
	memcpy(fr->src, p->ip4.src, 4);
	memcpy(fr->dst, p->ip4.dst, 4);
	fr->id = p->ip4.id;
	fr->proto = p->ip4.proto;
	fr->flags = flags;
	fr->first = s->now;
	s->frags[freei] = fr;
	return (int)freei;
}

static int
bit(const struct frag *fr, size_t u)
{
	return fr->bits[u / 8] & (1 << (u % 8));
}

static void
frag_done(struct stack *s, size_t i)
{
	struct frag *fr = s->frags[i];
	uint8_t *h = fr->data + FRAG_HDR_MAX - fr->hdrlen, *ip;
	size_t iphl = fr->hdrlen - fr->linklen, tot = iphl + fr->total;
	uint16_t sum;

	/* The first fragment's headers, now for the whole datagram. */
	memcpy(h, fr->hdr, fr->hdrlen);
	ip = h + fr->linklen;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] &= 0x40;		/* keep DF; clear MF and the offset */
	ip[7] = 0;
	ip[10] = ip[11] = 0;
	sum = cksum(ip, iphl);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	s->frags[i] = NULL;
	CTR(s, FRAG_REASSEMBLED);
	stack_frame(s, fr->ifindex, h, fr->hdrlen + fr->total, fr->flags);
	free(fr);
}

void
vfrag_input(struct stack *s, int ifindex, const struct pkt *p,
    unsigned flags)
{
	struct frag *fr;
	struct addr dst;
	size_t off = (size_t)p->ip4.fragoff * 8, len = p->payload_len;
	size_t u, ulast, linklen;
	int i, mf = (p->ip4.flags & IP4_MF) != 0;

	CTR(s, FRAMES_FRAGMENT);
	stack_addr_from(&dst, AF_INET, p->ip4.dst);
	if (!claim_answers(s, ifindex, &dst))
		return;
	if (off + len + p->ip4.rawlen > FRAG_DATA_MAX ||
	    (mf && (len == 0 || len % 8 != 0))) {
		CTR(s, FRAG_DROPPED);
		return;
	}
	if ((i = frag_slot(s, ifindex, p, flags)) == -1)
		return;
	fr = s->frags[i];
	/* RFC 5722: any overlap, a duplicate included, drops the lot. */
	ulast = (off + len + 7) / 8;
	for (u = off / 8; u < ulast; u++)
		if (bit(fr, u)) {
			frag_drop(s, (size_t)i);
			return;
		}
	if (!mf) {
		if (fr->total != 0 || ulast > FRAG_UNITS) {
			frag_drop(s, (size_t)i);
			return;
		}
		fr->total = (uint32_t)(off + len);
	} else if (fr->total != 0 && off + len > fr->total) {
		frag_drop(s, (size_t)i);
		return;
	}
	memcpy(fr->data + FRAG_HDR_MAX + off, p->payload, len);
	for (u = off / 8; u < ulast; u++)
		fr->bits[u / 8] |= (uint8_t)(1 << (u % 8));
	if (off == 0) {
		linklen = p->eth.rawlen;
		if (linklen + p->ip4.rawlen > FRAG_HDR_MAX) {
			frag_drop(s, (size_t)i);
			return;
		}
		memcpy(fr->hdr, p->eth.raw, linklen);
		memcpy(fr->hdr + linklen, p->ip4.raw, p->ip4.rawlen);
		fr->linklen = linklen;
		fr->hdrlen = linklen + p->ip4.rawlen;
		fr->flags = flags;
	}
	if (fr->hdrlen == 0 || fr->total == 0 ||
	    fr->hdrlen - fr->linklen + fr->total > FRAG_DATA_MAX)
		return;
	for (u = 0; u < (fr->total + 7) / 8; u++)
		if (!bit(fr, u))
			return;
	frag_done(s, (size_t)i);
}
