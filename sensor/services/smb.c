/*
 * smb (445, direct TCP) and netbios-ssn (139, RFC 1002 session request
 * first): a Windows file server of the template's version, far enough
 * for nmap's smb scripts and for smbclient -L to list its shares.
 *
 *	SMB1 (MS-CIFS)	NEGOTIATE (NT LM 0.12, with or without extended
 *			security), SESSION_SETUP_ANDX (NTLMSSP or plain
 *			LM/NTLM), TREE_CONNECT_ANDX, NT_CREATE_ANDX,
 *			TRANSACTION (TransactNmPipe), READ/WRITE_ANDX, CLOSE,
 *			DELETE, AndX chains; other transactions (MS17-010's
 *			road) are recorded and refused as unpatched hosts do.
 *	SMB2 (MS-SMB2)	NEGOTIATE (also the SMB1 multi-protocol upgrade),
 *			SESSION_SETUP (NTLMSSP in SPNEGO), TREE_CONNECT,
 *			CREATE, READ, WRITE, IOCTL (pipe transceive), CLOSE.
 *
 * Every session succeeds, anonymous or as guest; the NTLM
 * AUTHENTICATE_MESSAGE is recorded as a login (with a hashcat-style
 * netntlm line).  Named pipes speak DCE/RPC (dcerpc.c): srvsvc
 * NetrShareEnum lists ADMIN$, C$, IPC$ and the shares named in the
 * service's arguments (add T tcp port 445 internal "smb DOCS PUBLIC").
 * Bytes written to a file on a disk share are kept, bounded, and handed
 * over as an upload when the file is closed: a worm's push.
 *
 * Every message is a service event with its parsed facts: nbt_session,
 * negotiate, session_setup, login, tree_connect, create, write, close,
 * delete, rpc_bind, rpc_call, command (anything else), error.
 *
 * Bounds: one NBT message (RFC 1002's 17-bit length) in a buffer charged
 * to the flow, 4 trees, 8 open files, 8 KiB each way per pipe, 1 MB per
 * written file (VSERVICE_UPLOAD_MAX).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "event.h"
#include "vservice.h"
#include "dcerpc.h"
#include "mswire.h"

/* RFC 1002 4.3.1: LENGTH is 17 bits.  SMB1 large writes (CAP_LARGE_
 * WRITEX, which nmap -sV expects of Windows) come close to that. */
#define NBT_MAX		0x1ffff
#define SMB_IO_MAX	65536	/* MaxRead/Write/Transact we offer */
#define SMB_OUT_MAX	(2 * 8192 + 2048)
#define SMB_PIPE_MAX	8192	/* one direction of a named pipe */
#define SMB_TREES	4
#define SMB_FILES	8
#define SMB_SHARES	8
#define SMB_SHARE_NAME	32
#define SMB_NAME_MAX	256
#define SMB_CHAIN_MAX	16	/* commands in one SMB2 compound */
#define SMB_WORKGROUP	"WORKGROUP"

/* NT status codes (MS-ERREF 2.3.1). */
#define ST_OK			0x00000000U
#define ST_BUFFER_OVERFLOW	0x80000005U
#define ST_NOT_IMPLEMENTED	0xc0000002U
#define ST_INVALID_HANDLE	0xc0000008U
#define ST_INVALID_PARAMETER	0xc000000dU
#define ST_END_OF_FILE		0xc0000011U
#define ST_MORE_PROCESSING	0xc0000016U
#define ST_ACCESS_DENIED	0xc0000022U
#define ST_NAME_NOT_FOUND	0xc0000034U
#define ST_LOGON_FAILURE	0xc000006dU
#define ST_NO_RESOURCES		0xc000009aU
#define ST_NOT_SUPPORTED	0xc00000bbU
#define ST_NAME_DELETED		0xc00000c9U
#define ST_BAD_NETWORK_NAME	0xc00000ccU
#define ST_PIPE_EMPTY		0xc00000d9U
#define ST_SESSION_DELETED	0xc0000203U
#define ST_NOT_FOUND		0xc0000225U
#define ST_INSUFF_SERVER	0xc0000205U

/* SMB2 commands (MS-SMB2 2.2.1.2). */
enum {
	SMB2_NEGOTIATE, SMB2_SESSION_SETUP, SMB2_LOGOFF, SMB2_TREE_CONNECT,
	SMB2_TREE_DISCONNECT, SMB2_CREATE, SMB2_CLOSE, SMB2_FLUSH, SMB2_READ,
	SMB2_WRITE, SMB2_LOCK, SMB2_IOCTL, SMB2_CANCEL, SMB2_ECHO,
	SMB2_QUERY_DIRECTORY, SMB2_CHANGE_NOTIFY, SMB2_QUERY_INFO,
	SMB2_SET_INFO, SMB2_OPLOCK_BREAK
};

#define SMB2_HDR		64
#define SMB2_FL_RESPONSE	0x00000001U
#define SMB2_FL_RELATED		0x00000004U
#define FSCTL_PIPE_TRANSCEIVE	0x0011c017U

/* SMB1 commands (MS-CIFS 2.2.2.1) and flags. */
#define SMB1_CLOSE		0x04
#define SMB1_DELETE		0x06
#define SMB1_TRANS		0x25
#define SMB1_TRANS_SECONDARY	0x26
#define SMB1_TRANS2		0x32
#define SMB1_TRANS2_SECONDARY	0x33
#define SMB1_NT_TRANS		0xa0
#define SMB1_NT_TRANS_SECONDARY	0xa1
#define SMB1_ECHO		0x2b
#define SMB1_READ_ANDX		0x2e
#define SMB1_WRITE_ANDX		0x2f
#define SMB1_TREE_DISCONNECT	0x71
#define SMB1_NEGOTIATE		0x72
#define SMB1_SESSION_SETUP	0x73
#define SMB1_LOGOFF		0x74
#define SMB1_TREE_CONNECT	0x75
#define SMB1_NT_CREATE		0xa2
#define SMB1_HDR		32
#define FL2_UNICODE		0x8000
#define FL2_NT_STATUS		0x4000
#define FL2_EXT_SEC		0x0800
#define FL2_LONG_NAMES		0x0041	/* KNOWS and IS_LONG_NAME */

/* NTLMSSP (MS-NLMP 2.2.2.5). */
#define NTLM_UNICODE		0x00000001U
#define NTLM_REQUEST_TARGET	0x00000004U
#define NTLM_NTLM		0x00000200U
#define NTLM_ALWAYS_SIGN	0x00008000U
#define NTLM_TARGET_SERVER	0x00020000U
#define NTLM_EXT_SESSION	0x00080000U
#define NTLM_TARGET_INFO	0x00800000U
#define NTLM_VERSION		0x02000000U
#define NTLM_CLIENT_MASK	0xe0088235U	/* what we echo if asked */

#define FILETIME_EPOCH		116444736000000000ULL

/*
 * What a Windows version says of itself (native OS and LAN manager of
 * SESSION_SETUP_ANDX, NTLM's VERSION) and which dialects it speaks.
 * The first pattern matching the template's personality wins.
 */
struct smb_os {
	const char	*pattern;
	const char	*native_os;
	const char	*lanman;
	uint8_t		 major, minor;
	uint16_t	 build;
	uint16_t	 smb2_max;	/* 0: SMB1 only */
	uint8_t		 smb1;		/* SMB1 answered at all */
	uint8_t		 timestamp;	/* MsvAvTimestamp (Vista on) */
	uint16_t	 mpx;		/* SMB1 MaxMpxCount */
	uint32_t	 maxbuf;	/* SMB1 MaxBufferSize */
	uint32_t	 caps;		/* SMB1 Capabilities */
};

static const struct smb_os oses[] = {
	{ "*windows*2000*", "Windows 5.0", "Windows 2000 LAN Manager",
	    5, 0, 2195, 0, 1, 0, 50, 16644, 0x0000f3fd },
	{ "*windows*xp*", "Windows 5.1", "Windows 2000 LAN Manager",
	    5, 1, 2600, 0, 1, 0, 10, 4356, 0x0000e3fd },
	{ "*windows*2003*", "Windows Server 2003 3790 Service Pack 2",
	    "Windows Server 2003 5.2",
	    5, 2, 3790, 0, 1, 0, 50, 16644, 0x0001f3fd },
	{ "*windows*2008*r2*",
	    "Windows Server 2008 R2 Standard 7601 Service Pack 1",
	    "Windows Server 2008 R2 Standard 6.1",
	    6, 1, 7601, 0x0210, 1, 1, 50, 16644, 0x0001e3fd },
	{ "*windows*vista*", "Windows Vista (TM) Business 6001 Service Pack 1",
	    "Windows Vista (TM) Business 6.0",
	    6, 0, 6001, 0x0202, 1, 1, 50, 16644, 0x0001f3fd },
	{ "*windows*2008*",
	    "Windows Server (R) 2008 Standard 6001 Service Pack 1",
	    "Windows Server (R) 2008 Standard 6.0",
	    6, 0, 6001, 0x0202, 1, 1, 50, 16644, 0x0001f3fd },
	{ "*windows*2012*", "Windows Server 2012 R2 Standard 9600",
	    "Windows Server 2012 R2 Standard 6.3",
	    6, 3, 9600, 0x0302, 1, 1, 50, 16644, 0x0001e3fc },
	{ "*windows 8*", "Windows 8.1 Pro 9600", "Windows 8.1 Pro 6.3",
	    6, 3, 9600, 0x0302, 1, 1, 10, 4356, 0x0001e3fc },
	{ "*windows*1[01]*", "Windows 10 Pro 19045", "Windows 10 Pro 6.3",
	    10, 0, 19041, 0x0311, 0, 1, 10, 4356, 0x0001e3fc },
	{ "*windows*201[69]*", "Windows Server 2016 Standard 14393",
	    "Windows Server 2016 Standard 6.3",
	    10, 0, 14393, 0x0311, 0, 1, 50, 16644, 0x0001e3fc },
	{ "*windows*", "Windows 7 Professional 7601 Service Pack 1",
	    "Windows 7 Professional 6.1",
	    6, 1, 7601, 0x0210, 1, 1, 10, 4356, 0x0001e3fc },
	/* Anything else is a Linux box running Samba. */
	{ "*", "Windows 6.1", "Samba 4.17.12-Debian",
	    6, 1, 0, 0x0311, 1, 1, 50, 65535, 0x0080f3fd },
};

static const uint16_t smb2_dialects[] = {
	0x0202, 0x0210, 0x0300, 0x0302, 0x0311
};

/* SPNEGO NegTokenInit (RFC 4178 4.2.1) offering NTLMSSP only. */
static const uint8_t spnego_init[] = {
	0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
	0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a,
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};
/* The request an SMB2 answer to an SMB1 negotiate pretends to answer:
 * MessageId 0, one credit asked (MS-SMB2 3.3.5.3.1). */
static const uint8_t upgrade_hdr[SMB2_HDR] = {
	0xfe, 'S', 'M', 'B', 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
};
static const uint8_t ntlmssp_oid[] = {
	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};

struct smb_tree {
	uint32_t	 id;		/* 0: free */
	uint8_t		 ipc;
	char		 path[SMB_NAME_MAX];
};

