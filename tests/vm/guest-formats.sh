#!/bin/bash
# tests/vm/guest-formats.sh - VM boot "formats" of `make test-vm` (tests/vm/run.sh):
# --format evemu round trip (issue 3). For a keyboard, a PS/2 mouse and a multitouch
# touchpad from the real recordings:
#   pass 1: evemu-device + evemu-play each recording while the agent captures with
#           --format evemu --keys raw (evemu-record holds each node open, as a reader
#           must for evdev to deliver; it is also the reference);
#   pass 2: evemu-device each file the agent wrote (its N:/I:/P:/B:/A: description),
#           evemu-play the same file into it, capture again with --format evemu.
# The checks (on the host) require: pass 1's file has the events evemu-record read,
# and pass 2's file has the very same events as pass 1's (type, code, value, in order;
# autorepeats, which the kernel makes on its own clock, left out), and the devices
# created from the agent's files have the same capabilities as the originals.
# A jsonl and a gzip capture run alongside in pass 1, to check the header record and
# gzip output of a real agent run.
#
# check: evemu-kbd-as-recorded
# check: evemu-mouse-as-recorded
# check: evemu-touchpad-as-recorded
# check: evemu-kbd-round-trip
# check: evemu-mouse-round-trip
# check: evemu-touchpad-round-trip
# check: evemu-description-replayable
# check: agent-gzip-header
# check: names-whole-both-sources
# check: names-csv-not-formula
# check: names-escaped-text
# check: intervals-no-event-record
# check: intervals-count-replay
# check: intervals-class-equals-raw
# check: intervals-csv
# check: intervals-offline-equals-live
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
MOUSE_DESC=$RECORDINGS/mouse-ps2-generic.desc
MOUSE_EVENTS=$RECORDINGS/mouse-ps2-generic.events
TOUCHPAD=$RECORDINGS/touchpad-alps-glidepoint-2finger-tap.evemu
DEVS="kbd mouse touchpad"

# agent_start NAME ARGS...: an agent writing where ARGS say; waits for its notice.
agent_start() {
  local name=$1
  shift
  "$AGENT" --status-file "$W/$name.status" "$@" 2> "$W/$name.err" &
  AGENT_PIDS[$name]=$!
  await_agent "$name"
}
# agent_stop NAME: SIGINT, bounded wait, exit status 0 required.
agent_stop() {
  local pid=${AGENT_PIDS[$1]} rc
  kill -INT "$pid" 2>/dev/null
  wait_for 60 "agent $1 to exit" proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  [ "$rc" -eq 0 ] || { log "agent $1 exited $rc"; cat "$W/$1.err" >&2; return 1; }
}

# replay_kbd NAME NODE FILE: replay, then release KEY_C (the recording ends with it
# held) before the end marker, so evemu-record and the agent see the same release.
replay_kbd() {
  start_record "$1" "$2" || return 1
  evemu-play "$2" < "$3" || return 1
  evemu-event "$2" --type EV_KEY --code KEY_C --value 0 --sync || return 1
  finish_record "$1" "$2"
}

# the agent's evemu file for device sysname inputN in DIR
evemu_of() { ls "$1"/inputtrace-*-"$2".evemu 2>/dev/null | head -1; }

