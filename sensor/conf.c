/*
 * The configuration data model: templates and their port tables, the
 * address -> template bindings, claims, the sensor block with its
 * defaults, honeyd's stored-but-idle statements, the -n summary, and the
 * semantic checks that need more than one statement to decide.
 *
 * parse.y builds a struct conf through the conf_* and template_* calls
 * below; conf_finish() freezes it.  Out of memory is fatal here, as in
 * every OpenBSD parse.y: a configuration that cannot be held cannot run.
 */
#include <sys/tree.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

#define KIB		((uint64_t)1024)
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)

/* Defaults; dias-sensor.conf(5) documents each. */
#define DEF_PROBES		2
#define DEF_PROBE_MS		500
#define DEF_CA			"/etc/dias/ca.crt"
#define DEF_CERT		"/etc/dias/sensor.crt"
#define DEF_KEY			"/etc/dias/sensor.key"
#define DEF_HEARTBEAT_MS	(60 * 1000)
#define DEF_SPOOL		"/var/spool/dias/events"
#define DEF_SPOOL_MAX		(1 * GIB)
#define DEF_SYNC_RECORDS	4096
#define DEF_SYNC_MS		50
#define DEF_CAPTURE		"/var/spool/dias/capture"
#define DEF_CAPTURE_MAX		(4 * GIB)
#define DEF_CONNECTIONS		8192
#define DEF_RATE		200
#define DEF_PAYLOAD		(64 * KIB)
#define DEF_REASSEMBLY		(256 * KIB)
#define DEF_SCRIPTS		32
#define DEF_SCRIPT_TIME_MS	(60 * 1000)
#define DEF_SCRIPT_CPU_MS	(10 * 1000)
#define DEF_IDLE_MS		(60 * 1000)
#define DEF_USER		"_dias"
#define DEF_CHROOT		"/var/lib/dias/empty"

#define MAX_ONCE		48
#define MAX_NOTYET		32

/* A bound range while parsing; conf_finish() flattens the tree. */
struct bind_node {
	RB_ENTRY(bind_node)	 entry;
	struct addr		 lo, hi;
	struct template		*tmpl;
	struct conf_loc		 loc;
};
RB_HEAD(bind_tree, bind_node);

struct name_node {
	RB_ENTRY(name_node)	 entry;
	struct template		*tmpl;
};
RB_HEAD(name_tree, name_node);

struct binding {
	struct addr		 lo, hi;
	const struct template	*tmpl;
};

struct conf {
	FILE			*errf;
	int			 flags;
	int			 nerrors, nwarnings;

	char			**files;	/* names used in conf_loc */
	size_t			 nfiles;

	TAILQ_HEAD(, template)	 templates;
	struct name_tree	 names;		/* named templates only */
	struct bind_tree	 btree;		/* until conf_finish() */
	struct binding		*bindings;	/* after conf_finish() */
	size_t			 nbindings;
	struct addrset		*bound, *claim, *management;
	struct conf_loc		 claim_loc;

	struct sensor_conf	 sensor;
	struct {
		const char	*setting;
		struct conf_loc	 loc;
	}			 once[MAX_ONCE];
	size_t			 nonce;
	struct {
		const char	*what;
		size_t		 count;
	}			 notyet[MAX_NOTYET];
	size_t			 nnotyet;

	struct conf_route	*routes;
	size_t			 nroutes, routes_cap;
	struct conf_dhcp	*dhcp;
	size_t			 ndhcp, dhcp_cap;
	struct conf_option	*options;
	size_t			 noptions, options_cap;
	struct conf_annotation	*annotations;
	size_t			 nannotations, annotations_cap;
	size_t			 nmacros;
	int			 finished;
};

static int
bind_cmp(struct bind_node *a, struct bind_node *b)
{
	return addr_cmp(&a->lo, &b->lo);
}
RB_GENERATE_INTERNAL(bind_tree, bind_node, entry, bind_cmp,
    __attribute__((__unused__)) static)

static int
name_cmp(struct name_node *a, struct name_node *b)
{
	return strcmp(a->tmpl->name, b->tmpl->name);
}
RB_GENERATE_INTERNAL(name_tree, name_node, entry, name_cmp,
    __attribute__((__unused__)) static)

static void	 template_free(struct template *);

/*
 * Memory.
 */

static void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n, size)) == NULL)
		fatal("conf");
	return p;
}

static char *
xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		fatal("conf");
	return p;
}

/* Make room for one more element in a growable array. */
static void *
grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 8;
	if ((v = reallocarray(v, ncap, size)) == NULL)
		fatal("conf");
	*cap = ncap;
	return v;
}

static struct addrset *
xaddrset(void)
{
	struct addrset *s;

	if ((s = addrset_new()) == NULL)
		fatal("conf");
	return s;
}

/*
 * Messages.
 */

static void	 vmsg(struct conf *, const struct conf_loc *, const char *,
		    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
vmsg(struct conf *conf, const struct conf_loc *loc, const char *kind,
    const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (loc != NULL && loc->file != NULL)
		fprintf(conf->errf, "%s:%d: %s%s\n", loc->file, loc->line,
		    kind, msg);
	else
		fprintf(conf->errf, "%s%s\n", kind, msg);
}

void
conf_error(struct conf *conf, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	conf->nerrors++;
	va_start(ap, fmt);
	vmsg(conf, loc, "", fmt, ap);
	va_end(ap);
}

void
conf_warn(struct conf *conf, const struct conf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	conf->nwarnings++;
	va_start(ap, fmt);
	vmsg(conf, loc, "warning: ", fmt, ap);
	va_end(ap);
}

/* what is a string literal of parse.y's, so it is kept by pointer. */
void
conf_notyet(struct conf *conf, const struct conf_loc *loc, const char *what)
{
	size_t i;

	conf_warn(conf, loc, "%s is parsed but not yet acted on", what);
	for (i = 0; i < conf->nnotyet; i++)
		if (strcmp(conf->notyet[i].what, what) == 0)
			break;
	if (i == conf->nnotyet) {
		if (i == MAX_NOTYET)
			fatalx("conf: too many kinds of idle statements");
		conf->notyet[i].what = what;
		conf->nnotyet++;
	}
	conf->notyet[i].count++;
}

int
conf_nerrors(const struct conf *conf)
{
	return conf->nerrors;
}

const char *
conf_intern_file(struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nfiles; i++)
		if (strcmp(conf->files[i], name) == 0)
			return conf->files[i];
	conf->files = reallocarray(conf->files, conf->nfiles + 1,
	    sizeof(*conf->files));
	if (conf->files == NULL)
		fatal("conf");
	conf->files[conf->nfiles] = xstrdup(name);
	return conf->files[conf->nfiles++];
}

/* setting is a string literal of parse.y's. */
int
conf_set_once(struct conf *conf, const struct conf_loc *loc,
    const char *setting)
{
	size_t i;

	for (i = 0; i < conf->nonce; i++) {
		if (strcmp(conf->once[i].setting, setting) != 0)
			continue;
		conf_error(conf, loc, "%s is already set at %s:%d", setting,
		    conf->once[i].loc.file, conf->once[i].loc.line);
		return -1;
	}
	if (conf->nonce == MAX_ONCE)
		fatalx("conf: too many settings");
	conf->once[conf->nonce].setting = setting;
	conf->once[conf->nonce].loc = *loc;
	conf->nonce++;
	return 0;
}

/*
 * Addresses and ranges.
 */

