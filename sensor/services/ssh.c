/*
 * ssh: the start of an SSH-2 server (RFC 4253), enough for a scanner or
 * a client to see who answers and for us to see who asks.  Our
 * identification string is the flavour's (OpenSSH 3.9 on old Linux, 5.3
 * on 2.6, 8.4 Debian otherwise, Cisco or Dropbear on devices).  The
 * client's (§4.2) is a "banner" event (proto, software, its product and
 * version, comments); its first binary packet (§6), SSH_MSG_KEXINIT
 * (§7.1), is a "kexinit" event with the algorithm name-lists it offers
 * and its HASSH (the MD5 of
 * "kex;ciphers;macs;compression", client to server).  We send our own
 * KEXINIT after the client's identification, so `ssh -v` shows the
 * exchange and the algorithms it would agree on, then close after the
 * client's next packet: no key exchange, no authentication.
 */
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "event.h"
#include "vservice.h"

#define SSH_IDENT_MAX	255	/* §4.2, with CR LF */
#define SSH_PACKET_MAX	35000	/* §6.1 */
#define SSH_MSG_KEXINIT	20
#define SSH_LISTS	10	/* name-lists in a KEXINIT */

struct ssh_flavour {
	const char	*pattern;
	const char	*ident;
	const char	*kex, *hostkey, *ciphers, *macs, *comp;
};

static const char kex_old[] = "diffie-hellman-group-exchange-sha1,"
    "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1";
static const char ciphers_cbc[] = "aes128-cbc,3des-cbc,blowfish-cbc,"
    "cast128-cbc,arcfour,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,"
    "aes256-ctr";

static const struct ssh_flavour flavours[] = {
	{ "*linux 2.4*", "SSH-2.0-OpenSSH_3.9p1", kex_old, "ssh-rsa,ssh-dss",
	    ciphers_cbc, "hmac-md5,hmac-sha1,hmac-ripemd160,hmac-sha1-96,"
	    "hmac-md5-96", "none,zlib" },
	{ "*linux 2.6*", "SSH-2.0-OpenSSH_5.3",
	    "diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,"
	    "diffie-hellman-group1-sha1", "ssh-rsa,ssh-dss",
	    "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,"
	    "aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,aes192-cbc,"
	    "aes256-cbc", "hmac-md5,hmac-sha1,umac-64@openssh.com,"
	    "hmac-sha2-256,hmac-sha2-512,hmac-ripemd160",
	    "none,zlib@openssh.com" },
	{ "*cisco*", "SSH-1.99-Cisco-1.25", "diffie-hellman-group1-sha1",
	    "ssh-rsa", "aes128-cbc,3des-cbc,aes192-cbc,aes256-cbc",
	    "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96", "none" },
	{ "*router*", "SSH-1.99-Cisco-1.25", "diffie-hellman-group1-sha1",
	    "ssh-rsa", "aes128-cbc,3des-cbc,aes192-cbc,aes256-cbc",
	    "hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96", "none" },
	{ "*embedded*", "SSH-2.0-dropbear_2012.55",
	    "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1",
	    "ssh-rsa,ssh-dss", "aes128-ctr,3des-ctr,aes256-ctr,aes128-cbc,"
	    "3des-cbc,aes256-cbc", "hmac-sha1-96,hmac-sha1,hmac-md5",
	    "zlib@openssh.com,zlib,none" },
	{ "*windows*", "SSH-2.0-OpenSSH_for_Windows_7.7",
	    "curve25519-sha256,curve25519-sha256@libssh.org,"
	    "ecdh-sha2-nistp256,diffie-hellman-group14-sha1",
	    "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256,ssh-ed25519",
	    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	    "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	    "hmac-sha2-256,hmac-sha1", "none" },
	{ "*", "SSH-2.0-OpenSSH_8.4p1 Debian-5",
	    "curve25519-sha256,curve25519-sha256@libssh.org,"
	    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	    "diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256",
	    "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256,ssh-ed25519",
	    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
	    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	    "hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	    "none,zlib@openssh.com" },
};

enum ssh_st { ST_IDENT, ST_KEXINIT, ST_NEXT, ST_DONE };

struct ssh {
	const struct ssh_flavour *fl;
	uint8_t		 st;
	struct buf	 in;
};

static void
error_event(struct flow *f, const char *what)
{
	struct event ev;

	vconn_event_init(f, &ev, "ssh", "error");
	vconn_field(f, &ev, "error", what, strlen(what));
	vconn_event_emit(f, &ev);
}

static void
put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff,
	    v & 0xff };

	(void)buf_add(b, x, 4);
}

static void
put_list(struct buf *b, const char *s)
{
	put32(b, (uint32_t)strlen(s));
	(void)buf_addstr(b, s);
}

