#!/bin/bash
# tests/vm/guest-ops.sh - VM boot "ops" of `make test-vm` (tests/vm/run.sh): the agent
# as operators run it (issue 5): --pin and bpftool, ctl status, a second agent on the
# same pin directory, kill -9 and stale pins, --user nobody, --stats-interval and
# --metrics-file, injected versus physical input.
#
# check: pin-bpftool-while-running
# check: pin-second-agent-refused
# check: ctl-status
# check: stats-interval-and-metrics
# check: injected-evemu-play
# check: physical-sendkey-not-injected
# check: kprobe-injected-and-physical
# check: pin-gone-after-exit
# check: kill9-links-close
# check: kill9-stale-pins-cleaned
# check: user-nobody-captures
# check: caps-needed-for-loading
# check: user-nobody-rotates
# check: unplug-held-key-released
# check: sd-notify-ready
. tests/vm/lib.sh

PIN=/sys/fs/bpf/inputtrace
KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
PS2_KBD="AT Translated Set 2 keyboard"
BPFTOOL=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
export PATH=$PATH:/usr/sbin:/sbin

found_node() { node_by_name "$1" > /dev/null; }
# evemu_has NAME "TYPE CODE VALUE" (hex, hex, decimal as evemu writes them)
evemu_has() { file_has "$W/$1.evemu" "^E: [0-9.]+ $2([^0-9]|\$)"; }