/* Addresses in [lo, hi], saturating at UINT64_MAX. */
static uint64_t
range_count(const struct addr *lo, const struct addr *hi)
{
	unsigned __int128 a = 0, b = 0, d;
	int i, n = addr_bits(lo) / 8;

	for (i = 0; i < n; i++) {
		a = (a << 8) | lo->a[i];
		b = (b << 8) | hi->a[i];
	}
	d = b - a;
	if (d >= UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)d + 1;
}

/* The prefix length if [lo, hi] is exactly one prefix, else -1. */
static int
range_plen(const struct addr *lo, const struct addr *hi)
{
	int bits = addr_bits(lo), plen, i;
	int bit;

	for (plen = 0; plen < bits; plen++) {
		i = plen / 8;
		bit = 0x80 >> (plen % 8);
		if ((lo->a[i] & bit) != (hi->a[i] & bit))
			break;
	}
	for (i = plen; i < bits; i++) {
		bit = 0x80 >> (i % 8);
		if ((lo->a[i / 8] & bit) != 0 || (hi->a[i / 8] & bit) == 0)
			return -1;
	}
	return plen;
}

/* "a", "a/len" or "lo-hi", whichever says [lo, hi] exactly. */
static char *
range_fmt(const struct addr *lo, const struct addr *hi, char *buf,
    size_t len)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	int plen;

	addr_fmt(lo, a, sizeof(a));
	if (addr_eq(lo, hi))
		snprintf(buf, len, "%s", a);
	else if ((plen = range_plen(lo, hi)) >= 0)
		snprintf(buf, len, "%s/%d", a, plen);
	else {
		addr_fmt(hi, b, sizeof(b));
		snprintf(buf, len, "%s-%s", a, b);
	}
	return buf;
}

/* Does set hold any address of [lo, hi]?  A binary search over its
 * ranges, which are sorted in addr_cmp order. */
static int
set_overlaps(const struct addrset *set, const struct addr *lo,
    const struct addr *hi)
{
	struct addr rlo, rhi;
	size_t l = 0, h = addrset_nranges(set), m;

	while (l < h) {
		m = l + (h - l) / 2;
		addrset_range(set, m, &rlo, &rhi);
		if (addr_cmp(&rhi, lo) < 0)
			l = m + 1;
		else
			h = m;
	}
	if (l == addrset_nranges(set))
		return 0;
	addrset_range(set, l, &rlo, &rhi);
	return rlo.af == lo->af && addr_cmp(&rlo, hi) <= 0;
}

/*
 * Actions.
 */

void
action_clear(struct action *a)
{
	free(a->arg);
	free(a->proxy.name);
	memset(a, 0, sizeof(*a));
}

static void
action_copy(struct action *dst, const struct action *src)
{
	*dst = *src;
	dst->arg = xstrdup(src->arg);
	dst->proxy.name = xstrdup(src->proxy.name);
}

const char *
action_kind_name(enum action_kind k)
{
	switch (k) {
	case ACTION_OPEN:
		return "open";
	case ACTION_CLOSED:
		return "closed";
	case ACTION_FILTERED:
		return "filtered";
	case ACTION_SCRIPT:
		return "script";
	case ACTION_INTERNAL:
		return "internal";
	case ACTION_PROXY:
		return "proxy";
	}
	return "?";
}

const char *
conf_proto_name(enum conf_proto p)
{
	switch (p) {
	case PROTO_TCP:
		return "tcp";
	case PROTO_UDP:
		return "udp";
	case PROTO_ICMP:
		return "icmp";
	case PROTO_MAX:
		break;
	}
	return "?";
}

/*
 * Templates.
 */

static struct template *
template_alloc(const char *name, unsigned flags, const struct conf_loc *loc)
{
	struct template *t;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->flags = flags;
	t->loc = *loc;
	t->uptime = -1;
	t->droprate_in = t->droprate_syn = -1;
	/* A host with nothing listening: RST, port unreachable, pings. */
	t->defaults[PROTO_TCP].kind = ACTION_CLOSED;
	t->defaults[PROTO_UDP].kind = ACTION_CLOSED;
	t->defaults[PROTO_ICMP].kind = ACTION_OPEN;
	return t;
}

static void
cond_clear(struct template_cond *c)
{
	free(c->os);
	c->os = NULL;
}

static void
template_free(struct template *t)
{
	size_t i, p;

	if (t == NULL)
		return;
	for (p = 0; p < 2; p++) {
		for (i = 0; i < t->ports[p].n; i++)
			action_clear(&t->ports[p].v[i].action);
		free(t->ports[p].v);
	}
	for (p = 0; p < PROTO_MAX; p++)
		action_clear(&t->defaults[p]);
	for (i = 0; i < t->nrules; i++)
		cond_clear(&t->rules[i].cond);
	free(t->rules);
	for (i = 0; i < t->nsubsystems; i++)
		free(t->subsystems[i].cmd);
	free(t->subsystems);
	free(t->name);
	free(t->personality);
	free(t->ether_vendor);
	free(t->external_if);
	free(t);
}

/* A deep copy of src named name; bindings and references stay behind. */
static struct template *
template_copy(const struct template *src, const char *name, unsigned flags,
    const struct conf_loc *loc)
{
	struct template *t;
	size_t i, p;

	t = template_alloc(name, flags, loc);
	t->origin = src;
	t->personality = xstrdup(src->personality);
	t->personality_random = src->personality_random;
	t->ether_vendor = xstrdup(src->ether_vendor);
	memcpy(t->mac, src->mac, sizeof(t->mac));
	t->has_mac = src->has_mac;
	t->uptime = src->uptime;
	for (p = 0; p < PROTO_MAX; p++)
		action_copy(&t->defaults[p], &src->defaults[p]);
	for (p = 0; p < 2; p++) {
		t->ports[p].n = t->ports[p].cap = src->ports[p].n;
		if (src->ports[p].n == 0)
			continue;
		t->ports[p].v = xcalloc(src->ports[p].n, sizeof(*t->ports[p].v));
		for (i = 0; i < src->ports[p].n; i++) {
			t->ports[p].v[i] = src->ports[p].v[i];
			action_copy(&t->ports[p].v[i].action,
			    &src->ports[p].v[i].action);
			t->ports[p].v[i].inherited = 1;
		}
	}
	if (src->nrules > 0) {
		t->rules = xcalloc(src->nrules, sizeof(*t->rules));
		for (i = 0; i < src->nrules; i++) {
			t->rules[i] = src->rules[i];
			t->rules[i].cond.os = xstrdup(src->rules[i].cond.os);
			t->rules[i].use->refs++;
		}
		t->nrules = src->nrules;
	}
	t->maxfds = src->maxfds;
	t->uid = src->uid;
	t->gid = src->gid;
	t->droprate_in = src->droprate_in;
	t->droprate_syn = src->droprate_syn;
	t->has_spoof_src = src->has_spoof_src;
	t->has_spoof_dst = src->has_spoof_dst;
	t->spoof_src = src->spoof_src;
	t->spoof_dst = src->spoof_dst;
	if (src->nsubsystems > 0) {
		t->subsystems = xcalloc(src->nsubsystems,
		    sizeof(*t->subsystems));
		for (i = 0; i < src->nsubsystems; i++) {
			t->subsystems[i] = src->subsystems[i];
			t->subsystems[i].cmd = xstrdup(src->subsystems[i].cmd);
		}
		t->nsubsystems = src->nsubsystems;
	}
	return t;
}

static struct template *
name_find(const struct conf *conf, const char *name)
{
	struct template key;
	struct name_node nkey, *n;

	key.name = (char *)(uintptr_t)name;	/* the key is only read */
	nkey.tmpl = &key;
	n = RB_FIND(name_tree, (struct name_tree *)(uintptr_t)&conf->names,
	    &nkey);
	return n ? n->tmpl : NULL;
}

