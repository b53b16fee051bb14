/*
 * Message framing.
 *
 * The input is a byte stream from a peer.  msg_parse frames it whole, and
 * again as the bytes trickle in at varying sizes: both must give the same
 * messages and end the same way.  Then the same stream goes through a
 * real socketpair into a msgbuf, cut at odd places, with a descriptor
 * attached to every message whose header announces one: msg_get must
 * yield the same messages, with the descriptor on the right one.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define MAXMSGS		4096

struct framed {
	size_t		 off;	/* of the header in the input */
	size_t		 size;	/* header included */
	uint32_t	 type, peerid;
	int		 hasfd;
};

static struct framed	 want[MAXMSGS];

/* Frame the whole input; returns the count and the final result. */
static size_t
frame_all(const uint8_t *data, size_t size, int *end, size_t *rest)
{
	struct msg m;
	size_t off = 0, used, n = 0;
	uint32_t flags;
	int rv;

	while ((rv = msg_parse(data + off, size - off, &m, &used)) == 1) {
		CHECK(used >= MSG_HDR_SIZE && used <= MSG_MAX_SIZE);
		CHECK(used == MSG_HDR_SIZE + m.len);
		CHECK(used <= size - off);
		CHECK(m.data == data + off + MSG_HDR_SIZE);
		CHECK(m.fd == -1);
		if (n < MAXMSGS) {
			memcpy(&flags, data + off + 12, sizeof(flags));
			want[n].off = off;
			want[n].size = used;
			want[n].type = m.type;
			want[n].peerid = m.peerid;
			want[n].hasfd = (flags & MSG_F_FD) != 0;
		}
		n++;
		off += used;
	}
	CHECK(rv == 0 || (rv == -1 && errno == EBADMSG));
	*end = rv;
	*rest = size - off;
	return n < MAXMSGS ? n : MAXMSGS;
}

/* The same stream arriving in pieces of 1..64 bytes. */
static void
frame_trickle(const uint8_t *data, size_t size, size_t nwant, int end)
{
	struct msg m;
	size_t off = 0, avail = 0, used, n = 0, step = 0;
	int rv = 0;

	while (avail < size) {
		step = (step * 31 + data[avail] + 1) % 64 + 1;
		avail = avail + step < size ? avail + step : size;
		while ((rv = msg_parse(data + off, avail - off, &m,
		    &used)) == 1) {
			if (n < nwant) {
				CHECK(off == want[n].off);
				CHECK(used == want[n].size);
				CHECK(m.type == want[n].type);
			}
			n++;
			off += used;
		}
		if (rv == -1)
			break;
	}
	CHECK(n >= nwant);
	CHECK(rv == end);
}

static int	 sv[2] = { -1, -1 };
static int	 devnull = -1;

static void
drain(struct msgbuf *mb, size_t *n, size_t nwant, const uint8_t *data,
    int *rv)
{
	struct msg m;
	ssize_t r;

	while (*rv != -1) {
		while ((*rv = msg_get(mb, &m)) == 1) {
			CHECK(*n < nwant);
			CHECK(m.type == want[*n].type);
			CHECK(m.peerid == want[*n].peerid);
			CHECK(m.len == want[*n].size - MSG_HDR_SIZE);
			CHECK(memcmp(m.data, data + want[*n].off +
			    MSG_HDR_SIZE, m.len) == 0);
			CHECK((m.fd != -1) == want[*n].hasfd);
			if (m.fd != -1)
				close(m.fd);
			(*n)++;
		}
		if (*rv == -1)
			break;
		if ((r = msg_read(mb, sv[1])) == -1) {
			CHECK(errno == EAGAIN);
			break;
		}
		CHECK(r > 0);
	}
}

static void
send_piece(const uint8_t *p, size_t len, int fd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr mh;
	struct cmsghdr *cmsg;
	struct iovec iov;

	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	CHECK(sendmsg(sv[0], &mh, MSG_NOSIGNAL) == (ssize_t)len);
}

/* Through a socketpair, each message in up to three pieces. */
static void
through_socket(const uint8_t *data, size_t size, size_t nwant, int end,
    size_t rest)
{
	struct msgbuf *mb;
	size_t i, n = 0, cut, off;
	int rv = 0;
	char c;

	if (sv[0] == -1) {
		CHECK(msg_socketpair(SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, sv) == 0);
		CHECK((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1);
	}
	CHECK((mb = msgbuf_new()) != NULL);
	for (i = 0; i < nwant; i++) {
		off = want[i].off;
		cut = want[i].size > 2 ? (data[off + want[i].size - 1] %
		    (want[i].size - 1)) + 1 : want[i].size;
		send_piece(data + off, cut, want[i].hasfd ? devnull : -1);
		if (cut < want[i].size)
			send_piece(data + off + cut, want[i].size - cut, -1);
		drain(mb, &n, nwant, data, &rv);
		/* Whole messages with their descriptors never fail. */
		CHECK(rv != -1 && n == i + 1);
	}
	if (rest > 0)
		send_piece(data + size - rest, rest, -1);
	drain(mb, &n, nwant, data, &rv);
	CHECK(n == nwant);
	CHECK(rv == end);
	if (rv == 0)
		CHECK(msgbuf_pending(mb) == rest);
	msgbuf_free(mb);
	/* Leave the socket empty for the next input. */
	while (read(sv[1], &c, 1) == 1)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, rest;
	int end;

	n = frame_all(data, size, &end, &rest);
	frame_trickle(data, size, n, end);
	if (size <= 65536 && n < MAXMSGS)
		through_socket(data, size, n, end, rest);
	return 0;
}
