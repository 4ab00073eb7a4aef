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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
