/*
 * Golden captures: tests/data/net/NAME.pcap is decoded frame by frame and
 * must give exactly NAME.expected (what `pcapcheck -t` prints), and
 * NAME.nocsum.expected when present, with checksum verification skipped.
 * Adding a case is adding those files; make_fixtures.py writes the
 * synthetic ones.  Classic pcap only, read here without libpcap.
 */
#include <dirent.h>
#include <stdio.h>

#include "test_net.h"

#define PCAP_MAGIC	0xa1b2c3d4
#define PCAP_MAGIC_NS	0xa1b23c4d
#define LINKTYPE_ETH	1
#define LINKTYPE_RAW	101
#define LINKTYPE_SLL	113

static uint32_t
rd32le(const uint8_t *p, int swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return swap ? __builtin_bswap32(v) : v;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f;
	uint8_t *b;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

/* The pcapcheck -t lines for one capture, into out (NUL-terminated). */
static void
golden_lines(const uint8_t *cap, size_t caplen, unsigned int flags,
    char *out, size_t size)
{
	decode_fn d = NULL;
	size_t off = 24, n = 0, incl, orig;
	unsigned long no = 0;
	uint32_t magic;
	int swap;

	assert_true(caplen >= 24);
	magic = rd32le(cap, 0);
	swap = magic != PCAP_MAGIC && magic != PCAP_MAGIC_NS;
	magic = rd32le(cap, swap);
	assert_true(magic == PCAP_MAGIC || magic == PCAP_MAGIC_NS);
	switch (rd32le(cap + 20, swap)) {
	case LINKTYPE_ETH:
		d = decode_eth;
		break;
	case LINKTYPE_SLL:
		d = decode_sll;
		break;
	case LINKTYPE_RAW:
		d = decode_ip;
		break;
	default:
		fail_msg("unsupported link type");
	}
	out[0] = '\0';
	while (caplen - off >= 16) {
		struct frame f;
		struct pkt p;
		char layers[128], anoms[1024];
		uint8_t enc[FRAME_MAX];
		const char *rt = "n/a";

		incl = rd32le(cap + off + 8, swap);
		orig = rd32le(cap + off + 12, swap);
		assert_true(incl <= caplen - off - 16);
		f = copyframe(cap + off + 16, incl);
		(void)dec(&p, d, &f, flags);
		if (pkt_exact(&p)) {
			int m = encode_pkt(&p, enc, sizeof(enc));

			rt = m == (int)incl && memcmp(enc, f.b, incl) == 0 ?
			    "ok" : "mismatch";
		} else if (p.layers)
			rt = "lossy";
		pkt_layers_fmt(&p, layers, sizeof(layers));
		pkt_anoms_fmt(&p, anoms, sizeof(anoms));
		n += snprintf(out + n, n < size ? size - n : 0,
		    "%lu\t%s\t%s\t%s\t%d\n", ++no, layers, anoms, rt,
		    incl < orig);
		assert_true(n < size);
		freeframe(&f);
		off += 16 + incl;
	}
	assert_int_equal(off, caplen);
}

static int
check_case(const char *dir, const char *name, const char *suffix,
    unsigned int flags)
{
	char path[1024], got[65536];
	uint8_t *cap, *want;
	size_t caplen, wantlen;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	if ((want = slurp(path, &wantlen)) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	cap = slurp(path, &caplen);
	assert_non_null(cap);
	golden_lines(cap, caplen, flags, got, sizeof(got));
	if (strcmp(got, (const char *)want) != 0) {
		print_error("%s/%s%s differs; decoded:\n%s", dir, name,
		    suffix, got);
		fail();
	}
	free(cap);
	free(want);
	return 1;
}

static void
test_net_golden_captures_decode_as_recorded(void **state)
{
	char dir[1024], name[256];
	const char *src;
	struct dirent *de;
	DIR *d;
	size_t len;
	int cases = 0;

	(void)state;
	if ((src = getenv("DIAS_SRC")) == NULL)
		skip();
	snprintf(dir, sizeof(dir), "%s/tests/data/net", src);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".pcap") != 0 ||
		    len - 5 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		cases += check_case(dir, name, ".expected", 0);
		cases += check_case(dir, name, ".nocsum.expected",
		    PKT_F_NO_IP_CKSUM | PKT_F_NO_L4_CKSUM);
	}
	closedir(d);
	assert_true(cases >= 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_golden_captures_decode_as_recorded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
