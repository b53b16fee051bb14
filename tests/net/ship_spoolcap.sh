#!/usr/bin/env bash
# The spool's cap (1M here) is reached while the server is away: the
# oldest unshipped events are dropped, the drop becomes an alert event
# (sid 9000001) that reaches the server, heartbeats count it
# (drops.spool_full), and the sensor keeps working throughout.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/ship.sh"
need_cmd curl nc sqlite3
ship_begin
ship_srv_start
ship_enroll
ship_srv_stop
sensor_start ship-small.conf || { fail "sensor starts"; finish; exit; }

# ~3 MB of payload events: 20 connections echoing 60 KB each way.
head -c 60000 /dev/urandom >"$lab_tmp/blob"
for i in $(seq 20); do
	on attacker nc -q 1 -w 3 10.10.0.5$((i % 5)) 80 <"$lab_tmp/blob" >/dev/null 2>&1
done
sleep 1
check "the shipper says the spool was full and what it dropped" \
	grep -q "shipper: spool full: dropped [0-9]* unshipped events" "$sensor_log"
dropped=$(ship_stat dropped)
[ "${dropped:-0}" -gt 0 ] && ok "$dropped events dropped for space" || fail "dropped: '$dropped'"
du=$(du -sb "$sensor_dir/spool" | cut -f1)
segs=$(cat "$sensor_dir"/spool/seg-*.spool | wc -c)
[ "$segs" -le $((1024 * 1024 + 65536)) ] && ok "the segments stay within the cap: $segs bytes" ||
	fail "segments hold $segs bytes (dir $du)"

# Still working: a new connection is spooled.
echo "after-the-cap" | on attacker nc -q 1 -w 2 10.10.0.61 80 >/dev/null 2>&1
sleep 0.5
check "the sensor keeps recording after the drop" spool_grep -q '"dst":"10.10.0.61"'

ship_srv_start
ship_wait_drained 60 && ok "the backlog drained once the server was back" || fail "backlog: $(ship_stat backlog)"
alerts=$(srv_sql "SELECT count(*) FROM events WHERE line LIKE '%\"kind\":\"alert\"%\"sid\":9000001%spool full%'")
[ "${alerts:-0}" -ge 1 ] && ok "the drop reached the server as $alerts alert event(s)" || fail "no drop alert in the store"
check "the connection made after the drop is in the store" \
	test "$(srv_sql "SELECT count(*) FROM events WHERE line LIKE '%\"dst\":\"10.10.0.61\"%'")" -ge 1
for _ in $(seq 30); do
	srv_sql "SELECT counters FROM sensors WHERE name = '$SENSOR_NAME'" | grep -q '"drops.spool_full":[1-9]' && break
	sleep 0.2
done
check "heartbeats report the drop (drops.spool_full)" \
	sh -c "sqlite3 '$T/dias.db' \"SELECT counters FROM sensors\" | grep -q '\"drops.spool_full\":[1-9]'"
n=$(srv_sql "SELECT count(*) FROM events")
d=$(srv_sql "SELECT count(DISTINCT seq) FROM events")
[ "$n" = "$d" ] && ok "no event stored twice ($n)" || fail "$n rows, $d distinct seqs"
# What was dropped is exactly what is missing: stored + dropped = spooled.
# Take the sensor's figures once, then let the store catch up with them
# (the sensor keeps spooling, heartbeats for one) and count up to there.
next=$(ship_stat next_seq)
dropped=$(ship_stat dropped)
want=$((next - 1))
for _ in $(seq 150); do
	hi=$(srv_sql "SELECT coalesce(max(seq), 0) FROM events")
	[ "$hi" -ge "$want" ] && break
	sleep 0.2
done
n=$(srv_sql "SELECT count(*) FROM events WHERE seq <= $want")
[ $((n + dropped)) = "$want" ] && ok "stored ($n) + dropped ($dropped) = every seq spooled ($want)" ||
	fail "stored $n + dropped $dropped != $want (the store's highest seq: $hi)"
sensor_stop
check "the sensor stopped cleanly" test "$sensor_rc" = 0
finish
