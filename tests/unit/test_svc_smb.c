/*
 * smb, netbios-ssn and msrpc through the stack: SMB1 and SMB2 negotiate
 * per personality (MS-CIFS 2.2.4.52, MS-SMB2 2.2.3/2.2.4), the NTLMSSP
 * exchange (MS-NLMP 2.2.1), a share list over srvsvc (MS-SRVS
 * 3.1.4.8), a write handed over as an upload, the RFC 1002 session
 * service, and DCE/RPC binds and calls on 135 (C706 ch. 12).  The nmap
 * SMBProgNeg bytes are nmap-service-probes' own.
 */
#include "test_svc.h"

static const char cfg[] =
	S_SENSOR
	"create win2k\n"
	"set win2k personality \"Microsoft Windows 2000 SP4\"\n"
	"add win2k tcp port 135 internal \"msrpc\"\n"
	"add win2k tcp port 139 internal \"netbios-ssn\"\n"
	"add win2k tcp port 445 internal \"smb\"\n"
	"create win7\n"
	"set win7 personality \"Microsoft Windows 7 Professional SP1\"\n"
	"add win7 tcp port 445 internal \"smb SHARED SCANS\"\n"
	"create win10\n"
	"set win10 personality \"Microsoft Windows 10\"\n"
	"add win10 tcp port 445 internal \"smb\"\n"
	"bind 10.0.0.50 win2k\n"
	"bind 10.0.0.51 win7\n"
	"bind 10.0.0.52 win10\n";

#define WIN2K	"10.0.0.50"
#define WIN7	"10.0.0.51"
#define WIN10	"10.0.0.52"

static int
setup(void **state)
{
	return h_new(state, cfg);
}

static void
p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)v);
	p16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) | (uint32_t)g16(p + 2) << 16;
}

/* Send one NBT session message (type 0) in segments of 1200 bytes. */
static void
m_send(struct harness *h, struct s_conn *c, const uint8_t *m, size_t len)
{
	uint8_t *b = malloc(len + 4);
	size_t off, n;

	assert_non_null(b);
	b[0] = 0;
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	memcpy(b + 4, m, len);
	for (off = 0; off < len + 4; off += n) {
		n = len + 4 - off < 1200 ? len + 4 - off : 1200;
		s_send(h, c, b + off, n);
	}
	free(b);
}

/* The first NBT message received (after reset), its length in *n. */
static const uint8_t *
m_reply(struct s_conn *c, size_t *n)
{
	assert_true(c->ngot >= 4);
	*n = (size_t)c->got[1] << 16 | (size_t)c->got[2] << 8 | c->got[3];
	assert_int_equal(c->ngot, *n + 4);
	return c->got + 4;
}

/* nmap-service-probes' SMBProgNeg, NBT framing and all. */
static const uint8_t progneg[] =
	"\0\0\0\xa4\xff\x53\x4d\x42\x72\0\0\0\0\x08\x01\x40\0\0\0\0\0\0\0\0"
	"\0\0\0\0\0\0\x40\x06\0\0\x01\0\0\x81\0\x02PC NETWORK PROGRAM 1.0\0"
	"\x02MICROSOFT NETWORKS 1.03\0\x02MICROSOFT NETWORKS 3.0\0"
	"\x02LANMAN1.0\0\x02LM1.2X002\0\x02Samba\0\x02NT LANMAN 1.0\0"
	"\x02NT LM 0.12\0";

static void
test_smb1_negotiate_answers_like_windows_2000(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const uint8_t *r;
	const struct event *e;
	size_t n;

	s_open(h, &c, WIN2K, 40000, 445);
	s_send(h, &c, progneg, sizeof(progneg) - 1);
	r = m_reply(&c, &n);
	assert_true(n > 37 + 34);
	assert_memory_equal(r, "\xffSMBr", 5);
	assert_int_equal(g32(r + 5), 0);		/* status */
	assert_int_equal(r[9], 0x88);
	assert_int_equal(g16(r + 10), 0x4001);
	assert_int_equal(r[32], 17);			/* WordCount */
	assert_int_equal(g16(r + 33), 7);		/* NT LM 0.12 */
	assert_int_equal(g16(r + 36), 50);		/* MaxMpxCount */
	assert_int_equal(g32(r + 40), 16644);		/* MaxBufferSize */
	assert_int_equal(g32(r + 52), 0x0000f3fd);	/* Capabilities */
	assert_int_equal(r[66], 8);			/* challenge length */
	/* Domain and server name, UTF-16, after the challenge. */
	assert_memory_equal(r + 69 + 8, "W\0O\0R\0K\0G\0R\0O\0U\0P\0\0\0", 20);
	assert_memory_equal(r + 69 + 28, "W\0I\0N\0002\0K\0\0\0", 12);
	e = s_svc_ev(h, "negotiate", 0);
	assert_field(e, "proto", "smb1");
	assert_field(e, "chosen", "NT LM 0.12");
	assert_field(e, "extended_security", "no");
	assert_non_null(strstr(s_field(e, "dialects"), "LANMAN1.0,LM1.2X002"));
}

