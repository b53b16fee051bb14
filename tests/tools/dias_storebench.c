/*
 * dias_storebench: the store alone, without HTTP or TLS.  Decodes N
 * connection events of one sensor (as dias_load makes them) in batches
 * and ingests each with store_ingest, timing decode and store apart.
 *
 *	dias_storebench STORE-URL N [BATCH]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "event.h"
#include "store.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct store *s;
	struct store_sensor ss;
	struct event *evs;
	struct buf *lines;
	const char **lp;
	size_t *lens, stored, i, b, batch;
	uint64_t n, seq = 0;
	double t, tdec = 0, tsto = 0;
	char err[512];
	unsigned a;

	if (argc < 3)
		return 2;
	n = strtoull(argv[2], NULL, 10);
	batch = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000;
	if ((s = store_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	(void)store_org_add(s, "bench", NULL);
	(void)store_sensor_add(s, "bench1", "bench", NULL, 0);
	if (store_sensor_get(s, "bench1", &ss) != 0)
		return 1;
	seq = ss.last_seq;
	evs = calloc(batch, sizeof(*evs));
	lines = calloc(batch, sizeof(*lines));
	lp = calloc(batch, sizeof(*lp));
	lens = calloc(batch, sizeof(*lens));
	for (i = 0; i < batch; i++)
		buf_init(&lines[i], 4096);
	for (b = 0; b < n / batch; b++) {
		for (i = 0; i < batch; i++) {
			uint64_t q = ++seq, conn = (q + 1) / 2;

			a = (unsigned)(conn * 2654435761u);
			buf_reset(&lines[i]);
			buf_printf(&lines[i], "{\"kind\":\"connection\","
			    "\"sensor\":\"bench1\",\"seq\":%" PRIu64 ",\"ts\":%"
			    PRIu64 ",\"phase\":\"%s\",\"conn\":%" PRIu64 ","
			    "\"proto\":\"tcp\",\"src\":\"198.51.%u.%u\","
			    "\"sport\":%u,\"dst\":\"10.10.0.%u\",\"dport\":445,"
			    "\"template\":\"win2k\",\"service\":\"\"%s}", q,
			    1760000000000000 + q * 10, q % 2 ? "start" : "end",
			    conn, a >> 24 & 255, a >> 16 & 255,
			    1024 + (a & 0x7fff), 10 + (a >> 8 & 127), q % 2 ?
			    ",\"flags\":\"S\"" : ",\"pkts_in\":3,\"pkts_out\":2,"
			    "\"bytes_in\":180,\"bytes_out\":120,\"flags\":\"SRA\","
			    "\"reason\":\"rst\"");
			lp[i] = (const char *)lines[i].data;
			lens[i] = lines[i].len;
		}
		t = now();
		for (i = 0; i < batch; i++)
			if (event_decode(lp[i], lens[i], &evs[i], err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
		tdec += now() - t;
		t = now();
		if (store_ingest(s, ss.id, evs, lp, lens, batch, &stored) ==
		    -1) {
			fprintf(stderr, "%s\n", store_error(s));
			return 1;
		}
		tsto += now() - t;
		for (i = 0; i < batch; i++)
			event_clear(&evs[i]);
	}
	printf("%s: %" PRIu64 " events, decode %.0f/s, store %.0f/s "
	    "(%.2f s)\n", store_backend(s), n, (double)n / tdec,
	    (double)n / tsto, tsto);
	store_close(s);
	return 0;
}
