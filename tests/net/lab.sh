#!/usr/bin/env bash
# The lab itself: every node up, routed through fw, idempotent, sealed off
# from the host, and captures taken in it decode cleanly.
set -u
. "$(dirname "$0")/lib/common.sh"
need_root
need_cmd ip tcpdump ping nmap hping3 arping nc
lab_begin

for n in lan sensor client fw attacker server; do
	check "node $n exists" ip netns pids "$(lab ns $n)"
done

check "up twice is idempotent" lab up
check "client reaches fw" on client ping -c1 -W2 10.10.0.1
check "attacker reaches client through fw" on attacker ping -c1 -W2 10.10.0.3
check "attacker reaches client over IPv6" on attacker ping -6 -c1 -W2 2001:db8:10::3
check "client reaches server" on client ping -c1 -W2 10.30.0.2

# Sealed: no lab interface lives in the host namespace, and fw has nowhere
# to send traffic for addresses outside the lab (192.0.2.1 is TEST-NET-1).
check_not "no lab veth in the host namespace" sh -c "ip -br link | grep -q '^p-'"
check_not "fw has no default route" sh -c "$LAB exec fw ip route show default | grep -q ."
check_not "traffic for TEST-NET-1 goes nowhere" on attacker ping -c1 -W1 192.0.2.1

# Capture real traffic on the LAN bridge and decode every frame with our
# codec: ARP, ICMP, ICMPv6/NDP, a TCP SYN scan, a TCP data transfer, UDP.
pcap=$lab_tmp/lab.pcap
on lan tcpdump -q -n -i br0 -w "$pcap" -U 2>/dev/null &
lab_pids=$!
sleep 1
on client arping -c 2 -w 3 10.10.0.77 >/dev/null 2>&1
on attacker ping -c 2 -i 0.2 10.10.0.3 >/dev/null
on attacker ping -6 -c 2 -i 0.2 2001:db8:10::3 >/dev/null
on client sh -c 'echo hello-dias | nc -l -p 7777 -q 1 >/dev/null' &
sleep 0.3
on attacker sh -c 'echo from-attacker | nc -q 1 -w 2 10.10.0.3 7777' >/dev/null 2>&1
on attacker nmap -n -Pn -sS -p 1-200 --max-retries 0 10.10.0.3 >/dev/null 2>&1
on attacker nmap -n -Pn -sU -p 53,137,161 --max-retries 0 10.10.0.3 >/dev/null 2>&1
on attacker hping3 -c 5 -i u20000 -S -p 80 10.10.0.3 >/dev/null 2>&1
sleep 0.5
kill $lab_pids 2>/dev/null; wait $lab_pids 2>/dev/null
lab_pids=

frames=$(tcpdump -n -r "$pcap" 2>/dev/null | wc -l)
[ "$frames" -gt 200 ] && ok "captured $frames frames in the lab" ||
	fail "captured only $frames frames in the lab"
if [ -x "$DIAS_BUILD/tests/pcapcheck" ]; then
	check "lab capture decodes and re-encodes byte-exactly" \
	    "$DIAS_BUILD/tests/pcapcheck" "$pcap"
else
	fail "pcapcheck not built ($DIAS_BUILD/tests/pcapcheck)"
fi

lab down >/dev/null
left=$(ip netns list | grep -c "^$LAB_PREFIX-" || true)
[ "$left" -eq 0 ] && ok "down removes every namespace" ||
	fail "down left $left namespaces"
finish
