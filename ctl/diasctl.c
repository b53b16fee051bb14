/*
 * diasctl: CA, enrollment, organizations, users, queries, export and
 * import, working on the store named in dias-server.conf.  See diasctl(8).
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <argon2.h>
#include <pcap/pcap.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>

#include "buf.h"
#include "ca.h"
#include "event.h"
#include "flow.h"
#include "honeyd.h"
#include "log.h"
#include "server_conf.h"
#include "store.h"

#define IMPORT_BATCH	1000
#define PCAP_FLOWS	(1 << 20)	/* open flows held at once */
#define PCAP_PAYLOAD	4096		/* bytes kept per direction */

static struct server_conf conf;
static const char *conffile = SERVER_CONF_PATH;
static int json_out;

__attribute__((noreturn)) static void usage(void);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: diasctl [-f file] command ...\n"
	    "  ca init\n"
	    "  org add NAME | org list\n"
	    "  sensor add NAME --org ORG | sensor token NAME\n"
	    "  sensor revoke NAME | sensor list\n"
	    "  user add NAME --role admin|analyst|org [--org ORG]\n"
	    "  query connections [--since T] [--src CIDR] [--dport N]\n"
	    "                    [--sensor NAME] [--limit N] [--before TS:ID]\n"
	    "                    [--json]\n"
	    "  export [--sensor NAME] [--since T]\n"
	    "  import honeyd-log FILE --sensor NAME\n"
	    "  import pcap FILE --sensor NAME\n");
	exit(2);
}

static void
report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static void
load_conf(void)
{
	server_conf_init(&conf);
	if (server_conf_parse(conffile, &conf, report, NULL) != 0)
		exit(1);
}

static struct store *
open_store(void)
{
	struct store *s;
	char err[1024];

	if ((s = store_open(conf.store, err, sizeof(err))) == NULL)
		errx(1, "%s", err);
	return s;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --opt VALUE pairs after the positional arguments. */
static const char *
opt(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0) {
			if (i + 1 >= argc)
				errx(2, "%s needs a value", name);
			return argv[i + 1];
		}
	return NULL;
}

static int
flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* Options must be known: catch typos such as --dprot. */
static void
check_opts(int argc, char **argv, const char *const *known)
{
	int i, k;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(argv[i], known[k]) == 0)
				break;
		if (known[k] == NULL)
			errx(2, "unknown option %s", argv[i]);
	}
}

static uint64_t
number(const char *s, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		errx(2, "%s: '%s' is not a number up to %" PRIu64, what, s,
		    max);
	return v;
}

/* --since: 30m, 2h, 7d (ago), 2026-11-25, 2026-11-25T10:00:00Z, or
 * seconds since the epoch. */
static int64_t
parse_since(const char *s)
{
	struct tm tm;
	size_t n = strlen(s);
	const char *end;
	uint64_t v;

	if (n > 1 && strchr("smhd", s[n - 1]) != NULL &&
	    strspn(s, "0123456789") == n - 1) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 1), s);
		v = number(buf, 100ULL * 365 * 86400, "--since");
		v *= s[n - 1] == 's' ? 1 : s[n - 1] == 'm' ? 60 :
		    s[n - 1] == 'h' ? 3600 : 86400;
		return now_us() - (int64_t)v * 1000000;
	}
	if (strspn(s, "0123456789") == n)
		return (int64_t)number(s, INT64_MAX / 1000000, "--since") *
		    1000000;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		errx(2, "--since: '%s' is not a time (30m, 2h, 7d, "
		    "2026-11-25, 2026-11-25T10:00:00Z)", s);
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		errx(2, "--since: trailing '%s'", end);
	return (int64_t)timegm(&tm) * 1000000;
}

