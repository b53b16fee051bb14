/*
 * The shipper process (DESIGN.md §3, §4).
 *
 * THIS IS A STUB until the shipper issue lands.  What it does now: it
 * receives event lines from the engine (MSG_EVENT) and closed-capture
 * notices from the capture process (MSG_CAPTURE_CLOSED), decodes each
 * event strictly (the engine reads attacker bytes, so its lines are
 * untrusted), stamps the sensor name and the next per-sensor seq, and
 * appends the line to <spool_dir>/events.ndjson; closed captures are
 * listed, one "name size packets" line each, in <spool_dir>/captures.list;
 * files attackers uploaded (MSG_UPLOAD chunks) are checked against their
 * SHA-256 and kept as <spool_dir>/uploads/<sha256>.
 * It runs unprivileged, chrooted to spool_dir, with a seccomp filter that
 * allows files but no sockets.
 *
 * What it does NOT do yet (the shipper issue): the durable segmented spool
 * (len | crc32c | seq | json records, grouped fsync, ack file, torn-tail
 * cut, drop-oldest when full), mTLS HTTPS batches to the server, capture
 * uploads, heartbeats to the server.  seq continues from the last line of
 * events.ndjson across restarts, but nothing is ever acknowledged or
 * trimmed.
 */
#ifndef DIAS_SHIPPER_H
#define DIAS_SHIPPER_H

#include "proc.h"

#define SHIPPER_EVENTS_FILE	"events.ndjson"
#define SHIPPER_CAPTURES_FILE	"captures.list"
#define SHIPPER_UPLOADS_DIR	"uploads"	/* the parent creates it */

__attribute__((noreturn)) void	shipper_main(const struct proc_env *);

#endif
