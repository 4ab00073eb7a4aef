#!/usr/bin/env bash
# A short libFuzzer run: run.sh FUZZER SEED_CORPUS SECONDS. The seeds are copied to a
# temp dir (the repository's corpus is not grown by CI). A crash, leak or sanitizer
# report fails it; prints "N passed, M failed" for tests/run-all.sh.
set -uo pipefail
fuzzer=$1 seeds=$2 secs=${3:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work"/ 2>/dev/null
if "$fuzzer" -max_total_time="$secs" -max_len=512 -artifact_prefix="$work/" "$work" \
	> "$work/log" 2>&1; then
  echo "$(basename "$fuzzer"): $(grep -o 'Done [0-9]* runs' "$work/log" | tail -1) in ${secs} s"
  echo "1 passed, 0 failed"
else
  tail -40 "$work/log"
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [ -e "$a" ] && echo "reproducer: $(od -c "$a" | head -5)"
  done
  echo "0 passed, 1 failed"
  exit 1
fi
