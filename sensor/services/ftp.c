/*
 * ftp and ftp-data: an FTP server (RFC 959, RFC 2428 for EPSV/EPRT,
 * RFC 2389 FEAT) in the flavour of the template's OS: IIS's "Microsoft
 * FTP Service", ProFTPD on old Linux, vsFTPd otherwise, an inetutils
 * ftpd on embedded devices.
 *
 * Logins are "login" events (user, password, success).  Every other
 * command is a "command" event (cmd, arg; PORT/EPRT also the host and
 * port they name, the FTP bounce target).  Logins fail unless the
 * service's arguments say otherwise: "anonymous" accepts the anonymous
 * and ftp users, "any" every login.
 *
 * The sensor never connects out, so PORT and EPRT are acknowledged and
 * the transfer that follows fails with 425.  PASV and EPSV name a port on
 * the virtual host's own address (vconn_expect); the client's data
 * connection arrives there as an ordinary inbound connection and is
 * served by ftp-data, paired with this session: LIST and NLST send a
 * small fake listing over it, STOR/APPE/STOU take what arrives until the
 * client closes it as an upload (vconn_upload) and an "upload" event.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "vservice.h"

#define FTP_LINE_MAX	1024	/* vsftpd's is 4096; no client needs it */
#define FTP_PATH_MAX	255
#define FTP_USER_MAX	64
#define FTP_CMDS_MAX	500	/* then 421 and close */
#define FTP_FAILS_MAX	10	/* failed logins, then 421 and close */
#define FTP_ARG_EVENT	256	/* arg bytes kept in a command event */

enum ftp_style { STYLE_IIS, STYLE_VSFTPD, STYLE_PROFTPD, STYLE_INETUTILS };

struct ftp_flavour {
	const char	*pattern;	/* fnmatch on vconn_os, case-folded */
	enum ftp_style	 style;
	const char	*banner;	/* after "220 " */
	const char	*syst;		/* after "215 " */
	uint16_t	 pasv_lo, pasv_hi;
};

static const struct ftp_flavour flavours[] = {
	{ "*windows*", STYLE_IIS, "Microsoft FTP Service", "Windows_NT",
	    1025, 5000 },
	{ "*microsoft*", STYLE_IIS, "Microsoft FTP Service", "Windows_NT",
	    1025, 5000 },
	{ "*linux 2.4*", STYLE_PROFTPD,
	    "ProFTPD 1.2.10 Server (ProFTPD Default Installation)",
	    "UNIX Type: L8", 32768, 60999 },
	{ "*router*", STYLE_INETUTILS, "FTP server (GNU inetutils 1.4.1) "
	    "ready.", "UNIX Type: L8", 30000, 40000 },
	{ "*cisco*", STYLE_INETUTILS, "FTP server (GNU inetutils 1.4.1) "
	    "ready.", "UNIX Type: L8", 30000, 40000 },
	{ "*embedded*", STYLE_INETUTILS, "FTP server (GNU inetutils 1.4.1) "
	    "ready.", "UNIX Type: L8", 30000, 40000 },
	{ "*", STYLE_VSFTPD, "(vsFTPd 2.3.4)", "UNIX Type: L8", 40000,
	    50000 },
};

enum ftp_op { OP_NONE, OP_LIST, OP_NLST, OP_STOR };

struct ftp {
	const struct ftp_flavour *fl;
	uint8_t		 anon_ok, any_ok;	/* from vconn_arg */
	uint8_t		 logged_in, have_user, quit, skip;
	uint8_t		 pending;	/* enum ftp_op, waiting for the data
					   connection */
	uint8_t		 port_mode;	/* PORT/EPRT given: transfers fail */
	uint16_t	 pasv;		/* the port expected, 0: none */
	unsigned	 ncmds, fails;
	char		 type;
	char		 user[FTP_USER_MAX + 1];
	char		 cwd[FTP_PATH_MAX + 1];
	char		 name[FTP_PATH_MAX + 1];	/* STOR's, pending */
	struct buf	 in;
};

