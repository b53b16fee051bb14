#!/usr/bin/env bash
# Virtual hosts as the attacker sees them (issue 3): ping TTLs, nmap TCP
# and UDP scans of two templates, a payload event for nc's bytes, no reply
# to bad checksums, and an egress check over the whole run: the sensor
# never starts a conversation.  tests/data/sensor/lab.conf has the
# templates: default (10.10.0.50, claimed) and windows (10.10.0.20, bound).
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip tcpdump tshark nmap nc ping arping curl sha256sum
lab_begin

# Everything the sensor's interface sends and receives, from the start.
sensor_capture_out
on sensor tcpdump -q -n -i eth0 -Q in -w "$lab_tmp/in.pcap" -U 2>/dev/null &
lab_pids="$lab_pids $!"
sleep 0.5
sensor_start lab.conf || { fail "sensor starts"; finish; exit 1; }
# Let the sensor claim 10.10.0.50 (the router asks for it as the
# attacker's packets arrive; its probes take about a second).
on attacker ping -c 1 -W 3 10.10.0.50 >/dev/null 2>&1
on attacker ping -c 1 -W 3 10.10.0.20 >/dev/null 2>&1

# --- ICMP echo and the templates' TTLs (one hop through fw) -----------
ttl=$(on attacker ping -c 2 -W 2 10.10.0.50 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p' | head -1)
[ "$ttl" = 63 ] && ok "ping 10.10.0.50 (Linux template): ttl 63 = 64 - 1 hop" ||
	fail "ping 10.10.0.50: ttl '$ttl', want 63"
ttl=$(on attacker ping -c 2 -W 2 10.10.0.20 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p' | head -1)
[ "$ttl" = 127 ] && ok "ping 10.10.0.20 (Windows template): ttl 127 = 128 - 1 hop" ||
	fail "ping 10.10.0.20: ttl '$ttl', want 127"
ttl=$(on attacker ping -6 -c 2 -W 2 2001:db8:10::150 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p' | head -1)
[ "$ttl" = 63 ] && ok "ping6 2001:db8:10::150: hop limit 63" ||
	fail "ping6 2001:db8:10::150: hlim '$ttl', want 63"

# --- nmap: exactly the configured ports ------------------------------
# nmap -oG: "Ports: 22/open/tcp//ssh///, ..." and "Ignored State: closed (1021)".
ports() {	# host, then nmap options: "22/open 80/open 443/filtered | closed"
	local host=$1; shift
	on attacker nmap -n -Pn --max-retries 1 -oG - "$@" "$host" 2>/dev/null |
	awk '/Ports:/ {
		sub(/.*Ports: /, ""); ign = $0; sub(/.*Ignored State: /, "", ign)
		sub(/\t.*/, ""); n = split($0, p, /, /)
		for (i = 1; i <= n; i++) { split(p[i], f, "/"); printf "%s/%s ", f[1], f[2] }
		if (ign != $0) { sub(/ .*/, "", ign); printf "| %s", ign }
	}' | sed 's/ *$//'
}
got=$(ports 10.10.0.50 -sS -p 1-1024)
[ "$got" = "22/open 80/open 443/filtered | closed" ] &&
	ok "nmap -sS 10.10.0.50: 22, 80 open, 443 filtered, the rest closed" ||
	fail "nmap -sS 10.10.0.50: '$got'"
got=$(ports 10.10.0.20 -sS -p 1-1024)
[ "$got" = "135/open 139/closed 445/open | filtered" ] &&
	ok "nmap -sS 10.10.0.20: 135, 445 open, 139 closed, the rest filtered" ||
	fail "nmap -sS 10.10.0.20: '$got'"
# UDP: an open port with a service answers; a blocked one is silent, which
# nmap can only call open|filtered; a closed one sends port unreachable.
got=$(ports 10.10.0.50 -sU -p 53,137,161)
[ "$got" = "53/open 137/closed 161/open|filtered" ] &&
	ok "nmap -sU 10.10.0.50: 53 open, 137 closed, 161 filtered" ||
	fail "nmap -sU 10.10.0.50: '$got'"
got=$(ports 10.10.0.20 -sU -p 53,137,161)
[ "$got" = "53/closed 137/open 161/open|filtered" ] &&
	ok "nmap -sU 10.10.0.20: 53 closed, 137 open, 161 filtered" ||
	fail "nmap -sU 10.10.0.20: '$got'"

# --- nc: the bytes are recorded ---------------------------------------
reply=$(echo "hello-dias-payload" | on attacker nc -q 1 -w 3 10.10.0.50 80 2>/dev/null)
[ "$reply" = "hello-dias-payload" ] && ok "nc to the echo port gets its line back" ||
	fail "nc to 10.10.0.50:80 got '$reply'"
echo "quiet-port-bytes" | on attacker nc -q 1 -w 3 10.10.0.50 22 >/dev/null 2>&1
sleep 1.5
python3 - <("$SPOOL_CAT" "$sensor_dir/spool") >"$lab_tmp/payloads" <<'PY'
import base64, json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["kind"] == "payload":
        print(e["conn"], e["dir"], base64.b64decode(e["data"]).decode("latin-1").strip())
PY
check "a payload event holds the bytes sent to port 80" grep -q "in hello-dias-payload" "$lab_tmp/payloads"
check "a payload event holds the bytes sent to a port with no service (22)" \
	grep -q "in quiet-port-bytes" "$lab_tmp/payloads"
check "connection events name the template" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"kind\":\"connection\",.*\"phase\":\"start\".*\"proto\":\"tcp\",\"src\":\"10.20.0.2\".*\"dst\":\"10.10.0.50\",\"dport\":80,\"template\":\"default\"'"
check "a connection end event with byte counts" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"kind\":\"connection\",.*\"phase\":\"end\".*\"dport\":80.*\"bytes_in\":19'"

# --- uploads: a file PUT to the http service is kept by its SHA-256 ----
head -c 200000 /dev/urandom >"$lab_tmp/upload.bin"
sum=$(sha256sum "$lab_tmp/upload.bin" | cut -d' ' -f1)
on attacker curl -s -m 10 -H "Expect:" -o /dev/null -T "$lab_tmp/upload.bin" http://10.10.0.50:8080/drop.bin
sleep 1
check "an upload event names the file and its SHA-256" \
	spool_grep -q "\"kind\":\"upload\".*\"sha256\":\"$sum\""
check "the shipper keeps the bytes as uploads/<sha256>, in several chunks" \
	cmp -s "$lab_tmp/upload.bin" "$sensor_dir/spool/uploads/$sum"
check_not "no partial upload is left" sh -c "ls '$sensor_dir'/spool/uploads/ | grep -q part"

# --- bad checksums get nothing; good ones get answers -----------------
out_before=$(tcpdump -n -r "$lab_tmp/out.pcap" 2>/dev/null | wc -l)
got=$(ports 10.10.0.50 -sS --badsum -p 22,23)
[ "$got" = "22/filtered 23/filtered" ] && ok "nmap --badsum -sS: no reply from an open or a closed port" ||
	fail "nmap --badsum -sS 10.10.0.50: '$got'"
got=$(ports 10.10.0.50 -sU --badsum -p 53,137)
[ "$got" = "53/open|filtered 137/open|filtered" ] && ok "nmap --badsum -sU: no reply, not even port unreachable" ||
	fail "nmap --badsum -sU 10.10.0.50: '$got'"
sleep 0.3
sent=$(tcpdump -n -r "$lab_tmp/out.pcap" 2>/dev/null | tail -n +$((out_before + 1)) | grep -c "10.10.0.50.* > 10.20.0.2")
[ "$sent" -eq 0 ] && ok "the sensor sent nothing to the bad-checksum probes" ||
	fail "the sensor sent $sent packets to bad-checksum probes"
got=$(ports 10.10.0.50 -sS -p 22,23)
[ "$got" = "22/open 23/closed" ] && ok "the same probes with good checksums are answered" ||
	fail "nmap -sS -p 22,23 10.10.0.50: '$got'"

sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || fail "exit $sensor_rc"
sensor_captures_end

# --- egress: the sensor never starts a conversation -------------------
sensor_check_no_syn_out
n=$(tshark -r "$lab_tmp/out.pcap" -Y 'icmp.type == 8 || icmpv6.type == 128 || icmp.type == 13 || icmp.type == 17' 2>/dev/null | wc -l)
[ "$n" -eq 0 ] && ok "egress: no ICMP echo/timestamp/mask request from the sensor" ||
	fail "egress: $n ICMP requests from the sensor"
n=$(tshark -r "$lab_tmp/out.pcap" -Y 'arp.opcode == 1 && arp.src.proto_ipv4 != 0.0.0.0' 2>/dev/null | wc -l)
[ "$n" -eq 0 ] && ok "egress: ARP requests only as probes (from 0.0.0.0)" ||
	fail "egress: $n ARP requests that are not probes"
n=$(tshark -r "$lab_tmp/out.pcap" -Y 'icmpv6.type == 135 && !(ipv6.src == ::)' 2>/dev/null | wc -l)
[ "$n" -eq 0 ] && ok "egress: NDP solicitations only as probes (from ::)" ||
	fail "egress: $n neighbour solicitations that are not probes"
# Every UDP datagram out answers one that came in on the reversed tuple.
tshark -r "$lab_tmp/in.pcap" -Y udp -T fields -e ip.src -e ipv6.src -e udp.srcport -e ip.dst -e ipv6.dst -e udp.dstport 2>/dev/null |
	awk '{ print $1 " " $2 " " $3 " " $4 }' | sort -u >"$lab_tmp/udp_in"
tshark -r "$lab_tmp/out.pcap" -Y 'udp && !icmp && !icmpv6' -T fields -e ip.dst -e ipv6.dst -e udp.dstport -e ip.src -e ipv6.src -e udp.srcport 2>/dev/null |
	awk '{ print $1 " " $2 " " $3 " " $4 }' | sort -u >"$lab_tmp/udp_out"
n=$(comm -23 "$lab_tmp/udp_out" "$lab_tmp/udp_in" | wc -l)
[ "$n" -eq 0 ] && ok "egress: every UDP datagram out answers a peer that spoke first" ||
	fail "egress: $n unsolicited UDP flows: $(comm -23 "$lab_tmp/udp_out" "$lab_tmp/udp_in" | head -3)"
total=$(tcpdump -n -r "$lab_tmp/out.pcap" 2>/dev/null | wc -l)
echo "     (egress: $total frames sent by the sensor over the run)"
finish
