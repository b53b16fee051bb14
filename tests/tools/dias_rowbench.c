/*
 * dias_rowbench: the baseline DIAS ingest is compared with -- honeyd2db's
 * way, one autocommitted INSERT per log line -- on the same store.
 *
 *	dias_rowbench sqlite:///path/db N
 *	dias_rowbench postgresql://... N
 *
 * Prints rows, seconds and rows/s.  The table is dropped afterwards.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define CREATE "CREATE TABLE rowbench (id BIGINT, ts BIGINT, proto INT, " \
	"src TEXT, sport INT, dst TEXT, dport INT, line TEXT)"

static const char line[] = "{\"kind\":\"connection\",\"sensor\":\"s1\","
    "\"seq\":1,\"ts\":1760000000000000,\"phase\":\"start\",\"conn\":1,"
    "\"proto\":\"tcp\",\"src\":\"198.51.100.7\",\"sport\":40001,"
    "\"dst\":\"10.10.0.23\",\"dport\":445,\"template\":\"win2k\","
    "\"service\":\"\",\"flags\":\"S\"}";

int
main(int argc, char *argv[])
{
	uint64_t n, i;
	double t0, dt;
	char id[24], ts[24];

	if (argc != 3) {
		fprintf(stderr, "usage: dias_rowbench STORE-URL N\n");
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	if (strncmp(argv[1], "sqlite://", 9) == 0) {
		sqlite3 *db;
		sqlite3_stmt *st;

		if (sqlite3_open(argv[1] + 9, &db) != SQLITE_OK)
			return 1;
		sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous="
		    "FULL; DROP TABLE IF EXISTS rowbench; " CREATE, NULL, NULL,
		    NULL);
		sqlite3_prepare_v2(db, "INSERT INTO rowbench VALUES (?, ?, 6, "
		    "'198.51.100.7', 40001, '10.10.0.23', 445, ?)", -1, &st,
		    NULL);
		t0 = now();
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(st, 1, (int64_t)i);
			sqlite3_bind_int64(st, 2, (int64_t)i);
			sqlite3_bind_text(st, 3, line, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				return 1;
			sqlite3_reset(st);
		}
		dt = now() - t0;
		sqlite3_finalize(st);
		sqlite3_exec(db, "DROP TABLE rowbench", NULL, NULL, NULL);
		sqlite3_close(db);
	} else {
		PGconn *c = PQconnectdb(argv[1]);
		const char *v[3];
		PGresult *r;

		if (PQstatus(c) != CONNECTION_OK)
			return 1;
		PQclear(PQexec(c, "DROP TABLE IF EXISTS rowbench"));
		PQclear(PQexec(c, CREATE));
		PQclear(PQprepare(c, "ins", "INSERT INTO rowbench VALUES "
		    "($1, $2, 6, '198.51.100.7', 40001, '10.10.0.23', 445, $3)",
		    0, NULL));
		t0 = now();
		for (i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "%" PRIu64, i);
			snprintf(ts, sizeof(ts), "%" PRIu64, i);
			v[0] = id;
			v[1] = ts;
			v[2] = line;
			r = PQexecPrepared(c, "ins", 3, v, NULL, NULL, 0);
			if (PQresultStatus(r) != PGRES_COMMAND_OK)
				return 1;
			PQclear(r);
		}
		dt = now() - t0;
		PQclear(PQexec(c, "DROP TABLE rowbench"));
		PQfinish(c);
	}
	printf("rows %" PRIu64 " seconds %.2f rows/s %.0f\n", n, dt,
	    (double)n / dt);
	return 0;
}
