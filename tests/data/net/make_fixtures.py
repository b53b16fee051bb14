#!/usr/bin/python3
# Regenerate the codec's golden captures (run once; the outputs are
# committed).  good.pcap: well-formed frames of every kind the codec
# decodes; bad.pcap: one malformation per frame.  Expected decodes are in
# <name>.expected, checked by tests/unit/test_net_golden.c.
#	cd tests/data/net && /usr/bin/python3 make_fixtures.py
from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, IPOption,
                       IPOption_RR, IPOption_Router_Alert, IPOption_Timestamp,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6DestUnreach, ICMPv6PacketTooBig,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
                       ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, RouterAlert,
                       Raw)
import struct

A = "02:00:00:00:00:0a"
B = "02:00:00:00:00:0b"
H4a, H4b = "10.0.0.1", "10.0.0.2"
H6a, H6b = "2001:db8::1", "2001:db8::2"
LLa = "fe80::1"
E = Ether(src=A, dst=B)
E6 = Ether(src=A, dst=B, type=0x86dd)


def pad60(frame):
    raw = bytes(frame)
    return raw + b"\0" * (60 - len(raw)) if len(raw) < 60 else raw


def fix(pkt):
    """Bytes with every length and checksum computed by scapy."""
    return bytes(pkt)


def patch(raw, off, data):
    raw = bytearray(raw)
    raw[off:off + len(data)] = data
    return bytes(raw)


def l4_resum(raw, ipoff, l4off, proto, length=None):
    """Recompute a TCP/UDP/ICMPv6 checksum after raw edits."""
    if raw[ipoff] >> 4 == 4:
        src, dst = raw[ipoff + 12:ipoff + 16], raw[ipoff + 16:ipoff + 20]
    else:
        src, dst = raw[ipoff + 8:ipoff + 24], raw[ipoff + 24:ipoff + 40]
    n = len(raw) - l4off if length is None else length
    at = l4off + {6: 16, 17: 6, 58: 2}[proto]
    seg = bytearray(raw[l4off:l4off + n])
    seg[at - l4off:at - l4off + 2] = b"\0\0"
    if raw[ipoff] >> 4 == 4:
        ph = src + dst + bytes([0, proto]) + n.to_bytes(2, "big")
    else:
        ph = src + dst + n.to_bytes(4, "big") + bytes([0, 0, 0, proto])
    data = ph + bytes(seg) + (b"\0" if n % 2 else b"")
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return patch(raw, at, (~s & 0xffff).to_bytes(2, "big"))


