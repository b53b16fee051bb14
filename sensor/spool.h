/*
 * The sensor's durable event spool (DESIGN.md §4): nothing the engine saw
 * is lost while the server is away, and nothing is sent twice.
 *
 * A directory of append-only segment files, named seg-<first seq, 20
 * digits>.spool, each a run of records
 *
 *	uint32 len | uint32 crc32c | uint64 seq | len bytes of JSON
 *
 * (little endian; crc32c covers seq and the JSON; the JSON is one event
 * line without its '\n').  Seqs are consecutive across segments.  A file
 * "acked" holds the highest seq the server acknowledged, replaced
 * atomically (write, fsync, rename, fsync dir).
 *
 * Owned by the shipper process, single-threaded; no call blocks longer
 * than one fsync.
 *
 *	spool_open	creates dir's files if missing, else recovers: reads
 *			"acked", walks the segments, cuts a torn or corrupt
 *			tail at the last record whose CRC and seq check
 *			(counted in torn_bytes), deletes segments wholly acked.
 *			NULL and a reason in err on failure.  The directory
 *			is created if missing (mode 0700) and kept open, but
 *			"acked" is replaced by path (dir/acked): open the
 *			spool where that path stays valid, i.e. after the
 *			chroot.  spool_close syncs and frees it.
 *	spool_next_seq	the seq the next record must carry: one past the
 *			highest seq ever spooled or acked, so seqs survive
 *			restarts and are never reused.
 *	spool_append	adds one record; seq must equal spool_next_seq.  The
 *			record is durable after the next spool_sync; append
 *			calls it itself every sync_records records.  It is
 *			written (one pwrite for many records) by spool_flush,
 *			which append calls when its buffer is full and sync
 *			calls first; a failed write takes back every record
 *			it held (spool_next_seq too).  When the
 *			spool would exceed max_bytes, whole oldest segments are
 *			dropped first, acked or not; what was dropped unacked is
 *			added to the stats and reported once through
 *			spool_take_drops, so the shipper can spool an event
 *			about it.  -1 (errno) if the record cannot be written.
 *	spool_flush	writes the records appended since the last write:
 *			after it a crash of the process alone loses none.
 *	spool_sync	writes and fsyncs what was appended; a no-op when
 *			nothing is pending.  The shipper calls it every
 *			sync_ms too.
 *	spool_read	appends to out the JSON lines ('\n'-terminated) of up
 *			to max records with seq > after, durable ones only (seq
 *			<= spool_synced_seq), stopping before out would exceed
 *			its maximum; sets *last to the last seq appended (after
 *			if none).  Records that were dropped are skipped.
 *			Returns the number of records appended, -1 on a
 *			read error.  Consecutive reads (after = the last
 *			*last) continue where the previous one stopped.
 *			out's maximum must hold EVENT_LINE_MAX + 1, or one
 *			large record stops every read at it.
 *	spool_ack	records that the server stored every seq <= seq (the
 *			"acked" file), deletes segments now wholly acked
 *			(but not the one being written).  An ack at or below
 *			the current one is a no-op; one at or past
 *			spool_next_seq (the server holds seqs this spool
 *			lost) moves spool_next_seq past it.
 */
#ifndef DIAS_SPOOL_H
#define DIAS_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct spool;

struct spool_conf {
	const char	*dir;
	uint64_t	 max_bytes;		/* all segments together; 0: none */
	uint64_t	 segment_bytes;		/* roll to a new segment past this;
						   0: SPOOL_SEGMENT_BYTES; at
						   most max_bytes / 4 */
	uint64_t	 sync_records;		/* fsync after this many appends;
						   0: 1 */
};

#define SPOOL_SEGMENT_BYTES	(16 * 1024 * 1024)

struct spool_stats {
	uint64_t	 appended, synced;	/* records since open */
	uint64_t	 backlog_records;	/* spooled, not yet acked */
	uint64_t	 backlog_bytes;
	uint64_t	 segments;
	uint64_t	 dropped_records;	/* unacked, dropped for space */
	uint64_t	 dropped_bytes;
	uint64_t	 torn_bytes;		/* cut at open */
};

/* A drop not yet reported: seqs first..last went unshipped. */
struct spool_drop {
	uint64_t	 first, last;
	uint64_t	 records, bytes;
};

struct spool	*spool_open(const struct spool_conf *, char *err, size_t);
void		 spool_close(struct spool *);
uint64_t	 spool_next_seq(const struct spool *);
uint64_t	 spool_synced_seq(const struct spool *);
uint64_t	 spool_acked(const struct spool *);
int		 spool_append(struct spool *, uint64_t seq, const char *json,
		    size_t len);
int		 spool_flush(struct spool *);
int		 spool_sync(struct spool *);
int		 spool_read(struct spool *, uint64_t after, struct buf *out,
		    size_t max, uint64_t *last);
int		 spool_ack(struct spool *, uint64_t seq);
/* 1 and fills *d if a drop happened since the last call, else 0. */
int		 spool_take_drops(struct spool *, struct spool_drop *d);
void		 spool_stats(const struct spool *, struct spool_stats *);

#endif