struct smb_file {
	uint32_t	 id;
	uint32_t	 tid;
	uint8_t		 pipe;
	uint8_t		 cut;		/* the upload went past its cap */
	uint64_t	 written;
	char		 name[SMB_NAME_MAX];
	struct buf	 up;		/* disk: what was written */
	struct dcerpc	 rpc;		/* pipe */
	size_t		 nin, nout;
	uint8_t		 in[SMB_PIPE_MAX];
	uint8_t		 out[SMB_PIPE_MAX];
};

struct smb {
	uint8_t		 netbios;	/* 139: RFC 1002 session first */
	uint8_t		 session;	/* 139: the session request came */
	uint8_t		 dead;		/* answered for the last time */
	uint8_t		 spnego;	/* the client wraps NTLMSSP */
	uint8_t		 authed;
	uint8_t		 anon;		/* the last login had no user */
	const struct smb_os *os;
	uint16_t	 dialect;	/* SMB2 dialect agreed, 0: none */
	uint64_t	 sid;		/* SMB2 session / SMB1 uid */
	uint32_t	 next_id;
	uint32_t	 last_fid, last_tid;	/* for related compounds */
	uint8_t		 challenge[8];
	char		 host[16];	/* NetBIOS name, upper case */
	char		 dns[16];	/* the same, lower case */
	struct smb_tree	 trees[SMB_TREES];
	struct smb_file	*files[SMB_FILES];
	char		 names[SMB_SHARES][SMB_SHARE_NAME];
	struct dcerpc_share shares[3 + SMB_SHARES];
	size_t		 nshares;
	struct buf	 in;
	uint8_t		 out[SMB_OUT_MAX];
};

static const struct smb_os *
os_for(struct flow *f)
{
	size_t i;

	for (i = 0; i < sizeof(oses) / sizeof(oses[0]) - 1; i++)
		if (fnmatch(oses[i].pattern, vconn_os(f), FNM_CASEFOLD) == 0)
			return &oses[i];
	return &oses[i];
}

static uint64_t
filetime_now(struct flow *f)
{
	return vconn_wallclock_us(f) * 10 + FILETIME_EPOCH;
}

/* The host's server GUID: the same on every connection to it. */
static void
server_guid(struct flow *f, struct smb *s, uint8_t guid[16])
{
	uint8_t mac[6], ip[16], md[32], in[6 + sizeof(s->host)];
	int af;

	vconn_local(f, mac, ip, &af);
	memcpy(in, mac, 6);
	memcpy(in + 6, s->host, sizeof(s->host));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, sizeof(in), md) < 0)
		memset(md, 0x5a, sizeof(md));
	memcpy(guid, md, 16);
	guid[7] = (uint8_t)((guid[7] & 0x0f) | 0x40);	/* version 4 */
	guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
}

static void
event_simple(struct flow *f, const char *type, const char *key,
    const char *v)
{
	struct event ev;

	vconn_event_init(f, &ev, NULL, type);
	vconn_field(f, &ev, key, v, strlen(v));
	vconn_event_emit(f, &ev);
}

/* ---- NTLMSSP and SPNEGO ------------------------------------------- */

static void
der_len(struct mw *w, size_t n)
{
	if (n < 0x80)
		mw_u8(w, (uint8_t)n);
	else if (n < 0x100) {
		mw_u8(w, 0x81);
		mw_u8(w, (uint8_t)n);
	} else {
		mw_u8(w, 0x82);
		mw_u8(w, (uint8_t)(n >> 8));
		mw_u8(w, (uint8_t)n);
	}
}

/* The bytes of a TLV with n bytes of contents. */
static size_t
der_tlv(size_t n)
{
	return 1 + (n < 0x80 ? 1 : n < 0x100 ? 2 : 3) + n;
}

/*
 * negTokenResp (RFC 4178 4.2.2): negState, and with a token the
 * supportedMech NTLMSSP and the responseToken.
 */
static void
spnego_resp(struct mw *w, uint8_t state, const uint8_t *tok, size_t toklen)
{
	size_t seq = 5;

	if (tok != NULL)
		seq += der_tlv(sizeof(ntlmssp_oid)) +
		    der_tlv(der_tlv(toklen));
	mw_u8(w, 0xa1);
	der_len(w, der_tlv(seq));
	mw_u8(w, 0x30);
	der_len(w, seq);
	mw_bytes(w, "\xa0\x03\x0a\x01", 4);
	mw_u8(w, state);
	if (tok == NULL)
		return;
	mw_u8(w, 0xa1);
	der_len(w, sizeof(ntlmssp_oid));
	mw_bytes(w, ntlmssp_oid, sizeof(ntlmssp_oid));
	mw_u8(w, 0xa2);
	der_len(w, der_tlv(toklen));
	mw_u8(w, 0x04);
	der_len(w, toklen);
	mw_bytes(w, tok, toklen);
}

static void
av_pair(struct mw *w, uint16_t id, const char *s)
{
	mw_le16(w, id);
	mw_le16(w, (uint16_t)(2 * strlen(s)));
	mw_utf16(w, s);
}

/* CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) for a NEGOTIATE with cflags. */
static void
ntlm_challenge(struct flow *f, struct smb *s, uint32_t cflags,
    struct mw *w)
{
	size_t start = w->len, ti;
	uint32_t flags;

	flags = (cflags & NTLM_CLIENT_MASK) | NTLM_UNICODE |
	    NTLM_REQUEST_TARGET | NTLM_NTLM | NTLM_TARGET_SERVER |
	    NTLM_TARGET_INFO | NTLM_VERSION;
	vconn_random(f, s->challenge, sizeof(s->challenge));
	mw_bytes(w, "NTLMSSP\0", 8);
	mw_le32(w, 2);
	mw_le16(w, (uint16_t)(2 * strlen(s->host)));
	mw_le16(w, (uint16_t)(2 * strlen(s->host)));
	mw_le32(w, 56);
	mw_le32(w, flags);
	mw_bytes(w, s->challenge, 8);
	mw_zero(w, 8);
	ti = w->len;
	mw_zero(w, 8);			/* TargetInfoFields, patched */
	mw_u8(w, s->os->major);		/* VERSION (2.2.2.10) */
	mw_u8(w, s->os->minor);
	mw_le16(w, s->os->build);
	mw_zero(w, 3);
	mw_u8(w, 0x0f);			/* NTLMSSP_REVISION_W2K3 */
	mw_utf16(w, s->host);
	mw_set32(w, ti + 4, (uint32_t)(w->len - start));
	av_pair(w, 2, s->host);		/* MsvAvNbDomainName */
	av_pair(w, 1, s->host);		/* MsvAvNbComputerName */
	av_pair(w, 4, s->dns);		/* MsvAvDnsDomainName */
	av_pair(w, 3, s->dns);		/* MsvAvDnsComputerName */
	if (s->os->timestamp) {
		mw_le16(w, 7);
		mw_le16(w, 8);
		mw_le64(w, filetime_now(f));
	}
	mw_le32(w, 0);			/* MsvAvEOL */
	mw_set16(w, ti, (uint16_t)(w->len - start - le32(w->p + ti + 4)));
	mw_set16(w, ti + 2, (uint16_t)(w->len - start - le32(w->p + ti + 4)));
}

/* An NTLM string field (len, maxlen, offset) of the message m. */
static void
ntlm_str(const uint8_t *m, size_t len, size_t field, int unicode,
    char *out, size_t cap)
{
	size_t l, off, i, o = 0;

	out[0] = '\0';
	if (field + 8 > len)
		return;
	l = le16(m + field);
	off = le32(m + field + 4);
	if (off > len || l > len - off)
		return;
	if (unicode) {
		mw_from_utf16(m + off, l, out, cap);
		return;
	}
	for (i = 0; i < l && o + 1 < cap; i++)
		out[o++] = isprint(m[off + i]) ? (char)m[off + i] : '?';
	out[o] = '\0';
}

static const uint8_t *
ntlm_bytes(const uint8_t *m, size_t len, size_t field, size_t *n)
{
	size_t l, off;

	*n = 0;
	if (field + 8 > len)
		return NULL;
	l = le16(m + field);
	off = le32(m + field + 4);
	if (off > len || l > len - off)
		return NULL;
	*n = l;
	return m + off;
}

/*
 * The login event: who, and the responses as hashcat reads them
 * (NTLMv1 "user::domain:lm:nt:challenge", mode 5500; NTLMv2
 * "user::domain:challenge:ntproof:blob", mode 5600).
 */
static void
login_event(struct flow *f, struct smb *s, const char *proto,
    const char *user, const char *domain, const char *ws,
    const uint8_t *lm, size_t lmlen, const uint8_t *nt, size_t ntlen)
{
	char line[EVENT_VALUE_MAX], ch[17], a[2 * 24 + 1], b[900];
	struct event ev;
	int anon = user[0] == '\0' && ntlen == 0;	/* MS-NLMP 3.2.5.1.2 */

	s->anon = (uint8_t)anon;

	vconn_event_init(f, &ev, NULL, "login");
	vconn_field(f, &ev, "proto", proto, strlen(proto));
	vconn_field(f, &ev, "user", user, strlen(user));
	vconn_field(f, &ev, "domain", domain, strlen(domain));
	if (ws != NULL)
		vconn_field(f, &ev, "workstation", ws, strlen(ws));
	vconn_field(f, &ev, "anonymous", anon ? "yes" : "no", anon ? 3 : 2);
	mw_hex(s->challenge, 8, ch, sizeof(ch));
	if (ntlen == 24) {
		mw_hex(lm, lmlen == 24 ? 24 : 0, a, sizeof(a));
		mw_hex(nt, 24, b, sizeof(b));
		snprintf(line, sizeof(line), "%s::%s:%s:%s:%s", user, domain,
		    a, b, ch);
		vconn_field(f, &ev, "netntlm", line, strlen(line));
		vconn_field(f, &ev, "hash_type", "netntlmv1", 9);
	} else if (ntlen > 24) {
		mw_hex(nt, 16, a, sizeof(a));
		mw_hex(nt + 16, ntlen - 16, b, sizeof(b));
		snprintf(line, sizeof(line), "%s::%s:%s:%s:%s", user, domain,
		    ch, a, b);
		vconn_field(f, &ev, "netntlm", line, strlen(line));
		vconn_field(f, &ev, "hash_type", "netntlmv2", 9);
	} else
		vconn_field(f, &ev, "hash_type", "none", 4);
	vconn_event_emit(f, &ev);
}

/*
 * A security blob from SESSION_SETUP: NTLMSSP, bare or in SPNEGO.
 * Writes the answer's blob to w; returns the NTLM message type handled
 * (1 or 3), or 0 when there was none.
 */
