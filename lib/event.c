/*
 * Event codec.  Each kind is a table of fields in wire order; one set of
 * per-type functions parses, checks, builds, compares and zero-tests a
 * field, so the encoder, the decoder and event_equal cannot drift apart.
 *
 * A field may be conditional (a "when" test on the event): present in
 * JSON exactly when the test holds, and zero in the struct otherwise.
 * event_check applies those rules, so what encodes always decodes back
 * to an equal event.
 */
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "addr.h"
#include "buf.h"
#include "event.h"

#define WHYLEN		160

enum ftype {
	F_ENUM,		/* uint8_t, string from names[] */
	F_U64,		/* uint64_t */
	F_I64,		/* int64_t, read as uint64_t: negatives are out of range */
	F_U32,
	F_U16,
	F_U8,
	F_SENSOR,	/* char arrays: [A-Za-z0-9][A-Za-z0-9._-]* */
	F_TOKEN,	/* [A-Za-z0-9._:-]* */
	F_TEXT,		/* UTF-8 */
	F_IFACE,	/* Linux interface name */
	F_ADDR,		/* struct addr as text */
	F_TCPFLAGS,	/* uint8_t as EVENT_TCP_FLAGS letters */
	F_MAC,		/* uint8_t[6] as aa:bb:cc:dd:ee:ff */
	F_SHA256,	/* uint8_t[32] as lowercase hex */
	F_DATA,		/* the payload's bytes as base64 */
	F_FIELDS,	/* the service's fields object */
	F_COUNTERS,	/* the heartbeat's counters object */
};

struct name {
	const char	*s;
	uint8_t		 v;
};

struct when {
	int		(*test)(const struct event *);
	const char	*what;		/* completes "key 'x' is only allowed " */
};

struct field {
	const char	*key;
	enum ftype	 type;
	size_t		 off;		/* into struct event */
	size_t		 size;
	uint64_t	 min, max;	/* integers; strings: min is a length */
	const struct name *names;
	const struct when *when;	/* NULL: always present */
};

#define AT(m)	.off = offsetof(struct event, m), \
		.size = sizeof(((struct event *)0)->m)
#define I63	((uint64_t)INT64_MAX)

static const struct name kinds[] = {
	{ "connection", EVENT_CONNECTION }, { "payload", EVENT_PAYLOAD },
	{ "service", EVENT_SERVICE }, { "upload", EVENT_UPLOAD },
	{ "claim", EVENT_CLAIM }, { "alert", EVENT_ALERT },
	{ "heartbeat", EVENT_HEARTBEAT }, { NULL, 0 }
};
static const struct name phases[] = {
	{ "start", EVENT_START }, { "end", EVENT_END }, { NULL, 0 }
};
static const struct name reasons[] = {
	{ "fin", EVENT_FIN }, { "rst", EVENT_RST }, { "timeout", EVENT_TIMEOUT },
	{ "evicted", EVENT_EVICTED }, { "limit", EVENT_LIMIT }, { NULL, 0 }
};
static const struct name dirs[] = {
	{ "in", EVENT_IN }, { "out", EVENT_OUT }, { NULL, 0 }
};
static const struct name actions[] = {
	{ "claim", EVENT_CLAIMED }, { "release", EVENT_RELEASED },
	{ "refuse", EVENT_REFUSED }, { NULL, 0 }
};
static const struct name protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP }, { "icmp6", IPPROTO_ICMPV6 }, { NULL, 0 }
};

static int
conn_ended(const struct event *e)
{
	return e->u.connection.phase == EVENT_END;
}

static int
conn_tcp(const struct event *e)
{
	return e->u.connection.t.proto == IPPROTO_TCP;
}

static int
alert_tuple(const struct event *e)
{
	return e->u.alert.t.proto != 0;
}

static int
alert_conn(const struct event *e)
{
	return e->u.alert.conn != 0;
}

static const struct when when_end = { conn_ended, "with phase end" };
static const struct when when_tcp = { conn_tcp, "with proto tcp" };
static const struct when when_tuple = { alert_tuple,
	"together with proto, src, sport, dst and dport" };
static const struct when when_conn = { alert_conn, "when non-zero" };

static const struct field common_fields[] = {
	{ "kind", F_ENUM, AT(kind), .names = kinds },
	{ "sensor", F_SENSOR, AT(sensor), .min = 1 },
	{ "seq", F_U64, AT(seq), .min = 1, .max = I63 },
	{ "ts", F_I64, AT(ts), .max = I63 },
	{ .key = NULL }
};

static const struct field connection_fields[] = {
	{ "phase", F_ENUM, AT(u.connection.phase), .names = phases },
	{ "conn", F_U64, AT(u.connection.conn), .min = 1, .max = I63 },
	{ "proto", F_ENUM, AT(u.connection.t.proto), .names = protos },
	{ "src", F_ADDR, AT(u.connection.t.src) },
	{ "sport", F_U16, AT(u.connection.t.sport), .max = UINT16_MAX },
	{ "dst", F_ADDR, AT(u.connection.t.dst) },
	{ "dport", F_U16, AT(u.connection.t.dport), .max = UINT16_MAX },
	{ "template", F_TOKEN, AT(u.connection.template) },
	{ "service", F_TOKEN, AT(u.connection.service) },
	{ "pkts_in", F_U64, AT(u.connection.pkts_in), .max = I63,
	    .when = &when_end },
	{ "pkts_out", F_U64, AT(u.connection.pkts_out), .max = I63,
	    .when = &when_end },
	{ "bytes_in", F_U64, AT(u.connection.bytes_in), .max = I63,
	    .when = &when_end },
	{ "bytes_out", F_U64, AT(u.connection.bytes_out), .max = I63,
	    .when = &when_end },
	{ "flags", F_TCPFLAGS, AT(u.connection.flags), .when = &when_tcp },
	{ "reason", F_ENUM, AT(u.connection.reason), .names = reasons,
	    .when = &when_end },
	{ .key = NULL }
};

static const struct field payload_fields[] = {
	{ "conn", F_U64, AT(u.payload.conn), .min = 1, .max = I63 },
	{ "dir", F_ENUM, AT(u.payload.dir), .names = dirs },
	{ "offset", F_U64, AT(u.payload.offset), .max = I63 },
	{ "data", F_DATA, AT(u.payload) },
	{ .key = NULL }
};

