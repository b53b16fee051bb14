/*
 * The DIAS store (DESIGN.md §5): one interface, two backends.
 *
 *	sqlite:///var/lib/dias/dias.db		SQLite 3 in WAL mode, created
 *						on first open (the default)
 *	postgresql://user@/db?host=/run/pg	PostgreSQL 15 through libpq
 *
 * store_open() applies the dialect's versioned migrations (server/sql/
 * <dialect>/NNN_name.sql, embedded at build time) in one transaction each.
 * Every statement is prepared with bound parameters.
 *
 * A struct store is one database connection: it is not shared between
 * threads.  The server keeps a pool of them (store_max_conns() says how
 * many the backend wants).  SQLite has one writer at a time: with
 * store_one_writer() true, the server funnels ingest through one
 * connection at a time (group commit) and uses the others for reads,
 * which WAL lets run beside the writer.
 *
 * Functions return 0 or -1; on -1 store_error() says why, and the
 * connection stays usable (a failed transaction is rolled back).
 */
#ifndef DIAS_STORE_H
#define DIAS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct event;
struct store;

#define STORE_NAME_MAX		63
#define STORE_SERIAL_MAX	64	/* hex of a certificate serial */

struct store	*store_open(const char *url, char *err, size_t errlen);
void		 store_close(struct store *);
const char	*store_error(const struct store *);
const char	*store_backend(const struct store *);	/* "sqlite", "pg" */
int		 store_max_conns(const struct store *);
int		 store_one_writer(const struct store *);
/* Highest migration applied. */
int		 store_schema_version(struct store *, int *version);
/* Number of migrations built into this binary for the store's dialect. */
int		 store_schema_latest(const struct store *);

/* Organizations. */
int		 store_org_add(struct store *, const char *name, int64_t *id);
int		 store_org_list(struct store *,
		    int (*cb)(void *, int64_t id, const char *name), void *);

/*
 * Sensors.  A sensor is added with a one-time enrollment token, of which
 * only the SHA-256 (hex) is kept.  Enrolling consumes the token and
 * records the serial of the certificate issued; only that certificate
 * is accepted afterwards, and revoking refuses it too.
 */
struct store_sensor {
	int64_t		 id;
	char		 name[STORE_NAME_MAX + 1];
	char		 org[STORE_NAME_MAX + 1];
	char		 cert_serial[STORE_SERIAL_MAX + 1];	/* "" before */
	int		 revoked;
	int64_t		 token_expires;	/* µs; 0: no token pending */
	int64_t		 last_seen;	/* µs; 0: never */
	uint64_t	 last_seq;	/* highest seq stored */
	uint64_t	 backlog, claimed;
};

/* -1 with store_error() "exists" when the name is taken, "no such
 * organization" when org is unknown. */
int	 store_sensor_add(struct store *, const char *name, const char *org,
	    const char *token_sha256, int64_t token_expires);
/* 0 found, 1 not found, -1 error. */
int	 store_sensor_get(struct store *, const char *name,
	    struct store_sensor *);
int	 store_sensor_list(struct store *,
	    int (*cb)(void *, const struct store_sensor *), void *);
/* A new token for a sensor (re-enrollment); the old cert stays valid
 * until the new one is issued. */
int	 store_sensor_retoken(struct store *, const char *name,
	    const char *token_sha256, int64_t token_expires);
/*
 * Consume a token: when token_sha256 belongs to a sensor and has not
 * expired at now, copy its name to name and clear the token.  0 ok,
 * 1 no such or expired token, -1 error.  The certificate serial is
 * recorded with store_sensor_set_cert once the certificate is made.
 */
int	 store_sensor_take_token(struct store *, const char *token_sha256,
	    int64_t now, char *name, size_t namelen);
int	 store_sensor_set_cert(struct store *, const char *name,
	    const char *serial);
/* 0 ok, 1 no such sensor. */
int	 store_sensor_revoke(struct store *, const char *name);
int	 store_sensor_heartbeat(struct store *, int64_t sensor_id,
	    int64_t now, uint64_t backlog, uint64_t claimed,
	    const char *counters_json);

