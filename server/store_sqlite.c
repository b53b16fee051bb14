/*
 * SQLite backend: one connection, WAL, synchronous=FULL so that an
 * acknowledged batch survives a crash of the machine, not just of the
 * process: every commit appends its pages to the WAL and fsyncs it
 * before COMMIT returns.  Every statement is prepared once at open.
 *
 * A connection that ingests hands checkpointing (copying WAL pages back
 * into the database file, and that file's fsync) to a thread of its own
 * with its own connection, so the writer only ever appends to the WAL.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "event.h"
#include "store_impl.h"

enum {
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
	Q_ORG_ADD, Q_ORG_LIST,
	Q_SENSOR_ADD, Q_SENSOR_GET, Q_SENSOR_LIST, Q_SENSOR_RETOKEN,
	Q_SENSOR_TAKE, Q_SENSOR_CERT, Q_SENSOR_REVOKE, Q_SENSOR_HEARTBEAT,
	Q_SENSOR_SEEN,
	Q_EVENT_ADD, Q_CONN_ADD, Q_CONN_MERGE, Q_CONN_TS_GET, Q_CONN_TS_SET,
	Q_SRC_TS_SET, Q_DST_TS_SET, Q_PAYLOAD_ADD, Q_UPLOAD_ADD, Q_ALERT_ADD,
	Q_CAPTURE_GET, Q_CAPTURE_ADD,
	Q_USER_ADD, Q_AUDIT,
	Q_CONNS, Q_CONNS_DPORT, Q_CONNS_SENSOR, Q_CONNS_SRC,
	Q_INDEX_RANGE, Q_INDEX_SRC, Q_INDEX_DST, Q_INDEX_MARK,
	Q_EXPORT,
	Q_COUNT0,
	Q_MAX = Q_COUNT0 + ST_MAX
};

#define SENSOR_COLS \
	"s.id, s.name, o.name, s.cert_serial, s.revoked, s.token_expires, " \
	"s.last_seen, s.last_seq, s.backlog, s.claimed " \
	"FROM sensors s JOIN organizations o ON o.id = s.org_id "

#define CONN_SELECT \
	"SELECT c.id, s.name, c.conn, c.ts, c.end_ts, c.proto, c.src, " \
	"c.sport, c.dst, c.dport, c.template, c.service, c.pkts_in, " \
	"c.pkts_out, c.bytes_in, c.bytes_out, c.flags, c.reason "
#define CONN_COLS \
	CONN_SELECT "FROM connections c JOIN sensors s ON s.id = c.sensor_id "
/*
 * The console's listing, newest first, keyset-paginated on (ts, id).
 * Each filter is bound in every statement (NULL/0: any); the variants
 * differ in which equality leads, so that an index (dport, ts, id) or
 * (sensor_id, ts, id) serves both the filter and the order and the
 * (ts, id) < (?6, ?7) bound is a range on it: a page costs its 50 rows
 * however deep it is.
 */
#define CONN_WHERE \
	"c.ts >= ?1 " \
	"AND (?2 IS NULL OR c.src BETWEEN ?2 AND ?3) " \
	"AND (?5 IS NULL OR c.sensor_id = " \
	"(SELECT id FROM sensors WHERE name = ?5)) " \
	"AND (c.ts, c.id) < (?6, ?7) " \
	"ORDER BY c.ts DESC, c.id DESC LIMIT ?8"

/*
 * One source address: conn_src (003_addr_index.sql) serves the rows the
 * indexer has covered, in (ts, id) order from the keyset bound, and the
 * rows above conn_indexed.upto are read by rowid range from connections
 * itself (NOT INDEXED: never a walk of a listing index).  Both halves
 * and upto come from one snapshot, so a row is in exactly one of them.
 */
#define CONN_SRC_FILTER \
	"c.ts >= ?1 AND (?4 IS NULL OR c.dport = ?4) " \
	"AND (?5 IS NULL OR c.sensor_id = " \
	"(SELECT id FROM sensors WHERE name = ?5)) "
#define CONN_SRC \
	"SELECT * FROM (" CONN_SELECT "FROM conn_src x " \
	"JOIN connections c ON c.id = x.id " \
	"JOIN sensors s ON s.id = c.sensor_id " \
	"WHERE x.src = ?2 AND x.ts >= ?1 AND (x.ts, x.id) < (?6, ?7) " \
	"AND " CONN_SRC_FILTER "ORDER BY x.ts DESC, x.id DESC LIMIT ?8) " \
	"UNION ALL SELECT * FROM (" CONN_SELECT \
	"FROM connections c NOT INDEXED " \
	"JOIN sensors s ON s.id = c.sensor_id " \
	"WHERE c.id > (SELECT upto FROM conn_indexed) AND c.src = ?2 " \
	"AND (c.ts, c.id) < (?6, ?7) AND " CONN_SRC_FILTER \
	"ORDER BY c.ts DESC, c.id DESC LIMIT ?8) " \
	"ORDER BY 4 DESC, 1 DESC LIMIT ?8"

/*
 * A folded connection row is inserted when new, else merged into the row
 * an earlier batch stored.  The merge never writes ts (SQLite rewrites
 * every index holding a column an UPDATE assigns, and ts is in all the
 * listing indexes); a start stored after its row moves ts by itself
 * (conn_move_ts).  The merge is bound as the insert is and leaves ?3 and
 * ?5..?9 unused.
 */
#define CONN_ADD \
	"INSERT INTO connections (sensor_id, conn, ts, " \
	"end_ts, proto, src, sport, dst, dport, template, service, " \
	"pkts_in, pkts_out, bytes_in, bytes_out, flags, reason) " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, " \
	"?14, ?15, ?16, ?17) ON CONFLICT (sensor_id, conn) DO NOTHING"
