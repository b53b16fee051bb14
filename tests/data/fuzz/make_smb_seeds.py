#!/usr/bin/python3
# Regenerate tests/data/fuzz/svc_smb/ and svc_msrpc/ from a capture of
# real clients (svc_smb.sh keeps one with SMB_SEEDS_PCAP=FILE): each TCP
# connection to 445, 139 or 135 becomes one seed, the client's bytes in
# order behind fuzz_svc.h's cut byte.  Needs Debian's python3-scapy:
#	/usr/bin/python3 make_smb_seeds.py capture.pcap
import os
import sys

from scapy.all import IP, TCP, rdpcap

here = os.path.dirname(os.path.abspath(__file__))
streams = {}
for p in rdpcap(sys.argv[1]):
    if IP not in p or TCP not in p or p[TCP].dport not in (135, 139, 445):
        continue
    key = (p[IP].src, p[TCP].sport, p[IP].dst, p[TCP].dport)
    data = bytes(p[TCP].payload)
    if data:
        streams.setdefault(key, {})[p[TCP].seq] = data

n = {}
seen = set()
for (src, sport, dst, dport), segs in sorted(streams.items()):
    body = b"".join(segs[s] for s in sorted(segs))
    if dport == 135:
        d, cut = "svc_msrpc", 0x3f
    else:
        d, cut = "svc_smb", 0x3f if dport == 445 else 0xbf
    # Segments of (cut % 64) * 23 + 1 = 1450 bytes; 139 sets the top bit.
    # A push is cut at 16 KiB: its first write is enough to start from.
    # nmap repeats itself: one seed per distinct stream.
    body = body[:16384]
    if (d, dport, body) in seen:
        continue
    seen.add((d, dport, body))
    i = n.get(d, 0)
    n[d] = i + 1
    os.makedirs(os.path.join(here, d), exist_ok=True)
    name = "%s_%d_%02d" % (dst.split(".")[-1], dport, i)
    with open(os.path.join(here, d, name), "wb") as f:
        f.write(bytes([cut]) + body)

# Hand-made DCE/RPC for 135 (C706 12.6): what a capture of scanners
# lacks.  BIND (two contexts, NDR64 first), ALTER_CONTEXT, ept_map, and
# a request in two fragments.
import struct  # noqa: E402

NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)
NDR64 = bytes.fromhex("33057171babe37498319b5dbef9ccc36") + struct.pack("<I", 1)
EPM = bytes.fromhex("0883afe11f5dc91191a408002b14a0fa") + struct.pack("<HH", 3, 0)
ACT = bytes.fromhex("a001000000000000c000000000000046") + struct.pack("<HH", 0, 0)


def pdu(ptype, flags, call, body):
    return struct.pack("<BBBBIHHI", 5, 0, ptype, flags, 0x10,
                       16 + len(body), 0, call) + body


def bind(ptype, call, ctxs):
    body = struct.pack("<HHIB3x", 5840, 5840, 0, len(ctxs))
    for i, (iface, ts) in enumerate(ctxs):
        body += struct.pack("<HBx", i, len(ts)) + iface + b"".join(ts)
    return pdu(ptype, 3, call, body)


def request(flags, call, ctx, opnum, stub):
    return pdu(0, flags, call, struct.pack("<IHH", len(stub), ctx, opnum)
               + stub)


tower = b"\x00" * 20 + struct.pack("<I", 4) + b"\x00" * 8
seeds = {
    "crafted_ept_map": bind(11, 1, [(EPM, [NDR])]) +
    request(3, 2, 0, 3, b"\x01\x00\x00\x00" + tower),
    "crafted_ndr64_alter": bind(11, 1, [(ACT, [NDR64]), (ACT, [NDR])]) +
    bind(14, 2, [(EPM, [NDR])]) + request(3, 3, 0, 4, b"MEOW" * 8),
    "crafted_fragments": bind(11, 1, [(ACT, [NDR])]) +
    request(1, 2, 0, 4, b"A" * 64) + request(2, 2, 0, 4, b"B" * 64),
}
for name, body in seeds.items():
    with open(os.path.join(here, "svc_msrpc", name), "wb") as f:
        f.write(bytes([0x3f]) + body)
