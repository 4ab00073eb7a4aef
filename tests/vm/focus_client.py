#!/usr/bin/env python3
"""A focus helper's stand-in for the VM's focus boot (tests/vm/guest-focus.sh): one
process, speaking the helper's protocol (docs/context.md "Protocol") on the agent's
control socket, between steps that type on a uinput keyboard.

usage: focus_client.py SOCKET STEP...
  focus:ID          send "focus ID\\n" on a new connection (the agent closes after its
                    answer, as it does for the real helper), print "focus ID -> ANSWER"
  type:NODE:FILE    evemu-play NODE < FILE (evemu E: lines), then print "typed FILE"
The process stays up across the steps, as the helper does: the agent follows its
pid, and its exit makes the application "unknown".
"""
import socket
import subprocess
import sys


def report(path, app):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(f"focus {app}\n".encode())
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(256)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.decode(errors="replace").split("\n")[0]


def main():
    path = sys.argv[1]
    for step in sys.argv[2:]:
        kind, _, arg = step.partition(":")
        if kind == "focus":
            print(f"focus {arg} -> {report(path, arg)}", flush=True)
        elif kind == "type":
            node, _, events = arg.partition(":")
            with open(events, "rb") as f:
                subprocess.run(["evemu-play", node], stdin=f, check=True)
            print(f"typed {events}", flush=True)
        else:
            sys.exit(f"focus_client.py: unknown step {step}")


main()
