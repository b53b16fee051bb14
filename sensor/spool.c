/*
 * The durable event spool: see spool.h for the contract.
 *
 * In memory: the segments in seq order (first, last, size of whole
 * records), the one being appended to (wseg, the last), and a read cursor
 * (segment, offset, seq) with a read-ahead buffer, so that a shipper
 * reading batch after batch never rescans.  Segment files are only ever
 * appended to, cut at open, or deleted whole.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "crc32c.h"
#include "event.h"
#include "file.h"
#include "log.h"
#include "spool.h"

#define SPOOL_HDR		16	/* len, crc32c, seq */
#define SPOOL_SEQ_MAX		((uint64_t)INT64_MAX)	/* lib/event.c's */
#define SPOOL_CHUNK		(64 * 1024)
/* A whole record of the largest size, plus read-ahead. */
#define SPOOL_RBUF		(SPOOL_HDR + EVENT_LINE_MAX + SPOOL_CHUNK)
/* Records appended, not yet written: the largest one, or many small. */
#define SPOOL_WBUF		(SPOOL_HDR + EVENT_LINE_MAX + SPOOL_CHUNK)
#define SPOOL_NAME_LEN		30	/* "seg-" 20 digits ".spool" */
#define SPOOL_ACKED		"acked"
#define SPOOL_ACKED_TMP		"acked.tmp"	/* file_write_atomic's */
#define SPOOL_ACKED_MAX		32

struct spool_seg {
	TAILQ_ENTRY(spool_seg)	 entry;
	uint64_t		 first;	/* the name's seq: the first record's */
	uint64_t		 last;	/* the last record's; first - 1 if none */
	uint64_t		 size;	/* bytes of whole records */
};
TAILQ_HEAD(spool_segs, spool_seg);

/*
 * A position in one segment.  buf holds the file's bytes [boff, boff +
 * blen); segments are append-only, so what it holds stays true.
 */
struct spool_cursor {
	struct spool_seg	*seg;	/* NULL: not positioned */
	int			 fd;
	uint64_t		 off;	/* of the next record */
	uint64_t		 seq;	/* the next record's */
	uint8_t			*buf;	/* SPOOL_RBUF bytes */
	uint64_t		 boff;
	size_t			 blen;
};

struct spool_rec {
	uint64_t		 seq;
	const uint8_t		*json;
	uint32_t		 len;
};

struct spool {
	int			 dfd;
	char			 acked_path[PATH_MAX];
	uint64_t		 max_bytes, segment_bytes, sync_records;
	struct spool_segs	 segs;
	struct spool_seg	*wseg;	/* appended to; last in segs, or NULL */
	int			 wfd;
	uint64_t		 next_seq, synced_seq, acked;
	uint64_t		 unsynced;	/* records since the last sync */
	uint64_t		 total_bytes;	/* of all segments */
	int			 dir_dirty;	/* a segment was deleted */
	uint8_t			*wbuf;	/* records not yet written */
	size_t			 wlen;	/* bytes in wbuf, at the end of wseg */
	uint64_t		 wrecs;	/* records in wbuf */
	struct spool_cursor	 cur;
	struct spool_stats	 st;
	struct spool_drop	 drop;
	int			 drop_pending;
};

static uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static void
put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static void
seg_name(uint64_t first, char *name, size_t len)
{
	snprintf(name, len, "seg-%020" PRIu64 ".spool", first);
}

