/*
 * smtp: a spam trap (RFC 5321) in the flavour of the template's OS:
 * Exchange's "Microsoft ESMTP MAIL Service" on Windows, Sendmail on old
 * Linux and BSD, Postfix otherwise.  Every recipient is accepted and no
 * message ever leaves: DATA is read until "<CRLF>.<CRLF>", dot-unstuffed
 * (§4.5.2), kept up to VSERVICE_UPLOAD_MAX and handed over as the upload
 * "message.eml".
 *
 * Events: "helo" (verb, name), "mail" (from, rcpt (comma-separated),
 * nrcpt, size, subject, truncated), "login" (mech, user, password,
 * authzid: AUTH PLAIN and LOGIN, RFC 4616 and the LOGIN draft, always
 * refused), "command" for anything else a client says.
 */
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "addr.h"
#include "buf.h"
#include "event.h"
#include "vservice.h"

#define SMTP_LINE_MAX	1000	/* RFC 5321 §4.5.3.1.6, with CRLF */
#define SMTP_ADDR_MAX	256	/* §4.5.3.1.3 path */
#define SMTP_RCPT_MAX	100	/* §4.5.3.1.8: at least 100 */
#define SMTP_RCPT_KEPT	1000	/* bytes of the recipient list kept */
#define SMTP_MSGS_MAX	20	/* per session, then 421 */
#define SMTP_CMDS_MAX	500
#define SMTP_SUBJECT	200

enum smtp_style { STYLE_EXCHANGE, STYLE_SENDMAIL, STYLE_POSTFIX };

struct smtp_flavour {
	const char	*pattern;
	enum smtp_style	 style;
	const char	*version;
};

static const struct smtp_flavour flavours[] = {
	{ "*windows*2003*", STYLE_EXCHANGE, "6.0.3790.3959" },
	{ "*windows*xp*", STYLE_EXCHANGE, "6.0.2600.2180" },
	{ "*windows*", STYLE_EXCHANGE, "5.0.2195.6713" },
	{ "*microsoft*", STYLE_EXCHANGE, "5.0.2195.6713" },
	{ "*linux 2.4*", STYLE_SENDMAIL, "8.12.8/8.12.8" },
	{ "*bsd*", STYLE_SENDMAIL, "8.13.1/8.13.1" },
	{ "*", STYLE_POSTFIX, "" },
};

enum smtp_st {
	ST_CMD,
	ST_DATA,	/* the message, until "." */
	ST_AUTH_USER,	/* AUTH LOGIN: the user name, base64 */
	ST_AUTH_PASS,	/* ... the password */
	ST_AUTH_PLAIN,	/* AUTH PLAIN without an initial response */
	ST_QUIT
};

struct smtp {
	const struct smtp_flavour *fl;
	uint8_t		 st, skip, helo, has_from, in_head, cut;
	unsigned	 nrcpt, nmsgs, ncmds;
	uint64_t	 size;		/* message bytes seen */
	char		 host[64];
	char		 from[SMTP_ADDR_MAX + 1];
	char		 subject[SMTP_SUBJECT + 1];
	char		 user[SMTP_ADDR_MAX + 1];	/* AUTH LOGIN's */
	char		 rcpt[SMTP_RCPT_KEPT + 1];
	struct buf	 in;
	struct buf	 msg;		/* max 0 until the first DATA */
};

/* The path of "MAIL FROM:<path> params" (§4.1.2): printable bytes
 * between < and >, or up to the first space without them. */
static size_t
path_of(const uint8_t *a, size_t n, char *out, size_t cap)
{
	size_t i = 0, k = 0;

	while (i < n && a[i] == ' ')
		i++;
	if (i < n && a[i] == '<')
		i++;
	for (; i < n && a[i] != '>' && a[i] != ' ' && k + 1 < cap; i++)
		out[k++] = a[i] > ' ' && a[i] < 0x7f ? (char)a[i] : '?';
	out[k] = '\0';
	return k;
}

static void
reset_mail(struct smtp *c)
{
	c->has_from = 0;
	c->nrcpt = 0;
	c->from[0] = '\0';
	c->rcpt[0] = '\0';
	c->subject[0] = '\0';
	c->size = 0;
	c->cut = 0;
	if (c->msg.max > 0)
		buf_reset(&c->msg);
}

