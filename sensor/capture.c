/*
 * The capture process: see capture.h.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "log.h"
#include "msg.h"
#include "ring.h"

#define CAPTURE_RINGS		16
#define CAPTURE_SNAPLEN		65535
#define PCAP_FILE_HDR		24
#define PCAP_REC_HDR		16
/* stdio's buffer for a file: larger than any record, so that a record
 * is never split between two writes (see capture_frame). */
#define CAPTURE_BUF		(256 * 1024)
/* For tests: seconds added to the clock that names and rotates files. */
#define CAPTURE_OFFSET_ENV	"DIAS_CAPTURE_CLOCK_OFFSET"

struct capture;

struct capture_if {
	struct capture	*cap;
	struct ring	*ring;
	struct event	*ev;
	char		 ifname[16];
	pcap_dumper_t	*dumper;
	FILE		*fp;		/* the dumper's */
	char		*fpbuf;		/* its buffer, CAPTURE_BUF */
	size_t		 pending;	/* bytes in it, not yet written */
	char		 name[128];	/* final name; ".part" while open */
	int64_t		 period;	/* of the open file */
	int64_t		 capped;	/* period that hit the size cap, or -1 */
	int64_t		 cap_period;	/* period period_bytes counts */
	uint64_t	 period_bytes;	/* all files of cap_period */
	uint64_t	 bytes, packets, dropped;
	uint64_t	 ring_drops;	/* the kernel's: the ring was full */
	uint64_t	 files, total_packets;
	int64_t		 first_us, last_us;
};

struct capture {
	const struct proc_env	*env;
	struct event_base	*base;
	pcap_t			*dead;		/* Ethernet, full frames */
	struct capture_if	 ifs[CAPTURE_RINGS];
	size_t			 nifs;
	struct msgbuf		*mb, *mb_shipper;
	struct event		*ev_shipper;
	int			 fd_shipper;
	enum capture_rotate	 rotate;
	uint64_t		 rotate_size;	/* ROTATE_SIZE */
	uint64_t		 max;
	int64_t			 offset_us;	/* CAPTURE_OFFSET_ENV */
	int			 started;
};

static int64_t
period_of(const struct capture *cap, int64_t us)
{
	int64_t len = cap->rotate == ROTATE_HOURLY ? 3600 : 86400;

	return us / 1000000 / len;
}

static int64_t
now_us(const struct capture *cap)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 +
	    cap->offset_us;
}

/* "sensor-eth0-20261125.pcap" or "sensor-eth0-2026112521.pcap" (UTC),
 * then a free ".N" for the period's next file (size rotation, or a
 * restart within the period). */
static int
capture_name(struct capture_if *ci, int64_t us, uint64_t *existing)
{
	struct stat st;
	struct tm tm;
	time_t t = (time_t)(us / 1000000);
	const char *sensor = ci->cap->env->sensor;
	char stamp[32], part[sizeof(ci->name) + 8];
	int i, n;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), ci->cap->rotate == ROTATE_HOURLY ?
	    "%Y%m%d%H" : "%Y%m%d", &tm);
	for (i = 0; i < 100000; i++) {
		if (i == 0)
			n = snprintf(ci->name, sizeof(ci->name),
			    "%s-%s-%s.pcap", sensor, ci->ifname, stamp);
		else
			n = snprintf(ci->name, sizeof(ci->name),
			    "%s-%s-%s.%d.pcap", sensor, ci->ifname, stamp, i);
		if (n < 0 || (size_t)n >= sizeof(ci->name)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		snprintf(part, sizeof(part), "%s.part", ci->name);
		if (stat(ci->name, &st) == 0 || stat(part, &st) == 0) {
			/* An earlier file of the period: it counts
			 * toward the cap. */
			if (existing != NULL)
				*existing += (uint64_t)st.st_size;
			continue;
		}
		if (errno == ENOENT)
			return 0;
	}
	errno = EEXIST;
	return -1;
}

