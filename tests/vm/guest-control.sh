#!/bin/bash
# tests/vm/guest-control.sh - VM boot "control" of `make test-vm` (tests/vm/run.sh): no
# client of the control socket can stall capture (issue 14, defect 1). An agent with a
# 64 KiB ring buffer (--ring-size 64K) and a control socket records a steady stream
# of injected mouse motion (tests/vm/rel_stream.py, RATE events/s) while
# tests/vm/ctl_attack.py keeps 20 silent clients and one dripping a byte every 0.9 s
# connected and sends bursts of 100 parallel "status" requests. Meanwhile
# tests/vm/ctl_probe.py sends status, pause, status, resume, over and over, timing
# each answer (within 1 s, all of them), and `inputtrace ctl` itself is run the same
# way (it must succeed; its wall time, mostly exec under TCG, is reported). Before the
# fix each silent client held the agent's loop for a second: the ring buffer
# overflowed (59% of the events lost in the issue's run) and requests went unanswered
# for seconds.
#
# check: control-no-events-lost
# check: control-ctl-answered-within-1s
# check: control-ctl-cli-works
# check: control-parallel-clients-answered
# check: control-slow-clients-closed
# check: control-bad-requests-log-limited
. tests/vm/lib.sh

RATE=${RATE:-6000}	# events/s (frames of REL_X + SYN_REPORT)
ATTACK=${ATTACK:-20}	# seconds of attack
MOUSE=$RECORDINGS/mouse-ps2-generic.desc
SOCK=$W/ctl.sock

checks() {
  load_vars
  check control-no-events-lost python3 - "$O/a.jsonl" "$O/stream.txt" <<'PY'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if '"record":"stats"' in l][-1]
sent = int(open(sys.argv[2]).read().split()[0])
print(f"stream: {sent} events sent; agent: seen {st['seen']}, written {st['written']}, "
      f"paused {st['paused']}, lost {st['lost']}, device records lost {st['device_records_lost']}")
assert st["lost"] == 0 and st["device_records_lost"] == 0 and st["truncated"] == 0, st
# every event sent reached the programs: written, or counted while paused
assert st["written"] + st["paused"] >= sent, (sent, st)
PY
  check control-ctl-answered-within-1s python3 - "$O/probe.txt" <<'PY'
import sys
want = {"pause": "ok paused", "resume": "ok capturing"}
rows = [l.split(None, 2) for l in open(sys.argv[1])]
lat = sorted(float(r[1]) for r in rows)
print(f"{len(rows)} requests, median {lat[len(lat) // 2] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms")
bad = []
for cmd in ("status", "pause", "resume"):
    mine = [r for r in rows if r[0] == cmd]
    print(f"  {cmd}: {len(mine)}, max {max(float(r[1]) for r in mine) * 1000:.1f} ms")
    assert len(mine) >= 10, f"only {len(mine)} {cmd} requests during the attack"
    bad += [r for r in mine if float(r[1]) >= 1.0 or
            not (r[2].strip() == want[cmd] if cmd in want else r[2].startswith("ok "))]
for r in bad[:10]:
    print("  slow or wrong:", " ".join(r).strip())
assert not bad, f"{len(bad)} of {len(rows)} not answered right within 1 s"
PY
  check control-ctl-cli-works python3 - "$O/cli.txt" <<'PY'
import sys
rows = [l.split(None, 3) for l in open(sys.argv[1])]
bad = [r for r in rows if r[2] != "0"]
lat = sorted(float(r[1]) for r in rows)
# wall time of the whole command, exec and dynamic loading included (reported: under
# TCG most of it is starting the process)
print(f"{len(rows)} inputtrace ctl commands, median {lat[len(lat) // 2]:.3f} s, max {lat[-1]:.3f} s")
for r in bad[:10]:
    print("  failed:", " ".join(r).strip())