static void
mail_event(struct flow *f, struct smtp *c)
{
	struct event ev;

	vconn_event_init(f, &ev, "smtp", "mail");
	vconn_field(f, &ev, "from", c->from, strlen(c->from));
	vconn_field(f, &ev, "rcpt", c->rcpt, strlen(c->rcpt));
	vconn_fieldf(f, &ev, "nrcpt", "%u", c->nrcpt);
	vconn_fieldf(f, &ev, "size", "%llu", (unsigned long long)c->size);
	if (c->subject[0] != '\0')
		vconn_field(f, &ev, "subject", c->subject,
		    strlen(c->subject));
	if (c->cut)
		vconn_field(f, &ev, "truncated", "yes", 3);
	vconn_event_emit(f, &ev);
}

/* One line of the message (§4.5.2: a leading dot is doubled). */
static int
data_line(struct flow *f, struct smtp *c, const uint8_t *l, size_t n,
    int toolong)
{
	size_t room, k;

	if (!toolong && n == 1 && l[0] == '.') {
		mail_event(f, c);
		if (c->msg.len > 0)
			(void)vconn_upload(f, "message.eml", c->msg.data,
			    c->msg.len);
		reset_mail(c);
		c->st = ST_CMD;
		if (c->fl->style == STYLE_EXCHANGE)
			return vconn_printf(f, "250 2.6.0 <%u@%s> Queued mail "
			    "for delivery\r\n", c->nmsgs, c->host);
		if (c->fl->style == STYLE_SENDMAIL)
			return vconn_printf(f, "250 2.0.0 k%06uQ Message "
			    "accepted for delivery\r\n", c->nmsgs);
		return vconn_printf(f, "250 2.0.0 Ok: queued as %08X\r\n",
		    c->nmsgs * 0x9e3779b1U);
	}
	if (n > 0 && l[0] == '.') {
		l++;
		n--;
	}
	if (c->in_head) {
		if (n == 0)
			c->in_head = 0;
		else if (c->subject[0] == '\0' &&
		    vconn_prefix_eq(l, n, "SUBJECT:")) {
			for (k = 8; k < n && l[k] == ' '; k++)
				;
			room = n - k < SMTP_SUBJECT ? n - k : SMTP_SUBJECT;
			memcpy(c->subject, l + k, room);
			c->subject[room] = '\0';
		}
	}
	c->size += n + 2;
	room = c->msg.max - c->msg.len;
	if (n + 2 > room) {
		c->cut = 1;
		return 0;
	}
	(void)buf_add(&c->msg, l, n);
	(void)buf_add(&c->msg, "\r\n", 2);
	if (toolong)
		c->cut = 1;	/* the line's tail is skipped */
	return 0;
}

/* base64 (RFC 4648) through GnuTLS; the decoded bytes in out, cut to
 * cap; -1 if it is not base64. */
static int
b64(const uint8_t *a, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	gnutls_datum_t in, res;

	in.data = (unsigned char *)(uintptr_t)a;
	in.size = (unsigned)n;
	if (n == 0) {
		*outlen = 0;
		return 0;
	}
	if (gnutls_base64_decode2(&in, &res) < 0)
		return -1;
	*outlen = res.size < cap ? res.size : cap;
	memcpy(out, res.data, *outlen);
	gnutls_free(res.data);
	return 0;
}

static int
login_event(struct flow *f, struct smtp *c, const char *mech,
    const void *authz, size_t zlen, const void *user, size_t ulen,
    const void *pw, size_t plen)
{
	struct event ev;

	vconn_event_init(f, &ev, "smtp", "login");
	vconn_field(f, &ev, "mech", mech, strlen(mech));
	if (zlen > 0)
		vconn_field(f, &ev, "authzid", authz, zlen);
	vconn_field(f, &ev, "user", user, ulen);
	vconn_field(f, &ev, "password", pw, plen);
	vconn_field(f, &ev, "success", "false", 5);
	vconn_event_emit(f, &ev);
	c->st = ST_CMD;
	return vconn_puts(f, "535 5.7.8 Error: authentication failed\r\n");
}