static const struct field service_fields[] = {
	{ "conn", F_U64, AT(u.service.conn), .min = 1, .max = I63 },
	{ "service", F_TOKEN, AT(u.service.service), .min = 1 },
	{ "type", F_TOKEN, AT(u.service.type), .min = 1 },
	{ "fields", F_FIELDS, AT(u.service) },
	{ .key = NULL }
};

static const struct field upload_fields[] = {
	{ "conn", F_U64, AT(u.upload.conn), .min = 1, .max = I63 },
	{ "name", F_TEXT, AT(u.upload.name) },
	{ "size", F_U64, AT(u.upload.size), .max = I63 },
	{ "sha256", F_SHA256, AT(u.upload.sha256) },
	{ .key = NULL }
};

static const struct field claim_fields[] = {
	{ "action", F_ENUM, AT(u.claim.action), .names = actions },
	{ "addr", F_ADDR, AT(u.claim.addr) },
	{ "mac", F_MAC, AT(u.claim.mac) },
	{ "iface", F_IFACE, AT(u.claim.iface), .min = 1 },
	{ "reason", F_TEXT, AT(u.claim.reason) },
	{ .key = NULL }
};

static const struct field alert_fields[] = {
	{ "sid", F_U32, AT(u.alert.sid), .min = 1, .max = UINT32_MAX },
	{ "rev", F_U32, AT(u.alert.rev), .max = UINT32_MAX },
	{ "priority", F_U8, AT(u.alert.priority), .min = 1, .max = UINT8_MAX },
	{ "classtype", F_TOKEN, AT(u.alert.classtype) },
	{ "msg", F_TEXT, AT(u.alert.msg) },
	{ "proto", F_ENUM, AT(u.alert.t.proto), .names = protos,
	    .when = &when_tuple },
	{ "src", F_ADDR, AT(u.alert.t.src), .when = &when_tuple },
	{ "sport", F_U16, AT(u.alert.t.sport), .max = UINT16_MAX,
	    .when = &when_tuple },
	{ "dst", F_ADDR, AT(u.alert.t.dst), .when = &when_tuple },
	{ "dport", F_U16, AT(u.alert.t.dport), .max = UINT16_MAX,
	    .when = &when_tuple },
	{ "conn", F_U64, AT(u.alert.conn), .min = 1, .max = I63,
	    .when = &when_conn },
	{ .key = NULL }
};

static const struct field heartbeat_fields[] = {
	{ "backlog", F_U64, AT(u.heartbeat.backlog), .max = I63 },
	{ "claimed", F_U64, AT(u.heartbeat.claimed), .max = I63 },
	{ "counters", F_COUNTERS, AT(u.heartbeat) },
	{ .key = NULL }
};

static const struct field *
kind_fields(int kind)
{
	switch (kind) {
	case EVENT_CONNECTION:	return connection_fields;
	case EVENT_PAYLOAD:	return payload_fields;
	case EVENT_SERVICE:	return service_fields;
	case EVENT_UPLOAD:	return upload_fields;
	case EVENT_CLAIM:	return claim_fields;
	case EVENT_ALERT:	return alert_fields;
	case EVENT_HEARTBEAT:	return heartbeat_fields;
	}
	return NULL;
}

/* Small helpers. */

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A short, printable rendering of untrusted text for error messages. */
static const char *
quote(const char *s, char *dst, size_t dstlen)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n + 4 < dstlen; i++)
		dst[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0')
		while (n + 1 < dstlen && n < i + 3)
			dst[n++] = '.';
	dst[n] = '\0';
	return dst;
}

/* Length of the UTF-8 sequence at s (RFC 3629: no overlongs, surrogates
 * or code points above U+10FFFF), or 0 if it is invalid or NUL. */
static size_t
utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

static int
utf8_valid(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i, k;

	for (i = 0; i < n; i += k)
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return 0;
	return 1;
}

static int
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == ':';
}

/* Check a NUL-free string of n bytes against a string type's rules. */
static int
str_check(enum ftype type, const char *s, size_t n, size_t min, size_t max,
    char *why, size_t whylen)
{
	size_t i;

	if (n > max)
		return fail(why, whylen, "longer than %zu bytes", max);
	if (n < min)
		return fail(why, whylen, "empty");
	switch (type) {
	case F_SENSOR:
		for (i = 0; i < n; i++)
			if (!token_char(s[i]) || s[i] == ':' ||
			    (i == 0 && (s[i] == '.' || s[i] == '_' ||
			    s[i] == '-')))
				return fail(why, whylen, "not a sensor name");
		break;
	case F_TOKEN:
		for (i = 0; i < n; i++)
			if (!token_char(s[i]))
				return fail(why, whylen, "bad character");
		break;
	case F_IFACE:
		for (i = 0; i < n; i++)
			if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '/' ||
			    s[i] == ':')
				return fail(why, whylen, "bad character");
		if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			return fail(why, whylen, "not an interface name");
		break;
	default:
		if (!utf8_valid(s, n))
			return fail(why, whylen, "not UTF-8");
		break;
	}
	return 0;
}

static const char *
name_of(const struct name *t, uint8_t v)
{
	for (; t->s != NULL; t++)
		if (t->v == v)
			return t->s;
	return NULL;
}

static int
name_find(const struct name *t, const char *s, uint8_t *v)
{
	for (; t->s != NULL; t++) {
		if (strcmp(t->s, s) == 0) {
			*v = t->v;
			return 0;
		}
	}
	return -1;
}

static int
is_int(enum ftype t)
{
	return t == F_U64 || t == F_I64 || t == F_U32 || t == F_U16 ||
	    t == F_U8 || t == F_ENUM || t == F_TCPFLAGS;
}

static uint64_t
get_uint(const void *p, enum ftype t)
{
	uint64_t u64;
	int64_t i64;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;

	switch (t) {
	case F_U64:
		memcpy(&u64, p, sizeof(u64));
		return u64;
	case F_I64:
		memcpy(&i64, p, sizeof(i64));
		return (uint64_t)i64;
	case F_U32:
		memcpy(&u32, p, sizeof(u32));
		return u32;
	case F_U16:
		memcpy(&u16, p, sizeof(u16));
		return u16;
	default:
		memcpy(&u8, p, sizeof(u8));
		return u8;
	}
}

