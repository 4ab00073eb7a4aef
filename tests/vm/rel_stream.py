#!/usr/bin/env python3
"""A steady stream of relative motion into an input device, for tests/vm/guest-control.sh:
frames {REL_X 1, SYN_REPORT} written to NODE (/dev/input/eventN: the input core takes
them as injected events) at RATE events per second for DURATION seconds. Paced on the
monotonic clock and written in batches of at most 16 frames every few milliseconds,
so a slow moment is caught up (up to ~8000 events/s) rather than lost, and never in one
burst larger than the ring buffer takes. Writes the number of events sent to OUT.

usage: rel_stream.py NODE RATE DURATION OUT
"""
import os
import struct
import sys
import time

EV_SYN, EV_REL, REL_X, SYN_REPORT = 0, 2, 0, 0
BATCH = 16


def main():
    node, rate, duration, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    ev = struct.Struct("llHHi")		# struct input_event (64-bit)
    frame = ev.pack(0, 0, EV_REL, REL_X, 1) + ev.pack(0, 0, EV_SYN, SYN_REPORT, 0)
    fd = os.open(node, os.O_WRONLY)
    sent = 0	# frames
    t0 = time.monotonic()
    while True:
        now = time.monotonic() - t0
        # at most BATCH frames a write: on one CPU the agent runs only between them
        due = min(int(min(now, duration) * rate / 2) - sent, BATCH)
        if due > 0:
            os.write(fd, frame * due)
            sent += due
        if now >= duration:
            break
        time.sleep(0.004)
    os.close(fd)
    open(out, "w").write(f"{sent * 2} {time.monotonic() - t0:.2f}\n")
    print(f"rel_stream: {sent * 2} events in {time.monotonic() - t0:.2f} s")


if __name__ == "__main__":
    main()
