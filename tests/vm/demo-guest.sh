#!/bin/sh
# Guest side of `make demo`: create two uinput devices from real recordings, start the
# agent, replay both while evemu-record reads the devices (evdev delivers events to the
# hook only while a reader has the node open), stop the agent.
set -e
o=/tmp/out
node_of() { grep -o '/dev/input/event[0-9]*' "$1" | head -1; }
wait_file() { # wait_file FILE PATTERN: bounded wait for PATTERN in FILE
  i=0; while ! grep -q "$2" "$1" 2>/dev/null; do i=$((i+1)); [ $i -lt 600 ] || { echo "demo: timeout waiting for $2 in $1"; exit 1; }; sleep 0.05; done
}
evemu-device $o/kbd-lenovo-compact-usb.evemu > $o/kbd.dev 2>&1 &
evemu-device $o/touchpad-alps-glidepoint-2finger-tap.evemu > $o/tp.dev 2>&1 &
wait_file $o/kbd.dev /dev/input; wait_file $o/tp.dev /dev/input
K=$(node_of $o/kbd.dev); T=$(node_of $o/tp.dev)
stdbuf -oL evemu-record $K > $o/kbd.rec & R1=$!
stdbuf -oL evemu-record $T > $o/tp.rec & R2=$!
wait_file $o/kbd.rec '^N:'; wait_file $o/tp.rec '^N:'
"$PWD/build/inputtrace" --device "$K" --device "$T" -o $o/demo.jsonl 2> $o/agent.err & A=$!
wait_file $o/agent.err 'capturing input events'
evemu-play $K < $o/kbd-lenovo-compact-usb.evemu
evemu-play $T < $o/touchpad-alps-glidepoint-2finger-tap.evemu
kill -INT $A; wait $A
kill $R1 $R2 2>/dev/null || true
cat $o/agent.err
