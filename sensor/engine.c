/*
 * The engine process: see engine.h.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "engine.h"
#include "event.h"
#include "log.h"
#include "msg.h"
#include "ring.h"
#include "stack.h"

#define ENGINE_RINGS		16
#define ENGINE_TIMER_MAX_US	1000000		/* wake at least every 1 s */
/* Event lines are batched per loop turn: one message to the shipper per
 * burst of frames, not one per event. */
#define ENGINE_BATCH		(64 * 1024)

struct engine_ring {
	struct ring		*ring;
	struct event		*ev;
	struct stack_iface	 ifc;
	struct engine		*eng;
};

struct engine {
	const struct proc_env	*env;
	struct event_base	*base;
	struct stack		*stack;
	struct engine_ring	 rings[ENGINE_RINGS];
	size_t			 nrings;
	struct msgbuf		*mb;
	struct event		*ev_parent, *ev_timer, *ev_heartbeat;
	int			 fd_parent, fd_shipper;
	struct buf		 line;
	struct buf		 batch;		/* lines not yet sent */
	uint64_t		 now_us;	/* monotonic, per batch */
	struct {
		uint64_t	 frames, truncated, tx, tx_errors;
		uint64_t	 events, events_bad, ring_drops;
		uint64_t	 uploads, uploads_bad;
	}			 n;
};

static uint64_t
clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
engine_send(void *arg, int ifindex, const uint8_t *frame, size_t len)
{
	struct engine *eng = arg;
	size_t i;

	for (i = 0; i < eng->nrings; i++) {
		if (eng->rings[i].ifc.ifindex != ifindex)
			continue;
		if (ring_send(eng->rings[i].ring, frame, len) == -1) {
			if (eng->n.tx_errors++ == 0)
				log_warn("send on %s", eng->rings[i].ifc.name);
			return -1;
		}
		eng->n.tx++;
		return 0;
	}
	eng->n.tx_errors++;
	errno = ENXIO;
	return -1;
}

static void
engine_flush(struct engine *eng)
{
	if (eng->batch.len == 0)
		return;
	if (msg_send(eng->fd_shipper, MSG_EVENT, 0, -1, eng->batch.data,
	    eng->batch.len) == -1)
		fatal("shipper channel");
	buf_reset(&eng->batch);
}

/* The stack's events: stamp, encode, queue for the shipper.  The shipper
 * sets the real seq; 1 is a placeholder that keeps the line valid. */
static void
engine_emit(void *arg, struct event *ev)
{
	struct engine *eng = arg;
	char err[128];

	ev->ts = (int64_t)clock_us(CLOCK_REALTIME);
	ev->seq = 1;
	strlcpy(ev->sensor, eng->env->sensor, sizeof(ev->sensor));
	buf_reset(&eng->line);
	if (event_encode(ev, &eng->line, err, sizeof(err)) == -1) {
		if (eng->n.events_bad++ == 0)
			log_warnx("dropping an invalid %s event: %s",
			    event_kind_name(ev->kind) ? event_kind_name(ev->kind)
			    : "unknown", err);
		return;
	}
	if (eng->batch.len + eng->line.len > ENGINE_BATCH)
		engine_flush(eng);
	if (eng->line.len > ENGINE_BATCH) {
		/* A line larger than a batch goes alone. */
		if (msg_send(eng->fd_shipper, MSG_EVENT, 0, -1,
		    eng->line.data, eng->line.len) == -1)
			fatal("shipper channel");
	} else if (buf_add(&eng->batch, eng->line.data, eng->line.len) == -1)
		fatalx("event batch");
	eng->n.events++;
}

/* A file a service received: to the shipper in chunks, in order. */
static void
engine_upload(void *arg, const struct event *ev, const uint8_t *data,
    size_t len)
{
	struct engine *eng = arg;
	struct msg_upload mu;
	struct iovec iov[2];
	size_t off, n;

	if (ev->kind != EVENT_UPLOAD || len == 0 || len > MSG_UPLOAD_MAX) {
		eng->n.uploads_bad++;
		return;
	}
	memset(&mu, 0, sizeof(mu));
	memcpy(mu.sha256, ev->u.upload.sha256, sizeof(mu.sha256));
	mu.size = len;
	for (off = 0; off < len; off += n) {
		n = len - off < MSG_UPLOAD_CHUNK ? len - off : MSG_UPLOAD_CHUNK;
		mu.offset = off;
		iov[0].iov_base = &mu;
		iov[0].iov_len = sizeof(mu);
		iov[1].iov_base = (void *)(uintptr_t)(data + off);
		iov[1].iov_len = n;
		if (msg_sendv(eng->fd_shipper, MSG_UPLOAD, 0, -1, iov, 2) == -1)
			fatal("shipper channel");
	}
	eng->n.uploads++;
}