/*
 * Hand a closed file to the shipper with a read-only descriptor: the
 * shipper cannot see capture_dir.  It answers MSG_CAPTURE_SHIPPED once
 * the server has the file.
 */
static void
capture_announce(struct capture *cap, const struct msg_capture *mc)
{
	int fd;

	if ((fd = open(mc->name, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", mc->name);
		return;
	}
	if (msg_send(cap->fd_shipper, MSG_CAPTURE_CLOSED, 0, fd, mc,
	    sizeof(*mc)) == -1)
		log_warn("shipper channel");
	close(fd);
}

static void
capture_close(struct capture_if *ci)
{
	struct msg_capture mc;
	char part[sizeof(ci->name) + 8];

	if (ci->dumper == NULL)
		return;
	pcap_dump_close(ci->dumper);
	ci->dumper = NULL;
	ci->fp = NULL;
	free(ci->fpbuf);
	ci->fpbuf = NULL;
	ci->pending = 0;
	snprintf(part, sizeof(part), "%s.part", ci->name);
	if (rename(part, ci->name) == -1) {
		log_warn("rename %s", part);
		return;
	}
	log_info("closed %s: %llu packets, %llu bytes", ci->name,
	    (unsigned long long)ci->packets, (unsigned long long)ci->bytes);
	memset(&mc, 0, sizeof(mc));
	strlcpy(mc.name, ci->name, sizeof(mc.name));
	mc.size = ci->bytes;
	mc.packets = ci->packets;
	mc.first_us = ci->first_us;
	mc.last_us = ci->last_us;
	capture_announce(ci->cap, &mc);
}

static int
capture_open(struct capture_if *ci, int64_t us)
{
	char part[sizeof(ci->name) + 8];
	FILE *fp;
	int fd;

	if (capture_name(ci, us, NULL) == -1) {
		log_warn("no free capture name for %s", ci->ifname);
		return -1;
	}
	snprintf(part, sizeof(part), "%s.part", ci->name);
	if ((fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) == -1) {
		log_warn("%s", part);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s", part);
		close(fd);
		return -1;
	}
	/* Our buffer, so that we decide when bytes reach the file. */
	if ((ci->fpbuf = malloc(CAPTURE_BUF)) == NULL ||
	    setvbuf(fp, ci->fpbuf, _IOFBF, CAPTURE_BUF) != 0) {
		log_warn("%s", part);
		fclose(fp);
		free(ci->fpbuf);
		ci->fpbuf = NULL;
		return -1;
	}
	if ((ci->dumper = pcap_dump_fopen(ci->cap->dead, fp)) == NULL) {
		log_warnx("%s: %s", part, pcap_geterr(ci->cap->dead));
		fclose(fp);
		free(ci->fpbuf);
		ci->fpbuf = NULL;
		return -1;
	}
	ci->fp = fp;
	ci->pending = PCAP_FILE_HDR;
	ci->files++;
	ci->period = period_of(ci->cap, us);
	ci->bytes = PCAP_FILE_HDR;
	ci->packets = 0;
	ci->first_us = us;
	ci->last_us = us;
	log_debug("writing %s", part);
	return 0;
}

/* What was buffered, to the file: whole records only. */
static void
capture_flush(struct capture_if *ci)
{
	if (ci->dumper == NULL || ci->pending == 0)
		return;
	if (pcap_dump_flush(ci->dumper) == -1)
		log_warn("%s.part", ci->name);
	ci->pending = 0;
}

static void
capture_frame(void *arg, const struct ring_frame *f)
{
	struct capture_if *ci = arg;
	struct capture *cap = ci->cap;
	struct pcap_pkthdr h;
	int64_t us = f->ts_us + cap->offset_us;
	int64_t p = period_of(cap, us);
	size_t rec = PCAP_REC_HDR + f->caplen;

	if (ci->dumper != NULL && (ci->period != p ||
	    (cap->rotate == ROTATE_SIZE && ci->bytes + rec >
	    cap->rotate_size && ci->packets > 0)))
		capture_close(ci);
	if (ci->cap_period != p) {
		/* The cap is per day (hour): what an earlier run wrote in
		 * this period counts too.  (No file is open here.) */
		ci->cap_period = p;
		ci->period_bytes = 0;
		if (capture_name(ci, us, &ci->period_bytes) == -1)
			ci->period_bytes = 0;
	}
	/* The cap counts every file of the period, headers included. */
	if (cap->max > 0 && ci->period_bytes + rec + (ci->dumper == NULL ?
	    PCAP_FILE_HDR : 0) > cap->max) {
		if (ci->capped != p)
			log_warnx("%s reached the capture size limit (%llu "
			    "bytes); dropping its frames until the next %s",
			    ci->ifname, (unsigned long long)cap->max,
			    cap->rotate == ROTATE_HOURLY ? "hour" : "day");
		ci->capped = p;
		ci->dropped++;
		capture_close(ci);
		return;
	}
	if (ci->dumper == NULL) {
		if (capture_open(ci, us) == -1) {
			ci->dropped++;
			return;
		}
		ci->period_bytes += PCAP_FILE_HDR;
	}
	/* stdio writes when its buffer fills, wherever that falls; flush
	 * first instead, so that the file only ever ends between records
	 * and a kill -9 leaves a file every reader takes. */
	if (ci->pending + rec > CAPTURE_BUF)
		capture_flush(ci);
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(us / 1000000);
	h.ts.tv_usec = (suseconds_t)(us % 1000000);
	h.caplen = (bpf_u_int32)f->caplen;
	h.len = (bpf_u_int32)f->len;
	pcap_dump((u_char *)ci->dumper, &h, f->data);
	ci->pending += rec;
	ci->bytes += rec;
	ci->period_bytes += rec;
	ci->packets++;
	ci->total_packets++;
	ci->last_us = us;
}

static void
capture_ring_cb(evutil_socket_t fd, short what, void *arg)
{
	struct capture_if *ci = arg;

	(void)fd;
	(void)what;
	ring_drain(ci->ring, 0, capture_frame, ci);
	/* One write per batch of frames: a kill -9 loses at most what
	 * is still in the ring, and the file ends on a record. */
	capture_flush(ci);
}

/* Once a second: make what was written readable, close ended periods. */
static void
capture_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct capture *cap = arg;
	int64_t p = period_of(cap, now_us(cap));
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < cap->nifs; i++) {
		if (cap->ifs[i].dumper == NULL)
			continue;
		if (cap->ifs[i].period != p)
			capture_close(&cap->ifs[i]);
		else
			capture_flush(&cap->ifs[i]);
	}
}

