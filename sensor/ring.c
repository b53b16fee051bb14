/*
 * TPACKET_V3 rings: see ring.h.  The kernel's packet_mmap.rst documents
 * the block layout walked here.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stddef.h>
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

/*
 * libpcap compiles the filters, in a child of its own that loads it and
 * exits: linked, libpcap and the nine libraries behind it (D-Bus,
 * systemd, gcrypt, ...) were mapped and relocated in all four processes,
 * about 2 MB of RSS, for a few compiles at start.  The child writes the
 * program, or why not, down a pipe.
 */
struct ring_bpf {
	int32_t			 len;	/* instructions; -1: msg says why */
	char			 msg[256];
	struct sock_filter	 insns[BPF_MAXINSNS];
};

static const char *const pcap_sonames[] = {
	"libpcap.so.0.8",		/* Debian's name for it */
	"libpcap.so.1",
};

/* In the child: compile filter into rb. */
static void
ring_compile_child(const char *filter, struct ring_bpf *rb)
{
	pcap_t *(*open_dead)(int, int);
	int (*compile)(pcap_t *, struct bpf_program *, const char *, int,
	    bpf_u_int32);
	char *(*geterr)(pcap_t *);
	struct bpf_program prog;
	void *dl = NULL, *p1, *p2, *p3;
	size_t i;
	pcap_t *p;

	rb->len = -1;
	for (i = 0; i < sizeof(pcap_sonames) / sizeof(pcap_sonames[0]) &&
	    dl == NULL; i++)
		dl = dlopen(pcap_sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL || (p1 = dlsym(dl, "pcap_open_dead")) == NULL ||
	    (p2 = dlsym(dl, "pcap_compile")) == NULL ||
	    (p3 = dlsym(dl, "pcap_geterr")) == NULL) {
		snprintf(rb->msg, sizeof(rb->msg), "libpcap: %s", dlerror());
		return;
	}
	/* POSIX: data and code pointers agree. */
	memcpy(&open_dead, &p1, sizeof(p1));
	memcpy(&compile, &p2, sizeof(p2));
	memcpy(&geterr, &p3, sizeof(p3));
	if ((p = open_dead(DLT_EN10MB, RING_SNAPLEN)) == NULL) {
		snprintf(rb->msg, sizeof(rb->msg), "pcap_open_dead failed");
		return;
	}
	if (compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) == -1) {
		snprintf(rb->msg, sizeof(rb->msg), "filter \"%s\": %s", filter,
		    geterr(p));
		return;
	}
	if (prog.bf_len > BPF_MAXINSNS) {
		snprintf(rb->msg, sizeof(rb->msg), "filter \"%s\": %u "
		    "instructions, more than the kernel takes", filter,
		    prog.bf_len);
		return;
	}
	/* struct bpf_insn and struct sock_filter have the same layout. */
	_Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter),
	    "bpf_insn layout");
	memcpy(rb->insns, prog.bf_insns, prog.bf_len * sizeof(rb->insns[0]));
	rb->len = (int32_t)prog.bf_len;
}

/* Read exactly len bytes, or fewer at EOF; -1 on error. */
static ssize_t
read_full(int fd, void *p, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = read(fd, (char *)p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

/* Compile filter in a child into rb; 0, or -1 with err filled. */
static int
ring_compile(const char *filter, struct ring_bpf *rb, char *err,
    size_t errlen)
{
	int pfd[2], status;
	size_t want;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		ring_compile_child(filter, rb);
		want = rb->len < 0 ? sizeof(*rb) : offsetof(struct ring_bpf,
		    insns) + (size_t)rb->len * sizeof(rb->insns[0]);
		_exit(write(pfd[1], rb, want) == (ssize_t)want ? 0 : 1);
	}
	close(pfd[1]);
	n = read_full(pfd[0], rb, sizeof(*rb));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n < (ssize_t)offsetof(struct ring_bpf, insns)) {
		snprintf(err, errlen, "filter \"%s\": the compiling child "
		    "failed", filter);
		return -1;
	}
	if (rb->len < 0 || (size_t)n != offsetof(struct ring_bpf, insns) +
	    (size_t)rb->len * sizeof(rb->insns[0])) {
		rb->msg[sizeof(rb->msg) - 1] = '\0';
		snprintf(err, errlen, "%s", rb->len < 0 ? rb->msg :
		    "short BPF program from the compiling child");
		return -1;
	}
	return 0;
}

int
ring_attach_filter(int fd, const char *filter, char *err, size_t errlen)
{
	struct sock_fprog fprog;
	struct ring_bpf *rb;
	int rv = -1;

	if ((rb = calloc(1, sizeof(*rb))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (ring_compile(filter, rb, err, errlen) == -1)
		goto done;
	memset(&fprog, 0, sizeof(fprog));
	fprog.len = (unsigned short)rb->len;
	fprog.filter = rb->insns;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog,
	    sizeof(fprog)) == -1)
		snprintf(err, errlen, "SO_ATTACH_FILTER: %s", strerror(errno));
	else
		rv = 0;
 done:
	free(rb);
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
