#!/usr/bin/env bash
# Operator-facing files, checked on the host: the man page covers every long option
# of --help, `make install` installs binary, man page and unit under DESTDIR, and the
# installed unit passes `systemd-analyze verify`.
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
expect "--pin outside a BPF file system: exit 1" 1 \
  "^inputtrace: --pin $tmp/x/y: $tmp/x is not in a BPF file system \(mount -t bpf bpf $tmp/x\)\$" \
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
