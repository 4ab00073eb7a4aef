#!/bin/bash
# tests/vm/guest-main.sh - the "main" boot of `make test-vm` (tests/vm/run.sh), booted
# with an xHCI controller and a USB mouse. Three agents capture everything at once:
#   fentry   the default (fexit), --keys raw
#   kprobe   --attach kprobe, --keys raw
#   filters  --types EV_KEY --device <the uinput keyboard>, --keys raw
# (--keys raw: key codes as typed; the default redacts them, and evemu-record does not.)
# evemu-record on each device is the reference. One boot and three agent loads only:
# under TCG the verifier takes tens of seconds per agent.
#
# (a) Real recordings replayed into uinput devices (evemu-device + evemu-play): a USB
#     keyboard (ends with KEY_C held: kernel autorepeat), a PS/2 mouse (old .desc +
#     .events format), a multitouch touchpad and a touchscreen. The keyboard and the
#     mouse exist before the agents start ("present"); the touchpad and the
#     touchscreen are created after ("add") and destroyed before they stop ("remove").
# (c) QEMU's emulated hardware driven through its monitor (vmctl), through the kernel's
#     real drivers: i8042 + atkbd (PS/2 keyboard), psmouse (PS/2 mouse), xHCI + usbhid
#     (USB mouse; a USB keyboard plugged in with device_add and out with device_del).
#     QEMU routes `sendkey` to the most recently activated keyboard (a USB keyboard
#     activates itself when plugged in), so the PS/2 keyboard is typed on before the
#     USB one is added; mouse events go to the mouse `mouse_set` selects, by its
#     index in `info mice`.
# (f) Map calls: a second uinput keyboard holds KEY_B (kernel autorepeat, from a timer
#     interrupt) while `bpftool map dump` runs in a loop. fentry must still record
#     every autorepeat; a kprobe program would be skipped by the kernel in those
#     windows (docs/architecture.md "Where it hooks, and why"), so this device is left out of the
#     kprobe-same-as-fentry comparison and the kprobe agent's count is only logged.
# Each device's stream ends with a marker frame (lib.sh: mark_end), so that
# evemu-record is known to have read everything before it is stopped.
#
# check: replay-kbd-autorepeat
# check: replay-ps2-mouse
# check: replay-touchpad
# check: replay-touchscreen
# check: hotplug-add-remove
# check: kprobe-replay-kbd
# check: kprobe-same-as-fentry
# check: kprobe-hotplug
# check: filter-types-key
# check: filter-device
# check: ps2-keyboard-sendkey
# check: ps2-mouse-move-button
# check: usb-mouse-move-button
# check: usb-keyboard-sendkey
# check: usb-keyboard-hotplug
# check: fentry-exact-under-map-calls
# check: kprobe-mode-warns
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
MOUSE_DESC=$RECORDINGS/mouse-ps2-generic.desc
MOUSE_EVENTS=$RECORDINGS/mouse-ps2-generic.events
TOUCHPAD=$RECORDINGS/touchpad-alps-glidepoint-2finger-tap.evemu
TOUCHSCREEN=$RECORDINGS/touchscreen-atmel-maxtouch-4finger.evemu
PS2_KBD="AT Translated Set 2 keyboard"
PS2_MOUSE="ImExPS/2 Generic Explorer Mouse"
USB_MOUSE="QEMU QEMU USB Mouse"
USB_KBD="QEMU QEMU USB Keyboard"
AGENTS="fentry kprobe filters"

found_node() { node_by_name "$1" > /dev/null; }
# evemu_has NAME "TYPE CODE VALUE" (hex, hex, decimal as evemu writes them)
evemu_has() { file_has "$W/$1.evemu" "^E: [0-9.]+ $2([^0-9]|\$)"; }

# --- capture (guest) -------------------------------------------------------------------------