def ip4_resum(raw):
    """Recompute the IPv4 header checksum of an Ethernet frame."""
    hl = (raw[14] & 15) * 4
    hdr = bytearray(raw[14:14 + hl])
    hdr[10:12] = b"\0\0"
    s = sum(int.from_bytes(hdr[i:i + 2], "big") for i in range(0, hl, 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return patch(raw, 14 + 10, (~s & 0xffff).to_bytes(2, "big"))


good = [
    # ARP, padded to the Ethernet minimum as on the wire.
    pad60(Ether(src=A, dst="ff:ff:ff:ff:ff:ff") /
          ARP(op=1, hwsrc=A, psrc=H4a, pdst=H4b)),
    pad60(E / ARP(op=2, hwsrc=B, psrc=H4b, hwdst=A, pdst=H4a)),
    # 802.1Q tagged echo, echo reply, timestamps, address masks.
    fix(Ether(src=A, dst=B) / Dot1Q(vlan=42, prio=5) /
        IP(src=H4a, dst=H4b, id=7) / ICMP(type=8, id=0x1234, seq=1) /
        (b"x" * 32)),
    fix(E / IP(src=H4b, dst=H4a, flags="DF") / ICMP(type=0, id=0x1234, seq=1)
        / (b"x" * 32)),
    fix(E / IP(src=H4a, dst=H4b) / ICMP(type=13, id=1, seq=2,
                                         ts_ori=1000, ts_rx=0, ts_tx=0)),
    fix(E / IP(src=H4b, dst=H4a) / ICMP(type=14, id=1, seq=2, ts_ori=1000,
                                         ts_rx=2000, ts_tx=2001)),
    pad60(E / IP(src=H4a, dst=H4b) / ICMP(type=17, id=3, seq=4) /
          b"\0\0\0\0"),
    # Errors quoting the invoking packet.
    fix(E / IP(src=H4b, dst=H4a) / ICMP(type=3, code=3) /
        IP(src=H4a, dst=H4b) / UDP(sport=40000, dport=33434) / b"probe"),
    fix(E / IP(src=H4b, dst=H4a) / ICMP(type=3, code=4, nexthopmtu=1400) /
        IP(src=H4a, dst=H4b, flags="DF") / TCP(sport=40001, dport=80)),
    fix(E / IP(src=H4b, dst=H4a) / ICMP(type=11, code=0) /
        IP(src=H4a, dst=H4b, ttl=1) / UDP(sport=40002, dport=33435)),
    # TCP options in the orders real stacks use, and odd ones.
    fix(E / IP(src=H4a, dst=H4b) / TCP(sport=40003, dport=80, flags="S",
        options=[("WScale", 10), ("NOP", None), ("MSS", 1460),
                 ("Timestamp", (4294967295, 0)), ("SAckOK", b""),
                 ("EOL", None)])),
    fix(E / IP(src=H4b, dst=H4a, flags="DF") / TCP(sport=80, dport=40003,
        flags="SA", window=65160, options=[("MSS", 1460), ("SAckOK", b""),
        ("Timestamp", (123, 4294967295)), ("NOP", None), ("WScale", 7)])),
    fix(E / IP(src=H4a, dst=H4b) / TCP(sport=40003, dport=80, flags="A",
        options=[("NOP", None), ("NOP", None),
                 ("SAck", (1000, 2000, 3000, 4000))])),
    fix(E / IP(src=H4a, dst=H4b) / TCP(sport=40004, dport=179, flags="S",
        options=[(19, b"\x11" * 16), (253, b"\xf9\x89ab"),
                 ("NOP", None), ("NOP", None)])),
    fix(E / IP(src=H4a, dst=H4b, tos=0xb8) / TCP(sport=40006, dport=23,
        flags="FPU", reserved=7, urgptr=0xbeef, window=0) / b"!"),
    # IPv4 options.
    fix(E / IP(src=H4a, dst=H4b, options=[IPOption_RR(routers=["0.0.0.0"]),
        IPOption_Router_Alert()]) / UDP(sport=53, dport=53) / b"dns?"),
    fix(E / IP(src=H4a, dst=H4b, options=[IPOption(
        b"\x44\x0c\x05\x00" + bytes(8))]) / TCP(sport=1, dport=2)),
    # Fragments: the first keeps its UDP header raw, as does the second.
    fix(E / IP(src=H4a, dst=H4b, id=99, flags="MF", proto=17) /
        (b"\x9c\x40\x00\x35\x00\x18\x00\x00" + b"F" * 8)),
    pad60(E / IP(src=H4a, dst=H4b, id=99, frag=2, proto=17) / (b"G" * 8)),
    # UDP without a checksum (allowed over IPv4).
    patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=69, dport=69) / b"tftp"),
          14 + 20 + 6, b"\0\0"),
    # IPv6: echo, neighbour discovery, errors.
    fix(E6 / IPv6(src=H6a, dst=H6b) / ICMPv6EchoRequest(id=5, seq=6,
        data=b"ping6")),
    fix(E6 / IPv6(src=H6b, dst=H6a, tc=0x20, fl=0x12345) /
        ICMPv6EchoReply(id=5, seq=6, data=b"ping6")),
    fix(Ether(src=A, dst="33:33:ff:00:00:02") /
        IPv6(src=LLa, dst="ff02::1:ff00:2", hlim=255) /
        ICMPv6ND_NS(tgt=H6b) / ICMPv6NDOptSrcLLAddr(lladdr=A)),
    fix(E6 / IPv6(src=H6b, dst=LLa, hlim=255) /
        ICMPv6ND_NA(tgt=H6b, R=0, S=1, O=1) /
        ICMPv6NDOptDstLLAddr(lladdr=B)),
    fix(Ether(src=A, dst="33:33:00:00:00:02") /
        IPv6(src=LLa, dst="ff02::2", hlim=255) / ICMPv6ND_RS() /
        ICMPv6NDOptSrcLLAddr(lladdr=A)),
    fix(Ether(src=B, dst="33:33:00:00:00:01") /
        IPv6(src="fe80::2", dst="ff02::1", hlim=255) /
        ICMPv6ND_RA(chlim=64, M=0, O=1, routerlifetime=1800,
                    reachabletime=30000, retranstimer=1000) /
        ICMPv6NDOptSrcLLAddr(lladdr=B) / ICMPv6NDOptMTU(mtu=1500) /
        ICMPv6NDOptPrefixInfo(prefix="2001:db8::", prefixlen=64)),
    fix(E6 / IPv6(src=H6b, dst=H6a) / ICMPv6DestUnreach(code=4) /
        IPv6(src=H6a, dst=H6b) / UDP(sport=40007, dport=33434) / b"x"),
    fix(E6 / IPv6(src=H6b, dst=H6a) / ICMPv6PacketTooBig(mtu=1280) /
        IPv6(src=H6a, dst=H6b) / TCP(sport=40008, dport=443)),
    # Extension headers.
    fix(E6 / IPv6(src=H6a, dst=H6b) / IPv6ExtHdrHopByHop(options=[
        RouterAlert()]) / IPv6ExtHdrDestOpt() / TCP(sport=40009, dport=80,
        flags="S", options=[("MSS", 1440), ("SAckOK", b""),
                            ("WScale", 8)])),
    fix(E6 / IPv6(src=H6a, dst="2001:db8::100") /
        IPv6ExtHdrRouting(type=0, addresses=["2001:db8::200", H6b],
                          segleft=2) / UDP(sport=40010, dport=53) / b"rt0"),
    fix(E6 / IPv6(src=H6a, dst=H6b) / IPv6ExtHdrFragment(id=7, offset=0, m=0)
        / UDP(sport=40011, dport=53) / b"atomic"),
    fix(E6 / IPv6(src=H6a, dst=H6b) / IPv6ExtHdrFragment(id=8, offset=4, m=0,
        nh=17) / (b"H" * 16)),
    # AH (RFC 4302), 12 bytes of ICV, then TCP.
    l4_resum(fix(E6 / IPv6(src=H6a, dst=H6b, nh=51) /
             (bytes([6, 4, 0, 0]) + b"\0\0\x01\x00" + b"\0\0\0\x01" +
              b"\xa5" * 12) / TCP(sport=40012, dport=80, flags="R")),
             14, 14 + 40 + 24, 6),
]

