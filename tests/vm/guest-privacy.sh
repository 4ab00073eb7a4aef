#!/bin/bash
# tests/vm/guest-privacy.sh - VM boot "privacy" of `make test-vm` (tests/vm/run.sh): the
# planted secret, pause and resume, --exclude-device and the transparency notice and
# status file (issue 4), and --pointer coarse.
#
# A passphrase is typed through a uinput keyboard (evemu-play of generated E: lines,
# with MSC_SCAN as a USB keyboard sends) and through QEMU's PS/2 keyboard (sendkey),
# while agents in the default mode (--keys class) write JSON Lines, gzip JSON Lines,
# CSV and evemu, one in --keys raw, and one with --exclude-device of the uinput
# keyboard; one with --pointer coarse --pointer-grid 16 records a touchscreen recording
# replayed into a uinput device meanwhile. Then an agent with a control socket is paused
# by a member of its --control-group (not root), events are injected, and it is resumed
# with SIGUSR2.
#
# check: secret-jsonl
# check: secret-jsonl-gz
# check: secret-csv
# check: secret-evemu
# check: secret-timing-intact
# check: secret-raw-recovered
# check: exclude-device-in-kernel
# check: notice-on-stderr
# check: pause-nothing-copied
# check: pause-records
# check: control-socket-refuses-outsider
# check: status-file
# check: pointer-coarse-positions
# check: pointer-coarse-others-exact
# check: pointer-coarse-header-notice
. tests/vm/lib.sh

SECRET="hunter2 correct horse"
KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
TOUCHSCREEN=$RECORDINGS/touchscreen-atmel-maxtouch-4finger.evemu   # 4 fingers, 0-799 x 0-479
GRID=16            # the coarse agent's --pointer-grid
COARSE_MIN=100     # positions the flooring must have changed (the recording: 156 of 163)
PS2_KBD="AT Translated Set 2 keyboard"
BPFTOOL=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
export PATH=$PATH:/usr/sbin:/sbin
CTL_GROUP=users		# a group nobody is not in: the test makes nobody a member for one call
SOCK=/run/inputtrace/control.sock
STATUS=/run/inputtrace/status
PIN=/sys/fs/bpf/inputtrace-privacy

