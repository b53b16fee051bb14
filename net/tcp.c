/*
 * TCP, RFC 9293.  The option area is kept byte for byte, in order, with
 * unknown kinds and anything after EOL; well-formed MSS, window scale
 * (RFC 7323 §2), SACK-permitted and SACK (RFC 2018), and timestamps
 * (RFC 7323 §3) are also read out.
 */
#include <string.h>

#include "net.h"
#include "local.h"

#define TCPOLEN_MSS	4
#define TCPOLEN_WS	3
#define TCPOLEN_SACKOK	2
#define TCPOLEN_TS	10
#define TCPOLEN_SACKBLK	8
#define TCP_MAXSACK	4	/* 2 + 4 * 8 bytes fill the 40-byte area */

/* Read a known option; 0 if its size is wrong for its kind. */
static int
tcp_opt_read(struct pkt_tcp *th, const struct opt *o)
{
	const uint8_t *d = th->opts.buf + o->off + 2;
	size_t i;

	switch (o->kind) {
	case TCPOPT_MSS:
		if (o->len != TCPOLEN_MSS)
			return 0;
		th->has_mss = 1;
		th->mss = rd16(d);
		break;
	case TCPOPT_WS:
		if (o->len != TCPOLEN_WS)
			return 0;
		th->has_ws = 1;
		th->ws = d[0];
		break;
	case TCPOPT_SACKOK:
		if (o->len != TCPOLEN_SACKOK)
			return 0;
		th->has_sackok = 1;
		break;
	case TCPOPT_TS:
		if (o->len != TCPOLEN_TS)
			return 0;
		th->has_ts = 1;
		th->tsval = rd32(d);
		th->tsecr = rd32(d + 4);
		break;
	case TCPOPT_SACK:
		if (o->len < 2 + TCPOLEN_SACKBLK ||
		    (o->len - 2) % TCPOLEN_SACKBLK != 0)
			return 0;
		th->nsack = (o->len - 2) / TCPOLEN_SACKBLK;
		for (i = 0; i < th->nsack && i < TCP_MAXSACK; i++) {
			th->sack[i][0] = rd32(d + i * TCPOLEN_SACKBLK);
			th->sack[i][1] = rd32(d + i * TCPOLEN_SACKBLK + 4);
		}
		break;
	}
	return 1;
}

int
decode_tcp(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct pkt_tcp *th = &p->tcp;
	size_t hlen, i;

	if (len < TCP_HDRLEN) {
		anom_set(p, ANOM_TCP_TRUNCATED);
		return -1;
	}
	th->off = buf[12] >> 4;
	hlen = (size_t)th->off * 4;
	if (hlen < TCP_HDRLEN) {
		anom_set(p, ANOM_TCP_HLEN_TOO_SMALL);
		return -1;
	}
	if (hlen > len) {
		anom_set(p, ANOM_TCP_HLEN_TOO_BIG);
		return -1;
	}
	th->sport = rd16(buf);
	th->dport = rd16(buf + 2);
	th->seq = rd32(buf + 4);
	th->ack = rd32(buf + 8);
	th->res = buf[12] & 0x0f;
	th->flags = buf[13];
	th->win = rd16(buf + 14);
	th->cksum = rd16(buf + 16);
	th->cksum_keep = 1;
	th->urp = rd16(buf + 18);

	th->opts.len = hlen - TCP_HDRLEN;
	memcpy(th->opts.buf, buf + TCP_HDRLEN, th->opts.len);
	if (opt_walk(&th->opts) == -1)
		anom_set(p, ANOM_TCP_OPT_LEN_INVALID);
	if (!opt_pad_ok(&th->opts))
		anom_set(p, ANOM_TCP_OPT_PAD_NONZERO);
	for (i = 0; i < th->opts.n; i++)
		if (!tcp_opt_read(th, &th->opts.opt[i]))
			anom_set(p, ANOM_TCP_OPT_BAD_SIZE);

	th->cksum_state = l4_verify(p, IPPROTO_TCP_, buf, len);
	if (th->cksum_state == CKSUM_BAD)
		anom_set(p, ANOM_TCP_BAD_CKSUM);
	th->raw = buf;
	th->rawlen = hlen;
	p->payload = buf + hlen;
	p->payload_len = len - hlen;
	p->layers |= PKT_L_TCP;
	return 0;
}

int
encode_tcp(const struct pkt *p, uint8_t *buf, size_t size)
{
	const struct pkt_tcp *th = &p->tcp;
	size_t optlen, hlen, len;
	uint32_t sum;

	optlen = th->opts.len > OPT_AREA_MAX ? OPT_AREA_MAX : th->opts.len;
	hlen = TCP_HDRLEN + ((optlen + 3) & ~(size_t)3);
	if (size < hlen)
		return -1;
	wr16(buf, th->sport);
	wr16(buf + 2, th->dport);
	wr32(buf + 4, th->seq);
	wr32(buf + 8, th->ack);
	buf[12] = hlen / 4 << 4 | (th->res & 0x0f);
	buf[13] = th->flags;
	wr16(buf + 14, th->win);
	wr16(buf + 16, 0);
	wr16(buf + 18, th->urp);
	memcpy(buf + TCP_HDRLEN, th->opts.buf, optlen);
	/* RFC 9293 §3.1: the header is padded with zeros to a 32-bit edge. */
	memset(buf + TCP_HDRLEN + optlen, 0, hlen - TCP_HDRLEN - optlen);
	if (put_bytes(buf, size, hlen, p->payload, p->payload_len) == -1)
		return -1;
	len = hlen + p->payload_len;
	if (th->cksum_keep || l4_pseudo(p, IPPROTO_TCP_, len, &sum) == -1)
		wr16(buf + 16, th->cksum);
	else
		wr16(buf + 16, cksum_fold(cksum_add(sum, buf, len)));
	return (int)len;
}
