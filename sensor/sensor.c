/*
 * dias-sensor: reads the configuration, checks it (-n), enrolls with a
 * server (enroll), or runs the processes of DESIGN.md section 3 through
 * parent_main() (parent.c).
 */
#include <curl/curl.h>
#include <gnutls/gnutls.h>

#include <err.h>
#include <getopt.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "enroll.h"
#include "log.h"
#include "parent.h"

#define MAX_DEFINES	64

__attribute__((noreturn)) static void	usage(void);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-dnv] [--no-firewall] [-D macro=value] "
	    "[-f file] [-l file]\n"
	    "       %s [-f file] enroll URL TOKEN [NAME]\n", getprogname(),
	    getprogname());
	exit(1);
}

/*
 * Enroll with the server at url: a new key, a CSR for name (default: this
 * host's name), the signed certificate and the CA, written where the
 * configuration's ca, cert and key settings say.
 */
static int
sensor_enroll(const struct conf *conf, int argc, char *argv[])
{
	const struct sensor_conf *sc = conf_sensor(conf);
	struct enroll_files files;
	char host[256], err[1024];
	const char *name;
	int rv;

	if (argc == 3)
		name = argv[2];
	else {
		if (gethostname(host, sizeof(host)) == -1)
			fatal("gethostname");
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		name = host;
	}
	files.key = sc->key;
	files.cert = sc->cert;
	files.ca = sc->ca;
	if (gnutls_global_init() < 0 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise GnuTLS or libcurl");
	if ((rv = enroll_run(argv[0], argv[1], name, &files, err,
	    sizeof(err))) == -1)
		log_warnx("enroll: %s", err);
	else
		log_info("enrolled as %s: key %s, certificate %s, CA %s", name,
		    files.key, files.cert, files.ca);
	curl_global_cleanup();
	gnutls_global_deinit();
	return rv == -1 ? 1 : 0;
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
	const char *conffile = CONF_PATH, *hlogfile = NULL;
	struct conf_params params;
	struct conf *conf;
	int ch, debug = 0, noaction = 0, verbose = 0, nofirewall = 0, rv;
	size_t ndefines = 0;

	log_init(1, 0, LOG_DAEMON);
	log_procinit(getprogname());

	while ((ch = getopt_long(argc, argv, "D:df:l:nv", longopts,
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
		case 'l':
			hlogfile = optarg;
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
	argv += optind;
	if (argc > 0 && (strcmp(argv[0], "enroll") != 0 || noaction ||
	    argc < 3 || argc > 4))
		usage();

	params.errf = stderr;
	params.flags = verbose ? CONF_F_VERBOSE : 0;
	params.defines = defines;
	params.ndefines = ndefines;
	if (conf_parse(conffile, &params, &conf) == -1)
		exit(1);

	if (argc > 0) {
		rv = sensor_enroll(conf, argc - 1, argv + 1);
		conf_free(conf);
		return rv;
	}

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
	opts.honeyd_log = hlogfile;
	rv = parent_main(conf, &opts);
	conf_free(conf);
	return rv;
}