checks() {
  load_vars
  secret_check() { python3 "$TOP/tests/vm/check_secret.py" "$@"; }
  check secret-jsonl secret_check class "$O/class.jsonl" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check secret-jsonl-gz secret_check class "$O/classgz.jsonl.gz" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check secret-csv secret_check class "$O/class.csv" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check secret-evemu secret_check class "$O/classevemu" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check secret-timing-intact secret_check timing "$O/class.jsonl" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check secret-raw-recovered secret_check raw "$O/raw.jsonl" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check exclude-device-in-kernel secret_check exclude "$O/excl.jsonl" "$O/kbd.evemu" "$O/ps2.evemu" "$KBD_ID" "$PS2_ID" "$SECRET"
  check notice-on-stderr notice_check
  check pause-nothing-copied python3 "$TOP/tests/vm/check_secret.py" pause "$O/p.jsonl" "$O/pk.evemu" "$O/ctl-paused.json" "$O/ctl-before.json" "$KBD_ID" "$O/config-paused.dump"
  check pause-records python3 "$TOP/tests/vm/check_secret.py" records "$O/p.jsonl" "$NOBODY_UID" "$MEMBER_PID"
  check control-socket-refuses-outsider outsider_check
  check status-file status_check
  check pointer-coarse-positions coarse_check positions
  check pointer-coarse-others-exact coarse_check others
  check pointer-coarse-header-notice coarse_header_check
}
# coarse_check positions|others: the coarse agent's events of the touchscreen against
# evemu-record's, event for event (same count, order, time relative to the first):
#   positions  each ABS_X/Y, ABS_MT_POSITION_X/Y (and ABS_MT_TOOL_X/Y) value is
#              evemu-record's floored to a multiple of GRID, and at least COARSE_MIN
#              of them differ from evemu-record's (the flooring did something)
#   others     every other event (EV_SYN, EV_KEY, slot, tracking id, pressure, ...)
#              is exactly evemu-record's
coarse_check() {
  python3 - "$TOP/tests/vm" "$1" "$O/coarse.jsonl" "$O/touch.evemu" "${TOUCH_SYS:-none}" \
    "$GRID" "$COARSE_MIN" <<'PY'
import sys, types
sys.path.insert(0, sys.argv[1])
import compare
mode, jsonl, evemu, sysname = sys.argv[2:6]
grid, want_changed = int(sys.argv[6]), int(sys.argv[7])
EV_ABS = 3
POS = {0x00, 0x01, 0x35, 0x36, 0x3c, 0x3d}   # ABS_X/Y, ABS_MT_POSITION_X/Y, ABS_MT_TOOL_X/Y
sel = types.SimpleNamespace(dev=None, sysname=sysname, node=None)
try:
    dev, agent, problems, _ = compare.read_agent(jsonl, sel, "mono")
    ref = compare.read_evemu(evemu)
except (compare.Bad, OSError) as e:
    sys.exit(f"coarse: {e}")
for p in problems:
    print("coarse:", p)
if problems or not agent or not ref:
    print(f"coarse: {len(agent)} agent events of dev {dev}, {len(ref)} evemu-record events")
    sys.exit(1)
a, b = compare.rel(agent), compare.rel(ref)
if len(a) != len(b):
    print(f"coarse: the agent has {len(a)} events of dev {dev}, evemu-record {len(b)}")
    sys.exit(1)
compared = changed = 0
for i, (x, y) in enumerate(zip(a, b)):
    is_pos = y[1] == EV_ABS and y[2] in POS
    if (mode == "positions") != is_pos:
        continue
    want = (y[0], y[1], y[2], y[3] // grid * grid if is_pos else y[3])
    if x[:4] != want:
        print(f"coarse: event #{i} differs: agent {compare.fmt(x)}; want "
              f"{compare.fmt(want + (y[4],))} (evemu-record {y[3]})")
        sys.exit(1)
    compared += 1
    changed += x[3] != y[3]
if mode == "positions":
    print(f"coarse: {compared} positions of dev {dev} are evemu-record's floored to {grid}; "
          f"{changed} changed by it (want >= {want_changed}); {len(a)} events in all")
    sys.exit(0 if changed >= want_changed else 1)
tids = sum(1 for y in b if y[1] == EV_ABS and y[2] == 0x39)   # ABS_MT_TRACKING_ID
print(f"coarse: {compared} other events of dev {dev} are evemu-record's exactly "
      f"({tids} tracking ids); {len(a)} events in all")
sys.exit(0 if compared and tids else 1)
PY
}
# the coarse agent says so in its header record (settings) and its start notice; the
# default agent says exact
coarse_header_check() {
  python3 - "$O/coarse.jsonl" "$O/class.jsonl" "$GRID" <<'PY' || return 1
import json, sys
def settings(p):
    h = json.loads(open(p).readline())
    return h.get("record"), h.get("settings", {})
rec, s = settings(sys.argv[1])
if rec != "header" or s.get("pointer") != "coarse" or s.get("pointer_grid") != int(sys.argv[3]):
    sys.exit(f"coarse agent's header: record {rec}, pointer {s.get('pointer')!r}, grid {s.get('pointer_grid')!r}")
rec, s = settings(sys.argv[2])
if rec != "header" or s.get("pointer") != "exact":
    sys.exit(f"default agent's header: record {rec}, pointer {s.get('pointer')!r}")
print(f"header: pointer coarse, pointer_grid {sys.argv[3]}; the default agent's: exact")
PY
  grep -q "notice: pointer: coarse (absolute positions floored to a grid of $GRID device units" "$O/coarse.err" ||
    { cat "$O/coarse.err"; return 1; }
  grep -q 'notice: pointer: exact (absolute positions as the device reports them)' "$O/class.err" ||
    { cat "$O/class.err"; return 1; }
}
notice_check() {
  grep -q 'notice: devices captured: .*input'"$KBD_ID"' ' "$O/class.err" || { cat "$O/class.err"; return 1; }
  grep -q 'notice: keys: class (key codes replaced by their class' "$O/class.err" || return 1
  grep -q 'notice: event types: all' "$O/class.err" || return 1
  grep -q "notice: devices not captured (dropped in the kernel): .*input$KBD_ID .*--exclude-device $KBD_NODE" "$O/excl.err" || { cat "$O/excl.err"; return 1; }
  grep -q 'notice: keys: raw (every key code as typed' "$O/raw.err" || return 1
  grep -q 'notice: pause and resume: /run/inputtrace/control.sock (root and group users' "$O/p.err" || { cat "$O/p.err"; return 1; }
  # --syslog: the notice reached the log socket (logger's test reader, $O/syslog.txt)
  grep -q 'inputtrace.*notice: keys: raw' "$O/syslog.txt" || { echo "syslog:"; cat "$O/syslog.txt"; return 1; }
}
outsider_check() {
  [ "$(cat "$O/outsider.rc")" = 1 ] || return 1
  grep -q 'Permission denied' "$O/outsider.err" || { cat "$O/outsider.err"; return 1; }
  grep -q '^srw-rw---- .* root users .*control.sock' "$O/sock.ls" || { cat "$O/sock.ls"; return 1; }
}
status_check() {
  grep -q '^state=capturing$' "$O/status.running" || return 1
  grep -q '^keys=raw$' "$O/status.running" || return 1
  grep -q '^since=20' "$O/status.running" || return 1
  grep -q '^state=paused$' "$O/status.paused" || return 1
  grep -q '^paused_since=20' "$O/status.paused" || return 1
  grep -q '^state=capturing$' "$O/status.resumed" || return 1
  grep -q '^-rw-r--r-- .* root root ' "$O/status.ls" || { cat "$O/status.ls"; return 1; }
  [ "$(cat "$O/status.gone")" = gone ]
}
case ${1:-} in
  check) checks ;;