static void
fmt_time(int64_t us, char *out, size_t len)
{
	struct tm tm;
	time_t t = (time_t)(us / 1000000);

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
random_hex(char *out, size_t nbytes)
{
	uint8_t b[64];
	size_t i;

	if (nbytes > sizeof(b) || gnutls_rnd(GNUTLS_RND_KEY, b, nbytes) < 0)
		errx(1, "no randomness");
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void
sha256_hex(const char *s, size_t len, char out[65])
{
	uint8_t h[32];
	size_t i;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, s, len, h) < 0)
		errx(1, "sha256");
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/*
 * An enrollment token: 128 random bits, a dot, and the pin of the
 * server certificate's key, so the sensor can trust the server before it
 * has the CA.  The store keeps only the SHA-256 of the secret part.
 */
static void
make_token(char *token, size_t len, char hash[65])
{
	char secret[33], pin[CA_PIN_LEN + 1], path[4096], err[512];

	snprintf(path, sizeof(path), "%s/server.pem", conf.ca_dir);
	if (ca_pin_file(path, pin, err, sizeof(err)) == -1)
		errx(1, "%s (run diasctl ca init first)", err);
	random_hex(secret, 16);
	sha256_hex(secret, 32, hash);
	snprintf(token, len, "%s.%s", secret, pin);
}

static int
cmd_ca(int argc, char **argv)
{
	char err[1024];

	if (argc != 1 || strcmp(argv[0], "init") != 0)
		usage();
	if (ca_init(conf.ca_dir, (const char *const *)conf.names,
	    conf.nnames, conf.cert_days, err, sizeof(err)) == -1)
		errx(1, "%s", err);
	printf("CA and server certificate written to %s\n", conf.ca_dir);
	return 0;
}

static int
print_org(void *arg, int64_t id, const char *name)
{
	(void)arg;
	printf("%" PRId64 "\t%s\n", id, name);
	return 0;
}

static int
cmd_org(int argc, char **argv)
{
	struct store *s;
	int rc = 0;

	if (argc < 1)
		usage();
	s = open_store();
	if (strcmp(argv[0], "add") == 0 && argc == 2) {
		if (store_org_add(s, argv[1], NULL) == -1)
			rc = 1;
		else
			(void)store_audit(s, getlogin() ? getlogin() : "cli",
			    "org add", argv[1], "", now_us());
	} else if (strcmp(argv[0], "list") == 0 && argc == 1)
		rc = store_org_list(s, print_org, NULL) == -1;
	else
		usage();
	if (rc)
		warnx("%s", store_error(s));
	store_close(s);
	return rc;
}

static int
print_sensor(void *arg, const struct store_sensor *ss)
{
	char seen[32] = "never";

	(void)arg;
	if (ss->last_seen)
		fmt_time(ss->last_seen, seen, sizeof(seen));
	printf("%-20s %-12s %-8s %-20s %10" PRIu64 " %10" PRIu64 " %s\n",
	    ss->name, ss->org, ss->revoked ? "revoked" :
	    ss->cert_serial[0] ? "enrolled" : "pending", seen, ss->last_seq,
	    ss->backlog, ss->cert_serial);
	return 0;
}

static const char *
actor(void)
{
	const char *u = getenv("SUDO_USER");

	if (u == NULL)
		u = getenv("USER");
	return u ? u : "cli";
}

static int
cmd_sensor(int argc, char **argv)
{
	static const char *const known[] = { "--org", NULL };
	char token[128], hash[65];
	struct store *s;
	const char *org;
	int64_t expires;
	int rc = 0;

	if (argc < 1)
		usage();
	check_opts(argc, argv, known);
	s = open_store();
	expires = now_us() + (int64_t)conf.token_lifetime * 1000000;
	if (strcmp(argv[0], "add") == 0 && argc == 4) {
		if ((org = opt(argc, argv, "--org")) == NULL)
			usage();
		make_token(token, sizeof(token), hash);
		if (store_sensor_add(s, argv[1], org, hash, expires) == -1)
			rc = 1;
		else {
			(void)store_audit(s, actor(), "sensor add", argv[1],
			    org, now_us());
			printf("%s\n", token);
			fprintf(stderr, "enroll within %u s with: dias-sensor "
			    "enroll https://SERVER:%u %s\n",
			    conf.token_lifetime, conf.listen[0].port, token);
		}
	} else if (strcmp(argv[0], "token") == 0 && argc == 2) {
		make_token(token, sizeof(token), hash);
		if (store_sensor_retoken(s, argv[1], hash, expires) == -1)
			rc = 1;
		else {
			(void)store_audit(s, actor(), "sensor token", argv[1],
			    "", now_us());
			printf("%s\n", token);
		}
	} else if (strcmp(argv[0], "revoke") == 0 && argc == 2) {
		rc = store_sensor_revoke(s, argv[1]);
		if (rc == 1)
			warnx("no such sensor: %s", argv[1]);
		else if (rc == 0) {
			(void)store_audit(s, actor(), "sensor revoke",
			    argv[1], "", now_us());
			printf("sensor %s revoked; its next request is "
			    "refused\n", argv[1]);
		}
		store_close(s);
		return rc != 0;
	} else if (strcmp(argv[0], "list") == 0 && argc == 1) {
		printf("%-20s %-12s %-8s %-20s %10s %10s %s\n", "NAME", "ORG",
		    "STATE", "LAST SEEN", "LAST SEQ", "BACKLOG", "CERT");
		rc = store_sensor_list(s, print_sensor, NULL) == -1;
	} else
		usage();
	if (rc)
		warnx("%s", store_error(s));
	store_close(s);
	return rc;
}

static int
cmd_user(int argc, char **argv)
{
	static const char *const known[] = { "--role", "--org", NULL };
	char pw[1024], hash[256], salt[16];
	const char *role, *org, *env;
	struct store *s;
	size_t n;
	int rc;

	check_opts(argc, argv, known);
	if (argc < 2 || strcmp(argv[0], "add") != 0 ||
	    (role = opt(argc, argv, "--role")) == NULL)
		usage();
	org = opt(argc, argv, "--org");
	/* The password comes from DIAS_PASSWORD or the first stdin line,
	 * never from the command line (ps would show it). */
	if ((env = getenv("DIAS_PASSWORD")) != NULL)
		strlcpy(pw, env, sizeof(pw));
	else {
		if (isatty(0))
			fprintf(stderr, "password: ");
		if (fgets(pw, sizeof(pw), stdin) == NULL)
			errx(1, "no password on stdin");
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	if ((n = strlen(pw)) < 8)
		errx(1, "a password has at least 8 characters");
	if (gnutls_rnd(GNUTLS_RND_NONCE, salt, sizeof(salt)) < 0)
		errx(1, "no randomness");
	if (argon2id_hash_encoded(3, 65536, 1, pw, n, salt, sizeof(salt), 32,
	    hash, sizeof(hash)) != ARGON2_OK)
		errx(1, "argon2id failed");
	explicit_bzero(pw, sizeof(pw));
	s = open_store();
	rc = store_user_add(s, argv[1], org, role, hash) == -1;
	if (rc)
		warnx("%s", store_error(s));
	else
		(void)store_audit(s, actor(), "user add", argv[1], role,
		    now_us());
	store_close(s);
	return rc;
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmp6";
	default: return "?";
	}
}

struct qstate {
	json_t		*arr;
	size_t		 n;
	int64_t		 last_ts, last_id;	/* the next page's cursor */
};

static int
print_conn(void *arg, const struct store_conn *c)
{
	struct qstate *q = arg;
	char src[ADDR_STRLEN], dst[ADDR_STRLEN], ts[32], end[32] = "-";

	addr_fmt(&c->src, src, sizeof(src));
	addr_fmt(&c->dst, dst, sizeof(dst));
	fmt_time(c->ts, ts, sizeof(ts));
	if (c->end_ts)
		fmt_time(c->end_ts, end, sizeof(end));
	q->n++;
	q->last_ts = c->ts;
	q->last_id = c->id;
	if (q->arr != NULL) {
		json_array_append_new(q->arr, json_pack("{s:I, s:s, s:I, s:s, "
		    "s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, "
		    "s:I, s:I}", "id", (json_int_t)c->id, "sensor", c->sensor,
		    "conn", (json_int_t)c->conn, "ts", ts, "proto",
		    proto_name(c->proto), "src", src, "sport", c->sport, "dst",
		    dst, "dport", c->dport, "template", c->template,
		    "service", c->service, "pkts_in", (json_int_t)c->pkts_in,
		    "pkts_out", (json_int_t)c->pkts_out, "bytes_in",
		    (json_int_t)c->bytes_in, "bytes_out",
		    (json_int_t)c->bytes_out, "ts_us", (json_int_t)c->ts,
		    "end_us", (json_int_t)c->end_ts));
		return 0;
	}
	printf("%-20s %-12s %-5s %39s %5u -> %39s %5u %-10s %8" PRIu64
	    " %8" PRIu64 "\n", ts, c->sensor, proto_name(c->proto), src,
	    c->sport, dst, c->dport, c->service[0] ? c->service : "-",
	    c->bytes_in, c->bytes_out);
	return 0;
}

static int
cmd_query(int argc, char **argv)
{
	static const char *const known[] = { "--since", "--src", "--dport",
	    "--sensor", "--limit", "--before", "--json", NULL };
	struct store_conn_filter f;
	struct qstate q = { NULL, 0, 0, 0 };
	struct store *s;
	const char *v;
	char *out;
	int rc;

	if (argc < 1 || strcmp(argv[0], "connections") != 0)
		usage();
	check_opts(argc, argv, known);
	memset(&f, 0, sizeof(f));
	f.dport = -1;
	f.limit = 50;
	if ((v = opt(argc, argv, "--since")) != NULL)
		f.since = parse_since(v);
	if ((v = opt(argc, argv, "--src")) != NULL) {
		if (cidr_parse(v, &f.src) == -1)
			errx(2, "--src: '%s' is not an address or prefix", v);
		f.has_src = 1;
	}
	if ((v = opt(argc, argv, "--dport")) != NULL)
		f.dport = (int)number(v, 65535, "--dport");
	if ((v = opt(argc, argv, "--limit")) != NULL)
		f.limit = (size_t)number(v, 1000000, "--limit");
	if ((v = opt(argc, argv, "--before")) != NULL) {
		/* The keyset cursor: the last row's ts (µs) and id. */
		char ts[24];
		size_t n = strcspn(v, ":");

		if (v[n] != ':' || n == 0 || n >= sizeof(ts))
			errx(2, "--before: '%s' is not TS:ID", v);
		memcpy(ts, v, n);
		ts[n] = '\0';
		f.before_ts = (int64_t)number(ts, INT64_MAX, "--before");
		f.before_id = (int64_t)number(v + n + 1, INT64_MAX,
		    "--before");
		if (f.before_ts == 0)
			errx(2, "--before: the time is not 0");
	}
	f.sensor = opt(argc, argv, "--sensor");
	json_out |= flag(argc, argv, "--json");
	if (json_out)
		q.arr = json_array();
	else
		printf("%-20s %-12s %-5s %39s %5s    %39s %5s %-10s %8s %8s\n",
		    "TIME", "SENSOR", "PROTO", "SOURCE", "SPORT", "DESTINATION",
		    "DPORT", "SERVICE", "IN", "OUT");
	s = open_store();
	rc = store_query_connections(s, &f, print_conn, &q);
	if (rc == -1)
		warnx("%s", store_error(s));
	store_close(s);
	/* A full page may have a next one: say how to ask for it. */
	if (rc == 0 && q.arr == NULL && f.limit > 0 && q.n == f.limit)
		fprintf(stderr, "next page: --before %" PRId64 ":%" PRId64
		    "\n", q.last_ts, q.last_id);
	if (q.arr != NULL) {
		out = json_dumps(q.arr, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		if (out != NULL)
			printf("%s\n", out);
		free(out);
		json_decref(q.arr);
	}
	return rc == -1;
}

static int
export_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	if (fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF)
		return -1;
	return 0;
}

static int
cmd_export(int argc, char **argv)
{
	static const char *const known[] = { "--since", "--sensor", NULL };
	struct store *s;
	const char *v;
	int64_t since = 0;
	int rc;

	check_opts(argc, argv, known);
	if ((v = opt(argc, argv, "--since")) != NULL)
		since = parse_since(v);
	s = open_store();
	rc = store_export(s, opt(argc, argv, "--sensor"), since, export_line,
	    NULL);
	if (rc == -1)
		warnx("%s", store_error(s));
	store_close(s);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return rc == -1;
}

/* Imported events, encoded and stored a batch at a time. */
struct importer {
	struct store	*s;
	int64_t		 sensor_id;
	const char	*sensor;
	uint64_t	 seq;
	struct event	 evs[IMPORT_BATCH];
	struct buf	 lines[IMPORT_BATCH];
	size_t		 n;
	uint64_t	 total, stored;
};

static void
import_flush(struct importer *im)
{
	const char *lines[IMPORT_BATCH];
	size_t lens[IMPORT_BATCH], i, stored;

	if (im->n == 0)
		return;
	for (i = 0; i < im->n; i++) {
		lines[i] = (const char *)im->lines[i].data;
		lens[i] = im->lines[i].len - 1;		/* no newline */
	}
	if (store_ingest(im->s, im->sensor_id, im->evs, lines, lens, im->n,
	    &stored) == -1)
		errx(1, "store: %s", store_error(im->s));
	im->stored += stored;
	for (i = 0; i < im->n; i++) {
		event_clear(&im->evs[i]);
		buf_reset(&im->lines[i]);
	}
	im->n = 0;
}

static void
import_add(struct importer *im, struct event *e)
{
	char err[256];

	strlcpy(e->sensor, im->sensor, sizeof(e->sensor));
	e->seq = ++im->seq;
	if (event_encode(e, &im->lines[im->n], err, sizeof(err)) == -1)
		errx(1, "encode: %s", err);
	im->evs[im->n++] = *e;
	im->total++;
	if (im->n == IMPORT_BATCH)
		import_flush(im);
}

/* Open honeyd flows, so an E line finds its S line's connection id. */
#define FLOWS	4096
struct flow {
	struct flow	*next;
	uint8_t		 proto;
	struct addr	 src, dst;
	uint16_t	 sport, dport;
	uint64_t	 conn;
};

static uint32_t
flow_hash(const struct honeyd_rec *r)
{
	uint32_t h = r->proto * 31u + r->sport * 7u + r->dport;
	size_t i;

	for (i = 0; i < 16; i++)
		h = h * 33u + r->src.a[i] + r->dst.a[i] * 3u;
	return h % FLOWS;
}

static struct flow **
flow_find(struct flow **tab, const struct honeyd_rec *r)
{
	struct flow **fp;

	for (fp = &tab[flow_hash(r)]; *fp != NULL; fp = &(*fp)->next)
		if ((*fp)->proto == r->proto && (*fp)->sport == r->sport &&
		    (*fp)->dport == r->dport && addr_eq(&(*fp)->src, &r->src) &&
		    addr_eq(&(*fp)->dst, &r->dst))
			break;
	return fp;
}

static void
template_of(const char *os, char *out, size_t len)
{
	size_t i;

	for (i = 0; os[i] != '\0' && i + 1 < len; i++) {
		char c = os[i];
		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == ':') ? c : '_';
	}
	out[i] = '\0';
}

