#!/usr/bin/env bash
# The network between sensor and server is cut for 60 s (the router
# drops everything to and from the server, silently) while the attacker
# keeps at it; once it is restored the backlog drains and the store holds
# every event exactly once.
#   SHIP_CUT_S=N   a shorter cut for a quick run
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/ship.sh"
need_cmd curl nc nmap hping3 sqlite3 nft
CUT=${SHIP_CUT_S:-60}
ship_begin
ship_srv_start
ship_enroll
sensor_start ship.conf || { fail "sensor starts"; finish; exit; }
ship_attack 100 10
ship_check_exact "before the cut" 30

on fw nft -f - <<'NFT'
table inet labcut {
	chain forward {
		type filter hook forward priority -100; policy accept;
		ip daddr 10.30.0.2 drop
		ip saddr 10.30.0.2 drop
	}
}
NFT
t0=$(date +%s)
# Attacks during the cut, spread over it.
while [ $(( $(date +%s) - t0 )) -lt $((CUT - 5)) ]; do
	ship_attack 50 5
	sleep 5
done
backlog=$(ship_stat backlog)
[ "${backlog:-0}" -gt 50 ] && ok "a backlog of $backlog events during the ${CUT}s cut" || fail "backlog during the cut: '$backlog'"
check "the shipper noticed (timeouts, backoff)" grep -q "shipper: server: batch not acknowledged" "$sensor_log"
sleep $(( CUT - ($(date +%s) - t0) > 0 ? CUT - ($(date +%s) - t0) : 0 ))
on fw nft delete table inet labcut
t1=$(date +%s)
ship_wait_drained 60 && ok "the backlog drained $(( $(date +%s) - t1 )) s after the network came back" ||
	fail "backlog after the cut: $(ship_stat backlog)"
ship_check_exact "after the cut" 30
sensor_stop
check "the sensor stopped cleanly" test "$sensor_rc" = 0
finish