static size_t
smb2_hdr(uint8_t *m, uint16_t cmd, uint64_t mid, uint64_t sid, uint32_t tid)
{
	memset(m, 0, 64);
	memcpy(m, "\xfeSMB", 4);
	p16(m + 4, 64);
	p16(m + 12, cmd);
	p16(m + 14, 1);
	p32(m + 24, (uint32_t)mid);
	p32(m + 36, tid);
	p32(m + 40, (uint32_t)sid);
	p32(m + 44, (uint32_t)(sid >> 32));
	return 64;
}

static size_t
smb2_negotiate(uint8_t *m, const uint16_t *d, size_t nd)
{
	size_t o = smb2_hdr(m, 0, 0, 0, 0), i;

	memset(m + o, 0, 36);
	p16(m + o, 36);
	p16(m + o + 2, (uint16_t)nd);
	p16(m + o + 4, 1);
	memcpy(m + o + 12, "0123456789abcdef", 16);
	o += 36;
	for (i = 0; i < nd; i++, o += 2)
		p16(m + o, d[i]);
	return o;
}

static const uint16_t all_dialects[] = {
	0x0202, 0x0210, 0x0300, 0x0302, 0x0311
};

static void
test_smb2_negotiate_picks_the_personalitys_dialect(void **state)
{
	struct harness *h = *state;
	uint8_t m[256];
	struct s_conn c;
	const uint8_t *r;
	const struct event *e;
	size_t n;

	s_open(h, &c, WIN7, 40001, 445);
	m_send(h, &c, m, smb2_negotiate(m, all_dialects, 5));
	r = m_reply(&c, &n);
	assert_memory_equal(r, "\xfeSMB", 4);
	assert_int_equal(g32(r + 8), 0);
	assert_int_equal(g16(r + 64), 65);
	assert_int_equal(g16(r + 68), 0x0210);		/* Windows 7: 2.1 */
	assert_int_equal(g16(r + 70), 0);		/* no contexts */
	/* The security blob is SPNEGO offering NTLMSSP. */
	assert_int_equal(g16(r + 120), 128);
	assert_memory_equal(r + 128 + 4, "\x2b\x06\x01\x05\x05\x02", 6);
	e = s_svc_ev(h, "negotiate", 0);
	assert_field(e, "proto", "smb2");
	assert_field(e, "dialects", "0202,0210,0300,0302,0311");
	assert_field(e, "chosen", "0210");
	assert_field(e, "client_guid", "30313233343536373839616263646566");

	s_reset_got(&c);
	s_open(h, &c, WIN10, 40002, 445);
	m_send(h, &c, m, smb2_negotiate(m, all_dialects, 5));
	r = m_reply(&c, &n);
	assert_int_equal(g16(r + 68), 0x0311);
	assert_int_equal(g16(r + 70), 1);		/* preauth context */
	assert_true(g32(r + 124) % 8 == 0 && g32(r + 124) + 8 + 38 <= n);
	assert_int_equal(g16(r + g32(r + 124)), 1);
	assert_int_equal(g16(r + g32(r + 124) + 12), 0x0001);	/* SHA-512 */
}

static void
test_smb1_multiprotocol_negotiate_upgrades_to_smb2(void **state)
{
	static const uint8_t neg[] =
	    "\xffSMBr" "\0\0\0\0" "\x18" "\x43\xc8" "\0\0" "\0\0\0\0\0\0\0\0"
	    "\0\0" "\0\0" "\xfe\xff" "\0\0" "\0\0" "\0" "\x22\0"
	    "\x02NT LM 0.12\0\x02SMB 2.002\0\x02SMB 2.???\0";
	struct harness *h = *state;
	struct s_conn c;
	const uint8_t *r;
	size_t n;

	s_open(h, &c, WIN7, 40003, 445);
	m_send(h, &c, neg, sizeof(neg) - 1);
	r = m_reply(&c, &n);
	assert_memory_equal(r, "\xfeSMB", 4);
	assert_int_equal(g16(r + 68), 0x02ff);
	assert_field(s_svc_ev(h, "negotiate", 0), "chosen", "02ff");

	/* Windows 2000 knows nothing of SMB2: NT LM 0.12 it is. */
	s_open(h, &c, WIN2K, 40004, 445);
	m_send(h, &c, neg, sizeof(neg) - 1);
	r = m_reply(&c, &n);
	assert_memory_equal(r, "\xffSMBr", 5);
	assert_int_equal(g16(r + 33), 0);
	assert_int_equal(g32(r + 52), 0x8000f3fd);	/* extended security */
}

