# Shared by the shipping lab tests (tests/net/ship_*.sh): sourced after
# common.sh, server.sh and sensor.sh.  dias-server runs in the lab's server
# namespace on 10.30.0.2:8443 (lab.conf's server URL) with SQLite; the
# sensor is enrolled for real and ships to it.
#
#   ship_begin           lab up, server CA and org, $T the server's dir
#   ship_srv_start       start dias-server in the server namespace
#   ship_srv_kill        kill -9 it; ship_srv_stop: SIGTERM
#   ship_enroll          enroll the sensor into $lab_tmp/sensor; sets $SENSOR_NAME
#   ship_rows            events stored for the sensor
#   ship_stat NAME       a shipper counter (SIGUSR1 stats line): next_seq,
#                        synced, acked, backlog, dropped, batches ...
#   ship_wait_drained S  wait up to S seconds for backlog 0
#   ship_check_exact W   every spooled event in the store exactly once
#   ship_attack [N] [C]  nmap, hping3 -c N, C connections from the attacker
SHIP_URL=https://10.30.0.2:8443

ship_cleanup() {
	local rc=$?
	if [ -n "${srv_pid:-}" ]; then
		kill -9 "$srv_pid" 2>/dev/null
		pkill -9 -F "$T/server.pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	(exit $rc)
	lab_cleanup
}

ship_begin() {
	srv_need
	[ -x "$DIAS_SENSOR" ] || skip "$DIAS_SENSOR is not built"
	lab_begin
	trap ship_cleanup EXIT
	backend=sqlite
	T=$lab_tmp/srv
	mkdir -p "$T" "$lab_tmp/sensor"
	cat >"$T/server.conf" <<-CONF
	listen 10.30.0.2 port 8443
	store "sqlite://$T/dias.db"
	data-dir $T/data
	ca-dir $T/ca
	server-name 10.30.0.2
	access-log $T/access.log
	threads 2
	shutdown-grace 5s
	max-upload ${SHIP_MAX_UPLOAD:-64m}
	CONF
	"$CTL" -f "$T/server.conf" ca init >/dev/null || { echo "ca init failed"; exit 1; }
	"$CTL" -f "$T/server.conf" org add lab >/dev/null || { echo "org add failed"; exit 1; }
}

ship_srv_start() {
	on server sh -c "echo \$\$ >'$T/server.pid'; exec '$SRV' -d -f '$T/server.conf'" >>"$T/server.log" 2>&1 &
	srv_pid=$!
	local i
	for i in $(seq 100); do
		on server curl -s --cacert "$T/ca/ca.pem" "$SHIP_URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$srv_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "dias-server did not start:"; cat "$T/server.log"
	exit 1
}

ship_srv_kill() {
	[ -n "${srv_pid:-}" ] || return 0
	kill -9 "$(cat "$T/server.pid")" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=
}

ship_srv_stop() {
	[ -n "${srv_pid:-}" ] || return 0
	kill -TERM "$(cat "$T/server.pid")" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=
}

# The sensor's name is its certificate's CN: any name will do.
ship_enroll() {
	local token
	SENSOR_NAME=${1:-labsensor}
	token=$("$CTL" -f "$T/server.conf" sensor add "$SENSOR_NAME" --org lab 2>/dev/null) ||
		{ echo "sensor add failed"; exit 1; }
	printf 'sensor {\n\tca "%s/ca.pem"\n\tcert "%s/sensor.pem"\n\tkey "%s/sensor.key"\n}\n' \
	    "$lab_tmp/sensor" "$lab_tmp/sensor" "$lab_tmp/sensor" >"$lab_tmp/enroll.conf"
	on sensor "$DIAS_SENSOR" -f "$lab_tmp/enroll.conf" enroll "$SHIP_URL" "$token" "$SENSOR_NAME" ||
		{ echo "enroll failed"; exit 1; }
}

ship_rows() {
	srv_sql "SELECT count(*) FROM events e JOIN sensors s ON s.id = e.sensor_id WHERE s.name = '$SENSOR_NAME'"
}

# The shipper's counters, logged on SIGUSR1: ship_stat next_seq|acked|...
ship_stat() {
	local before
	before=$(grep -c "shipper: stats:" "$sensor_log")
	kill -USR1 "$(sensor_pidof parent)" 2>/dev/null
	for _ in $(seq 50); do
		[ "$(grep -c "shipper: stats:" "$sensor_log")" -gt "$before" ] && break
		sleep 0.1
	done
	grep "shipper: stats:" "$sensor_log" | tail -1 |
		sed -n "s/.* $1 \\([0-9]*\\).*/\\1/p"
}

# Wait until the spool's backlog is 0 (every event acknowledged), at most $1 s.
ship_wait_drained() {
	local i n
	for i in $(seq "$(( $1 * 2 ))"); do
		n=$(ship_stat backlog)
		[ "$n" = 0 ] && return 0
		sleep 0.5
	done
	return 1
}

# Every event the sensor spooled so far reaches the store exactly once:
# wait (at most $2 s, default 60) until the store's highest seq is the
# sensor's last, then count == highest == distinct seqs, lowest 1.
ship_check_exact() {
	local what=$1 want n d lo hi i
	want=$(( $(ship_stat next_seq) - 1 ))
	for i in $(seq "$(( ${2:-60} * 5 ))"); do
		hi=$(srv_sql "SELECT coalesce(max(seq), 0) FROM events")
		[ "$hi" -ge "$want" ] && break
		sleep 0.2
	done
	# One snapshot: ship_stat's SIGUSR1 itself spools a heartbeat event
	# (want + 1), which could land between four separate queries.
	IFS='|' read -r n d lo hi <<<"$(srv_sql "SELECT count(*),
	    count(DISTINCT e.seq), min(e.seq), max(e.seq) FROM events e
	    JOIN sensors s ON s.id = e.sensor_id WHERE s.name = '$SENSOR_NAME'")"
	if [ "$want" -gt 0 ] && [ "$hi" -ge "$want" ] && [ "$n" = "$hi" ] &&
	    [ "$d" = "$n" ] && [ "$lo" = 1 ]; then
		ok "$what: seqs 1..$hi in the store exactly once (the sensor had spooled $want)"
	else
		fail "$what: the sensor had spooled $want; the store has $n rows, $d distinct, seqs $lo..$hi"
	fi
}

# A bounded attack mix from the attacker: nmap, hping3, connections.
ship_attack() {
	on attacker nmap -n -Pn -sS -T4 --max-retries 1 -p 1-300 10.10.0.50 >/dev/null 2>&1
	on attacker hping3 -q -S -p 80 -c "${1:-200}" -i u2000 10.10.0.51 >/dev/null 2>&1
	for i in $(seq "${2:-20}"); do
		echo "probe-$i" | on attacker nc -q 0 -w 2 10.10.0.5$((i % 5)) 80 >/dev/null 2>&1
	done
}