static void
name_insert(struct conf *conf, struct template *t)
{
	struct name_node *n;

	n = xcalloc(1, sizeof(*n));
	n->tmpl = t;
	if (RB_INSERT(name_tree, &conf->names, n) != NULL)
		fatalx("conf: template name inserted twice");
}

static void
name_remove(struct conf *conf, struct template *t)
{
	struct name_node nkey, *n;

	nkey.tmpl = t;
	if ((n = RB_FIND(name_tree, &conf->names, &nkey)) == NULL)
		return;
	RB_REMOVE(name_tree, &conf->names, n);
	free(n);
}

/* Printable, no blanks, and not an address (addresses name bindings). */
static int
name_check(struct conf *conf, const struct conf_loc *loc, const char *name)
{
	struct addr a;
	const char *p;
	size_t len = strlen(name);

	if (len == 0 || len > 64) {
		conf_error(conf, loc, "template name must be 1 to 64 "
		    "characters long");
		return -1;
	}
	for (p = name; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p)) {
			conf_error(conf, loc, "template name \"%s\" has a "
			    "blank or control character", name);
			return -1;
		}
	}
	if (addr_parse(name, &a) == 0) {
		conf_error(conf, loc, "template name %s is an address; "
		    "bind the address to a template instead", name);
		return -1;
	}
	return 0;
}

struct template *
conf_template_create(struct conf *conf, const struct conf_loc *loc,
    const char *name, unsigned flags)
{
	struct template *t;

	if (name_check(conf, loc, name) == -1)
		return NULL;
	if ((t = name_find(conf, name)) != NULL) {
		conf_error(conf, loc, "template \"%s\" is already defined at "
		    "%s:%d", name, t->loc.file, t->loc.line);
		return NULL;
	}
	t = template_alloc(name, flags, loc);
	name_insert(conf, t);
	TAILQ_INSERT_TAIL(&conf->templates, t, entry);
	return t;
}

/*
 * Bindings.
 */

/* The node whose range holds a, or NULL. */
static struct bind_node *
bind_find(const struct conf *conf, const struct addr *a)
{
	struct bind_tree *tree = (struct bind_tree *)(uintptr_t)&conf->btree;
	struct bind_node key, *n;

	key.lo = *a;
	n = RB_NFIND(bind_tree, tree, &key);
	if (n != NULL && addr_eq(&n->lo, a))
		return n;
	n = n ? RB_PREV(bind_tree, tree, n) : RB_MAX(bind_tree, tree);
	if (n != NULL && n->lo.af == a->af && addr_cmp(a, &n->hi) <= 0)
		return n;
	return NULL;
}

/* A node overlapping [lo, hi], or NULL: the one starting last at or
 * before hi is the only candidate, as nodes are disjoint. */
static struct bind_node *
bind_overlap(struct conf *conf, const struct addr *lo, const struct addr *hi)
{
	struct bind_node key, *n;

	key.lo = *hi;
	n = RB_NFIND(bind_tree, &conf->btree, &key);
	if (n != NULL && addr_eq(&n->lo, hi))
		return n;
	n = n ? RB_PREV(bind_tree, &conf->btree, n) :
	    RB_MAX(bind_tree, &conf->btree);
	if (n != NULL && n->lo.af == lo->af && addr_cmp(&n->hi, lo) >= 0)
		return n;
	return NULL;
}

static struct bind_node *
bind_insert(struct conf *conf, const struct conf_loc *loc,
    const struct addr *lo, const struct addr *hi, struct template *t)
{
	struct bind_node *n;

	n = xcalloc(1, sizeof(*n));
	n->lo = *lo;
	n->hi = *hi;
	n->tmpl = t;
	n->loc = *loc;
	if (RB_INSERT(bind_tree, &conf->btree, n) != NULL)
		fatalx("conf: overlapping bindings");
	t->refs++;
	if (t->bound_at.line == 0)
		t->bound_at = *loc;
	return n;
}

/* Cut n so that a has a node of its own, and return that node. */
static struct bind_node *
bind_split(struct conf *conf, struct bind_node *n, const struct addr *a)
{
	struct addr lo = n->lo, hi = n->hi, x;

	if (addr_eq(&lo, a) && addr_eq(&hi, a))
		return n;
	RB_REMOVE(bind_tree, &conf->btree, n);
	n->lo = n->hi = *a;
	if (RB_INSERT(bind_tree, &conf->btree, n) != NULL)
		fatalx("conf: overlapping bindings");
	if (addr_cmp(&lo, a) < 0) {
		x = *a;
		addr_dec(&x);
		bind_insert(conf, &n->loc, &lo, &x, n->tmpl);
	}
	if (addr_cmp(a, &hi) < 0) {
		x = *a;
		addr_inc(&x);
		bind_insert(conf, &n->loc, &x, &hi, n->tmpl);
	}
	return n;
}

/* "already bound to ..." */
static const char *
bound_to(const struct bind_node *n, char *buf, size_t len)
{
	if (n->tmpl->flags & TEMPLATE_EXTERNAL)
		snprintf(buf, len, "an external host on %s",
		    n->tmpl->external_if);
	else
		snprintf(buf, len, "\"%s\"", n->tmpl->name);
	return buf;
}

static void
template_unlink(struct conf *conf, struct template *t)
{
	size_t i;

	for (i = 0; i < t->nrules; i++)
		t->rules[i].use->refs--;
	if (!(t->flags & TEMPLATE_ADDRESS))
		name_remove(conf, t);
	TAILQ_REMOVE(&conf->templates, t, entry);
	template_free(t);
}

int
conf_bind(struct conf *conf, const struct conf_loc *loc,
    const struct addr *lo, const struct addr *hi, struct template *t)
{
	struct bind_node *n;
	struct addr first;
	char a[ADDR_STRLEN], desc[64];

	if (t == NULL)
		return -1;
	if (t->flags & TEMPLATE_ADDRESS) {
		conf_error(conf, loc, "%s is the own template of one "
		    "address; clone it to bind more", t->name);
		return -1;
	}
	if ((n = bind_overlap(conf, lo, hi)) != NULL) {
		first = addr_cmp(&n->lo, lo) > 0 ? n->lo : *lo;
		addr_fmt(&first, a, sizeof(a));
		conf_error(conf, loc, "%s is already bound to %s at %s:%d", a,
		    bound_to(n, desc, sizeof(desc)), n->loc.file, n->loc.line);
		return -1;
	}
	bind_insert(conf, loc, lo, hi, t);
	return 0;
}

int
conf_bind_external(struct conf *conf, const struct conf_loc *loc,
    const struct addr *a, const char *ifname)
{
	struct template *t;
	struct bind_node *n;
	char name[ADDR_STRLEN], desc[64];

	if ((n = bind_find(conf, a)) != NULL) {
		addr_fmt(a, name, sizeof(name));
		conf_error(conf, loc, "%s is already bound to %s at %s:%d",
		    name, bound_to(n, desc, sizeof(desc)), n->loc.file,
		    n->loc.line);
		return -1;
	}
	addr_fmt(a, name, sizeof(name));
	t = template_alloc(name, TEMPLATE_EXTERNAL | TEMPLATE_ADDRESS, loc);
	t->external_if = xstrdup(ifname);
	TAILQ_INSERT_TAIL(&conf->templates, t, entry);
	bind_insert(conf, loc, a, a, t);
	return 0;
}

