/*
 * dias-server's HTTPS front (libmicrohttpd over GnuTLS, TLS 1.3 only,
 * thread pool) and what it shares with the API modules.
 *
 *	server_new	loads certificates, opens the store pool and logs
 *	server_start	binds and serves
 *	server_stop	stops accepting, lets in-flight requests finish for
 *			up to shutdown-grace seconds, then closes
 */
#ifndef DIAS_SERVER_H
#define DIAS_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <microhttpd.h>

#include "buf.h"
#include "route.h"
#include "server_conf.h"
#include "store.h"

struct ca;
struct store;

/* Batch latency histogram bounds, in seconds. */
#define METRIC_BUCKETS	10

struct metrics {
	atomic_uint_least64_t	 requests[6];	/* 1xx..5xx by class, other */
	atomic_uint_least64_t	 batches_ok, batches_bad, batches_refused,
				 batches_failed;
	atomic_uint_least64_t	 events_received, events_stored;
	atomic_uint_least64_t	 batch_bucket[METRIC_BUCKETS + 1];
	atomic_uint_least64_t	 batch_usec_sum;
	atomic_uint_least64_t	 store_errors;
	atomic_uint_least64_t	 heartbeats, captures, capture_bytes;
	atomic_uint_least64_t	 enrollments, auth_refused;
	atomic_int		 inflight;	/* requests being handled */
	atomic_int		 store_waiting;	/* queued for a store handle */
};

/* A daemon that a reload replaced: it finishes what it has, then stops. */
struct retired {
	struct MHD_Daemon	*daemon;
	int			 fd;		/* its socket, closed after it */
	int64_t			 since;		/* µs */
	struct retired		*next;
};

/* Certificates a daemon was started with: kept until the server is freed,
 * since libmicrohttpd is not promised to be done with them. */
struct pems {
	char			*ca, *cert, *key;
	struct pems		*next;
};

struct server {
	struct server_conf	*conf;
	/* One libmicrohttpd daemon (and thread pool) per listen address. */
	struct MHD_Daemon	*daemons[SERVER_LISTEN_MAX];
	size_t			 ndaemons;
	struct retired		*retired;
	struct pems		*old_pems;
	char			*ca_pem, *cert_pem, *key_pem;
	struct ca		*ca;		/* NULL: enrollment is off */

	/* Store handles, one per concurrent user. */
	pthread_mutex_t		 pool_mu;
	pthread_cond_t		 pool_cv;
	struct store		**pool;
	int			*pool_busy;
	int			 npool;

	/* Group commit, for a store with one writer (SQLite): batches that
	 * wait for it are committed together by one thread, the leader. */
	int			 group_commit;
	pthread_mutex_t		 gc_mu;
	pthread_cond_t		 gc_cv;
	struct gc_item		*gc_head, **gc_tail;
	int			 gc_leader;

	pthread_mutex_t		 log_mu;
	FILE			*access_log;
	struct metrics		 m;
	int64_t			 started;
};

/* Per-request state, from the first access-handler call to completion. */
struct req {
	struct route		 route;
	char			 method[8];
	char			 path[256];	/* for the access log */
	int64_t			 start;		/* µs */
	int			 status;	/* answered with */
	int			 responded;
	uint64_t		 bytes_in;
	char			 sensor[64];	/* identity from the cert */
	int64_t			 sensor_id;
	uint64_t		 events;	/* for the access log */
	char			 error[300];	/* for the access log */
	struct buf		 body;
	/* PUT captures: streamed to a temporary file and hashed. */
	int			 fd;
	char			 tmp[4096];
	void			*hash;		/* gnutls_hash_hd_t */
	uint8_t			 want_sha[32];
	int			 overflow;
};

/* One batch waiting for a group commit. */
struct gc_item {
	struct store_batch	 b;
	int			 done;
	int			 rc;
	char			 err[300];
	struct gc_item		*next;
};

struct server	*server_new(struct server_conf *, char *err, size_t errlen);
int		 server_start(struct server *, char *err, size_t errlen);
/*
 * SIGHUP: reopen the access log, and read the CA and server certificate
 * and key again; every listener is then handed to a new daemon with the
 * new ones, without closing its socket, while the old daemon finishes
 * its connections (server_reap stops it).  On an error the old files stay
 * in use and err says why.  Revocations need no reload: the store is
 * asked on every request.
 */
int		 server_reload(struct server *, char *err, size_t errlen);
/* Stop replaced daemons that are idle or older than shutdown-grace. */
void		 server_reap(struct server *, int all);
void		 server_stop(struct server *);
void		 server_free(struct server *);

/* Borrow a store handle (waits for one) and give it back. */
struct store	*server_store_get(struct server *);
void		 server_store_put(struct server *, struct store *);

/* Queue a response; the body is copied.  JSON errors are {"error": msg}. */
enum MHD_Result	 server_reply(struct MHD_Connection *, struct req *,
		    int status, const char *type, const void *body,
		    size_t len);
enum MHD_Result	 server_reply_error(struct MHD_Connection *, struct req *,
		    int status, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* api_sensor.c: called once the whole body is in (or streamed). */
enum MHD_Result	 api_sensor_auth(struct server *, struct MHD_Connection *,
		    struct req *);
enum MHD_Result	 api_events(struct server *, struct MHD_Connection *,
		    struct req *);
enum MHD_Result	 api_heartbeat(struct server *, struct MHD_Connection *,
		    struct req *);
enum MHD_Result	 api_enroll(struct server *, struct MHD_Connection *,
		    struct req *);
int		 api_capture_begin(struct server *, struct MHD_Connection *,
		    struct req *);
int		 api_capture_data(struct server *, struct req *,
		    const char *, size_t);
enum MHD_Result	 api_capture_end(struct server *, struct MHD_Connection *,
		    struct req *);
void		 api_capture_abort(struct req *);

#endif
