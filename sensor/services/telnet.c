/*
 * telnet and login: a login prompt and a fake shell in the flavour of the
 * template's OS (a Linux getty, the Microsoft Telnet Service, a Cisco
 * router's "User Access Verification", a BusyBox device).
 *
 * telnet (23) opens with RFC 854/855 option negotiation as the real
 * daemon does (netkit's DO TTYPE, TSPEED, XDISPLOC, NEW-ENVIRON, then
 * WILL ECHO and SGA once the client answers; Microsoft's WILL ECHO, SGA,
 * BINARY with DO NEW-ENVIRON, NAWS, BINARY; IOS's WILL ECHO, SGA, DO
 * TTYPE, NAWS), TTYPE (RFC 1091) and NAWS (RFC 1073) subnegotiations
 * read.  The client's requests
 * are answered so that no loop can start (a request is answered only if
 * it changes the option's state, RFC 854's rule), subnegotiations are
 * bounded, IAC IAC is a data 0xff.  login (2323, or anywhere) is the
 * same without the opening negotiation, for raw clients; IAC sequences
 * are still understood.
 *
 * Every user name and password is accepted: a "login" event (user,
 * password, success, term).  Then each shell command (split at ; && ||
 * and |) is a "command" event (command, program, and url for wget, curl,
 * tftp and ftpget: the URL they name, which is never fetched), answered
 * for a few (uname, id, whoami, ls, pwd, cat /proc/cpuinfo, echo, ver,
 * show version, exit).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "vservice.h"

#define TEL_LINE_MAX	512
#define TEL_SB_MAX	64
#define TEL_CMDS_MAX	200	/* lines, then the shell hangs up */
#define TEL_PARTS_MAX	16	/* commands in one line */
#define TEL_TOKENS_MAX	32
#define TEL_USER_MAX	32

/* RFC 854 */
#define IAC	255
#define DONT	254
#define DO	253
#define WONT	252
#define WILL	251
#define SB	250
#define GA	249
#define EL	248
#define EC	247
#define AYT	246
#define IP	244
#define SE	240
/* Options: RFC 856, 857, 858, 1091, 1073 */
#define OPT_BINARY	0
#define OPT_ECHO	1
#define OPT_SGA		3
#define OPT_TTYPE	24
#define OPT_NAWS	31

/* Per-option state bits. */
#define O_US		0x01	/* we do it */
#define O_US_ASKED	0x02	/* we offered WILL */
#define O_HIM		0x04	/* the client does it */
#define O_HIM_ASKED	0x08	/* we asked DO */

enum tel_style { STYLE_LINUX, STYLE_BUSYBOX, STYLE_WINDOWS, STYLE_ROUTER };

struct tel_flavour {
	const char	*pattern;
	enum tel_style	 style;
	/* telnet's opening negotiation, as the real daemon sends it (nmap
	 * tells telnetds apart by it); with wait set the banner waits for
	 * the client's first bytes, and later goes out before it. */
	const char	*offer;
	size_t		 offer_len;
	const char	*later;
	size_t		 later_len;
	int		 wait;
	const char	*banner;	/* before the first prompt */
	const char	*uname;		/* uname -a after "Linux HOST " */
	const char	*version;	/* ver, show version */
};

/* A byte string and its length (options include BINARY, 0). */
#define B(s)	s, sizeof(s) - 1
/* IAC DO TTYPE, TSPEED, XDISPLOC, NEW-ENVIRON; later WILL ECHO, SGA */
#define NETKIT	B("\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"), \
		B("\xff\xfb\x01\xff\xfb\x03"), 1
/* IAC WILL ECHO, SGA, DO NEW-ENVIRON, NAWS, BINARY, WILL BINARY */
#define MS2000	B("\xff\xfb\x01\xff\xfb\x03\xff\xfd\x27\xff\xfd\x1f" \
		"\xff\xfd\x00\xff\xfb\x00"), B(""), 0
/* the same after IAC DO AUTHENTICATION */
#define MSXP	B("\xff\xfd\x25\xff\xfb\x01\xff\xfb\x03\xff\xfd\x27" \
		"\xff\xfd\x1f\xff\xfd\x00\xff\xfb\x00"), B(""), 0