/* Our KEXINIT in a binary packet without encryption or MAC (§6). */
static int
send_kexinit(struct flow *f, const struct ssh *c)
{
	struct buf p;
	uint8_t cookie[16], seed[16], pad;
	uint64_t id = vconn_id(f), now = vconn_now_us(f);
	size_t plen, i;
	int rc = -1;

	/* The cookie only has to be unpredictable enough for a client
	 * that will never finish the exchange. */
	memcpy(seed, &id, 8);
	memcpy(seed + 8, &now, 8);
	if (gnutls_hash_fast(GNUTLS_DIG_MD5, seed, sizeof(seed), cookie) < 0)
		return -1;
	buf_init(&p, 4096);
	put32(&p, 0);			/* packet_length, below */
	(void)buf_addc(&p, 0);		/* padding_length, below */
	(void)buf_addc(&p, SSH_MSG_KEXINIT);
	(void)buf_add(&p, cookie, 16);
	put_list(&p, c->fl->kex);
	put_list(&p, c->fl->hostkey);
	put_list(&p, c->fl->ciphers);
	put_list(&p, c->fl->ciphers);
	put_list(&p, c->fl->macs);
	put_list(&p, c->fl->macs);
	put_list(&p, c->fl->comp);
	put_list(&p, c->fl->comp);
	put_list(&p, "");
	put_list(&p, "");
	(void)buf_addc(&p, 0);		/* first_kex_packet_follows */
	put32(&p, 0);			/* reserved */
	/* §6: at least 4 bytes of padding, the whole a multiple of 8. */
	pad = (uint8_t)(8 - p.len % 8);
	if (pad < 4)
		pad += 8;
	for (i = 0; i < pad; i++)
		(void)buf_addc(&p, cookie[i % 16]);
	if (p.len > 4 && p.len <= p.max) {
		plen = p.len - 4;
		p.data[0] = (uint8_t)(plen >> 24);
		p.data[1] = (uint8_t)(plen >> 16);
		p.data[2] = (uint8_t)(plen >> 8);
		p.data[3] = (uint8_t)plen;
		p.data[4] = pad;
		rc = vconn_send(f, p.data, p.len);
	}
	buf_free(&p);
	return rc;
}

