/*
 * dias-sensor.conf grammar: honeyd's configuration language plus the
 * sensor { } block.  After OpenBSD's parse.y: statements end at a newline
 * (or ';'), an error skips to the end of its statement so that one run
 * reports every mistake as "file:line: message", macros are "name = value"
 * and "$name", and "include" reads another file.  The lexer is lex.l; the
 * data model and the checks that need more than one statement are conf.c.
 */

%code requires {
#include <sys/types.h>

#include "buf.h"
#include "conf.h"

#define PARSE_MAX_INPUTS	32	/* files and macro expansions */
#define PARSE_MAX_INCLUDE	16	/* include depth */
#define PARSE_MAX_EXPAND	8	/* macro expansion depth */

enum { INPUT_FILE, INPUT_MACRO };

/* struct conf_loc is the location type: a rule is where its first
 * symbol is, an empty one where the symbol before it ended. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) do {				\
	if (N)								\
		(Cur) = YYRHSLOC(Rhs, 1);				\
	else								\
		(Cur) = YYRHSLOC(Rhs, 0);				\
} while (0)

struct parse_input {
	int		 kind;
	void		*buf;		/* flex's YY_BUFFER_STATE */
	FILE		*fp;
	const char	*name;		/* interned in the conf */
	int		 lineno;
	dev_t		 dev;
	ino_t		 ino;
	int		 eof_nl;	/* the closing newline was sent */
};

struct macro {
	char		*name;
	char		*value;
	int		 used;
	int		 persist;	/* from -D: the file cannot change it */
	struct conf_loc	 loc;
};

/* A list of address ranges as [lo, hi] pairs. */
struct rangelist {
	struct addr	(*v)[2];
	size_t		 n, cap;
};

struct spoof {
	struct addr	 src, dst;
	int		 has_src, has_dst;
};

/* Everything one parse needs; lex.l keeps its state here too. */
struct parse_state {
	struct conf		*conf;
	int			 flags;		/* CONF_F_* */
	void			*scanner;
	struct parse_input	 inputs[PARSE_MAX_INPUTS];
	int			 ninputs;
	int			 include_depth;
	int			 expand_depth;
	struct macro		*macros;
	size_t			 nmacros;
	int			 pending[2];	/* tokens to send first */
	int			 npending;
	int			 last_tok;
	char			 last_text[48];
	int			 value_mode;	/* after "name =" */
	int			 sensor_pending;
	int			 sensor_depth;	/* inside sensor { } */
	struct buf		 str;		/* quoted string being read */
	int			 str_line;
	int			 quiet;		/* error reported on this line */
};
}

%code provides {
int	 lex_init(struct parse_state *);
void	 lex_destroy(struct parse_state *);
int	 lex_token(CONF_YYSTYPE *, struct conf_loc *, struct parse_state *);
int	 lex_push_file(struct parse_state *, const char *,
	    const struct conf_loc *);
int	 lex_push_buffer(struct parse_state *, const char *, const void *,
	    size_t);
}

%code {
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define CONF	(ps->conf)

static int	 conf_yylex(CONF_YYSTYPE *, struct conf_loc *,
		    struct parse_state *);
static void	 conf_yyerror(const struct conf_loc *, struct parse_state *,
		    const char *);

enum unit { UNIT_TIME, UNIT_SIZE, UNIT_BANDWIDTH };

static char	*xstrdup(const char *);
static int	 parse_addr(struct parse_state *, const struct conf_loc *,
		    const char *, struct addr *);
static int	 parse_range(struct parse_state *, const struct conf_loc *,
		    const char *, struct addr *, struct addr *, int);
static int	 parse_net(struct parse_state *, const struct conf_loc *,
		    const char *, struct cidr *, int);
static int	 parse_unit(struct parse_state *, const struct conf_loc *,
		    int64_t, const char *, enum unit, uint64_t *);
static int	 parse_word_unit(struct parse_state *, const struct conf_loc *,
		    const char *, enum unit, uint64_t *);
static int	 parse_percent(struct parse_state *, const struct conf_loc *,
		    const char *, int *);
static int	 parse_daytime(struct parse_state *, const struct conf_loc *,
		    const char *, uint32_t *);
static int	 parse_proxy(struct parse_state *, const struct conf_loc *,
		    const char *, struct proxy_target *);
static int	 check_personality(struct parse_state *,
		    const struct conf_loc *, const char *, const char *);
static int	 parse_ether(struct parse_state *, const struct conf_loc *,
		    const char *, uint8_t *, int *);
static int	 check_ifname(struct parse_state *, const struct conf_loc *,
		    const char *);
static int	 check_path(struct parse_state *, const struct conf_loc *,
		    const char *, const char *);
static int	 check_number(struct parse_state *, const struct conf_loc *,
		    const char *, int64_t, int64_t, int64_t);
static void	 set_string(char **, char *);
static int	 set_path(struct parse_state *, const struct conf_loc *,
		    const struct conf_loc *, const char *, char **, char *);
static void	 range_add(struct rangelist *, const struct addr *,
		    const struct addr *);
static void	 rangelist_free(struct rangelist *);
static void	 include_file(struct parse_state *, const struct conf_loc *,
		    const char *);
static void	 macro_define(struct parse_state *, const struct conf_loc *,
		    const char *, const char *, int);
static char	*join(char *, const char *);
}

%define api.pure full
%define api.prefix {conf_yy}
%define api.location.type {struct conf_loc}
%define parse.error custom
%define parse.lac full
%locations
%param {struct parse_state *ps}

%union {
	int64_t			 number;
	char			*string;
	struct action		 action;
	struct template_cond	 cond;
	struct {
		struct addr	 lo, hi;
	}			 range;
	struct rangelist	*ranges;
	struct spoof		 spoof;
	struct conf_route	 route;
	struct {
		int		 rotate;
		uint64_t	 rotate_size;
		uint64_t	 max;
	}			 capture;
	uint64_t		 u64;
	uint32_t		 u32;
	int			 i;
}

%token	<string>	STRING		"string"
%token	<number>	NUMBER		"number"
%token	<string>	MACRONAME	"macro name"
%token			NL		"end of line"
%token			LEXERROR	"invalid token"

/* honeyd's statements; lex.l keeps the sorted table. */
%token	ACTION "action" ADD "add" ANNOTATE "annotate" BANDWIDTH "bandwidth"
%token	BETWEEN "between" BIND "bind" BLOCK "block" CLONE "clone"
%token	CLOSED "closed" CREATE "create" DEFAULT "default" DELETE "delete"
%token	DESTINATION "destination" DHCP "dhcp" DROP "drop"
%token	DROPRATE "droprate" DYNAMIC "dynamic" ENTRY "entry"
%token	ETHERNET "ethernet" FILTERED "filtered" FINSCAN "finscan"
%token	FRAGMENT "fragment" FROM "from" GID "gid" ICMP "icmp" IF "if"
%token	IN "in" INCLUDE "include" INTERNAL "internal" IP "ip"
%token	LATENCY "latency" LINK "link" LOSS "loss" MAXFDS "maxfds"
%token	NET "net" NETWORK "network" NEW "new" NO "no" OLD "old" ON "on"
%token	OPEN "open" OPTION "option" OS "os" OTHERWISE "otherwise"
%token	PERSONALITY "personality" PORT "port" PROXY "proxy"
%token	RANDOM "random" RESET "reset" RESTART "restart" ROUTE "route"
%token	SENSOR "sensor" SET "set" SHARED "shared" SOURCE "source"
%token	SPOOF "spoof" SUBSYSTEM "subsystem" SYN "syn" TARPIT "tarpit"
%token	TCP "tcp" TIME "time" TO "to" TUNNEL "tunnel" UDP "udp" UID "uid"
%token	UNREACH "unreach" UPTIME "uptime" USE "use"

