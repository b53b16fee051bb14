/*
 * The sensor API (DESIGN.md §4): event batches, heartbeats, capture
 * files, and enrollment.  docs/api.md is the reference.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <microhttpd.h>

#include "ca.h"
#include "event.h"
#include "ingest.h"
#include "log.h"
#include "server.h"
#include "store.h"

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static enum MHD_Result
reply_json(struct MHD_Connection *c, struct req *r, int status, json_t *o)
{
	char *body;
	enum MHD_Result rc;

	body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (body == NULL)
		return MHD_NO;
	rc = server_reply(c, r, status, "application/json", body,
	    strlen(body));
	free(body);
	return rc;
}

/*
 * Who is calling: the verified client certificate's CN names a sensor,
 * whose current certificate serial it must carry and which must not be
 * revoked.  Looked up on every request, so a revocation applies to the
 * next request, whatever connection it comes on.
 */
enum MHD_Result
api_sensor_auth(struct server *s, struct MHD_Connection *c, struct req *r)
{
	const union MHD_ConnectionInfo *ci;
	struct store_sensor ss;
	struct store *st;
	char cn[EVENT_SENSOR_MAX + 2], serial[CA_SERIAL_MAX + 1], why[256];
	int rc;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ca_peer_identity(ci ? (gnutls_session_t)ci->tls_session : NULL,
	    cn, sizeof(cn), serial, why, sizeof(why)) == -1)
		goto refuse;
	st = server_store_get(s);
	rc = store_sensor_get(st, cn, &ss);
	if (rc == -1) {
		atomic_fetch_add(&s->m.store_errors, 1);
		snprintf(why, sizeof(why), "%s", store_error(st));
	}
	server_store_put(s, st);
	if (rc == -1)
		return server_reply_error(c, r, 503, "store: %s", why);
	if (rc == 1) {
		snprintf(why, sizeof(why), "unknown sensor \"%s\"", cn);
		goto refuse;
	}
	if (ss.revoked) {
		snprintf(why, sizeof(why), "sensor \"%s\" is revoked", cn);
		goto refuse;
	}
	if (strcmp(ss.cert_serial, serial) != 0) {
		snprintf(why, sizeof(why), "certificate %s is not sensor "
		    "\"%s\"'s current one", serial, cn);
		goto refuse;
	}
	strlcpy(r->sensor, cn, sizeof(r->sensor));
	r->sensor_id = ss.id;
	return MHD_YES;
refuse:
	atomic_fetch_add(&s->m.auth_refused, 1);
	return server_reply_error(c, r, 403, "%s", why);
}

static void
observe_batch(struct server *s, int64_t usec)
{
	static const int64_t le[METRIC_BUCKETS] = {
		1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
		1000000, 5000000
	};
	int i;

	for (i = 0; i < METRIC_BUCKETS && usec > le[i]; i++)
		;
	atomic_fetch_add(&s->m.batch_bucket[i], 1);
	atomic_fetch_add(&s->m.batch_usec_sum, (uint64_t)usec);
}

#define GROUP_MAX_BATCHES	32
#define GROUP_MAX_EVENTS	100000

/*
 * Store one batch.  With a single-writer store, batches queue here and
 * the first waiting thread commits everything queued in one transaction
 * (one fsync), then wakes the others; if that group fails, each batch is
 * tried alone so that one cannot sink the rest.  Returns 0 or -1 with
 * it->err; either way only after the outcome is durable.
 */
