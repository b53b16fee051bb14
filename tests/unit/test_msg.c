/*
 * Message framing over real socketpairs.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg.h"

struct pair {
	int		 sv[2];
	struct msgbuf	*mb;		/* reads sv[1] */
};

static int
setup(void **state, int type)
{
	struct pair *p;

	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	assert_int_equal(msg_socketpair(type | SOCK_CLOEXEC, p->sv), 0);
	assert_non_null(p->mb = msgbuf_new());
	*state = p;
	return 0;
}

static int
setup_stream(void **state)
{
	return setup(state, SOCK_STREAM);
}

static int
setup_seqpacket(void **state)
{
	return setup(state, SOCK_SEQPACKET);
}

static int
teardown(void **state)
{
	struct pair *p = *state;

	msgbuf_free(p->mb);
	if (p->sv[0] != -1)
		close(p->sv[0]);
	close(p->sv[1]);
	free(p);
	return 0;
}

static void
set_nonblock(int fd)
{
	assert_int_not_equal(fcntl(fd, F_SETFL,
	    fcntl(fd, F_GETFL) | O_NONBLOCK), -1);
}

/* A raw header, as a peer that does not use msg_send might write it. */
static void
raw_header(uint8_t *h, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t flags)
{
	memcpy(h, &type, 4);
	memcpy(h + 4, &len, 4);
	memcpy(h + 8, &peerid, 4);
	memcpy(h + 12, &flags, 4);
}

/* Read until one message is there. */
static void
get_one(struct pair *p, struct msg *m)
{
	int rv;

	while ((rv = msg_get(p->mb, m)) == 0)
		assert_true(msg_read(p->mb, p->sv[1]) > 0);
	assert_int_equal(rv, 1);
}