#define CONN_MERGE \
	"UPDATE connections SET " \
	"end_ts = CASE WHEN ?4 <> 0 THEN ?4 ELSE end_ts END, " \
	"template = CASE WHEN ?10 <> '' THEN ?10 ELSE template END, " \
	"service = CASE WHEN ?11 <> '' THEN ?11 ELSE service END, " \
	"pkts_in = max(pkts_in, ?12), pkts_out = max(pkts_out, ?13), " \
	"bytes_in = max(bytes_in, ?14), bytes_out = max(bytes_out, ?15), " \
	"flags = flags | ?16, " \
	"reason = CASE WHEN ?17 <> 0 THEN ?17 ELSE reason END " \
	"WHERE sensor_id = ?1 AND conn = ?2"

static const char *const sql[Q_MAX] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_ORG_ADD] = "INSERT INTO organizations (name, created) "
	    "VALUES (?1, ?2)",
	[Q_ORG_LIST] = "SELECT id, name FROM organizations ORDER BY name",
	[Q_SENSOR_ADD] = "INSERT INTO sensors (name, org_id, created, "
	    "token_sha256, token_expires) SELECT ?1, id, ?3, ?4, ?5 "
	    "FROM organizations WHERE name = ?2",
	[Q_SENSOR_GET] = "SELECT " SENSOR_COLS "WHERE s.name = ?1",
	[Q_SENSOR_LIST] = "SELECT " SENSOR_COLS "ORDER BY s.name",
	[Q_SENSOR_RETOKEN] = "UPDATE sensors SET token_sha256 = ?2, "
	    "token_expires = ?3 WHERE name = ?1",
	[Q_SENSOR_TAKE] = "UPDATE sensors SET token_sha256 = NULL, "
	    "token_expires = 0 WHERE token_sha256 = ?1 AND token_expires > ?2 "
	    "RETURNING name",
	[Q_SENSOR_CERT] = "UPDATE sensors SET cert_serial = ?2, revoked = 0 "
	    "WHERE name = ?1",
	[Q_SENSOR_REVOKE] = "UPDATE sensors SET revoked = 1, "
	    "token_sha256 = NULL, token_expires = 0 WHERE name = ?1",
	[Q_SENSOR_HEARTBEAT] = "UPDATE sensors SET last_seen = ?2, "
	    "backlog = ?3, claimed = ?4, counters = ?5 WHERE id = ?1",
	[Q_SENSOR_SEEN] = "UPDATE sensors SET last_seen = ?2, "
	    "last_seq = max(last_seq, ?3) WHERE id = ?1",
	[Q_EVENT_ADD] = "INSERT INTO events (sensor_id, seq, ts, kind, line) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
	[Q_CONN_ADD] = CONN_ADD,
	[Q_CONN_MERGE] = CONN_MERGE,
	[Q_CONN_TS_GET] = "SELECT id, ts, src, dst, "
	    "id <= (SELECT upto FROM conn_indexed) FROM connections "
	    "WHERE sensor_id = ?1 AND conn = ?2",
	[Q_CONN_TS_SET] = "UPDATE connections SET ts = ?2 WHERE id = ?1",
	[Q_SRC_TS_SET] = "UPDATE conn_src SET ts = ?4 "
	    "WHERE src = ?1 AND ts = ?2 AND id = ?3",
	[Q_DST_TS_SET] = "UPDATE conn_dst SET ts = ?4 "
	    "WHERE dst = ?1 AND ts = ?2 AND id = ?3",
	[Q_PAYLOAD_ADD] = "INSERT INTO payloads (sensor_id, seq, conn, ts, "
	    "dir, off, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_UPLOAD_ADD] = "INSERT INTO uploads (sensor_id, seq, conn, ts, "
	    "name, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[Q_ALERT_ADD] = "INSERT INTO alerts (sensor_id, seq, ts, sid, rev, "
	    "priority, classtype, msg, proto, src, sport, dst, dport, conn) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14)",
	[Q_CAPTURE_GET] = "SELECT sha256 FROM captures "
	    "WHERE sensor_id = ?1 AND name = ?2",
	[Q_CAPTURE_ADD] = "INSERT INTO captures (sensor_id, name, size, "
	    "sha256, path, received) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_USER_ADD] = "INSERT INTO users (name, org_id, role, pwhash, "
	    "created) VALUES (?1, (SELECT id FROM organizations "
	    "WHERE name = ?2), ?3, ?4, ?5)",
	[Q_AUDIT] = "INSERT INTO audit_log (ts, actor, action, object, "
	    "detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_CONNS] = CONN_COLS "WHERE " CONN_WHERE,
	[Q_CONNS_DPORT] = CONN_COLS "WHERE c.dport = ?4 AND " CONN_WHERE,
	[Q_CONNS_SENSOR] = CONN_COLS "WHERE c.sensor_id = "
	    "(SELECT id FROM sensors WHERE name = ?5) AND " CONN_WHERE,
	[Q_CONNS_SRC] = CONN_SRC,
	/* The address indexer (addr_index_catch_up). */
	[Q_INDEX_RANGE] = "SELECT upto, (SELECT coalesce(max(id), 0) "
	    "FROM connections) FROM conn_indexed",
	[Q_INDEX_SRC] = "INSERT INTO conn_src (src, ts, id) SELECT src, ts, "
	    "id FROM connections WHERE id > ?1 AND id <= ?2 ORDER BY 1, 2, 3",
	[Q_INDEX_DST] = "INSERT INTO conn_dst (dst, ts, id) SELECT dst, ts, "
	    "id FROM connections WHERE id > ?1 AND id <= ?2 ORDER BY 1, 2, 3",
	[Q_INDEX_MARK] = "UPDATE conn_indexed SET upto = ?1",
	[Q_EXPORT] = "SELECT e.line FROM events e JOIN sensors s "
	    "ON s.id = e.sensor_id WHERE (?1 IS NULL OR s.name = ?1) "
	    "AND e.ts >= ?2 ORDER BY s.name, e.seq",
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

/*
 * WAL pages written since the last checkpoint at which the checkpointer
 * is woken, and WAL size at which the writer stops to finish the
 * checkpoint itself and restart the WAL from its beginning.  The thread
 * alone never gets the WAL restarted: that happens only when a write
 * transaction begins after a complete checkpoint, and under load the
 * next one always begins first.  So the thread copies most pages, and
 * the writer, every CKPT_RESTART pages, copies the rest and waits for
 * readers (a bound on the WAL file and on recovery time after a crash).
 * Checkpointing seldom matters: a page written by many commits (an index
 * leaf) is copied to the database once per checkpoint, not per commit.
 */
#define CKPT_WAKE	8192
#define CKPT_RESTART	32768

struct checkpointer {
	struct checkpointer *next;
	char		*path;
	int		 refs;		/* under ckpt_mu */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	sqlite3		*db;
	int		 frames;	/* WAL pages at the last commit */
	int		 done;		/* of which checkpointed */
	int		 stop;
};

struct sqlite_store {
	struct store		 base;
	sqlite3			*db;
	sqlite3_stmt		*q[Q_MAX];
	char			*path;
	struct checkpointer	*ckpt;	/* NULL until the first ingest */
	int64_t			 sid;	/* the batch being folded */
	uint64_t		 unindexed;	/* about; see addr_index_due */
	struct timespec		 indexed_at;
};

static struct sqlite_store *
S(struct store *s)
{
	return (struct sqlite_store *)s;
}

static int
dberr(struct sqlite_store *ss, const char *what)
{
	store_seterr(&ss->base, "%s: %s", what, sqlite3_errmsg(ss->db));
	return -1;
}

/* Reset a statement for use: clear old bindings. */
static sqlite3_stmt *
Q(struct sqlite_store *ss, int i)
{
	sqlite3_stmt *st = ss->q[i];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Run a statement that returns no rows; -1 on error. */
static int
run(struct sqlite_store *ss, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		dberr(ss, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

static int
begin(struct sqlite_store *ss)
{
	return run(ss, Q(ss, Q_BEGIN), "begin");
}

static int
commit(struct sqlite_store *ss)
{
	return run(ss, Q(ss, Q_COMMIT), "commit");
}

static void
rollback(struct sqlite_store *ss)
{
	char keep[sizeof(ss->base.err)];

	if (!sqlite3_get_autocommit(ss->db)) {
		memcpy(keep, ss->base.err, sizeof(keep));
		(void)run(ss, Q(ss, Q_ROLLBACK), "rollback");
		memcpy(ss->base.err, keep, sizeof(keep));
	}
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
bind_addr(sqlite3_stmt *st, int i, const struct addr *a)
{
	uint8_t b[16];

	store_addr16(a, b);
	sqlite3_bind_blob(st, i, b, 16, SQLITE_TRANSIENT);
}

static void
col_addr(sqlite3_stmt *st, int i, struct addr *a)
{
	const void *p = sqlite3_column_blob(st, i);

	memset(a, 0, sizeof(*a));
	if (p != NULL && sqlite3_column_bytes(st, i) == 16)
		store_addr_from16(p, a);
}

static void
col_str(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *p = sqlite3_column_text(st, i);

	strlcpy(dst, p != NULL ? (const char *)p : "", len);
}

static void *
ckpt_main(void *arg)
{
	struct checkpointer *ck = arg;
	struct timespec ts;
	int copied;

	(void)pthread_setname_np(pthread_self(), "checkpointer");
	pthread_mutex_lock(&ck->mu);
	while (!ck->stop) {
		if (ck->frames - ck->done < CKPT_WAKE) {
			/* Idle, or trickling: checkpoint once a second. */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec++;
			if (pthread_cond_timedwait(&ck->cv, &ck->mu, &ts) == 0 &&
			    ck->frames - ck->done < CKPT_WAKE)
				continue;
			if (ck->stop)
				break;
			if (ck->frames <= ck->done)
				continue;
		}
		pthread_mutex_unlock(&ck->mu);
		/* PASSIVE never blocks the writer; what it cannot copy
		 * now (frames newer than a reader's snapshot) waits for
		 * the next round. */
		copied = 0;
		(void)sqlite3_wal_checkpoint_v2(ck->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, &copied);
		pthread_mutex_lock(&ck->mu);
		if (copied > ck->done)
			ck->done = copied;
	}
	pthread_mutex_unlock(&ck->mu);
	return NULL;
}

/* Called by SQLite after each commit of the writer, outside its locks. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *ck = arg;

	if (frames >= CKPT_RESTART)
		(void)sqlite3_wal_checkpoint_v2(db, name,
		    SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	pthread_mutex_lock(&ck->mu);
	if (frames < ck->frames)
		ck->done = 0;		/* the WAL started over */
	ck->frames = frames;
	if (frames - ck->done >= CKPT_WAKE)
		pthread_cond_signal(&ck->cv);
	pthread_mutex_unlock(&ck->mu);
	return SQLITE_OK;
}

/*
 * Checkpointers are per database file and shared by the connections of
 * this process that ingest into it (the server's pool): one thread, one
 * connection, however many writers take turns.
 */
static pthread_mutex_t ckpt_mu = PTHREAD_MUTEX_INITIALIZER;
static struct checkpointer *ckpt_list;

/* Take checkpoints off this connection.  On failure the connection keeps
 * SQLite's own automatic checkpoints, which is slower but correct. */
static void
ckpt_start(struct sqlite_store *ss)
{
	struct checkpointer *ck;

	pthread_mutex_lock(&ckpt_mu);
	for (ck = ckpt_list; ck != NULL; ck = ck->next)
		if (strcmp(ck->path, ss->path) == 0)
			break;
	if (ck == NULL) {
		if ((ck = calloc(1, sizeof(*ck))) == NULL ||
		    (ck->path = strdup(ss->path)) == NULL)
			goto fail;
		if (sqlite3_open_v2(ss->path, &ck->db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_busy_timeout(ck->db, 10000);
		/* Until it reads something, a connection does not know
		 * that the file is in WAL mode, and checkpoints nothing. */
		if (sqlite3_exec(ck->db, "SELECT count(*) FROM sqlite_schema",
		    NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		pthread_mutex_init(&ck->mu, NULL);
		pthread_cond_init(&ck->cv, NULL);
		if (pthread_create(&ck->thread, NULL, ckpt_main, ck) != 0) {
			pthread_mutex_destroy(&ck->mu);
			pthread_cond_destroy(&ck->cv);
			goto fail;
		}
		ck->next = ckpt_list;
		ckpt_list = ck;
	}
	ck->refs++;
	sqlite3_wal_hook(ss->db, ckpt_hook, ck);
	ss->ckpt = ck;
	pthread_mutex_unlock(&ckpt_mu);
	return;
fail:
	if (ck != NULL) {
		sqlite3_close(ck->db);
		free(ck->path);
	}
	free(ck);
	pthread_mutex_unlock(&ckpt_mu);
}

static void
ckpt_stop(struct sqlite_store *ss)
{
	struct checkpointer *ck = ss->ckpt, **pp;

	if (ck == NULL)
		return;
	sqlite3_wal_autocheckpoint(ss->db, 1000);
	ss->ckpt = NULL;
	pthread_mutex_lock(&ckpt_mu);
	if (--ck->refs > 0) {
		pthread_mutex_unlock(&ckpt_mu);
		return;
	}
	for (pp = &ckpt_list; *pp != ck; pp = &(*pp)->next)
		;
	*pp = ck->next;
	pthread_mutex_unlock(&ckpt_mu);
	pthread_mutex_lock(&ck->mu);
	ck->stop = 1;
	pthread_cond_signal(&ck->cv);
	pthread_mutex_unlock(&ck->mu);
	pthread_join(ck->thread, NULL);
	pthread_mutex_destroy(&ck->mu);
	pthread_cond_destroy(&ck->cv);
	sqlite3_close(ck->db);
	free(ck->path);
	free(ck);
}

static void
sqlite_close(struct store *s)
{
	struct sqlite_store *ss = S(s);
	int i;

	ckpt_stop(ss);
	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(ss->q[i]);
	sqlite3_close(ss->db);
	free(ss->path);
	free(ss);
}

static int
sqlite_schema_version(struct store *s, int *v)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ss->db, "SELECT coalesce(max(version), 0) "
	    "FROM schema_migrations", -1, &st, NULL) != SQLITE_OK)
		return dberr(ss, "schema version");
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : dberr(ss, "schema version");
}

/* Apply the migrations this binary has and the file lacks, each in its own
 * transaction with its schema_migrations row. */
static int
migrate(struct sqlite_store *ss)
{
	const struct migration *m;
	sqlite3_stmt *st = NULL;
	char *msg = NULL;
	int have;

	if (sqlite3_exec(ss->db, "CREATE TABLE IF NOT EXISTS "
	    "schema_migrations (version INTEGER PRIMARY KEY, "
	    "name TEXT NOT NULL, applied INTEGER NOT NULL)", NULL, NULL,
	    NULL) != SQLITE_OK)
		return dberr(ss, "schema_migrations");
	if (sqlite_schema_version(&ss->base, &have) == -1)
		return -1;
	if (have > store_schema_latest(&ss->base)) {
		store_seterr(&ss->base, "database schema version %d is newer "
		    "than this program's %d", have,
		    store_schema_latest(&ss->base));
		return -1;
	}
	for (m = ss->base.migrations; m->sql != NULL; m++) {
		if (m->version <= have)
			continue;
		if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL) != SQLITE_OK)
			return dberr(ss, "migration begin");
		if (sqlite3_exec(ss->db, m->sql, NULL, NULL, &msg) !=
		    SQLITE_OK) {
			store_seterr(&ss->base, "migration %03d_%s: %s",
			    m->version, m->name, msg ? msg : "?");
			sqlite3_free(msg);
			goto fail;
		}
		if (sqlite3_prepare_v2(ss->db, "INSERT INTO schema_migrations "
		    "(version, name, applied) VALUES (?1, ?2, ?3)", -1, &st,
		    NULL) != SQLITE_OK) {
			dberr(ss, "migration record");
			goto fail;
		}
		sqlite3_bind_int(st, 1, m->version);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, store_now());
		if (sqlite3_step(st) != SQLITE_DONE) {
			dberr(ss, "migration record");
			goto fail;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			dberr(ss, "migration commit");
			goto fail;
		}
	}
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
sqlite_org_add(struct store *s, const char *name, int64_t *id)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_ORG_ADD);

	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, store_now());
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(ss->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			store_seterr(s, "organization %s exists", name);
		else
			dberr(ss, "add organization");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(ss->db);
	return 0;
}

static int
sqlite_org_list(struct store *s, int (*cb)(void *, int64_t, const char *),
    void *arg)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_ORG_LIST);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(arg, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1)) == -1)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    dberr(ss, "list organizations");
}

