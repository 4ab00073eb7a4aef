#!/usr/bin/env bash
# tests/output/run.sh DRIVER - output files on this host (docs/output-files.md), through
# tests/output/driver.c: the agent's flags, sink and collector fed synthetic records
# (the host kernel cannot attach the agent; end-to-end runs are in tests/vm).
# One line "ok NAME" / "FAIL NAME: why" per check, then "N passed, M failed".
set -uo pipefail
drv=$(realpath "${1:-build/tests/output_driver}")
cd "$(dirname "$0")/../.."
check="python3 $PWD/tests/output/check.py"
top=$PWD
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
mnt=""
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
host=$(hostname | tr -c 'A-Za-z0-9._\n-' '_')

# wait_for SECONDS CMD...: poll CMD every 50 ms
wait_for() {
  local n=$(( $1 * 20 )); shift
  while ! "$@"; do n=$((n - 1)); [ $n -le 0 ] && return 1; sleep 0.05; done
}
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$3"; }

# 1. gzip that gzip -t, zlib and Python's gzip module accept; header first, stats last
if "$drv" -z -o g.jsonl.gz --count 20000 2>err && gzip -t g.jsonl.gz &&
   s=$($check g.jsonl.gz) && [ "$(field "$s" "['events']" "$s")" = 20000 ] &&
   [ "$(field "$s" "['first'][0]" "$s")" = header ] && [ "$(field "$s" "['stats']" "$s")" = True ] &&
   python3 -c 'import gzip,json,sys; n=sum(1 for l in gzip.open(sys.argv[1],"rt") if json.loads(l)); sys.exit(n != 20023)' g.jsonl.gz &&
   zcat g.jsonl.gz | tail -1 | grep -q '"record":"stats"'; then
  ok "gzip output: gzip -t, zlib, Python gzip read 20000 events, header first, stats last"
else bad gzip "$(cat err) ${s:-}"; fi

# 1b. the readers a data pipeline uses: pandas read_json(lines=True, compression="gzip")
# (Debian's python3-pandas, for /usr/bin/python3) and DuckDB's read_json (its Node.js
# API, tests/output/readers): all 20023 lines, 20000 events, the header first
readers=$top/tests/output/readers
if p=$(/usr/bin/python3 - g.jsonl.gz <<'PY'
import sys
import pandas as pd
df = pd.read_json(sys.argv[1], lines=True, compression="gzip")
print(len(df), int((df["record"] == "event").sum()), df.iloc[0]["record"], df.iloc[-1]["record"])
PY
) && [ "$p" = "20023 20000 header stats" ]; then
  ok "pandas read_json(lines=True, compression=gzip): 20023 lines, 20000 events, header first, stats last"
else bad pandas "got '${p:-}'"; fi
if d=$(node "$readers/duckdb-read.mjs" g.jsonl.gz 2>&1) &&
   [ "$d" = '{"lines":20023,"events":20000,"first":"header","stats":1}' ]; then
  ok "DuckDB read_json: 20023 lines, 20000 events, header first, one stats record"
else bad duckdb "got '${d:-}'"; fi

# 2. --compress=1 and =9 both valid; 9 no bigger than 1
if "$drv" --compress=1 -o z1.gz --count 20000 2>/dev/null && "$drv" --compress=9 -o z9.gz --count 20000 2>/dev/null &&
   gzip -t z1.gz z9.gz && [ "$(stat -c %s z9.gz)" -le "$(stat -c %s z1.gz)" ]; then
  ok "--compress=LEVEL: levels 1 and 9 valid, 9 not bigger"
else bad compress-level "sizes $(stat -c %s z1.gz z9.gz 2>&1 | tr '\n' ' ')"; fi

