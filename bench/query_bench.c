/*
 * query_bench: latency of the console's main listing (issue 5) -- the
 * newest 50 connections with a dport filter, keyset-paginated:
 *
 *	WHERE dport = ? AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC
 *	LIMIT 50
 *
 * run through store_query_connections(), the very call the console and
 * `diasctl query connections` make, at CONNS stored connections.
 *
 *	query_bench STORE-URL [CONNS [QUERIES [LOAD-SECONDS]]]
 *	    (defaults 10,000,000, 1,000, 1,800)
 *
 * Loading: the store is opened (and migrated) through store.h, a sensor
 * "qbench" is added, and its connections are generated inside the
 * database, one INSERT ... SELECT of 500,000 rows per transaction, in
 * time order, with every index of the schema in place: ts every 10 µs;
 * sources from 65,536 addresses of 198.51.0.0/16; destinations from 256
 * of 10.10.0.0/24; dports 70% from ten popular ones (the DIAS paper's
 * 445, 139, 135, 80, 1433, 3389, 22, 23, 1080, 3128) and 30% spread over
 * 1024..65023.  Rows already there for qbench count, so a second run
 * only queries.  Loading stops at LOAD-SECONDS, and the figures say how
 * many rows there were.
 *
 * Querying: after 50 unmeasured warm-up queries, QUERIES queries; each
 * picks a dport (70% popular, 30% any of the others) and a random point
 * in the stored time span, and reads that page and the next two through
 * the keyset cursor.  Prints p50, p95, p99 and max, beside the goal
 * (p95 < 50 ms), and the plan of the statement.  Then the same for the
 * listing by one source address (one of the 65,536).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "bench.h"
#include "store.h"

#define BASE_TS		INT64_C(1760000000000000)
#define STEP_US		10
#define CHUNK		500000
#define PAGE		50
#define WARMUP		50

static const int popular[10] = {
	445, 139, 135, 80, 1433, 3389, 22, 23, 1080, 3128
};

/*
 * Rows i = ?1 .. ?2 of sensor ?3.  The dport rule is the one queries
 * draw from (popular[] in the same order).
 */
#define GEN_DPORT(i) \
	"CASE WHEN " i " % 10 < 7 THEN CASE (" i " * 7919) % 10 " \
	"WHEN 0 THEN 445 WHEN 1 THEN 139 WHEN 2 THEN 135 WHEN 3 THEN 80 " \
	"WHEN 4 THEN 1433 WHEN 5 THEN 3389 WHEN 6 THEN 22 WHEN 7 THEN 23 " \
	"WHEN 8 THEN 1080 ELSE 3128 END " \
	"ELSE 1024 + (" i " * 104729) % 64000 END"

static const char gen_sqlite[] =
    "WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n "
    "WHERE i < ?2) "
    "INSERT INTO connections (sensor_id, conn, ts, end_ts, proto, src, "
    "sport, dst, dport, template, service, pkts_in, pkts_out, bytes_in, "
    "bytes_out, flags, reason) "
    "SELECT ?3, i, ?4 + i * ?5, ?4 + i * ?5 + 900000, 6, "
    "v4(3325231104 + (i * 2654435761) % 65536), 1024 + i % 60000, "
    "v4(168427520 + i % 256), " GEN_DPORT("i") ", 'win2k', '', 3, 2, "
    "180, 120, 22, 2 FROM n";

static const char gen_pg[] =
    "INSERT INTO connections (sensor_id, conn, ts, end_ts, proto, src, "
    "sport, dst, dport, template, service, pkts_in, pkts_out, bytes_in, "
    "bytes_out, flags, reason) "
    "SELECT $3, i, $4 + i * $5, $4 + i * $5 + 900000, 6, "
    "'198.51.0.0'::inet + (i * 2654435761) % 65536, 1024 + i % 60000, "
    "'10.10.0.0'::inet + i % 256, " GEN_DPORT("i") ", 'win2k', '', 3, 2, "
    "180, 120, 22, 2 FROM generate_series($1::bigint, $2::bigint) i";

/* v4(n): IPv4 address n as the store keeps it, ::ffff:a.b.c.d. */
static void
sql_v4(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	uint8_t b[16] = { 0 };
	uint32_t a = (uint32_t)sqlite3_value_int64(argv[0]);

	(void)argc;
	b[10] = b[11] = 0xff;
	b[12] = (uint8_t)(a >> 24);
	b[13] = (uint8_t)(a >> 16);
	b[14] = (uint8_t)(a >> 8);
	b[15] = (uint8_t)a;
	sqlite3_result_blob(cx, b, 16, SQLITE_TRANSIENT);
}

