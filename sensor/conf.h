/*
 * dias-sensor configuration: honeyd's virtual-host language (templates,
 * ports, bindings, and the honeyd statements DIAS stores but does not act
 * on yet) plus the sensor { } block.  See dias-sensor.conf(5).
 *
 * conf_parse() reads a file and its includes into a struct conf, reporting
 * every problem as "file:line: message".  After a successful parse the
 * configuration is read-only: the parent hands the parts each process needs
 * to that process, and nothing changes it again until conf_free().
 */
#ifndef DIAS_CONF_H
#define DIAS_CONF_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#define CONF_PATH		"/etc/dias/sensor.conf"

/* Where a statement came from; file points into the conf and lives as
 * long as it does. */
struct conf_loc {
	const char	*file;
	int		 line;
};

enum conf_proto {
	PROTO_TCP,
	PROTO_UDP,
	PROTO_ICMP,
	PROTO_MAX
};

/* What a port (or a protocol's default) does with a new flow. */
enum action_kind {
	ACTION_OPEN,		/* accept; nothing answers behind it */
	ACTION_CLOSED,		/* honeyd "reset": tcp RST, udp port unreachable,
				   icmp no reply */
	ACTION_FILTERED,	/* honeyd "block": drop silently */
	ACTION_SCRIPT,		/* accept, connect the flow to a command */
	ACTION_INTERNAL,	/* accept, run a built-in service by name */
	ACTION_PROXY		/* accept, relay to host:port (not acted on yet) */
};
#define ACTION_F_TARPIT		0x01	/* accepting actions: hold the peer */

enum proxy_host {
	PROXY_HOST_ADDR,	/* a literal address */
	PROXY_HOST_NAME,	/* a host name, never resolved by the parser */
	PROXY_HOST_SRC,		/* $ipsrc: the peer itself */
	PROXY_HOST_DST		/* $ipdst: the virtual host's own address */
};
enum proxy_port {
	PROXY_PORT_NUM,
	PROXY_PORT_SPORT,	/* $sport */
	PROXY_PORT_DPORT	/* $dport */
};
struct proxy_target {
	enum proxy_host	 host;
	enum proxy_port	 port_kind;
	struct addr	 addr;		/* PROXY_HOST_ADDR */
	char		*name;		/* PROXY_HOST_NAME */
	uint16_t	 port;		/* PROXY_PORT_NUM */
};

struct action {
	enum action_kind	 kind;
	unsigned		 flags;		/* ACTION_F_* */
	char			*arg;		/* SCRIPT: command line;
						   INTERNAL: service name */
	struct proxy_target	 proxy;		/* PROXY */
};

struct template_port {
	uint16_t		 port;
	struct action		 action;
	struct conf_loc		 loc;
	int			 inherited;	/* copied by clone or by a
						   per-address copy */
};

/* A dynamic template's rule: the first whose condition matches the
 * source picks the template that answers. */
enum cond_kind {
	COND_OS,		/* source os = "passive fingerprint name" */
	COND_SOURCE,		/* source ip = CIDR */
	COND_TIME,		/* time between start - end (local time) */
	COND_PROTO,		/* tcp | udp | icmp */
	COND_OTHERWISE
};
struct template_cond {
	enum cond_kind	 kind;
	char		*os;			/* COND_OS */
	struct cidr	 net;			/* COND_SOURCE */
	uint32_t	 start, end;		/* COND_TIME, seconds of day */
	enum conf_proto	 proto;			/* COND_PROTO */
};
struct template_rule {
	struct template_cond	 cond;
	struct template		*use;
	struct conf_loc		 loc;
};

struct template_subsystem {
	char		*cmd;
	int		 shared, restart;
	struct conf_loc	 loc;
};

#define TEMPLATE_DYNAMIC	0x01	/* "dynamic": rules pick a template */
#define TEMPLATE_ADDRESS	0x02	/* one bound address's own copy */
#define TEMPLATE_EXTERNAL	0x04	/* "bind A to IF": a real host */

/*
 * A virtual host template.  Read-only outside conf.c and parse.y.  Ports
 * are looked up with template_port(); the tables behind it are sorted
 * arrays, so a lookup is a binary search.
 */
struct template {
	char			*name;		/* an address for
						   TEMPLATE_ADDRESS */
	unsigned		 flags;
	struct conf_loc		 loc;
	const struct template	*origin;	/* copied from, or NULL */

	char			*personality;	/* nmap-os-db name, or NULL */
	int			 personality_random;
	char			*ether_vendor;	/* MAC from vendor prefix */
	uint8_t			 mac[6];	/* or a fixed MAC */
	int			 has_mac;
	int64_t			 uptime;	/* seconds, -1 when unset */
	struct action		 defaults[PROTO_MAX];

	/* Dynamic templates only. */
	struct template_rule	*rules;
	size_t			 nrules;

