#!/usr/bin/env bash
# tests/focus/run.sh HELPER CTXDRIVER - the focus helper (`inputtrace focus`, here
# build/tests/focus_helper) on a real desktop stack, no VM: Xvfb, openbox (EWMH), a
# private D-Bus session bus with AT-SPI (at-spi-bus-launcher, at-spi2-registryd), real
# GTK applications (gtk3-demo started as a desktop file's, zenity, yad) and an X11
# application without accessibility (xmessage); focus switched with xdotool.
#  1. AT-SPI: the reports (--stdout) follow the focus sequence exactly
#  2. AT-SPI off (no accessibility bus): the EWMH fallback does the same
#  3. the reports through the agent's decisions (focusctx): allow-list and pause list
#  4. to an agent's socket: reports arrive; agent killed and restarted: the helper
#     goes on and sends the current focus again; an agent that closes after each line
# Every wait is for a condition, bounded. Prints "N passed, M failed".
set -uo pipefail
helper=$(realpath "$1")
ctxdriver=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
pids=()
tmp=$(mktemp -d /tmp/it-focus-XXXXXX)

# our processes and, first, their children (the accessibility bus the launcher
# started, the registry that bus started), by id
tree() { local c; for c in $(pgrep -P "$1"); do tree "$c"; done; echo "$1"; }
cleanup() {
  local i p
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    for p in $(tree "${pids[i]}"); do kill "$p" 2> /dev/null; done
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2> /dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$3], got [$2]"; fi; }

# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS
wait_for() {
  local n=$(($1 * 20)); shift
  until "$@"; do
    n=$((n - 1)); [ "$n" -gt 0 ] || return 1
    sleep 0.05
  done
}
last_is() { [ "$(tail -n 1 "$1" 2>/dev/null)" = "$2" ]; }
has_line() { grep -qx -- "$2" "$1" 2>/dev/null; }
lines() { tr '\n' ' ' < "$1" | sed 's/ $//'; }

for t in Xvfb openbox xdotool xprop dbus-daemon gtk3-demo zenity yad xmessage; do
  command -v "$t" > /dev/null || { echo "missing $t (scripts/install-deps.sh)"; echo "0 passed, 1 failed"; exit 1; }
done
[ -x /usr/libexec/at-spi-bus-launcher ] || { echo "missing at-spi2-core"; echo "0 passed, 1 failed"; exit 1; }

# --- a private session ---------------------------------------------------------------
mkdir -p "$tmp"/{home,run,cache,config}
chmod 700 "$tmp" "$tmp/run"
export HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run XDG_CACHE_HOME=$tmp/cache \
  XDG_CONFIG_HOME=$tmp/config GSETTINGS_BACKEND=memory NO_AT_BRIDGE=0
unset AT_SPI_BUS_ADDRESS DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY
Xvfb -displayfd 3 -nolisten tcp -screen 0 1024x768x24 3> "$tmp/display" 2> "$tmp/xvfb.log" &
pids+=($!)
wait_for 10 grep -q . "$tmp/display" || { cat "$tmp/xvfb.log"; echo "0 passed, 1 failed"; exit 1; }
export DISPLAY=:$(head -n 1 "$tmp/display")
dbus-daemon --session --fork --print-address=3 --print-pid=4 3> "$tmp/bus" 4> "$tmp/bus.pid"
pids+=("$(cat "$tmp/bus.pid")")
export DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$tmp/bus")
openbox --sm-disable > "$tmp/openbox.log" 2>&1 &
pids+=($!)
wait_for 10 sh -c 'xprop -root _NET_SUPPORTING_WM_CHECK | grep -q "window id"' ||
  bad "openbox did not come up"
/usr/libexec/at-spi-bus-launcher --launch-immediately > "$tmp/atspi.log" 2>&1 &
pids+=($!)
wait_for 10 sh -c 'xprop -root AT_SPI_BUS | grep -q unix:' || bad "no accessibility bus"

