#!/usr/bin/env python3
"""Print the events in a dias-sensor spool directory, one JSON line each,
in seq order (sensor/spool.h: segments seg-<seq>.spool of records
len u32 | crc32c u32 | seq u64 | json, little endian).  A torn tail is
skipped silently.  With -s, print "seq" only.  Tests read the spool
through this instead of a plain log."""
import os
import struct
import sys

def records(d):
    names = sorted(n for n in os.listdir(d)
                   if n.startswith("seg-") and n.endswith(".spool"))
    for n in names:
        try:
            data = open(os.path.join(d, n), "rb").read()
        except FileNotFoundError:
            continue        # acked and deleted meanwhile
        off = 0
        while off + 16 <= len(data):
            ln, _crc, seq = struct.unpack_from("<IIQ", data, off)
            if ln == 0 or off + 16 + ln > len(data):
                break
            yield seq, data[off + 16:off + 16 + ln]
            off += 16 + ln

def main():
    args = sys.argv[1:]
    only_seq = args and args[0] == "-s"
    if only_seq:
        args = args[1:]
    d = args[0] if args else "."
    if not os.path.isdir(d):
        return
    out = sys.stdout.buffer
    for seq, js in records(d):
        out.write(b"%d\n" % seq if only_seq else js + b"\n")

main()