/* Inside sensor { } only. */
%token	CA "ca" CAPTURE "capture" CERT "cert" CHROOT "chroot" CLAIM "claim"
%token	CONNECTIONS "connections" DAILY "daily" EXCEPT "except"
%token	HEARTBEAT "heartbeat" HONEYD "honeyd" HOURLY "hourly" IDLE "idle"
%token	INTERFACE "interface"
%token	INTERVAL "interval" KEY "key" LIMIT "limit" LIMITS "limits"
%token	LOG "log" MANAGEMENT "management" MAX "max" PAYLOAD "payload"
%token	PERSOURCE "per-source" PROBE "probe" RATE "rate"
%token	REASSEMBLY "reassembly" RECORDS "records" ROTATE "rotate"
%token	SCRIPTS "scripts" SERVER "server" SPOOL "spool" SYNC "sync"
%token	USER "user" SCRIPTCPU "script-cpu" SCRIPTTIME "script-time"
%token	SIZE "size"

%type	<string>	name varvalue optvalue
%type	<i>		proto fragpolicy subflags
%type	<action>	action acceptaction
%type	<cond>		condition
%type	<range>		addrspec
%type	<ranges>	rangelist claimexcept
%type	<spoof>		spoof
%type	<route>		linkopts
%type	<u64>		duration size bandwidth
%type	<u32>		daytime
%type	<i>		percent
%type	<string>	optether
%type	<capture>	captureopts

%destructor { free($$); } <string>
%destructor { action_clear(&$$); } <action>
%destructor { free($$.os); } <cond>
%destructor { rangelist_free($$); } <ranges>

%%

grammar		: %empty
		| grammar NL
		| grammar include NL
		| grammar varset NL
		| grammar stmt NL
		| grammar error NL		{ yyerrok; }
		;

include		: INCLUDE STRING {
			include_file(ps, &@2, $2);
			free($2);
		}
		;

varset		: MACRONAME '=' varvalue {
			macro_define(ps, &@1, $1, $3, 0);
			free($1);
			free($3);
		}
		;

varvalue	: %empty			{ $$ = xstrdup(""); }
		| varvalue STRING		{ $$ = join($1, $2); free($2); }
		;

stmt		: create | delete | add | set | bind | clone | annotate
		| dhcp | route | option | sensor
		;

name		: STRING
		| DEFAULT			{ $$ = xstrdup("default"); }
		;

proto		: TCP				{ $$ = PROTO_TCP; }
		| UDP				{ $$ = PROTO_UDP; }
		| ICMP				{ $$ = PROTO_ICMP; }
		;

/*
 * Templates.
 */

create		: CREATE name {
			conf_template_create(CONF, &@2, $2, 0);
			free($2);
		}
		| DYNAMIC name {
			conf_template_create(CONF, &@2, $2, TEMPLATE_DYNAMIC);
			free($2);
		}
		;

delete		: DELETE name {
			conf_template_delete(CONF, &@2, $2);
			free($2);
		}
		| DELETE name proto PORT NUMBER {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			template_port_delete(CONF, &@5, t, $3, $5);
		}
		;

clone		: CLONE name name {
			conf_template_clone(CONF, &@2, $2, $3);
			free($2);
			free($3);
		}
		;

add		: ADD name proto PORT NUMBER action {
			struct template *t;
			int proxy;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (($6.flags & ACTION_F_TARPIT) && $3 != PROTO_TCP) {
				conf_error(CONF, &@6, "tarpit is for tcp only");
				action_clear(&$6);
				break;
			}
			proxy = $6.kind == ACTION_PROXY;
			if (template_port_add(CONF, &@5, t, $3, $5, &$6) == 0 &&
			    proxy)
				conf_notyet(CONF, &@6, "proxy");
		}
		| ADD name SUBSYSTEM STRING subflags {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (t != NULL && template_subsystem_add(CONF, &@3, t,
			    $4, $5 & 1, $5 & 2) == 0)
				conf_notyet(CONF, &@3, "subsystem");
			free($4);
		}
		| ADD name USE name IF condition {
			struct template *t, *use;

			t = conf_template_ref(CONF, &@2, $2, TREF_RULES);
			use = conf_template_ref(CONF, &@4, $4, TREF_READ);
			free($2);
			free($4);
			if (t != NULL && template_rule_add(CONF, &@3, t, &$6,
			    use) == 0)
				conf_notyet(CONF, &@3, "dynamic template");
			else
				free($6.os);
		}
		| ADD name OTHERWISE USE name {
			struct template *t, *use;
			struct template_cond c;

			memset(&c, 0, sizeof(c));
			c.kind = COND_OTHERWISE;
			t = conf_template_ref(CONF, &@2, $2, TREF_RULES);
			use = conf_template_ref(CONF, &@5, $5, TREF_READ);
			free($2);
			free($5);
			if (t != NULL && template_rule_add(CONF, &@3, t, &c,
			    use) == 0)
				conf_notyet(CONF, &@3, "dynamic template");
		}
		;

subflags	: %empty			{ $$ = 0; }
		| subflags SHARED		{ $$ = $1 | 1; }
		| subflags RESTART		{ $$ = $1 | 2; }
		;

action		: acceptaction
		| TARPIT acceptaction {
			$$ = $2;
			$$.flags |= ACTION_F_TARPIT;
		}
		| CLOSED {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_CLOSED;
		}
		| RESET {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_CLOSED;
		}
		| FILTERED {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_FILTERED;
		}
		| BLOCK {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_FILTERED;
		}
		;

acceptaction	: OPEN {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_OPEN;
		}
		| STRING {
			memset(&$$, 0, sizeof($$));
			if ($1[0] == '\0') {
				conf_error(CONF, &@1, "empty script command");
				free($1);
				YYERROR;
			}
			$$.kind = ACTION_SCRIPT;
			$$.arg = $1;
		}
		| INTERNAL STRING {
			memset(&$$, 0, sizeof($$));
			if ($2[0] == '\0') {
				conf_error(CONF, &@2, "empty service name");
				free($2);
				YYERROR;
			}
			$$.kind = ACTION_INTERNAL;
			$$.arg = $2;
		}
		| PROXY STRING {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_PROXY;
			if (parse_proxy(ps, &@2, $2, &$$.proxy) == -1) {
				free($2);
				YYERROR;
			}
			free($2);
		}
		;

set		: SET name DEFAULT proto ACTION action {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if ($4 == PROTO_ICMP && $6.kind != ACTION_OPEN &&
			    $6.kind != ACTION_CLOSED &&
			    $6.kind != ACTION_FILTERED) {
				conf_error(CONF, &@6, "icmp takes open, closed "
				    "or filtered");
				t = NULL;
			} else if (($6.flags & ACTION_F_TARPIT) &&
			    $4 != PROTO_TCP) {
				conf_error(CONF, &@6, "tarpit is for tcp only");
				t = NULL;
			}
			if (t == NULL) {
				action_clear(&$6);
				break;
			}
			action_clear(&t->defaults[$4]);
			t->defaults[$4] = $6;
			if ($6.kind == ACTION_PROXY)
				conf_notyet(CONF, &@6, "proxy");
		}
		| SET name PERSONALITY STRING {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (check_personality(ps, &@4, "personality", $4) == -1 ||
			    t == NULL) {
				free($4);
				break;
			}
			set_string(&t->personality, $4);
			t->personality_random = 0;
		}
		| SET name PERSONALITY RANDOM {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (t == NULL)
				break;
			set_string(&t->personality, NULL);
			t->personality_random = 1;
		}
		| SET name ETHERNET STRING {
			struct template *t;
			uint8_t mac[6];
			int is_mac;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (parse_ether(ps, &@4, $4, mac, &is_mac) == -1 ||
			    t == NULL) {
				free($4);
				break;
			}
			t->has_mac = is_mac;
			if (is_mac) {
				memcpy(t->mac, mac, sizeof(t->mac));
				free($4);
				set_string(&t->ether_vendor, NULL);
			} else
				set_string(&t->ether_vendor, $4);
		}
		| SET name UPTIME NUMBER {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (check_number(ps, &@4, "uptime", $4, 0,
			    10 * 365 * 86400LL) == 0 && t != NULL)
				t->uptime = $4;
		}
		| SET name DROPRATE IN percent {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (t == NULL)
				break;
			t->droprate_in = $5;
			conf_notyet(CONF, &@3, "droprate");
		}
		| SET name DROPRATE SYN percent {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (t == NULL)
				break;
			t->droprate_syn = $5;
			conf_notyet(CONF, &@3, "droprate");
		}
		| SET name MAXFDS NUMBER {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (check_number(ps, &@4, "maxfds", $4, 4, 65536) == -1 ||
			    t == NULL)
				break;
			t->maxfds = (int)$4;
			conf_notyet(CONF, &@3, "maxfds");
		}
		| SET name UID NUMBER {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (check_number(ps, &@4, "uid", $4, 1,
			    UINT32_MAX - 1) == -1 || t == NULL)
				break;
			t->uid = (uint32_t)$4;
			conf_notyet(CONF, &@3, "uid");
		}
		| SET name UID NUMBER GID NUMBER {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (check_number(ps, &@4, "uid", $4, 1,
			    UINT32_MAX - 1) == -1 ||
			    check_number(ps, &@6, "gid", $6, 1,
			    UINT32_MAX - 1) == -1 || t == NULL)
				break;
			t->uid = (uint32_t)$4;
			t->gid = (uint32_t)$6;
			conf_notyet(CONF, &@3, "uid");
		}
		| SET name SPOOF spoof {
			struct template *t;

			t = conf_template_ref(CONF, &@2, $2, TREF_HOST);
			free($2);
			if (t == NULL)
				break;
			if ($4.has_src) {
				t->has_spoof_src = 1;
				t->spoof_src = $4.src;
			}
			if ($4.has_dst) {
				t->has_spoof_dst = 1;
				t->spoof_dst = $4.dst;
			}
			conf_notyet(CONF, &@3, "spoof");
		}
		;