static int
sqlite_sensor_add(struct store *s, const char *name, const char *org,
    const char *token, int64_t expires)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_ADD);
	int rc;

	bind_text(st, 1, name);
	bind_text(st, 2, org);
	sqlite3_bind_int64(st, 3, store_now());
	bind_text(st, 4, token);
	sqlite3_bind_int64(st, 5, expires);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(ss->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			store_seterr(s, "sensor %s exists", name);
		else
			dberr(ss, "add sensor");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	if (sqlite3_changes(ss->db) != 1) {
		store_seterr(s, "no such organization: %s", org);
		return -1;
	}
	return 0;
}

static void
sensor_row(sqlite3_stmt *st, struct store_sensor *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	col_str(st, 1, o->name, sizeof(o->name));
	col_str(st, 2, o->org, sizeof(o->org));
	col_str(st, 3, o->cert_serial, sizeof(o->cert_serial));
	o->revoked = sqlite3_column_int(st, 4);
	o->token_expires = sqlite3_column_int64(st, 5);
	o->last_seen = sqlite3_column_int64(st, 6);
	o->last_seq = (uint64_t)sqlite3_column_int64(st, 7);
	o->backlog = (uint64_t)sqlite3_column_int64(st, 8);
	o->claimed = (uint64_t)sqlite3_column_int64(st, 9);
}

