/*
 * PostgreSQL backend (libpq).  Statements are prepared once per connection
 * and sent with text parameters.  A batch is ingested with one statement
 * per table: the events are passed as arrays and expanded by unnest(), so
 * 1,000 events cost a handful of round trips, not 1,000.
 *
 * Schema changes take a transaction-level advisory lock, so several
 * dias-server instances starting at once migrate one after the other.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "event.h"
#include "store_impl.h"

#define MIGRATE_LOCK	"4412011"	/* any constant shared by instances */
#define ARRAY_MAX	(256 * 1024 * 1024)

enum {
	Q_ORG_ADD, Q_ORG_LIST,
	Q_SENSOR_ADD, Q_SENSOR_GET, Q_SENSOR_LIST, Q_SENSOR_RETOKEN,
	Q_SENSOR_TAKE, Q_SENSOR_CERT, Q_SENSOR_REVOKE, Q_SENSOR_HEARTBEAT,
	Q_SENSOR_SEEN,
	Q_EVENTS_ADD, Q_CONNKEYS_UPSERT, Q_CONNS_MOVE, Q_CONNS_UPSERT,
	Q_PARTITIONS, Q_PAYLOADS_ADD, Q_UPLOADS_ADD,
	Q_ALERTS_ADD,
	Q_CAPTURE_GET, Q_CAPTURE_ADD,
	Q_USER_ADD, Q_AUDIT,
	Q_CONNS, Q_CONNS_DPORT, Q_CONNS_SENSOR,
	Q_EXPORT,
	Q_COUNT0,
	Q_MAX = Q_COUNT0 + ST_MAX
};

#define SENSOR_COLS \
	"s.id, s.name, o.name, s.cert_serial, s.revoked, s.token_expires, " \
	"s.last_seen, s.last_seq, s.backlog, s.claimed " \
	"FROM sensors s JOIN organizations o ON o.id = s.org_id "

#define CONN_COLS \
	"SELECT c.id, s.name, c.conn, c.ts, c.end_ts, c.proto, host(c.src), " \
	"c.sport, host(c.dst), c.dport, c.template, c.service, c.pkts_in, " \
	"c.pkts_out, c.bytes_in, c.bytes_out, c.flags, c.reason " \
	"FROM connections c JOIN sensors s ON s.id = c.sensor_id "
/* As in store_sqlite.c: every filter bound in every variant, the
 * variants differ in the equality that leads the index. */
#define CONN_WHERE \
	"c.ts >= $1 " \
	"AND ($2::inet IS NULL OR c.src <<= $2) " \
	"AND ($4::text IS NULL OR c.sensor_id = " \
	"(SELECT id FROM sensors WHERE name = $4)) " \
	"AND (c.ts, c.id) < ($5, $6::bigint) " \
	"ORDER BY c.ts DESC, c.id DESC LIMIT $7"

