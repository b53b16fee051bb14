/*
 * dias-server.conf parser: a tokenizer and a sorted keyword table.  The
 * grammar is flat (no blocks), so a hand-written parser stays smaller
 * than a bison one while keeping the sensor's error style.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "log.h"
#include "server_conf.h"

#define WORDS_MAX	8
#define WORD_MAX	1024
#define CONF_MAX	(1024 * 1024)

struct pstate {
	const char	*file;
	int		 line;
	int		 errors;
	void		(*report)(void *, const char *);
	void		*arg;
	struct server_conf *c;
	uint32_t	 seen;		/* keywords given, one bit each */
};

static void __attribute__((format(printf, 2, 3)))
perr(struct pstate *ps, const char *fmt, ...)
{
	char msg[1400], full[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%d: %s", ps->file, ps->line, msg);
	ps->errors++;
	if (ps->report != NULL)
		ps->report(ps->arg, full);
	else
		log_warnx("%s", full);
}

/* Numbers: decimal, in [min, max], with an optional unit suffix. */
struct unit {
	char		 c;
	uint64_t	 mul;
};
static const struct unit size_units[] = {
	{ 'k', 1024ULL }, { 'K', 1024ULL }, { 'm', 1024ULL * 1024 },
	{ 'M', 1024ULL * 1024 }, { 'g', 1024ULL * 1024 * 1024 },
	{ 'G', 1024ULL * 1024 * 1024 }, { 0, 0 }
};
static const struct unit time_units[] = {
	{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 0, 0 }
};

static int
number(struct pstate *ps, const char *kw, const char *s,
    const struct unit *units, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;
	size_t i;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			goto range;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0') {
		for (i = 0; units != NULL && units[i].c != 0; i++)
			if (units[i].c == *p)
				break;
		if (units == NULL || units[i].c == 0 || p[1] != '\0')
			goto bad;
		mul = units[i].mul;
		if (v > UINT64_MAX / mul)
			goto range;
		v *= mul;
	}
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;
bad:
	perr(ps, "%s: '%s' is not a number%s", kw, s,
	    units == size_units ? " (suffix k, m or g)" :
	    units == time_units ? " (suffix s, m, h or d)" : "");
	return -1;
range:
	perr(ps, "%s: %s is out of range %" PRIu64 "..%" PRIu64, kw, s, min,
	    max);
	return -1;
}

static int
set_str(struct pstate *ps, char **dst, const char *v)
{
	char *d;

	if ((d = strdup(v)) == NULL) {
		perr(ps, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = d;
	return 0;
}

static int
set_path(struct pstate *ps, const char *kw, char **dst, const char *v)
{
	if (v[0] != '/') {
		perr(ps, "%s: '%s' is not an absolute path", kw, v);
		return -1;
	}
	return set_str(ps, dst, v);
}

/* Keyword handlers: argc words after the keyword. */
struct kw {
	const char	*name;
	int		 minargs, maxargs;
	int		 repeat;	/* may appear more than once */
	int		(*fn)(struct pstate *, const char *, int, char **);
};

static int
kw_access_log(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "-") == 0)
		return set_str(ps, &ps->c->access_log, "-");
	return set_path(ps, kw, &ps->c->access_log, argv[0]);
}

static int
kw_ca_dir(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return set_path(ps, kw, &ps->c->ca_dir, argv[0]);
}

static int
kw_cert_lifetime(struct pstate *ps, const char *kw, int argc, char **argv)
{
	uint64_t v;

	(void)argc;
	if (number(ps, kw, argv[0], time_units, 86400, 3650ULL * 86400, &v)
	    == -1)
		return -1;
	ps->c->cert_days = (unsigned)(v / 86400);
	return 0;
}

static int
kw_data_dir(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return set_path(ps, kw, &ps->c->data_dir, argv[0]);
}