percent		: NUMBER {
			if (check_number(ps, &@1, "percentage", $1, 0, 100) == -1)
				YYERROR;
			$$ = (int)$1 * 100;
		}
		| STRING {
			if (parse_percent(ps, &@1, $1, &$$) == -1) {
				free($1);
				YYERROR;
			}
			free($1);
		}
		;

spoof		: spoofsrc STRING {
			memset(&$$, 0, sizeof($$));
			$$.has_src = parse_addr(ps, &@2, $2, &$$.src) == 0;
			free($2);
			if (!$$.has_src)
				YYERROR;
		}
		| spoofdst STRING {
			memset(&$$, 0, sizeof($$));
			$$.has_dst = parse_addr(ps, &@2, $2, &$$.dst) == 0;
			free($2);
			if (!$$.has_dst)
				YYERROR;
		}
		| spoofsrc STRING spoofdst STRING {
			memset(&$$, 0, sizeof($$));
			$$.has_src = parse_addr(ps, &@2, $2, &$$.src) == 0;
			$$.has_dst = parse_addr(ps, &@4, $4, &$$.dst) == 0;
			free($2);
			free($4);
			if (!$$.has_src || !$$.has_dst)
				YYERROR;
		}
		;
spoofsrc	: FROM | SOURCE ;
spoofdst	: TO | DESTINATION ;

/*
 * Bindings.
 */

bind		: BIND addrspec name {
			struct template *t;

			t = conf_template_ref(CONF, &@3, $3, TREF_READ);
			free($3);
			conf_bind(CONF, &@2, &$2.lo, &$2.hi, t);
		}
		| BIND condition STRING name {
			struct template *use;
			struct addr a;

			use = conf_template_ref(CONF, &@4, $4, TREF_READ);
			free($4);
			if (parse_addr(ps, &@3, $3, &a) == -1) {
				free($3);
				free($2.os);
				break;
			}
			free($3);
			if (conf_bind_cond(CONF, &@1, &a, &$2, use) == 0)
				conf_notyet(CONF, &@1, "dynamic template");
		}
		| BIND STRING TO STRING {
			struct addr a;

			if (parse_addr(ps, &@2, $2, &a) == 0 &&
			    check_ifname(ps, &@4, $4) == 0 &&
			    conf_bind_external(CONF, &@1, &a, $4) == 0)
				conf_notyet(CONF, &@1, "bind to an interface");
			free($2);
			free($4);
		}
		;

addrspec	: STRING {
			if (parse_range(ps, &@1, $1, &$$.lo, &$$.hi, 1) == -1) {
				free($1);
				YYERROR;
			}
			free($1);
		}
		| STRING '-' STRING {
			int bad;

			bad = parse_addr(ps, &@1, $1, &$$.lo) == -1 ||
			    parse_addr(ps, &@3, $3, &$$.hi) == -1;
			if (!bad && ($$.lo.af != $$.hi.af ||
			    addr_cmp(&$$.lo, &$$.hi) > 0)) {
				conf_error(CONF, &@1, "bad range \"%s - %s\"",
				    $1, $3);
				bad = 1;
			}
			free($1);
			free($3);
			if (bad)
				YYERROR;
		}
		;

condition	: SOURCE OS '=' STRING {
			memset(&$$, 0, sizeof($$));
			if (check_personality(ps, &@4, "os", $4) == -1) {
				free($4);
				YYERROR;
			}
			$$.kind = COND_OS;
			$$.os = $4;
		}
		| SOURCE IP '=' STRING {
			memset(&$$, 0, sizeof($$));
			$$.kind = COND_SOURCE;
			if (parse_net(ps, &@4, $4, &$$.net, 1) == -1) {
				free($4);
				YYERROR;
			}
			free($4);
		}
		| TIME BETWEEN daytime '-' daytime {
			memset(&$$, 0, sizeof($$));
			$$.kind = COND_TIME;
			$$.start = $3;
			$$.end = $5;
		}
		| proto {
			memset(&$$, 0, sizeof($$));
			$$.kind = COND_PROTO;
			$$.proto = $1;
		}
		| OTHERWISE {
			memset(&$$, 0, sizeof($$));
			$$.kind = COND_OTHERWISE;
		}
		;

daytime		: STRING {
			if (parse_daytime(ps, &@1, $1, &$$) == -1) {
				free($1);
				YYERROR;
			}
			free($1);
		}
		;

/*
 * honeyd statements stored for later.
 */

annotate	: ANNOTATE STRING FINSCAN {
			struct conf_annotation an = { NULL, 1, -1, @1 };

			an.personality = $2;
			if (check_personality(ps, &@2, "personality", $2) == -1) {
				free($2);
				break;
			}
			conf_annotation_add(CONF, &an);
			conf_notyet(CONF, &@1, "annotate");
		}
		| ANNOTATE STRING NO FINSCAN {
			struct conf_annotation an = { NULL, 0, -1, @1 };

			an.personality = $2;
			if (check_personality(ps, &@2, "personality", $2) == -1) {
				free($2);
				break;
			}
			conf_annotation_add(CONF, &an);
			conf_notyet(CONF, &@1, "annotate");
		}
		| ANNOTATE STRING FRAGMENT fragpolicy {
			struct conf_annotation an = { NULL, -1, $4, @1 };

			an.personality = $2;
			if (check_personality(ps, &@2, "personality", $2) == -1) {
				free($2);
				break;
			}
			conf_annotation_add(CONF, &an);
			conf_notyet(CONF, &@1, "annotate");
		}
		;

fragpolicy	: DROP				{ $$ = FRAG_DROP; }
		| OLD				{ $$ = FRAG_OLD; }
		| NEW				{ $$ = FRAG_NEW; }
		;

dhcp		: DHCP name ON STRING optether {
			struct conf_dhcp d;

			memset(&d, 0, sizeof(d));
			d.tmpl = conf_template_ref(CONF, &@2, $2, TREF_READ);
			d.loc = @1;
			d.ifname = $4;
			d.ether = $5;
			free($2);
			if (d.tmpl != NULL && check_ifname(ps, &@4, $4) == -1)
				d.tmpl = NULL;
			if (conf_dhcp_add(CONF, &d) == 0)
				conf_notyet(CONF, &@1, "dhcp");
		}
		;

optether	: %empty			{ $$ = NULL; }
		| ETHERNET STRING {
			uint8_t mac[6];
			int is_mac;

			if (parse_ether(ps, &@2, $2, mac, &is_mac) == -1) {
				free($2);
				YYERROR;
			}
			$$ = $2;
		}
		;

