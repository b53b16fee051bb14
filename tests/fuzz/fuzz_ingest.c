/*
 * Event batch splitting (server/ingest.c): a body from a sensor.  Either
 * every line decoded and belongs to the sensor with rising seqs, or
 * nothing is kept and the error names a line (or the whole batch).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "ingest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_batch b;
	char err[512];
	size_t i;
	int rc;

	err[0] = '\0';
	rc = ingest_parse((const char *)data, size, "s1", 4096, 64, &b, err,
	    sizeof(err));
	if (rc != INGEST_OK) {
		CHECK(rc == INGEST_MALFORMED || rc == INGEST_FORBIDDEN);
		CHECK(err[0] != '\0' && b.n == 0 && b.evs == NULL);
		return 0;
	}
	CHECK(b.n > 0 && b.n <= 64);
	for (i = 0; i < b.n; i++) {
		CHECK(strcmp(b.evs[i].sensor, "s1") == 0);
		CHECK(b.lines[i] >= (const char *)data &&
		    b.lines[i] + b.lens[i] <= (const char *)data + size);
		CHECK(memchr(b.lines[i], '\n', b.lens[i]) == NULL);
		CHECK(i == 0 || b.evs[i].seq > b.evs[i - 1].seq);
	}
	CHECK(b.last_seq == b.evs[b.n - 1].seq);
	ingest_batch_free(&b);
	return 0;
}