static int
ingest_commit(struct server *s, struct gc_item *it)
{
	struct store_batch group[GROUP_MAX_BATCHES];
	struct gc_item *taken[GROUP_MAX_BATCHES], *g;
	struct store *st;
	size_t n, i, events;
	int rc;

	if (!s->group_commit) {
		st = server_store_get(s);
		rc = store_ingest_group(st, &it->b, 1);
		if (rc == -1)
			snprintf(it->err, sizeof(it->err), "%s",
			    store_error(st));
		server_store_put(s, st);
		return rc;
	}
	pthread_mutex_lock(&s->gc_mu);
	it->next = NULL;
	*s->gc_tail = it;
	s->gc_tail = &it->next;
	while (!it->done) {
		if (s->gc_leader) {
			pthread_cond_wait(&s->gc_cv, &s->gc_mu);
			continue;
		}
		s->gc_leader = 1;
		for (n = 0, events = 0; s->gc_head != NULL &&
		    n < GROUP_MAX_BATCHES && (n == 0 ||
		    events + s->gc_head->b.n <= GROUP_MAX_EVENTS); n++) {
			g = s->gc_head;
			s->gc_head = g->next;
			if (s->gc_head == NULL)
				s->gc_tail = &s->gc_head;
			taken[n] = g;
			group[n] = g->b;
			events += g->b.n;
		}
		pthread_mutex_unlock(&s->gc_mu);

		st = server_store_get(s);
		rc = store_ingest_group(st, group, n);
		for (i = 0; i < n; i++) {
			if (rc == -1 && n > 1 &&
			    store_ingest_group(st, &group[i], 1) == 0)
				taken[i]->rc = 0;
			else
				taken[i]->rc = rc;
			if (taken[i]->rc == -1)
				snprintf(taken[i]->err, sizeof(taken[i]->err),
				    "%s", store_error(st));
			taken[i]->b.stored = group[i].stored;
		}
		server_store_put(s, st);

		pthread_mutex_lock(&s->gc_mu);
		for (i = 0; i < n; i++)
			taken[i]->done = 1;
		s->gc_leader = 0;
		pthread_cond_broadcast(&s->gc_cv);
	}
	pthread_mutex_unlock(&s->gc_mu);
	return it->rc;
}

enum MHD_Result
api_events(struct server *s, struct MHD_Connection *c, struct req *r)
{
	struct ingest_batch b;
	struct gc_item it;
	char err[400];
	size_t stored = 0;
	int64_t t0 = now_us();
	int rc;

	rc = ingest_parse((const char *)r->body.data, r->body.len, r->sensor,
	    s->conf->max_line, s->conf->max_batch, &b, err, sizeof(err));
	if (rc == INGEST_FORBIDDEN) {
		atomic_fetch_add(&s->m.batches_refused, 1);
		return server_reply_error(c, r, 403, "%s", err);
	}
	if (rc != INGEST_OK) {
		atomic_fetch_add(&s->m.batches_bad, 1);
		return server_reply_error(c, r, 400, "%s", err);
	}
	memset(&it, 0, sizeof(it));
	it.b.sensor_id = r->sensor_id;
	it.b.evs = b.evs;
	it.b.lines = b.lines;
	it.b.lens = b.lens;
	it.b.n = b.n;
	rc = ingest_commit(s, &it);
	stored = it.b.stored;
	if (rc == -1)
		snprintf(err, sizeof(err), "%s", it.err);
	r->events = b.n;
	if (rc == -1) {
		ingest_batch_free(&b);
		atomic_fetch_add(&s->m.batches_failed, 1);
		atomic_fetch_add(&s->m.store_errors, 1);
		log_warnx("sensor %s: batch not stored: %s", r->sensor, err);
		return server_reply_error(c, r, 503, "store: %s", err);
	}
	atomic_fetch_add(&s->m.batches_ok, 1);
	atomic_fetch_add(&s->m.events_received, b.n);
	atomic_fetch_add(&s->m.events_stored, stored);
	observe_batch(s, now_us() - t0);
	/* Committed: only now is the batch acknowledged. */
	rc = (int)reply_json(c, r, 200, json_pack("{s:I, s:I}", "acked",
	    (json_int_t)b.last_seq, "stored", (json_int_t)stored));
	ingest_batch_free(&b);
	return (enum MHD_Result)rc;
}

