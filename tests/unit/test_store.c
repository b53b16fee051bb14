/*
 * The store, run against both backends: SQLite in a temporary file, and
 * PostgreSQL at $DIAS_PG_URL (scripts/pg.sh start DIR prints one).  Without
 * DIAS_PG_URL the PostgreSQL half is skipped with a message.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "buf.h"
#include "event.h"
#include "store.h"

static const char *url;		/* the backend under test */
static char sqlite_url[256];
static char sqlite_dir[64];

struct batch {
	struct event	*evs;
	char		**lines;
	size_t		*lens;
	size_t		 n;
};

static void
set_addr(struct addr *a, const char *s)
{
	if (addr_parse(s, a) == -1)
		fail_msg("bad address %s", s);
}

/* Event seq of sensor: connection start/end pairs, a payload and an
 * alert now and then. */
static void
make_event(struct event *e, const char *sensor, uint64_t seq)
{
	uint64_t conn = (seq + 1) / 2;
	char src[32];

	switch (seq % 10) {
	case 7:
		event_init(e, EVENT_PAYLOAD);
		e->u.payload.conn = conn;
		e->u.payload.dir = EVENT_IN;
		if (event_set_data(e, "GET / HTTP/1.0\r\n\r\n", 18) == -1)
			fail();
		break;
	case 9:
		event_init(e, EVENT_ALERT);
		e->u.alert.sid = 2000000 + (uint32_t)seq;
		e->u.alert.priority = 2;
		strlcpy(e->u.alert.msg, "ET SCAN \"test\"", sizeof(e->u.alert.msg));
		break;
	default:
		event_init(e, EVENT_CONNECTION);
		e->u.connection.phase = seq % 2 ? EVENT_START : EVENT_END;
		e->u.connection.conn = conn;
		e->u.connection.t.proto = IPPROTO_TCP;
		snprintf(src, sizeof(src), "203.0.113.%u", (unsigned)(conn % 5));
		set_addr(&e->u.connection.t.src, src);
		set_addr(&e->u.connection.t.dst, "10.0.0.23");
		e->u.connection.t.sport = 40000;
		e->u.connection.t.dport = conn % 3 ? 445 : 22;
		strlcpy(e->u.connection.template, "win2k",
		    sizeof(e->u.connection.template));
		if (e->u.connection.phase == EVENT_END) {
			e->u.connection.pkts_in = 3;
			e->u.connection.bytes_in = 120;
			e->u.connection.flags = 0x12;
			e->u.connection.reason = EVENT_FIN;
		}
		break;
	}
	strlcpy(e->sensor, sensor, sizeof(e->sensor));
	e->seq = seq;
	e->ts = 1700000000000000 + (int64_t)seq * 1000;
}

static void
batch_make(struct batch *b, const char *sensor, uint64_t first, size_t n)
{
	struct buf out;
	char err[256];
	size_t i;

	b->n = n;
	assert_non_null(b->evs = calloc(n, sizeof(*b->evs)));
	assert_non_null(b->lines = calloc(n, sizeof(*b->lines)));
	assert_non_null(b->lens = calloc(n, sizeof(*b->lens)));
	for (i = 0; i < n; i++) {
		make_event(&b->evs[i], sensor, first + i);
		buf_init(&out, EVENT_LINE_MAX);
		if (event_encode(&b->evs[i], &out, err, sizeof(err)) == -1)
			fail_msg("encode: %s", err);
		b->lens[i] = out.len - 1;	/* without the newline */
		b->lines[i] = (char *)out.data;
	}
}

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		event_clear(&b->evs[i]);
		free(b->lines[i]);
	}
	free(b->evs);
	free(b->lines);
	free(b->lens);
}

static int
ingest(struct store *s, int64_t sid, struct batch *b, size_t *stored)
{
	return store_ingest(s, sid, b->evs, (const char *const *)b->lines,
	    b->lens, b->n, stored);
}