/* IAC WILL ECHO, SGA, DO TTYPE, NAWS */
#define IOS	B("\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18\xff\xfd\x1f"), \
		B(""), 1
/* IAC DO ECHO, NAWS, LFLOW, WILL ECHO, SGA */
#define BUSYBOX	B("\xff\xfd\x01\xff\xfd\x1f\xff\xfd\x21\xff\xfb\x01" \
		"\xff\xfb\x03"), B(""), 0

static const struct tel_flavour flavours[] = {
	{ "*windows*xp*", STYLE_WINDOWS, MSXP,
	    "Welcome to Microsoft Telnet Service \r\n\r\n", NULL,
	    "Microsoft Windows XP [Version 5.1.2600]" },
	{ "*windows*", STYLE_WINDOWS, MS2000,
	    "Welcome to Microsoft Telnet Service \r\n\r\n", NULL,
	    "Microsoft Windows 2000 [Version 5.00.2195]" },
	{ "*microsoft*", STYLE_WINDOWS, MS2000,
	    "Welcome to Microsoft Telnet Service \r\n\r\n", NULL,
	    "Microsoft Windows 2000 [Version 5.00.2195]" },
	{ "*cisco*", STYLE_ROUTER, IOS,
	    "\r\n\r\nUser Access Verification\r\n\r\n",
	    NULL, "Cisco Internetwork Operating System Software \r\nIOS (tm) "
	    "C2600 Software (C2600-IK9O3S3-M), Version 12.3(6), RELEASE "
	    "SOFTWARE (fc3)" },
	{ "*router*", STYLE_ROUTER, IOS,
	    "\r\n\r\nUser Access Verification\r\n\r\n",
	    NULL, "Cisco Internetwork Operating System Software \r\nIOS (tm) "
	    "C2600 Software (C2600-IK9O3S3-M), Version 12.3(6), RELEASE "
	    "SOFTWARE (fc3)" },
	{ "*switch*", STYLE_ROUTER, IOS,
	    "\r\n\r\nUser Access Verification\r\n\r\n",
	    NULL, "Cisco Internetwork Operating System Software \r\nIOS (tm) "
	    "C2950 Software (C2950-I6Q4L2-M), Version 12.1(22)EA4, RELEASE "
	    "SOFTWARE (fc1)" },
	{ "*embedded*", STYLE_BUSYBOX, BUSYBOX,
	    "\r\n", "2.6.36 #1 Thu Jun 13 "
	    "10:21:25 CST 2013 mips GNU/Linux", "2.6.36" },
	{ "*linux 2.4*", STYLE_LINUX, NETKIT,
	    "Red Hat Linux release 9 (Shrike)\r\n"
	    "Kernel 2.4.20-8 on an i686\r\n", "2.4.20-8 #1 Thu Mar "
	    "13 17:54:28 EST 2003 i686 i686 i386 GNU/Linux", "2.4.20-8" },
	{ "*", STYLE_LINUX, NETKIT,
	    "Debian GNU/Linux 6.0\r\n",
	    "2.6.32-5-686 #1 SMP Mon Feb 25 01:04:36 UTC 2013 i686 GNU/Linux",
	    "2.6.32-5-686" },
};

enum tel_st { ST_USER, ST_PASS, ST_SHELL, ST_DONE };
enum tel_iac { IN_DATA, IN_IAC, IN_OPT, IN_SB, IN_SB_IAC };

struct telnet {
	const struct tel_flavour *fl;
	uint8_t		 st, in, verb, cr, sbcut;
	uint8_t		 waiting;	/* for the client before the banner */
	unsigned	 ncmds;
	uint16_t	 cols, rows;
	size_t		 sblen, llen;
	char		 host[32];
	char		 user[TEL_USER_MAX + 1];
	char		 term[32];
	uint8_t		 opt[256];	/* O_* per option */
	uint8_t		 sb[TEL_SB_MAX];
	char		 line[TEL_LINE_MAX + 1];
};

static int	greet(struct flow *, struct telnet *, int);

static int
iac3(struct flow *f, uint8_t verb, uint8_t option)
{
	uint8_t b[3] = { IAC, verb, option };

	return vconn_send(f, b, 3);
}