static void
expect_protocol_error(struct pair *p)
{
	struct msg m;
	ssize_t n;
	int rv;

	for (;;) {
		if ((rv = msg_get(p->mb, &m)) != 0)
			break;
		if ((n = msg_read(p->mb, p->sv[1])) <= 0) {
			rv = (int)n;
			break;
		}
	}
	assert_int_equal(rv, -1);
	assert_int_equal(errno, EBADMSG);
	/* And the connection stays dead. */
	errno = 0;
	assert_int_equal(msg_get(p->mb, &m), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(msg_read(p->mb, p->sv[1]), -1);
	assert_int_equal(errno, EBADMSG);
}

static void
test_msg_round_trips_type_peerid_and_payload(void **state)
{
	struct pair *p = *state;
	struct msg m;

	assert_int_equal(msg_send(p->sv[0], 7, 42, -1, "hello", 5), 0);
	assert_int_equal(msg_send(p->sv[0], 8, 0, -1, NULL, 0), 0);
	get_one(p, &m);
	assert_int_equal(m.type, 7);
	assert_int_equal(m.peerid, 42);
	assert_int_equal(m.fd, -1);
	assert_int_equal(m.len, 5);
	assert_memory_equal(m.data, "hello", 5);
	get_one(p, &m);
	assert_int_equal(m.type, 8);
	assert_int_equal(m.len, 0);
	assert_int_equal(msg_get(p->mb, &m), 0);
	assert_int_equal(msgbuf_pending(p->mb), 0);
}

static void
test_msg_reassembles_partial_reads(void **state)
{
	struct pair *p = *state;
	uint8_t wire[MSG_HDR_SIZE + 10];
	struct msg m;
	size_t i;

	raw_header(wire, 3, sizeof(wire), 9, 0);
	memcpy(wire + MSG_HDR_SIZE, "0123456789", 10);
	set_nonblock(p->sv[1]);
	/* One byte per write, a read after each: never early, never late. */
	for (i = 0; i < sizeof(wire); i++) {
		assert_int_equal(write(p->sv[0], wire + i, 1), 1);
		assert_int_equal(msg_read(p->mb, p->sv[1]), 1);
		if (i + 1 < sizeof(wire)) {
			assert_int_equal(msg_get(p->mb, &m), 0);
			assert_int_equal(msgbuf_pending(p->mb), i + 1);
		}
	}
	assert_int_equal(msg_get(p->mb, &m), 1);
	assert_int_equal(m.type, 3);
	assert_int_equal(m.peerid, 9);
	assert_memory_equal(m.data, "0123456789", 10);
	errno = 0;
	assert_int_equal(msg_read(p->mb, p->sv[1]), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
test_msg_yields_many_messages_from_one_read(void **state)
{
	struct pair *p = *state;
	struct msg m;
	uint32_t i, v;

	for (i = 0; i < 100; i++)
		assert_int_equal(msg_send(p->sv[0], i, 0, -1, &i,
		    sizeof(i)), 0);
	for (i = 0; i < 100; i++) {
		get_one(p, &m);
		assert_int_equal(m.type, i);
		assert_int_equal(msg_get_data(&m, &v, sizeof(v)), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(msg_get(p->mb, &m), 0);
}

static void
test_msg_sendv_gathers_iovecs(void **state)
{
	struct pair *p = *state;
	struct iovec iov[3] = {
		{ (void *)(uintptr_t)"abc", 3 },
		{ NULL, 0 },
		{ (void *)(uintptr_t)"defg", 4 },
	};
	struct msg m;

	assert_int_equal(msg_sendv(p->sv[0], 1, 0, -1, iov, 3), 0);
	get_one(p, &m);
	assert_int_equal(m.len, 7);
	assert_memory_equal(m.data, "abcdefg", 7);
	assert_int_equal(msg_sendv(p->sv[0], 1, 0, -1, iov, -1), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_msg_get_data_checks_length(void **state)
{
	struct pair *p = *state;
	struct msg m;
	uint64_t big;
	uint16_t small;

	assert_int_equal(msg_send(p->sv[0], 1, 0, -1, "1234", 4), 0);
	get_one(p, &m);
	assert_int_equal(msg_get_data(&m, &big, sizeof(big)), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(msg_get_data(&m, &small, sizeof(small)), -1);
}

/* The receiver writes through the descriptor it was passed. */
static void
test_msg_passes_a_usable_fd(void **state)
{
	struct pair *p = *state;
	struct msg m;
	char got[16];
	int pfd[2];

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(msg_send(p->sv[0], 5, 0, pfd[1], "pipe", 4), 0);
	close(pfd[1]);		/* the sender keeps no copy */
	get_one(p, &m);
	assert_int_equal(m.type, 5);
	assert_true(m.fd >= 0);
	assert_int_not_equal(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(write(m.fd, "via fd", 6), 6);
	close(m.fd);
	assert_int_equal(read(pfd[0], got, sizeof(got)), 6);
	assert_memory_equal(got, "via fd", 6);
	/* All write ends are closed now: the pipe reads EOF. */
	assert_int_equal(read(pfd[0], got, sizeof(got)), 0);
	close(pfd[0]);
}

static void
test_msg_attaches_fd_to_the_right_message(void **state)
{
	struct pair *p = *state;
	struct msg m;
	int pfd[2], i;

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(msg_send(p->sv[0], 1, 0, -1, "a", 1), 0);
	assert_int_equal(msg_send(p->sv[0], 2, 0, pfd[0], "b", 1), 0);
	assert_int_equal(msg_send(p->sv[0], 3, 0, -1, "c", 1), 0);
	assert_int_equal(msg_send(p->sv[0], 4, 0, pfd[1], "d", 1), 0);
	close(pfd[0]);
	close(pfd[1]);
	for (i = 1; i <= 4; i++) {
		get_one(p, &m);
		assert_int_equal(m.type, i);
		if (i % 2 == 0) {
			assert_true(m.fd >= 0);
			close(m.fd);
		} else
			assert_int_equal(m.fd, -1);
	}
}

static void
test_msg_rejects_oversized_header(void **state)
{
	struct pair *p = *state;
	uint8_t h[MSG_HDR_SIZE];

	raw_header(h, 1, MSG_MAX_SIZE + 1, 0, 0);
	assert_int_equal(write(p->sv[0], h, sizeof(h)), sizeof(h));
	expect_protocol_error(p);
}

static void
test_msg_rejects_undersized_header(void **state)
{
	struct pair *p = *state;
	uint8_t h[MSG_HDR_SIZE];

	raw_header(h, 1, MSG_HDR_SIZE - 1, 0, 0);
	/* Refused as soon as the length field is in, not the whole header. */
	assert_int_equal(write(p->sv[0], h, 8), 8);
	expect_protocol_error(p);
}

static void
test_msg_rejects_unknown_flags(void **state)
{
	struct pair *p = *state;
	uint8_t h[MSG_HDR_SIZE];

	raw_header(h, 1, MSG_HDR_SIZE, 0, 0x80);
	assert_int_equal(write(p->sv[0], h, sizeof(h)), sizeof(h));
	expect_protocol_error(p);
}

static void
test_msg_rejects_announced_fd_that_never_came(void **state)
{
	struct pair *p = *state;
	uint8_t h[MSG_HDR_SIZE];

	raw_header(h, 1, MSG_HDR_SIZE, 0, MSG_F_FD);
	assert_int_equal(write(p->sv[0], h, sizeof(h)), sizeof(h));
	expect_protocol_error(p);
}

/* A peer that sends a descriptor with a message that does not claim it. */
static void
test_msg_rejects_unclaimed_fd(void **state)
{
	struct pair *p = *state;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	uint8_t h[MSG_HDR_SIZE];
	struct msghdr mh;
	struct cmsghdr *cmsg;
	struct iovec iov;
	struct msg m;
	int fd = dup(0);

	raw_header(h, 1, MSG_HDR_SIZE, 0, 0);
	iov.iov_base = h;
	iov.iov_len = sizeof(h);
	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	assert_int_equal(sendmsg(p->sv[0], &mh, 0), sizeof(h));
	close(fd);
	/* The carrier itself looks fine; the next message exposes it. */
	get_one(p, &m);
	assert_int_equal(m.fd, -1);
	assert_int_equal(msg_send(p->sv[0], 2, 0, -1, NULL, 0), 0);
	expect_protocol_error(p);
}

/* Two descriptors on one message: more than a message may carry. */
static void
test_msg_rejects_two_fds_at_once(void **state)
{
	struct pair *p = *state;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(2 * sizeof(int))];
	} cmsgbuf;
	uint8_t h[MSG_HDR_SIZE];
	struct msghdr mh;
	struct cmsghdr *cmsg;
	struct iovec iov;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	raw_header(h, 1, MSG_HDR_SIZE, 0, MSG_F_FD);
	iov.iov_base = h;
	iov.iov_len = sizeof(h);
	memset(&mh, 0, sizeof(mh));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_len = CMSG_LEN(2 * sizeof(int));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	assert_int_equal(sendmsg(p->sv[0], &mh, 0), sizeof(h));
	close(fds[0]);
	close(fds[1]);
	expect_protocol_error(p);
}

static void
test_msg_send_rejects_oversized_payload(void **state)
{
	struct pair *p = *state;
	static uint8_t big[MSG_MAX_DATA + 1];
	struct iovec iov[2] = {
		{ big, MSG_MAX_DATA }, { big, 1 },
	};

	assert_int_equal(msg_send(p->sv[0], 1, 0, -1, big, sizeof(big)), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(msg_sendv(p->sv[0], 1, 0, -1, iov, 2), -1);
	assert_int_equal(errno, EMSGSIZE);
}

static void
test_msg_reports_eof_and_a_torn_message(void **state)
{
	struct pair *p = *state;
	uint8_t h[MSG_HDR_SIZE];
	struct msg m;

	raw_header(h, 1, MSG_HDR_SIZE + 4, 0, 0);
	assert_int_equal(write(p->sv[0], h, sizeof(h)), sizeof(h));
	close(p->sv[0]);
	p->sv[0] = -1;
	assert_int_equal(msg_read(p->mb, p->sv[1]), MSG_HDR_SIZE);
	assert_int_equal(msg_get(p->mb, &m), 0);
	assert_int_equal(msg_read(p->mb, p->sv[1]), 0);
	/* The peer died four bytes short. */
	assert_int_equal(msgbuf_pending(p->mb), MSG_HDR_SIZE);
}

static void
test_msg_send_to_a_closed_peer_fails_without_sigpipe(void **state)
{
	struct pair *p = *state;

	close(p->sv[1]);
	p->sv[1] = socket(AF_UNIX, SOCK_STREAM, 0);	/* for teardown */
	assert_int_equal(msg_send(p->sv[0], 1, 0, -1, "x", 1), -1);
	assert_int_equal(errno, EPIPE);
}

/*
 * A maximum-size message through a non-blocking socket: the sender must
 * wait for room instead of failing or leaving half a message.
 */
static void
test_msg_sends_max_size_whole_on_nonblocking_socket(void **state)
{
	struct pair *p = *state;
	static uint8_t big[MSG_MAX_DATA];
	struct msg m;
	size_t i;
	pid_t pid;
	int status, k;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	set_nonblock(p->sv[0]);
	if ((pid = fork()) == 0) {
		for (k = 0; k < 4; k++)
			if (msg_send(p->sv[0], (uint32_t)k, 0, -1, big,
			    sizeof(big)) == -1)
				_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	for (k = 0; k < 4; k++) {
		get_one(p, &m);
		assert_int_equal(m.type, k);
		assert_int_equal(m.len, sizeof(big));
		assert_memory_equal(m.data, big, sizeof(big));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A reader that never takes its messages is told so, not grown. */
static void
test_msg_read_refuses_to_buffer_past_unread_messages(void **state)
{
	struct pair *p = *state;
	static uint8_t big[MSG_MAX_DATA];
	struct msg m;
	ssize_t n;
	size_t total = 0;
	pid_t pid;
	int status, k;

	if ((pid = fork()) == 0) {
		for (k = 0; k < 3; k++)
			if (msg_send(p->sv[0], (uint32_t)k, 0, -1, big,
			    sizeof(big)) == -1)
				_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	while ((n = msg_read(p->mb, p->sv[1])) > 0)
		total += (size_t)n;
	assert_int_equal(n, -1);
	assert_int_equal(errno, ENOBUFS);
	assert_true(total > MSG_MAX_SIZE);
	/* Taking the messages makes room again. */
	for (k = 0; k < 3; k++) {
		get_one(p, &m);
		assert_int_equal(m.type, k);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_msg_pure_parser_frames_without_sockets(void **state)
{
	uint8_t wire[2 * MSG_HDR_SIZE + 3];
	struct msg m;
	size_t used, i;

	(void)state;
	raw_header(wire, 10, MSG_HDR_SIZE + 3, 1, MSG_F_FD);
	memcpy(wire + MSG_HDR_SIZE, "abc", 3);
	raw_header(wire + MSG_HDR_SIZE + 3, 11, MSG_HDR_SIZE, 2, 0);
	for (i = 0; i < MSG_HDR_SIZE + 3; i++)
		assert_int_equal(msg_parse(wire, i, &m, &used), 0);
	assert_int_equal(msg_parse(wire, sizeof(wire), &m, &used), 1);
	assert_int_equal(used, MSG_HDR_SIZE + 3);
	assert_int_equal(m.type, 10);
	assert_int_equal(m.fd, -1);
	assert_memory_equal(m.data, "abc", 3);
	assert_int_equal(msg_parse(wire + used, sizeof(wire) - used, &m,
	    &used), 1);
	assert_int_equal(m.type, 11);
	assert_int_equal(m.len, 0);

	raw_header(wire, 1, 0xffffffff, 0, 0);
	assert_int_equal(msg_parse(wire, 8, &m, &used), -1);
	assert_int_equal(errno, EBADMSG);
	raw_header(wire, 1, 0, 0, 0);
	assert_int_equal(msg_parse(wire, sizeof(wire), &m, &used), -1);
}

static void
test_msg_seqpacket_carries_max_size_records(void **state)
{
	struct pair *p = *state;
	static uint8_t big[MSG_MAX_DATA];
	struct msg m;
	int pfd[2];

	memset(big, 0xa5, sizeof(big));
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(msg_send(p->sv[0], 1, 0, pfd[0], big, sizeof(big)),
	    0);
	assert_int_equal(msg_send(p->sv[0], 2, 0, -1, "x", 1), 0);
	close(pfd[0]);
	/* One record per read. */
	assert_int_equal(msg_read(p->mb, p->sv[1]), MSG_MAX_SIZE);
	assert_int_equal(msg_get(p->mb, &m), 1);
	assert_int_equal(m.len, sizeof(big));
	assert_true(m.fd >= 0);
	close(m.fd);
	assert_int_equal(msg_get(p->mb, &m), 0);
	get_one(p, &m);
	assert_int_equal(m.type, 2);
	close(pfd[1]);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup_stream, teardown)
	const struct CMUnitTest tests[] = {
		T(test_msg_round_trips_type_peerid_and_payload),
		T(test_msg_reassembles_partial_reads),
		T(test_msg_yields_many_messages_from_one_read),
		T(test_msg_sendv_gathers_iovecs),
		T(test_msg_get_data_checks_length),
		T(test_msg_passes_a_usable_fd),
		T(test_msg_attaches_fd_to_the_right_message),
		T(test_msg_rejects_oversized_header),
		T(test_msg_rejects_undersized_header),
		T(test_msg_rejects_unknown_flags),
		T(test_msg_rejects_announced_fd_that_never_came),
		T(test_msg_rejects_unclaimed_fd),
		T(test_msg_rejects_two_fds_at_once),
		T(test_msg_send_rejects_oversized_payload),
		T(test_msg_reports_eof_and_a_torn_message),
		T(test_msg_send_to_a_closed_peer_fails_without_sigpipe),
		T(test_msg_sends_max_size_whole_on_nonblocking_socket),
		T(test_msg_read_refuses_to_buffer_past_unread_messages),
		cmocka_unit_test(test_msg_pure_parser_frames_without_sockets),
		cmocka_unit_test_setup_teardown(
		    test_msg_seqpacket_carries_max_size_records,
		    setup_seqpacket, teardown),
		cmocka_unit_test_setup_teardown(
		    test_msg_passes_a_usable_fd, setup_seqpacket, teardown),
		cmocka_unit_test_setup_teardown(
		    test_msg_rejects_oversized_header, setup_seqpacket,
		    teardown),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
