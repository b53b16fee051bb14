#!/usr/bin/env bash
# The shipper's files (issue 6): an upload an attacker PUT to the http
# service arrives on the server under data-dir/uploads/<xx>/<sha256>,
# byte-identical, and leaves the sensor; the day's capture file, closed at
# a stop and announced again at the next start, is on the server under
# data-dir/captures/<sensor>/ with the sha256 the sensor wrote, and leaves
# the sensor.  Heartbeats reach the server with the shipper's counters.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/ship.sh"
need_cmd curl nc sqlite3 sha256sum ping
SHIP_MAX_UPLOAD=256k
ship_begin
ship_srv_start
ship_enroll
sensor_start ship.conf || { fail "sensor starts"; finish; exit; }
[ -n "${SHIP_DEBUG:-}" ] && trap 'cat "$lab_tmp"/sensor.*.log >&2; ship_cleanup' EXIT

# --- an upload: through the spool and the server ----------------------
head -c 200000 /dev/urandom >"$lab_tmp/upload.bin"
sum=$(sha256sum "$lab_tmp/upload.bin" | cut -d' ' -f1)
on attacker curl -s -m 10 -H "Expect:" -o /dev/null -T "$lab_tmp/upload.bin" http://10.10.0.50:8080/drop.bin
blob=$T/data/uploads/${sum:0:2}/$sum
for _ in $(seq 100); do
	[ -f "$blob" ] && [ ! -f "$sensor_dir/spool/uploads/$sum" ] && break
	sleep 0.1
done
check "the upload is on the server as uploads/${sum:0:2}/<sha256>, byte-identical" \
	cmp -s "$lab_tmp/upload.bin" "$blob"
check_not "the sensor deleted its copy once the server confirmed" \
	test -e "$sensor_dir/spool/uploads/$sum"
for _ in $(seq 50); do
	[ "$(srv_sql "SELECT count(*) FROM events WHERE line LIKE '%\"kind\":\"upload\"%$sum%'")" = 1 ] && break
	sleep 0.1
done
check "the upload event is in the store" \
	test "$(srv_sql "SELECT count(*) FROM events WHERE line LIKE '%\"kind\":\"upload\"%$sum%'")" = 1
code=$(on sensor curl -s -o /dev/null -w '%{http_code}' --cacert "$lab_tmp/sensor/ca.pem" \
	--cert "$lab_tmp/sensor/sensor.pem" --key "$lab_tmp/sensor/sensor.key" \
	-T "$lab_tmp/upload.bin" "$SHIP_URL/api/v1/sensor/uploads/$sum")
[ "$code" = 200 ] && ok "the same blob again: 200, the server had it" || fail "blob again: HTTP $code"
bad=$(printf '%064d' 0)
code=$(on sensor curl -s -o /dev/null -w '%{http_code}' --cacert "$lab_tmp/sensor/ca.pem" \
	--cert "$lab_tmp/sensor/sensor.pem" --key "$lab_tmp/sensor/sensor.key" \
	-T "$lab_tmp/upload.bin" "$SHIP_URL/api/v1/sensor/uploads/$bad")
[ "$code" = 400 ] && ok "bytes that do not hash to the name: 400" || fail "mismatch: HTTP $code"
check_not "nothing is kept for a mismatch" test -e "$T/data/uploads/00/$bad"
head -c 300000 /dev/urandom >"$lab_tmp/big.bin"
big=$(sha256sum "$lab_tmp/big.bin" | cut -d' ' -f1)
code=$(on sensor curl -s -o /dev/null -w '%{http_code}' --cacert "$lab_tmp/sensor/ca.pem" \
	--cert "$lab_tmp/sensor/sensor.pem" --key "$lab_tmp/sensor/sensor.key" \
	-T "$lab_tmp/big.bin" "$SHIP_URL/api/v1/sensor/uploads/$big")
[ "$code" = 413 ] && ok "a blob over max-upload (256k): 413" || fail "over max-upload: HTTP $code"
check_not "nothing is kept for a blob over the limit" test -e "$T/data/uploads/${big:0:2}/$big"

