/*
 * Service commands, the parent's side: see script.h.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "msg.h"
#include "proc.h"
#include "sandbox.h"
#include "script.h"
#include "vscript.h"

#define SCRIPT_SHELL		"/bin/sh"
#define SCRIPT_PATH		"PATH=/usr/local/bin:/usr/bin:/bin"
#define SCRIPT_AS_MAX		(512UL * 1024 * 1024)
#define SCRIPT_FSIZE_MAX	(16UL * 1024 * 1024)
#define SCRIPT_NOFILE_MAX	64

struct script_proc {
	struct script_runner	*r;
	pid_t			 pid;
	uint64_t		 conn;
	uint8_t			 timed_out;	/* we killed it: script-time */
	uint8_t			 ended;		/* we killed it: flow gone */
	uint64_t		 start_ms;
	struct event		*ev_time;
	TAILQ_ENTRY(script_proc) entry;
};

struct script_runner {
	struct event_base		*base;
	const struct sensor_conf	*sc;
	struct vscript_table		*table;
	struct sandbox_user		 user;
	int				 fd_engine;
	uint64_t			 running;
	TAILQ_HEAD(, script_proc)	 procs;
	struct {
		uint64_t	 started, exited, refused, failed;
		uint64_t	 killed_time, killed_cpu, killed_closed;
	}				 n;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct script_runner *
script_runner_new(struct event_base *base, const struct conf *conf,
    const struct sandbox_user *user, int fd_engine)
{
	struct script_runner *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->table = vscript_table_new(conf)) == NULL) {
		free(r);
		return NULL;
	}
	r->base = base;
	r->sc = conf_sensor(conf);
	r->user = *user;
	r->fd_engine = fd_engine;
	TAILQ_INIT(&r->procs);
	return r;
}

static void
proc_free(struct script_runner *r, struct script_proc *sp)
{
	TAILQ_REMOVE(&r->procs, sp, entry);
	if (sp->ev_time != NULL)
		event_free(sp->ev_time);
	r->running--;
	free(sp);
}

void
script_runner_free(struct script_runner *r)
{
	struct script_proc *sp;

	if (r == NULL)
		return;
	while ((sp = TAILQ_FIRST(&r->procs)) != NULL) {
		kill(-sp->pid, SIGKILL);
		proc_free(r, sp);
	}
	vscript_table_free(r->table);
	free(r);
}

static void
tell_engine(struct script_runner *r, uint64_t conn, uint32_t reason,
    int status, uint64_t wall_ms)
{
	struct msg_script_exit me;

	memset(&me, 0, sizeof(me));
	me.conn = conn;
	me.reason = reason;
	me.status = status;
	me.wall_ms = wall_ms;
	if (msg_send(r->fd_engine, MSG_SCRIPT_EXIT, 0, -1, &me,
	    sizeof(me)) == -1)
		log_warn("engine channel");
}

/* Text from the engine for an environment variable: printable ASCII,
 * NUL-terminated within its field, or "". */
static void
env_text(char *field, size_t len)
{
	size_t i;

	field[len - 1] = '\0';
	for (i = 0; field[i] != '\0'; i++)
		if (field[i] < 0x20 || field[i] > 0x7e) {
			field[0] = '\0';
			return;
		}
}

/* honeyd's variables in the command; addresses and ports only, so the
 * shell sees no text the attacker chose. */
static int
expand(const char *cmd, const struct msg_script_run *m, struct buf *out)
{
	static const char *const vars[] = { "ipsrc", "ipdst", "sport",
	    "dport" };
	char v[4][ADDR_STRLEN];
	size_t i, n;

	if (addr_fmt(&m->src, v[0], sizeof(v[0])) == -1 ||
	    addr_fmt(&m->dst, v[1], sizeof(v[1])) == -1)
		return -1;
	snprintf(v[2], sizeof(v[2]), "%u", m->sport);
	snprintf(v[3], sizeof(v[3]), "%u", m->dport);
	while (*cmd != '\0') {
		if (*cmd == '$') {
			for (i = 0; i < 4; i++) {
				n = strlen(vars[i]);
				if (strncmp(cmd + 1, vars[i], n) == 0)
					break;
			}
			if (i < 4) {
				if (buf_addstr(out, v[i]) == -1)
					return -1;
				cmd += 1 + n;
				continue;
			}
		}
		if (buf_addc(out, (uint8_t)*cmd++) == -1)
			return -1;
	}
	return buf_addc(out, '\0');
}

static void
set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl;

	rl.rlim_cur = soft;
	rl.rlim_max = hard;
	if (setrlimit(res, &rl) == -1)
		_exit(126);
}

