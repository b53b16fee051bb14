/*
 * dias-server: the central side of DIAS (the papers' Alerts Analyzing
 * System and IPMS database).  Reads dias-server.conf, opens the store
 * (applying migrations), and serves the HTTPS API until SIGTERM or
 * SIGINT, then finishes the requests under way and exits.  SIGHUP
 * reopens the access log and reloads the certificates.
 */
#include <err.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "log.h"
#include "server.h"
#include "server_conf.h"
#include "store.h"

__attribute__((noreturn)) static void	usage(void);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-dnv] [-f file]\n", getprogname());
	exit(1);
}

static void
report(void *arg, const char *msg)
{
	fprintf(arg, "%s\n", msg);
}

int
main(int argc, char *argv[])
{
	const char *conffile = SERVER_CONF_PATH;
	struct server_conf conf;
	struct server *s;
	struct store *st;
	sigset_t set;
	const struct timespec tick = { 1, 0 };
	char errbuf[1024];
	int ch, debug = 0, noaction = 0, verbose = 0, sig, v;

	log_init(1, 0, LOG_DAEMON);
	log_procinit(getprogname());
	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (argc > optind)
		usage();

	server_conf_init(&conf);
	if (server_conf_parse(conffile, &conf, report, stderr) != 0)
		exit(1);
	if (noaction) {
		if (verbose)
			server_conf_print(&conf, stdout);
		else
			fprintf(stderr, "configuration OK\n");
		server_conf_free(&conf);
		exit(0);
	}

	log_init(debug, verbose, LOG_DAEMON);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	gnutls_global_init();

	/* Signals are taken by sigwait here; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((s = server_new(&conf, errbuf, sizeof(errbuf))) == NULL)
		fatalx("%s", errbuf);
	st = server_store_get(s);
	if (store_schema_version(st, &v) == 0)
		log_info("store %s, schema version %d", store_backend(st), v);
	server_store_put(s, st);
	if (server_start(s, errbuf, sizeof(errbuf)) == -1)
		fatalx("%s", errbuf);

	for (;;) {
		/* Once a second, stop the daemons a reload replaced once
		 * they are idle. */
		if ((sig = sigtimedwait(&set, NULL, &tick)) == -1) {
			server_reap(s, 0);
			continue;
		}
		if (sig == SIGHUP) {
			if (server_reload(s, errbuf, sizeof(errbuf)) == -1)
				log_warnx("SIGHUP: %s", errbuf);
			else
				log_info("SIGHUP: access log reopened, "
				    "certificates reloaded");
			continue;
		}
		break;
	}
	log_info("%s: finishing requests under way", strsignal(sig));
	server_stop(s);
	server_free(s);
	server_conf_free(&conf);
	gnutls_global_deinit();
	log_info("stopped");
	return 0;
}