static uint64_t
count(struct store *s, const char *table)
{
	uint64_t n = 0;

	if (store_count(s, table, &n) == -1)
		fail_msg("count %s: %s", table, store_error(s));
	return n;
}

/* A fresh, empty database for every test. */
static int
setup(void **state)
{
	char err[512];
	struct store *s;

	if (strncmp(url, "sqlite", 6) == 0) {
		char path[256];

		snprintf(path, sizeof(path), "%s/dias.db", sqlite_dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/dias.db-wal", sqlite_dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/dias.db-shm", sqlite_dir);
		unlink(path);
	} else {
		PGconn *c = PQconnectdb(url);
		PGresult *r;

		if (PQstatus(c) != CONNECTION_OK)
			fail_msg("%s", PQerrorMessage(c));
		r = PQexec(c, "SET client_min_messages = warning; "
		    "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("%s", PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(c);
	}
	if ((s = store_open(url, err, sizeof(err))) == NULL)
		fail_msg("open %s: %s", url, err);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	store_close(*state);
	return 0;
}

static int64_t
add_sensor(struct store *s, const char *name)
{
	struct store_sensor ss;

	(void)store_org_add(s, "nctu", NULL);
	if (store_sensor_add(s, name, "nctu", NULL, 0) == -1)
		fail_msg("add sensor: %s", store_error(s));
	assert_int_equal(store_sensor_get(s, name, &ss), 0);
	return ss.id;
}

static void
test_store_creates_schema_on_first_open(void **state)
{
	struct store *s = *state, *again;
	char err[512];
	int v;

	assert_int_equal(store_schema_version(s, &v), 0);
	assert_int_equal(v, store_schema_latest(s));
	assert_true(v >= 1);
	/* Opening again applies nothing and keeps the data. */
	assert_int_equal(store_org_add(s, "nctu", NULL), 0);
	assert_non_null(again = store_open(url, err, sizeof(err)));
	assert_int_equal(store_schema_version(again, &v), 0);
	assert_int_equal(v, store_schema_latest(again));
	assert_int_equal(count(again, "organizations"), 1);
	store_close(again);
}

static void
test_store_batch_replayed_three_times_is_stored_once(void **state)
{
	struct store *s = *state;
	struct batch b;
	size_t stored;
	int64_t sid = add_sensor(s, "s1");
	int i;

	batch_make(&b, "s1", 1, 1000);
	for (i = 0; i < 3; i++) {
		if (ingest(s, sid, &b, &stored) == -1)
			fail_msg("ingest: %s", store_error(s));
		assert_int_equal(stored, i == 0 ? 1000 : 0);
	}
	assert_int_equal(count(s, "events"), 1000);
	assert_int_equal(count(s, "payloads"), 100);
	assert_int_equal(count(s, "alerts"), 100);
	/* seq 2k-1 and 2k belong to conn k; each conn has at least one
	 * connection event (slots 7 and 9 are payload and alert). */
	assert_int_equal(count(s, "connections"), 500);
	batch_free(&b);
}

static void
test_store_overlapping_batch_adds_only_new_events(void **state)
{
	struct store *s = *state;
	struct batch a, b;
	struct store_sensor ss;
	size_t stored;
	int64_t sid = add_sensor(s, "s1");

	batch_make(&a, "s1", 1, 100);
	batch_make(&b, "s1", 51, 100);
	assert_int_equal(ingest(s, sid, &a, &stored), 0);
	assert_int_equal(stored, 100);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	assert_int_equal(stored, 50);
	assert_int_equal(count(s, "events"), 150);
	assert_int_equal(count(s, "payloads"), 15);
	assert_int_equal(store_sensor_get(s, "s1", &ss), 0);
	assert_int_equal(ss.last_seq, 150);
	batch_free(&a);
	batch_free(&b);
}

static void
test_store_failed_batch_stores_nothing(void **state)
{
	struct store *s = *state;
	struct batch b;
	size_t stored = 99;

	add_sensor(s, "s1");
	batch_make(&b, "s1", 1, 100);
	/* No sensor 4242: the foreign key fails the transaction. */
	assert_int_equal(ingest(s, 4242, &b, &stored), -1);
	assert_string_not_equal(store_error(s), "");
	assert_int_equal(count(s, "events"), 0);
	assert_int_equal(count(s, "connections"), 0);
	/* The connection is usable afterwards. */
	assert_int_equal(store_org_add(s, "other", NULL), 0);
	batch_free(&b);
}

struct collect {
	struct store_conn	 c[64];
	size_t			 n;
};

static int
collect(void *arg, const struct store_conn *c)
{
	struct collect *k = arg;

	if (k->n < 64)
		k->c[k->n++] = *c;
	return 0;
}

static void
test_store_connection_start_and_end_merge(void **state)
{
	struct store *s = *state;
	struct store_conn_filter f = { .dport = -1 };
	struct collect k = { .n = 0 };
	struct batch a, b;
	size_t stored;
	int64_t sid = add_sensor(s, "s1");

	batch_make(&a, "s1", 1, 1);	/* start of conn 1 */
	batch_make(&b, "s1", 2, 1);	/* its end, arriving first */
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	assert_int_equal(ingest(s, sid, &a, &stored), 0);
	assert_int_equal(count(s, "connections"), 1);
	assert_int_equal(store_query_connections(s, &f, collect, &k), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.c[0].ts, a.evs[0].ts);
	assert_int_equal(k.c[0].end_ts, b.evs[0].ts);
	assert_int_equal(k.c[0].pkts_in, 3);
	assert_int_equal(k.c[0].flags, 0x12);
	assert_int_equal(k.c[0].reason, EVENT_FIN);
	batch_free(&a);
	batch_free(&b);
}

/* Start and end of a connection in one batch become one row, written
 * once (the batch is folded), equal to what two batches give. */
static void
test_store_connection_folded_in_one_batch(void **state)
{
	struct store *s = *state;
	struct store_conn_filter f = { .dport = -1 };
	struct collect k = { .n = 0 };
	struct batch a;
	size_t stored;
	int64_t sid = add_sensor(s, "s1");

	batch_make(&a, "s1", 1, 2);	/* start and end of conn 1 */
	assert_int_equal(ingest(s, sid, &a, &stored), 0);
	assert_int_equal(stored, 2);
	assert_int_equal(count(s, "connections"), 1);
	assert_int_equal(store_query_connections(s, &f, collect, &k), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.c[0].conn, 1);
	assert_int_equal(k.c[0].ts, a.evs[0].ts);
	assert_int_equal(k.c[0].end_ts, a.evs[1].ts);
	assert_int_equal(k.c[0].pkts_in, 3);
	assert_int_equal(k.c[0].bytes_in, 120);
	assert_int_equal(k.c[0].flags, 0x12);
	assert_int_equal(k.c[0].reason, EVENT_FIN);
	assert_string_equal(k.c[0].template, "win2k");
	batch_free(&a);
}

static void
test_store_query_connections_filters_and_pages(void **state)
{
	struct store *s = *state;
	struct store_conn_filter f;
	struct collect k;
	struct batch b;
	size_t stored, total = 0;
	int64_t sid = add_sensor(s, "s1");

	batch_make(&b, "s1", 1, 200);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);

	/* dport 22: conn % 3 == 0. */
	memset(&f, 0, sizeof(f));
	f.dport = 22;
	f.limit = 7;
	for (;;) {
		memset(&k, 0, sizeof(k));
		assert_int_equal(store_query_connections(s, &f, collect, &k),
		    0);
		if (k.n == 0)
			break;
		for (size_t i = 0; i < k.n; i++) {
			assert_int_equal(k.c[i].dport, 22);
			assert_int_equal(k.c[i].conn % 3, 0);
			if (i > 0)
				assert_true(k.c[i].ts < k.c[i - 1].ts);
		}
		total += k.n;
		f.before_ts = k.c[k.n - 1].ts;
		f.before_id = k.c[k.n - 1].id;
	}
	/* conns 1..100 with conn % 3 == 0. */
	assert_int_equal(total, 33);

	/* A source prefix. */
	memset(&f, 0, sizeof(f));
	f.dport = -1;
	assert_int_equal(cidr_parse("203.0.113.4/32", &f.src), 0);
	f.has_src = 1;
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_query_connections(s, &f, collect, &k), 0);
	assert_true(k.n > 0);
	for (size_t i = 0; i < k.n; i++) {
		char a[ADDR_STRLEN];

		addr_fmt(&k.c[i].src, a, sizeof(a));
		assert_string_equal(a, "203.0.113.4");
		assert_string_equal(k.c[i].sensor, "s1");
		assert_string_equal(k.c[i].template, "win2k");
	}
	batch_free(&b);
}

