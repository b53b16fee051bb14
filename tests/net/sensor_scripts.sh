#!/usr/bin/env bash
# honeyd service scripts (issue 4 item 2): "add T tcp port N "cmd"" runs
# the command with the connection on its stdin and stdout, honeyd's
# variables and environment, unprivileged and limited.  A shell script
# from tests/data and honeyd's own MyDoom script (perl, from
# ../shared/data/honeyd, copied at test time and run unchanged) answer
# real clients on the attacker; a runaway command is killed by the
# wall-clock and the CPU limit; limit scripts holds.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip nc ping perl python3
lab_begin

# The commands' user (nobody) must reach them and write the MyDoom log.
chmod 711 "$lab_tmp"
sd=$lab_tmp/scripts
mkdir -p "$sd/mydoom"
chmod 755 "$sd"
chmod 777 "$sd/mydoom"
cp "$DIAS_SRC/tests/data/sensor/scripts/banner.sh" \
    "$DIAS_SRC/tests/data/sensor/scripts/udp_upper.py" "$sd/"
mydoom_src=$DIAS_SHARED/data/honeyd/provos/scripts_mydoom.pl
if [ -r "$mydoom_src" ]; then
	cp "$mydoom_src" "$sd/mydoom.pl"
	chmod 755 "$sd/mydoom.pl"
	have_mydoom=1
else
	echo "note: $mydoom_src is absent; the MyDoom part is skipped"
	have_mydoom=0
	printf '#!/bin/sh\nexit 0\n' >"$sd/mydoom.pl"
	chmod 755 "$sd/mydoom.pl"
fi

sensor_start scripts.conf -D "banner=\"sh $sd/banner.sh \$ipdst\"" \
    -D "mydoom=\"$sd/mydoom.pl -l $sd/mydoom -t 20\"" \
    -D "udp=\"python3 $sd/udp_upper.py\"" ||
	{ fail "sensor starts"; finish; exit 1; }
on attacker ping -c 1 -W 3 10.10.0.30 >/dev/null 2>&1
events() { sensor_events | grep '"service":"script"'; }

# --- a shell script, unchanged ----------------------------------------
out=$(printf 'HELO attacker\r\nQUIT\r\n' | on attacker nc -q 2 -w 5 10.10.0.30 25 2>/dev/null | tr -d '\r')
echo "$out" | sed 's/^/    /'
[ "$(echo "$out" | head -1)" = "220 scripted ESMTP ready at 10.10.0.30:25" ] &&
	ok "the shell script's banner has \$ipdst and HONEYD_TEMPLATE_NAME/DST_PORT" ||
	fail "banner: '$(echo "$out" | head -1)'"
echo "$out" | grep -qx "250 ok: HELO attacker" && ok "it answers the client's line" ||
	fail "no answer to HELO"
echo "$out" | grep -qx "250 ok: QUIT" && ok "and the next, then exits" || fail "no answer to QUIT"
sleep 1
check "its stderr lines are service events (script/stderr)" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep '\"type\":\"stderr\"' | grep -q '\"line\":\"command: HELO attacker\"'"
check "HONEYD_IP_SRC, HONEYD_SRC_PORT and HONEYD_PERSONALITY reach it" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep -q '\"line\":\"connection from 10.20.0.2:[0-9]* personality Microsoft Windows XP Professional SP1\"'"
check "its exit is an event: reason exited, status 0" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep '\"type\":\"exit\"' | grep -q '\"reason\":\"exited\",\"status\":\"0\"'"

# --- a UDP command: one datagram in, one out -----------------------------
cat >"$lab_tmp/udp.py" <<-'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
out = []
for m in (b"hello udp", b"again"):
    s.sendto(m, ("10.10.0.30", 5353))
    out.append(s.recvfrom(1500)[0].decode())
print(" ".join(out))
PY
reply=$(on attacker python3 "$lab_tmp/udp.py" 2>&1)
[ "$reply" = "HELLO UDP AGAIN" ] && ok "a UDP command answers each datagram: $reply" ||
	fail "udp: '$reply'"
sleep 0.5
check "the UDP command's stderr is an event" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep -q '\"line\":\"udp 5 bytes from 10.20.0.2\"'"

# --- honeyd's MyDoom script (perl -T), unchanged -----------------------
if [ "$have_mydoom" = 1 ]; then
	cat >"$lab_tmp/socks4.py" <<-'PY'
	import socket, struct, sys
	s = socket.create_connection(("10.10.0.30", 3127), timeout=5)
	# SOCKS4 CONNECT to 10.0.0.1:80, empty user id, as MyDoom's clients
	s.sendall(struct.pack("!BBH4sB", 4, 1, 80, bytes([10, 0, 0, 1]), 0))
	r = s.recv(8)
	print(r.hex())
	s.close()
	PY
	reply=$(on attacker python3 "$lab_tmp/socks4.py" 2>&1)
	[ "$reply" = 005b00500a000001 ] &&
		ok "mydoom.pl answers SOCKS4 CONNECT with 91 (rejected): $reply" ||
		fail "mydoom.pl reply: '$reply'"
	sleep 1
	log=$sd/mydoom/logfile
	check "mydoom.pl logged the connection with honeyd's environment" \
		grep -Eq "mydoom.pl\[[0-9]+\]: connection from 10\.20\.0\.2:[0-9]+ to 10\.10\.0\.30:3127" "$log"
	check "mydoom.pl logged the socks4 request" \
		grep -q "socks4 connect request: dst host: 10.0.0.1, dst port: 80" "$log"
	[ -r "$log" ] && sed 's/^/    /' "$log"
	check "the log file belongs to the unprivileged user" \
		test "$(stat -c %U "$log" 2>/dev/null)" = nobody