static void
test_smb2_to_windows_2000_is_dropped(void **state)
{
	struct harness *h = *state;
	uint8_t m[256];
	struct s_conn c;

	s_open(h, &c, WIN2K, 40005, 445);
	m_send(h, &c, m, smb2_negotiate(m, all_dialects, 5));
	assert_int_equal(c.ngot, 0);
	assert_int_equal(c.fin, 1);
	assert_field(s_svc_ev(h, "error", 0), "error", "dialect not spoken");
}

/* NTLMSSP NEGOTIATE_MESSAGE, bare (MS-NLMP 2.2.1.1). */
static const uint8_t ntlm_neg[] =
	"NTLMSSP\0\x01\0\0\0\x15\x82\x08\x62\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

static size_t
smb2_session(uint8_t *m, uint64_t sid, const uint8_t *blob, size_t blen)
{
	size_t o = smb2_hdr(m, 1, 1, sid, 0);

	memset(m + o, 0, 24);
	p16(m + o, 25);
	p16(m + o + 12, 64 + 24);
	p16(m + o + 14, (uint16_t)blen);
	memcpy(m + o + 24, blob, blen);
	return o + 24 + blen;
}

static void
put_field(uint8_t *msg, size_t field, size_t *off, const void *d,
    size_t n)
{
	p16(msg + field, (uint16_t)n);
	p16(msg + field + 2, (uint16_t)n);
	p32(msg + field + 4, (uint32_t)*off);
	memcpy(msg + *off, d, n);
	*off += n;
}

/* AUTHENTICATE_MESSAGE (2.2.1.3), Unicode, with an NTLMv2 response. */
static size_t
ntlm_auth(uint8_t *a, const char *user)
{
	uint8_t u[64], nt[40];
	size_t off = 72, i, ul = strlen(user);

	memset(a, 0, 72);
	memcpy(a, "NTLMSSP\0\x03\0\0\0", 12);
	for (i = 0; i < ul; i++) {
		u[2 * i] = (uint8_t)user[i];
		u[2 * i + 1] = 0;
	}
	for (i = 0; i < sizeof(nt); i++)
		nt[i] = (uint8_t)i;
	put_field(a, 12, &off, "", 0);
	put_field(a, 20, &off, nt, ul > 0 ? sizeof(nt) : 0);
	put_field(a, 28, &off, "C\0O\0R\0P\0", 8);
	put_field(a, 36, &off, u, 2 * ul);
	put_field(a, 44, &off, "W\0S\0001\0", 6);
	p32(a + 60, 0x62088215);
	return off;
}

/* Negotiate 2.1 and log in; returns the session id. */
static uint64_t
smb2_login(struct harness *h, struct s_conn *c, const char *user)
{
	uint8_t m[512], a[256];
	const uint8_t *r;
	size_t n;
	uint64_t sid;

	m_send(h, c, m, smb2_negotiate(m, all_dialects, 2));
	s_reset_got(c);
	m_send(h, c, m, smb2_session(m, 0, ntlm_neg, sizeof(ntlm_neg) - 1));
	r = m_reply(c, &n);
	assert_int_equal(g32(r + 8), 0xc0000016);	/* MORE_PROCESSING */
	sid = g32(r + 40) | (uint64_t)g32(r + 44) << 32;
	assert_true(sid != 0);
	s_reset_got(c);
	m_send(h, c, m, smb2_session(m, sid, a, ntlm_auth(a, user)));
	r = m_reply(c, &n);
	assert_int_equal(g32(r + 8), 0);
	assert_int_equal(g16(r + 66), user[0] == '\0' ? 2 : 1);
	s_reset_got(c);
	return sid;
}

