#!/usr/bin/env bash
# The DIAS demo: what the project can do today, in the lab (scripts/lab.sh).
#
# Today (foundation): build, bring up the namespace LAN, check the example
# sensor configuration, play a bounded attack mix from the attacker namespace
# while the LAN is captured, and decode every captured frame with DIAS's own
# packet codec.  Later issues grow this into sensor -> server -> enforcer.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it builds network namespaces)" >&2; exit 1; }

say "Building DIAS (gcc, warnings as errors) into build/"
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build | tail -n 1

export LAB_PREFIX=${LAB_PREFIX:-dias}
work=$(mktemp -d)
cleanup() {
	rc=$?
	[ -n "${capture_pid:-}" ] && kill "$capture_pid" 2>/dev/null
	say "Tearing the lab down"
	scripts/lab.sh down
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Bringing up the lab: attacker -> fw -> LAN (sensor, client), server"
scripts/lab.sh up
scripts/lab.sh status

say "Checking the example sensor configuration (dias-sensor -n -f etc/sensor.conf)"
build/sensor/dias-sensor -n -f etc/sensor.conf

say "Capturing the LAN bridge while the attacker plays a bounded attack mix"
scripts/lab.sh exec lan tcpdump -q -n -i br0 -w "$work/lan.pcap" -U 2>/dev/null &
capture_pid=$!
sleep 1
on() { scripts/lab.sh exec "$@"; }
echo "  - ARP sweep of unused LAN addresses from the client (arping)"
for a in 10.10.0.20 10.10.0.21 10.10.0.50; do
	on client arping -c 1 -w 1 "$a" >/dev/null 2>&1 || true
done
echo "  - ping sweep and a SYN scan of the LAN's top DIAS ports (nmap)"
on attacker nmap -n -sn 10.10.0.1-8 >/dev/null 2>&1 || true
on attacker nmap -n -Pn -sS --max-retries 0 \
	-p 80,135,139,445,1025,1080,2745,3127,3128,6129 10.10.0.2-3 >/dev/null 2>&1 || true
echo "  - UDP probes of NetBIOS, SNMP, DNS and MS-SQL (nmap -sU)"
on attacker nmap -n -Pn -sU --max-retries 0 -p 53,137,161,1434 10.10.0.3 >/dev/null 2>&1 || true
echo "  - a bounded SYN burst (hping3, 200 packets)"
on attacker hping3 -q -c 200 -i u2000 -S -p 445 10.10.0.3 >/dev/null 2>&1 || true
sleep 0.5
kill "$capture_pid" 2>/dev/null; wait "$capture_pid" 2>/dev/null || true
capture_pid=

say "Decoding every captured frame with DIAS's codec (decode, anomalies, exact re-encode)"
build/tests/pcapcheck -t "$work/lan.pcap" | grep -v "^summary" >"$work/frames.tsv" || true
echo "  frames by layer stack:"
cut -f2 "$work/frames.tsv" | sort | uniq -c | sort -rn | sed 's/^/    /'
echo "  anomalies (malformations DIAS names rather than crashes on):"
cut -f3 "$work/frames.tsv" | grep -v '^-$' | sort | uniq -c | sed 's/^/    /' || echo "    none"
build/tests/pcapcheck "$work/lan.pcap" | tail -n 1

say "Done.  Next: scripts/test.sh runs every test; docs/ has the man pages."