static int
import_honeyd(struct importer *im, const char *file)
{
	struct flow *tab[FLOWS] = { NULL }, **fp, *fl;
	struct honeyd_rec r;
	struct event e;
	char *line = NULL, why[256];
	size_t cap = 0, lineno = 0, bad = 0, i;
	ssize_t len;
	uint64_t conn = 0;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	/* Connection ids continue after what this sensor has: seq-based. */
	conn = im->seq * 2 + 1;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (honeyd_parse_line(line, (size_t)len, &r, why,
		    sizeof(why)) == -1) {
			warnx("%s:%zu: %s", file, lineno, why);
			bad++;
			continue;
		}
		event_init(&e, EVENT_CONNECTION);
		e.ts = r.ts;
		e.u.connection.t.proto = r.proto;
		e.u.connection.t.src = r.src;
		e.u.connection.t.dst = r.dst;
		e.u.connection.t.sport = r.sport;
		e.u.connection.t.dport = r.dport;
		template_of(r.os, e.u.connection.template,
		    sizeof(e.u.connection.template));
		fp = flow_find(tab, &r);
		if (r.type == 'S') {
			if (*fp == NULL) {
				if ((fl = calloc(1, sizeof(*fl))) == NULL)
					err(1, NULL);
				fl->proto = r.proto;
				fl->src = r.src;
				fl->dst = r.dst;
				fl->sport = r.sport;
				fl->dport = r.dport;
				*fp = fl;
			}
			(*fp)->conn = ++conn;
			e.u.connection.phase = EVENT_START;
			e.u.connection.conn = conn;
		} else {
			e.u.connection.phase = EVENT_END;
			if (r.type == 'E' && *fp != NULL) {
				e.u.connection.conn = (*fp)->conn;
				fl = *fp;
				*fp = fl->next;
				free(fl);
			} else
				e.u.connection.conn = ++conn;
			if (r.type == 'E') {
				e.u.connection.bytes_in = r.recv;
				e.u.connection.bytes_out = r.sent;
			} else {
				e.u.connection.pkts_in = 1;
				e.u.connection.bytes_in = r.recv;
			}
			e.u.connection.reason = EVENT_FIN;
		}
		if (r.proto == IPPROTO_ICMP)
			e.u.connection.reason = EVENT_TIMEOUT;
		import_add(im, &e);
	}
	free(line);
	fclose(f);
	for (i = 0; i < FLOWS; i++)
		while ((fl = tab[i]) != NULL) {
			tab[i] = fl->next;
			free(fl);
		}
	import_flush(im);
	fprintf(stderr, "%s: %zu lines, %" PRIu64 " events, %" PRIu64
	    " new, %zu bad lines skipped\n", file, lineno, im->total,
	    im->stored, bad);
	return bad > 0 && im->total == 0;
}