int
conf_unbind(struct conf *conf, const struct conf_loc *loc,
    const struct addr *a)
{
	struct bind_node *n;
	struct template *t;
	char name[ADDR_STRLEN];

	if ((n = bind_find(conf, a)) == NULL) {
		addr_fmt(a, name, sizeof(name));
		conf_error(conf, loc, "%s is not bound", name);
		return -1;
	}
	n = bind_split(conf, n, a);
	RB_REMOVE(bind_tree, &conf->btree, n);
	t = n->tmpl;
	free(n);
	if (--t->refs == 0 && (t->flags & TEMPLATE_ADDRESS))
		template_unlink(conf, t);
	return 0;
}

struct template *
conf_template_ref(struct conf *conf, const struct conf_loc *loc,
    const char *name, enum tref how)
{
	struct template *t, *copy;
	struct bind_node *n;
	struct addr a;
	char astr[ADDR_STRLEN];

	if (addr_parse(name, &a) == 0) {
		addr_fmt(&a, astr, sizeof(astr));
		if ((n = bind_find(conf, &a)) == NULL) {
			conf_error(conf, loc, "%s is not bound", astr);
			return NULL;
		}
		t = n->tmpl;
		if (t->flags & TEMPLATE_EXTERNAL) {
			conf_error(conf, loc, "%s is bound to an external host "
			    "on %s", astr, t->external_if);
			return NULL;
		}
		if ((how == TREF_HOST && (t->flags & TEMPLATE_DYNAMIC)) ||
		    (how == TREF_RULES && !(t->flags & TEMPLATE_DYNAMIC)))
			;	/* refused below, before copying anything */
		else if (how != TREF_READ && !(t->flags & TEMPLATE_ADDRESS)) {
			/* honeyd gives every bound address its own copy */
			copy = template_copy(t, astr,
			    (t->flags & TEMPLATE_DYNAMIC) | TEMPLATE_ADDRESS,
			    loc);
			TAILQ_INSERT_TAIL(&conf->templates, copy, entry);
			n = bind_split(conf, n, &a);
			n->tmpl = copy;
			copy->refs++;
			copy->bound_at = n->loc;
			t->refs--;
			t = copy;
		}
	} else if ((t = name_find(conf, name)) == NULL) {
		conf_error(conf, loc, "unknown template \"%s\"", name);
		return NULL;
	}
	if (how == TREF_HOST && (t->flags & TEMPLATE_DYNAMIC)) {
		conf_error(conf, loc, "\"%s\" is a dynamic template: its rules "
		    "pick the template that answers", t->name);
		return NULL;
	}
	if (how == TREF_RULES && !(t->flags & TEMPLATE_DYNAMIC)) {
		conf_error(conf, loc, "\"%s\" is not a dynamic template",
		    t->name);
		return NULL;
	}
	if (how != TREF_READ && !(t->flags & TEMPLATE_ADDRESS) &&
	    t->bound_at.line != 0 && !t->warned_bound) {
		conf_warn(conf, loc, "template \"%s\" is bound at %s:%d; "
		    "unlike honeyd, changes after the bind apply to the "
		    "addresses bound before", t->name, t->bound_at.file,
		    t->bound_at.line);
		t->warned_bound = 1;
	}
	return t;
}

int
conf_template_delete(struct conf *conf, const struct conf_loc *loc,
    const char *name)
{
	struct template *t;
	struct addr a;

	if (addr_parse(name, &a) == 0)
		return conf_unbind(conf, loc, &a);
	if ((t = name_find(conf, name)) == NULL) {
		conf_error(conf, loc, "unknown template \"%s\"", name);
		return -1;
	}
	if (t->refs > 0) {
		if (t->bound_at.line != 0)
			conf_error(conf, loc, "template \"%s\" is in use: "
			    "bound at %s:%d", name, t->bound_at.file,
			    t->bound_at.line);
		else
			conf_error(conf, loc, "template \"%s\" is in use by a "
			    "dynamic template or dhcp", name);
		return -1;
	}
	template_unlink(conf, t);
	return 0;
}

int
conf_template_clone(struct conf *conf, const struct conf_loc *loc,
    const char *newname, const char *oldname)
{
	struct template *old, *t;

	if ((old = conf_template_ref(conf, loc, oldname, TREF_READ)) == NULL)
		return -1;
	if (name_check(conf, loc, newname) == -1)
		return -1;
	if ((t = name_find(conf, newname)) != NULL) {
		conf_error(conf, loc, "template \"%s\" is already defined at "
		    "%s:%d", newname, t->loc.file, t->loc.line);
		return -1;
	}
	t = template_copy(old, newname, old->flags & TEMPLATE_DYNAMIC, loc);
	name_insert(conf, t);
	TAILQ_INSERT_TAIL(&conf->templates, t, entry);
	return 0;
}

/*
 * Port tables: sorted by port, so a lookup is a binary search.
 */

static struct template_port *
port_search(const struct template *t, enum conf_proto proto, uint16_t port,
    size_t *pos)
{
	size_t l = 0, h, m;

	if (proto != PROTO_TCP && proto != PROTO_UDP) {
		if (pos != NULL)
			*pos = 0;
		return NULL;
	}
	h = t->ports[proto].n;
	while (l < h) {
		m = l + (h - l) / 2;
		if (t->ports[proto].v[m].port < port)
			l = m + 1;
		else
			h = m;
	}
	if (pos != NULL)
		*pos = l;
	if (l < t->ports[proto].n && t->ports[proto].v[l].port == port)
		return &t->ports[proto].v[l];
	return NULL;
}

static int
port_check(struct conf *conf, const struct conf_loc *loc,
    enum conf_proto proto, int64_t port)
{
	if (proto == PROTO_ICMP) {
		conf_error(conf, loc, "icmp has no ports");
		return -1;
	}
	if (port < 1 || port > 65535) {
		conf_error(conf, loc, "port %" PRId64 " is out of range "
		    "(1-65535)", port);
		return -1;
	}
	return 0;
}

int
template_port_add(struct conf *conf, const struct conf_loc *loc,
    struct template *t, enum conf_proto proto, int64_t port,
    struct action *a)
{
	struct template_port *tp;
	size_t pos;

	if (t == NULL || port_check(conf, loc, proto, port) == -1)
		goto fail;
	if ((tp = port_search(t, proto, (uint16_t)port, &pos)) != NULL) {
		if (!tp->inherited) {
			conf_error(conf, loc, "%s port %d is already added to "
			    "\"%s\" at %s:%d", conf_proto_name(proto), tp->port,
			    t->name, tp->loc.file, tp->loc.line);
			goto fail;
		}
		/* A copy's own port overrides the one it inherited. */
		action_clear(&tp->action);
	} else {
		t->ports[proto].v = grow(t->ports[proto].v, t->ports[proto].n,
		    &t->ports[proto].cap, sizeof(*t->ports[proto].v));
		tp = &t->ports[proto].v[pos];
		memmove(tp + 1, tp, (t->ports[proto].n - pos) * sizeof(*tp));
		t->ports[proto].n++;
	}
	memset(tp, 0, sizeof(*tp));
	tp->port = (uint16_t)port;
	tp->action = *a;
	tp->loc = *loc;
	memset(a, 0, sizeof(*a));
	return 0;
 fail:
	action_clear(a);
	return -1;
}

int
template_port_delete(struct conf *conf, const struct conf_loc *loc,
    struct template *t, enum conf_proto proto, int64_t port)
{
	struct template_port *tp;
	size_t pos;