/* "SSH-protoversion-softwareversion SP comments" (§4.2). */
static int
ident(struct flow *f, struct ssh *c, const uint8_t *l, size_t n)
{
	struct event ev;
	size_t i, p, s;

	if (n < 4 || memcmp(l, "SSH-", 4) != 0) {
		error_event(f, "not an SSH identification");
		(void)vconn_printf(f, "Invalid SSH identification string.\r\n");
		return -1;
	}
	for (p = 4; p < n && l[p] != '-'; p++)
		;
	for (s = p + 1; s < n && l[s] != ' '; s++)
		;
	vconn_event_init(f, &ev, "ssh", "banner");
	vconn_field(f, &ev, "proto", l + 4, p - 4);
	if (p < n) {
		vconn_field(f, &ev, "software", l + p + 1, s - p - 1);
		/* "OpenSSH_9.2p1": the product and its version, by the
		 * convention most implementations follow. */
		for (i = p + 1; i < s && l[i] != '_'; i++)
			;
		if (i < s && i > p + 1) {
			vconn_field(f, &ev, "product", l + p + 1, i - p - 1);
			vconn_field(f, &ev, "version", l + i + 1, s - i - 1);
		}
	}
	for (i = s; i < n && l[i] == ' '; i++)
		;
	if (i < n)
		vconn_field(f, &ev, "comments", l + i, n - i);
	vconn_event_emit(f, &ev);
	if (n < 8 || (memcmp(l + 4, "2.0-", 4) != 0 &&
	    memcmp(l + 4, "1.99-", 5) != 0)) {
		(void)vconn_printf(f, "Protocol major versions differ.\r\n");
		return -1;
	}
	return send_kexinit(f, c);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The KEXINIT payload (§7.1) after its message number. */
static int
kexinit(struct flow *f, const uint8_t *d, size_t n)
{
	static const char *const keys[SSH_LISTS] = { "kex", "hostkey",
	    "ciphers", "ciphers_sc", "macs", "macs_sc", "compression",
	    "compression_sc", "languages", "languages_sc" };
	const uint8_t *v[SSH_LISTS];
	uint32_t len[SSH_LISTS];
	struct event ev;
	gnutls_hash_hd_t md;
	uint8_t sum[16];
	char hex[33];
	size_t off = 16, i;

	if (n < off)
		return -1;	/* the cookie */
	for (i = 0; i < SSH_LISTS; i++) {
		if (n - off < 4)
			return -1;
		len[i] = get32(d + off);
		off += 4;
		if (len[i] > n - off)
			return -1;
		v[i] = d + off;
		off += len[i];
	}
	if (n - off < 5)
		return -1;
	vconn_event_init(f, &ev, "ssh", "kexinit");
	for (i = 0; i < SSH_LISTS; i++) {
		/* The server-to-client lists only where they differ. */
		if (i % 2 == 1 && i > 1 && len[i] == len[i - 1] &&
		    memcmp(v[i], v[i - 1], len[i]) == 0)
			continue;
		if (len[i] > 0)
			vconn_field(f, &ev, keys[i], v[i], len[i]);
	}
	if (d[off])
		vconn_field(f, &ev, "first_kex_follows", "true", 4);
	/* HASSH: md5("kex;enc_cs;mac_cs;comp_cs"). */
	if (gnutls_hash_init(&md, GNUTLS_DIG_MD5) == 0) {
		(void)gnutls_hash(md, v[0], len[0]);
		(void)gnutls_hash(md, ";", 1);
		(void)gnutls_hash(md, v[2], len[2]);
		(void)gnutls_hash(md, ";", 1);
		(void)gnutls_hash(md, v[4], len[4]);
		(void)gnutls_hash(md, ";", 1);
		(void)gnutls_hash(md, v[6], len[6]);
		gnutls_hash_deinit(md, sum);
		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", sum[i]);
		vconn_field(f, &ev, "hassh", hex, 32);
	}
	vconn_event_emit(f, &ev);
	return 0;
}

/* One binary packet in c->in: bytes used, 0 to wait, -1 to give up. */
static int
packet(struct flow *f, struct ssh *c)
{
	const uint8_t *d = c->in.data;
	uint32_t plen;
	size_t pad, paylen;

	if (c->in.len < 5)
		return 0;
	plen = get32(d);
	if (plen < 5 || plen > SSH_PACKET_MAX) {
		error_event(f, "bad packet length");
		return -1;
	}
	if (c->in.len < 4 + (size_t)plen)
		return 0;
	pad = d[4];
	if (pad + 1 >= plen) {
		error_event(f, "bad padding length");
		return -1;
	}
	paylen = plen - pad - 1;
	if (c->st == ST_NEXT) {
		c->st = ST_DONE;
		return -1;		/* seen enough: hang up */
	}
	if (d[5] != SSH_MSG_KEXINIT || kexinit(f, d + 6, paylen - 1) == -1) {
		error_event(f, "first packet is not a KEXINIT");
		return -1;
	}
	c->st = ST_NEXT;
	return (int)(4 + plen);
}

static int
ssh_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct ssh *c = state;
	const uint8_t *nl;
	size_t n, ll;
	int used;

	while (len > 0 && c->st != ST_DONE) {
		n = c->in.max - c->in.len;
		if (n > len)
			n = len;
		(void)buf_add(&c->in, d, n);
		d += n;
		len -= n;
		for (;;) {
			if (c->st == ST_IDENT) {
				nl = memchr(c->in.data, '\n', c->in.len);
				if (nl == NULL) {
					if (c->in.len < SSH_IDENT_MAX)
						break;
					error_event(f, "identification too "
					    "long");
					goto hangup;
				}
				n = (size_t)(nl - c->in.data) + 1;
				ll = n - 1;
				if (ll > 0 && c->in.data[ll - 1] == '\r')
					ll--;
				if (ident(f, c, c->in.data, ll) == -1)
					goto hangup;
				buf_consume(&c->in, n);
				c->st = ST_KEXINIT;
				continue;
			}
			if ((used = packet(f, c)) == -1)
				goto hangup;
			if (used == 0)
				break;
			buf_consume(&c->in, (size_t)used);
		}
	}
	return 0;
hangup:
	c->st = ST_DONE;
	buf_reset(&c->in);
	vconn_close(f);
	return 0;
}

static int
ssh_open(struct flow *f, void **state)
{
	struct ssh *c;

	if ((c = vconn_alloc(f, sizeof(*c))) == NULL)
		return -1;
	if (vconn_buf_init(f, &c->in, 4 + SSH_PACKET_MAX) == -1) {
		vconn_free(f, c, sizeof(*c));
		return -1;
	}
	*state = c;
	c->fl = vconn_flavour(f, flavours, sizeof(flavours) /
	    sizeof(flavours[0]), sizeof(flavours[0]));
	return vconn_printf(f, "%s\r\n", c->fl->ident);
}

static void
ssh_close(struct flow *f, void *state)
{
	struct ssh *c = state;

	if (c == NULL)
		return;
	vconn_buf_free(f, &c->in);
	vconn_free(f, c, sizeof(*c));
}

const struct vservice vservice_ssh = {
	"ssh", ssh_open, ssh_data, ssh_close
};
