/*
 * The shipper process: see shipper.h.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "event.h"
#include "file.h"
#include "log.h"
#include "msg.h"
#include "shipper.h"
#include "spool.h"

#define SHIP_BATCH_BYTES	(8 * 1024 * 1024)
#define SHIP_REPLY_MAX		(64 * 1024)
#define SHIP_URL_MAX		1024
#define SHIP_TLS_FILE_MAX	(64 * 1024)
#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		30000
#define CONNECT_TIMEOUT_S	5L
#define REQUEST_TIMEOUT_S	15L	/* a batch or heartbeat, answer included */
#define STALL_TIME_S		30L	/* a file upload under 1 B/s this long */
#define CAPTURE_QUEUE_MAX	256
#define HASH_CHUNK		(1024 * 1024)
#define SEGMENT_MIN		(64 * 1024)
#define SEGMENT_MAX		(64 * 1024 * 1024)

struct shipper;

struct shipper_chan {
	struct shipper	*sh;
	enum proc_id	 peer;
	int		 fd;
	struct msgbuf	*mb;
	struct event	*ev;
};

/* Exponential backoff with jitter for one kind of transfer. */
struct backoff {
	unsigned	 fails;
	struct event	*ev;		/* fires the retry */
};

enum xfer_kind { XFER_BATCH, XFER_HEARTBEAT, XFER_FILE };

/* One HTTPS request; at most one of each kind is in flight. */
struct xfer {
	struct shipper		*sh;
	enum xfer_kind		 kind;
	CURL			*easy;		/* NULL: idle */
	struct curl_slist	*hdrs;
	struct buf		 body;		/* POST: what is sent */
	struct buf		 reply;
	struct backoff		 bo;
	uint64_t		 last;		/* batch: last seq sent */
	/* XFER_FILE */
	int			 fd;
	uint64_t		 off, size;
	int			 is_capture;
	char			 name[128];	/* capture name or sha256 */
	char			 sha[65];
	int			 hashing;	/* before the PUT */
	gnutls_hash_hd_t	 hash;
	uint8_t			*chunk;
	struct event		*ev_hash;
};

/* A closed capture file waiting for its upload. */
struct capture_file {
	TAILQ_ENTRY(capture_file) entry;
	char		 name[128];
	int		 fd;
	int		 renamed;		/* once, after a 409 */
};
TAILQ_HEAD(capture_queue, capture_file);

struct ship_sock {
	struct shipper	*sh;
	struct event	*ev;
};

struct shipper {
	const struct proc_env	*env;
	const struct sensor_conf *sc;
	char			 name[EVENT_SENSOR_MAX + 1];	/* on events */
	/* {"kind":K,"sensor":name,"seq": of the last kind restamped */
	char			 head[EVENT_SENSOR_MAX + 64];
	size_t			 head_len;
	int			 head_kind;
	struct event_base	*base;
	struct shipper_chan	 chans[PROC_MAX];
	int			 open;		/* channels not at EOF */
	struct spool		*spool;
	struct buf		 line;
	struct event		 ev_decoded;	/* scratch */
	struct event		*ev_sync, *ev_hb, *ev_curl;

	/* The server; url[0] == '\0': keep everything in the spool. */
	char			 url[SHIP_URL_MAX];
	CURLM			*multi;
	struct curl_slist	*resolve;
	struct xfer		 batch, hb, file;
	struct capture_queue	 captures;
	size_t			 ncaptures;
	int			 uploads_dirty;	/* uploads/ may hold files */
	int			 fd_captures;	/* captures.list */

	struct {				/* the upload arriving */
		int		 fd;		/* -1: none */
		uint8_t		 sha256[32];
		char		 hex[65];
		uint64_t	 size, next;
		gnutls_hash_hd_t hash;
	}			 up;

	/* The engine's last heartbeat, merged into ours. */
	struct event_counter	*eng_ctr;
	size_t			 eng_nctr;
	uint64_t		 eng_claimed;

	struct {
		uint64_t	 events, rejected, spool_errors;
		uint64_t	 batches, batch_failures, acked;
		uint64_t	 heartbeats, heartbeat_failures;
		uint64_t	 captures, captures_sent, captures_queue_full;
		uint64_t	 uploads, uploads_dup, uploads_bad;
		uint64_t	 uploads_sent, file_failures;
		uint64_t	 drops, drop_records, drop_bytes;
	}			 n;
	int			 down;		/* logged the outage once */
};

static void	ship_kick(struct shipper *);
static void	files_kick(struct shipper *);
static void	spool_event(struct shipper *, struct event *);

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
ms_tv(uint64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000 * 1000);
}

/*
 * Backoff: the n-th failure in a row waits a random time in
 * [d/2, d], d = min(BACKOFF_MAX_MS, BACKOFF_MIN_MS << n), so that many
 * sensors coming back after an outage do not all call at once.
 */
static void
backoff_fail(struct backoff *bo)
{
	struct timeval tv;
	uint64_t d = BACKOFF_MIN_MS;
	unsigned i;

	for (i = 0; i < bo->fails && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	d = d / 2 + arc4random_uniform((uint32_t)(d / 2 + 1));
	bo->fails++;
	ms_tv(d, &tv);
	if (event_add(bo->ev, &tv) == -1)
		fatalx("event_add backoff");
}

static void
backoff_ok(struct backoff *bo)
{
	bo->fails = 0;
}

static int
backoff_waiting(const struct backoff *bo)
{
	return event_pending(bo->ev, EV_TIMEOUT, NULL);
}

/*
 * libcurl's multi socket interface on our event loop.
 */
static void	curl_check_done(struct shipper *);

static void
curl_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shipper *sh = arg;
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(sh->multi, fd, action, &running);
	curl_check_done(sh);
}

static int
curl_sock_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct shipper *sh = arg;
	struct ship_sock *ss = sockp;
	short kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ss != NULL) {
			event_free(ss->ev);
			free(ss);
			curl_multi_assign(sh->multi, s, NULL);
		}
		return 0;
	}
	if (ss == NULL) {
		if ((ss = calloc(1, sizeof(*ss))) == NULL)
			return -1;
		ss->sh = sh;
		curl_multi_assign(sh->multi, s, ss);
	} else if (ss->ev != NULL) {
		event_free(ss->ev);
		ss->ev = NULL;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if ((ss->ev = event_new(sh->base, s, kind, curl_event_cb,
	    sh)) == NULL || event_add(ss->ev, NULL) == -1)
		return -1;
	return 0;
}

