/*
 * netbios-ns: the NetBIOS name service of a Windows host (RFC 1002
 * §4.2.12-4.2.18).  Name queries for the host's own names get a positive
 * answer with its address; node status requests (NBSTAT, what
 * nmblookup -A and nmap's nbstat ask) get a Windows-like name table made
 * from the template's name, with the host's MAC.  Queries for other names
 * are recorded and ignored, as a host that is no name server does.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "vservice.h"

#define NB_HDR		12
#define NB_ENC_LEN	32	/* RFC 1001 §14.1: first-level encoding */
#define NB_NAME_LEN	16	/* 15 characters and the suffix */
#define QTYPE_NB	0x0020
#define QTYPE_NBSTAT	0x0021
#define NB_WORKGROUP	"WORKGROUP"

/* NAME_FLAGS in a node status answer, §4.2.18. */
#define NAME_GROUP	0x8000
#define NAME_ACTIVE	0x0400

struct nb_name {
	char		 name[NB_NAME_LEN];	/* 15 chars, space padded */
	uint8_t		 suffix;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The question name at d[NB_HDR]: a 32-byte encoded label, scope labels
 * (ignored), the root.  Returns the offset after QTYPE/QCLASS, or 0.
 */
static size_t
parse_question(const uint8_t *d, size_t len, struct nb_name *n,
    uint16_t *qtype)
{
	size_t off = NB_HDR, i, total = 0;
	uint8_t hi, lo, b[NB_NAME_LEN];

	if (len < NB_HDR + 1 + NB_ENC_LEN || d[off] != NB_ENC_LEN)
		return 0;
	for (i = 0; i < NB_NAME_LEN; i++) {
		hi = d[off + 1 + 2 * i];
		lo = d[off + 2 + 2 * i];
		if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
			return 0;
		b[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
	}
	off += 1 + NB_ENC_LEN;
	while (off < len && d[off] != 0) {
		if (d[off] > 63 || (total += d[off] + 1U) > 255)
			return 0;
		off += 1 + (size_t)d[off];
	}
	if (off + 5 > len)
		return 0;
	off++;
	*qtype = (uint16_t)(d[off] << 8 | d[off + 1]);
	for (i = 0; i < 15; i++)
		n->name[i] = b[i] >= ' ' && b[i] < 0x7f ? (char)b[i] : '?';
	n->name[15] = '\0';
	n->suffix = b[15];
	return off + 4;
}

static int
name_is(const struct nb_name *n, const char *want)
{
	size_t l = strlen(want), i;

	if (l > 15 || strncasecmp(n->name, want, l) != 0)
		return 0;
	for (i = l; i < 15; i++)
		if (n->name[i] != ' ')
			return 0;
	return 1;
}

/* One node status entry: NAME (15, space padded), suffix, flags. */
static size_t
put_entry(uint8_t *p, const char *name, uint8_t suffix, uint16_t flags)
{
	size_t l = strlen(name);

	memset(p, ' ', 15);
	memcpy(p, name, l);
	p[15] = suffix;
	put16(p + 16, flags);
	return 18;
}

static int
nbns_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	uint8_t out[NB_HDR + 1 + NB_ENC_LEN + 1 + 10 + 1 + 5 * 18 + 46];
	char host[NB_NAME_LEN], trimmed[NB_NAME_LEN];
	uint8_t mac[6], ip[16];
	struct nb_name n;
	struct event ev;
	uint16_t qtype = 0, flags;
	size_t end, o, i, rd;
	int af, ours, answer = 0;

	(void)state;
	if (len < NB_HDR || (d[2] & 0x80))
		return 0;		/* responses are not ours to answer */
	flags = (uint16_t)(d[2] << 8 | d[3]);
	end = parse_question(d, len, &n, &qtype);
	vconn_hostname(f, host, sizeof(host), 1);
	vconn_local(f, mac, ip, &af);
	vconn_event_init(f, &ev, NULL, qtype == QTYPE_NBSTAT ? "status" :
	    "query");
	vconn_fieldf(f, &ev, "id", "%u", (unsigned)(d[0] << 8 | d[1]));
	vconn_fieldf(f, &ev, "opcode", "%u", (unsigned)(flags >> 11) & 0xf);
	if (end == 0) {
		vconn_field(f, &ev, "error", "malformed", 9);
		vconn_event_emit(f, &ev);
		return 0;
	}
	memcpy(trimmed, n.name, sizeof(trimmed));
	for (i = 15; i > 0 && trimmed[i - 1] == ' '; i--)
		trimmed[i - 1] = '\0';
	if (n.name[0] == '*' && n.suffix == 0)
		snprintf(trimmed, sizeof(trimmed), "*");
	vconn_field(f, &ev, "name", trimmed, strlen(trimmed));
	vconn_fieldf(f, &ev, "suffix", "%02x", n.suffix);
	ours = name_is(&n, host) || name_is(&n, NB_WORKGROUP);
	if (((flags >> 11) & 0xf) == 0 && af == AF_INET) {
		if (qtype == QTYPE_NBSTAT)
			answer = ours || n.name[0] == '*';
		else if (qtype == QTYPE_NB)
			answer = ours && (n.suffix == 0x00 ||
			    n.suffix == 0x20 || n.suffix == 0x1e);
	}
	vconn_field(f, &ev, "reply", answer ? "yes" : "no", answer ? 3 : 2);
	vconn_event_emit(f, &ev);
	if (!answer)
		return 0;

	/* Header: the query's id, a response, authoritative; one answer. */
	memcpy(out, d, 2);
	put16(out + 2, qtype == QTYPE_NBSTAT ? 0x8400 :
	    (uint16_t)(0x8400 | (flags & 0x0100)));
	put16(out + 4, 0);
	put16(out + 6, 1);
	put16(out + 8, 0);
	put16(out + 10, 0);
	/* RR_NAME: the question's encoded name, without scope. */
	memcpy(out + NB_HDR, d + NB_HDR, 1 + NB_ENC_LEN);
	o = NB_HDR + 1 + NB_ENC_LEN;
	out[o++] = 0;
	put16(out + o, qtype);
	put16(out + o + 2, 1);
	if (qtype == QTYPE_NB) {
		/* TTL 300000 s, one NB_FLAGS/NB_ADDRESS entry (§4.2.13). */
		memcpy(out + o + 4, "\x00\x04\x93\xe0", 4);
		put16(out + o + 8, 6);
		put16(out + o + 10, name_is(&n, NB_WORKGROUP) ? 0x8000 : 0);
		memcpy(out + o + 12, ip, 4);
		o += 16;
	} else {
		/* TTL 0, NODE_NAME array, STATISTICS (§4.2.18). */
		memset(out + o + 4, 0, 4);
		rd = o + 8;
		o += 10;
		/* Windows XP's order: workstation, domain, messenger,
		 * server, browser election. */
		out[o++] = 5;
		o += put_entry(out + o, host, 0x00, NAME_ACTIVE);
		o += put_entry(out + o, NB_WORKGROUP, 0x00,
		    NAME_GROUP | NAME_ACTIVE);
		o += put_entry(out + o, host, 0x03, NAME_ACTIVE);
		o += put_entry(out + o, host, 0x20, NAME_ACTIVE);
		o += put_entry(out + o, NB_WORKGROUP, 0x1e,
		    NAME_GROUP | NAME_ACTIVE);
		memcpy(out + o, mac, 6);
		memset(out + o + 6, 0, 40);
		o += 46;
		put16(out + rd, (uint16_t)(o - rd - 2));
	}
	(void)vconn_send(f, out, o);
	return 0;
}

const struct vservice vservice_nbns = {
	"netbios-ns", NULL, nbns_data, NULL
};