/* AUTH PLAIN's message: authzid NUL authcid NUL passwd (RFC 4616 §2). */
static int
auth_plain(struct flow *f, struct smtp *c, const uint8_t *a, size_t n)
{
	uint8_t d[768];
	const uint8_t *z1, *z2;
	size_t len;

	if (b64(a, n, d, sizeof(d), &len) == -1 ||
	    (z1 = memchr(d, 0, len)) == NULL ||
	    (z2 = memchr(z1 + 1, 0, len - (size_t)(z1 + 1 - d))) == NULL) {
		c->st = ST_CMD;
		return vconn_puts(f, "501 5.5.2 Cannot decode response\r\n");
	}
	return login_event(f, c, "PLAIN", d, (size_t)(z1 - d), z1 + 1,
	    (size_t)(z2 - z1 - 1), z2 + 1, len - (size_t)(z2 + 1 - d));
}

static int
auth(struct flow *f, struct smtp *c, const uint8_t *a, size_t n)
{
	size_t k;
	uint8_t u[SMTP_ADDR_MAX];
	size_t ulen;

	for (k = 0; k < n && a[k] != ' '; k++)
		;
	if (vconn_word_eq(a, k, "PLAIN")) {
		while (k < n && a[k] == ' ')
			k++;
		if (k < n)
			return auth_plain(f, c, a + k, n - k);
		c->st = ST_AUTH_PLAIN;
		return vconn_puts(f, "334 \r\n");
	}
	if (vconn_word_eq(a, k, "LOGIN")) {
		while (k < n && a[k] == ' ')
			k++;
		if (k < n) {
			if (b64(a + k, n - k, u, sizeof(u), &ulen) == -1)
				return vconn_puts(f, "501 5.5.2 Cannot decode "
				    "response\r\n");
			memcpy(c->user, u, ulen);
			c->user[ulen] = '\0';
			c->st = ST_AUTH_PASS;
			return vconn_puts(f, "334 UGFzc3dvcmQ6\r\n");
		}
		c->st = ST_AUTH_USER;
		return vconn_puts(f, "334 VXNlcm5hbWU6\r\n");
	}
	return vconn_puts(f, "504 5.5.4 Unrecognized authentication type\r\n");
}

static int
ehlo(struct flow *f, struct smtp *c, int extended, const uint8_t *a,
    size_t n)
{
	struct event_tuple t;
	struct event ev;
	char peer[64];

	vconn_event_init(f, &ev, "smtp", "helo");
	vconn_field(f, &ev, "verb", extended ? "EHLO" : "HELO", 4);
	vconn_field(f, &ev, "name", a, n);
	vconn_event_emit(f, &ev);
	c->helo = 1;
	reset_mail(c);
	vconn_tuple(f, &t);
	if (addr_fmt(&t.src, peer, sizeof(peer)) == -1)
		strlcpy(peer, "0.0.0.0", sizeof(peer));
	switch (c->fl->style) {
	case STYLE_EXCHANGE:
		if (!extended)
			return vconn_printf(f, "250 %s Hello [%s]\r\n",
			    c->host, peer);
		return vconn_printf(f, "250-%s Hello [%s]\r\n250-AUTH=LOGIN\r\n"
		    "250-AUTH LOGIN\r\n250-TURN\r\n250-SIZE\r\n250-ETRN\r\n"
		    "250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250-8bitmime\r\n250-BINARYMIME\r\n250-CHUNKING\r\n"
		    "250-VRFY\r\n250 OK\r\n", c->host, peer);
	case STYLE_SENDMAIL:
		if (!extended)
			return vconn_printf(f, "250 %s Hello [%s], pleased to "
			    "meet you\r\n", c->host, peer);
		return vconn_printf(f, "250-%s Hello [%s], pleased to meet "
		    "you\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n"
		    "250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250-ETRN\r\n"
		    "250-AUTH LOGIN PLAIN\r\n250-DELIVERBY\r\n250 HELP\r\n",
		    c->host, peer);
	default:
		if (!extended)
			return vconn_printf(f, "250 %s\r\n", c->host);
		return vconn_printf(f, "250-%s\r\n250-PIPELINING\r\n"
		    "250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
		    "250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250-8BITMIME\r\n250 DSN\r\n", c->host);
	}
}

static void
command_event(struct flow *f, const uint8_t *cmd, size_t clen,
    const uint8_t *arg, size_t alen)
{
	struct event ev;

	vconn_event_init(f, &ev, "smtp", "command");
	vconn_field(f, &ev, "cmd", cmd, clen > 16 ? 16 : clen);
	if (alen > 0)
		vconn_field(f, &ev, "arg", arg, alen > 256 ? 256 : alen);
	vconn_event_emit(f, &ev);
}

