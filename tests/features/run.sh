#!/usr/bin/env bash
# tests/features/run.sh BINARY - `inputtrace features` (docs/features.md) run as a user
# would: one capture read plain, gzip (several members), from stdin, as several files and
# as a rotated directory (headers and "present" records repeated, the last file still
# .tmp and cut mid-line) gives the same rows, written out here; -o FILE atomic and 0600;
# JSON Lines keys; malformed lines and bad usage (exit 1 and 2, one line); -o FILE not a
# regular file or a symlink refused; a FIFO or symlink inside a directory refused, a
# FIFO named read; times going back an error; pandas and
# DuckDB read both tables in both formats. Prints "ok NAME" / "FAIL NAME: why" per check
# and ends with "N passed, M failed".
set -u

bin=${1:?usage: tests/features/run.sh path/to/inputtrace}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
readers=$top/tests/output/readers
tmp=$(mktemp -d /tmp/inputtrace-features.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# run ARGS...: sets rc, out, err
run() {
  timeout 60 "$bin" features "$@" >out 2>err
  rc=$?
  out=$(cat out)
  err=$(cat err)
}

# The capture: lines as the agent writes them to a file (stream, seq), a header and
# a device record first, a stats record last. Keys overlap and autorepeat, a double
# click 400 ms apart, a wheel that sends hi-res and legacy events.
python3 - <<'PY'
import json
lines, seq = [], [0]
def rec(**kv):
    d = {"record": kv.pop("record"), "stream": "5f0c2a9e01b4d7c3", "seq": seq[0]}
    seq[0] += 1
    d.update(kv)
    lines.append(json.dumps(d, separators=(",", ":")))
def ev(dev, us, typ, code, value):
    rec(record="event", dev=dev, sec=us // 10**6, usec=us % 10**6, type=typ, code=code,
        value=value, time="2026-11-29T19:00:40.705030Z")
def key(dev, us, code, value, syn=0):
    ev(dev, us, "EV_KEY", code, value); ev(dev, us, "EV_SYN", "SYN_REPORT", syn)
rec(record="header", schema=1, agent="inputtrace", file_seq=1, format="jsonl",
    settings={"keys": "class", "devices": []}, clock={"mono_ns": 1, "real_ns": 2})
rec(record="device", action="present", dev=3, name='kbd "x"', bus=3, virtual=False)
rec(record="device", action="present", dev=5, name="mouse", bus=3, virtual=False)
key(3, 1000000, "KEYCLASS_LETTER", 1)
key(3, 1100000, "KEYCLASS_LETTER", 1)
key(3, 1150000, "KEYCLASS_LETTER", 0)
key(3, 1600000, "KEYCLASS_LETTER", 2, syn=1)
key(3, 1700000, "KEYCLASS_LETTER", 0)
key(5, 2000000, "BTN_LEFT", 1)
key(5, 2050000, "BTN_LEFT", 0)
key(5, 2400000, "BTN_LEFT", 1)
key(5, 2450000, "BTN_LEFT", 0)
for us in (4000000, 4016000):
    ev(5, us, "EV_REL", "REL_WHEEL", -1); ev(5, us, "EV_REL", "REL_WHEEL_HI_RES", -120)
    ev(5, us, "EV_SYN", "SYN_REPORT", 0)
key(3, 5000123, "KEY_LEFTSHIFT", 1)
key(3, 5000124, "KEY_LEFTSHIFT", 0)
rec(record="stats", seen=40, events_by_type={"EV_KEY": 12})
open("cap.jsonl", "w").write("\n".join(lines) + "\n")
PY
want_k='dev,subject,press_ns,release_ns,code,hold_ms,dd_ms,ud_ms,repeats
3,,1000000000,1150000000,KEYCLASS_LETTER,150.000,,,0
3,,1100000000,1700000000,KEYCLASS_LETTER,600.000,100.000,-50.000,1
3,,5000123000,5000124000,KEY_LEFTSHIFT,0.001,3900.123,3300.123,0'
want_a='dev,subject,kind,start_ns,end_ns,duration_ms,button,count,ticks,distance,presses,corrections,wpm,fingers,detail
3,,typing,1000000000,1100000000,100.000,,,,,2,0,240.000,,letter=2
5,,click,2000000000,2450000000,450.000,BTN_LEFT,2,,,,,,,
5,,scroll,4000000000,4016000000,16.000,,,-2.000,,,,,,vertical
3,,typing,5000123000,5000123000,0.000,,,,,1,0,,,modifier=1'

run keystrokes cap.jsonl
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ] && [ ! -s err ]; then ok "keystrokes of a plain capture"
else bad keystrokes-plain "exit $rc, got: $out $err"; fi
run actions cap.jsonl
if [ "$rc" = 0 ] && [ "$out" = "$want_a" ]; then ok "actions of a plain capture"
else bad actions-plain "exit $rc, got: $out $err"; fi