/* Rows first..last in one transaction; 0 or -1. */
static int
load_chunk(const char *url, void *h, int64_t sid, uint64_t first,
    uint64_t last)
{
	if (strncmp(url, "sqlite://", 9) == 0) {
		sqlite3 *db = h;
		sqlite3_stmt *st;
		int rc;

		if (sqlite3_prepare_v2(db, gen_sqlite, -1, &st, NULL) !=
		    SQLITE_OK)
			goto sqlerr;
		sqlite3_bind_int64(st, 1, (int64_t)first);
		sqlite3_bind_int64(st, 2, (int64_t)last);
		sqlite3_bind_int64(st, 3, sid);
		sqlite3_bind_int64(st, 4, BASE_TS);
		sqlite3_bind_int64(st, 5, STEP_US);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto sqlerr;
		return 0;
sqlerr:
		fprintf(stderr, "query_bench: load: %s\n", sqlite3_errmsg(db));
		return -1;
	} else {
		PGconn *c = h;
		PGresult *r;
		char a[24], b[24], s[24], base[24], step[24];
		const char *v[5] = { a, b, s, base, step };

		snprintf(a, sizeof(a), "%" PRIu64, first);
		snprintf(b, sizeof(b), "%" PRIu64, last);
		snprintf(s, sizeof(s), "%" PRId64, sid);
		snprintf(base, sizeof(base), "%" PRId64, BASE_TS);
		snprintf(step, sizeof(step), "%d", STEP_US);
		r = PQexecParams(c, gen_pg, 5, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "query_bench: load: %s",
			    PQresultErrorMessage(r));
			PQclear(r);
			return -1;
		}
		PQclear(r);
		return 0;
	}
}

/* Bring sensor sid to want connections, within seconds; returns how many
 * it has. */
static uint64_t
load(const char *url, int64_t sid, uint64_t have, uint64_t want,
    double seconds)
{
	void *h;
	double t0 = bench_now(), t;
	uint64_t last;

	if (have >= want)
		return have;
	if (strncmp(url, "sqlite://", 9) == 0) {
		sqlite3 *db;

		if (sqlite3_open(url + 9, &db) != SQLITE_OK)
			return have;
		sqlite3_busy_timeout(db, 10000);
		/* A loader's cache: the listing indexes' hot pages. */
		sqlite3_exec(db, "PRAGMA cache_size = -1048576", NULL, NULL,
		    NULL);
		sqlite3_create_function(db, "v4", 1, SQLITE_UTF8 |
		    SQLITE_DETERMINISTIC, NULL, sql_v4, NULL, NULL);
		h = db;
	} else {
		PGconn *c = PQconnectdb(url);

		if (PQstatus(c) != CONNECTION_OK) {
			fprintf(stderr, "query_bench: %s", PQerrorMessage(c));
			PQfinish(c);
			return have;
		}
		h = c;
	}
	while (have < want && bench_now() - t0 < seconds) {
		last = have + CHUNK < want ? have + CHUNK : want;
		t = bench_now();
		if (load_chunk(url, h, sid, have + 1, last) == -1)
			break;
		have = last;
		fprintf(stderr, "# loaded %" PRIu64 " (%.0f rows/s this "
		    "chunk, %.0f s so far)\n", have,
		    (double)CHUNK / (bench_now() - t), bench_now() - t0);
	}
	if (strncmp(url, "sqlite://", 9) == 0) {
		sqlite3_exec(h, "ANALYZE", NULL, NULL, NULL);
		sqlite3_close(h);
	} else {
		PQclear(PQexec(h, "ANALYZE connections"));
		PQfinish(h);
	}
	fprintf(stderr, "# load: %" PRIu64 " connections after %.0f s\n",
	    have, bench_now() - t0);
	return have;
}

struct page {
	size_t		 n;
	int64_t		 last_ts, last_id;
};

