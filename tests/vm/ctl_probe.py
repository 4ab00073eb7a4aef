#!/usr/bin/env python3
"""The operator's view during tests/vm/guest-control.sh: "status", "pause", "status",
"resume" sent to the agent's control socket one after another, over and over until the
file STOP exists, each timed from connect() to the whole answer line (a process that
stays up, so the time is the agent's, not exec's). One line per request in OUT:
"CMD SECONDS ANSWER" ("-" for none within 5 s).

usage: ctl_probe.py SOCKET OUT STOP
"""
import os
import socket
import sys
import time


def ask(path, cmd):
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    buf = b""
    try:
        s.connect(path)
        s.sendall(cmd.encode() + b"\n")
        while not buf.endswith(b"\n"):
            data = s.recv(256)
            if not data:
                break
            buf += data
    except OSError:
        pass
    s.close()
    return time.monotonic() - t0, buf.decode(errors="replace").strip() or "-"


def main():
    path, out, stop = sys.argv[1:4]
    with open(out, "w") as f:
        while not os.path.exists(stop):
            for cmd in ("status", "pause", "status", "resume"):
                took, answer = ask(path, cmd)
                f.write(f"{cmd} {took:.4f} {answer}\n")
                f.flush()
                time.sleep(0.05)


if __name__ == "__main__":
    main()