	if (t == NULL || port_check(conf, loc, proto, port) == -1)
		return -1;
	if ((tp = port_search(t, proto, (uint16_t)port, &pos)) == NULL) {
		conf_error(conf, loc, "\"%s\" has no %s port %d", t->name,
		    conf_proto_name(proto), (int)port);
		return -1;
	}
	action_clear(&tp->action);
	memmove(tp, tp + 1, (t->ports[proto].n - pos - 1) * sizeof(*tp));
	t->ports[proto].n--;
	return 0;
}

const struct template_port *
template_port(const struct template *t, enum conf_proto proto, uint16_t port)
{
	return port_search(t, proto, port, NULL);
}

const struct action *
template_action(const struct template *t, enum conf_proto proto,
    uint16_t port)
{
	const struct template_port *tp;

	if ((tp = port_search(t, proto, port, NULL)) != NULL)
		return &tp->action;
	return &t->defaults[proto < PROTO_MAX ? proto : PROTO_TCP];
}

size_t
template_nports(const struct template *t, enum conf_proto proto)
{
	if (proto != PROTO_TCP && proto != PROTO_UDP)
		return 0;
	return t->ports[proto].n;
}

const struct template_port *
template_port_at(const struct template *t, enum conf_proto proto, size_t i)
{
	if (i >= template_nports(t, proto))
		return NULL;
	return &t->ports[proto].v[i];
}

/*
 * Dynamic templates and subsystems.
 */

int
template_rule_add(struct conf *conf, const struct conf_loc *loc,
    struct template *t, struct template_cond *cond, struct template *use)
{
	struct template_rule *r;

	if (t == NULL || use == NULL)
		goto fail;
	if (use->flags & TEMPLATE_DYNAMIC) {
		conf_error(conf, loc, "\"%s\" is a dynamic template; a rule "
		    "must use a host template", use->name);
		goto fail;
	}
	if (t->nrules > 0 &&
	    t->rules[t->nrules - 1].cond.kind == COND_OTHERWISE)
		conf_warn(conf, loc, "rule follows the otherwise rule of "
		    "\"%s\" and never matches", t->name);
	t->rules = reallocarray(t->rules, t->nrules + 1, sizeof(*t->rules));
	if (t->rules == NULL)
		fatal("conf");
	r = &t->rules[t->nrules++];
	r->cond = *cond;
	r->use = use;
	r->loc = *loc;
	use->refs++;
	memset(cond, 0, sizeof(*cond));
	return 0;
 fail:
	cond_clear(cond);
	return -1;
}

int
conf_bind_cond(struct conf *conf, const struct conf_loc *loc,
    const struct addr *a, struct template_cond *cond, struct template *use)
{
	struct bind_node *n;
	struct template *t;
	char name[ADDR_STRLEN], desc[64];

	addr_fmt(a, name, sizeof(name));
	if (use == NULL)
		goto fail;
	if ((n = bind_find(conf, a)) == NULL) {
		t = template_alloc(name, TEMPLATE_DYNAMIC | TEMPLATE_ADDRESS,
		    loc);
		TAILQ_INSERT_TAIL(&conf->templates, t, entry);
		bind_insert(conf, loc, a, a, t);
	} else if ((n->tmpl->flags & (TEMPLATE_DYNAMIC | TEMPLATE_ADDRESS)) ==
	    (TEMPLATE_DYNAMIC | TEMPLATE_ADDRESS)) {
		t = n->tmpl;
	} else {
		conf_error(conf, loc, "%s is already bound to %s at %s:%d",
		    name, bound_to(n, desc, sizeof(desc)), n->loc.file,
		    n->loc.line);
		goto fail;
	}
	return template_rule_add(conf, loc, t, cond, use);
 fail:
	cond_clear(cond);
	return -1;
}

int
template_subsystem_add(struct conf *conf, const struct conf_loc *loc,
    struct template *t, const char *cmd, int shared, int restart)
{
	struct template_subsystem *s;

	(void)conf;
	if (t == NULL)
		return -1;
	t->subsystems = reallocarray(t->subsystems, t->nsubsystems + 1,
	    sizeof(*t->subsystems));
	if (t->subsystems == NULL)
		fatal("conf");
	s = &t->subsystems[t->nsubsystems++];
	s->cmd = xstrdup(cmd);
	s->shared = shared;
	s->restart = restart;
	s->loc = *loc;
	return 0;
}

/*
 * Claims and management.
 */

int
conf_claim(struct conf *conf, const struct conf_loc *loc,
    const struct addr (*ranges)[2], size_t n,
    const struct addr (*excepts)[2], size_t nx)
{
	struct addrset *line;
	struct addr lo, hi;
	char buf[2 * ADDR_STRLEN + 2];
	size_t i;

	line = xaddrset();
	for (i = 0; i < n; i++) {
		if (set_overlaps(line, &ranges[i][0], &ranges[i][1]) ||
		    set_overlaps(conf->claim, &ranges[i][0], &ranges[i][1]))
			conf_warn(conf, loc, "claim %s overlaps another "
			    "claimed range; merged", range_fmt(&ranges[i][0],
			    &ranges[i][1], buf, sizeof(buf)));
		if (addrset_add_range(line, &ranges[i][0], &ranges[i][1]) == -1)
			fatal("conf");
	}
	for (i = 0; i < nx; i++) {
		if (!set_overlaps(line, &excepts[i][0], &excepts[i][1]))
			conf_warn(conf, loc, "except %s is outside the claimed "
			    "ranges", range_fmt(&excepts[i][0], &excepts[i][1],
			    buf, sizeof(buf)));
		if (addrset_del_range(line, &excepts[i][0],
		    &excepts[i][1]) == -1)
			fatal("conf");
	}
	if (addrset_nranges(line) == 0)
		conf_warn(conf, loc, "claim leaves no address to claim");
	for (i = 0; i < addrset_nranges(line); i++) {
		addrset_range(line, i, &lo, &hi);
		if (addrset_add_range(conf->claim, &lo, &hi) == -1)
			fatal("conf");
	}
	addrset_free(line);
	if (conf->claim_loc.line == 0)
		conf->claim_loc = *loc;
	return 0;
}

int
conf_management_add(struct conf *conf, const struct conf_loc *loc,
    const struct addr (*ranges)[2], size_t n)
{
	size_t i;

	(void)loc;
	for (i = 0; i < n; i++)
		if (addrset_add_range(conf->management, &ranges[i][0],
		    &ranges[i][1]) == -1)
			fatal("conf");
	return 0;
}

/*
 * honeyd statements kept for later.
 */

int
conf_route_add(struct conf *conf, const struct conf_route *r)
{
	conf->routes = grow(conf->routes, conf->nroutes, &conf->routes_cap,
	    sizeof(*conf->routes));
	conf->routes[conf->nroutes++] = *r;
	return 0;
}

int
conf_dhcp_add(struct conf *conf, struct conf_dhcp *d)
{
	if (d->tmpl == NULL) {
		free(d->ifname);
		free(d->ether);
		return -1;
	}
	conf->dhcp = grow(conf->dhcp, conf->ndhcp, &conf->dhcp_cap,
	    sizeof(*conf->dhcp));
	conf->dhcp[conf->ndhcp++] = *d;
	d->tmpl->refs++;
	return 0;
}

int
conf_option_add(struct conf *conf, struct conf_option *o)
{
	conf->options = grow(conf->options, conf->noptions,
	    &conf->options_cap, sizeof(*conf->options));
	conf->options[conf->noptions++] = *o;
	return 0;
}

int
conf_annotation_add(struct conf *conf, struct conf_annotation *an)
{
	conf->annotations = grow(conf->annotations, conf->nannotations,
	    &conf->annotations_cap, sizeof(*conf->annotations));
	conf->annotations[conf->nannotations++] = *an;
	return 0;
}

