/*
 * record and banner-record: the generic services for ports nothing else
 * claims.  "record" accepts and says nothing (the stack records every
 * byte as payload events).  "banner-record TEXT" greets with TEXT, C
 * escapes (\r \n \t \\ \xHH) decoded, then records in silence; a UDP
 * flow gets the banner once, after its first datagram.  Without TEXT the
 * banner is an empty line, which keeps most scanners talking.
 */
#include <string.h>

#include "vservice.h"

#define BANNER_MAX	512

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The configured banner with its escapes decoded; its length. */
static size_t
banner(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	if (s == NULL) {
		memcpy(out, "\r\n", 2);
		return 2;
	}
	while (*s != '\0' && n < cap) {
		if (*s != '\\' || s[1] == '\0') {
			out[n++] = (uint8_t)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': out[n++] = '\r'; s++; break;
		case 'n': out[n++] = '\n'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case 'x':
			if ((hi = hexval(s[1])) >= 0 &&
			    (lo = hexval(s[2])) >= 0) {
				out[n++] = (uint8_t)(hi << 4 | lo);
				s += 3;
				break;
			}
			/* FALLTHROUGH */
		default:
			out[n++] = (uint8_t)*s++;
			break;
		}
	}
	return n;
}

static int
record_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	(void)f;
	(void)state;
	(void)d;
	(void)len;
	return 0;
}

static int
greet(struct flow *f)
{
	uint8_t b[BANNER_MAX];

	return vconn_send(f, b, banner(vconn_arg(f), b, sizeof(b)));
}

/* TCP: when the handshake completes; UDP: to the first datagram (a
 * UDP flow opens just before its first on_data). */
static int
banner_open(struct flow *f, void **state)
{
	(void)state;
	return greet(f);
}

const struct vservice vservice_record = {
	"record", NULL, record_data, NULL
};

const struct vservice vservice_banner_record = {
	"banner-record", banner_open, record_data, NULL
};
