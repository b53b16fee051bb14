#!/usr/bin/env bash
# Build DIAS and run every test: unit, fuzz smoke, lab integration.
#
# Two builds: gcc with warnings as errors (what a packager builds), then
# clang with ASan + UBSan + libFuzzer, in which every test runs.  Lab tests
# need root and skip with a message otherwise.  A throwaway PostgreSQL 15
# cluster (scripts/pg.sh) serves the store tests.  Ends with ctest's
# summary.
#
#   FUZZ_SECONDS=N   seconds each fuzz target runs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build (gcc, -Werror) =="
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build

echo "== build (clang, ASan+UBSan, libFuzzer) =="
CC=clang cmake -G Ninja -S . -B build-test -DCMAKE_BUILD_TYPE=Debug \
	-DSANITIZE=address,undefined -DFUZZ=ON \
	-DFUZZ_SECONDS="${FUZZ_SECONDS:-2}" >/dev/null
ninja -C build-test

echo "== PostgreSQL 15 for the store tests (a throwaway cluster) =="
pgdir=$(mktemp -d /tmp/dias-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
DIAS_PG_URL=$(scripts/pg.sh start "$pgdir")
export DIAS_PG_URL
echo "$DIAS_PG_URL"

echo "== tests =="
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
(cd build-test && ctest --output-on-failure -j "$(nproc)") || rc=$?
exit $rc
