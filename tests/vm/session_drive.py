#!/usr/bin/python3
"""VM boot "session" (tests/vm/guest-session.sh), its capture phase: participation
against a logind on a real D-Bus system bus.

A dbus-daemon (Debian's, tests/session/bus.conf) carries python3-dbusmock's logind
template, driven as logind does (tests/session/run.py's Logind). The agent runs with
--participation opt-in, a known --subject-key and --keys raw, on one uinput keyboard.
Each phase types its own key three times (press, release) into the keyboard's node
(the write returns once the kernel's programs ran) while seat0 is in one state; what
each phase expects (recorded or not, whose subject) is written to phases.json for
the check phase on the host, which counts the events per key.

Usage: session_drive.py TOP AGENT WORKDIR KBD_NODE. Exit 1 (with the step on stderr)
when a step could not be done.
"""
import glob
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

TOP, AGENT, W, NODE = sys.argv[1:5]
sys.path.insert(0, os.path.join(TOP, "tests", "session"))
import dbus  # noqa: E402
from run import LOGIN1, Logind, wait_for  # noqa: E402  (tests/session/run.py)

SOCK = f"{W}/ctl.sock"
BUS_PATH = "/tmp/it-session-bus"	# outside WORKDIR (copied to the host afterwards)
BUS = f"unix:path={BUS_PATH}"
KEY = f"{W}/subject.key"
STATE = f"{W}/state"
ALICE, BOB, CAROL = 1000, 1001, 1002
EV_SYN, EV_KEY = 0, 1
KEYS = {"KEY_Q": 16, "KEY_W": 17, "KEY_E": 18, "KEY_R": 19, "KEY_T": 20, "KEY_Y": 21,
        "KEY_U": 22, "KEY_I": 23, "KEY_O": 24, "KEY_P": 25, "KEY_A": 30, "KEY_S": 31,
        "KEY_D": 32, "KEY_F": 33, "KEY_G": 34, "KEY_H": 35, "KEY_J": 36, "KEY_K": 37, "KEY_L": 38, "KEY_Z": 44, "KEY_X": 45}
procs = []
phases = []


def log(*a):
    print(f"[{time.strftime('%T')}] drive:", *a, file=sys.stderr, flush=True)


class Output:
    """An agent's JSON Lines file, read as it grows; a cursor for "the next record"."""

    def __init__(self, path):
        self.path, self.recs, self.off, self.cur = path, [], 0, 0

    def read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            self.recs.append(json.loads(line))
        self.off += end

    def next_session(self, what, pred, timeout=60):
        """Await the next session record (after the cursor) that pred accepts."""
        def found():
            self.read()
            for i in range(self.cur, len(self.recs)):
                r = self.recs[i]
                if r.get("record") == "session" and pred(r):
                    self.cur = i + 1
                    return True
            return False
        wait_for(found, what, timeout)

    def releases(self, key):
        self.read()
        return sum(1 for r in self.recs if r.get("record") == "event" and
                   r.get("code") == key and r.get("value") == 0)


def why(w):
    return lambda r: r.get("why") == w


def recording(r):
    return r.get("recording") is True


class Keyboard:
    def __init__(self, node):
        self.fd = os.open(node, os.O_RDWR | os.O_NONBLOCK)	# a reader, and the writer

    def ev(self, t, c, v):
        os.write(self.fd, struct.pack("llHHi", 0, 0, t, c, v))

    def type(self, key, n=3):
        for _ in range(n):
            for v in (1, 0):
                self.ev(EV_KEY, KEYS[key], v)
                self.ev(EV_SYN, 0, 0)
        try:
            while os.read(self.fd, 4096):	# keep the reader's buffer empty
                pass
        except BlockingIOError:
            pass


def phase(kb, out, key, recorded, subject_uid, what):
    """Type key 3 times; when it should be recorded, await its 3 releases."""
    kb.type(key)
    phases.append({"key": key, "recorded": recorded, "uid": subject_uid, "what": what})
    if recorded:
        wait_for(lambda: out.releases(key) >= 3, f"{key} ({what}) in {out.path}", 60)
    log(f"phase {key}: {what}")