static void
test_ntlm_challenge_tells_host_and_windows_version(void **state)
{
	struct harness *h = *state;
	uint8_t m[512];
	struct s_conn c;
	const uint8_t *r, *ch, *ti;
	size_t n, tilen;

	s_open(h, &c, WIN7, 40006, 445);
	m_send(h, &c, m, smb2_negotiate(m, all_dialects, 2));
	s_reset_got(&c);
	m_send(h, &c, m, smb2_session(m, 0, ntlm_neg, sizeof(ntlm_neg) - 1));
	r = m_reply(&c, &n);
	assert_int_equal(g16(r + 64), 9);
	ch = r + g16(r + 68);
	assert_int_equal(g16(r + 70), n - g16(r + 68));
	/* A bare NEGOTIATE gets a bare CHALLENGE. */
	assert_memory_equal(ch, "NTLMSSP\0\x02\0\0\0", 12);
	assert_int_equal(ch[48], 6);			/* VERSION 6.1.7601 */
	assert_int_equal(ch[49], 1);
	assert_int_equal(g16(ch + 50), 7601);
	assert_int_equal(ch[55], 0x0f);
	assert_memory_equal(ch + g32(ch + 16), "W\0I\0N\0007\0", 8);
	ti = ch + g32(ch + 44);
	tilen = g16(ch + 40);
	/* MsvAvNbDomainName, MsvAvNbComputerName: the host's name. */
	assert_int_equal(g16(ti), 2);
	assert_memory_equal(ti + 4, "W\0I\0N\0007\0", 8);
	assert_int_equal(g16(ti + 12), 1);
	assert_non_null(memmem(ti, tilen, "\x03\0\x08\0w\0i\0n\0007\0", 12));
	assert_field(s_svc_ev(h, "session_setup", 0), "ntlmssp", "negotiate");
}

static void
test_ntlm_authenticate_is_a_login_with_netntlm(void **state)
{
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;
	const char *line;

	s_open(h, &c, WIN7, 40007, 445);
	(void)smb2_login(h, &c, "alice");
	e = s_svc_ev(h, "login", 0);
	assert_field(e, "user", "alice");
	assert_field(e, "domain", "CORP");
	assert_field(e, "workstation", "WS1");
	assert_field(e, "anonymous", "no");
	assert_field(e, "hash_type", "netntlmv2");
	/* user::domain:challenge:NTProofStr:blob (hashcat 5600). */
	line = s_field(e, "netntlm");
	assert_non_null(line);
	assert_int_equal(strncmp(line, "alice::CORP:", 12), 0);
	assert_int_equal(strlen(line), 12 + 16 + 1 + 32 + 1 + 48);
	assert_string_equal(line + 12 + 17,
	    "000102030405060708090a0b0c0d0e0f:"
	    "101112131415161718191a1b1c1d1e1f2021222324252627");
}

static size_t
smb2_tree(uint8_t *m, uint64_t sid, const char *path)
{
	size_t o = smb2_hdr(m, 3, 3, sid, 0), i, l = strlen(path);

	memset(m + o, 0, 8);
	p16(m + o, 9);
	p16(m + o + 4, 64 + 8);
	p16(m + o + 6, (uint16_t)(2 * l));
	for (i = 0; i < l; i++) {
		m[o + 8 + 2 * i] = (uint8_t)path[i];
		m[o + 9 + 2 * i] = 0;
	}
	return o + 8 + 2 * l;
}

static size_t
smb2_create(uint8_t *m, uint64_t sid, uint32_t tid, const char *name,
    uint32_t disposition)
{
	size_t o = smb2_hdr(m, 5, 4, sid, tid), i, l = strlen(name);

	memset(m + o, 0, 56);
	p16(m + o, 57);
	p32(m + o + 24, 0x0012019f);
	p32(m + o + 36, disposition);
	p16(m + o + 44, 64 + 56);
	p16(m + o + 46, (uint16_t)(2 * l));
	for (i = 0; i < l; i++) {
		m[o + 56 + 2 * i] = (uint8_t)name[i];
		m[o + 57 + 2 * i] = 0;
	}
	return o + 56 + 2 * l + (l == 0);
}

/* Tree connect and create; returns the volatile file id. */
static uint64_t
smb2_open(struct harness *h, struct s_conn *c, uint64_t sid,
    const char *path, const char *name, uint32_t *tid)
{
	uint8_t m[512];
	const uint8_t *r;
	size_t n;

	m_send(h, c, m, smb2_tree(m, sid, path));
	r = m_reply(c, &n);
	assert_int_equal(g32(r + 8), 0);
	*tid = g32(r + 36);
	s_reset_got(c);
	m_send(h, c, m, smb2_create(m, sid, *tid, name, 5));
	r = m_reply(c, &n);
	assert_int_equal(g32(r + 8), 0);
	assert_int_equal(g16(r + 64), 89);
	s_reset_got(c);
	return g32(r + 64 + 72) | (uint64_t)g32(r + 64 + 76) << 32;
}