static int
rcpt(struct flow *f, struct smtp *c, const uint8_t *a, size_t n)
{
	char to[SMTP_ADDR_MAX + 1];
	size_t len, have;

	if (!c->has_from)
		return vconn_puts(f, "503 5.5.1 Error: need MAIL command\r\n");
	if (c->nrcpt >= SMTP_RCPT_MAX)
		return vconn_puts(f,
		    "452 4.5.3 Error: too many recipients\r\n");
	if ((len = path_of(a, n, to, sizeof(to))) == 0)
		return vconn_puts(f,
		    "501 5.1.3 Bad recipient address syntax\r\n");
	have = strlen(c->rcpt);
	if (have + (have > 0) + len < sizeof(c->rcpt)) {
		if (have > 0)
			c->rcpt[have++] = ',';
		memcpy(c->rcpt + have, to, len + 1);
	}
	c->nrcpt++;
	/* Accepted: an open relay is what a spammer hopes to find. */
	if (c->fl->style == STYLE_EXCHANGE)
		return vconn_printf(f, "250 2.1.5 %s \r\n", to);
	if (c->fl->style == STYLE_SENDMAIL)
		return vconn_printf(f, "250 2.1.5 <%s>... Recipient ok\r\n",
		    to);
	return vconn_puts(f, "250 2.1.5 Ok\r\n");
}

static int
line(struct flow *f, void *arg, const uint8_t *l, size_t n, int toolong)
{
	struct smtp *c = arg;
	uint8_t u[SMTP_ADDR_MAX];
	size_t clen, alen, ulen;
	const uint8_t *a;

	switch (c->st) {
	case ST_QUIT:
		return 1;
	case ST_DATA:
		return data_line(f, c, l, n, toolong);
	case ST_AUTH_USER:
	case ST_AUTH_PASS:
	case ST_AUTH_PLAIN:
		if (n == 1 && l[0] == '*') {
			c->st = ST_CMD;
			return vconn_puts(f,
			    "501 5.7.0 Authentication aborted\r\n");
		}
		if (c->st == ST_AUTH_PLAIN)
			return auth_plain(f, c, l, n);
		if (b64(l, n, u, sizeof(u), &ulen) == -1) {
			c->st = ST_CMD;
			return vconn_puts(f,
			    "501 5.5.2 Cannot decode response\r\n");
		}
		if (c->st == ST_AUTH_PASS)
			return login_event(f, c, "LOGIN", NULL, 0, c->user,
			    strlen(c->user), u, ulen);
		memcpy(c->user, u, ulen);
		c->user[ulen] = '\0';
		c->st = ST_AUTH_PASS;
		return vconn_puts(f, "334 UGFzc3dvcmQ6\r\n");
	}
	if (toolong)
		return vconn_puts(f, "500 5.5.0 Error: line too long\r\n");
	if (++c->ncmds > SMTP_CMDS_MAX) {
		(void)vconn_puts(f, "421 4.7.0 Error: too many commands\r\n");
		c->st = ST_QUIT;
		vconn_close(f);
		return 1;
	}
	for (clen = 0; clen < n && l[clen] != ' '; clen++)
		;
	a = l + clen;
	alen = n - clen;
	while (alen > 0 && *a == ' ') {
		a++;
		alen--;
	}
	if (vconn_word_eq(l, clen, "HELO") || vconn_word_eq(l, clen, "EHLO"))
		return ehlo(f, c, vconn_word_eq(l, clen, "EHLO"), a, alen);
	if (vconn_word_eq(l, clen, "AUTH"))
		return auth(f, c, a, alen);
	if (vconn_prefix_eq(l, n, "MAIL FROM:")) {
		reset_mail(c);
		path_of(l + 10, n - 10, c->from, sizeof(c->from));
		c->has_from = 1;
		if (c->fl->style == STYLE_SENDMAIL)
			return vconn_printf(f, "250 2.1.0 <%s>... Sender ok"
			    "\r\n", c->from);
		return vconn_puts(f, c->fl->style == STYLE_EXCHANGE ?
		    "250 2.1.0 Sender OK\r\n" : "250 2.1.0 Ok\r\n");
	}
	if (vconn_prefix_eq(l, n, "RCPT TO:"))
		return rcpt(f, c, l + 8, n - 8);
	command_event(f, l, clen, a, alen);
	if (vconn_word_eq(l, clen, "DATA")) {
		if (c->nrcpt == 0)
			return vconn_puts(f,
			    "503 5.5.1 Error: need RCPT command"
			    "\r\n");
		if (++c->nmsgs > SMTP_MSGS_MAX) {
			(void)vconn_puts(f, "421 4.7.0 Error: too many messages"
			    "\r\n");
			c->st = ST_QUIT;
			vconn_close(f);
			return 1;
		}
		if (c->msg.max == 0 &&
		    vconn_buf_init(f, &c->msg, VSERVICE_UPLOAD_MAX) == -1)
			return vconn_puts(f,
			    "452 4.3.1 Insufficient system storage"
			    "\r\n");
		c->st = ST_DATA;
		c->in_head = 1;
		return vconn_puts(f, "354 End data with <CR><LF>.<CR><LF>\r\n");
	}
	if (vconn_word_eq(l, clen, "RSET")) {
		reset_mail(c);
		return vconn_puts(f, "250 2.0.0 Ok\r\n");
	}
	if (vconn_word_eq(l, clen, "NOOP"))
		return vconn_puts(f, "250 2.0.0 Ok\r\n");
	if (vconn_word_eq(l, clen, "QUIT")) {
		(void)vconn_puts(f, "221 2.0.0 Bye\r\n");
		c->st = ST_QUIT;
		vconn_close(f);
		return 1;
	}
	if (vconn_word_eq(l, clen, "VRFY"))
		return vconn_puts(f,
		    "252 2.0.0 Cannot VRFY user, but will accept "
		    "message\r\n");
	if (vconn_word_eq(l, clen, "STARTTLS"))
		return vconn_puts(f, "454 4.7.0 TLS not available due to local "
		    "problem\r\n");
	if (vconn_word_eq(l, clen, "HELP"))
		return vconn_puts(f,
		    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA "
		    "RSET NOOP QUIT VRFY AUTH\r\n");
	return vconn_puts(f, "502 5.5.2 Error: command not recognized\r\n");
}

