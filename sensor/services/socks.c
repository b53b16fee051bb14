/*
 * socks, mydoom and bagle: the proxies and backdoors worms look for.
 *
 *	socks	(1080) SOCKS4 (socks4.protocol), 4a (socks4a.protocol) and
 *		5 (RFC 1928, with RFC 1929 username/password).  CONNECT is
 *		granted and the tunnel's bytes are recorded; nothing is ever
 *		connected.  BIND and UDP ASSOCIATE are refused.
 *	mydoom	(3127) the Mydoom backdoor as honeyd's mydoom.pl emulates
 *		it: 0x85 and the magic 0x133c9ea2, then an executable until
 *		the peer closes (an upload); or a SOCKS4 request, recorded
 *		and answered "rejected or failed".
 *	bagle	(2745) the Bagle backdoor: whatever is pushed is recorded
 *		and handed over as an upload.
 *
 * Requests are service events, type "request", with fields version
 * (4, 4a, 5), cmd, dst_host, dst_port, user and reply, the facts
 * mydoom.pl logs as "socks4 connect request: dst host: …, dst port: …".
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "event.h"
#include "vservice.h"

#define SOCKS_REQ_MAX	600	/* a request: 8 + userid + host, both
				   bounded at 255, or a SOCKS5 message */
#define SOCKS_NAME_MAX	255
#define MYDOOM_UPLOAD	0x85
#define MYDOOM_MAGIC	0x133c9ea2U

enum socks_mode { MODE_SOCKS, MODE_MYDOOM, MODE_BAGLE };

enum socks_st {
	ST_FIRST,	/* the first message */
	ST_S5_AUTH,	/* RFC 1929 sub-negotiation */
	ST_S5_REQ,	/* the SOCKS5 request */
	ST_UPLOAD,	/* everything to the upload until the close */
	ST_RECORD	/* recorded by the stack, nothing answered */
};

struct socks {
	uint8_t		 mode;
	uint8_t		 st;
	uint8_t		 cut;		/* the upload went past its cap */
	uint64_t	 pushed;	/* upload bytes seen */
	char		 user[SOCKS_NAME_MAX + 1];	/* SOCKS5 login */
	struct buf	 in;
	struct buf	 up;
};

static const char *
cmd_name(int version, uint8_t cd)
{
	switch (cd) {
	case 1: return "connect";
	case 2: return "bind";
	case 3: return version == 5 ? "udp_associate" : "unknown";
	}
	return "unknown";
}

/* A NUL-terminated name at d[off...], at most SOCKS_NAME_MAX: its
 * length, or -1 (incomplete: wait), or -2 (too long: not SOCKS). */
static int
cstr_at(const uint8_t *d, size_t len, size_t off)
{
	const uint8_t *nul;
	size_t n = len - off;

	if (off > len)
		return -1;
	if (n > SOCKS_NAME_MAX + 1)
		n = SOCKS_NAME_MAX + 1;
	if ((nul = memchr(d + off, 0, n)) == NULL)
		return n > SOCKS_NAME_MAX ? -2 : -1;
	return (int)(nul - (d + off));
}

static void
request_event(struct flow *f, const char *version, const char *cmd,
    const void *host, size_t hlen, unsigned port, const void *user,
    size_t ulen, const char *reply)
{
	struct event ev;

	vconn_event_init(f, &ev, "socks", "request");
	vconn_field(f, &ev, "version", version, strlen(version));
	vconn_field(f, &ev, "cmd", cmd, strlen(cmd));
	vconn_field(f, &ev, "dst_host", host, hlen);
	vconn_fieldf(f, &ev, "dst_port", "%u", port);
	if (user != NULL)
		vconn_field(f, &ev, "user", user, ulen);
	vconn_field(f, &ev, "reply", reply, strlen(reply));
	vconn_event_emit(f, &ev);
}

static void
error_event(struct flow *f, const char *service, const char *what,
    const uint8_t *d, size_t len)
{
	struct event ev;
	char hex[2 * 16 + 1];
	size_t i, n = len < 16 ? len : 16;

	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[2 * n] = '\0';
	vconn_event_init(f, &ev, service, "error");
	vconn_field(f, &ev, "error", what, strlen(what));
	vconn_field(f, &ev, "head", hex, 2 * n);
	vconn_event_emit(f, &ev);
}