static size_t
smb2_ioctl(uint8_t *m, uint64_t sid, uint32_t tid, uint64_t fid,
    const uint8_t *in, size_t len)
{
	size_t o = smb2_hdr(m, 11, 5, sid, tid);

	memset(m + o, 0, 56);
	p16(m + o, 57);
	p32(m + o + 4, 0x0011c017);
	p32(m + o + 8, (uint32_t)fid);
	p32(m + o + 16, (uint32_t)fid);
	p32(m + o + 24, 64 + 56);
	p32(m + o + 28, (uint32_t)len);
	p32(m + o + 44, 4280);
	p32(m + o + 48, 1);
	memcpy(m + o + 56, in, len);
	return o + 56 + len;
}

/* DCE/RPC BIND to srvsvc 3.0 with NDR (C706 12.6.4.3). */
static const uint8_t srvsvc_bind[] =
	"\x05\0\x0b\x03\x10\0\0\0\x48\0\0\0\x01\0\0\0\xb8\x10\xb8\x10\0\0\0\0"
	"\x01\0\0\0\0\0\x01\0\xc8\x4f\x32\x4b\x70\x16\xd3\x01\x12\x78\x5a\x47"
	"\xbf\x6e\xe1\x88\x03\0\0\0\x04\x5d\x88\x8a\xeb\x1c\xc9\x11\x9f\xe8"
	"\x08\0\x2b\x10\x48\x60\x02\0\0\0";

/* REQUEST NetrShareEnum (opnum 15), level 1, server name "\\x". */
static const uint8_t share_enum[] =
	"\x05\0\x00\x03\x10\0\0\0\x4c\0\0\0\x02\0\0\0\x34\0\0\0\0\0\x0f\0"
	"\0\0\x02\0\x04\0\0\0\0\0\0\0\x04\0\0\0\\\0\\\0x\0\0\0"
	"\x01\0\0\0\x01\0\0\0\x04\0\x02\0\0\0\0\0\0\0\0\0"
	"\xff\xff\xff\xff\0\0\0\0";

static void
test_srvsvc_share_enum_lists_the_shares(void **state)
{
	struct harness *h = *state;
	uint8_t m[512];
	struct s_conn c;
	const uint8_t *r, *out;
	const struct event *e;
	uint64_t sid, fid;
	uint32_t tid;
	size_t n;

	s_open(h, &c, WIN7, 40008, 445);
	sid = smb2_login(h, &c, "");
	assert_field(s_svc_ev(h, "login", 0), "anonymous", "yes");
	fid = smb2_open(h, &c, sid, "\\\\10.0.0.51\\IPC$", "srvsvc", &tid);
	m_send(h, &c, m, smb2_ioctl(m, sid, tid, fid, srvsvc_bind,
	    sizeof(srvsvc_bind) - 1));
	r = m_reply(&c, &n);
	assert_int_equal(g32(r + 8), 0);
	out = r + g32(r + 64 + 32);
	assert_int_equal(out[2], 12);			/* BIND_ACK */
	assert_int_equal(g16(out + 24), 13);		/* "\PIPE\srvsvc" */
	assert_memory_equal(out + 26, "\\PIPE\\srvsvc", 13);
	assert_int_equal(out[40], 1);			/* one result */
	assert_int_equal(g16(out + 44), 0);		/* acceptance */
	s_reset_got(&c);
	m_send(h, &c, m, smb2_ioctl(m, sid, tid, fid, share_enum,
	    sizeof(share_enum) - 1));
	r = m_reply(&c, &n);
	out = r + g32(r + 64 + 32);
	assert_int_equal(out[2], 2);			/* RESPONSE */
	assert_int_equal(g32(out + 24), 1);		/* level 1 */
	assert_int_equal(g32(out + 36), 5);		/* EntriesRead */
	assert_non_null(memmem(out, g16(out + 8), "I\0P\0C\0$\0\0\0", 10));
	assert_non_null(memmem(out, g16(out + 8), "S\0C\0A\0N\0S\0\0\0", 12));
	assert_int_equal(g32(out + g16(out + 8) - 4), 0);	/* WERR_OK */
	e = s_svc_ev(h, "rpc_bind", 0);
	assert_field(e, "iface_name", "srvsvc");
	assert_field(e, "pipe", "srvsvc");
	e = s_svc_ev(h, "rpc_call", 0);
	assert_field(e, "opnum", "15");
	assert_field(e, "answer", "share_enum");
	assert_field(s_svc_ev(h, "tree_connect", 0), "share", "IPC$");
	assert_field(s_svc_ev(h, "create", 0), "name", "srvsvc");
}