/*
 * Ingest one batch of decoded events of one sensor (all with e->sensor
 * equal to the sensor's name) in one transaction: every event goes to
 * events, and those not stored before also to their kind's table
 * (connections, payloads, uploads, alerts).  Idempotent on (sensor, seq):
 * events already stored are skipped, so a replay stores nothing twice.
 * *stored is the number of new events.  Nothing is stored on -1.
 */
int	 store_ingest(struct store *, int64_t sensor_id,
	    const struct event *evs, const char *const *lines,
	    const size_t *linelens, size_t n, size_t *stored);

/*
 * Group commit: several batches (of one or more sensors) in one
 * transaction, all or none; each batch's stored count is filled in.
 * One fsync for many batches is what makes a single-writer store fast.
 */
struct store_batch {
	int64_t			 sensor_id;
	const struct event	*evs;
	const char *const	*lines;
	const size_t		*lens;
	size_t			 n;
	size_t			 stored;	/* out */
};
int	 store_ingest_group(struct store *, struct store_batch *, size_t nb);

/*
 * A whole imported file (diasctl import pcap): its batches and its
 * captures row in one transaction, so a file is imported wholly and once,
 * even if the import is interrupted: 0 stored, 1 a capture of that name
 * exists already (nothing is stored), -1 error (nothing is stored).
 */
int	 store_import(struct store *, int64_t sensor_id, struct store_batch *,
	    size_t nb, const char *name, const char *sha256_hex,
	    uint64_t size, const char *path, int64_t now);

/* A capture file received from a sensor; 0 new, 1 known with this sha256
 * (nothing changed), 2 known with another sha256 (refused). */
int	 store_capture_add(struct store *, int64_t sensor_id,
	    const char *name, const char *sha256_hex, uint64_t size,
	    const char *path, int64_t now);

/* Users (argon2id hashes are made by the caller). */
int	 store_user_add(struct store *, const char *name, const char *org,
	    const char *role, const char *pwhash);
int	 store_audit(struct store *, const char *actor, const char *action,
	    const char *object, const char *detail, int64_t now);

/*
 * The console's main listing (and `diasctl query connections`): newest
 * first, keyset pagination on (ts, id) -- pass the last row's ts and id
 * as before_ts/before_id (0/0 for the first page), so that a page costs
 * its rows, not its depth:
 *	WHERE dport = ? AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC
 *	LIMIT 50
 * With a dport the (dport, ts, id) index serves it, else with a sensor
 * the (sensor_id, ts, id) one, else (ts, id); since and src filter the
 * rows that index yields.
 */
struct store_conn_filter {
	int64_t		 since;		/* µs; 0: any */
	int		 has_src;
	struct cidr	 src;
	int		 dport;		/* -1: any */
	const char	*sensor;	/* NULL: any */
	int64_t		 before_ts, before_id;
	size_t		 limit;
};
struct store_conn {
	int64_t		 id;
	char		 sensor[STORE_NAME_MAX + 1];
	uint64_t	 conn;
	int64_t		 ts;		/* first event of the connection, µs */
	int64_t		 end_ts;	/* 0: not ended */
	uint8_t		 proto;
	struct addr	 src, dst;
	uint16_t	 sport, dport;
	char		 template[64], service[64];
	uint64_t	 pkts_in, pkts_out, bytes_in, bytes_out;
	uint8_t		 flags, reason;
};
int	 store_query_connections(struct store *,
	    const struct store_conn_filter *,
	    int (*cb)(void *, const struct store_conn *), void *);

/* The backend's plan for that query with f (EXPLAIN), one step a line,
 * for tests and operators: which index serves it. */
int	 store_explain_connections(struct store *,
	    const struct store_conn_filter *, char *out, size_t outlen);

/* Every stored event line, by sensor then seq (the export). */
int	 store_export(struct store *, const char *sensor, int64_t since,
	    int (*cb)(void *, const char *line, size_t len), void *);

/* Finish what the backend does behind ingest, now (SQLite: index the
 * addresses of every stored connection); for loaders and imports.  Ingest
 * and queries are exact without it. */
int	 store_maintain(struct store *);

/* Count of rows in a table named here (tests, metrics). */
int	 store_count(struct store *, const char *table, uint64_t *n);

#endif