# --- heartbeats ------------------------------------------------------
on attacker ping -c 3 -i 0.2 -W 1 10.10.0.77 >/dev/null 2>&1
for _ in $(seq 60); do
	srv_sql "SELECT counters FROM sensors WHERE name = '$SENSOR_NAME'" | grep -q '"engine.frames"' && break
	sleep 0.1
done
hb=$(srv_sql "SELECT counters FROM sensors WHERE name = '$SENSOR_NAME'")
case $hb in
*'"shipper.events"'*'"spool.backlog_records"'*'"drops.spool_full"'*'"engine.frames"'*)
	ok "a heartbeat carries the shipper's, the spool's and the engine's counters" ;;
*) fail "heartbeat counters: $hb" ;;
esac
check "the heartbeat says which addresses are claimed" \
	test "$(srv_sql "SELECT claimed FROM sensors WHERE name = '$SENSOR_NAME'")" -ge 1

# --- the day's capture: closed at stop, shipped at the next start -----
sensor_stop
pcaps=$(ls "$sensor_dir"/capture/*.pcap 2>/dev/null)
[ -n "$pcaps" ] && ok "the stop closed capture files: $(echo $pcaps | wc -w)" || fail "no capture file"
sha256sum $pcaps >"$lab_tmp/pcaps.sum" 2>/dev/null
sensor_start ship.conf || fail "sensor restarts"
for _ in $(seq 100); do
	left=0
	for p in $pcaps; do [ -e "$p" ] && left=1; done
	[ "$left" = 0 ] && break
	sleep 0.1
done
while read -r want path; do
	name=$(basename "$path")
	got=$(sha256sum "$T/data/captures/$SENSOR_NAME/$name" 2>/dev/null | cut -d' ' -f1)
	[ "$got" = "$want" ] && ok "capture $name is on the server, byte-identical (sha256)" ||
		fail "capture $name: server sha256 '$got', sensor wrote $want"
	check_not "the sensor deleted $name after the server confirmed it" test -e "$path"
	check "the store lists $name with its sha256" \
		test "$(srv_sql "SELECT count(*) FROM captures WHERE name = '$name' AND sha256 = '$want'")" = 1
done <"$lab_tmp/pcaps.sum"
# Later runs: the second run's file took the next free name (.1, the
# first was still there when it opened) and is shipped by the third; the
# third run's file reuses the day's first name, which the server holds
# with other bytes (409), so the fourth run sends it under a new name.
on attacker ping -c 2 -i 0.2 -W 1 10.10.0.77 >/dev/null 2>&1
sensor_stop
sensor_start ship.conf || fail "sensor starts a third time"
for _ in $(seq 100); do [ -z "$(ls "$sensor_dir"/capture/*.pcap 2>/dev/null)" ] && break; sleep 0.1; done
on attacker ping -c 2 -i 0.2 -W 1 10.10.0.77 >/dev/null 2>&1
sensor_stop
second=$(ls "$sensor_dir"/capture/*.pcap 2>/dev/null | head -1)
want=$(sha256sum "$second" 2>/dev/null | cut -d' ' -f1)
sensor_start ship.conf || fail "sensor starts a fourth time"
for _ in $(seq 100); do [ -e "$second" ] || break; sleep 0.1; done
stem=$(basename "$second" .pcap)
got=$(sha256sum "$T/data/captures/$SENSOR_NAME/$stem"-*.pcap 2>/dev/null | cut -d' ' -f1)
[ -n "$want" ] && [ "$got" = "$want" ] &&
	ok "$(basename "$second"), a name the server has with other bytes, is stored as $(basename "$(ls "$T/data/captures/$SENSOR_NAME/$stem"-*.pcap)")" ||
	fail "renamed capture: want $want, got '$got'"
sensor_stop
check "the sensor stopped cleanly" test "$sensor_rc" = 0
check_not "the shipper was never killed by its seccomp filter" grep -q "SIGSYS\|seccomp allowlist" "$lab_tmp"/sensor.*.log
finish