static int
echoing(const struct telnet *t)
{
	return (t->opt[OPT_ECHO] & O_US) != 0;
}

static int
prompt(struct flow *f, struct telnet *t)
{
	int unix = t->fl->style == STYLE_LINUX ||
	    t->fl->style == STYLE_BUSYBOX;

	switch (t->st) {
	case ST_USER:
		if (t->fl->style == STYLE_ROUTER)
			return vconn_puts(f, "Username: ");
		if (unix)
			return vconn_printf(f, "%s login: ", t->host);
		return vconn_puts(f, "login: ");
	case ST_PASS:
		return vconn_puts(f,
		    t->fl->style == STYLE_WINDOWS ? "password: " :
		    "Password: ");
	case ST_SHELL:
		if (t->fl->style == STYLE_WINDOWS)
			return vconn_puts(f, "C:\\Documents and Settings\\"
			    "Administrator>");
		if (t->fl->style == STYLE_ROUTER)
			return vconn_printf(f, "%s>", t->host);
		if (t->fl->style == STYLE_BUSYBOX)
			return vconn_puts(f, "# ");
		if (strcmp(t->user, "root") == 0)
			return vconn_printf(f, "root@%s:~# ", t->host);
		return vconn_printf(f, "%s@%s:~$ ", t->user, t->host);
	}
	return 0;
}

/* A token's bytes with one pair of surrounding quotes taken off. */
struct tok {
	const char	*p;
	size_t		 n;
};

static size_t
tokenize(const char *s, size_t len, struct tok *tk, size_t cap)
{
	size_t i = 0, n = 0, w;

	while (i < len && n < cap) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		for (w = 0; i + w < len && s[i + w] != ' ' &&
		    s[i + w] != '\t'; w++)
			;
		tk[n].p = s + i;
		tk[n].n = w;
		if (w >= 2 && (s[i] == '"' || s[i] == '\'') &&
		    s[i + w - 1] == s[i]) {
			tk[n].p++;
			tk[n].n -= 2;
		}
		n++;
		i += w;
	}
	return n;
}

static int
tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

/* The program's name: the first token's last path component, past a
 * leading "busybox". */
static size_t
program(struct tok *tk, size_t n, struct tok *prog)
{
	size_t i = 0, k;

	for (;;) {
		if (i >= n) {
			prog->p = "";
			prog->n = 0;
			return i;
		}
		*prog = tk[i];
		for (k = prog->n; k > 0 && prog->p[k - 1] != '/'; k--)
			;
		prog->p += k;
		prog->n -= k;
		if (!tok_is(prog, "busybox") || i + 1 >= n)
			return i;
		i++;
	}
}

/* The URL a downloader names (never fetched): into url, its length. */
static size_t
fetch_url(const struct tok *prog, const struct tok *tk, size_t n,
    char *url, size_t cap)
{
	const struct tok *host = NULL, *file = NULL;
	size_t i;

	url[0] = '\0';
	if (tok_is(prog, "wget") || tok_is(prog, "curl")) {
		for (i = 1; i < n; i++)
			if (memmem(tk[i].p, tk[i].n, "://", 3) != NULL) {
				snprintf(url, cap, "%.*s", (int)tk[i].n,
				    tk[i].p);
				return strlen(url);
			}
		/* Without a scheme: the first word that is not an option
		 * or an option's value. */
		for (i = 1; i < n; i++) {
			if (tk[i].n == 2 && tk[i].p[0] == '-' &&
			    memchr(tok_is(prog, "wget") ? "OoPUtT" : "ouAHXde",
			    tk[i].p[1], 7) != NULL) {
				i++;
				continue;
			}
			if (tk[i].n > 0 && tk[i].p[0] != '-' &&
			    memchr(tk[i].p, '.', tk[i].n) != NULL) {
				snprintf(url, cap, "http://%.*s",
				    (int)tk[i].n, tk[i].p);
				return strlen(url);
			}
		}
		return 0;
	}
	if (tok_is(prog, "tftp")) {
		/* busybox: tftp -g -r FILE [-l LOCAL] HOST; Linux:
		 * tftp HOST -c get FILE; Windows: tftp -i HOST GET FILE */
		for (i = 1; i < n; i++) {
			if ((tok_is(&tk[i], "-r") || tok_is(&tk[i], "get") ||
			    tok_is(&tk[i], "GET")) && i + 1 < n) {
				file = &tk[++i];
				continue;
			}
			if (tok_is(&tk[i], "-l") && i + 1 < n) {
				i++;	/* the local name */
				continue;
			}
			if (tk[i].n > 0 && tk[i].p[0] != '-' && host == NULL &&
			    !tok_is(&tk[i], "put") && !tok_is(&tk[i], "PUT"))
				host = &tk[i];
		}
	} else if (tok_is(prog, "ftpget")) {
		/* ftpget [-u USER] [-p PASS] [-P PORT] HOST LOCAL REMOTE */
		for (i = 1; i < n; i++) {
			if (tk[i].n == 2 && tk[i].p[0] == '-') {
				i++;
				continue;
			}
			if (host == NULL)
				host = &tk[i];
			else
				file = &tk[i];
		}
	} else
		return 0;
	if (host == NULL)
		return 0;
	snprintf(url, cap, "%s://%.*s/%.*s", tok_is(prog, "tftp") ? "tftp" :
	    "ftp", (int)host->n, host->p, file != NULL ? (int)file->n : 0,
	    file != NULL ? file->p : "");
	return strlen(url);
}