# The keyboard recording ends with KEY_C held: the kernel's autorepeat sends value-2
# events until it is released. Let at least 5 come, then release it.
repeats_at_least() { [ "$(grep -c '^E: [0-9.]* 0001 002e 0002' "$W/kbd.evemu")" -ge "$1" ]; }
replay_kbd() {
  start_record kbd "$KBD_NODE" || return 1
  evemu-play "$KBD_NODE" < "$KBD" || return 1
  wait_for 30 "5 autorepeats of KEY_C" repeats_at_least 5 || return 1
  evemu-event "$KBD_NODE" --type EV_KEY --code KEY_C --value 0 --sync || return 1
  finish_record kbd "$KBD_NODE"
}

# sendkeys NAME NODE: type "h" then "i" with sendkey (press, then release after QEMU's
# default 100 ms), each awaited in evemu-record's stream.
sendkeys() {
  local name=$1 node=$2
  start_record "$name" "$node" || return 1
  vmctl sendkey h > /dev/null || return 1
  wait_for 20 "KEY_H release on $name" evemu_has "$name" "0001 0023 0000" || return 1
  vmctl sendkey i > /dev/null || return 1
  wait_for 20 "KEY_I release on $name" evemu_has "$name" "0001 0017 0000" || return 1
  finish_record "$name" "$node"
}

# mouse_index "QEMU NAME": its index in `info mice`.
mouse_index() {
  vmctl info mice | sed -n "s|^[* ]*Mouse #\([0-9]*\): $1\( (absolute)\)*\$|\1|p" | head -1
}

# mouse NAME NODE QEMU-NAME: select the mouse, move it by (7, -5), click the left button.
mouse() {
  local name=$1 node=$2 idx
  idx=$(mouse_index "$3")
  [ -n "$idx" ] || { log "no mouse '$3' in 'info mice'"; return 1; }
  vmctl mouse_set "$idx" > /dev/null || return 1
  start_record "$name" "$node" || return 1
  vmctl mouse_move 7 -5 > /dev/null || return 1
  wait_for 20 "REL_X on $name" evemu_has "$name" "0002 0000 -?[0-9]+" || return 1
  vmctl mouse_button 1 > /dev/null || return 1
  wait_for 20 "BTN_LEFT press on $name" evemu_has "$name" "0001 0110 0*1" || return 1
  vmctl mouse_button 0 > /dev/null || return 1
  wait_for 20 "BTN_LEFT release on $name" evemu_has "$name" "0001 0110 0000" || return 1
  finish_record "$name" "$node"
}

# the USB keyboard: plugged in during capture, typed on, pulled out
usb_kbd_gone() { ! found_node "$USB_KBD"; }
usb_keyboard() {
  vmctl device_add usb-kbd,id=ukbd > /dev/null || return 1
  wait_for 60 "$USB_KBD" found_node "$USB_KBD" || return 1
  USBK_NODE=$(node_by_name "$USB_KBD")
  USBK_SYS=$(sysname_of "$USBK_NODE")
  log "USB keyboard: $USBK_NODE $USBK_SYS"
  sendkeys usbkbd "$USBK_NODE" || return 1
  vmctl device_del ukbd > /dev/null || return 1
  wait_for 60 "$USB_KBD to go" usb_kbd_gone
}

# map_calls: (f) above. Sets LOAD_SYS and LOAD_DUMPS (bpftool runs).
b_repeats() { [ "$(grep -c '^E: [0-9.]* 0001 0030 0002' "$W/kbdload.evemu")" -ge "$1" ]; }
map_calls() {
  local node loop
  create_device kbdload "$KBD" || return 1
  node=$NODE LOAD_SYS=$SYSNAME LOAD_PID=$DEV_PID
  start_record kbdload "$node" || return 1
  ( n=0; while [ ! -e "$W/load.stop" ]; do
      bpftool map dump name it_keyclass > /dev/null 2>&1; n=$((n + 1)); echo "$n" > "$W/load.n"
    done ) &
  loop=$!
  evemu-event "$node" --type EV_KEY --code KEY_B --value 1 --sync || return 1
  wait_for 60 "150 autorepeats of KEY_B" b_repeats 150
  touch "$W/load.stop"
  wait "$loop"
  LOAD_DUMPS=$(cat "$W/load.n" 2>/dev/null || echo 0)
  log "map calls: $LOAD_DUMPS bpftool map dumps while KEY_B repeated"
  evemu-event "$node" --type EV_KEY --code KEY_B --value 0 --sync || return 1
  finish_record kbdload "$node" || return 1
  destroy_device "$LOAD_PID"
}