static int
curl_timer_cb(CURLM *multi, long ms, void *arg)
{
	struct shipper *sh = arg;
	struct timeval tv;

	(void)multi;
	if (ms < 0) {
		evtimer_del(sh->ev_curl);
		return 0;
	}
	ms_tv((uint64_t)ms, &tv);
	return evtimer_add(sh->ev_curl, &tv) == -1 ? -1 : 0;
}

static void
curl_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shipper *sh = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_check_done(sh);
}

static size_t
xfer_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	if (buf_add(&x->reply, data, size * n) == -1)
		return 0;	/* too long: CURLE_WRITE_ERROR */
	return size * n;
}

/* A new request to url path with the TLS settings every request has. */
static CURL *
xfer_new(struct shipper *sh, struct xfer *x, const char *path)
{
	char url[SHIP_URL_MAX + 128];
	CURL *e;

	if (snprintf(url, sizeof(url), "%s%s", sh->url, path) >=
	    (int)sizeof(url) || (e = curl_easy_init()) == NULL)
		return NULL;
	buf_reset(&x->reply);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt(e, CURLOPT_CAINFO, "/" SHIPPER_TLS_DIR "/ca.pem");
	curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(e, CURLOPT_SSLCERT, "/" SHIPPER_TLS_DIR "/cert.pem");
	curl_easy_setopt(e, CURLOPT_SSLKEY, "/" SHIPPER_TLS_DIR "/key.pem");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	if (sh->resolve != NULL)
		curl_easy_setopt(e, CURLOPT_RESOLVE, sh->resolve);
	/* No "Expect: 100-continue" round trip before a body. */
	x->hdrs = curl_slist_append(NULL, "Expect:");
	return e;
}

static int
xfer_go(struct shipper *sh, struct xfer *x, CURL *e)
{
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	if (curl_multi_add_handle(sh->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(x->hdrs);
		x->hdrs = NULL;
		return -1;
	}
	x->easy = e;
	return 0;
}

/* POST x->body as NDJSON to path (a batch, a heartbeat); 0 or -1. */
static int
xfer_post(struct shipper *sh, struct xfer *x, const char *path)
{
	CURL *e;

	if ((e = xfer_new(sh, x, path)) == NULL)
		fatalx("curl: cannot make a request");
	x->hdrs = curl_slist_append(x->hdrs,
	    "Content-Type: application/x-ndjson");
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body.data);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)x->body.len);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	return xfer_go(sh, x, e);
}

/* The reply's "acked", or -1. */
static int64_t
reply_acked(struct xfer *x)
{
	json_int_t n = -1;
	json_t *o;

	o = json_loadb((const char *)x->reply.data, x->reply.len, 0, NULL);
	if (o == NULL || json_unpack(o, "{s:I}", "acked", &n) == -1)
		n = -1;
	json_decref(o);
	return n;
}

/* The reply's "error", for logs. */
static void
reply_error(struct xfer *x, CURLcode cc, long status, char *out, size_t len)
{
	const char *why = NULL;
	json_t *o = NULL;

	if (cc != CURLE_OK) {
		snprintf(out, len, "%s", curl_easy_strerror(cc));
		return;
	}
	o = json_loadb((const char *)x->reply.data, x->reply.len, 0, NULL);
	if (o != NULL)
		(void)json_unpack(o, "{s:s}", "error", &why);
	snprintf(out, len, "HTTP %ld: %s", status, why ? why : "no reason");
	json_decref(o);
}

/*
 * Events.
 */
static void
batch_done(struct shipper *sh, struct xfer *x, CURLcode cc, long status)
{
	char why[300];
	int64_t acked = -1;

	if (cc == CURLE_OK && status == 200)
		acked = reply_acked(x);
	if (acked < 0) {
		reply_error(x, cc, status, why, sizeof(why));
		sh->n.batch_failures++;
		if (!sh->down)
			log_warnx("server: batch not acknowledged (%s); "
			    "retrying with backoff", why);
		sh->down = 1;
		backoff_fail(&x->bo);
		return;
	}
	if (sh->down)
		log_info("server: batches acknowledged again");
	sh->down = 0;
	backoff_ok(&x->bo);
	sh->n.batches++;
	/* Never past what was sent: the server acks what it committed. */
	if ((uint64_t)acked > x->last)
		acked = (int64_t)x->last;
	if ((uint64_t)acked > spool_acked(sh->spool)) {
		sh->n.acked += (uint64_t)acked - spool_acked(sh->spool);
		if (spool_ack(sh->spool, (uint64_t)acked) == -1)
			log_warn("spool ack %lld", (long long)acked);
	}
	ship_kick(sh);
}

/* Send the next batch of durable records, if there is one to send and
 * nothing in flight. */
static void
ship_kick(struct shipper *sh)
{
	struct xfer *x = &sh->batch;
	uint64_t after = spool_acked(sh->spool), last;

	if (sh->url[0] == '\0' || x->easy != NULL || backoff_waiting(&x->bo) ||
	    spool_synced_seq(sh->spool) <= after)
		return;
	buf_reset(&x->body);
	if (spool_read(sh->spool, after, &x->body, SHIPPER_BATCH, &last) == -1) {
		log_warn("spool read after %llu", (unsigned long long)after);
		backoff_fail(&x->bo);
		return;
	}
	if (last == after || x->body.len == 0)
		return;
	x->last = last;
	if (xfer_post(sh, x, "/api/v1/sensor/events") == -1) {
		log_warnx("curl: cannot start a batch");
		backoff_fail(&x->bo);
	}
}

static void
batch_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ship_kick(arg);
}