capture() {
  # the mouse's first 5 s, cut after a SYN_REPORT (as guest-uinput.sh does)
  awk '/^E:/ { if (!t0) t0 = $2; if ($2 - t0 > 5) exit; print }' "$MOUSE_EVENTS" |
    awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] !~ / 0000 0000 /) n--; for (i = 1; i <= n; i++) print l[i] }' \
    > "$W/mouse.events"
  # --- pass 1: the recordings -------------------------------------------------------
  setup kbd1-device create_device kbd1 "$KBD"; KBD1=$NODE KBD1_SYS=$SYSNAME
  setup mouse1-device create_device mouse1 "$MOUSE_DESC"; MOUSE1=$NODE MOUSE1_SYS=$SYSNAME
  setup touchpad1-device create_device touchpad1 "$TOUCHPAD"; TP1=$NODE TP1_SYS=$SYSNAME
  local devargs="-d $KBD1 -d $MOUSE1 -d $TP1"
  setup agent-evemu1 agent_start evemu1 --format evemu --keys raw -o "$W/evemu1" $devargs
  setup agent-gzip agent_start gzip1 --keys raw -z --flush-interval 0.5 -o "$W/gzip1.jsonl.gz" $devargs
  setup replay-kbd1 replay_kbd kbd1 "$KBD1" "$KBD"
  setup replay-mouse1 replay mouse1 "$MOUSE1" "$W/mouse.events"
  setup replay-touchpad1 replay touchpad1 "$TP1" "$TOUCHPAD"
  setup stop-evemu1 agent_stop evemu1
  setup stop-gzip1 agent_stop gzip1
  ls -la "$W/evemu1" >&2
  # --- pass 2: the agent's files, into new devices --------------------------------------
  local f2 args2=""
  for d in kbd mouse touchpad; do
    case $d in kbd) s=$KBD1_SYS ;; mouse) s=$MOUSE1_SYS ;; touchpad) s=$TP1_SYS ;; esac
    f2=$(evemu_of "$W/evemu1" "$s")
    [ -n "$f2" ] || { result "setup-$d-file" 1 "no evemu file for $s"; continue; }
    cp "$f2" "$W/$d.pass1.evemu"
    setup "$d"2-device create_device "${d}2" "$f2" || continue
    eval "${d^^}2=\$NODE ${d^^}2_SYS=\$SYSNAME"
    args2="$args2 -d $NODE"
  done
  setup agent-evemu2 agent_start evemu2 --format evemu --keys raw -o "$W/evemu2" $args2
  setup replay-kbd2 replay_kbd kbd2 "$KBD2" "$W/kbd.pass1.evemu"
  setup replay-mouse2 replay mouse2 "$MOUSE2" "$W/mouse.pass1.evemu"
  setup replay-touchpad2 replay touchpad2 "$TOUCHPAD2" "$W/touchpad.pass1.evemu"
  setup stop-evemu2 agent_stop evemu2
  for d in kbd mouse touchpad; do
    case $d in kbd) s=$KBD2_SYS ;; mouse) s=$MOUSE2_SYS ;; touchpad) s=$TOUCHPAD2_SYS ;; esac
    f2=$(evemu_of "$W/evemu2" "$s")
    [ -n "$f2" ] && cp "$f2" "$W/$d.pass2.evemu"
  done
  # capabilities of each device as the kernel shows them (pass 1 vs pass 2)
  for n in KBD1 MOUSE1 TP1 KBD2 MOUSE2 TOUCHPAD2; do
    s=${n}_SYS
    [ -n "${!s:-}" ] && (cd "/sys/class/input/${!s}/capabilities" && grep -H . * > "$W/caps.$n" 2>/dev/null;
                          cat ../properties >> "$W/caps.$n" 2>/dev/null)
  done
  names_pass
  intervals_pass
  save_vars IV_SYS KBD1_SYS MOUSE1_SYS TP1_SYS KBD2_SYS MOUSE2_SYS TOUCHPAD2_SYS NAME_A NAME_B
}

# --- pass 3 (issue 14, defects 4, 5, 9): a hostile device name of 79 bytes, uinput's
# most: a formula, ESC, DEL (evemu-device ends a name at a CR). Device a is present
# when the agents start (its name read from sysfs), device b plugged in after (its name
# read by the BPF side); one key each.
names_pass() {
  local name
  name=$(printf '=HYPERLINK("http://x")\033[31mred\177 %s' "$(printf 'n%.0s' {1..50})")
  { grep -v '^N:' "$KBD" | grep -v '^E:'; } > "$W/hostile.desc"
  sed -i "1a N: $name" "$W/hostile.desc"
  setup names-a-device create_device names_a "$W/hostile.desc"; NAME_A=$SYSNAME; local A=$NODE
  setup agent-names-jsonl agent_start names_jsonl -o "$W/names.jsonl"
  setup agent-names-csv agent_start names_csv --format csv -o "$W/names.csv"
  setup agent-names-evemu agent_start names_evemu --format evemu -o "$W/names_evemu"
  setup names-b-device create_device names_b "$W/hostile.desc"; NAME_B=$SYSNAME; local B=$NODE
  for n in "$A" "$B"; do
    evemu-event "$n" --type EV_KEY --code KEY_A --value 1 --sync
    evemu-event "$n" --type EV_KEY --code KEY_A --value 0 --sync
  done
  setup stop-names-jsonl agent_stop names_jsonl
  setup stop-names-csv agent_stop names_csv
  setup stop-names-evemu agent_stop names_evemu
  cp "/sys/class/input/$NAME_A/name" "$W/names.want" 2>/dev/null
  for s in "$NAME_A" "$NAME_B"; do
    f2=$(evemu_of "$W/names_evemu" "$s")
    [ -n "$f2" ] && cp "$f2" "$W/names.$s.evemu"
  done
}

