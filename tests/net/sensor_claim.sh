#!/usr/bin/env bash
# Claiming unused addresses, arpd done right (issue 3): the sensor answers
# ARP/NDP for an unused address only after its probes go unanswered,
# unicast to the asker, never for an address in use, and lets go the
# moment the real owner shows up.  Checked on the wire (a capture on the
# LAN bridge), in the other hosts' neighbour tables, and in claim events.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip tcpdump arping ndisc6
lab_begin

mac_of() { on "$1" cat /sys/class/net/eth0/address; }
client_mac=$(mac_of client)
fw_mac=$(mac_of fw)
sensor_mac=$(mac_of sensor)

pcap=$lab_tmp/lan.pcap
on lan tcpdump -q -n -i br0 -w "$pcap" -U 'arp or icmp6' 2>/dev/null &
lab_pids="${lab_pids:-} $!"
sleep 0.5
sensor_start lab.conf || { fail "sensor starts"; finish; exit 1; }

# --- IPv4 -------------------------------------------------------------
# An unused address: the first who-has starts the probes; replies come
# only after them (2 probes 500 ms apart by default).
on fw arping -c 3 -w 4 -I eth0 10.10.0.50 >"$lab_tmp/arping50" 2>&1
check "arping to an unused address gets a reply" grep -q "reply from 10.10.0.50" "$lab_tmp/arping50"
check "the reply is unicast to the asker" grep -q "Unicast reply from 10.10.0.50" "$lab_tmp/arping50"
# Timing from the capture: first who-has from fw to first is-at.
sleep 0.3
tcpdump -n -e -tt -r "$pcap" arp 2>/dev/null >"$lab_tmp/arp.txt"
t_ask=$(awk '/Request who-has 10.10.0.50 .*tell 10.10.0.1,/ { print $1; exit }' "$lab_tmp/arp.txt")
t_reply=$(awk '/Reply 10.10.0.50 is-at/ { print $1; exit }' "$lab_tmp/arp.txt")
reply_dst=$(awk '/Reply 10.10.0.50 is-at/ { sub(",", "", $4); print $4; exit }' "$lab_tmp/arp.txt")
if [ -n "$t_ask" ] && [ -n "$t_reply" ]; then
	delay=$(echo "$t_reply - $t_ask" | bc)
	echo "     first who-has -> first reply: ${delay}s (arpd: 2.0-2.5 s; goal <= 1.1 s)"
	[ "$(echo "$delay >= 0.9" | bc)" = 1 ] &&
		ok "no reply before the probe period (${delay}s)" ||
		fail "replied after ${delay}s, before 2 probes 500 ms apart"
	[ "$(echo "$delay <= 1.1" | bc)" = 1 ] &&
		ok "first reply within 1.1 s of the first who-has (${delay}s)" ||
		fail "first reply took ${delay}s (goal <= 1.1 s)"
else
	fail "no who-has/reply pair for 10.10.0.50 on the LAN"
fi
[ "$reply_dst" = "$fw_mac" ] && ok "the is-at goes to the asker's MAC, not broadcast" ||
	fail "the is-at went to $reply_dst"
probes=$(grep -c "Request who-has 10.10.0.50 tell 0.0.0.0" "$lab_tmp/arp.txt")
[ "$probes" -ge 2 ] && ok "the sensor probed ($probes ARP probes from 0.0.0.0)" ||
	fail "saw $probes ARP probes for 10.10.0.50"
# arping bypasses the kernel: let fw's own stack resolve the address.
on fw ping -c 1 -W 2 10.10.0.50 >/dev/null 2>&1
claimed_mac=$(on fw ip neigh show 10.10.0.50 dev eth0 | awk '{ print $3 }')
[ -n "$claimed_mac" ] && [ "$claimed_mac" != "$client_mac" ] &&
	ok "fw's ARP table has 10.10.0.50 at the sensor's MAC $claimed_mac" ||
	fail "fw's ARP table: 10.10.0.50 at '$claimed_mac'"
check "a claim event for 10.10.0.50" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"kind\":\"claim\".*\"action\":\"claim\",\"addr\":\"10.10.0.50\"'"

# Addresses in use are never answered for: the client (.3) and the
# router (.1) are inside the claimed range.
on fw arping -c 3 -w 4 -I eth0 10.10.0.3 >"$lab_tmp/arping3" 2>&1
replies=$(grep -c "reply from 10.10.0.3" "$lab_tmp/arping3")
others=$(grep "reply from 10.10.0.3" "$lab_tmp/arping3" | grep -v -i -c "$client_mac")
[ "$replies" -gt 0 ] && [ "$others" -eq 0 ] &&
	ok "10.10.0.3 (in use) is answered by the client only" ||
	fail "10.10.0.3: $replies replies, $others not from the client"
on client arping -c 2 -w 3 -I eth0 10.10.0.1 >/dev/null 2>&1
sleep 0.5
tcpdump -n -e -r "$pcap" arp 2>/dev/null >"$lab_tmp/arp.txt"
n=$(grep -E "Reply 10.10.0.(3|1) is-at" "$lab_tmp/arp.txt" |
	grep -v -E "is-at ($client_mac|$fw_mac)" | wc -l)
[ "$n" -eq 0 ] && ok "the sensor never says is-at for 10.10.0.3 or 10.10.0.1" ||
	fail "$n replies for 10.10.0.3/.1 not from their owners"
check_not "no claim event for an address in use" \
	spool_grep -E -q '"action":"claim","addr":"10.10.0.(1|3)"'