/* Report what the spool dropped as an event of its own. */
static void
spool_drops(struct shipper *sh)
{
	struct spool_drop d;
	struct event ev;
	int i;

	/* The alert itself may push out another segment: a few rounds. */
	for (i = 0; i < 4 && spool_take_drops(sh->spool, &d) == 1; i++) {
		sh->n.drops++;
		sh->n.drop_records += d.records;
		sh->n.drop_bytes += d.bytes;
		log_warnx("spool full: dropped %llu unshipped events (seq "
		    "%llu-%llu, %llu bytes)", (unsigned long long)d.records,
		    (unsigned long long)d.first, (unsigned long long)d.last,
		    (unsigned long long)d.bytes);
		event_init(&ev, EVENT_ALERT);
		ev.u.alert.sid = SHIPPER_SID_SPOOL_DROP;
		ev.u.alert.rev = 1;
		ev.u.alert.priority = 2;
		strlcpy(ev.u.alert.classtype, "sensor-limit",
		    sizeof(ev.u.alert.classtype));
		snprintf(ev.u.alert.msg, sizeof(ev.u.alert.msg),
		    "DIAS sensor spool full: %llu unshipped events dropped, "
		    "seq %llu-%llu, %llu bytes", (unsigned long long)d.records,
		    (unsigned long long)d.first, (unsigned long long)d.last,
		    (unsigned long long)d.bytes);
		ev.ts = now_us();
		spool_event(sh, &ev);
		event_clear(&ev);
	}
}

/* Stamp ev with our name and the next seq, spool it.  ev stays the
 * caller's. */
static void
spool_event(struct shipper *sh, struct event *ev)
{
	char err[128];

	strlcpy(ev->sensor, sh->name, sizeof(ev->sensor));
	ev->seq = spool_next_seq(sh->spool);
	buf_reset(&sh->line);
	if (event_encode(ev, &sh->line, err, sizeof(err)) == -1) {
		if (sh->n.rejected++ == 0)
			log_warnx("cannot encode an event: %s", err);
		return;
	}
	/* The spool keeps the line without its '\n'. */
	if (spool_append(sh->spool, ev->seq, (const char *)sh->line.data,
	    sh->line.len - 1) == -1) {
		if (sh->n.spool_errors++ == 0)
			log_warn("spool append");
		return;
	}
	sh->n.events++;
}

/* Keep the engine's counters for our heartbeat. */
static void
engine_heartbeat(struct shipper *sh, const struct event *ev)
{
	const struct event_heartbeat *h = &ev->u.heartbeat;
	struct event_counter *c;

	if (h->ncounters == 0)
		return;
	if ((c = calloc(h->ncounters, sizeof(*c))) == NULL)
		return;
	memcpy(c, h->counters, h->ncounters * sizeof(*c));
	free(sh->eng_ctr);
	sh->eng_ctr = c;
	sh->eng_nctr = h->ncounters;
	sh->eng_claimed = h->claimed;
}

/*
 * A line that decoded as ev, restamped without encoding ev again: if it
 * starts {"kind":K,"sensor":S,"seq":N,"ts": as the engine writes it, with
 * S our name, our seq replaces N and the rest is kept as it is.  The rest
 * decoded already, and a valid value in place of another keeps the line
 * valid, so the spool still holds only lines the server decodes.  0 if
 * spooled, 1 if the line has another shape, -1 on a spool error.
 */
static int
spool_restamp(struct shipper *sh, const char *line, size_t len,
    const struct event *ev)
{
	const char *kind = event_kind_name(ev->kind), *p = line, *end, *head;
	uint64_t seq = spool_next_seq(sh->spool), v;
	char digits[20];
	size_t n;
	int hl;

	/* Our name, as the engine writes it: the decode checked it too. */
	if (len == 0 || line[len - 1] != '\n' || kind == NULL ||
	    strcmp(ev->sensor, sh->name) != 0)
		return 1;
	end = line + len - 1;		/* the spool keeps no '\n' */
	if (sh->head_kind != ev->kind) {
		hl = snprintf(sh->head, sizeof(sh->head), "{\"kind\":\"%s\","
		    "\"sensor\":\"%s\",\"seq\":", kind, sh->name);
		if (hl < 0 || (size_t)hl >= sizeof(sh->head))
			return 1;
		sh->head_len = (size_t)hl;
		sh->head_kind = ev->kind;
	}
	head = sh->head;
	hl = (int)sh->head_len;
	if ((size_t)(end - p) < (size_t)hl || memcmp(p, head, (size_t)hl) != 0)
		return 1;
	for (p += hl, n = 0; p < end && *p >= '0' && *p <= '9'; p++)
		n++;
	if (n == 0 || (size_t)(end - p) < 6 || memcmp(p, ",\"ts\":", 6) != 0)
		return 1;
	/* Our seq in decimal, by hand: snprintf showed in the profile. */
	for (n = sizeof(digits), v = seq; n == sizeof(digits) || v != 0;
	    v /= 10)
		digits[--n] = (char)('0' + v % 10);
	buf_reset(&sh->line);
	if (buf_add(&sh->line, head, (size_t)hl) == -1 ||
	    buf_add(&sh->line, digits + n, sizeof(digits) - n) == -1 ||
	    buf_add(&sh->line, p, (size_t)(end - p)) == -1)
		return 1;
	if (spool_append(sh->spool, seq, (const char *)sh->line.data,
	    sh->line.len) == -1) {
		if (sh->n.spool_errors++ == 0)
			log_warn("spool append");
		return -1;
	}
	sh->n.events++;
	return 0;
}

/* One line from the engine, '\n' included: decode it strictly, spool it. */
static void
shipper_line(struct shipper *sh, const char *line, size_t len)
{
	struct event *ev = &sh->ev_decoded;
	char err[128];

	if (event_decode(line, len, ev, err, sizeof(err)) == -1) {
		if (sh->n.rejected++ == 0)
			log_warnx("rejected an event from the engine: %s", err);
		return;
	}
	if (ev->kind == EVENT_HEARTBEAT)
		engine_heartbeat(sh, ev);
	if (spool_restamp(sh, line, len, ev) == 1)
		spool_event(sh, ev);
	event_clear(ev);
}

