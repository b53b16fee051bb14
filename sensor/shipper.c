/*
 * The shipper process, a stub for now: see shipper.h for what it does
 * and what it does not do yet.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "event.h"
#include "log.h"
#include "msg.h"
#include "shipper.h"

#define SHIPPER_TAIL	(EVENT_LINE_MAX + 1)
#define SHIPPER_OUT	(MSG_MAX_SIZE)

struct shipper_chan {
	struct shipper	*sh;
	enum proc_id	 peer;
	int		 fd;
	struct msgbuf	*mb;
	struct event	*ev;
};

struct shipper {
	const struct proc_env	*env;
	struct event_base	*base;
	struct shipper_chan	 chans[PROC_MAX];
	int			 open;		/* channels not at EOF */
	int			 fd_events, fd_captures;
	uint64_t		 seq;
	uint64_t		 unsynced, sync_records;
	struct buf		 line;
	struct buf		 out;		/* lines not yet written */
	struct event		 ev_decoded;	/* scratch */
	struct {				/* the upload arriving */
		int		 fd;		/* -1: none */
		uint8_t		 sha256[32];
		char		 hex[65];
		uint64_t	 size, next;
		gnutls_hash_hd_t hash;
	}			 up;
	struct {
		uint64_t	 events, rejected, captures;
		uint64_t	 uploads, uploads_dup, uploads_bad;
	}			 n;
};

static void	shipper_sync(struct shipper *);

/* The seq of the last whole line of fd's file, 0 if none. */
static uint64_t
last_seq(int fd)
{
	struct event ev;
	struct stat st;
	char err[128], *tail, *end, *start;
	off_t off;
	ssize_t n;
	uint64_t seq = 0;

	if (fstat(fd, &st) == -1 || st.st_size == 0)
		return 0;
	if ((tail = malloc(SHIPPER_TAIL)) == NULL)
		return 0;
	off = st.st_size > SHIPPER_TAIL ? st.st_size - SHIPPER_TAIL : 0;
	if ((n = pread(fd, tail, SHIPPER_TAIL, off)) <= 0)
		goto done;
	end = tail + n;
	if (end[-1] != '\n') {
		/* A torn tail: the next line must start on its own. */
		log_warnx("%s ends in a partial line", SHIPPER_EVENTS_FILE);
		if (write(fd, "\n", 1) != 1)
			log_warn("%s", SHIPPER_EVENTS_FILE);
		while (end > tail && end[-1] != '\n')
			end--;
	}
	if (end == tail)
		goto done;
	end--;				/* the last line's '\n' */
	for (start = end; start > tail && start[-1] != '\n'; start--)
		;
	if (event_decode(start, (size_t)(end - start), &ev, err,
	    sizeof(err)) == 0) {
		seq = ev.seq;
		event_clear(&ev);
	} else
		log_warnx("%s: last line unreadable (%s); seq restarts",
		    SHIPPER_EVENTS_FILE, err);
 done:
	free(tail);
	return seq;
}

/* Write what is queued: one write per burst of messages. */
static void
shipper_write(struct shipper *sh)
{
	if (sh->out.len == 0)
		return;
	if (write(sh->fd_events, sh->out.data, sh->out.len) !=
	    (ssize_t)sh->out.len)
		fatal("write %s", SHIPPER_EVENTS_FILE);
	buf_reset(&sh->out);
	if (sh->unsynced >= sh->sync_records)
		shipper_sync(sh);
}

static void
shipper_sync(struct shipper *sh)
{
	if (sh->unsynced == 0)
		return;
	if (fdatasync(sh->fd_events) == -1)
		log_warn("fdatasync %s", SHIPPER_EVENTS_FILE);
	sh->unsynced = 0;
}

/* One line from the engine, '\n' included: decode it strictly, give it
 * its seq, queue it. */
static void
shipper_line(struct shipper *sh, const char *line, size_t len)
{
	struct event *ev = &sh->ev_decoded;
	char err[128];

	if (event_decode(line, len, ev, err, sizeof(err)) == -1) {
		if (sh->n.rejected++ == 0)
			log_warnx("rejected an event from the engine: %s", err);
		return;
	}
	strlcpy(ev->sensor, sh->env->sensor, sizeof(ev->sensor));
	ev->seq = sh->seq + 1;
	buf_reset(&sh->line);
	if (event_encode(ev, &sh->line, err, sizeof(err)) == -1) {
		sh->n.rejected++;
		event_clear(ev);
		return;
	}
	event_clear(ev);
	if (sh->out.len + sh->line.len > SHIPPER_OUT)
		shipper_write(sh);
	if (buf_add(&sh->out, sh->line.data, sh->line.len) == -1)
		fatalx("event queue");
	sh->seq++;
	sh->n.events++;
	sh->unsynced++;
}

