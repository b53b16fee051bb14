/*
 * The engine process: see engine.h.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <netinet/in.h>

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
#include "hlog.h"
#include "log.h"
#include "msg.h"
#include "ring.h"
#include "stack.h"
#include "vscript.h"
#include "vservice.h"

#define ENGINE_RINGS		16
#define ENGINE_TIMER_MAX_US	1000000		/* wake at least every 1 s */
/* Event lines are batched per loop turn: one message to the shipper per
 * burst of frames, not one per event. */
#define ENGINE_BATCH		(64 * 1024)
/* Service commands (vscript.h): what the peer sent that the command has
 * not read yet, one stderr line, one read of its output. */
#define SCRIPT_IN_MAX		(64 * 1024)
#define SCRIPT_LINE_MAX		1024
#define SCRIPT_READ		(16 * 1024)

struct engine;

/* One command's flow.  Lives from the flow's request until both the flow
 * is gone and the parent said the command ended (or never ran). */
struct engine_script {
	struct engine		*eng;
	struct flow		*flow;		/* NULL once the flow is gone */
	uint64_t		 conn;
	uint8_t			 proto;
	const char		*cmd;		/* the conf's */
	int			 fd, fd_err;	/* -1 until the parent's come */
	struct event		*ev_read, *ev_write, *ev_err;
	struct buf		 in;		/* TCP: bytes; UDP: u16 len +
						   datagram, each */
	struct buf		 line;		/* stderr so far */
	uint8_t			 peer_closed, shut, out_eof, paused;
	uint8_t			 exited, end_sent;
	TAILQ_ENTRY(engine_script) entry;
};

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
	struct hlog		*hlog;		/* -l FILE, or NULL */
	TAILQ_HEAD(, engine_script) scripts;
	uint64_t		 nscripts;
	uint64_t		 now_us;	/* monotonic, per batch */
	struct {
		uint64_t	 frames, truncated, tx, tx_errors;
		uint64_t	 events, events_bad, ring_drops;
		uint64_t	 uploads, uploads_bad;
		uint64_t	 script_runs, script_refused, script_failed;
		uint64_t	 script_exited, script_killed_time;
		uint64_t	 script_killed_cpu, script_killed_closed;
		uint64_t	 script_input_dropped, script_stderr_lines;
	}			 n;
};

static void	engine_scripts_poll(struct engine *);

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
	if (eng->hlog != NULL)
		hlog_flush(eng->hlog);
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
	/* The honeyd log sees what the shipper sees, stamped alike. */
	if (eng->hlog != NULL)
		hlog_event(eng->hlog, ev);
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
	engine_scripts_poll(eng);
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
	engine_scripts_poll(eng);
	engine_flush(eng);
}

/*
 * Service commands (vscript.h): the engine asks the parent to run one,
 * then pumps bytes between the flow and the socket the parent sends back,
 * and turns the command's stderr lines into service events.
 */
static void	script_read_cb(evutil_socket_t, short, void *);
static void	script_write_cb(evutil_socket_t, short, void *);
static void	script_err_cb(evutil_socket_t, short, void *);

/* After the stack was driven from outside a ring or timer callback. */
static void
engine_settle(struct engine *eng)
{
	engine_arm_timer(eng, stack_timers(eng->stack, eng->now_us));
	engine_flush(eng);
}

static struct engine_script *
script_by_flow(struct engine *eng, const struct flow *f)
{
	struct engine_script *sl;

	/* A pool slot may already hold the next flow: the conn says. */
	TAILQ_FOREACH(sl, &eng->scripts, entry)
		if (sl->flow == f && sl->conn == vconn_id(f))
			return sl;
	return NULL;
}

static struct engine_script *
script_by_conn(struct engine *eng, uint64_t conn)
{
	struct engine_script *sl;

	TAILQ_FOREACH(sl, &eng->scripts, entry)
		if (sl->conn == conn)
			return sl;
	return NULL;
}