static int
on_row(void *arg, const struct store_conn *c)
{
	struct page *p = arg;

	p->n++;
	p->last_ts = c->ts;
	p->last_id = c->id;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
pick_dport(void)
{
	int r = rand() % 10;

	if (r < 7)
		return popular[rand() % 10];
	return 1024 + rand() % 64000;
}

/* v4 address n of the generated sources, 198.51.0.0/16. */
static void
pick_src(struct store_conn_filter *f)
{
	char a[32];
	int n = rand() % 65536;

	snprintf(a, sizeof(a), "198.51.%d.%d", n >> 8, n & 255);
	if (cidr_parse(a, &f->src) == 0)
		f->has_src = 1;
}

/*
 * nq listings after WARMUP unmeasured ones, each a page at a random point
 * of the time span and the next two through the keyset cursor; by dport,
 * or (by_src) by one source address.  Prints the percentiles.
 */
static int
measure(struct store *s, uint64_t have, size_t nq, int by_src)
{
	struct store_conn_filter f;
	struct page pg;
	uint64_t rows = 0;
	size_t i, k, nlat = 0;
	double *lat, t, span = (double)have * STEP_US;
	char plan[4096];

	if ((lat = calloc(nq * 3, sizeof(*lat))) == NULL)
		return -1;
	srand(1);
	for (i = 0; i < WARMUP + nq; i++) {
		memset(&f, 0, sizeof(f));
		f.dport = -1;
		if (by_src)
			pick_src(&f);
		else
			f.dport = pick_dport();
		f.limit = PAGE;
		f.before_ts = BASE_TS + (int64_t)(span * rand() /
		    ((double)RAND_MAX + 1)) + 1;
		f.before_id = INT64_MAX;
		for (k = 0; k < 3; k++) {
			memset(&pg, 0, sizeof(pg));
			t = bench_now();
			if (store_query_connections(s, &f, on_row, &pg) ==
			    -1) {
				fprintf(stderr, "query_bench: %s\n",
				    store_error(s));
				free(lat);
				return -1;
			}
			t = bench_now() - t;
			if (i >= WARMUP) {
				lat[nlat++] = t * 1000;
				rows += pg.n;
			}
			if (pg.n < PAGE)
				break;
			f.before_ts = pg.last_ts;
			f.before_id = pg.last_id;
		}
	}
	qsort(lat, nlat, sizeof(*lat), cmp_double);
	f.before_ts = BASE_TS + (int64_t)(span / 2);
	f.before_id = INT64_MAX;
	if (store_explain_connections(s, &f, plan, sizeof(plan)) == 0)
		fprintf(stderr, "# plan (%s, mid-table page):\n%s",
		    by_src ? "one source" : "one dport", plan);
	printf("%s: %" PRIu64 " connections, by %s, %zu queries (%" PRIu64
	    " rows): p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms "
	    "(goal: p95 < 50 ms)\n", store_backend(s), have,
	    by_src ? "source" : "dport", nlat, rows, lat[nlat / 2],
	    lat[nlat * 95 / 100], lat[nlat * 99 / 100], lat[nlat - 1]);
	free(lat);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct store *s;
	struct store_sensor ss;
	const char *url;
	uint64_t want, have;
	size_t nq;
	double t, loadsec;
	char err[512];

	if (argc < 2) {
		fprintf(stderr, "usage: query_bench STORE-URL [CONNS "
		    "[QUERIES [LOAD-SECONDS]]]\n");
		return 2;
	}
	url = argv[1];
	want = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
	nq = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000;
	loadsec = argc > 4 ? strtod(argv[4], NULL) : 1800;
	if (nq == 0 || want == 0)
		return 2;
	if ((s = store_open(url, err, sizeof(err))) == NULL) {
		fprintf(stderr, "query_bench: %s\n", err);
		return 1;
	}
	(void)store_org_add(s, "qbench", NULL);
	(void)store_sensor_add(s, "qbench", "qbench", NULL, 0);
	if (store_sensor_get(s, "qbench", &ss) != 0 ||
	    store_count(s, "connections", &have) == -1) {
		fprintf(stderr, "query_bench: %s\n", store_error(s));
		return 1;
	}
	store_close(s);
	have = load(url, ss.id, have, want, loadsec);
	if ((s = store_open(url, err, sizeof(err))) == NULL) {
		fprintf(stderr, "query_bench: %s\n", err);
		return 1;
	}
	/* The loader wrote rows as a bulk import would: what the store
	 * defers behind ingest (SQLite's address index) is done now. */
	t = bench_now();
	if (store_maintain(s) == -1) {
		fprintf(stderr, "query_bench: %s\n", store_error(s));
		return 1;
	}
	fprintf(stderr, "# maintain: %.1f s\n", bench_now() - t);
	if (measure(s, have, nq, 0) == -1 || measure(s, have, nq, 1) == -1)
		return 1;
	store_close(s);
	return 0;
}