# gzip, as the agent writes it: one member per flush
head -n 20 cap.jsonl | gzip > cap.jsonl.gz && tail -n +21 cap.jsonl | gzip >> cap.jsonl.gz
run keystrokes cap.jsonl.gz
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ]; then ok "gzip of two members: same rows"
else bad gzip "exit $rc, got: $out $err"; fi
run keystrokes - < cap.jsonl.gz
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ]; then ok "stdin (-): same rows"
else bad stdin "exit $rc, got: $out $err"; fi

# rotated: files cut at lines 9 and 27, each new one with a header of the next file_seq
# and the devices' present records; the last still being written (.tmp, a cut line)
mkdir dir
n=$(wc -l < cap.jsonl)
part() { # part FILE_SEQ FIRST LAST
  if [ "$1" -gt 1 ]; then
    echo "{\"record\":\"header\",\"schema\":1,\"file_seq\":$1,\"settings\":{\"devices\":[]}}"
    sed -n 2,3p cap.jsonl | sed 's/"stream":"[^"]*","seq":[0-9]*,//'
  fi
  sed -n "$2,$3p" cap.jsonl
}
part 1 1 9 > dir/inputtrace-20261129T193317.008153Z-ws-042.jsonl
part 2 10 27 | gzip > dir/inputtrace-20261129T193417.000001Z-ws-042.jsonl.gz
{ part 3 28 "$n"; printf '{"record":"event","dev":3,"se'; } > dir/inputtrace-20261129T193517.000001Z-ws-042.jsonl.tmp
echo 'record,dev' > dir/inputtrace-20261129T193317.008153Z-ws-042.csv
run keystrokes dir
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ] && [ "$(wc -l < err)" = 1 ] && grep -q 'incomplete line' err; then
  ok "a rotated directory (gzip, .tmp cut mid-line, a CSV file beside): same rows"
else bad rotated "exit $rc, got: $out $err"; fi
run actions dir
if [ "$rc" = 0 ] && [ "$out" = "$want_a" ]; then ok "actions of the rotated directory: same rows"
else bad rotated-actions "exit $rc, got: $out $err"; fi
cp dir/inputtrace-20261129T193317.008153Z-ws-042.jsonl f1.jsonl
cp dir/inputtrace-20261129T193417.000001Z-ws-042.jsonl.gz f2.jsonl.gz
part 3 28 "$n" > f3.jsonl
run keystrokes f1.jsonl f2.jsonl.gz f3.jsonl
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ]; then ok "several files in order: same rows"
else bad files "exit $rc, got: $out $err"; fi

# the same file twice (or records a delivery repeated): skipped by (stream, seq), said once
run keystrokes cap.jsonl cap.jsonl
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ] &&
   [ "$err" = "inputtrace: features: skipped $n records that came before (the same stream and seq)" ]; then
  ok "the same capture twice: same rows, $n records skipped by (stream, seq)"
else bad duplicates "exit $rc, got: $out $err"; fi

# -o FILE: written whole (temp + rename), mode 0600; JSON Lines keys are the columns
run keystrokes --format jsonl -o k.jsonl cap.jsonl
if [ "$rc" = 0 ] && [ ! -s out ] && [ "$(stat -c %a k.jsonl)" = 600 ] &&
   python3 - k.jsonl <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cols = ["dev", "subject", "press_ns", "release_ns", "code", "hold_ms", "dd_ms", "ud_ms", "repeats"]
assert [list(r) for r in rows] == [cols] * 3, rows
assert [r["hold_ms"] for r in rows] == [150.0, 600.0, 0.001] and rows[0]["dd_ms"] is None
assert rows[1]["ud_ms"] == -50.0 and rows[1]["repeats"] == 1 and rows[0]["subject"] is None
PY
then ok "-o FILE --format jsonl: 3 objects, keys = columns, nulls, 0600"
else bad jsonl "exit $rc $err"; fi
"$bin" features actions -o a.csv cap.jsonl 2>/dev/null
"$bin" features actions --format jsonl -o a.jsonl cap.jsonl 2>/dev/null
"$bin" features keystrokes -o k.csv cap.jsonl 2>/dev/null

