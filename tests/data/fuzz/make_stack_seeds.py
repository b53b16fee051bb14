#!/usr/bin/python3
# Regenerate tests/data/fuzz/stack/: frame scripts for fuzz_stack (format in
# tests/fuzz/fuzz_stack.c) aimed at the claimed and bound addresses of its
# configuration.  Needs Debian's python3-scapy:  /usr/bin/python3 make_stack_seeds.py
import os
import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest,
                       ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6, raw)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stack")
peer, me = "02:00:00:00:00:99", "02:00:00:00:00:01"


def e(p, dst=me):
    return raw(Ether(src=peer, dst=dst) / p)


def step(f, flags=0, dt=0):
    return struct.pack(">BBH", flags, dt, len(f)) + f


V4 = dict(src="10.0.0.99")
frames = {
    "arp_whohas": e(ARP(op=1, hwsrc=peer, psrc="10.0.0.99", pdst="10.0.0.77"),
                    "ff:ff:ff:ff:ff:ff"),
    "arp_bound": e(ARP(op=1, hwsrc=peer, psrc="10.0.0.99", pdst="10.0.0.50"),
                   "ff:ff:ff:ff:ff:ff"),
    "syn_echo": e(IP(dst="10.0.0.50", **V4) / TCP(
        sport=40000, dport=7, flags="S", seq=1000,
        options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)),
                 ("NOP", None), ("WScale", 7)])),
    "syn_http": e(IP(dst="10.0.0.77", **V4) / TCP(sport=40001, dport=80,
                                                  flags="S", seq=5)),
    "syn_closed": e(IP(dst="10.0.0.50", **V4) / TCP(sport=40002, dport=9999,
                                                    flags="S")),
    "xmas": e(IP(dst="10.0.0.50", **V4) / TCP(sport=40003, dport=22,
                                              flags="FPU")),
    "synrst": e(IP(dst="10.0.0.50", **V4) / TCP(sport=40004, dport=22,
                                                flags="SR")),
    "udp_dns": e(IP(dst="10.0.0.77", **V4) / UDP(sport=5353, dport=53) /
                 b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                 b"\x03www\x00\x00\x01\x00\x01"),
    "udp_closed": e(IP(dst="10.0.0.50", **V4) / UDP(sport=5000, dport=161) /
                    b"x"),
    "icmp_echo": e(IP(dst="10.0.0.50", **V4) / ICMP(type=8, id=1, seq=1) /
                   b"abcdefgh"),
    "icmp_ts": e(IP(dst="10.0.0.50", **V4) / ICMP(type=13) / (b"\0" * 12)),
    "frag": e(IP(dst="10.0.0.50", flags="MF", frag=0, id=7, **V4) /
              ICMP(type=8) / (b"a" * 16)),
    "ndp_ns": e(IPv6(src="2001:db8::99", dst="ff02::1:ff00:77", hlim=255) /
                ICMPv6ND_NS(tgt="2001:db8::77") /
                ICMPv6NDOptSrcLLAddr(lladdr=peer), "33:33:ff:00:00:77"),
    "icmp6_echo": e(IPv6(src="2001:db8::99", dst="2001:db8::50") /
                    ICMPv6EchoRequest(id=1, seq=1)),
}

os.makedirs(out, exist_ok=True)
for name, f in frames.items():
    open(os.path.join(out, name), "wb").write(step(f))
# Claim an address (who-has, 1.1 s of probing, who-has again), then a SYN.
open(os.path.join(out, "claim_then_syn"), "wb").write(
    step(frames["arp_whohas"]) + step(frames["arp_whohas"], 0x08, 110) +
    step(frames["syn_http"], 0x09, 1))
open(os.path.join(out, "everything"), "wb").write(b"".join(
    step(f, 0x08 | (i % 3), (i * 7) % 255)
    for i, f in enumerate(frames.values())))
print("%d seeds" % (len(frames) + 2))
