#!/usr/bin/env bash
# dias-server ingest, on SQLite and on PostgreSQL (when this runs as root
# and PostgreSQL 15 is installed): replays store once, a bad line refuses
# the whole batch and is named, heartbeats, capture uploads, metrics,
# export, and a graceful stop that finishes the batches under way.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
srv_need

run_backend() {
	srv_init "$1"
	srv_start
	srv_sensor s1
	local B=$T/batch.ndjson
	post() { curl -s -o "$T/out" -w '%{http_code}' "$@" "$URL/api/v1/sensor/events"; }

	srv_batch s1 1 1000 >"$B"
	for i in 1 2 3; do
		[ "$(post $C_s1 --data-binary @"$B")" = 200 ] && grep -q '"acked":1000' "$T/out" || fail "$1: replay $i: $(cat "$T/out")"
	done
	[ "$(srv_sql 'SELECT count(*) FROM events')" = 1000 ] && ok "$1: a batch sent 3 times is stored once" || fail "$1: replay stored $(srv_sql 'SELECT count(*) FROM events')"
	[ "$(srv_sql 'SELECT count(*) FROM connections')" = 500 ] && ok "$1: 500 connections, start and end merged" || fail "$1: connections"
	[ "$(srv_sql 'SELECT count(*) FROM connections WHERE end_ts > 0 AND bytes_in = 300')" = 500 ] && ok "$1: end counters stored" || fail "$1: end counters"

	# One bad line in the middle: nothing of the batch is stored.
	srv_batch s1 1001 1010 | sed '5s/"proto":"tcp"/"proto":"tcpx"/' >"$B"
	[ "$(post $C_s1 --data-binary @"$B")" = 400 ] && grep -q '"line 5: ' "$T/out" && ok "$1: malformed line 5 refused with its number" || fail "$1: malformed: $(cat "$T/out")"
	[ "$(srv_sql 'SELECT count(*) FROM events')" = 1000 ] && ok "$1: nothing of the bad batch stored" || fail "$1: bad batch half stored"
	printf 'not json\n' >"$B"
	[ "$(post $C_s1 --data-binary @"$B")" = 400 ] && grep -q '"line 1: ' "$T/out" && ok "$1: garbage refused" || fail "$1: garbage: $(cat "$T/out")"
	srv_batch s1 1011 1012 | tac >"$B"
	[ "$(post $C_s1 --data-binary @"$B")" = 400 ] && grep -q 'line 2: seq 1011 does not follow 1012' "$T/out" && ok "$1: seqs must rise within a batch" || fail "$1: order: $(cat "$T/out")"
	[ "$(post $C_s1 -H 'Content-Length: 99999999999' --data-binary @"$B")" = 413 ] && ok "$1: over max-body: 413" || fail "$1: body limit $(cat "$T/out")"

	# Heartbeat.
	printf '{"kind":"heartbeat","sensor":"s1","seq":1,"ts":1760000000000000,"backlog":7,"claimed":200,"counters":{"limit.conns":2}}\n' >"$T/hb"
	[ "$(curl -s -o "$T/out" -w '%{http_code}' $C_s1 --data-binary @"$T/hb" "$URL/api/v1/sensor/heartbeat")" = 200 ] && grep -q '"acked":1000' "$T/out" && ok "$1: heartbeat answers the last stored seq" || fail "$1: heartbeat: $(cat "$T/out")"
	[ "$(srv_sql "SELECT backlog || ' ' || claimed FROM sensors WHERE name = 's1'")" = "7 200" ] && ok "$1: heartbeat stored backlog and claimed" || fail "$1: heartbeat values"

	# Captures: sha256 checked, stored under the sensor's directory, idempotent.
	head -c 300000 /dev/urandom >"$T/cap.pcap"
	sha=$(sha256sum "$T/cap.pcap" | cut -d' ' -f1)
	put() { curl -s -o "$T/out" -w '%{http_code}' $C_s1 -T "$T/cap.pcap" "$@"; }
	[ "$(put -H "X-DIAS-SHA256: $sha" "$URL/api/v1/sensor/captures/eth0-1.pcap")" = 201 ] && ok "$1: capture stored (201)" || fail "$1: capture: $(cat "$T/out")"
	[ "$(put -H "X-DIAS-SHA256: $sha" "$URL/api/v1/sensor/captures/eth0-1.pcap")" = 200 ] && ok "$1: capture again: 200, not new" || fail "$1: capture again: $(cat "$T/out")"
	check "$1: capture file is byte-identical" cmp "$T/cap.pcap" "$T/data/captures/s1/eth0-1.pcap"
	local bad
	bad=$([ "${sha:0:1}" = 0 ] && echo 1 || echo 0)${sha:1}
	[ "$(put -H "X-DIAS-SHA256: $bad" "$URL/api/v1/sensor/captures/eth0-2.pcap")" = 400 ] && ok "$1: sha256 mismatch: 400" || fail "$1: sha mismatch: $(cat "$T/out")"
	check_not "$1: nothing left of the damaged upload" test -e "$T/data/captures/s1/eth0-2.pcap"
	[ "$(curl -s -o /dev/null -w '%{http_code}' $C_s1 -T "$T/cap.pcap" -H "X-DIAS-SHA256: $sha" "$URL/api/v1/sensor/captures/..%2F..%2Fetc")" = 404 ] && ok "$1: path traversal: 404" || fail "$1: traversal"
	[ "$(srv_sql 'SELECT count(*) FROM captures')" = 1 ] && ok "$1: one captures row" || fail "$1: captures rows"

	# Metrics and export.
	curl -s --cacert "$T/ca/ca.pem" "$URL/metrics" >"$T/metrics"
	check "$1: /metrics counts stored events" grep -qx 'dias_ingest_events_stored_total 1000' "$T/metrics"
	check "$1: /metrics counts malformed batches" grep -qx 'dias_ingest_batches_total{result="malformed"} 3' "$T/metrics"
	"$CTL" -f "$T/server.conf" export >"$T/export.ndjson"
	srv_batch s1 1 1000 >"$B"
	check "$1: export gives back the lines sent" cmp "$B" "$T/export.ndjson"
	"$CTL" -f "$T/server.conf" query connections --dport 445 --src 203.0.113.8 --since 2025-01-01 --json >"$T/q.json"
	check "$1: query connections --src --dport" python3 -c "import json,sys; r=json.load(open('$T/q.json')); sys.exit(not (len(r) == 4 and all(x['src'] == '203.0.113.8' and x['dport'] == 445 for x in r)))"

	# honeyd's text log, as IPMS sensors wrote it.
	cat >"$T/honeyd.log" <<-LOG
	2004-12-04-12:52:09.7432 tcp(6) S 192.168.1.5 1244 10.0.0.1 80 [Windows XP SP1]
	2004-12-04-12:52:10.0001 udp(17) - 192.168.1.6 1025 10.0.0.1 137: 78
	2004-12-04-12:52:17.2834 tcp(6) E 192.168.1.5 1244 10.0.0.1 80: 136 504
	2004-12-04-12:53:01.1234 icmp(1) - 192.168.1.7 10.0.0.1: 8(0): 84
	this line is not honeyd's
	LOG
	"$CTL" -f "$T/server.conf" sensor add honeyd1 --org lab >/dev/null 2>&1
	"$CTL" -f "$T/server.conf" import honeyd-log "$T/honeyd.log" --sensor honeyd1 2>"$T/import.err"
	grep -q 'honeyd.log:5: bad date' "$T/import.err" && ok "$1: import names the bad line" || fail "$1: import: $(cat "$T/import.err")"
	[ "$(srv_sql "SELECT count(*) FROM connections c JOIN sensors s ON s.id = c.sensor_id WHERE s.name = 'honeyd1'")" = 3 ] && ok "$1: honeyd-log: 4 lines, 3 connections" || fail "$1: honeyd import rows"
	[ "$(srv_sql "SELECT bytes_in || ' ' || bytes_out || ' ' || template FROM connections WHERE dport = 80")" = "136 504 Windows_XP_SP1" ] && ok "$1: honeyd S and E lines merged" || fail "$1: honeyd merge: $(srv_sql "SELECT * FROM connections WHERE dport = 80")"
	"$CTL" -f "$T/server.conf" import honeyd-log "$T/honeyd.log" --sensor honeyd1 2>/dev/null
	[ "$(srv_sql "SELECT count(*) FROM events e JOIN sensors s ON s.id = e.sensor_id WHERE s.name = 'honeyd1'")" = 8 ] && ok "$1: a second import appends after the sensor's last seq" || fail "$1: second import"

	if [ "$1" = pg ]; then
		# PostgreSQL restarts under the server: the pool reconnects,
		# and the client's retry goes through.
		"$DIAS_SRC/scripts/pg.sh" stop "$pg_dir" >/dev/null
		"$DIAS_SRC/scripts/pg.sh" start "$pg_dir" >/dev/null
		"$LOAD" -u "$URL" -a "$T/s1/ca.pem" -c "$T/s1/sensor.pem" -k "$T/s1/sensor.key" -s s1 -n 3000 -b 1000 -j 1 -t 20 >"$T/load.out" 2>&1 &&
			ok "$1: ingest resumes after PostgreSQL restarts ($(cat "$T/load.out"))" || fail "$1: after PG restart: $(cat "$T/load.out")"
	fi

	# Graceful stop: batches in flight when SIGTERM arrives are answered.
	"$LOAD" -u "$URL" -a "$T/s1/ca.pem" -c "$T/s1/sensor.pem" -k "$T/s1/sensor.key" -s s1 -n 200000 -b 1000 -j 4 -t 5 >"$T/load.out" 2>&1 &
	local lp=$! before now
	# SIGTERM once the load is under way (it makes its batches first).
	before=$(srv_stored_total)
	for _ in $(seq 300); do
		now=$(srv_stored_total)
		[ "${now:-0}" -gt "${before:-0}" ] && break
		sleep 0.1
	done
	srv_stop && ok "$1: SIGTERM: clean exit" || fail "$1: SIGTERM exit status"
	wait $lp
	local acked stored
	acked=$(grep -o 'events [0-9]*' "$T/load.out" | cut -d' ' -f2)
	stored=$(srv_sql 'SELECT count(*) FROM events')
	# Every acknowledged batch is stored (events 1..1000 were there before).
	[ -n "$acked" ] && [ "$stored" -ge "$acked" ] && ok "$1: acked $acked of the load, $stored rows stored" || fail "$1: acked $acked > stored $stored"
	grep -q 'finishing requests under way' "$T/server.log" && ok "$1: server said it finished in-flight work" || fail "$1: shutdown log"
	srv_end_backend
}

srv_each_backend run_backend
finish