# 3. kill -9 mid-stream: gzip file valid and whole lines up to the last flush
for z in gzip plain; do
  f=k.$z.jsonl; zf=""; [ $z = gzip ] && { f=$f.gz; zf=-z; }
  IT_RATE=5000 "$drv" $zf --flush-interval 0.2 -o "$f" 2>/dev/null &
  pid=$!
  sleep 1.3
  kill -9 $pid; wait $pid 2>/dev/null
  if { [ $z = plain ] || gzip -t "$f"; } && s=$($check "$f") && [ "$(field "$s" "['events']" "$s")" -ge 2000 ] &&
     [ "$(field "$s" "['stats']" "$s")" = False ]; then
    ok "kill -9 ($z, --flush-interval 0.2): file valid, $(field "$s" "['events']" "$s") whole events"
  else bad "kill9-$z" "${s:-unreadable} $(gzip -t "$f" 2>&1)"; fi
done

# 4. --rotate-size: complete files only, each self-contained, names sort by time
if "$drv" -o rs --rotate-size 16K --count 20000 2>err; then
  files=$(ls rs); n=$(echo "$files" | wc -l)
  s=$($check rs/*)
  good=1 why=""
  echo "$files" | grep -qv "^inputtrace-[0-9]\{8\}T[0-9]\{6\}\.[0-9]\{6\}Z-$host\.jsonl$" && { good=0; why="bad name: $files"; }
  [ "$(field "$s" "['events']" "$s")" = 20000 ] || { good=0; why="events $s"; }
  [ "$(field "$s" "['first'].count('header')" "$s")" = "$n" ] || { good=0; why="a file without header $s"; }
  for f in $(ls rs | head -n -1); do
    sz=$(stat -c %s rs/$f)
    { [ "$sz" -ge 16384 ] && [ "$sz" -le $((16384 + 70000)) ]; } || { good=0; why="$f size $sz"; }
    [ "$(grep -c '"record":"device"' rs/$f)" = 2 ] || { good=0; why="$f: devices not repeated"; }
  done
  [ "$n" -ge 5 ] && [ $good = 1 ] && ok "--rotate-size 16K: $n complete files, header and devices in each, >= 16K each, names by time" \
    || bad rotate-size "$n files; $why"
else bad rotate-size "$(cat err)"; fi

# 5. --rotate-interval, and nothing left as .tmp after a clean stop
IT_RATE=500 "$drv" -z -o ri --rotate-interval 0.4 2>/dev/null &
pid=$!; sleep 2.1; kill -TERM $pid; wait $pid; rc=$?
n=$(ls ri | grep -c '\.jsonl\.gz$'); t=$(ls ri | grep -c '\.tmp$')
if [ $rc = 0 ] && [ "$n" -ge 4 ] && [ "$t" = 0 ] && gzip -t ri/* && $check ri/* >/dev/null; then
  ok "--rotate-interval 0.4 for 2 s: $n gzip files, all complete, no .tmp left"
else bad rotate-interval "rc $rc, $n files, $t tmp"; fi

# 6. --max-files keeps the newest N; --max-age deletes old files of this host only
"$drv" -o mf --rotate-size 8K --max-files 3 --count 20000 2>/dev/null
last=$(ls mf | tail -1)
if [ "$(ls mf | wc -l)" = 3 ] && grep -q '"record":"stats"' "mf/$last"; then
  ok "--max-files 3: the 3 newest files kept"
else bad max-files "$(ls mf)"; fi
mkdir -p ma && chmod 700 ma
old=ma/inputtrace-20200101T000000.000000Z-$host.jsonl other=ma/inputtrace-20200101T000000.000000Z-otherhost.jsonl
touch -d 2020-01-01 "$old" "$other" ma/unrelated.jsonl
"$drv" -o ma --max-age 1d --count 10 2>/dev/null
if [ ! -e "$old" ] && [ -e "$other" ] && [ -e ma/unrelated.jsonl ] && [ "$(ls ma | wc -l)" = 3 ]; then
  ok "--max-age 1d: an old file of this host deleted, other hosts' and other files kept"
else bad max-age "$(ls ma)"; fi

# 7. SIGHUP reopens the path (logrotate: mv, then kill -HUP)
IT_RATE=1000 "$drv" -o h.jsonl 2>/dev/null &
pid=$!
wait_for 5 test -s h.jsonl; sleep 0.3
mv h.jsonl h.jsonl.1; kill -HUP $pid
wait_for 5 test -s h.jsonl; sleep 0.3; kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 0 ] && s=$($check h.jsonl.1 h.jsonl) && [ "$(field "$s" "['first']" "$s")" = "['header', 'header']" ] &&
   [ "$(grep -c '"record":"device"' h.jsonl)" = 2 ] && grep -q '"record":"stats"' h.jsonl; then
  ok "SIGHUP: the moved file is complete, the new one starts with header and devices"
else bad sighup "rc $rc ${s:-}"; fi

# 8. permissions: 0600 files and 0700 directories whatever the umask; --file-mode
(umask 000; "$drv" -o p1.jsonl --count 1 2>/dev/null; "$drv" -o pd --rotate-size 1M --count 1 2>/dev/null)
"$drv" -o pm --file-mode 0640 --max-files 5 --count 1 2>/dev/null
m="$(stat -c %a p1.jsonl) $(stat -c %a pd) $(stat -c %a pd/*) $(stat -c %a pm) $(stat -c %a pm/*)"
[ "$m" = "600 700 600 750 640" ] && ok "modes: files 0600, dirs 0700 under umask 000; --file-mode 0640 gives 0640/0750" \
  || bad modes "$m"

# 9. never through a symlink: a planted link at the file, or at the directory
echo victim > victim; ln -s victim link.jsonl; mkdir realdir; ln -s realdir linkdir
"$drv" -o link.jsonl --count 5 2>err1; rc1=$?
"$drv" -o linkdir/ --rotate-size 1M --count 5 2>err2; rc2=$?
if [ $rc1 = 2 ] && [ $rc2 = 2 ] && [ "$(cat victim)" = victim ] && [ -z "$(ls realdir)" ] &&
   grep -q 'symbolic link' err1 && grep -q 'symbolic link' err2; then
  ok "symlink at the output file or directory refused (exit 2), target untouched"
else bad symlink "rc $rc1/$rc2: $(cat err1 err2)"; fi

# 10. CSV: header line, RFC 4180 quoting Python's csv reads back
if "$drv" --format csv -o c.csv --count 1000 2>/dev/null && python3 - c.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["record", "dev", "device", "sec", "usec", "time", "type", "code", "value"], rows[0]
ev = [r for r in rows[1:] if r[0] == "event"]
assert len(ev) == 1000 and all(len(r) == 9 for r in rows), len(ev)
assert ev[0][2] == 'Mouse "quoted" \\ back slash, comma', ev[0][2]
assert ev[0][6] == "EV_REL" and ev[0][7] == "REL_X" and ev[0][8] == "-100"
PY
then ok "csv: header line, 1000 event rows, quoted device name read back by Python's csv"
else bad csv "$(head -3 c.csv)"; fi

# 11. disk full on a 256K tmpfs: said once, counted, retried, files never corrupted
mnt=$tmp/mnt; mkdir -p "$mnt"
if mount -t tmpfs -o size=256k,mode=0700 tmpfs "$mnt"; then
  for z in plain gzip; do
    zf=""; [ $z = gzip ] && zf=-z
    d=$mnt/$z
    IT_RATE=4000 "$drv" $zf -o "$d" --rotate-size 16K --flush-interval 0.1 2>err.$z &
    pid=$!
    if wait_for 20 grep -qs 'No space left on device' err.$z; then
      sleep 0.3
      # free the space: a shipper takes the complete files away
      mkdir -p shipped.$z; mv "$d"/*.jsonl "$d"/*.jsonl.gz shipped.$z/ 2>/dev/null
      wait_for 10 grep -qs 'again' err.$z
    fi
    kill -TERM $pid; wait $pid; rc=$?
    said=$(grep -c 'cannot write' err.$z)
    if s=$($check shipped.$z/* "$d"/*) && [ $rc = 0 ] && [ "$said" = 1 ] &&
       [ "$(field "$s" "['output_lost_lines']" "$s")" -gt 0 ] && { [ $z = plain ] || gzip -t shipped.$z/* "$d"/*; }; then
      ok "disk full ($z): said once, $(field "$s" "['output_lost_lines']" "$s") lines counted in an output_loss record, every file valid"
    else bad "disk-full-$z" "rc $rc said $said ${s:-invalid} $(cat err.$z)"; fi
    rm -rf "$d"
  done
else bad disk-full "cannot mount a tmpfs (not root?)"; fi

# 12. an output that still fails at the end: --count reached or SIGTERM, the run stops
# at once (one last attempt, no waiting for the disk), says in one line what could not
# be written, exits 1; what was written before stays intact, whole lines only
atexit='cannot write to %s at exit: No space left on device; [0-9]+ lines \([0-9]+ bytes\) of this run were not written, the final stats record among them$'
start=$SECONDS
timeout 10 "$drv" -o /dev/full --count 1000 2>err; rc=$?
if [ $rc = 1 ] && [ $((SECONDS - start)) -le 3 ] && [ "$(grep -c '^inputtrace: ' err)" = 2 ] &&
   grep -Eq "^inputtrace: $(printf "$atexit" /dev/full)" err; then
  ok "-o /dev/full --count 1000: stops at once, exit 1, one line: $(grep 'at exit' err | cut -c13-60)..."
else bad "dev-full-count" "rc $rc after $((SECONDS - start)) s: $(cat err)"; fi
IT_RATE=1000 timeout -s KILL 10 "$drv" -o /dev/full 2>err &
pid=$!
sleep 0.5; start=$SECONDS; kill -TERM $pid; wait $pid; rc=$?
if [ $rc = 1 ] && [ $((SECONDS - start)) -le 3 ] && grep -Eq "^inputtrace: $(printf "$atexit" /dev/full)" err; then
  ok "-o /dev/full, SIGTERM: stops at once, exit 1, says what could not be written"
else bad "dev-full-sigterm" "rc $rc after $((SECONDS - start)) s: $(cat err)"; fi
if [ -n "$mnt" ] && mountpoint -q "$mnt"; then
  for z in plain gzip; do
    f=$mnt/full.jsonl zf=""; [ $z = gzip ] && { f=$f.gz; zf=-z; }
    # a file of exactly one page (4096 bytes), then nothing left on the file system
    python3 - "$f" <<'PY'
import gzip, random, sys
random.seed(1)
pad = "".join(random.choice("0123456789abcdef") for _ in range(20000))
if sys.argv[1].endswith(".gz"):
    data = next(d for d in (gzip.compress(('{"record":"header","pad":"%s"}\n' % pad[:n]).encode(), mtime=0)
                            for n in range(3000, 20000)) if len(d) == 4096)
else:
    data = ('{"record":"header","pad":"%s"}\n' % pad[:4096 - 29]).encode()
open(sys.argv[1], "wb").write(data)
PY
    before=$(md5sum < "$f")
    head -c 1M /dev/zero > "$mnt/filler" 2>/dev/null
    start=$SECONDS
    timeout 10 "$drv" $zf -o "$f" --count 1000 2>err.$z; rc=$?
    if [ $rc = 1 ] && [ $((SECONDS - start)) -le 3 ] && grep -Eq "^inputtrace: $(printf "$atexit" "$f")" err.$z &&
       [ "$(md5sum < "$f")" = "$before" ] && $check "$f" >/dev/null; then
      ok "disk full to the end ($z, --count): exit 1, one line, the file as it was"
    else bad "disk-full-at-exit-$z" "rc $rc after $((SECONDS - start)) s, $(stat -c %s "$f") bytes: $(cat err.$z)"; fi
    rm -f "$f" "$mnt/filler"
  done
else bad disk-full-at-exit "no tmpfs mounted (not root?)"; fi

# 13. kill -9 in directory mode, then a new start on the same directory: the .tmp left
# behind is cut to what was flushed (whole gzip members / whole lines), renamed to the
# name it would have had, and said on stderr; the new run writes a file of its own
pylines='import gzip, json, sys
p = sys.argv[1]
f = gzip.open(p, "rt") if p.endswith(".gz") else open(p)
print(sum(1 for l in f if isinstance(json.loads(l), dict)))'
for z in gzip plain; do
  d=kd.$z zf="" ext=jsonl; [ $z = gzip ] && { zf=-z; ext='jsonl\.gz'; }
  IT_RATE=5000 "$drv" $zf --flush-interval 0.2 -o $d/ 2>/dev/null &
  pid=$!
  sleep 1.3; kill -9 $pid; wait $pid 2>/dev/null
  t=$(ls $d); name=${t%.tmp}
  s=$($check "$d/$t"); flushed=$(field "$s" "['lines']" "$s"); events=$(field "$s" "['events']" "$s")
  size=$(stat -c %s "$d/$t"); cp "$d/$t" flushed.$z
  # what a crash in the middle of a write can leave after that: part of a member, of a line
  if [ $z = gzip ]; then printf '{"record":"event"}\n' | gzip -c | head -c 15 >> "$d/$t"
  else printf '{"record":"event","dev":3,"se' >> "$d/$t"; fi
  cut=$(( $(stat -c %s "$d/$t") - size ))
  "$drv" $zf -o $d/ --count 10 2>err.$z; rc=$?
  new=$(ls $d | grep -vx "$name")
  if [ $rc = 0 ] && [ ! -e "$d/$t" ] && ! ls $d | grep -q '\.tmp$' &&
     echo "$name" | grep -q "^inputtrace-[0-9]\{8\}T[0-9]\{6\}\.[0-9]\{6\}Z-$host\.$ext\$" &&
     cmp -s "$d/$name" flushed.$z &&
     grep -Fqx "inputtrace: recovered $name ($size bytes; $cut incomplete bytes dropped)" err.$z &&
     { [ $z = plain ] || gzip -t "$d/$name"; } &&
     [ "$(python3 -c "$pylines" "$d/$name")" = "$flushed" ] && [ "$events" -ge 2000 ] &&
     [ "$(echo "$new" | wc -l)" = 1 ] && s2=$($check "$d/$new") && [ "$(field "$s2" "['events']" "$s2")" = 10 ] &&
     { [ $z = gzip ] && zcat "$d/$new" || cat "$d/$new"; } | grep -q '"files_recovered":1,'; then
    ok "kill -9 ($z, directory), restart: the .tmp completed, $flushed lines ($events events, $size bytes) as flushed, $cut incomplete bytes dropped"
  else bad "recover-$z" "rc $rc, files: $(ls $d | tr '\n' ' '), flushed $flushed lines/$size bytes, cut $cut: $(cat err.$z)"; fi
done

# 14. two agents on one directory (nothing refuses it): the .tmp the first is writing
# (flock LOCK_EX) is left alone by the second's recovery; the first completes it itself
d=live
IT_RATE=1000 "$drv" -z --flush-interval 0.1 -o $d/ 2>/dev/null &
pid=$!
wait_for 5 sh -c "ls $d 2>/dev/null | grep -q '\.tmp\$'"; sleep 0.3
t=$(ls $d | grep '\.tmp$'); ino=$(stat -c %i "$d/$t"); size1=$(stat -c %s "$d/$t")
"$drv" -z -o $d/ --count 10 2>err.b; rcb=$?
sleep 0.3
ino2=$(stat -c %i "$d/$t" 2>/dev/null); size2=$(stat -c %s "$d/$t" 2>/dev/null || echo 0)
kill -TERM $pid; wait $pid; rca=$?
if [ $rcb = 0 ] && [ $rca = 0 ] && [ "$ino2" = "$ino" ] && [ "$size2" -gt "$size1" ] &&
   ! grep -q 'recovered\|removed' err.b && [ -f "$d/${t%.tmp}" ] && ! ls $d | grep -q '\.tmp$' &&
   [ "$(ls $d | wc -l)" = 2 ] && gzip -t $d/* && s=$($check $d/*) && [ "$(field "$s" "['records']['stats']" "$s")" = 2 ]; then
  ok "two agents on one directory: the live agent's .tmp untouched by the second's start ($size1 -> $size2 bytes, still written), completed at its stop"
else bad "recover-live" "rc $rcb/$rca ino $ino/$ino2 size $size1/$size2, files: $(ls $d | tr '\n' ' '): $(cat err.b)"; fi

# 15. evemu: its files are written without a lock, so they are left alone while another
# agent has the directory, and completed (cut after the last newline) once none has
d=ev
IT_RATE=2000 "$drv" --format evemu --flush-interval 0.1 -o $d/ 2>/dev/null &
pid=$!
wait_for 5 sh -c "[ \$(ls $d 2>/dev/null | grep -c '\.evemu\.tmp\$') = 2 ]"; sleep 0.5
"$drv" -o $d/ --count 10 2>err.b; rcb=$?
nev=$(ls $d | grep -c '\.evemu\.tmp$')
kill -9 $pid; wait $pid 2>/dev/null
mkdir -p evtmp; cp $d/*.tmp evtmp/; printf 'E: 0.0' >> "$(ls -d $d/*.evemu.tmp | head -1)"
"$drv" -o $d/ --count 10 2>err.c; rcc=$?
good=1
for f in evtmp/*; do
  n=$(basename "$f" .tmp)
  python3 -c 'import sys; a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
sys.exit(not (b and b == a[:a.rfind(b"\n") + 1]))' "$f" "$d/$n" && grep -Fq "inputtrace: recovered $n (" err.c || good=0
done
if [ $rcb = 0 ] && [ $rcc = 0 ] && [ "$nev" = 2 ] &&
   grep -Fqx "inputtrace: left 2 evemu .tmp files in $d/ alone: another inputtrace is writing there" err.b &&
   [ $good = 1 ] && [ "$(grep -c 'inputtrace: recovered' err.c)" = 3 ] && ! ls $d | grep -q '\.tmp$' &&
   [ "$(grep -c '^E: ' $d/*-input3.evemu)" -gt 100 ]; then
  ok "evemu: left alone while another agent writes there; after kill -9 the index and both .evemu files completed, $(cat $d/*.evemu | grep -c '^E: ') E: lines"
else bad "recover-evemu" "rc $rcb/$rcc nev $nev good $good: $(cat err.b err.c)"; fi

# 16. leftovers with nothing complete are removed; other hosts' files and symlinks are
# never touched
d=junk; mkdir -m 700 $d
printf 'not gzip' > $d/inputtrace-20200101T000000.000000Z-$host.jsonl.gz.tmp
: > $d/inputtrace-20200101T000001.000000Z-$host.csv.tmp
printf '{"a":1}\n{"a' > $d/inputtrace-20200101T000002.000000Z-otherhost.jsonl.tmp
echo victim > victim.j; ln -s ../victim.j $d/inputtrace-20200101T000003.000000Z-$host.jsonl.tmp
"$drv" -o $d/ --count 10 2>err.j; rc=$?
if [ $rc = 0 ] && [ ! -e $d/inputtrace-20200101T000000.000000Z-$host.jsonl.gz.tmp ] &&
   [ ! -e $d/inputtrace-20200101T000001.000000Z-$host.csv.tmp ] &&
   [ "$(ls $d | grep -c 20200101)" = 2 ] && [ "$(cat victim.j)" = victim ] &&
   [ -L $d/inputtrace-20200101T000003.000000Z-$host.jsonl.tmp ] &&
   grep -Fqx "inputtrace: removed inputtrace-20200101T000000.000000Z-$host.jsonl.gz.tmp (nothing complete in it; 8 incomplete bytes dropped)" err.j &&
   grep -Fqx "inputtrace: removed inputtrace-20200101T000001.000000Z-$host.csv.tmp (empty)" err.j &&
   grep -q 'cannot recover .*symbolic link' err.j && [ "$(grep -c '^inputtrace: ' err.j)" = 3 ]; then
  ok "leftovers: nothing complete or empty removed, another host's .tmp and a symlink left alone"
else bad "recover-junk" "rc $rc, files: $(ls $d | tr '\n' ' '): $(cat err.j)"; fi

# 17. a single file a crash left with an incomplete last line or gzip member: the next
# run cuts the fragment (one line says how many bytes) before appending, so the file
# stays readable whole; a second agent on a file being written is refused
for z in plain gzip; do
  f=one.$z.jsonl; zf=""; [ $z = gzip ] && { f=$f.gz; zf=-z; }
  "$drv" $zf -o "$f" --count 500 2>/dev/null
  before=$(stat -c %s "$f")
  if [ $z = gzip ]; then printf '\x1f\x8b\x08\x00half a member' >> "$f"; frag=17; else printf '{"record":"event","dev":3,"se' >> "$f"; frag=29; fi
  "$drv" $zf -o "$f" --count 500 2>err.one; rc=$?
  if [ $rc = 0 ] && grep -Fqx "inputtrace: $f ended in $frag incomplete bytes (a crash?): cut to its last complete $([ $z = gzip ] && echo 'gzip member' || echo line)" err.one &&
     { [ $z = plain ] || gzip -t "$f"; } &&
     python3 - "$f" $before <<'PY'
import gzip, json, sys
p = sys.argv[1]
raw = open(p, "rb").read()
first = raw[:int(sys.argv[2])]
with (gzip.open(p, "rt") if p.endswith(".gz") else open(p)) as f:
    recs = [json.loads(l) for l in f]
heads = [i for i, r in enumerate(recs) if r["record"] == "header"]
sys.exit(not (len(heads) == 2 and sum(r["record"] == "event" for r in recs) == 1000))
PY
  then ok "single file ($z) with a crash fragment: cut ($frag bytes), both runs readable, 1000 events, 2 headers"
  else bad "append-repair-$z" "rc $rc: $(cat err.one)"; fi
done
# the same for CSV (whose header line is longer than the 32 bytes once read to
# recognise it: the fragment was kept, and the next row glued to it)
"$drv" --format csv -o one.csv --count 500 2>/dev/null
printf 'event,3,"Mouse ""quo' >> one.csv
"$drv" --format csv -o one.csv --count 500 2>err.one; rc=$?
if [ $rc = 0 ] && grep -Fqx "inputtrace: one.csv ended in 20 incomplete bytes (a crash?): cut to its last complete line" err.one &&
   python3 - one.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
heads = sum(r[0] == "record" for r in rows)
events = [r for r in rows if r[0] == "event"]
sys.exit(not (heads == 2 and len(events) == 1000 and all(len(r) == 9 for r in rows)))
PY
then ok "single file (csv) with a crash fragment: cut (20 bytes), 1000 event rows of 9 cells, 2 header lines"
else bad "append-repair-csv" "rc $rc: $(cat err.one) $(grep -c . one.csv) lines"; fi
IT_RATE=2000 "$drv" -o held.jsonl 2>/dev/null &
hpid=$!
wait_for 10 test -s held.jsonl
"$drv" -o held.jsonl --count 5 2>err.held; rc=$?
kill $hpid; wait $hpid 2>/dev/null
if [ $rc = 2 ] && grep -q "cannot open output held.jsonl: another inputtrace is writing it" err.held; then
  ok "a second agent on a file another is writing: refused, exit 2"
else bad "append-held" "rc $rc: $(cat err.held)"; fi

# 18. stdout into a pipe whose reader stopped reading: SIGTERM still ends the run within
# the stop deadline (2 s), exit 1, one line that says so
mkfifo stalled.fifo
sleep 60 < stalled.fifo &
reader=$!
IT_RATE=20000 "$drv" -o - > stalled.fifo 2>err.stall &
spid=$!
wait_for 10 grep -qs 'capturing to stdout' err.stall
# blocked in write(2) (syscall 1 on x86-64): the pipe is full
in_write() { [ "$(cut -d' ' -f1 /proc/$spid/syscall 2>/dev/null)" = 1 ]; }
blocked=no; wait_for 10 in_write && blocked=yes
kill -TERM $spid
start=$SECONDS
wait_for 8 eval '! kill -0 $spid 2>/dev/null' || kill -KILL $spid
wait $spid; rc=$?
kill $reader 2>/dev/null; wait $reader 2>/dev/null
if [ $rc = 1 ] && [ $((SECONDS - start)) -le 5 ] && [ "$blocked" = yes ] &&
   grep -q '^inputtrace: cannot write to stdout: the reader does not read (gave up 2 s after the stop signal' err.stall; then
  ok "SIGTERM with a reader that stopped reading: exit 1 within $((SECONDS - start)) s, said in one line"
else bad "stalled-reader" "rc $rc after $((SECONDS - start)) s: $(cat err.stall)"; fi

# 19. the output directory removed mid-run (rm -rf): said once, made again, the lines
# of the file being written then counted (an output_loss record and the stats), the
# run goes on to a clean stop, every file complete
d=gone
IT_RATE=4000 "$drv" -o $d --rotate-size 4K --flush-interval 0.1 2>err.gone &
pid=$!
nfiles() { ls "$d" 2>/dev/null | grep -vc '\.tmp$'; }
wait_for 10 eval '[ "$(nfiles)" -ge 20 ]'
# rm -rf can lose a race with a file being created (ENOTEMPTY): until it is gone
while [ -e $d ]; do rm -rf $d 2>/dev/null; done
wait_for 10 eval '[ "$(nfiles)" -ge 5 ]'
kill -TERM $pid; wait $pid; rc=$?
said=$(grep -c 'was removed while being written' err.gone)
if [ $rc = 0 ] && [ "$said" = 1 ] && s=$($check $d/*) && [ "$(field "$s" "['output_lost_lines']" "$s")" -gt 0 ] &&
   [ "$(field "$s" "['stats_output_lost_lines']" "$s")" -ge "$(field "$s" "['output_lost_lines']" "$s")" ] &&
   [ "$(field "$s" "['stats']" "$s")" = True ] && ! ls $d | grep -q '\.tmp$'; then
  ok "output directory removed mid-run: said once, made again, $(field "$s" "['output_lost_lines']" "$s") lines counted, stats at the end"
else bad "dir-removed" "rc $rc said $said ${s:-invalid} $(cat err.gone)"; fi

# 20. the directory read-only for 2.3 s under another user (--user nobody): the
# rotation's rename (or the next file's open) fails with EACCES; it is retried like a
# full disk, capture goes on to its --count, nothing left as .tmp, every event written
# or counted, the stats record last
d=ro
chmod 0711 "$tmp"
cp "$drv" drv.nobody && chmod 0755 drv.nobody
mkdir $d && chown nobody:nogroup $d
IT_RATE=4000 setpriv --reuid=nobody --regid=nogroup --clear-groups ./drv.nobody -o $d/ --rotate-size 4K \
  --flush-interval 0.1 --count 16000 2>err.ro &
pid=$!
wait_for 10 eval '[ "$(nfiles)" -ge 5 ]'
chmod 0500 $d; sleep 2.3; chmod 0700 $d
wait $pid; rc=$?
if [ $rc = 0 ] && s=$($check $d/*) && [ "$(field "$s" "['stats']" "$s")" = True ] &&
   [ $(( $(field "$s" "['events']" "$s") + $(field "$s" "['stats_output_lost_lines']" "$s") )) -ge 16000 ] &&
   ! ls $d | grep -q '\.tmp$' && grep -q 'Permission denied' err.ro; then
  ok "directory read-only for 2.3 s (as nobody): retried, $(field "$s" "['events']" "$s") events written, $(field "$s" "['stats_output_lost_lines']" "$s") lines counted, no .tmp left"
else bad "dir-eacces" "rc $rc ${s:-invalid} $(ls $d | grep tmp) $(cat err.ro)"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