/* MSG_EVENT: one or more whole lines. */
static void
shipper_event(struct shipper *sh, const struct msg *m)
{
	const char *p = (const char *)m->data, *end = p + m->len, *nl;

	if (m->fd != -1 || m->len == 0 || end[-1] != '\n') {
		if (sh->n.rejected++ == 0)
			log_warnx("rejected a message from the engine: %s",
			    m->fd != -1 ? "descriptor attached" :
			    "not whole lines");
		return;
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		shipper_line(sh, p, (size_t)(nl - p + 1));
	}
	/* One write for the message's records. */
	if (spool_flush(sh->spool) == -1 && sh->n.spool_errors++ == 0)
		log_warn("spool write");
	spool_drops(sh);
}

static void
sync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shipper *sh = arg;

	(void)fd;
	(void)what;
	if (spool_sync(sh->spool) == -1)
		log_warn("spool sync");
	ship_kick(sh);
}

/*
 * Heartbeats.
 */
static void
hb_done(struct shipper *sh, struct xfer *x, CURLcode cc, long status)
{
	char why[300];

	if (cc == CURLE_OK && status == 200) {
		sh->n.heartbeats++;
		return;
	}
	if (sh->n.heartbeat_failures++ == 0 || !sh->down) {
		reply_error(x, cc, status, why, sizeof(why));
		log_warnx("server: heartbeat failed (%s)", why);
	}
}

static void
hb_counters(struct shipper *sh, struct event *ev)
{
	struct spool_stats st;
	size_t i;

	spool_stats(sh->spool, &st);
	ev->u.heartbeat.backlog = st.backlog_records;
	ev->u.heartbeat.claimed = sh->eng_claimed;
#define C(name, v)	(void)event_add_counter(ev, name, (uint64_t)(v))
	C("shipper.events", sh->n.events);
	C("shipper.rejected", sh->n.rejected);
	C("shipper.batches", sh->n.batches);
	C("shipper.batch_failures", sh->n.batch_failures);
	C("shipper.acked", sh->n.acked);
	C("shipper.heartbeat_failures", sh->n.heartbeat_failures);
	C("shipper.captures", sh->n.captures);
	C("shipper.captures_sent", sh->n.captures_sent);
	C("shipper.uploads", sh->n.uploads);
	C("shipper.uploads_dup", sh->n.uploads_dup);
	C("shipper.uploads_sent", sh->n.uploads_sent);
	C("shipper.file_failures", sh->n.file_failures);
	C("spool.next_seq", spool_next_seq(sh->spool));
	C("spool.acked", spool_acked(sh->spool));
	C("spool.backlog_records", st.backlog_records);
	C("spool.backlog_bytes", st.backlog_bytes);
	C("spool.segments", st.segments);
	C("spool.torn_bytes", st.torn_bytes);
	/* Drops by reason. */
	C("drops.spool_full", st.dropped_records);
	C("drops.spool_full_bytes", st.dropped_bytes);
	C("drops.spool_error", sh->n.spool_errors);
	C("drops.rejected", sh->n.rejected);
	C("drops.uploads_bad", sh->n.uploads_bad);
	C("drops.capture_queue", sh->n.captures_queue_full);
#undef C
	/* The engine's own come last: whatever does not fit is cut. */
	for (i = 0; i < sh->eng_nctr; i++)
		if (event_add_counter(ev, sh->eng_ctr[i].name,
		    sh->eng_ctr[i].value) == -1)
			break;
}

static void
hb_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shipper *sh = arg;
	struct xfer *x = &sh->hb;
	struct event ev;
	char err[128];
	uint64_t seq;

	(void)fd;
	(void)what;
	if (sh->url[0] == '\0' || x->easy != NULL)
		return;
	event_init(&ev, EVENT_HEARTBEAT);
	strlcpy(ev.sensor, sh->name, sizeof(ev.sensor));
	/* Not spooled: the seq of the last event is only for the form. */
	seq = spool_next_seq(sh->spool);
	ev.seq = seq > 1 ? seq - 1 : 1;
	ev.ts = now_us();
	hb_counters(sh, &ev);
	buf_reset(&x->body);
	if (event_encode(&ev, &x->body, err, sizeof(err)) == -1) {
		log_warnx("heartbeat: %s", err);
		event_clear(&ev);
		return;
	}
	event_clear(&ev);
	if (xfer_post(sh, x, "/api/v1/sensor/heartbeat") == -1)
		log_warnx("curl: cannot start a heartbeat");
}

/*
 * Files: captures and uploads, one PUT at a time.
 */
static size_t
file_read_cb(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	ssize_t r;

	r = pread(x->fd, data, size * n, (off_t)x->off);
	if (r == -1)
		return CURL_READFUNC_ABORT;
	x->off += (uint64_t)r;
	return (size_t)r;
}

static int
file_seek_cb(void *arg, curl_off_t off, int origin)
{
	struct xfer *x = arg;

	if (origin != SEEK_SET || off < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	x->off = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static int
file_start(struct shipper *sh, int fd, const char *path, const char *sha,
    uint64_t size)
{
	struct xfer *x = &sh->file;
	char hdr[128];
	CURL *e;

	x->fd = fd;
	x->off = 0;
	x->size = size;
	if ((e = xfer_new(sh, x, path)) == NULL)
		return -1;
	snprintf(hdr, sizeof(hdr), "X-DIAS-SHA256: %s", sha);
	x->hdrs = curl_slist_append(x->hdrs, hdr);
	x->hdrs = curl_slist_append(x->hdrs,
	    "Content-Type: application/octet-stream");
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, file_read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, x);
	curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, file_seek_cb);
	curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, STALL_TIME_S);
	return xfer_go(sh, x, e);
}

static int
is_sha_name(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* The next upload blob in uploads/, or 0 if none. */
static int
upload_next(char name[65])
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(SHIPPER_UPLOADS_DIR)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (is_sha_name(de->d_name)) {
			memcpy(name, de->d_name, 65);
			found = 1;
			break;
		}
	closedir(d);
	return found;
}

/*
 * The file's SHA-256 comes first (the server checks it), a chunk per
 * loop turn, so that a large capture does not stall the loop.
 */
