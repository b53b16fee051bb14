#!/usr/bin/env bash
# dias-sensor's benchmark in the lab (issue 3).  Every figure is printed
# beside the limit it is compared with, measured in the same run:
#
#   SYN -> SYN/ACK per second under a bounded hping3 flood from the
#     attacker: dias-sensor vs bench/reflector (a bare AF_PACKET SYN/ACK
#     answerer: the practical limit);
#   TCP transactions per second (connect, one line, read the echo, close)
#     from the attacker against 256 and 65,536 bound addresses:
#     dias-sensor vs the kernel's own stack serving the same addresses
#     from the sensor's namespace (bench/txn -l behind a local route);
#   the sensor's RSS with 65,536 bound addresses, idle and at peak.
#
# The bound addresses are 10.12.0.0/24 and /16; fw routes them to the
# sensor's own address.  Every run is bounded in time; the lab is torn
# down on any exit.
#
#   bench/sensor_bench.sh [SECONDS [ROUNDS]]
#	(root; default 10 s per measurement, 3 rounds; each figure is the
#	median of its rounds, and the sensor and its peer alternate within a
#	round so that drifting load on the machine hits both alike)
#
# DIAS_BUILD (default ./build) has bench/reflector, bench/txn and
# sensor/dias-sensor; DIAS_SENSOR overrides the sensor binary.
set -u
DIAS_SRC=${DIAS_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
DIAS_BUILD=${DIAS_BUILD:-$DIAS_SRC/build}
export LAB_PREFIX=${LAB_PREFIX:-db$$}
. "$DIAS_SRC/tests/net/lib/common.sh"
. "$DIAS_SRC/tests/net/lib/sensor.sh"
need_root
need_cmd ip hping3 nc bc
secs=${1:-10}
rounds=${2:-3}
case "$secs$rounds" in *[!0-9]*|'') echo "usage: $0 [SECONDS [ROUNDS]]"; exit 1 ;; esac
[ "$secs" -ge 1 ] && [ "$secs" -le 120 ] || { echo "SECONDS: 1..120"; exit 1; }
[ "$rounds" -ge 1 ] && [ "$rounds" -le 9 ] || { echo "ROUNDS: 1..9"; exit 1; }
reflector=$DIAS_BUILD/bench/reflector
txn=$DIAS_BUILD/bench/txn
for b in "$reflector" "$txn" "$DIAS_SENSOR"; do
	[ -x "$b" ] || { echo "bench: $b is not built"; exit 1; }
done
lab_begin

on fw ip route add 10.12.0.0/16 via 10.10.0.2
# The client side of 65,536 addresses: ports, TIME_WAIT reuse, neighbours.
on attacker sysctl -qw net.ipv4.tcp_tw_reuse=1 \
    net.ipv4.ip_local_port_range="1024 65535"

stat_of() {	# node counter
	on "$1" cat "/sys/class/net/eth0/statistics/$2"
}

# SYN flood of $secs seconds from the attacker at 10.12.0.5:22; prints
# "responses/s offered/s".
flood() {
	local rx0 tx0 rx1 tx1
	rx0=$(stat_of attacker rx_packets)
	tx0=$(stat_of attacker tx_packets)
	on attacker timeout "$secs" hping3 -q -S -p 22 --flood 10.12.0.5 >/dev/null 2>&1
	sleep 0.5
	rx1=$(stat_of attacker rx_packets)
	tx1=$(stat_of attacker tx_packets)
	echo "$(( (rx1 - rx0) / secs )) $(( (tx1 - tx0) / secs ))"
}

