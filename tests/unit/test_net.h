/*
 * Helpers for the codec's cmocka suites (tests/unit/test_net_*.c).  Every
 * decode runs on an exactly sized heap copy, so ASan builds catch a read
 * one byte past the end.  The suites' hex vectors are frames of
 * tests/data/net/{good,bad,linux-lo}.pcap (see make_fixtures.py there).
 */
#ifndef DIAS_TEST_NET_H
#define DIAS_TEST_NET_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"

typedef int (*decode_fn)(struct pkt *, const uint8_t *, size_t);
typedef int (*encode_fn)(const struct pkt *, uint8_t *, size_t);

#define FRAME_MAX	2048

struct frame {
	uint8_t		*b;	/* heap copy, exactly len bytes (1 if len 0) */
	size_t		 len;
};

/* Bytes from hex digits; whitespace is ignored. */
static inline struct frame
hexframe(const char *s)
{
	struct frame f;
	uint8_t tmp[FRAME_MAX];
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi == -1)
			hi = v;
		else {
			assert_true(n < sizeof(tmp));
			tmp[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	f.b = malloc(n ? n : 1);
	assert_non_null(f.b);
	memcpy(f.b, tmp, n);
	f.len = n;
	return f;
}

static inline struct frame
copyframe(const uint8_t *b, size_t len)
{
	struct frame f;

	f.b = malloc(len ? len : 1);
	assert_non_null(f.b);
	memcpy(f.b, b, len);
	f.len = len;
	return f;
}

static inline void
freeframe(struct frame *f)
{
	free(f->b);
	f->b = NULL;
}

/* Decode f with the given flags; returns the decoder's result. */
static inline int
dec(struct pkt *p, decode_fn fn, const struct frame *f, unsigned int flags)
{
	pkt_init(p, flags);
	return fn(p, f->b, f->len);
}

/*
 * decode then encode gives f back; the encoder refuses (never overruns)
 * every smaller buffer, each an exactly sized heap block.
 */
static inline void
assert_roundtrip(decode_fn d, encode_fn e, const struct frame *f)
{
	struct pkt p;
	uint8_t out[FRAME_MAX], *small;
	size_t i;

	assert_int_equal(dec(&p, d, f, 0), 0);
	assert_true(pkt_exact(&p));
	assert_int_equal(e(&p, out, sizeof(out)), (int)f->len);
	assert_memory_equal(out, f->b, f->len);
	for (i = 0; i < f->len; i++) {
		small = malloc(i ? i : 1);
		assert_non_null(small);
		assert_int_equal(e(&p, small, i), -1);
		free(small);
	}
}

/*
 * Every proper prefix of f decodes without a crash and with an anomaly,
 * and if the codec still claims a round trip, encode gives the prefix.
 * f must end where its outermost length field says (no trailer).
 */
static inline void
assert_truncations(decode_fn d, encode_fn e, const struct frame *f)
{
	struct frame cut;
	struct pkt p;
	uint8_t out[FRAME_MAX];
	size_t len;

	for (len = 0; len < f->len; len++) {
		cut = copyframe(f->b, len);
		(void)dec(&p, d, &cut, 0);
		if (p.nanom == 0)
			fail_msg("prefix of %zu/%zu bytes: no anomaly", len,
			    f->len);
		if (pkt_exact(&p)) {
			assert_int_equal(e(&p, out, sizeof(out)), (int)len);
			assert_memory_equal(out, cut.b, len);
		}
		freeframe(&cut);
	}
}

/* Decode and check the anomaly list is exactly the one given. */
static inline void
assert_only_anom(decode_fn d, const struct frame *f, enum anom a)
{
	struct pkt p;

	(void)dec(&p, d, f, 0);
	if (p.nanom != 1 || p.anom[0] != a) {
		char got[512];

		pkt_anoms_fmt(&p, got, sizeof(got));
		fail_msg("want %s, got %s", anom_name(a), got);
	}
}

/* The first len bytes of f, decoded alone, raise anomaly a. */
static inline void
assert_prefix_anom(decode_fn d, const struct frame *f, size_t len,
    enum anom a)
{
	struct frame cut = copyframe(f->b, len);
	struct pkt p;

	assert_true(len <= f->len);
	assert_int_equal(dec(&p, d, &cut, 0), -1);
	if (!pkt_has_anom(&p, a))
		fail_msg("%zu bytes: want %s", len, anom_name(a));
	freeframe(&cut);
}

/* Sequence of option kinds in an option list, for order checks. */
static inline void
assert_opt_kinds(const struct optlist *l, const uint8_t *kinds, size_t n)
{
	size_t i;

	assert_int_equal(l->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(l->opt[i].kind, kinds[i]);
}

#endif