static void
hash_cb(evutil_socket_t unused, short what, void *arg)
{
	struct shipper *sh = arg;
	struct xfer *x = &sh->file;
	char path[256];
	uint8_t d[32];
	ssize_t n;
	size_t i;

	(void)unused;
	(void)what;
	if ((n = pread(x->fd, x->chunk, HASH_CHUNK, (off_t)x->off)) > 0) {
		gnutls_hash(x->hash, x->chunk, (size_t)n);
		x->off += (uint64_t)n;
		event_active(x->ev_hash, EV_TIMEOUT, 1);
		return;
	}
	gnutls_hash_deinit(x->hash, d);
	x->hashing = 0;
	if (n == -1 || x->off == 0) {
		log_warn("%s %s", x->is_capture ? "capture" : "upload",
		    x->name);
		goto failed;
	}
	for (i = 0; i < 32; i++)
		snprintf(x->sha + 2 * i, 3, "%02x", d[i]);
	snprintf(path, sizeof(path), "/api/v1/sensor/%s/%s",
	    x->is_capture ? "captures" : "uploads", x->name);
	if (file_start(sh, x->fd, path, x->sha, x->off) == 0)
		return;
 failed:
	if (!x->is_capture)
		close(x->fd);
	x->fd = -1;
	sh->n.file_failures++;
	backoff_fail(&x->bo);
}

static void
files_kick(struct shipper *sh)
{
	struct xfer *x = &sh->file;
	struct capture_file *cf;
	char path[160], name[65];
	int fd;

	if (sh->url[0] == '\0' || x->easy != NULL || x->hashing ||
	    backoff_waiting(&x->bo))
		return;
	if ((cf = TAILQ_FIRST(&sh->captures)) != NULL) {
		fd = cf->fd;
		x->is_capture = 1;
		strlcpy(x->name, cf->name, sizeof(x->name));
	} else {
		if (!sh->uploads_dirty)
			return;
		if (!upload_next(name)) {
			sh->uploads_dirty = 0;
			return;
		}
		snprintf(path, sizeof(path), "%s/%s", SHIPPER_UPLOADS_DIR,
		    name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			log_warn("%s", path);
			sh->n.file_failures++;
			backoff_fail(&x->bo);
			return;
		}
		x->is_capture = 0;
		strlcpy(x->name, name, sizeof(x->name));
	}
	if (gnutls_hash_init(&x->hash, GNUTLS_DIG_SHA256) < 0)
		fatalx("gnutls_hash_init");
	x->fd = fd;
	x->off = 0;
	x->hashing = 1;
	event_active(x->ev_hash, EV_TIMEOUT, 1);
}

static void
capture_shipped(struct shipper *sh, struct capture_file *cf)
{
	struct msg_capture mc;

	memset(&mc, 0, sizeof(mc));
	strlcpy(mc.name, cf->name, sizeof(mc.name));
	if (sh->chans[PROC_CAPTURE].fd != -1 &&
	    msg_send(sh->chans[PROC_CAPTURE].fd, MSG_CAPTURE_SHIPPED, 0, -1,
	    &mc, sizeof(mc)) == -1)
		log_warn("capture channel");
	TAILQ_REMOVE(&sh->captures, cf, entry);
	sh->ncaptures--;
	close(cf->fd);
	free(cf);
}

static void
file_done(struct shipper *sh, struct xfer *x, CURLcode cc, long status)
{
	struct capture_file *cf = TAILQ_FIRST(&sh->captures);
	char why[300], path[160];

	if (!x->is_capture)
		close(x->fd);
	x->fd = -1;
	if (cc == CURLE_OK && (status == 200 || status == 201)) {
		backoff_ok(&x->bo);
		if (x->is_capture && cf != NULL) {
			log_info("server has capture %s (sha256 %s)", x->name,
			    x->sha);
			sh->n.captures_sent++;
			capture_shipped(sh, cf);
		} else if (!x->is_capture) {
			log_debug("server has upload %s", x->name);
			snprintf(path, sizeof(path), "%s/%s",
			    SHIPPER_UPLOADS_DIR, x->name);
			if (unlink(path) == -1)
				log_warn("%s", path);
			sh->n.uploads_sent++;
		}
		files_kick(sh);
		return;
	}
	reply_error(x, cc, status, why, sizeof(why));
	if (cc == CURLE_OK && status == 409 && x->is_capture && cf != NULL &&
	    !cf->renamed) {
		/* The name was used by an earlier run's file of the same
		 * period that was shipped and deleted: a new name. */
		char *dot = strrchr(cf->name, '.');
		char stem[128];

		strlcpy(stem, cf->name, sizeof(stem));
		if (dot != NULL)
			stem[dot - cf->name] = '\0';
		snprintf(cf->name, sizeof(cf->name), "%.90s-%lld.pcap", stem,
		    (long long)(now_us() / 1000000));
		cf->renamed = 1;
		log_info("capture %s: name taken on the server; sending it "
		    "as %s", x->name, cf->name);
		files_kick(sh);
		return;
	}
	if (cc == CURLE_OK && (status == 413 || (status == 400 &&
	    !x->is_capture))) {
		/* The server will never take it: put it aside, say so. */
		log_warnx("server refused %s %s for good (%s); kept "
		    "locally", x->is_capture ? "capture" : "upload", x->name,
		    why);
		sh->n.file_failures++;
		if (x->is_capture && cf != NULL) {
			TAILQ_REMOVE(&sh->captures, cf, entry);
			sh->ncaptures--;
			close(cf->fd);
			free(cf);
		} else if (!x->is_capture) {
			char to[192];

			snprintf(path, sizeof(path), "%s/%s",
			    SHIPPER_UPLOADS_DIR, x->name);
			snprintf(to, sizeof(to), "%s.refused", path);
			if (rename(path, to) == -1)
				log_warn("%s", path);
		}
		files_kick(sh);
		return;
	}
	if (x->bo.fails == 0)
		log_warnx("server: %s %s not stored (%s); retrying with "
		    "backoff", x->is_capture ? "capture" : "upload", x->name,
		    why);
	sh->n.file_failures++;
	backoff_fail(&x->bo);
}

static void
file_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	files_kick(arg);
}

