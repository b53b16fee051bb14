/*
 * The shipper process (DESIGN.md §3, §4): the sensor's only way out.
 *
 * Events: lines from the engine (MSG_EVENT) are decoded strictly (the
 * engine reads attacker bytes, so its lines are untrusted), stamped with
 * the sensor name and seq = spool_next_seq(), and appended to the
 * durable spool (spool.h) in spool_dir.  A line in the engine's own form
 * (our name, then seq, then ts) keeps its bytes with our seq spliced in;
 * any other valid line is encoded anew.  A message's records reach the
 * spool file in one write (spool_flush).  The spool is synced every
 * spool_sync records or spool_sync_ms, and with a server at least every
 * SHIPPER_DELAY_MS so that shipping stays real-time.  Durable records
 * are posted as NDJSON batches (at most SHIPPER_BATCH records, one batch
 * in flight) to POST /api/v1/sensor/events; the spool's ack moves only
 * on the server's {"acked": n}.  Failures back off exponentially with
 * jitter (0.5 s .. 30 s); after any restart shipping resumes after
 * spool_acked().  A drop the spool reports (full while the server was
 * away) becomes an alert event, sid SHIPPER_SID_SPOOL_DROP, spooled like
 * any other, and is counted in heartbeats (drops.spool_full).
 *
 * Heartbeats: every `heartbeat` interval, POST /api/v1/sensor/heartbeat
 * with the engine's last counters (its own heartbeat events, which are
 * also spooled as events), the shipper's, the spool backlog, drops by
 * reason and the claimed-address count.
 *
 * Files: closed captures arrive with a read-only descriptor from the
 * capture process (MSG_CAPTURE_CLOSED) and are PUT to
 * /api/v1/sensor/captures/{name}; once the server confirmed (200/201)
 * the shipper answers MSG_CAPTURE_SHIPPED and capture deletes the file.
 * Files attackers uploaded (MSG_UPLOAD chunks) are checked against their
 * SHA-256, kept as uploads/<sha256> and PUT to
 * /api/v1/sensor/uploads/<sha256>, deleted once confirmed.  Both carry
 * X-DIAS-SHA256 and are retried with backoff.
 *
 * TLS 1.3 with the sensor's key and certificate and the server CA,
 * libcurl (GnuTLS) driven by the process's libevent loop through the
 * multi socket interface, so nothing waits on the network.  Before it
 * jails itself (still root) the shipper copies ca, cert and key into
 * spool_dir/tls/ (the only files of them it can reach from its chroot)
 * and resolves the server's host name once, pinned with CURLOPT_RESOLVE:
 * nothing resolves names inside the sandbox.  Its seccomp filter allows
 * TCP sockets only; the parent's nftables table lets new connections go
 * to the server's address and port only.
 */
#ifndef DIAS_SHIPPER_H
#define DIAS_SHIPPER_H

#include "proc.h"

#define SHIPPER_UPLOADS_DIR	"uploads"	/* the parent creates it */
#define SHIPPER_TLS_DIR		"tls"
#define SHIPPER_BATCH		1000		/* records per batch */
#define SHIPPER_DELAY_MS	200		/* longest wait before a batch */
#define SHIPPER_SID_SPOOL_DROP	9000001		/* the drop alert's sid */

__attribute__((noreturn)) void	shipper_main(const struct proc_env *);

#endif