static const char *const sql[Q_MAX] = {
	[Q_ORG_ADD] = "INSERT INTO organizations (name, created) "
	    "VALUES ($1, $2) RETURNING id",
	[Q_ORG_LIST] = "SELECT id, name FROM organizations ORDER BY name",
	[Q_SENSOR_ADD] = "INSERT INTO sensors (name, org_id, created, "
	    "token_sha256, token_expires) SELECT $1, id, $3, $4, $5 "
	    "FROM organizations WHERE name = $2",
	[Q_SENSOR_GET] = "SELECT " SENSOR_COLS "WHERE s.name = $1",
	[Q_SENSOR_LIST] = "SELECT " SENSOR_COLS "ORDER BY s.name",
	[Q_SENSOR_RETOKEN] = "UPDATE sensors SET token_sha256 = $2, "
	    "token_expires = $3 WHERE name = $1",
	[Q_SENSOR_TAKE] = "UPDATE sensors SET token_sha256 = NULL, "
	    "token_expires = 0 WHERE token_sha256 = $1 AND token_expires > $2 "
	    "RETURNING name",
	[Q_SENSOR_CERT] = "UPDATE sensors SET cert_serial = $2, revoked = 0 "
	    "WHERE name = $1",
	[Q_SENSOR_REVOKE] = "UPDATE sensors SET revoked = 1, "
	    "token_sha256 = NULL, token_expires = 0 WHERE name = $1",
	[Q_SENSOR_HEARTBEAT] = "UPDATE sensors SET last_seen = $2, "
	    "backlog = $3, claimed = $4, counters = $5 WHERE id = $1",
	[Q_SENSOR_SEEN] = "UPDATE sensors SET last_seen = $2, "
	    "last_seq = GREATEST(last_seq, $3) WHERE id = $1",
	/* The key first (event_keys, 002_partitions.sql): only events
	 * whose key is new are stored, and their seqs returned. */
	[Q_EVENTS_ADD] = "WITH u AS (SELECT DISTINCT ON (seq) * FROM "
	    "unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[]) "
	    "AS u (seq, ts, kind, line)), "
	    "k AS (INSERT INTO event_keys (sensor_id, seq) SELECT $1, seq "
	    "FROM u ON CONFLICT DO NOTHING RETURNING seq) "
	    "INSERT INTO events (sensor_id, seq, ts, kind, line) "
	    "SELECT $1, u.seq, u.ts, u.kind, u.line FROM u JOIN k USING (seq) "
	    "RETURNING seq",
	/* Where each connection's row is: its earliest ts.  xmax is set
	 * on a key that existed (the upsert updated it). */
	[Q_CONNKEYS_UPSERT] = "INSERT INTO connection_keys AS k (sensor_id, "
	    "conn, ts) SELECT $1, u.* FROM unnest($2::bigint[], "
	    "$3::bigint[]) AS u ON CONFLICT (sensor_id, conn) DO UPDATE SET "
	    "ts = LEAST(k.ts, excluded.ts) RETURNING conn, ts, xmax <> 0",
	/* A start after its end: the row moves to the start's ts. */
	[Q_CONNS_MOVE] = "UPDATE connections c SET ts = u.ts FROM "
	    "unnest($2::bigint[], $3::bigint[]) AS u (conn, ts) "
	    "WHERE c.sensor_id = $1 AND c.conn = u.conn AND c.ts > u.ts",
	[Q_CONNS_UPSERT] = "INSERT INTO connections AS c (sensor_id, conn, "
	    "ts, end_ts, proto, src, sport, dst, dport, template, service, "
	    "pkts_in, pkts_out, bytes_in, bytes_out, flags, reason) "
	    "SELECT $1, u.conn, k.ts, u.end_ts, u.proto, u.src, u.sport, "
	    "u.dst, u.dport, u.template, u.service, u.pkts_in, u.pkts_out, "
	    "u.bytes_in, u.bytes_out, u.flags, u.reason "
	    "FROM unnest($2::bigint[], $3::bigint[], "
	    "$4::bigint[], $5::bigint[], $6::inet[], $7::bigint[], "
	    "$8::inet[], $9::bigint[], $10::text[], $11::text[], "
	    "$12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], "
	    "$16::bigint[], $17::bigint[]) AS u (conn, ts, end_ts, proto, "
	    "src, sport, dst, dport, template, service, pkts_in, pkts_out, "
	    "bytes_in, bytes_out, flags, reason) "
	    "JOIN connection_keys k ON k.sensor_id = $1 AND k.conn = u.conn "
	    "ON CONFLICT (sensor_id, conn, ts) DO UPDATE SET "
	    "end_ts = CASE WHEN excluded.end_ts <> 0 THEN excluded.end_ts "
	    "ELSE c.end_ts END, "
	    "template = CASE WHEN excluded.template <> '' "
	    "THEN excluded.template ELSE c.template END, "
	    "service = CASE WHEN excluded.service <> '' "
	    "THEN excluded.service ELSE c.service END, "
	    "pkts_in = GREATEST(c.pkts_in, excluded.pkts_in), "
	    "pkts_out = GREATEST(c.pkts_out, excluded.pkts_out), "
	    "bytes_in = GREATEST(c.bytes_in, excluded.bytes_in), "
	    "bytes_out = GREATEST(c.bytes_out, excluded.bytes_out), "
	    "flags = c.flags | excluded.flags, "
	    "reason = CASE WHEN excluded.reason <> 0 THEN excluded.reason "
	    "ELSE c.reason END",
	[Q_PARTITIONS] = "SELECT dias_partitions_ensure($1::bigint, $2::int)",
	[Q_PAYLOADS_ADD] = "INSERT INTO payloads (sensor_id, seq, conn, ts, "
	    "dir, off, data) SELECT $1, u.* FROM unnest($2::bigint[], "
	    "$3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], "
	    "$7::bytea[]) AS u",
	[Q_UPLOADS_ADD] = "INSERT INTO uploads (sensor_id, seq, conn, ts, "
	    "name, size, sha256) SELECT $1, u.* FROM unnest($2::bigint[], "
	    "$3::bigint[], $4::bigint[], $5::text[], $6::bigint[], "
	    "$7::text[]) AS u",
	[Q_ALERTS_ADD] = "INSERT INTO alerts (sensor_id, seq, ts, sid, rev, "
	    "priority, classtype, msg, proto, src, sport, dst, dport, conn) "
	    "SELECT $1, u.* FROM unnest($2::bigint[], $3::bigint[], "
	    "$4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], "
	    "$9::bigint[], $10::inet[], $11::bigint[], $12::inet[], "
	    "$13::bigint[], $14::bigint[]) AS u",
	[Q_CAPTURE_GET] = "SELECT sha256 FROM captures "
	    "WHERE sensor_id = $1 AND name = $2",
	[Q_CAPTURE_ADD] = "INSERT INTO captures (sensor_id, name, size, "
	    "sha256, path, received) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT DO NOTHING",
	[Q_USER_ADD] = "INSERT INTO users (name, org_id, role, pwhash, "
	    "created) VALUES ($1, (SELECT id FROM organizations "
	    "WHERE name = $2), $3, $4, $5)",
	[Q_AUDIT] = "INSERT INTO audit_log (ts, actor, action, object, "
	    "detail) VALUES ($1, $2, $3, $4, $5)",
	[Q_CONNS] = CONN_COLS "WHERE ($3::bigint IS NULL) AND " CONN_WHERE,
	[Q_CONNS_DPORT] = CONN_COLS "WHERE c.dport = $3 AND " CONN_WHERE,
	[Q_CONNS_SENSOR] = CONN_COLS "WHERE ($3::bigint IS NULL) AND "
	    "c.sensor_id = (SELECT id FROM sensors WHERE name = $4) AND "
	    CONN_WHERE,
	[Q_EXPORT] = "SELECT e.line FROM events e JOIN sensors s "
	    "ON s.id = e.sensor_id WHERE ($1::text IS NULL OR s.name = $1) "
	    "AND e.ts >= $2 ORDER BY s.name, e.seq",
	[Q_COUNT0 + ST_ORGANIZATIONS] = "SELECT count(*) FROM organizations",
	[Q_COUNT0 + ST_SENSORS] = "SELECT count(*) FROM sensors",
	[Q_COUNT0 + ST_EVENTS] = "SELECT count(*) FROM events",
	[Q_COUNT0 + ST_CONNECTIONS] = "SELECT count(*) FROM connections",
	[Q_COUNT0 + ST_PAYLOADS] = "SELECT count(*) FROM payloads",
	[Q_COUNT0 + ST_UPLOADS] = "SELECT count(*) FROM uploads",
	[Q_COUNT0 + ST_CAPTURES] = "SELECT count(*) FROM captures",
	[Q_COUNT0 + ST_ALERTS] = "SELECT count(*) FROM alerts",
	[Q_COUNT0 + ST_USERS] = "SELECT count(*) FROM users",
	[Q_COUNT0 + ST_AUDIT_LOG] = "SELECT count(*) FROM audit_log",
};

struct pg_store {
	struct store	 base;
	PGconn		*conn;
	int64_t		 part_day;	/* partitions made ahead from here */
};

#define DAY_US		INT64_C(86400000000)
#define PART_AHEAD	4	/* today and the next three days */

/* Text parameters for one statement. */
#define PARAMS_MAX	20
struct params {
	const char	*v[PARAMS_MAX];
	char		 num[PARAMS_MAX][24];
	int		 n;
};

static struct pg_store *
P(struct store *s)
{
	return (struct pg_store *)s;
}

