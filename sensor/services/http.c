/*
 * http and http-proxy: a web server (RFC 9112) in the flavour of the
 * template's OS (IIS 5/5.1/6, Apache, an embedded device's), and an open
 * proxy (Squid) that records what it is asked to fetch or tunnel and
 * never connects anywhere.
 *
 * Requests are read head first (request line and headers, bounded), then
 * the body by Content-Length or chunked (RFC 9112 §7.1), kept up to
 * HTTP_BODY_KEEP and handed over as an upload for POST and PUT, then
 * answered; pipelined requests are answered in order.  A chunk size past
 * 2^31 is the chunked-encoding overflow of Apache (CVE-2002-0392, the
 * Scalper worm) and IIS (CVE-2002-0079): an "exploit" event, and 400.  Every request is one service event, type "request",
 * or "proxy" for CONNECT and absolute-form targets.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "event.h"
#include "vservice.h"

#define HTTP_HEAD_MAX		8192	/* request line and headers */
#define HTTP_HEADERS_MAX	64
#define HTTP_BODY_KEEP		(256 * 1024)
#define HTTP_REQS_MAX		100	/* Apache's MaxKeepAliveRequests */
#define HTTP_OUT_MAX		4096
#define HTTP_METHOD_MAX		31
#define HTTP_CHUNK_LINE		80	/* chunk-size line, trailer line */
#define HTTP_TRAILERS_MAX	64

enum http_style { STYLE_APACHE, STYLE_IIS, STYLE_EMBEDDED, STYLE_SQUID };

struct http_flavour {
	const char	*pattern;	/* fnmatch on vconn_os, case-folded */
	enum http_style	 style;
	const char	*server;	/* the Server header */
	const char	*title;		/* of the index page */
	const char	*body;		/* of the index page */
};

static const struct http_flavour flavours[] = {
	{ "*windows*2003*", STYLE_IIS, "Microsoft-IIS/6.0",
	    "Under Construction",
	    "<h1>Under Construction</h1>\r\n<p>The site you are trying to view "
	    "does not currently have a default page. It may be in the process "
	    "of being upgraded and configured.</p>" },
	{ "*windows*xp*", STYLE_IIS, "Microsoft-IIS/5.1",
	    "Under Construction",
	    "<h1>Under Construction</h1>\r\n<p>The site you were trying to "
	    "reach does not currently have a default page. It may be in the "
	    "process of being upgraded.</p>" },
	{ "*windows*", STYLE_IIS, "Microsoft-IIS/5.0",
	    "Under Construction",
	    "<h1>Under Construction</h1>\r\n<p>The site you were trying to "
	    "reach does not currently have a default page. It may be in the "
	    "process of being upgraded.</p>" },
	{ "*microsoft*", STYLE_IIS, "Microsoft-IIS/5.0",
	    "Under Construction",
	    "<h1>Under Construction</h1>\r\n<p>The site you were trying to "
	    "reach does not currently have a default page.</p>" },
	{ "*cisco*", STYLE_EMBEDDED, "cisco-IOS", "Cisco Systems",
	    "<h1>Cisco Systems</h1>\r\n<p>Accessing Cisco router "
	    "\"Router\"</p>" },
	{ "*printer*", STYLE_EMBEDDED, "HP-ChaiSOE/1.0", "HP LaserJet",
	    "<h1>HP LaserJet</h1>\r\n<p>Device Status: Ready</p>" },
	{ "*jetdirect*", STYLE_EMBEDDED, "HP-ChaiSOE/1.0", "HP LaserJet",
	    "<h1>HP LaserJet</h1>\r\n<p>Device Status: Ready</p>" },
	{ "*router*", STYLE_EMBEDDED, "GoAhead-Webs", "Router",
	    "<h1>Router</h1>\r\n<p>Please log in.</p>" },
	{ "*switch*", STYLE_EMBEDDED, "GoAhead-Webs", "Switch",
	    "<h1>Switch</h1>\r\n<p>Please log in.</p>" },
	{ "*embedded*", STYLE_EMBEDDED, "GoAhead-Webs", "Device",
	    "<h1>Device</h1>\r\n<p>Please log in.</p>" },
	{ "*linux 2.4*", STYLE_APACHE, "Apache/1.3.27 (Unix)  (Red-Hat/Linux)",
	    "Test Page for the Apache Web Server on Red Hat Linux",
	    "<h1>Test Page</h1>\r\n<p>This page is used to test the proper "
	    "operation of the Apache Web server after it has been "
	    "installed.</p>" },
	{ "*bsd*", STYLE_APACHE, "Apache/2.2.3 (FreeBSD)", "It works!",
	    "<h1>It works!</h1>" },
	{ "*", STYLE_APACHE, "Apache/2.2.22 (Debian)", "It works!",
	    "<h1>It works!</h1>\r\n<p>This is the default web page for this "
	    "server.</p>" },
};

