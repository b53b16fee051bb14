/*
 * Inside the store: the backend table.  Each backend's connection struct
 * starts with a struct store, so store.c dispatches through ops and keeps
 * the shared parts (error text, migrations list) in one place.
 */
#ifndef DIAS_STORE_IMPL_H
#define DIAS_STORE_IMPL_H

#include <stdarg.h>

#include "store.h"

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct migration sqlite_migrations[];
extern const struct migration pg_migrations[];

struct store_ops {
	const char *name;
	int	max_conns;
	int	one_writer;
	void	(*close)(struct store *);
	int	(*schema_version)(struct store *, int *);
	int	(*org_add)(struct store *, const char *, int64_t *);
	int	(*org_list)(struct store *,
		    int (*)(void *, int64_t, const char *), void *);
	int	(*sensor_add)(struct store *, const char *, const char *,
		    const char *, int64_t);
	int	(*sensor_get)(struct store *, const char *,
		    struct store_sensor *);
	int	(*sensor_list)(struct store *,
		    int (*)(void *, const struct store_sensor *), void *);
	int	(*sensor_retoken)(struct store *, const char *, const char *,
		    int64_t);
	int	(*sensor_take_token)(struct store *, const char *, int64_t,
		    char *, size_t);
	int	(*sensor_set_cert)(struct store *, const char *, const char *);
	int	(*sensor_revoke)(struct store *, const char *);
	int	(*sensor_heartbeat)(struct store *, int64_t, int64_t, uint64_t,
		    uint64_t, const char *);
	int	(*ingest)(struct store *, struct store_batch *, size_t);
	int	(*import)(struct store *, int64_t, struct store_batch *,
		    size_t, const char *, const char *, uint64_t,
		    const char *, int64_t);
	int	(*capture_add)(struct store *, int64_t, const char *,
		    const char *, uint64_t, const char *, int64_t);
	int	(*user_add)(struct store *, const char *, const char *,
		    const char *, const char *);
	int	(*audit)(struct store *, const char *, const char *,
		    const char *, const char *, int64_t);
	int	(*query_connections)(struct store *,
		    const struct store_conn_filter *,
		    int (*)(void *, const struct store_conn *), void *);
	int	(*explain_connections)(struct store *,
		    const struct store_conn_filter *, char *, size_t);
	int	(*export)(struct store *, const char *, int64_t,
		    int (*)(void *, const char *, size_t), void *);
	int	(*count)(struct store *, int, uint64_t *);
	int	(*maintain)(struct store *);	/* NULL: nothing deferred */
};

struct store {
	const struct store_ops	*ops;
	const struct migration	*migrations;
	char			 err[512];
};

/* Tables store_count knows, by index (no table name is ever spliced into
 * SQL: each backend has one constant statement per entry). */
enum store_table {
	ST_ORGANIZATIONS, ST_SENSORS, ST_EVENTS, ST_CONNECTIONS, ST_PAYLOADS,
	ST_UPLOADS, ST_CAPTURES, ST_ALERTS, ST_USERS, ST_AUDIT_LOG, ST_MAX
};

void	 store_seterr(struct store *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

struct store	*store_sqlite_open(const char *path, char *err, size_t errlen);
struct store	*store_pg_open(const char *conninfo, char *err, size_t errlen);

/* Addresses as 16 bytes, IPv4 mapped into ::ffff:0:0/96, so one ordered
 * column holds both families. */
void	 store_addr16(const struct addr *, uint8_t out[16]);
void	 store_addr_from16(const uint8_t in[16], struct addr *);

int64_t	 store_now(void);

/*
 * Fold connection events into connection rows, as the backends' upserts
 * would merge them one at a time, so that a batch writes each row once:
 * evs[idx[0..n-1]] are connection events of one sensor, stored for the
 * first time; idx is sorted in place by (conn, seq).  A row has the
 * tuple of the conn's first event, the earliest ts, the last end's
 * end_ts, the highest counters, the flags or'ed, and the last non-empty
 * template, service and reason.  cb gets each row (id and sensor unset)
 * and whether a start was among its events; -1 from cb stops the fold
 * and is returned.
 */
int	 store_fold_connections(const struct event *evs, size_t *idx,
	    size_t n, int (*cb)(void *, const struct store_conn *, int),
	    void *arg);

#endif
