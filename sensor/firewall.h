/*
 * The sensor's self-protection (DESIGN.md §1, "security protection"): an
 * nftables table, inet dias_sensor, that drops every new inbound
 * connection to the sensor host's own addresses, except from the
 * management CIDRs and the server.  Replies to what the host started
 * (established, related) pass, and so do NDP, DHCP replies and loopback.
 * Claimed addresses are not the host's: their frames are taken from the
 * packet ring before the IP stack and never reach the input chain.  A
 * forward chain drops traffic to bound addresses, so that a sensor host
 * that also routes does not pass the attackers' packets on (claimed
 * ranges hold real hosts too, so they are not listed: a sensor host
 * should not route).  An output chain lets the sensor's own processes
 * (sockets of its unprivileged user: the shipper, service scripts) open
 * new connections only to the server's address and port; the rest of the
 * host (root's package updates, an operator's ssh) is not the sensor's to
 * restrict.
 *
 * Installed by the root parent before any child starts and removed on
 * exit.  The table is replaced whole, so a stale one from a crash does not
 * stop a restart.
 */
#ifndef DIAS_FIREWALL_H
#define DIAS_FIREWALL_H

#include <sys/types.h>

#include <stddef.h>

struct conf;

#define FIREWALL_TABLE	"dias_sensor"

/* The ruleset text (for logs and tests), egress limited for sockets of
 * uid, the children's user; -1 if it does not fit. */
int	 firewall_ruleset(const struct conf *, uid_t uid, char *, size_t);
/* Install or replace the table; -1 after logging why. */
int	 firewall_install(const struct conf *, uid_t uid);
/* Delete the table if it is there; -1 after logging why. */
int	 firewall_remove(void);

#endif