/*
 * A capture killed mid-file leaves <name>.part: its records up to the
 * last flush are good (a torn last record is pcap readers' usual case).
 * Give it its final name.  Then every closed file still here (the
 * server has not confirmed it yet) is announced again, as if it had
 * just been closed.
 */
static void
capture_recover(struct capture *cap)
{
	struct msg_capture mc;
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t len;

	if ((d = opendir(".")) == NULL) {
		log_warn("capture_dir");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || len >= sizeof(mc.name) + 5 ||
		    strcmp(de->d_name + len - 5, ".part") != 0)
			continue;
		memset(&mc, 0, sizeof(mc));
		memcpy(mc.name, de->d_name, len - 5);
		if (stat(mc.name, &st) == 0 || errno != ENOENT ||
		    stat(de->d_name, &st) == -1) {
			log_warnx("leaving %s: %s exists", de->d_name, mc.name);
			continue;
		}
		if (rename(de->d_name, mc.name) == -1) {
			log_warn("rename %s", de->d_name);
			continue;
		}
		log_info("recovered %s (%llu bytes) left by an earlier run",
		    mc.name, (unsigned long long)st.st_size);
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || len >= sizeof(mc.name) || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 5, ".pcap") != 0 ||
		    stat(de->d_name, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		memset(&mc, 0, sizeof(mc));
		memcpy(mc.name, de->d_name, len);
		mc.size = (uint64_t)st.st_size;
		capture_announce(cap, &mc);
	}
	closedir(d);
}