/*
 * import pcap: every event of the file is made first, in memory, and
 * stored with the file's captures row in one transaction (store_import),
 * so a file is imported wholly and once, by content: the row is named
 * import/<sha256>.
 */
struct pimport {
	const char		*sensor;
	uint64_t		 seq;
	struct store_batch	*b;		/* IMPORT_BATCH events each */
	struct buf		*lines;		/* all, in order */
	struct event		*evs;
	size_t			 n, cap;
};

static struct event *
pimport_next(struct pimport *pi)
{
	size_t cap;

	if (pi->n == pi->cap) {
		cap = pi->cap ? pi->cap * 2 : 4096;
		if ((pi->evs = reallocarray(pi->evs, cap, sizeof(*pi->evs))) ==
		    NULL || (pi->lines = reallocarray(pi->lines, cap,
		    sizeof(*pi->lines))) == NULL)
			err(1, NULL);
		pi->cap = cap;
	}
	event_init(&pi->evs[pi->n], 0);
	return &pi->evs[pi->n];
}

static void
pimport_add(struct pimport *pi, int kind, int64_t ts)
{
	struct event *e = &pi->evs[pi->n];
	char why[256];

	e->kind = (uint8_t)kind;
	strlcpy(e->sensor, pi->sensor, sizeof(e->sensor));
	e->seq = ++pi->seq;
	e->ts = ts;
	buf_init(&pi->lines[pi->n], EVENT_LINE_MAX);
	if (event_encode(e, &pi->lines[pi->n], why, sizeof(why)) == -1)
		errx(1, "encode: %s", why);
	pi->n++;
}