route		: ROUTE ENTRY STRING {
			struct conf_route r;

			memset(&r, 0, sizeof(r));
			r.kind = ROUTE_ENTRY;
			r.loc = @1;
			if (parse_addr(ps, &@3, $3, &r.router) == 0) {
				conf_route_add(CONF, &r);
				conf_notyet(CONF, &@1, "route");
			}
			free($3);
		}
		| ROUTE ENTRY STRING NETWORK STRING {
			struct conf_route r;

			memset(&r, 0, sizeof(r));
			r.kind = ROUTE_ENTRY;
			r.loc = @1;
			r.has_net = 1;
			if (parse_addr(ps, &@3, $3, &r.router) == 0 &&
			    parse_net(ps, &@5, $5, &r.net, 0) == 0) {
				conf_route_add(CONF, &r);
				conf_notyet(CONF, &@1, "route");
			}
			free($3);
			free($5);
		}
		| ROUTE STRING LINK STRING {
			struct conf_route r;

			memset(&r, 0, sizeof(r));
			r.kind = ROUTE_LINK;
			r.loc = @1;
			r.has_net = 1;
			if (parse_addr(ps, &@2, $2, &r.router) == 0 &&
			    parse_net(ps, &@4, $4, &r.net, 0) == 0) {
				conf_route_add(CONF, &r);
				conf_notyet(CONF, &@1, "route");
			}
			free($2);
			free($4);
		}
		| ROUTE STRING UNREACH STRING {
			struct conf_route r;

			memset(&r, 0, sizeof(r));
			r.kind = ROUTE_UNREACH;
			r.loc = @1;
			r.has_net = 1;
			if (parse_addr(ps, &@2, $2, &r.router) == 0 &&
			    parse_net(ps, &@4, $4, &r.net, 0) == 0) {
				conf_route_add(CONF, &r);
				conf_notyet(CONF, &@1, "route");
			}
			free($2);
			free($4);
		}
		| ROUTE STRING ADD NET STRING STRING linkopts {
			struct conf_route r = $7;

			r.kind = ROUTE_NET;
			r.loc = @1;
			r.has_net = 1;
			if (parse_addr(ps, &@2, $2, &r.router) == 0 &&
			    parse_net(ps, &@5, $5, &r.net, 0) == 0 &&
			    parse_addr(ps, &@6, $6, &r.gw) == 0) {
				if (r.drop_hi_ms != 0 && r.bandwidth == 0)
					conf_warn(CONF, &@7, "drop between "
					    "needs a bandwidth; ignored");
				conf_route_add(CONF, &r);
				conf_notyet(CONF, &@1, "route");
			}
			free($2);
			free($5);
			free($6);
		}
		| ROUTE STRING ADD NET STRING TUNNEL STRING STRING {
			struct conf_route r;

			memset(&r, 0, sizeof(r));
			r.kind = ROUTE_TUNNEL;
			r.loc = @1;
			r.has_net = 1;
			if (parse_addr(ps, &@2, $2, &r.router) == 0 &&
			    parse_net(ps, &@5, $5, &r.net, 0) == 0 &&
			    parse_addr(ps, &@7, $7, &r.gw) == 0 &&
			    parse_addr(ps, &@8, $8, &r.tunnel_dst) == 0) {
				conf_route_add(CONF, &r);
				conf_notyet(CONF, &@1, "route tunnel");
			}
			free($2);
			free($5);
			free($7);
			free($8);
		}
		;

linkopts	: %empty			{ memset(&$$, 0, sizeof($$)); }
		| linkopts LATENCY duration	{ $$ = $1; $$.latency_ms = $3; }
		| linkopts LOSS percent		{ $$ = $1; $$.loss = $3; }
		| linkopts BANDWIDTH bandwidth	{ $$ = $1; $$.bandwidth = $3; }
		| linkopts DROP BETWEEN duration '-' duration {
			$$ = $1;
			if ($6 <= $4) {
				conf_error(CONF, &@2, "drop between: the first "
				    "time must be the smaller");
				YYERROR;
			}
			$$.drop_lo_ms = $4;
			$$.drop_hi_ms = $6;
		}
		;

option		: OPTION STRING STRING optvalue {
			struct conf_option o;

			o.plugin = $2;
			o.key = $3;
			o.value = $4;
			o.loc = @1;
			conf_option_add(CONF, &o);
			conf_notyet(CONF, &@1, "option");
		}
		;

optvalue	: STRING
		| NUMBER {
			char buf[32];

			snprintf(buf, sizeof(buf), "%" PRId64, $1);
			$$ = xstrdup(buf);
		}
		;

/*
 * Values with units: "500ms" or "500 ms", "64K", "10Mbps".
 */

duration	: NUMBER {
			if (parse_unit(ps, &@1, $1, NULL, UNIT_TIME, &$$) == -1)
				YYERROR;
		}
		| NUMBER STRING {
			if (parse_unit(ps, &@1, $1, $2, UNIT_TIME, &$$) == -1) {
				free($2);
				YYERROR;
			}
			free($2);
		}
		| STRING {
			if (parse_word_unit(ps, &@1, $1, UNIT_TIME, &$$) == -1) {
				free($1);
				YYERROR;
			}
			free($1);
		}
		;

size		: NUMBER {
			if (parse_unit(ps, &@1, $1, NULL, UNIT_SIZE, &$$) == -1)
				YYERROR;
		}
		| NUMBER STRING {
			if (parse_unit(ps, &@1, $1, $2, UNIT_SIZE, &$$) == -1) {
				free($2);
				YYERROR;
			}
			free($2);
		}
		| STRING {
			if (parse_word_unit(ps, &@1, $1, UNIT_SIZE, &$$) == -1) {
				free($1);
				YYERROR;
			}
			free($1);
		}
		;

bandwidth	: NUMBER {
			if (parse_unit(ps, &@1, $1, NULL, UNIT_BANDWIDTH,
			    &$$) == -1)
				YYERROR;
		}
		| NUMBER STRING {
			if (parse_unit(ps, &@1, $1, $2, UNIT_BANDWIDTH,
			    &$$) == -1) {
				free($2);
				YYERROR;
			}
			free($2);
		}
		| STRING {
			if (parse_word_unit(ps, &@1, $1, UNIT_BANDWIDTH,
			    &$$) == -1) {
				free($1);
				YYERROR;
			}
			free($1);
		}
		;

/*
 * The sensor { } block.
 */

sensor		: SENSOR optnl '{' sensorbody sensorlast '}'
		| SENSOR optnl '{' sensorbody error '}'
		;

optnl		: %empty
		| optnl NL
		;

sensorbody	: %empty
		| sensorbody NL
		| sensorbody sensoropt NL
		| sensorbody error NL		{ yyerrok; }
		;

sensorlast	: %empty
		| sensoropt
		;

