/*
 * IPv6, RFC 8200: fixed header and a bounded walk over extension headers
 * (hop-by-hop, routing, fragment, destination options, AH).  More than
 * IP6_MAXEXT headers, or one that overruns the payload, stops the walk and
 * leaves the rest raw.  Non-first or partial fragments are not decoded
 * further.  Extension headers are kept raw for the encoder.
 */
#include <string.h>

#include "net.h"
#include "local.h"

#define IP6_MAXPLEN	65535
#define IP6_RT_TYPE0	0	/* RFC 5095 (deprecated), still seen */
#define IP6_RT_TYPE2	2	/* RFC 6275 §6.4 */
#define IP6OPT_PAD1	0	/* RFC 8200 §4.2 */

/* Hop-by-hop and destination options: TLVs that must fill the header. */
static int
ip6_opts_ok(const uint8_t *o, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (o[off] == IP6OPT_PAD1) {
			off++;
			continue;
		}
		if (len - off < 2 || (size_t)o[off + 1] > len - off - 2)
			return 0;
		off += 2 + (size_t)o[off + 1];
	}
	return 1;
}

static int
ip6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS_ || nh == IPPROTO_ROUTING_ ||
	    nh == IPPROTO_FRAGMENT_ || nh == IPPROTO_DSTOPTS_ ||
	    nh == IPPROTO_AH_;
}

/* Length of the extension header at h (at least 8 bytes available). */
static size_t
ip6_ext_len(uint8_t nh, const uint8_t *h)
{
	if (nh == IPPROTO_FRAGMENT_)
		return 8;
	if (nh == IPPROTO_AH_)		/* RFC 4302 §2.2: 4-byte units */
		return ((size_t)h[1] + 2) * 4;
	return ((size_t)h[1] + 1) * 8;	/* RFC 8200 §4.3-4.6 */
}

/*
 * RFC 8200 §8.1: the upper-layer pseudo-header carries the final
 * destination, the last address of a type 0 or type 2 routing header that
 * still has segments left.  Read from the raw extension headers, so a
 * built packet and a decoded one agree.
 */
void
ip6_final_dst(const struct pkt_ip6 *ip, uint8_t dst[16])
{
	size_t off = 0, hl, n;
	uint8_t nh = ip->nxt;
	const uint8_t *h;

	memcpy(dst, ip->dst, 16);
	for (n = 0; n < IP6_MAXEXT && ip6_is_ext(nh) &&
	    ip->extlen - off >= 8; n++) {
		h = ip->ext + off;
		if ((hl = ip6_ext_len(nh, h)) > ip->extlen - off)
			break;
		if (nh == IPPROTO_ROUTING_ && h[3] != 0 &&
		    (h[2] == IP6_RT_TYPE0 || h[2] == IP6_RT_TYPE2) &&
		    hl >= 24 && (hl - 8) % 16 == 0)
			memcpy(dst, h + hl - 16, 16);
		nh = h[0];
		off += hl;
	}
}

/* Walk extension headers in buf[IP6_HDRLEN, dlen); return the end offset. */
static size_t
ip6_walk(struct pkt *p, const uint8_t *buf, size_t dlen, uint8_t *nhp)
{
	struct pkt_ip6 *ip = &p->ip6;
	size_t off = IP6_HDRLEN, hl;
	uint8_t nh = ip->nxt;
	uint16_t fo;

	while (ip6_is_ext(nh)) {
		if (ip->next == IP6_MAXEXT) {
			anom_set(p, ANOM_IP6_EXT_TOO_MANY);
			break;
		}
		/* RFC 8200 §4.1: hop-by-hop only right after the header. */
		if (nh == IPPROTO_HOPOPTS_ && ip->next != 0)
			anom_set(p, ANOM_IP6_HOPOPTS_NOT_FIRST);
		/* Every extension header is at least 8 bytes (§4.3-4.6). */
		if (dlen - off < 8) {
			anom_set(p, ANOM_IP6_EXT_TRUNCATED);
			break;
		}
		hl = ip6_ext_len(nh, buf + off);
		if (hl > dlen - off) {
			anom_set(p, ANOM_IP6_EXT_TRUNCATED);
			break;
		}
		ip->exth[ip->next].type = nh;
		ip->exth[ip->next].nxt = buf[off];
		ip->exth[ip->next].off = off - IP6_HDRLEN;
		ip->exth[ip->next].len = hl;
		ip->next++;
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_DSTOPTS_:
			if (!ip6_opts_ok(buf + off + 2, hl - 2))
				anom_set(p, ANOM_IP6_OPT_LEN_INVALID);
			break;
		case IPPROTO_FRAGMENT_:
			fo = rd16(buf + off + 2);
			ip->fragment = 1;
			ip->fragoff = fo >> 3;
			ip->mf = fo & 1;
			ip->fragid = rd32(buf + off + 4);
			break;
		}
		nh = buf[off];
		off += hl;
	}
	*nhp = nh;
	return off;
}

int
decode_ip6(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_ip6 *ip = &p->ip6;
	size_t dlen, off;
	uint32_t w;
	uint8_t nh;

	if (len < IP6_HDRLEN) {
		anom_set(p, ANOM_IP6_TRUNCATED);
		return -1;
	}
	w = rd32(buf);
	if (w >> 28 != 6) {
		anom_set(p, ANOM_IP6_BAD_VERSION);
		return -1;
	}
	ip->tc = (w >> 20) & 0xff;
	ip->flow = w & 0xfffff;
	ip->plen = rd16(buf + 4);
	ip->nxt = buf[6];
	ip->hlim = buf[7];
	memcpy(ip->src, buf + 8, 16);
	memcpy(ip->dst, buf + 24, 16);
	dlen = IP6_HDRLEN + (size_t)ip->plen;
	if (dlen > len) {
		anom_set(p, ANOM_IP6_PLEN_TOO_BIG);
		dlen = len;
	}
	off = ip6_walk(p, buf, dlen, &nh);
	ip->raw = buf;
	ip->rawlen = off;
	ip->ext = buf + IP6_HDRLEN;
	ip->extlen = off - IP6_HDRLEN;
	ip->proto = nh;
	p->layers |= PKT_L_IP6;
	p->trailer = buf + dlen;
	p->trailer_len = len - dlen;
	if (ip->fragment && (ip->fragoff != 0 || ip->mf)) {
		p->frag = 1;
		p->payload = buf + off;
		p->payload_len = dlen - off;
		return 0;
	}
	(void)decode_l4(p, nh, buf + off, dlen - off);
	return 0;
}

int
encode_ip6(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_ip6 *ip = &p->ip6;
	size_t hlen, plen;
	int n;

	hlen = IP6_HDRLEN + ip->extlen;
	if (ip->extlen > IP6_MAXPLEN || size < hlen)
		return -1;
	wr32(buf, (uint32_t)6 << 28 | (uint32_t)ip->tc << 20 |
	    (ip->flow & 0xfffff));
	buf[6] = ip->nxt;
	buf[7] = ip->hlim;
	memcpy(buf + 8, ip->src, 16);
	memcpy(buf + 24, ip->dst, 16);
	if (ip->extlen > 0)
		memcpy(buf + IP6_HDRLEN, ip->ext, ip->extlen);
	if ((n = encode_l4(p, buf + hlen, size - hlen)) == -1)
		return -1;
	plen = ip->extlen + (size_t)n;
	if (plen > IP6_MAXPLEN)
		return -1;
	wr16(buf + 4, plen);
	if (put_bytes(buf, size, hlen + n, p->trailer, p->trailer_len) == -1)
		return -1;
	return (int)(hlen + n + p->trailer_len);
}