# --- pass 4 (issue 13): --record intervals on a typing session replayed into a keyboard
# (Shift, an overlap, a key held into autorepeat, Backspace; 13 presses over 3.6 s),
# with evemu-record reading it: agents writing intervals (--keys class and raw, JSON
# Lines and CSV, --interval 1) next to one writing raw events.
typing_events() {
  local t=0 line
  # ms code value
  for line in "0 2a 1" "80 14 1" "140 14 0" "160 2a 0" "300 23 1" "380 12 1" "400 23 0" \
              "450 12 0" "700 39 1" "760 39 0" "1100 10 1" "1170 10 0" "1250 16 1" "1320 16 0" \
              "1400 17 1" "1460 17 0" "1600 2e 1" "1660 2e 0" "1750 25 1" "2450 25 0" "2600 0e 1" \
              "2650 0e 0" "2800 02 1" "2860 02 0" "3500 12 1" "3560 12 0"; do
    set -- $line
    t=$(printf '%d.%06d' $(($1 / 1000)) $(($1 % 1000 * 1000)))
    printf 'E: %s 0001 00%s %04x\nE: %s 0000 0000 0000\n' "$t" "$2" "$3" "$t"
  done
}

intervals_pass() {
  typing_events > "$W/typing.events"
  setup iv-device create_device iv "$KBD"; local N=$NODE; IV_SYS=$SYSNAME
  setup agent-iv-class agent_start iv_class --record intervals --interval 1 -d "$N" -o "$W/iv_class.jsonl"
  setup agent-iv-raw agent_start iv_raw --record intervals --keys raw --interval 1 -d "$N" -o "$W/iv_raw.jsonl"
  setup agent-iv-csv agent_start iv_csv --record intervals --interval 1 --format csv -d "$N" -o "$W/iv.csv"
  setup agent-iv-ref agent_start iv_ref --keys raw -d "$N" -o "$W/iv_ref.jsonl"
  setup replay-iv replay iv "$N" "$W/typing.events"
  for a in iv_class iv_raw iv_csv iv_ref; do setup "stop-$a" agent_stop "$a"; done
}

