/*
 * Addresses, prefixes, ranges and address sets.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "addr.h"

static struct addr
A(const char *s)
{
	struct addr a;

	if (addr_parse(s, &a) == -1)
		fail_msg("bad address in test: %s", s);
	return a;
}

static struct cidr
C(const char *s)
{
	struct cidr c;

	if (cidr_parse(s, &c) == -1)
		fail_msg("bad prefix in test: %s", s);
	return c;
}

static void
assert_fmt(const struct addr *a, const char *want)
{
	char s[ADDR_STRLEN];

	assert_int_equal(addr_fmt(a, s, sizeof(s)), 0);
	assert_string_equal(s, want);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_addr_parse_accepts_both_families(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("10.1.2.3", &a), 0);
	assert_int_equal(a.af, AF_INET);
	assert_int_equal(addr_v4(&a), htonl(0x0a010203));
	assert_int_equal(addr_bits(&a), 32);
	assert_true(a.a[4] == 0 && a.a[15] == 0);

	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.af, AF_INET6);
	assert_int_equal(addr_bits(&a), 128);
	assert_int_equal(a.a[0], 0x20);
	assert_int_equal(a.a[15], 1);

	/* A v4-mapped address stays IPv6. */
	assert_int_equal(addr_parse("::ffff:10.0.0.1", &a), 0);
	assert_int_equal(a.af, AF_INET6);
}

static void
test_addr_parse_rejects_junk(void **state)
{
	static const char *bad[] = {
		"", " 10.0.0.1", "10.0.0.1 ", "10.0.0", "10.0.0.256",
		"10.0.0.1.1", "010.0.0.1", "10.0.0.1/32", "10.0.0.-1",
		"::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "::1 ", "[::1]",
		"0x0a000001", "10.0.0.1\n", "localhost",
	};
	struct addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (addr_parse(bad[i], &a) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(addr_parse(NULL, &a), -1);
}

static void
test_addr_url_host_takes_names_and_literals(void **state)
{
	char h[16];
	const char *rest;

	(void)state;
	assert_int_equal(addr_url_host("https://10.30.0.2/", h, sizeof(h),
	    &rest), 0);
	assert_string_equal(h, "10.30.0.2");
	assert_string_equal(rest, "/");
	assert_int_equal(addr_url_host("https://[2001:db8::2]:8443/x", h,
	    sizeof(h), &rest), 0);
	assert_string_equal(h, "2001:db8::2");
	assert_string_equal(rest, ":8443/x");
	assert_int_equal(addr_url_host("https://server.lab", h, sizeof(h),
	    NULL), 0);
	assert_string_equal(h, "server.lab");
	/* No scheme, no host, an open bracket, a host too long. */
	assert_int_equal(addr_url_host("server.lab", h, sizeof(h), NULL), -1);
	assert_int_equal(addr_url_host("https:///x", h, sizeof(h), NULL), -1);
	assert_int_equal(addr_url_host("https://[::1/", h, sizeof(h), NULL),
	    -1);
	assert_int_equal(addr_url_host("https://sixteen-chars.lab/", h,
	    sizeof(h), NULL), -1);
	assert_int_equal(addr_url_host(NULL, h, sizeof(h), NULL), -1);
}

static void
test_addr_fmt_is_canonical(void **state)
{
	struct addr a;
	char small[8];

	(void)state;
	a = A("10.0.0.1");
	assert_fmt(&a, "10.0.0.1");
	a = A("2001:DB8:0:0:0:0:0:1");
	assert_fmt(&a, "2001:db8::1");
	a = A("::");
	assert_fmt(&a, "::");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(addr_fmt(&a, small, sizeof(small)), -1);
	memset(&a, 0, sizeof(a));
	assert_int_equal(addr_fmt(&a, small, sizeof(small)), -1);
}

static void
test_cidr_parse_accepts_prefixes_and_bare_addresses(void **state)
{
	struct cidr c;
	char s[CIDR_STRLEN];

	(void)state;
	c = C("10.0.0.0/24");
	assert_int_equal(c.plen, 24);
	assert_int_equal(cidr_fmt(&c, s, sizeof(s)), 0);
	assert_string_equal(s, "10.0.0.0/24");

	c = C("10.0.0.7");
	assert_int_equal(c.plen, 32);
	assert_int_equal(cidr_fmt(&c, s, sizeof(s)), 0);
	assert_string_equal(s, "10.0.0.7/32");

	c = C("0.0.0.0/0");
	assert_int_equal(c.plen, 0);
	c = C("2001:db8::/32");
	assert_int_equal(c.plen, 32);
	c = C("2001:db8::1/128");
	assert_int_equal(c.plen, 128);
	c = C("::/0");
	assert_int_equal(c.plen, 0);
	c = C("10.0.0.128/25");
	assert_int_equal(c.plen, 25);
	assert_int_equal(cidr_fmt(&c, s, 5), -1);
}

static void
test_cidr_rejects_host_bits_below_prefix(void **state)
{
	struct cidr c;

	(void)state;
	assert_int_equal(cidr_parse("10.0.0.1/24", &c), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cidr_parse("10.0.0.128/24", &c), -1);
	assert_int_equal(cidr_parse("10.0.0.64/25", &c), -1);
	assert_int_equal(cidr_parse("2001:db8::1/64", &c), -1);
	assert_int_equal(cidr_parse("2001:db8:0:0:8000::/64", &c), -1);
	assert_int_equal(cidr_parse("1.0.0.0/0", &c), -1);
}

static void
test_cidr_rejects_junk_and_bad_lengths(void **state)
{
	static const char *bad[] = {
		"/", "/24", "10.0.0.0/", "10.0.0.0/24x", "10.0.0.0/33",
		"10.0.0.0/024", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
		" 10.0.0.0/24", "10.0.0.0/24 ", "10.0.0.0//24", "10.0.0.0/2/4",
		"::/129", "::/1000", "10.0.0.0/8\n", "x/8", "",
	};
	struct cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_parse(bad[i], &c) != -1)
			fail_msg("accepted '%s'", bad[i]);
}

