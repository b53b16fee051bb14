/*
 * The HTTPS front: daemon setup, routing, body collection with limits,
 * the access log, /healthz and /metrics, and graceful shutdown.
 *
 * Sensor endpoints are authenticated on the first call of the access
 * handler, after the headers and before any byte of the body is read:
 * libmicrohttpd 0.9.75 has no hook into the handshake's verification,
 * so a bad client certificate gets 403 instead of a failed handshake.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <microhttpd.h>

#include "ca.h"
#include "log.h"
#include "server.h"
#include "store.h"

#define TLS_PRIORITIES	"NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define ENROLL_BODY_MAX	(64 * 1024)	/* before authentication */
#define HEARTBEAT_MAX	(256 * 1024)

static const double bucket_le[METRIC_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct store *
server_store_get(struct server *s)
{
	struct store *st = NULL;
	int i;

	pthread_mutex_lock(&s->pool_mu);
	atomic_fetch_add(&s->m.store_waiting, 1);
	for (;;) {
		for (i = 0; i < s->npool; i++)
			if (!s->pool_busy[i]) {
				s->pool_busy[i] = 1;
				st = s->pool[i];
				break;
			}
		if (st != NULL)
			break;
		pthread_cond_wait(&s->pool_cv, &s->pool_mu);
	}
	atomic_fetch_sub(&s->m.store_waiting, 1);
	pthread_mutex_unlock(&s->pool_mu);
	return st;
}

void
server_store_put(struct server *s, struct store *st)
{
	int i;

	pthread_mutex_lock(&s->pool_mu);
	for (i = 0; i < s->npool; i++)
		if (s->pool[i] == st)
			s->pool_busy[i] = 0;
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
}

enum MHD_Result
server_reply(struct MHD_Connection *c, struct req *r, int status,
    const char *type, const void *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	rc = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->responded = 1;
	return rc;
}

enum MHD_Result
server_reply_error(struct MHD_Connection *c, struct req *r, int status,
    const char *fmt, ...)
{
	json_t *o;
	char *body;
	va_list ap;
	enum MHD_Result rc;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s}", "error", r->error);
	body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (body == NULL)
		return MHD_NO;
	rc = server_reply(c, r, status, "application/json", body,
	    strlen(body));
	free(body);
	/* Keep it for the access log, one line. */
	return rc;
}

static void
access_log(struct server *s, struct MHD_Connection *c, struct req *r)
{
	const union MHD_ConnectionInfo *ci;
	char remote[ADDR_STRLEN] = "-", ts[64];
	struct tm tm;
	time_t t;
	json_t *o;
	char *line;
	int64_t now = now_us();

	if (s->access_log == NULL)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		if (ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)
			    (const void *)ci->client_addr)->sin_addr, remote,
			    sizeof(remote));
		else if (ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
			    (const void *)ci->client_addr)->sin6_addr, remote,
			    sizeof(remote));
	}
	t = (time_t)(r->start / 1000000);
	gmtime_r(&t, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(r->start % 1000000 / 1000));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "ts", ts,
	    "remote", remote, "method", r->method, "path", r->path, "status", r->status, "bytes_in",
	    (json_int_t)r->bytes_in, "us", (json_int_t)(now - r->start));
	if (o == NULL)
		return;
	if (r->sensor[0] != '\0')
		json_object_set_new(o, "sensor", json_string(r->sensor));
	if (r->events > 0)
		json_object_set_new(o, "events",
		    json_integer((json_int_t)r->events));
	if (r->error[0] != '\0')
		json_object_set_new(o, "error", json_string(r->error));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (line == NULL)
		return;
	pthread_mutex_lock(&s->log_mu);
	fprintf(s->access_log, "%s\n", line);
	fflush(s->access_log);
	pthread_mutex_unlock(&s->log_mu);
	free(line);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct req *r = *con_cls;
	(void)toe;
	if (r == NULL)
		return;
	if (!r->responded && r->status == 0)
		r->status = 499;	/* the client went away */
	access_log(s, c, r);
	atomic_fetch_add(&s->m.requests[r->status >= 100 && r->status < 600 ?
	    r->status / 100 - 1 : 5], 1);
	if (r->route.id == ROUTE_CAPTURE)
		api_capture_abort(r);
	buf_free(&r->body);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->m.inflight, 1);
}