static void
curl_check_done(struct shipper *sh)
{
	struct xfer *x = NULL;
	CURLMsg *m;
	CURLcode cc;
	long status = 0;
	int left;

	while ((m = curl_multi_info_read(sh->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		cc = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE,
		    &status);
		curl_multi_remove_handle(sh->multi, m->easy_handle);
		curl_easy_cleanup(m->easy_handle);
		x->easy = NULL;
		curl_slist_free_all(x->hdrs);
		x->hdrs = NULL;
		switch (x->kind) {
		case XFER_BATCH:
			batch_done(sh, x, cc, status);
			break;
		case XFER_HEARTBEAT:
			hb_done(sh, x, cc, status);
			break;
		case XFER_FILE:
			file_done(sh, x, cc, status);
			break;
		}
	}
}

/*
 * Messages from capture and the engine.
 */
static int
capture_name_ok(const char *name, size_t len)
{
	size_t i;

	if (memchr(name, '\0', len) == NULL || name[0] == '\0' ||
	    name[0] == '.')
		return 0;
	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

static void
shipper_capture(struct shipper *sh, struct msg *m)
{
	struct msg_capture mc;
	struct capture_file *cf;
	char line[256];
	int n;

	if (m->fd == -1 || msg_get_data(m, &mc, sizeof(mc)) == -1 ||
	    !capture_name_ok(mc.name, sizeof(mc.name))) {
		sh->n.rejected++;
		return;
	}
	n = snprintf(line, sizeof(line), "%s %llu %llu\n", mc.name,
	    (unsigned long long)mc.size, (unsigned long long)mc.packets);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    write(sh->fd_captures, line, (size_t)n) != n)
		log_warn("captures.list");
	sh->n.captures++;
	if (sh->url[0] == '\0')
		return;
	if (sh->ncaptures >= CAPTURE_QUEUE_MAX) {
		/* Announced again at the next start. */
		sh->n.captures_queue_full++;
		return;
	}
	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		log_warn("capture %s", mc.name);
		return;
	}
	strlcpy(cf->name, mc.name, sizeof(cf->name));
	cf->fd = m->fd;
	m->fd = -1;			/* ours now */
	TAILQ_INSERT_TAIL(&sh->captures, cf, entry);
	sh->ncaptures++;
	files_kick(sh);
}

static void
upload_abort(struct shipper *sh)
{
	char part[128];
	uint8_t dummy[32];

	if (sh->up.fd == -1)
		return;
	close(sh->up.fd);
	sh->up.fd = -1;
	gnutls_hash_deinit(sh->up.hash, dummy);
	snprintf(part, sizeof(part), "%s/%s.part", SHIPPER_UPLOADS_DIR,
	    sh->up.hex);
	unlink(part);
}

/*
 * MSG_UPLOAD: chunks of one file, in order.  The file is kept under its
 * SHA-256 only if the bytes hash to what the engine said.
 */
static void
shipper_upload(struct shipper *sh, const struct msg *m)
{
	struct msg_upload mu;
	uint8_t digest[32];
	char part[128], path[128];
	size_t n, i;
	struct stat st;

	if (m->fd != -1 || m->len < sizeof(mu))
		goto bad;
	memcpy(&mu, m->data, sizeof(mu));
	n = m->len - sizeof(mu);
	if (mu.size == 0 || mu.size > MSG_UPLOAD_MAX || n == 0 ||
	    mu.offset > mu.size || n > mu.size - mu.offset)
		goto bad;
	if (mu.offset == 0) {
		upload_abort(sh);	/* an unfinished one is lost */
		memcpy(sh->up.sha256, mu.sha256, sizeof(mu.sha256));
		for (i = 0; i < 32; i++)
			snprintf(sh->up.hex + 2 * i, 3, "%02x", mu.sha256[i]);
		sh->up.size = mu.size;
		sh->up.next = 0;
		snprintf(part, sizeof(part), "%s/%s.part",
		    SHIPPER_UPLOADS_DIR, sh->up.hex);
		if (gnutls_hash_init(&sh->up.hash, GNUTLS_DIG_SHA256) < 0)
			goto bad;
		if ((sh->up.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0640)) == -1) {
			log_warn("%s", part);
			gnutls_hash_deinit(sh->up.hash, digest);
			goto bad;
		}
	} else if (sh->up.fd == -1 || mu.offset != sh->up.next ||
	    mu.size != sh->up.size ||
	    memcmp(mu.sha256, sh->up.sha256, sizeof(mu.sha256)) != 0) {
		upload_abort(sh);
		goto bad;
	}
	if (write(sh->up.fd, m->data + sizeof(mu), n) != (ssize_t)n) {
		log_warn("upload %s", sh->up.hex);
		upload_abort(sh);
		goto bad;
	}
	gnutls_hash(sh->up.hash, m->data + sizeof(mu), n);
	sh->up.next += n;
	if (sh->up.next < sh->up.size)
		return;

	gnutls_hash_deinit(sh->up.hash, digest);
	/* Durable before it is named: it is deleted only once shipped. */
	if (fdatasync(sh->up.fd) == -1)
		log_warn("upload %s", sh->up.hex);
	close(sh->up.fd);
	sh->up.fd = -1;
	snprintf(part, sizeof(part), "%s/%s.part", SHIPPER_UPLOADS_DIR,
	    sh->up.hex);
	snprintf(path, sizeof(path), "%s/%s", SHIPPER_UPLOADS_DIR,
	    sh->up.hex);
	if (memcmp(digest, sh->up.sha256, sizeof(digest)) != 0) {
		log_warnx("upload %s: bytes do not match the digest", path);
		unlink(part);
		goto bad;
	}
	if (stat(path, &st) == 0) {
		unlink(part);		/* content-addressed: have it */
		sh->n.uploads_dup++;
		return;
	}
	if (rename(part, path) == -1) {
		log_warn("rename %s", part);
		unlink(part);
		goto bad;
	}
	sh->n.uploads++;
	sh->uploads_dirty = 1;
	files_kick(sh);
	return;
 bad:
	if (sh->n.uploads_bad++ == 0)
		log_warnx("rejected an upload from the engine");
}