/*
 * SOCKS4/4a: VN CD DSTPORT(2) DSTIP(4) USERID NUL [HOST NUL].  Returns
 * the bytes used, 0 to wait for more, -1 if it is not SOCKS4.
 */
static int
socks4(struct flow *f, struct socks *s, const uint8_t *d, size_t len)
{
	uint8_t rep[8];
	char ip[16];
	int ulen, hlen = 0, grant;
	unsigned port;
	size_t used;

	if (len < 9)
		return 0;
	if ((ulen = cstr_at(d, len, 8)) < 0)
		return ulen == -1 ? 0 : -1;
	used = 8 + (size_t)ulen + 1;
	port = (unsigned)d[2] << 8 | d[3];
	/* 4a: 0.0.0.x, x != 0, and the host name follows. */
	if (d[4] == 0 && d[5] == 0 && d[6] == 0 && d[7] != 0) {
		if ((hlen = cstr_at(d, len, used)) < 0)
			return hlen == -1 ? 0 : -1;
		used += (size_t)hlen + 1;
	}
	grant = s->mode == MODE_SOCKS && d[1] == 1;
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", d[4], d[5], d[6], d[7]);
	if (hlen > 0)
		request_event(f, "4a", cmd_name(4, d[1]), d + 8 + ulen + 1,
		    (size_t)hlen, port, d + 8, (size_t)ulen, grant ?
		    "granted" : "rejected");
	else
		request_event(f, "4", cmd_name(4, d[1]), ip, strlen(ip), port,
		    d + 8, (size_t)ulen, grant ? "granted" : "rejected");
	/* VN 0, CD 90 granted / 91 rejected or failed, DSTPORT, DSTIP. */
	rep[0] = 0;
	rep[1] = grant ? 90 : 91;
	memcpy(rep + 2, d + 2, 6);
	if (vconn_send(f, rep, sizeof(rep)) == -1)
		return -1;
	s->st = grant ? ST_RECORD : ST_FIRST;
	return (int)used;
}

/* SOCKS5 method selection: VER NMETHODS METHODS. */
static int
socks5_hello(struct flow *f, struct socks *s, const uint8_t *d, size_t len)
{
	uint8_t rep[2] = { 5, 0xff };
	size_t i, n;

	if (len < 2 || len < 2 + (size_t)d[1])
		return 0;
	n = d[1];
	for (i = 0; i < n; i++)
		if (d[2 + i] == 0x02)
			rep[1] = 0x02;	/* a login is worth more */
	if (rep[1] == 0xff)
		for (i = 0; i < n; i++)
			if (d[2 + i] == 0x00)
				rep[1] = 0x00;
	if (vconn_send(f, rep, 2) == -1)
		return -1;
	if (rep[1] == 0xff) {
		error_event(f, "socks", "no acceptable method", d, 2 + n);
		s->st = ST_RECORD;
		vconn_close(f);
	} else
		s->st = rep[1] == 0x02 ? ST_S5_AUTH : ST_S5_REQ;
	return (int)(2 + n);
}

/* RFC 1929: VER(1) ULEN UNAME PLEN PASSWD. */
static int
socks5_auth(struct flow *f, struct socks *s, const uint8_t *d, size_t len)
{
	static const uint8_t ok[2] = { 1, 0 };
	struct event ev;
	size_t ul, pl;

	if (len < 2)
		return 0;
	ul = d[1];
	if (len < 3 + ul || len < 3 + ul + d[2 + ul])
		return 0;
	pl = d[2 + ul];
	if (d[0] != 1)
		return -1;
	vconn_event_init(f, &ev, "socks", "login");
	vconn_field(f, &ev, "user", d + 2, ul);
	vconn_field(f, &ev, "password", d + 3 + ul, pl);
	vconn_event_emit(f, &ev);
	memcpy(s->user, d + 2, ul);
	s->user[ul] = '\0';
	if (vconn_send(f, ok, 2) == -1)
		return -1;
	s->st = ST_S5_REQ;
	return (int)(3 + ul + pl);
}

/* RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT. */
static int
socks5_req(struct flow *f, struct socks *s, const uint8_t *d, size_t len)
{
	uint8_t rep[10] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	char host[64];
	const void *hp = host;
	size_t alen, hlen;
	unsigned port;
	int grant;

	if (len < 5)
		return 0;
	if (d[0] != 5)
		return -1;
	switch (d[3]) {
	case 1:
		alen = 4;
		break;
	case 3:
		alen = 1 + (size_t)d[4];
		break;
	case 4:
		alen = 16;
		break;
	default:
		return -1;
	}
	if (len < 4 + alen + 2)
		return 0;
	port = (unsigned)d[4 + alen] << 8 | d[5 + alen];
	if (d[3] == 1) {
		snprintf(host, sizeof(host), "%u.%u.%u.%u", d[4], d[5], d[6],
		    d[7]);
		hlen = strlen(host);
	} else if (d[3] == 4) {
		struct addr a;

		memset(&a, 0, sizeof(a));
		a.af = AF_INET6;
		memcpy(a.a, d + 4, 16);
		addr_fmt(&a, host, sizeof(host));
		hlen = strlen(host);
	} else {
		hp = d + 5;
		hlen = d[4];
	}
	grant = d[1] == 1;
	request_event(f, "5", cmd_name(5, d[1]), hp, hlen, port,
	    s->user[0] != '\0' ? s->user : NULL, strlen(s->user),
	    grant ? "granted" : "rejected");
	/* REP 0 succeeded, 7 command not supported; BND 0.0.0.0:0 is what
	 * many servers send (the client ignores it for CONNECT). */
	rep[1] = grant ? 0 : 7;
	if (vconn_send(f, rep, sizeof(rep)) == -1)
		return -1;
	s->st = ST_RECORD;
	if (!grant)
		vconn_close(f);
	return (int)(4 + alen + 2);
}

static void
upload_add(struct socks *s, const uint8_t *d, size_t len)
{
	size_t room = s->up.max - s->up.len;

	if (len > room) {
		s->cut = 1;
		len = room;
	}
	(void)buf_add(&s->up, d, len);
}

/* The first message on a mydoom port: an upload, SOCKS4, or noise. */
static int
mydoom_first(struct flow *f, struct socks *s, const uint8_t *d, size_t len)
{
	uint32_t magic;

	if (d[0] == 4)
		return socks4(f, s, d, len);
	if (d[0] != MYDOOM_UPLOAD) {
		error_event(f, "mydoom", "unknown command", d, len);
		s->st = ST_RECORD;
		return (int)len;
	}
	if (len < 5)
		return 0;
	magic = (uint32_t)d[1] << 24 | (uint32_t)d[2] << 16 |
	    (uint32_t)d[3] << 8 | d[4];
	if (magic != MYDOOM_MAGIC) {
		error_event(f, "mydoom", "unknown upload signature", d, len);
		s->st = ST_RECORD;
		return (int)len;
	}
	s->st = ST_UPLOAD;
	return 5;
}

static int
first(struct flow *f, struct socks *s, const uint8_t *d, size_t len)
{
	if (s->mode == MODE_MYDOOM)
		return mydoom_first(f, s, d, len);
	if (d[0] == 4)
		return socks4(f, s, d, len);
	if (d[0] == 5)
		return socks5_hello(f, s, d, len);
	return -1;
}

/* Messages in s->in, as many as are complete. */
static int
drain(struct flow *f, struct socks *s)
{
	int n;

	while (s->in.len > 0) {
		switch (s->st) {
		case ST_FIRST:
			n = first(f, s, s->in.data, s->in.len);
			break;
		case ST_S5_AUTH:
			n = socks5_auth(f, s, s->in.data, s->in.len);
			break;
		case ST_S5_REQ:
			n = socks5_req(f, s, s->in.data, s->in.len);
			break;
		case ST_UPLOAD:
			s->pushed += s->in.len;
			upload_add(s, s->in.data, s->in.len);
			n = (int)s->in.len;
			break;
		default:
			buf_reset(&s->in);
			return 0;
		}
		if (n == -1) {
			error_event(f, s->mode == MODE_MYDOOM ? "mydoom" :
			    "socks", "not socks", s->in.data, s->in.len);
			buf_reset(&s->in);
			s->st = ST_RECORD;
			vconn_close(f);
			return 0;
		}
		if (n == 0)
			break;
		buf_consume(&s->in, (size_t)n);
	}
	if (s->in.len == s->in.max) {
		/* A message no SOCKS server would wait for. */
		error_event(f, "socks", "request too long", s->in.data,
		    s->in.len);
		buf_reset(&s->in);
		s->st = ST_RECORD;
		vconn_close(f);
	}
	return 0;
}