intervals_check() {
  python3 - "$W" "$1" <<'PY'
import csv, json, sys
w, what = sys.argv[1], sys.argv[2]
def recs(name):
    return [json.loads(l) for l in open(f"{w}/{name}", encoding="utf-8")]
def rows(name):
    return [r for r in recs(name) if r["record"] == "interval"]
def strip(r):
    return {k: v for k, v in r.items() if k not in ("stream", "seq")}
# the replay's presses: the evemu-record reference, and the file played
ref_presses = sum(1 for l in open(f"{w}/iv.evemu") if l.startswith("E:") and l.split()[2] == "0001"
                  and l.split()[4] == "0001")
played = sum(1 for l in open(f"{w}/typing.events") if l.split()[2] == "0001" and l.split()[4] == "0001")
assert ref_presses == played == 13, (ref_presses, played)
if what == "no-event":
    r = recs("iv_class.jsonl")
    kinds = {x["record"] for x in r}
    assert r[0]["record"] == "header" and r[0]["settings"]["record_mode"] == "intervals", r[0]
    assert r[0]["settings"]["interval"] == 1 and r[0]["settings"]["idle"] == 180, r[0]["settings"]
    assert "event" not in kinds and "interval" in kinds and r[-1]["record"] == "stats", kinds
    assert kinds <= {"header", "device", "interval", "stats", "loss"}, kinds
    seqs = [x["seq"] for x in r]
    assert all("stream" in x for x in r) and seqs == list(range(seqs[0], seqs[0] + len(r))), seqs
    assert r[-1]["events_out"] > 2 * played, r[-1]	# the events were counted, not written
    print(f"{len(r)} records: {sorted(kinds)}, stamped with stream and seq")
elif what == "count":
    iv = rows("iv_class.jsonl")
    assert sum(x["presses"] for x in iv) == ref_presses, iv
    for x in iv:
        assert x["presses"] == sum(x[k] for k in x if k.startswith("presses_")), x
        assert x["end_ns"] - x["start_ns"] == 10**9 and x["start_ns"] % 10**9 == 0, x
    # per window: the raw capture's presses, by the same second of the same clock
    per = {}
    for e in recs("iv_ref.jsonl"):
        if e["record"] == "event" and e["type"] == "EV_KEY" and e["value"] == 1:
            per[e["sec"]] = per.get(e["sec"], 0) + 1
    got = {x["start_ns"] // 10**9: x["presses"] for x in iv if x["presses"]}
    assert got == per, (got, per)
    tot = {k: sum(x[k] for x in iv) for k in ("presses_letter", "presses_modifier", "presses_editing",
                                              "presses_digit", "presses_whitespace")}
    assert tot == {"presses_letter": 9, "presses_modifier": 1, "presses_editing": 1,
                   "presses_digit": 1, "presses_whitespace": 1}, tot
    print(f"{len(iv)} windows, {ref_presses} presses as replayed, per second {per}")
elif what == "class-raw":
    a, b = [strip(x) for x in rows("iv_class.jsonl")], [strip(x) for x in rows("iv_raw.jsonl")]
    assert a == b and len(a) >= 3, (a, b)
    print(f"{len(a)} rows the same from a class and a raw capture")
elif what == "offline":
    # `inputtrace features intervals` over the raw agent's capture of the same replay
    off = [json.loads(l) for l in open(f"{w}/iv_offline.jsonl")]
    live = [strip(x) for x in rows("iv_raw.jsonl")]
    for x in live:
        del x["record"]
    assert off == live and len(off) >= 3, (off, live)
    print(f"{len(off)} rows: features intervals over the raw capture = the live mode's")
elif what == "csv":
    lines = list(csv.reader(open(f"{w}/iv.csv", newline="")))
    assert lines[0] == ["record", "dev", "device", "sec", "usec", "time", "type", "code", "value"]
    assert not any(l[0] == "event" for l in lines), "event rows"
    n = sum(int(l[8]) for l in lines if l[0] == "interval" and l[7] == "presses")
    assert n == ref_presses and all(len(l) == 9 for l in lines), n
    print(f"CSV: {sum(l[0] == 'interval' for l in lines)} interval lines, {n} presses")
PY
}

# events FILE: "type code value" per E: line, autorepeats (EV_KEY value 2) and the end
# markers (SYN_CONFIG) left out, and SYN_REPORTs that then close nothing.
events() {
  awk '/^E:/ { t = $3; c = $4; v = $5 + 0
    if (t == "0001" && v == 2) next
    if (t == "0000" && c == "0001") next
    if (t == "0000" && c == "0000") { if (!open) next; open = 0 } else open = 1
    print t, c, v }' "$1"
}

same_evemu_events() {
  local a=$1 b=$2
  [ -s "$a" ] && [ -s "$b" ] || { log "missing $a or $b"; return 1; }
  events "$a" > "$a.ev"; events "$b" > "$b.ev"
  [ -s "$a.ev" ] || { log "$a: no events"; return 1; }
  if ! cmp -s "$a.ev" "$b.ev"; then
    log "$a ($(wc -l < "$a.ev")) and $b ($(wc -l < "$b.ev")) differ:"
    diff "$a.ev" "$b.ev" | head -10 >&2
    return 1
  fi
  log "$(wc -l < "$a.ev") events the same"
}

caps_same() {
  local ok=0
  cmp -s "$W/caps.KBD1" "$W/caps.KBD2" || { log "kbd caps differ"; diff "$W/caps.KBD1" "$W/caps.KBD2" >&2; ok=1; }
  cmp -s "$W/caps.MOUSE1" "$W/caps.MOUSE2" || { log "mouse caps differ"; ok=1; }
  cmp -s "$W/caps.TP1" "$W/caps.TOUCHPAD2" || { log "touchpad caps differ"; ok=1; }
  grep -q '^A: 2f 0 1 ' "$W/touchpad.pass1.evemu" || { log "touchpad: no ABS_MT_SLOT A: line"; ok=1; }
  return $ok
}