static void
engine_arm_timer(struct engine *eng, uint64_t next_us)
{
	struct timeval tv;

	if (next_us > ENGINE_TIMER_MAX_US)
		next_us = ENGINE_TIMER_MAX_US;
	tv.tv_sec = (time_t)(next_us / 1000000);
	tv.tv_usec = (suseconds_t)(next_us % 1000000);
	evtimer_add(eng->ev_timer, &tv);
}

static void
engine_frame(void *arg, const struct ring_frame *f)
{
	struct engine_ring *er = arg;
	struct engine *eng = er->eng;

	eng->n.frames++;
	if (f->caplen < f->len) {
		eng->n.truncated++;
		return;
	}
	stack_input(eng->stack, er->ifc.ifindex, f->data, f->caplen,
	    f->flags, eng->now_us);
}

static void
engine_ring_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine_ring *er = arg;
	struct engine *eng = er->eng;

	(void)fd;
	(void)what;
	eng->now_us = clock_us(CLOCK_MONOTONIC);
	ring_drain(er->ring, 0, engine_frame, er);
	engine_arm_timer(eng, stack_timers(eng->stack, eng->now_us));
	engine_flush(eng);
}

static void
engine_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine *eng = arg;

	(void)fd;
	(void)what;
	eng->now_us = clock_us(CLOCK_MONOTONIC);
	engine_arm_timer(eng, stack_timers(eng->stack, eng->now_us));
	engine_flush(eng);
}

/* Counters: the engine's own and the stack's, in one heartbeat event. */
static void
engine_heartbeat(struct engine *eng, int to_log)
{
	struct event ev;
	uint64_t p, d;
	size_t i;

	for (i = 0; i < eng->nrings; i++)
		if (ring_stats(eng->rings[i].ring, &p, &d) == 0)
			eng->n.ring_drops += d;
	event_init(&ev, EVENT_HEARTBEAT);
	event_add_counter(&ev, "engine.frames", eng->n.frames);
	event_add_counter(&ev, "engine.truncated", eng->n.truncated);
	event_add_counter(&ev, "engine.ring_drops", eng->n.ring_drops);
	event_add_counter(&ev, "engine.tx", eng->n.tx);
	event_add_counter(&ev, "engine.tx_errors", eng->n.tx_errors);
	event_add_counter(&ev, "engine.events", eng->n.events);
	event_add_counter(&ev, "engine.events_bad", eng->n.events_bad);
	event_add_counter(&ev, "engine.uploads", eng->n.uploads);
	event_add_counter(&ev, "engine.uploads_bad", eng->n.uploads_bad);
	if (eng->stack != NULL && stack_counters(eng->stack, &ev) == -1)
		log_warn("heartbeat counters");
	if (to_log) {
		for (i = 0; i < ev.u.heartbeat.ncounters; i++)
			log_info("stats: %s %llu",
			    ev.u.heartbeat.counters[i].name,
			    (unsigned long long)
			    ev.u.heartbeat.counters[i].value);
	}
	engine_emit(eng, &ev);
	event_clear(&ev);
	engine_flush(eng);
}

static void
engine_heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	engine_heartbeat(arg, 0);
}

static void
engine_start(struct engine *eng)
{
	const struct stack_io io = {
		.send = engine_send, .emit = engine_emit,
		.upload = engine_upload, .arg = eng,
	};
	uint64_t hb_ms = conf_sensor(eng->env->conf)->heartbeat_ms;
	struct timeval hb = { (time_t)(hb_ms / 1000),
	    (suseconds_t)(hb_ms % 1000 * 1000) };
	struct engine_ring *er;
	size_t i;

	if (eng->stack != NULL)
		fatalx("parent sent START twice");
	eng->now_us = clock_us(CLOCK_MONOTONIC);
	if ((eng->stack = stack_new(eng->env->conf, &io, eng->now_us)) == NULL)
		fatal("stack_new");
	for (i = 0; i < eng->nrings; i++) {
		er = &eng->rings[i];
		if (stack_add_iface(eng->stack, &er->ifc) == -1)
			fatal("stack_add_iface %s", er->ifc.name);
		er->ev = event_new(eng->base, ring_fd(er->ring),
		    EV_READ | EV_PERSIST, engine_ring_cb, er);
		if (er->ev == NULL || event_add(er->ev, NULL) == -1)
			fatalx("event_add ring");
		/* Frames may have retired before we listened. */
		ring_drain(er->ring, 0, engine_frame, er);
	}
	eng->ev_timer = evtimer_new(eng->base, engine_timer_cb, eng);
	eng->ev_heartbeat = event_new(eng->base, -1, EV_PERSIST,
	    engine_heartbeat_cb, eng);
	if (eng->ev_timer == NULL || eng->ev_heartbeat == NULL ||
	    event_add(eng->ev_heartbeat, &hb) == -1)
		fatalx("timers");
	engine_arm_timer(eng, stack_timers(eng->stack, eng->now_us));
	log_info("running on %zu interface%s", eng->nrings,
	    eng->nrings == 1 ? "" : "s");
}