enum MHD_Result
api_heartbeat(struct server *s, struct MHD_Connection *c, struct req *r)
{
	struct ingest_batch b;
	struct store_sensor ss;
	struct store *st;
	const struct event_heartbeat *h;
	json_t *counters;
	char err[400], *cj;
	size_t i;
	int rc;

	rc = ingest_parse((const char *)r->body.data, r->body.len, r->sensor,
	    s->conf->max_line, 1, &b, err, sizeof(err));
	if (rc != INGEST_OK)
		return server_reply_error(c, r, rc == INGEST_FORBIDDEN ? 403 :
		    400, "%s", err);
	if (b.evs[0].kind != EVENT_HEARTBEAT) {
		ingest_batch_free(&b);
		return server_reply_error(c, r, 400, "line 1: a heartbeat "
		    "event is expected here");
	}
	h = &b.evs[0].u.heartbeat;
	counters = json_object();
	for (i = 0; i < h->ncounters; i++)
		json_object_set_new(counters, h->counters[i].name,
		    json_integer((json_int_t)h->counters[i].value));
	cj = json_dumps(counters, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(counters);
	st = server_store_get(s);
	rc = cj == NULL ? -1 : store_sensor_heartbeat(st, r->sensor_id,
	    now_us(), h->backlog, h->claimed, cj);
	if (rc == 0)
		rc = store_sensor_get(st, r->sensor, &ss) == 0 ? 0 : -1;
	if (rc == -1)
		snprintf(err, sizeof(err), "%s", store_error(st));
	server_store_put(s, st);
	free(cj);
	ingest_batch_free(&b);
	if (rc == -1) {
		atomic_fetch_add(&s->m.store_errors, 1);
		return server_reply_error(c, r, 503, "store: %s", err);
	}
	atomic_fetch_add(&s->m.heartbeats, 1);
	return reply_json(c, r, 200, json_pack("{s:I}", "acked",
	    (json_int_t)ss.last_seq));
}

static int
hex_to_bin(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	if (hex == NULL || strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++) {
		char ch = hex[i];
		if (ch >= '0' && ch <= '9')
			v = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v = (unsigned)(ch - 'A' + 10);
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

static int
mkdirs(const char *path, mode_t mode)
{
	char p[4096];
	size_t i;

	if (strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST)
			return -1;
		p[i] = '/';
	}
	return mkdir(p, mode) == -1 && errno != EEXIST ? -1 : 0;
}

/* Captures are kept per sensor; uploaded blobs by content, for all
 * sensors, under data-dir/uploads/<first 2 hex digits>/<sha256>. */
static void
capture_dir(struct server *s, struct req *r, char *out, size_t len)
{
	if (r->route.upload)
		snprintf(out, len, "%s/uploads/%.2s", s->conf->data_dir,
		    r->route.name);
	else
		snprintf(out, len, "%s/captures/%s", s->conf->data_dir,
		    r->sensor);
}

int
api_capture_begin(struct server *s, struct MHD_Connection *c, struct req *r)
{
	const char *sha, *cl;
	char dir[4096], *end;
	gnutls_hash_hd_t h;

	sha = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-DIAS-SHA256");
	if (r->route.upload) {
		/* The name is the digest; a header, if sent, must agree. */
		if (sha != NULL && strcasecmp(sha, r->route.name) != 0) {
			server_reply_error(c, r, 400, "X-DIAS-SHA256 is not "
			    "the name");
			return 0;
		}
		sha = r->route.name;
		/* Refused before any byte is read, as the front does for
		 * captures over max-capture. */
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && (strtoull(cl, &end, 10) > s->conf->max_upload ||
		    *end != '\0')) {
			server_reply_error(c, r, 413, "upload over %" PRIu64
			    " bytes", s->conf->max_upload);
			return 0;
		}
	}
	if (hex_to_bin(sha, r->want_sha, sizeof(r->want_sha)) == -1) {
		server_reply_error(c, r, 400, "X-DIAS-SHA256: 64 hex digits "
		    "of the file's SHA-256 are required");
		return 0;
	}
	capture_dir(s, r, dir, sizeof(dir));
	if (mkdirs(dir, 0750) == -1) {
		server_reply_error(c, r, 500, "capture directory: %s",
		    strerror(errno));
		log_warn("%s", dir);
		return 0;
	}
	if (snprintf(r->tmp, sizeof(r->tmp), "%s/.%s.XXXXXX", dir,
	    r->route.name) >= (int)sizeof(r->tmp))
		errno = ENAMETOOLONG;
	else
		r->fd = mkostemp(r->tmp, O_CLOEXEC);
	if (r->fd == -1) {
		log_warn("%s", r->tmp);
		r->tmp[0] = '\0';
		server_reply_error(c, r, 500, "capture file: %s",
		    strerror(errno));
		return 0;
	}
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		server_reply_error(c, r, 500, "hash");
		return 0;
	}
	r->hash = h;
	return 0;
}