/* A flow: its start, the payload kept each way, its end; the conn id is
 * the start event's seq, unique for the sensor. */
static int
pimport_flow(void *arg, const struct flow_rec *r)
{
	struct pimport *pi = arg;
	struct event *e;
	uint64_t conn = pi->seq + 1;
	int d;

	e = pimport_next(pi);
	e->u.connection.phase = EVENT_START;
	e->u.connection.conn = conn;
	e->u.connection.t.proto = r->proto;
	e->u.connection.t.src = r->src;
	e->u.connection.t.dst = r->dst;
	e->u.connection.t.sport = r->sport;
	e->u.connection.t.dport = r->dport;
	e->u.connection.flags = r->flags;
	pimport_add(pi, EVENT_CONNECTION, r->first);
	for (d = 0; d < 2; d++) {
		if (r->len[d] == 0)
			continue;
		e = pimport_next(pi);
		e->kind = EVENT_PAYLOAD;
		e->u.payload.conn = conn;
		e->u.payload.dir = d == 0 ? EVENT_IN : EVENT_OUT;
		if (event_set_data(e, r->data[d], r->len[d]) == -1)
			err(1, NULL);
		pimport_add(pi, EVENT_PAYLOAD, r->data_ts[d]);
	}
	e = pimport_next(pi);
	e->u.connection.phase = EVENT_END;
	e->u.connection.conn = conn;
	e->u.connection.t = pi->evs[pi->n - 1 - (r->len[0] > 0) -
	    (r->len[1] > 0)].u.connection.t;
	e->u.connection.pkts_in = r->pkts[0];
	e->u.connection.pkts_out = r->pkts[1];
	e->u.connection.bytes_in = r->bytes[0];
	e->u.connection.bytes_out = r->bytes[1];
	e->u.connection.flags = r->flags;
	e->u.connection.reason = r->reason;
	pimport_add(pi, EVENT_CONNECTION, r->last);
	return 0;
}