static void
engine_ring_add(struct engine *eng, const struct msg *m)
{
	struct msg_ring mr;
	struct engine_ring *er;
	size_t n;

	if (msg_get_data(m, &mr, sizeof(mr)) == -1 || m->fd == -1)
		fatalx("bad RING message from parent");
	if (eng->stack != NULL || eng->nrings == ENGINE_RINGS)
		fatalx("unexpected RING message from parent");
	er = &eng->rings[eng->nrings];
	memset(er, 0, sizeof(*er));
	er->eng = eng;
	if ((er->ring = ring_map(m->fd, mr.ifindex, &mr.geom)) == NULL)
		fatal("mapping the ring of %.15s", mr.ifname);
	er->ifc.ifindex = mr.ifindex;
	strlcpy(er->ifc.name, mr.ifname, sizeof(er->ifc.name));
	memcpy(er->ifc.mac, mr.mac, sizeof(er->ifc.mac));
	n = mr.naddrs < STACK_IFACE_ADDRS ? mr.naddrs : STACK_IFACE_ADDRS;
	if (n > PROC_IFACE_ADDRS)
		n = PROC_IFACE_ADDRS;
	memcpy(er->ifc.addrs, mr.addrs, n * sizeof(er->ifc.addrs[0]));
	er->ifc.naddrs = n;
	eng->nrings++;
}

static void
engine_parent_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine *eng = arg;
	struct msg_neigh mn;
	struct msg m;
	ssize_t n;
	int rv;

	(void)what;
	if ((n = msg_read(eng->mb, fd)) == -1) {
		if (errno == EAGAIN)
			return;
		fatal("parent channel");
	}
	if (n == 0) {
		log_debug("parent closed the channel, exiting");
		exit(0);
	}
	while ((rv = msg_get(eng->mb, &m)) == 1) {
		switch (m.type) {
		case MSG_RING:
			engine_ring_add(eng, &m);
			break;
		case MSG_START:
			engine_start(eng);
			break;
		case MSG_NEIGH:
			if (m.fd != -1 || msg_get_data(&m, &mn,
			    sizeof(mn)) == -1)
				fatalx("bad NEIGH message from parent");
			if (eng->stack != NULL &&
			    (mn.addr.af == AF_INET || mn.addr.af == AF_INET6))
				stack_neighbour_seen(eng->stack, mn.ifindex,
				    &mn.addr, mn.mac,
				    clock_us(CLOCK_MONOTONIC));
			break;
		case MSG_STATS:
			engine_heartbeat(eng, 1);
			break;
		default:
			fatalx("unknown message %u from parent", m.type);
		}
		if (m.fd != -1 && m.type != MSG_RING)
			close(m.fd);
	}
	if (rv == -1)
		fatal("parent channel");
	engine_flush(eng);
}

void
engine_main(const struct proc_env *env)
{
	struct engine eng;
	int i;

	memset(&eng, 0, sizeof(eng));
	eng.env = env;
	eng.fd_parent = env->chan.fd[PROC_PARENT];
	eng.fd_shipper = env->chan.fd[PROC_SHIPPER];
	buf_init(&eng.line, EVENT_LINE_MAX);
	buf_init(&eng.batch, ENGINE_BATCH);
	if ((eng.mb = msgbuf_new()) == NULL)
		fatal("msgbuf_new");
	/* ^C in a terminal reaches every process; the parent decides. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	/* The epoll instance must exist before the filter forbids it. */
	if ((eng.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	proc_jail(env, conf_sensor(env->conf)->chroot, SANDBOX_ENGINE);

	eng.ev_parent = event_new(eng.base, eng.fd_parent,
	    EV_READ | EV_PERSIST, engine_parent_cb, &eng);
	if (eng.ev_parent == NULL || event_add(eng.ev_parent, NULL) == -1)
		fatalx("event_add parent");
	event_base_dispatch(eng.base);
	/* Not reached while the parent lives: its EOF exits above. */
	for (i = 0; i < (int)eng.nrings; i++)
		ring_free(eng.rings[i].ring);
	if (eng.stack != NULL)
		stack_free(eng.stack);
	exit(0);
}