def ctl(uid, *words):
    r = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", AGENT,
                        "ctl", "participate", *words, "--socket", SOCK],
                       capture_output=True, text=True, timeout=60)
    res = {"uid": uid, "words": list(words), "rc": r.returncode, "out": r.stdout, "err": r.stderr}
    with open(f"{W}/ctl.jsonl", "a") as f:
        f.write(json.dumps(res) + "\n")
    log(f"ctl {uid} {' '.join(words)}: {r.returncode} {r.stdout.strip()} {r.stderr.strip()}")
    return res


def switch_mid_typing(lg, kb, out):
    """Bob agrees too; KEY_S is typed without a pause while the seat switches from
    alice to bob and back twice: each event must carry the subject of the session
    record before it (the check), and both have some."""
    ctl(BOB, "yes", "notice=1")
    stop = threading.Event()
    sent = [0]

    def typing():
        while not stop.is_set():
            kb.type("KEY_S", 1)
            sent[0] += 1
            time.sleep(0.002)
    t = threading.Thread(target=typing)
    t.start()
    try:
        for sid in ("c2", "c1", "c2", "c1"):
            time.sleep(0.3)
            lg.activate(sid)
            out.next_session(f"recording {sid}", recording)
        time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    phases.append({"key": "KEY_S", "recorded": "split", "uid": None, "sent": sent[0],
                   "what": "typing while switching alice, bob, alice, bob, alice"})
    kb.type("KEY_D")	# alice, after it: the end of KEY_S in the output
    wait_for(lambda: out.releases("KEY_D") >= 3, "KEY_D after the switches", 60)
    phases.append({"key": "KEY_D", "recorded": True, "uid": ALICE, "what": "alice after the switches"})
    log(f"switches while typing: {sent[0]} KEY_S typed")


OPT_IN = ["--participation", "opt-in", "--subject-key", KEY, "--state-dir", STATE,
          "--notice-version", "1", "--control-socket", SOCK]


def keep_status(reason, name):
    """Copy a.status once it says why=reason (rewritten just after the record)."""
    wait_for(lambda: f"\nwhy={reason}\n" in open(f"{W}/a.status").read(), f"why={reason}", 30)
    shutil.copy(f"{W}/a.status", f"{W}/{name}")


def start_agent(env, name, mode=OPT_IN, output=None):
    err = open(f"{W}/{name}.err", "w")
    p = subprocess.Popen([AGENT, "-o", output or f"{W}/{name}.jsonl", "--device", NODE, "--keys", "raw",
                          *mode, "--status-file", f"{W}/{name}.status"], env=env, stderr=err)
    procs.append(p)

    def ready():
        if p.poll() is not None:
            raise RuntimeError(f"agent {name} exited {p.returncode}: "
                               + open(f"{W}/{name}.err").read())
        return "capturing input events" in open(f"{W}/{name}.err").read()
    wait_for(ready, f"agent {name}", 240)
    return p


def stop_agent(p, name):
    p.send_signal(signal.SIGINT)
    rc = p.wait(120)
    if rc:
        raise RuntimeError(f"agent {name} exited {rc}")