static int
ntlm_input(struct flow *f, struct smb *s, const char *proto,
    const uint8_t *blob, size_t len, struct mw *w)
{
	static const uint8_t sig[8] = "NTLMSSP";
	char user[128], domain[128], ws[128];
	uint8_t tok[512];
	const uint8_t *m, *lm, *nt;
	struct event ev;
	struct mw t;
	size_t n, lmlen, ntlen;
	uint32_t type, flags;

	if ((m = memmem(blob, len, sig, 8)) == NULL || blob + len - m < 12) {
		event_simple(f, "session_setup", "error", "no ntlmssp");
		return 0;
	}
	s->spnego = m != blob;
	n = (size_t)(blob + len - m);
	type = le32(m + 8);
	if (type == 1) {
		flags = n >= 16 ? le32(m + 12) : 0;
		vconn_event_init(f, &ev, NULL, "session_setup");
		vconn_field(f, &ev, "proto", proto, strlen(proto));
		vconn_field(f, &ev, "ntlmssp", "negotiate", 9);
		vconn_fieldf(f, &ev, "ntlm_flags", "0x%08x", flags);
		vconn_field(f, &ev, "spnego", s->spnego ? "yes" : "no",
		    s->spnego ? 3 : 2);
		vconn_event_emit(f, &ev);
		mw_init(&t, tok, sizeof(tok));
		ntlm_challenge(f, s, flags, &t);
		if (t.err)
			return 0;
		if (s->spnego)
			spnego_resp(w, 1, tok, t.len);
		else
			mw_bytes(w, tok, t.len);
		return 1;
	}
	if (type == 3 && n >= 64) {
		flags = le32(m + 60);
		ntlm_str(m, n, 28, flags & NTLM_UNICODE, domain,
		    sizeof(domain));
		ntlm_str(m, n, 36, flags & NTLM_UNICODE, user, sizeof(user));
		ntlm_str(m, n, 44, flags & NTLM_UNICODE, ws, sizeof(ws));
		lm = ntlm_bytes(m, n, 12, &lmlen);
		nt = ntlm_bytes(m, n, 20, &ntlen);
		login_event(f, s, proto, user, domain, ws, lm, lmlen, nt,
		    ntlen);
		if (s->spnego)
			spnego_resp(w, 0, NULL, 0);
		return 3;
	}
	event_simple(f, "session_setup", "error", "bad ntlmssp message");
	return 0;
}

/* ---- trees and files, for both dialects ---------------------------- */

static const char *
share_of(const char *path)
{
	const char *p = strrchr(path, '\\');

	return p != NULL ? p + 1 : path;
}

/* A tree or file id in 1..0xfffe (SMB1 has 16 bits; ~0 means "the
 * last one" in SMB2 compounds) that no open tree or file has. */
static uint32_t
new_id(struct smb *s)
{
	size_t i;
	int used;

	do {
		s->next_id = s->next_id % 0xfffe + 1;
		used = 0;
		for (i = 0; i < SMB_TREES; i++)
			used |= s->trees[i].id == s->next_id;
		for (i = 0; i < SMB_FILES; i++)
			used |= s->files[i] != NULL &&
			    s->files[i]->id == s->next_id;
	} while (used);
	return s->next_id;
}

/* TREE_CONNECT to \\host\share: its status; *tid the new tree. */
static uint32_t
tree_connect(struct flow *f, struct smb *s, const char *proto,
    const char *path, uint32_t *tid, int *ipc)
{
	const char *share = share_of(path);
	struct smb_tree *t = NULL;
	struct event ev;
	uint32_t status = ST_BAD_NETWORK_NAME;
	size_t i;

	*ipc = strcasecmp(share, "IPC$") == 0;
	for (i = 0; i < s->nshares; i++)
		if (strcasecmp(share, s->shares[i].name) == 0)
			status = ST_OK;
	for (i = 0; status == ST_OK && i < SMB_TREES; i++)
		if (s->trees[i].id == 0) {
			t = &s->trees[i];
			break;
		}
	if (status == ST_OK && t == NULL)
		status = ST_NO_RESOURCES;
	vconn_event_init(f, &ev, NULL, "tree_connect");
	vconn_field(f, &ev, "proto", proto, strlen(proto));
	vconn_field(f, &ev, "path", path, strlen(path));
	vconn_field(f, &ev, "share", share, strlen(share));
	vconn_fieldf(f, &ev, "status", "0x%08x", status);
	vconn_event_emit(f, &ev);
	if (status != ST_OK)
		return status;
	t->id = new_id(s);
	t->ipc = (uint8_t)*ipc;
	strlcpy(t->path, path, sizeof(t->path));
	*tid = t->id;
	s->last_tid = t->id;
	return ST_OK;
}

static struct smb_tree *
tree_find(struct smb *s, uint32_t tid)
{
	size_t i;

	if (tid == 0xffffffffU)
		tid = s->last_tid;
	for (i = 0; i < SMB_TREES; i++)
		if (tid != 0 && s->trees[i].id == tid)
			return &s->trees[i];
	return NULL;
}

static struct smb_file *
file_find(struct smb *s, uint32_t id)
{
	size_t i;

	if (id == 0xffffffffU || id == 0xffff)
		id = s->last_fid;
	for (i = 0; i < SMB_FILES; i++)
		if (s->files[i] != NULL && s->files[i]->id == id)
			return s->files[i];
	return NULL;
}

static void
file_free(struct flow *f, struct smb *s, struct smb_file *fl)
{
	size_t i;

	for (i = 0; i < SMB_FILES; i++)
		if (s->files[i] == fl)
			s->files[i] = NULL;
	if (fl->up.max > 0)
		vconn_buf_free(f, &fl->up);
	vconn_free(f, fl, sizeof(*fl));
}

/* CREATE of name on tree t: the status; *out the open file. */
static uint32_t
file_open(struct flow *f, struct smb *s, const char *proto,
    struct smb_tree *t, const char *name, uint32_t disposition,
    uint32_t access, struct smb_file **out)
{
	struct smb_file *fl;
	struct event ev;
	uint32_t status = ST_OK;
	size_t i, slot = SMB_FILES;
	const char *p = name;

	*out = NULL;
	while (*p == '\\')
		p++;
	for (i = 0; i < SMB_FILES; i++)
		if (s->files[i] == NULL) {
			slot = i;
			break;
		}
	if (t == NULL)
		status = ST_NAME_DELETED;
	else if (slot == SMB_FILES)
		status = ST_NO_RESOURCES;
	else if (!t->ipc && disposition == 1 && *p != '\0')
		status = ST_NAME_NOT_FOUND;	/* FILE_OPEN of a new file */
	vconn_event_init(f, &ev, NULL, "create");
	vconn_field(f, &ev, "proto", proto, strlen(proto));
	vconn_field(f, &ev, "name", name, strlen(name));
	vconn_field(f, &ev, "tree", t != NULL ? t->path : "",
	    t != NULL ? strlen(t->path) : 0);
	vconn_fieldf(f, &ev, "disposition", "%u", disposition);
	vconn_fieldf(f, &ev, "access", "0x%08x", access);
	vconn_fieldf(f, &ev, "status", "0x%08x", status);
	vconn_event_emit(f, &ev);
	if (status != ST_OK)
		return status;
	if ((fl = vconn_alloc(f, sizeof(*fl))) == NULL)
		return ST_NO_RESOURCES;
	fl->id = new_id(s);
	fl->tid = t->id;
	fl->pipe = t->ipc;
	strlcpy(fl->name, p, sizeof(fl->name));
	if (fl->pipe) {
		fl->rpc.secaddr = "\\PIPE\\srvsvc";
		if (strcasecmp(p, "srvsvc") != 0)
			fl->rpc.secaddr = "\\PIPE\\";
		fl->rpc.shares = s->shares;
		fl->rpc.nshares = s->nshares;
		fl->rpc.pipe = fl->name;
	}
	s->files[slot] = fl;
	s->last_fid = fl->id;
	*out = fl;
	return ST_OK;
}

/* Bytes into a pipe: every whole PDU is answered into its out side. */
static uint32_t
pipe_write(struct flow *f, struct smb_file *fl, const uint8_t *d,
    size_t len)
{
	struct mw w;
	long n;

	if (len > sizeof(fl->in) - fl->nin)
		return ST_NO_RESOURCES;
	memcpy(fl->in + fl->nin, d, len);
	fl->nin += len;
	while ((n = dcerpc_pdu_len(fl->in, fl->nin)) > 0) {
		mw_init(&w, fl->out + fl->nout, sizeof(fl->out) - fl->nout);
		dcerpc_input(f, &fl->rpc, fl->in, (size_t)n, &w);
		if (!w.err)
			fl->nout += w.len;
		memmove(fl->in, fl->in + n, fl->nin - (size_t)n);
		fl->nin -= (size_t)n;
	}
	if (n == -1) {
		fl->nin = 0;
		return ST_INVALID_PARAMETER;
	}
	return ST_OK;
}

/* Up to max bytes of the pipe's answer: BUFFER_OVERFLOW if more wait. */
static uint32_t
pipe_read(struct smb_file *fl, size_t max, const uint8_t **d, size_t *n)
{
	*d = fl->out;
	*n = fl->nout < max ? fl->nout : max;
	if (fl->nout == 0)
		return ST_PIPE_EMPTY;
	return *n < fl->nout ? ST_BUFFER_OVERFLOW : ST_OK;
}

static void
pipe_consume(struct smb_file *fl, size_t n)
{
	memmove(fl->out, fl->out + n, fl->nout - n);
	fl->nout -= n;
}

/*
 * A write and a read in one (TransactNmPipe, FSCTL_PIPE_TRANSCEIVE): the
 * answer is OK even when the pipe has nothing to say yet.
 */
static uint32_t
pipe_transceive(struct flow *f, struct smb_file *fl, const uint8_t *in,
    size_t inlen, size_t max, const uint8_t **d, size_t *n)
{
	uint32_t status;

	*d = NULL;
	*n = 0;
	if ((status = pipe_write(f, fl, in, inlen)) != ST_OK)
		return status;
	status = pipe_read(fl, max, d, n);
	return status == ST_PIPE_EMPTY ? ST_OK : status;
}

/* The pipe's answer into a reply; it leaves the pipe only once sent whole. */
static void
pipe_reply(struct mw *w, struct smb_file *fl, const uint8_t *d, size_t n)
{
	mw_bytes(w, d, n);
	if (!w->err)
		pipe_consume(fl, n);
}

/* Creation, last access, last write and change time of an opened file. */
static void
file_times(struct mw *w, const struct smb_file *fl, uint64_t now)
{
	int i;

	for (i = 0; i < 4; i++)
		mw_le64(w, fl->pipe ? 0 : now);
}

/* A write to a disk file: kept at its offset, up to the upload cap. */
static uint32_t
file_write(struct flow *f, const char *proto, struct smb_file *fl,
    uint64_t off, const uint8_t *d, size_t len)
{
	struct event ev;
	size_t have;

	if (fl->pipe)
		return pipe_write(f, fl, d, len);
	vconn_event_init(f, &ev, NULL, "write");
	vconn_field(f, &ev, "proto", proto, strlen(proto));
	vconn_field(f, &ev, "name", fl->name, strlen(fl->name));
	vconn_fieldf(f, &ev, "offset", "%llu", (unsigned long long)off);
	vconn_fieldf(f, &ev, "length", "%zu", len);
	vconn_event_emit(f, &ev);
	fl->written += len;
	if (fl->up.max == 0 && !fl->cut &&
	    vconn_buf_init(f, &fl->up, VSERVICE_UPLOAD_MAX) == -1)
		fl->cut = 1;
	if (fl->cut || len == 0)
		return ST_OK;
	if (off > VSERVICE_UPLOAD_MAX || len > VSERVICE_UPLOAD_MAX - off) {
		fl->cut = 1;
		return ST_OK;
	}
	/* Overwrite what is there, pad a hole with zeros, append. */
	have = fl->up.len;
	if (off < have) {
		size_t over = have - off < len ? have - off : len;

		memcpy(fl->up.data + off, d, over);
		d += over;
		len -= over;
		off += over;
	}
	while (have < off && buf_addc(&fl->up, 0) == 0)
		have++;
	if (len > 0 && buf_add(&fl->up, d, len) == -1)
		fl->cut = 1;
	return ST_OK;
}