static void
test_write_to_a_share_is_an_upload_on_close(void **state)
{
	struct harness *h = *state;
	static uint8_t data[3000], m[4096];
	struct s_conn c;
	const uint8_t *r;
	uint64_t sid, fid;
	uint32_t tid;
	size_t i, o, n, half = sizeof(data) / 2;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	s_open(h, &c, WIN7, 40009, 445);
	sid = smb2_login(h, &c, "");
	fid = smb2_open(h, &c, sid, "\\\\10.0.0.51\\SHARED", "msblast.exe",
	    &tid);
	/* Second half first: the file is put together by offset. */
	for (i = 0; i < 2; i++) {
		o = smb2_hdr(m, 9, 6 + i, sid, tid);
		memset(m + o, 0, 48);
		p16(m + o, 49);
		p16(m + o + 2, 64 + 48);
		p32(m + o + 4, (uint32_t)half);
		p32(m + o + 8, (uint32_t)(i == 0 ? half : 0));
		p32(m + o + 16, (uint32_t)fid);
		p32(m + o + 24, (uint32_t)fid);
		memcpy(m + o + 48, data + (i == 0 ? half : 0), half);
		m_send(h, &c, m, o + 48 + half);
		r = m_reply(&c, &n);
		assert_int_equal(g32(r + 8), 0);
		assert_int_equal(g32(r + 64 + 4), half);
		s_reset_got(&c);
	}
	assert_null(h_find_ev(h, EVENT_UPLOAD, 0));
	o = smb2_hdr(m, 6, 8, sid, tid);
	memset(m + o, 0, 24);
	p16(m + o, 24);
	p32(m + o + 8, (uint32_t)fid);
	p32(m + o + 16, (uint32_t)fid);
	m_send(h, &c, m, o + 24);
	r = m_reply(&c, &n);
	assert_int_equal(g32(r + 8), 0);
	s_assert_upload(h, data, sizeof(data));
	assert_string_equal(h_find_ev(h, EVENT_UPLOAD, 0)->u.upload.name,
	    "msblast.exe");
	assert_field(s_svc_ev(h, "write", 1), "offset", "0");
	assert_field(s_svc_ev(h, "close", 0), "written", "3000");
}

static void
test_netbios_ssn_wants_a_session_request_first(void **state)
{
	/* RFC 1002 4.3.2: called "*SMBSERVER", calling "NMAP". */
	static const uint8_t req[] =
	    "\x81\0\0\x44 CKFDENECFDEFFCFGEFFCCACACACACACA\0"
	    " EOENEBFACACACACACACACACACACACACA\0";
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	s_open(h, &c, WIN2K, 40010, 139);
	s_send(h, &c, req, sizeof(req) - 1);
	assert_int_equal(c.ngot, 4);
	assert_memory_equal(c.got, "\x82\0\0\0", 4);
	e = s_svc_ev(h, "nbt_session", 0);
	assert_field(e, "called", "*SMBSERVER");
	assert_field(e, "calling", "NMAP");
	s_reset_got(&c);
	s_send(h, &c, progneg, sizeof(progneg) - 1);
	assert_memory_equal(c.got + 4, "\xffSMBr", 5);

	/* SMB before the session request: "unspecified error". */
	s_open(h, &c, WIN2K, 40011, 139);
	s_send(h, &c, progneg, sizeof(progneg) - 1);
	assert_int_equal(c.ngot, 5);
	assert_memory_equal(c.got, "\x83\0\0\x01\x8f", 5);
	assert_int_equal(c.fin, 1);
}

static void
test_nbt_message_past_the_limit_closes(void **state)
{
	static const uint8_t big[] = "\0\x02\0\0\xffSMB";
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	s_open(h, &c, WIN7, 40012, 445);
	s_send(h, &c, big, sizeof(big) - 1);
	assert_int_equal(c.fin, 1);
	e = s_svc_ev(h, "error", 0);
	assert_field(e, "error", "nbt message too long");
	assert_field(e, "length", "131072");
}