static int
socks_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct socks *s = state;
	size_t n;

	while (len > 0) {
		if (s->st == ST_RECORD)
			return 0;
		if (s->st == ST_UPLOAD) {
			s->pushed += len;
			upload_add(s, d, len);
			return 0;
		}
		n = s->in.max - s->in.len;
		if (n > len)
			n = len;
		(void)buf_add(&s->in, d, n);
		d += n;
		len -= n;
		if (drain(f, s) == -1)
			return -1;
	}
	return 0;
}

static int
open_mode(struct flow *f, void **state, enum socks_mode mode)
{
	struct socks *s;

	if ((s = vconn_alloc(f, sizeof(*s))) == NULL)
		return -1;
	if (vconn_buf_init(f, &s->in, SOCKS_REQ_MAX) == -1) {
		vconn_free(f, s, sizeof(*s));
		return -1;
	}
	if (mode != MODE_SOCKS &&
	    vconn_buf_init(f, &s->up, VSERVICE_UPLOAD_MAX) == -1) {
		vconn_buf_free(f, &s->in);
		vconn_free(f, s, sizeof(*s));
		return -1;
	}
	s->mode = (uint8_t)mode;
	s->st = mode == MODE_BAGLE ? ST_UPLOAD : ST_FIRST;
	*state = s;
	return 0;
}

static int
socks_open(struct flow *f, void **state)
{
	return open_mode(f, state, MODE_SOCKS);
}

static int
mydoom_open(struct flow *f, void **state)
{
	return open_mode(f, state, MODE_MYDOOM);
}

static int
bagle_open(struct flow *f, void **state)
{
	return open_mode(f, state, MODE_BAGLE);
}

/* What a push holds: where its executable starts, or a URL to fetch
 * (Bagle's backdoor takes either). */
static void
push_facts(struct flow *f, struct event *ev, const uint8_t *d, size_t len)
{
	const uint8_t *mz, *end;
	size_t n = len < 4096 ? len : 4096, i;

	for (mz = d; (mz = memchr(mz, 'M', n - (size_t)(mz - d))) != NULL &&
	    mz + 1 < d + n; mz++)
		if (mz[1] == 'Z') {
			vconn_fieldf(f, ev, "pe_offset", "%zu",
			    (size_t)(mz - d));
			break;
		}
	for (i = 0; i + 7 <= n; i++)
		if (memcmp(d + i, "http://", 7) == 0 ||
		    (i + 8 <= n && memcmp(d + i, "https://", 8) == 0) ||
		    memcmp(d + i, "ftp://", 6) == 0) {
			for (end = d + i; end < d + n && *end > ' ' &&
			    *end < 0x7f; end++)
				;
			vconn_field(f, ev, "url", d + i,
			    (size_t)(end - (d + i)));
			break;
		}
}

static void
socks_close(struct flow *f, void *state)
{
	struct socks *s = state;
	struct event ev;
	const char *svc;

	if (s == NULL)
		return;
	if (s->pushed > 0) {
		svc = s->mode == MODE_MYDOOM ? "mydoom" : "bagle";
		vconn_event_init(f, &ev, svc, "upload");
		vconn_fieldf(f, &ev, "size", "%llu",
		    (unsigned long long)s->pushed);
		vconn_fieldf(f, &ev, "kept", "%zu", s->up.len);
		if (s->cut)
			vconn_field(f, &ev, "truncated", "yes", 3);
		push_facts(f, &ev, s->up.data, s->up.len);
		vconn_event_emit(f, &ev);
		(void)vconn_upload(f, svc, s->up.data, s->up.len);
	}
	vconn_buf_free(f, &s->in);
	if (s->mode != MODE_SOCKS)
		vconn_buf_free(f, &s->up);
	vconn_free(f, s, sizeof(*s));
}

const struct vservice vservice_socks = {
	"socks", socks_open, socks_data, socks_close
};

const struct vservice vservice_mydoom = {
	"mydoom", mydoom_open, socks_data, socks_close
};

const struct vservice vservice_bagle = {
	"bagle", bagle_open, socks_data, socks_close
};