capture() {
  # The PS/2 mouse recording lasts 53 s: replay its first 5 s (860 events), cut after
  # a SYN_REPORT. The old split format (.desc + .events, absolute epoch times) as is.
  awk '/^E:/ { if (!t0) t0 = $2; if ($2 - t0 > 5) exit; print }' "$MOUSE_EVENTS" |
    awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] !~ / 0000 0000 /) n--; for (i = 1; i <= n; i++) print l[i] }' \
    > "$W/mouse.events"
  log "mouse: replaying $(wc -l < "$W/mouse.events") of $(grep -c '^E:' "$MOUSE_EVENTS") events"

  # devices there before the agents: the emulated hardware, two uinput devices
  setup hw-devices wait_for 30 "$PS2_KBD" found_node "$PS2_KBD"
  setup hw-devices wait_for 30 "$PS2_MOUSE" found_node "$PS2_MOUSE"
  setup hw-devices wait_for 60 "$USB_MOUSE" found_node "$USB_MOUSE"
  setup kbd-device create_device kbd "$KBD"
  KBD_NODE=$NODE KBD_SYS=$SYSNAME
  setup mouse-device create_device mouse "$MOUSE_DESC"   # evemu-device takes the old .desc
  MOUSE_NODE=$NODE MOUSE_SYS=$SYSNAME

  # one after the other: loading side by side on the one CPU is no faster
  if ! setup agent-fentry start_agent fentry --keys raw; then
    save_vars; return 1     # nothing to test: every check reports as not reported
  fi
  setup agent-kprobe start_agent kprobe --keys raw --attach kprobe
  setup agent-filters start_agent filters --keys raw --types EV_KEY --device "$KBD_NODE"

  # (a) replays
  setup kbd-replay replay_kbd
  setup mouse-replay replay mouse "$MOUSE_NODE" "$W/mouse.events"
  if setup touchpad-device create_device touchpad "$TOUCHPAD"; then
    TP_SYS=$SYSNAME
    setup touchpad-replay replay touchpad "$NODE" "$TOUCHPAD"
    destroy_device "$DEV_PID"
  fi
  if setup touchscreen-device create_device touchscreen "$TOUCHSCREEN"; then
    TS_SYS=$SYSNAME
    setup touchscreen-replay replay touchscreen "$NODE" "$TOUCHSCREEN"
    destroy_device "$DEV_PID"
  fi

  # (c) emulated hardware
  PS2K_NODE=$(node_by_name "$PS2_KBD") PS2K_SYS=$(sysname_of "$PS2K_NODE")
  PS2M_NODE=$(node_by_name "$PS2_MOUSE") PS2M_SYS=$(sysname_of "$PS2M_NODE")
  USBM_NODE=$(node_by_name "$USB_MOUSE") USBM_SYS=$(sysname_of "$USBM_NODE")
  setup ps2-keyboard sendkeys ps2kbd "$PS2K_NODE"
  setup ps2-mouse mouse ps2mouse "$PS2M_NODE" "QEMU PS/2 Mouse"
  setup usb-mouse mouse usbmouse "$USBM_NODE" "QEMU HID Mouse"
  setup usb-keyboard usb_keyboard
  # (f) last: the kprobe agent may miss some of it
  setup map-calls map_calls

  for a in $AGENTS; do setup "stop-$a" stop_agent "$a"; done
  for a in $AGENTS; do log "$a: $(tail -1 "$W/$a.jsonl")"; done
  save_vars KBD_SYS MOUSE_SYS TP_SYS TS_SYS PS2K_SYS PS2M_SYS USBM_SYS USBK_SYS LOAD_SYS LOAD_DUMPS
}

# --- checks (host) --------------------------------------------------------------------------
kbd_asserts=(--require EV_KEY:KEY_LEFTCTRL:1 --require EV_KEY:KEY_C:1 --require EV_KEY:KEY_C:2:5
             --require EV_KEY:KEY_C:0 --require EV_MSC:MSC_SCAN:458758)

