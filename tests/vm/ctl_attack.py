#!/usr/bin/env python3
"""Hostile and busy clients of the agent's control socket, for tests/vm/guest-control.sh
(issue 14, defect 1): for DURATION seconds, at once
  - SILENT clients that connect and send nothing (each reconnects when the agent
    closes it),
  - one client dripping a byte every 0.9 s (reconnecting likewise),
  - every 2 s, a burst of PARALLEL clients that connect at once and send "status\\n",
    each timed from its first connect attempt to its answer ("error: busy" is
    retried, as `inputtrace ctl` does).
Every socket is non-blocking: the attacker itself never waits on the agent. Writes a
JSON summary to OUT.

usage: ctl_attack.py SOCKET DURATION OUT [--silent N] [--parallel N]
"""
import argparse
import json
import selectors
import socket
import time


class Conn:
    def __init__(self, kind, path, now):
        self.kind, self.path = kind, path
        self.start = now		# first attempt (for parallel: its latency)
        self.sock = None
        self.buf = b""
        self.sent = False
        self.connect(now)

    def connect(self, now):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        try:
            self.sock.connect(self.path)
            self.connected = True
        except BlockingIOError:		# the agent's backlog is full: try again later
            self.sock.close()
            self.sock = None
            self.connected = False
        self.last_send = now


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("duration", type=float)
    ap.add_argument("out")
    ap.add_argument("--silent", type=int, default=20)
    ap.add_argument("--parallel", type=int, default=100)
    ap.add_argument("--burst-every", type=float, default=2.0)
    a = ap.parse_args()

    sel = selectors.DefaultSelector()
    st = {"silent_closed": 0, "drip_closed": 0, "drip_bytes": 0, "parallel": 0, "ok": 0,
          "busy_retries": 0, "errors": [], "no_answer": 0, "latencies": [], "connect_retries": 0}
    conns = []
    t0 = time.monotonic()
    next_burst = t0 + 0.5

    def add(kind, now):
        c = Conn(kind, a.socket, now)
        conns.append(c)
        if c.sock:
            sel.register(c.sock, selectors.EVENT_READ, c)
        return c

    def reopen(c, now):
        if c.sock:
            sel.unregister(c.sock)
            c.sock.close()
        c.buf, c.sent = b"", False
        c.connect(now)
        if c.sock:
            sel.register(c.sock, selectors.EVENT_READ, c)

    def send(c, data):
        try:
            c.sock.send(data)
            return True
        except OSError:
            return False

    def closed(c, line, now):
        """c was answered with line (or closed): count, and reconnect or retire it."""
        if c.kind == "silent":
            st["silent_closed"] += 1
            reopen(c, now)
        elif c.kind == "drip":
            st["drip_closed"] += 1
            reopen(c, now)
        elif line.startswith("error: busy"):
            st["busy_retries"] += 1
            reopen(c, now)
            if c.sock:
                c.sent = send(c, b"status\n")
        else:
            if line.startswith("ok "):
                st["ok"] += 1
                st["latencies"].append(round(now - c.start, 4))
            else:
                st["errors"].append(line or "closed without an answer")
            sel.unregister(c.sock)
            c.sock.close()
            conns.remove(c)

    now = t0
    for _ in range(a.silent):
        add("silent", now)
    drip = add("drip", now)
    housekeeping = t0
    # event-driven: the attacker must not eat the CPU the agent needs (the VM has one)
    while True:
        now = time.monotonic()
        if now - t0 > a.duration and not any(c.kind == "parallel" for c in conns):
            break
        if now >= next_burst and now - t0 <= a.duration:
            for _ in range(a.parallel):	# each sends at once, as `inputtrace ctl` does
                c = add("parallel", now)
                st["parallel"] += 1
                if c.sock:
                    c.sent = send(c, b"status\n")
            next_burst += a.burst_every
        if drip.sock and now - drip.last_send >= 0.9:
            if send(drip, b"x"):
                st["drip_bytes"] += 1
            drip.last_send = now
        if now >= housekeeping:
            housekeeping = now + 0.1
            for c in list(conns):
                if c.kind == "parallel" and now - c.start > 5:	# given up
                    st["no_answer"] += 1
                    if c.sock:
                        sel.unregister(c.sock)
                        c.sock.close()
                    conns.remove(c)
                elif c.sock is None:	# its connect found the backlog full: again
                    st["connect_retries"] += 1
                    c.connect(now)
                    if c.sock:
                        sel.register(c.sock, selectors.EVENT_READ, c)
                        if c.kind == "parallel":
                            c.sent = send(c, b"status\n")
        wake = min(next_burst, drip.last_send + 0.9, housekeeping)
        for key, _ in sel.select(timeout=max(0.0, wake - time.monotonic())):
            c = key.data
            try:
                data = c.sock.recv(256)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                c.buf += data
                if not c.buf.endswith(b"\n"):
                    continue
            closed(c, c.buf.decode(errors="replace").strip(), time.monotonic())
    lat = sorted(st["latencies"])
    st["max_latency"] = lat[-1] if lat else None
    st["median_latency"] = lat[len(lat) // 2] if lat else None
    st["elapsed"] = round(time.monotonic() - t0, 2)
    del st["latencies"]
    st["errors"] = st["errors"][:10]
    json.dump(st, open(a.out, "w"))
    print("ctl_attack:", json.dumps(st))


if __name__ == "__main__":
    main()