assert len(rows) >= 8 and not bad, f"{len(bad)} of {len(rows)} failed"
PY
  check control-parallel-clients-answered python3 - "$O/attack.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
print(a)
# all answered; their latency (reported) counts the attacker's own time opening 100
# sockets on the VM's one CPU
assert a["parallel"] >= 500 and a["ok"] == a["parallel"] and a["no_answer"] == 0 and not a["errors"], a
PY
  check control-slow-clients-closed python3 - "$O/attack.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
# each silent client closed at its 1 s deadline, again and again; the dripping one too
# however often it sends
assert a["silent_closed"] >= 20 * 5 and a["drip_closed"] >= 5, a
print(f"silent clients closed {a['silent_closed']} times, the dripping one {a['drip_closed']} times")
PY
  check control-bad-requests-log-limited python3 - "$O/a.err" "$ATTACK" <<'PY'
import sys
lines = [l for l in open(sys.argv[1]) if "control socket:" in l]
limit = 2 * (int(sys.argv[2]) // 10 + 2)	# two limiters, one line each per 10 s
print(f"{len(lines)} control socket lines (at most {limit})")
for l in lines:
    print("  " + l.rstrip())
assert 1 <= len(lines) <= limit
PY
}
case ${1:-} in
  check) checks ;;
esac
[ "${1:-}" = check ] && exit 0

# --- capture phase, in the VM ---------------------------------------------------------------
setup mouse create_device mouse "$MOUSE" || exit 0
M_NODE=$NODE
setup agent start_agent a --ring-size 64K --control-socket "$SOCK" --device "$M_NODE" || exit 0
python3 "$TOP/tests/vm/rel_stream.py" "$M_NODE" "$RATE" $((ATTACK + 6)) "$W/stream.txt" \
  > "$W/stream.log" 2>&1 &
STREAM_PID=$!
has_rel() { file_has "$W/a.jsonl" '"type":"EV_REL"'; }
setup stream-flowing wait_for 30 "motion in the agent's output" has_rel || exit 0

# the attack; meanwhile the operator's requests, timed in a process that stays up
# (ctl_probe.py), and `inputtrace ctl` itself ("CMD SECONDS RC ANSWER")
python3 "$TOP/tests/vm/ctl_attack.py" "$SOCK" "$ATTACK" "$W/attack.json" ${ATTACK_ARGS:-} > "$W/attack.log" 2>&1 &
ATTACK_PID=$!
rm -f "$W/probe.stop" "$W/cli.txt"
python3 "$TOP/tests/vm/ctl_probe.py" "$SOCK" "$W/probe.txt" "$W/probe.stop" &
PROBE_PID=$!
cli() {
  local t0=${EPOCHREALTIME/./} out rc
  out=$(timeout 20 "$AGENT" ctl "$1" --socket "$SOCK" $([ "$1" = status ] && echo --status-file "$W/a.status") 2>&1)
  rc=$?
  printf '%s %s %s %s\n' "$1" "$(( ${EPOCHREALTIME/./} - t0 ))e-6" "$rc" "$(echo "$out" | head -1)" >> "$W/cli.txt"
}
while kill -0 "$ATTACK_PID" 2>/dev/null; do	# paced: exec is costly under TCG
  for c in status pause status resume; do cli $c; sleep 0.5; done
done
ps -eo pid,times,comm --sort=-times | head -8 > "$W/cpu.txt"
log "CPU seconds so far: $(tr '\n' ';' < "$W/cpu.txt")"
touch "$W/probe.stop"
wait "$ATTACK_PID"
wait "$PROBE_PID"
log "attack: $(cat "$W/attack.log")"
wait "$STREAM_PID"
log "$(cat "$W/stream.log")"
setup mark mark_end "$M_NODE"
setup agent-drained wait_for 60 "the end marker in the agent's output" agent_has_mark "$W/a.jsonl" "${SYSNAME#input}"
setup stop-agent stop_agent a
save_vars ATTACK RATE
exit 0