/* A service event of the command's, whether or not its flow lives. */
static void
script_event(struct engine *eng, struct engine_script *sl, const char *type,
    const char *const *kv, size_t nkv)
{
	struct event ev;
	size_t i;

	event_init(&ev, EVENT_SERVICE);
	ev.u.service.conn = sl->conn;
	strlcpy(ev.u.service.service, "script", sizeof(ev.u.service.service));
	strlcpy(ev.u.service.type, type, sizeof(ev.u.service.type));
	(void)event_add_field(&ev, "command", sl->cmd, strlen(sl->cmd));
	for (i = 0; i < nkv; i++)
		(void)event_add_field(&ev, kv[2 * i], kv[2 * i + 1],
		    strlen(kv[2 * i + 1]));
	engine_emit(eng, &ev);
	event_clear(&ev);
}

static void
script_close_fds(struct engine_script *sl)
{
	struct event **evs[] = { &sl->ev_read, &sl->ev_write, &sl->ev_err };
	size_t i;

	for (i = 0; i < 3; i++)
		if (*evs[i] != NULL) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	if (sl->fd != -1)
		close(sl->fd);
	if (sl->fd_err != -1)
		close(sl->fd_err);
	sl->fd = sl->fd_err = -1;
	buf_reset(&sl->in);
}

static void
script_free(struct engine *eng, struct engine_script *sl)
{
	script_close_fds(sl);
	buf_free(&sl->in);
	buf_free(&sl->line);
	TAILQ_REMOVE(&eng->scripts, sl, entry);
	eng->nscripts--;
	free(sl);
}

/* The flow is gone: close our ends, have the parent end the command. */
static void
script_flow_gone(struct engine *eng, struct engine_script *sl)
{
	struct msg_script_ref ref;

	sl->flow = NULL;
	script_close_fds(sl);
	if (!sl->exited && !sl->end_sent) {
		memset(&ref, 0, sizeof(ref));
		ref.conn = sl->conn;
		if (msg_send(eng->fd_parent, MSG_SCRIPT_END, 0, -1, &ref,
		    sizeof(ref)) == -1)
			fatal("parent channel");
		sl->end_sent = 1;
	}
	if (sl->exited)
		script_free(eng, sl);
}

/* Every turn: flows that ended, output that may flow again. */
static void
engine_scripts_poll(struct engine *eng)
{
	struct engine_script *sl, *next;

	for (sl = TAILQ_FIRST(&eng->scripts); sl != NULL; sl = next) {
		next = TAILQ_NEXT(sl, entry);
		if (sl->flow != NULL && vscript_flow(eng->stack, sl->flow,
		    sl->conn) == NULL) {
			script_flow_gone(eng, sl);
			continue;
		}
		if (sl->paused && sl->flow != NULL &&
		    vscript_room(sl->flow) > 0) {
			sl->paused = 0;
			event_add(sl->ev_read, NULL);
		}
	}
}

/* Peer bytes to the command's stdin, as far as it takes them. */
static void
script_write(struct engine_script *sl)
{
	struct engine *eng = sl->eng;
	uint16_t dlen;
	ssize_t n;

	while (sl->fd != -1 && sl->in.len > 0) {
		if (sl->proto == IPPROTO_TCP) {
			n = write(sl->fd, sl->in.data, sl->in.len);
			if (n > 0) {
				buf_consume(&sl->in, (size_t)n);
				continue;
			}
		} else {
			memcpy(&dlen, sl->in.data, sizeof(dlen));
			n = send(sl->fd, sl->in.data + sizeof(dlen), dlen,
			    MSG_DONTWAIT);
			if (n >= 0) {
				buf_consume(&sl->in, sizeof(dlen) + dlen);
				continue;
			}
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			event_add(sl->ev_write, NULL);
			return;
		}
		/* The command stopped reading: what it did not read is
		 * still in the payload events. */
		eng->n.script_input_dropped += sl->in.len;
		buf_reset(&sl->in);
		sl->shut = 1;
		return;
	}
	if (sl->fd != -1 && sl->peer_closed && !sl->shut &&
	    sl->proto == IPPROTO_TCP) {
		shutdown(sl->fd, SHUT_WR);
		sl->shut = 1;
	}
}

