#!/usr/bin/env bash
# Windows file servers as smbclient and nmap see them (issue 4): the smb,
# netbios-ssn and msrpc services of a Windows 2000 (SMB1 only), a
# Windows 7 (SMB up to 2.1) and a Windows 10 (SMB 3.1.1) template in
# tests/data/sensor/smb.conf.  smbclient -L lists the shares over SMB2,
# SMB3 and SMB1; nmap's smb-os-discovery and smb-protocols name the OS
# and dialects; nmap -sV names the services; a file put on a share is an
# upload; a Blaster-style bind on 135 is recorded; the service events
# carry the parsed fields; nmap's MS17-010 check finds the Windows 7
# unpatched; the sensor never starts a conversation.
# SMB_SEEDS_PCAP=FILE keeps the attacker's capture (make_smb_seeds.py).
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd smbclient nmap tcpdump tshark python3 sha256sum
lab_begin

W2K=10.10.0.20 W7=10.10.0.21 W10=10.10.0.22
sensor_capture_out
on attacker tcpdump -q -n -i eth0 -w "$lab_tmp/attacker.pcap" -U \
    'tcp port 135 or tcp port 139 or tcp port 445' 2>/dev/null &
lab_pids="$lab_pids $!"
sleep 0.5
sensor_start smb.conf || { fail "sensor starts"; finish; exit 1; }
for ip in $W2K $W7 $W10; do
	on attacker ping -c 1 -W 3 $ip >/dev/null 2>&1
done

