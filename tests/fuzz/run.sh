#!/usr/bin/env bash
# tests/fuzz/run.sh DIR - run every libFuzzer target DIR/fuzz_NAME (tests/fuzz/fuzz.mk)
# on its seed corpus tests/fuzz/corpus/NAME, with tests/fuzz/NAME.dict if there is one.
# Each runs FUZZ_SECONDS (default: 64 s shared among the targets, 10 to 20 s each), with
# new inputs in a scratch corpus; FUZZ_LONG=1 (`make fuzz`) keeps them in
# DIR/corpus/NAME for the next run instead. FUZZ_ARGS adds libFuzzer flags (e.g.
# -max_len=65536). A crash, leak, sanitizer report, broken property or input slower than
# 10 s fails the target: its input is saved as DIR/artifacts/NAME-*, named with the
# command that replays it. One line "ok NAME: ..." / "FAIL NAME: ..." per target,
# then "N passed, M failed".
set -uo pipefail
dir=$(realpath "${1:-build/fuzz}")
cd "$(dirname "$0")/../.."
pass=0 fail=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$dir/artifacts"

bins=("$dir"/fuzz_*)
[ -x "${bins[0]}" ] || { echo "FAIL fuzz: no targets in $dir"; echo "0 passed, 1 failed"; exit 1; }
secs=${FUZZ_SECONDS:-$(( 64 / ${#bins[@]} ))}
[ -n "${FUZZ_SECONDS:-}" ] || { [ "$secs" -gt 20 ] && secs=20; [ "$secs" -lt 10 ] && secs=10; }

for bin in "${bins[@]}"; do
  name=${bin##*/fuzz_}
  seeds=tests/fuzz/corpus/$name
  if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    echo "FAIL $name: no seed corpus in $seeds"; fail=$((fail + 1)); continue
  fi
  work=$scratch/$name
  [ -n "${FUZZ_LONG:-}" ] && work=$dir/corpus/$name
  mkdir -p "$work"
  dict=(); [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  log=$scratch/$name.log
  rm -f "$dir/artifacts/$name-"*
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/$name-" "${dict[@]}" ${FUZZ_ARGS:-} "$work" "$seeds" \
    > "$log" 2>&1
  rc=$?
  t=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e - s}')
  runs=$(awk '/^stat::number_of_executed_units:/{print $2}' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  units=$(ls "$work" | wc -l)
  art=$(ls "$dir/artifacts/$name-"* 2>/dev/null | head -1)
  if [ "$rc" -eq 0 ] && [ -z "$art" ] && [ -n "$runs" ]; then
    echo "ok $name: ${runs} runs in ${t} s ($(awk -v r="$runs" -v t="$t" 'BEGIN{printf "%d", r / t}')/s), coverage ${cov:-?}, ${units} new inputs"
    pass=$((pass + 1))
  else
    echo "FAIL $name: libFuzzer exit $rc after ${t} s${art:+, input saved as $art}"
    grep -v '^#\|^INFO:\|^stat::\|^MS:\|^base64:\|^Done\|^\s*$' "$log" | head -60 | sed 's/^/    /'
    [ -n "$art" ] && echo "    replay: $bin $art"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