static void
file_close(struct flow *f, struct smb *s, const char *proto,
    struct smb_file *fl)
{
	struct event ev;

	if (!fl->pipe) {
		vconn_event_init(f, &ev, NULL, "close");
		vconn_field(f, &ev, "proto", proto, strlen(proto));
		vconn_field(f, &ev, "name", fl->name, strlen(fl->name));
		vconn_fieldf(f, &ev, "written", "%llu",
		    (unsigned long long)fl->written);
		if (fl->cut)
			vconn_field(f, &ev, "cut", "yes", 3);
		vconn_event_emit(f, &ev);
		if (fl->up.len > 0)
			(void)vconn_upload(f, fl->name, fl->up.data,
			    fl->up.len);
	}
	file_free(f, s, fl);
}

static void
tree_disconnect(struct flow *f, struct smb *s, struct smb_tree *t)
{
	size_t i;

	for (i = 0; i < SMB_FILES; i++)
		if (s->files[i] != NULL && s->files[i]->tid == t->id)
			file_close(f, s, "", s->files[i]);
	memset(t, 0, sizeof(*t));
}

/* A UTF-16 path at m[off...off+len) (bounds checked) as UTF-8. */
static void
utf16_at(const uint8_t *m, size_t mlen, size_t off, size_t len, char *out,
    size_t cap)
{
	out[0] = '\0';
	if (off > mlen || len > mlen - off)
		return;
	mw_from_utf16(m + off, len, out, cap);
}

/* ---- SMB2 ----------------------------------------------------------- */

static void
smb2_hdr(struct mw *w, struct smb *s, const uint8_t *h, uint32_t status,
    uint32_t tid)
{
	uint16_t credits = le16(h + 14);

	if (credits == 0)
		credits = 1;
	if (credits > 64)
		credits = 64;
	mw_bytes(w, "\xfeSMB", 4);
	mw_le16(w, SMB2_HDR);
	mw_le16(w, le16(h + 6));		/* CreditCharge */
	mw_le32(w, status);
	mw_le16(w, le16(h + 12));		/* Command */
	mw_le16(w, credits);
	mw_le32(w, SMB2_FL_RESPONSE | (le32(h + 16) & SMB2_FL_RELATED));
	mw_le32(w, 0);				/* NextCommand */
	mw_bytes(w, h + 24, 8);			/* MessageId */
	mw_bytes(w, h + 32, 4);			/* Reserved (ProcessId) */
	mw_le32(w, tid);
	mw_le64(w, s->sid);
	mw_zero(w, 16);
}

static void
smb2_error(struct mw *w, struct smb *s, const uint8_t *h, uint32_t status)
{
	smb2_hdr(w, s, h, status, le32(h + 36));
	mw_le16(w, 9);
	mw_zero(w, 7);
}

/* NEGOTIATE response (2.2.4) for dialect, also 0x02ff to SMB1. */
/* The four-byte body of LOGOFF, TREE_DISCONNECT and ECHO responses. */
static void
smb2_empty(struct mw *w, struct smb *s, const uint8_t *h, uint32_t tid)
{
	smb2_hdr(w, s, h, ST_OK, tid);
	mw_le16(w, 4);
	mw_le16(w, 0);
}

static void
smb2_negotiate_resp(struct flow *f, struct smb *s, const uint8_t *h,
    uint16_t dialect, struct mw *w)
{
	uint8_t guid[16], salt[32];
	uint64_t now = filetime_now(f);
	size_t hs = w->len, ctx;
	uint32_t caps = dialect >= 0x0210 && dialect != 0x02ff ? 0x7 : 0x1;

	server_guid(f, s, guid);
	smb2_hdr(w, s, h, ST_OK, 0);
	mw_le16(w, 65);
	mw_le16(w, 0x0001);			/* signing enabled */
	mw_le16(w, dialect);
	mw_le16(w, dialect == 0x0311 ? 1 : 0);
	mw_bytes(w, guid, 16);
	mw_le32(w, caps);
	mw_le32(w, SMB_IO_MAX);
	mw_le32(w, SMB_IO_MAX);
	mw_le32(w, SMB_IO_MAX);
	mw_le64(w, now);
	mw_le64(w, now - vconn_uptime_ms(f) * 10000);
	mw_le16(w, SMB2_HDR + 64);
	mw_le16(w, sizeof(spnego_init));
	ctx = w->len;
	mw_le32(w, 0);
	mw_bytes(w, spnego_init, sizeof(spnego_init));
	if (dialect != 0x0311)
		return;
	/* 2.2.3.1.1: SHA-512 and a fresh salt. */
	mw_align(w, hs, 8);
	mw_set32(w, ctx, (uint32_t)(w->len - hs));
	vconn_random(f, salt, sizeof(salt));
	mw_le16(w, 1);
	mw_le16(w, 6 + sizeof(salt));
	mw_le32(w, 0);
	mw_le16(w, 1);
	mw_le16(w, sizeof(salt));
	mw_le16(w, 0x0001);
	mw_bytes(w, salt, sizeof(salt));
}

static void
smb2_negotiate(struct flow *f, struct smb *s, const uint8_t *h,
    const uint8_t *b, size_t blen, struct mw *w)
{
	char list[6 * 64 + 1], guid[33];
	struct event ev;
	size_t i, j, n, o = 0;
	uint16_t d, best = 0;

	if (blen < 36) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	n = le16(b + 2);
	if (n > (blen - 36) / 2)
		n = (blen - 36) / 2;
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		d = le16(b + 36 + 2 * i);
		if (i < 64)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%04x", i > 0 ? "," : "", d);
		for (j = 0; j < sizeof(smb2_dialects) / 2; j++)
			if (d == smb2_dialects[j] && d <= s->os->smb2_max &&
			    d > best)
				best = d;
	}
	mw_hex(b + 12, 16, guid, sizeof(guid));
	vconn_event_init(f, &ev, NULL, "negotiate");
	vconn_field(f, &ev, "proto", "smb2", 4);
	vconn_field(f, &ev, "dialects", list, strlen(list));
	vconn_fieldf(f, &ev, "security_mode", "0x%04x", le16(b + 4));
	vconn_fieldf(f, &ev, "capabilities", "0x%08x", le32(b + 8));
	vconn_field(f, &ev, "client_guid", guid, strlen(guid));
	vconn_fieldf(f, &ev, "chosen", "%04x", best);
	vconn_event_emit(f, &ev);
	if (best == 0) {
		smb2_error(w, s, h, ST_NOT_SUPPORTED);
		return;
	}
	s->dialect = best;
	smb2_negotiate_resp(f, s, h, best, w);
}

static void
smb2_session_setup(struct flow *f, struct smb *s, const uint8_t *h,
    size_t hlen, const uint8_t *b, size_t blen, struct mw *w)
{
	uint8_t tok[768];
	struct mw t;
	size_t off, len;
	int type;

	if (blen < 24) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	off = le16(b + 12);
	len = le16(b + 14);
	if (off > hlen || len > hlen - off)
		len = 0;
	mw_init(&t, tok, sizeof(tok));
	type = ntlm_input(f, s, "smb2", h + off, len, &t);
	if (type == 0 || t.err) {
		smb2_error(w, s, h, ST_LOGON_FAILURE);
		return;
	}
	if (s->sid == 0) {
		vconn_random(f, &s->sid, 4);
		s->sid = (s->sid & 0xffffffffU) | 0x0000040000000000ULL;
	}
	if (type == 3)
		s->authed = 1;
	smb2_hdr(w, s, h, type == 1 ? ST_MORE_PROCESSING : ST_OK, 0);
	mw_le16(w, 9);
	/* SMB2_SESSION_FLAG_IS_NULL for anonymous, IS_GUEST otherwise. */
	mw_le16(w, type == 3 ? (s->anon ? 0x0002 : 0x0001) : 0);
	mw_le16(w, SMB2_HDR + 8);
	mw_le16(w, (uint16_t)t.len);
	mw_bytes(w, tok, t.len);
	if (t.len == 0)
		mw_u8(w, 0);
}

static void
smb2_tree_connect(struct flow *f, struct smb *s, const uint8_t *h,
    size_t hlen, const uint8_t *b, size_t blen, struct mw *w)
{
	char path[SMB_NAME_MAX];
	uint32_t tid = 0, status;
	int ipc;

	if (blen < 8) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	utf16_at(h, hlen, le16(b + 4), le16(b + 6), path, sizeof(path));
	status = tree_connect(f, s, "smb2", path, &tid, &ipc);
	if (status != ST_OK) {
		smb2_error(w, s, h, status);
		return;
	}
	smb2_hdr(w, s, h, ST_OK, tid);
	mw_le16(w, 16);
	mw_u8(w, ipc ? 2 : 1);			/* SHARE_TYPE_PIPE / DISK */
	mw_u8(w, 0);
	mw_le32(w, ipc ? 0x00000030 : 0);	/* no caching for a pipe */
	mw_le32(w, 0);
	mw_le32(w, 0x001f01ff);			/* MaximalAccess */
}

static void
smb2_create(struct flow *f, struct smb *s, const uint8_t *h, size_t hlen,
    const uint8_t *b, size_t blen, struct mw *w)
{
	char name[SMB_NAME_MAX];
	struct smb_file *fl;
	uint64_t now = filetime_now(f);
	uint32_t status;
	int dir;

	if (blen < 56) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	utf16_at(h, hlen, le16(b + 44), le16(b + 46), name, sizeof(name));
	status = file_open(f, s, "smb2", tree_find(s, le32(h + 36)), name,
	    le32(b + 36), le32(b + 24), &fl);
	if (status != ST_OK) {
		smb2_error(w, s, h, status);
		return;
	}
	dir = !fl->pipe && fl->name[0] == '\0';
	smb2_hdr(w, s, h, ST_OK, fl->tid);
	mw_le16(w, 89);
	mw_u8(w, 0);				/* no oplock */
	mw_u8(w, 0);
	mw_le32(w, fl->pipe || dir ? 1 : 2);	/* FILE_OPENED / CREATED */
	file_times(w, fl, now);
	mw_le64(w, fl->pipe ? 4096 : 0);
	mw_le64(w, 0);
	mw_le32(w, dir ? 0x10 : 0x80);		/* DIRECTORY / NORMAL */
	mw_le32(w, 0);
	mw_le64(w, fl->id);			/* FileId: persistent */
	mw_le64(w, fl->id);			/* and volatile */
	mw_le32(w, 0);
	mw_le32(w, 0);
	mw_u8(w, 0);
}

static struct smb_file *
smb2_file(struct smb *s, const uint8_t *fid)
{
	return file_find(s, le64(fid + 8) > 0xffffffffU ? 0xffffffffU :
	    (uint32_t)le64(fid + 8));
}

static void
smb2_close(struct flow *f, struct smb *s, const uint8_t *h,
    const uint8_t *b, size_t blen, struct mw *w)
{
	struct smb_file *fl;

	if (blen < 24 || (fl = smb2_file(s, b + 8)) == NULL) {
		smb2_error(w, s, h, ST_INVALID_HANDLE);
		return;
	}
	file_close(f, s, "smb2", fl);
	smb2_hdr(w, s, h, ST_OK, le32(h + 36));
	mw_le16(w, 60);
	mw_zero(w, 58);
}

