/*
 * honeyd-style connection log: see hlog.h.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "hlog.h"

/* Lines waiting for one write(2); more than this is written at once. */
#define HLOG_BUF	(64 * 1024)

struct hlog {
	int		 fd;
	struct buf	 out;
	struct event	 start;		/* a start not yet written */
	int		 has_start;
	uint64_t	 lines, errors;
};

static const char *
proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp(6)";
	case IPPROTO_UDP:
		return "udp(17)";
	case IPPROTO_ICMP:
		return "icmp(1)";
	}
	return NULL;
}

/* honeyd counted bytes in 32 bits, and its readers expect no more. */
static unsigned long long
u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (unsigned long long)v;
}

int
hlog_format(const struct event *ev, char type, char *out, size_t outlen)
{
	const struct event_connection *c = &ev->u.connection;
	const char *proto;
	char date[32], src[ADDR_STRLEN], dst[ADDR_STRLEN], flags[9];
	struct tm tm;
	time_t t;
	size_t i, nf = 0;
	int n;

	if (ev->kind != EVENT_CONNECTION || ev->ts < 0 ||
	    (proto = proto_name(c->t.proto)) == NULL ||
	    (type != 'S' && type != 'E' && type != '-'))
		return 0;
	t = (time_t)(ev->ts / 1000000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d-%H:%M:%S", &tm) == 0)
		return 0;
	if (addr_fmt(&c->t.src, src, sizeof(src)) == -1 ||
	    addr_fmt(&c->t.dst, dst, sizeof(dst)) == -1)
		return 0;
	if (c->t.proto == IPPROTO_ICMP)
		n = snprintf(out, outlen, "%s.%04d icmp(1) - %s %s: %u(%u): "
		    "%llu\n", date, (int)(ev->ts % 1000000 / 100), src, dst,
		    c->t.sport, c->t.dport, u32(c->bytes_in));
	else if (type == 'S')
		n = snprintf(out, outlen, "%s.%04d %s S %s %u %s %u\n", date,
		    (int)(ev->ts % 1000000 / 100), proto, src, c->t.sport, dst,
		    c->t.dport);
	else if (type == 'E')
		n = snprintf(out, outlen, "%s.%04d %s E %s %u %s %u: %llu "
		    "%llu\n", date, (int)(ev->ts % 1000000 / 100), proto, src,
		    c->t.sport, dst, c->t.dport, u32(c->bytes_in),
		    u32(c->bytes_out));
	else {
		if (c->t.proto == IPPROTO_TCP)
			for (i = 0; i < 8; i++)
				if (c->flags & (1U << i))
					flags[nf++] = EVENT_TCP_FLAGS[i];
		flags[nf] = '\0';
		n = snprintf(out, outlen, "%s.%04d %s - %s %u %s %u: %llu%s%s\n",
		    date, (int)(ev->ts % 1000000 / 100), proto, src,
		    c->t.sport, dst, c->t.dport, u32(c->bytes_in),
		    nf ? " " : "", flags);
	}
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

struct hlog *
hlog_new(int fd)
{
	struct hlog *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->fd = fd;
	buf_init(&h->out, HLOG_BUF + HLOG_LINE_MAX);
	return h;
}

static void
hlog_line(struct hlog *h, const struct event *ev, char type)
{
	char line[HLOG_LINE_MAX];
	int n;

	if ((n = hlog_format(ev, type, line, sizeof(line))) <= 0)
		return;
	if (h->out.len + (size_t)n > HLOG_BUF)
		hlog_flush(h);
	if (buf_add(&h->out, line, (size_t)n) == -1) {
		h->errors++;
		return;
	}
	h->lines++;
}

/* The held start, as an S line (ICMP has none: its line is its end). */
static void
hlog_release(struct hlog *h)
{
	if (!h->has_start)
		return;
	h->has_start = 0;
	if (h->start.u.connection.t.proto != IPPROTO_ICMP)
		hlog_line(h, &h->start, 'S');
}

void
hlog_event(struct hlog *h, const struct event *ev)
{
	const struct event_connection *c = &ev->u.connection;

	if (ev->kind != EVENT_CONNECTION)
		return;
	if (c->phase == EVENT_START) {
		hlog_release(h);
		/* A connection event owns no memory: a plain copy. */
		h->start = *ev;
		h->has_start = 1;
		return;
	}
	if (c->phase != EVENT_END)
		return;
	if (h->has_start && h->start.u.connection.conn == c->conn) {
		/* Started and ended at once: a probe, one '-' line. */
		h->has_start = 0;
		hlog_line(h, ev, '-');
		return;
	}
	hlog_release(h);
	hlog_line(h, ev, c->t.proto == IPPROTO_ICMP ? '-' : 'E');
}

void
hlog_flush(struct hlog *h)
{
	ssize_t n;
	size_t off = 0;

	hlog_release(h);
	while (off < h->out.len) {
		n = write(h->fd, h->out.data + off, h->out.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			h->errors++;
			break;
		}
		off += (size_t)n;
	}
	buf_reset(&h->out);
}

uint64_t
hlog_lines(const struct hlog *h)
{
	return h->lines;
}

uint64_t
hlog_errors(const struct hlog *h)
{
	return h->errors;
}

void
hlog_free(struct hlog *h)
{
	if (h == NULL)
		return;
	hlog_flush(h);
	close(h->fd);
	buf_free(&h->out);
	free(h);
}