static void
p_str(struct params *p, const char *s)
{
	p->v[p->n++] = s;
}

static void
p_i64(struct params *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%" PRId64, v);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

static int	 prepare_all(struct pg_store *, char *, size_t);

/*
 * After a failure, a dead connection (server restart, failover) is
 * re-established and its statements prepared again, so the next call
 * works; the failed call still fails, and the client sends again.
 */
static void
recover(struct pg_store *ps)
{
	char err[256];

	if (PQstatus(ps->conn) != CONNECTION_BAD)
		return;
	PQreset(ps->conn);
	if (PQstatus(ps->conn) == CONNECTION_OK)
		(void)prepare_all(ps, err, sizeof(err));
}

static int64_t
get_i64(const PGresult *r, int row, int col)
{
	const char *s = PQgetvalue(r, row, col);

	return s[0] == '\0' ? 0 : strtoll(s, NULL, 10);
}

static void
get_str(const PGresult *r, int row, int col, char *dst, size_t len)
{
	strlcpy(dst, PQgetvalue(r, row, col), len);
}

static int
is_unique_violation(const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return state != NULL && strcmp(state, "23505") == 0;
}

/*
 * Run prepared statement q.  Returns the result (caller PQclear()s it)
 * when the status is as expected, else NULL with the error set.
 */
static PGresult *
exec(struct pg_store *ps, int q, const struct params *p, const char *what)
{
	PGresult *r;
	ExecStatusType st;
	char name[16];

	snprintf(name, sizeof(name), "q%d", q);
	r = PQexecPrepared(ps->conn, name, p ? p->n : 0, p ? p->v : NULL,
	    NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	store_seterr(&ps->base, "%s: %s", what, r ?
	    PQresultErrorMessage(r) : PQerrorMessage(ps->conn));
	if (r != NULL && is_unique_violation(r))
		errno = EEXIST;
	PQclear(r);
	recover(ps);
	return NULL;
}

/* Run and count the rows affected: 0 one row, 1 none, -1 error. */
static int
exec1(struct pg_store *ps, int q, const struct params *p, const char *what)
{
	PGresult *r;
	int n;

	if ((r = exec(ps, q, p, what)) == NULL)
		return -1;
	n = (int)strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n >= 1 ? 0 : 1;
}

static int
simple(struct pg_store *ps, const char *cmd)
{
	PGresult *r = PQexec(ps->conn, cmd);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		store_seterr(&ps->base, "%s: %s", cmd,
		    PQresultErrorMessage(r));
	PQclear(r);
	if (!ok)
		recover(ps);
	return ok ? 0 : -1;
}

static void
rollback(struct pg_store *ps)
{
	char keep[sizeof(ps->base.err)];

	if (PQtransactionStatus(ps->conn) == PQTRANS_IDLE)
		return;
	memcpy(keep, ps->base.err, sizeof(keep));
	(void)simple(ps, "ROLLBACK");
	memcpy(ps->base.err, keep, sizeof(keep));
}

static void
pg_close(struct store *s)
{
	struct pg_store *ps = P(s);

	PQfinish(ps->conn);
	free(ps);
}

static int
pg_schema_version(struct store *s, int *v)
{
	struct pg_store *ps = P(s);
	PGresult *r;

	r = PQexec(ps->conn, "SELECT coalesce(max(version), 0) "
	    "FROM schema_migrations");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		store_seterr(s, "schema version: %s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	*v = (int)get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int
migrate(struct pg_store *ps)
{
	const struct migration *m;
	const char *vals[3];
	char num[16], now[24];
	PGresult *r;
	int have;

	if (simple(ps, "SET client_min_messages = warning") == -1 ||
	    simple(ps, "BEGIN") == -1 ||
	    simple(ps, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")") ==
	    -1 ||
	    simple(ps, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
	    "applied BIGINT NOT NULL)") == -1 ||
	    pg_schema_version(&ps->base, &have) == -1)
		goto fail;
	if (have > store_schema_latest(&ps->base)) {
		store_seterr(&ps->base, "database schema version %d is newer "
		    "than this program's %d", have,
		    store_schema_latest(&ps->base));
		goto fail;
	}
	/* All pending migrations in the one locked transaction. */
	for (m = ps->base.migrations; m->sql != NULL; m++) {
		if (m->version <= have)
			continue;
		r = PQexec(ps->conn, m->sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    PQresultStatus(r) != PGRES_TUPLES_OK) {
			store_seterr(&ps->base, "migration %03d_%s: %s",
			    m->version, m->name, PQresultErrorMessage(r));
			PQclear(r);
			goto fail;
		}
		PQclear(r);
		snprintf(num, sizeof(num), "%d", m->version);
		snprintf(now, sizeof(now), "%" PRId64, store_now());
		vals[0] = num;
		vals[1] = m->name;
		vals[2] = now;
		r = PQexecParams(ps->conn, "INSERT INTO schema_migrations "
		    "(version, name, applied) VALUES ($1, $2, $3)", 3, NULL,
		    vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			store_seterr(&ps->base, "migration record: %s",
			    PQresultErrorMessage(r));
			PQclear(r);
			goto fail;
		}
		PQclear(r);
	}
	return simple(ps, "COMMIT");
fail:
	rollback(ps);
	return -1;
}

static int
pg_org_add(struct store *s, const char *name, int64_t *id)
{
	struct pg_store *ps = P(s);
	struct params p = { .n = 0 };
	PGresult *r;

	p_str(&p, name);
	p_i64(&p, store_now());
	if ((r = exec(ps, Q_ORG_ADD, &p, "add organization")) == NULL) {
		if (errno == EEXIST)
			store_seterr(s, "organization %s exists", name);
		return -1;
	}
	if (id != NULL)
		*id = get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static int
pg_org_list(struct store *s, int (*cb)(void *, int64_t, const char *),
    void *arg)
{
	struct pg_store *ps = P(s);
	PGresult *r;
	int i;

	if ((r = exec(ps, Q_ORG_LIST, NULL, "list organizations")) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++)
		if (cb(arg, get_i64(r, i, 0), PQgetvalue(r, i, 1)) == -1)
			break;
	PQclear(r);
	return 0;
}

static int
pg_sensor_add(struct store *s, const char *name, const char *org,
    const char *token, int64_t expires)
{
	struct pg_store *ps = P(s);
	struct params p = { .n = 0 };
	int rc;

	errno = 0;
	p_str(&p, name);
	p_str(&p, org);
	p_i64(&p, store_now());
	p_str(&p, token);
	p_i64(&p, expires);
	rc = exec1(ps, Q_SENSOR_ADD, &p, "add sensor");
	if (rc == -1 && errno == EEXIST)
		store_seterr(s, "sensor %s exists", name);
	if (rc == 1)
		store_seterr(s, "no such organization: %s", org);
	return rc == 0 ? 0 : -1;
}

static void
sensor_row(const PGresult *r, int i, struct store_sensor *o)
{
	memset(o, 0, sizeof(*o));
	o->id = get_i64(r, i, 0);
	get_str(r, i, 1, o->name, sizeof(o->name));
	get_str(r, i, 2, o->org, sizeof(o->org));
	get_str(r, i, 3, o->cert_serial, sizeof(o->cert_serial));
	o->revoked = (int)get_i64(r, i, 4);
	o->token_expires = get_i64(r, i, 5);
	o->last_seen = get_i64(r, i, 6);
	o->last_seq = (uint64_t)get_i64(r, i, 7);
	o->backlog = (uint64_t)get_i64(r, i, 8);
	o->claimed = (uint64_t)get_i64(r, i, 9);
}

static int
pg_sensor_get(struct store *s, const char *name, struct store_sensor *o)
{
	struct pg_store *ps = P(s);
	struct params p = { .n = 0 };
	PGresult *r;
	int found;

	p_str(&p, name);
	if ((r = exec(ps, Q_SENSOR_GET, &p, "get sensor")) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		sensor_row(r, 0, o);
	PQclear(r);
	return found ? 0 : 1;
}

static int
pg_sensor_list(struct store *s,
    int (*cb)(void *, const struct store_sensor *), void *arg)
{
	struct pg_store *ps = P(s);
	struct store_sensor o;
	PGresult *r;
	int i;

	if ((r = exec(ps, Q_SENSOR_LIST, NULL, "list sensors")) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		sensor_row(r, i, &o);
		if (cb(arg, &o) == -1)
			break;
	}
	PQclear(r);
	return 0;
}

static int
pg_sensor_retoken(struct store *s, const char *name, const char *token,
    int64_t expires)
{
	struct params p = { .n = 0 };
	int rc;

	p_str(&p, name);
	p_str(&p, token);
	p_i64(&p, expires);
	if ((rc = exec1(P(s), Q_SENSOR_RETOKEN, &p, "new token")) == 1)
		store_seterr(s, "no such sensor: %s", name);
	return rc == 0 ? 0 : -1;
}

static int
pg_sensor_take_token(struct store *s, const char *token, int64_t now,
    char *name, size_t namelen)
{
	struct params p = { .n = 0 };
	PGresult *r;
	int found;

	p_str(&p, token);
	p_i64(&p, now);
	if ((r = exec(P(s), Q_SENSOR_TAKE, &p, "take token")) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		get_str(r, 0, 0, name, namelen);
	PQclear(r);
	return found ? 0 : 1;
}

static int
pg_sensor_set_cert(struct store *s, const char *name, const char *serial)
{
	struct params p = { .n = 0 };
	int rc;

	p_str(&p, name);
	p_str(&p, serial);
	if ((rc = exec1(P(s), Q_SENSOR_CERT, &p, "set certificate")) == 1)
		store_seterr(s, "no such sensor: %s", name);
	return rc == 0 ? 0 : -1;
}

static int
pg_sensor_revoke(struct store *s, const char *name)
{
	struct params p = { .n = 0 };

	p_str(&p, name);
	return exec1(P(s), Q_SENSOR_REVOKE, &p, "revoke");
}

static int
pg_sensor_heartbeat(struct store *s, int64_t id, int64_t now,
    uint64_t backlog, uint64_t claimed, const char *counters)
{
	struct params p = { .n = 0 };

	p_i64(&p, id);
	p_i64(&p, now);
	p_i64(&p, (int64_t)backlog);
	p_i64(&p, (int64_t)claimed);
	p_str(&p, counters);
	return exec1(P(s), Q_SENSOR_HEARTBEAT, &p, "heartbeat") == -1 ? -1 : 0;
}

/*
 * Array literals ("{1,2,3}", '{"a","b"}') built in bounded buffers; they
 * travel as parameter values, never as SQL text.
 */
struct arr {
	struct buf	 b;
	size_t		 n;
};

static void
arr_init(struct arr *a)
{
	buf_init(&a->b, ARRAY_MAX);
	a->n = 0;
}

static int
arr_sep(struct arr *a)
{
	return buf_addc(&a->b, a->n++ == 0 ? '{' : ',');
}

static int
arr_i64(struct arr *a, int64_t v)
{
	if (arr_sep(a) == -1)
		return -1;
	return buf_printf(&a->b, "%" PRId64, v);
}

static int
arr_str(struct arr *a, const char *s, size_t len)
{
	size_t i, run = 0;

	if (arr_sep(a) == -1 || buf_addc(&a->b, '"') == -1)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (buf_add(&a->b, s + run, i - run) == -1 ||
		    buf_addc(&a->b, '\\') == -1)
			return -1;
		run = i;
	}
	if (buf_add(&a->b, s + run, len - run) == -1)
		return -1;
	return buf_addc(&a->b, '"');
}

static int
arr_null(struct arr *a)
{
	if (arr_sep(a) == -1)
		return -1;
	return buf_addstr(&a->b, "NULL");
}

static int
arr_addr(struct arr *a, const struct addr *ad)
{
	char s[ADDR_STRLEN];

	if (ad->af == 0)
		return arr_null(a);
	if (addr_fmt(ad, s, sizeof(s)) == -1)
		return -1;
	return arr_str(a, s, strlen(s));
}

/* bytea in hex form; the backslash is escaped for the array literal. */
static int
arr_bytes(struct arr *a, const uint8_t *p, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (arr_sep(a) == -1 || buf_addstr(&a->b, "\"\\\\x") == -1 ||
	    buf_reserve(&a->b, 2 * len + 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		a->b.data[a->b.len++] = (uint8_t)hx[p[i] >> 4];
		a->b.data[a->b.len++] = (uint8_t)hx[p[i] & 15];
	}
	return buf_addc(&a->b, '"');
}

static const char *
arr_end(struct arr *a)
{
	if (a->n == 0 && buf_addc(&a->b, '{') == -1)
		return NULL;
	if (buf_addc(&a->b, '}') == -1)
		return NULL;
	return buf_cstr(&a->b);
}

static void
arr_free(struct arr *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf_free(&a[i].b);
}

/* Send statement q with sensor id and ncols arrays. */
static int
exec_arrays(struct pg_store *ps, int q, int64_t sid, struct arr *cols,
    int ncols, const char *what)
{
	struct params p = { .n = 0 };
	PGresult *r;
	const char *v;
	int i;

	p_i64(&p, sid);
	for (i = 0; i < ncols; i++) {
		if ((v = arr_end(&cols[i])) == NULL) {
			store_seterr(&ps->base, "%s: batch too large", what);
			return -1;
		}
		p_str(&p, v);
	}
	if ((r = exec(ps, q, &p, what)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* The end of a batch's column arrays for one table: a batch too large
 * for them (bad) is an error, else statement q stores them; freed
 * either way. */
static int
store_arrays(struct pg_store *ps, int q, int64_t sid, struct arr *c,
    int ncols, int bad, const char *table)
{
	char what[64];
	int rc = -1;

	if (bad)
		store_seterr(&ps->base, "%s: batch too large", table);
	else {
		snprintf(what, sizeof(what), "store %s", table);
		rc = exec_arrays(ps, q, sid, c, ncols, what);
	}
	arr_free(c, ncols);
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A batch's folded connection rows as arrays, one per column, for one
 * unnest() upsert (which may touch a row only once per statement: the
 * fold makes it so), and their (conn, ts) in conn order. */
struct conn_rows {
	struct arr	 c[16];
	int64_t		*conn, *ts;
	size_t		 n;
};

static int
conn_append(void *arg, const struct store_conn *m, int start)
{
	struct conn_rows *cr = arg;
	struct arr *c = cr->c;
	int bad = 0;

	(void)start;
	cr->conn[cr->n] = (int64_t)m->conn;
	cr->ts[cr->n++] = m->ts;
	bad |= arr_i64(&c[0], (int64_t)m->conn);
	bad |= arr_i64(&c[1], m->ts);
	bad |= arr_i64(&c[2], m->end_ts);
	bad |= arr_i64(&c[3], m->proto);
	bad |= arr_addr(&c[4], &m->src);
	bad |= arr_i64(&c[5], m->sport);
	bad |= arr_addr(&c[6], &m->dst);
	bad |= arr_i64(&c[7], m->dport);
	bad |= arr_str(&c[8], m->template, strlen(m->template));
	bad |= arr_str(&c[9], m->service, strlen(m->service));
	bad |= arr_i64(&c[10], (int64_t)m->pkts_in);
	bad |= arr_i64(&c[11], (int64_t)m->pkts_out);
	bad |= arr_i64(&c[12], (int64_t)m->bytes_in);
	bad |= arr_i64(&c[13], (int64_t)m->bytes_out);
	bad |= arr_i64(&c[14], m->flags);
	bad |= arr_i64(&c[15], m->reason);
	return bad ? -1 : 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Three steps (002_partitions.sql): the keys say where each row is (its
 * earliest ts), rows whose ts went down move there, then the rows are
 * upserted at their keys' ts.
 */
static int
ingest_connections(struct pg_store *ps, int64_t sid, const struct event *evs,
    size_t *idx, size_t n)
{
	struct conn_rows cr;
	struct arr mv[2];
	struct params p = { .n = 0 };
	PGresult *r = NULL;
	const char *v[16];
	const int64_t *hit;
	int64_t conn, ts;
	int k, i, rc = -1;

	if (n == 0)
		return 0;
	memset(&cr, 0, sizeof(cr));
	for (k = 0; k < 16; k++)
		arr_init(&cr.c[k]);
	for (k = 0; k < 2; k++)
		arr_init(&mv[k]);
	cr.conn = calloc(n, sizeof(*cr.conn));
	cr.ts = calloc(n, sizeof(*cr.ts));
	if (cr.conn == NULL || cr.ts == NULL) {
		store_seterr(&ps->base, "out of memory");
		goto done;
	}
	if (store_fold_connections(evs, idx, n, conn_append, &cr) == -1)
		goto big;
	for (k = 0; k < 16; k++)
		if ((v[k] = arr_end(&cr.c[k])) == NULL)
			goto big;
	p_i64(&p, sid);
	p_str(&p, v[0]);
	p_str(&p, v[1]);
	if ((r = exec(ps, Q_CONNKEYS_UPSERT, &p, "store connection keys")) ==
	    NULL)
		goto done;
	for (i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 2), "t") != 0)
			continue;	/* a new connection */
		conn = get_i64(r, i, 0);
		ts = get_i64(r, i, 1);
		hit = bsearch(&conn, cr.conn, cr.n, sizeof(*cr.conn),
		    cmp_i64);
		if (hit != NULL && cr.ts[hit - cr.conn] == ts &&
		    (arr_i64(&mv[0], conn) || arr_i64(&mv[1], ts)))
			goto big;
	}
	PQclear(r);
	r = NULL;
	if (mv[0].n > 0) {
		p.n = 0;
		p_i64(&p, sid);
		if ((v[0] = arr_end(&mv[0])) == NULL ||
		    (v[1] = arr_end(&mv[1])) == NULL)
			goto big;
		p_str(&p, v[0]);
		p_str(&p, v[1]);
		if ((r = exec(ps, Q_CONNS_MOVE, &p, "move connections")) ==
		    NULL)
			goto done;
		PQclear(r);
		r = NULL;
		v[0] = buf_cstr(&cr.c[0].b);
		v[1] = buf_cstr(&cr.c[1].b);
	}
	p.n = 0;
	p_i64(&p, sid);
	for (k = 0; k < 16; k++)
		p_str(&p, v[k]);
	if ((r = exec(ps, Q_CONNS_UPSERT, &p, "store connections")) == NULL)
		goto done;
	rc = 0;
	goto done;
big:
	store_seterr(&ps->base, "connections: batch too large");
done:
	PQclear(r);
	free(cr.conn);
	free(cr.ts);
	arr_free(cr.c, 16);
	arr_free(mv, 2);
	return rc;
}

static int
ingest_payloads(struct pg_store *ps, int64_t sid, const struct event *evs,
    const size_t *idx, size_t n)
{
	struct arr c[6];
	size_t i;
	int k, bad = 0;

	if (n == 0)
		return 0;
	for (k = 0; k < 6; k++)
		arr_init(&c[k]);
	for (i = 0; i < n; i++) {
		const struct event *e = &evs[idx[i]];
		const struct event_payload *p = &e->u.payload;

		bad |= arr_i64(&c[0], (int64_t)e->seq);
		bad |= arr_i64(&c[1], (int64_t)p->conn);
		bad |= arr_i64(&c[2], e->ts);
		bad |= arr_i64(&c[3], p->dir);
		bad |= arr_i64(&c[4], (int64_t)p->offset);
		bad |= arr_bytes(&c[5], p->data, p->len);
	}
	return store_arrays(ps, Q_PAYLOADS_ADD, sid, c, 6, bad, "payloads");
}

static int
ingest_uploads(struct pg_store *ps, int64_t sid, const struct event *evs,
    const size_t *idx, size_t n)
{
	struct arr c[6];
	char hex[65];
	size_t i;
	int k, bad = 0;

	if (n == 0)
		return 0;
	for (k = 0; k < 6; k++)
		arr_init(&c[k]);
	for (i = 0; i < n; i++) {
		const struct event *e = &evs[idx[i]];
		const struct event_upload *u = &e->u.upload;

		for (k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", u->sha256[k]);
		bad |= arr_i64(&c[0], (int64_t)e->seq);
		bad |= arr_i64(&c[1], (int64_t)u->conn);
		bad |= arr_i64(&c[2], e->ts);
		bad |= arr_str(&c[3], u->name, strlen(u->name));
		bad |= arr_i64(&c[4], (int64_t)u->size);
		bad |= arr_str(&c[5], hex, 64);
	}
	return store_arrays(ps, Q_UPLOADS_ADD, sid, c, 6, bad, "uploads");
}

static int
ingest_alerts(struct pg_store *ps, int64_t sid, const struct event *evs,
    const size_t *idx, size_t n)
{
	static const struct addr none;
	struct arr c[13];
	size_t i;
	int k, bad = 0;

	if (n == 0)
		return 0;
	for (k = 0; k < 13; k++)
		arr_init(&c[k]);
	for (i = 0; i < n; i++) {
		const struct event *e = &evs[idx[i]];
		const struct event_alert *a = &e->u.alert;
		int t = a->t.proto != 0;

		bad |= arr_i64(&c[0], (int64_t)e->seq);
		bad |= arr_i64(&c[1], e->ts);
		bad |= arr_i64(&c[2], a->sid);
		bad |= arr_i64(&c[3], a->rev);
		bad |= arr_i64(&c[4], a->priority);
		bad |= arr_str(&c[5], a->classtype, strlen(a->classtype));
		bad |= arr_str(&c[6], a->msg, strlen(a->msg));
		bad |= arr_i64(&c[7], a->t.proto);
		bad |= arr_addr(&c[8], t ? &a->t.src : &none);
		bad |= arr_i64(&c[9], a->t.sport);
		bad |= arr_addr(&c[10], t ? &a->t.dst : &none);
		bad |= arr_i64(&c[11], a->t.dport);
		bad |= arr_i64(&c[12], (int64_t)a->conn);
	}
	return store_arrays(ps, Q_ALERTS_ADD, sid, c, 13, bad, "alerts");
}

/* One batch inside the caller's transaction. */
static int
ingest_batch(struct pg_store *ps, struct store_batch *bt)
{
	struct store *s = &ps->base;
	int64_t sid = bt->sensor_id;
	const struct event *evs = bt->evs;
	const char *const *lines = bt->lines;
	const size_t *lens = bt->lens;
	size_t n = bt->n;
	struct arr c[4];
	struct params p = { .n = 0 };
	PGresult *r = NULL;
	uint64_t *fresh = NULL, maxseq = 0;
	size_t *idx[4] = { NULL, NULL, NULL, NULL }, cnt[4] = { 0, 0, 0, 0 };
	size_t i, nfresh = 0;
	int k, bad = 0, rc = -1;

	for (k = 0; k < 4; k++)
		arr_init(&c[k]);
	for (i = 0; i < n; i++) {
		bad |= arr_i64(&c[0], (int64_t)evs[i].seq);
		bad |= arr_i64(&c[1], evs[i].ts);
		bad |= arr_i64(&c[2], evs[i].kind);
		bad |= arr_str(&c[3], lines[i], lens[i]);
		if (evs[i].seq > maxseq)
			maxseq = evs[i].seq;
	}
	if (bad) {
		store_seterr(s, "events: batch too large");
		goto done;
	}
	p_i64(&p, sid);
	for (k = 0; k < 4; k++)
		p_str(&p, arr_end(&c[k]));
	if ((r = exec(ps, Q_EVENTS_ADD, &p, "store events")) == NULL)
		goto fail;
	/* The seqs not stored before: only those reach the kind tables. */
	nfresh = (size_t)PQntuples(r);
	if (nfresh > 0) {
		if ((fresh = calloc(nfresh, sizeof(*fresh))) == NULL) {
			store_seterr(s, "out of memory");
			goto fail;
		}
		for (i = 0; i < nfresh; i++)
			fresh[i] = (uint64_t)get_i64(r, (int)i, 0);
		qsort(fresh, nfresh, sizeof(*fresh), cmp_u64);
		for (k = 0; k < 4; k++)
			if ((idx[k] = calloc(nfresh, sizeof(size_t))) == NULL) {
				store_seterr(s, "out of memory");
				goto fail;
			}
		for (i = 0; i < n; i++) {
			if (bsearch(&evs[i].seq, fresh, nfresh, sizeof(*fresh),
			    cmp_u64) == NULL)
				continue;
			switch (evs[i].kind) {
			case EVENT_CONNECTION: k = 0; break;
			case EVENT_PAYLOAD: k = 1; break;
			case EVENT_UPLOAD: k = 2; break;
			case EVENT_ALERT: k = 3; break;
			default: continue;
			}
			/* A batch repeating a seq: the first one counts. */
			if (cnt[k] < nfresh)
				idx[k][cnt[k]++] = i;
		}
	}
	if (ingest_connections(ps, sid, evs, idx[0], cnt[0]) == -1 ||
	    ingest_payloads(ps, sid, evs, idx[1], cnt[1]) == -1 ||
	    ingest_uploads(ps, sid, evs, idx[2], cnt[2]) == -1 ||
	    ingest_alerts(ps, sid, evs, idx[3], cnt[3]) == -1)
		goto fail;
	p.n = 0;
	p_i64(&p, sid);
	p_i64(&p, store_now());
	p_i64(&p, (int64_t)maxseq);
	if (exec1(ps, Q_SENSOR_SEEN, &p, "sensor last seq") == -1)
		goto fail;
	bt->stored = nfresh;
	rc = 0;
fail:
done:
	PQclear(r);
	free(fresh);
	for (k = 0; k < 4; k++)
		free(idx[k]);
	arr_free(c, 4);
	return rc;
}

/*
 * The day partitions of today and the days ahead (002_partitions.sql),
 * made when the day changes; outside the ingest transaction, since
 * making a partition locks its parent table.  A failure is not fatal:
 * rows land in the default partition, and the next batch tries again.
 */
static void
partitions(struct pg_store *ps)
{
	struct params p = { .n = 0 };
	PGresult *r;
	int64_t day = store_now() / DAY_US;

	if (day == ps->part_day)
		return;
	p_i64(&p, day);
	p_i64(&p, PART_AHEAD);
	if ((r = exec(ps, Q_PARTITIONS, &p, "partitions")) != NULL) {
		ps->part_day = day;
		PQclear(r);
	}
}

static int
pg_ingest(struct store *s, struct store_batch *b, size_t nb)
{
	struct pg_store *ps = P(s);
	size_t i;

	partitions(ps);
	if (simple(ps, "BEGIN") == -1)
		return -1;
	for (i = 0; i < nb; i++)
		if (ingest_batch(ps, &b[i]) == -1)
			goto fail;
	if (simple(ps, "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	rollback(ps);
	for (i = 0; i < nb; i++)
		b[i].stored = 0;
	return -1;
}

static int
pg_capture_add(struct store *s, int64_t sid, const char *name,
    const char *sha, uint64_t size, const char *path, int64_t now)
{
	struct pg_store *ps = P(s);
	struct params p = { .n = 0 };
	PGresult *r;
	int rc;

	p_i64(&p, sid);
	p_str(&p, name);
	if ((r = exec(ps, Q_CAPTURE_GET, &p, "capture")) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		rc = strcmp(PQgetvalue(r, 0, 0), sha) == 0 ? 1 : 2;
		PQclear(r);
		return rc;
	}
	PQclear(r);
	p.n = 0;
	p_i64(&p, sid);
	p_str(&p, name);
	p_i64(&p, (int64_t)size);
	p_str(&p, sha);
	p_str(&p, path);
	p_i64(&p, now);
	rc = exec1(ps, Q_CAPTURE_ADD, &p, "store capture");
	if (rc == 1)	/* another instance stored it in between */
		return pg_capture_add(s, sid, name, sha, size, path, now);
	return rc;
}

static int
pg_import(struct store *s, int64_t sid, struct store_batch *b, size_t nb,
    const char *name, const char *sha, uint64_t size, const char *path,
    int64_t now)
{
	struct pg_store *ps = P(s);
	size_t i;
	int rc;

	partitions(ps);
	if (simple(ps, "BEGIN") == -1)
		return -1;
	if ((rc = pg_capture_add(s, sid, name, sha, size, path, now)) != 0)
		goto out;
	for (i = 0; i < nb; i++)
		if (ingest_batch(ps, &b[i]) == -1) {
			rc = -1;
			goto out;
		}
	if (simple(ps, "COMMIT") == -1) {
		rc = -1;
		goto out;
	}
	return 0;
out:
	rollback(ps);
	for (i = 0; i < nb; i++)
		b[i].stored = 0;
	return rc == -1 ? -1 : 1;
}

static int
pg_user_add(struct store *s, const char *name, const char *org,
    const char *role, const char *pwhash)
{
	struct params p = { .n = 0 };
	int rc;

	errno = 0;
	p_str(&p, name);
	p_str(&p, org);
	p_str(&p, role);
	p_str(&p, pwhash);
	p_i64(&p, store_now());
	rc = exec1(P(s), Q_USER_ADD, &p, "add user");
	if (rc == -1 && errno == EEXIST)
		store_seterr(s, "user %s exists", name);
	return rc == 0 ? 0 : -1;
}

static int
pg_audit(struct store *s, const char *actor, const char *action,
    const char *object, const char *detail, int64_t now)
{
	struct params p = { .n = 0 };

	p_i64(&p, now);
	p_str(&p, actor);
	p_str(&p, action);
	p_str(&p, object);
	p_str(&p, detail ? detail : "");
	return exec1(P(s), Q_AUDIT, &p, "audit") == -1 ? -1 : 0;
}

static void
get_addr(const PGresult *r, int i, int col, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!PQgetisnull(r, i, col))
		(void)addr_parse(PQgetvalue(r, i, col), a);
}

static int
conn_which(const struct store_conn_filter *f)
{
	if (f->dport >= 0)
		return Q_CONNS_DPORT;
	if (f->sensor != NULL)
		return Q_CONNS_SENSOR;
	return Q_CONNS;
}

static void
conn_params(struct params *p, const struct store_conn_filter *f,
    char *cidr, size_t cidrlen)
{
	p_i64(p, f->since);
	if (f->has_src && cidr_fmt(&f->src, cidr, cidrlen) == 0)
		p_str(p, cidr);
	else
		p_str(p, NULL);
	if (f->dport >= 0)
		p_i64(p, f->dport);
	else
		p_str(p, NULL);
	p_str(p, f->sensor);
	p_i64(p, f->before_ts ? f->before_ts : INT64_MAX);
	p_i64(p, f->before_ts ? f->before_id : INT64_MAX);
	if (f->limit)
		p_i64(p, (int64_t)f->limit);
	else
		p_str(p, NULL);	/* LIMIT NULL: all */
}

static int
pg_query_connections(struct store *s, const struct store_conn_filter *f,
    int (*cb)(void *, const struct store_conn *), void *arg)
{
	struct params p = { .n = 0 };
	struct store_conn c;
	char cidr[CIDR_STRLEN];
	PGresult *r;
	int i;

	conn_params(&p, f, cidr, sizeof(cidr));
	if ((r = exec(P(s), conn_which(f), &p, "query connections")) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		memset(&c, 0, sizeof(c));
		c.id = get_i64(r, i, 0);
		get_str(r, i, 1, c.sensor, sizeof(c.sensor));
		c.conn = (uint64_t)get_i64(r, i, 2);
		c.ts = get_i64(r, i, 3);
		c.end_ts = get_i64(r, i, 4);
		c.proto = (uint8_t)get_i64(r, i, 5);
		get_addr(r, i, 6, &c.src);
		c.sport = (uint16_t)get_i64(r, i, 7);
		get_addr(r, i, 8, &c.dst);
		c.dport = (uint16_t)get_i64(r, i, 9);
		get_str(r, i, 10, c.template, sizeof(c.template));
		get_str(r, i, 11, c.service, sizeof(c.service));
		c.pkts_in = (uint64_t)get_i64(r, i, 12);
		c.pkts_out = (uint64_t)get_i64(r, i, 13);
		c.bytes_in = (uint64_t)get_i64(r, i, 14);
		c.bytes_out = (uint64_t)get_i64(r, i, 15);
		c.flags = (uint8_t)get_i64(r, i, 16);
		c.reason = (uint8_t)get_i64(r, i, 17);
		if (cb(arg, &c) == -1)
			break;
	}
	PQclear(r);
	return 0;
}

/* EXPLAIN of the listing's statement for f with the same parameters;
 * the statement text is the prepared one, not built from f. */
static int
pg_explain_connections(struct store *s, const struct store_conn_filter *f,
    char *out, size_t outlen)
{
	struct pg_store *ps = P(s);
	struct params p = { .n = 0 };
	char cidr[CIDR_STRLEN], q[4096];
	size_t n = 0;
	PGresult *r;
	int i;

	conn_params(&p, f, cidr, sizeof(cidr));
	snprintf(q, sizeof(q), "EXPLAIN %s", sql[conn_which(f)]);
	r = PQexecParams(ps->conn, q, p.n, NULL, p.v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		store_seterr(s, "explain: %s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	out[0] = '\0';
	for (i = 0; i < PQntuples(r) && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s\n",
		    PQgetvalue(r, i, 0));
	PQclear(r);
	return 0;
}

/* The export streams in single-row mode, so a large store is not held
 * in memory at once. */
static int
pg_export(struct store *s, const char *sensor, int64_t since,
    int (*cb)(void *, const char *, size_t), void *arg)
{
	struct pg_store *ps = P(s);
	struct params p = { .n = 0 };
	PGresult *r;
	char name[16];
	int rc = 0, stop = 0;

	p_str(&p, sensor);
	p_i64(&p, since);
	snprintf(name, sizeof(name), "q%d", Q_EXPORT);
	if (!PQsendQueryPrepared(ps->conn, name, p.n, p.v, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(ps->conn)) {
		store_seterr(s, "export: %s", PQerrorMessage(ps->conn));
		return -1;
	}
	while ((r = PQgetResult(ps->conn)) != NULL) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
			if (!stop && cb(arg, PQgetvalue(r, 0, 0),
			    (size_t)PQgetlength(r, 0, 0)) == -1)
				stop = 1;
		} else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			store_seterr(s, "export: %s", PQresultErrorMessage(r));
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

static int
pg_count(struct store *s, int t, uint64_t *n)
{
	PGresult *r;

	if ((r = exec(P(s), Q_COUNT0 + t, NULL, "count")) == NULL)
		return -1;
	*n = (uint64_t)get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static const struct store_ops pg_ops = {
	.name = "pg",
	.max_conns = 16,
	.close = pg_close,
	.schema_version = pg_schema_version,
	.org_add = pg_org_add,
	.org_list = pg_org_list,
	.sensor_add = pg_sensor_add,
	.sensor_get = pg_sensor_get,
	.sensor_list = pg_sensor_list,
	.sensor_retoken = pg_sensor_retoken,
	.sensor_take_token = pg_sensor_take_token,
	.sensor_set_cert = pg_sensor_set_cert,
	.sensor_revoke = pg_sensor_revoke,
	.sensor_heartbeat = pg_sensor_heartbeat,
	.ingest = pg_ingest,
	.import = pg_import,
	.capture_add = pg_capture_add,
	.user_add = pg_user_add,
	.audit = pg_audit,
	.query_connections = pg_query_connections,
	.explain_connections = pg_explain_connections,
	.export = pg_export,
	.count = pg_count,
};

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* NOTICEs from IF NOT EXISTS are expected */
}

static int
prepare_all(struct pg_store *ps, char *err, size_t errlen)
{
	PGresult *r;
	char name[16];
	int i;

	for (i = 0; i < Q_MAX; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		r = PQprepare(ps->conn, name, sql[i], 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "postgresql: statement %d: %s",
			    i, PQresultErrorMessage(r));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	return 0;
}

struct store *
store_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct pg_store *ps;
	int i;

	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	ps->base.ops = &pg_ops;
	ps->base.migrations = pg_migrations;
	ps->conn = PQconnectdb(conninfo);
	if (PQstatus(ps->conn) != CONNECTION_OK) {
		snprintf(err, errlen, "postgresql: %s",
		    PQerrorMessage(ps->conn));
		goto fail;
	}
	PQsetNoticeProcessor(ps->conn, pg_notice, NULL);
	if (migrate(ps) == -1) {
		snprintf(err, errlen, "postgresql: %s", ps->base.err);
		goto fail;
	}
	if (prepare_all(ps, err, errlen) == -1)
		goto fail;
	partitions(ps);
	return &ps->base;
fail:
	/* Trim libpq's trailing newline. */
	i = (int)strlen(err);
	while (i > 0 && err[i - 1] == '\n')
		err[--i] = '\0';
	pg_close(&ps->base);
	return NULL;
}
