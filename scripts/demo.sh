#!/usr/bin/env bash
# make demo: run inputtrace on real input. Where this kernel lets the agent attach,
# capture this machine's own input for 10 s; elsewhere boot the test VM (Debian's
# kernel under QEMU), replay a real keyboard and touchpad recording from
# ../shared/recordings into uinput devices there, and print what the agent captured.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
agent=build/inputtrace
rec=${RECORDINGS:-$top/../shared/recordings}

if err=$("$agent" --duration 0.01 -o /dev/null 2>&1 >/dev/null); then
  echo "demo: this kernel can capture: recording this machine's input for 10 s (type or move the mouse)"
  exec "$agent" --duration 10
fi
echo "demo: this machine cannot capture directly:"
echo "      ${err##*$'\n'}"
echo "demo: booting the test VM and replaying real recordings there instead"
[ -f "$rec/kbd-lenovo-compact-usb.evemu" ] || {
  echo "demo: no recordings in $rec (the project's shared/recordings beside this clone; or set RECORDINGS=DIR)" >&2
  exit 1
}
out=$(mktemp -d /tmp/inputtrace-demo.XXXXXX)
cp "$rec/kbd-lenovo-compact-usb.evemu" "$rec/touchpad-alps-glidepoint-2finger-tap.evemu" "$out/"
python3 scripts/vm/run.py --quiet --timeout 180 --out "$out" -- sh tests/vm/demo-guest.sh
echo
echo "demo: what the agent said at start (stderr):"
cat "$out/agent.err"
echo
echo "demo: captured JSON Lines (also in $out/demo.jsonl):"
cat "$out/demo.jsonl"
