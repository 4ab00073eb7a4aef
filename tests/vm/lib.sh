# shellcheck shell=bash
# tests/vm/lib.sh - helpers for the VM tests, sourced by tests/vm/guest-NAME.sh.
#
# A guest script runs twice (tests/vm/run.sh):
#   capture  in the VM (bash in the chroot of this machine's root file system, cwd =
#            the repository's top): creates and drives devices, runs agents and
#            evemu-record; work files in the guest's tmpfs $W (fast: no reader falls
#            behind a replay), all copied to $O (/tmp/out, shared with the host) at
#            the end, with the variables the checks need (save_vars).
#   check    on the host, after the boot, on those files (VM_OUT=DIR): the
#            assertions, compare.py above all (Python under TCG costs seconds a run).
# Synchronisation is always a bounded poll on a condition (wait_for), never a bare
# sleep. Results: one line "ok NAME" / "FAIL NAME" per check (or "FAIL setup-STEP"
# for a capture step that failed), appended to $O/results, which run.sh reads.

TOP=$PWD
AGENT=${AGENT:-$TOP/build/inputtrace}
COMPARE=${COMPARE:-$TOP/tests/vm/compare.py}
RECORDINGS=${RECORDINGS:-$TOP/../shared/recordings}
if [ -n "${VM_OUT:-}" ]; then   # check phase, on the host
  O=$VM_OUT W=$VM_OUT
else
  O=/tmp/out W=/tmp/w
  mkdir -p "$W"
fi

# save_vars NAME...: keep these variables for the check phase ($O/vars.sh), and copy
# every work file to $O. load_vars: read them back.
save_vars() {
  local v
  for v in "$@"; do printf '%s=%q\n' "$v" "${!v:-}"; done > "$O/vars.sh"
  [ "$W" = "$O" ] || cp -r "$W/." "$O/"
}
load_vars() { [ -f "$O/vars.sh" ] && . "$O/vars.sh"; }

# guest_only: in the check phase (on the host), refuse what would touch this machine's
# devices or load BPF here.
guest_only() {
  if [ -n "${VM_OUT:-}" ]; then
    log "${FUNCNAME[1]}: only in the VM (this is the check phase)"
    return 1
  fi
}

# Marker written into a device's stream at the end of a replay (see mark_end): a
# frame {EV_SYN SYN_CONFIG MARK, SYN_REPORT}. The input core passes SYN_CONFIG of any
# device to its handlers (input_get_disposition(): INPUT_PASS_TO_ALL), so every evdev
# reader and the agent see it; once both streams hold it, both are complete.
MARK=271828

log() { printf '[%s] %s\n' "$(date +%T.%N | cut -c1-12)" "$*" >&2; }

# wait_for SECONDS DESCRIPTION CMD [ARG]...: run CMD every 50 ms until it succeeds
# (return 0) or SECONDS have passed (say what timed out, return 1).
wait_for() {
  local limit=$1 what=$2 start=${EPOCHREALTIME/./} now
  shift 2
  while ! "$@"; do
    now=${EPOCHREALTIME/./}
    if (( now - start > limit * 1000000 )); then
      log "timeout (${limit} s) waiting for: $what"
      return 1
    fi
    sleep 0.05
  done
}

# file_has FILE PATTERN: FILE exists and has a line matching the extended regex.
file_has() { grep -Eq -- "$2" "$1" 2>/dev/null; }

# vmctl HMP-COMMAND...: have the host run a QEMU monitor command (scripts/vm/run.py)
# and wait for its answer, which is printed.
vmctl() {
  guest_only || return 1
  local seq
  seq=$(( $(cat "$W/vmctl.seq" 2>/dev/null || echo 0) + 1 ))
  echo "$seq" > "$W/vmctl.seq"
  printf '\n@@VMCTL %s %s\n' "$seq" "$*" > /dev/console
  wait_for 20 "monitor answer to '$*'" test -e "$O/ack/$seq" || return 1
  cat "$O/ack/$seq"
}

# --- the agent -----------------------------------------------------------------------

# launch_agent NAME [AGENT-ARGS]...: start the agent in the background, writing
# $W/NAME.jsonl (stderr: $W/NAME.err). await_agent NAME then waits (bounded) for its
# "capturing input events" notice; start_agent does both. Several agents can load side
# by side, but on the VM's one CPU that is no faster than one after the other.
declare -A AGENT_PIDS
launch_agent() {
  guest_only || return 1
  local name=$1
  shift
  rm -f "$W/$name.jsonl" "$W/$name.err"
  "$AGENT" -o "$W/$name.jsonl" --status-file "$W/$name.status" "$@" 2> "$W/$name.err" &
  AGENT_PIDS[$name]=$!
}