static int
script_open_cb(void *arg, struct flow *f, uint32_t index)
{
	struct engine *eng = arg;
	const struct sensor_conf *sc = conf_sensor(eng->env->conf);
	struct msg_script_run m;
	struct engine_script *sl;
	struct event_tuple t;
	size_t i;
	int ifindex;

	/* The parent holds the real limit; this only bounds our slots
	 * while its answers are on their way. */
	if (eng->nscripts >= sc->limits.scripts * 2 + 16) {
		eng->n.script_refused++;
		return -1;
	}
	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return -1;
	sl->eng = eng;
	sl->flow = f;
	sl->conn = vconn_id(f);
	sl->cmd = vconn_arg(f) != NULL ? vconn_arg(f) : "";
	sl->fd = sl->fd_err = -1;
	vconn_tuple(f, &t);
	sl->proto = t.proto;
	buf_init(&sl->in, SCRIPT_IN_MAX);
	buf_init(&sl->line, SCRIPT_LINE_MAX);

	memset(&m, 0, sizeof(m));
	m.conn = sl->conn;
	m.index = index;
	m.proto = t.proto;
	m.src = t.src;
	m.dst = t.dst;
	m.sport = t.sport;
	m.dport = t.dport;
	m.uptime_s = vconn_uptime_ms(f) / 1000;
	strlcpy(m.template, vconn_template(f), sizeof(m.template));
	strlcpy(m.personality, vconn_os(f), sizeof(m.personality));
	ifindex = vscript_ifindex(f);
	for (i = 0; i < eng->nrings; i++)
		if (eng->rings[i].ifc.ifindex == ifindex)
			strlcpy(m.ifname, eng->rings[i].ifc.name,
			    sizeof(m.ifname));
	if (msg_send(eng->fd_parent, MSG_SCRIPT_RUN, 0, -1, &m,
	    sizeof(m)) == -1)
		fatal("parent channel");
	TAILQ_INSERT_TAIL(&eng->scripts, sl, entry);
	eng->nscripts++;
	eng->n.script_runs++;
	return 0;
}

static int
script_input_cb(void *arg, struct flow *f, const uint8_t *d, size_t len)
{
	struct engine *eng = arg;
	struct engine_script *sl;
	uint16_t dlen;

	if ((sl = script_by_flow(eng, f)) == NULL || sl->shut)
		return sl == NULL ? -1 : 0;
	if (sl->proto == IPPROTO_UDP) {
		dlen = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;
		/* A datagram too many is dropped, as a full socket
		 * buffer would. */
		if (sl->in.len + sizeof(dlen) + dlen > sl->in.max)
			goto dropped;
		if (buf_add(&sl->in, &dlen, sizeof(dlen)) == -1)
			goto dropped;
		if (buf_add(&sl->in, d, dlen) == -1) {
			sl->in.len -= sizeof(dlen);	/* no half record */
			goto dropped;
		}
	} else if (buf_add(&sl->in, d, len) == -1) {
		eng->n.script_input_dropped += len;
		return -1;
	}
	script_write(sl);
	return 0;
 dropped:
	eng->n.script_input_dropped += len;
	return 0;
}

static void
script_close_cb(void *arg, struct flow *f)
{
	struct engine *eng = arg;
	struct engine_script *sl;

	if ((sl = script_by_flow(eng, f)) == NULL)
		return;
	sl->peer_closed = 1;
	script_write(sl);
}