static void
smb2_read(struct smb *s, const uint8_t *h, const uint8_t *b, size_t blen,
    struct mw *w)
{
	struct smb_file *fl;
	const uint8_t *d;
	size_t n;
	uint32_t status;

	if (blen < 48 || (fl = smb2_file(s, b + 16)) == NULL) {
		smb2_error(w, s, h, ST_INVALID_HANDLE);
		return;
	}
	if (!fl->pipe) {
		smb2_error(w, s, h, ST_END_OF_FILE);
		return;
	}
	status = pipe_read(fl, le32(b + 4), &d, &n);
	if (status == ST_PIPE_EMPTY) {
		smb2_error(w, s, h, status);
		return;
	}
	smb2_hdr(w, s, h, status, le32(h + 36));
	mw_le16(w, 17);
	mw_u8(w, SMB2_HDR + 16);
	mw_u8(w, 0);
	mw_le32(w, (uint32_t)n);
	mw_le32(w, (uint32_t)(fl->nout - n));
	mw_le32(w, 0);
	pipe_reply(w, fl, d, n);
}

static void
smb2_write(struct flow *f, struct smb *s, const uint8_t *h, size_t hlen,
    const uint8_t *b, size_t blen, struct mw *w)
{
	struct smb_file *fl;
	size_t off, len;
	uint32_t status;

	if (blen < 48 || (fl = smb2_file(s, b + 16)) == NULL) {
		smb2_error(w, s, h, ST_INVALID_HANDLE);
		return;
	}
	off = le16(b + 2);
	len = le32(b + 4);
	if (off > hlen || len > hlen - off) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	status = file_write(f, "smb2", fl, le64(b + 8), h + off, len);
	if (status != ST_OK) {
		smb2_error(w, s, h, status);
		return;
	}
	smb2_hdr(w, s, h, ST_OK, le32(h + 36));
	mw_le16(w, 17);
	mw_le16(w, 0);
	mw_le32(w, (uint32_t)len);
	mw_zero(w, 9);
}

