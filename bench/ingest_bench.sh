#!/usr/bin/env bash
# dias-server's ingest benchmark (issue 5).  In one run, on SQLite and on
# PostgreSQL, side by side:
#
#   durable ingest: tests/tools/dias_load sends N connection events of one
#     sensor (bodies made before the clock starts, as a shipper reads
#     them from its spool) over HTTPS with mTLS, in NDJSON batches of 1,000, from J
#     concurrent clients (as J sensors' shippers would), each batch
#     retried until the server acknowledges it, which it does only after
#     the batch is committed and fsynced (docs/dias-server.8, Durability);
#   the per-row baseline, honeyd2db's way: one autocommitted INSERT per
#     line into the same store and schema (tests/tools/dias_rowbench),
#     bounded by ROW_SECONDS;
#   and the ratio of the two, beside the goals (>= 100,000 events/s on
#     SQLite, >= 50x the baseline); with the server's CPU time per event,
#     which other load on the machine inflates less than wall time.
#
# Both run on loopback, the server and the client on this machine; the
# PostgreSQL is a throwaway cluster from scripts/pg.sh (fsync on).
#
#   bench/ingest_bench.sh [N [J]]     (root for the PostgreSQL half)
#	N events per store (default 1,000,000), J clients (default 8);
#	ROW_SECONDS (default 10) bounds each baseline; ROUNDS (default 1)
#	repeats the ingest and prints the median.
#
# DIAS_BUILD (default ./build) must hold dias-server, diasctl, dias-sensor
# and tests/dias_load, tests/dias_rowbench: build it as Release for
# figures worth quoting.
set -u
DIAS_SRC=${DIAS_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
DIAS_BUILD=${DIAS_BUILD:-$DIAS_SRC/build}
. "$DIAS_SRC/tests/net/lib/common.sh"
. "$DIAS_SRC/tests/net/lib/server.sh"
srv_need
N=${1:-1000000}
J=${2:-8}
ROW_SECONDS=${ROW_SECONDS:-10}
ROUNDS=${ROUNDS:-1}
ROWBENCH=$DIAS_BUILD/tests/dias_rowbench
[ -x "$ROWBENCH" ] || skip "$ROWBENCH is not built"
# One MHD worker per client: a batch holds its worker until committed.
export SRV_THREADS=$J

# The server's user + system CPU time, in clock ticks.
srv_cpu() { awk '{print $14 + $15}' "/proc/$srv_pid/stat"; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# bench_store BACKEND: prints "ingest baseline" (events/s, rows/s).
bench_store() {
	local r rates="" out
	for r in $(seq "$ROUNDS"); do
		srv_init "$1"
		srv_start
		srv_sensor s1
		cpu0=$(srv_cpu)
		out=$("$LOAD" -u "$URL" -a "$T/s1/ca.pem" -c "$T/s1/sensor.pem" \
		    -k "$T/s1/sensor.key" -s s1 -n "$N" -b 1000 -j "$J" -t 60) ||
			{ echo "dias_load failed: $out" >&2; exit 1; }
		cpu1=$(srv_cpu)
		# CPU time per event, which load from elsewhere on the
		# machine does not inflate the way it does wall time.
		echo "# $1 round $r: $out; CPU per event: server $(echo "($cpu1 - $cpu0) * 1000000 / $(getconf CLK_TCK) / $N" | bc) us, client $(echo "$out" | awk -v n="$N" '{printf "%.1f", $10 * 1e6 / n}') us" >&2
		[ "$(srv_sql 'SELECT count(*) FROM events')" = "$N" ] ||
			{ echo "$1: the store does not hold $N events" >&2; exit 1; }
		rates="$rates $(echo "$out" | awk '{print $6}')"
		srv_stop
		if [ "$r" -lt "$ROUNDS" ]; then
			[ -n "${pg_dir:-}" ] && "$DIAS_SRC/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 && rm -rf "$pg_dir"
			pg_dir=
			rm -rf "$T"
		fi
	done
	# The baseline in the same store, after the ingest (same indexes,
	# same size of table).
	out=$("$ROWBENCH" "$STORE" 10000000 "$ROW_SECONDS") ||
		{ echo "dias_rowbench failed: $out" >&2; exit 1; }
	echo "# $1 baseline: $out" >&2
	echo "$(printf '%s\n' $rates | median) $(echo "$out" | awk '{print $6}')"
	[ -n "${pg_dir:-}" ] && "$DIAS_SRC/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 && rm -rf "$pg_dir"
	pg_dir=
	rm -rf "$T"
}

echo "# dias-server ingest: $N events per store, batches of 1000, $J clients, $(nproc) cores, $(date -u +%FT%TZ)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r sq_ingest sq_row < <(bench_store sqlite)
if [ "$(id -u)" -eq 0 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
	read -r pg_ingest pg_row < <(bench_store pg)
else
	echo "# PostgreSQL half skipped (needs root and postgresql-15)"
	pg_ingest=0 pg_row=0
fi
printf '%-10s %22s %22s %8s\n' store "durable ingest ev/s" "per-row baseline r/s" ratio
for b in sqlite pg; do
	if [ $b = sqlite ]; then i=$sq_ingest r=$sq_row; else i=$pg_ingest r=$pg_row; fi
	[ "$i" = 0 ] && continue
	printf '%-10s %22.0f %22.0f %7.0fx\n' $b "$i" "$r" "$(echo "$i / $r" | bc -l)"
done
echo "# goals: >= 100000 events/s on SQLite; >= 50x the per-row baseline"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