# start_app NAME CMD...: start it, wait for its window to be the active one; its
# window id into win_NAME
start_app() {
  local name=$1 pid w; shift
  "$@" > "$tmp/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  if [ "$name" = xmessage ]; then	# no _NET_WM_PID: found by its WM_CLASS
    w=$(timeout 15 xdotool search --sync --onlyvisible --classname '^xmessage$' 2> /dev/null | head -n 1)
  else
    w=$(timeout 15 xdotool search --sync --onlyvisible --pid "$pid" 2> /dev/null | head -n 1)
  fi
  [ -n "$w" ] || { bad "$name: no window"; return 1; }
  wait_for 10 sh -c "[ \"\$(xdotool getactivewindow 2>/dev/null)\" = $w ]" ||
    xdotool windowactivate --sync "$w"
  printf -v "win_$name" %s "$w"
}
# (the helper's output is opened O_APPEND, so that it can be emptied between parts)
# focus NAME: activate its window (xdotool waits until it is active)
focus() { local v="win_$1"; xdotool windowactivate --sync "${!v}" 2> /dev/null; }

# --- 1. AT-SPI ----------------------------------------------------------------------------
# The helper first, so that each application finds its listener at start.
"$helper" --stdout >> "$tmp/atspi.out" 2> "$tmp/atspi.err" &
hpid=$!
pids+=("$hpid")
wait_for 10 has_line "$tmp/atspi.out" "focus unknown" || bad "AT-SPI: no first report"
grep -q "through AT-SPI" "$tmp/atspi.err" && ok "AT-SPI chosen when the accessibility bus is there" ||
  bad "AT-SPI not chosen: $(cat "$tmp/atspi.err")"

# gtk3-demo as GIO starts a desktop file's application: its id is the desktop-file id
start_app demo env GIO_LAUNCHED_DESKTOP_FILE="$tmp/org.example.Demo.desktop" \
  sh -c 'export GIO_LAUNCHED_DESKTOP_FILE_PID=$$; exec gtk3-demo'
wait_for 15 last_is "$tmp/atspi.out" "focus org.example.Demo" || bad "AT-SPI: gtk3-demo not reported"
start_app zenity zenity --info --text "focus test"
wait_for 15 last_is "$tmp/atspi.out" "focus zenity" || bad "AT-SPI: zenity not reported"
start_app yad yad --text "focus test"
wait_for 15 last_is "$tmp/atspi.out" "focus yad" || bad "AT-SPI: yad not reported"
start_app xmessage xmessage -name xmessage "focus test"

seq_atspi=(org.example.Demo zenity yad zenity org.example.Demo yad)
run_sequence() {	# run_sequence OUT APP...: focus each, wait for its report
  local out=$1 app id; shift
  for app in "$@"; do
    case $app in
      org.example.Demo) focus demo; id=$app ;;
      xmessage) focus xmessage; id=$xmessage_id ;;
      *) focus "$app"; id=$app ;;
    esac
    wait_for 10 last_is "$out" "focus $id" || { bad "no report \"focus $id\" after focusing $app"; return 1; }
  done
}
# an application AT-SPI does not see: the focus is "unknown" there
xmessage_id=unknown
: > "$tmp/atspi.out"
run_sequence "$tmp/atspi.out" zenity org.example.Demo yad xmessage zenity org.example.Demo yad
check "AT-SPI: reports follow the focus exactly" "$(lines "$tmp/atspi.out")" \
  "focus zenity focus org.example.Demo focus yad focus unknown focus zenity focus org.example.Demo focus yad"
cp "$tmp/atspi.out" "$tmp/atspi.seq"
kill "$hpid"; wait "$hpid" 2> /dev/null
check "helper exits 0 on SIGTERM" "$?" 0

# --- 2. AT-SPI off: EWMH -------------------------------------------------------------------
# No accessibility bus for the helper: no session bus, no AT_SPI_BUS on the root window
xprop -root -remove AT_SPI_BUS
DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/no-such-bus "$helper" --stdout >> "$tmp/x11.out" 2> "$tmp/x11.err" &
hpid=$!
pids+=("$hpid")
wait_for 10 last_is "$tmp/x11.out" "focus yad" || bad "EWMH: first report not the active yad"
grep -q "through X11 (EWMH _NET_ACTIVE_WINDOW); AT-SPI: no accessibility bus" "$tmp/x11.err" &&
  ok "EWMH chosen when AT-SPI is off" || bad "EWMH not chosen: $(cat "$tmp/x11.err")"