static const char cpuinfo[] =
    "processor\t: 0\r\nvendor_id\t: GenuineIntel\r\ncpu family\t: 6\r\n"
    "model\t\t: 15\r\nmodel name\t: Intel(R) Core(TM)2 CPU 4300 @ 1.80GHz"
    "\r\ncpu MHz\t\t: 1795.521\r\ncache size\t: 2048 KB\r\nbogomips\t: "
    "3591.04\r\n\r\n";

/* Answer one command; 1 if the session ends. */
static int
unix_answer(struct flow *f, struct telnet *t, const struct tok *prog,
    const struct tok *tk, size_t n, const char *url)
{
	int root = strcmp(t->user, "root") == 0;
	size_t i;

	if (tok_is(prog, "exit") || tok_is(prog, "logout"))
		return 1;
	if (tok_is(prog, "uname")) {
		if (n > 1 && tok_is(&tk[1], "-a"))
			(void)vconn_printf(f, "Linux %s %s", t->host,
			    t->fl->uname);
		else if (n > 1 && tok_is(&tk[1], "-r"))
			(void)vconn_puts(f, t->fl->version);
		else if (n > 1 && tok_is(&tk[1], "-m"))
			(void)vconn_puts(f,
			    t->fl->style == STYLE_BUSYBOX ? "mips" :
			    "i686");
		else
			(void)vconn_puts(f, "Linux");
		(void)vconn_puts(f, "\r\n");
	} else if (tok_is(prog, "id"))
		(void)vconn_printf(f, root ? "uid=0(root) gid=0(root) "
		    "groups=0(root)\r\n" : "uid=1000(%s) gid=1000(%s) "
		    "groups=1000(%s)\r\n", t->user, t->user, t->user);
	else if (tok_is(prog, "whoami"))
		(void)vconn_printf(f, "%s\r\n", t->user);
	else if (tok_is(prog, "pwd"))
		(void)vconn_printf(f, root ? "/root\r\n" : "/home/%s\r\n",
		    t->user);
	else if (tok_is(prog, "ls"))
		(void)vconn_puts(f,
		    "bin   dev  home  lib  mnt  proc  sbin  tmp  usr  "
		    "var\r\n");
	else if (tok_is(prog, "cat") && n > 1 &&
	    tok_is(&tk[1], "/proc/cpuinfo"))
		(void)vconn_puts(f, cpuinfo);
	else if (tok_is(prog, "cat") && n > 1)
		(void)vconn_printf(f, "cat: %.*s: No such file or directory"
		    "\r\n", (int)(tk[1].n > 64 ? 64 : tk[1].n), tk[1].p);
	else if (tok_is(prog, "echo")) {
		for (i = 1; i < n; i++)
			(void)vconn_printf(f, "%s%.*s", i > 1 ? " " : "",
			    (int)tk[i].n, tk[i].p);
		(void)vconn_puts(f, "\r\n");
	} else if (tok_is(prog, "wget") && url[0] != '\0')
		(void)vconn_printf(f, "wget: unable to resolve host address"
		    "\r\n");
	else if (tok_is(prog, "curl") && url[0] != '\0')
		(void)vconn_puts(f, "curl: (6) Could not resolve host\r\n");
	else if (tok_is(prog, "tftp") || tok_is(prog, "ftpget"))
		(void)vconn_printf(f, "%.*s: timeout\r\n", (int)prog->n,
		    prog->p);
	else if (tok_is(prog, "cd") || tok_is(prog, "sh") ||
	    tok_is(prog, "enable") || tok_is(prog, "system") ||
	    tok_is(prog, "shell") || tok_is(prog, "chmod") ||
	    tok_is(prog, "rm") || tok_is(prog, "export"))
		;	/* silent success */
	else if (t->fl->style == STYLE_BUSYBOX)
		(void)vconn_printf(f, "-sh: %.*s: not found\r\n",
		    (int)(prog->n > 64 ? 64 : prog->n), prog->p);
	else
		(void)vconn_printf(f, "-bash: %.*s: command not found\r\n",
		    (int)(prog->n > 64 ? 64 : prog->n), prog->p);
	return 0;
}