bad = [
    # Checksums.
    patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=1, dport=2) / b"a"),
          14 + 10, b"\xde\xad"),
    patch(fix(E / IP(src=H4a, dst=H4b) / TCP(sport=3, dport=4)),
          14 + 20 + 16, b"\xde\xad"),
    patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=5, dport=6) / b"b"),
          14 + 20 + 6, b"\xde\xad"),
    patch(pad60(E / IP(src=H4a, dst=H4b) / ICMP(type=8)), 14 + 20 + 2,
          b"\xde\xad"),
    patch(fix(E6 / IPv6(src=H6a, dst=H6b) / ICMPv6EchoRequest()),
          14 + 40 + 2, b"\xde\xad"),
    # TCP options: a zero length, and an MSS of the wrong size.
    fix(E / IP(src=H4a, dst=H4b) / TCP(sport=7, dport=8,
        options=[(2, b"\x05"), ("NOP", None)]) ),
    l4_resum(patch(fix(E / IP(src=H4a, dst=H4b) / TCP(sport=9, dport=10,
             options=[("MSS", 1460)])), 54 + 1, b"\x00"), 14, 34, 6),
    # IPv4: header length 4 words, bad option length, evil bit, cut.
    patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=11, dport=12)), 14,
          b"\x44"),
    ip4_resum(patch(fix(E / IP(src=H4a, dst=H4b,
        options=[IPOption_Router_Alert()]) / UDP(sport=13, dport=14)),
        14 + 20, b"\x07\x27\x04\0")),
    fix(E / IP(src=H4a, dst=H4b, flags="evil") / UDP(sport=15, dport=16)),
    ip4_resum(patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=17, dport=18) /
              (b"c" * 20)), 14 + 2, b"\x01\x00")),
    # UDP length shorter and longer than the datagram.
    l4_resum(patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=19, dport=20) /
             (b"d" * 20)), 14 + 20 + 4, b"\x00\x0a"), 14, 34, 17, 10),
    patch(fix(E / IP(src=H4a, dst=H4b) / UDP(sport=21, dport=22) / (b"e" * 20)),
          14 + 20 + 4, b"\x00\x40"),
    # IPv6: nine destination-option headers, hop-by-hop second,
    # zero UDP checksum, NS with hop limit 64, ND option of length 0.
    fix(E6 / IPv6(src=H6a, dst=H6b) / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / UDP(sport=23, dport=24)),
    fix(E6 / IPv6(src=H6a, dst=H6b) / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrHopByHop() / UDP(sport=25, dport=26)),
    patch(fix(E6 / IPv6(src=H6a, dst=H6b) / UDP(sport=27, dport=28) / b"f"),
          14 + 40 + 6, b"\0\0"),
    fix(E6 / IPv6(src=LLa, dst="ff02::1:ff00:2", hlim=64) /
        ICMPv6ND_NS(tgt=H6b) / ICMPv6NDOptSrcLLAddr(lladdr=A)),
    fix(E6 / IPv6(src=LLa, dst="ff02::1:ff00:2", hlim=255) /
        ICMPv6ND_NS(tgt=H6b) / b"\x01\x00\0\0\0\0\0\0"),
    # Stacked 802.1Q tags.
    fix(Ether(src=A, dst=B) / Dot1Q(vlan=10) / Dot1Q(vlan=20) /
        IP(src=H4a, dst=H4b) / UDP(sport=29, dport=30)),
    # The last fragment of a 65,536+ byte datagram (ping of death).
    fix(E / IP(src=H4a, dst=H4b, id=1, frag=8189, proto=1) / (b"P" * 100)),
    # TCP data offset beyond the segment.
    patch(fix(E / IP(src=H4a, dst=H4b) / TCP(sport=31, dport=32)),
          14 + 20 + 12, b"\xf0"),
    # Unreachable quoting only 12 bytes of the invoking header.
    fix(E / IP(src=H4b, dst=H4a) / ICMP(type=3, code=1) /
        bytes(IP(src=H4a, dst=H4b))[:12]),
    # Ethernet/IPv4 ARP with 6-byte protocol addresses.
    pad60(Ether(src=A, dst=B, type=0x0806) /
          (b"\x00\x01\x08\x00\x06\x06\x00\x01" + b"\x11" * 24)),
    # EOL followed by non-zero bytes: kept as they were,
    # but RFC 9293 §3.1 wants zero padding.
    l4_resum(patch(fix(E / IP(src=H4a, dst=H4b) / TCP(sport=40005, dport=22,
             flags="S", options=[("MSS", 536), ("EOL", None), ("NOP", None),
                                 ("NOP", None), ("NOP", None)])),
             54 + 5, b"\xaa\xbb\xcc"), 14, 34, 6),
    # Truncated Ethernet header.
    bytes(E)[:10],
]


def write_pcap(path, frames):
    """Classic pcap, DLT_EN10MB, fixed timestamps so output is stable."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)


write_pcap("good.pcap", good)
write_pcap("bad.pcap", bad)