/* sha256 of a file, in hex, and its size. */
static void
file_sha256(const char *file, char hex[65], uint64_t *size)
{
	gnutls_hash_hd_t h;
	uint8_t buf[65536], md[32];
	FILE *f;
	size_t n;
	int i;

	if ((f = fopen(file, "rb")) == NULL)
		err(1, "%s", file);
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		errx(1, "sha256");
	*size = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		gnutls_hash(h, buf, n);
		*size += n;
	}
	if (ferror(f))
		err(1, "%s", file);
	fclose(f);
	gnutls_hash_deinit(h, md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int
import_pcap(struct store *s, const struct store_sensor *ss, const char *file)
{
	char ebuf[PCAP_ERRBUF_SIZE], sha[65], name[80], path[PATH_MAX];
	struct pimport pi;
	struct flow_table *ft;
	struct flow_stats st;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	size_t i, nb, k;
	uint64_t stored = 0, size;
	int dlt, rc;

	file_sha256(file, sha, &size);
	snprintf(name, sizeof(name), "import/%s", sha);
	if ((pc = pcap_open_offline(file, ebuf)) == NULL)
		errx(1, "%s", ebuf);
	dlt = pcap_datalink(pc);
	if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL && dlt != DLT_RAW)
		errx(1, "%s: link type %s is not Ethernet, Linux cooked or "
		    "raw IP", file, pcap_datalink_val_to_name(dlt));
	if (dlt == DLT_RAW)
		dlt = FLOW_DLT_RAW;
	if ((ft = flow_new(PCAP_FLOWS, PCAP_PAYLOAD)) == NULL)
		err(1, NULL);
	memset(&pi, 0, sizeof(pi));
	pi.sensor = ss->name;
	pi.seq = ss->last_seq;
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1)
		if (flow_frame(ft, dlt, data, h->caplen, (int64_t)h->ts.tv_sec *
		    1000000 + h->ts.tv_usec, pimport_flow, &pi) == -1)
			errx(1, "%s: link type %d", file, dlt);
	if (rc == -1)
		warnx("%s: %s (the frames before are imported)", file,
		    pcap_geterr(pc));
	pcap_close(pc);
	flow_flush(ft, pimport_flow, &pi);
	flow_stats(ft, &st);
	flow_free(ft);

	nb = (pi.n + IMPORT_BATCH - 1) / IMPORT_BATCH;
	if ((pi.b = calloc(nb ? nb : 1, sizeof(*pi.b))) == NULL)
		err(1, NULL);
	{
		const char **lines = calloc(pi.n ? pi.n : 1, sizeof(*lines));
		size_t *lens = calloc(pi.n ? pi.n : 1, sizeof(*lens));

		if (lines == NULL || lens == NULL)
			err(1, NULL);
		for (i = 0; i < pi.n; i++) {
			lines[i] = (const char *)pi.lines[i].data;
			lens[i] = pi.lines[i].len - 1;	/* no newline */
		}
		for (k = 0; k < nb; k++) {
			pi.b[k].sensor_id = ss->id;
			pi.b[k].evs = pi.evs + k * IMPORT_BATCH;
			pi.b[k].lines = lines + k * IMPORT_BATCH;
			pi.b[k].lens = lens + k * IMPORT_BATCH;
			pi.b[k].n = k + 1 < nb ? IMPORT_BATCH :
			    pi.n - k * IMPORT_BATCH;
		}
		if (realpath(file, path) == NULL)
			strlcpy(path, file, sizeof(path));
		rc = store_import(s, ss->id, pi.b, nb, name, sha, size, path,
		    now_us());
		for (k = 0; k < nb; k++)
			stored += pi.b[k].stored;
		free(lines);
		free(lens);
	}
	if (rc == -1)
		warnx("%s: %s", file, store_error(s));
	else if (rc == 1)
		fprintf(stderr, "%s: imported before (sha256 %s); nothing "
		    "stored\n", file, sha);
	else
		fprintf(stderr, "%s: %" PRIu64 " frames (%" PRIu64 " not "
		    "TCP/UDP/ICMP), %" PRIu64 " connections (%" PRIu64
		    " ended early), %" PRIu64 " events stored as %s seqs %"
		    PRIu64 "..%" PRIu64 "\n", file, st.frames, st.skipped,
		    st.flows, st.evicted, stored, ss->name, ss->last_seq + 1,
		    pi.seq);
	for (i = 0; i < pi.n; i++) {
		event_clear(&pi.evs[i]);
		buf_free(&pi.lines[i]);
	}
	free(pi.evs);
	free(pi.lines);
	free(pi.b);
	return rc == -1;
}