static void
put_uint(void *p, enum ftype t, uint64_t v)
{
	int64_t i64 = (int64_t)v;
	uint32_t u32 = (uint32_t)v;
	uint16_t u16 = (uint16_t)v;
	uint8_t u8 = (uint8_t)v;

	switch (t) {
	case F_U64:
		memcpy(p, &v, sizeof(v));
		break;
	case F_I64:
		memcpy(p, &i64, sizeof(i64));
		break;
	case F_U32:
		memcpy(p, &u32, sizeof(u32));
		break;
	case F_U16:
		memcpy(p, &u16, sizeof(u16));
		break;
	default:
		memcpy(p, &u8, sizeof(u8));
		break;
	}
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* Base64 (RFC 4648 §4), strict: padded, no whitespace, unused bits 0. */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t
b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static void
b64_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t v;
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = b64chars[v >> 18];
		*out++ = b64chars[(v >> 12) & 63];
		*out++ = b64chars[(v >> 6) & 63];
		*out++ = b64chars[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		*out++ = b64chars[v >> 18];
		*out++ = b64chars[(v >> 12) & 63];
		*out++ = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode n characters into out (room for n / 4 * 3); -1 if not canonical. */
static int
b64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen)
{
	size_t i, o = 0;
	int a, b, c, d;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		if ((a = b64_value(in[i])) < 0 || (b = b64_value(in[i + 1])) < 0)
			return -1;
		if (i + 4 == n && in[i + 2] == '=' && in[i + 3] == '=') {
			if (b & 0xf)
				return -1;
			out[o++] = (uint8_t)(a << 2 | b >> 4);
			break;
		}
		if ((c = b64_value(in[i + 2])) < 0)
			return -1;
		if (i + 4 == n && in[i + 3] == '=') {
			if (c & 0x3)
				return -1;
			out[o++] = (uint8_t)(a << 2 | b >> 4);
			out[o++] = (uint8_t)((b & 0xf) << 4 | c >> 2);
			break;
		}
		if ((d = b64_value(in[i + 3])) < 0)
			return -1;
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		out[o++] = (uint8_t)((b & 0xf) << 4 | c >> 2);
		out[o++] = (uint8_t)((c & 0x3) << 6 | d);
	}
	*outlen = o;
	return 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Lowercase hex bytes with an optional separator: "aabb" or "aa:bb".
 * Exactly n bytes, nothing else.
 */
static int
hex_parse(const char *s, size_t slen, uint8_t *out, size_t n, char sep)
{
	size_t i, want = sep ? n * 3 - 1 : n * 2;
	int hi, lo;

	if (slen != want)
		return -1;
	for (i = 0; i < n; i++, s += 2) {
		if (i > 0 && sep && *s++ != sep)
			return -1;
		if ((hi = hex_value(s[0])) < 0 || (lo = hex_value(s[1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
hex_fmt(const uint8_t *in, size_t n, char *s, char sep)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && sep)
			*s++ = sep;
		*s++ = digits[in[i] >> 4];
		*s++ = digits[in[i] & 0xf];
	}
	*s = '\0';
}

/* Per-type operations.  Tables point into the event by offset. */

static void *
field_ptr(struct event *e, const struct field *f)
{
	return (uint8_t *)e + f->off;
}

static const void *
field_cptr(const struct event *e, const struct field *f)
{
	return (const uint8_t *)e + f->off;
}

static int
fields_check(const struct event_service *s, char *why, size_t whylen)
{
	const struct event_field *fl;
	size_t i, j;

	if (s->nfields > EVENT_FIELDS_MAX)
		return fail(why, whylen, "more than %d fields",
		    EVENT_FIELDS_MAX);
	if (s->nfields > 0 && s->fields == NULL)
		return fail(why, whylen, "no array");
	for (i = 0; i < s->nfields; i++) {
		fl = &s->fields[i];
		if (strnlen(fl->key, sizeof(fl->key)) == sizeof(fl->key))
			return fail(why, whylen, "key not terminated");
		if (str_check(F_TOKEN, fl->key, strlen(fl->key), 1,
		    EVENT_TOKEN_MAX, why, whylen) == -1)
			return -1;
		if (fl->value == NULL)
			return fail(why, whylen, "'%s' has no value", fl->key);
		if (str_check(F_TEXT, fl->value, strnlen(fl->value,
		    EVENT_VALUE_MAX + 1), 0, EVENT_VALUE_MAX, why, whylen) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(s->fields[j].key, fl->key) == 0)
				return fail(why, whylen, "duplicate key '%s'",
				    fl->key);
	}
	return 0;
}

static int
counters_check(const struct event_heartbeat *h, char *why, size_t whylen)
{
	const struct event_counter *c;
	size_t i, j;

	if (h->ncounters > EVENT_COUNTERS_MAX)
		return fail(why, whylen, "more than %d counters",
		    EVENT_COUNTERS_MAX);
	if (h->ncounters > 0 && h->counters == NULL)
		return fail(why, whylen, "no array");
	for (i = 0; i < h->ncounters; i++) {
		c = &h->counters[i];
		if (strnlen(c->name, sizeof(c->name)) == sizeof(c->name))
			return fail(why, whylen, "name not terminated");
		if (str_check(F_TOKEN, c->name, strlen(c->name), 1,
		    EVENT_TOKEN_MAX, why, whylen) == -1)
			return -1;
		if (c->value > I63)
			return fail(why, whylen, "'%s' above 2^63-1", c->name);
		for (j = 0; j < i; j++)
			if (strcmp(h->counters[j].name, c->name) == 0)
				return fail(why, whylen, "duplicate name '%s'",
				    c->name);
	}
	return 0;
}

/* Is the value in the struct valid for its type and limits? */
static int
field_check(const struct event *e, const struct field *f, char *why,
    size_t whylen)
{
	const void *p = field_cptr(e, f);
	const struct addr *a;
	const char *s;
	uint64_t v;
	size_t n;

	switch (f->type) {
	case F_ENUM:
		if (name_of(f->names, (uint8_t)get_uint(p, f->type)) == NULL)
			return fail(why, whylen, "unknown value %u",
			    (unsigned)get_uint(p, f->type));
		return 0;
	case F_U64:
	case F_I64:
	case F_U32:
	case F_U16:
	case F_U8:
		v = get_uint(p, f->type);
		if (v < f->min || v > f->max)
			return fail(why, whylen, "out of range %ju..%ju",
			    (uintmax_t)f->min, (uintmax_t)f->max);
		return 0;
	case F_SENSOR:
	case F_TOKEN:
	case F_TEXT:
	case F_IFACE:
		s = p;
		if ((n = strnlen(s, f->size)) == f->size)
			return fail(why, whylen, "not terminated");
		return str_check(f->type, s, n, f->min, f->size - 1, why,
		    whylen);
	case F_ADDR:
		a = p;
		if ((a->af != AF_INET && a->af != AF_INET6) ||
		    (a->af == AF_INET && !all_zero(a->a + 4, 12)))
			return fail(why, whylen, "not an address");
		return 0;
	case F_TCPFLAGS:
	case F_MAC:
	case F_SHA256:
		return 0;
	case F_DATA:
		if (e->u.payload.len == 0 || e->u.payload.data == NULL)
			return fail(why, whylen, "empty");
		if (e->u.payload.len > EVENT_PAYLOAD_MAX)
			return fail(why, whylen, "more than %d bytes",
			    EVENT_PAYLOAD_MAX);
		return 0;
	case F_FIELDS:
		return fields_check(&e->u.service, why, whylen);
	case F_COUNTERS:
		return counters_check(&e->u.heartbeat, why, whylen);
	}
	return fail(why, whylen, "internal: bad type");
}

static int
field_zero(const struct event *e, const struct field *f)
{
	const void *p = field_cptr(e, f);

	if (is_int(f->type))
		return get_uint(p, f->type) == 0;
	switch (f->type) {
	case F_SENSOR:
	case F_TOKEN:
	case F_TEXT:
	case F_IFACE:
		return *(const char *)p == '\0';
	case F_DATA:
		return e->u.payload.data == NULL && e->u.payload.len == 0;
	case F_FIELDS:
		return e->u.service.nfields == 0;
	case F_COUNTERS:
		return e->u.heartbeat.ncounters == 0;
	default:
		return all_zero(p, f->size);
	}
}

static int
field_equal(const struct event *x, const struct event *y,
    const struct field *f)
{
	const struct event_service *sx = &x->u.service, *sy = &y->u.service;
	const struct event_heartbeat *hx = &x->u.heartbeat,
	    *hy = &y->u.heartbeat;
	const void *p = field_cptr(x, f), *q = field_cptr(y, f);
	size_t i;

	if (is_int(f->type))
		return get_uint(p, f->type) == get_uint(q, f->type);
	switch (f->type) {
	case F_SENSOR:
	case F_TOKEN:
	case F_TEXT:
	case F_IFACE:
		return strncmp(p, q, f->size) == 0;
	case F_DATA:
		if (x->u.payload.len != y->u.payload.len)
			return 0;
		return x->u.payload.len == 0 || memcmp(x->u.payload.data,
		    y->u.payload.data, x->u.payload.len) == 0;
	case F_FIELDS:
		if (sx->nfields != sy->nfields)
			return 0;
		for (i = 0; i < sx->nfields; i++)
			if (strcmp(sx->fields[i].key, sy->fields[i].key) != 0 ||
			    strcmp(sx->fields[i].value, sy->fields[i].value) != 0)
				return 0;
		return 1;
	case F_COUNTERS:
		if (hx->ncounters != hy->ncounters)
			return 0;
		for (i = 0; i < hx->ncounters; i++)
			if (strcmp(hx->counters[i].name,
			    hy->counters[i].name) != 0 ||
			    hx->counters[i].value != hy->counters[i].value)
				return 0;
		return 1;
	default:
		return memcmp(p, q, f->size) == 0;
	}
}

static int
parse_fields(struct event *e, json_t *v, char *why, size_t whylen)
{
	struct event_service *s = &e->u.service;
	struct event_field *fl;
	const char *key;
	json_t *val;
	char q[40];
	size_t n;

	if (!json_is_object(v))
		return fail(why, whylen, "not an object");
	if ((n = json_object_size(v)) > EVENT_FIELDS_MAX)
		return fail(why, whylen, "more than %d fields",
		    EVENT_FIELDS_MAX);
	if (n > 0 && (s->fields = calloc(n, sizeof(*s->fields))) == NULL)
		return fail(why, whylen, "out of memory");
	json_object_foreach(v, key, val) {
		fl = &s->fields[s->nfields];
		if (strlen(key) > EVENT_TOKEN_MAX)
			return fail(why, whylen, "key longer than %d bytes",
			    EVENT_TOKEN_MAX);
		if (!json_is_string(val))
			return fail(why, whylen, "value of '%s' not a string",
			    quote(key, q, sizeof(q)));
		if (json_string_length(val) > EVENT_VALUE_MAX)
			return fail(why, whylen, "value longer than %d bytes",
			    EVENT_VALUE_MAX);
		if ((fl->value = strdup(json_string_value(val))) == NULL)
			return fail(why, whylen, "out of memory");
		strlcpy(fl->key, key, sizeof(fl->key));
		s->nfields++;
	}
	return 0;
}

static int
parse_counters(struct event *e, json_t *v, char *why, size_t whylen)
{
	struct event_heartbeat *h = &e->u.heartbeat;
	struct event_counter *c;
	const char *key;
	json_t *val;
	char q[40];
	size_t n;

	if (!json_is_object(v))
		return fail(why, whylen, "not an object");
	if ((n = json_object_size(v)) > EVENT_COUNTERS_MAX)
		return fail(why, whylen, "more than %d counters",
		    EVENT_COUNTERS_MAX);
	if (n > 0 && (h->counters = calloc(n, sizeof(*h->counters))) == NULL)
		return fail(why, whylen, "out of memory");
	json_object_foreach(v, key, val) {
		c = &h->counters[h->ncounters];
		if (strlen(key) > EVENT_TOKEN_MAX)
			return fail(why, whylen, "name longer than %d bytes",
			    EVENT_TOKEN_MAX);
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			return fail(why, whylen, "'%s' not an integer >= 0",
			    quote(key, q, sizeof(q)));
		strlcpy(c->name, key, sizeof(c->name));
		c->value = (uint64_t)json_integer_value(val);
		h->ncounters++;
	}
	return 0;
}

/* Letters of EVENT_TCP_FLAGS, each at most once, in that order. */
static int
parse_tcpflags(const char *s, uint8_t *flags, char *why, size_t whylen)
{
	const char *letters = EVENT_TCP_FLAGS;
	size_t i = 0;

	*flags = 0;
	for (; *s != '\0'; s++) {
		while (letters[i] != '\0' && letters[i] != *s)
			i++;
		if (letters[i] == '\0')
			return fail(why, whylen, "not TCP flags in the order "
			    EVENT_TCP_FLAGS);
		*flags |= (uint8_t)(1 << i++);
	}
	return 0;
}

static void
fmt_tcpflags(uint8_t flags, char *s)
{
	const char *letters = EVENT_TCP_FLAGS;
	int i;

	for (i = 0; i < 8; i++)
		if (flags & (1 << i))
			*s++ = letters[i];
	*s = '\0';
}

/* JSON value -> struct, with the checks needed to store it losslessly. */
/*
 * A JSON value as field_parse sees it: jansson's (decode_tree) or one
 * the canonical scanner read straight from the line (decode_fast).  A
 * string is NUL-terminated at s[n] unless it is a field of type F_DATA,
 * whose parsers take the length.
 */
enum { JV_OTHER, JV_STRING, JV_INTEGER };
struct jval {
	int		 type;
	const char	*s;
	size_t		 n;
	json_int_t	 i;
	json_t		*j;		/* objects: jansson's, or NULL */
};

static void
jval_of(json_t *j, struct jval *v)
{
	memset(v, 0, sizeof(*v));
	if (json_is_string(j)) {
		v->type = JV_STRING;
		v->s = json_string_value(j);
		v->n = json_string_length(j);
	} else if (json_is_integer(j)) {
		v->type = JV_INTEGER;
		v->i = json_integer_value(j);
	} else if (json_is_object(j))
		v->j = j;
}

static int
field_parse(struct event *e, const struct field *f, const struct jval *v,
    char *why, size_t whylen)
{
	void *p = field_ptr(e, f);
	const char *s = NULL;
	char q[40];
	size_t n = 0, outlen;
	json_int_t i;
	uint8_t u8, *data;

	if (v->type == JV_STRING) {
		s = v->s;
		n = v->n;
	} else if (f->type != F_FIELDS && f->type != F_COUNTERS &&
	    (!is_int(f->type) || f->type == F_ENUM || f->type == F_TCPFLAGS))
		return fail(why, whylen, "not a string");
	switch (f->type) {
	case F_ENUM:
		if (name_find(f->names, s, &u8) == -1)
			return fail(why, whylen, "unknown value '%s'",
			    quote(s, q, sizeof(q)));
		put_uint(p, f->type, u8);
		return 0;
	case F_U64:
	case F_I64:
	case F_U32:
	case F_U16:
	case F_U8:
		if (v->type != JV_INTEGER)
			return fail(why, whylen, "not an integer");
		i = v->i;
		if (i < 0 || (uint64_t)i < f->min || (uint64_t)i > f->max)
			return fail(why, whylen, "out of range %ju..%ju",
			    (uintmax_t)f->min, (uintmax_t)f->max);
		put_uint(p, f->type, (uint64_t)i);
		return 0;
	case F_SENSOR:
	case F_TOKEN:
	case F_TEXT:
	case F_IFACE:
		if (n >= f->size)
			return fail(why, whylen, "longer than %zu bytes",
			    f->size - 1);
		memcpy(p, s, n + 1);
		return 0;
	case F_ADDR:
		if (n >= ADDR_STRLEN || addr_parse(s, p) == -1)
			return fail(why, whylen, "not an IP address");
		return 0;
	case F_TCPFLAGS:
		return parse_tcpflags(s, p, why, whylen);
	case F_MAC:
		if (hex_parse(s, n, p, 6, ':') == -1)
			return fail(why, whylen, "not a MAC address "
			    "(aa:bb:cc:dd:ee:ff, lowercase)");
		return 0;
	case F_SHA256:
		if (hex_parse(s, n, p, 32, 0) == -1)
			return fail(why, whylen, "not 64 lowercase hex digits");
		return 0;
	case F_DATA:
		if (n > b64_len(EVENT_PAYLOAD_MAX))
			return fail(why, whylen, "more than %d bytes",
			    EVENT_PAYLOAD_MAX);
		if ((data = malloc(n / 4 * 3 + 1)) == NULL)
			return fail(why, whylen, "out of memory");
		if (b64_decode(s, n, data, &outlen) == -1) {
			free(data);
			return fail(why, whylen, "not canonical base64");
		}
		e->u.payload.data = data;
		e->u.payload.len = outlen;
		return 0;
	case F_FIELDS:
		if (v->j == NULL)
			return fail(why, whylen, "not an object");
		return parse_fields(e, v->j, why, whylen);
	case F_COUNTERS:
		if (v->j == NULL)
			return fail(why, whylen, "not an object");
		return parse_counters(e, v->j, why, whylen);
	}
	return fail(why, whylen, "internal: bad type");
}

/*
 * Struct -> JSON text, for a field that passed field_check, appended to
 * out.  Written directly rather than through a jansson tree: the engine
 * encodes an event per packet exchange, and a tree costs a malloc per
 * value.  The bytes are jansson's compact form (JSON_COMPACT, no
 * ensure-ascii, no slash escaping), so decode -> encode is unchanged and
 * test_event's round trips still hold it to that.
 */
static int
json_put_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* as jansson */
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, run;

	uint8_t *p;

	/* Most strings need no escape: one copy, quotes and all. */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			break;
	if (i == n) {
		if (buf_reserve(out, n + 2) == -1)
			return -1;
		p = out->data + out->len;
		p[0] = '"';
		memcpy(p + 1, s, n);
		p[n + 1] = '"';
		out->len += n + 2;
		return 0;
	}
	if (buf_addc(out, '"') == -1)
		return -1;
	for (i = 0; i < n; i += run) {
		const char *e = NULL;
		size_t elen = 2;
		unsigned char c;

		for (run = 0; i + run < n; run++) {
			c = (unsigned char)s[i + run];
			if (c < 0x20 || c == '"' || c == '\\')
				break;
		}
		if (run > 0) {
			if (buf_add(out, s + i, run) == -1)
				return -1;
			continue;
		}
		switch ((c = (unsigned char)s[i])) {
		case '"':	e = "\\\""; break;
		case '\\':	e = "\\\\"; break;
		case '\b':	e = "\\b"; break;
		case '\f':	e = "\\f"; break;
		case '\n':	e = "\\n"; break;
		case '\r':	e = "\\r"; break;
		case '\t':	e = "\\t"; break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			e = esc;
			elen = sizeof(esc);
		}
		if (buf_add(out, e, elen) == -1)
			return -1;
		run = 1;
	}
	return buf_addc(out, '"');
}

static int
json_put_cstr(struct buf *out, const char *s)
{
	return json_put_str(out, s, strlen(s));
}

/* Decimal by hand: snprintf's format machinery showed in the profile. */
static int
json_put_uint(struct buf *out, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return buf_add(out, tmp + i, sizeof(tmp) - i);
}

/* "key": with the separator before it unless it opens the object. */
static int
json_put_key(struct buf *out, const char *key, int first)
{
	size_t n = strlen(key), i;
	uint8_t *p;

	/* Keys are tokens (field_check): no escapes, so one write. */
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x20 || key[i] == '"' ||
		    key[i] == '\\')
			break;
	if (i < n) {
		if (!first && buf_addc(out, ',') == -1)
			return -1;
		if (json_put_str(out, key, n) == -1)
			return -1;
		return buf_addc(out, ':');
	}
	if (buf_reserve(out, n + 4) == -1)
		return -1;
	p = out->data + out->len;
	if (!first)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	out->len = (size_t)(p - out->data);
	return 0;
}

/* IPv4 by hand (inet_ntop goes through sprintf), as inet_ntop writes it. */
static int
json_put_addr(struct buf *out, const struct addr *a)
{
	char tmp[ADDR_STRLEN], *p = tmp;
	int i, v;

	if (a->af != AF_INET) {
		if (addr_fmt(a, tmp, sizeof(tmp)) == -1)
			return -1;
		return json_put_cstr(out, tmp);
	}
	for (i = 0; i < 4; i++) {
		if (i > 0)
			*p++ = '.';
		v = a->a[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	return json_put_str(out, tmp, (size_t)(p - tmp));
}

static int
field_write(const struct event *e, const struct field *f, struct buf *out)
{
	const struct event_service *s = &e->u.service;
	const struct event_heartbeat *h = &e->u.heartbeat;
	const void *p = field_cptr(e, f);
	char tmp[ADDR_STRLEN + 65];
	size_t i, n;

	switch (f->type) {
	case F_ENUM:
		return json_put_cstr(out, name_of(f->names,
		    (uint8_t)get_uint(p, f->type)));
	case F_U64:
	case F_I64:
	case F_U32:
	case F_U16:
	case F_U8:
		return json_put_uint(out, get_uint(p, f->type));
	case F_SENSOR:
	case F_TOKEN:
	case F_TEXT:
	case F_IFACE:
		return json_put_cstr(out, p);
	case F_ADDR:
		return json_put_addr(out, p);
	case F_TCPFLAGS:
		fmt_tcpflags((uint8_t)get_uint(p, f->type), tmp);
		return json_put_cstr(out, tmp);
	case F_MAC:
		hex_fmt(p, 6, tmp, ':');
		return json_put_cstr(out, tmp);
	case F_SHA256:
		hex_fmt(p, 32, tmp, 0);
		return json_put_cstr(out, tmp);
	case F_DATA:
		/* Base64 needs no escaping: straight into the buffer. */
		n = b64_len(e->u.payload.len);
		if (buf_addc(out, '"') == -1 || buf_reserve(out, n + 1) == -1)
			return -1;
		b64_encode(e->u.payload.data, e->u.payload.len,
		    (char *)out->data + out->len);
		out->len += n;
		return buf_addc(out, '"');
	case F_FIELDS:
		if (buf_addc(out, '{') == -1)
			return -1;
		for (i = 0; i < s->nfields; i++)
			if (json_put_key(out, s->fields[i].key, i == 0) == -1 ||
			    json_put_cstr(out, s->fields[i].value) == -1)
				return -1;
		return buf_addc(out, '}');
	case F_COUNTERS:
		if (buf_addc(out, '{') == -1)
			return -1;
		for (i = 0; i < h->ncounters; i++)
			if (json_put_key(out, h->counters[i].name, i == 0) ==
			    -1 || json_put_uint(out, h->counters[i].value) == -1)
				return -1;
		return buf_addc(out, '}');
	}
	return -1;
}

static int
present(const struct event *e, const struct field *f)
{
	return f->when == NULL || f->when->test(e);
}

/* Rules that tie fields together. */
static int
tuple_check(const struct event_tuple *t, char *why, size_t whylen)
{
	if (t->src.af != t->dst.af)
		return fail(why, whylen, "src and dst differ in family");
	if (t->proto == IPPROTO_ICMP && t->src.af != AF_INET)
		return fail(why, whylen, "icmp needs IPv4 (icmp6 for IPv6)");
	if (t->proto == IPPROTO_ICMPV6 && t->src.af != AF_INET6)
		return fail(why, whylen, "icmp6 needs IPv6 (icmp for IPv4)");
	if ((t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) &&
	    (t->sport > UINT8_MAX || t->dport > UINT8_MAX))
		return fail(why, whylen, "ICMP type and code (sport, dport) "
		    "must be below 256");
	return 0;
}

static int
kind_check(const struct event *e, char *why, size_t whylen)
{
	if (e->kind == EVENT_CONNECTION)
		return tuple_check(&e->u.connection.t, why, whylen);
	if (e->kind == EVENT_ALERT && e->u.alert.t.proto != 0)
		return tuple_check(&e->u.alert.t, why, whylen);
	return 0;
}

/* The rules both directions share.  why gets "key: reason". */
static int
event_check(const struct event *e, char *why, size_t whylen)
{
	const struct field *tables[2], *f;
	char r[WHYLEN];
	int t;

	if ((tables[1] = kind_fields(e->kind)) == NULL)
		return fail(why, whylen, "kind: unknown value %u",
		    (unsigned)e->kind);
	tables[0] = common_fields;
	for (t = 0; t < 2; t++) {
		for (f = tables[t]; f->key != NULL; f++) {
			if (!present(e, f)) {
				if (!field_zero(e, f))
					return fail(why, whylen, "key '%s' is "
					    "only allowed %s", f->key,
					    f->when->what);
			} else if (field_check(e, f, r, sizeof(r)) == -1)
				return fail(why, whylen, "%s: %s", f->key, r);
		}
	}
	return kind_check(e, why, whylen);
}

int
event_encode(const struct event *e, struct buf *out, char *err,
    size_t errlen)
{
	const struct field *tables[2], *f;
	size_t oldlen = out->len;
	char why[WHYLEN];
	int t, first = 1;

	if (event_check(e, why, sizeof(why)) == -1) {
		errno = EINVAL;
		return fail(err, errlen, "%s", why);
	}
	tables[0] = common_fields;
	tables[1] = kind_fields(e->kind);
	if (buf_addc(out, '{') == -1)
		goto full;
	for (t = 0; t < 2; t++) {
		for (f = tables[t]; f->key != NULL; f++) {
			if (!present(e, f))
				continue;
			if (json_put_key(out, f->key, first) == -1 ||
			    field_write(e, f, out) == -1)
				goto full;
			first = 0;
		}
	}
	if (buf_add(out, "}\n", 2) == -1)
		goto full;
	if (out->len - oldlen - 1 > EVENT_LINE_MAX) {
		/* Cannot happen with the limits above; keep the promise. */
		out->len = oldlen;
		errno = EMSGSIZE;
		return fail(err, errlen, "line longer than %d bytes",
		    EVENT_LINE_MAX);
	}
	return 0;
 full:
	out->len = oldlen;
	errno = ENOBUFS;
	return fail(err, errlen, "no room for the line");
}

static const struct field *
field_find(const struct field *t, const char *key)
{
	for (; t->key != NULL; t++)
		if (strcmp(t->key, key) == 0)
			return t;
	return NULL;
}

/*
 * The canonical scanner: a line exactly as event_encode writes it (keys in
 * table order, no white space, strings without escapes or control bytes,
 * integers of at most 18 digits, no fields or counters object) is read
 * straight into e without a jansson tree.  It only ever accepts: 1 if e
 * is what decode_tree would have made of the line, 0 for anything else
 * (e cleared), which decode_tree then judges, errors and all.  Each value
 * goes through field_parse and field_check in the same order as there.
 */
#define FAST_STR_MAX	(EVENT_VALUE_MAX + 1)

/* A string value at *pp: fills v, moves *pp past it.  0 if not simple. */
static int
fast_string(const char **pp, const char *end, struct jval *v)
{
	const char *p = *pp + 1;
	size_t k;

	if (**pp != '"')
		return 0;
	v->type = JV_STRING;
	v->s = p;
	while (p < end && *p != '"') {
		if ((unsigned char)*p < 0x20 || *p == '\\')
			return 0;
		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		if ((k = utf8_seq((const uint8_t *)p, (size_t)(end - p))) == 0)
			return 0;
		p += k;
	}
	if (p == end)
		return 0;
	v->n = (size_t)(p - v->s);
	*pp = p + 1;
	return 1;
}

/* A non-negative integer at *pp, as jansson reads one. */
static int
fast_integer(const char **pp, const char *end, struct jval *v)
{
	const char *p = *pp;
	uint64_t i = 0;
	size_t n = 0;

	/* 18 digits at most: never past INT64_MAX. */
	while (p < end && *p >= '0' && *p <= '9' && n < 18) {
		i = i * 10 + (uint64_t)(*p - '0');
		p++;
		n++;
	}
	/* No sign, no leading zero, no fraction or exponent, no more. */
	if (n == 0 || (n > 1 && **pp == '0') ||
	    (p < end && *p != ',' && *p != '}'))
		return 0;
	v->type = JV_INTEGER;
	v->i = (json_int_t)i;
	*pp = p;
	return 1;
}

static int
decode_fast(const char *line, size_t len, struct event *e)
{
	const struct field *tables[2], *f;
	const char *p = line, *end = line + len;
	char str[FAST_STR_MAX + 1], why[WHYLEN];
	uint64_t seen[2] = { 0, 0 };
	struct jval v, vs;
	size_t klen;
	int t, i, first = 1;

	if (len < 2 || *p++ != '{' || end[-1] != '}')
		return 0;
	tables[0] = common_fields;
	tables[1] = NULL;
	for (t = 0; t < 2; t++) {
		if (t == 1 && (tables[1] = kind_fields(e->kind)) == NULL)
			goto no;
		for (f = tables[t], i = 0; f->key != NULL; f++, i++) {
			if (f->type == F_FIELDS || f->type == F_COUNTERS)
				goto no;
			klen = strlen(f->key);
			/* Absent here: decode_tree would not find it later. */
			if ((size_t)(end - p) < klen + 4 || (!first &&
			    *p != ',') || p[!first] != '"' ||
			    memcmp(p + !first + 1, f->key, klen) != 0 ||
			    p[!first + 1 + klen] != '"' ||
			    p[!first + 2 + klen] != ':')
				continue;
			p += !first + 3 + klen;
			memset(&v, 0, sizeof(v));
			if (*p == '"') {
				if (!fast_string(&p, end, &v))
					goto no;
			} else if (!fast_integer(&p, end, &v))
				goto no;
			vs = v;
			if (v.type == JV_STRING && f->type != F_DATA) {
				if (v.n > FAST_STR_MAX)
					goto no;
				memcpy(str, v.s, v.n);
				str[v.n] = '\0';
				vs.s = str;
			}
			if (field_parse(e, f, &vs, why, sizeof(why)) == -1 ||
			    field_check(e, f, why, sizeof(why)) == -1)
				goto no;
			seen[t] |= (uint64_t)1 << i;
			first = 0;
		}
	}
	if (p != end - 1)
		goto no;
	for (t = 0; t < 2; t++)
		for (f = tables[t], i = 0; f->key != NULL; f++, i++)
			if (present(e, f) != !!(seen[t] & (uint64_t)1 << i))
				goto no;
	if (kind_check(e, why, sizeof(why)) == -1)
		goto no;
	return 1;
 no:
	event_clear(e);
	event_init(e, 0);
	return 0;
}

static int	decode(const char *, size_t, struct event *, char *, size_t,
		    int);

int
event_decode(const char *line, size_t len, struct event *e, char *err,
    size_t errlen)
{
	return decode(line, len, e, err, errlen, 1);
}

int
event_decode_tree(const char *line, size_t len, struct event *e, char *err,
    size_t errlen)
{
	return decode(line, len, e, err, errlen, 0);
}

static int
decode(const char *line, size_t len, struct event *e, char *err,
    size_t errlen, int fast)
{
	const struct field *tables[2], *f;
	json_error_t jerr;
	json_t *root = NULL, *v;
	struct jval jv;
	const char *key;
	char why[WHYLEN], q[40];
	int t;

	event_init(e, 0);
	if (line == NULL) {
		line = "";
		len = 0;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > EVENT_LINE_MAX) {
		fail(err, errlen, "line longer than %d bytes", EVENT_LINE_MAX);
		goto fail;
	}
	if (memchr(line, '\n', len) != NULL) {
		fail(err, errlen, "newline inside the line");
		goto fail;
	}
	if (fast && decode_fast(line, len, e) == 1)
		return 0;
	if ((root = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		fail(err, errlen, "json: %s at byte %d", jerr.text,
		    jerr.position);
		goto fail;
	}
	if (!json_is_object(root)) {
		fail(err, errlen, "not a JSON object");
		goto fail;
	}
	if ((v = json_object_get(root, "kind")) == NULL) {
		fail(err, errlen, "missing key 'kind'");
		goto fail;
	}
	jval_of(v, &jv);
	if (field_parse(e, &common_fields[0], &jv, why, sizeof(why)) == -1) {
		fail(err, errlen, "kind: %s", why);
		goto fail;
	}
	tables[0] = common_fields;
	tables[1] = kind_fields(e->kind);
	json_object_foreach(root, key, v) {
		if (field_find(tables[0], key) == NULL &&
		    field_find(tables[1], key) == NULL) {
			fail(err, errlen, "unknown key '%s' for %s",
			    quote(key, q, sizeof(q)), event_kind_name(e->kind));
			goto fail;
		}
	}
	for (t = 0; t < 2; t++) {
		for (f = tables[t] + (t == 0); f->key != NULL; f++) {
			if ((v = json_object_get(root, f->key)) == NULL)
				continue;
			jval_of(v, &jv);
			if (field_parse(e, f, &jv, why, sizeof(why)) == -1 ||
			    field_check(e, f, why, sizeof(why)) == -1) {
				fail(err, errlen, "%s: %s", f->key, why);
				goto fail;
			}
		}
	}
	for (t = 0; t < 2; t++) {
		for (f = tables[t]; f->key != NULL; f++) {
			v = json_object_get(root, f->key);
			if (present(e, f) && v == NULL) {
				fail(err, errlen, "missing key '%s'", f->key);
				goto fail;
			}
			if (!present(e, f) && v != NULL) {
				fail(err, errlen, "key '%s' is only allowed %s",
				    f->key, f->when->what);
				goto fail;
			}
		}
	}
	if (kind_check(e, why, sizeof(why)) == -1) {
		fail(err, errlen, "%s", why);
		goto fail;
	}
	json_decref(root);
	return 0;
 fail:
	json_decref(root);
	event_clear(e);
	/* jansson quotes the input in its messages: keep logs printable. */
	for (; err != NULL && errlen > 0 && *err != '\0'; err++)
		if (*err < 0x20 || *err >= 0x7f)
			*err = '?';
	errno = EINVAL;
	return -1;
}

int
event_equal(const struct event *a, const struct event *b)
{
	const struct field *tables[2], *f;
	int t;

	if (a->kind != b->kind)
		return 0;
	tables[0] = common_fields;
	if ((tables[1] = kind_fields(a->kind)) == NULL)
		return 0;
	for (t = 0; t < 2; t++)
		for (f = tables[t]; f->key != NULL; f++)
			if (!field_equal(a, b, f))
				return 0;
	return 1;
}

const char *
event_kind_name(int kind)
{
	if (kind < 0 || kind > UINT8_MAX)
		return NULL;
	return name_of(kinds, (uint8_t)kind);
}

void
event_init(struct event *e, int kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
}

void
event_clear(struct event *e)
{
	size_t i;

	switch (e->kind) {
	case EVENT_PAYLOAD:
		free(e->u.payload.data);
		break;
	case EVENT_SERVICE:
		for (i = 0; i < e->u.service.nfields; i++)
			free(e->u.service.fields[i].value);
		free(e->u.service.fields);
		break;
	case EVENT_HEARTBEAT:
		free(e->u.heartbeat.counters);
		break;
	}
	memset(e, 0, sizeof(*e));
}

int
event_set_data(struct event *e, const void *data, size_t len)
{
	uint8_t *p;

	if (e->kind != EVENT_PAYLOAD || len == 0 || len > EVENT_PAYLOAD_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((p = malloc(len)) == NULL)
		return -1;
	memcpy(p, data, len);
	free(e->u.payload.data);
	e->u.payload.data = p;
	e->u.payload.len = len;
	return 0;
}

static int
name_ok(const char *s)
{
	size_t n = strnlen(s, EVENT_TOKEN_MAX + 1);

	return str_check(F_TOKEN, s, n, 1, EVENT_TOKEN_MAX, NULL, 0) == 0;
}

int
event_add_field(struct event *e, const char *key, const void *value,
    size_t len)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	struct event_service *s = &e->u.service;
	struct event_field *fl;
	const uint8_t *in = value;
	const char *piece;
	char *v;
	size_t i, k, n, o = 0;

	if (e->kind != EVENT_SERVICE || !name_ok(key) ||
	    s->nfields >= EVENT_FIELDS_MAX)
		goto inval;
	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].key, key) == 0)
			goto inval;
	if ((v = malloc(EVENT_VALUE_MAX + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i += k) {
		if ((k = utf8_seq(in + i, len - i)) == 0) {
			piece = repl;
			n = sizeof(repl) - 1;
			k = 1;
		} else {
			piece = (const char *)in + i;
			n = k;
		}
		if (o + n > EVENT_VALUE_MAX)
			break;
		memcpy(v + o, piece, n);
		o += n;
	}
	v[o] = '\0';
	if ((fl = reallocarray(s->fields, s->nfields + 1,
	    sizeof(*fl))) == NULL) {
		free(v);
		return -1;
	}
	s->fields = fl;
	fl = &s->fields[s->nfields++];
	strlcpy(fl->key, key, sizeof(fl->key));
	fl->value = v;
	return 0;
 inval:
	errno = EINVAL;
	return -1;
}

int
event_add_counter(struct event *e, const char *name, uint64_t value)
{
	struct event_heartbeat *h = &e->u.heartbeat;
	struct event_counter *c;
	size_t i;

	if (e->kind != EVENT_HEARTBEAT || !name_ok(name) || value > I63 ||
	    h->ncounters >= EVENT_COUNTERS_MAX)
		goto inval;
	for (i = 0; i < h->ncounters; i++)
		if (strcmp(h->counters[i].name, name) == 0)
			goto inval;
	if ((c = reallocarray(h->counters, h->ncounters + 1,
	    sizeof(*c))) == NULL)
		return -1;
	h->counters = c;
	c = &h->counters[h->ncounters++];
	strlcpy(c->name, name, sizeof(c->name));
	c->value = value;
	return 0;
 inval:
	errno = EINVAL;
	return -1;
}
