#!/usr/bin/env bash
# The DIAS demo: what the project does today, in the lab (scripts/lab.sh).
#
# Builds, brings up the namespace LAN, starts dias-sensor on it
# (etc/lab-sensor.conf), plays a bounded, realistic attack mix from the
# attacker namespace, then shows what the sensor recorded: claims, the
# top ports, service events, uploads and capture files.  Later issues add
# the server, analysis and enforcement to this same run.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() { printf '  - %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it builds network namespaces)" >&2; exit 1; }

say "Building DIAS (gcc, warnings as errors) into build/"
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build | tail -n 1

export LAB_PREFIX=${LAB_PREFIX:-dias}
work=$(mktemp -d)
chmod 755 "$work"
sensor_pid=
# SIGTERM the sensor's parent (not the lab.sh wrapper) and wait for it.
sensor_stop() {
	local pid
	pid=$(sed -n 's/.*parent: started: parent \([0-9]*\),.*/\1/p' \
	    "$work/sensor.log" | head -n 1)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	wait "$sensor_pid" 2>/dev/null || true
	sensor_pid=
}
cleanup() {
	rc=$?
	[ -n "$sensor_pid" ] && sensor_stop
	say "Tearing the lab down"
	scripts/lab.sh down
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Bringing up the lab: attacker -> fw -> LAN (sensor 10.10.0.2, client 10.10.0.3), server"
scripts/lab.sh up
scripts/lab.sh status

conf=etc/lab-sensor.conf
say "Checking the sensor configuration (dias-sensor -n -f $conf)"
build/sensor/dias-sensor -n -D dir="$work" -f "$conf" |
	sed -n '/^templates/,/^sensor:/p' | grep -v '^sensor:'

on() { scripts/lab.sh exec "$@"; }

say "Starting dias-sensor in the sensor namespace (root parent, jailed engine, capture, shipper)"
on sensor build/sensor/dias-sensor -d -D dir="$work" -f "$conf" \
	>"$work/sensor.log" 2>&1 &
sensor_pid=$!
for _ in $(seq 1 50); do
	grep -q "engine: running" "$work/sensor.log" && break
	kill -0 "$sensor_pid" 2>/dev/null || { cat "$work/sensor.log"; exit 1; }
	sleep 0.1
done
grep "parent: started" "$work/sensor.log" | sed 's/^/  /'

say "The attacker plays a bounded attack mix (every loop has a count and a timeout)"
step "ping sweep of 10.10.0.1-40: the router's ARP questions make the sensor claim what is unused"
on attacker nmap -n -sn --max-retries 1 10.10.0.1-40 >/dev/null 2>&1 || true
up=$(on attacker nmap -n -sn --max-retries 1 10.10.0.1-40 -oG - 2>/dev/null |
	awk '/Up$/ { print $2 }')
printf '      %s hosts answer: the router .1, the sensor itself .2, the client .3, and %s addresses the sensor claimed\n' \
	"$(echo "$up" | grep -c .)" "$(echo "$up" | grep -vcx '10.10.0.[123]')"
step "SYN scan of the DIAS paper's top TCP ports on four hosts (nmap -sS)"
on attacker nmap -n -Pn -sS --max-retries 1 \
	-p 22,80,135,139,445,1025,1080,2745,3127,3128,6129,8080 \
	10.10.0.20,21,30,35 -oG - 2>/dev/null | sed -n 's/^Host: \([0-9.]*\).*Ports: /      \1: /p'
step "UDP probes of DNS, NetBIOS, SNMP and MS-SQL (nmap -sU)"
on attacker nmap -n -Pn -sU --max-retries 1 -p 53,137,161,1434 \
	10.10.0.20,30 -oG - 2>/dev/null | sed -n 's/^Host: \([0-9.]*\).*Ports: /      \1: /p'
step "an HTTP exploit attempt (SQL injection) and a directory traversal (curl)"
on attacker curl -s -m 5 -o /dev/null -A "sqlmap/1.7" \
	"http://10.10.0.20/login.asp?user=admin'%20OR%20'1'='1" || true
on attacker curl -s -m 5 -o /dev/null --path-as-is \
	"http://10.10.0.35/../../../../etc/passwd" || true
step "open-proxy abuse: a GET through 10.10.0.30:3128 (recorded, never forwarded)"
on attacker curl -s -m 5 -o /dev/null -x http://10.10.0.30:3128 \
	http://192.0.2.80/spam-relay || true
step "SOCKS4 CONNECT to 192.0.2.25:25 through 10.10.0.30:1080, as spammers do"
printf '\x04\x01\x00\x19\xc0\x00\x02\x19spam\x00' |
	on attacker nc -q 2 -w 3 10.10.0.30 1080 >/dev/null 2>&1 || true
step "a MyDoom-style push of an executable to 10.10.0.30:3127"
{ printf '\x85\x13\x3c\x9e\xa2'; printf 'MZ'; head -c 4096 /dev/urandom; } |
	on attacker nc -q 2 -w 3 10.10.0.30 3127 >/dev/null 2>&1 || true
step "SNMP community guessing (snmpget) and a DNS query (dig)"
for c in private admin public; do
	on attacker snmpget -v1 -c "$c" -t 1 -r 0 -On 10.10.0.20 \
		1.3.6.1.2.1.1.1.0 2>/dev/null | sed 's/^/      /' || true
done
on attacker dig +tries=1 +time=2 @10.10.0.30 www.example.test 2>/dev/null |
	sed -n 's/.*status: \([A-Z]*\).*/      dns answer: \1/p' || true
step "a bounded SYN burst at 10.10.0.21:445 (hping3, 300 packets)"
on attacker hping3 -q -c 300 -i u3000 -S -p 445 10.10.0.21 >/dev/null 2>&1 || true
sleep 1

say "Stopping the sensor (SIGTERM); its self-protection table goes with it"
sensor_stop

say "What the sensor recorded ($work/spool/events.ndjson)"
/usr/bin/python3 scripts/lib/events-summary.py "$work/spool/events.ndjson" \
	"$work/spool/uploads"
echo "  capture files (one per interface per day):"
for f in "$work"/capture/*.pcap; do
	[ -e "$f" ] || continue
	printf '    %s: %s packets\n' "$(basename "$f")" \
		"$(capinfos -c -M "$f" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')"
done

say "Done.  scripts/test.sh runs every test; docs/ has the man pages."