# a malformed line: one error with file:line, exit 1, -o FILE not touched
{ head -n 5 cap.jsonl; echo '{"record":"event","dev":3,"sec":1}'; tail -n +6 cap.jsonl; } > broken.jsonl
echo keep > kept.csv
run keystrokes -o kept.csv broken.jsonl
if [ "$rc" = 1 ] && [ "$(wc -l < err)" = 1 ] && grep -q '^inputtrace: broken.jsonl:6: ' err &&
   [ "$(cat kept.csv)" = keep ] && ! compgen -G '.kept*' > /dev/null; then
  ok "a malformed line: exit 1, broken.jsonl:6 named, -o file unchanged, no temp file left"
else bad malformed "exit $rc, $err, kept: $(cat kept.csv)"; fi
head -c 300 cap.jsonl.gz > cut.jsonl.gz
run keystrokes cut.jsonl.gz
if [ "$rc" = 1 ] && grep -q 'cut.jsonl.gz: gzip data cut short' err; then ok "a gzip file cut short: exit 1"
else bad gzip-cut "exit $rc, $err"; fi
run keystrokes missing.jsonl
if [ "$rc" = 1 ] && grep -q 'missing.jsonl: No such file' err; then ok "a missing file: exit 1"
else bad missing "exit $rc, $err"; fi

# -o FILE that is not a regular file (a FIFO, a directory, a symlink) is refused, left
# as it was: the rename would have put a regular file in its place
mkfifo out.fifo; mkdir out.dir; echo real > real.csv; ln -s real.csv link.csv
for o in out.fifo out.dir link.csv; do
  run keystrokes -o "$o" cap.jsonl
  case $o in link.csv) why='a symlink: refused' ;; *) why='not a regular file: refused' ;; esac
  if [ "$rc" = 1 ] && [ "$(cat err)" = "inputtrace: features: -o $o: $why" ] && [ ! -s out ] &&
     { [ -p out.fifo ] && [ -d out.dir ] && [ -L link.csv ] && [ "$(cat real.csv)" = real ]; } &&
     ! compgen -G ".$o*" > /dev/null; then
    ok "-o $o: refused, exit 1, left as it was"
  else bad "out-$o" "exit $rc, $err"; fi
done

# a directory's entries are read only if regular files: a FIFO named *.jsonl is not
# waited on, a symlink (to a file outside) not followed; each is an error like subject
# export's. A FIFO named on the command line is read like stdin; a device is refused.
mkdir fifodir linkdir
cp cap.jsonl fifodir/a.jsonl; mkfifo fifodir/b.jsonl
cp cap.jsonl linkdir/a.jsonl; ln -s "$tmp/cap.jsonl" linkdir/b.jsonl
run keystrokes fifodir
if [ "$rc" = 1 ] && [ "$err" = "inputtrace: fifodir/b.jsonl: not a regular file" ]; then
  ok "a FIFO in a directory: an error, not waited on"
else bad dir-fifo "exit $rc, $err"; fi
run keystrokes linkdir
if [ "$rc" = 1 ] && [ "$err" = "inputtrace: linkdir/b.jsonl: a symlink: refused" ]; then
  ok "a symlink in a directory: an error, not followed"
else bad dir-symlink "exit $rc, $err"; fi
mkfifo cap.fifo
cat cap.jsonl > cap.fifo &
run keystrokes cap.fifo
wait
if [ "$rc" = 0 ] && [ "$out" = "$want_k" ]; then ok "a FIFO named as CAPTURE is read like stdin"
else bad fifo-arg "exit $rc, $err"; fi
run keystrokes /dev/null
if [ "$rc" = 1 ] && [ "$err" = "inputtrace: /dev/null: not a regular file" ]; then
  ok "a device as CAPTURE: refused"
else bad device-arg "exit $rc, $err"; fi

# times going back on one device: an error naming the line (a release before its press
# gave a negative hold)
python3 - <<'PY'
import json
ev = lambda seq, sec, code, v: json.dumps({"record": "event", "stream": "b", "seq": seq,
    "dev": 3, "sec": sec, "usec": 0, "type": "EV_KEY", "code": code, "value": v})
open("back.jsonl", "w").write("\n".join([ev(1, 10, "KEY_A", 1), ev(2, 9, "KEY_A", 0)]) + "\n")
PY
run keystrokes back.jsonl
if [ "$rc" = 1 ] && [ "$err" = "inputtrace: back.jsonl:2: time goes backwards (before the device's previous event)" ] &&
   [ "$out" = "${want_k%%$'\n'*}" ]; then
  ok "time going backwards on a device: exit 1, back.jsonl:2 named"
else bad backwards "exit $rc, $out $err"; fi