static enum MHD_Result
metrics(struct server *s, struct MHD_Connection *c, struct req *r)
{
	struct metrics *m = &s->m;
	struct buf b;
	uint64_t cum = 0;
	enum MHD_Result rc;
	int i;

	buf_init(&b, 64 * 1024);
	buf_printf(&b,
	    "# HELP dias_http_requests_total HTTP requests answered, by "
	    "status class.\n# TYPE dias_http_requests_total counter\n");
	for (i = 0; i < 5; i++)
		buf_printf(&b, "dias_http_requests_total{code=\"%dxx\"} %"
		    PRIuLEAST64 "\n", i + 1, atomic_load(&m->requests[i]));
	buf_printf(&b,
	    "# HELP dias_ingest_batches_total Event batches, by outcome.\n"
	    "# TYPE dias_ingest_batches_total counter\n"
	    "dias_ingest_batches_total{result=\"ok\"} %" PRIuLEAST64 "\n"
	    "dias_ingest_batches_total{result=\"malformed\"} %" PRIuLEAST64 "\n"
	    "dias_ingest_batches_total{result=\"refused\"} %" PRIuLEAST64 "\n"
	    "dias_ingest_batches_total{result=\"store_error\"} %" PRIuLEAST64
	    "\n"
	    "# HELP dias_ingest_events_total Events received in accepted "
	    "batches.\n# TYPE dias_ingest_events_total counter\n"
	    "dias_ingest_events_total %" PRIuLEAST64 "\n"
	    "# HELP dias_ingest_events_stored_total Events stored for the "
	    "first time (replays excluded).\n"
	    "# TYPE dias_ingest_events_stored_total counter\n"
	    "dias_ingest_events_stored_total %" PRIuLEAST64 "\n",
	    atomic_load(&m->batches_ok), atomic_load(&m->batches_bad),
	    atomic_load(&m->batches_refused), atomic_load(&m->batches_failed),
	    atomic_load(&m->events_received), atomic_load(&m->events_stored));
	buf_printf(&b, "# HELP dias_ingest_batch_seconds Time from batch "
	    "received to committed.\n"
	    "# TYPE dias_ingest_batch_seconds histogram\n");
	for (i = 0; i < METRIC_BUCKETS; i++) {
		cum += atomic_load(&m->batch_bucket[i]);
		buf_printf(&b, "dias_ingest_batch_seconds_bucket{le=\"%g\"} %"
		    PRIu64 "\n", bucket_le[i], cum);
	}
	cum += atomic_load(&m->batch_bucket[METRIC_BUCKETS]);
	buf_printf(&b, "dias_ingest_batch_seconds_bucket{le=\"+Inf\"} %" PRIu64
	    "\ndias_ingest_batch_seconds_sum %.6f\n"
	    "dias_ingest_batch_seconds_count %" PRIu64 "\n", cum,
	    (double)atomic_load(&m->batch_usec_sum) / 1e6, cum);
	buf_printf(&b,
	    "# HELP dias_store_errors_total Failed store operations.\n"
	    "# TYPE dias_store_errors_total counter\n"
	    "dias_store_errors_total %" PRIuLEAST64 "\n"
	    "# HELP dias_store_queue_depth Requests waiting for a store "
	    "connection.\n# TYPE dias_store_queue_depth gauge\n"
	    "dias_store_queue_depth %d\n"
	    "# HELP dias_http_inflight Requests being handled.\n"
	    "# TYPE dias_http_inflight gauge\ndias_http_inflight %d\n"
	    "# HELP dias_heartbeats_total Sensor heartbeats.\n"
	    "# TYPE dias_heartbeats_total counter\n"
	    "dias_heartbeats_total %" PRIuLEAST64 "\n"
	    "# HELP dias_captures_total Capture files stored.\n"
	    "# TYPE dias_captures_total counter\n"
	    "dias_captures_total %" PRIuLEAST64 "\n"
	    "# HELP dias_capture_bytes_total Bytes of capture files "
	    "received.\n# TYPE dias_capture_bytes_total counter\n"
	    "dias_capture_bytes_total %" PRIuLEAST64 "\n"
	    "# HELP dias_enrollments_total Sensors enrolled.\n"
	    "# TYPE dias_enrollments_total counter\n"
	    "dias_enrollments_total %" PRIuLEAST64 "\n"
	    "# HELP dias_auth_refused_total Sensor requests refused for "
	    "their certificate.\n# TYPE dias_auth_refused_total counter\n"
	    "dias_auth_refused_total %" PRIuLEAST64 "\n"
	    "# HELP dias_start_time_seconds Start time of the process.\n"
	    "# TYPE dias_start_time_seconds gauge\n"
	    "dias_start_time_seconds %" PRId64 "\n",
	    atomic_load(&m->store_errors), atomic_load(&m->store_waiting),
	    atomic_load(&m->inflight), atomic_load(&m->heartbeats),
	    atomic_load(&m->captures), atomic_load(&m->capture_bytes),
	    atomic_load(&m->enrollments), atomic_load(&m->auth_refused),
	    s->started / 1000000);
	rc = server_reply(c, r, 200, "text/plain; version=0.0.4", b.data,
	    b.len);
	buf_free(&b);
	return rc;
}