sensoropt	: INTERFACE ifnames
		| CLAIM rangelist claimexcept {
			conf_claim(CONF, &@1, (const struct addr (*)[2])$2->v,
			    $2->n, $3 ? (const struct addr (*)[2])$3->v : NULL,
			    $3 ? $3->n : 0);
			rangelist_free($2);
			rangelist_free($3);
		}
		| CLAIM PROBE NUMBER INTERVAL duration {
			struct sensor_conf *s = conf_sensor_mut(CONF);

			if (check_number(ps, &@3, "probes", $3, 1, 10) == -1)
				break;
			if ($5 < 10 || $5 > 60000) {
				conf_error(CONF, &@5, "probe interval must be "
				    "10ms to 60s");
				break;
			}
			if (conf_set_once(CONF, &@1, "claim probe") == 0) {
				s->claim_probes = (unsigned)$3;
				s->claim_interval_ms = $5;
			}
		}
		| SERVER STRING {
			if (strncmp($2, "https://", 8) != 0 || $2[8] == '\0' ||
			    $2[8] == '/' || strpbrk($2, " \t\"") != NULL) {
				conf_error(CONF, &@2, "server must be an "
				    "https:// URL");
				free($2);
			} else if (conf_set_once(CONF, &@1, "server") == 0)
				set_string(&conf_sensor_mut(CONF)->server, $2);
			else
				free($2);
		}
		| HEARTBEAT duration {
			if ($2 < 1000 || $2 > 3600 * 1000)
				conf_error(CONF, &@2, "heartbeat interval must "
				    "be 1s to 1h");
			else if (conf_set_once(CONF, &@1, "heartbeat") == 0)
				conf_sensor_mut(CONF)->heartbeat_ms = $2;
		}
		| CA STRING {
			set_path(ps, &@1, &@2, "ca", &conf_sensor_mut(CONF)->ca,
			    $2);
		}
		| CERT STRING {
			set_path(ps, &@1, &@2, "cert",
			    &conf_sensor_mut(CONF)->cert, $2);
		}
		| KEY STRING {
			set_path(ps, &@1, &@2, "key", &conf_sensor_mut(CONF)->key,
			    $2);
		}
		| SPOOL STRING {
			set_path(ps, &@1, &@2, "spool",
			    &conf_sensor_mut(CONF)->spool_dir, $2);
		}
		| SPOOL STRING MAX size {
			if ($4 < 1024 * 1024) {
				conf_error(CONF, &@4, "spool max must be at "
				    "least 1M");
				free($2);
				break;
			}
			if (set_path(ps, &@1, &@2, "spool",
			    &conf_sensor_mut(CONF)->spool_dir, $2) == 0)
				conf_sensor_mut(CONF)->spool_max = $4;
		}
		| SPOOL SYNC NUMBER RECORDS {
			if (check_number(ps, &@3, "records", $3, 1,
			    1000000) == 0 &&
			    conf_set_once(CONF, &@1, "spool sync records") == 0)
				conf_sensor_mut(CONF)->spool_sync_records =
				    (uint64_t)$3;
		}
		| SPOOL SYNC duration {
			if ($3 < 1 || $3 > 3600 * 1000)
				conf_error(CONF, &@3, "spool sync interval must "
				    "be 1ms to 1h");
			else if (conf_set_once(CONF, &@1,
			    "spool sync interval") == 0)
				conf_sensor_mut(CONF)->spool_sync_ms = $3;
		}
		| CAPTURE STRING captureopts {
			struct sensor_conf *s = conf_sensor_mut(CONF);

			if ($3.max != 0 && $3.max < 1024 * 1024) {
				conf_error(CONF, &@3, "capture max must be at "
				    "least 1M");
				free($2);
				break;
			}
			if ($3.rotate == ROTATE_SIZE && ($3.rotate_size < 64 * 1024 ||
			    $3.rotate_size > 64ULL * 1024 * 1024 * 1024)) {
				conf_error(CONF, &@3, "capture rotate size must be "
				    "64K to 64G");
				free($2);
				break;
			}
			if (set_path(ps, &@1, &@2, "capture", &s->capture_dir,
			    $2) == -1)
				break;
			if ($3.rotate != -1)
				s->capture_rotate = $3.rotate;
			s->capture_rotate_size = $3.rotate_size;
			if ($3.max != 0)
				s->capture_max = $3.max;
		}
		| LIMITS optnl '{' limitbody limitlast '}'
		| LIMITS optnl '{' limitbody error '}'
		| LIMIT limitopt
		| MANAGEMENT rangelist {
			conf_management_add(CONF, &@1,
			    (const struct addr (*)[2])$2->v, $2->n);
			rangelist_free($2);
		}
		| USER STRING {
			const char *p;
			int bad = strlen($2) == 0 || strlen($2) > 32;

			for (p = $2; *p != '\0'; p++)
				if (!isalnum((unsigned char)*p) && *p != '_' &&
				    *p != '-' && *p != '.')
					bad = 1;
			if (bad) {
				conf_error(CONF, &@2, "bad user name \"%s\"",
				    $2);
				free($2);
			} else if (conf_set_once(CONF, &@1, "user") == 0)
				set_string(&conf_sensor_mut(CONF)->user, $2);
			else
				free($2);
		}
		| CHROOT STRING {
			set_path(ps, &@1, &@2, "chroot",
			    &conf_sensor_mut(CONF)->chroot, $2);
		}
		| LOG HONEYD STRING {
			set_path(ps, &@1, &@3, "log honeyd",
			    &conf_sensor_mut(CONF)->honeyd_log, $3);
		}
		;

ifnames		: STRING {
			struct sensor_conf *s = conf_sensor_mut(CONF);
			size_t i;

			for (i = 0; i < s->ninterfaces; i++)
				if (strcmp(s->interfaces[i], $1) == 0)
					break;
			if (i < s->ninterfaces)
				conf_error(CONF, &@1, "interface %s is already "
				    "listed", $1);
			else if (check_ifname(ps, &@1, $1) == 0) {
				s->interfaces = reallocarray(s->interfaces,
				    s->ninterfaces + 1, sizeof(*s->interfaces));
				if (s->interfaces == NULL)
					fatal("conf");
				s->interfaces[s->ninterfaces++] = $1;
				$1 = NULL;
			}
			free($1);
		}
		| ifnames STRING {
			struct sensor_conf *s = conf_sensor_mut(CONF);
			size_t i;

			for (i = 0; i < s->ninterfaces; i++)
				if (strcmp(s->interfaces[i], $2) == 0)
					break;
			if (i < s->ninterfaces)
				conf_error(CONF, &@2, "interface %s is already "
				    "listed", $2);
			else if (check_ifname(ps, &@2, $2) == 0) {
				s->interfaces = reallocarray(s->interfaces,
				    s->ninterfaces + 1, sizeof(*s->interfaces));
				if (s->interfaces == NULL)
					fatal("conf");
				s->interfaces[s->ninterfaces++] = $2;
				$2 = NULL;
			}
			free($2);
		}
		;

rangelist	: addrspec {
			if (($$ = calloc(1, sizeof(*$$))) == NULL)
				fatal("conf");
			range_add($$, &$1.lo, &$1.hi);
		}
		| rangelist addrspec {
			$$ = $1;
			range_add($$, &$2.lo, &$2.hi);
		}
		| rangelist ',' addrspec {
			$$ = $1;
			range_add($$, &$3.lo, &$3.hi);
		}
		;

claimexcept	: %empty			{ $$ = NULL; }
		| EXCEPT rangelist		{ $$ = $2; }
		;

captureopts	: %empty {
			$$.rotate = -1;
			$$.rotate_size = 0;
			$$.max = 0;
		}
		| captureopts ROTATE DAILY	{ $$ = $1; $$.rotate = ROTATE_DAILY; }
		| captureopts ROTATE HOURLY	{ $$ = $1; $$.rotate = ROTATE_HOURLY; }
		| captureopts ROTATE SIZE size {
			$$ = $1;
			$$.rotate = ROTATE_SIZE;
			$$.rotate_size = $4;
		}
		| captureopts MAX size		{ $$ = $1; $$.max = $3; }
		;

limitbody	: %empty
		| limitbody NL
		| limitbody limitopt NL
		| limitbody error NL		{ yyerrok; }
		;

limitlast	: %empty
		| limitopt
		;