static void
test_msrpc_records_blasters_interface_and_opnum(void **state)
{
	/* BIND to IRemoteActivation 0.0 (MS03-026) with NDR. */
	static const uint8_t bind[] =
	    "\x05\0\x0b\x03\x10\0\0\0\x48\0\0\0\x7f\0\0\0\xd0\x16\xd0\x16\0\0\0\0"
	    "\x01\0\0\0\x01\0\x01\0\xb8\x4a\x9f\x4d\x1c\x7d\xcf\x11\x86\x1e\0\x20"
	    "\xaf\x6e\x7c\x57\0\0\0\0\x04\x5d\x88\x8a\xeb\x1c\xc9\x11\x9f\xe8"
	    "\x08\0\x2b\x10\x48\x60\x02\0\0\0";
	static const uint8_t call[] =
	    "\x05\0\x00\x03\x10\0\0\0\x20\0\0\0\x80\0\0\0\x08\0\0\0\x01\0\x00\0"
	    "AAAAAAAA";
	struct harness *h = *state;
	struct s_conn c;
	const struct event *e;

	s_open(h, &c, WIN2K, 40013, 135);
	s_send(h, &c, bind, sizeof(bind) - 1);
	assert_true(c.ngot >= 60);
	assert_int_equal(c.got[2], 12);
	assert_int_equal(g16(c.got + 8), c.ngot);
	assert_int_equal(g32(c.got + 12), 0x7f);	/* call_id */
	assert_memory_equal(c.got + 26, "135", 4);
	assert_int_equal(g16(c.got + 36), 0);		/* accepted */
	s_reset_got(&c);
	s_send(h, &c, call, sizeof(call) - 1);
	assert_int_equal(c.got[2], 3);			/* FAULT */
	assert_int_equal(g32(c.got + 24), 0x1c010002);
	e = s_svc_ev(h, "rpc_bind", 0);
	assert_field(e, "iface", "4d9f4ab8-7d1c-11cf-861e-0020af6e7c57");
	assert_field(e, "iface_name", "IRemoteActivation");
	assert_field(e, "ctx_id", "1");
	e = s_svc_ev(h, "rpc_call", 0);
	assert_field(e, "iface_name", "IRemoteActivation");
	assert_field(e, "opnum", "0");
	assert_field(e, "stub_len", "8");

	/* Not DCE/RPC: BIND_NAK, version 5.0, as nmap -sV knows it. */
	s_open(h, &c, WIN2K, 40014, 135);
	s_send(h, &c, progneg, sizeof(progneg) - 1);
	assert_int_equal(c.ngot, 24);
	assert_memory_equal(c.got, "\x05\0\x0d\x03\x10\0\0\0\x18\0", 10);
	assert_memory_equal(c.got + 16, "\x04\0\x01\x05\0", 5);
	assert_int_equal(c.fin, 1);
}

/* An SMB1 request: header, words, bytes (MS-CIFS 2.2.3.1). */
static size_t
smb1_req(uint8_t *m, uint8_t cmd, uint16_t uid, uint16_t tid,
    const uint8_t *words, size_t wc, const void *bytes, size_t nb)
{
	memset(m, 0, 32);
	memcpy(m, "\xffSMB", 4);
	m[4] = cmd;
	m[9] = 0x18;
	p16(m + 10, 0x4001);		/* ASCII, like nmap */
	p16(m + 24, tid);
	p16(m + 26, 0x0640);
	p16(m + 28, uid);
	p16(m + 30, 1);
	m[32] = (uint8_t)wc;
	if (wc > 0)
		memcpy(m + 33, words, 2 * wc);
	p16(m + 33 + 2 * wc, (uint16_t)nb);
	memcpy(m + 35 + 2 * wc, bytes, nb);
	return 35 + 2 * wc + nb;
}