def scenario(env, lg, kb):
    a = start_agent(env, "a")
    out = Output(f"{W}/a.jsonl")
    out.next_session("no-session at start", why("no-session"))
    phase(kb, out, "KEY_Q", False, None, "nobody logged in (console login prompt)")
    lg.add_session("c1", ALICE, "alice")
    lg.activate("c1")
    out.next_session("alice not participating", why("not-participating"))
    phase(kb, out, "KEY_W", False, None, "alice, before she agreed")
    ctl(ALICE, "status")
    ctl(ALICE, "yes", "notice=2")	# not the notice in force: refused
    ctl(BOB, "status", "uid=1000")	# another user's choice: refused
    ctl(ALICE, "yes", "notice=1")
    out.next_session("alice recorded", recording)
    phase(kb, out, "KEY_E", True, ALICE, "alice, after yes")
    keep_status("active", "status.recording")
    lg.lock("c1", True)
    out.next_session("locked", why("locked"))
    keep_status("locked", "status.locked")
    phase(kb, out, "KEY_R", False, None, "alice's screen locked")
    lg.lock("c1", False)
    out.next_session("unlocked", recording)
    phase(kb, out, "KEY_T", True, ALICE, "alice unlocked")
    lg.add_session("g1", 120, "gdm", cls="greeter")
    lg.activate("g1")
    out.next_session("greeter", why("greeter"))
    phase(kb, out, "KEY_Y", False, None, "the login screen (greeter)")
    lg.add_session("c2", BOB, "bob")
    lg.activate("c2")
    out.next_session("bob not participating", why("not-participating"))
    phase(kb, out, "KEY_U", False, None, "bob, who never agreed")
    lg.activate("c1")
    out.next_session("back to alice", recording)
    phase(kb, out, "KEY_I", True, ALICE, "back to alice")
    ctl(ALICE, "no")
    # no wait: the withdrawal has taken effect when the command returns
    phase(kb, out, "KEY_O", False, None, "right after alice's 'participate no' returned")
    out.next_session("alice withdrew", why("not-participating"))
    ctl(ALICE, "yes", "notice=1")
    out.next_session("alice agrees again", recording)
    phase(kb, out, "KEY_A", True, ALICE, "alice agreed again")
    ctl(0, "list")
    switch_mid_typing(lg, kb, out)
    stop_agent(a, "a")
    # choices survive a restart: alice is still active and still agreed
    b = start_agent(env, "b")
    out_b = Output(f"{W}/b.jsonl")
    out_b.next_session("alice recorded after the restart", recording)
    phase(kb, out_b, "KEY_P", True, ALICE, "after an agent restart")
    stop_agent(b, "b")
    # everyone, no key: whoever is active, without a subject, but never the greeter
    c = start_agent(env, "c", ["--participation", "everyone"])
    out_c = Output(f"{W}/c.jsonl")
    out_c.next_session("everyone: alice recorded", recording)
    phase(kb, out_c, "KEY_F", True, None, "everyone: alice, no subject")
    lg.activate("g1")
    out_c.next_session("everyone: the greeter", why("greeter"))
    phase(kb, out_c, "KEY_G", False, None, "everyone: the login screen (greeter)")
    lg.activate("c1")
    out_c.next_session("everyone: alice again", recording)
    lg = bus_lost(env, kb, out_c)
    stop_agent(c, "c")
    # opt-out: carol, who never chose, is recorded until she says no
    d = start_agent(env, "d", ["--participation", "opt-out"] + OPT_IN[2:])
    out_d = Output(f"{W}/d.jsonl")
    out_d.next_session("opt-out: alice", recording)
    lg.add_session("c3", CAROL, "carol")
    lg.activate("c3")
    out_d.next_session("opt-out: the switch to carol", why("switch"))
    out_d.next_session("opt-out: carol recorded", recording)
    phase(kb, out_d, "KEY_K", True, CAROL, "opt-out: carol, who never chose")
    ctl(CAROL, "no")
    phase(kb, out_d, "KEY_L", False, None, "opt-out: right after carol's no returned")
    stop_agent(d, "d")
    # --user nobody: the state directory is given to that user, who saves choices
    e = start_agent(env, "e", OPT_IN + ["--user", "nobody"])
    out_e = Output(f"{W}/e.jsonl")
    out_e.next_session("--user: carol not participating", why("not-participating"))
    ctl(CAROL, "yes", "notice=1")
    out_e.next_session("--user: carol agreed", recording)
    phase(kb, out_e, "KEY_Z", True, CAROL, "--user nobody: carol after yes")
    st = os.stat(f"{STATE}/participation")
    with open(f"{W}/user-state.json", "w") as f:
        json.dump({"uid": st.st_uid, "mode": st.st_mode & 0o777,
                   "dir_uid": os.stat(STATE).st_uid}, f)
    stop_agent(e, "e")
    # --format evemu: a "# subject" comment in the device's file before carol's events
    os.makedirs(f"{W}/evemu", exist_ok=True)
    f = start_agent(env, "f", OPT_IN + ["--format", "evemu"], f"{W}/evemu")
    wait_for(lambda: glob.glob(f"{W}/evemu/*.jsonl*"), "the evemu index", 30)
    out_f = Output(glob.glob(f"{W}/evemu/*.jsonl*")[0])
    out_f.next_session("evemu: carol recorded", recording)
    kb.type("KEY_X")
    phases.append({"key": "KEY_X", "recorded": "evemu", "uid": CAROL, "what": "evemu: carol"})
    stop_agent(f, "f")