# A service event of a type with these fields: has_event TYPE k=v ...
has_event() {
	sensor_events >"$lab_tmp/events.ndjson"
	python3 - "$lab_tmp/events.ndjson" "$@" <<'PY'
import json, sys
path, typ, *kv = sys.argv[1:]
want = dict(a.split("=", 1) for a in kv)
for line in open(path):
    e = json.loads(line)
    if e.get("kind") == "service" and e.get("type") == typ and \
       all(e["fields"].get(k) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
}

# smbclient -L: "<tab>NAME<spaces>Disk|IPC<spaces>comment" per share.
shares() {	# smbclient output on stdin: the share names, sorted
	awk '$2 == "Disk" || $2 == "IPC" { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# --- smbclient -L over SMB2, SMB3, SMB1 and port 139 ------------------
out=$(on attacker timeout 30 smbclient -L //$W7 -N 2>&1)
echo "$out" | sed 's/^/     | /'
got=$(echo "$out" | shares)
[ "$got" = 'ADMIN$ C$ IPC$ SCANS SHARED' ] &&
	ok "smbclient -L //$W7 -N (SMB 2.1): ADMIN\$ C\$ IPC\$ SCANS SHARED" ||
	fail "smbclient -L //$W7: shares '$got'"
got=$(on attacker timeout 30 smbclient -L //$W10 -N 2>&1 | shares)
[ "$got" = 'ADMIN$ C$ DATA IPC$' ] && ok "smbclient -L //$W10 -N (SMB 3.1.1): ADMIN\$ C\$ DATA IPC\$" ||
	fail "smbclient -L //$W10: shares '$got'"
out=$(on attacker timeout 30 smbclient -L //$W2K -N 2>&1)
echo "$out" | grep -q "Sharename" && fail "smbclient (SMB2 minimum) lists Windows 2000's shares" ||
	ok "smbclient with its default SMB2 minimum gets nowhere with Windows 2000: $(echo "$out" | head -1)"
out=$(on attacker timeout 30 smbclient -L //$W2K -N --option='client min protocol=NT1' 2>&1)
echo "$out" | sed 's/^/     | /'
got=$(echo "$out" | shares)
[ "$got" = 'ADMIN$ C$ IPC$' ] && ok "smbclient -L //$W2K -N over NT1 (SMB1): ADMIN\$ C\$ IPC\$" ||
	fail "smbclient -L //$W2K over NT1: shares '$got'"
got=$(on attacker timeout 30 smbclient -L //$W7 -p 139 -N 2>&1 | shares)
[ "$got" = 'ADMIN$ C$ IPC$ SCANS SHARED' ] && ok "smbclient -L //$W7 -p 139 (netbios-ssn): the same shares" ||
	fail "smbclient -L //$W7 -p 139: shares '$got'"

# A login with a password: smbclient gets in (as guest), and the
# recorded netntlm line is one hashcat would crack with that password.
got=$(on attacker timeout 30 smbclient -L //$W10 -U 'CORP/alice%Secret1' 2>&1 | shares)
[ "$got" = 'ADMIN$ C$ DATA IPC$' ] && ok "smbclient -U CORP/alice%Secret1 //$W10: in, shares listed" ||
	fail "smbclient -U alice //$W10: '$got'"
sleep 0.5
sensor_events >"$lab_tmp/events.ndjson"
line=$(python3 -c "import json,sys
for l in open('$lab_tmp/events.ndjson'):
    e = json.loads(l)
    if e.get('type') == 'login' and e['fields'].get('user') == 'alice':
        print(e['fields'].get('netntlm', '')); break")
echo "     netntlm: ${line:0:100}..."
check "alice's netntlm line verifies with her password (hashcat 5600)" \
	python3 "$DIAS_SRC/tests/net/lib/netntlm_check.py" "$line" Secret1
check_not "and not with another" python3 "$DIAS_SRC/tests/net/lib/netntlm_check.py" "$line" Secret2

# --- nmap's smb scripts -------------------------------------------------
out=$(on attacker timeout 120 nmap -n -Pn -p445 --script smb-os-discovery,smb-protocols $W2K 2>&1)
echo "$out" | grep '^|' | sed 's/^/     /'
echo "$out" | grep -q "OS: Windows 2000 (Windows 2000 LAN Manager)" &&
	ok "smb-os-discovery $W2K: Windows 2000" || fail "smb-os-discovery $W2K: no Windows 2000"
echo "$out" | grep -q "NetBIOS computer name: WIN2K" && ok "smb-os-discovery $W2K: NetBIOS name WIN2K" ||
	fail "smb-os-discovery $W2K: no NetBIOS name"
echo "$out" | grep -q "NT LM 0.12 (SMBv1)" && ! echo "$out" | grep -qE '^\|\s+2\.?0\.?2' &&
	ok "smb-protocols $W2K: NT LM 0.12 only" || fail "smb-protocols $W2K: not SMB1 only"
out=$(on attacker timeout 120 nmap -n -Pn -p445 --script smb-os-discovery,smb-protocols $W7 2>&1)
echo "$out" | grep '^|' | sed 's/^/     /'
echo "$out" | grep -q "OS: Windows 7 Professional 7601 Service Pack 1 (Windows 7 Professional 6.1)" &&
	ok "smb-os-discovery $W7: Windows 7 Professional SP1" || fail "smb-os-discovery $W7: no Windows 7"
dialects=$(echo "$out" | sed -n '/dialects:/,/^|_/p' | sed 's/^|[_ ]*//' | grep -v dialects: | tr '\n' ',' | sed 's/,$//')
[ "$dialects" = "NT LM 0.12 (SMBv1) [dangerous, but default],202,210" ] &&
	ok "smb-protocols $W7: NT LM 0.12, 2.0.2, 2.1" || fail "smb-protocols $W7: '$dialects'"
out=$(on attacker timeout 120 nmap -n -Pn -p445 --script smb-protocols $W10 2>&1)
dialects=$(echo "$out" | sed -n '/dialects:/,/^|_/p' | sed 's/^|[_ ]*//' | grep -v dialects: | tr '\n' ',' | sed 's/,$//')
[ "$dialects" = "202,210,300,302,311" ] && ok "smb-protocols $W10: 2.0.2 to 3.1.1, no SMB1" ||
	fail "smb-protocols $W10: '$dialects'"

# smb-enum-shares: the list over srvsvc (level 0), details refused as
# to a guest, and a test file written and deleted on each share.
out=$(on attacker timeout 120 nmap -n -Pn -p445 --script smb-enum-shares $W7 2>&1)
got=$(echo "$out" | sed -n 's/^|   \\\\[0-9.]*\\\(.*\): *$/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$got" = 'ADMIN$ C$ IPC$ SCANS SHARED' ] && ok "smb-enum-shares $W7: ADMIN\$ C\$ IPC\$ SCANS SHARED" ||
	fail "smb-enum-shares $W7: '$got'"
echo "$out" | grep -A3 'SHARED:' | sed 's/^/     /'

# An unpatched Windows 7 is what WannaCry looks for (MS17-010).
out=$(on attacker timeout 120 nmap -n -Pn -p445 --script smb-vuln-ms17-010 $W7 2>&1)
echo "$out" | grep -q "State: VULNERABLE" && ok "smb-vuln-ms17-010 $W7: VULNERABLE, as an unpatched host looks" ||
	fail "smb-vuln-ms17-010 $W7: $(echo "$out" | grep '^|' | head -3)"

# --- nmap -sV ---------------------------------------------------------
for ip in $W2K $W7; do
	out=$(on attacker timeout 200 nmap -n -Pn -sV -p135,139,445 $ip 2>&1 | grep -E '^[0-9]+/tcp')
	echo "$out" | sed "s/^/     | $ip /"
	echo "$out" | grep -q "^135/tcp open  msrpc *Microsoft Windows RPC" &&
		echo "$out" | grep -q "^139/tcp open  netbios-ssn *Microsoft Windows netbios-ssn" &&
		ok "nmap -sV $ip: 135 Microsoft Windows RPC, 139 Microsoft Windows netbios-ssn" ||
		fail "nmap -sV $ip: 135/139 not named"
	want="Microsoft Windows 2000 microsoft-ds"
	[ $ip = $W7 ] && want="Microsoft Windows 7 - 10 microsoft-ds"
	echo "$out" | grep -q "^445/tcp open  microsoft-ds *$want" && ok "nmap -sV $ip: 445 $want" ||
		fail "nmap -sV $ip: 445 is not '$want'"
done

# --- a worm's push: smbclient put, over SMB2 and SMB1 -------------------
head -c 150000 /dev/urandom >"$lab_tmp/worm.exe"
sum=$(sha256sum "$lab_tmp/worm.exe" | cut -d' ' -f1)
on attacker timeout 30 smbclient //$W7/SHARED -N -c "put $lab_tmp/worm.exe msblast.exe" >/dev/null 2>&1
on attacker timeout 30 smbclient //$W2K/C\$ -N --option='client min protocol=NT1' \
    -c "put $lab_tmp/worm.exe sasser.exe" >/dev/null 2>&1
sleep 1
sensor_events >"$lab_tmp/events.ndjson"
check "SMB2 put: an upload event names msblast.exe with its SHA-256" \
	grep -q "\"kind\":\"upload\".*\"name\":\"msblast.exe\",\"size\":150000,\"sha256\":\"$sum\"" "$lab_tmp/events.ndjson"
check "SMB1 put: an upload event names sasser.exe with its SHA-256" \
	grep -q "\"kind\":\"upload\".*\"name\":\"sasser.exe\",\"size\":150000,\"sha256\":\"$sum\"" "$lab_tmp/events.ndjson"
check "the shipper keeps the bytes as uploads/<sha256>" cmp -s "$lab_tmp/worm.exe" "$sensor_dir/spool/uploads/$sum"

# --- 135: Blaster's bind to IRemoteActivation, then opnum 0 ------------
reply=$(on attacker python3 - $W2K <<'PY'
import socket, struct, sys
s = socket.create_connection((sys.argv[1], 135), timeout=5)
ndr = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)
iface = bytes.fromhex("b84a9f4d1c7dcf11861e0020af6e7c57") + struct.pack("<I", 0)
body = struct.pack("<HHIBxxxHBx", 5840, 5840, 0, 1, 1, 1) + iface + ndr
s.sendall(struct.pack("<BBBBIHHI", 5, 0, 11, 3, 0x10, 16 + len(body), 0, 127) + body)
ack = s.recv(1024)
stub = b"\x05\x00\x07\x00" + b"A" * 64
s.sendall(struct.pack("<BBBBIHHIIHH", 5, 0, 0, 3, 0x10, 24 + len(stub), 0, 128, len(stub), 1, 0) + stub)
fault = s.recv(1024)
print(ack[2], struct.unpack("<H", ack[36:38])[0], fault[2])
PY
)
[ "$reply" = "12 0 3" ] && ok "135: bind_ack accepting IRemoteActivation, then a fault for opnum 0" ||
	fail "135: Blaster-style exchange got '$reply'"
sleep 1

# --- the service events' parsed fields --------------------------------
check "negotiate: smb2, the client's dialects, 2.1 chosen (Windows 7)" \
	has_event negotiate proto=smb2 dialects=0202,0210,0300,0302,0311 chosen=0210
check "negotiate: smb2 3.1.1 chosen (Windows 10)" has_event negotiate proto=smb2 chosen=0311
check "negotiate: smb1 NT LM 0.12 without extended security (nmap)" \
	has_event negotiate proto=smb1 chosen="NT LM 0.12" extended_security=no
check "session_setup: NTLMSSP negotiate in SPNEGO" has_event session_setup proto=smb2 ntlmssp=negotiate spnego=yes
check "login: smbclient -N, its user and no password" has_event login proto=smb2 user=root anonymous=no hash_type=none
check "login: nmap's guest login, with a netntlm line" \
	python3 -c "import json,sys; sys.exit(0 if any(e.get('type')=='login' and e['fields'].get('user')=='guest' and e['fields'].get('netntlm','').startswith('guest::') for e in map(json.loads, open('$lab_tmp/events.ndjson'))) else 1)"
check "tree_connect: \\\\$W7\\IPC\$" has_event tree_connect proto=smb2 "path=\\\\$W7\\IPC\$" share=IPC\$
check "create: the srvsvc pipe" has_event create proto=smb2 name=srvsvc
check "rpc_bind: srvsvc on its pipe" has_event rpc_bind iface_name=srvsvc pipe=srvsvc result=accepted
check "rpc_call: srvsvc opnum 15 answered with the share list" has_event rpc_call iface_name=srvsvc opnum=15 answer=share_enum
check "write: msblast.exe at offset 0" has_event write proto=smb2 name=msblast.exe offset=0
check "delete: nmap's test file" has_event delete proto=smb1 name=nmap-test-file status=0x00000000
check "rpc_call: srvsvc NetShareGetInfo refused" has_event rpc_call iface_name=srvsvc opnum=16 answer=access_denied
check "nbt_session: smbclient's session request on 139 calls $W7" has_event nbt_session called=$W7
check "command: nmap's PeekNamedPipe on FID 0 (trans, setup 0023 0000)" \
	has_event command proto=smb1 command=trans setup=00230000 status=0xc0000205
check "rpc_bind on 135: IRemoteActivation" \
	has_event rpc_bind iface=4d9f4ab8-7d1c-11cf-861e-0020af6e7c57 iface_name=IRemoteActivation
check "rpc_call on 135: IRemoteActivation opnum 0" has_event rpc_call iface_name=IRemoteActivation opnum=0 stub_len=68

# The engine logs its counters on SIGUSR1 to the parent.
kill -USR1 "$(sensor_pidof parent)"
sleep 1
sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || fail "exit $sensor_rc"
sensor_captures_end
[ -n "${SMB_SEEDS_PCAP:-}" ] && cp "$lab_tmp/attacker.pcap" "$SMB_SEEDS_PCAP"
sensor_check_no_syn_out
grep -q "stats: .*service_leaks 0$" "$sensor_log" && ok "service_leaks 0 at exit" ||
	fail "service_leaks at exit: $(grep service_leaks "$sensor_log")"
finish