await_agent() {
  local name=$1 pid=${AGENT_PIDS[$1]}
  if ! wait_for 180 "agent $name notice" agent_ready "$name" "$pid"; then
    cat "$W/$name.err" >&2
    return 1
  fi
  if ! file_has "$W/$name.err" 'capturing input events'; then
    log "agent $name exited before capturing:"
    cat "$W/$name.err" >&2
    return 1
  fi
  log "agent $name: $(grep 'capturing input events' "$W/$name.err")"
}

start_agent() { launch_agent "$@" && await_agent "$1"; }

agent_ready() {
  file_has "$W/$1.err" 'capturing input events' || ! kill -0 "$2" 2>/dev/null
}

# stop_agent NAME: SIGINT, wait (bounded) for its exit, require exit status 0 and a
# final stats record; copy its output to $O.
stop_agent() {
  local name=$1 pid=${AGENT_PIDS[$1]} rc
  kill -INT "$pid" 2>/dev/null
  if ! wait_for 60 "agent $name to exit" proc_gone "$pid"; then
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
  rc=$?
  cp "$W/$name.jsonl" "$W/$name.err" "$O/" 2>/dev/null
  if [ "$rc" -ne 0 ]; then
    log "agent $name exited $rc:"
    cat "$W/$name.err" >&2
    return 1
  fi
  if ! tail -1 "$W/$name.jsonl" | grep -q '"record":"stats"'; then
    log "agent $name: no stats record at the end of its output"
    return 1
  fi
}

