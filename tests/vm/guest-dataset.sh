#!/bin/bash
# tests/vm/guest-dataset.sh - VM boot "dataset" of `make test-vm` (tests/vm/run.sh):
# the dataset tables (docs/features.md) from a real capture. A uinput keyboard (the
# description of a real one) replays a typing session with known press and release
# times (tests/vm/make_typing.py: Shift overlapping a letter, a doubled letter, a typo
# and BackSpace, rollover, a key held long enough for autorepeat) while the agent
# captures it (--keys raw) and evemu-record reads the same node (the reference, and
# the reader evdev needs). On the host: `inputtrace features keystrokes` over the
# agent's capture equals the keystrokes table computed by the test itself from
# evemu-record's file, to the microsecond (tests/vm/check_keystrokes.py).
#
# check: keystrokes-equal-evemu-record
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu

capture() {
  python3 tests/vm/make_typing.py > "$W/typing.events"
  setup kbd-device create_device kbd "$KBD" || return 0
  KBD_NODE=$NODE KBD_ID=${SYSNAME#input}
  setup agent-ks start_agent ks --keys raw -d "$KBD_NODE" || return 0
  setup replay-typing replay kbd "$KBD_NODE" "$W/typing.events" || return 0
  setup ks-saw-mark wait_for 30 "marker in agent ks" agent_has_mark "$W/ks.jsonl" "$KBD_ID" || return 0
  setup stop-ks stop_agent ks || return 0
  destroy_device "$DEV_PID"
  save_vars KBD_NODE KBD_ID
}

keystrokes_equal() {
  "$AGENT" features keystrokes --format csv -o "$W/ks.keystrokes.csv" "$W/ks.jsonl" || return 1
  python3 tests/vm/check_keystrokes.py "$W/ks.keystrokes.csv" "$W/kbd.evemu" "$KBD_ID"
}

checks() {
  load_vars
  check keystrokes-equal-evemu-record keystrokes_equal
}

case ${1:-capture} in
  capture) capture ;;
  check) checks ;;
esac
exit 0
