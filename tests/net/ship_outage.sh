#!/usr/bin/env bash
# The server is stopped during a bounded attack run (nmap, hping3,
# scripted connections) and started again: the shipper backs off while it
# is away, the spool holds the backlog, and afterwards every event the
# sensor produced is in the store exactly once (no gap, no duplicate).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/ship.sh"
need_cmd curl nc nmap hping3 sqlite3
ship_begin
ship_srv_start
ship_enroll
sensor_start ship.conf || { fail "sensor starts"; finish; exit; }

ship_attack 100 10
ship_check_exact "server up" 30

ship_srv_stop
ship_attack 300 30
sleep 1
backlog=$(ship_stat backlog)
[ "${backlog:-0}" -gt 100 ] && ok "the spool holds a backlog of $backlog events while the server is down" ||
	fail "backlog while down: '$backlog'"
check "the shipper says it backs off" grep -q "shipper: server: batch not acknowledged .* retrying with backoff" "$sensor_log"
failures=$(ship_stat failures)
sleep 3
more=$(ship_stat failures)
# 0.5 s doubling to 30 s: a handful of tries in a few seconds, not hundreds.
[ $((more - failures)) -le 4 ] && ok "backoff: $((more - failures)) retries in 3 s" ||
	fail "no backoff: $((more - failures)) retries in 3 s"

ship_srv_start
ship_check_exact "after the outage" 60
check "the shipper says the server acknowledges again" grep -q "shipper: server: batches acknowledged again" "$sensor_log"
ship_wait_drained 30 && ok "the backlog drained to 0" || fail "backlog: $(ship_stat backlog)"
kinds=$(srv_sql "SELECT group_concat(k) FROM (SELECT DISTINCT json_extract(line, '\$.kind') k FROM events ORDER BY k)")
case $kinds in
*connection*heartbeat*payload*) ok "stored kinds: $kinds" ;;
*) fail "stored kinds: $kinds" ;;
esac
sensor_stop
check "the sensor stopped cleanly" test "$sensor_rc" = 0
finish
