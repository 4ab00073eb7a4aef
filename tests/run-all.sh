#!/usr/bin/env bash
# Every test suite, in order of cost: unit (cmocka), BPF (BPF_PROG_TEST_RUN on this
# kernel), CLI (the built binary on this kernel), output files, the unit and output
# tests again under ASan and UBSan (test-asan), the libFuzzer targets briefly
# (test-fuzz), Kafka (librdkafka's mock cluster), sessions (logind's mock on a
# private D-Bus), focus (the focus helper on Xvfb with AT-SPI and GTK
# applications), VM (Debian's kernel under QEMU).
# Prints each suite's output, then one closing line "total: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
pass=0 fail=0 broken=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for suite in test-unit test-bpf test-cli test-ops test-output test-kafka test-session test-focus test-asan test-fuzz test-vm; do
  echo "=== $suite"
  start=$(date +%s)
  $MAKE --no-print-directory "$suite" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
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
  echo "=== $suite: $p passed, $f failed ($(( $(date +%s) - start )) s)"
done
[ ${#broken[@]} -eq 0 ] || echo "failed suites: ${broken[*]}"
echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
