/*
 * Flow reconstruction for diasctl import pcap (server/flow.c): any
 * frames, any link type, any times, no crash, and what comes out is
 * consistent.  The input is records of
 *	u8 link (0 Ethernet, 1 Linux cooked, 2 raw IP, else unknown)
 *	u16 time step, ms, big-endian
 *	u16 length, big-endian, and that many bytes of frame
 * fed to a small table (8 flows, 64 bytes of payload a direction), so
 * eviction and the idle timeouts run too.  tests/data/fuzz/
 * make_flow_seeds.py makes seeds from the shared captures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "flow.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define PAYLOAD_MAX	64

static uint64_t flows_out;
static volatile unsigned sink;	/* the payload bytes are read into it */

static int
check(void *arg, const struct flow_rec *r)
{
	int d;

	(void)arg;
	CHECK(r->first <= r->last);
	CHECK(r->pkts[0] + r->pkts[1] > 0);
	CHECK(r->reason >= EVENT_FIN && r->reason <= EVENT_EVICTED);
	for (d = 0; d < 2; d++) {
		CHECK(r->len[d] <= PAYLOAD_MAX);
		if (r->len[d] > 0) {
			size_t i;

			CHECK(r->data[d] != NULL);
			/* Every byte kept is read (ASan checks the bounds). */
			for (i = 0; i < r->len[d]; i++)
				sink += r->data[d][i];
		}
	}
	flows_out++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[3] = {
		FLOW_DLT_EN10MB, FLOW_DLT_LINUX_SLL, FLOW_DLT_RAW
	};
	struct flow_table *t;
	struct flow_stats st;
	int64_t ts = 1700000000000000;
	size_t len;
	int dlt;

	if ((t = flow_new(8, PAYLOAD_MAX)) == NULL)
		return 0;
	flows_out = 0;
	while (size >= 5) {
		dlt = data[0] < 3 ? dlts[data[0]] : 9999;
		ts += (int64_t)(data[1] << 8 | data[2]) * 1000;
		len = (size_t)(data[3] << 8 | data[4]);
		data += 5;
		size -= 5;
		if (len > size)
			len = size;
		/* An exact-size copy, so a read past the frame is caught. */
		{
			uint8_t *f = malloc(len ? len : 1);

			if (f == NULL)
				break;
			memcpy(f, data, len);
			if (flow_frame(t, dlt, f, len, ts, check, NULL) == -1)
				CHECK(dlt == 9999);
			free(f);
		}
		data += len;
		size -= len;
	}
	CHECK(flow_flush(t, check, NULL) == 0);
	flow_stats(t, &st);
	CHECK(st.flows == flows_out);
	flow_free(t);
	return 0;
}
