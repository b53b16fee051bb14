/*
 * Self-protection table through libnftables (firewall.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "firewall.h"
#include "log.h"

#define RULESET_MAX	(1024 * 1024)
#define SERVER_ADDRS	8

/*
 * The server's addresses from its URL: a literal (https://10.30.0.2/,
 * https://[2001:db8::2]:8443/) or a name resolved now, once.
 */
static size_t
server_addrs(const struct conf *conf, struct addr *out, size_t max)
{
	const char *url = conf_sensor(conf)->server;
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	size_t n = 0;

	if (url == NULL || addr_url_host(url, host, sizeof(host), NULL) == -1)
		return 0;
	if (addr_parse(host, &out[0]) == 0)
		return 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		log_warnx("firewall: cannot resolve server %s; only the "
		    "management addresses may connect", host);
		return 0;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		memset(&out[n], 0, sizeof(out[n]));
		if (ai->ai_family == AF_INET) {
			out[n].af = AF_INET;
			memcpy(out[n].a, &((struct sockaddr_in *)(void *)
			    ai->ai_addr)->sin_addr, 4);
			n++;
		} else if (ai->ai_family == AF_INET6) {
			out[n].af = AF_INET6;
			memcpy(out[n].a, &((struct sockaddr_in6 *)(void *)
			    ai->ai_addr)->sin6_addr, 16);
			n++;
		}
	}
	freeaddrinfo(res);
	return n;
}

