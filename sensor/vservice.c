/*
 * The built-in services' glue (vservice.h): sending, service and upload
 * events, the byte budget, and the table of services by name.  Three
 * trivial services live here, the ones the tests and benchmarks use:
 * "echo" (RFC 862), "banner" (a greeting line, then echo) and "qotd"
 * (RFC 865: a line, then the server closes).  Every other service has
 * its own file in services/.
 */
#include <netinet/in.h>

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "log.h"
#include "stack_local.h"

const char *
vconn_template(const struct flow *f)
{
	return f->vh != NULL ? f->vh->name : "";
}

const char *
vconn_os(const struct flow *f)
{
	if (f->vh == NULL)
		return "";
	if (f->vh->tmpl != NULL && f->vh->tmpl->personality != NULL)
		return f->vh->tmpl->personality;
	return f->vh->pers.name;
}

const struct personality *
vconn_personality(const struct flow *f)
{
	static const struct personality none;

	return f->vh != NULL ? &f->vh->pers : &none;
}

uint64_t
vconn_uptime_ms(const struct flow *f)
{
	if (f->vh == NULL)
		return 0;
	return (f->vh->uptime_us + (f->stack->now - f->stack->boot)) / 1000;
}

size_t
vconn_hostname(const struct flow *f, char *out, size_t cap, int upper)
{
	const char *t = vconn_template(f);
	size_t i;
	unsigned char c;

	if (cap == 0)
		return 0;
	for (i = 0; i + 1 < cap && t[i] != '\0'; i++) {
		c = (unsigned char)t[i];
		out[i] = isalnum(c) ? (char)(upper ? toupper(c) : c) : '-';
	}
	if (i == 0 && cap > 1)
		out[i++] = upper ? 'A' : 'a';
	out[i] = '\0';
	return i;
}

const char *
vconn_arg(const struct flow *f)
{
	return f->svc_arg;
}

void
vconn_local(const struct flow *f, uint8_t mac[6], uint8_t ip[16], int *af)
{
	memcpy(mac, f->path.our_mac, 6);
	memcpy(ip, f->path.our_ip, 16);
	*af = f->path.af;
}

uint64_t
vconn_now_us(const struct flow *f)
{
	return f->stack->now;
}

uint64_t
vconn_wallclock_us(const struct flow *f)
{
	struct timespec ts;

	(void)f;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
vconn_random(struct flow *f, void *out, size_t len)
{
	uint8_t *p = out;
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			r = stack_rand(f->stack);
		p[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
}

void
vconn_event_init(struct flow *f, struct event *ev, const char *service,
    const char *type)
{
	struct event_service *sv = &ev->u.service;

	event_init(ev, EVENT_SERVICE);
	sv->conn = f->conn;
	if (service == NULL)
		service = f->svc != NULL ? f->svc->name : "";
	strlcpy(sv->service, service, sizeof(sv->service));
	strlcpy(sv->type, type, sizeof(sv->type));
}

void
vconn_field(struct flow *f, struct event *ev, const char *key,
    const void *v, size_t len)
{
	if (event_add_field(ev, key, v, len) == -1)
		CTR(f->stack, SERVICE_FIELDS_DROPPED);
}

void
vconn_fieldf(struct flow *f, struct event *ev, const char *key,
    const char *fmt, ...)
{
	char v[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(v))
		n = sizeof(v) - 1;
	vconn_field(f, ev, key, v, (size_t)n);
}

void
vconn_event_emit(struct flow *f, struct event *ev)
{
	CTR(f->stack, SERVICE_EVENTS);
	stack_emit(f->stack, ev);
}

void
vconn_event_discard(struct event *ev)
{
	event_clear(ev);
}

void
vconn_service_event(struct flow *f, const char *service, const char *type,
    const char *const *kv, size_t nkv)
{
	struct event ev;
	size_t i;

	vconn_event_init(f, &ev, service, type);
	for (i = 0; i < nkv; i++)
		vconn_field(f, &ev, kv[2 * i], kv[2 * i + 1],
		    strlen(kv[2 * i + 1]));
	vconn_event_emit(f, &ev);
}

int
vconn_upload(struct flow *f, const char *name, const uint8_t *data,
    size_t len)
{
	struct stack *s = f->stack;
	struct event ev;
	struct event_upload *up = &ev.u.upload;

	if (len == 0 || len > VSERVICE_UPLOAD_MAX)
		return -1;
	event_init(&ev, EVENT_UPLOAD);
	up->conn = f->conn;
	strlcpy(up->name, name, sizeof(up->name));
	up->size = len;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, up->sha256) < 0)
		return -1;
	CTR(s, UPLOADS);
	s->ctr[CTR_UPLOAD_BYTES] += len;
	if (s->io.upload != NULL)
		s->io.upload(s->io.arg, &ev, data, len);
	stack_emit(s, &ev);
	return 0;
}

static int
expect_live(struct stack *s, const struct expect *e)
{
	return e->svc != NULL && e->due > s->now &&
	    flow_by_index(s, e->flow, e->conn) != NULL;
}

