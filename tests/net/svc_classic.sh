#!/usr/bin/env bash
# The DIAS paper's classic services with real clients from the attacker
# (issue 4): curl against http on two personalities and through the open
# proxy; a scripted SOCKS4 client and curl's SOCKS5; the MyDoom exchange
# of honeyd's mydoom.pl (a SOCKS4 request, then a pushed executable) and
# a Bagle push; snmpget with the right and a wrong community; dig;
# nmap's nbstat script; an SQL Server resolution query; and nmap -sV
# naming the services.
# Each must leave the right service events with the right parsed fields,
# and the sensor must never open a connection of its own.
# tests/data/sensor/svc_classic.conf has the templates.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip tcpdump tshark nmap nc curl snmpget dig sha256sum
lab_begin

WIN=10.10.0.20
LIN=10.10.0.30

sensor_capture_out
sleep 0.5
sensor_start svc_classic.conf || { fail "sensor starts"; finish; exit 1; }
on attacker ping -c 1 -W 3 $WIN >/dev/null 2>&1
on attacker ping -c 1 -W 3 $LIN >/dev/null 2>&1

# --- http --------------------------------------------------------------
hdr=$(on attacker curl -s -m 10 -D - -o /dev/null -A "Mozilla/4.0 (lab)" "http://$WIN/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir" 2>&1)
echo "$hdr" | grep -qi "^Server: Microsoft-IIS" && ok "curl $WIN: Server: Microsoft-IIS (Windows 2000 personality)" ||
	fail "curl $WIN: no IIS Server header: $hdr"
hdr=$(on attacker curl -s -m 10 -D - -o /dev/null "http://$LIN/index.html" 2>&1)
echo "$hdr" | grep -qi "^Server: Apache" && ok "curl $LIN: Server: Apache (Linux personality)" ||
	fail "curl $LIN: no Apache Server header: $hdr"