/*
 * The console's listing is served by an index in both backends: the
 * dport filter and the (ts, id) keyset bound are one index range on
 * connections_dport (with SQLite also the order: no sort step), and a
 * sensor filter uses connections_sensor.  The plan is the store's own
 * EXPLAIN of the statement the listing runs.
 */
static void
test_store_listing_plan_uses_the_index(void **state)
{
	struct store *s = *state;
	struct store_conn_filter f;
	struct batch b;
	char plan[4096];
	size_t stored, i;
	int64_t sid = add_sensor(s, "s1");

	for (i = 0; i < 5; i++) {
		batch_make(&b, "s1", 1 + i * 1000, 1000);
		assert_int_equal(ingest(s, sid, &b, &stored), 0);
		batch_free(&b);
	}
	memset(&f, 0, sizeof(f));
	f.dport = 445;
	f.before_ts = 1700000000000000 + 2000 * 1000;
	f.before_id = 1000;
	f.limit = 50;
	if (store_explain_connections(s, &f, plan, sizeof(plan)) == -1)
		fail_msg("explain: %s", store_error(s));
	print_message("%s plan, dport:\n%s", store_backend(s), plan);
	if (strcmp(store_backend(s), "sqlite") == 0) {
		assert_non_null(strstr(plan, "USING INDEX connections_dport "
		    "(dport=? AND ts>? AND ts<?)"));
		assert_null(strstr(plan, "TEMP B-TREE"));	/* a sort */
	} else {
		/* Per day partition (002_partitions.sql); how the
		 * partitions' rows are merged depends on their sizes. */
		assert_non_null(strstr(plan, "dport_ts_id_idx"));
		assert_non_null(strstr(plan, "Index Cond: ((dport = "));
		assert_non_null(strstr(plan, "(ROW(ts, id) < ROW("));
	}

	f.dport = -1;
	f.sensor = "s1";
	if (store_explain_connections(s, &f, plan, sizeof(plan)) == -1)
		fail_msg("explain: %s", store_error(s));
	print_message("%s plan, sensor:\n%s", store_backend(s), plan);
	if (strcmp(store_backend(s), "sqlite") == 0) {
		assert_non_null(strstr(plan, "USING INDEX connections_sensor "
		    "(sensor_id=? AND ts>? AND ts<?)"));
		assert_null(strstr(plan, "TEMP B-TREE"));
	} else {
		assert_non_null(strstr(plan, "sensor_id_ts_id_idx"));
		assert_non_null(strstr(plan, "(ROW(ts, id) < ROW("));
	}
}

