#!/bin/bash
# tests/vm/guest-focus.sh - VM boot "focus" of `make test-vm` (tests/vm/run.sh): the
# application context in the agent (docs/context.md). An agent with --apps,
# --pause-apps, --tools and a control socket for the group "users" records a uinput
# keyboard (read by evemu-record meanwhile, as a session would) while
# tests/vm/focus_client.py, standing in for the session's focus helper (one process,
# as root), reports the focus between typing phases: gedit (listed) -> KEY_A,
# xterm (other) -> KEY_B, secretapp (pause-listed) -> KEY_C, org.gnome.TextEditor
# (listed) -> KEY_D; then it exits (the helper is gone: "unknown") -> KEY_E. A client
# as nobody (not root, not in the group) is refused -> KEY_F; one as nobody with the
# group as its primary group is accepted and exits. A copy of sleep on --tools runs
# twice (exit 0, exit 1), the real sleep once.
#
# check: focus-records-in-order
# check: focus-join-rule
# check: focus-pause-not-recorded
# check: focus-other-uid-refused
# check: focus-lists-stated
# check: tool-start-stop-records
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
SOCK=$W/ctl.sock

checks() {
  load_vars
  check focus-records-in-order python3 - "$O/f.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
seq = []
for r in recs:
    if r["record"] == "focus":
        seq.append(r["app"] + ("/" + r["paused_by"] if "paused_by" in r else ""))
    elif r["record"] in ("pause", "resume"):
        seq.append(f'{r["record"]}:{r["via"]}')
print(" ".join(seq))
assert seq == ["unknown", "gedit", "other", "pause:focus", "other/secretapp", "resume:focus",
               "org.gnome.TextEditor", "unknown", "gedit", "unknown"], seq
PY
  check focus-join-rule python3 - "$O/f.jsonl" <<'PY'
import collections, json, sys
cur, at, by_key = None, None, collections.defaultdict(list)
ts = lambda r: (r["sec"], r["usec"])
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["record"] == "focus":
        # the file's order is the clock's: no event before it is later than it
        assert at is None or ts(r) >= at, (r, at)
        cur, at = r["app"], ts(r)
    elif r["record"] == "event":
        assert at is None or ts(r) >= at, (r, at)
        at = ts(r)
        if r["type"] == "EV_KEY":
            by_key[r["code"]].append(cur)
want = {"KEY_A": "gedit", "KEY_B": "other", "KEY_D": "org.gnome.TextEditor",
        "KEY_E": "unknown", "KEY_F": "unknown"}
for k, app in want.items():
    print(f"{k}: {len(by_key[k])} events, under {sorted(set(by_key[k]))}")
    # 3 presses and 3 releases, each after the focus record it belongs to
    assert by_key[k] == [app] * 6, (k, by_key[k])
PY
  check focus-pause-not-recorded python3 - "$O/f.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
st = [r for r in recs if r["record"] == "stats"][-1]
keys_c = [r for r in recs if r["record"] == "event" and r.get("code") == "KEY_C"]
print(f"KEY_C events recorded: {len(keys_c)}; paused (not copied by the kernel): {st['paused']}; "
      f"focus counters: {st['focus']}")
# 3 presses and 3 releases, each a frame of MSC_SCAN, the key and SYN_REPORT
assert not keys_c and st["paused"] >= 18, st
assert st["focus"]["pauses"] == 1, st["focus"]
PY
  check focus-other-uid-refused python3 - "$O/f.jsonl" "$O/nobody.txt" "$O/member.txt" <<'PY'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if '"record":"stats"' in l][-1]
nobody, member = open(sys.argv[2]).read().strip(), open(sys.argv[3]).read().strip()
print(f"nobody: {nobody}\nmember of the group: {member}\nfocus counters: {st['focus']}")
assert nobody == ("focus gedit -> error: focus report from uid 65534 refused: not root nor in "
                  "the control group (no session tracking)"), nobody
assert member == "focus gedit -> ok focus", member
assert st["focus"]["refused_uid"] == 1 and st["focus"]["malformed"] == 0, st["focus"]
PY
  check focus-lists-stated python3 - "$O/f.jsonl" "$O/f.err" "$O/status.txt" <<'PY'
import json, sys
h = json.loads(open(sys.argv[1]).readline())["settings"]
err, status = open(sys.argv[2]).read(), open(sys.argv[3]).read()
print("header:", h["focus"], h["apps"], h["pause_apps"][:4], "...", h["tools"])
assert h["focus"] is True and h["apps"] == ["gedit", "org.gnome.TextEditor"]
assert h["pause_apps"][0] == "secretapp" and "org.keepassxc.KeePassXC" in h["pause_apps"]
assert len(h["tools"]) == 1 and h["tools"][0].endswith("/mytool")
line = [l for l in err.splitlines() if "application context: apps=gedit,org.gnome.TextEditor" in l]
print("notice:", line[0][:160] if line else None)
assert line and "pause-apps=secretapp,org.keepassxc.KeePassXC" in line[0]
focus = [l for l in status.splitlines() if l.startswith("focus=")]
print("status:", focus[0][:160] if focus else None)
assert focus and "apps=gedit,org.gnome.TextEditor" in focus[0] and "tools=" in focus[0]
PY
  check tool-start-stop-records python3 - "$O/f.jsonl" "$O/tools.txt" <<'PY'
