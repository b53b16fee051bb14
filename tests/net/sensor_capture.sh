#!/usr/bin/env bash
# Capture files (issue 4 item 4): named <sensor>-<iface>-<UTC date>.pcap
# (or <date><hour> hourly), rotated by size within the day and by the
# clock (hourly and daily, reached with the test-only
# DIAS_CAPTURE_CLOCK_OFFSET), capped per day with counted drops, each
# closed file announced to the shipper, and every file readable by
# capinfos and tshark, also the .part a kill -9 leaves.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip ping capinfos tshark
lab_begin

cap() { echo "$sensor_dir/capture"; }
# Every file (or the ones given) must read without error or warning.
readable() {
	local f out
	for f in "$@"; do
		out=$(capinfos "$f" 2>&1) || { echo "capinfos $f: $out"; return 1; }
		echo "$out" | grep -qi "cut short\|appears to be damaged" && { echo "$f: $out"; return 1; }
		# (tshark warns on stderr when run as root; nothing else may.)
		tshark -r "$f" >/dev/null 2>"$lab_tmp/tshark.err" || { cat "$lab_tmp/tshark.err"; return 1; }
		grep -v '^Running as user' "$lab_tmp/tshark.err" | grep -q . && { cat "$lab_tmp/tshark.err"; return 1; }
	done
	return 0
}
npkts() { capinfos -c -M "$1" 2>/dev/null | awk '/Number of packets/ { print $NF }'; }
today=$(date -u +%Y%m%d)

# --- size rotation, then kill -9 in the middle of a file --------------
sensor_start capture-size.conf || { fail "sensor starts"; finish; exit 1; }
on attacker ping -c 1 -W 3 10.10.0.50 >/dev/null 2>&1
sleep 0.5
name=$(sensor_events | head -1 | sed -n 's/.*"sensor":"\([^"]*\)".*/\1/p')
echo "sensor name: $name"
# ~200 echo requests and replies of 1442 bytes: ~580K, several files.
on attacker ping -q -c 200 -i 0.005 -s 1400 10.10.0.50 >/dev/null 2>&1
# Traffic that runs while the whole sensor is killed, capture first (so
# that it cannot close its file on its parent's EOF).
on attacker ping -q -c 400 -i 0.005 -s 500 10.10.0.50 >/dev/null 2>&1 &
pingpid=$!
sleep 1
kill -KILL "$(sensor_pidof capture)" "$(sensor_pidof engine)" \
    "$(sensor_pidof shipper)" "$(sensor_pidof parent)"
