/*
 * The store's front: picks the backend from the URL and forwards.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "store_impl.h"

static const char *const table_names[ST_MAX] = {
	"organizations", "sensors", "events", "connections", "payloads",
	"uploads", "captures", "alerts", "users", "audit_log",
};

void
store_seterr(struct store *s, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	/* Driver messages end in newlines; error lines do not. */
	n = strlen(s->err);
	while (n > 0 && (s->err[n - 1] == '\n' || s->err[n - 1] == ' '))
		s->err[--n] = '\0';
}

struct store *
store_open(const char *url, char *err, size_t errlen)
{
	if (strncmp(url, "sqlite://", 9) == 0) {
		if (url[9] != '/') {
			snprintf(err, errlen, "%s: sqlite URLs are "
			    "sqlite:///absolute/path", url);
			return NULL;
		}
		return store_sqlite_open(url + 9, err, errlen);
	}
	if (strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0)
		return store_pg_open(url, err, errlen);
	snprintf(err, errlen, "%s: unknown store (sqlite:///path or "
	    "postgresql://...)", url);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

const char *
store_error(const struct store *s)
{
	return s->err;
}

const char *
store_backend(const struct store *s)
{
	return s->ops->name;
}

int
store_max_conns(const struct store *s)
{
	return s->ops->max_conns;
}

int
store_one_writer(const struct store *s)
{
	return s->ops->one_writer;
}

int
store_schema_version(struct store *s, int *v)
{
	return s->ops->schema_version(s, v);
}

int
store_schema_latest(const struct store *s)
{
	int n = 0;

	while (s->migrations[n].sql != NULL)
		n++;
	return n;
}

static int
name_ok(struct store *s, const char *what, const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > STORE_NAME_MAX)
		goto bad;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '.' || c == '_' || c == '-'))))
			goto bad;
	}
	return 1;
bad:
	store_seterr(s, "bad %s name (1-%d of [A-Za-z0-9._-], "
	    "starting with a letter or digit)", what, STORE_NAME_MAX);
	return 0;
}

int
store_org_add(struct store *s, const char *name, int64_t *id)
{
	if (!name_ok(s, "organization", name))
		return -1;
	return s->ops->org_add(s, name, id);
}

int
store_org_list(struct store *s, int (*cb)(void *, int64_t, const char *),
    void *arg)
{
	return s->ops->org_list(s, cb, arg);
}

int
store_sensor_add(struct store *s, const char *name, const char *org,
    const char *token, int64_t expires)
{
	if (!name_ok(s, "sensor", name))
		return -1;
	return s->ops->sensor_add(s, name, org, token, expires);
}

int
store_sensor_get(struct store *s, const char *name, struct store_sensor *out)
{
	return s->ops->sensor_get(s, name, out);
}

int
store_sensor_list(struct store *s,
    int (*cb)(void *, const struct store_sensor *), void *arg)
{
	return s->ops->sensor_list(s, cb, arg);
}

int
store_sensor_retoken(struct store *s, const char *name, const char *token,
    int64_t expires)
{
	return s->ops->sensor_retoken(s, name, token, expires);
}

int
store_sensor_take_token(struct store *s, const char *token, int64_t now,
    char *name, size_t namelen)
{
	return s->ops->sensor_take_token(s, token, now, name, namelen);
}

int
store_sensor_set_cert(struct store *s, const char *name, const char *serial)
{
	return s->ops->sensor_set_cert(s, name, serial);
}

int
store_sensor_revoke(struct store *s, const char *name)
{
	return s->ops->sensor_revoke(s, name);
}

int
store_sensor_heartbeat(struct store *s, int64_t id, int64_t now,
    uint64_t backlog, uint64_t claimed, const char *counters)
{
	return s->ops->sensor_heartbeat(s, id, now, backlog, claimed,
	    counters);
}

int
store_ingest(struct store *s, int64_t sensor_id, const struct event *evs,
    const char *const *lines, const size_t *lens, size_t n, size_t *stored)
{
	struct store_batch b = { sensor_id, evs, lines, lens, n, 0 };
	int rc;

	*stored = 0;
	if (n == 0)
		return 0;
	rc = s->ops->ingest(s, &b, 1);
	*stored = b.stored;
	return rc;
}

int
store_ingest_group(struct store *s, struct store_batch *b, size_t nb)
{
	size_t i;

	for (i = 0; i < nb; i++)
		b[i].stored = 0;
	if (nb == 0)
		return 0;
	return s->ops->ingest(s, b, nb);
}

int
store_capture_add(struct store *s, int64_t sensor_id, const char *name,
    const char *sha, uint64_t size, const char *path, int64_t now)
{
	return s->ops->capture_add(s, sensor_id, name, sha, size, path, now);
}