limitopt	: CONNECTIONS NUMBER {
			if (check_number(ps, &@2, "connections", $2, 1,
			    1000000) == 0 &&
			    conf_set_once(CONF, &@1, "limit connections") == 0)
				conf_sensor_mut(CONF)->limits.connections =
				    (uint64_t)$2;
		}
		| RATE NUMBER PERSOURCE {
			if (check_number(ps, &@2, "rate", $2, 1, 1000000) == 0 &&
			    conf_set_once(CONF, &@1, "limit rate") == 0)
				conf_sensor_mut(CONF)->limits.rate =
				    (uint64_t)$2;
		}
		| PAYLOAD size {
			if ($2 > 64 * 1024 * 1024)
				conf_error(CONF, &@2, "payload must be at most "
				    "64M");
			else if (conf_set_once(CONF, &@1, "limit payload") == 0)
				conf_sensor_mut(CONF)->limits.payload = $2;
		}
		| REASSEMBLY size {
			if ($2 < 1024 || $2 > 64 * 1024 * 1024)
				conf_error(CONF, &@2, "reassembly must be 1K to "
				    "64M");
			else if (conf_set_once(CONF, &@1,
			    "limit reassembly") == 0)
				conf_sensor_mut(CONF)->limits.reassembly = $2;
		}
		| SCRIPTS NUMBER {
			if (check_number(ps, &@2, "scripts", $2, 0, 4096) == 0 &&
			    conf_set_once(CONF, &@1, "limit scripts") == 0)
				conf_sensor_mut(CONF)->limits.scripts =
				    (uint64_t)$2;
		}
		| SCRIPTTIME duration {
			if ($2 < 1000 || $2 > 86400 * 1000)
				conf_error(CONF, &@2, "script-time must be 1s to "
				    "1d");
			else if (conf_set_once(CONF, &@1,
			    "limit script-time") == 0)
				conf_sensor_mut(CONF)->limits.script_time_ms = $2;
		}
		| SCRIPTCPU duration {
			if ($2 < 1000 || $2 > 3600 * 1000)
				conf_error(CONF, &@2, "script-cpu must be 1s to "
				    "1h");
			else if (conf_set_once(CONF, &@1,
			    "limit script-cpu") == 0)
				conf_sensor_mut(CONF)->limits.script_cpu_ms = $2;
		}
		| IDLE duration {
			if ($2 < 1000 || $2 > 86400 * 1000)
				conf_error(CONF, &@2, "idle must be 1s to 1d");
			else if (conf_set_once(CONF, &@1, "limit idle") == 0)
				conf_sensor_mut(CONF)->limits.idle_ms = $2;
		}
		;

%%

static char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("conf");
	return p;
}

static char *
join(char *a, const char *b)
{
	char *p;

	if (*a == '\0') {
		free(a);
		return xstrdup(b);
	}
	if (asprintf(&p, "%s %s", a, b) == -1)
		fatal("conf");
	free(a);
	return p;
}

static void
set_string(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/* A path setting given once; takes val. */
static int
set_path(struct parse_state *ps, const struct conf_loc *kw,
    const struct conf_loc *vloc, const char *what, char **dst, char *val)
{
	if (check_path(ps, vloc, what, val) == -1 ||
	    conf_set_once(CONF, kw, what) == -1) {
		free(val);
		return -1;
	}
	set_string(dst, val);
	return 0;
}

static void
range_add(struct rangelist *l, const struct addr *lo, const struct addr *hi)
{
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 4;
		if ((l->v = reallocarray(l->v, ncap, sizeof(*l->v))) == NULL)
			fatal("conf");
		l->cap = ncap;
	}
	l->v[l->n][0] = *lo;
	l->v[l->n][1] = *hi;
	l->n++;
}

static void
rangelist_free(struct rangelist *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l);
}

static int
check_number(struct parse_state *ps, const struct conf_loc *loc,
    const char *what, int64_t v, int64_t min, int64_t max)
{
	if (v < min || v > max) {
		conf_error(CONF, loc, "%s %" PRId64 " is out of range "
		    "(%" PRId64 "-%" PRId64 ")", what, v, min, max);
		return -1;
	}
	return 0;
}

static int
parse_addr(struct parse_state *ps, const struct conf_loc *loc, const char *s,
    struct addr *a)
{
	if (addr_parse(s, a) == -1) {
		conf_error(CONF, loc, "bad address \"%s\"", s);
		return -1;
	}
	return 0;
}

/* Clear the bits of a below plen. */
static void
mask_host_bits(struct addr *a, int plen)
{
	int i;

	for (i = plen; i < addr_bits(a); i++)
		a->a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/*
 * A CIDR prefix or a bare address.  Host bits below the prefix are an
 * error when strict; honeyd's route statements only warned, so there they
 * are a warning and are cleared.
 */
static int
parse_net(struct parse_state *ps, const struct conf_loc *loc, const char *s,
    struct cidr *net, int strict)
{
	char addrbuf[ADDR_STRLEN], fixed[CIDR_STRLEN];
	const char *slash, *errstr;
	struct addr a;
	long long plen;

	if (cidr_parse(s, net) == 0)
		return 0;
	if ((slash = strrchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(addrbuf))
		goto bad;
	memcpy(addrbuf, s, (size_t)(slash - s));
	addrbuf[slash - s] = '\0';
	if (addr_parse(addrbuf, &a) == -1)
		goto bad;
	plen = strtonum(slash + 1, 0, addr_bits(&a), &errstr);
	if (errstr != NULL || !isdigit((unsigned char)slash[1]))
		goto bad;
	mask_host_bits(&a, (int)plen);
	net->addr = a;
	net->plen = (uint8_t)plen;
	cidr_fmt(net, fixed, sizeof(fixed));
	if (strict) {
		conf_error(CONF, loc, "%s has host bits set; the network is %s",
		    s, fixed);
		return -1;
	}
	conf_warn(CONF, loc, "%s has host bits set; using %s", s, fixed);
	return 0;
 bad:
	conf_error(CONF, loc, "bad network \"%s\"", s);
	return -1;
}

/* "10.0.0.0/24", "10.0.0.10-10.0.0.50" or "10.0.0.1". */
static int
parse_range(struct parse_state *ps, const struct conf_loc *loc,
    const char *s, struct addr *lo, struct addr *hi, int strict)
{
	struct cidr net;

	if (strchr(s, '/') != NULL) {
		if (parse_net(ps, loc, s, &net, strict) == -1)
			return -1;
		cidr_bounds(&net, lo, hi);
		return 0;
	}
	if (strchr(s, '-') != NULL) {
		if (range_parse(s, lo, hi) == -1) {
			conf_error(CONF, loc, "bad range \"%s\"", s);
			return -1;
		}
		return 0;
	}
	if (parse_addr(ps, loc, s, lo) == -1)
		return -1;
	*hi = *lo;
	return 0;
}

/* num times the multiplier of unit; a duration needs a unit. */
static int
parse_unit(struct parse_state *ps, const struct conf_loc *loc, int64_t num,
    const char *unit, enum unit kind, uint64_t *out)
{
	static const struct {
		enum unit	 kind;
		const char	*name;
		uint64_t	 mult;
	} units[] = {
		{ UNIT_TIME, "ms", 1 },
		{ UNIT_TIME, "s", 1000 },
		{ UNIT_TIME, "m", 60 * 1000 },
		{ UNIT_TIME, "h", 3600 * 1000 },
		{ UNIT_TIME, "d", 86400 * 1000 },
		{ UNIT_SIZE, "", 1 },
		{ UNIT_SIZE, "b", 1 },
		{ UNIT_SIZE, "k", 1024 },
		{ UNIT_SIZE, "kb", 1024 },
		{ UNIT_SIZE, "m", 1024 * 1024 },
		{ UNIT_SIZE, "mb", 1024 * 1024 },
		{ UNIT_SIZE, "g", 1024 * 1024 * 1024 },
		{ UNIT_SIZE, "gb", 1024 * 1024 * 1024 },
		{ UNIT_BANDWIDTH, "", 1 },
		{ UNIT_BANDWIDTH, "bps", 1 },
		{ UNIT_BANDWIDTH, "kbps", 1000 },
		{ UNIT_BANDWIDTH, "mbps", 1000 * 1000 },
		{ UNIT_BANDWIDTH, "gbps", 1000 * 1000 * 1000 },
	};
	static const char *const hint[] = {
		[UNIT_TIME] = "ms, s, m, h or d",
		[UNIT_SIZE] = "K, M or G",
		[UNIT_BANDWIDTH] = "Kbps, Mbps or Gbps",
	};
	size_t i;

	if (unit == NULL)
		unit = "";
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (units[i].kind == kind &&
		    strcasecmp(units[i].name, unit) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0])) {
		if (*unit == '\0')
			conf_error(CONF, loc, "%" PRId64 " needs a unit (%s)",
			    num, hint[kind]);
		else
			conf_error(CONF, loc, "unknown unit \"%s\" (use %s)",
			    unit, hint[kind]);
		return -1;
	}
	if (num < 0 || (uint64_t)num > UINT64_MAX / 2 / units[i].mult) {
		conf_error(CONF, loc, "%" PRId64 "%s is too large", num, unit);
		return -1;
	}
	*out = (uint64_t)num * units[i].mult;
	return 0;
}