/* MSG_EVENT: one or more whole lines. */
static void
shipper_event(struct shipper *sh, const struct msg *m)
{
	const char *p = (const char *)m->data, *end = p + m->len, *nl;

	if (m->fd != -1 || m->len == 0 || end[-1] != '\n') {
		if (sh->n.rejected++ == 0)
			log_warnx("rejected a message from the engine: %s",
			    m->fd != -1 ? "descriptor attached" :
			    "not whole lines");
		return;
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		shipper_line(sh, p, (size_t)(nl - p + 1));
	}
}

static void
shipper_capture(struct shipper *sh, const struct msg *m)
{
	struct msg_capture mc;
	char line[256];
	size_t i;
	int n;

	if (m->fd != -1 || msg_get_data(m, &mc, sizeof(mc)) == -1 ||
	    memchr(mc.name, '\0', sizeof(mc.name)) == NULL) {
		sh->n.rejected++;
		return;
	}
	/* A plain file name inside capture_dir, nothing else. */
	for (i = 0; mc.name[i] != '\0'; i++)
		if (mc.name[i] == '/' || mc.name[i] < 0x21 ||
		    mc.name[i] > 0x7e) {
			sh->n.rejected++;
			return;
		}
	n = snprintf(line, sizeof(line), "%s %llu %llu\n", mc.name,
	    (unsigned long long)mc.size, (unsigned long long)mc.packets);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    write(sh->fd_captures, line, (size_t)n) != n)
		log_warn("%s", SHIPPER_CAPTURES_FILE);
	sh->n.captures++;
}

static void
upload_abort(struct shipper *sh)
{
	char part[128];
	uint8_t dummy[32];

	if (sh->up.fd == -1)
		return;
	close(sh->up.fd);
	sh->up.fd = -1;
	gnutls_hash_deinit(sh->up.hash, dummy);
	snprintf(part, sizeof(part), "%s/%s.part", SHIPPER_UPLOADS_DIR,
	    sh->up.hex);
	unlink(part);
}

/*
 * MSG_UPLOAD: chunks of one file, in order.  The file is kept under its
 * SHA-256 only if the bytes hash to what the engine said.
 */
static void
shipper_upload(struct shipper *sh, const struct msg *m)
{
	struct msg_upload mu;
	uint8_t digest[32];
	char part[128], path[128];
	size_t n, i;
	struct stat st;

	if (m->fd != -1 || m->len < sizeof(mu))
		goto bad;
	memcpy(&mu, m->data, sizeof(mu));
	n = m->len - sizeof(mu);
	if (mu.size == 0 || mu.size > MSG_UPLOAD_MAX || n == 0 ||
	    mu.offset > mu.size || n > mu.size - mu.offset)
		goto bad;
	if (mu.offset == 0) {
		upload_abort(sh);	/* an unfinished one is lost */
		memcpy(sh->up.sha256, mu.sha256, sizeof(mu.sha256));
		for (i = 0; i < 32; i++)
			snprintf(sh->up.hex + 2 * i, 3, "%02x", mu.sha256[i]);
		sh->up.size = mu.size;
		sh->up.next = 0;
		snprintf(part, sizeof(part), "%s/%s.part",
		    SHIPPER_UPLOADS_DIR, sh->up.hex);
		if (gnutls_hash_init(&sh->up.hash, GNUTLS_DIG_SHA256) < 0)
			goto bad;
		if ((sh->up.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0640)) == -1) {
			log_warn("%s", part);
			gnutls_hash_deinit(sh->up.hash, digest);
			goto bad;
		}
	} else if (sh->up.fd == -1 || mu.offset != sh->up.next ||
	    mu.size != sh->up.size ||
	    memcmp(mu.sha256, sh->up.sha256, sizeof(mu.sha256)) != 0) {
		upload_abort(sh);
		goto bad;
	}
	if (write(sh->up.fd, m->data + sizeof(mu), n) != (ssize_t)n) {
		log_warn("upload %s", sh->up.hex);
		upload_abort(sh);
		goto bad;
	}
	gnutls_hash(sh->up.hash, m->data + sizeof(mu), n);
	sh->up.next += n;
	if (sh->up.next < sh->up.size)
		return;

	gnutls_hash_deinit(sh->up.hash, digest);
	close(sh->up.fd);
	sh->up.fd = -1;
	snprintf(part, sizeof(part), "%s/%s.part", SHIPPER_UPLOADS_DIR,
	    sh->up.hex);
	snprintf(path, sizeof(path), "%s/%s", SHIPPER_UPLOADS_DIR,
	    sh->up.hex);
	if (memcmp(digest, sh->up.sha256, sizeof(digest)) != 0) {
		log_warnx("upload %s: bytes do not match the digest", path);
		unlink(part);
		goto bad;
	}
	if (stat(path, &st) == 0) {
		unlink(part);		/* content-addressed: have it */
		sh->n.uploads_dup++;
		return;
	}
	if (rename(part, path) == -1) {
		log_warn("rename %s", part);
		unlink(part);
		goto bad;
	}
	sh->n.uploads++;
	return;
 bad:
	if (sh->n.uploads_bad++ == 0)
		log_warnx("rejected an upload from the engine");
}