import json, sys
tools = [json.loads(l) for l in open(sys.argv[1]) if '"record":"tool"' in l]
pids = [int(p) for p in open(sys.argv[2]).read().split()]
got = [(t["event"], t["pid"], t.get("exit_code")) for t in tools]
print(f"tool records: {got}; the tool's pids: {pids}")
assert all(t["tool"].endswith("/mytool") for t in tools)
# exit(0), then exit(1) as a wait status; the real sleep: nothing
assert got == [("start", pids[0], None), ("stop", pids[0], 0),
               ("start", pids[1], None), ("stop", pids[1], 256)], got
PY
}
case ${1:-} in
  check) checks ;;
esac
[ "${1:-}" = check ] && exit 0

# --- capture phase, in the VM ---------------------------------------------------------------
# KEY as evemu E: lines, pressed and released 3 times: MSC_SCAN (HID usage), key, SYN
gen_keys() {
  python3 - "$1" "$2" <<'PY'
import sys
code, usage = int(sys.argv[1]), int(sys.argv[2], 16)
t = 0.0
for _ in range(3):
    for v in (1, 0):
        t += 0.02
        print(f"E: {t:.6f} 0004 0004 {0x70000 + usage:04d}")
        print(f"E: {t:.6f} 0001 {code:04x} {v:04d}")
        print(f"E: {t:.6f} 0000 0000 0000")
PY
}
gen_keys 30 04 > "$W/a.events"	# KEY_A
gen_keys 48 05 > "$W/b.events"	# KEY_B
gen_keys 46 06 > "$W/c.events"	# KEY_C
gen_keys 32 07 > "$W/d.events"	# KEY_D
gen_keys 18 08 > "$W/e.events"	# KEY_E
gen_keys 33 09 > "$W/f.events"	# KEY_F
cp "$TOP/tests/vm/focus_client.py" "$W/focus_client.py"
cp /bin/sleep "$W/mytool"

setup kbd create_device kbd "$KBD" || exit 0
KBD_NODE=$NODE
setup agent start_agent f --keys raw --device "$KBD_NODE" --control-socket "$SOCK" \
  --control-group users --apps gedit,org.gnome.TextEditor --pause-apps secretapp \
  --tools "$W/mytool" || exit 0
cp "$W/f.status" "$W/status.txt"
setup record start_record kbd "$KBD_NODE" || exit 0

# the helper's stand-in: one process for the whole sequence, as root
setup helper python3 "$W/focus_client.py" "$SOCK" focus:gedit "type:$KBD_NODE:$W/a.events" \
  focus:xterm "type:$KBD_NODE:$W/b.events" focus:secretapp "type:$KBD_NODE:$W/c.events" \
  focus:org.gnome.TextEditor "type:$KBD_NODE:$W/d.events" > "$W/helper.txt" 2>&1 || exit 0
log "helper: $(tr '\n' ';' < "$W/helper.txt")"
# it exited: "unknown" (flushed within a second)
n_unknown() { [ "$(grep -c '"record":"focus".*"app":"unknown"' "$W/f.jsonl")" -ge "$1" ]; }
setup helper-gone wait_for 30 "the helper's exit recorded" n_unknown 2 || exit 0
log "the helper's exit recorded"
setup type-e evemu-play "$KBD_NODE" < "$W/e.events" || exit 0
# another user: refused; typing goes on under "unknown"
setup nobody setpriv --reuid=65534 --regid=65534 --clear-groups \
  python3 "$W/focus_client.py" "$SOCK" focus:gedit > "$W/nobody.txt" 2>&1 || exit 0
setup type-f evemu-play "$KBD_NODE" < "$W/f.events" || exit 0
# a member of the control group (its primary group): accepted, then gone
setup member setpriv --reuid=65534 --regid="$(getent group users | cut -d: -f3)" --clear-groups \
  python3 "$W/focus_client.py" "$SOCK" focus:gedit > "$W/member.txt" 2>&1 || exit 0
setup member-gone wait_for 30 "the member's exit recorded" n_unknown 3 || exit 0

# tools: the copy of sleep, twice (exit 0, then exit 1 on a bad argument); sleep itself
# (wait PID: a bare wait would wait for evemu-device and evemu-record too)
"$W/mytool" 0.1 & echo $! > "$W/tools.txt"; wait $!
"$W/mytool" bogus 2> /dev/null & echo $! >> "$W/tools.txt"; wait $!
/bin/sleep 0.1
log "tools run: pids $(tr '\n' ' ' < "$W/tools.txt")"
n_tools() { [ "$(grep -c '"record":"tool"' "$W/f.jsonl")" -ge 4 ]; }
setup tools wait_for 30 "four tool records" n_tools || exit 0

setup mark mark_end "$KBD_NODE" || exit 0
setup agent-drained wait_for 60 "the end marker in the agent's output" agent_has_mark "$W/f.jsonl" "${SYSNAME#input}" || exit 0
stop_record kbd "$REC_PID"
setup stop-agent stop_agent f
save_vars
exit 0