static int
windows_answer(struct flow *f, struct telnet *t, const struct tok *prog,
    const struct tok *tk, size_t n)
{
	(void)tk;
	(void)n;
	if (tok_is(prog, "exit") || tok_is(prog, "logout"))
		return 1;
	if (tok_is(prog, "ver"))
		(void)vconn_printf(f, "\r\n%s\r\n\r\n", t->fl->version);
	else if (tok_is(prog, "whoami"))
		(void)vconn_printf(f, "%s\\%s\r\n", t->host, t->user);
	else if (tok_is(prog, "dir"))
		(void)vconn_puts(f, " Volume in drive C has no label.\r\n\r\n "
		    "Directory of C:\\Documents and Settings\\Administrator\r\n"
		    "\r\n03/14/2006  09:12 AM    <DIR>          .\r\n"
		    "03/14/2006  09:12 AM    <DIR>          ..\r\n"
		    "03/14/2006  09:12 AM    <DIR>          My Documents\r\n"
		    "               0 File(s)              0 bytes\r\n");
	else if (tok_is(prog, "cd") || tok_is(prog, "echo"))
		;
	else if (tok_is(prog, "tftp"))
		(void)vconn_puts(f,
		    "Timeout occurred\r\nConnect request failed\r\n");
	else
		(void)vconn_printf(f, "'%.*s' is not recognized as an internal "
		    "or external command,\r\noperable program or batch "
		    "file.\r\n",
		    (int)(prog->n > 64 ? 64 : prog->n), prog->p);
	return 0;
}

static int
router_answer(struct flow *f, struct telnet *t, const struct tok *prog,
    const struct tok *tk, size_t n)
{
	if (tok_is(prog, "exit") || tok_is(prog, "logout") ||
	    tok_is(prog, "quit"))
		return 1;
	if ((tok_is(prog, "show") || tok_is(prog, "sh")) && n > 1 &&
	    tk[1].n >= 3 && memcmp(tk[1].p, "ver", 3) == 0)
		(void)vconn_printf(f, "%s\r\n", t->fl->version);
	else if (tok_is(prog, "enable") || tok_is(prog, "en"))
		(void)vconn_puts(f, "% Error in authentication.\r\n");
	else
		(void)vconn_puts(f,
		    "% Unknown command or computer name, or unable to "
		    "find computer address\r\n");
	return 0;
}