static void
smb2_ioctl(struct flow *f, struct smb *s, const uint8_t *h, size_t hlen,
    const uint8_t *b, size_t blen, struct mw *w)
{
	struct smb_file *fl;
	struct event ev;
	const uint8_t *d;
	size_t off, len, n;
	uint32_t ctl, status;

	if (blen < 56) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	ctl = le32(b + 4);
	if (ctl != FSCTL_PIPE_TRANSCEIVE) {
		vconn_event_init(f, &ev, NULL, "command");
		vconn_field(f, &ev, "proto", "smb2", 4);
		vconn_field(f, &ev, "command", "ioctl", 5);
		vconn_fieldf(f, &ev, "ctl_code", "0x%08x", ctl);
		vconn_event_emit(f, &ev);
		smb2_error(w, s, h, ctl == 0x00060194U ? ST_NOT_FOUND :
		    ST_NOT_SUPPORTED);
		return;
	}
	if ((fl = smb2_file(s, b + 8)) == NULL || !fl->pipe) {
		smb2_error(w, s, h, ST_INVALID_HANDLE);
		return;
	}
	off = le32(b + 24);
	len = le32(b + 28);
	if (off > hlen || len > hlen - off) {
		smb2_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	status = pipe_transceive(f, fl, h + off, len, le32(b + 44), &d, &n);
	if (status != ST_OK && status != ST_BUFFER_OVERFLOW) {
		smb2_error(w, s, h, status);
		return;
	}
	smb2_hdr(w, s, h, status, le32(h + 36));
	mw_le16(w, 49);
	mw_le16(w, 0);
	mw_le32(w, ctl);
	mw_bytes(w, b + 8, 16);
	mw_le32(w, SMB2_HDR + 48);
	mw_le32(w, 0);
	mw_le32(w, SMB2_HDR + 48);
	mw_le32(w, (uint32_t)n);
	mw_le32(w, 0);
	mw_le32(w, 0);
	pipe_reply(w, fl, d, n);
}

static const char *const smb2_names[] = {
	"negotiate", "session_setup", "logoff", "tree_connect",
	"tree_disconnect", "create", "close", "flush", "read", "write",
	"lock", "ioctl", "cancel", "echo", "query_directory",
	"change_notify", "query_info", "set_info", "oplock_break"
};

/* A command with no facts of its own, or refused before its handler. */
static void
command_event(struct flow *f, const char *proto, const char *name,
    unsigned code, uint32_t status)
{
	struct event ev;

	vconn_event_init(f, &ev, NULL, "command");
	vconn_field(f, &ev, "proto", proto, strlen(proto));
	if (name != NULL)
		vconn_field(f, &ev, "command", name, strlen(name));
	else
		vconn_fieldf(f, &ev, "command", "0x%02x", code);
	vconn_fieldf(f, &ev, "status", "0x%08x", status);
	vconn_event_emit(f, &ev);
}

/* One command of a compound at h (hlen bytes, its own part). */
static void
smb2_command(struct flow *f, struct smb *s, const uint8_t *h, size_t hlen,
    struct mw *w)
{
	const uint8_t *b = h + SMB2_HDR;
	size_t blen = hlen - SMB2_HDR;
	struct smb_tree *t;
	uint16_t cmd = le16(h + 12);
	const char *name = cmd < sizeof(smb2_names) / sizeof(smb2_names[0]) ?
	    smb2_names[cmd] : NULL;
	uint32_t refuse = ST_OK;

	if (cmd > SMB2_NEGOTIATE && cmd != SMB2_SESSION_SETUP &&
	    cmd != SMB2_ECHO && s->dialect == 0)
		refuse = ST_INVALID_PARAMETER;
	else if (cmd > SMB2_LOGOFF && cmd != SMB2_ECHO &&
	    cmd != SMB2_CANCEL && !s->authed)
		refuse = ST_SESSION_DELETED;
	if (refuse != ST_OK) {
		command_event(f, "smb2", name, cmd, refuse);
		smb2_error(w, s, h, refuse);
		return;
	}
	if (cmd == SMB2_LOGOFF || cmd == SMB2_TREE_DISCONNECT ||
	    cmd == SMB2_CANCEL || cmd == SMB2_ECHO)
		command_event(f, "smb2", name, cmd, ST_OK);
	switch (cmd) {
	case SMB2_NEGOTIATE:
		smb2_negotiate(f, s, h, b, blen, w);
		return;
	case SMB2_SESSION_SETUP:
		smb2_session_setup(f, s, h, hlen, b, blen, w);
		return;
	case SMB2_LOGOFF:
		s->authed = 0;
		smb2_empty(w, s, h, 0);
		return;
	case SMB2_TREE_CONNECT:
		smb2_tree_connect(f, s, h, hlen, b, blen, w);
		return;
	case SMB2_TREE_DISCONNECT:
		if ((t = tree_find(s, le32(h + 36))) == NULL) {
			smb2_error(w, s, h, ST_NAME_DELETED);
			return;
		}
		tree_disconnect(f, s, t);
		smb2_empty(w, s, h, le32(h + 36));
		return;
	case SMB2_CREATE:
		smb2_create(f, s, h, hlen, b, blen, w);
		return;
	case SMB2_CLOSE:
		smb2_close(f, s, h, b, blen, w);
		return;
	case SMB2_READ:
		smb2_read(s, h, b, blen, w);
		return;
	case SMB2_WRITE:
		smb2_write(f, s, h, hlen, b, blen, w);
		return;
	case SMB2_IOCTL:
		smb2_ioctl(f, s, h, hlen, b, blen, w);
		return;
	case SMB2_CANCEL:
		return;			/* no response (3.3.5.16) */
	case SMB2_ECHO:
		smb2_empty(w, s, h, 0);
		return;
	}
	command_event(f, "smb2", name, cmd, ST_NOT_SUPPORTED);
	smb2_error(w, s, h, ST_NOT_SUPPORTED);
}

/* An SMB2 message: a compound of commands, answered as one (3.3.5.2.7). */
static void
smb2_input(struct flow *f, struct smb *s, const uint8_t *m, size_t len,
    struct mw *w)
{
	size_t off = 0, base = w->len, prev = 0, start, clen, n;
	uint32_t next;
	int have = 0;

	for (n = 0; n < SMB_CHAIN_MAX && off + SMB2_HDR <= len; n++) {
		next = le32(m + off + 20);
		if (le16(m + off + 4) != SMB2_HDR ||
		    memcmp(m + off, "\xfeSMB", 4) != 0)
			break;
		if (next != 0 && (next < SMB2_HDR || next > len - off ||
		    next % 8 != 0))
			next = 0;
		clen = next != 0 ? next : len - off;
		if (have)
			mw_align(w, base, 8);
		start = w->len;
		smb2_command(f, s, m + off, clen, w);
		if (w->len > start) {
			if (have)
				mw_set32(w, prev + 20,
				    (uint32_t)(start - prev));
			prev = start;
			have = 1;
		} else
			w->len = start;
		if (next == 0)
			break;
		off += next;
	}
}

/* ---- SMB1 ----------------------------------------------------------- */

static size_t
smb1_hdr(struct mw *w, struct smb *s, const uint8_t *h, uint32_t status,
    uint16_t tid)
{
	size_t start = w->len;

	mw_bytes(w, h, 4);
	mw_u8(w, h[4]);
	mw_le32(w, status);
	/* Windows echoes the path flags and what it agrees to of flags2
	 * (nmap -sV matches these bytes). */
	mw_u8(w, (uint8_t)(0x80 | (h[9] & 0x18)));
	mw_le16(w, (uint16_t)(FL2_NT_STATUS | (le16(h + 10) &
	    (FL2_UNICODE | FL2_EXT_SEC | FL2_LONG_NAMES))));
	mw_bytes(w, h + 12, 12);		/* PIDHigh, signature, res. */
	mw_le16(w, tid);
	mw_bytes(w, h + 26, 2);			/* PID */
	mw_le16(w, (uint16_t)s->sid);
	mw_bytes(w, h + 30, 2);			/* MID */
	return start;
}

static void
smb1_error(struct mw *w, struct smb *s, const uint8_t *h, uint32_t status)
{
	smb1_hdr(w, s, h, status, le16(h + 24));
	mw_zero(w, 3);				/* WordCount, ByteCount */
}

/* A string in the reply: UTF-16 aligned to the header, or ASCII. */
static void
smb1_str(struct mw *w, size_t hs, int unicode, const char *str)
{
	if (unicode) {
		mw_align(w, hs, 2);
		mw_utf16(w, str);
		mw_le16(w, 0);
	} else
		mw_bytes(w, str, strlen(str) + 1);
}

/* A string of the request at *off (advanced), as UTF-8. */
static void
smb1_getstr(const uint8_t *m, size_t len, size_t *off, int unicode,
    char *out, size_t cap)
{
	size_t i, o = 0, n;

	out[0] = '\0';
	if (unicode) {
		*off += *off & 1;
		if (*off >= len)
			return;
		for (n = *off; n + 1 < len && le16(m + n) != 0; n += 2)
			;
		mw_from_utf16(m + *off, n - *off, out, cap);
		*off = n + 2;
		return;
	}
	for (i = *off; i < len && m[i] != 0; i++)
		if (o + 1 < cap)
			out[o++] = isprint(m[i]) ? (char)m[i] : '?';
	out[o] = '\0';
	*off = i + 1;
}

static void
smb1_negotiate(struct flow *f, struct smb *s, const uint8_t *h,
    const uint8_t *bytes, size_t nb, struct mw *w)
{
	char list[EVENT_VALUE_MAX], name[64];
	uint8_t guid[16];
	struct event ev;
	size_t off = 0, o = 0, l, bc;
	int idx = -1, i = 0, smb2 = 0, wild = 0, ext;
	uint16_t fl2 = le16(h + 10), d;

	list[0] = '\0';
	while (off < nb && bytes[off] == 0x02) {
		off++;
		for (l = 0; off + l < nb && bytes[off + l] != 0; l++)
			;
		snprintf(name, sizeof(name), "%.*s", (int)(l < 63 ? l : 63),
		    (const char *)bytes + off);
		if (o < sizeof(list) - 1)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", i > 0 ? "," : "", name);
		if (strcmp(name, "NT LM 0.12") == 0)
			idx = i;
		if (strcmp(name, "SMB 2.002") == 0)
			smb2 = 1;
		if (strcmp(name, "SMB 2.???") == 0)
			wild = 1;
		off += l + 1;
		i++;
	}
	if (o >= sizeof(list))
		list[sizeof(list) - 1] = '\0';
	vconn_event_init(f, &ev, NULL, "negotiate");
	vconn_field(f, &ev, "proto", "smb1", 4);
	vconn_field(f, &ev, "dialects", list, strlen(list));
	vconn_fieldf(f, &ev, "flags2", "0x%04x", fl2);
	/* MS-SMB2 3.3.5.3.1: the multi-protocol upgrade. */
	if (s->os->smb2_max != 0 && (smb2 || wild)) {
		vconn_field(f, &ev, "chosen", wild &&
		    s->os->smb2_max > 0x0202 ? "02ff" : "0202", 4);
		vconn_event_emit(f, &ev);
		d = wild && s->os->smb2_max > 0x0202 ? 0x02ff : 0x0202;
		if (d == 0x0202)
			s->dialect = d;	/* 2.0.2 alone: that is final */
		smb2_negotiate_resp(f, s, upgrade_hdr, d, w);
		return;
	}
	if (!s->os->smb1 || idx < 0) {
		vconn_field(f, &ev, "chosen", "none", 4);
		vconn_event_emit(f, &ev);
		if (!s->os->smb1) {
			s->dead = 1;	/* SMB1 is off: the host hangs up */
			return;
		}
		smb1_hdr(w, s, h, ST_OK, 0);
		mw_u8(w, 1);
		mw_le16(w, 0xffff);
		mw_le16(w, 0);
		return;
	}
	ext = (fl2 & FL2_EXT_SEC) != 0;
	vconn_field(f, &ev, "chosen", "NT LM 0.12", 10);
	vconn_field(f, &ev, "extended_security", ext ? "yes" : "no",
	    ext ? 3 : 2);
	vconn_event_emit(f, &ev);
	smb1_hdr(w, s, h, ST_OK, 0);
	mw_u8(w, 17);
	mw_le16(w, (uint16_t)idx);
	mw_u8(w, 0x03);			/* user level, encrypted passwords */
	mw_le16(w, s->os->mpx);
	mw_le16(w, 1);
	mw_le32(w, s->os->maxbuf);
	mw_le32(w, 65536);
	mw_le32(w, 0);
	mw_le32(w, s->os->caps | (ext ? 0x80000000U : 0));
	mw_le64(w, filetime_now(f));
	mw_le16(w, 0);			/* UTC */
	mw_u8(w, ext ? 0 : 8);
	bc = w->len;
	mw_le16(w, 0);
	if (ext) {
		server_guid(f, s, guid);
		mw_bytes(w, guid, 16);
		mw_bytes(w, spnego_init, sizeof(spnego_init));
	} else {
		vconn_random(f, s->challenge, sizeof(s->challenge));
		mw_bytes(w, s->challenge, 8);
		/* Domain and server: Unicode, unaligned after the key. */
		mw_utf16(w, SMB_WORKGROUP);
		mw_le16(w, 0);
		mw_utf16(w, s->host);
		mw_le16(w, 0);
	}
	mw_set16(w, bc, (uint16_t)(w->len - bc - 2));
}

/* NativeOS and NativeLanMan of a SESSION_SETUP_ANDX, as an event. */
static void
smb1_native_os(struct flow *f, const uint8_t *m, size_t len, size_t *off,
    int unicode)
{
	char nos[128], nlm[128];
	struct event ev;

	smb1_getstr(m, len, off, unicode, nos, sizeof(nos));
	smb1_getstr(m, len, off, unicode, nlm, sizeof(nlm));
	vconn_event_init(f, &ev, NULL, "session_setup");
	vconn_field(f, &ev, "proto", "smb1", 4);
	vconn_field(f, &ev, "native_os", nos, strlen(nos));
	vconn_field(f, &ev, "native_lanman", nlm, strlen(nlm));
	vconn_event_emit(f, &ev);
}

static void
smb1_session_setup(struct flow *f, struct smb *s, const uint8_t *h,
    size_t mlen, const uint8_t *words, size_t wc, size_t boff, size_t nb,
    struct mw *w)
{
	char user[128], domain[128];
	uint8_t tok[768];
	struct mw t;
	size_t off, hs, bc, l1, l2, blen;
	int uni = (le16(h + 10) & FL2_UNICODE) != 0, type;

	if (s->sid == 0)
		s->sid = 0x0800;
	if (wc == 12) {
		blen = le16(words + 14);
		if (blen > nb)
			blen = nb;
		off = boff + blen;
		smb1_native_os(f, h, boff + nb, &off, uni);
		mw_init(&t, tok, sizeof(tok));
		type = ntlm_input(f, s, "smb1", h + boff, blen, &t);
		if (type == 0 || t.err) {
			smb1_error(w, s, h, ST_LOGON_FAILURE);
			return;
		}
		if (type == 3)
			s->authed = 1;
		hs = smb1_hdr(w, s, h, type == 1 ? ST_MORE_PROCESSING : ST_OK,
		    0);
		mw_u8(w, 4);
		mw_u8(w, 0xff);
		mw_u8(w, 0);
		mw_le16(w, 0);
		mw_le16(w, 0);			/* Action */
		mw_le16(w, (uint16_t)t.len);
		bc = w->len;
		mw_le16(w, 0);
		mw_bytes(w, tok, t.len);
		smb1_str(w, hs, uni, s->os->native_os);
		smb1_str(w, hs, uni, s->os->lanman);
		smb1_str(w, hs, uni, "");
		mw_set16(w, bc, (uint16_t)(w->len - bc - 2));
		return;
	}
	if (wc != 13) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	/* MS-CIFS 2.2.4.53.1: plain LM/NTLM responses, then strings. */
	l1 = le16(words + 14);
	l2 = le16(words + 16);
	if (l1 > nb || l2 > nb - l1) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	off = boff + l1 + l2;
	smb1_getstr(h, boff + nb, &off, uni, user, sizeof(user));
	smb1_getstr(h, boff + nb, &off, uni, domain, sizeof(domain));
	smb1_native_os(f, h, boff + nb, &off, uni);
	login_event(f, s, "smb1", user, domain, NULL, h + boff, l1,
	    h + boff + l1, l2);
	s->authed = 1;
	(void)mlen;
	hs = smb1_hdr(w, s, h, ST_OK, 0);
	mw_u8(w, 3);
	mw_u8(w, 0xff);
	mw_u8(w, 0);
	mw_le16(w, 0);
	mw_le16(w, user[0] != '\0' ? 1 : 0);	/* guest */
	bc = w->len;
	mw_le16(w, 0);
	smb1_str(w, hs, uni, s->os->native_os);
	smb1_str(w, hs, uni, s->os->lanman);
	smb1_str(w, hs, uni, SMB_WORKGROUP);
	mw_set16(w, bc, (uint16_t)(w->len - bc - 2));
}

static void
smb1_tree_connect(struct flow *f, struct smb *s, const uint8_t *h,
    const uint8_t *words, size_t wc, size_t boff, size_t nb, struct mw *w)
{
	char path[SMB_NAME_MAX];
	size_t off, bc, hs;
	uint32_t tid = 0, status;
	int ipc, uni = (le16(h + 10) & FL2_UNICODE) != 0;

	if (wc != 4) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	off = boff + le16(words + 6);
	if (le16(words + 6) > nb) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	smb1_getstr(h, boff + nb, &off, uni, path, sizeof(path));
	status = tree_connect(f, s, "smb1", path, &tid, &ipc);
	if (status != ST_OK) {
		smb1_error(w, s, h, status);
		return;
	}
	hs = smb1_hdr(w, s, h, ST_OK, (uint16_t)tid);
	mw_u8(w, 7);
	mw_u8(w, 0xff);
	mw_u8(w, 0);
	mw_le16(w, 0);
	mw_le16(w, 0x0001);			/* SMB_SUPPORT_SEARCH_BITS */
	mw_le32(w, 0x001f01ff);
	mw_le32(w, 0x001f01ff);
	bc = w->len;
	mw_le16(w, 0);
	mw_bytes(w, ipc ? "IPC" : "A:", ipc ? 4 : 3);
	smb1_str(w, hs, uni, ipc ? "" : "NTFS");
	mw_set16(w, bc, (uint16_t)(w->len - bc - 2));
}

static void
smb1_nt_create(struct flow *f, struct smb *s, const uint8_t *h,
    const uint8_t *words, size_t wc, size_t boff, size_t nb, struct mw *w)
{
	char name[SMB_NAME_MAX];
	struct smb_file *fl;
	uint64_t now = filetime_now(f);
	size_t off = boff;
	uint32_t status;
	int uni = (le16(h + 10) & FL2_UNICODE) != 0, dir;

	if (wc != 24) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	smb1_getstr(h, boff + nb, &off, uni, name, sizeof(name));
	status = file_open(f, s, "smb1", tree_find(s, le16(h + 24)), name,
	    le32(words + 35), le32(words + 15), &fl);
	if (status != ST_OK) {
		smb1_error(w, s, h, status);
		return;
	}
	dir = !fl->pipe && fl->name[0] == '\0';
	smb1_hdr(w, s, h, ST_OK, le16(h + 24));
	mw_u8(w, 34);
	mw_u8(w, 0xff);
	mw_u8(w, 0);
	mw_le16(w, 0);
	mw_u8(w, 0);				/* no oplock */
	mw_le16(w, (uint16_t)fl->id);
	mw_le32(w, fl->pipe || dir ? 1 : 2);
	file_times(w, fl, now);
	mw_le32(w, dir ? 0x10 : 0x80);
	mw_le64(w, fl->pipe ? 4096 : 0);
	mw_le64(w, 0);
	mw_le16(w, fl->pipe ? 2 : 0);		/* FileTypeMessageModePipe */
	mw_le16(w, fl->pipe ? 0x05ff : 0);	/* NMPipeStatus */
	mw_u8(w, (uint8_t)dir);
	mw_le16(w, 0);
}

/*
 * The transactions a pipe does not answer: TRANS (MS-CIFS 2.2.4.33),
 * TRANS2 (2.2.4.46), NT_TRANS (2.2.4.62) and their secondaries, the
 * road of EternalBlue (MS17-010) and DoublePulsar.  Recorded with their
 * setup words and sizes.  A PeekNamedPipe on FID 0 is answered as an
 * unpatched Windows does (STATUS_INSUFF_SERVER_RESOURCES), the answer
 * worms and nmap's smb-vuln-ms17-010 look for.
 */
static void
smb1_trans_other(struct flow *f, struct smb *s, const uint8_t *h,
    const uint8_t *words, size_t wc, struct mw *w)
{
	static const struct {
		uint8_t		 cmd;
		const char	*name;
	} names[] = {
		{ SMB1_TRANS, "trans" },
		{ SMB1_TRANS_SECONDARY, "trans_secondary" },
		{ SMB1_TRANS2, "trans2" },
		{ SMB1_TRANS2_SECONDARY, "trans2_secondary" },
		{ SMB1_NT_TRANS, "nt_trans" },
		{ SMB1_NT_TRANS_SECONDARY, "nt_trans_secondary" },
	};
	char setup[4 * 8 + 1];
	struct event ev;
	const char *name = "trans";
	size_t i, nsetup = 0, so = 0;
	uint32_t status = ST_NOT_SUPPORTED, tparam = 0, tdata = 0;
	uint16_t fn = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cmd == h[4])
			name = names[i].name;
	if ((h[4] == SMB1_TRANS || h[4] == SMB1_TRANS2) && wc >= 14) {
		tparam = le16(words);
		tdata = le16(words + 2);
		nsetup = words[26];
		so = 28;
	} else if (h[4] == SMB1_NT_TRANS && wc >= 19) {
		tparam = le32(words + 3);
		tdata = le32(words + 7);
		fn = le16(words + 36);
		nsetup = words[35];
		so = 38;
	}
	if (so + 2 * nsetup > 2 * wc)
		nsetup = (2 * wc - so) / 2;
	if (nsetup > 8)
		nsetup = 8;
	setup[0] = '\0';
	for (i = 0; i < nsetup; i++)
		snprintf(setup + 4 * i, sizeof(setup) - 4 * i, "%04x",
		    le16(words + so + 2 * i));
	if (h[4] == SMB1_TRANS && nsetup >= 2 && le16(words + so) == 0x0023 &&
	    le16(words + so + 2) == 0)
		status = ST_INSUFF_SERVER;
	if (h[4] == SMB1_TRANS2 && nsetup >= 1 && le16(words + so) == 0x000e)
		status = ST_NOT_IMPLEMENTED;	/* no DoublePulsar here */
	vconn_event_init(f, &ev, NULL, "command");
	vconn_field(f, &ev, "proto", "smb1", 4);
	vconn_field(f, &ev, "command", name, strlen(name));
	if (h[4] == SMB1_NT_TRANS)
		vconn_fieldf(f, &ev, "function", "%u", fn);
	vconn_field(f, &ev, "setup", setup, strlen(setup));
	vconn_fieldf(f, &ev, "total_param", "%u", tparam);
	vconn_fieldf(f, &ev, "total_data", "%u", tdata);
	vconn_fieldf(f, &ev, "status", "0x%08x", status);
	vconn_event_emit(f, &ev);
	/* Secondaries get no answer (MS-CIFS 3.3.5.59). */
	if (h[4] != SMB1_TRANS_SECONDARY && h[4] != SMB1_TRANS2_SECONDARY &&
	    h[4] != SMB1_NT_TRANS_SECONDARY)
		smb1_error(w, s, h, status);
}