static int
sqlite_sensor_get(struct store *s, const char *name, struct store_sensor *o)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_GET);
	int rc;

	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sensor_row(st, o);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : dberr(ss, "get sensor");
}

static int
sqlite_sensor_list(struct store *s,
    int (*cb)(void *, const struct store_sensor *), void *arg)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_LIST);
	struct store_sensor o;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sensor_row(st, &o);
		if (cb(arg, &o) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    dberr(ss, "list sensors");
}

static int
update1(struct sqlite_store *ss, sqlite3_stmt *st, const char *what)
{
	if (run(ss, st, what) == -1)
		return -1;
	return sqlite3_changes(ss->db) == 1 ? 0 : 1;
}

static int
sqlite_sensor_retoken(struct store *s, const char *name, const char *token,
    int64_t expires)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_RETOKEN);
	int rc;

	bind_text(st, 1, name);
	bind_text(st, 2, token);
	sqlite3_bind_int64(st, 3, expires);
	if ((rc = update1(ss, st, "new token")) == 1)
		store_seterr(s, "no such sensor: %s", name);
	return rc == 0 ? 0 : -1;
}

static int
sqlite_sensor_take_token(struct store *s, const char *token, int64_t now,
    char *name, size_t namelen)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_TAKE);
	int rc;

	bind_text(st, 1, token);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_str(st, 0, name, namelen);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : dberr(ss, "take token");
}