/* One command (a part of a line); 1 if the session ends. */
static int
run(struct flow *f, struct telnet *t, const char *s, size_t len)
{
	struct tok tk[TEL_TOKENS_MAX], prog;
	struct event ev;
	char url[EVENT_TEXT_MAX + 1];
	size_t n, first;

	n = tokenize(s, len, tk, TEL_TOKENS_MAX);
	if (n == 0)
		return 0;
	first = program(tk, n, &prog);
	vconn_event_init(f, &ev, NULL, "command");
	vconn_field(f, &ev, "command", s, len);
	vconn_field(f, &ev, "program", prog.p, prog.n);
	if (fetch_url(&prog, tk + first, n - first, url, sizeof(url)) > 0)
		vconn_field(f, &ev, "url", url, strlen(url));
	vconn_event_emit(f, &ev);
	switch (t->fl->style) {
	case STYLE_WINDOWS:
		return windows_answer(f, t, &prog, tk + first, n - first);
	case STYLE_ROUTER:
		return router_answer(f, t, &prog, tk + first, n - first);
	default:
		return unix_answer(f, t, &prog, tk + first, n - first, url);
	}
}

/* A shell line: its commands, split at ; && || and |. */
static int
shell_line(struct flow *f, struct telnet *t, const char *s, size_t len)
{
	size_t i = 0, start = 0, parts = 0;

	while (i <= len && parts < TEL_PARTS_MAX) {
		if (i == len || s[i] == ';' || s[i] == '|' ||
		    (s[i] == '&' && i + 1 < len && s[i + 1] == '&')) {
			parts++;
			if (run(f, t, s + start, i - start) == 1)
				return 1;
			if (i + 1 < len && (s[i] == '|' || s[i] == '&') &&
			    s[i + 1] == s[i])
				i++;
			start = i + 1;
		}
		i++;
	}
	return 0;
}

static void
login_event(struct flow *f, struct telnet *t, const char *pw, size_t n)
{
	struct event ev;

	vconn_event_init(f, &ev, NULL, "login");
	vconn_field(f, &ev, "user", t->user, strlen(t->user));
	vconn_field(f, &ev, "password", pw, n);
	vconn_field(f, &ev, "success", "true", 4);
	if (t->term[0] != '\0')
		vconn_field(f, &ev, "term", t->term, strlen(t->term));
	if (t->cols != 0)
		vconn_fieldf(f, &ev, "window", "%ux%u", t->cols, t->rows);
	vconn_event_emit(f, &ev);
}

static const char ms_welcome[] =
    "\r\n*===============================================================\r\n"
    "Welcome to Microsoft Telnet Server.\r\n"
    "*===============================================================\r\n";

/* A complete line in t->line. */
static int
line_done(struct flow *f, struct telnet *t)
{
	size_t n = t->llen, i;

	t->llen = 0;
	if (echoing(t) || t->st == ST_PASS)
		(void)vconn_puts(f, "\r\n");
	switch (t->st) {
	case ST_USER:
		if (n == 0)
			break;
		if (n > TEL_USER_MAX)
			n = TEL_USER_MAX;
		for (i = 0; i < n; i++)
			t->user[i] = isalnum((unsigned char)t->line[i]) ||
			    t->line[i] == '_' || t->line[i] == '-' ||
			    t->line[i] == '.' ? t->line[i] : '_';
		t->user[n] = '\0';
		t->st = ST_PASS;
		break;
	case ST_PASS:
		login_event(f, t, t->line, n);
		t->st = ST_SHELL;
		if (t->fl->style == STYLE_WINDOWS)
			(void)vconn_puts(f, ms_welcome);
		else if (t->fl->style == STYLE_LINUX)
			(void)vconn_puts(f,
			    "\r\nThe programs included with the "
			    "Debian GNU/Linux system are free software.\r\n"
			    "\r\n");
		break;
	case ST_SHELL:
		if (++t->ncmds > TEL_CMDS_MAX ||
		    shell_line(f, t, t->line, n) == 1) {
			t->st = ST_DONE;
			vconn_close(f);
			return 0;
		}
		break;
	default:
		return 0;
	}
	return prompt(f, t);
}

/* Our answer to the client's DO/DONT/WILL/WONT (RFC 854 §"Telnet Option
 * Negotiation": acknowledge only a change). */