/* The data connection's side. */
struct ftp_data {
	uint8_t		 op;		/* enum ftp_op */
	uint8_t		 cut;		/* past VSERVICE_UPLOAD_MAX */
	uint64_t	 got;		/* bytes the client sent */
	char		 name[FTP_PATH_MAX + 1];
	struct buf	 up;		/* max 0 until STOR */
};

static int	data_start(struct flow *, struct ftp *, struct flow *);

/* The words of the service's arguments, for the login policy. */
static void
policy(struct flow *f, struct ftp *c)
{
	const char *a = vconn_arg(f);
	size_t n;

	while (a != NULL && *a != '\0') {
		n = strcspn(a, " ");
		if (n == 9 && strncmp(a, "anonymous", 9) == 0)
			c->anon_ok = 1;
		if (n == 3 && strncmp(a, "any", 3) == 0)
			c->any_ok = 1;
		a += n;
		a += strspn(a, " ");
	}
}

static void
login_event(struct flow *f, struct ftp *c, const uint8_t *pw, size_t pwlen,
    int ok)
{
	struct event ev;

	vconn_event_init(f, &ev, "ftp", "login");
	vconn_field(f, &ev, "user", c->user, strlen(c->user));
	vconn_field(f, &ev, "password", pw, pwlen);
	vconn_field(f, &ev, "success", ok ? "true" : "false",
	    ok ? 4 : 5);
	vconn_event_emit(f, &ev);
}

