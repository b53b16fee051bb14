#!/usr/bin/env bash
# The real-time path (issue 6): from a connection's first packet at the
# sensor to its row being queryable in the server's store.  N bounded TCP
# connections from the attacker, one at a time; for each, the time from
# just before the SYN is sent to the first moment a SELECT finds its
# connection event.  The median must be under 1 s.
#   SHIP_LAT_N=N   connections (default 20)
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/ship.sh"
need_cmd curl nc sqlite3
N=${SHIP_LAT_N:-20}
ship_begin
ship_srv_start
ship_enroll
sensor_start ship.conf || { fail "sensor starts"; finish; exit; }
sleep 1
: >"$lab_tmp/lat"
for i in $(seq "$N"); do
	port=$((40000 + i))
	t0=$(date +%s%N)
	on attacker nc -z -w 1 -p "$port" 10.10.0.70 80 >/dev/null 2>&1 &
	ncpid=$!
	got=
	for _ in $(seq 300); do
		n=$(sqlite3 "$T/dias.db" "SELECT count(*) FROM events WHERE kind = 1 AND line LIKE '%\"sport\":$port,%'" 2>/dev/null)
		if [ "${n:-0}" -ge 1 ]; then
			got=$(date +%s%N)
			break
		fi
		sleep 0.01
	done
	wait "$ncpid"
	[ -n "$got" ] && echo $(( (got - t0) / 1000000 )) >>"$lab_tmp/lat"
done
n=$(wc -l <"$lab_tmp/lat")
[ "$n" = "$N" ] && ok "all $N connections became queryable" || fail "only $n of $N became queryable"
median=$(sort -n "$lab_tmp/lat" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p90=$(sort -n "$lab_tmp/lat" | awk '{a[NR]=$1} END {print a[int(NR*0.9+0.5)]}')
echo "# latency first packet -> queryable row: median ${median} ms, p90 ${p90} ms, max $(sort -n "$lab_tmp/lat" | tail -1) ms (N=$n)"
[ -n "$median" ] && [ "$median" -lt 1000 ] && ok "median latency ${median} ms < 1 s" || fail "median latency ${median} ms"
sensor_stop
finish