static int
negotiate(struct flow *f, struct telnet *t, uint8_t verb, uint8_t o)
{
	uint8_t *s = &t->opt[o];
	/* What we do, and what we let the client do: whatever the
	 * daemon offered or asked, and a few more. */
	int ours = o == OPT_ECHO || o == OPT_SGA || o == OPT_BINARY ||
	    (*s & O_US_ASKED);
	int theirs = o == OPT_TTYPE || o == OPT_NAWS || o == OPT_SGA ||
	    o == OPT_BINARY || (*s & O_HIM_ASKED);

	switch (verb) {
	case DO:
		if (!ours)
			return iac3(f, WONT, o);
		if (*s & O_US)
			return 0;
		*s |= O_US;
		if (*s & O_US_ASKED) {
			*s &= ~O_US_ASKED;
			return 0;
		}
		return iac3(f, WILL, o);
	case DONT:
		if (*s & O_US_ASKED) {
			*s &= ~(O_US_ASKED | O_US);
			return 0;
		}
		if (!(*s & O_US))
			return 0;
		*s &= ~O_US;
		return iac3(f, WONT, o);
	case WILL:
		if (!theirs)
			return iac3(f, DONT, o);
		if (*s & O_HIM)
			return 0;
		*s |= O_HIM;
		if (*s & O_HIM_ASKED)
			*s &= ~O_HIM_ASKED;
		else if (iac3(f, DO, o) == -1)
			return -1;
		if (o == OPT_TTYPE) {
			/* RFC 1091: IAC SB TERMINAL-TYPE SEND IAC SE */
			static const uint8_t send[] = { IAC, SB, OPT_TTYPE, 1,
			    IAC, SE };

			return vconn_send(f, send, sizeof(send));
		}
		return 0;
	case WONT:
		if (*s & O_HIM_ASKED) {
			*s &= ~(O_HIM_ASKED | O_HIM);
			return 0;
		}
		if (!(*s & O_HIM))
			return 0;
		*s &= ~O_HIM;
		return iac3(f, DONT, o);
	}
	return 0;
}

/* IAC SB ... IAC SE, in t->sb. */
static void
subneg(struct telnet *t)
{
	size_t i, n;

	if (t->sbcut || t->sblen < 2)
		return;
	if (t->sb[0] == OPT_TTYPE && t->sb[1] == 0) {	/* IS */
		n = t->sblen - 2 < sizeof(t->term) - 1 ? t->sblen - 2 :
		    sizeof(t->term) - 1;
		for (i = 0; i < n; i++)
			t->term[i] = t->sb[2 + i] > ' ' && t->sb[2 + i] < 0x7f ?
			    (char)t->sb[2 + i] : '?';
		t->term[n] = '\0';
	} else if (t->sb[0] == OPT_NAWS && t->sblen >= 5) {
		t->cols = (uint16_t)(t->sb[1] << 8 | t->sb[2]);
		t->rows = (uint16_t)(t->sb[3] << 8 | t->sb[4]);
	}
}

/* One byte of the client's text, after the IAC layer. */
static int
text(struct flow *f, struct telnet *t, uint8_t c)
{
	uint8_t e = c;

	if (t->cr && (c == '\n' || c == '\0')) {
		t->cr = 0;
		return 0;		/* CR LF and CR NUL end one line */
	}
	t->cr = c == '\r';
	switch (c) {
	case '\r':
	case '\n':
		t->line[t->llen] = '\0';
		return line_done(f, t);
	case '\0':
		return 0;
	case 0x08:
	case 0x7f:
		if (t->llen > 0) {
			t->llen--;
			if (echoing(t) && t->st != ST_PASS)
				return vconn_puts(f, "\b \b");
		}
		return 0;
	case 0x03:		/* ^C: the line is dropped */
		t->llen = 0;
		if (t->st != ST_SHELL)
			return 0;
		return vconn_puts(f, "^C\r\n") == -1 ? -1 : prompt(f, t);
	case 0x04:		/* ^D on an empty line: logout */
		if (t->llen == 0 && t->st == ST_SHELL) {
			t->st = ST_DONE;
			vconn_close(f);
		}
		return 0;
	}
	if (c < ' ' && c != '\t')
		return 0;
	if (t->llen < TEL_LINE_MAX)
		t->line[t->llen++] = (char)c;
	if (echoing(t) && t->st != ST_PASS)
		return vconn_send(f, &e, 1);
	return 0;
}