/* The child between fork and exec: nothing here may return. */
static __attribute__((noreturn)) void
script_child(const struct script_runner *r, const char *cmd,
    char *const envp[], int io, int err)
{
	char *const argv[] = { "sh", "-c", (char *)(uintptr_t)cmd, NULL };
	gid_t gid = r->user.gid;
	uid_t uid = r->user.uid;
	rlim_t cpu = (rlim_t)((r->sc->limits.script_cpu_ms + 999) / 1000);
	sigset_t set;
	int sig;

	/* A session of its own: a kill of -pid reaches what it starts. */
	if (setsid() == -1)
		_exit(126);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (dup2(io, 0) == -1 || dup2(io, 1) == -1 || dup2(err, 2) == -1)
		_exit(126);
	close_range(3, ~0U, 0);
	set_limit(RLIMIT_CPU, cpu, cpu + 1);
	set_limit(RLIMIT_AS, SCRIPT_AS_MAX, SCRIPT_AS_MAX);
	set_limit(RLIMIT_FSIZE, SCRIPT_FSIZE_MAX, SCRIPT_FSIZE_MAX);
	set_limit(RLIMIT_NOFILE, SCRIPT_NOFILE_MAX, SCRIPT_NOFILE_MAX);
	/* Per user, and the sensor's children are that user too. */
	set_limit(RLIMIT_NPROC, (rlim_t)(r->sc->limits.scripts * 4 + 16),
	    (rlim_t)(r->sc->limits.scripts * 4 + 16));
	set_limit(RLIMIT_CORE, 0, 0);
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1 || getuid() != uid ||
	    geteuid() != uid || (uid != 0 && setuid(0) != -1))
		_exit(126);
	/* After setuid, which clears it: die with the parent. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	execve(SCRIPT_SHELL, argv, envp);
	_exit(127);
}

static void
time_cb(evutil_socket_t fd, short what, void *arg)
{
	struct script_proc *sp = arg;

	(void)fd;
	(void)what;
	sp->timed_out = 1;
	log_info("script for connection %llu (pid %ld) ran past script-time; "
	    "killing it", (unsigned long long)sp->conn, (long)sp->pid);
	kill(-sp->pid, SIGKILL);
}

int
script_prepare(const struct vscript_table *table,
    const struct msg_script_run *req, struct script_exec *x)
{
	struct msg_script_run m = *req;
	char src[ADDR_STRLEN], dst[ADDR_STRLEN];
	const char *c;
	size_t i, n = 0;

	memset(x, 0, sizeof(*x));
	buf_init(&x->cmd, SCRIPT_CMD_MAX);
	if ((m.proto != IPPROTO_TCP && m.proto != IPPROTO_UDP) ||
	    (m.src.af != AF_INET && m.src.af != AF_INET6) ||
	    m.src.af != m.dst.af ||
	    addr_fmt(&m.src, src, sizeof(src)) == -1 ||
	    addr_fmt(&m.dst, dst, sizeof(dst)) == -1 ||
	    (c = vscript_table_command(table, m.index)) == NULL) {
		buf_free(&x->cmd);
		errno = EBADMSG;
		return -1;
	}
	if (expand(c, &m, &x->cmd) == -1) {
		buf_free(&x->cmd);
		errno = ENAMETOOLONG;
		return -1;
	}
	env_text(m.template, sizeof(m.template));
	env_text(m.personality, sizeof(m.personality));
	env_text(m.ifname, sizeof(m.ifname));
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "%s", SCRIPT_PATH);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_IP_SRC=%s", src);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_IP_DST=%s", dst);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_SRC_PORT=%u", m.sport);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_DST_PORT=%u", m.dport);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_PERSONALITY=%s",
	    m.personality);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_TEMPLATE_NAME=%s",
	    m.template);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_INTERFACE=%s",
	    m.ifname);
	snprintf(x->env[n++], SCRIPT_ENV_LEN, "HONEYD_REBOOT_TIME=%lld",
	    (long long)time(NULL) - (long long)(m.uptime_s > 0x7fffffff ?
	    0x7fffffff : m.uptime_s));
	for (i = 0; i < n; i++)
		x->envp[i] = x->env[i];
	x->envp[n] = NULL;
	x->nenv = n;
	return 0;
}

void
script_exec_free(struct script_exec *x)
{
	buf_free(&x->cmd);
}

static int
script_run(struct script_runner *r, const struct msg_script_run *m)
{
	struct msg_script_ref ref;
	struct script_proc *sp = NULL;
	struct script_exec x;
	struct timeval tv;
	int io[2] = { -1, -1 }, err[2] = { -1, -1 }, i;
	pid_t pid;

	if (script_prepare(r->table, m, &x) == -1) {
		if (errno == EBADMSG)
			return -1;
		log_warnx("script command %u too long after expansion",
		    m->index);
		r->n.failed++;
		tell_engine(r, m->conn, SCRIPT_FAILED, 0, 0);
		return 0;
	}
	if (r->running >= r->sc->limits.scripts) {
		script_exec_free(&x);
		r->n.refused++;
		tell_engine(r, m->conn, SCRIPT_REFUSED_LIMIT, 0, 0);
		return 0;
	}
	if (socketpair(AF_UNIX, (m->proto == IPPROTO_TCP ? SOCK_STREAM :
	    SOCK_DGRAM) | SOCK_CLOEXEC, 0, io) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1) {
		log_warn("script socketpair");
		goto fail;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		log_warn("script");
		goto fail;
	}
	if ((pid = fork()) == -1) {
		log_warn("script fork");
		goto fail;
	}
	if (pid == 0)
		script_child(r, (const char *)x.cmd.data, x.envp, io[1],
		    err[1]);
	close(io[1]);
	close(err[1]);
	sp->r = r;
	sp->pid = pid;
	sp->conn = m->conn;
	sp->start_ms = mono_ms();
	TAILQ_INSERT_TAIL(&r->procs, sp, entry);
	r->running++;
	r->n.started++;
	tv.tv_sec = (time_t)(r->sc->limits.script_time_ms / 1000);
	tv.tv_usec = (suseconds_t)(r->sc->limits.script_time_ms % 1000 * 1000);
	if ((sp->ev_time = evtimer_new(r->base, time_cb, sp)) == NULL ||
	    evtimer_add(sp->ev_time, &tv) == -1)
		fatalx("script timer");
	log_debug("script %u for connection %llu: pid %ld: %s", m->index,
	    (unsigned long long)m->conn, (long)pid,
	    (const char *)x.cmd.data);
	script_exec_free(&x);
	memset(&ref, 0, sizeof(ref));
	ref.conn = m->conn;
	if (fcntl(io[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(err[0], F_SETFL, O_NONBLOCK) == -1 ||
	    msg_send(r->fd_engine, MSG_SCRIPT_IO, 0, io[0], &ref,
	    sizeof(ref)) == -1 ||
	    msg_send(r->fd_engine, MSG_SCRIPT_ERR, 0, err[0], &ref,
	    sizeof(ref)) == -1)
		log_warn("passing a script's descriptors to the engine");
	close(io[0]);
	close(err[0]);
	return 0;
 fail:
	script_exec_free(&x);
	free(sp);
	for (i = 0; i < 2; i++) {
		if (io[i] != -1)
			close(io[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	r->n.failed++;
	tell_engine(r, m->conn, SCRIPT_FAILED, 0, 0);
	return 0;
}

int
script_dispatch(struct script_runner *r, const struct msg *m)
{
	struct msg_script_run run;
	struct msg_script_ref ref;
	struct script_proc *sp;

	if (m->fd != -1)
		return -1;
	switch (m->type) {
	case MSG_SCRIPT_RUN:
		if (msg_get_data(m, &run, sizeof(run)) == -1)
			return -1;
		return script_run(r, &run);
	case MSG_SCRIPT_END:
		if (msg_get_data(m, &ref, sizeof(ref)) == -1)
			return -1;
		TAILQ_FOREACH(sp, &r->procs, entry)
			if (sp->conn == ref.conn) {
				sp->ended = 1;
				kill(-sp->pid, SIGKILL);
			}
		return 0;
	}
	return -1;
}

int
script_reaped(struct script_runner *r, pid_t pid, int status)
{
	struct script_proc *sp;
	uint32_t reason;
	int sig;

	if (r == NULL)
		return 0;
	TAILQ_FOREACH(sp, &r->procs, entry)
		if (sp->pid == pid)
			break;
	if (sp == NULL)
		return 0;
	/* What it started may live on in its session: end them too. */
	kill(-pid, SIGKILL);
	/* How it died says why, not what we asked: a command may end by
	 * itself after its flow did.  A shell reports its child's SIGXCPU
	 * as 128 + SIGXCPU; RLIMIT_CPU sends SIGXCPU at the soft limit and
	 * SIGKILL at the hard one. */
	sig = WIFSIGNALED(status) ? WTERMSIG(status) : WIFEXITED(status) &&
	    WEXITSTATUS(status) == 128 + SIGXCPU ? SIGXCPU : 0;
	if (sig == SIGXCPU || (sig == SIGKILL && !sp->timed_out &&
	    !sp->ended)) {
		reason = SCRIPT_KILLED_CPU;
		r->n.killed_cpu++;
		log_info("script for connection %llu (pid %ld) ran past "
		    "script-cpu; killed", (unsigned long long)sp->conn,
		    (long)pid);
	} else if (sig == SIGKILL && sp->timed_out) {
		reason = SCRIPT_KILLED_TIME;
		r->n.killed_time++;
	} else if (sig == SIGKILL) {
		reason = SCRIPT_KILLED_CLOSED;
		r->n.killed_closed++;
	} else {
		reason = SCRIPT_EXITED;
		r->n.exited++;
	}
	tell_engine(r, sp->conn, reason, status, mono_ms() - sp->start_ms);
	proc_free(r, sp);
	return 1;
}

static void
stats_line(const char *name, uint64_t v)
{
	log_info("stats: scripts.%s %llu", name, (unsigned long long)v);
}

void
script_stats(const struct script_runner *r)
{
	if (r == NULL)
		return;
	stats_line("running", r->running);
	stats_line("started", r->n.started);
	stats_line("exited", r->n.exited);
	stats_line("refused_limit", r->n.refused);
	stats_line("failed", r->n.failed);
	stats_line("killed_time", r->n.killed_time);
	stats_line("killed_cpu", r->n.killed_cpu);
	stats_line("killed_closed", r->n.killed_closed);
}