sensor_wait
wait $pingpid
ls -l "$(cap)"
closed=$(ls "$(cap)"/*.pcap 2>/dev/null)
part=$(ls "$(cap)"/*.part 2>/dev/null)
[ "$(echo "$closed" | grep -c .)" -ge 4 ] &&
	ok "rotate size 128K: $(echo "$closed" | grep -c .) closed files" ||
	fail "rotate size: closed files: $closed"
bad=$(for f in $closed; do basename "$f"; done |
	grep -Ev "^$name-eth0-$today(\.[0-9]+)?\.pcap\$")
[ -z "$bad" ] && ok "names are <sensor>-eth0-$today[.N].pcap" || fail "names: $bad"
big=$(find "$(cap)" -name '*.pcap' -size +$((128 * 1024 + 1600))c)
[ -z "$big" ] && ok "no file is past 128K by more than one record" || fail "too big: $big"
check "capinfos and tshark read every closed file" readable $closed
[ -n "$part" ] && ok "kill -9 left the open file: $(basename "$part")" || fail "no .part after kill -9"
if [ -n "$part" ]; then
	if readable $part; then
		[ "$(npkts "$part")" -gt 0 ] &&
			ok "the .part is readable to its last record ($(npkts "$part") packets)" ||
			fail "the .part holds no packet"
	else
		fail "the .part is not readable"
	fi
fi
icmp_type() {	# type, files: how many ICMP packets of that type
	local t=$1 f; shift
	for f in "$@"; do tshark -r "$f" -Y "icmp.type == $t" 2>/dev/null; done | grep -c .
}
req=$(icmp_type 8 $closed)
rep=$(icmp_type 0 $closed)
[ "$req" -gt 100 ] && [ "$rep" -gt 100 ] &&
	ok "both directions are in the files: $req echo requests, $rep replies" ||
	fail "echo requests $req, replies $rep"

# --- restart: the .part is recovered; the daily cap drops, counted -----
sensor_start capture-size.conf || { fail "sensor restarts"; finish; exit 1; }
if [ -n "$part" ]; then
	rec=$(basename "$part" .part)
	check "restart: the .part became $rec" test -f "$(cap)/$rec"
	check "restart: the shipper was told about $rec" grep -q "^$rec " "$sensor_dir/spool/captures.list"
fi
on attacker ping -c 1 -W 3 10.10.0.50 >/dev/null 2>&1
# Today's files so far count: ~870K more is past the 1M cap.
on attacker ping -q -c 300 -i 0.005 -s 1400 10.10.0.50 >/dev/null 2>&1
kill -USR1 "$(sensor_pidof parent)"
sleep 0.5
dropped=$(sed -n 's/.*capture: stats: capture.eth0.dropped \([0-9]*\).*/\1/p' "$sensor_log" | tail -1)
[ "${dropped:-0}" -gt 0 ] && ok "past max 1M, $dropped frames are dropped and counted (SIGUSR1)" ||
	fail "no drops counted: '${dropped:-}'"
check "the cap is logged" grep -q "reached the capture size limit (1048576 bytes)" "$sensor_log"
# The ring (2 MiB) holds a 200/s run of 1.4 kB frames: the kernel lost none.
ringd=$(sed -n 's/.*capture: stats: capture.eth0.ring_drops \([0-9]*\).*/\1/p' "$sensor_log" | tail -1)
[ "${ringd:-x}" = 0 ] && ok "the ring lost no frame (capture.eth0.ring_drops 0)" ||
	fail "capture.eth0.ring_drops '${ringd:-}'"
sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || fail "exit $sensor_rc"
run2=$(for f in $(ls "$(cap)"/*.pcap); do echo "$closed" | grep -qx "$f" || echo "$f"; done)
[ -n "$part" ] && run2=$(echo "$run2" | grep -v "/$rec\$")
total=$(for f in "$(cap)"/*.pcap; do stat -c %s "$f"; done | awk '{ s += $1 } END { print s + 0 }')
[ "$total" -le $((1024 * 1024)) ] && [ "$total" -gt $((900 * 1024)) ] &&
	ok "today's files, both runs, hold $total bytes: at most the 1M cap, and close to it" ||
	fail "today's files hold $total bytes"
check "capinfos and tshark read every file" readable $(ls "$(cap)"/*.pcap)
check "no .part after a clean exit" sh -c "! ls '$(cap)'/*.part 2>/dev/null"
for f in $run2; do
	grep -q "^$(basename "$f") " "$sensor_dir/spool/captures.list" || { fail "$(basename "$f") not announced"; break; }
done && ok "every closed file was announced to the shipper"

# --- hourly and daily rotation by the clock ----------------------------
# DIAS_CAPTURE_CLOCK_OFFSET puts the capture's clock 4 s before the next
# UTC hour (day); traffic across it must land in two files named for
# the two hours (days).
across() {	# conf, period (3600 or 86400), strftime format
	local now off t0 t1 f1 f2
	rm -rf "$sensor_dir"
	now=$(date +%s)
	off=$(( ($now / $2 + 1) * $2 - $now - 4 ))
	export DIAS_CAPTURE_CLOCK_OFFSET=$off
	sensor_start "$1"
	unset DIAS_CAPTURE_CLOCK_OFFSET
	t0=$(date -u -d @$(( $(date +%s) + off )) +"$3")
	on attacker ping -q -c 16 -i 0.5 10.10.0.50 >/dev/null 2>&1
	t1=$(date -u -d @$(( $(date +%s) + off )) +"$3")
	sensor_stop
	f1=$(cap)/$name-eth0-$t0.pcap
	f2=$(cap)/$name-eth0-$t1.pcap
	ls "$(cap)"
	[ "$t0" != "$t1" ] && [ -f "$f1" ] && [ -f "$f2" ] &&
		ok "$4: the traffic is split into $(basename "$f1") and $(basename "$f2")" ||
		fail "$4: files $(ls "$(cap)" | tr '\n' ' '), want $t0 and $t1"
	check "$4: both files are readable" readable "$f1" "$f2"
	[ "$(npkts "$f1")" -gt 0 ] && [ "$(npkts "$f2")" -gt 0 ] &&
		ok "$4: both hold packets ($(npkts "$f1") and $(npkts "$f2"))" ||
		fail "$4: packets $(npkts "$f1") and $(npkts "$f2")"
}
across capture-hourly.conf 3600 %Y%m%d%H "hourly"
across capture-size.conf 86400 %Y%m%d "daily"
finish