fi

# --- runaways -----------------------------------------------------------
# Seconds until the sensor closes a connection that sends nothing.
cat >"$lab_tmp/hold.py" <<-'PY'
import socket, sys, time
t = time.monotonic()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=15)
try:
    while s.recv(65536):
        pass
except (socket.timeout, ConnectionResetError):
    pass
print(int(time.monotonic() - t))
PY
hold() { on attacker python3 "$lab_tmp/hold.py" 10.10.0.30 "$1" 2>&1; }
took=$(hold 7000)
[ "$took" -ge 2 ] 2>/dev/null && [ "$took" -le 5 ] &&
	ok "\"sleep 1000\" is killed by script-time 3s: the peer sees the close after ${took}s" ||
	fail "sleep 1000: the connection lasted '$took's"
took=$(hold 7001)
[ "$took" -le 3 ] 2>/dev/null && ok "\"yes\" is killed by script-cpu 1s: closed after ${took}s" ||
	fail "yes: the connection lasted '$took's"
sleep 0.5
check "an exit event says script-time" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep '\"type\":\"exit\"' | grep -q '\"command\":\"sleep 1000\",\"reason\":\"script-time\"'"
sensor_events | grep '"type":"exit"' | sed 's/.*"fields"/    /'
check "an exit event says script-cpu" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep '\"type\":\"exit\"' | grep -q '\"command\":\"yes >/dev/null\",\"reason\":\"script-cpu\"'"

# A command that floods a slow reader is paced by the peer's window: the
# engine reads no faster than the flow sends, and holds no backlog.
cat >"$lab_tmp/slow.py" <<-'PY'
import socket, time
s = socket.create_connection(("10.10.0.30", 7002), timeout=10)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
n = 0
t = time.monotonic()
try:
    while time.monotonic() - t < 2.5:
        d = s.recv(1024)
        if not d:
            break
        n += len(d)
        time.sleep(0.01)
except socket.timeout:
    pass
print(n)
PY
rss0=$(awk '/^VmRSS:/ { print $2 }' /proc/$(sensor_pidof engine)/status)
got=$(on attacker python3 "$lab_tmp/slow.py" 2>&1)
rss1=$(awk '/^VmRSS:/ { print $2 }' /proc/$(sensor_pidof engine)/status)
[ "${got:-0}" -gt 1000 ] 2>/dev/null && [ $((rss1 - rss0)) -lt 8192 ] &&
	ok "\"yes\" to a slow reader: $got bytes paced out, the engine grew $((rss1 - rss0)) kB" ||
	fail "\"yes\" to a slow reader: got '$got' bytes, the engine grew $((rss1 - rss0)) kB"
sleep 3.5	# its script-time

# --- limit scripts 2 ---------------------------------------------------
hold 7000 >/dev/null &
p1=$!
hold 7000 >/dev/null &
p2=$!
sleep 1
took=$(hold 7000)
[ "$took" = 0 ] && ok "a third command at limit scripts 2 is refused: closed at once" ||
	fail "the third connection lasted '$took's"
wait $p1 $p2
check "an exit event says limit" \
	sh -c "$(declare -f sensor_events); sensor_dir='$sensor_dir'; sensor_events | grep '\"type\":\"exit\"' | grep -q '\"reason\":\"limit\"'"

kill -USR1 "$(sensor_pidof parent)"
sleep 0.5
check "SIGUSR1: the parent counts the script-time kills" grep -q "parent: stats: scripts.killed_time [2-9]" "$sensor_log"
check "SIGUSR1: the parent counts a script-cpu kill" grep -q "parent: stats: scripts.killed_cpu 1" "$sensor_log"
check "SIGUSR1: the parent counts the refusal" grep -q "parent: stats: scripts.refused_limit 1" "$sensor_log"
check "the engine's heartbeat counts them too" grep -q "engine: stats: engine.script_killed_cpu 1" "$sensor_log"
left=
for i in 1 2 3 4 5 6 7 8 9 10; do
	left=$(pgrep -u nobody -a -f '^(sleep 1000|yes)( >/dev/null)?$')
	[ -z "$left" ] && break
	sleep 0.2
done
[ -z "$left" ] && ok "no command is left running" || fail "commands left: $left"
sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || { fail "exit $sensor_rc"; tail -30 "$sensor_log"; }
finish
