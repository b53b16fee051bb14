#!/usr/bin/python3
# A UDP service command (tests/net/sensor_scripts.sh): each datagram on
# stdin is answered upper-cased on stdout; honeyd gives UDP commands a
# datagram socket, so one read is one datagram.
import os
import sys

while True:
    d = os.read(0, 1500)
    if not d:
        break
    os.write(1, d.upper())
    sys.stderr.write("udp %d bytes from %s\n" % (len(d), os.environ.get("HONEYD_IP_SRC", "?")))
    sys.stderr.flush()