# xmessage has no _NET_WM_PID: its WM_CLASS names it
xmessage_id=Xmessage
: > "$tmp/x11.out"
run_sequence "$tmp/x11.out" zenity org.example.Demo yad xmessage zenity org.example.Demo yad
check "EWMH: reports follow the focus exactly" "$(lines "$tmp/x11.out")" \
  "focus zenity focus org.example.Demo focus yad focus Xmessage focus zenity focus org.example.Demo focus yad"
kill "$hpid"; wait "$hpid" 2> /dev/null

# --source atspi without an accessibility bus: exit 1, one line
DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/no-such-bus timeout 10 "$helper" --stdout --source atspi \
  > /dev/null 2> "$tmp/atspi-off.err"
rc=$?
check "--source atspi without AT-SPI: exit 1" "$rc" 1
check "--source atspi without AT-SPI: one line" "$(cat "$tmp/atspi-off.err")" \
  "inputtrace: focus: AT-SPI: no accessibility bus (at-spi-bus-launcher not reachable)"
"$helper" --source wayland > /dev/null 2> "$tmp/usage.err"
check "bad --source: exit 2" "$?" 2

# --- 3. through the agent's decisions --------------------------------------------------
"$ctxdriver" --apps org.example.Demo,zenity --pause-apps yad < "$tmp/atspi.seq" > "$tmp/ctx.out"
check "allow-list and pause list on the AT-SPI reports" "$(lines "$tmp/ctx.out")" \
  "record zenity record org.example.Demo pause yad record other resume record unknown record zenity record org.example.Demo pause yad record other"

# --- 4. to an agent ----------------------------------------------------------------------
sock=$tmp/agent.sock
python3 "$here/fake_agent.py" "$sock" "$tmp/agent1.log" &
apid=$!
pids+=("$apid")
wait_for 10 test -S "$sock" || bad "fake agent did not start"
"$helper" --socket "$sock" 2> "$tmp/sock.err" &
hpid=$!
pids+=("$hpid")
wait_for 10 has_line "$tmp/agent1.log" "focus yad" || bad "agent: first report missing"
focus zenity
wait_for 10 last_is "$tmp/agent1.log" "focus zenity" || bad "agent: zenity not reported"
check "agent: the reports, one line each" "$(lines "$tmp/agent1.log")" "focus yad focus zenity"
"$helper" --socket "$sock" 2> "$tmp/second.err"
rc=$?
grep -q "another focus helper runs for this display" "$tmp/second.err" && [ "$rc" = 0 ] &&
  ok "a second helper for the same display exits 0" || bad "second helper: rc $rc, $(cat "$tmp/second.err")"
kill "$apid"; wait "$apid" 2> /dev/null
focus demo		# while no agent is there
focus yad
kill -0 "$hpid" 2> /dev/null && ok "helper goes on without its agent" || bad "helper died without its agent"
python3 "$here/fake_agent.py" "$sock" "$tmp/agent2.log" &
apid=$!
pids+=("$apid")
wait_for 20 has_line "$tmp/agent2.log" "focus yad" && ok "agent restarted: the current focus sent again" ||
  bad "agent restarted: got [$(lines "$tmp/agent2.log")]"
kill "$apid"; wait "$apid" 2> /dev/null
# an agent that answers one line per connection, then closes
python3 "$here/fake_agent.py" "$sock" "$tmp/agent3.log" --oneshot &
apid=$!
pids+=("$apid")
wait_for 20 has_line "$tmp/agent3.log" "focus yad" || bad "one-line agent: current focus not sent"
focus zenity
wait_for 10 has_line "$tmp/agent3.log" "focus zenity" || bad "one-line agent: zenity missing"
focus demo
wait_for 10 has_line "$tmp/agent3.log" "focus org.example.Demo" &&
  ok "agent closing after each line: every change arrives" ||
  bad "one-line agent: got [$(lines "$tmp/agent3.log")]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
