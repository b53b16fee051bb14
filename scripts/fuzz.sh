#!/usr/bin/env bash
# Run every libFuzzer target for a while and report executions and crashes.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    (default 300 s, all targets)
#
# Uses the clang fuzz build in build-test/ (scripts/test.sh makes it).  Each
# target starts from its seed corpus in tests/data/fuzz/<name>/ and keeps
# what it finds in build-test/fuzz-corpus/<name>/; crashes land in
# build-test/fuzz-crashes/.  FUZZ_JOBS targets (default nproc) run at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
shift || true
bin=build-test/tests
[ -d "$bin" ] || { echo "fuzz: build-test/ missing; run scripts/test.sh first" >&2; exit 1; }

if [ $# -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets < <(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
mkdir -p build-test/fuzz-crashes build-test/fuzz-logs

run_one() {
	local t=$1 secs=$2 corpus=build-test/fuzz-corpus/$1
	mkdir -p "$corpus"
	"build-test/tests/fuzz_$t" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="build-test/fuzz-crashes/$t-" \
	    "$corpus" "tests/data/fuzz/$t" >"build-test/fuzz-logs/$t.log" 2>&1
	echo $? >"build-test/fuzz-logs/$t.rc"
}
export -f run_one
printf '%s\n' "${targets[@]}" | xargs -P "${FUZZ_JOBS:-$(nproc)}" -I{} bash -c "run_one {} $secs"

printf '%-10s %10s %12s %8s %s\n' target seconds execs execs/s result
bad=0
for t in "${targets[@]}"; do
	log=build-test/fuzz-logs/$t.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	rc=$(cat "build-test/fuzz-logs/$t.rc")
	res=ok
	if [ "$rc" -ne 0 ]; then res="CRASH (see $log)"; bad=$((bad + 1)); fi
	printf '%-10s %10s %12s %8s %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$res"
done
echo "$(( ${#targets[@]} - bad )) passed, $bad failed"
[ "$bad" -eq 0 ]