static const struct http_flavour squid = {
	"", STYLE_SQUID, "squid/2.5.STABLE12", "", ""
};

enum http_st { ST_HEAD, ST_BODY, ST_TUNNEL, ST_DONE };
enum chunk_st { CH_SIZE, CH_DATA, CH_CRLF, CH_TRAILER };

struct http {
	const struct http_flavour *fl;
	uint8_t		 proxy;		/* http-proxy */
	uint8_t		 st;
	uint8_t		 keep;		/* keep the connection after this one */
	uint8_t		 head_only;	/* HEAD: no body in the answer */
	uint8_t		 upload;	/* the body is an upload */
	uint8_t		 v09;		/* HTTP/0.9: a body and no head */
	uint8_t		 tunnel;	/* CONNECT granted */
	uint8_t		 in_body;	/* the body is being read */
	uint8_t		 chunked;	/* ... chunk by chunk */
	uint8_t		 ch_st;		/* enum chunk_st */
	uint8_t		 ch_trailers;
	char		 ch_line[HTTP_CHUNK_LINE];
	size_t		 ch_linelen;
	int		 status;	/* of the pending answer */
	unsigned	 nreq;
	uint64_t	 body_left, body_len;
	struct buf	 in;		/* the head being read */
	struct buf	 body;		/* kept, for the upload */
	char		 name[EVENT_TEXT_MAX + 1];	/* the target, for the
							   upload */
};

/* The bits of a parsed request head the answer depends on. */
struct http_req {
	const uint8_t	*method, *target, *version;
	size_t		 mlen, tlen, vlen;
	int		 minor;		/* HTTP/1.x; -1: not HTTP/1.x */
	int		 absolute, connect;
	int		 conn_close, conn_keep;
	int		 has_len, chunked;
	uint64_t	 clen;
	size_t		 nheaders;
};