static void
test_cidr_bounds_cover_the_prefix(void **state)
{
	struct cidr c;
	struct addr lo, hi, a;

	(void)state;
	c = C("10.0.0.0/24");
	cidr_bounds(&c, &lo, &hi);
	assert_fmt(&lo, "10.0.0.0");
	assert_fmt(&hi, "10.0.0.255");

	c = C("10.0.0.128/25");
	cidr_bounds(&c, &lo, &hi);
	assert_fmt(&hi, "10.0.0.255");

	c = C("172.16.0.0/12");
	cidr_bounds(&c, &lo, &hi);
	assert_fmt(&hi, "172.31.255.255");

	c = C("0.0.0.0/0");
	cidr_bounds(&c, &lo, &hi);
	assert_fmt(&lo, "0.0.0.0");
	assert_fmt(&hi, "255.255.255.255");

	c = C("2001:db8::/61");
	cidr_bounds(&c, &lo, &hi);
	assert_fmt(&hi, "2001:db8:0:7:ffff:ffff:ffff:ffff");

	a = A("10.0.0.77");
	assert_true(cidr_contains(&(struct cidr){ A("10.0.0.0"), 24 }, &a));
	assert_false(cidr_contains(&(struct cidr){ A("10.0.1.0"), 24 }, &a));
	assert_true(cidr_contains(&(struct cidr){ A("0.0.0.0"), 0 }, &a));
	/* Families never match each other. */
	a = A("::a00:4d");
	assert_false(cidr_contains(&(struct cidr){ A("10.0.0.0"), 24 }, &a));
	assert_false(cidr_contains(&(struct cidr){ A("::"), 0 },
	    &(struct addr){ .af = AF_INET }));
}

