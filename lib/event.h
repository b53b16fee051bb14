/*
 * The DIAS event model (DESIGN.md §4) and its one wire form: a compact
 * JSON object per line (NDJSON), keys in a fixed order:
 *	"kind","sensor","seq","ts", then the kind's keys as listed below.
 * The same lines are the spool records, the HTTP body and the export.
 *
 * Decoding is for untrusted input and strict: every key known, typed and
 * bounded; none missing, duplicated or out of place.  An event that
 * decodes re-encodes to an equal event, and a line made by event_encode
 * re-encodes to the same bytes.
 *
 * Common rules: sensor is [A-Za-z0-9][A-Za-z0-9._-]*; seq is 1..2^63-1
 * (JSON integers are int64); ts is µs since the epoch, >= 0; connection
 * ids ("conn") are 1..2^63-1 and unique per sensor; every other integer
 * is 0..2^63-1 unless said.  A token is [A-Za-z0-9._:-]*; text is UTF-8
 * without NUL.
 */
#ifndef DIAS_EVENT_H
#define DIAS_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct buf;

enum event_kind {
	EVENT_CONNECTION = 1,
	EVENT_PAYLOAD,
	EVENT_SERVICE,
	EVENT_UPLOAD,
	EVENT_CLAIM,
	EVENT_ALERT,
	EVENT_HEARTBEAT,
};

/* Limits in bytes; char arrays are one longer for the NUL. */
#define EVENT_SENSOR_MAX	63
#define EVENT_TOKEN_MAX		63
#define EVENT_TEXT_MAX		255
#define EVENT_IFACE_MAX		15	/* IFNAMSIZ - 1 */
#define EVENT_VALUE_MAX		1024	/* one service field value */
#define EVENT_FIELDS_MAX	32
#define EVENT_COUNTERS_MAX	256
#define EVENT_PAYLOAD_MAX	65536
/* Any valid event encodes shorter than this, so it fits one message. */
#define EVENT_LINE_MAX		(240 * 1024)

/* The small enumerations; 0 is never valid.  JSON names in comments. */
enum { EVENT_START = 1, EVENT_END };		/* phase: start end */
enum { EVENT_FIN = 1, EVENT_RST, EVENT_TIMEOUT, EVENT_EVICTED, EVENT_LIMIT };
						/* reason: fin rst timeout
						   evicted limit */
enum { EVENT_IN = 1, EVENT_OUT };		/* dir: in out */
enum { EVENT_CLAIMED = 1, EVENT_RELEASED, EVENT_REFUSED };
						/* action: claim release
						   refuse */

/*
 * TCP flags are the header's flags byte (RFC 9293, RFC 3168), written as
 * letters in bit order, e.g. "SA" for 0x12:  F S R P A U E C.
 */
#define EVENT_TCP_FLAGS		"FSRPAUEC"

/* "proto" is tcp, udp, icmp (IPv4) or icmp6 (IPv6), stored as IPPROTO_*.
 * For ICMP, sport and dport carry the type and code. */
struct event_tuple {
	uint8_t		 proto;
	struct addr	 src, dst;
	uint16_t	 sport, dport;
};

/* phase conn proto src sport dst dport template service; on end also
 * pkts_in pkts_out bytes_in bytes_out; flags if tcp; reason on end. */
struct event_connection {
	uint8_t		 phase;
	uint64_t	 conn;
	struct event_tuple t;
	char		 template[EVENT_TOKEN_MAX + 1];	/* may be empty */
	char		 service[EVENT_TOKEN_MAX + 1];	/* may be empty */
	uint64_t	 pkts_in, pkts_out, bytes_in, bytes_out;
	uint8_t		 flags;
	uint8_t		 reason;
};

/* conn dir offset data (base64 of 1..EVENT_PAYLOAD_MAX bytes). */
struct event_payload {
	uint64_t	 conn;
	uint8_t		 dir;
	uint64_t	 offset;	/* stream offset of data[0] */
	uint8_t		*data;		/* owned: event_clear frees it */
	size_t		 len;
};

