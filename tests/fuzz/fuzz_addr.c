/*
 * Address parsers and address sets.
 *
 * Every line of the input goes through addr_parse, cidr_parse and
 * range_parse; what parses must format and parse back to the same value,
 * and its range goes into (or, after a leading '-', out of) a set.  It
 * also goes through addr_url_host: a host found is non-empty and fits,
 * and the rest lies within the line.
 *
 * The bytes also drive a program of adds and deletes over four small
 * windows (the low and high ends of both families), mirrored in a bitmap.
 * After every step the set must be sorted, disjoint and non-adjacent, and
 * agree with the bitmap around the change; at the end, everywhere.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define WIN	256		/* addresses per window */
#define NWIN	4
#define MAXOPS	512		/* enough to split chunks, still fast */

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static void
check_sorted(const struct addrset *s)
{
	struct addr lo, hi, prev;
	size_t i, n = addrset_nranges(s);

	for (i = 0; i < n; i++) {
		CHECK(addrset_range(s, i, &lo, &hi) == 0);
		CHECK(lo.af == hi.af && addr_cmp(&lo, &hi) <= 0);
		if (i > 0) {
			/* Gap of at least one address to the previous range. */
			if (prev.af == lo.af) {
				CHECK(addr_inc(&prev) == 0);
				CHECK(addr_cmp(&prev, &lo) < 0);
			} else
				CHECK(prev.af == AF_INET && lo.af == AF_INET6);
		}
		prev = hi;
	}
	CHECK(addrset_range(s, n, &lo, &hi) == -1);
}

static void
check_text(struct addrset *set, const char *s)
{
	char out[CIDR_STRLEN], host[64];
	const char *rest;
	struct addr a, b, lo, hi;
	struct cidr c, d;
	int except = s[0] == '-';

	if (addr_url_host(s, host, sizeof(host), &rest) == 0) {
		CHECK(host[0] != '\0' && strlen(host) < sizeof(host));
		CHECK(rest > s && rest <= s + strlen(s));
	}
	if (except)
		s++;
	if (addr_parse(s, &a) == 0) {
		CHECK(addr_fmt(&a, out, sizeof(out)) == 0);
		CHECK(addr_parse(out, &b) == 0 && addr_eq(&a, &b));
		b = a;
		if (addr_inc(&b) == 0) {
			CHECK(addr_cmp(&a, &b) < 0);
			CHECK(addr_dec(&b) == 0 && addr_eq(&a, &b));
		}
	}
	if (cidr_parse(s, &c) == 0) {
		CHECK(c.plen <= addr_bits(&c.addr));
		CHECK(cidr_fmt(&c, out, sizeof(out)) == 0);
		CHECK(cidr_parse(out, &d) == 0);
		CHECK(addr_eq(&c.addr, &d.addr) && c.plen == d.plen);
		cidr_bounds(&c, &lo, &hi);
		CHECK(addr_cmp(&lo, &hi) <= 0);
		CHECK(cidr_contains(&c, &lo) && cidr_contains(&c, &hi));
		CHECK(except ? addrset_del_cidr(set, &c) == 0 :
		    addrset_add_cidr(set, &c) == 0);
		CHECK(addrset_contains(set, &lo) == !except);
		CHECK(addrset_contains(set, &hi) == !except);
	}
	if (range_parse(s, &lo, &hi) == 0) {
		CHECK(lo.af == hi.af && addr_cmp(&lo, &hi) <= 0);
		CHECK(except ? addrset_del_range(set, &lo, &hi) == 0 :
		    addrset_add_range(set, &lo, &hi) == 0);
		CHECK(addrset_contains(set, &lo) == !except);
		CHECK(addrset_contains(set, &hi) == !except);
	}
}

static void
parse_lines(const uint8_t *data, size_t size)
{
	struct addrset *set;
	char line[128];
	size_t i = 0, n;

	if ((set = addrset_new()) == NULL)
		abort();
	while (i < size) {
		for (n = 0; i < size && data[i] != '\n'; i++)
			if (n < sizeof(line) - 1)
				line[n++] = (char)data[i];
		line[n] = '\0';
		i++;
		check_text(set, line);
	}
	check_sorted(set);
	addrset_free(set);
}

/* Address k of window w. */
static struct addr
window_addr(int w, uint32_t k)
{
	struct addr a;
	int i;

	memset(&a, 0, sizeof(a));
	a.af = w < 2 ? AF_INET : AF_INET6;
	if (w == 0 || w == 2) {
		i = w == 0 ? 3 : 15;
		a.a[i] = (uint8_t)k;
		a.a[i - 1] = (uint8_t)(k >> 8);
	} else {
		/* The top WIN addresses: all ones minus (WIN - 1 - k). */
		k = WIN - 1 - k;
		memset(a.a, 0xff, w == 1 ? 4 : 16);
		i = w == 1 ? 3 : 15;
		a.a[i] = (uint8_t)~k;
		a.a[i - 1] = (uint8_t)~(k >> 8);
	}
	return a;
}

static void
check_window(const struct addrset *s, const uint8_t *bits, int w,
    uint32_t from, uint32_t to)
{
	struct addr a;
	uint32_t k;

	for (k = from; k <= to && k < WIN; k++) {
		a = window_addr(w, k);
		CHECK(addrset_contains(s, &a) == bits[w * WIN + k]);
	}
}

static void
run_program(const uint8_t *data, size_t size)
{
	static uint8_t bits[NWIN * WIN];
	struct addrset *s;
	struct addrset_iter it;
	struct addr lo, hi, a;
	uint64_t count = 0, seen = 0;
	uint32_t off, len, k;
	size_t i;
	int w, isadd, cls;

	memset(bits, 0, sizeof(bits));
	if ((s = addrset_new()) == NULL)
		abort();
	for (i = 0; i + 3 <= size && i < 3 * MAXOPS; i += 3) {
		isadd = data[i] & 1;
		w = (data[i] >> 1) & 3;
		cls = data[i] >> 3;
		off = ((uint32_t)data[i + 1] << 8 | data[i + 2]) % WIN;
		/* Mostly short ranges so the set fragments; some wide. */
		len = cls < 24 ? (uint32_t)cls % 4 : (uint32_t)cls * 7;
		if (off + len >= WIN)
			len = WIN - 1 - off;
		lo = window_addr(w, off);
		hi = window_addr(w, off + len);
		if (isadd)
			CHECK(addrset_add_range(s, &lo, &hi) == 0);
		else
			CHECK(addrset_del_range(s, &lo, &hi) == 0);
		memset(bits + w * WIN + off, isadd, len + 1);
		check_window(s, bits, w, off ? off - 1 : 0, off + len + 1);
		if (addrset_nranges(s) < 32 || i % (3 * 32) == 0)
			check_sorted(s);
	}
	check_sorted(s);
	for (w = 0; w < NWIN; w++) {
		check_window(s, bits, w, 0, WIN - 1);
		for (k = 0; k < WIN; k++)
			count += bits[w * WIN + k];
	}
	CHECK(addrset_count(s) == count);
	addrset_iter_init(&it, s);
	while (addrset_iter_next(&it, &a)) {
		CHECK(addrset_contains(s, &a));
		seen++;
	}
	CHECK(seen == count);
	addrset_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_lines(data, size);
	run_program(data, size);
	return 0;
}