static int
sqlite_sensor_set_cert(struct store *s, const char *name, const char *serial)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_CERT);
	int rc;

	bind_text(st, 1, name);
	bind_text(st, 2, serial);
	if ((rc = update1(ss, st, "set certificate")) == 1)
		store_seterr(s, "no such sensor: %s", name);
	return rc == 0 ? 0 : -1;
}

static int
sqlite_sensor_revoke(struct store *s, const char *name)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_REVOKE);

	bind_text(st, 1, name);
	return update1(ss, st, "revoke");
}

static int
sqlite_sensor_heartbeat(struct store *s, int64_t id, int64_t now,
    uint64_t backlog, uint64_t claimed, const char *counters)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_SENSOR_HEARTBEAT);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, (int64_t)backlog);
	sqlite3_bind_int64(st, 4, (int64_t)claimed);
	bind_text(st, 5, counters);
	return run(ss, st, "heartbeat");
}

static void
conn_bind_row(struct sqlite_store *ss, sqlite3_stmt *st,
    const struct store_conn *r)
{
	sqlite3_bind_int64(st, 1, ss->sid);
	sqlite3_bind_int64(st, 2, (int64_t)r->conn);
	sqlite3_bind_int64(st, 3, r->ts);
	sqlite3_bind_int64(st, 4, r->end_ts);
	sqlite3_bind_int(st, 5, r->proto);
	bind_addr(st, 6, &r->src);
	sqlite3_bind_int(st, 7, r->sport);
	bind_addr(st, 8, &r->dst);
	sqlite3_bind_int(st, 9, r->dport);
	bind_text(st, 10, r->template);
	bind_text(st, 11, r->service);
	sqlite3_bind_int64(st, 12, (int64_t)r->pkts_in);
	sqlite3_bind_int64(st, 13, (int64_t)r->pkts_out);
	sqlite3_bind_int64(st, 14, (int64_t)r->bytes_in);
	sqlite3_bind_int64(st, 15, (int64_t)r->bytes_out);
	sqlite3_bind_int(st, 16, r->flags);
	sqlite3_bind_int(st, 17, r->reason);
}

/*
 * A start stored after its connection's row: the row's ts becomes the
 * earlier one, and so does its entry in conn_src and conn_dst if the
 * address indexer has covered it (003_addr_index.sql).
 */
static int
conn_move_ts(struct sqlite_store *ss, const struct store_conn *r)
{
	sqlite3_stmt *st = Q(ss, Q_CONN_TS_GET);
	uint8_t src[16], dst[16];
	int64_t id, ts;
	int covered, i, rc;

	sqlite3_bind_int64(st, 1, ss->sid);
	sqlite3_bind_int64(st, 2, (int64_t)r->conn);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW ||
	    sqlite3_column_bytes(st, 2) != 16 ||
	    sqlite3_column_bytes(st, 3) != 16) {
		sqlite3_reset(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			return 0;	/* not ours to judge: stored as is */
		return dberr(ss, "connection ts");
	}
	id = sqlite3_column_int64(st, 0);
	ts = sqlite3_column_int64(st, 1);
	memcpy(src, sqlite3_column_blob(st, 2), 16);
	memcpy(dst, sqlite3_column_blob(st, 3), 16);
	covered = sqlite3_column_int(st, 4);
	sqlite3_reset(st);
	if (ts <= r->ts)
		return 0;
	st = Q(ss, Q_CONN_TS_SET);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, r->ts);
	if (run(ss, st, "connection ts") == -1)
		return -1;
	for (i = 0; covered && i < 2; i++) {
		st = Q(ss, i == 0 ? Q_SRC_TS_SET : Q_DST_TS_SET);
		sqlite3_bind_blob(st, 1, i == 0 ? src : dst, 16,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, ts);
		sqlite3_bind_int64(st, 3, id);
		sqlite3_bind_int64(st, 4, r->ts);
		if (run(ss, st, "address index ts") == -1)
			return -1;
	}
	return 0;
}

