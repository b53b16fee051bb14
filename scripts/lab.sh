#!/usr/bin/env bash
# The DIAS lab (DESIGN §8): a small LAN made of network namespaces.
#
#                 outside 10.20.0.0/24            servers 10.30.0.0/24
#   [attacker] .2 ---------------------- .1 [fw] .1 ------------------ .2 [server]
#                                            .1 |
#                            LAN 10.10.0.0/24   |
#        [lan: bridge br0] ---------------------+
#            |             |
#   [sensor] .2    [client] .3        unused: 10.10.0.10 - 10.10.0.254
#
# IPv6 uses the documentation prefix 2001:db8::/32 in the same shape
# (2001:db8:10::/64 LAN, :20:: outside, :30:: servers).  No namespace has a
# link to the host's own namespace, so nothing can be routed off the machine.
#
#   lab.sh up             create the lab (tears down a stale one first)
#   lab.sh down           remove every lab namespace; always succeeds
#   lab.sh status         list the nodes and their addresses
#   lab.sh exec NODE CMD  run CMD inside node NODE (sensor, client, attacker …)
#   lab.sh ns NODE        print the namespace name of NODE
#
# LAB_PREFIX (default "dias") prefixes every namespace name.
set -euo pipefail

prefix=${LAB_PREFIX:-dias}
nodes=(lan sensor client fw attacker server)

ns() { printf '%s-%s' "$prefix" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

die() { echo "lab: $*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
	command -v ip >/dev/null || die "iproute2 (ip) is not installed"
}

lab_down() {
	local n
	for n in "${nodes[@]}"; do
		# Killing what still runs inside lets the namespace really go.
		if ip netns pids "$(ns "$n")" >/dev/null 2>&1; then
			ip netns pids "$(ns "$n")" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
			ip netns del "$(ns "$n")" 2>/dev/null || true
		fi
	done
	return 0
}

# Make a node: loopback up, forwarding off, no DAD delays, no router
# solicitations that would wait for answers nobody gives.
node_add() {
	local n=$1
	ip netns add "$(ns "$n")"
	in_ns "$n" ip link set lo up
	in_ns "$n" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	in_ns "$n" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.default.router_solicitations=0 \
	    net.ipv6.conf.default.accept_ra=0
}

# Join node $1 (interface $2, addresses $3 and $4) to the LAN bridge.
lan_port() {
	local n=$1 ifname=$2 v4=$3 v6=$4 port="p-$1"
	ip link add "$port" netns "$(ns lan)" type veth peer name "$ifname" \
	    netns "$(ns "$n")"
	in_ns lan ip link set "$port" master br0 up
	in_ns "$n" ip addr add "$v4" dev "$ifname"
	in_ns "$n" ip addr add "$v6" dev "$ifname" nodad
	in_ns "$n" ip link set "$ifname" up
}

# A point-to-point link between node $1 and node $3.
p2p() {
	local a=$1 aif=$2 b=$3 bif=$4 a4=$5 a6=$6 b4=$7 b6=$8
	ip link add "$aif" netns "$(ns "$a")" type veth peer name "$bif" \
	    netns "$(ns "$b")"
	in_ns "$a" ip addr add "$a4" dev "$aif"
	in_ns "$a" ip addr add "$a6" dev "$aif" nodad
	in_ns "$b" ip addr add "$b4" dev "$bif"
	in_ns "$b" ip addr add "$b6" dev "$bif" nodad
	in_ns "$a" ip link set "$aif" up
	in_ns "$b" ip link set "$bif" up
}

lab_up() {
	local n
	lab_down
	for n in "${nodes[@]}"; do
		node_add "$n"
	done

	in_ns lan ip link add br0 type bridge
	# No STP and no forwarding delay: ports forward the moment they are up.
	in_ns lan ip link set br0 type bridge stp_state 0 forward_delay 0
	in_ns lan ip link set br0 up

	lan_port sensor eth0 10.10.0.2/24 2001:db8:10::2/64
	lan_port client eth0 10.10.0.3/24 2001:db8:10::3/64
	lan_port fw eth0 10.10.0.1/24 2001:db8:10::1/64
	p2p fw eth1 attacker eth0 10.20.0.1/24 2001:db8:20::1/64 \
	    10.20.0.2/24 2001:db8:20::2/64
	p2p fw eth2 server eth0 10.30.0.1/24 2001:db8:30::1/64 \
	    10.30.0.2/24 2001:db8:30::2/64

	in_ns fw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	for n in sensor client; do
		in_ns "$n" ip route add default via 10.10.0.1
		in_ns "$n" ip -6 route add default via 2001:db8:10::1
	done
	in_ns attacker ip route add default via 10.20.0.1
	in_ns attacker ip -6 route add default via 2001:db8:20::1
	in_ns server ip route add default via 10.30.0.1
	in_ns server ip -6 route add default via 2001:db8:30::1
	echo "lab: up ($(printf '%s ' "${nodes[@]}"| sed 's/ $//'); prefix $prefix)"
}

lab_status() {
	local n
	for n in "${nodes[@]}"; do
		if ! ip netns pids "$(ns "$n")" >/dev/null 2>&1; then
			echo "$n: down"
			continue
		fi
		printf '%s:' "$n"
		in_ns "$n" ip -br addr show | awk '$1 != "lo" {
		    printf " %s", $1; for (i = 3; i <= NF; i++) printf " %s", $i }'
		echo
	done
}

cmd=${1:-}
[ -n "$cmd" ] || die "usage: lab.sh up|down|status|exec NODE CMD...|ns NODE"
shift
case "$cmd" in
up)	need_root; lab_up ;;
down)	need_root; lab_down; echo "lab: down" ;;
status)	need_root; lab_status ;;
exec)
	need_root
	[ $# -ge 2 ] || die "usage: lab.sh exec NODE CMD..."
	n=$1; shift
	in_ns "$n" "$@"
	;;
ns)	[ $# -eq 1 ] || die "usage: lab.sh ns NODE"; ns "$1"; echo ;;
*)	die "unknown command '$cmd' (up, down, status, exec, ns)" ;;
esac
