/*
 * pcapcheck: decode every frame of pcap/pcapng files with the DIAS packet
 * codec, print each frame's anomalies, and re-encode every frame the codec
 * claims round-trips (pkt_exact), comparing byte for byte.  Exits 1 on any
 * mismatch, 2 on a usage or file error, 0 otherwise.
 *
 *	pcapcheck [-t] [-n] file ...
 *	-t	one tab-separated line per frame (for scripts):
 *		frame, layers, anomalies, round trip, snapped
 *	-n	do not verify checksums (as for CSUM_NOT_READY frames)
 */
#include <pcap/pcap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

#define OUT_MAX	(65536 + 256)

struct counts {
	unsigned long	 frames, decoded, anomalous, checked, exact;
	unsigned long	 mismatch, lossy, snapped, l4;
};

static int	 tsv;
static unsigned int decode_flags;

static int
decode_link(struct pkt *p, int dlt, const uint8_t *buf, size_t len)
{
	switch (dlt) {
	case DLT_EN10MB:
		return decode_eth(p, buf, len);
	case DLT_LINUX_SLL:
		return decode_sll(p, buf, len);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return decode_ip(p, buf, len);
	}
	return -1;
}

static int
link_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_RAW ||
	    dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

static size_t
first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			break;
	return i;
}

static void
check_frame(struct counts *c, int dlt, unsigned long no,
    const struct pcap_pkthdr *h, const uint8_t *buf, uint8_t *out)
{
	struct pkt p;
	char layers[128], anoms[1024];
	const char *rt = "n/a";
	int n, snapped = h->caplen < h->len;

	c->frames++;
	c->snapped += snapped;
	pkt_init(&p, decode_flags);
	if (decode_link(&p, dlt, buf, h->caplen) == 0)
		c->decoded++;
	if (p.nanom)
		c->anomalous++;
	if (p.layers & (PKT_L_ARP | PKT_L_TCP | PKT_L_UDP | PKT_L_ICMP |
	    PKT_L_ICMP6))
		c->l4++;
	if (pkt_exact(&p)) {
		c->checked++;
		n = encode_pkt(&p, out, OUT_MAX);
		if (n == (int)h->caplen && memcmp(out, buf, n) == 0) {
			c->exact++;
			rt = "ok";
		} else {
			c->mismatch++;
			rt = "mismatch";
			printf("frame %lu: MISMATCH: in %u bytes, out %d, "
			    "first difference at %zu\n", no, h->caplen, n,
			    n < 0 ? 0 : first_diff(buf, out,
			    (size_t)n < h->caplen ? (size_t)n : h->caplen));
		}
	} else if (p.layers) {
		c->lossy++;
		rt = "lossy";
	}
	pkt_layers_fmt(&p, layers, sizeof(layers));
	pkt_anoms_fmt(&p, anoms, sizeof(anoms));
	if (tsv)
		printf("%lu\t%s\t%s\t%s\t%d\n", no, layers, anoms, rt,
		    snapped);
	else if (p.nanom)
		printf("frame %lu: %s: %s%s\n", no, layers, anoms,
		    snapped ? " (cut by snap length)" : "");
}

static int
check_file(const char *path, struct counts *c)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *buf;
	uint8_t *out;
	pcap_t *pc;
	unsigned long no = 0;
	int dlt, rv;

	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		fprintf(stderr, "pcapcheck: %s: %s\n", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		printf("pcapcheck: %s: link type %s not decoded, skipped\n",
		    path, pcap_datalink_val_to_name(dlt));
		pcap_close(pc);
		return 0;
	}
	if ((out = malloc(OUT_MAX)) == NULL) {
		perror("malloc");
		pcap_close(pc);
		return -1;
	}
	while ((rv = pcap_next_ex(pc, &h, &buf)) == 1)
		check_frame(c, dlt, ++no, h, buf, out);
	if (rv == PCAP_ERROR)
		fprintf(stderr, "pcapcheck: %s: %s\n", path, pcap_geterr(pc));
	free(out);
	pcap_close(pc);
	return rv == PCAP_ERROR ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	struct counts c;
	int ch, i, bad = 0;

	while ((ch = getopt(argc, argv, "nt")) != -1) {
		switch (ch) {
		case 'n':
			decode_flags = PKT_F_NO_IP_CKSUM | PKT_F_NO_L4_CKSUM;
			break;
		case 't':
			tsv = 1;
			break;
		default:
			fprintf(stderr, "usage: pcapcheck [-nt] file ...\n");
			return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "usage: pcapcheck [-nt] file ...\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	for (i = optind; i < argc; i++)
		if (check_file(argv[i], &c) == -1)
			bad = 1;
	printf("summary: frames %lu decoded %lu anomalous %lu "
	    "arp/l4 %lu reencoded %lu exact %lu mismatch %lu lossy %lu "
	    "snapped %lu\n", c.frames, c.decoded, c.anomalous, c.l4,
	    c.checked, c.exact, c.mismatch, c.lossy, c.snapped);
	if (bad)
		return 2;
	return c.mismatch ? 1 : 0;
}
