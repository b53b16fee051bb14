/*
 * snmp: an SNMP v1/v2c agent (RFC 1157, RFC 3416) with the system group
 * of MIB-II (RFC 1213) in the template's flavour: sysDescr, sysObjectID,
 * sysUpTime, sysContact, sysName, sysLocation, sysServices.  Every
 * message is recorded (version, community, PDU, OIDs); Get, GetNext and
 * GetBulk with the read community are answered, anything else is met
 * with the silence of a real agent.  Writes are refused.  The community
 * is "public" unless the action names one: internal "snmp s3cret".
 *
 * BER (X.690) is read with definite lengths only, at most two length
 * bytes, one-byte tags: all an SNMP message needs.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "vservice.h"

#define SNMP_COMMUNITY	"public"
#define SNMP_VB_MAX	32	/* varbinds in a request we answer */
#define SNMP_OID_MAX	64	/* sub-identifiers */
#define SNMP_REPLY_MAX	1400	/* one datagram */
#define SNMP_OIDS_TEXT	512	/* the OIDs field */
#define SNMP_BULK_REPS	8

/* X.690 / RFC 1155 tags. */
#define T_INTEGER	0x02
#define T_OCTETS	0x04
#define T_NULL		0x05
#define T_OID		0x06
#define T_SEQUENCE	0x30
#define T_TIMETICKS	0x43
#define T_NOSUCHOBJECT	0x80
#define T_ENDOFMIB	0x82
#define PDU_GET		0xa0
#define PDU_GETNEXT	0xa1
#define PDU_RESPONSE	0xa2
#define PDU_SET		0xa3
#define PDU_GETBULK	0xa5

#define ERR_TOOBIG	1
#define ERR_NOSUCHNAME	2
#define ERR_NOACCESS	6

struct ber {
	const uint8_t	*p;
	size_t		 len;
};

struct oid {
	uint32_t	 v[SNMP_OID_MAX];
	size_t		 n;
};