# proc_gone PID: the process has exited (a zombie counts as gone).
proc_gone() {
  ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# stat_of NAME FIELD: a field of the agent's stats record.
stat_of() {
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("record") == "stats": print(r[sys.argv[2]])' "$W/$1.jsonl" "$2"
}

# --- devices and evemu -----------------------------------------------------------------

# create_device NAME FILE: evemu-device FILE in the background; wait for its node.
# Sets DEV_PID, NODE (/dev/input/eventN) and SYSNAME (inputN).
create_device() {
  guest_only || return 1
  local name=$1 file=$2
  evemu-device "$file" > "$W/$name.dev" 2>&1 &
  DEV_PID=$!
  if ! wait_for 30 "evemu-device $name" file_has "$W/$name.dev" '/dev/input/event[0-9]+'; then
    cat "$W/$name.dev" >&2
    return 1
  fi
  NODE=$(grep -Eo '/dev/input/event[0-9]+' "$W/$name.dev" | head -1)
  wait_for 10 "$NODE" test -c "$NODE" || return 1
  SYSNAME=$(sysname_of "$NODE")
  log "device $name: $NODE $SYSNAME ($(cat "/sys/class/input/$SYSNAME/name"))"
}

# sysname_of /dev/input/eventN: its input device's sysfs name, inputM.
sysname_of() {
  basename "$(readlink -f "/sys/class/input/$(basename "$1")/device")"
}

# destroy_device PID: end evemu-device (it destroys its uinput device on SIGTERM).
destroy_device() {
  kill -TERM "$1" 2>/dev/null
  wait_for 20 "evemu-device $1 to exit" proc_gone "$1"
  wait "$1" 2>/dev/null
  return 0
}

# start_record NAME NODE: evemu-record NODE > $W/NAME.evemu in the background, and
# wait until it has written its header (it has the node open by then, so evdev
# delivers the device's events from here on). Sets REC_PID.
start_record() {
  guest_only || return 1
  local name=$1 node=$2
  rm -f "$W/$name.evemu"
  # line-buffered: evemu-record writes its header with stdio and flushes only per
  # event; its closing banner comes after open() and EVIOCSCLOCKID
  stdbuf -oL evemu-record "$node" > "$W/$name.evemu" 2> "$W/$name.rec.err" &
  REC_PID=$!
  wait_for 30 "evemu-record $name header" file_has "$W/$name.evemu" '^#      Waiting for events' || {
    cat "$W/$name.rec.err" >&2
    return 1
  }
}

# stop_record NAME PID: SIGINT evemu-record (it flushes and exits); copy its file to $O.
stop_record() {
  kill -INT "$2" 2>/dev/null
  wait_for 20 "evemu-record $1 to exit" proc_gone "$2" || kill -KILL "$2" 2>/dev/null
  wait "$2" 2>/dev/null
  cp "$W/$1.evemu" "$O/" 2>/dev/null
  return 0
}

# finish_record NAME NODE: mark the end of NODE's stream, wait until evemu-record
# has read the marker, stop it. Uses REC_PID.
finish_record() {
  local name=$1 node=$2
  mark_end "$node" || return 1
  wait_for 30 "end marker in $name.evemu" evemu_has_mark "$W/$name.evemu" || return 1
  stop_record "$name" "$REC_PID"
}

# replay NAME NODE FILE: record NODE, replay FILE into it with evemu-play, finish.
replay() {
  local name=$1 node=$2 file=$3
  start_record "$name" "$node" || return 1
  evemu-play "$node" < "$file" || { log "evemu-play $name failed"; return 1; }
  finish_record "$name" "$node"
}

# mark_end NODE: inject the end marker frame into NODE's stream (see MARK).
mark_end() {
  guest_only || return 1
  evemu-event "$1" --type EV_SYN --code SYN_CONFIG --value "$MARK" --sync
}

# evemu_has_mark FILE / agent_has_mark FILE DEV: the marker has reached that stream.
evemu_has_mark() { file_has "$1" "^E: [0-9.]+ 0000 0001 0*$MARK([^0-9]|$)"; }
agent_has_mark() {
  file_has "$1" "\"dev\":$2,.*\"code\":\"SYN_CONFIG\",\"value\":${MARK}[,}]"
}

# --- checks ------------------------------------------------------------------------------

# result NAME STATUS [WHY]: record one check's outcome (STATUS 0 = ok).
result() {
  local name=$1 st=$2 why=${3:-}
  if [ "$st" -eq 0 ]; then
    echo "ok $name" | tee -a "$O/results"
  else
    echo "FAIL $name${why:+: $why}" | tee -a "$O/results"
  fi
}

# setup STEP CMD [ARG]...: a step that checks depend on; a failure is reported as the
# failed check "setup-STEP" (the checks that needed it fail on their own), and the
# work files so far are copied to $O for a post-mortem.
setup() {
  local step=$1
  shift
  "$@" && return 0
  result "setup-$step" 1
  [ "$W" = "$O" ] || cp -r "$W/." "$O/" 2>/dev/null
  return 1
}

# check NAME CMD [ARG]...: run CMD (a shell function) and record its outcome.
check() {
  local name=$1
  shift
  log "--- check $name"
  "$@"
  result "$name" $?
}

# compare_streams COMPARE-ARGS...: compare.py (AGENT-JSONL EVEMU-FILE SELECTOR [OPTIONS])
# on the monotonic sec/usec, exactly, and as a second opinion on the wall-clock "time"
# (±1 µs: each clock is truncated to µs on its own; see compare.py).
compare_streams() {
  python3 "$COMPARE" "$@" || return 1
  python3 "$COMPARE" --clock real --tolerance-us 1 --quiet "$@" || return 1
}

# same_events A.jsonl B.jsonl [DEV...]: the two captures hold the same event records
# (dev, time, type, code, value), in the same order; devices DEV left out.
same_events() {
  python3 - "$@" <<'PY'
import json, sys
skip = {int(d) for d in sys.argv[3:] if d}
def ev(p):
    out = []
    for l in open(p):
        r = json.loads(l)
        if r.get("record") == "event" and r["dev"] not in skip:
            out.append((r["dev"], r["sec"], r["usec"], r["type"], r["code"], r["value"], r.get("time")))
    return out
a, b = ev(sys.argv[1]), ev(sys.argv[2])
if a == b and a:
    print(f"same_events: {len(a)} identical events")
    sys.exit(0)
print(f"same_events: {sys.argv[1]} has {len(a)} events, {sys.argv[2]} {len(b)}")
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print(f"  first difference at #{i}:\n    {x}\n    {y}")
        break
sys.exit(1)
PY
}

# node_by_name NAME: /dev/input/eventN of the (first) input device called NAME.
node_by_name() {
  local d
  for d in /sys/class/input/input*; do
    if [ "$(cat "$d/name" 2>/dev/null)" = "$1" ]; then
      for e in "$d"/event*; do
        [ -e "$e" ] && { echo "/dev/input/$(basename "$e")"; return 0; }
      done
    fi
  done
  return 1
}
