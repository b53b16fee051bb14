#!/usr/bin/env bash
# kill -9 of every sensor process mid-run while the server is away, and a
# segment whose last record the test tears by hand: at the next start the
# spool cuts the torn tail, and every event fsynced before the kill
# reaches the store exactly once, byte for byte as it was spooled.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/ship.sh"
need_cmd curl nc nmap hping3 sqlite3 truncate
ship_begin
ship_srv_start
ship_enroll
ship_srv_stop
sensor_start ship.conf || { fail "sensor starts"; finish; exit; }

ship_attack 200 20
synced=$(ship_stat synced)
"$SPOOL_CAT" "$sensor_dir/spool" >"$lab_tmp/before.ndjson"
[ "${synced:-0}" -gt 100 ] && ok "$synced events fsynced with the server away" || fail "synced: '$synced'"
# More traffic, and kill -9 of all four processes while it flows.
( for i in $(seq 10); do echo "late-$i" | on attacker nc -q 0 -w 1 10.10.0.60 80; done ) >/dev/null 2>&1 &
sleep 0.3
kill -9 $(sensor_pidof parent) $(sensor_pidof engine) $(sensor_pidof capture) $(sensor_pidof shipper)
wait $! 2>/dev/null
sensor_wait
seg=$(ls "$sensor_dir"/spool/seg-*.spool | tail -1)
size=$(stat -c %s "$seg")
truncate -s $((size - 7)) "$seg"
ok "tore the last record of $(basename "$seg") ($size -> $((size - 7)) bytes)"

ship_srv_start
sensor_start ship.conf || fail "sensor restarts after kill -9"
check "the spool cut the torn tail at start" grep -q "shipper: spool: cut a torn tail" "$sensor_log"
ship_check_exact "after kill -9 and a torn segment" 60
# The fsynced events are the ones spooled before the kill, unchanged.
srv_sql "SELECT line FROM events WHERE seq <= $synced ORDER BY seq" >"$lab_tmp/stored.ndjson"
head -n "$((synced - 1))" "$lab_tmp/before.ndjson" >"$lab_tmp/want.ndjson"
head -n "$((synced - 1))" "$lab_tmp/stored.ndjson" >"$lab_tmp/got.ndjson"
cmp -s "$lab_tmp/want.ndjson" "$lab_tmp/got.ndjson" &&
	ok "events 1..$((synced - 1)) stored as spooled before the kill, byte for byte" ||
	fail "stored events differ from what was spooled: $(diff "$lab_tmp/want.ndjson" "$lab_tmp/got.ndjson" | head -3)"
for _ in $(seq 30); do
	srv_sql "SELECT counters FROM sensors WHERE name = '$SENSOR_NAME'" | grep -q '"spool.torn_bytes":[1-9]' && break
	sleep 0.2
done
check "the heartbeat reports the torn bytes cut" \
	sh -c "sqlite3 '$T/dias.db' \"SELECT counters FROM sensors\" | grep -q '\"spool.torn_bytes\":[1-9]'"
sensor_stop
check "the sensor stopped cleanly" test "$sensor_rc" = 0
finish
