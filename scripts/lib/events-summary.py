#!/usr/bin/python3
"""Summarise event lines (what `diasctl export` prints) the way the DIAS
paper reports: events by kind, claims, distinct sources, the top-10 TCP
and UDP destination ports, service events and uploads, each checked
against the server's content-addressed store (UPLOADS/xx/<sha256>)."""
import collections
import json
import os
import sys


def main(path, uploads_dir):
    kinds = collections.Counter()
    claims = collections.Counter()
    claimed = []
    tcp, udp = collections.Counter(), collections.Counter()
    sources = set()
    services = collections.Counter()
    examples = {}
    uploads = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            kinds[e["kind"]] += 1
            if e["kind"] == "claim":
                claims[e["action"]] += 1
                if e["action"] == "claim":
                    claimed.append(e["addr"])
            elif e["kind"] == "connection" and e["phase"] == "start":
                sources.add(e["src"])
                if e["proto"] == "tcp":
                    tcp[e["dport"]] += 1
                elif e["proto"] == "udp":
                    udp[e["dport"]] += 1
            elif e["kind"] == "service":
                key = (e["service"], e["type"])
                services[key] += 1
                examples.setdefault(key, e["fields"])
            elif e["kind"] == "upload":
                uploads.append(e)

    print("  events by kind: " + ", ".join(
        "%s %d" % kv for kv in sorted(kinds.items())))
    print("  claims: %s; claimed: %s" % (
        ", ".join("%s %d" % kv for kv in sorted(claims.items())),
        " ".join(claimed[:12]) + (" ..." if len(claimed) > 12 else "")))
    print("  distinct sources: %d (%s)" % (len(sources),
                                           " ".join(sorted(sources))))
    for name, c in (("TCP", tcp), ("UDP", udp)):
        print("  top-10 %s destination ports (connections):" % name)
        for port, n in c.most_common(10):
            print("    %5d  %d" % (port, n))
    print("  service events (service/type: count, first example):")
    for (svc, typ), n in sorted(services.items()):
        ex = examples[(svc, typ)]
        shown = ", ".join("%s=%s" % (k, str(v)[:40])
                          for k, v in list(ex.items())[:4])
        print("    %-10s %-10s %3d  %s" % (svc, typ, n, shown))
    print("  uploads:")
    for u in uploads:
        kept = os.path.exists(os.path.join(uploads_dir, u["sha256"][:2],
                                           u["sha256"]))
        print("    %-20s %7d bytes  sha256 %s…  %s" % (
            u["name"][:20], u["size"], u["sha256"][:16],
            "kept" if kept else "MISSING"))
    if not uploads:
        print("    none")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
