#!/usr/bin/env bash
# tests/output/run.sh DRIVER - output files on this host (README "Output files"), through
# tests/output/driver.c: the agent's flags, sink and collector fed synthetic records
# (the host kernel cannot attach the agent; end-to-end runs are in tests/vm).
# One line "ok NAME" / "FAIL NAME: why" per check, then "N passed, M failed".
set -uo pipefail
drv=$(realpath "${1:-build/tests/output_driver}")
cd "$(dirname "$0")/../.."
check="python3 $PWD/tests/output/check.py"
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
    if wait_for 20 grep -q 'No space left on device' err.$z; then
      sleep 0.3
      # free the space: a shipper takes the complete files away
      mkdir -p shipped.$z; mv "$d"/*.jsonl "$d"/*.jsonl.gz shipped.$z/ 2>/dev/null
      wait_for 10 grep -q 'again' err.$z
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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
