/*
 * DCE/RPC connection-oriented PDUs (C706 ch. 12) for msrpc and the SMB
 * named pipes; see dcerpc.h.  Only little-endian NDR is spoken, as every
 * Windows client does; a big-endian PDU is recorded and faulted.
 */
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "vservice.h"
#include "dcerpc.h"
#include "mswire.h"

/* C706 12.6.4: PTYPE. */
#define PT_REQUEST	0
#define PT_RESPONSE	2
#define PT_FAULT	3
#define PT_BIND		11
#define PT_BIND_ACK	12
#define PT_BIND_NAK	13
#define PT_ALTER	14
#define PT_ALTER_RESP	15

#define PFC_FIRST	0x01
#define PFC_LAST	0x02
#define PFC_NOEXEC	0x20
#define PFC_OBJECT	0x80

/* C706 appendix E and MS-RPCE 2.2.2.1: the fault statuses we use. */
#define NCA_OP_RNG	0x1c010002U	/* nca_s_op_rng_error */
#define NCA_UNK_IF	0x1c010003U	/* nca_s_unk_if */
#define NCA_PROTO	0x1c01000bU	/* nca_proto_error */
#define EPT_NOT_REG	0x16c9a0d6U	/* ept_s_not_registered */
#define ERR_ACCESS	5		/* ERROR_ACCESS_DENIED */
#define ERR_BAD_LEVEL	124		/* ERROR_INVALID_LEVEL */

#define ASSOC_GROUP	0x00005fa1U

static const uint8_t ndr_syntax[20] = {
	0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 2, 0, 0, 0
};

#define IF_SRVSVC	"4b324fc8-1670-01d3-1278-5a47bf6ee188"
#define IF_EPMAPPER	"e1af8308-5d1f-11c9-91a4-08002b14a0fa"

/* The interfaces worms and scanners bind to, by name. */
static const struct {
	const char	*uuid;
	const char	*name;
} ifaces[] = {
	{ IF_SRVSVC, "srvsvc" },
	{ IF_EPMAPPER, "epmapper" },
	{ "6bffd098-a112-3610-9833-46c3f87e345a", "wkssvc" },
	{ "12345778-1234-abcd-ef00-0123456789ab", "lsarpc" },
	{ "12345778-1234-abcd-ef00-0123456789ac", "samr" },
	{ "12345678-1234-abcd-ef00-01234567cffb", "netlogon" },
	{ "12345678-1234-abcd-ef00-0123456789ab", "spoolss" },
	{ "3919286a-b10c-11d0-9ba8-00c04fd92ef5", "dssetup" },
	{ "367abb81-9844-35f1-ad32-98f038001003", "svcctl" },
	{ "1ff70682-0a51-30e8-076d-740be8cee98b", "atsvc" },
	{ "6bffd098-a112-3610-9833-012892020162", "browser" },
	{ "000001a0-0000-0000-c000-000000000046", "ISystemActivator" },
	{ "4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", "IRemoteActivation" },
	{ "99fcfec4-5260-101b-bbcb-00aa0021347a", "IOXIDResolver" },
	{ "4fc742e0-4a10-11cf-8273-00aa004ae673", "netdfs" },
	{ "8d9f4e40-a03d-11ce-8f69-08003e30051b", "pnp" },
};

static void
uuid_str(const uint8_t *u, char *out, size_t cap)
{
	snprintf(out, cap, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    le32(u), le16(u + 4), le16(u + 6), u[8], u[9], u[10], u[11],
	    u[12], u[13], u[14], u[15]);
}