/* A batch of one connection event of conn from src at ts. */
static void
batch_one(struct batch *b, const char *sensor, uint64_t seq, uint64_t conn,
    int phase, int64_t ts)
{
	struct buf out;
	char err[256];
	struct event *e;

	batch_make(b, sensor, seq, 1);
	e = &b->evs[0];
	event_clear(e);
	event_init(e, EVENT_CONNECTION);
	strlcpy(e->sensor, sensor, sizeof(e->sensor));
	e->seq = seq;
	e->ts = ts;
	e->u.connection.phase = phase;
	e->u.connection.conn = conn;
	e->u.connection.t.proto = IPPROTO_TCP;
	set_addr(&e->u.connection.t.src, "203.0.113.4");
	set_addr(&e->u.connection.t.dst, "10.0.0.23");
	e->u.connection.t.sport = 40001;
	e->u.connection.t.dport = 23;
	if (phase == EVENT_END)
		e->u.connection.reason = EVENT_FIN;
	free(b->lines[0]);
	buf_init(&out, EVENT_LINE_MAX);
	if (event_encode(e, &out, err, sizeof(err)) == -1)
		fail_msg("encode: %s", err);
	b->lens[0] = out.len - 1;
	b->lines[0] = (char *)out.data;
}

/* Every connection from 203.0.113.4, newest first, pages of 7: checks
 * the order and returns how many. */
