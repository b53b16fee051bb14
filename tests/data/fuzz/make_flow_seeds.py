#!/usr/bin/env python3
"""Seeds for fuzz_flow from the shared captures (classic pcap files):
the first frames of each, as fuzz_flow's records.  Run from the project
root: tests/data/fuzz/make_flow_seeds.py [SHARED_DIR]."""
import os
import struct
import sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flow")
LINK = {1: 0, 113: 1, 101: 2, 12: 2}
FILES = ["zeek/ssh_sshguess.pcap", "ndpi/snmp.pcap", "ndpi/synscan.pcap",
         "zeek/socks.pcap", "ndpi/log4j-webapp-exploit.pcap",
         "zeek/tcp_syn-synack.pcap"]

for name in FILES:
    with open(os.path.join(shared, "data/pcaps", name), "rb") as f:
        raw = f.read()
    magic = raw[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(end + "I", raw[20:24])[0]
    if link not in LINK:
        continue
    off, prev, recs = 24, None, b""
    for _ in range(40):
        if off + 16 > len(raw):
            break
        sec, usec, incl, _orig = struct.unpack(end + "IIII", raw[off:off + 16])
        frame = raw[off + 16:off + 16 + incl][:65535]
        off += 16 + incl
        t = sec * 1000 + usec // 1000
        step = 0 if prev is None else min(max(t - prev, 0), 65535)
        prev = t
        recs += struct.pack(">BHH", LINK[link], step, len(frame)) + frame
    base = os.path.splitext(os.path.basename(name))[0]
    with open(os.path.join(out, base + ".bin"), "wb") as f:
        f.write(recs)
