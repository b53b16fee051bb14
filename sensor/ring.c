/*
 * TPACKET_V3 rings: see ring.h.  The kernel's packet_mmap.rst documents
 * the block layout walked here.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring.h"
#include "stack.h"

/* 16 x 128 KiB: blocks close within retire_ms even when traffic is thin,
 * so a lone SYN waits at most about a jiffy. */
const struct ring_geom ring_geom_engine = {
	.block_size = 128 * 1024, .block_nr = 16, .frame_size = 2048,
	.retire_ms = 1,
};
/* 16 x 128 KiB: the same 16 blocks (0.8 s of a stalled writer while
 * traffic is thin, each block retiring after 50 ms) in 2 MiB rather than
 * 4.  The ring is mapped whole, so all of it counted in the capture's
 * RSS, half of it room only a flood of big frames could fill; the
 * kernel's drops show in the stats (capture.IF.ring_drops). */
const struct ring_geom ring_geom_capture = {
	.block_size = 128 * 1024, .block_nr = 16, .frame_size = 2048,
	.retire_ms = 50,
};

#define RING_SNAPLEN	65535

struct ring {
	int		 fd;
	int		 ifindex;
	uint8_t		*map;
	size_t		 maplen;
	uint32_t	 block_size, block_nr, cur;
};

int
ring_attach_filter(int fd, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	struct sock_fprog fprog;
	pcap_t *p;
	int rv = -1;

	if ((p = pcap_open_dead(DLT_EN10MB, RING_SNAPLEN)) == NULL) {
		snprintf(err, errlen, "pcap_open_dead failed");
		return -1;
	}
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) == -1) {
		snprintf(err, errlen, "filter \"%s\": %s", filter,
		    pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	/* struct bpf_insn and struct sock_filter have the same layout. */
	_Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter),
	    "bpf_insn layout");
	memset(&fprog, 0, sizeof(fprog));
	fprog.len = (unsigned short)prog.bf_len;
	fprog.filter = (struct sock_filter *)(void *)prog.bf_insns;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog,
	    sizeof(fprog)) == -1)
		snprintf(err, errlen, "SO_ATTACH_FILTER: %s", strerror(errno));
	else
		rv = 0;
	pcap_freecode(&prog);
	pcap_close(p);
	return rv;
}

int
ring_open(int ifindex, const struct ring_geom *g, const char *filter,
    int flags, char *err, size_t errlen)
{
	struct tpacket_req3 req;
	struct sockaddr_ll sll;
	int fd, v = TPACKET_V3, one = 1;

	/* Protocol 0: nothing is queued until bind, after the filter. */
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket(AF_PACKET): %s", strerror(errno));
		return -1;
	}
	if (filter != NULL &&
	    ring_attach_filter(fd, filter, err, errlen) == -1)
		goto fail;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == -1) {
		snprintf(err, errlen, "PACKET_VERSION: %s", strerror(errno));
		goto fail;
	}
	if ((flags & RING_F_IGNORE_OUTGOING) && setsockopt(fd, SOL_PACKET,
	    PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "PACKET_IGNORE_OUTGOING: %s",
		    strerror(errno));
		goto fail;
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = g->block_size;
	req.tp_block_nr = g->block_nr;
	req.tp_frame_size = g->frame_size;
	req.tp_frame_nr = g->block_size / g->frame_size * g->block_nr;
	req.tp_retire_blk_tov = g->retire_ms;
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req,
	    sizeof(req)) == -1) {
		snprintf(err, errlen, "PACKET_RX_RING: %s", strerror(errno));
		goto fail;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		snprintf(err, errlen, "bind(ifindex %d): %s", ifindex,
		    strerror(errno));
		goto fail;
	}
	return fd;
 fail:
	close(fd);
	return -1;
}

