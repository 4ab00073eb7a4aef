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
  for m in it_devices it_counters it_config it_keyclass it_mods; do
    [ -e "$PIN/$m" ] || { log "$PIN/$m not pinned"; return 1; }
  done
  "$BPFTOOL" map dump pinned "$PIN/it_config" > "$O/a.config.dump" 2>&1 || return 1
  # BTF-typed: field names, the agent's pid
  grep -q "\"owner_pid\": $A_PID" "$O/a.config.dump" || { cat "$O/a.config.dump" >&2; return 1; }
  grep -q '"keys_mode": 3' "$O/a.config.dump" || return 1
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
assert c["seen"] == c["filtered"] + c["written"] + c["lost"] + c["truncated"] + c["keys_dropped"] + c["redact_dropped"], c
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
# generates itself (value 2, from a timer) is not an injection
k_inj = [e for e in k if e["value"] != 2 or e["type"] != "EV_KEY"]
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
  grep -q "removed 5 stale pins in $PIN" "$W/c.err" || { cat "$W/c.err" >&2; rc=1; }
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

# --- the capabilities loading needs (README "Privileges"), as uid 0 with a bounding
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
      log "$m attached without CAP_SYS_ADMIN: README Privileges is wrong"
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

exit 0