def no_bus(env):
    """opt-in without a system bus: exit 1 with one line, before loading anything."""
    e = dict(env, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={W}/nobus")
    r = subprocess.run([AGENT, "-o", f"{W}/nobus.jsonl", "--participation", "opt-in",
                        "--state-dir", f"{W}/nobus-state", "--status-file", "none"],
                       env=e, capture_output=True, text=True, timeout=120)
    with open(f"{W}/nobus.json", "w") as f:
        json.dump({"rc": r.returncode, "err": r.stderr,
                   "left": sorted(os.listdir(W))}, f)


def start_mock(env, bus):
    """tests/session/run.py's, with a wait for a loaded VM (python starts slowly)."""
    p = subprocess.Popen([sys.executable, "-m", "dbusmock", "--system", "--template", "logind"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    wait_for(lambda: bus.name_has_owner(LOGIN1), "the mock on the bus", 120)
    lg = Logind(bus)
    lg.mock.AddSeat("seat0")
    return lg


def start_bus():
    """A dbus-daemon on BUS (a new one after the last died); a client connection."""
    try:
        os.unlink(BUS_PATH)
    except FileNotFoundError:
        pass
    daemon = subprocess.Popen(["dbus-daemon", "--config-file", f"{W}/bus.conf", "--nofork",
                               "--print-address=1"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    procs.append(daemon)
    daemon.stdout.readline()	# printed once it listens
    return daemon, dbus.bus.BusConnection(BUS)


def bus_lost(env, kb, out):
    """The system bus dies under a running agent: no-bus, nothing recorded; a new bus
    with logind on it: followed again (the agent retries every 5 s)."""
    global daemon
    daemon.terminate()
    daemon.wait(30)
    out.next_session("no-bus", why("no-bus"))
    phase(kb, out, "KEY_H", False, None, "the system bus gone")
    daemon, bus = start_bus()
    lg = start_mock(env, bus)
    lg.add_session("c1", ALICE, "alice")
    lg.activate("c1")
    out.next_session("followed again on the new bus", recording, 60)
    phase(kb, out, "KEY_J", True, None, "a new bus, alice active")
    return lg


def main():
    global daemon
    with open(os.path.join(TOP, "tests", "session", "bus.conf")) as f:
        conf = f.read().replace("@LISTEN@", BUS)
    with open(f"{W}/bus.conf", "w") as f:
        f.write(conf)
    daemon, bus = start_bus()
    # no guid in the address: the agent reconnects to a new daemon on the same path
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=BUS)
    rc = 0
    try:
        lg = start_mock(env, bus)
        scenario(env, lg, Keyboard(NODE))
    except Exception as e:	# the phases done so far are still checked
        log(f"step failed: {e}")
        rc = 1
    with open(f"{W}/phases.json", "w") as f:
        json.dump(phases, f)
    no_bus(env)
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
            p.wait(30)
    return rc


if __name__ == "__main__":
    sys.exit(main())