/* Add the kernel's drops since the last call (it resets them). */
static void
capture_ring_drops(struct capture_if *ci)
{
	uint64_t packets, drops;

	if (ring_stats(ci->ring, &packets, &drops) == 0)
		ci->ring_drops += drops;
}

/* SIGUSR1: per interface, what was written, what the cap dropped and
 * what did not fit in the ring. */
static void
capture_stats(struct capture *cap)
{
	struct capture_if *ci;
	size_t i;

	for (i = 0; i < cap->nifs; i++) {
		ci = &cap->ifs[i];
		capture_ring_drops(ci);
		log_info("stats: capture.%s.packets %llu", ci->ifname,
		    (unsigned long long)ci->total_packets);
		log_info("stats: capture.%s.files %llu", ci->ifname,
		    (unsigned long long)ci->files);
		log_info("stats: capture.%s.dropped %llu", ci->ifname,
		    (unsigned long long)ci->dropped);
		log_info("stats: capture.%s.ring_drops %llu", ci->ifname,
		    (unsigned long long)ci->ring_drops);
	}
}

/* MSG_CAPTURE_SHIPPED: the server has it; it is not ours to keep. */
static void
capture_shipper_cb(evutil_socket_t fd, short what, void *arg)
{
	struct capture *cap = arg;
	struct msg_capture mc;
	struct msg m;
	size_t len;
	ssize_t n;
	int rv;

	(void)what;
	if ((n = msg_read(cap->mb_shipper, fd)) == -1) {
		if (errno == EAGAIN)
			return;
		fatal("shipper channel");
	}
	if (n == 0) {
		event_del(cap->ev_shipper);
		return;
	}
	while ((rv = msg_get(cap->mb_shipper, &m)) == 1) {
		if (m.fd != -1)
			close(m.fd);
		if (m.type != MSG_CAPTURE_SHIPPED ||
		    msg_get_data(&m, &mc, sizeof(mc)) == -1 ||
		    (len = strnlen(mc.name, sizeof(mc.name))) ==
		    sizeof(mc.name) || len <= 5 || mc.name[0] == '.' ||
		    strchr(mc.name, '/') != NULL ||
		    strcmp(mc.name + len - 5, ".pcap") != 0) {
			log_warnx("bad message from the shipper");
			continue;
		}
		if (unlink(mc.name) == -1)
			log_warn("%s", mc.name);
		else
			log_debug("%s shipped, deleted", mc.name);
	}
	if (rv == -1)
		fatal("shipper channel");
}

static __attribute__((noreturn)) void
capture_exit(struct capture *cap, int status)
{
	size_t i;

	for (i = 0; i < cap->nifs; i++) {
		ring_drain(cap->ifs[i].ring, 0, capture_frame, &cap->ifs[i]);
		capture_close(&cap->ifs[i]);
		if (cap->ifs[i].dropped > 0)
			log_info("%s: %llu frames dropped", cap->ifs[i].ifname,
			    (unsigned long long)cap->ifs[i].dropped);
		capture_ring_drops(&cap->ifs[i]);
		if (cap->ifs[i].ring_drops > 0)
			log_info("%s: %llu frames lost, the ring was full",
			    cap->ifs[i].ifname,
			    (unsigned long long)cap->ifs[i].ring_drops);
	}
	exit(status);
}

