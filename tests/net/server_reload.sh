#!/usr/bin/env bash
# dias-server on several listen addresses (IPv4 and IPv6) and SIGHUP:
# both addresses serve and ingest; after a SIGHUP the access log is
# reopened (rotation by rename), a new server certificate is served and
# sensors still ingest, and a broken certificate leaves the server on the
# one before.  Real curl and openssl, real TLS 1.3, on loopback.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
srv_need
need_cmd certtool openssl
ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128' || skip "no ::1 on loopback"
srv_init sqlite
echo "listen ::1 port $PORT" >>"$T/server.conf"
srv_start
srv_sensor s1
B=$T/batch.ndjson
# Over IPv6 the certificate is checked for "localhost", one of its names.
V6=(--connect-to "localhost:$PORT:[::1]:$PORT")
post() { curl -s -o "$T/out" -w '%{http_code}' $C_s1 "$@" --data-binary @"$B" -H 'Content-Type: application/x-ndjson'; }
serial() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null
}

# srv_start saw the first address answer; the second may be a moment later.
for _ in $(seq 50); do grep -q "listening on ::1 port $PORT" "$T/server.log" && break; sleep 0.1; done
grep -q "listening on 127.0.0.1 port $PORT" "$T/server.log" && grep -q "listening on ::1 port $PORT" "$T/server.log" &&
	ok "listening on 127.0.0.1 and ::1" || fail "listen lines: $(grep listening "$T/server.log")"
srv_batch s1 1 10 >"$B"
[ "$(post "$URL/api/v1/sensor/events")" = 200 ] && ok "ingest over IPv4" || fail "IPv4: $(cat "$T/out")"
srv_batch s1 11 20 >"$B"
[ "$(post "${V6[@]}" "https://localhost:$PORT/api/v1/sensor/events")" = 200 ] && ok "ingest over IPv6" || fail "IPv6: $(cat "$T/out")"
grep -q '"remote":"::1"' "$T/access.log" && ok "the access log saw the IPv6 client" || fail "no ::1 in the access log"
[ "$(srv_sql 'SELECT count(*) FROM events')" = 20 ] && ok "20 events stored" || fail "events: $(srv_sql 'SELECT count(*) FROM events')"

# Rotation: rename, SIGHUP, and new lines go to a new file.
before=$(serial)
mv "$T/access.log" "$T/access.log.1"
n1=$(wc -l <"$T/access.log.1")
# A new server certificate from the same CA (what a renewal does).
cat >"$T/srv.tmpl" <<TMPL
cn = "dias-server"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
expiration_days = 30
TMPL
certtool --generate-privkey --key-type ecdsa --outfile "$T/new.key" 2>/dev/null
certtool --generate-certificate --load-privkey "$T/new.key" --load-ca-certificate "$T/ca/ca.pem" \
	--load-ca-privkey "$T/ca/ca.key" --template "$T/srv.tmpl" --outfile "$T/new.pem" 2>/dev/null ||
	fail "certtool could not make a server certificate"
cp "$T/ca/server.pem" "$T/old.pem"
cp "$T/ca/server.key" "$T/old.key"
cp "$T/new.pem" "$T/ca/server.pem"
cp "$T/new.key" "$T/ca/server.key"
kill -HUP "$srv_pid"
for _ in $(seq 50); do grep -q 'SIGHUP' "$T/server.log" && break; sleep 0.1; done
grep -q 'SIGHUP: access log reopened, certificates reloaded' "$T/server.log" && ok "SIGHUP logged as a reload" || fail "SIGHUP: $(grep SIGHUP "$T/server.log")"
kill -0 "$srv_pid" 2>/dev/null && ok "the server still runs" || fail "the server died on SIGHUP"
after=$(serial)
want=$(openssl x509 -noout -serial -in "$T/new.pem")
[ -n "$before" ] && [ "$after" = "$want" ] && [ "$after" != "$before" ] && ok "the new certificate is served ($after)" || fail "served '$after', want '$want', before '$before'"
srv_batch s1 21 30 >"$B"
[ "$(post "$URL/api/v1/sensor/events")" = 200 ] && ok "ingest after the reload, IPv4" || fail "after reload: $(cat "$T/out")"
srv_batch s1 31 40 >"$B"
[ "$(post "${V6[@]}" "https://localhost:$PORT/api/v1/sensor/events")" = 200 ] && ok "ingest after the reload, IPv6" || fail "after reload, IPv6: $(cat "$T/out")"
[ -s "$T/access.log" ] && grep -q '"events":10' "$T/access.log" && ok "a new access.log after rotation" || fail "no new access.log"
[ "$(wc -l <"$T/access.log.1")" = "$n1" ] && ok "the rotated file gets nothing more" || fail "access.log.1 grew"

# A broken certificate: refused, the one before stays.
echo garbage >"$T/ca/server.pem"
kill -HUP "$srv_pid"
for _ in $(seq 50); do [ "$(grep -c 'SIGHUP' "$T/server.log")" -ge 2 ] && break; sleep 0.1; done
grep -q 'SIGHUP: .*keeping the old ones\|SIGHUP: .*server.pem' "$T/server.log" && ok "a broken certificate is reported" || fail "broken cert: $(grep SIGHUP "$T/server.log" | tail -1)"
[ "$(serial)" = "$want" ] && ok "the server keeps serving the good certificate" || fail "serving $(serial)"
srv_batch s1 41 50 >"$B"
[ "$(post "$URL/api/v1/sensor/events")" = 200 ] && ok "ingest after the refused reload" || fail "after refused reload: $(cat "$T/out")"
[ "$(srv_sql 'SELECT count(*) FROM events')" = 50 ] && ok "50 events stored, once each" || fail "events: $(srv_sql 'SELECT count(*) FROM events')"
srv_stop && ok "SIGTERM: clean exit" || fail "SIGTERM exit status"
finish
