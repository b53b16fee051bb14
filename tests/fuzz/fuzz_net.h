/*
 * Shared body of the codec's fuzz targets (fuzz_eth.c ... fuzz_udp.c).
 * After a successful decode:
 *  - when the codec claims a round trip (pkt_exact), encode must give the
 *    input back byte for byte;
 *  - the encoder's output, whatever the input, must itself decode without
 *    a lossy anomaly, to the same layers, and encode to the same bytes.
 * Anything else abort()s, which libFuzzer reports as a crash.
 */
#ifndef DIAS_FUZZ_NET_H
#define DIAS_FUZZ_NET_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define FUZZ_NET_OUT	(65536 + 1024)

static int
fuzz_net(int (*dec)(struct pkt *, const uint8_t *, size_t),
    int (*enc)(const struct pkt *, uint8_t *, size_t),
    const uint8_t *data, size_t size)
{
	static uint8_t out[FUZZ_NET_OUT], again[FUZZ_NET_OUT];
	struct pkt p, q;
	int n, m;

	pkt_init(&p, 0);
	if (dec(&p, data, size) == -1)
		return 0;
	n = enc(&p, out, sizeof(out));
	if (pkt_exact(&p) && (n != (int)size || memcmp(out, data, size) != 0))
		abort();
	if (n == -1)
		return 0;
	pkt_init(&q, 0);
	if (dec(&q, out, (size_t)n) == -1 || !pkt_exact(&q) ||
	    q.layers != p.layers)
		abort();
	m = enc(&q, again, sizeof(again));
	if (m != n || memcmp(again, out, (size_t)n) != 0)
		abort();
	return 0;
}

#endif
