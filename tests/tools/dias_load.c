/*
 * dias_load: an ingest load client, as a sensor's shipper would behave.
 * Sends events 1..N of one sensor in NDJSON batches over mTLS, from J
 * threads, and retries every batch until the server acknowledges it with
 * {"acked": its last seq} -- through errors, refusals and restarts.
 *
 *	dias_load -u URL -a CA -c CERT -k KEY -s SENSOR -n N [-b BATCH]
 *	    [-j THREADS] [-t SECONDS_TO_KEEP_RETRYING]
 *
 * Every batch's body is made before the clock starts, as a shipper reads
 * its spool rather than formatting: the figure is the server's, and the
 * client's own CPU time is printed beside it.
 *
 * Prints one line: events, seconds, events/s, retries, client CPU.
 */
#include <sys/resource.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"

static const char *url, *cafile, *certfile, *keyfile, *sensor;
static uint64_t total, batch = 1000;
static unsigned nthreads = 2, patience = 120;
static atomic_uint_least64_t next_batch, retries, acked_events;
static atomic_int failed;
static struct buf *bodies;	/* batch i: events i * batch + 1 .. */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
collect(char *d, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	return buf_add(b, d, size * n) == -1 ? 0 : size * n;
}

/* Event seq: connection start (odd) and end (even) of conn (seq+1)/2. */
static void
make_line(struct buf *b, uint64_t seq)
{
	uint64_t conn = (seq + 1) / 2;
	int64_t ts = 1760000000000000 + (int64_t)seq * 10;
	unsigned a = (unsigned)(conn * 2654435761u);

	if (seq % 2)
		buf_printf(b, "{\"kind\":\"connection\",\"sensor\":\"%s\","
		    "\"seq\":%" PRIu64 ",\"ts\":%" PRId64 ",\"phase\":\"start\","
		    "\"conn\":%" PRIu64 ",\"proto\":\"tcp\",\"src\":"
		    "\"198.51.%u.%u\",\"sport\":%u,\"dst\":\"10.10.0.%u\","
		    "\"dport\":%u,\"template\":\"win2k\",\"service\":\"\","
		    "\"flags\":\"S\"}\n",
		    sensor, seq, ts, conn, a >> 24 & 255, a >> 16 & 255,
		    1024 + (a & 0x7fff), 10 + (a >> 8 & 127),
		    (unsigned[]){ 22, 23, 80, 445, 1433, 3389 }[a % 6]);
	else
		buf_printf(b, "{\"kind\":\"connection\",\"sensor\":\"%s\","
		    "\"seq\":%" PRIu64 ",\"ts\":%" PRId64 ",\"phase\":\"end\","
		    "\"conn\":%" PRIu64 ",\"proto\":\"tcp\",\"src\":"
		    "\"198.51.%u.%u\",\"sport\":%u,\"dst\":\"10.10.0.%u\","
		    "\"dport\":%u,\"template\":\"win2k\",\"service\":\"\","
		    "\"pkts_in\":3,\"pkts_out\":2,\"bytes_in\":180,"
		    "\"bytes_out\":120,\"flags\":\"SRA\",\"reason\":\"rst\"}\n",
		    sensor, seq, ts, conn, a >> 24 & 255, a >> 16 & 255,
		    1024 + (a & 0x7fff), 10 + (a >> 8 & 127),
		    (unsigned[]){ 22, 23, 80, 445, 1433, 3389 }[a % 6]);
}

static void *
worker(void *arg)
{
	struct buf *body, reply;
	char endpoint[1024], want[64];
	CURL *c;
	uint64_t i, first, last;
	double giveup;
	long status;
	CURLcode cc;

	(void)arg;
	snprintf(endpoint, sizeof(endpoint), "%s/api/v1/sensor/events", url);
	buf_init(&reply, 64 * 1024);
	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, endpoint);
	curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_SSLCERT, certfile);
	curl_easy_setopt(c, CURLOPT_SSLKEY, keyfile);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	for (;;) {
		i = atomic_fetch_add(&next_batch, 1);
		first = i * batch + 1;
		if (first > total)
			break;
		last = first + batch - 1 > total ? total : first + batch - 1;
		body = &bodies[i];
		snprintf(want, sizeof(want), "{\"acked\":%" PRIu64 ",", last);
		giveup = now() + patience;
		for (;;) {
			buf_reset(&reply);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)body->len);
			cc = curl_easy_perform(c);
			status = 0;
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			if (cc == CURLE_OK && status == 200 &&
			    reply.len >= strlen(want) &&
			    memcmp(reply.data, want, strlen(want)) == 0)
				break;
			/* Not acknowledged: the batch may or may not be
			 * stored; sending it again is always safe.  A 4xx
			 * is the client's fault and will not go away. */
			atomic_fetch_add(&retries, 1);
			if (now() > giveup || (status >= 400 && status < 500)) {
				fprintf(stderr, "dias_load: batch %" PRIu64
				    "..%" PRIu64 " never acknowledged: %s %ld "
				    "%.*s\n", first, last,
				    curl_easy_strerror(cc), status,
				    (int)reply.len, (const char *)reply.data);
				atomic_store(&failed, 1);
				goto out;
			}
			usleep(100000);
		}
		atomic_fetch_add(&acked_events, last - first + 1);
	}
out:
	curl_easy_cleanup(c);
	buf_free(&reply);
	return NULL;
}

int
main(int argc, char *argv[])
{
	pthread_t th[64];
	struct rusage ru0, ru1;
	double t0, dt, cpu;
	uint64_t nb, b, seq;
	unsigned i;
	int ch;

	while ((ch = getopt(argc, argv, "a:b:c:j:k:n:s:t:u:")) != -1) {
		switch (ch) {
		case 'a': cafile = optarg; break;
		case 'b': batch = strtoull(optarg, NULL, 10); break;
		case 'c': certfile = optarg; break;
		case 'j': nthreads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': keyfile = optarg; break;
		case 'n': total = strtoull(optarg, NULL, 10); break;
		case 's': sensor = optarg; break;
		case 't': patience = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': url = optarg; break;
		default: goto usage;
		}
	}
	if (!url || !cafile || !certfile || !keyfile || !sensor || !total ||
	    !batch || nthreads < 1 || nthreads > 64)
		goto usage;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	nb = (total + batch - 1) / batch;
	if ((bodies = calloc(nb, sizeof(*bodies))) == NULL) {
		fprintf(stderr, "dias_load: out of memory\n");
		return 1;
	}
	for (b = 0; b < nb; b++) {
		buf_init(&bodies[b], 512 * (size_t)batch + 1024);
		for (seq = b * batch + 1; seq <= total &&
		    seq <= (b + 1) * batch; seq++)
			make_line(&bodies[b], seq);
	}
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now();
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	dt = now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
	    ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
	    ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	printf("events %" PRIuLEAST64 " seconds %.2f events/s %.0f retries %"
	    PRIuLEAST64 " client-cpu %.2f s\n", atomic_load(&acked_events), dt,
	    (double)atomic_load(&acked_events) / dt, atomic_load(&retries),
	    cpu);
	curl_global_cleanup();
	for (b = 0; b < nb; b++)
		buf_free(&bodies[b]);
	free(bodies);
	return atomic_load(&failed) ? 1 : 0;
usage:
	fprintf(stderr, "usage: dias_load -u URL -a CA -c CERT -k KEY -s SENSOR "
	    "-n N [-b BATCH] [-j THREADS] [-t SECONDS]\n");
	return 2;
}