static size_t
page_source(struct store *s, int64_t before_ts)
{
	struct store_conn_filter f;
	struct collect k;
	size_t total = 0, i;
	char a[ADDR_STRLEN];

	memset(&f, 0, sizeof(f));
	f.dport = -1;
	assert_int_equal(cidr_parse("203.0.113.4", &f.src), 0);
	f.has_src = 1;
	f.limit = 7;
	f.before_ts = before_ts;
	f.before_id = INT64_MAX;
	for (;;) {
		memset(&k, 0, sizeof(k));
		assert_int_equal(store_query_connections(s, &f, collect, &k),
		    0);
		for (i = 0; i < k.n; i++) {
			addr_fmt(&k.c[i].src, a, sizeof(a));
			assert_string_equal(a, "203.0.113.4");
			if (i > 0)
				assert_true(k.c[i].ts < k.c[i - 1].ts ||
				    (k.c[i].ts == k.c[i - 1].ts &&
				    k.c[i].id < k.c[i - 1].id));
		}
		total += k.n;
		if (k.n < 7)
			return total;
		f.before_ts = k.c[k.n - 1].ts;
		f.before_id = k.c[k.n - 1].id;
	}
}

/*
 * A listing by one source address is exact however far the SQLite
 * address indexer (003_addr_index.sql) has got: rows it covers come from
 * conn_src, newer ones from the table itself, and a covered row whose ts
 * moves (its start stored after its end) is found at its new ts.
 */
static void
test_store_source_listing_is_exact_around_the_indexer(void **state)
{
	struct store *s = *state;
	struct store_conn_filter f;
	struct batch b;
	struct collect k;
	char plan[4096];
	size_t stored;
	int64_t sid = add_sensor(s, "s1");
	const int64_t t0 = 1700000000000000;

	/* The first batch after opening is indexed after its commit; the
	 * second, a moment later, is not yet. */
	batch_make(&b, "s1", 1, 200);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	batch_free(&b);
	batch_make(&b, "s1", 201, 200);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	batch_free(&b);
	/* Conns 1..200 with conn % 5 == 4 come from 203.0.113.4. */
	assert_int_equal(page_source(s, 0), 40);

	/* A connection's end, indexed (a second after the last indexing),
	 * then its start with an earlier ts than every other row. */
	sleep(2);
	batch_one(&b, "s1", 401, 9000, EVENT_END, t0 + 1000000000);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	batch_free(&b);
	assert_int_equal(page_source(s, 0), 41);
	batch_one(&b, "s1", 402, 9000, EVENT_START, t0 - 5000);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	batch_free(&b);
	assert_int_equal(page_source(s, 0), 41);
	memset(&f, 0, sizeof(f));
	f.dport = -1;
	assert_int_equal(cidr_parse("203.0.113.4", &f.src), 0);
	f.has_src = 1;
	f.before_ts = t0;
	f.before_id = INT64_MAX;
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_query_connections(s, &f, collect, &k), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.c[0].conn, 9000);
	assert_int_equal(k.c[0].ts, t0 - 5000);
	assert_int_equal(page_source(s, t0 + 1000000000), 41);

	if (store_explain_connections(s, &f, plan, sizeof(plan)) == -1)
		fail_msg("explain: %s", store_error(s));
	print_message("%s plan, one source:\n%s", store_backend(s), plan);
	if (strcmp(store_backend(s), "sqlite") == 0) {
		/* conn_src AS x up to the mark, then a rowid range. */
		assert_non_null(strstr(plan, "SEARCH x USING PRIMARY KEY "
		    "(src=? AND ts>?"));
		assert_non_null(strstr(plan, "SEARCH c USING INTEGER PRIMARY "
		    "KEY (rowid>?)"));
		assert_null(strstr(plan, "connections_ts"));
	}
}

