/*
 * Message framing between DIAS processes.  See msg.h for the wire format.
 *
 * Descriptors: the sender attaches a message's descriptor to the sendmsg
 * that carries the message's first byte.  Linux hands it to the receiver
 * with the recvmsg that reads that byte, and never merges two senders'
 * descriptors into one recvmsg.  So each queued descriptor remembers the
 * stream range [start, end) of the read it came with, and the message
 * that claims it (MSG_F_FD) must start inside or after that range.  A
 * descriptor whose range ends before the next message starts belonged to
 * nobody: a protocol error, not a leak.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"

#define MSG_IOV_MAX	16	/* caller's iovecs per message */
#define MSG_FDQ_MAX	8	/* descriptors received, not yet claimed */

struct msg_hdr {
	uint32_t	 type;
	uint32_t	 len;
	uint32_t	 peerid;
	uint32_t	 flags;
};

_Static_assert(sizeof(struct msg_hdr) == MSG_HDR_SIZE, "header size");

struct msg_fd {
	int		 fd;
	uint64_t	 start, end;	/* stream range of the read it came with */
};

struct msgbuf {
	struct buf	 b;		/* [off, b.len) is not consumed yet */
	size_t		 off;
	uint64_t	 base;		/* stream offset of b.data[0] */
	struct msg_fd	 q[MSG_FDQ_MAX];
	size_t		 nq;
	int		 dead;
};

int
msg_socketpair(int type, int sv[2])
{
	int i, sz = 2 * MSG_MAX_SIZE;

	if (socketpair(AF_UNIX, type, 0, sv) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz,
		    sizeof(sz)) == -1) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
	}
	return 0;
}

/* Block until fd is writable; EINTR just returns early. */
static int
wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
		return -1;
	return 0;
}

