#!/usr/bin/env bash
# diasctl import pcap, for DIAS's file-based sensors: the shared captures
# become connections whose count per file equals tshark's conversations
# (-z conv,tcp / conv,udp, by address and port pair), with seqs that
# continue the sensor's; a second import of the same file stores nothing;
# every stored event is valid NDJSON (diasctl export).  SQLite and, as
# root with postgresql-15, PostgreSQL.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
srv_need
need_cmd tshark
P=$DIAS_SHARED/data/pcaps
[ -d "$P" ] || skip "no shared captures at $P"
# file  tshark conversation table  (the SNMP dissector is off: it splits
# one request/response port pair into two conversations)
FILES="zeek/ssh_sshguess.pcap:tcp ndpi/synscan.pcap:tcp zeek/ftp_bruteforce.pcap:tcp ndpi/tcp_scan.pcapng:tcp ndpi/snmp.pcap:udp ndpi/log4j-webapp-exploit.pcap:tcp"

run_backend() {
	srv_init "$1"
	"$CTL" -f "$T/server.conf" sensor add f1 --org lab >/dev/null 2>&1 || { fail "$1: sensor add"; return; }
	local f want got before after proto total=0
	for spec in $FILES; do
		f=${spec%%:*}
		proto=${spec##*:}
		[ -f "$P/$f" ] || { fail "$1: $f is missing"; continue; }
		want=$(tshark -r "$P/$f" --disable-protocol snmp -q -z "conv,$proto" 2>/dev/null | grep -c '<->')
		before=$(srv_sql 'SELECT count(*) FROM connections')
		if ! "$CTL" -f "$T/server.conf" import pcap "$P/$f" --sensor f1 2>"$T/imp.err"; then
			fail "$1: import $f: $(cat "$T/imp.err")"
			continue
		fi
		after=$(srv_sql 'SELECT count(*) FROM connections')
		got=$((after - before))
		[ "$got" = "$want" ] && ok "$1: $f: $got connections, as tshark's conv,$proto" || fail "$1: $f: $got connections, tshark $want"
		total=$((total + got))
	done
	local n lo hi d
	n=$(srv_sql 'SELECT count(*) FROM events')
	lo=$(srv_sql 'SELECT min(seq) FROM events')
	hi=$(srv_sql 'SELECT max(seq) FROM events')
	d=$(srv_sql "SELECT count(DISTINCT seq) FROM events")
	[ "$lo" = 1 ] && [ "$hi" = "$n" ] && [ "$d" = "$n" ] && ok "$1: seqs 1..$n, one file after the other" || fail "$1: seqs $lo..$hi, $d distinct of $n"
	[ "$(srv_sql "SELECT last_seq FROM sensors WHERE name = 'f1'")" = "$n" ] && ok "$1: the sensor's last seq is $n" || fail "$1: last_seq"
	"$CTL" -f "$T/server.conf" import pcap "$P/zeek/ssh_sshguess.pcap" --sensor f1 2>"$T/imp.err"
	grep -q 'imported before' "$T/imp.err" && [ "$(srv_sql 'SELECT count(*) FROM events')" = "$n" ] &&
		ok "$1: a second import of a file stores nothing" || fail "$1: re-import: $(cat "$T/imp.err")"
	cp "$P/zeek/ssh_sshguess.pcap" "$T/renamed.pcap"
	"$CTL" -f "$T/server.conf" import pcap "$T/renamed.pcap" --sensor f1 2>"$T/imp.err"
	grep -q 'imported before' "$T/imp.err" && ok "$1: the same bytes under another name too" || fail "$1: renamed: $(cat "$T/imp.err")"
	"$CTL" -f "$T/server.conf" export --sensor f1 >"$T/export.ndjson"
	[ "$(wc -l <"$T/export.ndjson")" = "$n" ] && ok "$1: export gives back $n events" || fail "$1: export $(wc -l <"$T/export.ndjson") lines"
	local p
	p=$(srv_sql "SELECT count(*) FROM payloads")
	[ "$p" -gt 0 ] && ok "$1: $p payloads kept" || fail "$1: no payloads"
	# The listing shows them: every connection to port 22 (ssh_sshguess's
	# 11 and a scan's), newest first.
	"$CTL" -f "$T/server.conf" query connections --dport 22 --sensor f1 --limit 100 --json >"$T/q.json"
	want=$(srv_sql 'SELECT count(*) FROM connections WHERE dport = 22')
	got=$(grep -c '"dport": 22' "$T/q.json")
	[ "$want" -ge 11 ] && [ "$got" = "$want" ] && ok "$1: $got port-22 connections in the listing" || fail "$1: listing $got, table $want"
	# Keyset pages of 4 (--before TS:ID from the stderr hint) give the
	# same rows, none twice, newest first.
	local cur="" page seen=0 pages=0
	: >"$T/pages"
	while :; do
		"$CTL" -f "$T/server.conf" query connections --dport 22 --sensor f1 --limit 4 ${cur:+--before $cur} >"$T/page" 2>"$T/hint" || break
		page=$(($(wc -l <"$T/page") - 1))
		[ "$page" -gt 0 ] || break
		tail -n +2 "$T/page" >>"$T/pages"
		seen=$((seen + page))
		pages=$((pages + 1))
		cur=$(awk '/next page/ {print $4}' "$T/hint")
		[ -n "$cur" ] && [ "$pages" -lt 100 ] || break
	done
	[ "$seen" = "$want" ] && [ "$(sort -u "$T/pages" | wc -l)" = "$want" ] &&
		[ "$(cut -c1-20 "$T/pages" | sort -r | tr -d '\n')" = "$(cut -c1-20 "$T/pages" | tr -d '\n')" ] &&
		ok "$1: $pages keyset pages of 4 list the $want rows once, newest first" || fail "$1: pages: $seen rows in $pages pages, want $want"
	srv_end_backend
}

srv_each_backend run_backend
finish
