#!/usr/bin/env bash
# kill -9 of dias-server during a 1,000,000-event ingest: the client
# retries every batch not acknowledged, the server is restarted each time,
# and afterwards the store holds exactly events 1..1,000,000, once each.
# On SQLite and (as root, with postgresql-15) on PostgreSQL.
#   SRV_CRASH_EVENTS=N   fewer events for a quick run
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
srv_need
N=${SRV_CRASH_EVENTS:-1000000}
# A sanitized server is several times slower: 1,000,000 events with kills
# would not fit ctest's timeout there, so such builds send fewer unless
# told otherwise.  The release build runs the full million.
if [ -z "${SRV_CRASH_EVENTS:-}" ] && grep -q '^SANITIZE:STRING=.*address' "$DIAS_BUILD/CMakeCache.txt" 2>/dev/null; then
	N=200000
	echo "# sanitized build: $N events (SRV_CRASH_EVENTS=1000000 for the full run)"
fi

run_backend() {
	srv_init "$1"
	srv_start
	srv_sensor s1
	"$LOAD" -u "$URL" -a "$T/s1/ca.pem" -c "$T/s1/sensor.pem" -k "$T/s1/sensor.key" -s s1 -n "$N" -b 1000 -j 4 -t 300 >"$T/load.out" 2>&1 &
	local lp=$! kills=0
	# Kill the server at random moments while the load runs, each time
	# after it committed something, so the ingest always progresses
	# (a slow, sanitized build must not be killed into a standstill).
	while kill -0 $lp 2>/dev/null; do
		sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
		for _ in $(seq 300); do
			curl -s --cacert "$T/ca/ca.pem" "$URL/metrics" 2>/dev/null |
				grep -q '^dias_ingest_events_stored_total [1-9]' && break
			kill -0 $lp 2>/dev/null || break
			sleep 0.1
		done
		kill -0 $lp 2>/dev/null || break
		srv_kill
		kills=$((kills + 1))
		srv_start
	done
	wait $lp && ok "$1: the client got every batch acknowledged ($kills kills): $(cat "$T/load.out")" || fail "$1: client: $(cat "$T/load.out")"
	[ "$kills" -ge 3 ] && ok "$1: killed -9 $kills times mid-ingest" || fail "$1: only $kills kills"
	local n d lo hi c
	n=$(srv_sql 'SELECT count(*) FROM events')
	d=$(srv_sql "SELECT count(DISTINCT seq) FROM events")
	lo=$(srv_sql 'SELECT min(seq) FROM events')
	hi=$(srv_sql 'SELECT max(seq) FROM events')
	c=$(srv_sql 'SELECT count(*) FROM connections')
	[ "$n" = "$N" ] && ok "$1: exactly $N rows" || fail "$1: $n rows, want $N"
	[ "$d" = "$N" ] && [ "$lo" = 1 ] && [ "$hi" = "$N" ] && ok "$1: seqs 1..$N, no duplicate, no gap" || fail "$1: distinct $d, min $lo, max $hi"
	[ "$c" = $((N / 2)) ] && ok "$1: $((N / 2)) connections" || fail "$1: $c connections"
	srv_end_backend
}

srv_each_backend run_backend
finish