# The sensor host's own neighbour table counts as "in use" (the parent
# forwards it to the engine): nobody owns 10.10.0.71, but the host has an
# entry for it, so the sensor must not claim it.
on sensor ip neigh replace 10.10.0.71 lladdr 02:00:00:00:00:71 dev eth0 nud permanent
sleep 6		# the parent dumps the table every 5 s, and on every change
on fw arping -c 3 -w 4 -I eth0 10.10.0.71 >"$lab_tmp/arping71" 2>&1
check_not "an address in the host's neighbour table is never claimed" \
	grep -q "reply from 10.10.0.71" "$lab_tmp/arping71"
check_not "no claim event for it" \
	spool_grep -q '"action":"claim","addr":"10.10.0.71"'
check "a refuse event names the neighbour entry's MAC" \
	spool_grep -q '"action":"refuse","addr":"10.10.0.71","mac":"02:00:00:00:00:71"'

# Malformed ARP is never answered (honeyd #43): a who-has with a bogus
# hardware length, sent raw.
if command -v python3 >/dev/null && python3 -c 'import socket' 2>/dev/null; then
	on client python3 - "$client_mac" <<'PY' 2>/dev/null
import socket, sys
mac = bytes.fromhex(sys.argv[1].replace(':', ''))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
# ARP with hln 7: malformed.
arp = (b'\x00\x01\x08\x00\x07\x04\x00\x01' + mac + b'\x00' +
       bytes([10, 10, 0, 3]) + b'\x00' * 7 + bytes([10, 10, 0, 50]))
s.send(b'\xff' * 6 + mac + b'\x08\x06' + arp + b'\x00' * 8)
PY
	sleep 0.3
	n=$(tcpdump -n -e -r "$pcap" arp 2>/dev/null |
		grep -c "> $client_mac, .*Reply 10.10.0.50 is-at")
	[ "$n" -eq 0 ] && ok "a malformed who-has gets no reply" ||
		fail "a malformed who-has got $n replies"
fi

# The real owner appears: the client takes 10.10.0.60 after the sensor
# claimed it, and announces itself with a gratuitous ARP.
on fw arping -c 3 -w 4 -I eth0 10.10.0.60 >/dev/null 2>&1
check "the sensor claimed 10.10.0.60 first" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"action\":\"claim\",\"addr\":\"10.10.0.60\"'"
on client ip addr add 10.10.0.60/24 dev eth0
on client arping -U -c 2 -w 3 -I eth0 -s 10.10.0.60 10.10.0.60 >/dev/null 2>&1
sleep 0.5
check "a release event when the owner announces 10.10.0.60" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"action\":\"release\",\"addr\":\"10.10.0.60\"'"
check "the release is logged" grep -q "10.10.0.60" "$sensor_log"
on fw ip neigh flush dev eth0 to 10.10.0.60
on fw arping -c 3 -w 4 -I eth0 10.10.0.60 >"$lab_tmp/arping60" 2>&1
others=$(grep "reply from 10.10.0.60" "$lab_tmp/arping60" | grep -v -i -c "$client_mac")
[ "$others" -eq 0 ] && grep -q "reply from 10.10.0.60" "$lab_tmp/arping60" &&
	ok "after the release only the owner answers for 10.10.0.60" ||
	fail "after the release: $(cat "$lab_tmp/arping60")"
on fw ping -c 1 -W 2 10.10.0.60 >/dev/null 2>&1
mac60=$(on fw ip neigh show 10.10.0.60 dev eth0 | awk '{ print $3 }')
[ "$mac60" = "$client_mac" ] && ok "fw's ARP table has 10.10.0.60 at the owner's MAC" ||
	fail "fw's ARP table: 10.10.0.60 at '$mac60'"

# --- IPv6 -------------------------------------------------------------
on fw ndisc6 -r 4 -w 500 2001:db8:10::150 eth0 >"$lab_tmp/ndisc150" 2>&1
check "ndisc6 to an unused address gets the sensor's NA" \
	grep -q "Target link-layer address" "$lab_tmp/ndisc150"
check "a claim event for 2001:db8:10::150" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"action\":\"claim\",\"addr\":\"2001:db8:10::150\"'"
on fw ndisc6 -m -r 2 -w 700 2001:db8:10::3 eth0 >"$lab_tmp/ndisc3" 2>&1
n=$(grep -c "Target link-layer address" "$lab_tmp/ndisc3")
m=$(grep -i -c "Target link-layer address: $client_mac" "$lab_tmp/ndisc3")
[ "$n" -ge 1 ] && [ "$n" -eq "$m" ] &&
	ok "2001:db8:10::3 (in use) is answered by the client only" ||
	fail "2001:db8:10::3: $(cat "$lab_tmp/ndisc3")"
check_not "no claim event for 2001:db8:10::3" \
	spool_grep -q '"action":"claim","addr":"2001:db8:10::3"'
# The owner of ::160 shows up with an unsolicited NA.
on fw ndisc6 -r 4 -w 500 2001:db8:10::160 eth0 >/dev/null 2>&1
on client ip addr add 2001:db8:10::160/64 dev eth0 nodad
# An unsolicited NA (RFC 4861 §7.2.6), override set, to all nodes.
on client python3 - "$client_mac" <<'PY'
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(':', ''))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex('eth0'))
s.bind(('2001:db8:10::160', 0))
tgt = socket.inet_pton(socket.AF_INET6, '2001:db8:10::160')
na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + tgt + b'\x02\x01' + mac
s.sendto(na, ('ff02::1', 0, 0, socket.if_nametoindex('eth0')))
PY
sleep 0.5
check "a release event when the owner announces 2001:db8:10::160" \
	sh -c "'$SPOOL_CAT' '$sensor_dir/spool' | grep -q '\"action\":\"release\",\"addr\":\"2001:db8:10::160\"'"

sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || fail "exit $sensor_rc"
[ -n "${KEEP:-}" ] && cp "$pcap" "$sensor_dir"/../ "$KEEP"/ -r 2>/dev/null
finish
