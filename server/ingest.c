/*
 * Batch splitting and checking.  The body is attacker-controlled until the
 * certificate says otherwise, and even then it is a sensor's word only
 * about itself: a line naming another sensor refuses the whole batch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "ingest.h"

void
ingest_batch_free(struct ingest_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		event_clear(&b->evs[i]);
	free(b->evs);
	free(b->lines);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

/* Lines in body, counting a last line without '\n'. */
static size_t
count_lines(const char *body, size_t len)
{
	const char *p = body, *end = body + len, *nl;
	size_t n = 0;

	while (p < end) {
		n++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

int
ingest_parse(const char *body, size_t len, const char *sensor,
    size_t max_line, size_t max_events, struct ingest_batch *b, char *err,
    size_t errlen)
{
	const char *p = body, *end = body + len, *nl;
	char why[256];
	size_t n, line = 0, ll;
	int rc = INGEST_MALFORMED;

	memset(b, 0, sizeof(*b));
	if (len == 0) {
		snprintf(err, errlen, "empty batch");
		return INGEST_MALFORMED;
	}
	if ((n = count_lines(body, len)) > max_events) {
		snprintf(err, errlen, "%zu lines; a batch has at most %zu",
		    n, max_events);
		return INGEST_MALFORMED;
	}
	b->evs = calloc(n, sizeof(*b->evs));
	b->lines = calloc(n, sizeof(*b->lines));
	b->lens = calloc(n, sizeof(*b->lens));
	if (b->evs == NULL || b->lines == NULL || b->lens == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ll = (size_t)(nl - p);
		if (ll > max_line) {
			snprintf(err, errlen, "line %zu: %zu bytes; a line has "
			    "at most %zu", line, ll, max_line);
			goto fail;
		}
		if (ll == 0) {
			snprintf(err, errlen, "line %zu: empty line", line);
			goto fail;
		}
		if (event_decode(p, ll, &b->evs[b->n], why, sizeof(why)) ==
		    -1) {
			snprintf(err, errlen, "line %zu: %s", line, why);
			goto fail;
		}
		b->lines[b->n] = p;
		b->lens[b->n] = ll;
		b->n++;
		if (strcmp(b->evs[b->n - 1].sensor, sensor) != 0) {
			snprintf(err, errlen, "line %zu: sensor \"%s\" is not "
			    "this client (\"%s\")", line,
			    b->evs[b->n - 1].sensor, sensor);
			rc = INGEST_FORBIDDEN;
			goto fail;
		}
		if (b->n > 1 && b->evs[b->n - 1].seq <= b->last_seq) {
			snprintf(err, errlen, "line %zu: seq %" PRIu64 " does "
			    "not follow %" PRIu64, line, b->evs[b->n - 1].seq,
			    b->last_seq);
			goto fail;
		}
		b->last_seq = b->evs[b->n - 1].seq;
		p = nl + 1;
	}
	return INGEST_OK;
fail:
	ingest_batch_free(b);
	return rc;
}