static enum MHD_Result
healthz(struct server *s, struct MHD_Connection *c, struct req *r)
{
	struct store *st = server_store_get(s);
	int v, rc = store_schema_version(st, &v);

	if (rc == -1)
		snprintf(r->error, sizeof(r->error), "%s", store_error(st));
	server_store_put(s, st);
	if (rc == -1)
		return server_reply(c, r, 503, "text/plain", "store down\n",
		    11);
	return server_reply(c, r, 200, "text/plain", "ok\n", 3);
}

/* Content-Length over limit: refuse before reading the body. */
static int
too_long(struct MHD_Connection *c, uint64_t limit)
{
	const char *cl;
	char *end;
	unsigned long long v;

	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL)
		return 0;
	errno = 0;
	v = strtoull(cl, &end, 10);
	return errno != 0 || *end != '\0' || v > limit;
}

static uint64_t
body_limit(const struct server *s, enum route_id id)
{
	switch (id) {
	case ROUTE_EVENTS:
		return s->conf->max_body;
	case ROUTE_HEARTBEAT:
		return HEARTBEAT_MAX;
	case ROUTE_ENROLL:
		return ENROLL_BODY_MAX;
	case ROUTE_CAPTURE:
		return s->conf->max_capture;
	default:
		return 0;
	}
}

static enum MHD_Result
begin(struct server *s, struct MHD_Connection *c, struct req *r,
    const char *method, const char *url)
{
	uint64_t limit;
	int st;

	if ((st = route_parse(method, url, &r->route)) != 0)
		return server_reply_error(c, r, st, "%s", st == 404 ?
		    "no such endpoint" : "method not allowed");
	if (r->route.sensor && api_sensor_auth(s, c, r) != MHD_YES)
		return r->responded ? MHD_YES : MHD_NO;
	if (r->responded)
		return MHD_YES;
	if (r->route.id == ROUTE_ENROLL && s->ca == NULL)
		return server_reply_error(c, r, 503, "enrollment is off: "
		    "no CA key on this server");
	limit = body_limit(s, r->route.id);
	if (too_long(c, limit))
		return server_reply_error(c, r, 413, "body over %" PRIu64
		    " bytes", limit);
	if (r->route.id == ROUTE_CAPTURE)
		return api_capture_begin(s, c, r) == -1 && !r->responded ?
		    MHD_NO : MHD_YES;
	if (limit > 0)
		buf_init(&r->body, limit);
	return MHD_YES;
}