/* PORT h1,h2,h3,h4,p1,p2 (RFC 959 §4.1.2): the address it names. */
static int
parse_port(const uint8_t *a, size_t n, char *host, size_t hcap,
    unsigned *port)
{
	unsigned v[6];
	size_t i = 0, k;

	for (k = 0; k < 6; k++) {
		if (i >= n || !isdigit(a[i]))
			return -1;
		v[k] = 0;
		while (i < n && isdigit(a[i]) && v[k] < 1000)
			v[k] = v[k] * 10 + (unsigned)(a[i++] - '0');
		if (v[k] > 255)
			return -1;
		if (k < 5 && (i >= n || a[i++] != ','))
			return -1;
	}
	snprintf(host, hcap, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
	*port = v[4] << 8 | v[5];
	return 0;
}

/* EPRT |af|addr|port| (RFC 2428 §2): the address and port it names. */
static int
parse_eprt(const uint8_t *a, size_t n, char *host, size_t hcap,
    unsigned *port)
{
	const uint8_t *p[4];
	size_t i, k = 0, hl;
	unsigned v = 0;

	if (n < 6)
		return -1;
	for (i = 1; i < n && k < 4; i++)
		if (a[i] == a[0])
			p[k++] = a + i;
	if (k < 3)
		return -1;
	hl = (size_t)(p[1] - p[0]) - 1;
	if (hl == 0 || hl >= hcap)
		return -1;
	memcpy(host, p[0] + 1, hl);
	host[hl] = '\0';
	for (i = 0; i < hl; i++)
		if (!isxdigit((unsigned char)host[i]) && host[i] != '.' &&
		    host[i] != ':')
			return -1;
	for (i = 1; p[1] + i < p[2]; i++) {
		if (!isdigit(p[1][i]) || v > 65535)
			return -1;
		v = v * 10 + (unsigned)(p[1][i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static void
command_event(struct flow *f, const uint8_t *cmd, size_t clen,
    const uint8_t *arg, size_t alen)
{
	struct event ev;
	char host[64];
	unsigned port;
	char up[8];
	size_t i;

	for (i = 0; i < clen && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper(cmd[i]);
	up[i] = '\0';
	vconn_event_init(f, &ev, "ftp", "command");
	vconn_field(f, &ev, "cmd", up, i);
	if (alen > 0)
		vconn_field(f, &ev, "arg", arg, alen > FTP_ARG_EVENT ?
		    FTP_ARG_EVENT : alen);
	if ((vconn_word_eq(cmd, clen, "PORT") &&
	    parse_port(arg, alen, host, sizeof(host), &port) == 0) ||
	    (vconn_word_eq(cmd, clen, "EPRT") &&
	    parse_eprt(arg, alen, host, sizeof(host), &port) == 0)) {
		vconn_field(f, &ev, "host", host, strlen(host));
		vconn_fieldf(f, &ev, "port", "%u", port);
	}
	vconn_event_emit(f, &ev);
}

/* A path the client names, from the working directory: normalised
 * ("/a/b"), bounded, printable, no quotes (it is echoed in 257 replies
 * and names uploads). */
static void
resolve(const char *cwd, const uint8_t *a, size_t n, char *out, size_t cap)
{
	char p[FTP_PATH_MAX + 1];
	size_t i = 0, w, len;
	char *slash;

	/* Built without the root's slash: "" is "/". */
	if ((n > 0 && a[0] == '/') || strcmp(cwd, "/") == 0)
		p[0] = '\0';
	else
		strlcpy(p, cwd, sizeof(p));
	while (i < n) {
		while (i < n && a[i] == '/')
			i++;
		for (w = 0; i + w < n && a[i + w] != '/'; w++)
			;
		if (w == 0)
			break;
		if (w == 2 && a[i] == '.' && a[i + 1] == '.') {
			if ((slash = strrchr(p, '/')) != NULL)
				*slash = '\0';
		} else if (!(w == 1 && a[i] == '.')) {
			len = strlen(p);
			if (len + 1 + w < sizeof(p)) {
				p[len] = '/';
				memcpy(p + len + 1, a + i, w);
				p[len + 1 + w] = '\0';
			}
		}
		i += w;
	}
	if (p[0] == '\0')
		strlcpy(p, "/", sizeof(p));
	for (i = 0; p[i] != '\0'; i++)
		if ((unsigned char)p[i] < ' ' || (unsigned char)p[i] >= 0x7f ||
		    p[i] == '"')
			p[i] = '_';
	strlcpy(out, p, cap);
}

static int
do_user(struct flow *f, struct ftp *c, const uint8_t *a, size_t n)
{
	size_t i;

	if (n > FTP_USER_MAX)
		n = FTP_USER_MAX;
	for (i = 0; i < n; i++)
		c->user[i] = a[i] >= ' ' && a[i] < 0x7f ? (char)a[i] : '?';
	c->user[n] = '\0';
	c->have_user = 1;
	c->logged_in = 0;
	if (c->fl->style == STYLE_IIS)
		return vconn_printf(f, "331 Password required for %s.\r\n",
		    c->user);
	if ((strcmp(c->user, "anonymous") == 0 ||
	    strcmp(c->user, "ftp") == 0) && c->fl->style == STYLE_VSFTPD)
		return vconn_puts(f, "331 Please specify the password.\r\n");
	if (c->fl->style == STYLE_PROFTPD)
		return vconn_printf(f, "331 Password required for %s\r\n",
		    c->user);
	return vconn_printf(f, "331 Password required for %s.\r\n",
	    c->user);
}

static int
do_pass(struct flow *f, struct ftp *c, const uint8_t *a, size_t n)
{
	int anon, ok;

	if (!c->have_user)
		return vconn_puts(f, "503 Login with USER first.\r\n");
	anon = strcmp(c->user, "anonymous") == 0 ||
	    strcmp(c->user, "ftp") == 0;
	ok = c->any_ok || (anon && c->anon_ok);
	login_event(f, c, a, n, ok);
	c->have_user = 0;
	if (ok) {
		c->logged_in = 1;
		if (c->fl->style == STYLE_IIS)
			return vconn_printf(f, anon ? "230 Anonymous user "
			    "logged in.\r\n" : "230 User %s logged in.\r\n",
			    c->user);
		if (c->fl->style == STYLE_PROFTPD)
			return vconn_printf(f, anon ? "230 Anonymous access "
			    "granted, restrictions apply\r\n" : "230 User %s "
			    "logged in\r\n", c->user);
		return vconn_puts(f, "230 Login successful.\r\n");
	}
	if (++c->fails >= FTP_FAILS_MAX) {
		(void)vconn_puts(f, "421 Too many login failures.\r\n");
		c->quit = 1;
		vconn_close(f);
		return 0;
	}
	if (c->fl->style == STYLE_IIS)
		return vconn_printf(f, "530 User %s cannot log in.\r\n",
		    c->user);
	return vconn_puts(f, "530 Login incorrect.\r\n");
}

static int
do_pasv(struct flow *f, struct ftp *c, int extended)
{
	uint8_t mac[6], ip[16];
	int af;

	vconn_local(f, mac, ip, &af);
	if (!extended && af != AF_INET)
		return vconn_puts(f, "425 Use EPSV on IPv6.\r\n");
	c->port_mode = 0;
	c->pasv = vconn_expect(f, &vservice_ftp_data, c->fl->pasv_lo,
	    c->fl->pasv_hi);
	if (c->pasv == 0)
		return vconn_puts(f, "425 Can't open passive connection.\r\n");
	if (extended)
		return vconn_printf(f, "229 Entering Extended Passive Mode "
		    "(|||%u|)\r\n", c->pasv);
	return vconn_printf(f, "227 Entering Passive Mode "
	    "(%u,%u,%u,%u,%u,%u).\r\n", ip[0], ip[1], ip[2], ip[3],
	    c->pasv >> 8, c->pasv & 0xff);
}

/* LIST, NLST, STOR: over the data connection, now or when it comes. */
static int
transfer(struct flow *f, struct ftp *c, enum ftp_op op, const uint8_t *a,
    size_t n)
{
	struct ftp_data *d;
	struct flow *df;

	if (op == OP_STOR) {
		if (n == 0)
			return vconn_puts(f, "553 Could not create file.\r\n");
		/* The upload is named by its full path. */
		resolve(c->cwd, a, n, c->name, sizeof(c->name));
	}
	if (c->port_mode) {
		c->port_mode = 0;
		return vconn_puts(f, "425 Can't open data connection.\r\n");
	}
	/* A data connection that came for this PASV and is still unused. */
	df = vconn_partner(f);
	if ((d = vconn_state(df, &vservice_ftp_data)) != NULL &&
	    d->op == OP_NONE) {
		c->pending = (uint8_t)op;
		return data_start(f, c, df);
	}
	if (c->pasv == 0)
		return vconn_puts(f, "425 Use PORT or PASV first.\r\n");
	c->pending = (uint8_t)op;	/* the connection is on its way */
	return 0;
}

static const char feat_unix[] =
    "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n"
    " SIZE\r\n TVFS\r\n211 End\r\n";
static const char feat_iis[] =
    "211-FEAT\r\n SIZE\r\n MDTM\r\n211 END\r\n";

static int
command(struct flow *f, void *arg, const uint8_t *line, size_t len,
    int toolong)
{
	struct ftp *c = arg;
	const uint8_t *a;
	size_t clen, alen;
	int iis = c->fl->style == STYLE_IIS;

	if (c->quit)
		return 1;
	if (toolong)
		return vconn_puts(f, "500 Command line too long.\r\n");
	for (clen = 0; clen < len && line[clen] != ' '; clen++)
		;
	a = line + clen;
	alen = len - clen;
	while (alen > 0 && *a == ' ') {
		a++;
		alen--;
	}
	if (clen == 0)
		return 0;	/* an empty line: vsftpd ignores it too */
	if (++c->ncmds > FTP_CMDS_MAX) {
		(void)vconn_puts(f, "421 Too many commands.\r\n");
		c->quit = 1;
		vconn_close(f);
		return 1;
	}
	if (vconn_word_eq(line, clen, "USER"))
		return do_user(f, c, a, alen);
	if (vconn_word_eq(line, clen, "PASS"))
		return do_pass(f, c, a, alen);
	command_event(f, line, clen, a, alen);
	if (vconn_word_eq(line, clen, "QUIT")) {
		(void)vconn_puts(f, iis ? "221 \r\n" : "221 Goodbye.\r\n");
		c->quit = 1;
		vconn_close(f);
		return 1;
	}
	if (vconn_word_eq(line, clen, "SYST"))
		return vconn_printf(f, "215 %s\r\n", c->fl->syst);
	if (vconn_word_eq(line, clen, "FEAT"))
		return vconn_puts(f, iis ? feat_iis : feat_unix);
	if (vconn_word_eq(line, clen, "NOOP"))
		return vconn_puts(f, "200 NOOP ok.\r\n");
	if (vconn_word_eq(line, clen, "AUTH"))
		return vconn_puts(f,
		    "530 Please login with USER and PASS.\r\n");
	if (vconn_word_eq(line, clen, "OPTS"))
		return vconn_puts(f, "200 Always in UTF8 mode.\r\n");
	if (!c->logged_in)
		return vconn_puts(f,
		    "530 Please login with USER and PASS.\r\n");
	if (vconn_word_eq(line, clen, "PWD") ||
	    vconn_word_eq(line, clen, "XPWD"))
		return vconn_printf(f, iis ? "257 \"%s\" is current "
		    "directory.\r\n" : "257 \"%s\" is the current directory"
		    "\r\n", c->cwd);
	if (vconn_word_eq(line, clen, "CWD") ||
	    vconn_word_eq(line, clen, "XCWD") ||
	    vconn_word_eq(line, clen, "CDUP")) {
		if (vconn_word_eq(line, clen, "CDUP"))
			resolve(c->cwd, (const uint8_t *)"..", 2, c->cwd,
			    sizeof(c->cwd));
		else
			resolve(c->cwd, a, alen, c->cwd, sizeof(c->cwd));
		return vconn_puts(f, iis ? "250 CWD command successful.\r\n" :
		    "250 Directory successfully changed.\r\n");
	}
	if (vconn_word_eq(line, clen, "TYPE")) {
		if (alen == 0 || (toupper(a[0]) != 'A' && toupper(a[0]) != 'I'))
			return vconn_puts(f, "504 Bad TYPE command.\r\n");
		c->type = (char)toupper(a[0]);
		if (iis)
			return vconn_printf(f, "200 Type set to %c.\r\n",
			    c->type);
		return vconn_printf(f, "200 Switching to %s mode.\r\n",
		    c->type == 'A' ? "ASCII" : "Binary");
	}
	if (vconn_word_eq(line, clen, "MODE") ||
	    vconn_word_eq(line, clen, "STRU"))
		return vconn_puts(f, "200 Mode set to S.\r\n");
	if (vconn_word_eq(line, clen, "PASV"))
		return do_pasv(f, c, 0);
	if (vconn_word_eq(line, clen, "EPSV"))
		return do_pasv(f, c, 1);
	if (vconn_word_eq(line, clen, "PORT") ||
	    vconn_word_eq(line, clen, "EPRT")) {
		/* Acknowledged; the transfer will fail: we never connect. */
		c->port_mode = 1;
		c->pasv = 0;
		return vconn_puts(f,
		    "200 PORT command successful. Consider using "
		    "PASV.\r\n");
	}
	if (vconn_word_eq(line, clen, "LIST"))
		return transfer(f, c, OP_LIST, a, alen);
	if (vconn_word_eq(line, clen, "NLST"))
		return transfer(f, c, OP_NLST, a, alen);
	if (vconn_word_eq(line, clen, "STOR") ||
	    vconn_word_eq(line, clen, "APPE"))
		return transfer(f, c, OP_STOR, a, alen);
	if (vconn_word_eq(line, clen, "STOU"))
		return transfer(f, c, OP_STOR, (const uint8_t *)"ftp.upload",
		    10);
	if (vconn_word_eq(line, clen, "RETR") ||
	    vconn_word_eq(line, clen, "SIZE") ||
	    vconn_word_eq(line, clen, "MDTM"))
		return vconn_puts(f,
		    iis ? "550 The system cannot find the file "
		    "specified.\r\n" : "550 Could not get file size.\r\n");
	if (vconn_word_eq(line, clen, "MKD") ||
	    vconn_word_eq(line, clen, "XMKD"))
		return vconn_puts(f,
		    "550 Create directory operation failed.\r\n");
	if (vconn_word_eq(line, clen, "DELE") ||
	    vconn_word_eq(line, clen, "RMD") ||
	    vconn_word_eq(line, clen, "RNFR") ||
	    vconn_word_eq(line, clen, "RNTO"))
		return vconn_puts(f, "550 Permission denied.\r\n");
	if (vconn_word_eq(line, clen, "REST"))
		return vconn_puts(f, "350 Restart position accepted (0).\r\n");
	if (vconn_word_eq(line, clen, "ABOR"))
		return vconn_puts(f, "225 No transfer to ABOR.\r\n");
	if (vconn_word_eq(line, clen, "SITE") ||
	    vconn_word_eq(line, clen, "ALLO"))
		return vconn_puts(f,
		    "202 Command not implemented, superfluous at "
		    "this site.\r\n");
	if (vconn_word_eq(line, clen, "HELP"))
		return vconn_puts(f, "214 Help OK.\r\n");
	return vconn_puts(f, iis ? "500 Invalid command.\r\n" :
	    "500 Unknown command.\r\n");
}

static int
ftp_open(struct flow *f, void **state)
{
	struct ftp *c;

	if ((c = vconn_alloc(f, sizeof(*c))) == NULL)
		return -1;
	if (vconn_buf_init(f, &c->in, FTP_LINE_MAX) == -1) {
		vconn_free(f, c, sizeof(*c));
		return -1;
	}
	c->fl = vconn_flavour(f, flavours, sizeof(flavours) /
	    sizeof(flavours[0]), sizeof(flavours[0]));
	c->type = 'A';
	strlcpy(c->cwd, "/", sizeof(c->cwd));
	policy(f, c);
	*state = c;
	if (c->fl->style == STYLE_PROFTPD) {
		uint8_t mac[6], ip[16];
		int af;

		vconn_local(f, mac, ip, &af);
		return vconn_printf(f, "220 %s [%u.%u.%u.%u]\r\n",
		    c->fl->banner, ip[0], ip[1], ip[2], ip[3]);
	}
	return vconn_printf(f, "220 %s\r\n", c->fl->banner);
}

static int
ftp_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct ftp *c = state;

	return vconn_lines(f, &c->in, &c->skip, d, len, command, c);
}

static void
ftp_close(struct flow *f, void *state)
{
	struct ftp *c = state;

	if (c == NULL)
		return;
	vconn_buf_free(f, &c->in);
	vconn_free(f, c, sizeof(*c));
}

/* The fake listing, in the flavour's style. */
static void
listing(struct buf *b, const struct ftp *c, int names_only)
{
	static const char *const names[] = { "pub", "incoming",
	    "welcome.msg" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (names_only)
			(void)buf_printf(b, "%s\r\n", names[i]);
		else if (c->fl->style == STYLE_IIS)
			(void)buf_printf(b, i < 2 ?
			    "03-14-06  09:12AM       <DIR>          %s\r\n" :
			    "03-14-06  09:12AM                  214 %s\r\n",
			    names[i]);
		else
			(void)buf_printf(b, i < 2 ? "drwxr-xr-x    2 0        0"
			    "            4096 Mar 14  2010 %s\r\n" : "-rw-r--r--"
			    "    1 0        0             214 Mar 14  2010 %s\r\n",
			    names[i]);
	}
}

/* The data connection df is up and c has a transfer for it. */
static int
data_start(struct flow *f, struct ftp *c, struct flow *df)
{
	struct ftp_data *d = vconn_state(df, &vservice_ftp_data);
	struct buf out;
	int iis = c->fl->style == STYLE_IIS, rc;

	if (d == NULL || c->pending == OP_NONE)
		return 0;
	d->op = c->pending;
	c->pending = OP_NONE;
	c->pasv = 0;		/* one transfer per PASV */
	if (d->op == OP_STOR) {
		strlcpy(d->name, c->name, sizeof(d->name));
		if (d->up.max == 0 &&
		    vconn_buf_init(df, &d->up, VSERVICE_UPLOAD_MAX) == -1) {
			vconn_close(df);
			return vconn_puts(f,
			    "451 Requested action aborted: local "
			    "error in processing.\r\n");
		}
		return vconn_puts(f, iis ? "125 Data connection already open; "
		    "Transfer starting.\r\n" : "150 Ok to send data.\r\n");
	}
	buf_init(&out, 512);
	listing(&out, c, d->op == OP_NLST);
	rc = vconn_puts(f, iis ? "125 Data connection already open; Transfer "
	    "starting.\r\n" : "150 Here comes the directory listing.\r\n");
	if (rc == 0 && out.len > 0)
		(void)vconn_send(df, out.data, out.len);
	buf_free(&out);
	vconn_close(df);
	if (rc == 0)
		rc = vconn_puts(f, iis ? "226 Transfer complete.\r\n" :
		    "226 Directory send OK.\r\n");
	return rc;
}

static int
fdata_open(struct flow *f, void **state)
{
	struct ftp_data *d;
	struct flow *cf = vconn_partner(f);
	struct ftp *c = vconn_state(cf, &vservice_ftp);

	if ((d = vconn_alloc(f, sizeof(*d))) == NULL)
		return -1;
	*state = d;
	if (c != NULL && c->pending != OP_NONE)
		(void)data_start(cf, c, f);
	return 0;
}

static int
fdata_data(struct flow *f, void *state, const uint8_t *p, size_t len)
{
	struct ftp_data *d = state;
	size_t room;

	(void)f;
	d->got += len;
	/* Bytes before STOR (or with no session) are only recorded. */
	if (d->op != OP_STOR)
		return 0;
	room = d->up.max - d->up.len;
	if (len > room) {
		d->cut = 1;
		len = room;
	}
	(void)buf_add(&d->up, p, len);
	return 0;
}

static void
fdata_close(struct flow *f, void *state)
{
	struct ftp_data *d = state;
	struct flow *cf;
	struct ftp *c;
	struct event ev;

	if (d == NULL)
		return;
	if (d->op == OP_STOR) {
		vconn_event_init(f, &ev, "ftp", "upload");
		vconn_field(f, &ev, "name", d->name, strlen(d->name));
		vconn_fieldf(f, &ev, "size", "%llu",
		    (unsigned long long)d->got);
		vconn_fieldf(f, &ev, "kept", "%zu", d->up.len);
		if (d->cut)
			vconn_field(f, &ev, "truncated", "yes", 3);
		vconn_event_emit(f, &ev);
		if (d->up.len > 0)
			(void)vconn_upload(f, d->name, d->up.data, d->up.len);
		cf = vconn_partner(f);
		if ((c = vconn_state(cf, &vservice_ftp)) != NULL)
			(void)vconn_puts(cf, "226 Transfer complete.\r\n");
	}
	if (d->up.max > 0)
		vconn_buf_free(f, &d->up);
	vconn_free(f, d, sizeof(*d));
	vconn_close(f);
}

const struct vservice vservice_ftp = {
	"ftp", ftp_open, ftp_data, ftp_close
};

const struct vservice vservice_ftp_data = {
	"ftp-data", fdata_open, fdata_data, fdata_close
};