/* listen ADDR [port N], repeated for several addresses. */
static int
kw_listen(struct pstate *ps, const char *kw, int argc, char **argv)
{
	struct server_listen l;
	uint64_t port = SERVER_PORT;
	size_t i;

	if (addr_parse(argv[0], &l.addr) == -1) {
		perr(ps, "%s: '%s' is not an IPv4 or IPv6 address", kw,
		    argv[0]);
		return -1;
	}
	if (argc != 1 && (argc != 3 || strcmp(argv[1], "port") != 0)) {
		perr(ps, "%s: expected 'listen ADDRESS [port N]'", kw);
		return -1;
	}
	if (argc == 3 &&
	    number(ps, "port", argv[2], NULL, 1, 65535, &port) == -1)
		return -1;
	l.port = (uint16_t)port;
	for (i = 0; i < ps->c->nlisten; i++)
		if (addr_cmp(&ps->c->listen[i].addr, &l.addr) == 0 &&
		    ps->c->listen[i].port == l.port) {
			perr(ps, "%s: %s port %u is given twice", kw, argv[0],
			    l.port);
			return -1;
		}
	if (ps->c->nlisten == SERVER_LISTEN_MAX) {
		perr(ps, "%s: more than %d addresses", kw, SERVER_LISTEN_MAX);
		return -1;
	}
	ps->c->listen[ps->c->nlisten++] = l;
	return 0;
}

static int
kw_max_batch(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return number(ps, kw, argv[0], NULL, 1, 1000000, &ps->c->max_batch);
}

static int
kw_max_body(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return number(ps, kw, argv[0], size_units, 4096, 1024ULL << 20,
	    &ps->c->max_body);
}

static int
kw_max_capture(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return number(ps, kw, argv[0], size_units, 4096, 64ULL << 30,
	    &ps->c->max_capture);
}

static int
kw_max_upload(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return number(ps, kw, argv[0], size_units, 1, 1ULL << 30,
	    &ps->c->max_upload);
}

static int
kw_max_connections(struct pstate *ps, const char *kw, int argc, char **argv)
{
	uint64_t v;

	(void)argc;
	if (number(ps, kw, argv[0], NULL, 1, 65536, &v) == -1)
		return -1;
	ps->c->max_connections = (unsigned)v;
	return 0;
}

static int
kw_max_line(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	return number(ps, kw, argv[0], size_units, 256, EVENT_LINE_MAX,
	    &ps->c->max_line);
}

static int
kw_server_name(struct pstate *ps, const char *kw, int argc, char **argv)
{
	size_t i, n = strlen(argv[0]);

	(void)argc;
	if (ps->c->nnames == SERVER_NAMES_MAX) {
		perr(ps, "%s: at most %d names", kw, SERVER_NAMES_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char ch = argv[0][i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		    ch == ':'))
			break;
	}
	if (n == 0 || n > 253 || i != n) {
		perr(ps, "%s: '%s' is not a host name or address", kw,
		    argv[0]);
		return -1;
	}
	return set_str(ps, &ps->c->names[ps->c->nnames++], argv[0]);
}

static int
kw_shutdown_grace(struct pstate *ps, const char *kw, int argc, char **argv)
{
	uint64_t v;

	(void)argc;
	if (number(ps, kw, argv[0], time_units, 0, 3600, &v) == -1)
		return -1;
	ps->c->shutdown_grace = (unsigned)v;
	return 0;
}

static int
kw_store(struct pstate *ps, const char *kw, int argc, char **argv)
{
	(void)argc;
	if (strncmp(argv[0], "sqlite:///", 10) != 0 &&
	    strncmp(argv[0], "postgresql://", 13) != 0 &&
	    strncmp(argv[0], "postgres://", 11) != 0) {
		perr(ps, "%s: '%s' is neither sqlite:///path nor "
		    "postgresql://...", kw, argv[0]);
		return -1;
	}
	return set_str(ps, &ps->c->store, argv[0]);
}

static int
kw_threads(struct pstate *ps, const char *kw, int argc, char **argv)
{
	uint64_t v;

	(void)argc;
	if (number(ps, kw, argv[0], NULL, 1, 256, &v) == -1)
		return -1;
	ps->c->threads = (unsigned)v;
	return 0;
}

static int
kw_timeout(struct pstate *ps, const char *kw, int argc, char **argv)
{
	uint64_t v;

	(void)argc;
	if (number(ps, kw, argv[0], time_units, 1, 3600, &v) == -1)
		return -1;
	ps->c->timeout = (unsigned)v;
	return 0;
}

static int
kw_token_lifetime(struct pstate *ps, const char *kw, int argc, char **argv)
{
	uint64_t v;

	(void)argc;
	if (number(ps, kw, argv[0], time_units, 60, 30ULL * 86400, &v) == -1)
		return -1;
	ps->c->token_lifetime = (unsigned)v;
	return 0;
}