/*
 * Life cycle.
 */

struct conf *
conf_new(FILE *errf, int flags)
{
	struct conf *conf;
	struct sensor_conf *s;

	conf = xcalloc(1, sizeof(*conf));
	conf->errf = errf != NULL ? errf : stderr;
	conf->flags = flags;
	TAILQ_INIT(&conf->templates);
	RB_INIT(&conf->names);
	RB_INIT(&conf->btree);
	conf->bound = xaddrset();
	conf->claim = xaddrset();
	conf->management = xaddrset();

	s = &conf->sensor;
	s->claim_probes = DEF_PROBES;
	s->claim_interval_ms = DEF_PROBE_MS;
	s->ca = xstrdup(DEF_CA);
	s->cert = xstrdup(DEF_CERT);
	s->key = xstrdup(DEF_KEY);
	s->heartbeat_ms = DEF_HEARTBEAT_MS;
	s->spool_dir = xstrdup(DEF_SPOOL);
	s->spool_max = DEF_SPOOL_MAX;
	s->spool_sync_records = DEF_SYNC_RECORDS;
	s->spool_sync_ms = DEF_SYNC_MS;
	s->capture_dir = xstrdup(DEF_CAPTURE);
	s->capture_rotate = ROTATE_DAILY;
	s->capture_max = DEF_CAPTURE_MAX;
	s->limits.connections = DEF_CONNECTIONS;
	s->limits.rate = DEF_RATE;
	s->limits.payload = DEF_PAYLOAD;
	s->limits.reassembly = DEF_REASSEMBLY;
	s->limits.scripts = DEF_SCRIPTS;
	s->limits.script_time_ms = DEF_SCRIPT_TIME_MS;
	s->limits.script_cpu_ms = DEF_SCRIPT_CPU_MS;
	s->limits.idle_ms = DEF_IDLE_MS;
	s->user = xstrdup(DEF_USER);
	s->chroot = xstrdup(DEF_CHROOT);
	return conf;
}

struct sensor_conf *
conf_sensor_mut(struct conf *conf)
{
	return &conf->sensor;
}

void
conf_set_nmacros(struct conf *conf, size_t n)
{
	conf->nmacros = n;
}

/* Flatten the bind tree into the sorted array the engine searches,
 * merging neighbours that share a template. */
static void
bindings_freeze(struct conf *conf)
{
	struct bind_node *n, *next;
	struct binding *b = NULL;
	struct addr x;
	size_t cap = 0;

	for (n = RB_MIN(bind_tree, &conf->btree); n != NULL; n = next) {
		next = RB_NEXT(bind_tree, &conf->btree, n);
		if (b != NULL && b->tmpl == n->tmpl && b->hi.af == n->lo.af) {
			x = b->hi;
			if (addr_inc(&x) == 0 && addr_eq(&x, &n->lo)) {
				b->hi = n->hi;
				goto next;
			}
		}
		conf->bindings = grow(conf->bindings, conf->nbindings, &cap,
		    sizeof(*conf->bindings));
		b = &conf->bindings[conf->nbindings++];
		b->lo = n->lo;
		b->hi = n->hi;
		b->tmpl = n->tmpl;
 next:
		if (addrset_add_range(conf->bound, &n->lo, &n->hi) == -1)
			fatal("conf");
		RB_REMOVE(bind_tree, &conf->btree, n);
		free(n);
	}
}

static uint64_t
template_naddrs(const struct conf *conf, const struct template *t)
{
	uint64_t sum = 0, c;
	size_t i;

	for (i = 0; i < conf->nbindings; i++) {
		if (conf->bindings[i].tmpl != t)
			continue;
		c = range_count(&conf->bindings[i].lo, &conf->bindings[i].hi);
		sum = sum > UINT64_MAX - c ? UINT64_MAX : sum + c;
	}
	return sum;
}

/* Checks that need the whole configuration. */
int
conf_finish(struct conf *conf)
{
	struct template *t;
	struct addrset *rest;
	struct addr lo, hi;
	uint64_t n;
	size_t i;

	bindings_freeze(conf);
	conf->finished = 1;

	TAILQ_FOREACH(t, &conf->templates, entry) {
		if ((t->flags & TEMPLATE_DYNAMIC) && t->nrules == 0)
			conf_warn(conf, &t->loc, "dynamic template \"%s\" has "
			    "no rules and answers nothing", t->name);
		if (t->has_mac && (n = template_naddrs(conf, t)) > 1)
			conf_warn(conf, &t->loc, "template \"%s\" has a fixed "
			    "MAC address and is bound to %" PRIu64
			    " addresses, which all share it", t->name, n);
	}

	/* Claimed addresses without a binding are answered by "default". */
	if (addrset_nranges(conf->claim) > 0 &&
	    name_find(conf, "default") == NULL) {
		rest = xaddrset();
		for (i = 0; i < addrset_nranges(conf->claim); i++) {
			addrset_range(conf->claim, i, &lo, &hi);
			if (addrset_add_range(rest, &lo, &hi) == -1)
				fatal("conf");
		}
		for (i = 0; i < addrset_nranges(conf->bound); i++) {
			addrset_range(conf->bound, i, &lo, &hi);
			if (addrset_del_range(rest, &lo, &hi) == -1)
				fatal("conf");
		}
		if (addrset_nranges(rest) > 0)
			conf_error(conf, &conf->claim_loc, "claimed addresses "
			    "that are not bound need a template named "
			    "\"default\"");
		addrset_free(rest);
	}
	return conf->nerrors == 0 ? 0 : -1;
}

void
conf_free(struct conf *conf)
{
	struct template *t;
	struct bind_node *n;
	struct name_node *nn;
	struct sensor_conf *s;
	size_t i;

	if (conf == NULL)
		return;
	while ((n = RB_MIN(bind_tree, &conf->btree)) != NULL) {
		RB_REMOVE(bind_tree, &conf->btree, n);
		free(n);
	}
	while ((nn = RB_MIN(name_tree, &conf->names)) != NULL) {
		RB_REMOVE(name_tree, &conf->names, nn);
		free(nn);
	}
	while ((t = TAILQ_FIRST(&conf->templates)) != NULL) {
		TAILQ_REMOVE(&conf->templates, t, entry);
		template_free(t);
	}
	free(conf->bindings);
	addrset_free(conf->bound);
	addrset_free(conf->claim);
	addrset_free(conf->management);

	s = &conf->sensor;
	for (i = 0; i < s->ninterfaces; i++)
		free(s->interfaces[i]);
	free(s->interfaces);
	free(s->server);
	free(s->ca);
	free(s->cert);
	free(s->key);
	free(s->spool_dir);
	free(s->capture_dir);
	free(s->user);
	free(s->chroot);
	free(s->honeyd_log);

	free(conf->routes);
	for (i = 0; i < conf->ndhcp; i++) {
		free(conf->dhcp[i].ifname);
		free(conf->dhcp[i].ether);
	}
	free(conf->dhcp);
	for (i = 0; i < conf->noptions; i++) {
		free(conf->options[i].plugin);
		free(conf->options[i].key);
		free(conf->options[i].value);
	}
	free(conf->options);
	for (i = 0; i < conf->nannotations; i++)
		free(conf->annotations[i].personality);
	free(conf->annotations);
	for (i = 0; i < conf->nfiles; i++)
		free(conf->files[i]);
	free(conf->files);
	free(conf);
}

/*
 * Reading it back.
 */

