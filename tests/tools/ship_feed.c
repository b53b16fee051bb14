/*
 * ship_feed: runs dias-sensor's shipper process alone and feeds it N
 * synthetic connection events, as the engine would (MSG_EVENT batches
 * of whole lines), as fast as the shipper takes them.  For
 * bench/ship_bench.sh.  Run as root (the shipper jails itself).
 *
 *	ship_feed -f sensor.conf [-D name=value] -n N
 *
 * Prints "fed N events in S s" once every event is handed over (the
 * socket holds at most a few hundred KB more), then keeps the shipper
 * running until SIGTERM or SIGINT, closes its channels (it syncs and
 * exits) and exits with the shipper's status.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "event.h"
#include "log.h"
#include "msg.h"
#include "proc.h"
#include "sandbox.h"
#include "shipper.h"

#define FEED_BATCH	(64 * 1024)

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
line(struct buf *b, uint64_t i)
{
	struct event ev;
	int rv;

	event_init(&ev, EVENT_CONNECTION);
	strlcpy(ev.sensor, "bench", sizeof(ev.sensor));
	ev.seq = 1;
	ev.ts = (int64_t)time(NULL) * 1000000;
	ev.u.connection.phase = EVENT_START;
	ev.u.connection.conn = i + 1;
	ev.u.connection.t.proto = 6;
	addr_parse("203.0.113.7", &ev.u.connection.t.src);
	addr_parse("10.10.0.50", &ev.u.connection.t.dst);
	ev.u.connection.t.sport = (uint16_t)(1024 + i % 60000);
	ev.u.connection.t.dport = 445;
	strlcpy(ev.u.connection.template, "windows",
	    sizeof(ev.u.connection.template));
	strlcpy(ev.u.connection.service, "smb",
	    sizeof(ev.u.connection.service));
	ev.u.connection.flags = 0x02;
	rv = event_encode(&ev, b, NULL, 0);
	event_clear(&ev);
	return rv;
}

int
main(int argc, char **argv)
{
	const char *conffile = NULL, *defines[8];
	struct conf_params params;
	struct conf *conf;
	struct proc_env env;
	struct buf batch;
	int sv[PROC_MAX][2], ch, id, status;
	size_t ndefines = 0;
	uint64_t n = 0, i;
	double t0;
	pid_t pid;

	while ((ch = getopt(argc, argv, "D:f:n:")) != -1) {
		switch (ch) {
		case 'D':
			if (ndefines < sizeof(defines) / sizeof(defines[0]))
				defines[ndefines++] = optarg;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (conffile == NULL || n == 0)
		goto usage;
	memset(&params, 0, sizeof(params));
	params.defines = defines;
	params.ndefines = ndefines;
	if (conf_parse(conffile, &params, &conf) == -1)
		return 1;
	log_init(1, 1, 0);
	memset(&env, 0, sizeof(env));
	env.conf = conf;
	strlcpy(env.sensor, "bench", sizeof(env.sensor));
	if (sandbox_user(conf_sensor(conf)->user, &env.user) == -1) {
		fprintf(stderr, "user %s: cannot be used\n",
		    conf_sensor(conf)->user);
		return 1;
	}
	for (id = 0; id < PROC_MAX; id++) {
		env.chan.fd[id] = -1;
		sv[id][0] = sv[id][1] = -1;
		if (id == PROC_SHIPPER)
			continue;
		if (msg_socketpair(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    sv[id]) == -1) {
			perror("socketpair");
			return 1;
		}
		env.chan.fd[id] = sv[id][1];
	}
	signal(SIGPIPE, SIG_IGN);
	if ((pid = fork()) == -1) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		for (id = 0; id < PROC_MAX; id++)
			if (sv[id][0] != -1)
				close(sv[id][0]);
		log_procinit("shipper");
		shipper_main(&env);
	}
	for (id = 0; id < PROC_MAX; id++)
		if (sv[id][1] != -1)
			close(sv[id][1]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	buf_init(&batch, FEED_BATCH + EVENT_LINE_MAX);
	t0 = now();
	for (i = 0; i < n && !stop; i++) {
		if (line(&batch, i) == -1) {
			fprintf(stderr, "encode failed\n");
			return 1;
		}
		if (batch.len >= FEED_BATCH || i + 1 == n) {
			if (msg_send(sv[PROC_ENGINE][0], MSG_EVENT, 0, -1,
			    batch.data, batch.len) == -1) {
				perror("shipper channel");
				break;
			}
			buf_reset(&batch);
		}
	}
	printf("fed %llu events in %.3f s\n", (unsigned long long)i,
	    now() - t0);
	fflush(stdout);
	while (!stop)
		pause();
	for (id = 0; id < PROC_MAX; id++)
		if (sv[id][0] != -1)
			close(sv[id][0]);
	if (waitpid(pid, &status, 0) == -1)
		return 1;
	buf_free(&batch);
	conf_free(conf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
 usage:
	fprintf(stderr, "usage: ship_feed -f sensor.conf [-D name=value] "
	    "-n events\n");
	return 1;
}