uint16_t
vconn_expect(struct flow *f, const struct vservice *svc, uint16_t lo,
    uint16_t hi)
{
	struct stack *s = f->stack;
	struct expect *e, *slot = NULL;
	const struct template *t = f->vh != NULL ? f->vh->tmpl : NULL;
	uint32_t idx = flow_index(s, f);
	uint16_t port = 0;
	size_t i;
	int try, clash;

	if (t == NULL || lo == 0 || hi < lo)
		return 0;
	for (i = 0; i < s->nexpects; i++) {
		e = &s->expects[i];
		if (e->svc != NULL && e->flow == idx && e->conn == f->conn)
			e->svc = NULL;		/* replaced */
		if (slot == NULL && !expect_live(s, e))
			slot = e;
	}
	if (slot == NULL) {
		if (s->nexpects == STACK_EXPECTS) {
			CTR(s, EXPECTS_FULL);
			return 0;
		}
		slot = &s->expects[s->nexpects++];
	}
	for (try = 0; try < 16 && port == 0; try++) {
		port = (uint16_t)(lo + stack_rand(s) % ((uint32_t)hi - lo + 1));
		/* A configured port keeps its own service. */
		if (template_action(t, PROTO_TCP, port) !=
		    &t->defaults[PROTO_TCP])
			port = 0;
		for (i = 0, clash = 0; port != 0 && i < s->nexpects; i++) {
			e = &s->expects[i];
			if (e != slot && expect_live(s, e) && e->port == port &&
			    memcmp(e->our_ip, f->path.our_ip, 16) == 0)
				clash = 1;
		}
		if (clash)
			port = 0;
	}
	if (port == 0)
		return 0;
	slot->due = s->now + (uint64_t)VSERVICE_EXPECT_MS * 1000;
	slot->conn = f->conn;
	slot->flow = idx;
	slot->port = port;
	slot->af = f->path.af;
	memcpy(slot->our_ip, f->path.our_ip, 16);
	memcpy(slot->peer_ip, f->path.peer_ip, 16);
	slot->svc = svc;
	CTR(s, EXPECTS);
	return port;
}

int
vservice_expected(struct stack *s, const struct path *pa, uint16_t port,
    const struct vservice **svc, uint32_t *idx, uint64_t *conn)
{
	struct expect *e;
	size_t i;

	/* Every SYN without a flow looks here: keep the table short. */
	while (s->nexpects > 0 && !expect_live(s, &s->expects[s->nexpects - 1]))
		s->nexpects--;
	for (i = 0; i < s->nexpects; i++) {
		e = &s->expects[i];
		if (e->port != port || e->af != pa->af || !expect_live(s, e) ||
		    memcmp(e->our_ip, pa->our_ip, 16) != 0 ||
		    memcmp(e->peer_ip, pa->peer_ip, 16) != 0)
			continue;
		*svc = e->svc;
		*idx = e->flow;
		*conn = e->conn;
		e->svc = NULL;		/* met: one connection per ask */
		return 1;
	}
	return 0;
}

struct flow *
vconn_partner(const struct flow *f)
{
	return flow_by_index(f->stack, f->partner, f->partner_conn);
}

void *
vconn_state(const struct flow *f, const struct vservice *svc)
{
	if (f == NULL || f->svc != svc || !f->svc_open)
		return NULL;
	return f->svc_state;
}

/* Charge n bytes to f and to the stack; -1 (counted) past either. */
static int
charge(struct flow *f, size_t n)
{
	struct stack *s = f->stack;

	if (n > VSERVICE_BUDGET - f->svc_mem ||
	    n > VSERVICE_TOTAL - s->svc_mem) {
		CTR(s, SERVICE_BUDGET);
		return -1;
	}
	f->svc_mem += n;
	s->svc_mem += n;
	return 0;
}

static void
uncharge(struct flow *f, size_t n)
{
	if (n > f->svc_mem || n > f->stack->svc_mem)
		fatalx("vservice: returning %zu bytes, %zu charged", n,
		    f->svc_mem);
	f->svc_mem -= n;
	f->stack->svc_mem -= n;
}

void *
vconn_alloc(struct flow *f, size_t n)
{
	void *p;

	if (charge(f, n) == -1)
		return NULL;
	if ((p = calloc(1, n)) == NULL) {
		uncharge(f, n);
		return NULL;
	}
	return p;
}

void
vconn_free(struct flow *f, void *p, size_t n)
{
	if (p == NULL)
		return;
	uncharge(f, n);
	free(p);
}

int
vconn_buf_init(struct flow *f, struct buf *b, size_t max)
{
	if (charge(f, max) == -1) {
		buf_init(b, 0);
		return -1;
	}
	buf_init(b, max);
	return 0;
}

void
vconn_buf_free(struct flow *f, struct buf *b)
{
	uncharge(f, b->max);
	buf_free(b);
	buf_init(b, 0);
}

