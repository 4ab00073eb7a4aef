#!/usr/bin/env python3
"""fake_agent.py SOCKET LOG [--oneshot]: the agent's side of focus reports for the
helper's tests: accepts connections on SOCKET, appends each line it reads to LOG and
answers "ok focus"; with --oneshot it closes each connection after one answer (an agent
that serves one line per connection)."""
import os
import selectors
import socket
import sys

path, log = sys.argv[1], sys.argv[2]
oneshot = "--oneshot" in sys.argv[3:]
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
bufs = {}
with open(log, "a", buffering=1) as out:
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is srv:
                c, _ = srv.accept()
                bufs[c] = b""
                sel.register(c, selectors.EVENT_READ)
                continue
            data = s.recv(256)
            if not data:
                sel.unregister(s)
                s.close()
                del bufs[s]
                continue
            bufs[s] += data
            while b"\n" in bufs[s]:
                line, bufs[s] = bufs[s].split(b"\n", 1)
                out.write(line.decode(errors="replace") + "\n")
                s.sendall(b"ok focus\n")
                if oneshot:
                    sel.unregister(s)
                    s.close()
                    del bufs[s]
                    break