static void
script_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine_script *sl = arg;
	struct engine *eng = sl->eng;
	uint8_t data[SCRIPT_READ];
	struct flow *f;
	size_t room;
	ssize_t n;

	(void)what;
	eng->now_us = clock_us(CLOCK_MONOTONIC);
	if ((f = vscript_flow(eng->stack, sl->flow, sl->conn)) == NULL) {
		script_flow_gone(eng, sl);
		engine_settle(eng);
		return;
	}
	if ((room = vscript_room(f)) == 0) {
		/* The peer is slow: wait for its window (polled). */
		sl->paused = 1;
		event_del(sl->ev_read);
		return;
	}
	if (room > sizeof(data))
		room = sizeof(data);
	if ((n = read(fd, data, room)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		n = 0;
	}
	if (n == 0) {
		if (sl->proto == IPPROTO_UDP)
			return;		/* an empty datagram */
		sl->out_eof = 1;
		event_del(sl->ev_read);
		vscript_eof(eng->stack, f, eng->now_us);
	} else
		/* Never more than the room: the stack takes it all. */
		(void)vscript_output(eng->stack, f, data, (size_t)n,
		    eng->now_us);
	engine_settle(eng);
}

static void
script_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	script_write(arg);
}

static void
script_line(struct engine_script *sl)
{
	const char *kv[2] = { "line", NULL };

	if (sl->line.len == 0)
		return;
	if (buf_addc(&sl->line, '\0') == -1)
		sl->line.data[sl->line.len - 1] = '\0';
	kv[1] = (const char *)sl->line.data;
	script_event(sl->eng, sl, "stderr", kv, 1);
	sl->eng->n.script_stderr_lines++;
	buf_reset(&sl->line);
}

static void
script_err_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine_script *sl = arg;
	uint8_t data[SCRIPT_READ];
	ssize_t n, i;

	(void)what;
	if ((n = read(fd, data, sizeof(data))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		script_line(sl);
		event_del(sl->ev_err);
	}
	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			script_line(sl);
			continue;
		}
		if (data[i] == '\r')
			continue;
		/* A line longer than that is cut into several. */
		if (sl->line.len + 1 >= SCRIPT_LINE_MAX)
			script_line(sl);
		(void)buf_addc(&sl->line, data[i]);
	}
	engine_flush(sl->eng);
}