static void
test_ms17_010_peek_looks_unpatched_and_is_recorded(void **state)
{
	struct harness *h = *state;
	uint8_t m[512], wd[64];
	struct s_conn c;
	const uint8_t *r;
	const struct event *e;
	size_t n;
	uint16_t uid, tid;

	s_open(h, &c, WIN7, 40015, 445);
	m_send(h, &c, m, smb1_req(m, 0x72, 0, 0, NULL, 0, "\x02NT LM 0.12",
	    12));
	s_reset_got(&c);
	/* SESSION_SETUP_ANDX, no extended security: an empty login. */
	memset(wd, 0, 26);
	wd[0] = 0xff;
	p16(wd + 4, 0xffff);
	m_send(h, &c, m, smb1_req(m, 0x73, 0, 0, wd, 13, "\0\0\0\0", 4));
	r = m_reply(&c, &n);
	assert_int_equal(g32(r + 5), 0);
	uid = g16(r + 28);
	/* Native OS, LAN manager, domain: ASCII as asked. */
	assert_non_null(memmem(r, n, "Windows 7 Professional 7601 Service Pack 1"
	    "\0Windows 7 Professional 6.1\0WORKGROUP\0", 70));
	s_reset_got(&c);
	memset(wd, 0, 8);
	wd[0] = 0xff;
	p16(wd + 6, 1);
	m_send(h, &c, m, smb1_req(m, 0x75, uid, 0, wd, 4,
	    "\0\\\\10.0.0.51\\IPC$\0?????", 23));
	r = m_reply(&c, &n);
	assert_int_equal(g32(r + 5), 0);
	assert_memory_equal(r + n - 5, "IPC\0", 4);
	tid = g16(r + 24);
	s_reset_got(&c);
	/* nmap's smb-vuln-ms17-010: PeekNamedPipe on FID 0. */
	memset(wd, 0, 32);
	p16(wd + 4, 0xffff);
	p16(wd + 6, 0xffff);
	p16(wd + 20, 0x4a);
	p16(wd + 24, 0x4a);
	wd[26] = 2;
	p16(wd + 28, 0x0023);
	m_send(h, &c, m, smb1_req(m, 0x25, uid, tid, wd, 16, "\\PIPE\\\0",
	    7));
	r = m_reply(&c, &n);
	assert_int_equal(r[4], 0x25);
	assert_int_equal(g32(r + 5), 0xc0000205);
	e = s_svc_ev(h, "command", 0);
	assert_field(e, "command", "trans");
	assert_field(e, "setup", "00230000");
	assert_field(e, "status", "0xc0000205");
	assert_field(s_svc_ev(h, "login", 0), "anonymous", "yes");
	assert_field(s_svc_ev(h, "tree_connect", 0), "path",
	    "\\\\10.0.0.51\\IPC$");
}

static void
test_smb1_andx_chain_logs_in_and_connects(void **state)
{
	struct harness *h = *state;
	uint8_t m[512], wd[32];
	struct s_conn c;
	const uint8_t *r;
	size_t n, o;

	s_open(h, &c, WIN2K, 40016, 445);
	m_send(h, &c, m, smb1_req(m, 0x72, 0, 0, NULL, 0, "\x02NT LM 0.12",
	    12));
	s_reset_got(&c);
	/* SESSION_SETUP_ANDX (no password) + TREE_CONNECT_ANDX IPC$, as
	 * Windows XP's redirector sends them. */
	memset(wd, 0, 26);
	wd[0] = 0x75;
	p16(wd + 4, 0xffff);
	o = smb1_req(m, 0x73, 0, 0, wd, 13, "\0\0\0\0", 4);
	p16(m + 33 + 2, (uint16_t)o);		/* AndXOffset */
	m[o] = 4;
	memset(m + o + 1, 0, 8);
	m[o + 1] = 0xff;
	p16(m + o + 7, 1);			/* PasswordLength */
	p16(m + o + 9, 23);
	memcpy(m + o + 11, "\0\\\\10.0.0.50\\IPC$\0?????", 23);
	m_send(h, &c, m, o + 11 + 23);
	r = m_reply(&c, &n);
	assert_int_equal(r[4], 0x73);
	assert_int_equal(g32(r + 5), 0);
	assert_true(g16(r + 24) != 0);		/* the tree's id */
	assert_true(g16(r + 28) != 0);		/* the session's */
	assert_int_equal(r[32], 3);
	assert_int_equal(r[33], 0x75);		/* AndXCommand */
	o = g16(r + 35);
	assert_true(o > 32 && o + 1 + 14 + 2 <= n);
	assert_int_equal(r[o], 7);		/* TREE_CONNECT_ANDX answer */
	assert_int_equal(r[o + 1], 0xff);
	assert_memory_equal(r + n - 5, "IPC\0", 4);
	assert_field(s_svc_ev(h, "login", 0), "proto", "smb1");
	assert_field(s_svc_ev(h, "tree_connect", 0), "share", "IPC$");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_delete)
		T(test_smb1_negotiate_answers_like_windows_2000),
		T(test_smb2_negotiate_picks_the_personalitys_dialect),
		T(test_smb1_multiprotocol_negotiate_upgrades_to_smb2),
		T(test_smb2_to_windows_2000_is_dropped),
		T(test_ntlm_challenge_tells_host_and_windows_version),
		T(test_ntlm_authenticate_is_a_login_with_netntlm),
		T(test_srvsvc_share_enum_lists_the_shares),
		T(test_write_to_a_share_is_an_upload_on_close),
		T(test_netbios_ssn_wants_a_session_request_first),
		T(test_nbt_message_past_the_limit_closes),
		T(test_msrpc_records_blasters_interface_and_opnum),
		T(test_ms17_010_peek_looks_unpatched_and_is_recorded),
		T(test_smb1_andx_chain_logs_in_and_connects),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