/* One TLV off the front of b.  -1 if malformed. */
static int
ber_next(struct ber *b, uint8_t *tag, struct ber *val)
{
	size_t l, hl;

	if (b->len < 2 || (b->p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = b->p[0];
	l = b->p[1];
	hl = 2;
	if (l & 0x80) {
		hl += l & 0x7f;
		if ((l & 0x7f) == 0 || (l & 0x7f) > 2 || b->len < hl)
			return -1;
		l = b->p[2];
		if (hl == 4)
			l = l << 8 | b->p[3];
	}
	if (b->len - hl < l)
		return -1;
	val->p = b->p + hl;
	val->len = l;
	b->p += hl + l;
	b->len -= hl + l;
	return 0;
}

static int
ber_int(struct ber *b, int64_t *v)
{
	struct ber c;
	uint8_t tag;
	size_t i;

	if (ber_next(b, &tag, &c) == -1 || tag != T_INTEGER || c.len == 0 ||
	    c.len > 8)
		return -1;
	*v = (c.p[0] & 0x80) ? -1 : 0;
	for (i = 0; i < c.len; i++)
		*v = (int64_t)((uint64_t)*v << 8 | c.p[i]);
	return 0;
}

static int
oid_decode(const struct ber *c, struct oid *o)
{
	uint64_t x = 0;
	size_t i, k = 0;

	o->n = 0;
	if (c->len == 0)
		return -1;
	for (i = 0; i < c->len; i++) {
		if (k == 0 && c->p[i] == 0x80)
			return -1;	/* X.690 §8.19.2: no leading 0x80 */
		x = x << 7 | (c->p[i] & 0x7f);
		if (++k > 5 || x > UINT32_MAX)
			return -1;
		if (c->p[i] & 0x80)
			continue;
		if (o->n == 0) {
			o->v[0] = x < 40 ? 0 : x < 80 ? 1 : 2;
			o->v[1] = (uint32_t)(x - o->v[0] * 40);
			o->n = 2;
		} else {
			if (o->n == SNMP_OID_MAX)
				return -1;
			o->v[o->n++] = (uint32_t)x;
		}
		x = 0;
		k = 0;
	}
	return k == 0 ? 0 : -1;
}

static int
oid_cmp(const struct oid *a, const struct oid *b)
{
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static size_t
oid_fmt(const struct oid *o, char *s, size_t cap)
{
	size_t i, n = 0;
	int w;

	s[0] = '\0';
	for (i = 0; i < o->n; i++) {
		w = snprintf(s + n, cap - n, i ? ".%u" : "%u", o->v[i]);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return n;
}

/*
 * The reply is written back to front, so every length is known when its
 * header is written.  pos only falls; overflow sets bad.
 */
struct wr {
	uint8_t		 b[SNMP_REPLY_MAX];
	size_t		 pos;
	int		 bad;
};

static void
w_bytes(struct wr *w, const void *d, size_t n)
{
	if (w->bad || n > w->pos) {
		w->bad = 1;
		return;
	}
	w->pos -= n;
	memcpy(w->b + w->pos, d, n);
}

/* Tag and length in front of the n bytes written since mark. */
static void
w_head(struct wr *w, uint8_t tag, size_t mark)
{
	uint8_t h[4];
	size_t n = mark - w->pos, hl;

	if (w->bad)
		return;
	h[0] = tag;
	if (n < 0x80) {
		h[1] = (uint8_t)n;
		hl = 2;
	} else if (n < 0x100) {
		h[1] = 0x81;
		h[2] = (uint8_t)n;
		hl = 3;
	} else {
		h[1] = 0x82;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	}
	w_bytes(w, h, hl);
}

static void
w_tlv(struct wr *w, uint8_t tag, const void *d, size_t n)
{
	size_t mark = w->pos;

	w_bytes(w, d, n);
	w_head(w, tag, mark);
}

static void
w_int(struct wr *w, uint8_t tag, int64_t v)
{
	uint8_t b[9];
	size_t n = 0;

	/* Minimal two's complement, X.690 §8.3. */
	do {
		b[sizeof(b) - 1 - n++] = (uint8_t)v;
		v >>= 8;
	} while (!((v == 0 && !(b[sizeof(b) - n] & 0x80)) ||
	    (v == -1 && (b[sizeof(b) - n] & 0x80))) && n < 8);
	if (tag == T_TIMETICKS && (b[sizeof(b) - n] & 0x80))
		b[sizeof(b) - 1 - n++] = 0;	/* unsigned */
	w_tlv(w, tag, b + sizeof(b) - n, n);
}

/* X.690 §8.19: the first two arcs share one sub-identifier. */
static void
w_oid(struct wr *w, const struct oid *o)
{
	uint8_t b[SNMP_OID_MAX * 5 + 5], t[5];
	uint64_t x;
	size_t i, n = 0, k;

	for (i = 1; i < o->n; i++) {
		x = i == 1 ? (uint64_t)o->v[0] * 40 + o->v[1] : o->v[i];
		k = 0;
		do {
			t[k++] = (uint8_t)(x & 0x7f);
			x >>= 7;
		} while (x != 0);
		while (k > 0) {
			k--;
			b[n++] = (uint8_t)(t[k] | (k ? 0x80 : 0));
		}
	}
	w_tlv(w, T_OID, b, n);
}

/* The system group, in OID order. */
enum { SYS_DESCR = 1, SYS_OBJECTID, SYS_UPTIME, SYS_CONTACT, SYS_NAME,
    SYS_LOCATION, SYS_SERVICES, SYS_MAX = SYS_SERVICES };

struct snmp_flavour {
	const char	*pattern;
	const char	*descr;		/* %s: sysName, at most once */
	uint32_t	 objectid[12];
	size_t		 nobjectid;
	int		 services;
};

static const struct snmp_flavour flavours[] = {
	{ "*windows*2003*", "Hardware: x86 Family 15 Model 2 Stepping 9 "
	    "AT/AT COMPATIBLE - Software: Windows Version 5.2 (Build 3790 "
	    "Uniprocessor Free)", { 1, 3, 6, 1, 4, 1, 311, 1, 1, 3, 1, 2 },
	    12, 76 },
	{ "*windows*xp*", "Hardware: x86 Family 6 Model 8 Stepping 10 "
	    "AT/AT COMPATIBLE - Software: Windows 2000 Version 5.1 (Build "
	    "2600 Uniprocessor Free)", { 1, 3, 6, 1, 4, 1, 311, 1, 1, 3, 1,
	    1 }, 12, 76 },
	{ "*windows*", "Hardware: x86 Family 6 Model 8 Stepping 6 AT/AT "
	    "COMPATIBLE - Software: Windows 2000 Version 5.0 (Build 2195 "
	    "Uniprocessor Free)", { 1, 3, 6, 1, 4, 1, 311, 1, 1, 3, 1, 2 },
	    12, 76 },
	{ "*cisco*", "Cisco Internetwork Operating System Software \r\nIOS "
	    "(tm) C2600 Software (C2600-I-M), Version 12.2(8)T, RELEASE "
	    "SOFTWARE (fc1)", { 1, 3, 6, 1, 4, 1, 9, 1, 209 }, 9, 6 },
	{ "*printer*", "HP ETHERNET MULTI-ENVIRONMENT", { 1, 3, 6, 1, 4, 1,
	    11, 2, 3, 9, 1 }, 11, 72 },
	{ "*", "Linux %s 2.6.32-5-686 #1 SMP Mon Jan 16 16:04:25 UTC 2012 "
	    "i686", { 1, 3, 6, 1, 4, 1, 8072, 3, 2, 10 }, 10, 72 },
};

static const struct snmp_flavour *
flavour(struct flow *f)
{
	size_t i;

	for (i = 0; i < sizeof(flavours) / sizeof(flavours[0]) - 1; i++)
		if (fnmatch(flavours[i].pattern, vconn_os(f),
		    FNM_CASEFOLD) == 0)
			return &flavours[i];
	return &flavours[i];
}

static void
sys_oid(struct oid *o, int leaf)
{
	static const uint32_t sys[] = { 1, 3, 6, 1, 2, 1, 1 };

	memcpy(o->v, sys, sizeof(sys));
	o->v[7] = (uint32_t)leaf;
	o->v[8] = 0;
	o->n = 9;
}

/* The system group's object for o, or 0. */
static int
sys_get(const struct oid *o)
{
	struct oid s;
	int i;

	for (i = 1; i <= SYS_MAX; i++) {
		sys_oid(&s, i);
		if (oid_cmp(o, &s) == 0)
			return i;
	}
	return 0;
}

/* The first object after o, or 0 (the end of the MIB view). */
static int
sys_next(const struct oid *o)
{
	struct oid s;
	int i;

	for (i = 1; i <= SYS_MAX; i++) {
		sys_oid(&s, i);
		if (oid_cmp(o, &s) < 0)
			return i;
	}
	return 0;
}

/* One varbind: name and the value of object obj (0: the exception). */
static void
w_varbind(struct wr *w, struct flow *f, const struct oid *name, int obj,
    uint8_t exception)
{
	const struct snmp_flavour *fl = flavour(f);
	char text[256], tn[64];
	struct oid o;
	size_t mark = w->pos;

	vconn_hostname(f, tn, sizeof(tn), 0);
	switch (obj) {
	case SYS_DESCR:
		if (strstr(fl->descr, "%s") != NULL) {
			const char *pct = strstr(fl->descr, "%s");

			snprintf(text, sizeof(text), "%.*s%s%s",
			    (int)(pct - fl->descr), fl->descr, tn, pct + 2);
		} else
			snprintf(text, sizeof(text), "%s", fl->descr);
		w_tlv(w, T_OCTETS, text, strlen(text));
		break;
	case SYS_OBJECTID:
		memcpy(o.v, fl->objectid, fl->nobjectid * sizeof(uint32_t));
		o.n = fl->nobjectid;
		w_oid(w, &o);
		break;
	case SYS_UPTIME:
		w_int(w, T_TIMETICKS, (int64_t)(uint32_t)(vconn_uptime_ms(f) /
		    10));
		break;
	case SYS_CONTACT:
	case SYS_LOCATION:
		w_tlv(w, T_OCTETS, "", 0);
		break;
	case SYS_NAME:
		w_tlv(w, T_OCTETS, tn, strlen(tn));
		break;
	case SYS_SERVICES:
		w_int(w, T_INTEGER, fl->services);
		break;
	default:
		w_tlv(w, exception, "", 0);
		break;
	}
	w_oid(w, name);
	w_head(w, T_SEQUENCE, mark);
}

static const char *
pdu_name(uint8_t tag)
{
	switch (tag) {
	case PDU_GET: return "get";
	case PDU_GETNEXT: return "getnext";
	case PDU_RESPONSE: return "response";
	case PDU_SET: return "set";
	case 0xa4: return "trap";
	case PDU_GETBULK: return "getbulk";
	case 0xa6: return "inform";
	case 0xa7: return "trapv2";
	case 0xa8: return "report";
	}
	return "unknown";
}

struct snmp_req {
	int64_t		 version, reqid, p1, p2;
	struct ber	 community;
	uint8_t		 pdu;
	struct oid	 names[SNMP_VB_MAX];
	size_t		 nvb;		/* in the request, maybe more than
					   names holds */
};

/* 0 with r filled, -1 if it is no SNMP message we can read. */
static int
parse(const uint8_t *d, size_t len, struct snmp_req *r)
{
	struct ber b = { d, len }, msg, pdu, vbl, vb, name;
	uint8_t tag;

	if (ber_next(&b, &tag, &msg) == -1 || tag != T_SEQUENCE ||
	    ber_int(&msg, &r->version) == -1)
		return -1;
	if (r->version != 0 && r->version != 1)
		return 0;		/* v3 and others: recorded only */
	if (ber_next(&msg, &tag, &r->community) == -1 || tag != T_OCTETS ||
	    ber_next(&msg, &r->pdu, &pdu) == -1 || (r->pdu & 0xe0) != 0xa0)
		return -1;
	if (r->pdu == 0xa4)
		return 0;		/* a v1 trap: its own layout */
	if (ber_int(&pdu, &r->reqid) == -1 || ber_int(&pdu, &r->p1) == -1 ||
	    ber_int(&pdu, &r->p2) == -1 ||
	    ber_next(&pdu, &tag, &vbl) == -1 || tag != T_SEQUENCE)
		return -1;
	while (vbl.len > 0) {
		if (ber_next(&vbl, &tag, &vb) == -1 || tag != T_SEQUENCE ||
		    ber_next(&vb, &tag, &name) == -1 || tag != T_OID)
			return -1;
		if (r->nvb < SNMP_VB_MAX &&
		    oid_decode(&name, &r->names[r->nvb]) == -1)
			return -1;
		r->nvb++;
	}
	return 0;
}

static void
record(struct flow *f, const struct snmp_req *r, int ok, int answered)
{
	static const char *const vname[] = { "1", "2c" };
	char oids[SNMP_OIDS_TEXT];
	struct event ev;
	size_t i, n = 0, w;

	vconn_event_init(f, &ev, NULL, "request");
	if (!ok) {
		vconn_field(f, &ev, "error", "malformed", 9);
		vconn_event_emit(f, &ev);
		return;
	}
	if (r->version == 0 || r->version == 1)
		vconn_field(f, &ev, "version", vname[r->version],
		    strlen(vname[r->version]));
	else
		vconn_fieldf(f, &ev, "version", "%lld",
		    (long long)r->version);	/* 3: SNMPv3 */
	if (r->community.p != NULL) {
		vconn_field(f, &ev, "community", r->community.p,
		    r->community.len);
		vconn_field(f, &ev, "pdu", pdu_name(r->pdu),
		    strlen(pdu_name(r->pdu)));
		vconn_fieldf(f, &ev, "request_id", "%lld",
		    (long long)r->reqid);
		vconn_fieldf(f, &ev, "varbinds", "%zu", r->nvb);
		for (i = 0; i < r->nvb && i < SNMP_VB_MAX; i++) {
			if (n + 2 >= sizeof(oids))
				break;
			if (n > 0)
				oids[n++] = ' ';
			w = oid_fmt(&r->names[i], oids + n, sizeof(oids) - n);
			n += w;
		}
		oids[n] = '\0';
		if (r->nvb > 0)
			vconn_field(f, &ev, "oids", oids, n);
	}
	vconn_field(f, &ev, "reply", answered ? "response" : "none",
	    answered ? 8 : 4);
	vconn_event_emit(f, &ev);
}

/* The response PDU's varbinds, written back to front. */
static void
varbinds(struct wr *w, struct flow *f, const struct snmp_req *r,
    int *err, int *eidx)
{
	struct oid cur[SNMP_VB_MAX];
	int objs[SNMP_VB_MAX];
	size_t i, n = 0, nonrep, reps, k;
	int obj;

	*err = *eidx = 0;
	if (r->pdu == PDU_SET) {
		*err = r->version == 0 ? ERR_NOSUCHNAME : ERR_NOACCESS;
		*eidx = r->nvb > 0;
	}
	if (r->pdu == PDU_GETBULK) {
		nonrep = r->p1 < 0 ? 0 : (size_t)r->p1 > r->nvb ? r->nvb :
		    (size_t)r->p1;
		reps = r->p2 < 0 ? 0 : r->p2 > SNMP_BULK_REPS ?
		    SNMP_BULK_REPS : (size_t)r->p2;
		for (i = 0; i < nonrep; i++) {
			cur[n] = r->names[i];
			objs[n++] = sys_next(&r->names[i]);
		}
		for (k = 0; k < reps; k++)
			for (i = nonrep; i < r->nvb && n < SNMP_VB_MAX; i++) {
				const struct oid *from = k == 0 ?
				    &r->names[i] : &cur[n - (r->nvb - nonrep)];

				obj = from == NULL ? 0 : sys_next(from);
				if (obj != 0)
					sys_oid(&cur[n], obj);
				else
					cur[n] = *from;
				objs[n++] = obj;
			}
	} else
		for (i = 0; i < r->nvb; i++) {
			if (r->pdu == PDU_SET)
				obj = -1;
			else if (r->pdu == PDU_GET)
				obj = sys_get(&r->names[i]);
			else
				obj = sys_next(&r->names[i]);
			if (obj > 0 && r->pdu == PDU_GETNEXT)
				sys_oid(&cur[n], obj);
			else
				cur[n] = r->names[i];
			objs[n++] = obj;
			/* v1 has no exceptions: the first miss is an error,
			 * and the request's varbinds come back as sent. */
			if (obj == 0 && r->version == 0 && *err == 0) {
				*err = ERR_NOSUCHNAME;
				*eidx = (int)i + 1;
			}
		}
	for (i = n; i > 0; i--) {
		if (*err != 0)
			w_varbind(w, f, &cur[i - 1], 0, T_NULL);
		else
			w_varbind(w, f, &cur[i - 1], objs[i - 1],
			    r->pdu == PDU_GET ? T_NOSUCHOBJECT : T_ENDOFMIB);
	}
}

static int
snmp_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	const char *community = vconn_arg(f);
	struct snmp_req r;
	struct wr w;
	size_t mark, outer;
	int ok, err, eidx;

	(void)state;
	if (community == NULL || community[0] == '\0')
		community = SNMP_COMMUNITY;
	memset(&r, 0, sizeof(r));
	ok = parse(d, len, &r) == 0;
	if (!ok || (r.version != 0 && r.version != 1) ||
	    r.community.len != strlen(community) ||
	    memcmp(r.community.p, community, r.community.len) != 0 ||
	    !(r.pdu == PDU_GET || r.pdu == PDU_GETNEXT || r.pdu == PDU_SET ||
	    (r.pdu == PDU_GETBULK && r.version == 1))) {
		/* A wrong community gets what a real agent gives: nothing
		 * (and, there, an authenticationFailure trap). */
		record(f, &r, ok, 0);
		return 0;
	}
	memset(&w, 0, sizeof(w));
	w.pos = sizeof(w.b);
	outer = w.pos;
	mark = w.pos;
	if (r.nvb > SNMP_VB_MAX) {
		err = ERR_TOOBIG;
		eidx = 0;
	} else
		varbinds(&w, f, &r, &err, &eidx);
	if (w.bad) {
		/* RFC 3416 §4.2.1: tooBig, with an empty list. */
		memset(&w, 0, sizeof(w));
		w.pos = sizeof(w.b);
		mark = w.pos;
		err = ERR_TOOBIG;
		eidx = 0;
	}
	w_head(&w, T_SEQUENCE, mark);
	w_int(&w, T_INTEGER, eidx);
	w_int(&w, T_INTEGER, err);
	w_int(&w, T_INTEGER, r.reqid);
	w_head(&w, PDU_RESPONSE, outer);
	w_tlv(&w, T_OCTETS, r.community.p, r.community.len);
	w_int(&w, T_INTEGER, r.version);
	w_head(&w, T_SEQUENCE, outer);
	record(f, &r, ok, !w.bad);
	if (!w.bad)
		(void)vconn_send(f, w.b + w.pos, sizeof(w.b) - w.pos);
	return 0;
}

const struct vservice vservice_snmp = {
	"snmp", NULL, snmp_data, NULL
};