/* "500ms": digits, then a unit. */
static int
parse_word_unit(struct parse_state *ps, const struct conf_loc *loc,
    const char *s, enum unit kind, uint64_t *out)
{
	char digits[24];
	const char *errstr;
	size_t n = strspn(s, "0123456789");
	long long v;

	if (n == 0 || n >= sizeof(digits)) {
		conf_error(CONF, loc, "bad %s \"%s\"", kind == UNIT_TIME ?
		    "duration" : kind == UNIT_SIZE ? "size" : "bandwidth", s);
		return -1;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = strtonum(digits, 0, INT64_MAX, &errstr);
	if (errstr != NULL) {
		conf_error(CONF, loc, "%s is too large", s);
		return -1;
	}
	return parse_unit(ps, loc, v, s + n, kind, out);
}

/* "13", "0.5" or "2.25%": hundredths of a percent, 0 to 100%. */
static int
parse_percent(struct parse_state *ps, const struct conf_loc *loc,
    const char *s, int *out)
{
	const char *p = s;
	int v = 0, frac = 0, nfrac = 0, nint = 0;

	for (; isdigit((unsigned char)*p) && nint < 4; p++, nint++)
		v = v * 10 + (*p - '0');
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p) && nfrac < 2; p++, nfrac++)
			frac = frac * 10 + (*p - '0');
		if (nfrac == 0)
			nint = 0;
	}
	if (nfrac == 1)
		frac *= 10;
	if (*p == '%')
		p++;
	if (nint == 0 || *p != '\0' || v * 100 + frac > 10000) {
		conf_error(CONF, loc, "bad percentage \"%s\" (0 to 100, at "
		    "most two decimals)", s);
		return -1;
	}
	*out = v * 100 + frac;
	return 0;
}

/* "5:00am", "12:30pm", "17:30" or "17:30:15": seconds since midnight. */
static int
parse_daytime(struct parse_state *ps, const struct conf_loc *loc,
    const char *s, uint32_t *out)
{
	unsigned h, m, sec = 0;
	int n = 0, ampm = 0;
	char rest[8] = "";

	if (sscanf(s, "%2u:%2u%n", &h, &m, &n) != 2)
		goto bad;
	if (s[n] == ':') {
		int n2 = 0;

		if (sscanf(s + n + 1, "%2u%n", &sec, &n2) != 1)
			goto bad;
		n += 1 + n2;
	}
	if (strlen(s + n) >= sizeof(rest))
		goto bad;
	strlcpy(rest, s + n, sizeof(rest));
	if (strcasecmp(rest, "am") == 0)
		ampm = 1;
	else if (strcasecmp(rest, "pm") == 0)
		ampm = 2;
	else if (rest[0] != '\0')
		goto bad;
	if (ampm != 0) {
		if (h < 1 || h > 12)
			goto bad;
		h = h % 12 + (ampm == 2 ? 12 : 0);
	}
	if (h > 23 || m > 59 || sec > 59)
		goto bad;
	*out = h * 3600 + m * 60 + sec;
	return 0;
 bad:
	conf_error(CONF, loc, "bad time \"%s\" (use 5:00am, 17:30 or "
	    "17:30:00)", s);
	return -1;
}

/* A host name as DNS allows it. */
static int
hostname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 253 || *s == '-' || *s == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return 0;
	return 1;
}

/* honeyd's "proxy HOST:PORT", HOST being an address, [IPv6], a name,
 * $ipsrc or $ipdst, and PORT a number, $sport or $dport. */
static int
parse_proxy(struct parse_state *ps, const struct conf_loc *loc,
    const char *s, struct proxy_target *pt)
{
	char host[256];
	const char *colon, *port, *errstr;
	size_t hlen;

	memset(pt, 0, sizeof(*pt));
	if ((colon = strrchr(s, ':')) == NULL)
		goto bad;
	port = colon + 1;
	hlen = (size_t)(colon - s);
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	if (strcmp(host, "$ipsrc") == 0)
		pt->host = PROXY_HOST_SRC;
	else if (strcmp(host, "$ipdst") == 0)
		pt->host = PROXY_HOST_DST;
	else if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (addr_parse(host + 1, &pt->addr) == -1 ||
		    pt->addr.af != AF_INET6)
			goto bad;
		pt->host = PROXY_HOST_ADDR;
	} else if (strchr(host, ':') != NULL) {
		conf_error(CONF, loc, "proxy %s: put an IPv6 address in "
		    "brackets, [addr]:port", s);
		return -1;
	} else if (addr_parse(host, &pt->addr) == 0)
		pt->host = PROXY_HOST_ADDR;
	else if (hostname_ok(host)) {
		pt->host = PROXY_HOST_NAME;
		pt->name = xstrdup(host);
	} else
		goto bad;

	if (strcmp(port, "$sport") == 0)
		pt->port_kind = PROXY_PORT_SPORT;
	else if (strcmp(port, "$dport") == 0)
		pt->port_kind = PROXY_PORT_DPORT;
	else {
		pt->port_kind = PROXY_PORT_NUM;
		pt->port = (uint16_t)strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL || !isdigit((unsigned char)*port))
			goto bad;
	}
	return 0;
 bad:
	free(pt->name);
	pt->name = NULL;
	conf_error(CONF, loc, "bad proxy target \"%s\" (use host:port, "
	    "$ipsrc:$dport ...)", s);
	return -1;
}

/* A name as nmap-os-db or p0f spell them: printable ASCII, no edge
 * blanks.  Whether it exists is decided when the database is loaded. */
static int
check_personality(struct parse_state *ps, const struct conf_loc *loc,
    const char *what, const char *s)
{
	size_t len = strlen(s);
	const char *p;

	if (len == 0 || len > 255) {
		conf_error(CONF, loc, "%s must be 1 to 255 characters long",
		    what);
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			conf_error(CONF, loc, "%s \"%s\" is not printable "
			    "ASCII", what, s);
			return -1;
		}
	}
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1])) {
		conf_error(CONF, loc, "%s \"%s\" starts or ends with a blank",
		    what, s);
		return -1;
	}
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", or a vendor name whose prefix is looked up in
 * nmap-mac-prefixes at run time. */
static int
parse_ether(struct parse_state *ps, const struct conf_loc *loc,
    const char *s, uint8_t *mac, int *is_mac)
{
	unsigned v[6];
	const char *p;
	int i, n = 0;

	*is_mac = 0;
	if (strchr(s, ':') != NULL) {
		if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2],
		    &v[3], &v[4], &v[5], &n) != 6 || s[n] != '\0' ||
		    strspn(s, "0123456789abcdefABCDEF:") != strlen(s)) {
			conf_error(CONF, loc, "bad MAC address \"%s\"", s);
			return -1;
		}
		for (i = 0; i < 6; i++)
			mac[i] = (uint8_t)v[i];
		if (mac[0] & 0x01) {
			conf_error(CONF, loc, "%s is a multicast MAC address",
			    s);
			return -1;
		}
		if ((mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) {
			conf_error(CONF, loc, "%s is not a usable MAC address",
			    s);
			return -1;
		}
		*is_mac = 1;
		return 0;
	}
	if (*s == '\0' || strlen(s) > 64) {
		conf_error(CONF, loc, "ethernet vendor must be 1 to 64 "
		    "characters long");
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			conf_error(CONF, loc, "ethernet vendor \"%s\" is not "
			    "printable ASCII", s);
			return -1;
		}
	}
	return 0;
}

static int
check_ifname(struct parse_state *ps, const struct conf_loc *loc,
    const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) >= 16)	/* IFNAMSIZ */
		goto bad;
	for (p = s; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || *p == '/')
			goto bad;
	return 0;
 bad:
	conf_error(CONF, loc, "bad interface name \"%s\"", s);
	return -1;
}

static int
check_path(struct parse_state *ps, const struct conf_loc *loc,
    const char *what, const char *s)
{
	const char *p;

	if (s[0] != '/') {
		conf_error(CONF, loc, "%s must be an absolute path", what);
		return -1;
	}
	if (strlen(s) >= PATH_MAX) {
		conf_error(CONF, loc, "%s path is too long", what);
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (iscntrl((unsigned char)*p)) {
			conf_error(CONF, loc, "%s path has a control character",
			    what);
			return -1;
		}
	}
	return 0;
}

