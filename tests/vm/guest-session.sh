#!/bin/bash
# tests/vm/guest-session.sh - VM boot "session" of `make test-vm` (tests/vm/run.sh):
# participation (issue 11, docs/participation.md) on real capture. A dbus-daemon
# system bus with python3-dbusmock's logind template (not systemd-logind: it needs
# systemd as PID 1 to create sessions) is driven by tests/vm/session_drive.py while
# a uinput keyboard types, one key per phase, into an agent with --participation
# opt-in and a known --subject-key: nobody logged in, alice before and after
# `ctl participate yes`, locked, the greeter, bob (never agreed), back to alice, right
# after `ctl participate no` returned, again after yes, while the seat switches between
# alice and bob (both agreed) mid-typing, and after an agent restart; then an agent
# with --participation everyone and no key: alice recorded without a subject, the
# greeter not, nothing once the system bus died, alice again on a new bus; then
# --participation opt-out: carol (never chose) recorded, and not after her no; then
# opt-in with --user nobody: carol's yes saved by that user, her typing recorded;
# and --format evemu: a "# subject" comment before her events in the device's file.
# The checks count each phase's key in the output and compare every subject with an
# HMAC computed here with Python's hmac; then export and erase round-trip on a copy.
#
# check: session-nothing-without-session
# check: session-non-participants-not-recorded
# check: session-nothing-locked-or-greeter
# check: session-participant-recorded-with-subject
# check: session-withdrawal-before-return
# check: session-choices-survive-restart
# check: session-everyone-with-logind
# check: session-bus-lost-and-back
# check: session-opt-out
# check: session-user-saves-choices
# check: session-evemu-subject-comment
# check: session-records
# check: session-switch-mid-typing
# check: session-ctl-replies
# check: session-status-file
# check: session-export-erase
# check: session-no-logind-exit-1
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
# the subject key: bytes 00..1f (docs/participation.md's example)
KEYHEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

checks() {
  load_vars
  check session-nothing-without-session keys_check no-session
  check session-non-participants-not-recorded keys_check non-participant
  check session-nothing-locked-or-greeter keys_check locked-greeter
  check session-participant-recorded-with-subject keys_check participant
  check session-withdrawal-before-return keys_check withdrawal
  check session-choices-survive-restart keys_check restart
  check session-everyone-with-logind keys_check everyone
  check session-bus-lost-and-back keys_check bus-lost
  check session-opt-out keys_check opt-out
  check session-user-saves-choices user_check
  check session-evemu-subject-comment python3 - "$O/evemu" "$KEYHEX" <<'PY'
import glob, hashlib, hmac, sys
carol = hmac.new(bytes.fromhex(sys.argv[2]), b"uid:1002", hashlib.sha256).hexdigest()[:32]
files = glob.glob(f"{sys.argv[1]}/*.evemu")
lines = [l.rstrip("\n") for l in open(files[0])]
subj = [l for l in lines if l.startswith("# subject ")]
first_e = next(i for i, l in enumerate(lines) if l.startswith("E: "))
keys = [l for l in lines if l.startswith("E: ") and " 0001 002d " in l]
print(files, subj, f"{len(keys)} KEY_X events")
assert len(files) == 1 and subj == ["# subject " + carol], subj
assert lines.index(subj[0]) < first_e and len(keys) == 6
PY
  check session-records records_check
  check session-switch-mid-typing split_check
  check session-ctl-replies ctl_check
  check session-status-file python3 - "$O/status.recording" "$O/status.locked" <<'PY'
import sys
rec, locked = (dict(l.rstrip("\n").split("=", 1) for l in open(p) if "=" in l and not l.startswith("#"))
               for p in sys.argv[1:3])
print({k: rec[k] for k in ("participation", "recording", "why")},
      {k: locked[k] for k in ("participation", "recording", "why")})
assert (rec["participation"], rec["recording"], rec["why"]) == ("opt-in", "yes", "active")
assert (locked["participation"], locked["recording"], locked["why"]) == ("opt-in", "no", "locked")
PY
  check session-export-erase export_erase
  check session-no-logind-exit-1 python3 - "$O/nobus.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
err = r["err"].strip().splitlines()
print(r["rc"], err)
assert r["rc"] == 1 and len(err) == 1 and "system bus" in err[0], r
assert "nobus.jsonl" not in r["left"] and "nobus-state" not in r["left"], r["left"]
PY
}