static void
capture_parent_cb(evutil_socket_t fd, short what, void *arg)
{
	struct capture *cap = arg;
	struct capture_if *ci;
	struct msg_ring mr;
	struct msg m;
	ssize_t n;
	int rv;

	(void)what;
	if ((n = msg_read(cap->mb, fd)) == -1) {
		if (errno == EAGAIN)
			return;
		fatal("parent channel");
	}
	if (n == 0)
		capture_exit(cap, 0);
	while ((rv = msg_get(cap->mb, &m)) == 1) {
		switch (m.type) {
		case MSG_RING:
			if (msg_get_data(&m, &mr, sizeof(mr)) == -1 ||
			    m.fd == -1 || cap->started ||
			    cap->nifs == CAPTURE_RINGS)
				fatalx("bad RING message from parent");
			ci = &cap->ifs[cap->nifs];
			memset(ci, 0, sizeof(*ci));
			ci->cap = cap;
			ci->capped = -1;
			ci->cap_period = -1;
			strlcpy(ci->ifname, mr.ifname, sizeof(ci->ifname));
			if ((ci->ring = ring_map(m.fd, mr.ifindex,
			    &mr.geom)) == NULL)
				fatal("mapping the ring of %s", ci->ifname);
			ci->ev = event_new(cap->base, ring_fd(ci->ring),
			    EV_READ | EV_PERSIST, capture_ring_cb, ci);
			if (ci->ev == NULL || event_add(ci->ev, NULL) == -1)
				fatalx("event_add ring");
			cap->nifs++;
			break;
		case MSG_START:
			cap->started = 1;
			log_info("capturing on %zu interface%s", cap->nifs,
			    cap->nifs == 1 ? "" : "s");
			break;
		case MSG_STATS:
			capture_stats(cap);
			break;
		default:
			fatalx("unexpected message %u from parent", m.type);
		}
		if (m.fd != -1 && m.type != MSG_RING)
			close(m.fd);
	}
	if (rv == -1)
		fatal("parent channel");
}

void
capture_main(const struct proc_env *env)
{
	const struct sensor_conf *sc = conf_sensor(env->conf);
	struct timeval tick = { 1, 0 };
	struct capture cap;
	struct event *ev_parent, *ev_tick;
	const char *off, *errstr;

	memset(&cap, 0, sizeof(cap));
	cap.env = env;
	cap.fd_shipper = env->chan.fd[PROC_SHIPPER];
	cap.rotate = sc->capture_rotate;
	cap.rotate_size = sc->capture_rotate_size;
	cap.max = sc->capture_max;
	if ((off = getenv(CAPTURE_OFFSET_ENV)) != NULL) {
		errstr = NULL;
		cap.offset_us = strtonum(off, -400LL * 86400, 400LL * 86400,
		    &errstr) * 1000000;
		if (errstr != NULL)
			fatalx("%s is %s", CAPTURE_OFFSET_ENV, errstr);
		log_warnx("%s: the capture clock is off by %s s (for tests)",
		    CAPTURE_OFFSET_ENV, off);
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if ((cap.mb = msgbuf_new()) == NULL ||
	    (cap.mb_shipper = msgbuf_new()) == NULL)
		fatal("msgbuf_new");
	if ((cap.dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN)) == NULL)
		fatalx("pcap_open_dead");
	if ((cap.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	/* File names are UTC; load the zone data before the chroot anyway. */
	tzset();
	proc_jail(env, sc->capture_dir, SANDBOX_CAPTURE);
	capture_recover(&cap);

	ev_parent = event_new(cap.base, env->chan.fd[PROC_PARENT],
	    EV_READ | EV_PERSIST, capture_parent_cb, &cap);
	ev_tick = event_new(cap.base, -1, EV_PERSIST, capture_tick_cb, &cap);
	cap.ev_shipper = event_new(cap.base, cap.fd_shipper,
	    EV_READ | EV_PERSIST, capture_shipper_cb, &cap);
	if (ev_parent == NULL || event_add(ev_parent, NULL) == -1 ||
	    cap.ev_shipper == NULL || event_add(cap.ev_shipper, NULL) == -1 ||
	    ev_tick == NULL || event_add(ev_tick, &tick) == -1)
		fatalx("event_add");
	event_base_dispatch(cap.base);
	capture_exit(&cap, 0);
}