gzip_header() {
  gzip -t "$W/gzip1.jsonl.gz" && python3 - "$W/gzip1.jsonl.gz" <<'PY'
import gzip, json, sys
recs = [json.loads(l) for l in gzip.open(sys.argv[1], "rt")]
h = recs[0]
assert h["record"] == "header" and h["schema"] == 1, h
assert h["settings"]["keys"] == "raw" and len(h["settings"]["devices"]) == 3, h["settings"]
assert len(h["boot_id"]) == 36 and h["kernel"] and h["host"], h
assert abs(h["clock"]["real_ns"] - h["clock"]["mono_ns"] - h["clock"]["offset_ns"]) == 0
ev = [r for r in recs if r["record"] == "event" and "time" in r]
# the offset places monotonic times in wall-clock time (within the clocks' drift)
import datetime
for r in ev[:50]:
    mono = r["sec"] * 10**9 + r["usec"] * 1000
    t = datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp()
    assert abs(mono + h["clock"]["offset_ns"] - t * 1e9) < 50e6, (r, h["clock"])
assert recs[-1]["record"] == "stats" and len(ev) > 100, len(ev)
print(f"gzip: {len(recs)} records, header ok, {len(ev)} events placed in wall time")
PY
}

# the name whole in both device records (present: sysfs; add: BPF), not flagged cut
names_whole() {
  python3 - "$W/names.jsonl" "$W/names.want" "$NAME_A" "$NAME_B" <<'PY'
import json, sys
want = open(sys.argv[2], "rb").read().decode()[:-1]	# sysfs: the kernel's name + "\n"
assert "\x1b[31mred" in want and len(want) == 79, repr(want)
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
dev = {r["sysname"]: r for r in recs if r["record"] == "device" and r["action"] in ("present", "add")}
a, b = dev[sys.argv[3]], dev[sys.argv[4]]
assert a["action"] == "present" and b["action"] == "add", (a, b)
assert a["name"] == want and b["name"] == want, (a["name"], b["name"], want)
assert "name_truncated" not in a and "name_truncated" not in b
print(f"both records name the device whole ({len(want)} bytes)")
PY
}

# every event row of the hostile devices starts its device cell with "'"
names_csv() {
  python3 - "$W/names.csv" <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="", encoding="utf-8")) if r[0] == "event"]
hostile = [r for r in rows if "HYPERLINK" in r[2]]
assert len(hostile) >= 4, len(hostile)
assert all(r[2].startswith("'=HYPERLINK") for r in hostile), hostile[0]
assert not any(r[2][:1] in "=+-@\t\r" for r in rows)
print(f"{len(hostile)} rows, device cell neutralised")
PY
}

# the notice (stderr), the status file and the evemu N: lines carry no ESC, CR or DEL
names_escaped() {
  local f ok=0
  for f in "$W/names_jsonl.err" "$W/names.$NAME_A.evemu" "$W/names.$NAME_B.evemu"; do
    [ -s "$f" ] || { log "missing $f"; ok=1; continue; }
    if LC_ALL=C grep -q $'[\x1b\r\x7f]' "$f"; then log "raw control byte in $f"; ok=1; fi
    grep -qF '\x1b[31mred' "$f" || { log "no escaped name in $f"; ok=1; }
  done
  return $ok
}

checks() {
  load_vars
  check evemu-kbd-as-recorded same_evemu_events "$W/kbd1.evemu" "$W/kbd.pass1.evemu"
  check evemu-mouse-as-recorded same_evemu_events "$W/mouse1.evemu" "$W/mouse.pass1.evemu"
  check evemu-touchpad-as-recorded same_evemu_events "$W/touchpad1.evemu" "$W/touchpad.pass1.evemu"
  check evemu-kbd-round-trip same_evemu_events "$W/kbd.pass1.evemu" "$W/kbd.pass2.evemu"
  check evemu-mouse-round-trip same_evemu_events "$W/mouse.pass1.evemu" "$W/mouse.pass2.evemu"
  check evemu-touchpad-round-trip same_evemu_events "$W/touchpad.pass1.evemu" "$W/touchpad.pass2.evemu"
  check evemu-description-replayable caps_same
  check agent-gzip-header gzip_header
  check names-whole-both-sources names_whole
  check names-csv-not-formula names_csv
  check names-escaped-text names_escaped
  check intervals-no-event-record intervals_check no-event
  check intervals-count-replay intervals_check count
  check intervals-class-equals-raw intervals_check class-raw
  check intervals-csv intervals_check csv
  "$AGENT" features intervals --format jsonl --interval 1 "$W/iv_ref.jsonl" > "$W/iv_offline.jsonl"
  check intervals-offline-equals-live intervals_check offline
}

case ${1:-capture} in
  capture) capture ;;
  check) checks ;;
esac
exit 0