# keys_check WHICH: the phases' keys counted in a.jsonl and b.jsonl
keys_check() {
  python3 - "$1" "$O" "$KEYHEX" <<'PY'
import hashlib, hmac, json, sys
which, o, keyhex = sys.argv[1:4]
key = bytes.fromhex(keyhex)
def subject(uid):
    return hmac.new(key, b"uid:%d" % uid, hashlib.sha256).hexdigest()[:32]
recs = {n: [json.loads(l) for l in open(f"{o}/{n}.jsonl")] for n in ("a", "b", "c", "d", "e")}
phases = json.load(open(f"{o}/phases.json"))
sel = {"no-session": ["KEY_Q"], "non-participant": ["KEY_W", "KEY_U"],
       "locked-greeter": ["KEY_R", "KEY_Y"], "participant": ["KEY_E", "KEY_T", "KEY_I", "KEY_A", "KEY_D"],
       "withdrawal": ["KEY_O"], "restart": ["KEY_P"], "everyone": ["KEY_F", "KEY_G"],
       "bus-lost": ["KEY_H", "KEY_J"], "opt-out": ["KEY_K", "KEY_L"],
       "user": ["KEY_Z"]}[which]
stats = [r for r in recs["a"] if r["record"] == "stats"][-1]
print(f"a.jsonl: seen {stats['seen']}, written {stats['written']}, paused {stats['paused']}")
for k in sel:
    ph = [p for p in phases if p["key"] == k]
    assert ph, f"phase {k} never ran"
    ph = ph[0]
    evs = [r for n in ("a", "b", "c", "d", "e") for r in recs[n] if r["record"] == "event" and r.get("code") == k]
    print(f"{k} ({ph['what']}): {len(evs)} key events, expected {6 if ph['recorded'] else 0}")
    if not ph["recorded"]:
        assert not evs, evs[:2]
        continue
    assert len(evs) == 6, len(evs)
    want = subject(ph["uid"]) if ph["uid"] else None
    subs = {r.get("subject") for r in evs}
    print(f"  subject {subs} (hmac of uid {ph['uid']}: {want})")
    assert subs == {want}, subs
# nothing typed while not recorded was copied: every such event counted as paused
# (each phase 3 x (key + SYN) x 2 = 12 events)
unrec = sum(12 for p in phases if not p["recorded"] and p["key"] in ("KEY_Q", "KEY_W", "KEY_R", "KEY_Y", "KEY_U", "KEY_O"))
assert stats["paused"] >= unrec, (stats["paused"], unrec)
# no uid or user name anywhere
for n in ("a", "b", "c", "d", "e"):
    for r in recs[n]:
        assert "uid" not in r and "user" not in r, r
PY
}

# --user nobody: carol's yes recorded and saved into the directory given to nobody
user_check() {
  keys_check user || return 1
  python3 - "$O/user-state.json" "$O/state/participation" "$(id -u nobody)" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
print(st, lines)
nobody = int(sys.argv[3])
assert st["uid"] == nobody and st["dir_uid"] == nobody and st["mode"] == 0o600, st
assert any(l.startswith("1002 yes ") for l in lines), lines
PY
}

records_check() {
  python3 - "$O" "$KEYHEX" <<'PY'
import hashlib, hmac, json, sys
o, keyhex = sys.argv[1:3]
alice = hmac.new(bytes.fromhex(keyhex), b"uid:1000", hashlib.sha256).hexdigest()[:32]
bob = hmac.new(bytes.fromhex(keyhex), b"uid:1001", hashlib.sha256).hexdigest()[:32]
recs = [json.loads(l) for l in open(f"{o}/a.jsonl")]
ses = [(r["why"], r["recording"], r.get("subject")) for r in recs if r["record"] == "session"]
print("session records:", [w for w, _, _ in ses])
# a subject only while recording: alice's, and bob's once he agreed (the last switches)
assert all((s in (alice, bob)) if rec else (s is None) for _, rec, s in ses), ses
assert [s for _, rec, s in ses if rec].index(bob) > 3
whys = [w for w, _, _ in ses]
for w in ("no-session", "not-participating", "active", "locked", "greeter"):
    assert w in whys, w
part = [(r["choice"], r["subject"], r["notice"], r["mode"]) for r in recs if r["record"] == "participation"]
print("participation records:", part)
assert part == [("yes", alice, 1, "opt-in"), ("no", alice, 1, "opt-in"), ("yes", alice, 1, "opt-in"),
                ("yes", bob, 1, "opt-in")], part
PY
}