/*
 * SQLite: deleting the newest connections after they were indexed lowers
 * the indexer's mark (003_addr_index.sql, conn_gone), so that the ids
 * SQLite hands out again are above it and a new row is listed.
 */
static void
test_store_source_listing_after_newest_rows_deleted(void **state)
{
	struct store *s = *state;
	struct batch b;
	sqlite3 *db;
	size_t stored, before;
	int64_t sid;

	if (strcmp(store_backend(s), "sqlite") != 0)
		skip();
	sid = add_sensor(s, "s1");
	batch_make(&b, "s1", 1, 400);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	batch_free(&b);
	assert_int_equal(store_maintain(s), 0);
	before = page_source(s, 0);
	assert_int_equal(before, 40);
	/* Conns 196..200 are the newest rows; 199 is from .4. */
	assert_int_equal(sqlite3_open(sqlite_url + 9, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM connections "
	    "WHERE conn > 195", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(page_source(s, 0), before - 1);
	batch_one(&b, "s1", 401, 9001, EVENT_START, 1700000000000000 + 500);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	batch_free(&b);
	assert_int_equal(page_source(s, 0), before);
}

struct lines {
	size_t		 n;
	char		 first[512];
};

static int
export_cb(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;

	if (l->n++ == 0)
		snprintf(l->first, sizeof(l->first), "%.*s", (int)len, line);
	return 0;
}

static void
test_store_export_gives_back_the_lines(void **state)
{
	struct store *s = *state;
	struct lines l = { 0 };
	struct batch b;
	size_t stored;
	int64_t sid = add_sensor(s, "s1");

	batch_make(&b, "s1", 1, 30);
	assert_int_equal(ingest(s, sid, &b, &stored), 0);
	assert_int_equal(store_export(s, NULL, 0, export_cb, &l), 0);
	assert_int_equal(l.n, 30);
	assert_int_equal(strlen(l.first), b.lens[0]);
	assert_memory_equal(l.first, b.lines[0], b.lens[0]);
	batch_free(&b);
}

static void
test_store_enrollment_token_works_once_and_expires(void **state)
{
	struct store *s = *state;
	struct store_sensor ss;
	char name[64];
	int64_t now = 1700000000000000;

	assert_int_equal(store_org_add(s, "nctu", NULL), 0);
	assert_int_equal(store_sensor_add(s, "s1", "nctu", "aaaa", now + 10),
	    0);
	assert_int_equal(store_sensor_add(s, "s2", "nctu", "bbbb", now - 1),
	    0);
	assert_int_equal(store_sensor_add(s, "s1", "nctu", "cccc", now), -1);
	assert_non_null(strstr(store_error(s), "exists"));
	assert_int_equal(store_sensor_add(s, "s3", "nope", "dddd", now), -1);
	assert_non_null(strstr(store_error(s), "no such organization"));

	assert_int_equal(store_sensor_take_token(s, "bbbb", now, name,
	    sizeof(name)), 1);		/* expired */
	assert_int_equal(store_sensor_take_token(s, "aaaa", now, name,
	    sizeof(name)), 0);
	assert_string_equal(name, "s1");
	assert_int_equal(store_sensor_take_token(s, "aaaa", now, name,
	    sizeof(name)), 1);		/* used */
	assert_int_equal(store_sensor_set_cert(s, "s1", "0a1b"), 0);
	assert_int_equal(store_sensor_get(s, "s1", &ss), 0);
	assert_string_equal(ss.cert_serial, "0a1b");
	assert_string_equal(ss.org, "nctu");
	assert_int_equal(ss.revoked, 0);
	assert_int_equal(store_sensor_revoke(s, "s1"), 0);
	assert_int_equal(store_sensor_get(s, "s1", &ss), 0);
	assert_int_equal(ss.revoked, 1);
	assert_int_equal(store_sensor_revoke(s, "nope"), 1);
	assert_int_equal(store_sensor_get(s, "nope", &ss), 1);
}

static void
test_store_capture_is_idempotent(void **state)
{
	struct store *s = *state;
	int64_t sid = add_sensor(s, "s1");
	const char *h1 = "e410e110978429a2a4e5685c53907f9b0792dfe4b72e3513bd276b739854025c";
	const char *h2 = "0000e110978429a2a4e5685c53907f9b0792dfe4b72e3513bd276b739854025c";

	assert_int_equal(store_capture_add(s, sid, "eth0-20261125.pcap", h1,
	    10, "/x", 1), 0);
	assert_int_equal(store_capture_add(s, sid, "eth0-20261125.pcap", h1,
	    10, "/x", 2), 1);
	assert_int_equal(store_capture_add(s, sid, "eth0-20261125.pcap", h2,
	    10, "/x", 3), 2);
	assert_int_equal(count(s, "captures"), 1);
}

static void
test_store_rejects_bad_names_and_roles(void **state)
{
	struct store *s = *state;

	assert_int_equal(store_org_add(s, "bad name", NULL), -1);
	assert_int_equal(store_org_add(s, "", NULL), -1);
	assert_int_equal(store_org_add(s, "nctu", NULL), 0);
	assert_int_equal(store_org_add(s, "nctu", NULL), -1);
	assert_int_equal(store_user_add(s, "alice", NULL, "root", "x"), -1);
	assert_int_equal(store_user_add(s, "alice", NULL, "admin", "x"), 0);
	assert_int_equal(store_user_add(s, "alice", NULL, "admin", "x"), -1);
	assert_int_equal(store_user_add(s, "bob", "nctu", "org", "x"), 0);
	assert_int_equal(count(s, "users"), 2);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_store_creates_schema_on_first_open, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_batch_replayed_three_times_is_stored_once, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_overlapping_batch_adds_only_new_events, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_failed_batch_stores_nothing, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_connection_start_and_end_merge, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_connection_folded_in_one_batch, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_query_connections_filters_and_pages, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_listing_plan_uses_the_index, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_source_listing_is_exact_around_the_indexer, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_source_listing_after_newest_rows_deleted, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_export_gives_back_the_lines, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_enrollment_token_works_once_and_expires, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_capture_is_idempotent, setup, teardown),
	cmocka_unit_test_setup_teardown(test_store_rejects_bad_names_and_roles, setup, teardown),
};

int
main(void)
{
	const char *pg = getenv("DIAS_PG_URL");
	int rc;

	strlcpy(sqlite_dir, "/tmp/dias-test-store.XXXXXX", sizeof(sqlite_dir));
	if (mkdtemp(sqlite_dir) == NULL)
		return 1;
	snprintf(sqlite_url, sizeof(sqlite_url), "sqlite://%s/dias.db",
	    sqlite_dir);
	url = sqlite_url;
	rc = cmocka_run_group_tests_name("store/sqlite", tests, NULL, NULL);
	if (pg == NULL || *pg == '\0')
		printf("[  SKIPPED ] store/postgresql: DIAS_PG_URL is not set "
		    "(scripts/pg.sh start DIR prints one)\n");
	else {
		url = pg;
		rc |= cmocka_run_group_tests_name("store/postgresql", tests,
		    NULL, NULL);
	}
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", sqlite_dir);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}
