#!/bin/bash
# codec_captures: run the packet codec over every shared capture and hold it
# to two standards:
#  (a) every frame the codec claims round-trips (all ARP/TCP/UDP/ICMP/ICMPv6
#      frames without a lossy anomaly) re-encodes byte for byte (pcapcheck);
#  (b) per frame and per layer we decode, we raise an anomaly exactly where
#      tshark reports a malformation or an expert error, with checksum
#      validation switched on in tshark so bad sums are compared too.
# Each allowed difference is a rule below with its reason; anything else is
# a failure.  Needs DIAS_BUILD (pcapcheck) and DIAS_SHARED/data, and tshark.
set -u

build=${DIAS_BUILD:-}
shared=${DIAS_SHARED:-}
if [ -z "$shared" ] || [ ! -d "$shared/data/pcaps" ]; then
	echo "SKIP: no shared captures at '${shared:-<DIAS_SHARED unset>}/data/pcaps'"
	exit 77
fi
if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP: tshark is not installed"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 (used to read tshark's PDML) is not installed"
	exit 77
fi
pcapcheck=${build:-.}/tests/pcapcheck
if [ ! -x "$pcapcheck" ]; then
	echo "FAIL: $pcapcheck not built (set DIAS_BUILD)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/compare.py" <<'PY'
import sys
import xml.etree.ElementTree as ET

tsv, pdml, name = sys.argv[1:4]
ERROR = 8388608			# epan/proto.h PI_ERROR
WARN = 6291456			# PI_WARN
# tshark protocol filter names and malformation labels -> our layers.
PROTO = {"eth": "eth", "vlan": "vlan", "sll": "sll", "arp": "arp",
	 "ip": "ip4", "ipv6": "ip6", "icmp": "icmp", "icmpv6": "icmp6",
	 "tcp": "tcp", "udp": "udp"}
LABEL = {"Ethernet": "eth", "802.1Q": "vlan", "SLL": "sll", "ARP": "arp",
	 "IPv4": "ip4", "IPv6": "ip6", "ICMP": "icmp", "ICMPv6": "icmp6",
	 "TCP": "tcp", "UDP": "udp"}
L4 = {"tcp", "udp", "icmp", "icmp6"}

def layer_of(anom):
	pre = anom.split(".")[0]
	return "udp" if pre == "udp6" else pre

ours = {}
for line in open(tsv):
	f = line.rstrip("\n").split("\t")
	if len(f) != 5 or not f[0].isdigit():
		continue
	anoms = [] if f[2] == "-" else f[2].split(",")
	ours[int(f[0])] = {"layers": set(f[1].split(":")), "anoms": anoms,
			   "rt": f[3], "snapped": f[4] == "1"}

theirs, other_errors = {}, 0
for _, el in ET.iterparse(pdml):
	if el.tag != "packet":
		continue
	no, errs = None, {}
	for proto in el.findall("proto"):
		pname = proto.get("name")
		if pname == "geninfo":
			for fl in proto.iter("field"):
				if fl.get("name") == "num":
					no = int(fl.get("show"))
			continue
		if pname == "_ws.malformed":
			label = proto.get("showname", "").rstrip("]").split(": ")[-1]
			if label in LABEL:
				errs.setdefault(LABEL[label], []).append("malformed")
			else:
				other_errors += 1
			continue
		# Nested protocols (the header an ICMP error quotes) count for
		# the layer that contains them, as our quote anomalies do.
		for ex in proto.iter("field"):
			if ex.get("name") != "_ws.expert":
				continue
			sev = [int(s.get("show")) for s in ex.iter("field")
			       if s.get("name") == "_ws.expert.severity"]
			msg = ex.get("showname", "")
			# Checksum experts count whatever their severity:
			# tshark files ICMP/ICMPv6 ones as warnings but
			# IP/TCP/UDP ones as errors, and we treat all alike.
			if not sev or (sev[0] < ERROR and not (sev[0] >= WARN
			    and "/Checksum)" in msg)):
				continue
			if pname in PROTO:
				errs.setdefault(PROTO[pname], []).append(msg)
			else:
				other_errors += 1
	if no is not None:
		theirs[no] = errs
	el.clear()

