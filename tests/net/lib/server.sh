# Shared by the dias-server tests in tests/net/server_*.sh: sourced after
# common.sh, never run.  They run on loopback; no namespaces are needed.
#
#   srv_init BACKEND     sqlite or pg: a temp dir, server.conf, CA, org
#   srv_sensor NAME      add and enroll sensor NAME -> $T/NAME/{ca,sensor}.pem
#   srv_start / srv_kill / srv_stop
#   srv_sql "SELECT ..." one value from the store
#   C_NAME="--cacert .. --cert .. --key .." for curl as sensor NAME

SRV=$DIAS_BUILD/server/dias-server
CTL=$DIAS_BUILD/ctl/diasctl
SENSOR=$DIAS_BUILD/sensor/dias-sensor
ENROLL=srv_enroll
LOAD=$DIAS_BUILD/tests/dias_load
srv_pid=

# srv_enroll URL TOKEN NAME DIR: what an operator runs on a new sensor,
# `dias-sensor enroll`, with a configuration that keeps the key, the
# certificate and the CA in DIR as ca.pem, sensor.pem and sensor.key.
srv_enroll() {
	mkdir -p "$4"
	printf 'sensor {\n\tca "%s/ca.pem"\n\tcert "%s/sensor.pem"\n\tkey "%s/sensor.key"\n}\n' \
	    "$4" "$4" "$4" >"$4/sensor.conf"
	"$SENSOR" -f "$4/sensor.conf" enroll "$1" "$2" "$3"
}

srv_need() {
	local f
	for f in "$SRV" "$CTL" "$SENSOR" "$LOAD"; do
		[ -x "$f" ] || skip "$f is not built"
	done
	need_cmd curl sqlite3
}

srv_cleanup() {
	local rc=$?
	if [ -n "$srv_pid" ]; then
		kill -9 "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	[ -n "${pg_dir:-}" ] && "$DIAS_SRC/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1
	[ -n "${T:-}" ] && rm -rf "$T"
	[ -n "${pg_dir:-}" ] && rm -rf "$pg_dir"
	exit $rc
}

# A free TCP port on loopback.
srv_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

srv_init() {
	backend=$1
	T=$(mktemp -d /tmp/dias-srv.XXXXXX)
	trap srv_cleanup EXIT
	trap 'exit 130' INT TERM
	PORT=$(srv_port)
	URL=https://127.0.0.1:$PORT
	case $backend in
	sqlite)
		STORE="sqlite://$T/dias.db"
		;;
	pg)
		[ "$(id -u)" -eq 0 ] || skip "PostgreSQL runs as the postgres user: needs root"
		[ -x /usr/lib/postgresql/15/bin/initdb ] || skip "PostgreSQL 15 is not installed"
		pg_dir=$(mktemp -d /tmp/dias-pg.XXXXXX)
		STORE=$("$DIAS_SRC/scripts/pg.sh" start "$pg_dir") || { echo "pg.sh start failed"; exit 1; }
		;;
	esac
	cat >"$T/server.conf" <<-CONF
	listen 127.0.0.1 port $PORT
	store "$STORE"
	data-dir $T/data
	ca-dir $T/ca
	server-name localhost
	server-name 127.0.0.1
	access-log $T/access.log
	threads ${SRV_THREADS:-4}
	shutdown-grace 20s
	CONF
	"$CTL" -f "$T/server.conf" ca init >/dev/null || { echo "ca init failed"; exit 1; }
	"$CTL" -f "$T/server.conf" org add lab || { echo "org add failed"; exit 1; }
}

srv_start() {
	"$SRV" -d -f "$T/server.conf" >>"$T/server.log" 2>&1 &
	srv_pid=$!
	local i
	for i in $(seq 100); do
		curl -s --cacert "$T/ca/ca.pem" "$URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$srv_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "dias-server did not start:"; cat "$T/server.log"
	exit 1
}

srv_kill() {
	[ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	srv_pid=
}

# The end of one backend's half: the server, the PostgreSQL cluster and $T go.
srv_end_backend() {
	srv_kill
	[ -n "${pg_dir:-}" ] && "$DIAS_SRC/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 && rm -rf "$pg_dir"
	pg_dir=
	rm -rf "$T"
}

# $1 BACKEND for sqlite, then for pg where PostgreSQL can run here.
srv_each_backend() {
	"$1" sqlite
	if [ "$(id -u)" -eq 0 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		"$1" pg
	else
		echo "SKIP: PostgreSQL half (needs root and postgresql-15)"
	fi
}

srv_stop() {
	[ -n "$srv_pid" ] && kill -TERM "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
	local rc=$?
	srv_pid=
	return $rc
}

srv_sensor() {
	local name=$1 token
	token=$("$CTL" -f "$T/server.conf" sensor add "$name" --org lab 2>/dev/null) || { echo "sensor add $name failed"; exit 1; }
	"$ENROLL" "$URL" "$token" "$name" "$T/$name" || { echo "enroll $name failed"; exit 1; }
	eval "C_${name//-/_}=\"--cacert $T/$name/ca.pem --cert $T/$name/sensor.pem --key $T/$name/sensor.key\""
}

srv_sql() {
	case $backend in
	sqlite) sqlite3 "$T/dias.db" "$1" ;;
	pg) runuser -u postgres -- psql -h "$pg_dir" -U postgres -d dias -qAt -c "$1" ;;
	esac
}

# An NDJSON batch of sensor $1, seqs $2..$3 (connection start/end pairs).
srv_batch() {
	local s=$1 i
	for ((i = $2; i <= $3; i++)); do
		if ((i % 2)); then
			printf '{"kind":"connection","sensor":"%s","seq":%d,"ts":%d,"phase":"start","conn":%d,"proto":"tcp","src":"203.0.113.%d","sport":4%04d,"dst":"10.10.0.23","dport":445,"template":"win2k","service":"smb","flags":"S"}\n' \
				"$s" "$i" $((1760000000000000 + i)) $(((i + 1) / 2)) $((i % 250 + 1)) $((i % 10000))
		else
			printf '{"kind":"connection","sensor":"%s","seq":%d,"ts":%d,"phase":"end","conn":%d,"proto":"tcp","src":"203.0.113.%d","sport":4%04d,"dst":"10.10.0.23","dport":445,"template":"win2k","service":"smb","pkts_in":4,"pkts_out":3,"bytes_in":300,"bytes_out":200,"flags":"SPA","reason":"fin"}\n' \
				"$s" "$i" $((1760000000000000 + i)) $(((i + 1) / 2)) $(((i - 1) % 250 + 1)) $(((i - 1) % 10000))
		fi
	done
}

# The server's count of stored events, from /metrics.
srv_stored_total() {
	curl -s --cacert "$T/ca/ca.pem" "$URL/metrics" 2>/dev/null |
		awk '$1 == "dias_ingest_events_stored_total" { print $2 }'
}
