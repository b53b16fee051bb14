/*
 * dias-server.conf: one statement per line, "keyword value...", # comments,
 * double-quoted strings with \" and \\.  Unknown keywords, bad values and
 * repeated statements are errors, each reported as "file:line: message";
 * parsing goes on, so one run shows every mistake.  See dias-server.conf(5).
 */
#ifndef DIAS_SERVER_CONF_H
#define DIAS_SERVER_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#define SERVER_CONF_PATH	"/etc/dias/server.conf"
#define SERVER_NAMES_MAX	16
#define SERVER_LISTEN_MAX	16
#define SERVER_PORT		8443

struct server_listen {
	struct addr	 addr;
	uint16_t	 port;
};

struct server_conf {
	/* Default: one, 0.0.0.0 port 8443. */
	struct server_listen listen[SERVER_LISTEN_MAX];
	size_t		 nlisten;
	char		*store;			/* URL */
	char		*data_dir;		/* captures/<sensor>/ below */
	char		*ca_dir;		/* ca.pem ca.key server.pem ... */
	char		*access_log;		/* path, "-" stderr, NULL none */
	char		*names[SERVER_NAMES_MAX];	/* server cert SANs */
	size_t		 nnames;
	unsigned	 threads;
	unsigned	 max_connections;
	unsigned	 timeout;		/* seconds idle per connection */
	unsigned	 shutdown_grace;	/* seconds for in-flight work */
	uint64_t	 max_body;		/* bytes of one event batch */
	uint64_t	 max_line;		/* bytes of one NDJSON line */
	uint64_t	 max_batch;		/* events in one batch */
	uint64_t	 max_capture;		/* bytes of one capture file */
	uint64_t	 max_upload;		/* bytes of one uploaded blob */
	unsigned	 token_lifetime;	/* seconds */
	unsigned	 cert_days;
};

/* Defaults everywhere; free with server_conf_free. */
void	 server_conf_init(struct server_conf *);
void	 server_conf_free(struct server_conf *);

/*
 * Parse path (or, for server_conf_parse_mem, len bytes named name) into
 * c, which holds the defaults.  Each problem goes to report (NULL:
 * log_warnx) as one "file:line: message".  Returns the number of errors;
 * c is usable only when it is 0.
 */
int	 server_conf_parse(const char *path, struct server_conf *c,
	    void (*report)(void *, const char *), void *arg);
int	 server_conf_parse_mem(const char *name, const char *data, size_t len,
	    struct server_conf *c, void (*report)(void *, const char *),
	    void *arg);
/* Print c in the file's syntax (dias-server -n -v). */
void	 server_conf_print(const struct server_conf *, FILE *);

#endif