/* One folded connection row (store_fold_connections); start: a start
 * event was among its events. */
static int
conn_upsert(void *arg, const struct store_conn *r, int start)
{
	struct sqlite_store *ss = arg;
	sqlite3_stmt *st = Q(ss, Q_CONN_ADD);

	conn_bind_row(ss, st, r);
	if (run(ss, st, "store connection") == -1)
		return -1;
	if (sqlite3_changes(ss->db) > 0)
		return 0;
	st = Q(ss, Q_CONN_MERGE);
	conn_bind_row(ss, st, r);
	if (run(ss, st, "merge connection") == -1)
		return -1;
	return start ? conn_move_ts(ss, r) : 0;
}

/* The kind's own table, for an event stored for the first time
 * (connections are folded per batch by ingest_batch). */
static int
ingest_derived(struct sqlite_store *ss, int64_t sid, const struct event *e)
{
	sqlite3_stmt *st;
	char hex[65];
	int i;

	switch (e->kind) {
	case EVENT_PAYLOAD: {
		const struct event_payload *p = &e->u.payload;

		st = Q(ss, Q_PAYLOAD_ADD);
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_int64(st, 2, (int64_t)e->seq);
		sqlite3_bind_int64(st, 3, (int64_t)p->conn);
		sqlite3_bind_int64(st, 4, e->ts);
		sqlite3_bind_int(st, 5, p->dir);
		sqlite3_bind_int64(st, 6, (int64_t)p->offset);
		sqlite3_bind_blob(st, 7, p->data, (int)p->len, SQLITE_STATIC);
		return run(ss, st, "store payload");
	}
	case EVENT_UPLOAD: {
		const struct event_upload *u = &e->u.upload;

		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", u->sha256[i]);
		st = Q(ss, Q_UPLOAD_ADD);
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_int64(st, 2, (int64_t)e->seq);
		sqlite3_bind_int64(st, 3, (int64_t)u->conn);
		sqlite3_bind_int64(st, 4, e->ts);
		bind_text(st, 5, u->name);
		sqlite3_bind_int64(st, 6, (int64_t)u->size);
		sqlite3_bind_text(st, 7, hex, 64, SQLITE_TRANSIENT);
		return run(ss, st, "store upload");
	}
	case EVENT_ALERT: {
		const struct event_alert *a = &e->u.alert;

		st = Q(ss, Q_ALERT_ADD);
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_int64(st, 2, (int64_t)e->seq);
		sqlite3_bind_int64(st, 3, e->ts);
		sqlite3_bind_int64(st, 4, a->sid);
		sqlite3_bind_int64(st, 5, a->rev);
		sqlite3_bind_int(st, 6, a->priority);
		bind_text(st, 7, a->classtype);
		bind_text(st, 8, a->msg);
		sqlite3_bind_int(st, 9, a->t.proto);
		if (a->t.proto != 0) {
			bind_addr(st, 10, &a->t.src);
			bind_addr(st, 12, &a->t.dst);
		}
		sqlite3_bind_int(st, 11, a->t.sport);
		sqlite3_bind_int(st, 13, a->t.dport);
		sqlite3_bind_int64(st, 14, (int64_t)a->conn);
		return run(ss, st, "store alert");
	}
	default:
		/* service, claim, heartbeat: the events row is the record. */
		return 0;
	}
}

/* One batch inside the caller's transaction. */
static int
ingest_batch(struct sqlite_store *ss, struct store_batch *b)
{
	sqlite3_stmt *st;
	uint64_t maxseq = 0;
	size_t i, *conns, nconns = 0;
	int rc = -1;

	/* The batch's new connection events, folded into rows after. */
	if ((conns = calloc(b->n ? b->n : 1, sizeof(*conns))) == NULL) {
		store_seterr(&ss->base, "out of memory");
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		const struct event *e = &b->evs[i];

		st = Q(ss, Q_EVENT_ADD);
		sqlite3_bind_int64(st, 1, b->sensor_id);
		sqlite3_bind_int64(st, 2, (int64_t)e->seq);
		sqlite3_bind_int64(st, 3, e->ts);
		sqlite3_bind_int(st, 4, e->kind);
		sqlite3_bind_text(st, 5, b->lines[i], (int)b->lens[i],
		    SQLITE_STATIC);
		if (run(ss, st, "store event") == -1)
			goto done;
		if (e->seq > maxseq)
			maxseq = e->seq;
		if (sqlite3_changes(ss->db) == 0)
			continue;	/* a replay */
		b->stored++;
		if (e->kind == EVENT_CONNECTION)
			conns[nconns++] = i;
		else if (ingest_derived(ss, b->sensor_id, e) == -1)
			goto done;
	}
	ss->sid = b->sensor_id;
	if (store_fold_connections(b->evs, conns, nconns, conn_upsert, ss) ==
	    -1)
		goto done;
	st = Q(ss, Q_SENSOR_SEEN);
	sqlite3_bind_int64(st, 1, b->sensor_id);
	sqlite3_bind_int64(st, 2, store_now());
	sqlite3_bind_int64(st, 3, (int64_t)maxseq);
	rc = run(ss, st, "sensor last seq");
done:
	free(conns);
	return rc;
}

/*
 * The address indexer: connections rows above conn_indexed.upto go into
 * conn_src and conn_dst in key order, in a transaction of their own.
 * The writer runs it between groups, when INDEX_ROWS new rows may have
 * piled up or a second has passed: SQLite has one writer at a time, so
 * a thread of its own would only wait for the same lock.  A chunk of
 * thousands of rows dirties each leaf page of those b-trees about once;
 * indexed row by row, each row dirtied a page of each.
 */
#define INDEX_ROWS	32768
#define INDEX_CHUNK	(4 * INDEX_ROWS)	/* a bound on one transaction */