static int
telnet_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct telnet *t = state;
	size_t i;
	uint8_t c;
	int rc = 0;

	if (t->waiting && len > 0 && greet(f, t, 1) == -1)
		return -1;
	for (i = 0; i < len && rc == 0 && t->st != ST_DONE; i++) {
		c = d[i];
		switch (t->in) {
		case IN_DATA:
			if (c == IAC)
				t->in = IN_IAC;
			else
				rc = text(f, t, c);
			break;
		case IN_IAC:
			t->in = IN_DATA;
			if (c == IAC)
				rc = text(f, t, c);
			else if (c >= WILL && c <= DONT) {
				t->verb = c;
				t->in = IN_OPT;
			} else if (c == SB) {
				t->sblen = 0;
				t->sbcut = 0;
				t->in = IN_SB;
			} else if (c == AYT)
				rc = vconn_puts(f, "\r\n[Yes]\r\n");
			else if (c == EC && t->llen > 0)
				t->llen--;
			else if (c == EL || c == IP)
				t->llen = 0;
			break;
		case IN_OPT:
			t->in = IN_DATA;
			rc = negotiate(f, t, t->verb, c);
			break;
		case IN_SB:
		case IN_SB_IAC:
			if (t->in == IN_SB && c == IAC) {
				t->in = IN_SB_IAC;
				break;
			}
			if (t->in == IN_SB_IAC && c != IAC) {
				/* IAC SE ends it; anything else is an
				 * error that ends it too (RFC 855). */
				t->in = c == SE ? IN_DATA : IN_IAC;
				if (c == SE)
					subneg(t);
				else
					i--;	/* seen again as a command */
				break;
			}
			t->in = IN_SB;
			if (t->sblen < TEL_SB_MAX)
				t->sb[t->sblen++] = c;
			else
				t->sbcut = 1;
			break;
		}
	}
	return rc == -1 ? -1 : 0;
}

/* Note what we offered (WILL) and asked for (DO) in b. */
static void
asked(struct telnet *t, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		if (b[i] != IAC)
			break;
		if (b[i + 1] == WILL)
			t->opt[b[i + 2]] |= O_US_ASKED;
		else if (b[i + 1] == DO)
			t->opt[b[i + 2]] |= O_HIM_ASKED;
	}
}

/* The rest of the opening: what the daemon sends once the client has
 * answered, the banner, the first prompt. */
static int
greet(struct flow *f, struct telnet *t, int negotiating)
{
	const struct tel_flavour *fl = t->fl;

	t->waiting = 0;
	if (negotiating && fl->later_len > 0) {
		asked(t, (const uint8_t *)fl->later, fl->later_len);
		if (vconn_send(f, fl->later, fl->later_len) == -1)
			return -1;
	}
	if (vconn_puts(f, fl->banner) == -1)
		return -1;
	return prompt(f, t);
}

static int
open_common(struct flow *f, void **state, int negotiating)
{
	const struct tel_flavour *fl;
	struct telnet *t;

	if ((t = vconn_alloc(f, sizeof(*t))) == NULL)
		return -1;
	*state = t;
	t->fl = fl = vconn_flavour(f, flavours, sizeof(flavours) /
	    sizeof(flavours[0]), sizeof(flavours[0]));
	vconn_hostname(f, t->host, sizeof(t->host),
	    fl->style == STYLE_WINDOWS);
	if (!negotiating)
		return greet(f, t, 0);
	asked(t, (const uint8_t *)fl->offer, fl->offer_len);
	if (vconn_send(f, fl->offer, fl->offer_len) == -1)
		return -1;
	if (fl->wait) {
		t->waiting = 1;
		return 0;
	}
	return greet(f, t, 1);
}

static int
telnet_open(struct flow *f, void **state)
{
	return open_common(f, state, 1);
}

static int
login_open(struct flow *f, void **state)
{
	return open_common(f, state, 0);
}

static void
telnet_close(struct flow *f, void *state)
{
	if (state != NULL)
		vconn_free(f, state, sizeof(struct telnet));
}

const struct vservice vservice_telnet = {
	"telnet", telnet_open, telnet_data, telnet_close
};

const struct vservice vservice_login = {
	"login", login_open, telnet_data, telnet_close
};
