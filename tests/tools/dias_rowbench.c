/*
 * dias_rowbench: the baseline DIAS ingest is compared with -- honeyd2db's
 * way, one autocommitted INSERT per log line -- on the same store and the
 * same schema: the store is opened (and migrated) through store.h, a
 * sensor is added, and each line then becomes one INSERT into events,
 * committed on its own (so one fsync per line, as durable as the server).
 * The run stops after N lines or SECONDS, whichever comes first.
 *
 *	dias_rowbench STORE-URL N SECONDS
 *
 * Prints rows, seconds and rows/s.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"

#define INSERT_SQLITE "INSERT INTO events (sensor_id, seq, ts, kind, line) " \
	"VALUES (?1, ?2, ?3, 1, ?4)"
#define INSERT_PG "INSERT INTO events (sensor_id, seq, ts, kind, line) " \
	"VALUES ($1, $2, $3, 1, $4)"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
make_line(char *line, size_t len, uint64_t seq)
{
	snprintf(line, len, "{\"kind\":\"connection\",\"sensor\":\"rowbench\","
	    "\"seq\":%" PRIu64 ",\"ts\":%" PRIu64 ",\"phase\":\"start\","
	    "\"conn\":%" PRIu64 ",\"proto\":\"tcp\",\"src\":\"198.51.100.7\","
	    "\"sport\":40001,\"dst\":\"10.10.0.23\",\"dport\":445,"
	    "\"template\":\"win2k\",\"service\":\"\",\"flags\":\"S\"}", seq,
	    1760000000000000 + seq, seq);
}

int
main(int argc, char *argv[])
{
	struct store *s;
	struct store_sensor ss;
	uint64_t n, i = 0, seq0;
	double t0, dt, limit;
	char err[512], line[512], sid[24], seqs[24], ts[24];

	if (argc != 4) {
		fprintf(stderr, "usage: dias_rowbench STORE-URL N SECONDS\n");
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	limit = strtod(argv[3], NULL);
	if ((s = store_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "dias_rowbench: %s\n", err);
		return 1;
	}
	(void)store_org_add(s, "rowbench", NULL);
	(void)store_sensor_add(s, "rowbench", "rowbench", NULL, 0);
	if (store_sensor_get(s, "rowbench", &ss) != 0) {
		fprintf(stderr, "dias_rowbench: %s\n", store_error(s));
		return 1;
	}
	store_close(s);
	/* Start above any seq an earlier run left. */
	seq0 = (uint64_t)time(NULL) * 1000000;
	if (strncmp(argv[1], "sqlite://", 9) == 0) {
		sqlite3 *db;
		sqlite3_stmt *st;

		if (sqlite3_open(argv[1] + 9, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL,
		    NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, INSERT_SQLITE, -1, &st, NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "dias_rowbench: %s\n",
			    sqlite3_errmsg(db));
			return 1;
		}
		t0 = now();
		for (i = 0; i < n && (i % 16 || now() - t0 < limit); i++) {
			make_line(line, sizeof(line), seq0 + i);
			sqlite3_bind_int64(st, 1, ss.id);
			sqlite3_bind_int64(st, 2, (int64_t)(seq0 + i));
			sqlite3_bind_int64(st, 3, (int64_t)(1760000000000000 +
			    seq0 + i));
			sqlite3_bind_text(st, 4, line, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				fprintf(stderr, "dias_rowbench: %s\n",
				    sqlite3_errmsg(db));
				return 1;
			}
			sqlite3_reset(st);
		}
		dt = now() - t0;
		sqlite3_finalize(st);
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(argv[1]);
		const char *v[4];
		PGresult *r;

		if (PQstatus(c) != CONNECTION_OK) {
			fprintf(stderr, "dias_rowbench: %s", PQerrorMessage(c));
			return 1;
		}
		r = PQprepare(c, "ins", INSERT_PG, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "dias_rowbench: %s", PQerrorMessage(c));
			return 1;
		}
		PQclear(r);
		snprintf(sid, sizeof(sid), "%" PRId64, ss.id);
		t0 = now();
		for (i = 0; i < n && (i % 16 || now() - t0 < limit); i++) {
			make_line(line, sizeof(line), seq0 + i);
			snprintf(seqs, sizeof(seqs), "%" PRIu64, seq0 + i);
			snprintf(ts, sizeof(ts), "%" PRIu64,
			    1760000000000000 + seq0 + i);
			v[0] = sid;
			v[1] = seqs;
			v[2] = ts;
			v[3] = line;
			r = PQexecPrepared(c, "ins", 4, v, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				fprintf(stderr, "dias_rowbench: %s",
				    PQerrorMessage(c));
				return 1;
			}
			PQclear(r);
		}
		dt = now() - t0;
		PQfinish(c);
	}
	printf("rows %" PRIu64 " seconds %.2f rows/s %.0f\n", i, dt,
	    (double)i / dt);
	return 0;
}
