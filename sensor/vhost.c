/*
 * Virtual hosts: which template answers for an address, the template's
 * run-time state (personality, IP ID and ISN counters, uptime, ICMP rate
 * limit) and the MAC address a virtual host shows.  Nothing here is
 * allocated per address: state is per template, created the first time a
 * template answers, and a MAC is computed from the address when needed.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stack_local.h"

/* Ethernet vendor prefixes for "set T ethernet VENDOR" (IEEE OUI). */
static const struct {
	const char	*key;	/* lower case, found in the name */
	uint8_t		 oui[3];
} ouis[] = {
	{ "3com",	{ 0x00, 0x01, 0x02 } },
	{ "apple",	{ 0x00, 0x1c, 0xb3 } },
	{ "broadcom",	{ 0x00, 0x10, 0x18 } },
	{ "cisco",	{ 0x00, 0x1a, 0xa1 } },
	{ "compaq",	{ 0x00, 0x08, 0x02 } },
	{ "d-link",	{ 0x00, 0x05, 0x5d } },
	{ "dell",	{ 0x00, 0x14, 0x22 } },
	{ "hewlett",	{ 0x00, 0x1e, 0x0b } },
	{ "hp",		{ 0x00, 0x1e, 0x0b } },
	{ "ibm",	{ 0x00, 0x04, 0xac } },
	{ "intel",	{ 0x00, 0x1b, 0x21 } },
	{ "juniper",	{ 0x00, 0x05, 0x85 } },
	{ "linksys",	{ 0x00, 0x06, 0x25 } },
	{ "microsoft",	{ 0x00, 0x15, 0x5d } },
	{ "netgear",	{ 0x00, 0x09, 0x5b } },
	{ "realtek",	{ 0x00, 0xe0, 0x4c } },
	{ "sun",	{ 0x08, 0x00, 0x20 } },
	{ "vmware",	{ 0x00, 0x0c, 0x29 } },
	{ "xerox",	{ 0x00, 0x00, 0xaa } },
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "00:0c:29" (or with dashes) as a literal prefix, else a vendor name. */
static int
oui_lookup(const char *vendor, uint8_t oui[3])
{
	char low[64];
	size_t i;
	int h, l;

	if (strlen(vendor) >= 8 && (vendor[2] == ':' || vendor[2] == '-') &&
	    (vendor[5] == ':' || vendor[5] == '-')) {
		for (i = 0; i < 3; i++) {
			if ((h = hexval(vendor[i * 3])) == -1 ||
			    (l = hexval(vendor[i * 3 + 1])) == -1)
				break;
			oui[i] = (uint8_t)(h << 4 | l);
		}
		if (i == 3 && !(oui[0] & 1))
			return 0;
	}
	for (i = 0; vendor[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)vendor[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(ouis) / sizeof(ouis[0]); i++)
		if (strstr(low, ouis[i].key) != NULL) {
			memcpy(oui, ouis[i].oui, 3);
			return 0;
		}
	return -1;
}

static int
rule_matches(const struct template_cond *c, const struct addr *src,
    enum conf_proto proto)
{
	switch (c->kind) {
	case COND_SOURCE:
		return cidr_contains(&c->net, src);
	case COND_PROTO:
		return c->proto == proto;
	case COND_OTHERWISE:
		return 1;
	case COND_OS:		/* no passive fingerprinting yet */
	case COND_TIME:		/* the engine has no wall clock */
		break;
	}
	return 0;
}

const struct template *
vhost_template(struct stack *s, const struct addr *dst,
    const struct addr *src, enum conf_proto proto)
{
	const struct template *t;
	size_t i;

	if ((t = conf_template_for(s->conf, dst)) == NULL)
		return NULL;
	if (!(t->flags & TEMPLATE_DYNAMIC))
		return t;
	for (i = 0; i < t->nrules; i++)
		if (rule_matches(&t->rules[i].cond, src, proto)) {
			/* One level only: a rule naming a dynamic template
			 * answers nothing rather than loop. */
			if (t->rules[i].use == NULL ||
			    (t->rules[i].use->flags & TEMPLATE_DYNAMIC))
				return NULL;
			return t->rules[i].use;
		}
	return NULL;
}

static size_t
vslot(const struct stack *s, const struct template *t)
{
	uintptr_t v = (uintptr_t)t;

	v ^= v >> 17;
	v *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(v >> 32) & (s->vcap - 1);
}

static int
vhost_grow(struct stack *s)
{
	struct vhost **old = s->vhosts, **nv;
	size_t oldcap = s->vcap, i, j;

	if ((nv = calloc(oldcap ? oldcap * 2 : 16, sizeof(*nv))) == NULL)
		return -1;
	s->vhosts = nv;
	s->vcap = oldcap ? oldcap * 2 : 16;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		for (j = vslot(s, old[i]->tmpl); nv[j] != NULL;
		    j = (j + 1) & (s->vcap - 1))
			;
		nv[j] = old[i];
	}
	free(old);
	return 0;
}

static void
token_copy(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i < size - 1; i++)
		dst[i] = isalnum((unsigned char)src[i]) ||
		    strchr("._:-", src[i]) != NULL ? src[i] : '_';
	dst[i] = '\0';
}