/* TRANSACTION with TransactNmPipe (MS-CIFS 2.2.5.6): a write and a read. */
static void
smb1_trans(struct flow *f, struct smb *s, const uint8_t *h, size_t mlen,
    const uint8_t *words, size_t wc, struct mw *w)
{
	struct smb_file *fl;
	const uint8_t *d;
	size_t doff, dlen, n, hs, bc;
	uint32_t status;

	if (wc != 16 || le16(words + 28) != 0x0026 ||
	    (fl = file_find(s, le16(words + 30))) == NULL || !fl->pipe) {
		smb1_trans_other(f, s, h, words, wc, w);
		return;
	}
	dlen = le16(words + 22);
	doff = le16(words + 24);
	if (doff > mlen || dlen > mlen - doff) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	status = pipe_transceive(f, fl, h + doff, dlen, le16(words + 6), &d,
	    &n);
	if (status != ST_OK && status != ST_BUFFER_OVERFLOW) {
		smb1_error(w, s, h, status);
		return;
	}
	hs = smb1_hdr(w, s, h, status, le16(h + 24));
	mw_u8(w, 10);
	mw_le16(w, 0);
	mw_le16(w, (uint16_t)n);
	mw_le16(w, 0);
	mw_le16(w, 0);
	mw_le16(w, 56);				/* ParameterOffset */
	mw_le16(w, 0);
	mw_le16(w, (uint16_t)n);
	mw_le16(w, 56);				/* DataOffset */
	mw_le16(w, 0);
	mw_u8(w, 0);
	mw_u8(w, 0);
	bc = w->len;
	mw_le16(w, 0);
	mw_align(w, hs, 4);
	pipe_reply(w, fl, d, n);
	mw_set16(w, bc, (uint16_t)(w->len - bc - 2));
}

static void
smb1_write(struct flow *f, struct smb *s, const uint8_t *h, size_t mlen,
    const uint8_t *words, size_t wc, struct mw *w)
{
	struct smb_file *fl;
	size_t doff, dlen;
	uint64_t off;
	uint32_t status;

	if ((wc != 12 && wc != 14) ||
	    (fl = file_find(s, le16(words + 4))) == NULL) {
		smb1_error(w, s, h, ST_INVALID_HANDLE);
		return;
	}
	dlen = le16(words + 20) | (size_t)le16(words + 18) << 16;
	doff = le16(words + 22);
	off = le32(words + 6);
	if (wc == 14)
		off |= (uint64_t)le32(words + 24) << 32;
	if (doff > mlen || dlen > mlen - doff) {
		smb1_error(w, s, h, ST_INVALID_PARAMETER);
		return;
	}
	if ((status = file_write(f, "smb1", fl, off, h + doff, dlen)) !=
	    ST_OK) {
		smb1_error(w, s, h, status);
		return;
	}
	smb1_hdr(w, s, h, ST_OK, le16(h + 24));
	mw_u8(w, 6);
	mw_u8(w, 0xff);
	mw_u8(w, 0);
	mw_le16(w, 0);
	mw_le16(w, (uint16_t)dlen);
	mw_le16(w, 0xffff);
	mw_le16(w, (uint16_t)(dlen >> 16));
	mw_le16(w, 0);
	mw_le16(w, 0);
}

static void
smb1_read(struct smb *s, const uint8_t *h, const uint8_t *words, size_t wc,
    struct mw *w)
{
	struct smb_file *fl;
	const uint8_t *d;
	size_t n, hs, bc, doff;
	uint32_t status;

	if ((wc != 10 && wc != 12) ||
	    (fl = file_find(s, le16(words + 4))) == NULL) {
		smb1_error(w, s, h, ST_INVALID_HANDLE);
		return;
	}
	if (!fl->pipe) {
		smb1_error(w, s, h, ST_END_OF_FILE);
		return;
	}
	status = pipe_read(fl, le16(words + 10), &d, &n);
	if (status == ST_PIPE_EMPTY) {
		smb1_error(w, s, h, status);
		return;
	}
	hs = smb1_hdr(w, s, h, status, le16(h + 24));
	mw_u8(w, 12);
	mw_u8(w, 0xff);
	mw_u8(w, 0);
	mw_le16(w, 0);
	mw_le16(w, 0xffff);			/* Available */
	mw_le16(w, 0);
	mw_le16(w, 0);
	mw_le16(w, (uint16_t)n);
	doff = w->len;
	mw_le16(w, 0);				/* DataOffset, patched */
	mw_zero(w, 10);
	bc = w->len;
	mw_le16(w, 0);
	mw_u8(w, 0);				/* pad */
	mw_set16(w, doff, (uint16_t)(w->len - hs));
	pipe_reply(w, fl, d, n);
	mw_set16(w, bc, (uint16_t)(w->len - bc - 2));
}

/* DELETE of a file on a disk share: recorded, and it is gone. */
static void
smb1_delete(struct flow *f, struct smb *s, const uint8_t *h, size_t boff,
    size_t nb, struct mw *w)
{
	char name[SMB_NAME_MAX];
	struct smb_tree *t = tree_find(s, le16(h + 24));
	struct event ev;
	size_t off = boff + 1;
	uint32_t status;

	name[0] = '\0';
	if (nb > 0)
		smb1_getstr(h, boff + nb, &off,
		    (le16(h + 10) & FL2_UNICODE) != 0, name, sizeof(name));
	status = t == NULL ? ST_NAME_DELETED : t->ipc ? ST_ACCESS_DENIED :
	    ST_OK;
	vconn_event_init(f, &ev, NULL, "delete");
	vconn_field(f, &ev, "proto", "smb1", 4);
	vconn_field(f, &ev, "name", name, strlen(name));
	vconn_fieldf(f, &ev, "status", "0x%08x", status);
	vconn_event_emit(f, &ev);
	smb1_error(w, s, h, status);
}

static void
smb1_command(struct flow *f, struct smb *s, const uint8_t *m, size_t len,
    uint8_t cmd, const uint8_t *words, size_t wc, size_t boff, size_t nb,
    struct mw *w)
{
	struct smb_tree *t;
	struct smb_file *fl;

	if (cmd != SMB1_NEGOTIATE && cmd != SMB1_SESSION_SETUP &&
	    cmd != SMB1_ECHO && !s->authed) {
		command_event(f, "smb1", NULL, cmd, ST_ACCESS_DENIED);
		smb1_error(w, s, m, ST_ACCESS_DENIED);
		return;
	}
	switch (cmd) {
	case SMB1_NEGOTIATE:
		smb1_negotiate(f, s, m, m + boff, nb, w);
		return;
	case SMB1_SESSION_SETUP:
		smb1_session_setup(f, s, m, len, words, wc, boff, nb, w);
		return;
	case SMB1_TREE_CONNECT:
		smb1_tree_connect(f, s, m, words, wc, boff, nb, w);
		return;
	case SMB1_NT_CREATE:
		smb1_nt_create(f, s, m, words, wc, boff, nb, w);
		return;
	case SMB1_TRANS:
		smb1_trans(f, s, m, len, words, wc, w);
		return;
	case SMB1_TRANS_SECONDARY:
	case SMB1_TRANS2:
	case SMB1_TRANS2_SECONDARY:
	case SMB1_NT_TRANS:
	case SMB1_NT_TRANS_SECONDARY:
		smb1_trans_other(f, s, m, words, wc, w);
		return;
	case SMB1_WRITE_ANDX:
		smb1_write(f, s, m, len, words, wc, w);
		return;
	case SMB1_READ_ANDX:
		smb1_read(s, m, words, wc, w);
		return;
	case SMB1_CLOSE:
		if (wc < 1 || (fl = file_find(s, le16(words))) == NULL) {
			smb1_error(w, s, m, ST_INVALID_HANDLE);
			return;
		}
		file_close(f, s, "smb1", fl);
		smb1_error(w, s, m, ST_OK);
		return;
	case SMB1_DELETE:
		/* MS-CIFS 2.2.4.7: BufferFormat 0x04, the name. */
		smb1_delete(f, s, m, boff, nb, w);
		return;
	case SMB1_TREE_DISCONNECT:
		command_event(f, "smb1", "tree_disconnect", cmd, ST_OK);
		if ((t = tree_find(s, le16(m + 24))) != NULL)
			tree_disconnect(f, s, t);
		smb1_error(w, s, m, ST_OK);
		return;
	case SMB1_LOGOFF:
		command_event(f, "smb1", "logoff", cmd, ST_OK);
		s->authed = 0;
		smb1_hdr(w, s, m, ST_OK, le16(m + 24));
		mw_u8(w, 2);
		mw_u8(w, 0xff);
		mw_zero(w, 5);
		return;
	case SMB1_ECHO:
		command_event(f, "smb1", "echo", cmd, ST_OK);
		smb1_hdr(w, s, m, ST_OK, le16(m + 24));
		mw_u8(w, 1);
		mw_le16(w, 1);
		mw_le16(w, (uint16_t)nb);
		mw_bytes(w, m + boff, nb);
		return;
	}
	command_event(f, "smb1", NULL, cmd, ST_NOT_IMPLEMENTED);
	smb1_error(w, s, m, ST_NOT_IMPLEMENTED);
}

