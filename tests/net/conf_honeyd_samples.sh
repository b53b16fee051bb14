#!/bin/bash
# dias-sensor -n accepts every honeyd sample configuration in the shared
# data (honeyd's own and DataSoft's), and its summary counts what the
# sample defines: templates by name, bound addresses, stored routes and
# macros.  Anything on stderr must be a warning.  Needs no root.
set -u

build=${DIAS_BUILD:?DIAS_BUILD must name the build directory}
shared=${DIAS_SHARED:-}
samples=$shared/data/honeyd
sensor=$build/sensor/dias-sensor

if [ -z "$shared" ] || [ ! -d "$samples" ]; then
	echo "SKIP: no honeyd samples (DIAS_SHARED=${shared:-unset})"
	exit 77
fi
if [ ! -x "$sensor" ]; then
	echo "FAIL: $sensor is not built"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# file | templates in order | bound addresses | routes | macros
cases=(
	"provos/config.sample|template default router 10.3.1.11 10.3.1.10|5|6|0"
	"provos/config.ethernet|default template|1|0|0"
	"provos/regress_config.1|default|0|0|0"
	"provos/regress_config.2|default|0|14|0"
	"provos/scripts_kuang2.conf||0|0|5"
	"datasoft/config.sample|default windows|1|0|0"
	"datasoft/sample-config_wireless|default|0|91|0"
	"datasoft/sample-config_honeyd.conf.bloat|default sticky relay win2k suse80 suse70 cray router magichost|13|0|0"
	"datasoft/sample-config_honeyd.conf.networks|windows router|19|10|0"
)

fail=0
check() {
	local file=$1 what=$2 want=$3 got=$4
	if [ "$want" != "$got" ]; then
		echo "FAIL: $file: $what: want '$want', got '$got'"
		fail=1
	fi
}

for c in "${cases[@]}"; do
	IFS='|' read -r file names bound routes macros <<<"$c"
	path=$samples/$file
	if [ ! -f "$path" ]; then
		echo "FAIL: $path is missing"
		fail=1
		continue
	fi
	"$sensor" -n -f "$path" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "$file" "exit status" 0 "$rc"
	if grep -v ': warning: ' "$tmp/err" >"$tmp/errors"; then
		echo "FAIL: $file: errors:"
		cat "$tmp/errors"
		fail=1
	fi

	ntemplates=$(echo $names | wc -w)
	got_names=$(awk '/^templates:/ { on = 1; next }
	    /^[^ ]/ { on = 0 }
	    on && /^  [^ ]/ { print $1 }' "$tmp/out" | xargs)
	check "$file" "template count" "templates: $ntemplates" \
	    "$(grep '^templates:' "$tmp/out")"
	check "$file" "templates" "$names" "$got_names"
	check "$file" "bound addresses" "$bound" \
	    "$(sed -n 's/^bindings: \([0-9]*\) address.*/\1/p' "$tmp/out")"
	check "$file" "routes" "$routes" \
	    "$(awk '$1 == "route" && NF == 2 { print $2 }' "$tmp/out" | \
	    grep . || echo 0)"
	check "$file" "macros" "macros: $macros" \
	    "$(grep '^macros:' "$tmp/out")"
	# One warning per statement not acted on: their sum is the total.
	check "$file" "warnings counted" \
	    "$(grep -c 'is parsed but not yet acted on' "$tmp/err")" \
	    "$(awk '/^not yet acted on:/ { on = 1; next }
	        on { n += $NF } END { print n + 0 }' "$tmp/out")"
	[ $fail -eq 0 ] && echo "ok: $file"
done

exit $fail