/* The server URL's port: explicit, else 443. */
static unsigned
server_port(const struct conf *conf)
{
	const char *url = conf_sensor(conf)->server, *p;
	char host[256];
	unsigned port = 0;

	if (url == NULL || addr_url_host(url, host, sizeof(host), &p) == -1 ||
	    *p != ':')
		return 443;
	for (p++; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (unsigned)(*p - '0');
	return port >= 1 && port <= 65535 ? port : 443;
}

/* "ip daddr { a, b-c } drop" for one family's ranges in set, if any. */
static int
add_daddr_rule(struct buf *b, const struct addrset *set, int af)
{
	struct addr lo, hi;
	char s1[ADDR_STRLEN], s2[ADDR_STRLEN];
	size_t i, n = 0;

	for (i = 0; set != NULL && i < addrset_nranges(set); i++) {
		addrset_range(set, i, &lo, &hi);
		if (lo.af != af)
			continue;
		addr_fmt(&lo, s1, sizeof(s1));
		addr_fmt(&hi, s2, sizeof(s2));
		if (buf_printf(b, "%s%s", n++ ? ", " : (af == AF_INET ?
		    "\t\tip daddr { " : "\t\tip6 daddr { "), s1) == -1)
			return -1;
		if (!addr_eq(&lo, &hi) && buf_printf(b, "-%s", s2) == -1)
			return -1;
	}
	if (n > 0 && buf_addstr(b, " } drop\n") == -1)
		return -1;
	return 0;
}

/* "ip saddr { a, b-c } accept" for one family, if it has any. */
static int
add_saddr_rule(struct buf *b, const struct addrset *mgmt,
    const struct addr *srv, size_t nsrv, int af)
{
	struct addr lo, hi;
	char s1[ADDR_STRLEN], s2[ADDR_STRLEN];
	size_t i, n = 0;

	for (i = 0; mgmt != NULL && i < addrset_nranges(mgmt); i++) {
		addrset_range(mgmt, i, &lo, &hi);
		if (lo.af != af)
			continue;
		addr_fmt(&lo, s1, sizeof(s1));
		addr_fmt(&hi, s2, sizeof(s2));
		if (buf_printf(b, "%s%s", n++ ? ", " : (af == AF_INET ?
		    "\t\tip saddr { " : "\t\tip6 saddr { "), s1) == -1)
			return -1;
		if (!addr_eq(&lo, &hi) && buf_printf(b, "-%s", s2) == -1)
			return -1;
	}
	for (i = 0; i < nsrv; i++) {
		if (srv[i].af != af)
			continue;
		addr_fmt(&srv[i], s1, sizeof(s1));
		if (buf_printf(b, "%s%s", n++ ? ", " : (af == AF_INET ?
		    "\t\tip saddr { " : "\t\tip6 saddr { "), s1) == -1)
			return -1;
	}
	if (n > 0 && buf_addstr(b, " } accept\n") == -1)
		return -1;
	return 0;
}

int
firewall_ruleset(const struct conf *conf, uid_t uid, char *out,
    size_t outlen)
{
	struct addr srv[SERVER_ADDRS];
	struct buf b;
	char s1[ADDR_STRLEN];
	size_t nsrv, i;
	int rv = -1;

	nsrv = server_addrs(conf, srv, SERVER_ADDRS);
	buf_init(&b, RULESET_MAX);
	/* add + delete + define in one batch: replaces a stale table
	 * atomically, and works when there is none. */
	if (buf_addstr(&b, "add table inet " FIREWALL_TABLE "\n"
	    "delete table inet " FIREWALL_TABLE "\n"
	    "table inet " FIREWALL_TABLE " {\n"
	    "\tchain input {\n"
	    "\t\ttype filter hook input priority filter - 10; "
	    "policy accept;\n"
	    "\t\tiif \"lo\" accept\n"
	    "\t\tct state established,related accept\n"
	    "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
	    "nd-router-advert, nd-redirect } accept\n"
	    "\t\tudp sport 67 udp dport 68 accept\n"
	    "\t\tudp sport 547 udp dport 546 accept\n") == -1)
		goto done;
	if (add_saddr_rule(&b, conf_management(conf), srv, nsrv,
	    AF_INET) == -1 ||
	    add_saddr_rule(&b, conf_management(conf), srv, nsrv,
	    AF_INET6) == -1)
		goto done;
	if (buf_addstr(&b, "\t\tcounter drop comment \"dias: not from "
	    "management or server\"\n\t}\n") == -1)
		goto done;
	/*
	 * The engine answers for bound addresses from its ring; a host that
	 * forwards must not also route their traffic on.  Claimed ranges
	 * are not listed: they hold addresses in use, which a routing host
	 * must keep reaching (the claimed ones change at run time).
	 */
	/*
	 * Egress: the sensor's processes (its user's sockets: the shipper,
	 * service scripts) start new connections only to the server.
	 * Replies to management and to what they started pass as
	 * established or related; the engine's frames leave through
	 * AF_PACKET and never meet this hook.
	 */
	if (buf_printf(&b, "\tchain output {\n"
	    "\t\ttype filter hook output priority filter - 10; "
	    "policy accept;\n"
	    "\t\tmeta skuid != %lu accept\n"
	    "\t\toif \"lo\" accept\n"
	    "\t\tct state established,related accept\n"
	    "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
	    "nd-router-solicit } accept\n"
	    "\t\tudp sport 68 udp dport 67 accept\n"
	    "\t\tudp sport 546 udp dport 547 accept\n",
	    (unsigned long)uid) == -1)
		goto done;
	for (i = 0; i < nsrv; i++) {
		addr_fmt(&srv[i], s1, sizeof(s1));
		if (buf_printf(&b, "\t\t%s daddr %s tcp dport %u accept\n",
		    srv[i].af == AF_INET ? "ip" : "ip6", s1,
		    server_port(conf)) == -1)
			goto done;
	}
	if (buf_addstr(&b, "\t\tct state new counter drop comment "
	    "\"dias: the sensor connects only to the server\"\n\t}\n") == -1)
		goto done;
	if (buf_addstr(&b, "\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter - 10; "
	    "policy accept;\n") == -1 ||
	    add_daddr_rule(&b, conf_bound(conf), AF_INET) == -1 ||
	    add_daddr_rule(&b, conf_bound(conf), AF_INET6) == -1 ||
	    buf_addstr(&b, "\t}\n}\n") == -1)
		goto done;
	if (b.len >= outlen)
		goto done;
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	rv = 0;
 done:
	buf_free(&b);
	return rv;
}

static int
nft_run(const char *cmd, int quiet)
{
	struct nft_ctx *nft;
	const char *e;
	int rv;

	if ((nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		log_warnx("firewall: nft_ctx_new failed");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rv = nft_run_cmd_from_buffer(nft, cmd);
	if (rv != 0 && !quiet) {
		e = nft_ctx_get_error_buffer(nft);
		log_warnx("firewall: nft: %s", e != NULL && *e ? e :
		    "failed");
	}
	nft_ctx_free(nft);
	return rv == 0 ? 0 : -1;
}

int
firewall_install(const struct conf *conf, uid_t uid)
{
	char *rules;
	int rv;

	if ((rules = malloc(RULESET_MAX)) == NULL) {
		log_warn("firewall");
		return -1;
	}
	if (firewall_ruleset(conf, uid, rules, RULESET_MAX) == -1) {
		log_warnx("firewall: ruleset too large");
		free(rules);
		return -1;
	}
	rv = nft_run(rules, 0);
	if (rv == 0)
		log_info("firewall: table inet %s installed", FIREWALL_TABLE);
	free(rules);
	return rv;
}

int
firewall_remove(void)
{
	if (nft_run("delete table inet " FIREWALL_TABLE "\n", 1) == -1) {
		/* Gone already is fine; anything else is worth saying. */
		if (nft_run("list table inet " FIREWALL_TABLE "\n", 1) == -1)
			return 0;
		log_warnx("firewall: could not remove table inet %s",
		    FIREWALL_TABLE);
		return -1;
	}
	log_info("firewall: table inet %s removed", FIREWALL_TABLE);
	return 0;
}