/* The first seq a segment file's name carries; -1 if it is not one. */
static int
seg_parse_name(const char *name, uint64_t *first)
{
	uint64_t v = 0, d;
	int i;

	if (strlen(name) != SPOOL_NAME_LEN || strncmp(name, "seg-", 4) != 0 ||
	    strcmp(name + 24, ".spool") != 0)
		return -1;
	for (i = 4; i < 24; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		d = (uint64_t)(name[i] - '0');
		if (v > (SPOOL_SEQ_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v == 0)
		return -1;
	*first = v;
	return 0;
}

static uint64_t
seg_records(const struct spool_seg *s)
{
	return s->last + 1 - s->first;
}

/*
 * Records of s above the ack, and their bytes (in proportion when s is
 * partly acked: the offset of the ack point is not kept).
 */
static uint64_t
seg_unacked(const struct spool *sp, const struct spool_seg *s,
    uint64_t *bytes)
{
	uint64_t lo, n;

	*bytes = 0;
	if (s->last < s->first || s->last <= sp->acked)
		return 0;
	lo = s->first > sp->acked ? s->first : sp->acked + 1;
	n = s->last - lo + 1;
	*bytes = n == seg_records(s) ? s->size :
	    (uint64_t)((double)s->size * (double)n / (double)seg_records(s));
	return n;
}

static void
cursor_close(struct spool_cursor *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->seg = NULL;
	c->blen = 0;
}

/* Points c at offset off (where the record seq starts) of segment s. */
static int
cursor_set(struct spool *sp, struct spool_seg *s, uint64_t off, uint64_t seq)
{
	struct spool_cursor *c = &sp->cur;
	char name[SPOOL_NAME_LEN + 1];

	if (c->seg != s) {
		cursor_close(c);
		seg_name(s->first, name, sizeof(name));
		if ((c->fd = openat(sp->dfd, name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1)
			return -1;
		c->seg = s;
	}
	c->off = off;
	c->seq = seq;
	return 0;
}

/*
 * Makes the file's [off, off + n) readable in c->buf, reading no further
 * than limit: 0, 1 if the file ends first, -1 on a read error.
 */
static int
cursor_fill(struct spool_cursor *c, uint64_t off, size_t n, uint64_t limit)
{
	size_t have = 0, want;
	ssize_t r;

	if (off > limit || n > limit - off)
		return 1;
	if (off >= c->boff && off + n <= c->boff + c->blen)
		return 0;
	if (off >= c->boff && off < c->boff + c->blen) {
		have = (size_t)(c->boff + c->blen - off);
		memmove(c->buf, c->buf + (off - c->boff), have);
	}
	c->boff = off;
	c->blen = have;
	while (c->blen < n) {
		want = SPOOL_RBUF - c->blen;
		if (want > limit - (c->boff + c->blen))
			want = (size_t)(limit - (c->boff + c->blen));
		r = pread(c->fd, c->buf + c->blen, want,
		    (off_t)(c->boff + c->blen));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return 1;
		c->blen += (size_t)r;
	}
	return 0;
}

/*
 * The record at c's position, no further than limit: 1 and *r if it is
 * whole and checks (length in bounds, seq the one expected, CRC, no
 * newline in the JSON), 0 if the bytes end first (nothing or a torn
 * record), 2 if it is corrupt, -1 on a read error.
 */
static int
cursor_peek(struct spool_cursor *c, uint64_t limit, struct spool_rec *r)
{
	const uint8_t *h;
	uint32_t len;
	int rv;

	if ((rv = cursor_fill(c, c->off, SPOOL_HDR, limit)) != 0)
		return rv == 1 ? 0 : -1;
	h = c->buf + (c->off - c->boff);
	len = get_le32(h);
	if (len == 0 || len > EVENT_LINE_MAX || get_le64(h + 8) != c->seq ||
	    c->seq > SPOOL_SEQ_MAX)
		return 2;
	if ((rv = cursor_fill(c, c->off, SPOOL_HDR + len, limit)) != 0)
		return rv == 1 ? 0 : -1;
	h = c->buf + (c->off - c->boff);
	if (crc32c(0, h + 8, 8 + (size_t)len) != get_le32(h + 4) ||
	    memchr(h + SPOOL_HDR, '\n', len) != NULL)
		return 2;
	r->seq = c->seq;
	r->json = h + SPOOL_HDR;
	r->len = len;
	return 1;
}

static void
cursor_advance(struct spool_cursor *c, const struct spool_rec *r)
{
	c->off += SPOOL_HDR + r->len;
	c->seq++;
}

/*
 * Drops s from the spool: its file, its bytes, and the cursor if it was
 * there.  Records not acked are counted as a drop to report.  The
 * directory is fsynced later (dir_sync).
 */
static void
seg_remove(struct spool *sp, struct spool_seg *s)
{
	char name[SPOOL_NAME_LEN + 1];
	uint64_t n, bytes, first;

	if (s == sp->wseg)
		fatalx("spool: removing the segment being written");
	if ((n = seg_unacked(sp, s, &bytes)) > 0) {
		first = s->first > sp->acked ? s->first : sp->acked + 1;
		log_warnx("spool full: dropping seqs %" PRIu64 "-%" PRIu64
		    " (%" PRIu64 " records) unshipped", first, s->last, n);
		if (!sp->drop_pending) {
			memset(&sp->drop, 0, sizeof(sp->drop));
			sp->drop.first = first;
			sp->drop_pending = 1;
		}
		sp->drop.last = s->last;
		sp->drop.records += n;
		sp->drop.bytes += bytes;
		sp->st.dropped_records += n;
		sp->st.dropped_bytes += bytes;
	}
	if (sp->cur.seg == s)
		cursor_close(&sp->cur);
	seg_name(s->first, name, sizeof(name));
	if (unlinkat(sp->dfd, name, 0) == -1 && errno != ENOENT)
		log_warn("spool: unlink %s", name);
	sp->total_bytes -= s->size;
	TAILQ_REMOVE(&sp->segs, s, entry);
	free(s);
	sp->dir_dirty = 1;
}

static int
dir_sync(struct spool *sp)
{
	if (!sp->dir_dirty)
		return 0;
	if (fsync(sp->dfd) == -1)
		return -1;
	sp->dir_dirty = 0;
	return 0;
}

/* A new segment for the record next_seq, durable in the directory. */
static int
seg_create(struct spool *sp)
{
	char name[SPOOL_NAME_LEN + 1];
	struct spool_seg *s;
	int fd;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	seg_name(sp->next_seq, name, sizeof(name));
	/* Nothing spooled is at or past next_seq, so no data is truncated. */
	if ((fd = openat(sp->dfd, name, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1) {
		free(s);
		return -1;
	}
	sp->dir_dirty = 1;
	if (dir_sync(sp) == -1) {
		close(fd);
		unlinkat(sp->dfd, name, 0);
		free(s);
		return -1;
	}
	s->first = sp->next_seq;
	s->last = s->first - 1;
	TAILQ_INSERT_TAIL(&sp->segs, s, entry);
	sp->wseg = s;
	sp->wfd = fd;
	return 0;
}

/* Closes the segment being written, durable; the next append opens one. */
static int
seg_roll(struct spool *sp)
{
	if (sp->wseg == NULL)
		return 0;
	if (spool_sync(sp) == -1)
		return -1;
	close(sp->wfd);
	sp->wfd = -1;
	sp->wseg = NULL;
	return 0;
}

/* Deletes the segments wholly acked, but not the one being written. */
static int
seg_trim_acked(struct spool *sp)
{
	struct spool_seg *s;

	while ((s = TAILQ_FIRST(&sp->segs)) != NULL && s != sp->wseg &&
	    s->last <= sp->acked)
		seg_remove(sp, s);
	return dir_sync(sp);
}

static int
acked_read(struct spool *sp, char *err, size_t errlen)
{
	char text[SPOOL_ACKED_MAX + 2];
	const char *errstr;
	ssize_t n;
	int fd;

	sp->acked = 0;
	/* A crash inside file_write_atomic leaves its temporary. */
	if (unlinkat(sp->dfd, SPOOL_ACKED_TMP, 0) == -1 && errno != ENOENT)
		log_warn("spool: unlink %s", SPOOL_ACKED_TMP);
	if ((fd = openat(sp->dfd, SPOOL_ACKED, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", sp->acked_path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, text, sizeof(text) - 1)) == -1 && errno == EINTR)
		continue;
	close(fd);
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", sp->acked_path, strerror(errno));
		return -1;
	}
	text[n] = '\0';
	if (n > 0 && text[n - 1] == '\n')
		text[n - 1] = '\0';
	/*
	 * It is only ever replaced whole, so bad contents mean someone else
	 * wrote it.  Starting over from 0 resends what the server has, which
	 * it stores once: safe, unlike guessing.
	 */
	if (n > SPOOL_ACKED_MAX)
		errstr = "too long";
	else if (text[0] < '0' || text[0] > '9')
		errstr = "not a number";
	else
		sp->acked = (uint64_t)strtonum(text, 0, (long long)SPOOL_SEQ_MAX,
		    &errstr);
	if (errstr != NULL) {
		log_warnx("spool: %s is %s, taken as 0", sp->acked_path, errstr);
		sp->acked = 0;
	}
	return 0;
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct spool_seg *x = *(struct spool_seg *const *)a;
	const struct spool_seg *y = *(struct spool_seg *const *)b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The segment files in the directory, sorted, into sp->segs unchecked. */
static int
seg_list(struct spool *sp, char *err, size_t errlen)
{
	struct spool_seg **v = NULL, **nv, *s;
	struct dirent *de;
	struct stat sb;
	size_t n = 0, cap = 0, i;
	uint64_t first;
	DIR *d;
	int fd;

	if ((fd = openat(sp->dfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "list spool: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (seg_parse_name(de->d_name, &first) == -1)
			continue;
		/* A FIFO would block the open, a link lead elsewhere. */
		if (fstatat(sp->dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(sb.st_mode)) {
			log_warnx("spool: %s is not a regular file, ignored",
			    de->d_name);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((s = calloc(1, sizeof(*s))) == NULL)
			goto nomem;
		s->first = first;
		s->last = first - 1;
		v[n++] = s;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), seg_cmp);
	for (i = 0; i < n; i++)
		TAILQ_INSERT_TAIL(&sp->segs, v[i], entry);
	free(v);
	return 0;
nomem:
	snprintf(err, errlen, "list spool: %s", strerror(errno));
	closedir(d);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -1;
}

/*
 * Walks s's records from the start, each of which must carry the next
 * seq, and cuts the file after the last one that checks.
 */
static int
seg_recover(struct spool *sp, struct spool_seg *s, char *err, size_t errlen)
{
	char name[SPOOL_NAME_LEN + 1];
	struct spool_cursor *c = &sp->cur;
	struct spool_rec r;
	struct stat sb;
	int fd, rv;

	seg_name(s->first, name, sizeof(name));
	if (cursor_set(sp, s, 0, s->first) == -1 || fstat(c->fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	while ((rv = cursor_peek(c, (uint64_t)sb.st_size, &r)) == 1)
		cursor_advance(c, &r);
	if (rv == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	s->size = c->off;
	s->last = c->seq - 1;
	cursor_close(c);
	if ((uint64_t)sb.st_size == s->size)
		return 0;
	log_warnx("spool: %s: cut %" PRIu64 " bytes of %s tail after seq %"
	    PRIu64, name, (uint64_t)sb.st_size - s->size,
	    rv == 0 ? "a torn" : "a corrupt", s->last);
	if ((fd = openat(sp->dfd, name, O_WRONLY | O_CLOEXEC)) == -1 ||
	    ftruncate(fd, (off_t)s->size) == -1 || fdatasync(fd) == -1) {
		snprintf(err, errlen, "cut %s: %s", name, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	sp->st.torn_bytes += (uint64_t)sb.st_size - s->size;
	return 0;
}

/*
 * Checks every segment in order.  An empty one goes; one that overlaps
 * the seqs before it can only be someone else's writing, and goes whole
 * (its bytes counted as torn); a gap is kept and reported.
 */
static int
spool_recover(struct spool *sp, char *err, size_t errlen)
{
	char name[SPOOL_NAME_LEN + 1];
	struct spool_seg *s, *next, *prev = NULL;
	struct stat sb;

	for (s = TAILQ_FIRST(&sp->segs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (prev != NULL && s->first <= prev->last) {
			seg_name(s->first, name, sizeof(name));
			log_warnx("spool: %s overlaps seqs up to %" PRIu64
			    ", deleted", name, prev->last);
			if (fstatat(sp->dfd, name, &sb, 0) == 0)
				sp->st.torn_bytes += (uint64_t)sb.st_size;
			seg_remove(sp, s);
			continue;
		}
		if (seg_recover(sp, s, err, errlen) == -1)
			return -1;
		sp->total_bytes += s->size;
		if (s->size == 0) {
			seg_remove(sp, s);
			continue;
		}
		if (prev != NULL && s->first != prev->last + 1)
			log_warnx("spool: seqs %" PRIu64 "-%" PRIu64 " missing "
			    "between segments", prev->last + 1, s->first - 1);
		prev = s;
	}
	return 0;
}

struct spool *
spool_open(const struct spool_conf *conf, char *err, size_t errlen)
{
	struct spool *sp;
	struct spool_seg *s;
	char name[SPOOL_NAME_LEN + 1];

	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	TAILQ_INIT(&sp->segs);
	sp->dfd = sp->wfd = sp->cur.fd = -1;
	sp->max_bytes = conf->max_bytes ? conf->max_bytes : UINT64_MAX;
	sp->segment_bytes = conf->segment_bytes ? conf->segment_bytes :
	    SPOOL_SEGMENT_BYTES;
	/* The cap drops whole segments: let one be a small part of it. */
	if (sp->segment_bytes > sp->max_bytes / 4)
		sp->segment_bytes = sp->max_bytes / 4;
	sp->sync_records = conf->sync_records ? conf->sync_records : 1;
	if (snprintf(sp->acked_path, sizeof(sp->acked_path), "%s/%s",
	    conf->dir, SPOOL_ACKED) >= (int)sizeof(sp->acked_path)) {
		snprintf(err, errlen, "%s: path too long", conf->dir);
		goto fail;
	}
	if ((sp->cur.buf = malloc(SPOOL_RBUF)) == NULL ||
	    (sp->wbuf = malloc(SPOOL_WBUF)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	/* mkdir only when missing: a jailed shipper may not be allowed it. */
	if ((sp->dfd = open(conf->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 && errno == ENOENT) {
		if (mkdir(conf->dir, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", conf->dir,
			    strerror(errno));
			goto fail;
		}
		sp->dfd = open(conf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (sp->dfd == -1) {
		snprintf(err, errlen, "%s: %s", conf->dir, strerror(errno));
		goto fail;
	}
	if (acked_read(sp, err, errlen) == -1 ||
	    seg_list(sp, err, errlen) == -1 ||
	    spool_recover(sp, err, errlen) == -1)
		goto fail;
	if (seg_trim_acked(sp) == -1) {
		snprintf(err, errlen, "%s: %s", conf->dir, strerror(errno));
		goto fail;
	}
	sp->next_seq = sp->acked + 1;
	if ((s = TAILQ_LAST(&sp->segs, spool_segs)) != NULL) {
		if (s->last >= sp->next_seq)
			sp->next_seq = s->last + 1;
		/*
		 * A crash of the process alone leaves written bytes that no
		 * fsync covered: cover them before calling them durable.
		 * Appends continue in that segment if they can.
		 */
		seg_name(s->first, name, sizeof(name));
		if ((sp->wfd = openat(sp->dfd, name, O_WRONLY |
		    O_CLOEXEC)) == -1 || fdatasync(sp->wfd) == -1) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			goto fail;
		}
		if (s->last + 1 == sp->next_seq &&
		    s->size < sp->segment_bytes)
			sp->wseg = s;
		else {
			close(sp->wfd);
			sp->wfd = -1;
		}
	}
	sp->synced_seq = sp->next_seq - 1;
	return sp;
fail:
	spool_close(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	struct spool_seg *s;

	if (sp == NULL)
		return;
	if (sp->wfd != -1) {
		if (spool_sync(sp) == -1)
			log_warn("spool: sync at close");
		close(sp->wfd);
	}
	cursor_close(&sp->cur);
	free(sp->cur.buf);
	free(sp->wbuf);
	while ((s = TAILQ_FIRST(&sp->segs)) != NULL) {
		TAILQ_REMOVE(&sp->segs, s, entry);
		free(s);
	}
	if (sp->dfd != -1)
		close(sp->dfd);
	free(sp);
}

uint64_t
spool_next_seq(const struct spool *sp)
{
	return sp->next_seq;
}

uint64_t
spool_synced_seq(const struct spool *sp)
{
	return sp->synced_seq;
}

uint64_t
spool_acked(const struct spool *sp)
{
	return sp->acked;
}

/*
 * Deletes oldest segments until need more bytes fit under max_bytes.  The
 * segment being written is closed first if it is the oldest, so appends
 * never go to a file already deleted.  The caller fsyncs the directory.
 */
static int
spool_make_room(struct spool *sp, uint64_t need)
{
	struct spool_seg *s;

	while (sp->total_bytes + need > sp->max_bytes &&
	    (s = TAILQ_FIRST(&sp->segs)) != NULL) {
		if (s == sp->wseg) {
			if (seg_roll(sp) == -1)
				return -1;
			continue;
		}
		seg_remove(sp, s);
	}
	return 0;
}

int
spool_append(struct spool *sp, uint64_t seq, const char *json, size_t len)
{
	uint64_t need = SPOOL_HDR + len;
	uint8_t *p;

	if (seq != sp->next_seq || seq > SPOOL_SEQ_MAX || len == 0 ||
	    len > EVENT_LINE_MAX || memchr(json, '\n', len) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (need > sp->max_bytes) {
		errno = EFBIG;
		return -1;
	}
	if (sp->wseg != NULL && sp->wseg->size > 0 &&
	    sp->wseg->size + need > sp->segment_bytes && seg_roll(sp) == -1)
		return -1;
	if (sp->total_bytes + need > sp->max_bytes &&
	    spool_make_room(sp, need) == -1)
		return -1;
	/* One directory fsync for the deletions and the new segment. */
	if (sp->wseg == NULL && seg_create(sp) == -1)
		return -1;
	if (dir_sync(sp) == -1)
		return -1;

	/* The record joins those written together by spool_flush. */
	if (sp->wlen + need > SPOOL_WBUF && spool_flush(sp) == -1)
		return -1;
	p = sp->wbuf + sp->wlen;
	put_le32(p, (uint32_t)len);
	put_le64(p + 8, seq);
	memcpy(p + SPOOL_HDR, json, len);
	put_le32(p + 4, crc32c(0, p + 8, 8 + len));
	sp->wlen += need;
	sp->wrecs++;
	sp->wseg->size += need;
	sp->wseg->last = seq;
	sp->total_bytes += need;
	sp->next_seq++;
	sp->unsynced++;
	sp->st.appended++;
	if (sp->unsynced >= sp->sync_records)
		return spool_sync(sp);
	return 0;
}

int
spool_flush(struct spool *sp)
{
	uint64_t base;
	ssize_t n;

	if (sp->wlen == 0)
		return 0;
	/*
	 * One pwrite at the known end: a failed one leaves nothing behind
	 * that the next would not overwrite.  Its records are taken back,
	 * and their seqs used again: none was readable yet.
	 */
	base = sp->wseg->size - sp->wlen;
	while ((n = pwrite(sp->wfd, sp->wbuf, sp->wlen, (off_t)base)) == -1 &&
	    errno == EINTR)
		continue;
	if (n != (ssize_t)sp->wlen) {
		if (n >= 0)
			errno = ENOSPC;
		sp->wseg->size = base;
		sp->total_bytes -= sp->wlen;
		sp->next_seq -= sp->wrecs;
		sp->wseg->last = sp->next_seq - 1;
		sp->unsynced -= sp->wrecs;
		sp->st.appended -= sp->wrecs;
		sp->wlen = 0;
		sp->wrecs = 0;
		return -1;
	}
	sp->wlen = 0;
	sp->wrecs = 0;
	return 0;
}

int
spool_sync(struct spool *sp)
{
	if (sp->unsynced == 0)
		return 0;
	if (spool_flush(sp) == -1 || fdatasync(sp->wfd) == -1)
		return -1;
	sp->synced_seq = sp->next_seq - 1;
	sp->st.synced += sp->unsynced;
	sp->unsynced = 0;
	return 0;
}

/*
 * Bytes that checked at open no longer do (the disk, or someone else
 * writing): the rest of the segment is skipped, never shipped as records.
 */
static void
cursor_skip(struct spool *sp)
{
	struct spool_cursor *c = &sp->cur;
	char name[SPOOL_NAME_LEN + 1];

	seg_name(c->seg->first, name, sizeof(name));
	log_warnx("spool: %s: bad record at offset %" PRIu64 ", seqs %"
	    PRIu64 "-%" PRIu64 " skipped", name, c->off, c->seq, c->seg->last);
	c->off = c->seg->size;
	c->seq = c->seg->last + 1;
}

/*
 * Puts the cursor at the record seq, or the first one after it that
 * still exists; nowhere (seg NULL) if there is none yet.
 */
static int
cursor_seek(struct spool *sp, uint64_t seq)
{
	struct spool_cursor *c = &sp->cur;
	struct spool_seg *s;
	struct spool_rec r;
	int rv;

	TAILQ_FOREACH(s, &sp->segs, entry)
		if (s->last >= seq && s->last >= s->first)
			break;
	if (s == NULL) {
		if (sp->wseg != NULL && sp->wseg->last + 1 == seq)
			return cursor_set(sp, sp->wseg, sp->wseg->size, seq);
		cursor_close(c);
		return 0;
	}
	if (c->seg != s || c->seq > seq) {
		if (cursor_set(sp, s, 0, s->first) == -1)
			return -1;
	}
	while (c->seq < seq) {
		if ((rv = cursor_peek(c, s->size, &r)) == -1)
			return -1;
		if (rv != 1) {
			cursor_skip(sp);
			return 0;
		}
		cursor_advance(c, &r);
	}
	return 0;
}

int
spool_read(struct spool *sp, uint64_t after, struct buf *out, size_t max,
    uint64_t *last)
{
	struct spool_cursor *c = &sp->cur;
	struct spool_seg *s;
	struct spool_rec r;
	size_t n = 0;
	int rv;

	*last = after;
	if (after >= sp->synced_seq || max == 0)
		return 0;
	if (max > INT_MAX)
		max = INT_MAX;	/* the count is returned as an int */
	if ((c->seg == NULL || c->seq != after + 1) &&
	    cursor_seek(sp, after + 1) == -1)
		return -1;
	while (n < max && c->seg != NULL && c->seq <= sp->synced_seq) {
		if (c->off >= c->seg->size) {
			if ((s = TAILQ_NEXT(c->seg, entry)) == NULL)
				break;
			if (cursor_set(sp, s, 0, s->first) == -1)
				return -1;
			continue;
		}
		if ((rv = cursor_peek(c, c->seg->size, &r)) == -1)
			return -1;
		if (rv != 1) {
			cursor_skip(sp);
			continue;
		}
		if (buf_reserve(out, (size_t)r.len + 1) == -1) {
			if (errno == ENOBUFS)
				break;
			return -1;
		}
		buf_add(out, r.json, r.len);
		buf_addc(out, '\n');
		*last = r.seq;
		cursor_advance(c, &r);
		n++;
	}
	return (int)n;
}

int
spool_ack(struct spool *sp, uint64_t seq)
{
	char text[SPOOL_ACKED_MAX];
	int len;

	if (seq <= sp->acked)
		return 0;
	if (seq > SPOOL_SEQ_MAX) {
		errno = EINVAL;
		return -1;
	}
	len = snprintf(text, sizeof(text), "%" PRIu64 "\n", seq);
	if (file_write_atomic(sp->acked_path, text, (size_t)len, 0600) == -1)
		return -1;
	sp->acked = seq;
	/*
	 * The server holds seqs we never spooled (a spool lost or wiped):
	 * they must not be used again, and the segment being written can
	 * no longer continue its run of seqs.
	 */
	if (seq >= sp->next_seq) {
		if (seg_roll(sp) == -1)
			return -1;
		sp->next_seq = seq + 1;
		sp->synced_seq = seq;
	}
	return seg_trim_acked(sp);
}

int
spool_take_drops(struct spool *sp, struct spool_drop *d)
{
	if (!sp->drop_pending)
		return 0;
	*d = sp->drop;
	memset(&sp->drop, 0, sizeof(sp->drop));
	sp->drop_pending = 0;
	return 1;
}

void
spool_stats(const struct spool *sp, struct spool_stats *st)
{
	const struct spool_seg *s;
	uint64_t bytes;

	*st = sp->st;
	st->backlog_records = st->backlog_bytes = st->segments = 0;
	TAILQ_FOREACH(s, &sp->segs, entry) {
		st->backlog_records += seg_unacked(sp, s, &bytes);
		st->backlog_bytes += bytes;
		st->segments++;
	}
}