static void
shipper_chan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shipper_chan *c = arg;
	struct shipper *sh = c->sh;
	struct msg m;
	ssize_t n;
	int rv;

	(void)what;
	if ((n = msg_read(c->mb, fd)) == -1) {
		if (errno == EAGAIN)
			return;
		log_warn("%s channel", c->peer == PROC_ENGINE ? "engine" :
		    c->peer == PROC_CAPTURE ? "capture" : "parent");
		n = 0;
	}
	if (n > 0) {
		while ((rv = msg_get(c->mb, &m)) == 1) {
			if (c->peer == PROC_ENGINE && m.type == MSG_EVENT)
				shipper_event(sh, &m);
			else if (c->peer == PROC_ENGINE &&
			    m.type == MSG_UPLOAD)
				shipper_upload(sh, &m);
			else if (c->peer == PROC_CAPTURE &&
			    m.type == MSG_CAPTURE_CLOSED)
				shipper_capture(sh, &m);
			else if (c->peer == PROC_PARENT && m.type == MSG_STATS)
				log_info("stats: events %llu rejected %llu "
				    "captures %llu uploads %llu (dup %llu, "
				    "bad %llu) seq %llu",
				    (unsigned long long)sh->n.events,
				    (unsigned long long)sh->n.rejected,
				    (unsigned long long)sh->n.captures,
				    (unsigned long long)sh->n.uploads,
				    (unsigned long long)sh->n.uploads_dup,
				    (unsigned long long)sh->n.uploads_bad,
				    (unsigned long long)sh->seq);
			else
				fatalx("unexpected message %u", m.type);
			if (m.fd != -1)
				close(m.fd);
		}
		shipper_write(sh);
		if (rv == -1)
			n = 0;
		else
			return;
	}
	/* EOF: stop listening; leave when every peer is gone. */
	event_del(c->ev);
	close(c->fd);
	c->fd = -1;
	if (--sh->open == 0) {
		upload_abort(sh);
		shipper_write(sh);
		shipper_sync(sh);
		log_debug("all channels closed; %llu events, last seq %llu",
		    (unsigned long long)sh->n.events,
		    (unsigned long long)sh->seq);
		exit(0);
	}
}

static void
shipper_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	shipper_sync(arg);
}

void
shipper_main(const struct proc_env *env)
{
	const struct sensor_conf *sc = conf_sensor(env->conf);
	const enum proc_id peers[] = { PROC_PARENT, PROC_ENGINE, PROC_CAPTURE };
	struct timeval sync_tv;
	struct shipper sh;
	struct shipper_chan *c;
	struct event *ev_sync;
	size_t i;

	memset(&sh, 0, sizeof(sh));
	sh.env = env;
	sh.up.fd = -1;
	sh.sync_records = sc->spool_sync_records > 0 ?
	    sc->spool_sync_records : 1;
	buf_init(&sh.line, EVENT_LINE_MAX);
	buf_init(&sh.out, SHIPPER_OUT);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((sh.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_jail(env, sc->spool_dir, SANDBOX_SHIPPER);

	if ((sh.fd_events = open(SHIPPER_EVENTS_FILE, O_RDWR | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0640)) == -1)
		fatal("%s/%s", sc->spool_dir, SHIPPER_EVENTS_FILE);
	if ((sh.fd_captures = open(SHIPPER_CAPTURES_FILE, O_WRONLY |
	    O_APPEND | O_CREAT | O_CLOEXEC, 0640)) == -1)
		fatal("%s/%s", sc->spool_dir, SHIPPER_CAPTURES_FILE);
	sh.seq = last_seq(sh.fd_events);
	log_info("stub spool %s/%s, seq continues after %llu "
	    "(not shipped: the real shipper is a later issue)",
	    sc->spool_dir, SHIPPER_EVENTS_FILE, (unsigned long long)sh.seq);

	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		c = &sh.chans[peers[i]];
		c->sh = &sh;
		c->peer = peers[i];
		c->fd = env->chan.fd[peers[i]];
		if ((c->mb = msgbuf_new()) == NULL)
			fatal("msgbuf_new");
		c->ev = event_new(sh.base, c->fd, EV_READ | EV_PERSIST,
		    shipper_chan_cb, c);
		if (c->ev == NULL || event_add(c->ev, NULL) == -1)
			fatalx("event_add");
		sh.open++;
	}
	sync_tv.tv_sec = (time_t)(sc->spool_sync_ms / 1000);
	sync_tv.tv_usec = (suseconds_t)(sc->spool_sync_ms % 1000 * 1000);
	if (sync_tv.tv_sec == 0 && sync_tv.tv_usec == 0)
		sync_tv.tv_sec = 1;
	ev_sync = event_new(sh.base, -1, EV_PERSIST, shipper_sync_cb, &sh);
	if (ev_sync == NULL || event_add(ev_sync, &sync_tv) == -1)
		fatalx("event_add");
	event_base_dispatch(sh.base);
	exit(0);
}