	/* honeyd statements stored but not acted on yet. */
	int			 maxfds;	/* 0 when unset */
	uint32_t		 uid, gid;	/* 0 when unset */
	int			 droprate_in;	/* 1/100 percent, -1 unset */
	int			 droprate_syn;
	int			 has_spoof_src, has_spoof_dst;
	struct addr		 spoof_src, spoof_dst;
	struct template_subsystem *subsystems;
	size_t			 nsubsystems;
	char			*external_if;	/* TEMPLATE_EXTERNAL */

	/* conf.c's bookkeeping. */
	struct {
		struct template_port	*v;
		size_t			 n, cap;
	}			 ports[2];	/* PROTO_TCP, PROTO_UDP */
	size_t			 refs;		/* bindings and rules */
	struct conf_loc		 bound_at;	/* first bind, line 0 if none */
	int			 warned_bound;
	TAILQ_ENTRY(template)	 entry;
};

/* honeyd's virtual routing topology: stored, not acted on yet. */
enum route_kind {
	ROUTE_ENTRY,		/* route entry A [network N] */
	ROUTE_LINK,		/* route A link N */
	ROUTE_UNREACH,		/* route A unreach N */
	ROUTE_NET,		/* route A add net N GW [link options] */
	ROUTE_TUNNEL		/* route A add net N tunnel SRC DST */
};
struct conf_route {
	enum route_kind	 kind;
	struct addr	 router;
	struct cidr	 net;
	int		 has_net;
	struct addr	 gw;		/* NET: next router; TUNNEL: source */
	struct addr	 tunnel_dst;
	uint64_t	 latency_ms;
	int		 loss;		/* 1/100 percent */
	uint64_t	 bandwidth;	/* bits per second, 0 unlimited */
	uint64_t	 drop_lo_ms, drop_hi_ms;
	struct conf_loc	 loc;
};
struct conf_dhcp {
	struct template	*tmpl;
	char		*ifname;
	char		*ether;		/* vendor or MAC, or NULL */
	struct conf_loc	 loc;
};
struct conf_option {
	char		*plugin, *key, *value;
	struct conf_loc	 loc;
};
struct conf_annotation {
	char		*personality;
	int		 finscan;	/* -1 unset, 0 "no finscan", 1 */
	int		 fragment;	/* -1 unset, else FRAG_* */
	struct conf_loc	 loc;
};
enum { FRAG_DROP, FRAG_OLD, FRAG_NEW };

/* Files start anew every UTC day or hour; "size" also when a file
 * reaches capture_rotate_size (within the day). */
enum capture_rotate { ROTATE_DAILY, ROTATE_HOURLY, ROTATE_SIZE };

/* The sensor { } block, with the defaults of conf.c filled in. */
struct sensor_conf {
	char		**interfaces;
	size_t		 ninterfaces;
	unsigned	 claim_probes;		/* ARP/NDP probes per claim */
	uint64_t	 claim_interval_ms;
	char		*server;		/* https:// URL, or NULL */
	char		*ca, *cert, *key;
	uint64_t	 heartbeat_ms;		/* to the server, and engine
						   counters */
	char		*spool_dir;
	uint64_t	 spool_max;		/* bytes */
	uint64_t	 spool_sync_records;
	uint64_t	 spool_sync_ms;
	char		*capture_dir;
	enum capture_rotate capture_rotate;
	uint64_t	 capture_rotate_size;	/* bytes, ROTATE_SIZE */
	uint64_t	 capture_max;		/* bytes per interface and
						   day (hour) */
	struct sensor_limits {
		uint64_t	 connections;	/* open flows, all hosts */
		uint64_t	 rate;		/* new flows/s per source */
		uint64_t	 payload;	/* bytes kept per connection */
		uint64_t	 reassembly;	/* bytes buffered per flow */
		uint64_t	 scripts;	/* service processes at once */
		uint64_t	 script_time_ms; /* wall clock, each */
		uint64_t	 script_cpu_ms;	/* CPU time, each */
		uint64_t	 idle_ms;	/* idle flow timeout */
	}		 limits;
	char		*user;
	char		*chroot;
	char		*honeyd_log;		/* or NULL */
};

struct conf;

/*
 * Reading a configuration.
 */
#define CONF_F_NOINCLUDE	0x01	/* refuse include (fuzzing) */
#define CONF_F_VERBOSE		0x02	/* also warn about unused macros */

struct conf_params {
	FILE			*errf;		/* messages; NULL: stderr */
	int			 flags;		/* CONF_F_* */
	const char *const	*defines;	/* "name=value" (-D) */
	size_t			 ndefines;
};

/*
 * Parse path (or len bytes at buf, named name in messages).  Every error
 * and warning is written to p->errf as "file:line: ...".  Returns 0 and
 * sets *confp, which the caller frees with conf_free(); or returns -1 after
 * reporting all errors found, and *confp is untouched.
 */
int	 conf_parse(const char *path, const struct conf_params *p,
	    struct conf **confp);
int	 conf_parse_buffer(const char *name, const void *buf, size_t len,
	    const struct conf_params *p, struct conf **confp);
void	 conf_free(struct conf *);
/* The -n summary: templates, bindings, claims, sensor settings. */
void	 conf_print(const struct conf *, FILE *);