out=$(on attacker curl -s -m 10 -o /dev/null -w '%{http_code}' -x "http://$LIN:3128" http://192.0.2.80/relay.txt 2>&1)
echo "open proxy: GET http://192.0.2.80/relay.txt through $LIN:3128 -> HTTP $out"
# Squid's answer when its upstream fails: the request was taken, nothing
# was fetched.
[ "$out" = 502 ] && ok "the open proxy answers a proxied GET as Squid does when the origin fails (502)" ||
	fail "proxied GET: HTTP $out"

# --- socks, mydoom, bagle ---------------------------------------------
# SOCKS4 CONNECT 192.0.2.25:25, user "spam": version 4, reply 0x5a granted.
reply=$(printf '\x04\x01\x00\x19\xc0\x00\x02\x19spam\x00' |
	on attacker nc -q 2 -w 3 $LIN 1080 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ "${reply:0:4}" = 005a ] && ok "SOCKS4 CONNECT: granted (00 5a), never connected" ||
	fail "SOCKS4 reply: '$reply'"
on attacker curl -s -m 5 -o /dev/null --socks5-hostname "$LIN:1080" http://www.example.test/ >/dev/null 2>&1
# honeyd's mydoom.pl: a SOCKS4 request is logged and refused (5b) ...
reply=$(printf '\x04\x01\x00\x50\xc0\x00\x02\x50\x00' |
	on attacker nc -q 2 -w 3 $LIN 3127 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ "${reply:0:4}" = 005b ] && ok "mydoom: a SOCKS4 request is refused (00 5b), as mydoom.pl does" ||
	fail "mydoom SOCKS4 reply: '$reply'"
# ... and 0x85 + the magic 133c9ea2 + an executable is the worm's push.
{ printf '\x85\x13\x3c\x9e\xa2'; printf 'MZ'; head -c 20000 /dev/urandom; } >"$lab_tmp/push.bin"
tail -c +6 "$lab_tmp/push.bin" >"$lab_tmp/push.exe"
psum=$(sha256sum "$lab_tmp/push.exe" | cut -d' ' -f1)
on attacker nc -q 2 -w 3 $LIN 3127 <"$lab_tmp/push.bin" >/dev/null 2>&1
head -c 12000 /dev/urandom >"$lab_tmp/bagle.bin"
bsum=$(sha256sum "$lab_tmp/bagle.bin" | cut -d' ' -f1)
on attacker nc -q 2 -w 3 $LIN 2745 <"$lab_tmp/bagle.bin" >/dev/null 2>&1

# --- snmp, dns, netbios-ns, ms-sql-m ----------------------------------
out=$(on attacker snmpget -v1 -c private -t 2 -r 1 -On $WIN 1.3.6.1.2.1.1.1.0 2>&1)
echo "snmpget -v1 -c private $WIN sysDescr: $out"
echo "$out" | grep -q "Windows 2000" && ok "snmpget with the configured community: a Windows 2000 sysDescr" ||
	fail "snmpget $WIN: '$out'"
out=$(on attacker snmpget -v2c -c public -t 1 -r 0 -On $WIN 1.3.6.1.2.1.1.1.0 2>&1)
echo "$out" | grep -qi "timeout" && ok "snmpget with a wrong community: silence, as a real agent" ||
	fail "snmpget -c public $WIN answered: '$out'"
out=$(on attacker snmpget -v2c -c public -t 2 -r 1 -On $LIN 1.3.6.1.2.1.1.1.0 2>&1)
echo "$out" | grep -q "Linux" && ok "snmpget -v2c on the Linux template: a Linux sysDescr" ||
	fail "snmpget $LIN: '$out'"
out=$(on attacker dig +tries=1 +time=3 @$LIN www.example.test MX 2>&1)
echo "$out" | grep -q "status: REFUSED" && ok "dig: the query is answered (REFUSED: authoritative for nothing)" ||
	fail "dig @$LIN: '$out'"
out=$(on attacker timeout 60 nmap -n -Pn -sU -p137 --script nbstat $WIN 2>&1)
echo "$out" | grep -q "NetBIOS name: WIN2K" && ok "nmap nbstat: NetBIOS name WIN2K" ||
	fail "nbstat: $(echo "$out" | grep -i netbios)"
# The SQL Server Resolution Protocol's CLNT_UCAST_EX (0x03), as Slammer's
# scans and every SQL client's browser lookup send it.
# (nc -u quits at its input's end: keep it open for the answer.)
out=$( (printf '\x03'; sleep 1) | on attacker nc -u -w 2 $WIN 1434 2>/dev/null | tr -c '[:print:]' ' ')
echo "ms-sql-m answer: $out"
echo "$out" | grep -q "ServerName;WIN2K;InstanceName;MSSQLSERVER;.*Version;8\.00\." &&
	ok "ms-sql-m: the server list names WIN2K, MSSQLSERVER, SQL Server 2000 (8.00)" ||
	fail "ms-sql-m answer: '$out'"

# --- nmap -sV --------------------------------------------------------
out=$(on attacker timeout 120 nmap -n -Pn -sV --version-light -p80,1080,3128 $LIN 2>&1)
echo "nmap -sV $LIN:"; echo "$out" | grep "^[0-9]*/tcp" | sed 's/^/    /'
echo "$out" | grep -q "^80/tcp .*open .*http .*Apache" && ok "nmap -sV: 80 is Apache httpd" ||
	fail "nmap -sV 80: $(echo "$out" | grep ^80/)"
echo "$out" | grep -q "^1080/tcp .*open .*socks" && ok "nmap -sV: 1080 is a SOCKS proxy" ||
	fail "nmap -sV 1080: $(echo "$out" | grep ^1080/)"
out=$(on attacker timeout 120 nmap -n -Pn -sV --version-light -p80 $WIN 2>&1)
echo "nmap -sV $WIN:"; echo "$out" | grep "^[0-9]*/tcp" | sed 's/^/    /'
echo "$out" | grep -q "^80/tcp .*open .*http .*Microsoft IIS" && ok "nmap -sV: 80 on the Windows 2000 template is Microsoft IIS" ||
	fail "nmap -sV $WIN 80: $(echo "$out" | grep ^80/)"

# --- the events --------------------------------------------------------
sleep 1
sensor_service_lines >"$lab_tmp/svc"
check "http request event: method, uri, User-Agent" \
	grep -q "^http request method=GET uri=/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir .*Mozilla/4.0 (lab)" "$lab_tmp/svc"
check "http-proxy proxy event: the target host, never contacted" \
	grep -q "^http-proxy proxy method=GET uri=http://192.0.2.80/relay.txt .*target_host=192.0.2.80" "$lab_tmp/svc"
check "socks request event, as mydoom.pl logs it: version 4, connect, dst host and port, user" \
	grep -q "^socks request version=4 cmd=connect dst_host=192.0.2.25 dst_port=25 user=spam" "$lab_tmp/svc"
check "socks5 request event: the host name curl asked for" \
	grep -q "^socks request version=5 cmd=connect dst_host=www.example.test dst_port=80" "$lab_tmp/svc"
check "socks request event on the mydoom port: the refused SOCKS4 request" \
	grep -q "^socks request version=4 cmd=connect dst_host=192.0.2.80 dst_port=80 .*reply=rejected" "$lab_tmp/svc"
check "mydoom upload event" grep -q "^mydoom upload size=20002" "$lab_tmp/svc"
sensor_events >"$lab_tmp/events.ndjson"
check "the pushed executable is an upload with its SHA-256, kept by the shipper" \
	sh -c "grep -q '\"kind\":\"upload\".*\"sha256\":\"$psum\"' '$lab_tmp/events.ndjson' && cmp -s '$lab_tmp/push.exe' '$sensor_dir/spool/uploads/$psum'"
check "the Bagle push is an upload with its SHA-256" \
	sh -c "grep -q '\"kind\":\"upload\".*\"sha256\":\"$bsum\"' '$lab_tmp/events.ndjson' && cmp -s '$lab_tmp/bagle.bin' '$sensor_dir/spool/uploads/$bsum'"
check "snmp request events: the community guessed, right and wrong" \
	sh -c "grep -q '^snmp request .*community=private' '$lab_tmp/svc' && grep -q '^snmp request .*community=public' '$lab_tmp/svc'"
check "snmp request event: the OID asked for" grep -q "^snmp request .*oids=1.3.6.1.2.1.1.1.0" "$lab_tmp/svc"
check "dns query event: name and type" grep -q "^dns query .*qname=www.example.test.*qtype=MX" "$lab_tmp/svc"
check "netbios-ns status event (nbstat)" grep -q "^netbios-ns status " "$lab_tmp/svc"
check "ms-sql-m request event" grep -q "^ms-sql-m request " "$lab_tmp/svc"
grep -E "^(socks|ms-sql-m|netbios-ns|mydoom|bagle) " "$lab_tmp/svc" | sed 's/^/    /'


# --- never a stepping stone --------------------------------------------
sensor_stop
sleep 0.5
syns=$(tshark -r "$lab_tmp/out.pcap" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0" 2>/dev/null | wc -l)
[ "$syns" -eq 0 ] && ok "the sensor sent no SYN: proxies and back doors never connect out" ||
	fail "the sensor sent $syns SYNs"
finish
