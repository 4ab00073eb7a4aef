#!/usr/bin/env bash
# Every test suite: unit (cmocka), BPF (BPF_PROG_TEST_RUN on this kernel), CLI and ops
# (the built binary on this kernel), sessions (logind's mock on a private D-Bus), focus
# (the focus helper on Xvfb with AT-SPI and GTK applications), output files, Kafka
# (librdkafka's mock cluster), the libFuzzer targets briefly (test-fuzz), the unit and
# output tests again under ASan and UBSan (test-asan), VM (Debian's kernel under QEMU).
#
# test-asan (mostly compiling, one core) runs beside the host suites, which mostly wait
# on timers and child processes; the VM suite, whose checks time the guest, runs alone
# at the end. Each suite's output is printed whole when it ends, then one closing line
# "total: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
pass=0 fail=0 broken=()
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# run SUITE: its output to $logs/SUITE.log, exit status and seconds to SUITE.rc
run() {
  local start=$(date +%s) rc
  $MAKE --no-print-directory "$1" > "$logs/$1.log" 2>&1
  rc=$?
  echo "$rc $(( $(date +%s) - start ))" > "$logs/$1.rc"
}

# count SUITE: print its output and add its tests to the totals
count() {
  local suite=$1 log=$logs/$1.log rc secs p f p2 f2
  read -r rc secs < "$logs/$suite.rc"
  echo "=== $suite"
  cat "$log"
  # cmocka: "[  PASSED  ] 5 test(s)." / "[  FAILED  ] 1 test(s), listed below:"
  p=$(awk '/^\[  PASSED  \] [0-9]+ test/{s+=$4} END{print s+0}' "$log")
  f=$(awk '/^\[  FAILED  \] [0-9]+ test/{s+=$4} END{print s+0}' "$log")
  # our shell suites: "N passed, M failed" (test-asan: its suites' lines, then its own
  # "0 passed, N failed" for the sanitizer reports)
  p2=$(awk '/^[0-9]+ passed, [0-9]+ failed/{s+=$1} END{print s+0}' "$log")
  f2=$(awk '/^[0-9]+ passed, [0-9]+ failed/{s+=$3} END{print s+0}' "$log")
  p=$((p + p2)); f=$((f + f2))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a suite that died counts as a failure
  [ "$rc" -ne 0 ] && broken+=("$suite")
  pass=$((pass + p)); fail=$((fail + f))
  echo "=== $suite: $p passed, $f failed ($secs s)"
}

run test-asan &
asan=$!
for suite in test-unit test-bpf test-cli test-ops test-features test-session test-focus test-output test-kafka test-fuzz; do
  run "$suite"
  count "$suite"
done
wait "$asan"
count test-asan
run test-vm
count test-vm
[ ${#broken[@]} -eq 0 ] || echo "failed suites: ${broken[*]}"
echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