static enum MHD_Result
dispatch(struct server *s, struct MHD_Connection *c, struct req *r)
{
	switch (r->route.id) {
	case ROUTE_HEALTHZ:
		return healthz(s, c, r);
	case ROUTE_METRICS:
		return metrics(s, c, r);
	case ROUTE_EVENTS:
		return api_events(s, c, r);
	case ROUTE_HEARTBEAT:
		return api_heartbeat(s, c, r);
	case ROUTE_CAPTURE:
		return api_capture_end(s, c, r);
	case ROUTE_ENROLL:
		return api_enroll(s, c, r);
	default:
		return server_reply_error(c, r, 404, "no such endpoint");
	}
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	struct server *s = cls;
	struct req *r = *con_cls;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->start = now_us();
		r->fd = -1;
		strlcpy(r->method, method, sizeof(r->method));
		strlcpy(r->path, url, sizeof(r->path));
		*con_cls = r;
		atomic_fetch_add(&s->m.inflight, 1);
		return begin(s, c, r, method, url);
	}
	if (*size > 0) {
		r->bytes_in += *size;
		if (r->responded) {
			/* Answered already (refused): drop the rest. */
			*size = 0;
			return MHD_YES;
		}
		if (r->route.id == ROUTE_CAPTURE) {
			if (api_capture_data(s, r, data, *size) == -1)
				return MHD_NO;
		} else if (buf_add(&r->body, data, *size) == -1) {
			/* A chunked body over the limit: hang up. */
			snprintf(r->error, sizeof(r->error),
			    "body over the limit");
			r->status = 413;
			return MHD_NO;
		}
		*size = 0;
		return MHD_YES;
	}
	if (r->responded)
		return MHD_YES;
	return dispatch(s, c, r);
}

static void __attribute__((format(printf, 2, 0)))
mhd_log(void *arg, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

static char *
read_pem(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return ca_read_file(path, NULL, err, errlen);
}

struct server *
server_new(struct server_conf *conf, char *err, size_t errlen)
{
	struct server *s;
	char path[4096], e2[256];
	int i, n;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->conf = conf;
	s->started = now_us();
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->gc_mu, NULL);
	pthread_cond_init(&s->gc_cv, NULL);
	s->gc_tail = &s->gc_head;
	if ((s->ca_pem = read_pem(conf->ca_dir, "ca.pem", err, errlen)) ==
	    NULL ||
	    (s->cert_pem = read_pem(conf->ca_dir, "server.pem", err, errlen))
	    == NULL ||
	    (s->key_pem = read_pem(conf->ca_dir, "server.key", err, errlen))
	    == NULL)
		goto fail;
	/* Without the CA key the server still serves; it cannot enroll. */
	snprintf(path, sizeof(path), "%s/ca.key", conf->ca_dir);
	if (access(path, R_OK) == 0 &&
	    (s->ca = ca_load(conf->ca_dir, err, errlen)) == NULL)
		goto fail;
	else if (s->ca == NULL)
		log_info("%s: not readable; enrollment is off", path);

	n = (int)conf->threads;
	s->pool = calloc((size_t)n, sizeof(*s->pool));
	s->pool_busy = calloc((size_t)n, sizeof(*s->pool_busy));
	if (s->pool == NULL || s->pool_busy == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if ((s->pool[i] = store_open(conf->store, err, errlen)) ==
		    NULL)
			goto fail;
		s->npool++;
		if (s->npool >= store_max_conns(s->pool[0]))
			break;
	}
	s->group_commit = s->npool == 1 || store_one_writer(s->pool[0]);
	if (conf->access_log != NULL) {
		if (strcmp(conf->access_log, "-") == 0)
			s->access_log = stderr;
		else if ((s->access_log = fopen(conf->access_log, "ae")) ==
		    NULL) {
			snprintf(err, errlen, "%s: %s", conf->access_log,
			    strerror(errno));
			goto fail;
		}
	}
	(void)e2;
	return s;
fail:
	server_free(s);
	return NULL;
}

/*
 * A daemon for listen address l with these certificates: on socket fd
 * when one is handed over (a reload), else on a socket it binds.
 */
static struct MHD_Daemon *
daemon_start(struct server *s, const struct server_listen *l, int fd,
    const char *ca, const char *cert, const char *key)
{
	struct sockaddr_storage ss;
	struct MHD_OptionItem where[2] = {
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL }
	};
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_TLS |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;

	memset(&ss, 0, sizeof(ss));
	if (l->addr.af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, l->addr.a, 16);
		sin6->sin6_port = htons(l->port);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, l->addr.a, 4);
		sin->sin_port = htons(l->port);
	}
	/* Where to listen, one option of two types: as an option array
	 * item, which carries either an integer or a pointer. */
	if (fd == -1) {
		where[0].option = MHD_OPTION_SOCK_ADDR;
		where[0].ptr_value = &ss;
	} else {
		where[0].option = MHD_OPTION_LISTEN_SOCKET;
		where[0].value = fd;
	}
	return MHD_start_daemon(flags, l->port, NULL, NULL, handler, s,
	    MHD_OPTION_ARRAY, where,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_MEM_CERT, cert,
	    MHD_OPTION_HTTPS_MEM_TRUST, ca,
	    MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
	    MHD_OPTION_THREAD_POOL_SIZE, s->conf->threads,
	    MHD_OPTION_CONNECTION_LIMIT, s->conf->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->conf->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_END);
}

