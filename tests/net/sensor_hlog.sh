#!/usr/bin/env bash
# The honeyd-style log (issue 4 item 5): dias-sensor -l FILE writes
# honeyd's connection lines (S, E with bytes, '-' for probes of closed
# ports), and `diasctl import honeyd-log` loads the file into a store,
# so consumers of honeyd logs keep working.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
. "$(dirname "$0")/lib/server.sh"
need_root
need_cmd ip nc ping sqlite3
[ -x "$CTL" ] || skip "$CTL is not built"
lab_begin

hlog=$lab_tmp/honeyd.log
sensor_start lab.conf -l "$hlog" || { fail "sensor starts"; finish; exit 1; }
on attacker ping -c 1 -W 3 10.10.0.50 >/dev/null 2>&1
on attacker ping -c 1 -W 3 10.10.0.20 >/dev/null 2>&1

# An echo connection (default template, tcp 80), a probe of a closed tcp
# port (windows, 139 reset) and a datagram to a closed udp port.
reply=$(echo "hello-hlog" | on attacker nc -q 1 -w 3 10.10.0.50 80 2>/dev/null)
[ "$reply" = hello-hlog ] && ok "nc to the echo port" || fail "echo: '$reply'"
on attacker nc -z -w 2 10.10.0.20 139 >/dev/null 2>&1
echo probe | on attacker nc -u -q 1 -w 1 10.10.0.20 999 >/dev/null 2>&1
sleep 1.5

D='[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{4}'
check "the log file exists and is not empty" test -s "$hlog"
check "an S line for the echo connection" \
	grep -Eq "^$D tcp\(6\) S 10\.20\.0\.2 [0-9]+ 10\.10\.0\.50 80\$" "$hlog"
check "an E line with bytes received and sent (11 each way)" \
	grep -Eq "^$D tcp\(6\) E 10\.20\.0\.2 [0-9]+ 10\.10\.0\.50 80: 11 11\$" "$hlog"
check "a '-' line with the SYN for the closed port 139" \
	grep -Eq "^$D tcp\(6\) - 10\.20\.0\.2 [0-9]+ 10\.10\.0\.20 139: [0-9]+ S\$" "$hlog"
check "a '-' line for the datagram to the closed udp port 999" \
	grep -Eq "^$D udp\(17\) - 10\.20\.0\.2 [0-9]+ 10\.10\.0\.20 999: 6\$" "$hlog"
today=$(date -u +%Y-%m-%d)
check "dates are UTC" grep -q "^$today-" "$hlog"
check "the engine holds the log open, the parent does not" \
	sh -c "ls -l /proc/$(sensor_pidof engine)/fd | grep -q '$hlog' && ! ls -l /proc/$(sensor_pidof parent)/fd | grep -q '$hlog'"
kill -USR1 "$(sensor_pidof parent)"
sleep 0.5
check "SIGUSR1: the engine counts the lines it wrote" \
	grep -Eq "engine: stats: engine.hlog_lines [1-9]" "$sensor_log"
sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || fail "exit $sensor_rc"
echo "--- $hlog"; cat "$hlog"

# A honeyd log consumer: the DIAS server's importer, into a fresh store.
lab_T=$lab_tmp
srv_init sqlite >/dev/null
trap 'rc=$?; [ -n "${lab_pids:-}" ] && kill $lab_pids 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$lab_T"; (exit $rc); srv_cleanup' EXIT
"$CTL" -f "$T/server.conf" sensor add oldsensor --org lab >/dev/null 2>&1
n=$(wc -l <"$hlog")
"$CTL" -f "$T/server.conf" import honeyd-log "$hlog" --sensor oldsensor 2>"$T/import.err" &&
	ok "diasctl import honeyd-log reads every line" ||
	fail "import: $(cat "$T/import.err")"
grep -q "$n lines, $n events, $n new, 0 bad lines skipped" "$T/import.err" &&
	ok "the importer took all $n lines, none bad" || fail "import said: $(cat "$T/import.err")"
[ "$(srv_sql "SELECT bytes_in || ' ' || bytes_out FROM connections WHERE dport = 80")" = "11 11" ] &&
	ok "the echo connection is one row with its bytes" ||
	fail "echo row: $(srv_sql "SELECT * FROM connections WHERE dport = 80")"
[ "$(srv_sql "SELECT count(*) FROM connections WHERE dport IN (139, 999)")" = 2 ] &&
	ok "the probes are rows too" || fail "probe rows: $(srv_sql "SELECT * FROM connections")"
finish
