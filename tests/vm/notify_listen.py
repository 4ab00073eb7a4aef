#!/usr/bin/env python3
"""notify_listen.py SOCKET ERRFILE: stand in for systemd's notify socket (sd_notify(3)).

Binds a unix datagram socket at SOCKET and prints every line of every datagram it
receives. When a datagram holds READY=1 it also prints "notice-before-ready=yes" if
the agent's stderr (ERRFILE) already said "capturing input events" at that moment
(capture is live before systemd is told so), else "notice-before-ready=no". Exits
after STOPPING=1, or after 300 s.
"""
import os
import socket
import sys

path, errfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(300)
while True:
    data = s.recv(4096).decode(errors="replace")
    for line in data.splitlines():
        print(line, flush=True)
    if "READY=1" in data.splitlines():
        try:
            live = "capturing input events" in open(errfile).read()
        except OSError:
            live = False
        print("notice-before-ready=" + ("yes" if live else "no"), flush=True)
    if "STOPPING=1" in data.splitlines():
        break
os.unlink(path)