size_t
vconn_budget_left(const struct flow *f)
{
	size_t total = VSERVICE_TOTAL - f->stack->svc_mem;
	size_t mine = VSERVICE_BUDGET - f->svc_mem;

	return mine < total ? mine : total;
}

int
vconn_send(struct flow *f, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (f->proto == IPPROTO_TCP)
		return vtcp_send(f->stack, f, data, len);
	if (f->proto == IPPROTO_UDP)
		return vudp_send(f->stack, f, data, len);
	return -1;
}

void
vconn_close(struct flow *f)
{
	/* UDP has no close: its flow ends when it goes idle. */
	if (f->proto == IPPROTO_TCP)
		vtcp_close(f->stack, f);
}

int
vconn_puts(struct flow *f, const char *s)
{
	return vconn_send(f, s, strlen(s));
}

int
vconn_printf(struct flow *f, const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(b))
		n = sizeof(b) - 1;
	return vconn_send(f, b, (size_t)n);
}

const void *
vconn_flavour(const struct flow *f, const void *table, size_t n, size_t size)
{
	const char *os = vconn_os(f), *pat;
	const uint8_t *e = table;
	size_t i;

	for (i = 0; i + 1 < n; i++, e += size) {
		memcpy(&pat, e, sizeof(pat));
		if (fnmatch(pat, os, FNM_CASEFOLD) == 0)
			return e;
	}
	return (const uint8_t *)table + (n - 1) * size;
}

int
vconn_word_eq(const uint8_t *w, size_t n, const char *s)
{
	size_t i;

	if (n != strlen(s))
		return 0;
	for (i = 0; i < n; i++)
		if (tolower(w[i]) != tolower((unsigned char)s[i]))
			return 0;
	return 1;
}

int
vconn_prefix_eq(const uint8_t *w, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && vconn_word_eq(w, k, s);
}

int
vconn_lines(struct flow *f, struct buf *in, uint8_t *skip, const uint8_t *d,
    size_t len, vconn_line_fn fn, void *arg)
{
	const uint8_t *nl;
	size_t n, take;
	int rc, toolong;

	while (len > 0) {
		nl = memchr(d, '\n', len);
		n = nl != NULL ? (size_t)(nl - d) + 1 : len;
		if (*skip) {
			/* The tail of a line already cut. */
			if (nl != NULL)
				*skip = 0;
			d += n;
			len -= n;
			continue;
		}
		take = n;
		toolong = 0;
		if (take > in->max - in->len) {
			take = in->max - in->len;
			toolong = 1;
		}
		(void)buf_add(in, d, take);
		d += n;
		len -= n;
		if (!toolong && nl == NULL)
			break;		/* wait for the rest */
		if (toolong && nl == NULL)
			*skip = 1;
		n = in->len;
		if (!toolong) {
			n--;		/* the LF */
			if (n > 0 && in->data[n - 1] == '\r')
				n--;
		}
		rc = fn(f, arg, in->data, n, toolong);
		buf_reset(in);
		if (rc != 0)
			return rc == -1 ? -1 : 0;
	}
	return 0;
}

static int
echo_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	(void)state;
	return vconn_send(f, d, len) == -1 && f->proto == IPPROTO_TCP ? -1 : 0;
}

static const char banner_line[] = "220 service ready\r\n";

static int
banner_open(struct flow *f, void **state)
{
	(void)state;
	if (f->proto != IPPROTO_TCP)
		return 0;
	return vconn_send(f, banner_line, sizeof(banner_line) - 1);
}

/* RFC 865: a quote, then the server closes. */
static const char qotd_line[] =
    "\"The network is the computer.\" -- John Gage\r\n";

static int
qotd_open(struct flow *f, void **state)
{
	(void)state;
	if (vconn_send(f, qotd_line, sizeof(qotd_line) - 1) == -1)
		return -1;
	vconn_close(f);
	return 0;
}

static const struct vservice vservice_echo = {
	"echo", NULL, echo_data, NULL
};
static const struct vservice vservice_banner = {
	"banner", banner_open, echo_data, NULL
};
static const struct vservice vservice_qotd = {
	"qotd", qotd_open, NULL, NULL
};

static const struct vservice *const services[] = {
	&vservice_echo,
	&vservice_banner,
	&vservice_qotd,
	&vservice_http,
	&vservice_http_proxy,
	&vservice_socks,
	&vservice_mydoom,
	&vservice_bagle,
	&vservice_dns,
	&vservice_snmp,
	&vservice_nbns,
	&vservice_smb,
	&vservice_netbios_ssn,
	&vservice_msrpc,
	&vservice_mssql,
	&vservice_record,
	&vservice_banner_record,
	&vservice_ftp,
	&vservice_telnet,
	&vservice_login,
	&vservice_smtp,
	&vservice_ssh,
};

/* The name is the action's first word; the rest is vconn_arg. */
const struct vservice *
vservice_find(const char *name)
{
	size_t i, n = strcspn(name, " ");

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strlen(services[i]->name) == n &&
		    strncmp(services[i]->name, name, n) == 0)
			return services[i];
	return NULL;
}
