#!/usr/bin/env python3
# netntlm_check.py LINE PASSWORD: exit 0 if a hashcat NetNTLMv2 line
# (mode 5600: user::domain:challenge:ntproofstr:blob) was made with
# PASSWORD, as hashcat would find.  MS-NLMP 3.3.2: NTOWFv2 =
# HMAC_MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)),
# NTProofStr = HMAC_MD5(NTOWFv2, server challenge + blob).  Debian's
# OpenSSL 3 has no MD4, hence the few lines of RFC 1320 below.
import hmac
import struct
import sys


def md4(m):
    rol = lambda x, n: ((x << n) | (x >> (32 - n))) & 0xffffffff
    ml = len(m) * 8
    m += b"\x80" + b"\0" * ((55 - len(m)) % 64) + struct.pack("<Q", ml)
    h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]
    rounds = [
        (lambda x, y, z: (x & y) | (~x & z), 0, list(range(16)),
         (3, 7, 11, 19)),
        (lambda x, y, z: (x & y) | (x & z) | (y & z), 0x5a827999,
         [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15],
         (3, 5, 9, 13)),
        (lambda x, y, z: x ^ y ^ z, 0x6ed9eba1,
         [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15],
         (3, 9, 11, 15)),
    ]
    for i in range(0, len(m), 64):
        x = struct.unpack("<16I", m[i:i + 64])
        a, b, c, d = h
        for f, k, order, ss in rounds:
            for j, idx in enumerate(order):
                a, b, c, d = d, rol((a + f(b, c, d) + x[idx] + k) &
                                    0xffffffff, ss[j % 4]), b, c
        h = [(p + q) & 0xffffffff for p, q in zip(h, (a, b, c, d))]
    return struct.pack("<4I", *h)


assert md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
user, _, domain, chal, proof, blob = sys.argv[1].split(":")
owf = hmac.new(md4(sys.argv[2].encode("utf-16-le")),
               (user.upper() + domain).encode("utf-16-le"), "md5").digest()
mine = hmac.new(owf, bytes.fromhex(chal) + bytes.fromhex(blob), "md5")
sys.exit(0 if mine.hexdigest() == proof else 1)
