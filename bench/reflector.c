/*
 * reflector: the practical limit for answering SYNs.  An AF_PACKET socket
 * on one interface; every IPv4 TCP SYN (no ACK, no RST) addressed to the
 * given range gets a SYN/ACK back, built by swapping the headers in
 * place, and nothing else happens: no state, no checks beyond lengths, no
 * options, no events.  Whatever dias-sensor does per SYN costs time on top
 * of this.
 *
 *	reflector IFNAME FIRST-ADDR COUNT [SECONDS]
 *
 * Runs until SIGINT/SIGTERM or SECONDS, then prints "reflector: N SYN/ACKs
 * sent, M frames seen".
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

/* Turn the SYN in f into a SYN/ACK; returns the frame length or 0. */
static size_t
reflect(uint8_t *f, size_t len, uint32_t lo, uint32_t count, uint32_t *isn)
{
	uint8_t tmp[6], *ip = f + 14, *th;
	uint32_t dst, seq, sum;
	size_t ihl, thl, iplen;

	if (len < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00 ||
	    (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	iplen = (size_t)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || iplen < ihl + 20 || 14 + iplen > len)
		return 0;
	th = ip + ihl;
	if ((th[13] & 0x17) != 0x02)		/* SYN alone (ECE/CWR ok) */
		return 0;
	memcpy(&dst, ip + 16, 4);
	if (ntohl(dst) - lo >= count)
		return 0;
	memcpy(tmp, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, tmp, 6);
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 40;
	ip[6] = 0x40;				/* DF */
	ip[7] = 0;
	ip[8] = 64;
	ip[10] = ip[11] = 0;
	if (ihl != 20)
		memmove(ip + 20, th, 20);
	th = ip + 20;
	memcpy(tmp, th, 2);
	memcpy(th, th + 2, 2);
	memcpy(th + 2, tmp, 2);
	memcpy(&seq, th + 4, 4);
	seq = htonl(ntohl(seq) + 1);
	memcpy(th + 8, &seq, 4);		/* ack = their seq + 1 */
	*isn = *isn * 1103515245u + 12345u;
	seq = htonl(*isn);
	memcpy(th + 4, &seq, 4);
	thl = 20;
	th[12] = (uint8_t)(thl / 4) << 4;
	th[13] = 0x12;				/* SYN|ACK */
	th[14] = 0xfa;
	th[15] = 0xf0;				/* window 64240 */
	th[16] = th[17] = th[18] = th[19] = 0;
	sum = fold(sum16(ip, 20, 0));
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	sum = sum16(ip + 12, 8, 0) + IPPROTO_TCP + (uint32_t)thl;
	sum = fold(sum16(th, thl, sum));
	th[16] = (uint8_t)(sum >> 8);
	th[17] = (uint8_t)sum;
	return 14 + 20 + thl;
}

int
main(int argc, char *argv[])
{
	/* tcpdump -dd 'ip and tcp and (tcp[13] & 0x17) == 0x02': the
	 * kernel hands us unfragmented SYNs only. */
	struct sock_filter code[] = {
		{ 0x28, 0, 0, 0x0000000c }, { 0x15, 0, 9, 0x00000800 },
		{ 0x30, 0, 0, 0x00000017 }, { 0x15, 0, 7, 0x00000006 },
		{ 0x28, 0, 0, 0x00000014 }, { 0x45, 5, 0, 0x00001fff },
		{ 0xb1, 0, 0, 0x0000000e }, { 0x50, 0, 0, 0x0000001b },
		{ 0x54, 0, 0, 0x00000017 }, { 0x15, 0, 1, 0x00000002 },
		{ 0x06, 0, 0, 0x00040000 }, { 0x06, 0, 0, 0x00000000 },
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	struct sockaddr_ll sll;
	struct in_addr first;
	struct pollfd pfd;
	struct timespec t0, t;
	uint8_t frame[2048];
	uint64_t sent = 0, seen = 0;
	uint32_t count, isn = (uint32_t)getpid();
	long secs = 0;
	ssize_t n;
	size_t out;
	int fd, ifindex, one = 1;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: reflector IFNAME FIRST-ADDR COUNT "
		    "[SECONDS]\n");
		return 1;
	}
	if ((ifindex = (int)if_nametoindex(argv[1])) == 0 ||
	    inet_pton(AF_INET, argv[2], &first) != 1) {
		fprintf(stderr, "reflector: bad interface or address\n");
		return 1;
	}
	count = (uint32_t)strtoul(argv[3], NULL, 10);
	if (argc == 5)
		secs = strtol(argv[4], NULL, 10);
	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof(one)) == -1) {
		perror("reflector: socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("reflector: bind");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (secs > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= secs)
				break;
		}
		if ((n = recv(fd, frame, sizeof(frame), MSG_DONTWAIT)) == -1) {
			if (errno == EAGAIN)
				poll(&pfd, 1, 100);
			else if (errno != EINTR)
				break;
			continue;
		}
		seen++;
		if ((out = reflect(frame, (size_t)n, ntohl(first.s_addr),
		    count, &isn)) > 0 && send(fd, frame, out, 0) == (ssize_t)out)
			sent++;
	}
	printf("reflector: %llu SYN/ACKs sent, %llu frames seen\n",
	    (unsigned long long)sent, (unsigned long long)seen);
	return 0;
}