static int
addr_index_due(struct sqlite_store *ss)
{
	struct timespec now;

	if (ss->unindexed >= INDEX_ROWS)
		return 1;
	if (ss->unindexed == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - ss->indexed_at.tv_sec > 1 ||
	    (now.tv_sec - ss->indexed_at.tv_sec == 1 &&
	    now.tv_nsec >= ss->indexed_at.tv_nsec);
}

/* Index at most INDEX_CHUNK rows; sets ss->unindexed to what is left. */
static int
addr_index_catch_up(struct sqlite_store *ss)
{
	sqlite3_stmt *st;
	int64_t lo, hi, top;
	int i;

	if (begin(ss) == -1)
		return -1;
	st = Q(ss, Q_INDEX_RANGE);
	if (sqlite3_step(st) != SQLITE_ROW) {
		dberr(ss, "index range");
		sqlite3_reset(st);
		goto fail;
	}
	lo = sqlite3_column_int64(st, 0);
	top = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	hi = top - lo > INDEX_CHUNK ? lo + INDEX_CHUNK : top;
	if (hi > lo) {
		for (i = Q_INDEX_SRC; i <= Q_INDEX_DST; i++) {
			st = Q(ss, i);
			sqlite3_bind_int64(st, 1, lo);
			sqlite3_bind_int64(st, 2, hi);
			if (run(ss, st, "index addresses") == -1)
				goto fail;
		}
		st = Q(ss, Q_INDEX_MARK);
		sqlite3_bind_int64(st, 1, hi);
		if (run(ss, st, "index mark") == -1)
			goto fail;
	}
	if (commit(ss) == -1)
		goto fail;
	ss->unindexed = top > hi ? (uint64_t)(top - hi) : 0;
	clock_gettime(CLOCK_MONOTONIC, &ss->indexed_at);
	return 0;
fail:
	rollback(ss);
	return -1;
}

static int
sqlite_maintain(struct store *s)
{
	struct sqlite_store *ss = S(s);

	do {
		if (addr_index_catch_up(ss) == -1)
			return -1;
	} while (ss->unindexed > 0);
	return 0;
}

static int
sqlite_ingest(struct store *s, struct store_batch *b, size_t nb)
{
	struct sqlite_store *ss = S(s);
	size_t i;

	if (ss->ckpt == NULL)
		ckpt_start(ss);
	if (begin(ss) == -1)
		return -1;
	for (i = 0; i < nb; i++)
		if (ingest_batch(ss, &b[i]) == -1)
			goto fail;
	if (commit(ss) == -1)
		goto fail;
	for (i = 0; i < nb; i++)
		ss->unindexed += b[i].stored;
	/* The batches are stored whatever this does: a failure only
	 * leaves more rows to the listing's rowid range, for next time. */
	if (addr_index_due(ss))
		(void)addr_index_catch_up(ss);
	return 0;
fail:
	rollback(ss);
	for (i = 0; i < nb; i++)
		b[i].stored = 0;
	return -1;
}

static int
sqlite_capture_add(struct store *s, int64_t sid, const char *name,
    const char *sha, uint64_t size, const char *path, int64_t now)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_CAPTURE_GET);
	char have[65];
	int rc;

	bind_text(st, 2, name);
	sqlite3_bind_int64(st, 1, sid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_str(st, 0, have, sizeof(have));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return strcmp(have, sha) == 0 ? 1 : 2;
	if (rc != SQLITE_DONE)
		return dberr(ss, "capture");
	st = Q(ss, Q_CAPTURE_ADD);
	sqlite3_bind_int64(st, 1, sid);
	bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, (int64_t)size);
	bind_text(st, 4, sha);
	bind_text(st, 5, path);
	sqlite3_bind_int64(st, 6, now);
	return run(ss, st, "store capture");
}

static int
sqlite_import(struct store *s, int64_t sid, struct store_batch *b, size_t nb,
    const char *name, const char *sha, uint64_t size, const char *path,
    int64_t now)
{
	struct sqlite_store *ss = S(s);
	size_t i;
	int rc;

	if (begin(ss) == -1)
		return -1;
	if ((rc = sqlite_capture_add(s, sid, name, sha, size, path, now)) != 0)
		goto out;
	for (i = 0; i < nb; i++)
		if (ingest_batch(ss, &b[i]) == -1) {
			rc = -1;
			goto out;
		}
	if (commit(ss) == -1) {
		rc = -1;
		goto out;
	}
	return 0;
out:
	rollback(ss);
	for (i = 0; i < nb; i++)
		b[i].stored = 0;
	return rc == -1 ? -1 : 1;
}

static int
sqlite_user_add(struct store *s, const char *name, const char *org,
    const char *role, const char *pwhash)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_USER_ADD);

	bind_text(st, 1, name);
	bind_text(st, 2, org);
	bind_text(st, 3, role);
	bind_text(st, 4, pwhash);
	sqlite3_bind_int64(st, 5, store_now());
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(ss->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			store_seterr(s, "user %s exists", name);
		else
			dberr(ss, "add user");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

static int
sqlite_audit(struct store *s, const char *actor, const char *action,
    const char *object, const char *detail, int64_t now)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_AUDIT);

	sqlite3_bind_int64(st, 1, now);
	bind_text(st, 2, actor);
	bind_text(st, 3, action);
	bind_text(st, 4, object);
	bind_text(st, 5, detail ? detail : "");
	return run(ss, st, "audit");
}

/* Which listing statement serves f. */
static int
conn_which(const struct store_conn_filter *f)
{
	if (f->has_src && f->src.plen == (f->src.addr.af == AF_INET ? 32 :
	    128))
		return Q_CONNS_SRC;
	if (f->dport >= 0)
		return Q_CONNS_DPORT;
	if (f->sensor != NULL)
		return Q_CONNS_SENSOR;
	return Q_CONNS;
}