static int
smtp_open(struct flow *f, void **state)
{
	struct smtp *c;
	char name[48];

	if ((c = vconn_alloc(f, sizeof(*c))) == NULL)
		return -1;
	if (vconn_buf_init(f, &c->in, SMTP_LINE_MAX) == -1) {
		vconn_free(f, c, sizeof(*c));
		return -1;
	}
	*state = c;
	c->fl = vconn_flavour(f, flavours, sizeof(flavours) /
	    sizeof(flavours[0]), sizeof(flavours[0]));
	vconn_hostname(f, name, sizeof(name), 0);
	snprintf(c->host, sizeof(c->host), "%s.localdomain", name);
	switch (c->fl->style) {
	case STYLE_EXCHANGE:
		return vconn_printf(f, "220 %s Microsoft ESMTP MAIL Service, "
		    "Version: %s ready\r\n", c->host, c->fl->version);
	case STYLE_SENDMAIL:
		return vconn_printf(f, "220 %s ESMTP Sendmail %s; ready\r\n",
		    c->host, c->fl->version);
	default:
		return vconn_printf(f, "220 %s ESMTP Postfix (Debian/GNU)\r\n",
		    c->host);
	}
}

static int
smtp_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct smtp *c = state;

	return vconn_lines(f, &c->in, &c->skip, d, len, line, c);
}

static void
smtp_close(struct flow *f, void *state)
{
	struct smtp *c = state;

	if (c == NULL)
		return;
	/* A message cut short by the close is still what was sent. */
	if (c->st == ST_DATA && c->msg.len > 0) {
		c->cut = 1;
		mail_event(f, c);
		(void)vconn_upload(f, "message.eml", c->msg.data, c->msg.len);
	}
	vconn_buf_free(f, &c->in);
	if (c->msg.max > 0)
		vconn_buf_free(f, &c->msg);
	vconn_free(f, c, sizeof(*c));
}

const struct vservice vservice_smtp = {
	"smtp", smtp_open, smtp_data, smtp_close
};