/* The block (WordCount, words, ByteCount, bytes) at off of m: 0 or -1. */
static int
smb1_block(const uint8_t *m, size_t len, size_t off, const uint8_t **words,
    size_t *wc, size_t *boff, size_t *nb)
{
	if (off >= len)
		return -1;
	*wc = m[off];
	*words = m + off + 1;
	*boff = off + 1 + 2 * *wc + 2;
	if (*boff > len)
		return -1;
	*nb = le16(m + *boff - 2);
	if (*nb > len - *boff)
		*nb = len - *boff;
	return 0;
}

static int
smb1_is_andx(uint8_t cmd)
{
	return cmd == SMB1_SESSION_SETUP || cmd == SMB1_TREE_CONNECT ||
	    cmd == SMB1_NT_CREATE || cmd == SMB1_READ_ANDX ||
	    cmd == SMB1_WRITE_ANDX || cmd == SMB1_LOGOFF;
}

/*
 * An SMB1 message, with its AndX chain (MS-CIFS 2.2.3.4): each command
 * that succeeds passes on to the next, whose answer block is appended
 * to the first answer; the header ends with the last one's status,
 * tree and user.  The chain is as long as Windows allows, 3 commands.
 */
static void
smb1_input(struct flow *f, struct smb *s, const uint8_t *m, size_t len,
    struct mw *w)
{
	const uint8_t *words;
	uint8_t tmp[1024], cmd;
	size_t wc, boff, nb, start = w->len, blk, off, prev, n;
	struct mw t;

	if (len < SMB1_HDR + 3) {
		event_simple(f, "error", "error", "short smb1 message");
		return;
	}
	cmd = m[4];
	if (smb1_block(m, len, SMB1_HDR, &words, &wc, &boff, &nb) == -1) {
		smb1_error(w, s, m, ST_INVALID_PARAMETER);
		return;
	}
	smb1_command(f, s, m, len, cmd, words, wc, boff, nb, w);
	blk = start + SMB1_HDR;
	prev = SMB1_HDR;
	for (n = 1; n < 3 && smb1_is_andx(cmd) && wc >= 2 &&
	    words[0] != 0xff; n++) {
		if (w->err || w->len < blk + 5 || w->p[blk] < 2 ||
		    le32(w->p + start + 5) != ST_OK)
			break;
		off = le16(words + 2);
		cmd = words[0];
		if (off <= prev || smb1_block(m, len, off, &words, &wc, &boff,
		    &nb) == -1)
			break;
		prev = off;
		mw_init(&t, tmp, sizeof(tmp));
		smb1_command(f, s, m, len, cmd, words, wc, boff, nb, &t);
		if (t.err || t.len < SMB1_HDR + 3)
			break;
		w->p[blk + 1] = cmd;
		mw_set16(w, blk + 3, (uint16_t)(w->len - start));
		blk = w->len;
		mw_bytes(w, t.p + SMB1_HDR, t.len - SMB1_HDR);
		if (w->err)
			break;
		memcpy(w->p + start + 5, t.p + 5, 4);	/* status */
		memcpy(w->p + start + 24, t.p + 24, 2);	/* TID */
		memcpy(w->p + start + 28, t.p + 28, 2);	/* UID */
	}
}

/* ---- NetBIOS session service (RFC 1002 4.3) and the flow ------------ */

/* A first-level encoded name (RFC 1001 14.1) at d, 34 bytes, as text. */
static void
nb_name(const uint8_t *d, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;
	uint8_t c;

	out[0] = '\0';
	if (len < 34 || d[0] != 32)
		return;
	for (i = 0; i < 15; i++) {
		c = (uint8_t)(((unsigned)(d[1 + 2 * i] - 'A') & 0xf) << 4 |
		    ((unsigned)(d[2 + 2 * i] - 'A') & 0xf));
		if (o + 1 < cap)
			out[o++] = isprint(c) ? (char)c : '?';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static int
smb_send_frame(struct flow *f, struct mw *w)
{
	size_t n = w->len - 4;

	if (w->err) {
		event_simple(f, "error", "error", "answer too long");
		return 0;
	}
	if (n == 0)
		return 0;
	w->p[0] = 0;
	w->p[1] = (uint8_t)(n >> 16);
	w->p[2] = (uint8_t)(n >> 8);
	w->p[3] = (uint8_t)n;
	return vconn_send(f, w->p, w->len);
}

static int
smb_message(struct flow *f, struct smb *s, const uint8_t *m, size_t len)
{
	struct mw w;

	mw_init(&w, s->out, sizeof(s->out));
	mw_zero(&w, 4);
	if (len >= 4 && memcmp(m, "\xffSMB", 4) == 0)
		smb1_input(f, s, m, len, &w);
	else if (len >= 4 && memcmp(m, "\xfeSMB", 4) == 0 &&
	    s->os->smb2_max != 0)
		smb2_input(f, s, m, len, &w);
	else {
		event_simple(f, "error", "error", len >= 4 &&
		    memcmp(m + 1, "SMB", 3) == 0 ? "dialect not spoken" :
		    "not smb");
		s->dead = 1;
	}
	if (smb_send_frame(f, &w) == -1)
		return -1;
	if (s->dead)
		vconn_close(f);
	return 0;
}

static void
nbt_session(struct flow *f, const uint8_t *d, size_t len)
{
	static const uint8_t ok[4] = { 0x82, 0, 0, 0 };
	char called[16], calling[16];
	struct event ev;

	nb_name(d, len, called, sizeof(called));
	nb_name(len > 34 ? d + 34 : d, len > 34 ? len - 34 : 0, calling,
	    sizeof(calling));
	vconn_event_init(f, &ev, NULL, "nbt_session");
	vconn_field(f, &ev, "called", called, strlen(called));
	vconn_field(f, &ev, "calling", calling, strlen(calling));
	vconn_event_emit(f, &ev);
	(void)vconn_send(f, ok, sizeof(ok));
}

static int
smb_open_common(struct flow *f, void **state, int netbios)
{
	static const struct dcerpc_share builtin[3] = {
		{ "ADMIN$", 0x80000000U, "Remote Admin" },
		{ "C$", 0x80000000U, "Default share" },
		{ "IPC$", 0x80000003U, "Remote IPC" },
	};
	const char *arg, *p;
	struct smb *s;
	size_t n, i;

	if ((s = vconn_alloc(f, sizeof(*s))) == NULL)
		return -1;
	if (vconn_buf_init(f, &s->in, NBT_MAX + 4) == -1) {
		vconn_free(f, s, sizeof(*s));
		return -1;
	}
	s->netbios = (uint8_t)netbios;
	s->os = os_for(f);
	vconn_hostname(f, s->host, sizeof(s->host), 1);
	vconn_hostname(f, s->dns, sizeof(s->dns), 0);
	memcpy(s->shares, builtin, sizeof(builtin));
	s->nshares = 3;
	/* The service's words are the host's disk shares. */
	if ((arg = vconn_arg(f)) != NULL) {
		for (p = arg; *p != '\0' && s->nshares < 3 + SMB_SHARES;
		    p += n) {
			p += strspn(p, " \t");
			if ((n = strcspn(p, " \t")) == 0)
				break;
			i = s->nshares - 3;
			snprintf(s->names[i], sizeof(s->names[i]), "%.*s",
			    (int)n, p);
			s->shares[s->nshares].name = s->names[i];
			s->shares[s->nshares].type = 0;	/* STYPE_DISKTREE */
			s->shares[s->nshares].remark = "";
			s->nshares++;
		}
	}
	*state = s;
	return 0;
}

static int
smb_open(struct flow *f, void **state)
{
	return smb_open_common(f, state, 0);
}

static int
nbss_open(struct flow *f, void **state)
{
	return smb_open_common(f, state, 1);
}

/* The whole NBT messages at the front of s->in: 0, or -1 (reset). */
static int
smb_frames(struct flow *f, struct smb *s)
{
	static const uint8_t nak[5] = { 0x83, 0, 0, 1, 0x8f };
	const uint8_t *p;
	struct event ev;
	size_t n;

	while (!s->dead && s->in.len >= 4) {
		p = s->in.data;
		n = (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		if (n > NBT_MAX) {
			vconn_event_init(f, &ev, NULL, "error");
			vconn_field(f, &ev, "error", "nbt message too long",
			    20);
			vconn_fieldf(f, &ev, "length", "%zu", n);
			vconn_event_emit(f, &ev);
			s->dead = 1;
			vconn_close(f);
			return 0;
		}
		if (s->in.len < 4 + n)
			break;
		if (p[0] == 0x00 && s->netbios && !s->session) {
			/* RFC 1002 4.3.4: no session yet, "unspecified
			 * error", as Windows answers on 139. */
			event_simple(f, "error", "error", "no nbt session");
			(void)vconn_send(f, nak, sizeof(nak));
			s->dead = 1;
			vconn_close(f);
			return 0;
		}
		if (p[0] == 0x00) {
			if (smb_message(f, s, p + 4, n) == -1)
				return -1;
		} else if (p[0] == 0x81 && s->netbios) {
			nbt_session(f, p + 4, n);
			s->session = 1;
		} else if (p[0] != 0x85) {
			vconn_event_init(f, &ev, NULL, "error");
			vconn_fieldf(f, &ev, "nbt_type", "0x%02x", p[0]);
			vconn_event_emit(f, &ev);
		}
		buf_consume(&s->in, 4 + n);
	}
	return 0;
}

static int
smb_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct smb *s = state;
	size_t n;

	/* The buffer holds one message: feed it what fits, answer, go on. */
	while (len > 0 && !s->dead) {
		n = s->in.max - s->in.len;
		if (n > len)
			n = len;
		if (n == 0 || buf_add(&s->in, d, n) == -1)
			return -1;
		d += n;
		len -= n;
		if (smb_frames(f, s) == -1)
			return -1;
	}
	return 0;
}

static void
smb_close(struct flow *f, void *state)
{
	struct smb *s = state;
	size_t i;

	if (s == NULL)
		return;
	/* A push cut short by the peer's close is still a push. */
	for (i = 0; i < SMB_FILES; i++)
		if (s->files[i] != NULL)
			file_close(f, s, "", s->files[i]);
	vconn_buf_free(f, &s->in);
	vconn_free(f, s, sizeof(*s));
}

const struct vservice vservice_smb = {
	"smb", smb_open, smb_data, smb_close
};

const struct vservice vservice_netbios_ssn = {
	"netbios-ssn", nbss_open, smb_data, smb_close
};