int
msg_sendv(int fd, uint32_t type, uint32_t peerid, int passfd,
    const struct iovec *iov, int iovcnt)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct iovec v[1 + MSG_IOV_MAX], *vp;
	struct msghdr mh;
	struct cmsghdr *cmsg;
	struct msg_hdr hdr;
	size_t total = 0, n;
	ssize_t sent;
	int i, nv;

	if (iovcnt < 0 || iovcnt > MSG_IOV_MAX || (iovcnt > 0 && iov == NULL)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > MSG_MAX_DATA - total) {
			errno = EMSGSIZE;
			return -1;
		}
		total += iov[i].iov_len;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)(MSG_HDR_SIZE + total);
	hdr.peerid = peerid;
	hdr.flags = passfd >= 0 ? MSG_F_FD : 0;
	v[0].iov_base = &hdr;
	v[0].iov_len = sizeof(hdr);
	for (i = 0, nv = 1; i < iovcnt; i++)
		if (iov[i].iov_len > 0)
			v[nv++] = iov[i];

	memset(&mh, 0, sizeof(mh));
	if (passfd >= 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &passfd, sizeof(int));
	}
	vp = v;
	total += MSG_HDR_SIZE;
	while (total > 0) {
		mh.msg_iov = vp;
		mh.msg_iovlen = (size_t)nv;
		if ((sent = sendmsg(fd, &mh, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (wait_writable(fd) == -1)
					return -1;
				continue;
			}
			return -1;
		}
		if (sent == 0) {
			errno = EPIPE;
			return -1;
		}
		/* The descriptor went with the first byte. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		total -= (size_t)sent;
		for (n = (size_t)sent; n > 0 && nv > 0; ) {
			if (n >= vp->iov_len) {
				n -= vp->iov_len;
				vp++;
				nv--;
			} else {
				vp->iov_base = (uint8_t *)vp->iov_base + n;
				vp->iov_len -= n;
				n = 0;
			}
		}
	}
	return 0;
}

int
msg_send(int fd, uint32_t type, uint32_t peerid, int passfd,
    const void *data, size_t len)
{
	struct iovec iov;

	if (len > MSG_MAX_DATA) {
		errno = EMSGSIZE;
		return -1;
	}
	iov.iov_base = (void *)(uintptr_t)data;	/* sendmsg does not write */
	iov.iov_len = len;
	return msg_sendv(fd, type, peerid, passfd, &iov, len > 0 ? 1 : 0);
}

struct msgbuf *
msgbuf_new(void)
{
	struct msgbuf *mb;

	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return NULL;
	/* Room for a partial message plus one whole SEQPACKET record. */
	buf_init(&mb->b, 2 * MSG_MAX_SIZE);
	return mb;
}

void
msgbuf_free(struct msgbuf *mb)
{
	size_t i;

	if (mb == NULL)
		return;
	for (i = 0; i < mb->nq; i++)
		close(mb->q[i].fd);
	buf_free(&mb->b);
	free(mb);
}

size_t
msgbuf_pending(const struct msgbuf *mb)
{
	return mb->b.len - mb->off;
}

static int
msgbuf_fail(struct msgbuf *mb)
{
	mb->dead = 1;
	errno = EBADMSG;
	return -1;
}

ssize_t
msg_read(struct msgbuf *mb, int fd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr mh;
	struct cmsghdr *cmsg;
	struct iovec iov;
	uint64_t start;
	ssize_t n;
	size_t i, nfds;
	int rfd, bad = 0;

	if (mb->dead)
		return msgbuf_fail(mb);
	/* Drop what msg_get consumed; a SEQPACKET record must fit whole. */
	if (mb->off > 0) {
		buf_consume(&mb->b, mb->off);
		mb->base += mb->off;
		mb->off = 0;
	}
	if (buf_reserve(&mb->b, MSG_MAX_SIZE) == -1)
		return -1;

	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = mb->b.data + mb->b.len;
	iov.iov_len = MSG_MAX_SIZE;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;

	start = mb->base + mb->b.len;
	for (cmsg = CMSG_FIRSTHDR(&mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&rfd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (i > 0 || mb->nq == MSG_FDQ_MAX) {
				close(rfd);
				bad = 1;
				continue;
			}
			mb->q[mb->nq].fd = rfd;
			mb->q[mb->nq].start = start;
			mb->q[mb->nq].end = start + (uint64_t)n;
			mb->nq++;
		}
	}
	/* Cut descriptors or a cut SEQPACKET record: the stream is lost. */
	if (bad || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return msgbuf_fail(mb);
	mb->b.len += (size_t)n;
	return n;
}

static int
parse(const uint8_t *buf, size_t len, struct msg *m, size_t *used,
    uint32_t *flags)
{
	struct msg_hdr hdr;

	/* Check the length as soon as it is there, not when it all is. */
	if (len < offsetof(struct msg_hdr, peerid))
		return 0;
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, buf, len < sizeof(hdr) ? len : sizeof(hdr));
	if (hdr.len < MSG_HDR_SIZE || hdr.len > MSG_MAX_SIZE)
		goto bad;
	if (len < sizeof(hdr))
		return 0;
	if (hdr.flags & ~(uint32_t)MSG_F_FD)
		goto bad;
	if (len < hdr.len)
		return 0;
	m->type = hdr.type;
	m->peerid = hdr.peerid;
	m->fd = -1;
	m->data = buf + MSG_HDR_SIZE;
	m->len = hdr.len - MSG_HDR_SIZE;
	*used = hdr.len;
	*flags = hdr.flags;
	return 1;
 bad:
	errno = EBADMSG;
	return -1;
}

int
msg_parse(const uint8_t *buf, size_t len, struct msg *m, size_t *used)
{
	uint32_t flags;

	return parse(buf, len, m, used, &flags);
}

int
msg_get(struct msgbuf *mb, struct msg *m)
{
	uint64_t start;
	size_t used;
	uint32_t flags;
	int rv;

	if (mb->dead)
		return msgbuf_fail(mb);
	if (mb->b.len == mb->off)
		return 0;
	rv = parse(mb->b.data + mb->off, mb->b.len - mb->off, m, &used,
	    &flags);
	if (rv == -1)
		return msgbuf_fail(mb);
	if (rv == 0)
		return 0;
	start = mb->base + mb->off;
	if (mb->nq > 0 && mb->q[0].end <= start)
		return msgbuf_fail(mb);		/* nobody's descriptor */
	if (flags & MSG_F_FD) {
		if (mb->nq == 0 || mb->q[0].start > start)
			return msgbuf_fail(mb);	/* announced, not sent */
		m->fd = mb->q[0].fd;
		memmove(&mb->q[0], &mb->q[1], (mb->nq - 1) * sizeof(mb->q[0]));
		mb->nq--;
	}
	mb->off += used;
	return 1;
}

int
msg_get_data(const struct msg *m, void *out, size_t len)
{
	if (m->len != len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(out, m->data, len);
	return 0;
}
