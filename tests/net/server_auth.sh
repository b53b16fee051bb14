#!/usr/bin/env bash
# dias-server: who may send.  A sensor's own certificate ingests; no
# certificate, another CA's certificate, a revoked sensor, an unknown
# name and a superseded certificate are refused with 403 before the body
# is read; enrollment tokens work once.  Real curl, real TLS 1.3.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/server.sh"
srv_need
need_cmd certtool
srv_init sqlite
srv_start
srv_sensor s1
srv_sensor s2
B=$T/batch.ndjson
srv_batch s1 1 10 >"$B"
post() { curl -s -o "$T/out" -w '%{http_code}' "$@" --data-binary @"$B" "$URL/api/v1/sensor/events"; }

check "TLS 1.2 is refused" bash -c "! curl -s --tls-max 1.2 --cacert $T/ca/ca.pem $URL/healthz"
[ "$(post $C_s1)" = 200 ] && grep -q '"acked":10' "$T/out" && ok "s1's certificate ingests" || fail "s1's certificate ingests: $(cat "$T/out")"
[ "$(srv_sql 'SELECT count(*) FROM events')" = 10 ] && ok "10 rows stored" || fail "10 rows stored"

[ "$(post --cacert "$T/ca/ca.pem")" = 403 ] && grep -q 'no client certificate' "$T/out" && ok "no certificate: 403" || fail "no certificate: $(cat "$T/out")"

# Another CA, same name, same key.
cat >"$T/fca.tmpl" <<TMPL
cn = "Other CA"
ca
cert_signing_key
expiration_days = 30
TMPL
cat >"$T/fc.tmpl" <<TMPL
cn = "s1"
tls_www_client
signing_key
expiration_days = 30
TMPL
certtool --generate-privkey --key-type ecdsa --outfile "$T/fca.key" 2>/dev/null
certtool --generate-self-signed --load-privkey "$T/fca.key" --template "$T/fca.tmpl" --outfile "$T/fca.pem" 2>/dev/null
certtool --generate-certificate --load-privkey "$T/s1/sensor.key" --load-ca-certificate "$T/fca.pem" --load-ca-privkey "$T/fca.key" --template "$T/fc.tmpl" --outfile "$T/foreign.pem" 2>/dev/null
[ "$(post --cacert "$T/ca/ca.pem" --cert "$T/foreign.pem" --key "$T/s1/sensor.key")" = 403 ] && grep -qi 'not trusted' "$T/out" && ok "another CA's certificate: 403" || fail "another CA: $(cat "$T/out")"

# Signed by our CA, but for a name the store does not know.
certtool --generate-certificate --load-privkey "$T/s1/sensor.key" --load-ca-certificate "$T/ca/ca.pem" --load-ca-privkey "$T/ca/ca.key" --template <(sed 's/"s1"/"ghost"/' "$T/fc.tmpl") --outfile "$T/ghost.pem" 2>/dev/null
[ "$(post --cacert "$T/ca/ca.pem" --cert "$T/ghost.pem" --key "$T/s1/sensor.key")" = 403 ] && grep -q 'unknown sensor' "$T/out" && ok "unknown sensor: 403" || fail "unknown sensor: $(cat "$T/out")"
# Signed by our CA for s1, but not the certificate s1 enrolled with.
certtool --generate-certificate --load-privkey "$T/s1/sensor.key" --load-ca-certificate "$T/ca/ca.pem" --load-ca-privkey "$T/ca/ca.key" --template "$T/fc.tmpl" --outfile "$T/other.pem" 2>/dev/null
[ "$(post --cacert "$T/ca/ca.pem" --cert "$T/other.pem" --key "$T/s1/sensor.key")" = 403 ] && grep -q 'current one' "$T/out" && ok "a certificate s1 was not issued: 403" || fail "not current: $(cat "$T/out")"

# s2 writing as s1.
[ "$(post $C_s2)" = 403 ] && grep -q 'line 1: sensor .*s1.* is not this client' "$T/out" && ok "s2 cannot write as s1" || fail "s2 as s1: $(cat "$T/out")"

# Revocation: effective on the very next request, on a kept-alive
# connection too (curl reuses it for the second URL).
"$CTL" -f "$T/server.conf" sensor revoke s1 >/dev/null
[ "$(post $C_s1)" = 403 ] && grep -q 'revoked' "$T/out" && ok "revoked: 403" || fail "revoked: $(cat "$T/out")"
[ "$(srv_sql 'SELECT count(*) FROM events')" = 10 ] && ok "nothing stored by refused requests" || fail "refused requests stored rows"

# Tokens: one use only; a new token re-enrolls and retires the old cert.
tok=$("$CTL" -f "$T/server.conf" sensor add s3 --org lab 2>/dev/null)
check "enrollment with a fresh token" "$ENROLL" "$URL" "$tok" s3 "$T/s3"
check_not "the same token again" "$ENROLL" "$URL" "$tok" s3 "$T/s3b"
check_not "a token with a wrong pin" "$ENROLL" "$URL" "${tok%%.*}.$(printf '%064d' 0)" s3 "$T/s3c"
cp "$T/s2/sensor.pem" "$T/s2-old.pem"; cp "$T/s2/sensor.key" "$T/s2-old.key"
tok=$("$CTL" -f "$T/server.conf" sensor token s2)
check "re-enrollment of s2" "$ENROLL" "$URL" "$tok" s2 "$T/s2"
srv_batch s2 1 2 >"$B"
[ "$(post --cacert "$T/ca/ca.pem" --cert "$T/s2-old.pem" --key "$T/s2-old.key")" = 403 ] && ok "s2's old certificate: 403" || fail "old cert: $(cat "$T/out")"
[ "$(post $C_s2)" = 200 ] && ok "s2's new certificate: 200" || fail "new cert: $(cat "$T/out")"
check "the key never left the sensor" test "$(stat -c %a "$T/s2/sensor.key")" = 600
check "access log has the refusals" grep -q '"status":403' "$T/access.log"
finish