const struct sensor_conf *
conf_sensor(const struct conf *conf)
{
	return &conf->sensor;
}

const struct template *
conf_template_next(const struct conf *conf, const struct template *t)
{
	if (t == NULL)
		return TAILQ_FIRST(&conf->templates);
	return TAILQ_NEXT(t, entry);
}

const struct template *
conf_template_find(const struct conf *conf, const char *name)
{
	return name_find(conf, name);
}

const struct template *
conf_binding_find(const struct conf *conf, const struct addr *a)
{
	size_t l = 0, h = conf->nbindings, m;
	const struct bind_node *n;

	if (!conf->finished) {
		n = bind_find(conf, a);
		return n ? n->tmpl : NULL;
	}
	while (l < h) {
		m = l + (h - l) / 2;
		if (addr_cmp(&conf->bindings[m].hi, a) < 0)
			l = m + 1;
		else
			h = m;
	}
	if (l < conf->nbindings && conf->bindings[l].lo.af == a->af &&
	    addr_cmp(&conf->bindings[l].lo, a) <= 0)
		return conf->bindings[l].tmpl;
	return NULL;
}

const struct template *
conf_template_for(const struct conf *conf, const struct addr *a)
{
	const struct template *t;

	if ((t = conf_binding_find(conf, a)) != NULL)
		return t;
	if (addrset_contains(conf->claim, a))
		return name_find(conf, "default");
	return NULL;
}

size_t
conf_nbindings(const struct conf *conf)
{
	return conf->nbindings;
}

const struct template *
conf_binding_at(const struct conf *conf, size_t i, struct addr *lo,
    struct addr *hi)
{
	if (i >= conf->nbindings)
		return NULL;
	*lo = conf->bindings[i].lo;
	*hi = conf->bindings[i].hi;
	return conf->bindings[i].tmpl;
}

const struct addrset *
conf_bound(const struct conf *conf)
{
	return conf->bound;
}

const struct addrset *
conf_claimed(const struct conf *conf)
{
	return conf->claim;
}

const struct addrset *
conf_management(const struct conf *conf)
{
	return conf->management;
}

const struct conf_route *
conf_routes(const struct conf *conf, size_t *n)
{
	*n = conf->nroutes;
	return conf->routes;
}

/*
 * The -n summary.
 */

static const char *
size_fmt(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % GIB == 0)
		snprintf(buf, len, "%" PRIu64 "G", v / GIB);
	else if (v != 0 && v % MIB == 0)
		snprintf(buf, len, "%" PRIu64 "M", v / MIB);
	else if (v != 0 && v % KIB == 0)
		snprintf(buf, len, "%" PRIu64 "K", v / KIB);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static const char *
ms_fmt(uint64_t ms, char *buf, size_t len)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, len, "%" PRIu64 "h", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, len, "%" PRIu64 "m", ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "ms", ms);
	return buf;
}

/* Hundredths of a percent. */
static const char *
pct_fmt(int v, char *buf, size_t len)
{
	if (v % 100 == 0)
		snprintf(buf, len, "%d%%", v / 100);
	else if (v % 10 == 0)
		snprintf(buf, len, "%d.%d%%", v / 100, (v % 100) / 10);
	else
		snprintf(buf, len, "%d.%02d%%", v / 100, v % 100);
	return buf;
}

/* A string as the configuration would quote it. */
static void
print_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
print_action(FILE *f, const struct action *a)
{
	char buf[ADDR_STRLEN];

	if (a->flags & ACTION_F_TARPIT)
		fputs("tarpit ", f);
	switch (a->kind) {
	case ACTION_SCRIPT:
		print_quoted(f, a->arg);
		break;
	case ACTION_INTERNAL:
		fputs("internal ", f);
		print_quoted(f, a->arg);
		break;
	case ACTION_PROXY:
		fputs("proxy ", f);
		switch (a->proxy.host) {
		case PROXY_HOST_ADDR:
			addr_fmt(&a->proxy.addr, buf, sizeof(buf));
			fprintf(f, a->proxy.addr.af == AF_INET6 ? "[%s]" :
			    "%s", buf);
			break;
		case PROXY_HOST_NAME:
			fputs(a->proxy.name, f);
			break;
		case PROXY_HOST_SRC:
			fputs("$ipsrc", f);
			break;
		case PROXY_HOST_DST:
			fputs("$ipdst", f);
			break;
		}
		switch (a->proxy.port_kind) {
		case PROXY_PORT_NUM:
			fprintf(f, ":%u", a->proxy.port);
			break;
		case PROXY_PORT_SPORT:
			fputs(":$sport", f);
			break;
		case PROXY_PORT_DPORT:
			fputs(":$dport", f);
			break;
		}
		break;
	default:
		fputs(action_kind_name(a->kind), f);
		break;
	}
}

static void
print_cond(FILE *f, const struct template_cond *c)
{
	char buf[CIDR_STRLEN];

	switch (c->kind) {
	case COND_OS:
		fputs("if source os = ", f);
		print_quoted(f, c->os);
		break;
	case COND_SOURCE:
		cidr_fmt(&c->net, buf, sizeof(buf));
		fprintf(f, "if source ip = %s", buf);
		break;
	case COND_TIME:
		fprintf(f, "if time between %02u:%02u:%02u - %02u:%02u:%02u",
		    c->start / 3600, c->start / 60 % 60, c->start % 60,
		    c->end / 3600, c->end / 60 % 60, c->end % 60);
		break;
	case COND_PROTO:
		fprintf(f, "if %s", conf_proto_name(c->proto));
		break;
	case COND_OTHERWISE:
		fputs("otherwise", f);
		break;
	}
}

#define KEY	"    %-14s "

static void
print_template(FILE *f, const struct template *t)
{
	char key[32], buf[64];
	const struct template_port *tp;
	size_t i;
	int p;

	fprintf(f, "  %s", t->name);
	if (t->flags & TEMPLATE_DYNAMIC)
		fputs(" (dynamic)", f);
	if ((t->flags & TEMPLATE_ADDRESS) && t->origin != NULL)
		fprintf(f, " (own copy of \"%s\")", t->origin->name);
	else if (t->origin != NULL)
		fprintf(f, " (clone of \"%s\")", t->origin->name);
	fputc('\n', f);

	if (t->flags & TEMPLATE_DYNAMIC) {
		for (i = 0; i < t->nrules; i++) {
			snprintf(key, sizeof(key), "use %s",
			    t->rules[i].use->name);
			fprintf(f, KEY, key);
			print_cond(f, &t->rules[i].cond);
			fputc('\n', f);
		}
		return;
	}
	fprintf(f, KEY, "personality");
	if (t->personality_random)
		fputs("random", f);
	else if (t->personality != NULL)
		print_quoted(f, t->personality);
	else
		fputs("none", f);
	fputc('\n', f);
	fprintf(f, KEY, "ethernet");
	if (t->has_mac)
		fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", t->mac[0],
		    t->mac[1], t->mac[2], t->mac[3], t->mac[4], t->mac[5]);
	else if (t->ether_vendor != NULL)
		print_quoted(f, t->ether_vendor);
	else
		fputs("none", f);
	fputc('\n', f);
	fprintf(f, KEY, "uptime");
	if (t->uptime >= 0)
		fprintf(f, "%" PRId64 "s\n", t->uptime);
	else
		fputs("none\n", f);
	fprintf(f, KEY, "defaults");
	for (p = 0; p < PROTO_MAX; p++) {
		fprintf(f, "%s%s ", p ? ", " : "", conf_proto_name(p));
		print_action(f, &t->defaults[p]);
	}
	fputc('\n', f);
	for (p = PROTO_TCP; p <= PROTO_UDP; p++) {
		for (i = 0; (tp = template_port_at(t, p, i)) != NULL; i++) {
			snprintf(key, sizeof(key), "%s %u",
			    conf_proto_name(p), tp->port);
			fprintf(f, KEY, key);
			print_action(f, &tp->action);
			fputc('\n', f);
		}
	}
	if (t->maxfds != 0)
		fprintf(f, KEY "%d\n", "maxfds", t->maxfds);
	if (t->uid != 0) {
		fprintf(f, KEY "%u", "uid", t->uid);
		if (t->gid != 0)
			fprintf(f, " gid %u", t->gid);
		fputc('\n', f);
	}
	if (t->droprate_in >= 0)
		fprintf(f, KEY "in %s\n", "droprate",
		    pct_fmt(t->droprate_in, buf, sizeof(buf)));
	if (t->droprate_syn >= 0)
		fprintf(f, KEY "syn %s\n", "droprate",
		    pct_fmt(t->droprate_syn, buf, sizeof(buf)));
	if (t->has_spoof_src || t->has_spoof_dst) {
		fprintf(f, KEY, "spoof");
		if (t->has_spoof_src) {
			addr_fmt(&t->spoof_src, buf, sizeof(buf));
			fprintf(f, "from %s", buf);
		}
		if (t->has_spoof_dst) {
			addr_fmt(&t->spoof_dst, buf, sizeof(buf));
			fprintf(f, "%sto %s", t->has_spoof_src ? " " : "", buf);
		}
		fputc('\n', f);
	}
	for (i = 0; i < t->nsubsystems; i++) {
		fprintf(f, KEY, "subsystem");
		print_quoted(f, t->subsystems[i].cmd);
		fprintf(f, "%s%s\n", t->subsystems[i].shared ? " shared" : "",
		    t->subsystems[i].restart ? " restart" : "");
	}
}