# a uinput keyboard (virtual), and the PS/2 keyboard (physical, QEMU's i8042)
setup kbd-device create_device kbd "$KBD"
KBD_NODE=$NODE KBD_SYS=$SYSNAME KBD_ID=${SYSNAME#input}
setup ps2-device wait_for 30 "$PS2_KBD" found_node "$PS2_KBD"
PS2_NODE=$(node_by_name "$PS2_KBD")
PS2_SYS=$(sysname_of "$PS2_NODE") PS2_ID=${PS2_SYS#input}

# --- agent A: --pin, --stats-interval, --metrics-file -------------------------------------
setup agent-a start_agent a --keys raw --pin --stats-interval 1 --metrics-file "$W/a.prom" -v ||
  exit 0	# every check below needs it: run.sh reports them as not reported
A_PID=${AGENT_PIDS[a]}
# and the kprobe twins beside it (no --pin: one agent per pin directory)
setup agent-k start_agent k --keys raw --attach kprobe

# it_ programs loaded (ids), the links bpftool lists for them, the pinned maps dumped
prog_ids() { "$BPFTOOL" prog show 2>/dev/null | sed -n 's/^\([0-9]*\): .* name \(it_[a-z_]*\) .*/\1 \2/p'; }
pin_bpftool() {
  local ids links p
  ids=$(prog_ids)
  log "programs: $(echo $ids)"
  echo "$ids" | grep -q ' it_evdev_fexit$' || { log "no it_evdev_fexit program"; return 1; }
  links=$("$BPFTOOL" link show 2>&1)
  echo "$links" > "$O/a.links"
  for p in $(echo "$ids" | awk '/it_(evdev|reg|unreg|inject)_fe?x?/ {print $1}'); do
    echo "$links" | grep -Eq "prog $p( |\$)" || { log "no link for program $p"; return 1; }
  done
  for m in it_devices it_counters it_config it_switches it_keyclass it_mods; do
    [ -e "$PIN/$m" ] || { log "$PIN/$m not pinned"; return 1; }
  done
  "$BPFTOOL" map dump pinned "$PIN/it_config" > "$O/a.config.dump" 2>&1 || return 1
  # BTF-typed: field names, the agent's pid
  grep -q "\"owner_pid\": $A_PID" "$O/a.config.dump" || { cat "$O/a.config.dump" >&2; return 1; }
  "$BPFTOOL" map dump pinned "$PIN/it_switches" > "$O/a.switches.dump" 2>&1 || return 1
  grep -q '"keys_mode": 3' "$O/a.switches.dump" || { grep -v '^ *0,\?$' "$O/a.switches.dump" >&2; return 1; }
  "$BPFTOOL" map dump pinned "$PIN/it_devices" > "$O/a.devices.dump" 2>&1 || return 1
  grep -q '"sysname": "input' "$O/a.devices.dump" || { head -40 "$O/a.devices.dump" >&2; return 1; }
  "$BPFTOOL" map dump pinned "$PIN/it_counters" > "$O/a.counters.dump" 2>&1 || return 1
  grep -q '"seen":' "$O/a.counters.dump"
}
# a second agent on the same pin directory: refused at once, exit 1, one line
second_agent() {
  local rc
  "$AGENT" --pin -o "$W/second.jsonl" 2> "$W/second.err"
  rc=$?
  cp "$W/second.err" "$O/"
  [ "$rc" -eq 1 ] || { log "second agent exited $rc"; return 1; }
  [ "$(wc -l < "$W/second.err")" -eq 1 ] || { cat "$W/second.err" >&2; return 1; }
  grep -qx "inputtrace: another inputtrace (pid $A_PID) is running with --pin $PIN" "$W/second.err" ||
    { cat "$W/second.err" >&2; return 1; }
  # and it left A's pins alone
  [ -e "$PIN/it_config" ]
}

# the recording ends with KEY_C held (the kernel autorepeats it): release it
release_c() { evemu-event "$KBD_NODE" --type EV_KEY --code KEY_C --value 0 --sync; }

# replay the keyboard recording into the uinput keyboard (evemu-play writes to the
# evdev node: input_inject_event)
replay_kbd() {
  start_record kbd "$KBD_NODE" || return 1
  evemu-play "$KBD_NODE" < "$KBD" || return 1
  release_c
  finish_record kbd "$KBD_NODE"
}
setup replay-kbd replay_kbd
# the PS/2 keyboard through QEMU: physical input
sendkey_ps2() {
  start_record ps2 "$PS2_NODE" || return 1
  vmctl sendkey a > /dev/null || return 1
  wait_for 20 "KEY_A release on ps2" evemu_has ps2 "0001 001e 0000" || return 1
  stop_record ps2 "$REC_PID"
}
setup sendkey-ps2 sendkey_ps2
agent_has_a_release() { file_has "$W/a.jsonl" "\"dev\":$PS2_ID,.*\"code\":\"KEY_A\",\"value\":0"; }
setup a-saw-ps2 wait_for 20 "KEY_A in agent a" agent_has_a_release
setup a-saw-kbd wait_for 20 "kbd marker in agent a" agent_has_mark "$W/a.jsonl" "$KBD_ID"

ctl_status() {
  "$AGENT" ctl status > "$O/ctl-status.txt" 2>&1 || { cat "$O/ctl-status.txt" >&2; return 1; }
  grep -q "agent pid $A_PID" "$O/ctl-status.txt" || return 1
  grep -q "keys=raw" "$O/ctl-status.txt" || return 1
  "$AGENT" ctl status --json --pin "$PIN" > "$O/ctl-status.json" 2>&1 || return 1
  python3 - "$O/ctl-status.json" "$A_PID" "$KBD_SYS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["owner_pid"] == int(sys.argv[2]), s["owner_pid"]
c = s["counters"]
assert c["seen"] >= 10 and c["written"] >= 10, c
assert c["seen"] == c["filtered"] + c["written"] + c["lost"] + c["truncated"] + c["keys_dropped"] + c["redact_dropped"] + c["paused"], c
assert sys.argv[3] in [d["sysname"] for d in s["devices"]], s["devices"]
assert s["settings"]["keys"] == "raw"
print("ctl status:", c)
PY
}

metrics() {
  local n
  wait_for 10 "metrics file" test -s "$W/a.prom" || return 1
  cp "$W/a.prom" "$O/"
  python3 "$TOP/tests/ops/check_metrics.py" "$W/a.prom" inputtrace_events_seen_total='*' \
    inputtrace_start_time_seconds='*' || return 1
  # the counters are live: seen > 0 after the replay
  grep -Eq '^inputtrace_events_seen_total [1-9][0-9]*$' "$W/a.prom" || { cat "$W/a.prom" >&2; return 1; }
  n=$(grep -c '"record":"stats"' "$W/a.jsonl")
  log "agent a: $n stats records so far"
  [ "$n" -ge 2 ]
}

check pin-bpftool-while-running pin_bpftool
check pin-second-agent-refused second_agent
check ctl-status ctl_status
check stats-interval-and-metrics metrics
setup stop-a stop_agent a
setup k-saw-kbd wait_for 20 "kbd marker in agent k" agent_has_mark "$W/k.jsonl" "$KBD_ID"
setup stop-k stop_agent k

# injected_for AGENT.jsonl KBD-ID PS2-ID: writes AGENT.jsonl.verdict, "K P": K=1 when every
# replayed kbd event is injected and the device virtual, P=1 when no PS/2 event is
# injected and the device is not virtual
INJECTED_PY=$(cat <<'PY'
import json, sys
kbd, ps2 = int(sys.argv[2]), int(sys.argv[3])
ev = {kbd: [], ps2: []}
virt = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["record"] == "device" and r["dev"] in ev:
        virt[r["dev"]] = r.get("virtual")
    if r["record"] == "event" and r["dev"] in ev:
        ev[r["dev"]].append(r)
mode = sys.argv[0]
k, p = ev[kbd], ev[ps2]
print(f"kbd: {len(k)} events, {sum(1 for e in k if e.get('injected'))} injected, virtual={virt.get(kbd)}")
print(f"ps2: {len(p)} events, {sum(1 for e in p if e.get('injected'))} injected, virtual={virt.get(ps2)}")
# every replayed event came through evemu-play's writes; the autorepeat the kernel
# generates itself (a timer's frame: EV_KEY value 2 and its SYN_REPORT value 1,
# input_repeat_key()) is not an injection, and comes when a replayed key is held
# past the repeat delay, as a loaded host makes evemu-play late
k_inj = [e for e in k if not (e["type"] == "EV_KEY" and e["value"] == 2) and
         not (e["type"] == "EV_SYN" and e["code"] == "SYN_REPORT" and e["value"] == 1)]
ok_kbd = len(k_inj) >= 8 and all(e.get("injected") is True for e in k_inj) and virt.get(kbd) is True
ok_ps2 = len(p) >= 4 and not any(e.get("injected") for e in p) and virt.get(ps2) is False
open(sys.argv[1] + ".verdict", "w").write(f"{int(ok_kbd)} {int(ok_ps2)}\n")
PY
)
injected_for() { python3 -c "$INJECTED_PY" "$@"; }
setup injected-analysis injected_for "$W/a.jsonl" "$KBD_ID" "$PS2_ID"
setup injected-analysis-kprobe injected_for "$W/k.jsonl" "$KBD_ID" "$PS2_ID"
check injected-evemu-play grep -q '^1 ' "$W/a.jsonl.verdict"
check physical-sendkey-not-injected grep -q ' 1$' "$W/a.jsonl.verdict"
check kprobe-injected-and-physical grep -qx '1 1' "$W/k.jsonl.verdict"

no_it_progs() { ! prog_ids | grep -q ' it_'; }
no_pins() { [ -z "$(ls -A "$PIN" 2>/dev/null)" ]; }
gone_after_exit() {
  wait_for 20 "it_ programs to go" no_it_progs || { prog_ids >&2; return 1; }
  no_pins || { ls -l "$PIN" >&2; return 1; }
  [ ! -e "$PIN" ]
}
check pin-gone-after-exit gone_after_exit

# --- kill -9: links close with the process; the pins stay until the next start -----------
kill9() {
  start_agent b --pin || return 1
  kill -KILL "${AGENT_PIDS[b]}"
  wait "${AGENT_PIDS[b]}" 2>/dev/null
  wait_for 20 "it_ programs to go after kill -9" no_it_progs || { prog_ids >&2; return 1; }
  [ -e "$PIN/it_config" ] || { log "no stale pins after kill -9?"; return 1; }
  "$BPFTOOL" link show > "$O/b.links" 2>&1
  ! grep -q 'it_' "$O/b.links"
}
check kill9-links-close kill9
stale() {
  local rc=0
  start_agent c --pin || return 1
  grep -q "removed 6 stale pins in $PIN" "$W/c.err" || { cat "$W/c.err" >&2; rc=1; }
  "$BPFTOOL" map dump pinned "$PIN/it_config" > "$O/c.config.dump" 2>&1
  grep -q "\"owner_pid\": ${AGENT_PIDS[c]}" "$O/c.config.dump" || rc=1
  stop_agent c || rc=1
  [ "$rc" -eq 0 ] || return 1
  wait_for 20 "it_ programs to go" no_it_progs || return 1
  [ ! -e "$PIN" ]
}
check kill9-stale-pins-cleaned stale

# --- --user nobody ---------------------------------------------------------------------------
nobody() {
  local pid st rc=0
  start_agent d --keys raw --pin --user nobody -v || return 1
  pid=${AGENT_PIDS[d]}
  st=$(cat "/proc/$pid/status")
  echo "$st" > "$O/d.status"
  echo "$st" | grep ^Cap >&2
  echo "$st" | grep -q '^CapEff:[[:space:]]*0000000000000000$' || rc=1
  echo "$st" | grep -q '^CapPrm:[[:space:]]*0000000000000000$' || rc=1
  echo "$st" | grep -Eq "^Uid:[[:space:]]+$(id -u nobody)[[:space:]]+$(id -u nobody)" || rc=1
  if [ "$rc" -eq 0 ]; then
    start_record kbd2 "$KBD_NODE" && evemu-play "$KBD_NODE" < "$KBD" && release_c &&
      finish_record kbd2 "$KBD_NODE" &&
      wait_for 20 "kbd marker in agent d" agent_has_mark "$W/d.jsonl" "$KBD_ID" || rc=1
  fi
  stop_agent d || rc=1
  [ "$rc" -eq 0 ] || return 1
  python3 "$COMPARE" "$W/d.jsonl" "$W/kbd2.evemu" --sysname "$KBD_SYS" || return 1
  # it could remove its pins as nobody (the directory was given to it)
  no_pins
}
check user-nobody-captures nobody

# --- the capabilities loading needs (docs/operations.md "Privileges"), as uid 0 with a bounding
# set of exactly: CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN captures with both mechanisms;
# without CAP_SYS_ADMIN both fail (evdev is a module on Debian: its BTF, the kprobe) --
caps_agent() {	# caps_agent NAME CAPS [ARGS]: start the agent with bounding set CAPS
  local name=$1 caps=$2 real=$AGENT rc=0
  shift 2
  printf '#!/bin/sh\nexec setpriv --bounding-set=-all,%s --inh-caps=-all -- %s "$@"\n' \
    "$caps" "$real" > "$W/agent-$name"
  chmod +x "$W/agent-$name"
  AGENT=$W/agent-$name
  start_agent "$name" "$@" || rc=1
  AGENT=$real
  return $rc
}
caps_needed() {
  local m rc=0
  for m in fentry kprobe; do
    if caps_agent "caps-$m" +bpf,+perfmon,+sys_admin --attach "$m" $([ "$m" = fentry ] && echo --pin); then
      grep ^Cap "/proc/${AGENT_PIDS[caps-$m]}/status" > "$O/caps-$m.status"
      grep -q '^CapEff:[[:space:]]*000000c000200000$' "$O/caps-$m.status" || { cat "$O/caps-$m.status" >&2; rc=1; }
      stop_agent "caps-$m" || rc=1
    else
      rc=1
    fi
    if caps_agent "nocaps-$m" +bpf,+perfmon --attach "$m" 2>/dev/null; then
      log "$m attached without CAP_SYS_ADMIN: docs/operations.md (Privileges) is wrong"
      stop_agent "nocaps-$m"
      rc=1
    fi
    cp "$W/nocaps-$m.err" "$O/" 2>/dev/null
    grep -q "^inputtrace: cannot attach to the input core: $m not permitted by this kernel" "$W/nocaps-$m.err" ||
      { cat "$W/nocaps-$m.err" >&2; rc=1; }
  done
  return $rc
}
check caps-needed-for-loading caps_needed

# --- --user nobody writing a directory of rotated files: the directory (created by the
# agent) and each file are given to nobody before the switch, so rotation, --max-files
# and a SIGHUP reopen work as nobody; modes stay 0600/0700 -----------------------------
press_keys() {	# press_keys NODE N: N presses and releases of KEY_A
  local i
  for ((i = 0; i < $2; i++)); do
    evemu-event "$1" --type EV_KEY --code KEY_A --value 1 --sync || return 1
    evemu-event "$1" --type EV_KEY --code KEY_A --value 0 --sync || return 1
  done
}
rot_has_mark() { grep -rqE "\"dev\":$KBD_ID,.*\"code\":\"SYN_CONFIG\",\"value\":${MARK}[,}]" "$W/rot" 2>/dev/null; }
user_rotates() {
  local pid rc=0
  rm -rf "$W/rot"
  "$AGENT" -o "$W/rot/" --status-file none --user nobody --keys raw --device "$KBD_NODE" --rotate-size 4K \
    --max-files 4 --stats-interval 1 2> "$W/rot.err" &
  pid=$!
  rot_ready() { file_has "$W/rot.err" 'capturing input events' || ! kill -0 "$pid" 2>/dev/null; }
  wait_for 180 "agent rot notice" rot_ready && file_has "$W/rot.err" 'capturing input events' ||
    { cat "$W/rot.err" >&2; return 1; }
  grep ^Cap "/proc/$pid/status" > "$O/rot.status"
  grep -q '^CapEff:[[:space:]]*0000000000000000$' "$O/rot.status" || { cat "$O/rot.status" >&2; rc=1; }
  start_record kbd3 "$KBD_NODE" || rc=1
  press_keys "$KBD_NODE" 20 || rc=1
  kill -HUP "$pid"	# logrotate's reopen, as nobody
  press_keys "$KBD_NODE" 20 || rc=1
  mark_end "$KBD_NODE" || rc=1
  wait_for 30 "kbd marker in the rotated files" rot_has_mark || rc=1
  stop_record kbd3 "$REC_PID"
  kill -INT "$pid"
  wait_for 60 "agent rot to exit" proc_gone "$pid" || kill -KILL "$pid"
  wait "$pid" || { log "agent rot exited $?"; rc=1; }
  ls -ln "$W/rot" > "$O/rot.ls"
  stat -c '%a %U %n' "$W/rot" "$W/rot"/* > "$O/rot.stat"
  cp "$W/rot.err" "$O/"
  mkdir -p "$O/rot" && cp "$W/rot"/* "$O/rot/" 2>/dev/null
  cat "$W/rot.err" >&2
  if grep -Eiq 'permission denied|EACCES|cannot' "$W/rot.err"; then log "errors as nobody"; rc=1; fi
  python3 - "$W/rot" "$KBD_ID" <<'PY' || rc=1
import glob, json, os, stat, sys
d, kbd = sys.argv[1], int(sys.argv[2])
st = os.stat(d)
assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid != 0, (oct(st.st_mode), st.st_uid)
# the records' files; beside them the stream file (stream and seq, kept 0600)
names = sorted(n for n in os.listdir(d) if not n.startswith("."))
dot = [n for n in os.listdir(d) if n.startswith(".")]
assert len(dot) == 1 and dot[0].endswith(".stream"), dot
assert stat.S_IMODE(os.stat(os.path.join(d, dot[0])).st_mode) == 0o600, dot
tmp = [n for n in names if n.endswith(".tmp")]
assert not tmp, f"left behind: {tmp}"
assert len(names) == 4, f"--max-files 4 kept {len(names)}: {names}"
stats = []
for n in names:
    p = os.path.join(d, n)
    s = os.stat(p)
    assert stat.S_IMODE(s.st_mode) == 0o600 and s.st_uid == st.st_uid, (n, oct(s.st_mode), s.st_uid)
    recs = [json.loads(l) for l in open(p)]	# every line complete JSON
    assert recs[0]["record"] == "header", (n, recs[0])
    assert any(r["record"] == "device" and r["dev"] == kbd for r in recs), f"{n}: no device record"
    stats += [r for r in recs if r["record"] == "stats"]
# the final stats record ends the file it was written to; when that write reached
# --rotate-size, one more file (header and device records only) follows it
s = stats[-1]
print("final stats:", {k: s[k] for k in ("events_out", "bytes_written", "files_completed", "files_deleted", "output_lost_lines")}, s["events_by_type"])
# 40 presses (+ marker) in files of 4 KiB: many files; all but 4 deleted
# (the stats record precedes the completion of the file it ends: completed and
# deleted count the others: 4 of them kept, then this one completes and the oldest goes)
assert s["files_completed"] >= 5 and s["files_deleted"] == s["files_completed"] - 4, s
assert s["output_lost_lines"] == 0 and s["bytes_written"] > 4 * 4096, s
assert sum(s["events_by_type"].values()) == s["events_out"], s
assert s["events_by_type"]["EV_KEY"] >= 80 and s["events_by_type"]["EV_SYN"] >= 80, s
PY
  return $rc
}
check user-nobody-rotates user_rotates

# --- a key held when its device goes away: the input core releases it while
# unregistering (input_disconnect_device -> input_dev_release_keys, then SYN_REPORT),
# and evdev's readers get that frame before the device is gone; the agent records it
# before the device's remove record --------------------------------------------------
unplug_held() {
  local rc=0 id sys
  start_agent u --keys raw || return 1
  create_device unplug "$KBD" || return 1
  id=${SYSNAME#input} sys=$SYSNAME
  start_record unplug "$NODE" || return 1
  evemu-event "$NODE" --type EV_KEY --code KEY_B --value 1 --sync || rc=1
  wait_for 20 "KEY_B press in agent u" file_has "$W/u.jsonl" "\"dev\":$id,.*\"code\":\"KEY_B\",\"value\":1" || rc=1
  destroy_device "$DEV_PID"
  wait_for 20 "remove record in agent u" file_has "$W/u.jsonl" "\"action\":\"remove\",\"dev\":$id," || rc=1
  stop_record unplug "$REC_PID"
  stop_agent u || rc=1
  [ "$rc" -eq 0 ] || return 1
  python3 - "$W/u.jsonl" "$id" "$W/unplug.evemu" <<'PY'
import json, re, sys
dev = int(sys.argv[2])
recs = [json.loads(l) for l in open(sys.argv[1])]
mine = [r for r in recs if r.get("dev") == dev]
tail = mine[-3:]
for r in tail:
    print("agent:", r)
assert tail[0]["record"] == "event" and tail[0]["code"] == "KEY_B" and tail[0]["value"] == 0, tail[0]
assert not tail[0].get("injected"), "the release is the kernel's, not an injection"
# value 1: the core's own SYN_REPORT (input_handle_event(dev, EV_SYN, SYN_REPORT, 1),
# as for autorepeat), where drivers' input_sync() sends 0
assert tail[1]["record"] == "event" and tail[1]["code"] == "SYN_REPORT" and tail[1]["value"] == 1, tail[1]
assert tail[2]["record"] == "device" and tail[2]["action"] == "remove", tail[2]
assert (tail[0]["sec"], tail[0]["usec"]) == (tail[1]["sec"], tail[1]["usec"]), "one frame"
# what evemu-record of the same node saw (reported, not asserted: a reader that has
# not read the frame before evdev marks the device dead gets ENODEV instead)
ev = [l for l in open(sys.argv[3]) if l.startswith("E:")]
rel = [l for l in ev if re.match(r"E: [0-9.]+ 0001 0030 0000", l)]
print("evemu-record: last events:", [l.strip() for l in ev[-3:]])
print("evemu-record", "saw the release too" if rel else "did not see the release")
PY
}
check unplug-held-key-released unplug_held

# --- sd_notify: READY=1 (with the agent's pid) once capture is live, STOPPING=1 at the end
notify_ready() {
  local sock=$W/notify.sock lp pid
  rm -f "$sock"
  python3 tests/vm/notify_listen.py "$sock" "$W/n.err" > "$W/notify.log" 2>&1 &
  lp=$!
  wait_for 30 "notify socket" test -S "$sock" || return 1
  NOTIFY_SOCKET=$sock start_agent n --keys class || return 1
  pid=${AGENT_PIDS[n]}
  wait_for 30 "READY=1" file_has "$W/notify.log" '^READY=1$' || return 1
  stop_agent n || return 1
  wait_for 30 "STOPPING=1" proc_gone "$lp"
  cp "$W/notify.log" "$O/"
  file_has "$W/notify.log" "^MAINPID=$pid\$" || { cat "$W/notify.log" >&2; return 1; }
  file_has "$W/notify.log" '^notice-before-ready=yes$' || { cat "$W/notify.log" >&2; return 1; }
  file_has "$W/notify.log" '^STOPPING=1$' || { cat "$W/notify.log" >&2; return 1; }
}
check sd-notify-ready notify_ready

exit 0
