# Shared by the lab tests in tests/net/: sourced, never run.
#
#   need_root; lab_begin      start a private lab, torn down on any exit
#   ok/fail/check              count assertions; finish prints the summary
#
# Each test gets its own namespace prefix, so a stale demo lab or another
# run cannot interfere.

DIAS_SRC=${DIAS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
DIAS_BUILD=${DIAS_BUILD:-$DIAS_SRC/build}
DIAS_SHARED=${DIAS_SHARED:-$DIAS_SRC/../shared}
LAB=$DIAS_SRC/scripts/lab.sh
export LAB_PREFIX=${LAB_PREFIX:-dt$$}

passed=0
failed=0

skip() { echo "SKIP: $*"; exit 77; }
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
# check "description" command...: passes when the command succeeds.
check() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}
# check_not "description" command...: passes when the command fails.
check_not() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then fail "$what"; else ok "$what"; fi
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (scripts/deps.sh)"
	done
}

lab() { "$LAB" "$@"; }
on() { local n=$1; shift; "$LAB" exec "$n" "$@"; }

lab_cleanup() {
	local rc=$?
	[ -n "${lab_pids:-}" ] && kill $lab_pids 2>/dev/null
	"$LAB" down >/dev/null 2>&1
	[ -n "${lab_tmp:-}" ] && rm -rf "$lab_tmp"
	exit $rc
}

lab_begin() {
	need_root
	lab_tmp=$(mktemp -d)
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	"$LAB" up >/dev/null || { echo "lab up failed"; exit 1; }
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