static void
print_set(FILE *f, const struct addrset *set, int counts)
{
	struct addr lo, hi;
	char buf[2 * ADDR_STRLEN + 2];
	size_t i;

	for (i = 0; i < addrset_nranges(set); i++) {
		addrset_range(set, i, &lo, &hi);
		range_fmt(&lo, &hi, buf, sizeof(buf));
		if (counts)
			fprintf(f, "  %-32s %" PRIu64 "\n", buf,
			    range_count(&lo, &hi));
		else
			fprintf(f, "%s%s", i ? ", " : "", buf);
	}
}

void
conf_print(const struct conf *conf, FILE *f)
{
	const struct sensor_conf *s = &conf->sensor;
	const struct template *t;
	const struct binding *b;
	char buf[2 * ADDR_STRLEN + 2], b2[32], b3[32];
	size_t i, n = 0;

	TAILQ_FOREACH(t, &conf->templates, entry)
		if (!(t->flags & TEMPLATE_EXTERNAL))
			n++;
	fprintf(f, "templates: %zu\n", n);
	TAILQ_FOREACH(t, &conf->templates, entry)
		if (!(t->flags & TEMPLATE_EXTERNAL))
			print_template(f, t);

	fprintf(f, "bindings: %" PRIu64 " %s\n", addrset_count(conf->bound),
	    addrset_count(conf->bound) == 1 ? "address" : "addresses");
	for (i = 0; i < conf->nbindings; i++) {
		b = &conf->bindings[i];
		range_fmt(&b->lo, &b->hi, buf, sizeof(buf));
		if (b->tmpl->flags & TEMPLATE_EXTERNAL)
			fprintf(f, "  %-32s external host on %s\n", buf,
			    b->tmpl->external_if);
		else
			fprintf(f, "  %-32s %s\n", buf, b->tmpl->name);
	}

	fprintf(f, "claims: %" PRIu64 " %s in %zu %s\n",
	    addrset_count(conf->claim), addrset_count(conf->claim) == 1 ?
	    "address" : "addresses", addrset_nranges(conf->claim),
	    addrset_nranges(conf->claim) == 1 ? "range" : "ranges");
	print_set(f, conf->claim, 1);

	fputs("sensor:\n", f);
	fprintf(f, "  %-14s ", "interfaces");
	if (s->ninterfaces == 0)
		fputs("none", f);
	for (i = 0; i < s->ninterfaces; i++)
		fprintf(f, "%s%s", i ? " " : "", s->interfaces[i]);
	fputc('\n', f);
	fprintf(f, "  %-14s %u probes, %s apart\n", "claim probe",
	    s->claim_probes, ms_fmt(s->claim_interval_ms, b2, sizeof(b2)));
	fprintf(f, "  %-14s %s\n", "server", s->server ? s->server : "none");
	fprintf(f, "  %-14s %s\n", "ca", s->ca);
	fprintf(f, "  %-14s %s\n", "cert", s->cert);
	fprintf(f, "  %-14s %s\n", "key", s->key);
	fprintf(f, "  %-14s %s\n", "heartbeat",
	    ms_fmt(s->heartbeat_ms, b2, sizeof(b2)));
	fprintf(f, "  %-14s %s max %s\n", "spool", s->spool_dir,
	    size_fmt(s->spool_max, b2, sizeof(b2)));
	fprintf(f, "  %-14s %" PRIu64 " records or %s\n", "spool sync",
	    s->spool_sync_records, ms_fmt(s->spool_sync_ms, b2, sizeof(b2)));
	fprintf(f, "  %-14s %s rotate %s", "capture", s->capture_dir,
	    s->capture_rotate == ROTATE_HOURLY ? "hourly" :
	    s->capture_rotate == ROTATE_SIZE ? "size" : "daily");
	if (s->capture_rotate == ROTATE_SIZE)
		fprintf(f, " %s", size_fmt(s->capture_rotate_size, b2,
		    sizeof(b2)));
	fprintf(f, " max %s\n", size_fmt(s->capture_max, b2, sizeof(b2)));
	fprintf(f, "  %-14s connections %" PRIu64 ", rate %" PRIu64
	    " per-source, payload %s,\n", "limits", s->limits.connections,
	    s->limits.rate, size_fmt(s->limits.payload, b2, sizeof(b2)));
	fprintf(f, "  %-14s reassembly %s, scripts %" PRIu64 ", idle %s,\n", "",
	    size_fmt(s->limits.reassembly, b2, sizeof(b2)), s->limits.scripts,
	    ms_fmt(s->limits.idle_ms, b3, sizeof(b3)));
	fprintf(f, "  %-14s script-time %s, ", "",
	    ms_fmt(s->limits.script_time_ms, b2, sizeof(b2)));
	fprintf(f, "script-cpu %s\n",
	    ms_fmt(s->limits.script_cpu_ms, b3, sizeof(b3)));
	fprintf(f, "  %-14s ", "management");
	if (addrset_nranges(conf->management) == 0)
		fputs("none", f);
	print_set(f, conf->management, 0);
	fputc('\n', f);
	fprintf(f, "  %-14s %s\n", "user", s->user);
	fprintf(f, "  %-14s %s\n", "chroot", s->chroot);
	fprintf(f, "  %-14s %s\n", "log honeyd",
	    s->honeyd_log ? s->honeyd_log : "none");

	fprintf(f, "macros: %zu\n", conf->nmacros);
	fprintf(f, "not yet acted on:%s\n", conf->nnotyet ? "" : " none");
	for (i = 0; i < conf->nnotyet; i++)
		fprintf(f, "  %-30s %zu\n", conf->notyet[i].what,
		    conf->notyet[i].count);
}