# hotplug CAPTURE: the devices created during capture have an "add" record before their
# first event and a "remove" after their last; the keyboard, there before, is "present"
hotplug() {
  python3 "$COMPARE" "$1" "$W/touchpad.evemu" --sysname "$TP_SYS" --added --removed --quiet &&
    python3 "$COMPARE" "$1" "$W/touchscreen.evemu" --sysname "$TS_SYS" --added --removed --quiet &&
    grep -Eq "\"action\":\"present\".*\"sysname\":\"$KBD_SYS\"[,}]" "$1"
}

kprobe_kbd() {
  file_has "$W/kprobe.err" 'capturing input events \(kprobe\)' || { log "the kprobe agent did not use kprobes"; return 1; }
  file_has "$W/fentry.err" 'capturing input events \(fentry\)' || { log "the default agent did not use fentry"; return 1; }
  compare_streams "$W/kprobe.jsonl" "$W/kbd.evemu" --sysname "$KBD_SYS" "${kbd_asserts[@]}"
}

# count_events FILE [PATTERN]: event records, all or those not matching PATTERN
count_events() {
  if [ $# -gt 1 ]; then grep '"record":"event"' "$1" | grep -vc -- "$2"; else grep -c '"record":"event"' "$1"; fi
}

# The filters agent (--types EV_KEY --device <keyboard>) against the unfiltered fentry
# agent, which saw the same events.
# --types: the keyboard's EV_KEY events exactly, not one event of another type (no
# EV_SYN), and events dropped in the kernel (stats.filtered > 0).
types_key() {
  local others
  python3 "$COMPARE" "$W/filters.jsonl" "$W/kbd.evemu" --sysname "$KBD_SYS" --only-types EV_KEY \
    --require EV_KEY:KEY_C:2:5 || return 1
  local syn filtered
  others=$(count_events "$W/filters.jsonl" '"type":"EV_KEY"')
  syn=$(grep '"record":"event"' "$W/filters.jsonl" | grep -c '"type":"EV_SYN"')
  filtered=$(stat_of filters filtered)
  log "filters: $others events of types other than EV_KEY ($syn EV_SYN); stats.filtered $filtered"
  [ "$others" -eq 0 ] && [ "$syn" -eq 0 ] && [ "$filtered" -gt 0 ]
}
# --device: no event or device record of another device, though three others had
# EV_KEY events (which the type filter lets through); every event the agent did not
# write was dropped, most of them in the kernel (stats.filtered; stats.filtered_user:
# those before the agent had judged a device).
device_filter() {
  local kid=${KBD_SYS#input} others devrecs other_keys filtered fuser written want
  others=$(count_events "$W/filters.jsonl" "\"dev\":$kid,")
  devrecs=$(grep '"record":"device"' "$W/filters.jsonl" | grep -vc "\"dev\":$kid,")
  other_keys=$(grep '"type":"EV_KEY"' "$W/fentry.jsonl" | grep -vc "\"dev\":$kid,")
  filtered=$(stat_of filters filtered)
  fuser=$(stat_of filters filtered_user)
  written=$(count_events "$W/filters.jsonl")
  want=$(count_events "$W/fentry.jsonl")
  log "filters: $others events and $devrecs device records of other devices (which had $other_keys" \
    "EV_KEY events); filtered $filtered + filtered_user $fuser + written $written, want $want"
  [ "$others" -eq 0 ] && [ "$devrecs" -eq 0 ] && [ "$other_keys" -gt 0 ] &&
    [ $((filtered + fuser + written)) -eq "$want" ] && [ "$filtered" -gt "$fuser" ]
}

checks() {
  load_vars
  local F=$W/fentry.jsonl K=$W/kprobe.jsonl
  # (a) each replayed device's stream, event for event, as evemu-record read it
  check replay-kbd-autorepeat compare_streams "$F" "$W/kbd.evemu" --sysname "$KBD_SYS" "${kbd_asserts[@]}"
  check replay-ps2-mouse compare_streams "$F" "$W/mouse.evemu" --sysname "$MOUSE_SYS" \
    --require EV_REL:REL_X:1:10 --require EV_REL:REL_Y:-1:10
  check replay-touchpad compare_streams "$F" "$W/touchpad.evemu" --sysname "$TP_SYS" \
    --require EV_ABS:ABS_MT_SLOT:1 --require EV_KEY:BTN_TOOL_DOUBLETAP:1 --require EV_KEY:BTN_TOOL_DOUBLETAP:0
  check replay-touchscreen compare_streams "$F" "$W/touchscreen.evemu" --sysname "$TS_SYS" \
    --require EV_ABS:ABS_MT_SLOT:3 --require EV_KEY:BTN_TOUCH:0
  # (d) hotplug
  check hotplug-add-remove hotplug "$F"
  # (b) --attach kprobe: the same result, and the very same events as fentry (all devices)
  check kprobe-replay-kbd kprobe_kbd
  check kprobe-same-as-fentry same_events "$F" "$K" "${LOAD_SYS#input}"
  check kprobe-hotplug hotplug "$K"
  # (e) filters
  check filter-types-key types_key
  check filter-device device_filter
  # (c) emulated hardware
  check ps2-keyboard-sendkey compare_streams "$F" "$W/ps2kbd.evemu" --sysname "$PS2K_SYS" \
    --keys KEY_H:1,KEY_H:0,KEY_I:1,KEY_I:0
  check ps2-mouse-move-button compare_streams "$F" "$W/ps2mouse.evemu" --sysname "$PS2M_SYS" \
    --sum EV_REL:REL_X=7 --sum EV_REL:REL_Y=-5 --keys BTN_LEFT:1,BTN_LEFT:0
  check usb-mouse-move-button compare_streams "$F" "$W/usbmouse.evemu" --sysname "$USBM_SYS" \
    --sum EV_REL:REL_X=7 --sum EV_REL:REL_Y=-5 --keys BTN_LEFT:1,BTN_LEFT:0
  check usb-keyboard-sendkey compare_streams "$F" "$W/usbkbd.evemu" --sysname "$USBK_SYS" \
    --keys KEY_H:1,KEY_H:0,KEY_I:1,KEY_I:0
  # plugged in during capture: "add" before its first event, "remove" after its last
  check usb-keyboard-hotplug python3 "$COMPARE" "$F" "$W/usbkbd.evemu" --sysname "$USBK_SYS" --added --removed
  # (f)
  check fentry-exact-under-map-calls map_calls_fentry
  check kprobe-mode-warns kprobe_warns
}

# (f): the map calls did run (several bpftool dumps), and fentry recorded every event
# evemu-record read, 150 autorepeats and more among them.
map_calls_fentry() {
  local kp ev
  kp=$(grep "\"dev\":${LOAD_SYS#input}," "$W/kprobe.jsonl" | grep -c '"code":"KEY_B","value":2')
  ev=$(grep -c '^E: [0-9.]* 0001 0030 0002' "$W/kbdload.evemu")
  log "map calls: $LOAD_DUMPS dumps; autorepeats: evemu-record $ev, kprobe agent $kp (not asserted)"
  [ "${LOAD_DUMPS:-0}" -ge 3 ] || { log "only ${LOAD_DUMPS:-0} bpftool dumps ran"; return 1; }
  compare_streams "$W/fentry.jsonl" "$W/kbdload.evemu" --sysname "$LOAD_SYS" --require EV_KEY:KEY_B:2:150
}

# The kprobe agent warned at start, and on this 6.1 kernel (< 6.7) reports its skips as
# not counted (null); the fentry agent counts them: 0.
kprobe_warns() {
  file_has "$W/kprobe.err" 'warning: kprobe mode: .*this kernel \(before 6\.7\) does not count it' ||
    { log "no kprobe-mode warning in kprobe.err"; return 1; }
  ! file_has "$W/fentry.err" 'warning: kprobe mode' || { log "fentry agent warned of kprobe mode"; return 1; }
  [ "$(stat_of kprobe missed_frames)" = "None" ] && [ "$(stat_of fentry missed_frames)" = "0" ]
}

case ${1:-capture} in
  capture) capture ;;
  check) checks ;;
esac
exit 0