int
server_start(struct server *s, char *err, size_t errlen)
{
	const struct server_listen *l;
	char a[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < s->conf->nlisten; i++) {
		l = &s->conf->listen[i];
		if ((s->daemons[i] = daemon_start(s, l, -1, s->ca_pem,
		    s->cert_pem, s->key_pem)) == NULL) {
			addr_fmt(&l->addr, a, sizeof(a));
			snprintf(err, errlen, "cannot listen on %s port %u "
			    "(see the log with -v)", a, l->port);
			return -1;
		}
		s->ndaemons++;
		addr_fmt(&l->addr, a, sizeof(a));
		log_info("listening on %s port %u", a, l->port);
	}
	return 0;
}

/* Whether GnuTLS takes these as the server's key, certificate and
 * trusted CA, before any listener is touched. */
static int
pems_check(const char *ca, const char *cert, const char *key, char *err,
    size_t errlen)
{
	gnutls_certificate_credentials_t cr;
	gnutls_datum_t c = { (unsigned char *)(uintptr_t)cert,
	    (unsigned)strlen(cert) };
	gnutls_datum_t k = { (unsigned char *)(uintptr_t)key,
	    (unsigned)strlen(key) };
	gnutls_datum_t t = { (unsigned char *)(uintptr_t)ca,
	    (unsigned)strlen(ca) };
	int rc;

	if ((rc = gnutls_certificate_allocate_credentials(&cr)) < 0) {
		snprintf(err, errlen, "%s", gnutls_strerror(rc));
		return -1;
	}
	if ((rc = gnutls_certificate_set_x509_key_mem(cr, &c, &k,
	    GNUTLS_X509_FMT_PEM)) < 0)
		snprintf(err, errlen, "server.pem, server.key: %s; keeping "
		    "the old ones", gnutls_strerror(rc));
	else if ((rc = gnutls_certificate_set_x509_trust_mem(cr, &t,
	    GNUTLS_X509_FMT_PEM)) <= 0) {
		snprintf(err, errlen, "ca.pem: %s; keeping the old ones",
		    rc < 0 ? gnutls_strerror(rc) : "no certificate");
		rc = -1;
	}
	gnutls_certificate_free_credentials(cr);
	return rc < 0 ? -1 : 0;
}

