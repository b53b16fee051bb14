#!/usr/bin/env bash
# dias-sensor's process model in the lab (DESIGN §3): jailed children,
# the self-protection table, capture files, clean and unclean exits.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip nft nc tcpdump arping ping
lab_begin

sensor_start lab.conf || { fail "sensor starts"; finish; exit 1; }
ok "sensor starts in the lab"

# Every child runs unprivileged, chrooted, under a seccomp filter.
for role in engine capture shipper; do
	pid=$(sensor_pidof $role)
	[ -n "$pid" ] && [ -r /proc/$pid/status ] ||
	    { fail "$role is running"; continue; }
	uid=$(awk '/^Uid:/ { print $2 }' /proc/$pid/status)
	[ "$(awk '/^Uid:/ { print ($2 && $3 && $4 && $5) ? "unpriv" : "root" }' /proc/$pid/status)" = unpriv ] &&
	    ok "$role runs with uid $uid, not root" || fail "$role runs as root"
	[ "$(awk '/^Seccomp:/ { print $2 }' /proc/$pid/status)" = 2 ] &&
	    ok "$role has Seccomp: 2" || fail "$role is not under seccomp filter mode"
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$pid/status)" = 1 ] &&
	    ok "$role has NoNewPrivs" || fail "$role lacks NoNewPrivs"
	[ "$(awk '/^CapEff:/ { print $2 }' /proc/$pid/status)" = 0000000000000000 ] &&
	    ok "$role has no capabilities" || fail "$role keeps capabilities"
	[ "$(cat /proc/$pid/comm)" = "dias-$role" ] &&
	    ok "$role is named dias-$role" || fail "$role comm is $(cat /proc/$pid/comm)"
done
root=$(readlink /proc/$(sensor_pidof engine)/root)
[ "$root" = "$sensor_dir/empty" ] && ok "engine is chrooted to the empty dir" ||
	fail "engine root is $root"
[ -z "$(ls -A "$sensor_dir/empty")" ] && ok "the engine's chroot is empty" ||
	fail "the engine's chroot is not empty"
root=$(readlink /proc/$(sensor_pidof capture)/root)
[ "$root" = "$sensor_dir/capture" ] && ok "capture is chrooted to capture_dir" ||
	fail "capture root is $root"
root=$(readlink /proc/$(sensor_pidof shipper)/root)
[ "$root" = "$sensor_dir/spool" ] && ok "shipper is chrooted to spool_dir" ||
	fail "shipper root is $root"
# The engine holds only its channels and the ring: no files, no sockets
# but the packet socket and the two socketpairs.
fds=$(ls -l /proc/$(sensor_pidof engine)/fd | awk 'NR > 1 { print $NF }' |
	grep -v -E '^(/dev/null|/dev/pts/[0-9]+|pipe:.*|socket:.*|anon_inode:.*)$' | grep -v "$lab_tmp/sensor\.[0-9]*\.log")
[ -z "$fds" ] && ok "the engine holds no file but its log" ||
	fail "the engine holds files: $fds"

# Self-protection: the table is there, and a new connection to the
# sensor's own address from the attacker is dropped, while the server
# (a management address) gets through.
check "nft table inet dias_sensor is installed" on sensor nft list table inet dias_sensor
check "its forward chain drops traffic to bound addresses (a routing sensor host passes nothing on)" \
	sh -c "$LAB exec sensor nft list chain inet dias_sensor forward | grep -q 'ip daddr 10.10.0.20 drop'"
on sensor sh -c 'while :; do nc -l -p 2222 -q 0 </dev/null; done' >/dev/null 2>&1 &
lab_pids="${lab_pids:-} $!"
sleep 0.3
check_not "attacker cannot connect to the sensor's own address" \
	on attacker nc -z -w 2 10.10.0.2 2222
check "the server (management) can connect to the sensor" \
	on server nc -z -w 2 10.10.0.2 2222
drops=$(on sensor nft list table inet dias_sensor |
	sed -n 's/.*counter packets \([0-9]*\).*drop.*not from management.*/\1/p')
[ "${drops:-0}" -gt 0 ] && ok "the drop rule counted $drops packets" ||
	fail "the drop rule counted nothing"

# Egress: the sensor's user (its shipper, its service scripts) may start
# connections to the server only; the rest of the host is not held.
on attacker sh -c 'while :; do nc -l -p 2223 -q 0 </dev/null; done' >/dev/null 2>&1 &
lab_pids="${lab_pids:-} $!"
sleep 0.3
check_not "the sensor's user (nobody) cannot connect out to the attacker" \
	on sensor runuser -u nobody -- nc -z -w 2 10.20.0.2 2223
check "root on the sensor host still can" on sensor nc -z -w 2 10.20.0.2 2223

# Capture: traffic to a claimed address lands in today's pcap file.
on attacker ping -c 2 -W 1 10.10.0.77 >/dev/null 2>&1
on client arping -c 2 -w 3 10.10.0.78 >/dev/null 2>&1

# SIGUSR1: the engine and the shipper log their counters.
kill -USR1 "$(sensor_pidof parent)"
sleep 0.5
check "SIGUSR1 makes the engine dump its counters" grep -q "engine: stats: engine.frames" "$sensor_log"
check "SIGUSR1 makes the shipper dump its counters" grep -q "shipper: stats: events" "$sensor_log"

sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "SIGTERM: clean exit 0" || fail "SIGTERM: exit $sensor_rc"
check_not "the nft table is removed on exit" on sensor nft list table inet dias_sensor
check "the engine left when the parent closed its channel" grep -q "engine (pid [0-9]*) exited with status 0" "$sensor_log"
pcap=$(ls "$sensor_dir"/capture/*-eth0-*.pcap 2>/dev/null | head -1)
if [ -n "$pcap" ]; then
	ok "capture closed $(basename "$pcap")"
	case "$(basename "$pcap")" in
	*-eth0-$(date -u +%Y%m%d).pcap) ok "one file per interface per day, named for the day" ;;
	*) fail "unexpected capture name $(basename "$pcap")" ;;
	esac
	check "the capture holds the who-has for a claimed address" \
		sh -c "tcpdump -n -r '$pcap' 2>/dev/null | grep -q 'Request who-has 10.10.0.78'"
	check "the capture holds the attacker's traffic to a claimed address" \
		sh -c "tcpdump -n -r '$pcap' 2>/dev/null | grep -q '10.10.0.77'"
	check "the shipper was told about the closed file" \
		grep -q "^$(basename "$pcap") " "$sensor_dir/spool/captures.list"
else
	fail "no closed capture file in $sensor_dir/capture"
fi
[ -z "$(ls "$sensor_dir"/capture/*.part 2>/dev/null)" ] &&
	ok "no .part file left after a clean exit" || fail "a .part file was left"
check "the shipper spooled a heartbeat with the engine's counters" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"kind\":\"heartbeat\".*engine.frames'"

# A child that dies takes the sensor down, non-zero, saying which and why.
for victim in engine capture shipper; do
	sensor_start lab.conf || { fail "sensor restarts"; continue; }
	pid=$(sensor_pidof $victim)
	kids="$(sensor_pidof engine) $(sensor_pidof capture) $(sensor_pidof shipper)"
	on client arping -c 1 -w 2 10.10.0.79 >/dev/null 2>&1
	sleep 0.2
	kill -KILL "$pid"
	sensor_wait
	[ "$sensor_rc" -ne 0 ] && ok "killing the $victim makes the sensor exit $sensor_rc" ||
		fail "killing the $victim: sensor exit 0"
	check "the log says the $victim was killed by signal 9" \
		grep -q "parent: $victim (pid $pid) killed by signal 9" "$sensor_log"
	check "the log says the sensor stops because the $victim died" \
		grep -q "parent: $victim died; stopping the sensor" "$sensor_log"
	check_not "the nft table is gone after the $victim died" \
		on sensor nft list table inet dias_sensor
	left=0
	for k in $kids; do kill -0 "$k" 2>/dev/null && left=$((left + 1)); done
	[ "$left" -eq 0 ] && ok "no child outlives the sensor" || fail "$left children left"
done

# Restarts within a day write new files, never overwrite; the file the
# killed capture left behind is finished at the next start.
n=$(ls "$sensor_dir"/capture/*-eth0-*.pcap 2>/dev/null | wc -l)
[ "$n" -ge 4 ] && ok "restarts within a day write new files ($n), never overwrite" ||
	fail "only $n capture files after restarts"
# seq goes on across restarts.
seqs=$(spool_grep -o '"seq":[0-9]*' | cut -d: -f2)
[ "$(echo "$seqs" | sort -n | uniq | wc -l)" -eq "$(echo "$seqs" | wc -l)" ] &&
	ok "event seq never repeats across restarts" || fail "event seq repeats"

# Refusals that must be clear.
sed 's/user nobody/user dias-no-such-user/' "$DIAS_SRC/tests/data/sensor/lab.conf" >"$lab_tmp/nouser.conf"
on sensor "$DIAS_SENSOR" -d -D dir="$lab_tmp/x" -f "$lab_tmp/nouser.conf" >"$lab_tmp/nouser.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "user dias-no-such-user does not exist" "$lab_tmp/nouser.log" &&
	ok "a missing user is refused with a clear line" || fail "missing user: rc $rc, $(cat "$lab_tmp/nouser.log")"
sensor_start lab.conf --no-firewall || fail "sensor starts with --no-firewall"
check "--no-firewall warns" grep -q "no-firewall: the sensor host's own addresses are NOT protected" "$sensor_log"
check_not "--no-firewall installs no table" on sensor nft list table inet dias_sensor
sensor_stop
[ -z "$(ls "$sensor_dir"/capture/*.part 2>/dev/null)" ] &&
	ok "a .part file left by a killed capture is finished at the next start" ||
	fail "a .part file is still there: $(ls "$sensor_dir"/capture/)"
check "the file a killed capture left is recovered at the next start" \
	sh -c "cat '$lab_tmp'/sensor.*.log | grep -q 'capture: recovered .*-eth0-.*pcap'"
# Files nobody shipped are announced again at every start.
n=$(wc -l <"$sensor_dir/spool/captures.list")
[ "$n" -ge 3 ] && ok "every closed or recovered file was announced ($n)" ||
	fail "only $n files announced: $(cat "$sensor_dir/spool/captures.list")"
finish