static void
test_range_parse_requires_ordered_same_family(void **state)
{
	struct addr lo, hi;

	(void)state;
	assert_int_equal(range_parse("10.0.0.10-10.0.0.50", &lo, &hi), 0);
	assert_fmt(&lo, "10.0.0.10");
	assert_fmt(&hi, "10.0.0.50");
	assert_int_equal(range_parse("10.0.0.1-10.0.0.1", &lo, &hi), 0);
	assert_int_equal(range_parse("2001:db8::1-2001:db8::ff", &lo, &hi), 0);
	assert_int_equal(lo.af, AF_INET6);

	assert_int_equal(range_parse("10.0.0.50-10.0.0.10", &lo, &hi), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(range_parse("10.0.0.1-::1", &lo, &hi), -1);
	assert_int_equal(range_parse("10.0.0.1-", &lo, &hi), -1);
	assert_int_equal(range_parse("-10.0.0.1", &lo, &hi), -1);
	assert_int_equal(range_parse("10.0.0.1", &lo, &hi), -1);
	assert_int_equal(range_parse("10.0.0.1 - 10.0.0.2", &lo, &hi), -1);
	assert_int_equal(range_parse("10.0.0.1-10.0.0.2-10.0.0.3", &lo, &hi),
	    -1);
}

static void
test_addr_cmp_sorts_ipv4_before_ipv6(void **state)
{
	struct addr a = A("255.255.255.255"), b = A("::"), c = A("::1");

	(void)state;
	assert_true(addr_cmp(&a, &b) < 0);
	assert_true(addr_cmp(&b, &a) > 0);
	assert_true(addr_cmp(&b, &c) < 0);
	a = A("10.0.0.2");
	b = A("10.0.0.10");
	assert_true(addr_cmp(&a, &b) < 0);
	/* Beyond the first 64 bits. */
	a = A("2001:db8::1:0");
	b = A("2001:db8::ffff");
	assert_true(addr_cmp(&a, &b) > 0);
	assert_true(addr_eq(&a, &a));
	assert_false(addr_eq(&a, &b));
}

static void
test_addr_inc_dec_carry_and_refuse_to_wrap(void **state)
{
	struct addr a;

	(void)state;
	a = A("10.0.0.255");
	assert_int_equal(addr_inc(&a), 0);
	assert_fmt(&a, "10.0.1.0");
	assert_int_equal(addr_dec(&a), 0);
	assert_fmt(&a, "10.0.0.255");

	a = A("255.255.255.255");
	assert_int_equal(addr_inc(&a), -1);
	assert_fmt(&a, "255.255.255.255");
	a = A("0.0.0.0");
	assert_int_equal(addr_dec(&a), -1);
	assert_fmt(&a, "0.0.0.0");

	a = A("::ffff:ffff:ffff:ffff");
	assert_int_equal(addr_inc(&a), 0);
	assert_fmt(&a, "0:0:0:1::");
	assert_int_equal(addr_dec(&a), 0);
	assert_fmt(&a, "::ffff:ffff:ffff:ffff");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(addr_inc(&a), -1);
	a = A("::");
	assert_int_equal(addr_dec(&a), -1);
}

static void
test_addr_from_v4_round_trips(void **state)
{
	struct addr a;

	(void)state;
	addr_from_v4(&a, htonl(0xc0000201));
	assert_fmt(&a, "192.0.2.1");
	assert_int_equal(addr_v4(&a), htonl(0xc0000201));
}

/* The set's ranges as "lo-hi,lo-hi". */
static const char *
ranges(const struct addrset *set)
{
	static char out[1024];
	char lo[ADDR_STRLEN], hi[ADDR_STRLEN];
	struct addr l, h;
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; addrset_range(set, i, &l, &h) == 0; i++) {
		addr_fmt(&l, lo, sizeof(lo));
		addr_fmt(&h, hi, sizeof(hi));
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s-%s",
		    i ? "," : "", lo, hi);
		if (n >= sizeof(out))
			fail_msg("too many ranges to print");
	}
	return out;
}

static void
add(struct addrset *s, const char *lo, const char *hi)
{
	struct addr l = A(lo), h = A(hi);

	assert_int_equal(addrset_add_range(s, &l, &h), 0);
}

static void
del(struct addrset *s, const char *lo, const char *hi)
{
	struct addr l = A(lo), h = A(hi);

	assert_int_equal(addrset_del_range(s, &l, &h), 0);
}

static int
has(const struct addrset *s, const char *a)
{
	struct addr x = A(a);

	return addrset_contains(s, &x);
}

static void
test_addrset_adjacent_ranges_merge(void **state)
{
	struct addrset *s = addrset_new();

	(void)state;
	add(s, "10.0.0.0", "10.0.0.9");
	add(s, "10.0.0.10", "10.0.0.19");
	assert_string_equal(ranges(s), "10.0.0.0-10.0.0.19");
	add(s, "10.0.0.30", "10.0.0.39");
	add(s, "10.0.0.20", "10.0.0.29");	/* fills the gap exactly */
	assert_string_equal(ranges(s), "10.0.0.0-10.0.0.39");
	/* Adjacent below, out of order. */
	add(s, "9.255.255.255", "9.255.255.255");
	assert_string_equal(ranges(s), "9.255.255.255-10.0.0.39");
	/* Not adjacent: one address gap stays a gap. */
	add(s, "10.0.0.41", "10.0.0.41");
	assert_string_equal(ranges(s),
	    "9.255.255.255-10.0.0.39,10.0.0.41-10.0.0.41");
	assert_false(has(s, "10.0.0.40"));
	assert_int_equal(addrset_nranges(s), 2);
	addrset_free(s);
}