/* The parent's side of a command: its descriptors and its end. */
static void
engine_script_msg(struct engine *eng, struct msg *m)
{
	static const char *const reasons[] = {
		[SCRIPT_EXITED] = "exited",
		[SCRIPT_KILLED_TIME] = "script-time",
		[SCRIPT_KILLED_CPU] = "script-cpu",
		[SCRIPT_KILLED_CLOSED] = "closed",
		[SCRIPT_REFUSED_LIMIT] = "limit",
		[SCRIPT_FAILED] = "failed",
	};
	struct msg_script_exit me;
	struct msg_script_ref ref;
	struct engine_script *sl;
	const char *kv[6];
	char status[16], wall[24];
	struct flow *f;

	if (m->type == MSG_SCRIPT_EXIT) {
		if (m->fd != -1 || msg_get_data(m, &me, sizeof(me)) == -1 ||
		    me.reason < SCRIPT_EXITED || me.reason > SCRIPT_FAILED)
			fatalx("bad SCRIPT_EXIT message from parent");
		if ((sl = script_by_conn(eng, me.conn)) == NULL)
			return;
		switch (me.reason) {
		case SCRIPT_EXITED:
			eng->n.script_exited++;
			break;
		case SCRIPT_KILLED_TIME:
			eng->n.script_killed_time++;
			break;
		case SCRIPT_KILLED_CPU:
			eng->n.script_killed_cpu++;
			break;
		case SCRIPT_KILLED_CLOSED:
			eng->n.script_killed_closed++;
			break;
		case SCRIPT_REFUSED_LIMIT:
			eng->n.script_refused++;
			break;
		default:
			eng->n.script_failed++;
		}
		if (WIFSIGNALED(me.status))
			snprintf(status, sizeof(status), "signal %d",
			    WTERMSIG(me.status));
		else
			snprintf(status, sizeof(status), "%d",
			    WEXITSTATUS(me.status));
		snprintf(wall, sizeof(wall), "%llu",
		    (unsigned long long)me.wall_ms);
		kv[0] = "reason";
		kv[1] = reasons[me.reason];
		kv[2] = "status";
		kv[3] = status;
		kv[4] = "wall_ms";
		kv[5] = wall;
		script_event(eng, sl, "exit", kv, 3);
		sl->exited = 1;
		/* Never ran: answer as a busy server would, with a close. */
		if (me.reason >= SCRIPT_REFUSED_LIMIT && (f = vscript_flow(
		    eng->stack, sl->flow, sl->conn)) != NULL) {
			eng->now_us = clock_us(CLOCK_MONOTONIC);
			vscript_eof(eng->stack, f, eng->now_us);
			engine_settle(eng);
		}
		/* UDP has no EOF: its command's end is the end. */
		if (sl->proto == IPPROTO_UDP)
			script_close_fds(sl);
		if (sl->flow == NULL)
			script_free(eng, sl);
		return;
	}
	if (m->fd == -1 || msg_get_data(m, &ref, sizeof(ref)) == -1)
		fatalx("bad SCRIPT_IO/ERR message from parent");
	sl = script_by_conn(eng, ref.conn);
	if (sl == NULL || sl->flow == NULL || (m->type == MSG_SCRIPT_IO ?
	    sl->fd : sl->fd_err) != -1)
		return;		/* the caller closes m->fd */
	if (m->type == MSG_SCRIPT_IO) {
		sl->fd = m->fd;
		sl->ev_read = event_new(eng->base, sl->fd, EV_READ |
		    EV_PERSIST, script_read_cb, sl);
		sl->ev_write = event_new(eng->base, sl->fd, EV_WRITE,
		    script_write_cb, sl);
		if (sl->ev_read == NULL || sl->ev_write == NULL ||
		    event_add(sl->ev_read, NULL) == -1)
			fatalx("script events");
		script_write(sl);
	} else {
		sl->fd_err = m->fd;
		sl->ev_err = event_new(eng->base, sl->fd_err, EV_READ |
		    EV_PERSIST, script_err_cb, sl);
		if (sl->ev_err == NULL || event_add(sl->ev_err, NULL) == -1)
			fatalx("script events");
	}
	m->fd = -1;	/* ours now */
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
	event_add_counter(&ev, "engine.script_runs", eng->n.script_runs);
	event_add_counter(&ev, "engine.script_refused", eng->n.script_refused);
	event_add_counter(&ev, "engine.script_failed", eng->n.script_failed);
	event_add_counter(&ev, "engine.script_exited", eng->n.script_exited);
	event_add_counter(&ev, "engine.script_killed_time",
	    eng->n.script_killed_time);
	event_add_counter(&ev, "engine.script_killed_cpu",
	    eng->n.script_killed_cpu);
	event_add_counter(&ev, "engine.script_killed_closed",
	    eng->n.script_killed_closed);
	event_add_counter(&ev, "engine.script_input_dropped",
	    eng->n.script_input_dropped);
	event_add_counter(&ev, "engine.script_stderr_lines",
	    eng->n.script_stderr_lines);
	if (eng->hlog != NULL) {
		event_add_counter(&ev, "engine.hlog_lines",
		    hlog_lines(eng->hlog));
		event_add_counter(&ev, "engine.hlog_errors",
		    hlog_errors(eng->hlog));
	}
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
		.script_open = script_open_cb, .script_input = script_input_cb,
		.script_close = script_close_cb,
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
		case MSG_HLOG:
			if (m.fd == -1 || m.len != 0 || eng->hlog != NULL ||
			    eng->stack != NULL)
				fatalx("bad HLOG message from parent");
			if ((eng->hlog = hlog_new(m.fd)) == NULL)
				fatal("hlog_new");
			m.fd = -1;	/* the hlog's now */
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
		case MSG_SCRIPT_IO:
		case MSG_SCRIPT_ERR:
		case MSG_SCRIPT_EXIT:
			if (eng->stack == NULL)
				fatalx("SCRIPT message before START");
			engine_script_msg(eng, &m);
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
	TAILQ_INIT(&eng.scripts);
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
