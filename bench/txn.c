/*
 * txn: TCP transactions for the benchmarks.  One transaction is: connect,
 * send one line, read the line echoed back, close.
 *
 *	txn [-t SECONDS] -l PORT
 *		a plain echo listener on the kernel's own stack (the peer
 *		dias-sensor is compared with); epoll, one thread; exits
 *		after SECONDS (default 10).
 *	txn [-c CONCURRENT] [-t SECONDS] [-n MAX] PORT FIRST-ADDR COUNT
 *		the client: CONCURRENT transactions in flight, spread over
 *		COUNT consecutive IPv4 addresses, for at most SECONDS and at
 *		most MAX transactions; prints
 *		"txn: N transactions in S s = R/s (errors E, timeouts T)".
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define LINE		"dias-bench-transaction\n"
#define TIMEOUT_S	3.0
#define MAXCONC		4096

static int
serve(int port, double secs)
{
	struct epoll_event ev, evs[256];
	struct sockaddr_in sin;
	char buf[4096];
	double t0 = bench_now();
	int lfd, ep, fd, i, n, one = 1;
	ssize_t r;

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		return perror("txn: socket"), 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1 || (ep = epoll_create1(0)) == -1)
		return perror("txn: listen"), 1;
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (bench_now() - t0 < secs) {
		if ((n = epoll_wait(ep, evs, 256, 100)) == -1) {
			if (errno == EINTR)
				continue;
			return perror("txn: epoll_wait"), 1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			fd = evs[i].data.fd;
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				if (write(fd, buf, (size_t)r) != r)
					close(fd);
			} else if (r == 0 || errno != EAGAIN)
				close(fd);
		}
	}
	return 0;
}

struct slot {
	int	 fd;
	int	 sent;
	size_t	 got;
	double	 start;
};

static int
slot_start(int ep, struct slot *s, uint32_t addr, int port)
{
	struct sockaddr_in sin;
	struct epoll_event ev;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(addr);
	if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(s->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	s->sent = 0;
	s->got = 0;
	s->start = bench_now();
	ev.events = EPOLLOUT | EPOLLIN;
	ev.data.ptr = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
	return 0;
}

static void
slot_end(struct slot *s)
{
	close(s->fd);
	s->fd = -1;
}

static int
client(int conc, double secs, long max, int port, uint32_t first,
    uint32_t count)
{
	static struct slot slots[MAXCONC];
	struct epoll_event evs[256], ev;
	struct slot *s;
	char buf[256];
	double t0, t, last_scan;
	long done = 0, errs = 0, timeouts = 0, started = 0;
	uint32_t next = 0;
	ssize_t r;
	int ep, i, n;

	if ((ep = epoll_create1(0)) == -1)
		return perror("txn: epoll"), 1;
	t0 = last_scan = bench_now();
	for (i = 0; i < conc; i++) {
		slots[i].fd = -1;
		if (started < max && slot_start(ep, &slots[i],
		    first + next++ % count, port) == 0)
			started++;
	}
	for (;;) {
		t = bench_now();
		if (t - t0 >= secs || done + errs + timeouts >= max)
			break;
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			s = evs[i].data.ptr;
			if (s->fd == -1)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP) &&
			    !(evs[i].events & EPOLLIN)) {
				errs++;
				slot_end(s);
			} else if (!s->sent && (evs[i].events & EPOLLOUT)) {
				if (write(s->fd, LINE, sizeof(LINE) - 1) !=
				    (ssize_t)(sizeof(LINE) - 1)) {
					errs++;
					slot_end(s);
					goto restart;
				}
				s->sent = 1;
				ev.events = EPOLLIN;
				ev.data.ptr = s;
				epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
			} else if (evs[i].events & EPOLLIN) {
				r = read(s->fd, buf, sizeof(buf));
				if (r > 0) {
					s->got += (size_t)r;
					if (s->got < sizeof(LINE) - 1)
						continue;
					done++;
				} else if (r == 0 || errno != EAGAIN)
					errs++;
				else
					continue;
				slot_end(s);
			}
 restart:
			if (s->fd == -1 && started < max && slot_start(ep, s,
			    first + next++ % count, port) == 0)
				started++;
		}
		if (t - last_scan > 0.2) {
			last_scan = t;
			for (i = 0; i < conc; i++) {
				s = &slots[i];
				if (s->fd != -1 && t - s->start > TIMEOUT_S) {
					timeouts++;
					slot_end(s);
				}
				if (s->fd == -1 && started < max &&
				    slot_start(ep, s, first + next++ % count,
				    port) == 0)
					started++;
			}
		}
	}
	t = bench_now() - t0;
	printf("txn: %ld transactions in %.2f s = %.0f/s (errors %ld, "
	    "timeouts %ld)\n", done, t, (double)done / t, errs, timeouts);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct in_addr first;
	double secs = 10;
	long max = 100000000, conc = 256;
	int ch, listen_port = 0;

	while ((ch = getopt(argc, argv, "c:l:n:t:")) != -1) {
		switch (ch) {
		case 'c':
			conc = bench_num(optarg, 1, MAXCONC);
			break;
		case 'l':
			listen_port = (int)bench_num(optarg, 1, 65535);
			break;
		case 'n':
			max = bench_num(optarg, 1, 1000000000);
			break;
		case 't':
			secs = (double)bench_num(optarg, 1, 3600);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (listen_port != 0)
		return argc == 0 ? serve(listen_port, secs) : 1;
	if (argc != 3 || inet_pton(AF_INET, argv[1], &first) != 1)
		goto usage;
	return client((int)conc, secs, max, (int)bench_num(argv[0], 1, 65535),
	    ntohl(first.s_addr), (uint32_t)bench_num(argv[2], 1, 1 << 24));
 usage:
	fprintf(stderr, "usage: txn [-t secs] -l PORT | txn [-c conc] [-t secs] "
	    "[-n max] PORT FIRST-ADDR COUNT\n");
	return 1;
}
