/*
 * dias-sensor: reads the configuration, checks it (-n), or runs the
 * processes of DESIGN.md section 3 through parent_main() (parent.c).
 */
#include <err.h>
#include <getopt.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "parent.h"

#define MAX_DEFINES	64

__attribute__((noreturn)) static void	usage(void);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-dnv] [--no-firewall] [-D macro=value] "
	    "[-f file]\n", getprogname());
	exit(1);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "no-firewall", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct sensor_opts opts;
	const char *defines[MAX_DEFINES];
	const char *conffile = CONF_PATH;
	struct conf_params params;
	struct conf *conf;
	int ch, debug = 0, noaction = 0, verbose = 0, nofirewall = 0, rv;
	size_t ndefines = 0;

	log_init(1, 0, LOG_DAEMON);
	log_procinit(getprogname());

	while ((ch = getopt_long(argc, argv, "D:df:nv", longopts,
	    NULL)) != -1) {
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
		case 'F':
			nofirewall = 1;
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
	memset(&opts, 0, sizeof(opts));
	opts.foreground = debug;
	opts.verbose = verbose;
	opts.no_firewall = nofirewall;
	opts.conffile = conffile;
	rv = parent_main(conf, &opts);
	conf_free(conf);
	return rv;
}
