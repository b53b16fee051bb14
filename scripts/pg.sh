#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests, on a unix socket only.
#
#   scripts/pg.sh start DIR    initdb + start; prints a libpq URL
#   scripts/pg.sh stop DIR     stop it (the directory is left for rm -rf)
#
# The cluster runs as the postgres user (PostgreSQL refuses root), so DIR
# is created and owned by postgres.  No TCP listener is opened.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$(realpath -m "$2")

bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[ -x "$bindir/pg_ctl" ] || { echo "$0: PostgreSQL 15 is not installed (scripts/deps.sh)" >&2; exit 1; }

as_pg() {
	if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

case $cmd in
start)
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
	chmod 700 "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
			-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	# Durable like production (fsync on); tuned only for a small test box.
	as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=50 -c shared_buffers=128MB" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	as_pg "$bindir/psql" -h "$dir" -U postgres -d postgres -qAt \
		-c "SELECT 1 FROM pg_database WHERE datname = 'dias'" | grep -q 1 ||
		as_pg "$bindir/createdb" -h "$dir" -U postgres dias
	echo "postgresql://postgres@/dias?host=$dir"
	;;
stop)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
*)
	usage
	;;
esac