# every event carries the subject of the last session record before it, and none
# comes after a recording:false before the next recording:true; the switches while
# KEY_S was typed split it between alice and bob
split_check() {
  python3 - "$O" "$KEYHEX" <<'PY'
import collections, hashlib, hmac, json, sys
o, keyhex = sys.argv[1:3]
sub = {hmac.new(bytes.fromhex(keyhex), b"uid:%d" % u, hashlib.sha256).hexdigest()[:32]: n
       for u, n in ((1000, "alice"), (1001, "bob"))}
cur, n, bad = None, 0, []
by = collections.Counter()
for l in open(f"{o}/a.jsonl"):
    r = json.loads(l)
    if r["record"] == "session":
        cur = r.get("subject") if r["recording"] else None
    elif r["record"] in ("event", "loss"):
        n += 1
        if r.get("subject") != cur or cur is None:
            bad.append((r, cur))
        if r.get("code") == "KEY_S" and r["value"] == 1:
            by[sub.get(r.get("subject"), "?")] += 1
ph = [p for p in json.load(open(f"{o}/phases.json")) if p["key"] == "KEY_S"][0]
print(f"{n} event/loss records, each under its session's subject: {not bad}; "
      f"KEY_S presses typed {ph['sent']}, recorded {dict(by)}")
assert not bad, bad[:3]
assert by["alice"] > 0 and by["bob"] > 0 and set(by) <= {"alice", "bob"}, by
assert by["alice"] + by["bob"] <= ph["sent"]
PY
}

ctl_check() {
  python3 - "$O/ctl.jsonl" "$O/state/participation" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for r in rows:
    print(r["uid"], " ".join(r["words"]), "->", r["rc"], (r["out"] or r["err"]).strip().splitlines())
def row(uid, *words):
    return next(r for r in rows if r["uid"] == uid and r["words"] == list(words))
assert row(1000, "status")["rc"] == 0 and "choice=none" in row(1000, "status")["out"]
assert row(1000, "yes", "notice=2")["rc"] == 1 and "notice changed" in row(1000, "yes", "notice=2")["err"]
assert row(1001, "status", "uid=1000")["rc"] == 1 and "permission denied" in row(1001, "status", "uid=1000")["err"]
assert row(1000, "no")["rc"] == 0 and "choice=no" in row(1000, "no")["out"]
lst = row(0, "list")
assert lst["rc"] == 0 and lst["out"].startswith("ok 1 choices\nuid=1000 "), lst
lines = open(sys.argv[2]).read().splitlines()
print("participation file:", lines)
assert lines[0] == "inputtrace-participation 1" and lines[1].startswith("1000 yes ") and lines[1].endswith(" 1")
PY
}

# export, then erase, on a copy of a.jsonl: the subject's lines exactly, the rest untouched
export_erase() {
  local subj
  subj=$(python3 -c 'import hashlib,hmac,sys; print(hmac.new(bytes.fromhex(sys.argv[1]), b"uid:1000", hashlib.sha256).hexdigest()[:32])' "$KEYHEX")
  rm -rf "$O/ee" && mkdir -p "$O/ee" && cp "$O/a.jsonl" "$O/ee/a.jsonl" || return 1
  "$AGENT" subject export "$subj" "$O/ee/a.jsonl" > "$O/ee/export.jsonl" || return 1
  "$AGENT" subject erase "$subj" "$O/ee/a.jsonl" > "$O/ee/erase.out" 2>&1 || return 1
  cat "$O/ee/erase.out"
  python3 - "$O/a.jsonl" "$O/ee/export.jsonl" "$O/ee/a.jsonl" "$subj" <<'PY'
import json, sys
orig, exp, left = (open(p, "rb").read().splitlines(keepends=True) for p in sys.argv[1:4])
subj = sys.argv[4]
mine = [l for l in orig if json.loads(l).get("subject") == subj]
print(f"{len(orig)} lines, {len(mine)} of the subject, exported {len(exp)}, left {len(left)}")
assert mine and exp == mine
assert left == [l for l in orig if json.loads(l).get("subject") != subj]
PY
  grep -q "erased $(wc -l < "$O/ee/export.jsonl") records" "$O/ee/erase.out" || return 1
  # nothing left to export: exit 1
  ! "$AGENT" subject export "$subj" "$O/ee/a.jsonl" > /dev/null 2>&1
}

case ${1:-} in
  check) checks ;;
esac
[ "${1:-}" = check ] && exit 0

# --- capture phase, in the VM ---------------------------------------------------------------
setup kbd-device create_device kbd "$KBD" || exit 0
KBD_NODE=$NODE
printf '%s\n' "$KEYHEX" > "$W/subject.key" && chmod 600 "$W/subject.key"
# session_drive.py: the bus, the mock, the agents, the typing
setup drive python3 "$TOP/tests/vm/session_drive.py" "$TOP" "$AGENT" "$W" "$KBD_NODE"
destroy_device "$DEV_PID"
save_vars KBD_NODE
exit 0