static void
shipper_stats(struct shipper *sh)
{
	struct spool_stats st;

	spool_stats(sh->spool, &st);
	log_info("stats: events %llu rejected %llu next_seq %llu synced "
	    "%llu acked %llu backlog %llu dropped %llu batches %llu "
	    "failures %llu captures %llu sent %llu uploads %llu sent %llu",
	    (unsigned long long)sh->n.events,
	    (unsigned long long)sh->n.rejected,
	    (unsigned long long)spool_next_seq(sh->spool),
	    (unsigned long long)spool_synced_seq(sh->spool),
	    (unsigned long long)spool_acked(sh->spool),
	    (unsigned long long)st.backlog_records,
	    (unsigned long long)st.dropped_records,
	    (unsigned long long)sh->n.batches,
	    (unsigned long long)sh->n.batch_failures,
	    (unsigned long long)sh->n.captures,
	    (unsigned long long)sh->n.captures_sent,
	    (unsigned long long)sh->n.uploads,
	    (unsigned long long)sh->n.uploads_sent);
}

static __attribute__((noreturn)) void
shipper_exit(struct shipper *sh)
{
	upload_abort(sh);
	if (spool_sync(sh->spool) == -1)
		log_warn("spool sync");
	shipper_stats(sh);
	spool_close(sh->spool);
	exit(0);
}

static void
shipper_chan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shipper_chan *c = arg;
	struct shipper *sh = c->sh;
	struct msg m;
	ssize_t n;
	int rv;

	(void)what;
	if ((n = msg_read(c->mb, fd)) == -1) {
		if (errno == EAGAIN)
			return;
		log_warn("%s channel", c->peer == PROC_ENGINE ? "engine" :
		    c->peer == PROC_CAPTURE ? "capture" : "parent");
		n = 0;
	}
	if (n > 0) {
		while ((rv = msg_get(c->mb, &m)) == 1) {
			if (c->peer == PROC_ENGINE && m.type == MSG_EVENT)
				shipper_event(sh, &m);
			else if (c->peer == PROC_ENGINE &&
			    m.type == MSG_UPLOAD)
				shipper_upload(sh, &m);
			else if (c->peer == PROC_CAPTURE &&
			    m.type == MSG_CAPTURE_CLOSED)
				shipper_capture(sh, &m);
			else if (c->peer == PROC_PARENT && m.type == MSG_STATS)
				shipper_stats(sh);
			else
				fatalx("unexpected message %u", m.type);
			if (m.fd != -1)
				close(m.fd);
		}
		ship_kick(sh);
		if (rv == -1)
			n = 0;
		else
			return;
	}
	/* EOF: stop listening; leave when every peer is gone.  What is
	 * not acknowledged yet is sent by the next run. */
	event_del(c->ev);
	close(c->fd);
	c->fd = -1;
	if (--sh->open == 0)
		shipper_exit(sh);
}

/*
 * Setting up, while still root and outside the chroot.
 */

/* Copy a PEM file into spool_dir/tls/, readable by the user only. */
static int
tls_copy(const char *from, const char *dir, const char *to,
    const struct sandbox_user *u)
{
	char path[1024], *data = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, rv = -1;

	if ((fd = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", from);
		return -1;
	}
	if ((data = malloc(SHIP_TLS_FILE_MAX)) == NULL)
		goto done;
	while ((n = read(fd, data + len, SHIP_TLS_FILE_MAX - len)) > 0)
		len += (size_t)n;
	if (n == -1 || len == 0 || len == SHIP_TLS_FILE_MAX) {
		log_warnx("%s: unreadable, empty or too large", from);
		goto done;
	}
	if (snprintf(path, sizeof(path), "%s/%s/%s", dir, SHIPPER_TLS_DIR,
	    to) >= (int)sizeof(path) ||
	    file_write_atomic(path, data, len, 0600) == -1 ||
	    chown(path, u->uid, u->gid) == -1) {
		log_warn("%s", path);
		goto done;
	}
	rv = 0;
 done:
	if (data != NULL) {
		explicit_bzero(data, SHIP_TLS_FILE_MAX);
		free(data);
	}
	close(fd);
	return rv;
}

/*
 * The base URL without its trailing '/', and, for a host name, its
 * addresses pinned (CURLOPT_RESOLVE): the sandbox cannot resolve.
 */
static int
server_setup(struct shipper *sh)
{
	const char *url = sh->sc->server, *e, *port;
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], a[INET6_ADDRSTRLEN], pin[1024], portbuf[8];
	size_t len, used;
	struct in6_addr scratch;

	if (strlcpy(sh->url, url, sizeof(sh->url)) >= sizeof(sh->url))
		return -1;
	len = strlen(sh->url);
	while (len > 0 && sh->url[len - 1] == '/')
		sh->url[--len] = '\0';
	if (addr_url_host(url, host, sizeof(host), &e) == -1)
		return -1;
	if (inet_pton(AF_INET, host, &scratch) == 1 ||
	    inet_pton(AF_INET6, host, &scratch) == 1)
		return 0;
	if (*e == ':') {
		port = e + 1;
		len = strspn(port, "0123456789");
		if (len == 0 || len >= sizeof(portbuf))
			return -1;
		memcpy(portbuf, port, len);
		portbuf[len] = '\0';
	} else
		strlcpy(portbuf, "443", sizeof(portbuf));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		log_warnx("cannot resolve the server %s", host);
		return -1;
	}
	used = (size_t)snprintf(pin, sizeof(pin), "%s:%s:", host, portbuf);
	for (ai = res; ai != NULL && used < sizeof(pin); ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, a, sizeof(a),
		    NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		used += (size_t)snprintf(pin + used, sizeof(pin) - used,
		    "%s%s%s%s", pin[used - 1] == ':' ? "" : ",",
		    ai->ai_family == AF_INET6 ? "[" : "", a,
		    ai->ai_family == AF_INET6 ? "]" : "");
	}
	freeaddrinfo(res);
	if (used >= sizeof(pin) || pin[used - 1] == ':')
		return -1;
	sh->resolve = curl_slist_append(NULL, pin);
	log_info("server %s pinned to %s", host, pin);
	return 0;
}

static void
xfer_init(struct shipper *sh, struct xfer *x, enum xfer_kind kind,
    size_t body_max, event_callback_fn retry)
{
	memset(x, 0, sizeof(*x));
	x->sh = sh;
	x->kind = kind;
	x->fd = -1;
	buf_init(&x->body, body_max);
	buf_init(&x->reply, SHIP_REPLY_MAX);
	if ((x->bo.ev = evtimer_new(sh->base, retry, sh)) == NULL)
		fatalx("evtimer_new");
}