static int
cmd_import(int argc, char **argv)
{
	static const char *const known[] = { "--sensor", NULL };
	struct importer *im;
	struct store_sensor ss;
	const char *sensor;
	size_t i;
	int rc;

	check_opts(argc, argv, known);
	if (argc < 2 || (sensor = opt(argc, argv, "--sensor")) == NULL)
		usage();
	if (strcmp(argv[0], "pcap") == 0) {
		struct store *s = open_store();

		if ((rc = store_sensor_get(s, sensor, &ss)) != 0)
			errx(1, "%s", rc == 1 ? "no such sensor (diasctl "
			    "sensor add NAME --org ORG)" : store_error(s));
		rc = import_pcap(s, &ss, argv[1]);
		if (rc == 0 && store_maintain(s) == -1)
			warnx("import pcap: indexing: %s", store_error(s));
		if (rc == 0)
			(void)store_audit(s, actor(), "import pcap", argv[1],
			    sensor, now_us());
		store_close(s);
		return rc;
	}
	if (strcmp(argv[0], "honeyd-log") != 0)
		usage();
	if ((im = calloc(1, sizeof(*im))) == NULL)
		err(1, NULL);
	im->s = open_store();
	im->sensor = sensor;
	if ((rc = store_sensor_get(im->s, sensor, &ss)) != 0)
		errx(1, "%s", rc == 1 ? "no such sensor (diasctl sensor add "
		    "NAME --org ORG)" : store_error(im->s));
	im->sensor_id = ss.id;
	im->seq = ss.last_seq;
	for (i = 0; i < IMPORT_BATCH; i++)
		buf_init(&im->lines[i], EVENT_LINE_MAX);
	rc = import_honeyd(im, argv[1]);
	(void)store_audit(im->s, actor(), "import honeyd-log", argv[1],
	    sensor, now_us());
	for (i = 0; i < IMPORT_BATCH; i++)
		buf_free(&im->lines[i]);
	store_close(im->s);
	free(im);
	return rc;
}

int
main(int argc, char *argv[])
{
	int ch, rc;

	log_init(1, 0, 0);
	log_procinit("diasctl");
	while ((ch = getopt(argc, argv, "+f:j")) != -1) {
		switch (ch) {
		case 'f':
			conffile = optarg;
			break;
		case 'j':
			json_out = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	load_conf();
	gnutls_global_init();
	if (strcmp(argv[0], "ca") == 0)
		rc = cmd_ca(argc - 1, argv + 1);
	else if (strcmp(argv[0], "org") == 0)
		rc = cmd_org(argc - 1, argv + 1);
	else if (strcmp(argv[0], "sensor") == 0)
		rc = cmd_sensor(argc - 1, argv + 1);
	else if (strcmp(argv[0], "user") == 0)
		rc = cmd_user(argc - 1, argv + 1);
	else if (strcmp(argv[0], "query") == 0)
		rc = cmd_query(argc - 1, argv + 1);
	else if (strcmp(argv[0], "export") == 0)
		rc = cmd_export(argc - 1, argv + 1);
	else if (strcmp(argv[0], "import") == 0)
		rc = cmd_import(argc - 1, argv + 1);
	else
		usage();
	gnutls_global_deinit();
	server_conf_free(&conf);
	return rc;
}
