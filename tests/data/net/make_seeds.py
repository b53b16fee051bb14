#!/usr/bin/python3
# Regenerate the codec's fuzz seeds (run once; the outputs are committed):
# up to 12 frames per target, cut at the target's layer, chosen for variety
# (distinct shapes first, spread over capture files) from this directory's
# own fixtures (linux-lo.pcap is a real kernel capture) and any captures
# named on the command line that are ours to commit (e.g. one taken in the
# lab).  Never seed from ../shared/data: those files stay where they lie.
#	cd tests/data/net && ./make_seeds.py [our.pcap ...]
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

PER_TARGET = 12
TARGETS = ["eth", "arp", "ip4", "ip6", "icmp", "icmp6", "tcp", "udp"]


def frames(path):
    """(linktype, bytes) of each frame; pcapng is converted with editcap."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as tmp:
        subprocess.run(["editcap", "-F", "pcap", path, tmp.name], check=True,
                       stderr=subprocess.DEVNULL)
        data = open(tmp.name, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    dlt = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        yield dlt, data[off + 16:off + 16 + incl]
        off += 16 + incl


def cut(dlt, b):
    """Map target -> (bytes, shape) for the layers present in a frame."""
    out = {}
    if dlt == 1:
        if len(b) < 14:
            return out
        typ, off = struct.unpack(">H", b[12:14])[0], 14
        vlan = typ in (0x8100, 0x88a8) and len(b) >= 18
        if vlan:
            typ, off = struct.unpack(">H", b[16:18])[0], 18
    elif dlt == 113:
        if len(b) < 16:
            return out
        typ, off, vlan = struct.unpack(">H", b[14:16])[0], 16, False
    elif dlt in (12, 101):
        typ, off, vlan = (0x86dd if b and b[0] >> 4 == 6 else 0x800), 0, False
    else:
        return out
    l4, proto = None, None
    if typ == 0x806:
        out["arp"] = (b[off:], b[off + 6:off + 8])
    elif typ == 0x800 and len(b) >= off + 20:
        hl = (b[off] & 15) * 4
        tot = struct.unpack(">H", b[off + 2:off + 4])[0]
        frag = struct.unpack(">H", b[off + 6:off + 8])[0] & 0x3fff
        proto = b[off + 9]
        out["ip4"] = (b[off:off + tot], (proto, hl, frag != 0))
        if not frag and hl >= 20:
            l4 = b[off + hl:off + tot]
    elif typ == 0x86dd and len(b) >= off + 40:
        plen = struct.unpack(">H", b[off + 4:off + 6])[0]
        pkt = b[off:off + 40 + plen]
        nh, o = pkt[6], 40
        while nh in (0, 43, 44, 51, 60) and o + 8 <= len(pkt):
            hl = 8 if nh == 44 else ((pkt[o + 1] + 2) * 4 if nh == 51
                                     else (pkt[o + 1] + 1) * 8)
            nh, o = pkt[o], o + hl
        out["ip6"] = (pkt, (nh, o))
        proto, l4 = nh, pkt[o:]
    shape_l4 = None
    if l4 is not None and len(l4) >= 8:
        if proto == 6 and len(l4) >= 20:
            out["tcp"] = (l4, (l4[13], l4[12] >> 4))
        elif proto == 17:
            out["udp"] = (l4, struct.unpack(">H", l4[2:4])[0] < 1024)
        elif proto == 1:
            out["icmp"] = (l4, (l4[0], l4[1]))
        elif proto == 58:
            out["icmp6"] = (l4, (l4[0], l4[1]))
        shape_l4 = proto
    if dlt == 1:
        out["eth"] = (b, (typ, vlan, shape_l4))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(os.path.join(here, n) for n in os.listdir(here)
                   if n.endswith((".pcap", ".pcapng"))) + sys.argv[1:]
    # candidates[target][file] = [(shape, bytes)], first of each shape
    cands = {t: {} for t in TARGETS}
    for f in files:
        seen = {t: set() for t in TARGETS}
        for dlt, b in frames(f):
            for t, (data, shape) in cut(dlt, b).items():
                if shape not in seen[t] and data:
                    seen[t].add(shape)
                    cands[t].setdefault(f, []).append((shape, data))
    for t in TARGETS:
        picked, shapes = [], set()
        # Round-robin over files: new shapes first, then anything new.
        for want_new in (True, False):
            progress = True
            while progress and len(picked) < PER_TARGET:
                progress = False
                for f in sorted(cands[t]):
                    for shape, data in cands[t][f]:
                        if data in picked or (want_new and shape in shapes):
                            continue
                        picked.append(data)
                        shapes.add(shape)
                        progress = True
                        break
                    if len(picked) >= PER_TARGET:
                        break
        outdir = os.path.join(here, "..", "fuzz", t)
        os.makedirs(outdir, exist_ok=True)
        for data in picked:
            name = hashlib.sha1(data).hexdigest()[:16]
            open(os.path.join(outdir, name), "wb").write(data)
        print("%-6s %2d seeds" % (t, len(picked)))


main()
