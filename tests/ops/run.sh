#!/usr/bin/env bash
# Operator-facing files, checked on the host: the man page covers every long option
# of --help, `make install` installs binary, man page and unit under DESTDIR, and the
# installed unit passes `systemd-analyze verify`; operator flags and `ctl` as far as
# this machine allows without attaching (ctl status against a stand-in agent's
# control socket and status file).
set -uo pipefail
agent=${1:-build/inputtrace}
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. every --long option of --help is documented in the man page
opts=$("$agent" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$opts" ] || bad man-options "no options parsed from --help"
missing=""
for o in $opts; do
  grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" scripts/inputtrace.8 || missing="$missing $o"
done
[ -z "$missing" ] && ok "man page documents all $(echo $opts | wc -w) long options" || bad man-options "missing:$missing"

# 2. the man page renders without warnings
if warn=$(LC_ALL=C groff -man -Tutf8 -ww -z scripts/inputtrace.8 2>&1) && [ -z "$warn" ]; then
  ok "man page renders cleanly"
else
  bad man-render "$warn"
fi

# 3. make install under DESTDIR
if make --no-print-directory install DESTDIR="$tmp/root" PREFIX=/usr >/dev/null 2>"$tmp/err"; then
  for f in usr/sbin/inputtrace usr/share/man/man8/inputtrace.8 lib/systemd/system/inputtrace.service; do
    [ -f "$tmp/root/$f" ] || bad install "missing $f"
  done
  grep -q '^ExecStart=/usr/sbin/inputtrace ' "$tmp/root/lib/systemd/system/inputtrace.service" \
    && ok "make install puts binary, man page and unit under DESTDIR" \
    || bad install "ExecStart not rewritten to /usr/sbin"
else
  bad install "$(cat "$tmp/err")"
fi

# 4. the unit verifies (ExecStart pointed at the built binary, which must exist)
if command -v systemd-analyze >/dev/null; then
  sed "s|@SBINDIR@/inputtrace|$PWD/$agent|" scripts/inputtrace.service > "$tmp/inputtrace.service"
  if out=$(systemd-analyze verify --man=no "$tmp/inputtrace.service" 2>&1) && [ -z "$out" ]; then
    ok "systemd-analyze verify accepts the unit"
  else
    bad unit-verify "$out"
  fi
else
  bad unit-verify "systemd-analyze not installed"
fi

# 5. operator flags and `ctl`, as far as this machine allows without attaching
# expect NAME STATUS PATTERN CMD...: exit status STATUS and exactly one stderr line
# matching PATTERN
expect() {
  local name=$1 want=$2 pat=$3 rc
  shift 3
  "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if [ "$rc" -eq "$want" ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -Eq -- "$pat" "$tmp/err"; then
    ok "$name"
  else
    bad "$name" "exit $rc, stderr: $(cat "$tmp/err")"
  fi
}
expect "ctl status without an agent: exit 1, one line" 1 \
  "^inputtrace: ctl status: cannot open $tmp/nopin/it_counters: No such file or directory \(no agent running with this --pin\?\)\$" \
  "$agent" ctl status --pin "$tmp/nopin"
expect "ctl with an unknown command: exit 2" 2 "unknown ctl command 'bogus'" "$agent" ctl bogus
# ctl status without --pin: the agent's control socket and status file; with neither
# there, exit 1 and one line
expect "ctl status without pins, no agent: exit 1, one line" 1 \
  "^inputtrace: ctl status: no agent: cannot connect to $tmp/none.sock: No such file or directory; no status file $tmp/none.status\$" \
  "$agent" ctl status --socket "$tmp/none.sock" --status-file "$tmp/none.status"
expect "ctl status --json without pins, no agent: exit 1, one line" 1 \
  "^inputtrace: ctl status: no agent: cannot connect to $tmp/none.sock: No such file or directory\$" \
  "$agent" ctl status --json --socket "$tmp/none.sock" --status-file none
expect "ctl status with --pin and --socket: exit 2" 2 "give one or the other" \
  "$agent" ctl status --pin "$tmp/nopin" --socket "$tmp/none.sock"
# a stand-in for a running agent (this kernel cannot run one): its socket answers
# "status" as the agent's loop does, its status file is in the agent's format and
# locked as the agent locks it
mkdir -p "$tmp/run"
python3 - "$tmp/run/control.sock" "$tmp/run/status" <<'PY' &
import os, socket, sys
path, status = sys.argv[1:3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
with open(status + ".tmp", "w") as f:
    f.write("# inputtrace: this computer's input events (keyboard, mouse, touch) are being\n"
            "# recorded by the inputtrace agent; see inputtrace(8) and README \"Data contract\".\n"
            "state=capturing\npid=%d\nsince=2026-11-29T20:30:01.123456Z\npaused_since=\n"
            "keys=class\npointer=exact\ntypes=all\n"
            "devices=input3 \"AT Translated Set 2 keyboard\" /dev/input/event2\nexclude=\n"
            "format=jsonl\noutput=/var/log/it.jsonl\ncontrol=%s (root only, SIGUSR1/SIGUSR2)\n"
            % (os.getpid(), path))
os.rename(status + ".tmp", status)
# held as the agent holds it (control.c: flock LOCK_EX while it runs)
import fcntl
held = open(status)
fcntl.flock(held, fcntl.LOCK_EX)
s.settimeout(60)
while True:
    c, _ = s.accept()
    line = c.recv(64)
    c.sendall(b"ok paused\n" if line == b"status\n" else b"error: unknown command\n")
    c.close()
PY
standin=$!
for _ in $(seq 100); do [ -S "$tmp/run/control.sock" ] && [ -s "$tmp/run/status" ] && break; sleep 0.05; done
if "$agent" ctl status --socket "$tmp/run/control.sock" --status-file "$tmp/run/status" > "$tmp/out" 2> "$tmp/err" &&
   [ ! -s "$tmp/err" ] &&
   [ "$(head -n 1 "$tmp/out")" = "agent pid $standin: paused (from the control socket $tmp/run/control.sock and the status file $tmp/run/status)" ] &&
   grep -qx 'keys=class' "$tmp/out" && grep -qx 'output=/var/log/it.jsonl' "$tmp/out" &&
   grep -qx 'devices=input3 "AT Translated Set 2 keyboard" /dev/input/event2' "$tmp/out"; then
  ok "ctl status without pins: state from the control socket, settings from the status file"
else bad "ctl status without pins" "$(cat "$tmp/out" "$tmp/err")"; fi
if "$agent" ctl status --json --socket "$tmp/run/control.sock" --status-file "$tmp/run/status" > "$tmp/out" 2> "$tmp/err" &&
   python3 - "$tmp/out" "$standin" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
assert text.count("\n") == 1, text
s = json.loads(text)
assert s["state"] == "paused" and s["pid"] == int(sys.argv[2]), s
assert s["keys"] == "class" and s["types"] == "all" and s["output"] == "/var/log/it.jsonl", s
assert s["control_socket"].endswith("/run/control.sock") and s["status_file"].endswith("/run/status"), s
PY
then ok "ctl status --json without pins: one object"
else bad "ctl status --json without pins" "$(cat "$tmp/out" "$tmp/err")"; fi
# the status file alone (an agent without --control-socket)
if "$agent" ctl status --socket "$tmp/none.sock" --status-file "$tmp/run/status" > "$tmp/out" 2> "$tmp/err" &&
   [ "$(head -n 1 "$tmp/out")" = "agent pid $standin: capturing (from the status file $tmp/run/status; cannot connect to $tmp/none.sock: No such file or directory)" ]; then
  ok "ctl status from the status file alone"
else bad "ctl status from the status file alone" "$(cat "$tmp/out" "$tmp/err")"; fi
kill "$standin" 2>/dev/null
wait "$standin" 2>/dev/null
# once the agent is gone (kill -9 leaves both behind): no agent
expect "ctl status after the agent died: exit 1, one line" 1 \
  "^inputtrace: ctl status: no agent: cannot connect to $tmp/run/control.sock: Connection refused; the status file $tmp/run/status names pid $standin, which is not running\$" \
  "$agent" ctl status --socket "$tmp/run/control.sock" --status-file "$tmp/run/status"
# its pid reused by another process (here this shell): the file is still nobody's
sed -i "s/^pid=.*/pid=$$/" "$tmp/run/status"
expect "ctl status, a killed agent's status file naming a live pid: exit 1, one line" 1 \
  "^inputtrace: ctl status: no agent: cannot connect to $tmp/none.sock: No such file or directory; the status file $tmp/run/status names pid $$, but no agent holds it \(left by an agent that was killed\)\$" \
  "$agent" ctl status --socket "$tmp/none.sock" --status-file "$tmp/run/status"
expect "--pin outside a BPF file system: exit 1" 1 \
  "^inputtrace: --pin $tmp/x/y: not in a BPF file system \(pin under /sys/fs/bpf; if it is not mounted: mount -t bpf bpf /sys/fs/bpf\)\$" \
  "$agent" --pin "$tmp/x/y"
expect "--user of an unknown user: exit 2" 2 "^inputtrace: invalid --user 'no-such-user-xyz': no such user\$" \
  "$agent" --user no-such-user-xyz
# a pin directory someone holds (flock(1) stands for a running agent): refused at once
if [ "$(id -u)" = 0 ] && mkdir -p "$tmp/bpffs" && mount -t bpf bpf "$tmp/bpffs" 2>/dev/null; then
  mkdir "$tmp/bpffs/it"
  python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
time.sleep(30)' "$tmp/bpffs/it" &
  holder=$!
  for _ in $(seq 50); do flock -n "$tmp/bpffs/it" true || break; sleep 0.1; done
  expect "--pin held by another agent: exit 1, one line" 1 \
    "^inputtrace: another inputtrace is running with --pin $tmp/bpffs/it\$" "$agent" --pin "$tmp/bpffs/it"
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  umount "$tmp/bpffs" || umount -l "$tmp/bpffs"
else
  echo "skip --pin lock (needs root and a BPF file system)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