static void
test_addrset_overlap_swallows_ranges(void **state)
{
	struct addrset *s = addrset_new();

	(void)state;
	add(s, "10.0.0.10", "10.0.0.20");
	add(s, "10.0.0.30", "10.0.0.40");
	add(s, "10.0.0.50", "10.0.0.60");
	add(s, "10.0.0.70", "10.0.0.80");
	add(s, "10.0.0.15", "10.0.0.55");
	assert_string_equal(ranges(s),
	    "10.0.0.10-10.0.0.60,10.0.0.70-10.0.0.80");
	add(s, "10.0.0.12", "10.0.0.13");	/* inside: no change */
	assert_string_equal(ranges(s),
	    "10.0.0.10-10.0.0.60,10.0.0.70-10.0.0.80");
	add(s, "10.0.0.0", "10.0.0.255");
	assert_string_equal(ranges(s), "10.0.0.0-10.0.0.255");
	assert_int_equal(addrset_count(s), 256);
	addrset_free(s);
}

static void
test_addrset_except_splits_range(void **state)
{
	struct addrset *s = addrset_new();
	struct cidr c = C("10.0.0.0/24");
	struct addr one = A("10.0.0.1");

	(void)state;
	/* claim 10.0.0.0/24 except 10.0.0.1 */
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_int_equal(addrset_del_range(s, &one, &one), 0);
	assert_string_equal(ranges(s),
	    "10.0.0.0-10.0.0.0,10.0.0.2-10.0.0.255");
	assert_int_equal(addrset_count(s), 255);
	assert_false(has(s, "10.0.0.1"));
	assert_true(has(s, "10.0.0.0"));
	assert_true(has(s, "10.0.0.2"));
	/* Except a /28 in the middle, then its ends. */
	c = C("10.0.0.16/28");
	assert_int_equal(addrset_del_cidr(s, &c), 0);
	assert_string_equal(ranges(s),
	    "10.0.0.0-10.0.0.0,10.0.0.2-10.0.0.15,10.0.0.32-10.0.0.255");
	del(s, "10.0.0.0", "10.0.0.0");
	del(s, "10.0.0.255", "10.0.0.255");
	assert_string_equal(ranges(s),
	    "10.0.0.2-10.0.0.15,10.0.0.32-10.0.0.254");
	/* Deleting what is not there changes nothing. */
	del(s, "10.0.0.16", "10.0.0.31");
	del(s, "192.0.2.0", "192.0.2.255");
	del(s, "2001:db8::", "2001:db8::ffff");
	assert_string_equal(ranges(s),
	    "10.0.0.2-10.0.0.15,10.0.0.32-10.0.0.254");
	addrset_free(s);
}

static void
test_addrset_del_across_ranges_trims_both_ends(void **state)
{
	struct addrset *s = addrset_new();

	(void)state;
	add(s, "10.0.0.10", "10.0.0.20");
	add(s, "10.0.0.30", "10.0.0.40");
	add(s, "10.0.0.50", "10.0.0.60");
	add(s, "10.0.0.70", "10.0.0.80");
	del(s, "10.0.0.15", "10.0.0.75");
	assert_string_equal(ranges(s),
	    "10.0.0.10-10.0.0.14,10.0.0.76-10.0.0.80");
	del(s, "10.0.0.0", "10.0.0.14");
	assert_string_equal(ranges(s), "10.0.0.76-10.0.0.80");
	del(s, "0.0.0.0", "255.255.255.255");
	assert_int_equal(addrset_nranges(s), 0);
	assert_int_equal(addrset_count(s), 0);
	assert_false(has(s, "10.0.0.77"));
	addrset_free(s);
}