int
server_reload(struct server *s, char *err, size_t errlen)
{
	struct MHD_Daemon *d;
	struct retired *old;
	struct pems *p;
	FILE *f;
	char *ca = NULL, *cert = NULL, *key = NULL;
	MHD_socket fd;
	size_t i;
	int rc = 0, logrc = 0;

	/* The access log first: rotation must work even if the
	 * certificates are broken. */
	if (s->conf->access_log != NULL && s->access_log != stderr) {
		if ((f = fopen(s->conf->access_log, "ae")) == NULL) {
			snprintf(err, errlen, "%s: %s", s->conf->access_log,
			    strerror(errno));
			logrc = -1;
		} else {
			pthread_mutex_lock(&s->log_mu);
			fclose(s->access_log);
			s->access_log = f;
			pthread_mutex_unlock(&s->log_mu);
		}
	}
	if ((ca = read_pem(s->conf->ca_dir, "ca.pem", err, errlen)) == NULL ||
	    (cert = read_pem(s->conf->ca_dir, "server.pem", err, errlen)) ==
	    NULL ||
	    (key = read_pem(s->conf->ca_dir, "server.key", err, errlen)) ==
	    NULL)
		goto fail;
	if (pems_check(ca, cert, key, err, errlen) == -1)
		goto fail;
	for (i = 0; i < s->ndaemons; i++) {
		/* The socket, no longer accepted on by the old daemon, goes
		 * to the new one: no connection is refused in between.  The
		 * new daemon gets a dup (libmicrohttpd closes what it was
		 * given if it fails to start); the old daemon may use the
		 * socket until it is stopped, so it is closed after that. */
		if ((fd = MHD_quiesce_daemon(s->daemons[i])) ==
		    MHD_INVALID_SOCKET) {
			snprintf(err, errlen, "listener %zu: cannot hand over "
			    "its socket", i);
			rc = -1;
			continue;
		}
		d = daemon_start(s, &s->conf->listen[i], dup(fd), ca, cert,
		    key);
		if (d == NULL) {
			snprintf(err, errlen, "listener %zu: the new "
			    "certificates do not load (see the log with -v); "
			    "keeping the old ones", i);
			if ((d = daemon_start(s, &s->conf->listen[i], dup(fd),
			    s->ca_pem, s->cert_pem, s->key_pem)) == NULL)
				fatalx("listener %zu lost on reload", i);
			rc = -1;
		}
		if ((old = calloc(1, sizeof(*old))) == NULL) {
			MHD_stop_daemon(s->daemons[i]);
			close(fd);
		} else {
			old->daemon = s->daemons[i];
			old->fd = fd;
			old->since = now_us();
			old->next = s->retired;
			s->retired = old;
		}
		s->daemons[i] = d;
	}
	/* On an error some daemons may run on the new files, some on the
	 * old: both are kept; the old ones stay current. */
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatalx("out of memory");
	if (rc == 0) {
		p->ca = s->ca_pem;
		p->cert = s->cert_pem;
		p->key = s->key_pem;
		s->ca_pem = ca;
		s->cert_pem = cert;
		s->key_pem = key;
	} else {
		p->ca = ca;
		p->cert = cert;
		p->key = key;
	}
	p->next = s->old_pems;
	s->old_pems = p;
	return rc == -1 || logrc == -1 ? -1 : 0;
fail:
	free(ca);
	free(cert);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	return -1;
}

static void
pems_free(char *ca, char *cert, char *key)
{
	free(ca);
	free(cert);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
}

static void
retired_free(struct retired *r)
{
	MHD_stop_daemon(r->daemon);
	close(r->fd);
	free(r);
}

void
server_reap(struct server *s, int all)
{
	const union MHD_DaemonInfo *di;
	struct retired **rp, *r;
	int64_t grace = (int64_t)s->conf->shutdown_grace * 1000000;

	for (rp = &s->retired; (r = *rp) != NULL; ) {
		di = MHD_get_daemon_info(r->daemon,
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (all || (di != NULL && di->num_connections == 0) ||
		    now_us() - r->since > grace) {
			*rp = r->next;
			retired_free(r);
		} else
			rp = &r->next;
	}
}

void
server_stop(struct server *s)
{
	int64_t deadline;
	size_t i;

	if (s->ndaemons == 0)
		return;
	/* No new connections; requests under way run to their answer. */
	for (i = 0; i < s->ndaemons; i++)
		MHD_quiesce_daemon(s->daemons[i]);
	deadline = now_us() + (int64_t)s->conf->shutdown_grace * 1000000;
	while (atomic_load(&s->m.inflight) > 0 && now_us() < deadline)
		usleep(20000);
	if (atomic_load(&s->m.inflight) > 0)
		log_warnx("stopping with %d requests unfinished",
		    atomic_load(&s->m.inflight));
	for (i = 0; i < s->ndaemons; i++)
		MHD_stop_daemon(s->daemons[i]);
	s->ndaemons = 0;
	server_reap(s, 1);
}

void
server_free(struct server *s)
{
	struct pems *p;
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < (int)s->ndaemons; i++)
		MHD_stop_daemon(s->daemons[i]);
	server_reap(s, 1);
	for (i = 0; i < s->npool; i++)
		store_close(s->pool[i]);
	free(s->pool);
	free(s->pool_busy);
	ca_free(s->ca);
	pems_free(s->ca_pem, s->cert_pem, s->key_pem);
	while ((p = s->old_pems) != NULL) {
		s->old_pems = p->next;
		pems_free(p->ca, p->cert, p->key);
		free(p);
	}
	if (s->access_log != NULL && s->access_log != stderr)
		fclose(s->access_log);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_cond_destroy(&s->pool_cv);
	pthread_mutex_destroy(&s->log_mu);
	pthread_mutex_destroy(&s->gc_mu);
	pthread_cond_destroy(&s->gc_cv);
	free(s);
}