int
store_user_add(struct store *s, const char *name, const char *org,
    const char *role, const char *pwhash)
{
	if (!name_ok(s, "user", name))
		return -1;
	if (strcmp(role, "admin") != 0 && strcmp(role, "analyst") != 0 &&
	    strcmp(role, "org") != 0) {
		store_seterr(s, "role is admin, analyst or org");
		return -1;
	}
	if (strcmp(role, "org") == 0 && org == NULL) {
		store_seterr(s, "an org user needs an organization");
		return -1;
	}
	return s->ops->user_add(s, name, org, role, pwhash);
}

int
store_audit(struct store *s, const char *actor, const char *action,
    const char *object, const char *detail, int64_t now)
{
	return s->ops->audit(s, actor, action, object, detail, now);
}

int
store_query_connections(struct store *s, const struct store_conn_filter *f,
    int (*cb)(void *, const struct store_conn *), void *arg)
{
	return s->ops->query_connections(s, f, cb, arg);
}

int
store_import(struct store *s, int64_t sid, struct store_batch *b, size_t nb,
    const char *name, const char *sha, uint64_t size, const char *path,
    int64_t now)
{
	return s->ops->import(s, sid, b, nb, name, sha, size, path, now);
}

int
store_explain_connections(struct store *s, const struct store_conn_filter *f,
    char *out, size_t outlen)
{
	if (outlen == 0)
		return -1;
	return s->ops->explain_connections(s, f, out, outlen);
}

int
store_export(struct store *s, const char *sensor, int64_t since,
    int (*cb)(void *, const char *, size_t), void *arg)
{
	return s->ops->export(s, sensor, since, cb, arg);
}

int
store_maintain(struct store *s)
{
	return s->ops->maintain != NULL ? s->ops->maintain(s) : 0;
}

int
store_count(struct store *s, const char *table, uint64_t *n)
{
	int i;

	for (i = 0; i < ST_MAX; i++)
		if (strcmp(table, table_names[i]) == 0)
			return s->ops->count(s, i, n);
	store_seterr(s, "%s: not a counted table", table);
	return -1;
}

void
store_addr16(const struct addr *a, uint8_t out[16])
{
	if (a->af == 0) {
		memset(out, 0, 16);
		return;
	}
	if (a->af == AF_INET) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a->a, 4);
		return;
	}
	memcpy(out, a->a, 16);
}

void
store_addr_from16(const uint8_t in[16], struct addr *a)
{
	static const uint8_t mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	memset(a, 0, sizeof(*a));
	if (memcmp(in, mapped, 12) == 0) {
		a->af = AF_INET;
		memcpy(a->a, in + 12, 4);
	} else {
		a->af = AF_INET6;
		memcpy(a->a, in, 16);
	}
}

int64_t
store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp_conn(const void *a, const void *b, void *arg)
{
	const struct event *evs = arg;
	const struct event *x = &evs[*(const size_t *)a];
	const struct event *y = &evs[*(const size_t *)b];

	if (x->u.connection.conn != y->u.connection.conn)
		return x->u.connection.conn < y->u.connection.conn ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

#define MAX(a, b)	((a) > (b) ? (a) : (b))

int
store_fold_connections(const struct event *evs, size_t *idx, size_t n,
    int (*cb)(void *, const struct store_conn *, int), void *arg)
{
	struct store_conn r;
	size_t i, j;
	int start;

	qsort_r(idx, n, sizeof(*idx), cmp_conn, (void *)(uintptr_t)evs);
	for (i = 0; i < n; i = j) {
		const struct event *e = &evs[idx[i]];
		const struct event_connection *c = &e->u.connection;

		memset(&r, 0, sizeof(r));
		r.conn = c->conn;
		r.ts = e->ts;
		r.proto = c->t.proto;
		r.src = c->t.src;
		r.dst = c->t.dst;
		r.sport = c->t.sport;
		r.dport = c->t.dport;
		start = 0;
		for (j = i; j < n && evs[idx[j]].u.connection.conn == c->conn;
		    j++) {
			const struct event *f = &evs[idx[j]];
			const struct event_connection *fc = &f->u.connection;

			if (f->ts < r.ts)
				r.ts = f->ts;
			if (fc->phase == EVENT_END)
				r.end_ts = f->ts;
			else
				start = 1;
			if (fc->template[0] != '\0')
				strlcpy(r.template, fc->template,
				    sizeof(r.template));
			if (fc->service[0] != '\0')
				strlcpy(r.service, fc->service,
				    sizeof(r.service));
			r.pkts_in = MAX(r.pkts_in, fc->pkts_in);
			r.pkts_out = MAX(r.pkts_out, fc->pkts_out);
			r.bytes_in = MAX(r.bytes_in, fc->bytes_in);
			r.bytes_out = MAX(r.bytes_out, fc->bytes_out);
			r.flags |= fc->flags;
			if (fc->reason != 0)
				r.reason = fc->reason;
		}
		if (cb(arg, &r, start) == -1)
			return -1;
	}
	return 0;
}
