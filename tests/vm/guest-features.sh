#!/bin/bash
# tests/vm/guest-features.sh - the "features" boot of `make test-vm` (tests/vm/run.sh):
# `inputtrace features` (docs/features.md) on real captures. A uinput keyboard (the
# Lenovo recording's description) replays a typing session written here with known
# press and release times: Shift+H, overlapping keys, Backspace, a key held long enough
# for the kernel's autorepeat, Ctrl+S. evemu-record reads the device as the reference;
# four agents capture it at once: --keys raw to one file, --keys class, --keys raw to
# a directory rotated every 4 KiB, and --keys raw to one gzip file.
# The checks (on the host):
#   - the keystrokes table of the agent's capture equals the one computed from
#     evemu-record's reference of the same device, to the microsecond (times relative
#     to each stream's first event, as compare.py compares streams);
#   - --keys class gives the same timing columns (codes as classes, Shift kept);
#   - the rotated directory and the gzip file give the very same keystrokes and
#     actions tables as the single file (the agent's own chunking);
#   - the actions table finds the shortcut, the Backspace correction and the bursts.
#
# check: features-keystrokes-vs-evemu
# check: features-class-same-timing
# check: features-rotated-gzip-same-rows
# check: features-actions-typing
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
NAMES="raw class rot gz"

# The session as evemu-play input: E: lines (seconds, hex type, hex code, value),
# each key event in its own frame. Times in ms.
session() {
  python3 - <<'PY'
K = {"LEFTSHIFT": 42, "H": 35, "E": 18, "L": 38, "O": 24, "COMMA": 51, "SPACE": 57,
     "W": 17, "R": 19, "D": 32, "BACKSPACE": 14, "A": 30, "LEFTCTRL": 29, "S": 31}
ev = [(0, "LEFTSHIFT", 1), (40, "H", 1), (120, "H", 0), (150, "LEFTSHIFT", 0),
      (200, "E", 1), (290, "L", 1), (310, "E", 0), (360, "L", 0), (420, "L", 1),
      (480, "L", 0), (560, "O", 1), (640, "O", 0), (700, "COMMA", 1), (760, "COMMA", 0),
      (800, "SPACE", 1), (850, "SPACE", 0), (900, "W", 1), (980, "W", 0), (1000, "O", 1),
      (1060, "O", 0), (1090, "R", 1), (1180, "R", 0), (1200, "L", 1), (1270, "L", 0),
      (1300, "D", 1), (1390, "D", 0), (1500, "BACKSPACE", 1), (1560, "BACKSPACE", 0),
      (1650, "D", 1), (1720, "D", 0), (2000, "A", 1), (2600, "A", 0),
      (3000, "LEFTCTRL", 1), (3100, "S", 1), (3180, "S", 0), (3250, "LEFTCTRL", 0)]
for ms, k, v in ev:
    t = f"{ms // 1000}.{ms % 1000:03d}000"
    print(f"E: {t} 0001 {K[k]:04x} {v}")
    print(f"E: {t} 0000 0000 0")
PY
}

capture() {
  setup kbd-device create_device kbd "$KBD"
  KBD_NODE=$NODE KBD_SYS=$SYSNAME
  session > "$W/session.events"
  launch_agent raw --keys raw -d "$KBD_NODE"
  launch_agent class --keys class -d "$KBD_NODE"
  launch_rot --keys raw -d "$KBD_NODE" --rotate-size 4096
  launch_agent gz --keys raw -d "$KBD_NODE" -z
  for a in $NAMES; do setup "agent-$a" await_agent "$a"; done
  setup replay-kbd replay kbd "$KBD_NODE" "$W/session.events"
  for a in $NAMES; do
    setup "agent-mark-$a" wait_for 30 "end marker in agent $a" agent_mark "$a" "${KBD_SYS#input}"
  done
  for a in raw class; do setup "stop-$a" stop_agent "$a"; done
  setup stop-gz stop_other gz "$W/gz.jsonl"
  setup stop-rot stop_other rot "$W/rot"
  destroy_device "$DEV_PID"
  save_vars KBD_SYS
}

# launch_rot ARGS...: the agent "rot", writing rotated files into $W/rot/.
launch_rot() {
  guest_only || return 1
  "$AGENT" -o "$W/rot/" --status-file "$W/rot.status" "$@" 2> "$W/rot.err" &
  AGENT_PIDS["rot"]=$!
}

# stop_other NAME OUTPUT: as stop_agent, for a gzip file or a directory: exit 0, the
# output copied to $O, a stats record at its end.
stop_other() {
  local pid=${AGENT_PIDS[$1]} rc
  kill -INT "$pid" 2>/dev/null
  wait_for 60 "agent $1 to exit" proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  cp -r "$2" "$W/$1.err" "$O/" 2>/dev/null
  [ "$rc" -eq 0 ] || { log "agent $1 exited $rc"; cat "$W/$1.err" >&2; return 1; }
  if [ -d "$2" ]; then cat "$2"/*; else zcat "$2"; fi | tail -1 | grep -q '"record":"stats"' ||
    { log "agent $1: no stats record at the end of $2"; return 1; }
}

# agent_mark NAME DEV: the agent's output (a file, or its rotated directory) holds the
# end marker of device DEV.
agent_mark() {
  case $1 in
    rot) cat "$W"/rot/*.jsonl* 2>/dev/null | grep -q "\"dev\":$2,.*\"code\":\"SYN_CONFIG\",\"value\":${MARK}[,}]" ;;
    gz) [ -s "$W/gz.jsonl" ] && zcat -f "$W/gz.jsonl" 2>/dev/null |
          grep -q "\"dev\":$2,.*\"code\":\"SYN_CONFIG\",\"value\":${MARK}[,}]" ;;
    *) agent_has_mark "$W/$1.jsonl" "$2" ;;
  esac
}

checks() {
  load_vars
  check features-keystrokes-vs-evemu python3 tests/vm/features_check.py evemu "$AGENT" \
    "$W/raw.jsonl" "$W/kbd.evemu" "${KBD_SYS#input}"
  check features-class-same-timing python3 tests/vm/features_check.py class "$AGENT" \
    "$W/raw.jsonl" "$W/class.jsonl" "${KBD_SYS#input}"
  check features-rotated-gzip-same-rows python3 tests/vm/features_check.py chunks "$AGENT" \
    "$W/raw.jsonl" "$W/rot" "$W/gz.jsonl"
  check features-actions-typing python3 tests/vm/features_check.py actions "$AGENT" \
    "$W/raw.jsonl" "${KBD_SYS#input}"
}

case ${1:-capture} in
  capture) capture ;;
  check) checks ;;
esac
exit 0