# bad usage: exit 2, one line, nothing on stdout
usage() { # usage NAME NEEDLE ARGS...
  local name=$1 needle=$2
  shift 2
  run "$@"
  if [ "$rc" = 2 ] && [ ! -s out ] && [ "$(wc -l < err)" = 1 ] && grep -q -- "$needle" err; then
    ok "usage: $name"
  else bad "usage-$name" "exit $rc, stdout '$out', stderr '$err'"; fi
}
usage "unknown table" "no table 'nope'" nope cap.jsonl
usage "no table" "no table" --format csv
usage "bad --format" "csv or jsonl" keystrokes --format parquet cap.jsonl
usage "--interval 0" "positive number" keystrokes --interval 0 cap.jsonl
usage "--idle -5" "positive number" keystrokes --idle -5 cap.jsonl
usage "--interval abc" "positive number" keystrokes --interval abc cap.jsonl
usage "no capture" "no capture" keystrokes
usage "unknown option" "unknown option" keystrokes --bogus cap.jsonl
run --help
if [ "$rc" = 0 ] && grep -q keystrokes out && grep -q actions out; then ok "--help lists the tables"
else bad help "exit $rc $out"; fi

# pandas and DuckDB read both tables in both formats
if p=$(/usr/bin/python3 - <<'PY'
import pandas as pd
k = pd.read_csv("k.csv"); kj = pd.read_json("k.jsonl", lines=True)
a = pd.read_csv("a.csv"); aj = pd.read_json("a.jsonl", lines=True)
print(len(k), round(k["hold_ms"].sum(), 3), len(kj), round(kj["ud_ms"].sum(), 3),
      len(a), int(a["count"].sum()), len(aj), float(aj["ticks"].sum()))
PY
) && [ "$p" = "3 750.001 3 3250.123 4 2 4 -2.0" ]; then
  ok "pandas reads keystrokes and actions, CSV and JSON Lines"
else bad pandas "got '${p:-}'"; fi
if command -v node >/dev/null && [ -d "$readers/node_modules" ]; then
  d1=$(node "$readers/duckdb-table.mjs" k.csv hold_ms 2>&1)
  d2=$(node "$readers/duckdb-table.mjs" k.jsonl ud_ms 2>&1)
  d3=$(node "$readers/duckdb-table.mjs" a.csv ticks 2>&1)
  d4=$(node "$readers/duckdb-table.mjs" a.jsonl presses 2>&1)
  kc='"columns":["dev","subject","press_ns","release_ns","code","hold_ms","dd_ms","ud_ms","repeats"]'
  if [ "$d1" = "{\"rows\":3,$kc,\"sum\":750.001,\"nulls\":0}" ] &&
     [ "$d2" = "{\"rows\":3,$kc,\"sum\":3250.123,\"nulls\":1}" ] &&
     [ "${d3#*\"sum\":}" = '-2,"nulls":3}' ] && [ "${d4#*\"sum\":}" = '3,"nulls":2}' ]; then
    ok "DuckDB reads keystrokes and actions, CSV and JSON Lines"
  else bad duckdb "got '$d1' '$d2' '$d3' '$d4'"; fi
else bad duckdb "node or tests/output/readers/node_modules missing (make deps)"; fi

# the intervals table (docs/features.md "intervals"), read the same ways: kbd 3 presses
# (2 letters overlapping, Shift), mouse 2 clicks and 2 ticks, one 60 s window each
run intervals -o i.csv cap.jsonl
run intervals --format jsonl -o i.jsonl cap.jsonl
if p=$(/usr/bin/python3 - <<'PY'
import pandas as pd
i = pd.read_csv("i.csv"); ij = pd.read_json("i.jsonl", lines=True)
print(len(i), int(i["presses"].sum()), int(i["clicks"].sum()), len(ij),
      float(ij["scroll_ticks"].sum()), float(ij["rollover_ratio"].sum()),
      int(i["iki_median_ms"].isna().sum()))
PY
) && [ "$p" = "2 3 2 2 2.0 0.5 1" ]; then
  ok "pandas reads intervals, CSV and JSON Lines"
else bad pandas-intervals "got '${p:-}'"; fi
if command -v node >/dev/null && [ -d "$readers/node_modules" ]; then
  d1=$(node "$readers/duckdb-table.mjs" i.csv presses 2>&1)
  d2=$(node "$readers/duckdb-table.mjs" i.jsonl rollover_ratio 2>&1)
  if [ "${d1#*\"sum\":}" = '3,"nulls":0}' ] && [ "${d2#*\"sum\":}" = '0.5,"nulls":1}' ] &&
     [ "${d1%%,\"columns\"*}" = '{"rows":2' ]; then
    ok "DuckDB reads intervals, CSV and JSON Lines"
  else bad duckdb-intervals "got '$d1' '$d2'"; fi
else bad duckdb-intervals "node or tests/output/readers/node_modules missing (make deps)"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