const struct sensor_conf *conf_sensor(const struct conf *);
/* Templates in the order they were created; NULL starts and ends. */
const struct template	*conf_template_next(const struct conf *,
			    const struct template *);
const struct template	*conf_template_find(const struct conf *,
			    const char *name);
/* The template that answers for a bound address, or NULL. */
const struct template	*conf_binding_find(const struct conf *,
			    const struct addr *);
/* What answers for a: its binding, else "default" if a is claimed. */
const struct template	*conf_template_for(const struct conf *,
			    const struct addr *);
/* Bindings as sorted, disjoint ranges (adjacent ones with one template
 * merged).  Returns the template, or NULL past the end. */
size_t			 conf_nbindings(const struct conf *);
const struct template	*conf_binding_at(const struct conf *, size_t,
			    struct addr *lo, struct addr *hi);
const struct addrset	*conf_bound(const struct conf *);
const struct addrset	*conf_claimed(const struct conf *);
const struct addrset	*conf_management(const struct conf *);
const struct conf_route	*conf_routes(const struct conf *, size_t *);

/* The action for proto/port: the port's own, else the default. */
const struct action	*template_action(const struct template *,
			    enum conf_proto, uint16_t port);
const struct template_port *template_port(const struct template *,
			    enum conf_proto, uint16_t port);
size_t			 template_nports(const struct template *,
			    enum conf_proto);
const struct template_port *template_port_at(const struct template *,
			    enum conf_proto, size_t);

const char	*conf_proto_name(enum conf_proto);
const char	*action_kind_name(enum action_kind);

/*
 * Building a configuration: parse.y's side.  Every function reports its
 * own errors with file:line and counts them; those returning int return 0
 * or -1.  Strings passed in are copied unless said otherwise.
 */
struct conf	*conf_new(FILE *errf, int flags);
int		 conf_finish(struct conf *);
int		 conf_nerrors(const struct conf *);
const char	*conf_intern_file(struct conf *, const char *);
void		 conf_error(struct conf *, const struct conf_loc *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
void		 conf_warn(struct conf *, const struct conf_loc *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
/* "warning: <what> is parsed but not yet acted on", counted per what. */
void		 conf_notyet(struct conf *, const struct conf_loc *,
		    const char *what);
/* Settings that may be given once; -1 (reported) if given before. */
int		 conf_set_once(struct conf *, const struct conf_loc *,
		    const char *setting);
struct sensor_conf *conf_sensor_mut(struct conf *);
void		 conf_set_nmacros(struct conf *, size_t);

struct template	*conf_template_create(struct conf *, const struct conf_loc *,
		    const char *name, unsigned flags);
/*
 * The template named name, or bound to the address name.  TREF_HOST is for
 * changing a host template, TREF_RULES for adding rules to a dynamic one;
 * with either, a bound address first gets its own copy of its template,
 * as every bound address has in honeyd.
 */
enum tref { TREF_READ, TREF_HOST, TREF_RULES };
struct template	*conf_template_ref(struct conf *, const struct conf_loc *,
		    const char *name, enum tref);
int		 conf_template_delete(struct conf *, const struct conf_loc *,
		    const char *name);
int		 conf_template_clone(struct conf *, const struct conf_loc *,
		    const char *newname, const char *oldname);
/* Takes over a's strings, also on failure. */
int		 template_port_add(struct conf *, const struct conf_loc *,
		    struct template *, enum conf_proto, int64_t port,
		    struct action *a);
int		 template_port_delete(struct conf *, const struct conf_loc *,
		    struct template *, enum conf_proto, int64_t port);
/* Takes over the condition's strings, also on failure. */
int		 template_rule_add(struct conf *, const struct conf_loc *,
		    struct template *, struct template_cond *,
		    struct template *use);
int		 template_subsystem_add(struct conf *, const struct conf_loc *,
		    struct template *, const char *cmd, int shared,
		    int restart);
void		 action_clear(struct action *);

int		 conf_bind(struct conf *, const struct conf_loc *,
		    const struct addr *lo, const struct addr *hi,
		    struct template *);
int		 conf_bind_cond(struct conf *, const struct conf_loc *,
		    const struct addr *, struct template_cond *,
		    struct template *);
int		 conf_bind_external(struct conf *, const struct conf_loc *,
		    const struct addr *, const char *ifname);
int		 conf_unbind(struct conf *, const struct conf_loc *,
		    const struct addr *);
/* One claim statement: the union of n ranges minus nx excepts. */
int		 conf_claim(struct conf *, const struct conf_loc *,
		    const struct addr (*ranges)[2], size_t n,
		    const struct addr (*excepts)[2], size_t nx);
int		 conf_management_add(struct conf *, const struct conf_loc *,
		    const struct addr (*ranges)[2], size_t n);

int		 conf_route_add(struct conf *, const struct conf_route *);
/* Takes over the strings in the struct, also on failure. */
int		 conf_dhcp_add(struct conf *, struct conf_dhcp *);
int		 conf_option_add(struct conf *, struct conf_option *);
int		 conf_annotation_add(struct conf *, struct conf_annotation *);

#endif
