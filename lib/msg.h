/*
 * Typed, length-prefixed messages between DIAS processes over AF_UNIX
 * socketpairs (SOCK_STREAM or SOCK_SEQPACKET), with at most one passed
 * descriptor per message.  After OpenBSD's imsg, smaller.
 *
 * Wire format, host byte order (both ends are on one machine):
 *	uint32 type, uint32 len (header included), uint32 peerid,
 *	uint32 flags (MSG_F_FD: a descriptor travels with this message),
 *	then len - MSG_HDR_SIZE payload bytes.
 * Payloads carry no pointers.  A header with len < MSG_HDR_SIZE or
 * > MSG_MAX_SIZE, an unknown flag, or a descriptor that does not line up
 * with its message is a protocol error: -1 with errno EBADMSG, and the
 * msgbuf stays dead from then on; close the connection.
 */
#ifndef DIAS_MSG_H
#define DIAS_MSG_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#define MSG_HDR_SIZE	16
#define MSG_MAX_SIZE	(256 * 1024)	/* header included */
#define MSG_MAX_DATA	(MSG_MAX_SIZE - MSG_HDR_SIZE)
#define MSG_F_FD	0x1

struct msg {
	uint32_t	 type;
	uint32_t	 peerid;
	int		 fd;	/* passed descriptor or -1; caller closes it */
	const uint8_t	*data;	/* payload, not aligned: memcpy it out */
	size_t		 len;	/* payload bytes */
};

/*
 * A socketpair(2) of AF_UNIX sockets; type may carry SOCK_NONBLOCK and
 * SOCK_CLOEXEC.  The send buffers are raised so that a MSG_MAX_SIZE
 * message fits in one SOCK_SEQPACKET record.
 */
int	 msg_socketpair(int type, int sv[2]);

/*
 * Send one whole message, optionally passing passfd (-1 for none; the
 * caller keeps its copy and closes it when it likes).  The message is
 * never left half-written: EINTR is retried, and when a non-blocking
 * socket is full msg_send waits for room in poll(2), so it can stall its
 * caller as long as the peer does not read.  Returns 0, or -1 with errno:
 * EMSGSIZE (over MSG_MAX_DATA), EPIPE (peer gone; no SIGPIPE), or what
 * sendmsg(2) said.
 */
int	 msg_send(int fd, uint32_t type, uint32_t peerid, int passfd,
	    const void *data, size_t len);
int	 msg_sendv(int fd, uint32_t type, uint32_t peerid, int passfd,
	    const struct iovec *iov, int iovcnt);

/*
 * Receive side.  A msgbuf holds bytes read but not yet consumed and the
 * descriptors that came with them; msgbuf_free closes descriptors that no
 * msg_get handed out.
 */
struct msgbuf;

struct msgbuf	*msgbuf_new(void);
void		 msgbuf_free(struct msgbuf *);
/* Bytes buffered that are not yet a whole message (non-zero at EOF means
 * the peer died mid-message). */
size_t		 msgbuf_pending(const struct msgbuf *);

/*
 * Read what fd has (one recvmsg).  Returns bytes read, 0 on EOF, or -1
 * with errno: EAGAIN on an empty non-blocking fd, EBADMSG for a protocol
 * error, ENOBUFS if whole messages were left unread.  Invalidates the
 * data pointers of messages got before it: call msg_get until it returns
 * 0 after every msg_read.  (On SOCK_SEQPACKET an empty record reads as
 * EOF; msg_send never sends one.)
 */
ssize_t	 msg_read(struct msgbuf *, int fd);

/*
 * Take the next whole message: 1 and *m filled, 0 when more bytes are
 * needed, -1 with errno EBADMSG on a protocol error.  m->data points into
 * the msgbuf and stays valid until the next msg_read or msgbuf_free;
 * m->fd is the caller's to close.
 */
int	 msg_get(struct msgbuf *, struct msg *m);

/* Copy the payload into a fixed-size struct: -1, EBADMSG unless the
 * payload is exactly len bytes. */
int	 msg_get_data(const struct msg *, void *out, size_t len);

/*
 * The framing parser alone, for one message at the start of buf: 1 with
 * *m filled (m->fd = -1) and *used its size, 0 if buf holds only part of
 * a message, -1 with EBADMSG for a bad header.  A header announcing a
 * descriptor is accepted; msg_get is what matches it to one.
 */
int	 msg_parse(const uint8_t *buf, size_t len, struct msg *m,
	    size_t *used);

#endif
