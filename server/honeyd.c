/*
 * honeyd log lines.  The format is honeyd 1.5's (honeyd.c:
 * honeyd_log_flownew, honeyd_log_flowend, honeyd_log_probe).
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "honeyd.h"

#define LINE_MAX_LEN	1024

struct cur {
	const char	*p, *end;
};

static int
word(struct cur *c, char *out, size_t outlen, const char *stops)
{
	size_t n = 0;

	while (c->p < c->end && *c->p == ' ')
		c->p++;
	while (c->p < c->end && *c->p != ' ' && strchr(stops, *c->p) == NULL) {
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int
num(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

static int
expect(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 0;
	}
	return -1;
}

/* 2004-12-04-12:52:09.7432 */
static int
parse_date(const char *s, int64_t *ts)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, frac = 0, nfrac = 0;
	char rest[16];
	int n;

	rest[0] = '\0';
	n = sscanf(s, "%4d-%2d-%2d-%2d:%2d:%2d.%15s", &y, &mo, &d, &h, &mi,
	    &sec, rest);
	if (n < 6 || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 ||
	    sec < 0)
		return -1;
	for (n = 0; rest[n] != '\0'; n++) {
		if (rest[n] < '0' || rest[n] > '9' || n >= 6)
			return -1;
		frac = frac * 10 + (rest[n] - '0');
		nfrac++;
	}
	for (; nfrac < 6; nfrac++)
		frac *= 10;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*ts = (int64_t)timegm(&tm) * 1000000 + frac;
	return 0;
}

int
honeyd_parse_line(const char *line, size_t len, struct honeyd_rec *r,
    char *err, size_t errlen)
{
	struct cur c = { line, line + len };
	char w[128];
	uint64_t v;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (len > 0 && line[len - 1] == '\n')
		c.end--;
	if (c.end > c.p && c.end[-1] == '\r')
		c.end--;
	if (len > LINE_MAX_LEN || memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "not a text line");
		return -1;
	}
	if (word(&c, w, sizeof(w), "") == -1 || parse_date(w, &r->ts) == -1) {
		snprintf(err, errlen, "bad date");
		return -1;
	}
	if (word(&c, w, sizeof(w), "") == -1)
		goto proto;
	if (strcmp(w, "tcp(6)") == 0)
		r->proto = IPPROTO_TCP;
	else if (strcmp(w, "udp(17)") == 0)
		r->proto = IPPROTO_UDP;
	else if (strcmp(w, "icmp(1)") == 0)
		r->proto = IPPROTO_ICMP;
	else
		goto proto;
	if (word(&c, w, sizeof(w), "") == -1 || w[1] != '\0' ||
	    strchr("SE-", w[0]) == NULL) {
		snprintf(err, errlen, "type is S, E or -");
		return -1;
	}
	r->type = w[0];
	if (r->proto == IPPROTO_ICMP) {
		/* SRC DST: TYPE(CODE): SIZE */
		if (r->type != '-' || word(&c, w, sizeof(w), "") == -1 ||
		    addr_parse(w, &r->src) == -1 ||
		    word(&c, w, sizeof(w), ":") == -1 ||
		    addr_parse(w, &r->dst) == -1 || expect(&c, ':') == -1 ||
		    word(&c, w, sizeof(w), "(") == -1 ||
		    num(w, 255, &v) == -1)
			goto icmp;
		r->sport = (uint16_t)v;
		if (expect(&c, '(') == -1 || word(&c, w, sizeof(w), ")") ==
		    -1 || num(w, 255, &v) == -1)
			goto icmp;
		r->dport = (uint16_t)v;
		if (expect(&c, ')') == -1 || expect(&c, ':') == -1 ||
		    word(&c, w, sizeof(w), "") == -1 ||
		    num(w, UINT32_MAX, &r->recv) == -1)
			goto icmp;
	} else {
		if (word(&c, w, sizeof(w), "") == -1 ||
		    addr_parse(w, &r->src) == -1)
			goto addr;
		if (word(&c, w, sizeof(w), "") == -1 || num(w, 65535, &v) == -1)
			goto port;
		r->sport = (uint16_t)v;
		if (word(&c, w, sizeof(w), "") == -1 ||
		    addr_parse(w, &r->dst) == -1)
			goto addr;
		if (word(&c, w, sizeof(w), ":") == -1 || num(w, 65535, &v) ==
		    -1)
			goto port;
		r->dport = (uint16_t)v;
		if (r->type == 'E') {
			if (expect(&c, ':') == -1 ||
			    word(&c, w, sizeof(w), "") == -1 ||
			    num(w, UINT32_MAX, &r->recv) == -1 ||
			    word(&c, w, sizeof(w), "") == -1 ||
			    num(w, UINT32_MAX, &r->sent) == -1) {
				snprintf(err, errlen, "an end line has "
				    "': RECEIVED SENT'");
				return -1;
			}
		} else if (r->type == '-') {
			if (expect(&c, ':') == -1 ||
			    word(&c, w, sizeof(w), "") == -1 ||
			    num(w, UINT32_MAX, &r->recv) == -1) {
				snprintf(err, errlen, "a packet line has "
				    "': SIZE'");
				return -1;
			}
			/* Optional tcp flags, e.g. "S" or "FA". */
			while (c.p < c.end && *c.p == ' ')
				c.p++;
			if (c.p < c.end && *c.p != '[' &&
			    word(&c, r->flags, sizeof(r->flags), "") == -1) {
				snprintf(err, errlen, "bad flags");
				return -1;
			}
		}
	}
	/* Optional [OS] to the end of the line. */
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if (c.p < c.end) {
		if (*c.p != '[' || c.end - c.p < 2 || c.end[-1] != ']') {
			snprintf(err, errlen, "trailing garbage");
			return -1;
		}
		n = (size_t)(c.end - c.p) - 2;
		if (n >= sizeof(r->os))
			n = sizeof(r->os) - 1;
		memcpy(r->os, c.p + 1, n);
		r->os[n] = '\0';
	}
	return 0;
proto:
	snprintf(err, errlen, "protocol is tcp(6), udp(17) or icmp(1)");
	return -1;
icmp:
	snprintf(err, errlen, "an icmp line is 'SRC DST: TYPE(CODE): SIZE'");
	return -1;
addr:
	snprintf(err, errlen, "bad address");
	return -1;
port:
	snprintf(err, errlen, "bad port");
	return -1;
}