/* Sorted by name for bsearch. */
static const struct kw keywords[] = {
	{ "access-log",		1, 1, 0, kw_access_log },
	{ "ca-dir",		1, 1, 0, kw_ca_dir },
	{ "cert-lifetime",	1, 1, 0, kw_cert_lifetime },
	{ "data-dir",		1, 1, 0, kw_data_dir },
	{ "listen",		1, 3, 1, kw_listen },
	{ "max-batch",		1, 1, 0, kw_max_batch },
	{ "max-body",		1, 1, 0, kw_max_body },
	{ "max-capture",	1, 1, 0, kw_max_capture },
	{ "max-connections",	1, 1, 0, kw_max_connections },
	{ "max-line",		1, 1, 0, kw_max_line },
	{ "max-upload",		1, 1, 0, kw_max_upload },
	{ "server-name",	1, 1, 1, kw_server_name },
	{ "shutdown-grace",	1, 1, 0, kw_shutdown_grace },
	{ "store",		1, 1, 0, kw_store },
	{ "threads",		1, 1, 0, kw_threads },
	{ "timeout",		1, 1, 0, kw_timeout },
	{ "token-lifetime",	1, 1, 0, kw_token_lifetime },
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

static int
kw_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct kw *)e)->name);
}

/*
 * Split one line into words.  Returns the number of words, or -1 after
 * reporting a lexical error.
 */
static int
split(struct pstate *ps, const char *p, const char *end, char **words,
    struct buf *wb)
{
	size_t starts[WORDS_MAX];
	int n = 0, i;

	buf_reset(wb);
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (*p == '#')
			break;
		if (n == WORDS_MAX) {
			perr(ps, "too many words");
			return -1;
		}
		starts[n] = wb->len;
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end &&
				    (p[1] == '"' || p[1] == '\\'))
					p++;
				else if (*p == '\\') {
					perr(ps, "unknown escape in string");
					return -1;
				}
				if (*p == '\0' || buf_addc(wb, (uint8_t)*p)
				    == -1) {
					perr(ps, *p == '\0' ? "NUL in string" :
					    "word too long");
					return -1;
				}
			}
			if (p == end) {
				perr(ps, "unterminated string");
				return -1;
			}
			p++;
			if (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
			    *p != '#') {
				perr(ps, "garbage after string");
				return -1;
			}
		} else {
			for (; p < end && *p != ' ' && *p != '\t' &&
			    *p != '\r' && *p != '#'; p++) {
				if (*p == '"' || (unsigned char)*p < 0x20 ||
				    (unsigned char)*p == 0x7f) {
					perr(ps, "unexpected character 0x%02x",
					    (unsigned char)*p);
					return -1;
				}
				if (buf_addc(wb, (uint8_t)*p) == -1) {
					perr(ps, "word too long");
					return -1;
				}
			}
		}
		if (buf_addc(wb, 0) == -1) {
			perr(ps, "word too long");
			return -1;
		}
		n++;
	}
	for (i = 0; i < n; i++)
		words[i] = (char *)wb->data + starts[i];
	return n;
}

static void
statement(struct pstate *ps, int argc, char **argv)
{
	const struct kw *k;
	uint32_t bit;

	k = bsearch(argv[0], keywords, NKEYWORDS, sizeof(keywords[0]),
	    kw_cmp);
	if (k == NULL) {
		perr(ps, "unknown keyword '%s'", argv[0]);
		return;
	}
	bit = 1U << (k - keywords);
	if ((ps->seen & bit) && !k->repeat) {
		perr(ps, "%s: given twice", k->name);
		return;
	}
	ps->seen |= bit;
	if (argc - 1 < k->minargs || argc - 1 > k->maxargs) {
		perr(ps, "%s: expected %d%s argument%s, got %d", k->name,
		    k->minargs, k->maxargs > k->minargs ? " or more" : "",
		    k->maxargs > 1 ? "s" : "", argc - 1);
		return;
	}
	(void)k->fn(ps, k->name, argc - 1, argv + 1);
}