def allowance(o, layer, mine, their):
	"""Why a disagreement on this layer is expected, or None."""
	anoms = o["anoms"]
	cut = "ip4.totlen_too_big" in anoms or "ip6.plen_too_big" in anoms
	# A datagram cut short cannot be checksummed: we leave the upper-layer
	# sum unchecked and the IP anomaly says why; tshark sums what is there.
	if layer in L4 and not mine and cut and \
	    all("checksum" in t.lower() for t in their):
		return "cut datagram: L4 checksum not computable"
	# Frames cut by the capture's snap length: tshark marks them short
	# (_ws.short), which is not an error; for us the length field lies.
	if o["snapped"] and mine and not their and \
	    all(a.endswith("too_big") for a in mine):
		return "cut by snap length"
	# tshark reassembles IP fragments and judges the upper layer of the
	# whole datagram; we leave fragments raw for the engine's reassembly.
	if "frag" in o["layers"] and layer in L4 and not mine:
		return "fragment: upper layer judged after reassembly"
	# tshark dissects encapsulations we do not decode (NSH, GRE, IP in
	# IP); a layer we never reached raised no anomaly of ours.  A layer we
	# tried and failed to decode is not excused: it has an anomaly.
	if layer not in o["layers"] and not mine:
		return "inside an encapsulation we do not decode"
	return None

agree = allowed = 0
bad, reasons = [], {}
for no in sorted(ours):
	o = ours[no]
	t = theirs.get(no, {})
	mine = {}
	for a in o["anoms"]:
		mine.setdefault(layer_of(a), []).append(a)
	for layer in sorted(set(mine) | set(t)):
		m, th = mine.get(layer, []), t.get(layer, [])
		if bool(m) == bool(th):
			agree += 1
			continue
		why = allowance(o, layer, m, th)
		if why:
			allowed += 1
			reasons[why] = reasons.get(why, 0) + 1
		else:
			bad.append("  frame %d %s: ours %s, tshark %s" % (no, layer,
			    ",".join(m) or "none", "; ".join(th) or "none"))
frames = len(ours)
rt_ok = sum(1 for o in ours.values() if o["rt"] == "ok")
rt_bad = sum(1 for o in ours.values() if o["rt"] == "mismatch")
lossy = sum(1 for o in ours.values() if o["rt"] == "lossy")
ta = sum(1 for no in ours if theirs.get(no))
oa = sum(1 for o in ours.values() if o["anoms"])
ok = not bad and rt_bad == 0 and frames == len(theirs)
print("%-48s %6d %6d %5d %5d %6d %6d %5d %5d %5d  %s" % (name[-48:], frames,
    rt_ok, rt_bad, lossy, oa, ta, allowed, len(bad), other_errors,
    "pass" if ok else "FAIL"))
for why in sorted(reasons):
	print("  allowed %d x %s" % (reasons[why], why))
for b in bad[:10]:
	print(b)
if len(bad) > 10:
	print("  ... %d more" % (len(bad) - 10))
if frames != len(theirs):
	print("  frame count differs: pcapcheck %d, tshark %d" % (frames,
	    len(theirs)))
sys.exit(0 if ok else 1)
PY

printf '%-48s %6s %6s %5s %5s %6s %6s %5s %5s %5s  %s\n' capture frames \
    rt-ok rt-bad lossy ours tshark allow disag app result
pass=0
fail=0
while IFS= read -r -d '' f; do
	rel=${f#"$shared/data/pcaps/"}
	if ! "$pcapcheck" -t "$f" >"$tmp/ours.tsv" 2>"$tmp/ours.err"; then
		if grep -q 'not decoded, skipped' "$tmp/ours.tsv"; then
			echo "$rel: $(grep 'skipped' "$tmp/ours.tsv")"
			continue
		fi
		grep -v $'\t' "$tmp/ours.tsv" "$tmp/ours.err" | head -5
	fi
	if grep -q 'not decoded, skipped' "$tmp/ours.tsv"; then
		echo "$rel: $(grep 'skipped' "$tmp/ours.tsv")"
		continue
	fi
	tshark -r "$f" -n -T pdml \
	    -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
	    -o udp.check_checksum:TRUE \
	    -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	    >"$tmp/theirs.pdml" 2>/dev/null
	if python3 "$tmp/compare.py" "$tmp/ours.tsv" "$tmp/theirs.pdml" "$rel"
	then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done < <(find "$shared/data/pcaps/" -type f \( -name '*.pcap' -o \
    -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)

echo "columns: rt-ok/rt-bad = frames re-encoded exactly / differently;" \
    "lossy = not claimed exact; ours/tshark = frames with anomalies /" \
    "errors in our layers; allow = explained differences; disag =" \
    "unexplained; app = tshark errors above our layers (not ours)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