mem_of() {	# pid field -> kB
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
# Proportional set size: each page shared between the four processes
# (forked from one parent, they share every library page) is counted
# once in all, split among them, rather than once per process as RSS is.
pss_of() {	# pid -> kB
	awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"
}

pct() { echo "scale=1; 100 * $1 / $2" | bc; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One transactions run from the attacker: prints the rate.
txn_rate() {	# addresses
	on attacker "$txn" -c 256 -t "$secs" 7 10.12.0.0 "$1" |
	    tee -a "$lab_tmp/txn.log" | sed -n 's/.* = \([0-9]*\)\/s.*/\1/p'
}

echo "bench: $(nproc) CPUs, $secs s per measurement, lab prefix $LAB_PREFIX"
echo

# --- SYN -> SYN/ACK --------------------------------------------------
s_all=; r_all=
for round in $(seq 1 "$rounds"); do
	sensor_start bench-256.conf || { echo "bench: sensor did not start"; exit 1; }
	echo x | on attacker nc -q 1 -w 2 10.12.0.5 7 >/dev/null 2>&1
	read -r resp off < <(flood)
	s_all="$s_all $resp"; s_off=$off
	sensor_stop
	on sensor "$reflector" eth0 10.12.0.0 256 $((secs + 5)) >"$lab_tmp/reflector.out" 2>&1 &
	rpid=$!
	lab_pids="${lab_pids:-} $rpid"
	sleep 0.5
	read -r resp off < <(flood)
	r_all="$r_all $resp"; r_off=$off
	kill -INT "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	lab_pids=${lab_pids//$rpid/}
	echo "round $round: SYN/ACKs/s dias-sensor ${s_all##* }, reflector ${r_all##* }"
done
s_resp=$(median $s_all)
r_resp=$(median $r_all)
echo
printf 'SYN/ACKs/s   dias-sensor %8d  (median of%s; offered %d/s)\n' "$s_resp" "$s_all" "$s_off"
printf 'SYN/ACKs/s   reflector   %8d  (median of%s; offered %d/s)\n' "$r_resp" "$r_all" "$r_off"
printf 'SYN/ACKs/s   ratio       %7s%%  (goal >= 50%%; honeyd 1.5c: ~20,700/s)\n' \
    "$(pct "$s_resp" "${r_resp:-1}")"
echo

# --- transactions: dias-sensor and the kernel, alternating -----------
declare -A sens kern
idle=0; peak=0; idle_pss=0; idle_each=
for round in $(seq 1 "$rounds"); do
	for n in 256 65536; do
		sensor_start "bench-$n.conf" || { echo "bench: sensor did not start"; exit 1; }
		echo x | on attacker nc -q 1 -w 2 10.12.0.5 7 >/dev/null 2>&1
		if [ "$n" = 65536 ] && [ "$round" = 1 ]; then
			sleep 1
			for r in parent engine capture shipper; do
				rss=$(mem_of "$(sensor_pidof $r)" VmRSS)
				pss=$(pss_of "$(sensor_pidof $r)")
				idle=$((idle + rss))
				idle_pss=$((idle_pss + pss))
				idle_each="$idle_each $r $rss/$pss"
			done
			idle_engine=$(mem_of "$(sensor_pidof engine)" VmRSS)
		fi
		rate=$(txn_rate "$n")
		sens[$n]="${sens[$n]:-} ${rate:-0}"
		if [ "$n" = 65536 ] && [ "$round" = 1 ]; then
			for r in parent engine capture shipper; do
				peak=$((peak + $(mem_of "$(sensor_pidof $r)" VmHWM)))
			done
			peak_engine=$(mem_of "$(sensor_pidof engine)" VmHWM)
		fi
		sensor_stop

		on sensor ip route add local 10.12.0.0/16 dev lo
		on sensor "$txn" -t $((secs + 2)) -l 7 &
		kpid=$!
		lab_pids="${lab_pids:-} $kpid"
		sleep 0.3
		rate=$(txn_rate "$n")
		kern[$n]="${kern[$n]:-} ${rate:-0}"
		wait "$kpid" 2>/dev/null
		lab_pids=${lab_pids//$kpid/}
		on sensor ip route del local 10.12.0.0/16 dev lo
		echo "round $round, $n addresses: transactions/s dias-sensor ${sens[$n]##* }, kernel ${kern[$n]##* }"
	done
done
echo
for n in 256 65536; do
	sm=$(median ${sens[$n]}); km=$(median ${kern[$n]})
	printf 'transactions/s  %5d addresses: dias-sensor %6d  kernel %6d  ratio %5s%%  (goal >= 90%%; honeyd 1.5c: ~7,400/s at 256)\n' \
	    "$n" "$sm" "$km" "$(pct "$sm" "${km:-1}")"
	echo "                (rounds: dias-sensor${sens[$n]}; kernel${kern[$n]})"
done
echo
printf 'RSS, 65,536 bound addresses: idle %d kB (engine %d kB), peak %d kB (engine %d kB)\n' \
    "$idle" "$idle_engine" "$peak" "$peak_engine"
echo "    (goal <= 32 MB idle; honeyd 1.5c: 60 MB, 0.78 KB per address;"
echo "     all four processes summed; the engine's and the capture's RSS each"
echo "     include a 2 MiB packet ring)"
printf 'PSS, 65,536 bound addresses: idle %d kB, the four processes summed, each\n' "$idle_pss"
echo "    shared page counted once in all (RSS above counts a library page once per process)"
echo "    idle, kB RSS/PSS each:$idle_each"
echo "    (256 concurrent transactions from one client.  Other load on the"
echo "     machine when the run ended, which skews every figure above:"
top -b -n 1 | sed -n '8,10p' | sed 's/^/     /'
echo "    )"
