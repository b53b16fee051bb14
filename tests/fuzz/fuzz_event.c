/*
 * Event decoder.  The input is one line from an untrusted sensor.  When it
 * decodes, it must encode, the encoding must decode to an equal event, and
 * encoding that again must give the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event e, d;
	struct buf b1, b2;
	char err[256], err2[256];
	size_t i;
	int rv;

	err[0] = err2[0] = '\0';
	rv = event_decode((const char *)data, size, &e, err, sizeof(err));
	/* The canonical scanner and the jansson tree agree on every line. */
	CHECK(event_decode_tree((const char *)data, size, &d, err2,
	    sizeof(err2)) == rv);
	CHECK(strcmp(err, err2) == 0);
	if (rv == 0) {
		CHECK(event_equal(&e, &d));
		buf_init(&b1, EVENT_LINE_MAX + 1);
		buf_init(&b2, EVENT_LINE_MAX + 1);
		CHECK(event_encode(&e, &b1, err, sizeof(err)) == 0);
		CHECK(event_encode(&d, &b2, err, sizeof(err)) == 0);
		CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
		buf_free(&b1);
		buf_free(&b2);
		event_clear(&d);
	}
	if (rv == -1) {
		/* A reason is always given, and it is printable text. */
		CHECK(err[0] != '\0');
		for (i = 0; err[i] != '\0'; i++)
			CHECK(err[i] >= 0x20 && err[i] < 0x7f);
		CHECK(e.kind == 0);
		return 0;
	}
	buf_init(&b1, EVENT_LINE_MAX + 1);
	buf_init(&b2, EVENT_LINE_MAX + 1);
	CHECK(event_encode(&e, &b1, err, sizeof(err)) == 0);
	CHECK(b1.len > 0 && b1.data[b1.len - 1] == '\n');
	CHECK(memchr(b1.data, '\n', b1.len - 1) == NULL);
	CHECK(event_decode((const char *)b1.data, b1.len, &d, err,
	    sizeof(err)) == 0);
	CHECK(event_equal(&e, &d));
	CHECK(event_encode(&d, &b2, err, sizeof(err)) == 0);
	CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
	event_clear(&e);
	event_clear(&d);
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}
