#!/usr/bin/env bash
# The shipper's benchmark (issue 6), on loopback with a local dias-server
# (SQLite), each figure beside its peer measured in the same run:
#
#   events/s the shipper spools durably (no server: spool only, group
#     fsync every 64 records), fed synthetic engine lines by
#     tests/tools/ship_feed as fast as it takes them;
#   events/s it spools and ships, from the first line fed to the last row
#     committed in the server's store;
#   the server's own ingest rate for the same events from
#     tests/tools/dias_load (1000-event batches, 1 and 4 connections): the
#     peer limit the shipper's single in-flight batch is compared with.
#
#   bench/ship_bench.sh [EVENTS]     (root; default 200000)
set -u
DIAS_SRC=${DIAS_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
DIAS_BUILD=${DIAS_BUILD:-$DIAS_SRC/build}
. "$DIAS_SRC/tests/net/lib/common.sh"
. "$DIAS_SRC/tests/net/lib/server.sh"
need_root
srv_need
FEED=$DIAS_BUILD/tests/ship_feed
[ -x "$FEED" ] || skip "$FEED is not built"
N=${1:-200000}
case "$N" in *[!0-9]*|'') echo "usage: $0 [EVENTS]"; exit 1 ;; esac

srv_init sqlite
srv_start
srv_sensor bench
srv_sensor peer1
srv_sensor peer4
W=$T/sensor
mkdir -p "$W/empty" "$W/spool1/uploads" "$W/spool2/uploads"
chown nobody "$W/spool1" "$W/spool1/uploads" "$W/spool2" "$W/spool2/uploads"
spool_conf() {
	cat <<-CONF
	sensor {
		spool $W/$1 max 4G
		spool sync 64 records
		chroot $W/empty
		user nobody
		$2
	}
	CONF
}
spool_conf spool1 "" >"$W/spool.conf"
spool_conf spool2 "server \"$URL/\"
	ca $T/bench/ca.pem
	cert $T/bench/sensor.pem
	key $T/bench/sensor.key" >"$W/ship.conf"

now() { date +%s.%N; }
rate() { echo "scale=0; $1 / ($2)" | bc; }

# 1. Spool only.
"$FEED" -f "$W/spool.conf" -n "$N" >"$W/feed1.out" 2>"$W/feed1.log" &
fp=$!
for _ in $(seq 600); do grep -q "^fed" "$W/feed1.out" && break; sleep 0.1; done
kill -TERM $fp; wait $fp
s1=$(sed -n 's/^fed [0-9]* events in \([0-9.]*\) s/\1/p' "$W/feed1.out")
spooled=$(grep -o "next_seq [0-9]*" "$W/feed1.log" | tail -1 | cut -d' ' -f2)

# 2. Spool and ship, to the last row committed.
t0=$(now)
"$FEED" -f "$W/ship.conf" -n "$N" >"$W/feed2.out" 2>"$W/feed2.log" &
fp=$!
got=0
for _ in $(seq 3000); do
	got=$(srv_sql "SELECT count(*) FROM events e JOIN sensors s ON s.id = e.sensor_id WHERE s.name = 'bench'")
	[ "$got" -ge "$N" ] && break
	sleep 0.1
done
t1=$(now)
kill -TERM $fp; wait $fp
s2=$(echo "$t1 - $t0" | bc)

# 3. The server alone.
l1=$("$LOAD" -u "$URL" -a "$T/peer1/ca.pem" -c "$T/peer1/sensor.pem" -k "$T/peer1/sensor.key" -s peer1 -n "$N" -b 1000 -j 1 -t 300)
l4=$("$LOAD" -u "$URL" -a "$T/peer4/ca.pem" -c "$T/peer4/sensor.pem" -k "$T/peer4/sensor.key" -s peer4 -n "$N" -b 1000 -j 4 -t 300)

echo "# ship_bench: $N synthetic connection events, $(nproc) cores, SQLite, loopback, TLS 1.3 mTLS"
echo "spool only (durable, fsync per 64 records):   $(rate "$N" "$s1") events/s  ($N in ${s1} s; spooled $((spooled - 1)))"
echo "spool + ship to the store (1 batch in flight): $(rate "$got" "$s2") events/s  ($got rows in ${s2} s)"
echo "peer: dias_load, 1000-event batches, 1 conn:   $l1"
echo "peer: dias_load, 1000-event batches, 4 conns:  $l4"
[ "$got" -ge "$N" ]
