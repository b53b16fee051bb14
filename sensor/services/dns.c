/*
 * dns: an authoritative-only name server (RFC 1035) that is authoritative
 * for nothing, the way a forgotten BIND or Windows DNS answers strangers:
 * every query is recorded (name, type, class, flags) and REFUSED, never
 * resolved and never recursed.  BIND flavours answer version.bind
 * (CHAOS TXT), which is what nmap -sV asks.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "vservice.h"

#define DNS_HDR		12
#define DNS_NAME_TEXT	(255 * 4 + 1)	/* every byte escaped */

/* RFC 1035 §4.1.1 */
#define DNS_QR		0x8000
#define DNS_OPCODE(f)	(((f) >> 11) & 0xf)
#define DNS_AA		0x0400
#define DNS_RD		0x0100
#define RCODE_FORMERR	1
#define RCODE_NOTIMP	4
#define RCODE_REFUSED	5

struct dns_q {
	char		 name[DNS_NAME_TEXT];
	size_t		 namelen;
	uint16_t	 qtype, qclass;
	size_t		 end;		/* offset after the question */
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The question's name at d[off], uncompressed (RFC 1035 §4.1.2; a
 * pointer in a query's only question is a FORMERR), as presentation
 * text with \DDD escapes.  -1 if malformed.
 */
static int
parse_name(const uint8_t *d, size_t len, size_t off, struct dns_q *q)
{
	size_t total = 0, o = 0, i;
	uint8_t l, c;

	for (;;) {
		if (off >= len)
			return -1;
		l = d[off++];
		if (l == 0)
			break;
		if (l > 63 || off + l > len || (total += l + 1U) > 255)
			return -1;
		if (o > 0)
			q->name[o++] = '.';
		for (i = 0; i < l; i++) {
			c = d[off + i];
			if (c > ' ' && c < 0x7f && c != '.' && c != '\\')
				q->name[o++] = (char)c;
			else
				o += (size_t)snprintf(q->name + o,
				    sizeof(q->name) - o, "\\%03u", c);
		}
		off += l;
	}
	if (o == 0)
		q->name[o++] = '.';
	q->name[o] = '\0';
	q->namelen = o;
	if (off + 4 > len)
		return -1;
	q->qtype = get16(d + off);
	q->qclass = get16(d + off + 2);
	q->end = off + 4;
	return 0;
}

static const char *
type_name(uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 252: return "AXFR";
	case 255: return "ANY";
	}
	return NULL;
}

static const char *
class_name(uint16_t c)
{
	switch (c) {
	case 1: return "IN";
	case 3: return "CH";
	case 255: return "ANY";
	}
	return NULL;
}

static void
field_code(struct flow *f, struct event *ev, const char *key, const char *n,
    unsigned v)
{
	if (n != NULL)
		vconn_field(f, ev, key, n, strlen(n));
	else
		vconn_fieldf(f, ev, key, "%u", v);
}

/* The BIND version a flavour admits to, or NULL (Windows DNS does not
 * answer version.bind). */
static const char *
bind_version(struct flow *f)
{
	const char *os = vconn_os(f);

	if (fnmatch("*windows*", os, FNM_CASEFOLD) == 0 ||
	    fnmatch("*microsoft*", os, FNM_CASEFOLD) == 0)
		return NULL;
	if (fnmatch("*linux 2.4*", os, FNM_CASEFOLD) == 0)
		return "9.2.4";
	return "9.8.4-rpz2+rl005.12-P1";
}

static int
dns_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	uint8_t out[DNS_HDR + 255 + 4 + 64];
	struct dns_q q;
	struct event ev;
	const char *ver = NULL;
	uint16_t flags;
	size_t olen, vl;
	int rcode = RCODE_REFUSED, bad;

	(void)state;
	if (len < DNS_HDR)
		return 0;	/* not even a header: no answer */
	flags = get16(d + 2);
	if (flags & DNS_QR)
		return 0;	/* a response: never answered */
	memset(&q, 0, sizeof(q));
	bad = get16(d + 4) != 1 || parse_name(d, len, DNS_HDR, &q) == -1;
	vconn_event_init(f, &ev, NULL, "query");
	vconn_fieldf(f, &ev, "id", "%u", get16(d));
	vconn_fieldf(f, &ev, "opcode", "%u", DNS_OPCODE(flags));
	vconn_fieldf(f, &ev, "rd", "%u", (flags & DNS_RD) != 0);
	if (!bad) {
		vconn_field(f, &ev, "qname", q.name, q.namelen);
		field_code(f, &ev, "qtype", type_name(q.qtype), q.qtype);
		field_code(f, &ev, "qclass", class_name(q.qclass), q.qclass);
	} else
		vconn_fieldf(f, &ev, "qdcount", "%u", get16(d + 4));
	if (get16(d + 10) > 0)
		vconn_fieldf(f, &ev, "arcount", "%u", get16(d + 10));
	/* BIND's order: an opcode it lacks before a question it cannot
	 * read (STATUS has no question at all). */
	if (DNS_OPCODE(flags) != 0)
		rcode = RCODE_NOTIMP;
	else if (bad)
		rcode = RCODE_FORMERR;
	else if (q.qclass == 3 && q.qtype == 16 &&
	    strcasecmp(q.name, "version.bind") == 0 &&
	    (ver = bind_version(f)) != NULL)
		rcode = 0;
	vconn_fieldf(f, &ev, "rcode", "%d", rcode);
	vconn_event_emit(f, &ev);

	/* The header, the question (when it parsed), maybe one answer. */
	memcpy(out, d, 4);
	put16(out + 2, (uint16_t)(DNS_QR | (flags & 0x7900) |
	    (rcode == 0 ? DNS_AA : 0) | rcode));
	put16(out + 4, bad ? 0 : 1);
	put16(out + 6, ver != NULL ? 1 : 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	olen = DNS_HDR;
	if (!bad) {
		memcpy(out + olen, d + DNS_HDR, q.end - DNS_HDR);
		olen = q.end;
	}
	if (ver != NULL) {
		vl = strlen(ver);
		/* NAME (pointer to the question) TYPE CLASS TTL RDLENGTH
		 * RDATA: one character-string. */
		put16(out + olen, 0xc000 | DNS_HDR);
		put16(out + olen + 2, 16);
		put16(out + olen + 4, 3);
		memset(out + olen + 6, 0, 4);
		put16(out + olen + 10, (uint16_t)(vl + 1));
		out[olen + 12] = (uint8_t)vl;
		memcpy(out + olen + 13, ver, vl);
		olen += 13 + vl;
	}
	(void)vconn_send(f, out, olen);
	return 0;
}

const struct vservice vservice_dns = {
	"dns", NULL, dns_data, NULL
};