static const char *
iface_name(const char *uuid)
{
	size_t i;

	for (i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
		if (strcmp(ifaces[i].uuid, uuid) == 0)
			return ifaces[i].name;
	return "unknown";
}

long
dcerpc_pdu_len(const uint8_t *d, size_t len)
{
	uint16_t frag;

	if (len < DCERPC_HDR)
		return len > 0 && d[0] != 5 ? -1 : 0;
	if (d[0] != 5 || d[1] != 0)
		return -1;
	/* drep[0] bit 4: little endian; frag_length follows it. */
	frag = d[4] & 0x10 ? le16(d + 8) : (uint16_t)(d[8] << 8 | d[9]);
	if (frag < DCERPC_HDR)
		return -1;
	return len < frag ? 0 : (long)frag;
}

/* The common header (C706 12.6.3.1), frag_length patched by pdu_end. */
static size_t
pdu_begin(struct mw *w, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	static const uint8_t drep[4] = { 0x10, 0, 0, 0 };
	size_t start = w->len;

	mw_u8(w, 5);
	mw_u8(w, 0);
	mw_u8(w, ptype);
	mw_u8(w, flags);
	mw_bytes(w, drep, 4);
	mw_le16(w, 0);
	mw_le16(w, 0);
	mw_le32(w, call_id);
	return start;
}

static void
pdu_end(struct mw *w, size_t start)
{
	mw_set16(w, start + 8, (uint16_t)(w->len - start));
}

static void
fault(struct mw *w, uint32_t call_id, uint16_t ctx, uint32_t status)
{
	size_t s = pdu_begin(w, PT_FAULT, PFC_FIRST | PFC_LAST | PFC_NOEXEC,
	    call_id);

	mw_le32(w, 32);		/* alloc_hint */
	mw_le16(w, ctx);
	mw_u8(w, 0);
	mw_u8(w, 0);
	mw_le32(w, status);
	mw_le32(w, 0);
	pdu_end(w, s);
}

/* BIND / ALTER_CONTEXT (C706 12.6.4.3): one result per context. */
static void
ctx_bind(struct flow *f, struct dcerpc *rpc, const uint8_t *d, size_t len,
    struct mw *w)
{
	char uuid[40], ts[40];
	struct event ev;
	size_t off = 28, i, j, n, nts, s, res;
	int alter = d[2] == PT_ALTER, taken = 0, ndr;
	uint16_t ctx;

	if (len < 28) {
		fault(w, le32(d + 12), 0, NCA_PROTO);
		return;
	}
	n = d[24];
	s = pdu_begin(w, alter ? PT_ALTER_RESP : PT_BIND_ACK,
	    PFC_FIRST | PFC_LAST, le32(d + 12));
	mw_le16(w, DCERPC_FRAG_MAX);
	mw_le16(w, DCERPC_FRAG_MAX);
	mw_le32(w, le32(d + 20) != 0 ? le32(d + 20) : ASSOC_GROUP);
	if (alter) {
		mw_le16(w, 0);
	} else {
		mw_le16(w, (uint16_t)(strlen(rpc->secaddr) + 1));
		mw_bytes(w, rpc->secaddr, strlen(rpc->secaddr) + 1);
	}
	mw_align(w, s, 4);
	res = w->len;
	mw_u8(w, 0);
	mw_zero(w, 3);
	for (i = 0; i < n && off + 24 <= len; i++) {
		ctx = le16(d + off);
		nts = d[off + 2];
		if (off + 24 + 20 * nts > len)
			break;
		uuid_str(d + off + 4, uuid, sizeof(uuid));
		ndr = 0;
		for (j = 0; j < nts; j++)
			if (memcmp(d + off + 24 + 20 * j, ndr_syntax, 20) == 0)
				ndr = 1;
		ts[0] = '\0';
		if (nts > 0)
			uuid_str(d + off + 24, ts, sizeof(ts));
		vconn_event_init(f, &ev, NULL, "rpc_bind");
		vconn_field(f, &ev, "iface", uuid, strlen(uuid));
		vconn_field(f, &ev, "iface_name", iface_name(uuid),
		    strlen(iface_name(uuid)));
		vconn_fieldf(f, &ev, "version", "%u.%u", le16(d + off + 20),
		    le16(d + off + 22));
		vconn_fieldf(f, &ev, "ctx_id", "%u", ctx);
		vconn_field(f, &ev, "transfer", ts, strlen(ts));
		if (rpc->pipe != NULL)
			vconn_field(f, &ev, "pipe", rpc->pipe,
			    strlen(rpc->pipe));
		vconn_field(f, &ev, "result", ndr && !taken ? "accepted" :
		    "rejected", 8);
		vconn_event_emit(f, &ev);
		if (ndr && !taken) {
			taken = 1;
			rpc->bound = 1;
			rpc->ctx_id = ctx;
			memcpy(rpc->iface, uuid, sizeof(rpc->iface));
			mw_le16(w, 0);		/* acceptance */
			mw_le16(w, 0);
			mw_bytes(w, ndr_syntax, 20);
		} else {
			mw_le16(w, 2);		/* provider_rejection */
			mw_le16(w, 2);		/* transfer syntaxes */
			mw_zero(w, 20);
		}
		off += 24 + 20 * nts;
	}
	if (!w->err)
		w->p[res] = (uint8_t)i;
	pdu_end(w, s);
}

/* An NDR conformant varying string, UTF-16 with its NUL (MS-RPCE). */
static void
ndr_string(struct mw *w, size_t base, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;

	mw_le32(w, n);
	mw_le32(w, 0);
	mw_le32(w, n);
	mw_utf16(w, s);
	mw_le16(w, 0);
	mw_align(w, base, 4);
}

/*
 * NetrShareEnum (MS-SRVS 3.1.4.8, opnum 15): the level asked is the
 * first word after the server name.  Levels 0 (names, what nmap asks)
 * and 1 (names, types, remarks: smbclient) list the shares; any other
 * level gets ERROR_INVALID_LEVEL with an empty container.
 */
static void
share_enum(const struct dcerpc *rpc, const uint8_t *st, size_t len,
    struct mw *w)
{
	size_t base = w->len, off = 0, i;
	uint32_t level = 1, n;

	if (len >= 4 && le32(st) != 0) {
		if (len < 16)
			goto parsed;
		n = le32(st + 12);
		off = 16 + 2 * (size_t)n;
		off = (off + 3) & ~(size_t)3;
	} else
		off = 4;
	if (off + 4 <= len)
		level = le32(st + off);
parsed:
	mw_le32(w, level);
	mw_le32(w, level);
	if (level > 1) {
		mw_le32(w, 0);		/* container: NULL */
		mw_le32(w, 0);		/* total entries */
		mw_le32(w, 0);		/* resume handle: NULL */
		mw_le32(w, ERR_BAD_LEVEL);
		return;
	}
	mw_le32(w, 0x00020000);		/* -> SHARE_INFO_n_CONTAINER */
	mw_le32(w, (uint32_t)rpc->nshares);
	mw_le32(w, 0x00020004);		/* -> Buffer */
	mw_le32(w, (uint32_t)rpc->nshares);
	for (i = 0; i < rpc->nshares; i++) {
		mw_le32(w, 0x00020008 + 8 * (uint32_t)i);
		if (level == 0)
			continue;
		mw_le32(w, rpc->shares[i].type);
		mw_le32(w, 0x0002000c + 8 * (uint32_t)i);
	}
	for (i = 0; i < rpc->nshares; i++) {
		ndr_string(w, base, rpc->shares[i].name);
		if (level == 1)
			ndr_string(w, base, rpc->shares[i].remark);
	}
	mw_le32(w, (uint32_t)rpc->nshares);	/* TotalEntries */
	mw_le32(w, 0x00020100);		/* -> ResumeHandle */
	mw_le32(w, 0);
	mw_le32(w, 0);			/* WERROR */
}

/* NetrShareGetInfo (MS-SRVS 3.1.4.10, opnum 16): details are for
 * administrators, and no caller here is one. */
static void
share_getinfo(struct mw *w)
{
	mw_le32(w, 1);			/* the union's level */
	mw_le32(w, 0);			/* NULL */
	mw_le32(w, ERR_ACCESS);
}

/* ept_map (C706 appendix O, opnum 3): nothing registered. */
static void
ept_map(struct mw *w)
{
	mw_zero(w, 20);			/* entry_handle */
	mw_le32(w, 0);			/* num_towers */
	mw_le32(w, 4);			/* towers: max_count */
	mw_le32(w, 0);			/* offset */
	mw_le32(w, 0);			/* actual_count */
	mw_le32(w, EPT_NOT_REG);
}

static void
request(struct flow *f, struct dcerpc *rpc, const uint8_t *d, size_t len,
    struct mw *w)
{
	const uint8_t *stub;
	const char *answer = "fault";
	struct event ev;
	size_t off = 24, slen, s, hint;
	uint16_t ctx, opnum, auth = le16(d + 10);
	uint32_t call_id = le32(d + 12), status = NCA_OP_RNG;

	if (len < 24) {
		fault(w, call_id, 0, NCA_PROTO);
		return;
	}
	ctx = le16(d + 20);
	opnum = le16(d + 22);
	if (d[3] & PFC_OBJECT)
		off += 16;
	/* The auth verifier and its 8-byte sec_trailer end the PDU. */
	slen = len > off + (auth > 0 ? auth + 8U : 0) ?
	    len - off - (auth > 0 ? auth + 8U : 0) : 0;
	stub = d + (off < len ? off : len);
	vconn_event_init(f, &ev, NULL, "rpc_call");
	vconn_field(f, &ev, "iface", rpc->bound ? rpc->iface : "",
	    rpc->bound ? strlen(rpc->iface) : 0);
	vconn_field(f, &ev, "iface_name", rpc->bound ? iface_name(rpc->iface) :
	    "unbound", strlen(rpc->bound ? iface_name(rpc->iface) : "unbound"));
	vconn_fieldf(f, &ev, "opnum", "%u", opnum);
	vconn_fieldf(f, &ev, "ctx_id", "%u", ctx);
	vconn_fieldf(f, &ev, "stub_len", "%zu", slen);
	if ((d[3] & (PFC_FIRST | PFC_LAST)) != (PFC_FIRST | PFC_LAST))
		vconn_fieldf(f, &ev, "fragment", "%s%s",
		    d[3] & PFC_FIRST ? "first" : "", d[3] & PFC_LAST ?
		    "last" : "");
	if (rpc->pipe != NULL)
		vconn_field(f, &ev, "pipe", rpc->pipe, strlen(rpc->pipe));
	if (!(d[3] & PFC_LAST)) {
		vconn_event_emit(f, &ev);
		return;
	}
	if (!rpc->bound || ctx != rpc->ctx_id)
		status = NCA_UNK_IF;
	else if ((strcmp(rpc->iface, IF_SRVSVC) == 0 &&
	    (opnum == 15 || opnum == 16) && rpc->shares != NULL) ||
	    (strcmp(rpc->iface, IF_EPMAPPER) == 0 && opnum == 3))
		status = 0;
	if (status != 0) {
		vconn_fieldf(f, &ev, "answer", "fault 0x%08x", status);
		vconn_event_emit(f, &ev);
		fault(w, call_id, ctx, status);
		return;
	}
	answer = strcmp(rpc->iface, IF_SRVSVC) != 0 ? "ept_map" :
	    opnum == 15 ? "share_enum" : "access_denied";
	vconn_field(f, &ev, "answer", answer, strlen(answer));
	vconn_event_emit(f, &ev);
	s = pdu_begin(w, PT_RESPONSE, PFC_FIRST | PFC_LAST, call_id);
	mw_le32(w, 0);			/* alloc_hint, patched */
	mw_le16(w, ctx);
	mw_u8(w, 0);
	mw_u8(w, 0);
	hint = w->len;
	if (strcmp(rpc->iface, IF_SRVSVC) == 0 && opnum == 15)
		share_enum(rpc, stub, slen, w);
	else if (strcmp(rpc->iface, IF_SRVSVC) == 0)
		share_getinfo(w);
	else
		ept_map(w);
	mw_set32(w, s + 16, (uint32_t)(w->len - hint));
	pdu_end(w, s);
}

void
dcerpc_nak_version(struct mw *w, const uint8_t *d, size_t len)
{
	size_t s;

	s = pdu_begin(w, PT_BIND_NAK, PFC_FIRST | PFC_LAST, len >= 16 ?
	    le32(d + 12) : 0);
	mw_le16(w, 4);			/* protocol_version_not_supported */
	mw_u8(w, 1);			/* one version: 5.0 */
	mw_u8(w, 5);
	mw_u8(w, 0);
	mw_zero(w, 3);
	pdu_end(w, s);
}

void
dcerpc_input(struct flow *f, struct dcerpc *rpc, const uint8_t *d,
    size_t len, struct mw *w)
{
	struct event ev;

	if (len < DCERPC_HDR)
		return;
	if ((d[4] & 0xf0) != 0x10) {
		vconn_event_init(f, &ev, NULL, "error");
		vconn_field(f, &ev, "error", "big-endian rpc", 14);
		vconn_event_emit(f, &ev);
		fault(w, le32(d + 12), 0, NCA_PROTO);
		return;
	}
	switch (d[2]) {
	case PT_BIND:
	case PT_ALTER:
		ctx_bind(f, rpc, d, len, w);
		break;
	case PT_REQUEST:
		request(f, rpc, d, len, w);
		break;
	default:
		vconn_event_init(f, &ev, NULL, "rpc_pdu");
		vconn_fieldf(f, &ev, "ptype", "%u", d[2]);
		vconn_event_emit(f, &ev);
		break;
	}
}