/* conn service type fields ({"key":"value",...}, in order, keys unique). */
struct event_field {
	char		 key[EVENT_TOKEN_MAX + 1];	/* non-empty */
	char		*value;		/* owned; text, <= EVENT_VALUE_MAX */
};
struct event_service {
	uint64_t	 conn;
	char		 service[EVENT_TOKEN_MAX + 1];	/* http, ftp ... */
	char		 type[EVENT_TOKEN_MAX + 1];	/* login, request ... */
	struct event_field *fields;	/* owned array */
	size_t		 nfields;
};

/* conn name size sha256 (64 lowercase hex digits). */
struct event_upload {
	uint64_t	 conn;
	char		 name[EVENT_TEXT_MAX + 1];	/* as the attacker gave it */
	uint64_t	 size;
	uint8_t		 sha256[32];
};

/* action addr mac (aa:bb:cc:dd:ee:ff, lowercase) iface reason. */
struct event_claim {
	uint8_t		 action;
	struct addr	 addr;
	uint8_t		 mac[6];	/* ours; the owner's on refuse */
	char		 iface[EVENT_IFACE_MAX + 1];
	char		 reason[EVENT_TEXT_MAX + 1];	/* may be empty */
};

/* sid rev priority classtype msg, then all or none of proto src sport
 * dst dport, then conn if non-zero. */
struct event_alert {
	uint32_t	 sid;		/* >= 1 */
	uint32_t	 rev;
	uint8_t		 priority;	/* 1 (most urgent) .. 255 */
	char		 classtype[EVENT_TOKEN_MAX + 1];	/* may be empty */
	char		 msg[EVENT_TEXT_MAX + 1];
	struct event_tuple t;		/* t.proto 0: no tuple */
	uint64_t	 conn;		/* 0: none */
};

/* backlog claimed counters ({"name":n,...}, in order, names unique). */
struct event_counter {
	char		 name[EVENT_TOKEN_MAX + 1];	/* non-empty */
	uint64_t	 value;
};
struct event_heartbeat {
	uint64_t	 backlog;	/* events spooled, not acknowledged */
	uint64_t	 claimed;	/* addresses claimed */
	struct event_counter *counters;	/* owned array */
	size_t		 ncounters;
};

struct event {
	uint8_t		 kind;
	char		 sensor[EVENT_SENSOR_MAX + 1];
	uint64_t	 seq;
	int64_t		 ts;
	union {
		struct event_connection	 connection;
		struct event_payload	 payload;
		struct event_service	 service;
		struct event_upload	 upload;
		struct event_claim	 claim;
		struct event_alert	 alert;
		struct event_heartbeat	 heartbeat;
	} u;
};

/* Zero e and set its kind.  event_clear frees what e owns and zeroes it. */
void	 event_init(struct event *, int kind);
void	 event_clear(struct event *);

/*
 * Append e as one line, '\n' included, to out.  -1 if e is not valid
 * (the same rules as decoding) or out is full; out is then unchanged and
 * err (may be NULL) says why.
 */
int	 event_encode(const struct event *, struct buf *out, char *err,
	    size_t errlen);

/*
 * Decode one line (a trailing '\n' is allowed) into e, which need not be
 * initialised.  0, and the caller must event_clear(e); or -1 with err
 * filled and nothing to free.
 */
int	 event_decode(const char *line, size_t len, struct event *,
	    char *err, size_t errlen);
/*
 * The same, always through a jansson tree.  event_decode reads a line in
 * event_encode's canonical form without one (the shipper and the server
 * decode every event) and hands anything else to this path; the tests
 * hold the two to the same result.
 */
int	 event_decode_tree(const char *line, size_t len, struct event *,
	    char *err, size_t errlen);

int	 event_equal(const struct event *, const struct event *);
const char *event_kind_name(int kind);		/* NULL if unknown */

/* Builders for the owned parts; -1 with errno on failure. */
int	 event_set_data(struct event *, const void *, size_t);	/* payload */
/*
 * Add a service field.  The value is attacker bytes: it is copied with
 * NULs and invalid UTF-8 replaced by U+FFFD, and cut to EVENT_VALUE_MAX
 * at a character boundary (the payload event keeps the exact bytes).
 * -1, EINVAL for a bad or duplicate key or too many fields.
 */
int	 event_add_field(struct event *, const char *key, const void *value,
	    size_t len);
int	 event_add_counter(struct event *, const char *name, uint64_t value);

#endif
