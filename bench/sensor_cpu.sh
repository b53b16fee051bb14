#!/usr/bin/env bash
# CPU time the sensor spends per SYN and per transaction, all four
# processes counted (utime + stime from /proc/PID/stat, before and after
# a bounded load).  Unlike rates, CPU per unit of work hardly depends on
# what else the machine runs, so two builds can be compared on a busy
# machine.
#
#   bench/sensor_cpu.sh [SYNS [TXNS [ADDRS]]]
#	(root; default 100000 SYNs from hping3 -i u10 and 100000
#	transactions, 256 concurrent, against ADDRS bound addresses:
#	256 (default) or 65536)
#
# Prints, per process and in all, microseconds of CPU per SYN and per
# transaction.  DIAS_BUILD (default ./build) has bench/txn and
# sensor/dias-sensor; DIAS_SENSOR overrides the sensor binary.
set -u
DIAS_SRC=${DIAS_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
DIAS_BUILD=${DIAS_BUILD:-$DIAS_SRC/build}
export LAB_PREFIX=${LAB_PREFIX:-dc$$}
. "$DIAS_SRC/tests/net/lib/common.sh"
. "$DIAS_SRC/tests/net/lib/sensor.sh"
need_root
need_cmd ip hping3 nc bc
syns=${1:-100000}
txns=${2:-100000}
addrs=${3:-256}
case "$syns$txns" in *[!0-9]*|'') echo "usage: $0 [SYNS [TXNS [ADDRS]]]"; exit 1 ;; esac
case "$addrs" in 256|65536) ;; *) echo "ADDRS: 256 or 65536"; exit 1 ;; esac
[ "$syns" -le 2000000 ] && [ "$txns" -le 2000000 ] || { echo "at most 2000000"; exit 1; }
txn=$DIAS_BUILD/bench/txn
lab_begin

on fw ip route add 10.12.0.0/16 via 10.10.0.2
on attacker sysctl -qw net.ipv4.tcp_tw_reuse=1 \
    net.ipv4.ip_local_port_range="1024 65535"

procs="parent engine capture shipper"
tck=$(getconf CLK_TCK)

ticks_of() {	# pid -> utime+stime in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

declare -A t0 pid
snap0() {
	local r
	for r in $procs; do
		pid[$r]=$(sensor_pidof "$r")
		t0[$r]=$(ticks_of "${pid[$r]}")
	done
}

# Per process and in all: µs of CPU per unit since snap0.
report() {	# what units
	local r d all=0 line="$1:"
	for r in $procs; do
		d=$(( $(ticks_of "${pid[$r]}") - ${t0[$r]} ))
		all=$((all + d))
		line="$line $r $(echo "scale=2; $d * 1000000 / $tck / $2" | bc)"
	done
	echo "$line; all $(echo "scale=2; $all * 1000000 / $tck / $2" | bc) us (${2} units)"
}

# DIAS_PERF=DIR: perf record -g of the engine and the shipper during each
# load, into DIR/syn.data and DIR/txn.data.
perf_pid=
perf_start() {
	[ -n "${DIAS_PERF:-}" ] || return 0
	perf record -q -g -e cpu-clock -o "$DIAS_PERF/$1.data" \
	    -p "${pid[engine]},${pid[shipper]}" >/dev/null 2>&1 &
	perf_pid=$!
	sleep 0.3
}
perf_stop() {
	[ -n "$perf_pid" ] || return 0
	kill -INT "$perf_pid"; wait "$perf_pid"; perf_pid=
}

sensor_start "bench-$addrs.conf" || { echo "sensor did not start"; exit 1; }
echo x | on attacker nc -q 1 -w 2 10.12.0.5 7 >/dev/null 2>&1
sleep 1

# SYNs: a bounded count at a bounded pace, then time for the engine's
# events to reach the spool (the shipper syncs every 50 ms).
snap0
perf_start syn
on attacker timeout 120 hping3 -q -S -p 22 -c "$syns" -i u10 10.12.0.5 \
    >/dev/null 2>&1
sleep 2
perf_stop
report "us/SYN" "$syns"

snap0
perf_start txn
out=$(on attacker "$txn" -c 256 -t 120 -n "$txns" 7 10.12.0.0 "$addrs")
sleep 2
done_n=$(echo "$out" | sed -n 's/^txn: \([0-9]*\) transactions.*/\1/p')
echo "$out"
perf_stop
report "us/txn" "${done_n:-1}"
sensor_stop

# The same transactions served by the kernel's own stack (bench/txn -l in
# the sensor's namespace, as bench/sensor_bench.sh does): the listener's
# CPU per transaction, softirq work done in its context included.
on sensor ip route add local 10.12.0.0/16 dev lo
on sensor "$txn" -t 60 -l 7 &
kpid=$!
lab_pids="${lab_pids:-} $kpid"
sleep 0.5
lpid=$(pgrep -n -f "txn -t 60 -l 7")
k0=$(ticks_of "$lpid")
out=$(on attacker "$txn" -c 256 -t 120 -n "$txns" 7 10.12.0.0 "$addrs")
done_n=$(echo "$out" | sed -n 's/^txn: \([0-9]*\) transactions.*/\1/p')
echo "kernel $out"
echo "us/txn: kernel listener $(echo "scale=2; ($(ticks_of "$lpid") - $k0) * 1000000 / $tck / ${done_n:-1}" | bc) us"
kill "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