struct ring *
ring_map(int fd, int ifindex, const struct ring_geom *g)
{
	struct ring *r;

	if (g->block_size == 0 || g->block_nr == 0 ||
	    g->block_size % (uint32_t)getpagesize() != 0 ||
	    (size_t)g->block_size * g->block_nr > 1024UL * 1024 * 1024) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fd = fd;
	r->ifindex = ifindex;
	r->block_size = g->block_size;
	r->block_nr = g->block_nr;
	r->maplen = (size_t)g->block_size * g->block_nr;
	r->map = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	if (r->map == MAP_FAILED) {
		free(r);
		return NULL;
	}
	return r;
}

void
ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	munmap(r->map, r->maplen);
	close(r->fd);
	free(r);
}

int
ring_fd(const struct ring *r)
{
	return r->fd;
}

int
ring_ifindex(const struct ring *r)
{
	return r->ifindex;
}

static unsigned
frame_flags(uint32_t status, const struct sockaddr_ll *sll)
{
	unsigned f = 0;

	if (status & TP_STATUS_CSUMNOTREADY)
		f |= STACK_F_CSUM_NOTREADY;
	if (status & TP_STATUS_CSUM_VALID)
		f |= STACK_F_CSUM_VALID;
	if (sll->sll_pkttype == PACKET_OUTGOING)
		f |= STACK_F_OUTGOING;
	return f;
}

/* One retired block; offsets come from the kernel but are still kept
 * inside the block. */
static size_t
drain_block(struct ring *r, struct tpacket_block_desc *bd,
    void (*fn)(void *, const struct ring_frame *), void *arg)
{
	const size_t hdrlen = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	struct tpacket3_hdr *h;
	const struct sockaddr_ll *sll;
	struct ring_frame f;
	uint8_t *base = (uint8_t *)bd;
	uint32_t i, n = bd->hdr.bh1.num_pkts;
	size_t off = bd->hdr.bh1.offset_to_first_pkt, seen = 0;

	for (i = 0; i < n; i++) {
		if (off + hdrlen + sizeof(*sll) > r->block_size)
			break;
		h = (struct tpacket3_hdr *)(void *)(base + off);
		if (h->tp_mac > r->block_size - off ||
		    h->tp_snaplen > r->block_size - off - h->tp_mac)
			break;
		sll = (const struct sockaddr_ll *)(const void *)
		    (base + off + hdrlen);
		f.data = base + off + h->tp_mac;
		f.caplen = h->tp_snaplen;
		f.len = h->tp_len;
		f.flags = frame_flags(h->tp_status, sll);
		f.ts_us = (int64_t)h->tp_sec * 1000000 + h->tp_nsec / 1000;
		fn(arg, &f);
		seen++;
		if (h->tp_next_offset == 0)
			break;
		off += h->tp_next_offset;
	}
	return seen;
}

size_t
ring_drain(struct ring *r, size_t max_blocks,
    void (*fn)(void *, const struct ring_frame *), void *arg)
{
	struct tpacket_block_desc *bd;
	size_t blocks = 0, frames = 0;

	if (max_blocks == 0 || max_blocks > r->block_nr)
		max_blocks = r->block_nr;
	while (blocks < max_blocks) {
		bd = (struct tpacket_block_desc *)(void *)
		    (r->map + (size_t)r->cur * r->block_size);
		if ((__atomic_load_n(&bd->hdr.bh1.block_status,
		    __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0)
			break;
		frames += drain_block(r, bd, fn, arg);
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
		    __ATOMIC_RELEASE);
		r->cur = (r->cur + 1) % r->block_nr;
		blocks++;
	}
	return frames;
}

int
ring_send(struct ring *r, const uint8_t *frame, size_t len)
{
	ssize_t n;

	do {
		n = send(r->fd, frame, len, MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
ring_stats(struct ring *r, uint64_t *packets, uint64_t *drops)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == -1)
		return -1;
	*packets = st.tp_packets;
	*drops = st.tp_drops;
	return 0;
}