esac
[ "${1:-}" = check ] && exit 0

# --- capture phase (in the VM) -----------------------------------------------------------
found_node() { node_by_name "$1" > /dev/null; }
setup kbd-device create_device kbd "$KBD"
KBD_NODE=$NODE KBD_SYS=$SYSNAME KBD_ID=${SYSNAME#input}
setup ps2-device wait_for 30 "$PS2_KBD" found_node "$PS2_KBD"
PS2_NODE=$(node_by_name "$PS2_KBD")
PS2_SYS=$(sysname_of "$PS2_NODE") PS2_ID=${PS2_SYS#input}
NOBODY_UID=$(id -u nobody)
MEMBER_PID=

# syslog: a tiny reader on /dev/log (no syslog daemon in the VM)
python3 -c '
import socket, sys, os
try: os.unlink("/dev/log")
except OSError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/dev/log")
f = open(sys.argv[1], "ab", buffering=0)
while True: f.write(s.recv(65536) + b"\n")
' "$W/syslog.txt" &
SYSLOG_PID=$!

# the passphrase as evemu E: lines: MSC_SCAN (HID usage), key, SYN; 30 ms apart
gen_secret() {
  python3 - "$SECRET" <<'PY'
import sys
codes = {"h": (35, 0x0b), "u": (22, 0x18), "n": (49, 0x11), "t": (20, 0x17), "e": (18, 0x08),
         "r": (19, 0x15), "2": (3, 0x1f), " ": (57, 0x2c), "c": (46, 0x06), "o": (24, 0x12),
         "s": (31, 0x16)}
t = 0.0
for ch in sys.argv[1]:
    k, u = codes[ch]
    for v in (1, 0):
        t += 0.03
        print(f"E: {t:.6f} 0004 0004 {0x70000 + u:04d}")
        print(f"E: {t:.6f} 0001 {k:04x} {v:04d}")
        print(f"E: {t:.6f} 0000 0000 0000")
PY
}
gen_secret > "$W/secret.events"

# the agents: four formats in the default mode, raw, and one excluding the uinput keyboard
launch_agent class --status-file "$STATUS"
launch_agent classgz -z --status-file none
rm -f "$W/class.csv"
"$AGENT" -o "$W/class.csv" --format csv --status-file none 2> "$W/csv.err" & AGENT_PIDS[csv]=$!
mkdir -p "$W/classevemu"
"$AGENT" -o "$W/classevemu" --format evemu --status-file none 2> "$W/evemu.err" & AGENT_PIDS[evemu]=$!
launch_agent raw --keys raw --status-file none --syslog
launch_agent excl --exclude-device "$KBD_NODE" --status-file none
launch_agent coarse --pointer coarse --pointer-grid "$GRID" --status-file none
# (launch_agent names its output NAME.jsonl: classgz.jsonl is gzip; rename after)
ready_named() { file_has "$W/$1.err" 'capturing input events' || ! kill -0 "${AGENT_PIDS[$2]}" 2>/dev/null; }
for a in class classgz raw excl; do setup "agent-$a" await_agent "$a" || { save_vars KBD_ID PS2_ID; exit 0; }; done
setup agent-csv wait_for 180 "csv agent" ready_named csv csv || exit 0
setup agent-evemu wait_for 180 "evemu agent" ready_named evemu evemu || exit 0
setup agent-coarse await_agent coarse     # its checks fail on their own if not
cp "$STATUS" "$W/status.class" 2>/dev/null

# --pointer coarse: a touchscreen, created now (every agent records it) and replayed in
# the background while the passphrase is typed (that mostly waits for QEMU's monitor)
replay_touch() {
  create_device touch "$TOUCHSCREEN" || return 1
  echo "$SYSNAME" > "$W/touch.sys"
  local pid=$DEV_PID
  replay touch "$NODE" "$TOUCHSCREEN" || return 1
  wait_for 30 "touchscreen marker in coarse" agent_has_mark "$W/coarse.jsonl" "${SYSNAME#input}" || return 1
  destroy_device "$pid"
}
setup touch-replay replay_touch &
TOUCH_JOB=$!

type_uinput() {
  start_record kbd "$KBD_NODE" || return 1
  evemu-play "$KBD_NODE" < "$W/secret.events" || return 1
  finish_record kbd "$KBD_NODE"
}
setup type-uinput type_uinput
# QEMU's sendkey: PS/2 scan codes through the i8042 (physical input)
type_ps2() {
  local ch k
  start_record ps2 "$PS2_NODE" || return 1
  for (( i = 0; i < ${#SECRET}; i++ )); do
    ch=${SECRET:i:1}
    k=$ch; [ "$ch" = " " ] && k=spc
    vmctl sendkey "$k" > /dev/null || return 1
    # one key at a time: its release in the stream before the next press
    wait_for 20 "release #$i on ps2" ps2_releases $((i + 1)) || return 1
  done
  mark_end "$PS2_NODE" && wait_for 30 "marker in ps2.evemu" evemu_has_mark "$W/ps2.evemu" || return 1
  stop_record ps2 "$REC_PID"
}
ps2_releases() { [ "$(grep -cE '^E: [0-9.]+ 0001 [0-9a-f]{4} 0000' "$W/ps2.evemu")" -ge "$1" ]; }
setup type-ps2 type_ps2

wait "$TOUCH_JOB"
TOUCH_SYS=$(cat "$W/touch.sys" 2>/dev/null)

agent_saw_marks() { agent_has_mark "$W/$1.jsonl" "$KBD_ID" && agent_has_mark "$W/$1.jsonl" "$PS2_ID"; }
for a in class raw; do setup "$a-saw-all" wait_for 30 "markers in $a" agent_saw_marks "$a"; done
setup excl-saw-ps2 wait_for 30 "ps2 marker in excl" agent_has_mark "$W/excl.jsonl" "$PS2_ID"
# the gzip, CSV and evemu outputs: the PS/2 marker there too (flushed every second)
gz_mark() { zcat "$W/classgz.jsonl" 2>/dev/null | grep -q "\"dev\":$PS2_ID,.*\"code\":\"SYN_CONFIG\",\"value\":$MARK"; }
csv_mark() { file_has "$W/class.csv" "^event,$PS2_ID,.*,EV_SYN,SYN_CONFIG,$MARK\$"; }
evemu_mark() { grep -Eq "^E: [0-9.]+ 0000 0001 0*$MARK\$" "$W"/classevemu/*-input"$PS2_ID".evemu* 2>/dev/null; }
setup gz-saw-all wait_for 30 "marker in the gzip output" gz_mark
setup csv-saw-all wait_for 30 "marker in the CSV output" csv_mark
setup evemu-saw-all wait_for 30 "marker in the evemu output" evemu_mark
for a in class raw excl coarse; do setup "stop-$a" stop_agent "$a"; done
stop_plain() {
  kill -INT "${AGENT_PIDS[$1]}"
  wait_for 60 "agent $1 to exit" proc_gone "${AGENT_PIDS[$1]}" || return 1
  wait "${AGENT_PIDS[$1]}"
}
setup stop-classgz stop_plain classgz
mv "$W/classgz.jsonl" "$W/classgz.jsonl.gz" 2>/dev/null
setup stop-csv stop_plain csv
setup stop-evemu stop_plain evemu

# --- pause and resume -----------------------------------------------------------------------
setup agent-p start_agent p --keys raw --pin "$PIN" --control-group "$CTL_GROUP" --syslog \
  --status-file "$STATUS"
P_PID=${AGENT_PIDS[p]}
cp "$STATUS" "$W/status.running"
ls -l "$STATUS" > "$W/status.ls"
ls -l "$SOCK" > "$W/sock.ls"
key() { evemu-event "$KBD_NODE" --type EV_KEY --code "$1" --value "$2" --sync; }
ctl_json() { "$AGENT" ctl status --json --pin "$PIN" > "$W/$1" 2>&1; }
pause_run() {
  local i
  # each key event is its own evemu-event process, slow under TCG: push the keyboard's
  # autorepeat delay out of reach (EVIOCSREP) so a press is never repeated before its
  # release and exactly 40 events are sent
  python3 -c 'import fcntl,os,struct,sys; fd=os.open(sys.argv[1],os.O_RDWR); fcntl.ioctl(fd,0x40084503,struct.pack("II",60000,1000))' "$KBD_NODE" || return 1
  start_record pk "$KBD_NODE" || return 1
  key KEY_A 1 && key KEY_A 0 || return 1
  wait_for 20 "KEY_A in p" file_has "$W/p.jsonl" '"code":"KEY_A","value":0' || return 1
  ctl_json ctl-before.json || return 1
  # nobody, made a member of the control group for this call only: allowed, not root
  setpriv --reuid=nobody --regid=nogroup --groups="$(getent group "$CTL_GROUP" | cut -d: -f3)" \
    "$AGENT" ctl pause > "$W/member.out" 2>&1 &
  MEMBER_PID=$!
  wait "$MEMBER_PID" || { cat "$W/member.out" >&2; return 1; }
  grep -qx 'ok paused' "$W/member.out" || return 1
  cp "$STATUS" "$W/status.paused"
  "$BPFTOOL" map dump pinned "$PIN/it_switches" > "$W/config-paused.dump" 2>&1
  for i in 1 2 3 4 5 6 7 8 9 10; do key KEY_B 1 && key KEY_B 0 || return 1; done
  wait_for 20 "KEY_B in pk.evemu" file_has "$W/pk.evemu" '^E: [0-9.]+ 0001 0030 0000' || return 1
  ctl_json ctl-paused.json || return 1
  kill -USR2 "$P_PID"
  wait_for 20 "resume record" file_has "$W/p.jsonl" '"record":"resume"' || return 1
  cp "$STATUS" "$W/status.resumed"
  key KEY_C 1 && key KEY_C 0 || return 1
  finish_record pk "$KBD_NODE" || return 1
  wait_for 20 "marker in p" agent_has_mark "$W/p.jsonl" "$KBD_ID"
}
setup pause-run pause_run
# outside the group: the socket's mode keeps nobody out
setpriv --reuid=nobody --regid=nogroup --clear-groups "$AGENT" ctl pause > "$W/outsider.err" 2>&1
echo $? > "$W/outsider.rc"
setup stop-p stop_agent p
if [ -e "$STATUS" ]; then echo present; else echo gone; fi > "$W/status.gone"
for a in class raw excl p; do cp "$W/$a.err" "$O/" 2>/dev/null; done
kill "$SYSLOG_PID" 2>/dev/null
save_vars KBD_ID PS2_ID KBD_NODE KBD_SYS PS2_SYS SECRET NOBODY_UID MEMBER_PID TOUCH_SYS