void
server_conf_init(struct server_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->threads = 4;
	c->max_connections = 256;
	c->timeout = 60;
	c->shutdown_grace = 30;
	c->max_body = 64ULL << 20;
	c->max_line = EVENT_LINE_MAX;
	c->max_batch = 10000;
	c->max_capture = 4ULL << 30;
	c->max_upload = 64ULL << 20;
	c->token_lifetime = 86400;
	c->cert_days = 365;
}

void
server_conf_free(struct server_conf *c)
{
	size_t i;

	free(c->store);
	free(c->data_dir);
	free(c->ca_dir);
	free(c->access_log);
	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	memset(c, 0, sizeof(*c));
}

int
server_conf_parse_mem(const char *name, const char *data, size_t len,
    struct server_conf *c, void (*report)(void *, const char *), void *arg)
{
	struct pstate ps = { .file = name, .report = report, .arg = arg,
	    .c = c };
	const char *p = data, *end = data + len, *nl;
	char *words[WORDS_MAX];
	struct buf wb;
	int n;

	buf_init(&wb, WORD_MAX * WORDS_MAX);
	if (len > CONF_MAX) {
		ps.line = 0;
		perr(&ps, "file is larger than %d bytes", CONF_MAX);
	}
	while (p < end) {
		ps.line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			perr(&ps, "NUL byte");
		else if ((n = split(&ps, p, nl, words, &wb)) > 0)
			statement(&ps, n, words);
		p = nl + 1;
	}
	buf_free(&wb);
	if (ps.errors == 0 && c->store == NULL) {
		ps.line = ps.line ? ps.line : 1;
		perr(&ps, "no store given (store \"sqlite:///path\")");
	}
	if (ps.errors == 0 && c->data_dir == NULL)
		(void)set_str(&ps, &c->data_dir, "/var/lib/dias");
	if (ps.errors == 0 && c->ca_dir == NULL)
		(void)set_str(&ps, &c->ca_dir, "/etc/dias/ca");
	if (c->nlisten == 0) {
		c->listen[0].addr.af = AF_INET;	/* 0.0.0.0 */
		c->listen[0].port = SERVER_PORT;
		c->nlisten = 1;
	}
	return ps.errors;
}

int
server_conf_parse(const char *path, struct server_conf *c,
    void (*report)(void *, const char *), void *arg)
{
	struct pstate ps = { .file = path, .report = report, .arg = arg };
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f;
	int errors;

	if ((f = fopen(path, "r")) == NULL) {
		perr(&ps, "%s", strerror(errno));
		return 1;
	}
	buf_init(&b, CONF_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) == -1) {
			perr(&ps, "file is larger than %d bytes", CONF_MAX);
			fclose(f);
			buf_free(&b);
			return 1;
		}
	if (ferror(f)) {
		perr(&ps, "%s", strerror(errno));
		fclose(f);
		buf_free(&b);
		return 1;
	}
	fclose(f);
	errors = server_conf_parse_mem(path, b.len ? (const char *)b.data :
	    "", b.len, c, report, arg);
	buf_free(&b);
	return errors;
}

static void
print_str(FILE *f, const char *kw, const char *v)
{
	const char *p;

	if (v == NULL)
		return;
	fprintf(f, "%s \"", kw);
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fprintf(f, "\"\n");
}

void
server_conf_print(const struct server_conf *c, FILE *f)
{
	char a[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < c->nlisten; i++) {
		addr_fmt(&c->listen[i].addr, a, sizeof(a));
		fprintf(f, "listen %s port %u\n", a, c->listen[i].port);
	}
	print_str(f, "store", c->store);
	print_str(f, "data-dir", c->data_dir);
	print_str(f, "ca-dir", c->ca_dir);
	print_str(f, "access-log", c->access_log);
	for (i = 0; i < c->nnames; i++)
		print_str(f, "server-name", c->names[i]);
	fprintf(f, "threads %u\nmax-connections %u\ntimeout %us\n"
	    "shutdown-grace %us\nmax-body %" PRIu64 "\nmax-line %" PRIu64
	    "\nmax-batch %" PRIu64 "\nmax-capture %" PRIu64 "\n"
	    "token-lifetime %us\ncert-lifetime %ud\n", c->threads,
	    c->max_connections, c->timeout, c->shutdown_grace, c->max_body,
	    c->max_line, c->max_batch, c->max_capture, c->token_lifetime,
	    c->cert_days);
}