static void
test_addrset_holds_both_families_apart(void **state)
{
	struct addrset *s = addrset_new();
	struct addr lo, hi;

	(void)state;
	add(s, "2001:db8::1", "2001:db8::1");
	add(s, "10.0.0.1", "10.0.0.1");
	add(s, "::a00:0", "::a00:ff");
	assert_string_equal(ranges(s), "10.0.0.1-10.0.0.1,"
	    "::10.0.0.0-::10.0.0.255,2001:db8::1-2001:db8::1");
	assert_true(has(s, "10.0.0.1"));
	assert_false(has(s, "10.0.0.2"));
	assert_true(has(s, "::a00:2"));
	assert_false(has(s, "::a00:100"));
	assert_true(has(s, "2001:db8::1"));
	assert_int_equal(addrset_range(s, 0, &lo, &hi), 0);
	assert_int_equal(lo.af, AF_INET);
	assert_int_equal(addrset_range(s, 2, &lo, &hi), 0);
	assert_int_equal(lo.af, AF_INET6);
	assert_int_equal(addrset_range(s, 3, &lo, &hi), -1);
	assert_int_equal(addrset_count(s), 258);
	addrset_free(s);
}

static void
test_addrset_count_saturates_on_ipv6_64(void **state)
{
	struct addrset *s = addrset_new();
	struct cidr c;

	(void)state;
	c = C("2001:db8::/65");
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_true(addrset_count(s) == (uint64_t)1 << 63);
	c = C("10.0.0.0/8");
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_true(addrset_count(s) == ((uint64_t)1 << 63) + (1 << 24));
	c = C("2001:db8::/64");
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_true(addrset_count(s) == UINT64_MAX);
	addrset_free(s);

	s = addrset_new();
	c = C("::/0");
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_true(addrset_count(s) == UINT64_MAX);
	assert_true(has(s, "::"));
	assert_true(has(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_false(has(s, "0.0.0.0"));
	c = C("0.0.0.0/0");
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_true(has(s, "255.255.255.255"));
	addrset_free(s);

	s = addrset_new();
	c = C("0.0.0.0/0");
	assert_int_equal(addrset_add_cidr(s, &c), 0);
	assert_true(addrset_count(s) == (uint64_t)1 << 32);
	addrset_free(s);
}

static void
test_addrset_handles_the_ends_of_the_space(void **state)
{
	struct addrset *s = addrset_new();

	(void)state;
	add(s, "255.255.255.250", "255.255.255.255");
	add(s, "255.255.255.240", "255.255.255.249");
	add(s, "0.0.0.0", "0.0.0.1");
	assert_string_equal(ranges(s),
	    "0.0.0.0-0.0.0.1,255.255.255.240-255.255.255.255");
	del(s, "255.255.255.255", "255.255.255.255");
	del(s, "0.0.0.0", "0.0.0.0");
	assert_string_equal(ranges(s),
	    "0.0.0.1-0.0.0.1,255.255.255.240-255.255.255.254");
	add(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	add(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd");
	add(s, "::", "::");
	del(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff1",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_string_equal(ranges(s),
	    "0.0.0.1-0.0.0.1,255.255.255.240-255.255.255.254,::-::,"
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0-"
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0,"
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff-"
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	addrset_free(s);
}

static void
test_addrset_rejects_bad_ranges(void **state)
{
	struct addrset *s = addrset_new();
	struct addr lo = A("10.0.0.2"), hi = A("10.0.0.1"), v6 = A("::1"),
	    none;
	struct cidr c;

	(void)state;
	memset(&none, 0, sizeof(none));
	assert_int_equal(addrset_add_range(s, &lo, &hi), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(addrset_add_range(s, &lo, &v6), -1);
	assert_int_equal(addrset_add_range(s, &none, &none), -1);
	assert_int_equal(addrset_del_range(s, &lo, &hi), -1);
	assert_int_equal(addrset_add(s, &none), -1);
	c.addr = lo;
	c.plen = 33;
	assert_int_equal(addrset_add_cidr(s, &c), -1);
	assert_false(addrset_contains(s, &none));
	assert_int_equal(addrset_nranges(s), 0);
	addrset_free(s);
	addrset_free(NULL);
}

static void
test_addrset_iterates_every_address_in_order(void **state)
{
	struct addrset *s = addrset_new();
	struct addrset_iter it;
	struct addr a;
	char got[2048], one[ADDR_STRLEN];
	size_t n = 0, count = 0;

	(void)state;
	add(s, "2001:db8::ffff", "2001:db8::1:1");
	add(s, "10.0.0.254", "10.0.1.1");
	add(s, "10.0.0.1", "10.0.0.1");
	got[0] = '\0';
	addrset_iter_init(&it, s);
	while (addrset_iter_next(&it, &a)) {
		addr_fmt(&a, one, sizeof(one));
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s ", one);
		count++;
	}
	assert_string_equal(got, "10.0.0.1 10.0.0.254 10.0.0.255 10.0.1.0 "
	    "10.0.1.1 2001:db8::ffff 2001:db8::1:0 2001:db8::1:1 ");
	assert_int_equal(count, addrset_count(s));
	/* Done stays done. */
	assert_false(addrset_iter_next(&it, &a));
	addrset_free(s);

	s = addrset_new();
	addrset_iter_init(&it, s);
	assert_false(addrset_iter_next(&it, &a));
	add(s, "255.255.255.255", "255.255.255.255");
	addrset_iter_init(&it, s);
	assert_true(addrset_iter_next(&it, &a));
	assert_fmt(&a, "255.255.255.255");
	assert_false(addrset_iter_next(&it, &a));
	addrset_free(s);
}

/* Host i of 10.0.0.0/16. */
static struct addr
host(uint32_t i)
{
	struct addr a;

	addr_from_v4(&a, htonl(0x0a000000 | i));
	return a;
}

static void
shuffle(uint32_t *v, size_t n, unsigned seed)
{
	size_t i, j;
	uint32_t t;

	srandom(seed);
	for (i = n - 1; i > 0; i--) {
		j = (size_t)random() % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void
test_addrset_adds_65536_hosts_in_any_order_quickly(void **state)
{
	struct addrset *s;
	struct addr a;
	uint32_t *order;
	double t0, t_asc, t_rand, t_sparse;
	size_t i;

	(void)state;
	order = calloc(65536, sizeof(*order));
	assert_non_null(order);

	s = addrset_new();
	t0 = now();
	for (i = 0; i < 65536; i++) {
		a = host((uint32_t)i);
		assert_int_equal(addrset_add(s, &a), 0);
	}
	t_asc = now() - t0;
	assert_int_equal(addrset_nranges(s), 1);
	assert_int_equal(addrset_count(s), 65536);
	addrset_free(s);

	for (i = 0; i < 65536; i++)
		order[i] = (uint32_t)i;
	shuffle(order, 65536, 1);
	s = addrset_new();
	t0 = now();
	for (i = 0; i < 65536; i++) {
		a = host(order[i]);
		assert_int_equal(addrset_add(s, &a), 0);
	}
	t_rand = now() - t0;
	assert_int_equal(addrset_nranges(s), 1);
	assert_int_equal(addrset_count(s), 65536);
	addrset_free(s);

	/* Every other host: 32768 ranges that never merge. */
	s = addrset_new();
	t0 = now();
	for (i = 0; i < 65536; i++) {
		if (order[i] % 2)
			continue;
		a = host(order[i]);
		assert_int_equal(addrset_add(s, &a), 0);
	}
	for (i = 0; i < 65536; i++) {
		a = host((uint32_t)i);
		assert_int_equal(addrset_contains(s, &a), i % 2 == 0);
	}
	/* Then delete them again in random order. */
	for (i = 0; i < 65536; i++) {
		a = host(order[i]);
		assert_int_equal(addrset_del_range(s, &a, &a), 0);
	}
	t_sparse = now() - t0;
	assert_int_equal(addrset_nranges(s), 0);
	addrset_free(s);
	free(order);

	print_message("65536 adds: ascending %.3fs, random %.3fs; "
	    "sparse add+lookup+del %.3fs\n", t_asc, t_rand, t_sparse);
	/* Generous bounds: sanitizer builds on a loaded CI machine. */
	assert_true(t_asc < 1.0);
	assert_true(t_rand < 2.0);
	assert_true(t_sparse < 3.0);
}

/*
 * Random adds and deletes over a small space, checked after every step
 * against a bitmap: membership, count, sorted, disjoint, non-adjacent.
 * Enough ranges to split and merge chunks many times over.
 */
#define MODEL_N	8192

static void
check_model(const struct addrset *s, const uint8_t *bits)
{
	struct addr lo, hi, prev;
	uint64_t count = 0;
	size_t i, runs = 0;
	uint32_t l, h, k;

	for (k = 0; k < MODEL_N; k++) {
		struct addr a = host(k);

		if (addrset_contains(s, &a) != bits[k])
			fail_msg("contains(10.0.%u.%u) != model", k >> 8,
			    k & 255);
		count += bits[k];
		if (bits[k] && (k == 0 || !bits[k - 1]))
			runs++;
	}
	assert_int_equal(addrset_count(s), count);
	assert_int_equal(addrset_nranges(s), runs);
	for (i = 0; addrset_range(s, i, &lo, &hi) == 0; i++) {
		assert_true(addr_cmp(&lo, &hi) <= 0);
		if (i > 0) {
			addr_inc(&prev);
			/* Sorted and at least one address apart. */
			assert_true(addr_cmp(&prev, &lo) < 0);
		}
		l = ntohl(addr_v4(&lo)) & 0xffff;
		h = ntohl(addr_v4(&hi)) & 0xffff;
		assert_true(bits[l] && bits[h]);
		assert_true(l == 0 || !bits[l - 1]);
		assert_true(h == MODEL_N - 1 || !bits[h + 1]);
		prev = hi;
	}
}

static void
test_addrset_matches_a_bitmap_model(void **state)
{
	static uint8_t bits[MODEL_N];
	struct addrset *s = addrset_new();
	struct addr lo, hi;
	uint32_t l, len, k;
	size_t most = 0;
	int step, isadd;

	(void)state;
	srandom(42);
	for (step = 0; step < 6000; step++) {
		/* Mostly tiny ranges so the set fragments, a few wide. */
		len = random() % 128 == 0 ? (uint32_t)random() % 512 :
		    (uint32_t)random() % 3;
		l = (uint32_t)random() % MODEL_N;
		if (l + len >= MODEL_N)
			len = MODEL_N - 1 - l;
		/* Add more than delete early on, then the other way. */
		isadd = (uint32_t)random() % 100 < (step < 4000 ? 70u : 35u);
		lo = host(l);
		hi = host(l + len);
		if (isadd)
			assert_int_equal(addrset_add_range(s, &lo, &hi), 0);
		else
			assert_int_equal(addrset_del_range(s, &lo, &hi), 0);
		for (k = l; k <= l + len; k++)
			bits[k] = (uint8_t)isadd;
		if (step % 50 == 0 || step > 5950)
			check_model(s, bits);
		if (addrset_nranges(s) > most)
			most = addrset_nranges(s);
	}
	check_model(s, bits);
	/* The set had many chunks (128 ranges each) at its peak. */
	print_message("at most %zu ranges\n", most);
	assert_true(most > 4 * 128);
	addrset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_accepts_both_families),
		cmocka_unit_test(test_addr_parse_rejects_junk),
		cmocka_unit_test(test_addr_url_host_takes_names_and_literals),
		cmocka_unit_test(test_addr_fmt_is_canonical),
		cmocka_unit_test(test_cidr_parse_accepts_prefixes_and_bare_addresses),
		cmocka_unit_test(test_cidr_rejects_host_bits_below_prefix),
		cmocka_unit_test(test_cidr_rejects_junk_and_bad_lengths),
		cmocka_unit_test(test_cidr_bounds_cover_the_prefix),
		cmocka_unit_test(test_range_parse_requires_ordered_same_family),
		cmocka_unit_test(test_addr_cmp_sorts_ipv4_before_ipv6),
		cmocka_unit_test(test_addr_inc_dec_carry_and_refuse_to_wrap),
		cmocka_unit_test(test_addr_from_v4_round_trips),
		cmocka_unit_test(test_addrset_adjacent_ranges_merge),
		cmocka_unit_test(test_addrset_overlap_swallows_ranges),
		cmocka_unit_test(test_addrset_except_splits_range),
		cmocka_unit_test(test_addrset_del_across_ranges_trims_both_ends),
		cmocka_unit_test(test_addrset_holds_both_families_apart),
		cmocka_unit_test(test_addrset_count_saturates_on_ipv6_64),
		cmocka_unit_test(test_addrset_handles_the_ends_of_the_space),
		cmocka_unit_test(test_addrset_rejects_bad_ranges),
		cmocka_unit_test(test_addrset_iterates_every_address_in_order),
		cmocka_unit_test(test_addrset_adds_65536_hosts_in_any_order_quickly),
		cmocka_unit_test(test_addrset_matches_a_bitmap_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