static void
conn_bind(sqlite3_stmt *st, const struct store_conn_filter *f)
{
	struct addr lo, hi;

	sqlite3_bind_int64(st, 1, f->since);
	if (f->has_src) {
		cidr_bounds(&f->src, &lo, &hi);
		bind_addr(st, 2, &lo);
		bind_addr(st, 3, &hi);
	}
	if (f->dport >= 0)
		sqlite3_bind_int(st, 4, f->dport);
	bind_text(st, 5, f->sensor);
	if (f->before_ts == 0) {
		sqlite3_bind_int64(st, 6, INT64_MAX);
		sqlite3_bind_int64(st, 7, INT64_MAX);
	} else {
		sqlite3_bind_int64(st, 6, f->before_ts);
		sqlite3_bind_int64(st, 7, f->before_id);
	}
	sqlite3_bind_int64(st, 8, f->limit ? (int64_t)f->limit : -1);
}

static int
sqlite_query_connections(struct store *s, const struct store_conn_filter *f,
    int (*cb)(void *, const struct store_conn *), void *arg)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, conn_which(f));
	struct store_conn c;
	int rc;

	conn_bind(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.id = sqlite3_column_int64(st, 0);
		col_str(st, 1, c.sensor, sizeof(c.sensor));
		c.conn = (uint64_t)sqlite3_column_int64(st, 2);
		c.ts = sqlite3_column_int64(st, 3);
		c.end_ts = sqlite3_column_int64(st, 4);
		c.proto = (uint8_t)sqlite3_column_int(st, 5);
		col_addr(st, 6, &c.src);
		c.sport = (uint16_t)sqlite3_column_int(st, 7);
		col_addr(st, 8, &c.dst);
		c.dport = (uint16_t)sqlite3_column_int(st, 9);
		col_str(st, 10, c.template, sizeof(c.template));
		col_str(st, 11, c.service, sizeof(c.service));
		c.pkts_in = (uint64_t)sqlite3_column_int64(st, 12);
		c.pkts_out = (uint64_t)sqlite3_column_int64(st, 13);
		c.bytes_in = (uint64_t)sqlite3_column_int64(st, 14);
		c.bytes_out = (uint64_t)sqlite3_column_int64(st, 15);
		c.flags = (uint8_t)sqlite3_column_int(st, 16);
		c.reason = (uint8_t)sqlite3_column_int(st, 17);
		if (cb(arg, &c) == -1)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    dberr(ss, "query connections");
}

/* EXPLAIN QUERY PLAN of the very statement the listing runs for f, with
 * the same bindings: one line per plan step. */
static int
sqlite_explain_connections(struct store *s,
    const struct store_conn_filter *f, char *out, size_t outlen)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *ex;
	char q[4096];
	size_t n = 0;
	int rc;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql[conn_which(f)]);
	if (sqlite3_prepare_v2(ss->db, q, -1, &ex, NULL) != SQLITE_OK)
		return dberr(ss, "explain");
	conn_bind(ex, f);
	out[0] = '\0';
	while ((rc = sqlite3_step(ex)) == SQLITE_ROW && n < outlen) {
		const unsigned char *d = sqlite3_column_text(ex, 3);

		n += (size_t)snprintf(out + n, outlen - n, "%s\n",
		    d ? (const char *)d : "");
	}
	sqlite3_finalize(ex);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 :
	    dberr(ss, "explain");
}

static int
sqlite_export(struct store *s, const char *sensor, int64_t since,
    int (*cb)(void *, const char *, size_t), void *arg)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_EXPORT);
	int rc;

	bind_text(st, 1, sensor);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0)) == -1)
			break;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    dberr(ss, "export");
}

static int
sqlite_count(struct store *s, int t, uint64_t *n)
{
	struct sqlite_store *ss = S(s);
	sqlite3_stmt *st = Q(ss, Q_COUNT0 + t);
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : dberr(ss, "count");
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	/* One ingest writer, the others read beside it (WAL). */
	.max_conns = 4,
	.one_writer = 1,
	.close = sqlite_close,
	.schema_version = sqlite_schema_version,
	.org_add = sqlite_org_add,
	.org_list = sqlite_org_list,
	.sensor_add = sqlite_sensor_add,
	.sensor_get = sqlite_sensor_get,
	.sensor_list = sqlite_sensor_list,
	.sensor_retoken = sqlite_sensor_retoken,
	.sensor_take_token = sqlite_sensor_take_token,
	.sensor_set_cert = sqlite_sensor_set_cert,
	.sensor_revoke = sqlite_sensor_revoke,
	.sensor_heartbeat = sqlite_sensor_heartbeat,
	.ingest = sqlite_ingest,
	.import = sqlite_import,
	.capture_add = sqlite_capture_add,
	.user_add = sqlite_user_add,
	.audit = sqlite_audit,
	.query_connections = sqlite_query_connections,
	.explain_connections = sqlite_explain_connections,
	.export = sqlite_export,
	.count = sqlite_count,
	.maintain = sqlite_maintain,
};

struct store *
store_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_store *ss;
	int i;

	if ((ss = calloc(1, sizeof(*ss))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	ss->base.ops = &sqlite_ops;
	ss->base.migrations = sqlite_migrations;
	ss->unindexed = 1;	/* what an earlier run left: at the first batch */
	if ((ss->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, ss->db ?
		    sqlite3_errmsg(ss->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(ss->db, 10000);
	sqlite3_extended_result_codes(ss->db, 1);
	if (sqlite3_exec(ss->db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
	    "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(ss->db));
		goto fail;
	}
	if (migrate(ss) == -1) {
		snprintf(err, errlen, "%s: %s", path, ss->base.err);
		goto fail;
	}
	for (i = 0; i < Q_MAX; i++)
		if (sqlite3_prepare_v3(ss->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &ss->q[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: statement %d: %s", path, i,
			    sqlite3_errmsg(ss->db));
			goto fail;
		}
	return &ss->base;
fail:
	sqlite_close(&ss->base);
	return NULL;
}
