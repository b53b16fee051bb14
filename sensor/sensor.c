/*
 * dias-sensor: the parent process.  It reads the configuration and will
 * start the processes of DESIGN.md section 3 (engine, capture, shipper);
 * today it parses, checks (-n) and prints the configuration.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

#define MAX_DEFINES	64

__attribute__((noreturn)) static void	usage(void);
static int	sensor_run(struct conf *, int);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-dnv] [-D macro=value] [-f file]\n",
	    getprogname());
	exit(1);
}

/*
 * Where the process model starts: open the packet sockets, install the
 * self-protection table, create the spool and capture directories, then
 * fork the engine, capture and shipper with their socketpairs and wait.
 */
static int
sensor_run(struct conf *conf, int debug)
{
	(void)conf;
	(void)debug;
	log_warnx("the sensor processes are not implemented yet; "
	    "use -n to check a configuration");
	return 1;
}

int
main(int argc, char *argv[])
{
	const char *defines[MAX_DEFINES];
	const char *conffile = CONF_PATH;
	struct conf_params params;
	struct conf *conf;
	int ch, debug = 0, noaction = 0, verbose = 0, rv;
	size_t ndefines = 0;

	log_init(1, 0, LOG_DAEMON);
	log_procinit(getprogname());

	while ((ch = getopt(argc, argv, "D:df:nv")) != -1) {
		switch (ch) {
		case 'D':
			if (ndefines == MAX_DEFINES)
				errx(1, "too many -D options");
			defines[ndefines++] = optarg;
			break;
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
	argc -= optind;
	if (argc > 0)
		usage();

	params.errf = stderr;
	params.flags = verbose ? CONF_F_VERBOSE : 0;
	params.defines = defines;
	params.ndefines = ndefines;
	if (conf_parse(conffile, &params, &conf) == -1)
		exit(1);

	if (noaction) {
		conf_print(conf, stdout);
		conf_free(conf);
		if (fflush(stdout) == EOF || ferror(stdout))
			err(1, "stdout");
		exit(0);
	}

	log_init(debug, verbose, LOG_DAEMON);
	rv = sensor_run(conf, debug);
	conf_free(conf);
	return rv;
}
