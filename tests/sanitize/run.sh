#!/usr/bin/env bash
# tests/sanitize/run.sh DIR - `make test-unit` and `make test-output` built with
# SAN_CC and SAN_CFLAGS (clang, ASan + UBSan, -fno-sanitize-recover) into DIR. Every
# report, UBSan's too, is written to a log file (ASAN_OPTIONS log_path), so one in a
# process whose exit status or stderr a test does not look at (a background agent, a
# driver killed later) still counts. Prints the suites' own lines, then one "FAIL
# sanitizer: FILE" and the report per log, then "0 passed, N failed" (N: the logs;
# the suites' passes are counted from their own lines).
set -uo pipefail
out=${1:-build/asan}
cd "$(dirname "$0")/../.."
MAKE=${MAKE:-make}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
export CC=${SAN_CC:-clang} CFLAGS=${SAN_CFLAGS:?}
# (clang's UBSan runs inside ASan's runtime and takes log_path from either variable)
export ASAN_OPTIONS="log_path=$logs/report:detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="log_path=$logs/report:print_stacktrace=1:halt_on_error=1"
rc=0
for suite in test-unit test-output; do
  echo "== $suite (ASan, UBSan)"
  $MAKE --no-print-directory -j"$(nproc)" OUTPUT="$out" "$suite" || rc=1
done
n=0
for f in "$logs"/*; do
  [ -e "$f" ] || continue
  n=$((n + 1))
  echo "FAIL sanitizer: a report from process ${f##*.}"
  sed 's/^/    /' "$f" | head -80
done
echo "0 passed, $n failed"
[ "$rc" -eq 0 ] && [ "$n" -eq 0 ]