static void
hb_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

void
shipper_main(const struct proc_env *env)
{
	const struct sensor_conf *sc = conf_sensor(env->conf);
	const enum proc_id peers[] = { PROC_PARENT, PROC_ENGINE, PROC_CAPTURE };
	struct spool_conf spc;
	struct timeval tv;
	struct shipper sh;
	struct shipper_chan *c;
	char err[256], tls[1024];
	uint64_t ms;
	size_t i;

	memset(&sh, 0, sizeof(sh));
	sh.env = env;
	sh.sc = sc;
	strlcpy(sh.name, env->sensor, sizeof(sh.name));
	sh.up.fd = -1;
	sh.uploads_dirty = 1;		/* left by an earlier run? */
	TAILQ_INIT(&sh.captures);
	buf_init(&sh.line, EVENT_LINE_MAX);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((sh.base = event_base_new()) == NULL)
		fatalx("event_base_new");

	/* Everything that needs root or the file system outside the
	 * chroot happens here. */
	if (sc->server != NULL) {
		snprintf(tls, sizeof(tls), "%s/%s", sc->spool_dir,
		    SHIPPER_TLS_DIR);
		if ((mkdir(tls, 0700) == -1 && errno != EEXIST) ||
		    chown(tls, env->user.uid, env->user.gid) == -1)
			fatal("%s", tls);
		if (tls_copy(sc->ca, sc->spool_dir, "ca.pem", &env->user) ==
		    -1 || tls_copy(sc->cert, sc->spool_dir, "cert.pem",
		    &env->user) == -1 || tls_copy(sc->key, sc->spool_dir,
		    "key.pem", &env->user) == -1)
			log_warnx("no certificates (is the sensor enrolled? "
			    "dias-sensor enroll): events stay in the spool");
		else if (server_setup(&sh) == -1) {
			log_warnx("server %s: cannot use this URL; "
			    "events stay in the spool", sc->server);
			sh.url[0] = '\0';
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	/* The multi handle makes its wakeup socketpair now, before the
	 * filter allows only TCP sockets. */
	if ((sh.multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init");
	curl_multi_setopt(sh.multi, CURLMOPT_SOCKETFUNCTION, curl_sock_cb);
	curl_multi_setopt(sh.multi, CURLMOPT_SOCKETDATA, &sh);
	curl_multi_setopt(sh.multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(sh.multi, CURLMOPT_TIMERDATA, &sh);
	if ((sh.ev_curl = evtimer_new(sh.base, curl_timeout_cb, &sh)) == NULL)
		fatalx("evtimer_new");
	xfer_init(&sh, &sh.batch, XFER_BATCH, SHIP_BATCH_BYTES,
	    batch_retry_cb);
	xfer_init(&sh, &sh.hb, XFER_HEARTBEAT, EVENT_LINE_MAX, hb_retry_cb);
	xfer_init(&sh, &sh.file, XFER_FILE, 0, file_retry_cb);
	if ((sh.file.chunk = malloc(HASH_CHUNK)) == NULL ||
	    (sh.file.ev_hash = event_new(sh.base, -1, 0, hash_cb, &sh)) ==
	    NULL)
		fatal("file hashing");

	proc_jail(env, sc->spool_dir, SANDBOX_SHIPPER);

	memset(&spc, 0, sizeof(spc));
	spc.dir = ".";
	spc.max_bytes = sc->spool_max;
	spc.segment_bytes = sc->spool_max / 16;
	if (spc.segment_bytes < SEGMENT_MIN)
		spc.segment_bytes = SEGMENT_MIN;
	if (spc.segment_bytes > SEGMENT_MAX)
		spc.segment_bytes = SEGMENT_MAX;
	spc.sync_records = sc->spool_sync_records > 0 ?
	    sc->spool_sync_records : 1;
	if ((sh.spool = spool_open(&spc, err, sizeof(err))) == NULL)
		fatalx("spool %s: %s", sc->spool_dir, err);
	if ((sh.fd_captures = open("captures.list", O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0640)) == -1)
		fatal("%s/captures.list", sc->spool_dir);
	{
		struct spool_stats st;

		spool_stats(sh.spool, &st);
		log_info("spool %s: next seq %llu, acked %llu, backlog %llu "
		    "records; %s%s", sc->spool_dir,
		    (unsigned long long)spool_next_seq(sh.spool),
		    (unsigned long long)spool_acked(sh.spool),
		    (unsigned long long)st.backlog_records,
		    sh.url[0] ? "shipping to " : "not shipping",
		    sh.url[0] ? sh.url : "");
		if (st.torn_bytes > 0)
			log_warnx("spool: cut a torn tail of %llu bytes",
			    (unsigned long long)st.torn_bytes);
	}
	spool_drops(&sh);

	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		c = &sh.chans[peers[i]];
		c->sh = &sh;
		c->peer = peers[i];
		c->fd = env->chan.fd[peers[i]];
		if ((c->mb = msgbuf_new()) == NULL)
			fatal("msgbuf_new");
		c->ev = event_new(sh.base, c->fd, EV_READ | EV_PERSIST,
		    shipper_chan_cb, c);
		if (c->ev == NULL || event_add(c->ev, NULL) == -1)
			fatalx("event_add");
		sh.open++;
	}
	/* Group sync; with a server, often enough for real time. */
	ms = sc->spool_sync_ms > 0 ? sc->spool_sync_ms : 1000;
	if (sh.url[0] != '\0' && ms > SHIPPER_DELAY_MS)
		ms = SHIPPER_DELAY_MS;
	ms_tv(ms, &tv);
	sh.ev_sync = event_new(sh.base, -1, EV_PERSIST, sync_cb, &sh);
	if (sh.ev_sync == NULL || event_add(sh.ev_sync, &tv) == -1)
		fatalx("event_add");
	ms_tv(sc->heartbeat_ms, &tv);
	sh.ev_hb = event_new(sh.base, -1, EV_PERSIST, hb_cb, &sh);
	if (sh.ev_hb == NULL || event_add(sh.ev_hb, &tv) == -1)
		fatalx("event_add");
	ship_kick(&sh);
	files_kick(&sh);
	event_base_dispatch(sh.base);
	shipper_exit(&sh);
}