/* RFC 9110 §5.6.2: tchar. */
static int
is_tchar(uint8_t c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The end of the head (after the empty line), or 0. */
static size_t
head_end(const uint8_t *d, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (d[i] != '\n')
			continue;
		if (d[i + 1] == '\n')
			return i + 2;
		if (d[i + 1] == '\r' && i + 2 < len && d[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* One line of d starting at *off, without its CR LF; -1 at the end. */
static int
next_line(const uint8_t *d, size_t len, size_t *off, const uint8_t **line,
    size_t *llen)
{
	const uint8_t *nl;
	size_t n;

	if (*off >= len)
		return -1;
	*line = d + *off;
	if ((nl = memchr(*line, '\n', len - *off)) == NULL)
		n = len - *off;
	else
		n = (size_t)(nl - *line);
	*off += n + (nl != NULL);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*llen = n;
	return 0;
}

static int
parse_uint(const uint8_t *d, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(d[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static const char *const recorded[][2] = {
	{ "host", "host" },
	{ "user-agent", "user_agent" },
	{ "referer", "referer" },
	{ "content-type", "content_type" },
	{ "content-length", "content_length" },
	{ "transfer-encoding", "transfer_encoding" },
	{ "cookie", "cookie" },
	{ "authorization", "authorization" },
	{ "proxy-authorization", "proxy_authorization" },
	{ "x-forwarded-for", "x_forwarded_for" },
	{ "soapaction", "soapaction" },
	{ "translate", "translate" },
};

/*
 * The request line, RFC 9112 §3: method SP request-target SP version.
 * 0 with r filled, -1 if it is not one.
 */
static int
parse_request_line(const uint8_t *l, size_t len, struct http_req *r)
{
	const uint8_t *sp1, *sp2;
	size_t i;

	if ((sp1 = memchr(l, ' ', len)) == NULL)
		return -1;
	r->method = l;
	r->mlen = (size_t)(sp1 - l);
	if (r->mlen == 0 || r->mlen > HTTP_METHOD_MAX)
		return -1;
	for (i = 0; i < r->mlen; i++)
		if (!is_tchar(l[i]))
			return -1;
	r->target = sp1 + 1;
	sp2 = memchr(r->target, ' ', len - r->mlen - 1);
	r->tlen = sp2 != NULL ? (size_t)(sp2 - r->target) :
	    len - r->mlen - 1;
	if (r->tlen == 0)
		return -1;
	for (i = 0; i < r->tlen; i++)
		if (r->target[i] <= ' ' || r->target[i] == 0x7f)
			return -1;
	r->minor = -1;
	if (sp2 != NULL) {
		r->version = sp2 + 1;
		r->vlen = len - (size_t)(r->version - l);
		if (r->vlen == 8 && memcmp(r->version, "HTTP/1.", 7) == 0 &&
		    r->version[7] >= '0' && r->version[7] <= '9')
			r->minor = r->version[7] - '0';
	}
	r->connect = vconn_word_eq(r->method, r->mlen, "CONNECT");
	r->absolute = vconn_prefix_eq(r->target, r->tlen, "http://") ||
	    vconn_prefix_eq(r->target, r->tlen, "https://") ||
	    vconn_prefix_eq(r->target, r->tlen, "ftp://");
	return 0;
}

/* host and port of an authority (host:port, [v6]:port), for the log. */
static void
split_authority(const uint8_t *a, size_t len, int dflt, const uint8_t **host,
    size_t *hlen, long *port)
{
	const uint8_t *colon = NULL, *end;
	uint64_t p;
	size_t i;

	*host = a;
	*hlen = len;
	*port = dflt;
	if (len > 0 && a[0] == '[') {
		if ((end = memchr(a, ']', len)) == NULL)
			return;
		*host = a + 1;
		*hlen = (size_t)(end - a) - 1;
		if ((size_t)(end - a) + 1 < len && end[1] == ':')
			colon = end + 1;
	} else {
		for (i = len; i > 0; i--)
			if (a[i - 1] == ':') {
				colon = a + i - 1;
				*hlen = i - 1;
				break;
			}
	}
	if (colon != NULL) {
		if (parse_uint(colon + 1, len - (size_t)(colon + 1 - a), 65535,
		    &p) == 0)
			*port = (long)p;
		else
			*port = -1;
	}
}

/* The proxy target's host and port, from CONNECT's authority-form or an
 * absolute-form URI. */
static void
proxy_target(const struct http_req *r, const uint8_t **host, size_t *hlen,
    long *port)
{
	const uint8_t *t = r->target, *auth, *end;
	size_t n = r->tlen;
	int dflt = 80;

	if (r->connect) {
		split_authority(t, n, 443, host, hlen, port);
		return;
	}
	if (vconn_prefix_eq(t, n, "https://"))
		dflt = 443;
	else if (vconn_prefix_eq(t, n, "ftp://"))
		dflt = 21;
	auth = (const uint8_t *)memchr(t, ':', n) + 3;
	end = auth;
	while (end < t + n && *end != '/' && *end != '?' && *end != '#')
		end++;
	/* userinfo@ is not part of the host. */
	for (t = end; t > auth; t--)
		if (t[-1] == '@') {
			auth = t;
			break;
		}
	split_authority(auth, (size_t)(end - auth), dflt, host, hlen, port);
}

static int
is_index(const uint8_t *t, size_t n)
{
	static const char *const names[] = {
		"/", "/index.html", "/index.htm", "/default.htm",
		"/default.asp", "/iisstart.htm", "/iisstart.asp",
		"/index.php",
	};
	size_t i;
	const uint8_t *q;

	if ((q = memchr(t, '?', n)) != NULL)
		n = (size_t)(q - t);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (vconn_word_eq(t, n, names[i]))
			return 1;
	return 0;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	}
	return "Internal Server Error";
}

/* The page for status in the flavour's style. */
static void
page(struct buf *b, const struct http_flavour *fl, int status)
{
	const char *rs = reason(status);

	switch (fl->style) {
	case STYLE_IIS:
		if (status == 200)
			buf_printf(b, "<html><head><title>%s</title></head>\r\n"
			    "<body>%s</body></html>\r\n", fl->title, fl->body);
		else if (status == 404)
			buf_printf(b, "<html><head><title>The page cannot be "
			    "found</title></head>\r\n<body><h1>The page cannot "
			    "be found</h1>\r\n<p>HTTP 404 - File not found<br>"
			    "Internet Information Services</p></body></html>"
			    "\r\n");
		else
			buf_printf(b, "<html><head><title>Error</title></head>"
			    "<body>The parameter is incorrect. </body></html>"
			    "\r\n");
		return;
	case STYLE_EMBEDDED:
		if (status == 200)
			buf_printf(b, "<html><head><title>%s</title></head>"
			    "<body>%s</body></html>\n", fl->title, fl->body);
		else
			buf_printf(b, "<html><head><title>Document Error: %s"
			    "</title></head><body><h2>Access Error: %s</h2>"
			    "</body></html>\n", rs, rs);
		return;
	case STYLE_SQUID:
		buf_printf(b, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 "
		    "Transitional//EN\">\n<HTML><HEAD><TITLE>ERROR: The "
		    "requested URL could not be retrieved</TITLE></HEAD>\n"
		    "<BODY><H1>ERROR</H1>\n<H2>The requested URL could not be "
		    "retrieved</H2>\n<P>The system returned: <PRE><I>    (111) "
		    "Connection refused</I></PRE>\n<P>The remote host or "
		    "network may be down. Please try the request again.\n"
		    "<HR noshade size=\"1px\">\n<ADDRESS>Generated by %s"
		    "</ADDRESS>\n</BODY></HTML>\n", fl->server);
		return;
	case STYLE_APACHE:
		break;
	}
	if (status == 200) {
		buf_printf(b, "<html><head><title>%s</title></head><body>%s"
		    "</body></html>\n", fl->title, fl->body);
		return;
	}
	buf_printf(b, "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
	    "<html><head>\n<title>%d %s</title>\n</head><body>\n<h1>%s</h1>\n"
	    "<p>%s</p>\n<hr>\n<address>%s Server Port 80</address>\n"
	    "</body></html>\n", status, rs, rs, status == 404 ?
	    "The requested URL was not found on this server." :
	    "Your browser sent a request that this server could not "
	    "understand.", fl->server);
}

/* Send the pending answer; -1 if it did not fit the send buffer. */
/* "Date: Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7, IMF-fixdate). */
static void
http_date(struct flow *f, struct buf *head)
{
	time_t t = (time_t)(vconn_wallclock_us(f) / 1000000);
	struct tm tm;
	char d[40];

	if (gmtime_r(&t, &tm) != NULL &&
	    strftime(d, sizeof(d), "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0)
		buf_printf(head, "Date: %s\r\n", d);
}

static int
answer(struct flow *f, struct http *h)
{
	const struct http_flavour *fl = h->fl;
	uint8_t hb[HTTP_OUT_MAX], bb[HTTP_OUT_MAX];
	struct buf head = { hb, 0, sizeof(hb), sizeof(hb) };
	struct buf body = { bb, 0, sizeof(bb), sizeof(bb) };
	int rc;

	if (h->tunnel) {
		static const char ok[] =
		    "HTTP/1.0 200 Connection established\r\n\r\n";

		return vconn_send(f, ok, sizeof(ok) - 1);
	}
	page(&body, fl, h->status);
	if (h->v09)
		return vconn_send(f, body.data, body.len);
	buf_printf(&head, "HTTP/%s %d %s\r\n",
	    fl->style == STYLE_SQUID ? "1.0" : "1.1", h->status,
	    reason(h->status));
	/* RFC 9110 §6.6.1: an origin server with a clock sends Date; its
	 * absence gives a honeypot away.  Apache sends it first. */
	if (fl->style == STYLE_APACHE)
		http_date(f, &head);
	buf_printf(&head, "Server: %s\r\n", fl->server);
	if (fl->style != STYLE_APACHE)
		http_date(f, &head);
	if (fl->style == STYLE_IIS && h->status == 200)
		buf_printf(&head, "X-Powered-By: ASP.NET\r\n");
	if (h->status == 405 || h->status == 200) {
		if (fl->style == STYLE_IIS)
			buf_printf(&head, "Allow: OPTIONS, TRACE, GET, HEAD, "
			    "COPY, PROPFIND, SEARCH, LOCK, UNLOCK\r\n");
		else if (fl->style == STYLE_APACHE)
			buf_printf(&head, "Allow: GET,HEAD,POST,OPTIONS\r\n");
	}
	if (fl->style == STYLE_IIS && h->status == 200 &&
	    strcmp(fl->server, "Microsoft-IIS/6.0") != 0)
		buf_printf(&head, "Public: OPTIONS, TRACE, GET, HEAD, DELETE, "
		    "PUT, POST, COPY, MOVE, MKCOL, PROPFIND, PROPPATCH, LOCK, "
		    "UNLOCK, SEARCH\r\nDAV: 1, 2\r\nMS-Author-Via: DAV\r\n");
	if (fl->style == STYLE_SQUID)
		buf_printf(&head, "X-Squid-Error: ERR_CONNECT_FAIL 111\r\n");
	buf_printf(&head, "Content-Length: %zu\r\n", body.len);
	buf_printf(&head, "Content-Type: text/html%s\r\n",
	    fl->style == STYLE_APACHE ? "; charset=iso-8859-1" : "");
	if (!h->keep)
		buf_printf(&head, "Connection: close\r\n");
	else if (fl->style == STYLE_APACHE)
		buf_printf(&head, "Keep-Alive: timeout=15, max=%u\r\n"
		    "Connection: Keep-Alive\r\n", HTTP_REQS_MAX - h->nreq);
	if (buf_addstr(&head, "\r\n") == -1)
		return -1;
	rc = vconn_send(f, head.data, head.len);
	if (rc == 0 && !h->head_only)
		rc = vconn_send(f, body.data, body.len);
	return rc;
}

static void
record_target(struct flow *f, struct event *ev, const struct http_req *r)
{
	const uint8_t *host;
	size_t hlen;
	long port;

	proxy_target(r, &host, &hlen, &port);
	vconn_field(f, ev, "target_host", host, hlen);
	if (port >= 0)
		vconn_fieldf(f, ev, "target_port", "%ld", port);
}

/* The status for a request in this service's role. */
static int
status_for(const struct http *h, const struct http_req *r)
{
	const uint8_t *m = r->method;
	size_t n = r->mlen;

	if (r->connect)
		return h->proxy ? 200 : 405;
	if (h->proxy && r->absolute)
		return 502;
	if (h->proxy)
		return 400;	/* Squid: an origin-form request */
	if (vconn_word_eq(m, n, "GET") || vconn_word_eq(m, n, "HEAD") ||
	    vconn_word_eq(m, n, "POST")) {
		if (r->absolute)
			return 200;	/* served as local, like Apache */
		return is_index(r->target, r->tlen) ? 200 : 404;
	}
	if (vconn_word_eq(m, n, "OPTIONS"))
		return 200;
	if (vconn_word_eq(m, n, "PUT") || vconn_word_eq(m, n, "DELETE") ||
	    vconn_word_eq(m, n, "TRACE") ||
	    vconn_word_eq(m, n, "PROPFIND") || vconn_word_eq(m, n, "SEARCH") ||
	    vconn_word_eq(m, n, "MKCOL") || vconn_word_eq(m, n, "MOVE") ||
	    vconn_word_eq(m, n, "COPY") ||
	    vconn_word_eq(m, n, "LOCK") || vconn_word_eq(m, n, "UNLOCK") ||
	    vconn_word_eq(m, n, "PROPPATCH"))
		return 405;
	return 501;
}

/*
 * One request head (the empty line included): parse, record, and set
 * the pending answer.  The caller moves on to the body or the answer.
 */
static void
request(struct flow *f, struct http *h, const uint8_t *d, size_t len)
{
	struct http_req r;
	struct event ev;
	const uint8_t *line, *name, *val, *colon;
	size_t off = 0, llen, nlen, vlen, i;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	h->nreq++;
	h->head_only = h->upload = h->v09 = h->tunnel = 0;
	h->in_body = h->chunked = 0;
	h->body_left = h->body_len = 0;
	/* RFC 9112 §2.2: ignore empty lines before the request line. */
	do {
		if (next_line(d, len, &off, &line, &llen) == -1)
			return;
	} while (llen == 0);
	if (parse_request_line(line, llen, &r) == -1) {
		vconn_event_init(f, &ev, NULL, "request");
		vconn_field(f, &ev, "error", "bad request line", 16);
		vconn_field(f, &ev, "line", line, llen);
		vconn_fieldf(f, &ev, "status", "%d", 400);
		vconn_event_emit(f, &ev);
		h->status = 400;
		h->keep = 0;
		return;
	}
	vconn_event_init(f, &ev, NULL, r.connect || r.absolute ? "proxy" :
	    "request");
	vconn_field(f, &ev, "method", r.method, r.mlen);
	vconn_field(f, &ev, "uri", r.target, r.tlen);
	if (r.version != NULL)
		vconn_field(f, &ev, "version", r.version, r.vlen);
	if (r.connect || r.absolute)
		record_target(f, &ev, &r);
	while (next_line(d, len, &off, &line, &llen) == 0 && llen > 0) {
		if (++r.nheaders > HTTP_HEADERS_MAX ||
		    (colon = memchr(line, ':', llen)) == NULL ||
		    colon == line) {
			bad = 1;
			break;
		}
		name = line;
		nlen = (size_t)(colon - line);
		for (i = 0; i < nlen; i++)
			if (!is_tchar(name[i]))
				bad = 1;
		val = colon + 1;
		vlen = llen - nlen - 1;
		while (vlen > 0 && (*val == ' ' || *val == '\t')) {
			val++;
			vlen--;
		}
		while (vlen > 0 && (val[vlen - 1] == ' ' ||
		    val[vlen - 1] == '\t'))
			vlen--;
		for (i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++)
			if (vconn_word_eq(name, nlen, recorded[i][0]))
				vconn_field(f, &ev, recorded[i][1], val, vlen);
		if (vconn_word_eq(name, nlen, "content-length")) {
			if (r.has_len || parse_uint(val, vlen,
			    UINT64_C(1) << 40, &r.clen) == -1)
				bad = 1;
			r.has_len = 1;
		} else if (vconn_word_eq(name, nlen, "transfer-encoding"))
			r.chunked = 1;
		else if (vconn_word_eq(name, nlen, "connection") ||
		    vconn_word_eq(name, nlen, "proxy-connection")) {
			if (vconn_word_eq(val, vlen, "close"))
				r.conn_close = 1;
			else if (vconn_word_eq(val, vlen, "keep-alive"))
				r.conn_keep = 1;
		}
	}
	vconn_fieldf(f, &ev, "headers", "%zu", r.nheaders);
	if (bad)
		h->status = 400;
	else if (r.version == NULL) {
		h->status = 200;
		h->v09 = 1;
	} else if (r.minor < 0)
		h->status = 400;	/* RTSP/1.0, HTTP/2.0, garbage */
	else if (r.chunked && r.minor == 0)
		h->status = 411;	/* no chunks in HTTP/1.0 */
	else
		h->status = status_for(h, &r);
	h->keep = !bad && h->status != 400 && h->status != 411 &&
	    r.minor >= 0 && (r.minor >= 1 ? !r.conn_close : r.conn_keep) &&
	    h->nreq < HTTP_REQS_MAX && !(r.connect && h->status == 200);
	h->head_only = vconn_word_eq(r.method, r.mlen, "HEAD");
	h->tunnel = r.connect && h->status == 200;
	if (!bad && h->status != 411 && !r.connect &&
	    (r.chunked || (r.has_len && r.clen > 0))) {
		h->in_body = 1;
		h->chunked = (uint8_t)r.chunked;	/* it wins, §6.3 */
		h->ch_st = CH_SIZE;
		h->ch_linelen = 0;
		h->ch_trailers = 0;
		h->body_left = r.chunked ? 0 : r.clen;
		h->upload = vconn_word_eq(r.method, r.mlen, "POST") ||
		    vconn_word_eq(r.method, r.mlen, "PUT");
		/* A body this service will not read ends the connection
		 * after the answer, as Apache does past LimitRequestBody. */
		if (!h->upload)
			h->keep = 0;
	}
	vconn_fieldf(f, &ev, "status", "%d", h->status);
	vconn_event_emit(f, &ev);
	i = r.tlen < sizeof(h->name) - 1 ? r.tlen : sizeof(h->name) - 1;
	for (off = 0; off < i; off++)
		h->name[off] = r.target[off] >= ' ' && r.target[off] < 0x7f ?
		    (char)r.target[off] : '_';
	h->name[i] = '\0';
}

/* The request is complete: the upload, the answer, and what follows. */
static int
finish(struct flow *f, struct http *h)
{
	if (h->upload && h->body.len > 0)
		(void)vconn_upload(f, h->name, h->body.data, h->body.len);
	buf_reset(&h->body);
	if (answer(f, h) == -1)
		return -1;
	if (h->tunnel) {
		h->st = ST_TUNNEL;	/* recorded only, never opened */
		return 0;
	}
	if (!h->keep) {
		h->st = ST_DONE;
		vconn_close(f);
	} else
		h->st = ST_HEAD;
	return 0;
}

/* Body bytes (one chunk's, or all of a Content-Length body). */
static size_t
body_bytes(struct http *h, const uint8_t *d, size_t len)
{
	size_t n = len < h->body_left ? len : (size_t)h->body_left;
	size_t keep;

	if (h->upload) {
		keep = h->body.max - h->body.len;
		(void)buf_add(&h->body, d, n < keep ? n : keep);
	}
	h->body_left -= n;
	h->body_len += n;
	return n;
}

/* A line of the chunk framing into ch_line: 1 when complete (CR LF
 * cut), 0 for more, -1 if too long.  *used says what was taken. */
static int
chunk_line(struct http *h, const uint8_t *d, size_t len, size_t *used)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (d[i] == '\n') {
			*used = i + 1;
			if (h->ch_linelen > 0 &&
			    h->ch_line[h->ch_linelen - 1] == '\r')
				h->ch_linelen--;
			h->ch_line[h->ch_linelen] = '\0';
			return 1;
		}
		if (h->ch_linelen + 1 >= sizeof(h->ch_line))
			return -1;
		h->ch_line[h->ch_linelen++] = (char)d[i];
	}
	*used = len;
	return 0;
}

/* The chunk-size line: 0 with the size in body_left, -1 if malformed,
 * -2 for the overflow's size. */
static int
chunk_size(struct http *h, size_t *digits)
{
	uint64_t v = 0;
	size_t i;
	int x;

	for (i = 0; i < h->ch_linelen; i++) {
		if (h->ch_line[i] >= '0' && h->ch_line[i] <= '9')
			x = h->ch_line[i] - '0';
		else if (h->ch_line[i] >= 'a' && h->ch_line[i] <= 'f')
			x = h->ch_line[i] - 'a' + 10;
		else if (h->ch_line[i] >= 'A' && h->ch_line[i] <= 'F')
			x = h->ch_line[i] - 'A' + 10;
		else
			break;
		if (v > (UINT64_C(1) << 40))
			v = UINT64_MAX;	/* stays huge */
		else
			v = v << 4 | (uint64_t)x;
	}
	*digits = i;
	if (i == 0 || (i < h->ch_linelen && h->ch_line[i] != ';' &&
	    h->ch_line[i] != ' ' && h->ch_line[i] != '\t'))
		return -1;
	if (v >= UINT64_C(0x80000000))
		return -2;
	h->body_left = v;
	return 0;
}

/* The chunked body went wrong: record why, answer 400, close. */
static void
chunk_fail(struct flow *f, struct http *h, int exploit, size_t digits)
{
	struct event ev;
	const char *cve = h->fl->style == STYLE_IIS ? "CVE-2002-0079" :
	    "CVE-2002-0392";

	if (exploit) {
		vconn_event_init(f, &ev, NULL, "exploit");
		vconn_field(f, &ev, "exploit", "chunked-size", 12);
		vconn_field(f, &ev, "cve", cve, strlen(cve));
		vconn_field(f, &ev, "chunk_size", h->ch_line, digits);
		vconn_field(f, &ev, "uri", h->name, strlen(h->name));
	} else {
		vconn_event_init(f, &ev, NULL, "request");
		vconn_field(f, &ev, "error", "bad chunk", 9);
	}
	vconn_event_emit(f, &ev);
	h->status = 400;
	h->keep = 0;
	h->upload = 0;
	h->in_body = 0;
}

/* Chunked body bytes; returns how many were taken. */
static size_t
chunks(struct flow *f, struct http *h, const uint8_t *d, size_t len)
{
	size_t used = 0, digits, taken = 0;
	int rc;

	while (taken < len && h->in_body) {
		if (h->ch_st == CH_DATA) {
			taken += body_bytes(h, d + taken, len - taken);
			if (h->body_left == 0) {
				h->ch_st = CH_CRLF;
				h->ch_linelen = 0;
			}
			continue;
		}
		rc = chunk_line(h, d + taken, len - taken, &used);
		taken += used;
		if (rc == -1) {
			chunk_fail(f, h, 0, 0);
			break;
		}
		if (rc == 0)
			break;
		switch (h->ch_st) {
		case CH_SIZE:
			if ((rc = chunk_size(h, &digits)) < 0) {
				chunk_fail(f, h, rc == -2, digits);
				return taken;
			}
			h->ch_st = h->body_left > 0 ? CH_DATA : CH_TRAILER;
			break;
		case CH_CRLF:
			if (h->ch_line[0] != '\0') {
				chunk_fail(f, h, 0, 0);
				return taken;
			}
			h->ch_st = CH_SIZE;
			break;
		case CH_TRAILER:
			if (h->ch_line[0] == '\0')
				h->in_body = 0;		/* the last CRLF */
			else if (++h->ch_trailers > HTTP_TRAILERS_MAX)
				chunk_fail(f, h, 0, 0);
			break;
		}
		h->ch_linelen = 0;
	}
	return taken;
}

/* Body bytes; returns how many were taken. */
static size_t
body(struct flow *f, struct http *h, const uint8_t *d, size_t len)
{
	size_t n;

	if (h->chunked)
		return chunks(f, h, d, len);
	n = body_bytes(h, d, len);
	if (h->body_left == 0)
		h->in_body = 0;
	return n;
}

/* Requests in h->in, as many as are complete. */
static int
drain(struct flow *f, struct http *h)
{
	size_t end, n;

	while (h->st == ST_HEAD && (end = head_end(h->in.data,
	    h->in.len)) != 0) {
		request(f, h, h->in.data, end);
		buf_consume(&h->in, end);
		if (h->in_body) {
			h->st = ST_BODY;
			n = body(f, h, h->in.data, h->in.len);
			buf_consume(&h->in, n);
			if (h->in_body)
				return 0;
		}
		if (finish(f, h) == -1)
			return -1;
	}
	return 0;
}

static int
http_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct http *h = state;
	size_t n;

	while (len > 0) {
		switch (h->st) {
		case ST_BODY:
			n = body(f, h, d, len);
			d += n;
			len -= n;
			if (!h->in_body && finish(f, h) == -1)
				return -1;
			break;
		case ST_HEAD:
			n = h->in.max - h->in.len;
			if (n > len)
				n = len;
			(void)buf_add(&h->in, d, n);
			d += n;
			len -= n;
			if (drain(f, h) == -1)
				return -1;
			if (h->st == ST_HEAD && h->in.len == h->in.max) {
				/* A head that does not fit: 400, as Apache
				 * answers past LimitRequestFieldSize. */
				struct event ev;

				vconn_event_init(f, &ev, NULL, "request");
				vconn_field(f, &ev, "error", "head too large",
				    14);
				vconn_fieldf(f, &ev, "status", "%d", 400);
				vconn_event_emit(f, &ev);
				h->status = 400;
				h->keep = 0;
				h->head_only = h->v09 = 0;
				if (answer(f, h) == -1)
					return -1;
				h->st = ST_DONE;
				vconn_close(f);
			}
			break;
		case ST_TUNNEL:
		case ST_DONE:
			/* Recorded by the stack; nothing is answered. */
			return 0;
		}
	}
	return 0;
}

static int
open_common(struct flow *f, void **state, int proxy)
{
	struct http *h;
	const char *os = vconn_os(f);
	size_t i;

	if ((h = vconn_alloc(f, sizeof(*h))) == NULL)
		return -1;
	if (vconn_buf_init(f, &h->in, HTTP_HEAD_MAX) == -1 ||
	    vconn_buf_init(f, &h->body, HTTP_BODY_KEEP) == -1) {
		vconn_buf_free(f, &h->in);
		vconn_free(f, h, sizeof(*h));
		return -1;
	}
	h->proxy = (uint8_t)proxy;
	h->fl = &flavours[sizeof(flavours) / sizeof(flavours[0]) - 1];
	if (proxy)
		h->fl = &squid;
	else
		for (i = 0; i < sizeof(flavours) / sizeof(flavours[0]); i++)
			if (fnmatch(flavours[i].pattern, os,
			    FNM_CASEFOLD) == 0) {
				h->fl = &flavours[i];
				break;
			}
	*state = h;
	return 0;
}

static int
http_open(struct flow *f, void **state)
{
	return open_common(f, state, 0);
}

static int
proxy_open(struct flow *f, void **state)
{
	return open_common(f, state, 1);
}

static void
http_close(struct flow *f, void *state)
{
	struct http *h = state;

	if (h == NULL)
		return;
	/* A body cut short is still what the attacker sent. */
	if (h->st == ST_BODY && h->upload && h->body.len > 0)
		(void)vconn_upload(f, h->name, h->body.data, h->body.len);
	vconn_buf_free(f, &h->in);
	vconn_buf_free(f, &h->body);
	vconn_free(f, h, sizeof(*h));
}

const struct vservice vservice_http = {
	"http", http_open, http_data, http_close
};

const struct vservice vservice_http_proxy = {
	"http-proxy", proxy_open, http_data, http_close
};
