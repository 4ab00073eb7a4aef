#!/usr/bin/env bash
# tests/cli/run.sh BINARY - host checks of the built agent: exit statuses, one-line
# error messages on stderr, nothing on stdout on errors, --help/--version, what a
# capture attempt says on this kernel, and the -o file rules (no symlinks followed,
# existing content kept). Prints "ok NAME" / "FAIL NAME: why" per check and ends with
# "N passed, M failed"; exits non-zero on any failure.
set -u

bin=${1:?usage: tests/cli/run.sh path/to/inputtrace}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
[ -x "$bin" ] || { echo "FAIL setup: $bin is not an executable"; echo "0 passed, 1 failed"; exit 1; }

tmp=$(mktemp -d /tmp/inputtrace-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# run ARGS...: the agent, bounded in time; sets rc, out (stdout) and err (stderr).
run() {
  timeout 120 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

# The stderr of a run is exactly one line starting "inputtrace: ".
one_line() {
  [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "${err#inputtrace: }" != "$err" ]
}

# bad_flag NAME NEEDLE ARGS...: exit 2, stdout empty, one stderr line naming NEEDLE.
bad_flag() {
  local name=$1 needle=$2
  shift 2
  run "$@"
  if [ "$rc" -ne 2 ]; then bad "$name" "exit $rc, want 2 (stderr: $err)"
  elif [ -s "$tmp/out" ]; then bad "$name" "wrote to stdout: $out"
  elif ! one_line; then bad "$name" "stderr is not one 'inputtrace: ' line: $err"
  elif [[ $err != *"$needle"* ]]; then bad "$name" "message does not name $needle: $err"
  else ok "$name"; fi
}

# --- usage errors: 2 ---------------------------------------------------------------
bad_flag "types-bogus" "--types" --types bogus
bad_flag "types-empty" "--types" --types ""
bad_flag "duration-0" "--duration" --duration 0
bad_flag "duration-negative" "--duration" --duration -1
bad_flag "duration-word" "--duration" --duration abc
bad_flag "duration-inf" "--duration" -D inf
bad_flag "count-0" "--count" --count 0
bad_flag "count-negative" "--count" -c -5
bad_flag "count-word" "--count" --count x
bad_flag "ring-size-1000" "--ring-size" --ring-size 1000
bad_flag "ring-size-3000" "--ring-size" --ring-size 3000
bad_flag "ring-size-5000" "--ring-size" --ring-size 5000
bad_flag "ring-size-2G" "--ring-size" --ring-size 2G
bad_flag "attach-bogus" "--attach" --attach bogus
bad_flag "keys-bogus" "--keys" --keys bogus
bad_flag "device-passwd" "--device" --device /etc/passwd
bad_flag "device-mouse" "--device" -d /dev/input/mouse0
bad_flag "device-missing-node" "--device" -d /dev/input/event999999
bad_flag "output-empty" "--output" -o ""
bad_flag "unknown-long" "--bogus" --bogus
bad_flag "unknown-short" "-x" -x
bad_flag "flag-with-value" "--no-time" --no-time=1
bad_flag "missing-value" "--count" --count
bad_flag "missing-value-short" "-o" -o
bad_flag "stray-argument" "'foo'" foo
bad_flag "stray-after-options" "'bar'" -D 1 bar
# a usage error wins over everything else, even with a valid -o: no file created
bad_flag "usage-before-output" "--count" -o "$tmp/never" --count 0
if [ -e "$tmp/never" ]; then bad "usage-no-file" "$tmp/never was created"; else ok "usage-no-file"; fi

# --- --record intervals (docs/usage.md "Aggregates only"): usage errors ---------------
bad_flag "record-bogus" "--record" --record events
bad_flag "record-evemu" "--format evemu" --record intervals --format evemu -o "$tmp/ev/"
bad_flag "interval-without-record" "--interval needs --record intervals" --interval 10
bad_flag "idle-without-record" "--idle needs --record intervals" --record raw --idle 10
bad_flag "interval-0" "--interval" --record intervals --interval 0
bad_flag "idle-word" "--idle" --record intervals --idle soon

# --- Kafka flags (docs/kafka.md "Flags"): usage errors, before any file is made ------
bad_flag "kafka-stdout" "needs a spool" --kafka-brokers 127.0.0.1:9 -o -
bad_flag "kafka-no-output" "needs a spool" --kafka-brokers 127.0.0.1:9
bad_flag "kafka-csv" "JSON Lines" --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" --format csv
bad_flag "kafka-unknown-property" 'No such configuration property: "no.such.property"' \
  --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" --kafka-option no.such.property=1
bad_flag "kafka-bad-value" 'Invalid value "bogus"' \
  --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" --kafka-option compression.codec=bogus
bad_flag "kafka-option-form" "--kafka-option" --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" --kafka-option acks
bad_flag "kafka-topic-bad" "--kafka-topic" --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" --kafka-topic 'a/b'
bad_flag "kafka-topic-alone" "need --kafka-brokers" -o "$tmp/k/" --kafka-topic t
bad_flag "spool-max-bytes-alone" "need --kafka-brokers" -o "$tmp/k/" --spool-max-bytes 64M
bad_flag "spool-max-bytes-small" "--spool-max-bytes" --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" \
  --spool-max-bytes 1K
printf 'acks=all\n' >"$tmp/kafka.conf"
chmod 640 "$tmp/kafka.conf"
bad_flag "kafka-config-group-readable" "chmod 600" --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" \
  --kafka-config "$tmp/kafka.conf"
chmod 600 "$tmp/kafka.conf"
printf 'acks=all\nno.such.property=1\n' >"$tmp/kafka.conf"
bad_flag "kafka-config-unknown-property" "kafka.conf:2" --kafka-brokers 127.0.0.1:9 -o "$tmp/k/" \
  --kafka-config "$tmp/kafka.conf"
if [ -e "$tmp/k" ]; then bad "kafka-usage-no-output" "$tmp/k was created"; else ok "kafka-usage-no-output"; fi

# application context (docs/context.md): ids and tools checked before anything runs
bad_flag "apps-bad-char" 'bad app id "gedit;rm"' --apps 'org.gnome.gedit,gedit;rm'
bad_flag "apps-empty-id" "app id empty" --apps 'gedit,,zenity'
bad_flag "apps-too-long" "app id too long" --apps "$(printf 'a%.0s' $(seq 65))"
bad_flag "pause-apps-title" '--pause-apps' --pause-apps 'KeePassXC - Passwords.kdbx'
printf 'gedit\n# a comment\nbad id\n' >"$tmp/apps.txt"
bad_flag "apps-file-line" "apps.txt:3" --apps "@$tmp/apps.txt"
bad_flag "apps-file-missing" "cannot read app list" --apps "@$tmp/no-such-file"
bad_flag "tools-bad-char" "--tools" --tools '/usr/bin/true,$(id)'
bad_flag "tools-empty" "empty executable" --tools ','

# --- help and version: 0, on stdout ------------------------------------------------
run --help
if [ "$rc" -eq 0 ] && [[ $out == "Usage: inputtrace"* ]] && [ ! -s "$tmp/err" ] &&
   [[ $out == *--output* ]] && [[ $out == *--ring-size* ]]; then ok "help"
else bad "help" "exit $rc, stdout '${out:0:60}', stderr '$err'"; fi
run -h
if [ "$rc" -eq 0 ] && [[ $out == "Usage: inputtrace"* ]]; then ok "help-short"
else bad "help-short" "exit $rc"; fi
run --version
if [ "$rc" -eq 0 ] && [[ $out =~ ^inputtrace\ [0-9]+\.[0-9]+\.[0-9]+\ \(schema\ [0-9]+\)$ ]] && [ ! -s "$tmp/err" ]; then
  ok "version"
else bad "version" "exit $rc, stdout '$out', stderr '$err'"; fi
run -V
if [ "$rc" -eq 0 ] && [[ $out == "inputtrace "* ]]; then ok "version-short"; else bad "version-short" "exit $rc"; fi

# --- --list-devices: 0 --------------------------------------------------------------
run --list-devices
if [ "$rc" -ne 0 ]; then bad "list-devices" "exit $rc: $err"
elif [ -s "$tmp/out" ] && grep -qv '^input[0-9]' "$tmp/out"; then bad "list-devices" "odd line: $out"
elif [ -s "$tmp/err" ] && grep -qv '^inputtrace: ' "$tmp/err"; then bad "list-devices" "stderr: $err"
else ok "list-devices ($(wc -l <"$tmp/out") devices)"; fi

# --- -o: never through a symlink -----------------------------------------------------
printf 'precious\n' >"$tmp/target"
touch -d '2020-01-01 00:00:00' "$tmp/target"
before=$(stat -c '%s %Y %a' "$tmp/target")
ln -s "$tmp/target" "$tmp/link"
run -o "$tmp/link" -D 1
if [ "$rc" -eq 0 ]; then bad "output-symlink" "exit 0"
elif [ "$(cat "$tmp/target")" != precious ] || [ "$(stat -c '%s %Y %a' "$tmp/target")" != "$before" ]; then
  bad "output-symlink" "the symlink's target changed"
elif ! one_line || [[ $err != *"$tmp/link"* ]]; then bad "output-symlink" "message: $err"
elif [ -s "$tmp/out" ]; then bad "output-symlink" "wrote to stdout"
else ok "output-symlink (exit $rc)"; fi

ln -s "$tmp/not-there" "$tmp/dangling"
run -o "$tmp/dangling" -D 1
if [ "$rc" -eq 0 ]; then bad "output-dangling-symlink" "exit 0"
elif [ -e "$tmp/not-there" ]; then bad "output-dangling-symlink" "created the symlink's target"
else ok "output-dangling-symlink (exit $rc)"; fi

mkdir "$tmp/dir"
run -o "$tmp/dir" -D 1
if [ "$rc" -ne 0 ] && one_line; then ok "output-directory (exit $rc)"; else bad "output-directory" "exit $rc: $err"; fi
run -o "$tmp/no/such/dir/file" -D 1
if [ "$rc" -ne 0 ] && one_line && [ ! -e "$tmp/no" ]; then ok "output-missing-dir (exit $rc)"
else bad "output-missing-dir" "exit $rc: $err"; fi

# --- -o: an existing file is appended to only if it is ours ----------------------------
# (README "Output files"): in a shared directory another user could create the path
# first and own the capture. Each refused with exit 2 and one line; the file untouched.
# not_ours NAME NEEDLE [-z]: $tmp/NAME is refused
not_ours() {
  local name=$1 needle=$2 before
  before=$(md5sum <"$tmp/$name"; stat -c '%s %a %U' "$tmp/$name")
  run ${3:-} -o "$tmp/$name" -D 1
  if [ "$rc" -ne 2 ]; then bad "output-$name" "exit $rc, want 2 (stderr: $err)"
  elif ! one_line || [[ $err != *"$needle"* ]]; then bad "output-$name" "message: $err"
  elif [ "$(md5sum <"$tmp/$name"; stat -c '%s %a %U' "$tmp/$name")" != "$before" ]; then
    bad "output-$name" "the file changed"
  else ok "output-$name refused (exit 2: ${err#inputtrace: })"; fi
}
printf 'notes\n' >"$tmp/notes.txt"
not_ours notes.txt "was not written by inputtrace"
printf 'record,dev,device,sec,usec,time,type,code,value\n' >"$tmp/theirs.csv"
chown nobody "$tmp/theirs.csv"
not_ours theirs.csv "belongs to another user"
printf '{"record":"header","schema":1}\n' >"$tmp/loose.jsonl"
chmod 0666 "$tmp/loose.jsonl"
not_ours loose.jsonl "others may write it"
printf '{"record":"event"}\n' | gzip >"$tmp/plain.jsonl.gz"
chmod 0600 "$tmp/plain.jsonl.gz"
not_ours plain.jsonl.gz "was not written by inputtrace" -z

# --- a capture on this kernel, into a file that has content ------------------------
# Here (fentry refused, no kprobes) it must fail with 1 and one line naming both;
# on a kernel where capture works it runs 1 s and must end with a stats record.
printf '{"record":"header","schema":1}\n' >"$tmp/capture.jsonl"
chmod 0640 "$tmp/capture.jsonl"
run -o "$tmp/capture.jsonl" -D 1
if [ "$rc" -eq 1 ]; then
  if ! one_line; then bad "capture-auto" "stderr is not one 'inputtrace: ' line: $err"
  elif [[ $err != *fentry* || $err != *kprobes* ]]; then bad "capture-auto" "message lacks fentry/kprobes: $err"
  else ok "capture-auto (exit 1: ${err#inputtrace: })"; fi
elif [ "$rc" -eq 0 ]; then
  if tail -n 1 "$tmp/capture.jsonl" | grep -q '^{"record":"stats"'; then ok "capture-auto (captured)"
  else bad "capture-auto" "exit 0 but no stats record"; fi
else bad "capture-auto" "exit $rc: $err"; fi
if [ "$(head -n 1 "$tmp/capture.jsonl")" = '{"record":"header","schema":1}' ]; then ok "output-appends"
else bad "output-appends" "first line now: $(head -n 1 "$tmp/capture.jsonl")"; fi
if [ "$(stat -c %a "$tmp/capture.jsonl")" = 640 ]; then ok "output-mode-kept"
else bad "output-mode-kept" "mode $(stat -c %a "$tmp/capture.jsonl")"; fi
if [ ! -s "$tmp/out" ]; then ok "capture-stdout-empty"; else bad "capture-stdout-empty" "$out"; fi

# one mechanism at a time: the message names that one; a start that fails leaves no
# new file behind (one that captured is created 0600)
run --attach kprobe -o "$tmp/new.jsonl" -D 1
if [ "$rc" -eq 1 ] && one_line && [[ $err == *kprobe* && $err != *fentry* ]]; then ok "capture-kprobe-only"
elif [ "$rc" -eq 0 ]; then ok "capture-kprobe-only (captured)"
else bad "capture-kprobe-only" "exit $rc: $err"; fi
if [ "$rc" -eq 1 ] && [ ! -e "$tmp/new.jsonl" ]; then ok "failed-start-leaves-no-file"
elif [ "$rc" -eq 0 ] && [ "$(stat -c %a "$tmp/new.jsonl")" = 600 ]; then ok "output-created-0600"
else bad "failed-start-leaves-no-file" "exit $rc, $(stat -c %a "$tmp/new.jsonl" 2>&1)"; fi

# a failed start deletes nothing under --max-files, and creates nothing
mkdir -p "$tmp/keep"
for i in 1 2 3; do echo '{"record":"old"}' > "$tmp/keep/inputtrace-2026010${i}T000000.000000Z-$(hostname).jsonl"; done
run -o "$tmp/keep/" --max-files 1 -D 1
n=$(ls "$tmp/keep" | wc -l)
if [ "$rc" -ne 0 ] && [ "$n" -eq 3 ]; then ok "failed-start-keeps-old-files"
else bad "failed-start-keeps-old-files" "exit $rc, $n files: $(ls "$tmp/keep")"; fi

# appending gzip to a plain file (or plain to gzip) is refused, the file kept
echo '{"record":"old"}' > "$tmp/plain.jsonl"
run -o "$tmp/plain.jsonl" --compress -D 1
if [ "$rc" -eq 2 ] && one_line && [[ $err == *"not gzip"* ]] && [ "$(cat "$tmp/plain.jsonl")" = '{"record":"old"}' ]; then
  ok "compress-onto-plain-refused"
else bad "compress-onto-plain-refused" "exit $rc: $err"; fi

# output, metrics file and status file must differ
echo '{"record":"old"}' > "$tmp/same.jsonl"
run -o "$tmp/same.jsonl" --metrics-file "$tmp/same.jsonl" -D 1
if [ "$rc" -eq 2 ] && one_line && [ "$(cat "$tmp/same.jsonl")" = '{"record":"old"}' ]; then ok "metrics-file-is-output-refused"
else bad "metrics-file-is-output-refused" "exit $rc: $err"; fi
run -o "$tmp/same.jsonl" --status-file "$tmp/same.jsonl" -D 1
if [ "$rc" -eq 2 ] && one_line && [ "$(cat "$tmp/same.jsonl")" = '{"record":"old"}' ]; then ok "status-file-is-output-refused"
else bad "status-file-is-output-refused" "exit $rc: $err"; fi

# --device / --exclude-device matching no device present now: accepted (a device may
# be plugged in later), one warning per spec, said before attaching; an invalid spec
# stays a usage error
run -o "$tmp/warn.jsonl" -d 'name:inputtrace-test-no-such-device*' --exclude-device input999999 \
  -d input999998 -D 1
w=$(grep -c 'matches no device present now; it will apply to devices that appear later$' "$tmp/err")
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then bad "device-matches-none-warned" "exit $rc: $err"
elif [ "$w" -ne 3 ] || ! grep -q "^inputtrace: warning: --device 'name:inputtrace-test-no-such-device\*' " "$tmp/err" ||
     ! grep -q "^inputtrace: warning: --device 'input999998' " "$tmp/err" ||
     ! grep -q "^inputtrace: warning: --exclude-device 'input999999' " "$tmp/err"; then
  bad "device-matches-none-warned" "$w warnings: $err"
elif [ "$rc" -eq 1 ] && [ "$(grep -vc 'matches no device present now' "$tmp/err")" -ne 1 ]; then
  bad "device-matches-none-warned" "more than the warnings and the attach error: $err"
else ok "device-matches-none-warned (exit $rc, 3 warnings)"; fi
first=$(ls /sys/class/input 2>/dev/null | grep -m1 '^input[0-9]*$')
if [ -n "$first" ]; then
  run -o "$tmp/warn.jsonl" -d "$first" --exclude-device "$first" -D 1
  if grep -q 'matches no device' "$tmp/err"; then bad "device-present-not-warned" "$err"
  else ok "device-present-not-warned ($first)"; fi
else
  echo "skip device-present-not-warned (no input devices here)"
fi
bad_flag "exclude-device-mouse" "--exclude-device" --exclude-device /dev/input/mouse0
bad_flag "exclude-device-missing-node" "--exclude-device" --exclude-device /dev/input/event999999

run --attach fentry -D 1
if [ "$rc" -eq 1 ] && one_line && [[ $err == *fentry* && $err != *kprobe* ]] && [ ! -s "$tmp/out" ]; then
  ok "capture-fentry-only"
elif [ "$rc" -eq 0 ]; then ok "capture-fentry-only (captured)"
else bad "capture-fentry-only" "exit $rc: $err"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
