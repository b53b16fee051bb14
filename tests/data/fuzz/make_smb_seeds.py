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