int
api_capture_data(struct server *s, struct req *r, const char *data,
    size_t len)
{
	const char *p = data;
	ssize_t n;

	if (r->fd == -1 || r->hash == NULL)
		return -1;
	if (r->bytes_in > (r->route.upload ? s->conf->max_upload :
	    s->conf->max_capture)) {
		snprintf(r->error, sizeof(r->error), "%s over the limit",
		    r->route.upload ? "upload" : "capture");
		r->status = 413;
		return -1;
	}
	gnutls_hash((gnutls_hash_hd_t)r->hash, data, len);
	while (len > 0) {
		if ((n = write(r->fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(r->error, sizeof(r->error), "write: %s",
			    strerror(errno));
			r->status = 500;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
api_capture_abort(struct req *r)
{
	uint8_t out[32];

	if (r->hash != NULL) {
		gnutls_hash_deinit((gnutls_hash_hd_t)r->hash, out);
		r->hash = NULL;
	}
	if (r->fd != -1) {
		close(r->fd);
		r->fd = -1;
	}
	if (r->tmp[0] != '\0') {
		unlink(r->tmp);
		r->tmp[0] = '\0';
	}
}

/*
 * An uploaded blob, hashed and fsynced in r->tmp: content-addressed, so
 * one we have already is the same bytes (200), a new one is renamed into
 * place (201).
 */
static enum MHD_Result
upload_end(struct MHD_Connection *c, struct req *r, const char *dir,
    const char *path, const char *hex)
{
	struct stat sb;
	int dfd, fresh;

	fresh = stat(path, &sb) == -1;
	if (!fresh)
		api_capture_abort(r);
	else {
		if (rename(r->tmp, path) == -1) {
			api_capture_abort(r);
			return server_reply_error(c, r, 500, "rename: %s",
			    strerror(errno));
		}
		r->tmp[0] = '\0';
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return reply_json(c, r, fresh ? 201 : 200, json_pack("{s:s, s:I, "
	    "s:b}", "sha256", hex, "size", (json_int_t)r->bytes_in, "new",
	    fresh));
}

enum MHD_Result
api_capture_end(struct server *s, struct MHD_Connection *c, struct req *r)
{
	struct store *st;
	uint8_t got[32];
	char hex[65], dir[4096], path[4096], err[300];
	int dfd, rc;
	size_t i;

	if (r->hash == NULL || r->fd == -1)
		return server_reply_error(c, r, 500, "capture state");
	gnutls_hash_deinit((gnutls_hash_hd_t)r->hash, got);
	r->hash = NULL;
	if (memcmp(got, r->want_sha, sizeof(got)) != 0) {
		api_capture_abort(r);
		return server_reply_error(c, r, 400, "sha256 mismatch: the "
		    "file was damaged in transit");
	}
	if (fsync(r->fd) == -1) {
		api_capture_abort(r);
		return server_reply_error(c, r, 500, "fsync: %s",
		    strerror(errno));
	}
	close(r->fd);
	r->fd = -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", got[i]);
	capture_dir(s, r, dir, sizeof(dir));
	if (snprintf(path, sizeof(path), "%s/%s", dir, r->route.name) >=
	    (int)sizeof(path)) {
		api_capture_abort(r);
		return server_reply_error(c, r, 500, "path too long");
	}
	if (r->route.upload)
		return upload_end(c, r, dir, path, hex);
	st = server_store_get(s);
	rc = store_capture_add(st, r->sensor_id, r->route.name, hex,
	    r->bytes_in, path, now_us());
	if (rc == -1)
		snprintf(err, sizeof(err), "%s", store_error(st));
	server_store_put(s, st);
	if (rc == -1) {
		api_capture_abort(r);
		atomic_fetch_add(&s->m.store_errors, 1);
		return server_reply_error(c, r, 503, "store: %s", err);
	}
	if (rc == 2) {
		api_capture_abort(r);
		return server_reply_error(c, r, 409, "%s exists with another "
		    "sha256", r->route.name);
	}
	/* New (0) or the same again (1): put the file in place; for a
	 * replay this rewrites identical bytes, and mends a lost file. */
	if (rename(r->tmp, path) == -1) {
		api_capture_abort(r);
		return server_reply_error(c, r, 500, "rename: %s",
		    strerror(errno));
	}
	r->tmp[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	if (rc == 0) {
		atomic_fetch_add(&s->m.captures, 1);
		atomic_fetch_add(&s->m.capture_bytes, r->bytes_in);
	}
	return reply_json(c, r, rc == 0 ? 201 : 200, json_pack(
	    "{s:s, s:s, s:I, s:b}", "name", r->route.name, "sha256", hex,
	    "size", (json_int_t)r->bytes_in, "new", rc == 0));
}

/* Hex SHA-256 of the token's secret part (before any '.'). */
static int
token_hash(const char *token, char out[65])
{
	const char *dot = strchr(token, '.');
	size_t len = dot ? (size_t)(dot - token) : strlen(token), i;
	uint8_t h[32];

	if (len < 16 || len > 128)
		return -1;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, len, h) < 0)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

enum MHD_Result
api_enroll(struct server *s, struct MHD_Connection *c, struct req *r)
{
	json_t *in;
	json_error_t jerr;
	const char *token = NULL, *csr = NULL;
	char hash[65], name[EVENT_SENSOR_MAX + 1], serial[CA_SERIAL_MAX + 1];
	char err[300];
	struct store *st;
	struct buf cert;
	int rc;

	in = json_loadb((const char *)r->body.data, r->body.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (in == NULL || json_unpack(in, "{s:s, s:s}", "token", &token,
	    "csr", &csr) == -1) {
		json_decref(in);
		return server_reply_error(c, r, 400, "expected "
		    "{\"token\": ..., \"csr\": PEM}");
	}
	if (token_hash(token, hash) == -1) {
		json_decref(in);
		return server_reply_error(c, r, 403, "bad token");
	}
	st = server_store_get(s);
	rc = store_sensor_take_token(st, hash, now_us(), name, sizeof(name));
	if (rc == -1)
		snprintf(err, sizeof(err), "%s", store_error(st));
	server_store_put(s, st);
	if (rc == -1) {
		json_decref(in);
		return server_reply_error(c, r, 503, "store: %s", err);
	}
	if (rc == 1) {
		json_decref(in);
		return server_reply_error(c, r, 403, "unknown, used or "
		    "expired token");
	}
	strlcpy(r->sensor, name, sizeof(r->sensor));
	buf_init(&cert, 16384);
	if (ca_sign_csr(s->ca, csr, strlen(csr), name, s->conf->cert_days,
	    &cert, serial, err, sizeof(err)) == -1) {
		/* Give the token back, so a fixed CSR can try again. */
		st = server_store_get(s);
		(void)store_sensor_retoken(st, name, hash, now_us() +
		    (int64_t)s->conf->token_lifetime * 1000000);
		server_store_put(s, st);
		json_decref(in);
		buf_free(&cert);
		return server_reply_error(c, r, 400, "%s", err);
	}
	json_decref(in);
	st = server_store_get(s);
	rc = store_sensor_set_cert(st, name, serial);
	if (rc == 0)
		(void)store_audit(st, name, "enroll", name, serial, now_us());
	else
		snprintf(err, sizeof(err), "%s", store_error(st));
	server_store_put(s, st);
	if (rc == -1) {
		buf_free(&cert);
		return server_reply_error(c, r, 503, "store: %s", err);
	}
	atomic_fetch_add(&s->m.enrollments, 1);
	log_info("sensor %s enrolled, certificate %s", name, serial);
	rc = (int)reply_json(c, r, 200, json_pack("{s:s, s:s%, s:s}",
	    "sensor", name, "certificate", (const char *)cert.data, cert.len,
	    "ca", s->ca_pem));
	buf_free(&cert);
	return (enum MHD_Result)rc;
}