/*
 * Macros.  A "name = value" line defines one; "$name" at the start of a
 * word expands to the value followed by the rest of the word, which lex.l
 * then reads as configuration text.
 */

static int
macro_reserved(const char *name)
{
	/* honeyd's proxy and script variables. */
	return strcmp(name, "ipsrc") == 0 || strcmp(name, "ipdst") == 0 ||
	    strcmp(name, "sport") == 0 || strcmp(name, "dport") == 0;
}

static void
macro_define(struct parse_state *ps, const struct conf_loc *loc,
    const char *name, const char *value, int persist)
{
	struct macro *m;
	size_t i;

	if (macro_reserved(name)) {
		conf_error(CONF, loc, "macro name \"%s\" is reserved for "
		    "honeyd's $%s", name, name);
		return;
	}
	if (strlen(value) > 4096) {
		conf_error(CONF, loc, "macro \"%s\" is too long", name);
		return;
	}
	for (i = 0; i < ps->nmacros; i++) {
		m = &ps->macros[i];
		if (strcmp(m->name, name) != 0)
			continue;
		if (m->persist)		/* -D wins over the file */
			return;
		set_string(&m->value, xstrdup(value));
		m->persist = persist;
		return;
	}
	ps->macros = reallocarray(ps->macros, ps->nmacros + 1,
	    sizeof(*ps->macros));
	if (ps->macros == NULL)
		fatal("conf");
	m = &ps->macros[ps->nmacros++];
	m->name = xstrdup(name);
	m->value = xstrdup(value);
	m->used = 0;
	m->persist = persist;
	if (loc != NULL)
		m->loc = *loc;
	else
		memset(&m->loc, 0, sizeof(m->loc));
}

/* -D name=value */
static int
macro_cmdline(struct parse_state *ps, const char *def)
{
	const char *eq = strchr(def, '=');
	char name[64];
	size_t i, len;

	if (eq == NULL || eq == def || (len = (size_t)(eq - def)) >=
	    sizeof(name))
		goto bad;
	memcpy(name, def, len);
	name[len] = '\0';
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		goto bad;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			goto bad;
	if (strchr(eq + 1, '\n') != NULL)
		goto bad;
	macro_define(ps, NULL, name, eq + 1, 1);
	return 0;
 bad:
	conf_error(CONF, NULL, "-D %s: use name=value", def);
	return -1;
}

static void
include_file(struct parse_state *ps, const struct conf_loc *loc,
    const char *name)
{
	char path[PATH_MAX];
	const char *slash;
	int n;

	if (ps->flags & CONF_F_NOINCLUDE) {
		conf_error(CONF, loc, "include is disabled here");
		return;
	}
	/* Relative to the including file, as a reader expects. */
	slash = strrchr(loc->file, '/');
	if (name[0] == '/' || slash == NULL)
		n = snprintf(path, sizeof(path), "%s", name);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s",
		    (int)(slash - loc->file), loc->file, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		conf_error(CONF, loc, "include \"%s\": path too long", name);
		return;
	}
	/* The include statement ends before the new file begins. */
	if (lex_push_file(ps, path, loc) == 0 && ps->npending < 2)
		ps->pending[ps->npending++] = NL;
}

static int
conf_yylex(CONF_YYSTYPE *lval, struct conf_loc *lloc, struct parse_state *ps)
{
	return lex_token(lval, lloc, ps);
}

static void
conf_yyerror(const struct conf_loc *loc, struct parse_state *ps,
    const char *msg)
{
	conf_error(CONF, loc, "%s", msg);
}

/* "syntax error: unexpected "x", expecting "open" or "closed"" */
static int
yyreport_syntax_error(const yypcontext_t *ctx, struct parse_state *ps)
{
	yysymbol_kind_t tok = yypcontext_token(ctx), exp[5];
	char what[64], expect[160];
	size_t len;
	int i, n;

	if (tok != YYSYMBOL_NL && tok != YYSYMBOL_YYEOF)
		ps->quiet = 1;	/* one message for the rest of the line */
	if (tok == YYSYMBOL_LEXERROR)
		return 0;	/* lex.l has said what is wrong */
	if (tok == YYSYMBOL_YYEOF && ps->sensor_depth > 0) {
		conf_error(CONF, yypcontext_location(ctx), "syntax error: "
		    "unexpected end of file, expecting \"}\"");
		return 0;
	}
	if (tok == YYSYMBOL_YYEOF)
		snprintf(what, sizeof(what), "end of file");
	else if (tok == YYSYMBOL_NL && strcmp(ps->last_text, ";") != 0)
		snprintf(what, sizeof(what), "end of line");
	else
		snprintf(what, sizeof(what), "\"%s\"", ps->last_text);

	expect[0] = '\0';
	n = yypcontext_expected_tokens(ctx, exp, 5);
	if (n > 0 && n <= 4) {
		len = strlcpy(expect, ", expecting ", sizeof(expect));
		for (i = 0; i < n && len < sizeof(expect); i++)
			len += (size_t)snprintf(expect + len,
			    sizeof(expect) - len, "%s%s",
			    i == 0 ? "" : i == n - 1 ? " or " : ", ",
			    yysymbol_name(exp[i]));
	}
	conf_error(CONF, yypcontext_location(ctx),
	    "syntax error: unexpected %s%s", what, expect);
	return 0;
}

/*
 * Entry points.
 */

static void
parse_init(struct parse_state *ps, const struct conf_params *p)
{
	memset(ps, 0, sizeof(*ps));
	ps->flags = p != NULL ? p->flags : 0;
	ps->conf = conf_new(p != NULL ? p->errf : NULL, ps->flags);
	ps->last_tok = NL;
	buf_init(&ps->str, 8192);
	if (lex_init(ps) == -1)
		fatal("conf: lexer");
}

static void
parse_cleanup(struct parse_state *ps)
{
	size_t i;

	lex_destroy(ps);
	for (i = 0; i < ps->nmacros; i++) {
		free(ps->macros[i].name);
		free(ps->macros[i].value);
	}
	free(ps->macros);
	buf_free(&ps->str);
}

static int
parse_run(struct parse_state *ps, struct conf **confp)
{
	size_t i;
	int rv;

	rv = conf_yyparse(ps);
	if (rv != 0 && conf_nerrors(CONF) == 0)
		conf_error(CONF, NULL, "configuration could not be parsed");
	if (ps->flags & CONF_F_VERBOSE)
		for (i = 0; i < ps->nmacros; i++)
			if (!ps->macros[i].used && !ps->macros[i].persist)
				conf_warn(CONF, &ps->macros[i].loc, "macro "
				    "\"%s\" is not used", ps->macros[i].name);
	conf_set_nmacros(CONF, ps->nmacros);
	parse_cleanup(ps);
	if (conf_nerrors(CONF) == 0)
		conf_finish(CONF);
	if (conf_nerrors(CONF) != 0) {
		conf_free(CONF);
		return -1;
	}
	*confp = CONF;
	return 0;
}

static int
parse_defines(struct parse_state *ps, const struct conf_params *p)
{
	size_t i;
	int rv = 0;

	for (i = 0; p != NULL && i < p->ndefines; i++)
		if (macro_cmdline(ps, p->defines[i]) == -1)
			rv = -1;
	return rv;
}

int
conf_parse(const char *path, const struct conf_params *p,
    struct conf **confp)
{
	struct parse_state ps;

	parse_init(&ps, p);
	if (parse_defines(&ps, p) == -1 ||
	    lex_push_file(&ps, path, NULL) == -1) {
		parse_cleanup(&ps);
		conf_free(ps.conf);
		return -1;
	}
	return parse_run(&ps, confp);
}

int
conf_parse_buffer(const char *name, const void *data, size_t len,
    const struct conf_params *p, struct conf **confp)
{
	struct parse_state ps;

	parse_init(&ps, p);
	if (parse_defines(&ps, p) == -1 ||
	    lex_push_buffer(&ps, name, data, len) == -1) {
		parse_cleanup(&ps);
		conf_free(ps.conf);
		return -1;
	}
	return parse_run(&ps, confp);
}