struct vhost *
vhost_get(struct stack *s, const struct template *t)
{
	struct vhost *vh;
	size_t i;

	if (s->vcap != 0)
		for (i = vslot(s, t); s->vhosts[i] != NULL;
		    i = (i + 1) & (s->vcap - 1))
			if (s->vhosts[i]->tmpl == t)
				return s->vhosts[i];
	if ((s->nvhosts + 1) * 2 > s->vcap && vhost_grow(s) == -1)
		return NULL;
	if ((vh = calloc(1, sizeof(*vh))) == NULL)
		return NULL;
	vh->tmpl = t;
	if (t->personality_random)
		personality_at(&vh->pers, (size_t)(stack_rand(s) %
		    personality_nbuiltin()));
	else
		personality_for(&vh->pers, t->personality);
	if (t->ether_vendor != NULL && oui_lookup(t->ether_vendor,
	    vh->oui) == 0)
		vh->has_oui = 1;
	vh->ipid = (uint16_t)stack_rand(s);
	vh->isn = (uint32_t)stack_rand(s);
	/* Unset uptime: a plausible one, 1 to 30 days. */
	vh->uptime_us = t->uptime >= 0 ? (uint64_t)t->uptime * 1000000 :
	    (86400 + stack_rand(s) % (29 * 86400)) * 1000000;
	vh->unreach_at = s->now;
	vh->unreach_tokens = vh->pers.unreach_per_s ?
	    (uint64_t)vh->pers.unreach_burst * 1000000 /
	    vh->pers.unreach_per_s : 0;
	token_copy(vh->name, sizeof(vh->name), t->name);
	for (i = vslot(s, t); s->vhosts[i] != NULL;
	    i = (i + 1) & (s->vcap - 1))
		;
	s->vhosts[i] = vh;
	s->nvhosts++;
	return vh;
}

void
vhost_fini(struct stack *s)
{
	size_t i;

	for (i = 0; i < s->vcap; i++)
		free(s->vhosts[i]);
	free(s->vhosts);
	s->vhosts = NULL;
	s->vcap = s->nvhosts = 0;
}

/*
 * The template's fixed MAC; else its vendor's prefix and three bytes
 * hashed from the address, stable across restarts; else the interface's.
 */
void
vhost_mac(struct stack *s, const struct template *t, const struct addr *a,
    int ifindex, uint8_t mac[6])
{
	const struct stack_iface *ifc;
	uint8_t oui[3];
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	if (t != NULL && t->has_mac) {
		memcpy(mac, t->mac, 6);
		return;
	}
	if (t != NULL && t->ether_vendor != NULL &&
	    oui_lookup(t->ether_vendor, oui) == 0) {
		for (i = 0; i < 16; i++)
			h = (h ^ a->a[i]) * 16777619u;
		memcpy(mac, oui, 3);
		mac[3] = (uint8_t)(h >> 16);
		mac[4] = (uint8_t)(h >> 8);
		mac[5] = (uint8_t)h;
		return;
	}
	if ((ifc = stack_iface(s, ifindex)) != NULL)
		memcpy(mac, ifc->mac, 6);
	else
		memset(mac, 0, 6);
}

uint16_t
vhost_ipid(struct stack *s, struct vhost *vh, uint8_t cls)
{
	switch (cls) {
	case IPID_INCR:
		return ++vh->ipid;
	case IPID_RANDINCR:
		vh->ipid += 1 + (uint16_t)(stack_rand(s) % 1024);
		return vh->ipid;
	case IPID_ZERO:
		return 0;
	case IPID_RANDOM:
		return (uint16_t)stack_rand(s);
	case IPID_BROKEN:
		vh->ipid += 256;
		return vh->ipid;
	case IPID_CONST:
		break;
	}
	return vh->ipid;
}

uint32_t
vhost_isn(struct stack *s, struct vhost *vh)
{
	switch (vh->pers.isn) {
	case ISN_INCR:
		vh->isn += vh->pers.isn_incr ? vh->pers.isn_incr : 64000;
		return vh->isn;
	case ISN_TIME64K:
		vh->isn += 64000;
		return vh->isn + (uint32_t)((s->now - s->boot) / 1000000) *
		    64000;
	case ISN_CONST:
		return vh->isn;
	}
	return (uint32_t)stack_rand(s);
}

/* RFC 7323 §5.4: a clock of ts_hz ticks that started at boot. */
uint32_t
vhost_tsval(struct stack *s, struct vhost *vh)
{
	uint64_t us = vh->uptime_us + (s->now - s->boot);

	return (uint32_t)(us / 1000 * vh->pers.ts_hz / 1000);
}

/* A token bucket, in µs of credit, like the kernels' ICMP rate limits. */
int
vhost_unreach_ok(struct stack *s, struct vhost *vh)
{
	uint64_t cost, max;

	if (vh->pers.unreach_per_s == 0)
		return 1;
	cost = 1000000 / vh->pers.unreach_per_s;
	max = cost * (vh->pers.unreach_burst ? vh->pers.unreach_burst : 1);
	vh->unreach_tokens += s->now - vh->unreach_at;
	vh->unreach_at = s->now;
	if (vh->unreach_tokens > max)
		vh->unreach_tokens = max;
	if (vh->unreach_tokens < cost)
		return 0;
	vh->unreach_tokens -= cost;
	return 1;
}
