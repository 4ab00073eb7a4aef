#!/usr/bin/python3
"""Session test: userspace/logind.c against a logind on a real D-Bus bus.

A private dbus-daemon (Debian's, configured by tests/session/bus.conf) carries
python3-dbusmock's logind template; this script drives it as logind would (sessions
appear, the seat's active session switches, LockedHint is set, a greeter session
comes and goes, logind leaves and comes back) while tests/session/logind_watch.c
follows seat0 with userspace/logind.c and prints each state change. Every step
asserts the exact sequence of states. The delay from the D-Bus call that makes the
mock emit its signal to the watcher's callback is measured and printed (median, max).

Usage: run.py BUILD/tests/logind_watch. Prints "N passed, M failed"; exit 1 on a failure.
"""
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import dbus

WATCH = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
LOGIN1 = "org.freedesktop.login1"
MOCK = "org.freedesktop.DBus.Mock"
SESSION = LOGIN1 + ".Session"
SEAT = LOGIN1 + ".Seat"
TIMEOUT = 5.0

passed = failed = 0
procs = []


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"FAIL - {what}")
    return ok


def wait_for(cond, what, timeout=TIMEOUT):
    """Await cond() (a condition another process makes true), up to timeout s."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Watcher:
    """logind_watch's output, line by line, with a timeout."""

    def __init__(self, env):
        self.p = subprocess.Popen([WATCH], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, bufsize=0)
        procs.append(self.p)
        self.buf = b""

    def line(self, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.p.stdout.fileno(), 4096)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def state(self, timeout=TIMEOUT):
        line = self.line(timeout)
        if line == "ready":	# after the first state: open() has returned
            line = self.line(timeout)
        if line is None or not line.startswith("state "):
            return line
        return dict(kv.split("=", 1) for kv in line.split()[1:])

    def stop(self):
        self.p.stdin.close()
        rest = self.p.stdout.read().decode()
        self.p.wait(TIMEOUT)
        return (self.buf.decode() + rest).strip()


def expect(w, t0, steps, what, quiet=False):
    """Read one state per step: (why, uid, session[, locked]). Returns the callback
    delays after t0 (ns) of the first and of the last state."""
    got = []
    for want in steps:
        s = w.state()
        got.append(s)
        if not isinstance(s, dict):
            check(False, f"{what}: expected {want}, got {s!r}")
            return None
        why, uid, sess = want[:3]
        locked = want[3] if len(want) > 3 else 0
        rec = "1" if why == "active" else "0"
        if (s["why"], s["uid"], s["session"], s["locked"], s["record"]) != \
                (why, str(uid), sess, str(locked), rec):
            check(False, f"{what}: expected {want}, got {s}")
            return None
    if not quiet:
        check(True, f"{what}: " + ", ".join(f"{s['why']}({s['uid']})" for s in got))
    return int(got[0]["cb_ns"]) - t0, int(got[-1]["cb_ns"]) - t0, \
        int(got[-1]["cb_ns"]) - int(got[-1]["cause_ns"])


class Logind:
    """The mock, driven the way logind changes its objects."""

    def __init__(self, bus):
        self.bus = bus
        self.mock = self.iface("/org/freedesktop/login1", MOCK)
        self.seat = "/org/freedesktop/login1/seat/seat0"
        self.active = None

    def iface(self, path, name):
        return dbus.Interface(self.bus.get_object(LOGIN1, path), name)

    def add_session(self, sid, uid, name, cls="user"):
        path = f"/org/freedesktop/login1/session/{sid}"
        self.mock.AddObject(path, SESSION, {
            "Id": sid, "Name": name, "Class": cls, "State": "online", "Active": False,
            "LockedHint": False, "Type": "x11", "Remote": False,
            "User": (dbus.UInt32(uid), dbus.ObjectPath(f"/org/freedesktop/login1/user/{uid}")),
            "Seat": ("seat0", dbus.ObjectPath(self.seat)),
        }, [])
        self.iface("/org/freedesktop/login1", MOCK).EmitSignal(
            LOGIN1 + ".Manager", "SessionNew", "so", [sid, dbus.ObjectPath(path)])
        return path

    def session(self, sid):
        return self.iface(f"/org/freedesktop/login1/session/{sid}", MOCK)

    def activate(self, sid):
        """Switch as logind does: the old session's Active goes false first (so a
        recorded session stops as "inactive" before the seat's signal), then the new
        one's, then the seat's ActiveSession. Returns the time of the first call."""
        t0 = time.monotonic_ns()
        if self.active:
            self.session(self.active).UpdateProperties(SESSION, {"Active": False, "State": "online"})
        if sid:
            self.session(sid).UpdateProperties(SESSION, {"Active": True, "State": "active"})
        value = (sid, dbus.ObjectPath(f"/org/freedesktop/login1/session/{sid}")) if sid else \
            ("", dbus.ObjectPath("/"))
        # Properties.Set: the mock emits PropertiesChanged (its UpdateProperties cannot
        # wrap a struct)
        self.iface(self.seat, "org.freedesktop.DBus.Properties").Set(SEAT, "ActiveSession", value)
        self.active = sid
        return t0

    def lock(self, sid, on):
        t0 = time.monotonic_ns()
        self.session(sid).UpdateProperties(SESSION, {"LockedHint": on})
        return t0

    def remove(self, sid):
        path = f"/org/freedesktop/login1/session/{sid}"
        t0 = self.activate(None) if self.active == sid else time.monotonic_ns()
        self.mock.RemoveObject(path)
        self.mock.EmitSignal(LOGIN1 + ".Manager", "SessionRemoved", "so", [sid, dbus.ObjectPath(path)])
        return t0


def start_mock(env, bus):
    p = subprocess.Popen([sys.executable, "-m", "dbusmock", "--system", "--template", "logind"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    wait_for(lambda: bus.name_has_owner(LOGIN1), "the mock on the bus")
    lg = Logind(bus)
    lg.mock.AddSeat("seat0")
    return p, lg


def no_logind_cases(env, tmp):
    """Without logind on the bus, and without a bus: exit 1, one line."""
    for label, addr, want in (
            ("no org.freedesktop.login1 on the bus", env["DBUS_SYSTEM_BUS_ADDRESS"],
             "no systemd-logind or elogind on the system bus"),
            ("no system bus", f"unix:path={tmp}/nobus", "cannot connect to the system bus")):
        e = dict(env, DBUS_SYSTEM_BUS_ADDRESS=addr)
        r = subprocess.run([WATCH], stdin=subprocess.DEVNULL, capture_output=True, env=e,
                           timeout=30)
        err = r.stderr.decode().strip().splitlines()
        check(r.returncode == 1 and len(err) == 1 and want in err[0] and not r.stdout,
              f"{label}: exit {r.returncode}, {err}")


def scenario(w, lg, delays):
    expect(w, 0, [("no-session", -1, "-")], "first state: seat0 without a session")
    lg.add_session("c1", 1000, "alice")
    t = lg.activate("c1")
    delays["switch"].append(expect(w, t, [("switch", -1, "c1"), ("active", 1000, "c1")],
                                   "alice logs in"))
    delays["lock"].append(expect(w, lg.lock("c1", True), [("locked", 1000, "c1", 1)],
                                 "alice's screen locks"))
    delays["lock"].append(expect(w, lg.lock("c1", False), [("active", 1000, "c1")],
                                 "alice unlocks"))
    lg.add_session("g1", 120, "gdm", cls="greeter")
    delays["switch"].append(expect(w, lg.activate("g1"), [("inactive", 1000, "c1"),
                                                          ("switch", -1, "g1"),
                                                          ("greeter", 120, "g1")],
                                   "the login screen (greeter) comes up"))
    lg.add_session("c2", 1001, "bob")
    delays["switch"].append(expect(w, lg.activate("c2"), [("switch", -1, "c2"),
                                                          ("active", 1001, "c2")],
                                   "bob logs in: a switch"))
    lg.remove("g1")	# not the active one: no change (checked by the next step's first line)
    delays["switch"].append(expect(w, lg.activate("c1"), [("inactive", 1001, "c2"),
                                                          ("switch", -1, "c1"),
                                                          ("active", 1000, "c1")],
                                   "back to alice"))
    # a lock signalled while the session's properties are still being read
    lg.session("c2").UpdateProperties(SESSION, {"LockedHint": True})
    expect(w, lg.activate("c2"), [("inactive", 1000, "c1"), ("switch", -1, "c2"),
                                  ("locked", 1001, "c2", 1)],
           "switch to bob's locked session")
    lg.lock("c2", False)
    expect(w, 0, [("active", 1001, "c2")], "bob unlocks")
    # real logind signals Active, never State: a session read while "online" becomes
    # active by its Active signal alone
    lg.add_session("c4", 1003, "dave")
    lg.iface(lg.seat, "org.freedesktop.DBus.Properties").Set(
        SEAT, "ActiveSession", ("c4", dbus.ObjectPath("/org/freedesktop/login1/session/c4")))
    lg.active = "c4"
    expect(w, 0, [("switch", -1, "c4"), ("inactive", 1003, "c4")],
           "dave's session is on the seat, not yet active")
    t = time.monotonic_ns()
    lg.session("c4").UpdateProperties(SESSION, {"Active": True})
    expect(w, t, [("active", 1003, "c4")], "dave's session becomes active (Active only)")
    lg.session("c4").UpdateProperties(SESSION, {"Active": False})
    expect(w, 0, [("inactive", 1003, "c4")], "and leaves the foreground (Active only)")
    t = lg.activate("c2")
    expect(w, t, [("switch", -1, "c2"), ("active", 1001, "c2")], "back to bob")
    expect(w, lg.remove("c2"), [("inactive", 1001, "c2"), ("no-session", -1, "-")],
           "bob logs out: nobody on the seat")


def repeat(w, lg, delays, n):
    """n lock/unlock and n switch round trips, for the delay's distribution."""
    lg.add_session("c3", 1002, "carol")
    expect(w, lg.activate("c3"), [("switch", -1, "c3"), ("active", 1002, "c3")],
           "carol logs in on the empty seat")
    ok = True
    for i in range(n):
        for on in (True, False):
            d = expect_quiet(w, lg.lock("c3", on), [("locked" if on else "active", 1002, "c3",
                                                      int(on))])
            ok = ok and d is not None
            d and delays["lock"].append(d)
        for sid, uid, old, old_uid in (("c1", 1000, "c3", 1002), ("c3", 1002, "c1", 1000)):
            d = expect_quiet(w, lg.activate(sid), [("inactive", old_uid, old), ("switch", -1, sid),
                                                   ("active", uid, sid)])
            ok = ok and d is not None
            d and delays["switch"].append(d)
    check(ok, f"{n} lock/unlock and {n} switch round trips, each exact")


def expect_quiet(w, t0, steps):
    """expect() that reports only a failure (repeat() counts the whole as one)."""
    return expect(w, t0, steps, "round trip", quiet=True)


def logind_restart(w, env, bus, mock):
    mock.terminate()
    mock.wait(TIMEOUT)
    expect(w, 0, [("no-logind", -1, "-")], "logind leaves the bus")
    p, lg = start_mock(env, bus)
    expect(w, 0, [("starting", -1, "-"), ("no-session", -1, "-")], "logind is back: re-read")
    lg.add_session("c9", 1000, "alice")
    expect(w, lg.activate("c9"), [("switch", -1, "c9"), ("active", 1000, "c9")],
           "and followed again")
    return p


def report(delays):
    for kind, label in (("lock", "LockedHint change"), ("switch", "session switch")):
        ds = [d for d in delays[kind] if d]
        if not ds:
            continue
        first = [d[0] / 1e6 for d in ds]
        last = [d[1] / 1e6 for d in ds]
        inproc = [d[2] / 1e6 for d in ds]
        print(f"delay {label} ({len(ds)}): D-Bus call -> first callback median "
              f"{statistics.median(first):.3f} ms max {max(first):.3f} ms; -> final state "
              f"median {statistics.median(last):.3f} ms max {max(last):.3f} ms; "
              f"signal dispatched -> final callback median {statistics.median(inproc):.3f} ms "
              f"max {max(inproc):.3f} ms")


def main():
    tmp = tempfile.mkdtemp(prefix="it-session-")
    try:
        with open(os.path.join(HERE, "bus.conf")) as f:
            conf = f.read().replace("@LISTEN@", f"unix:path={tmp}/bus")
        with open(f"{tmp}/bus.conf", "w") as f:
            f.write(conf)
        daemon = subprocess.Popen(["dbus-daemon", "--config-file", f"{tmp}/bus.conf", "--nofork",
                                   "--print-address=1"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        procs.append(daemon)
        addr = daemon.stdout.readline().decode().strip()	# printed once it listens
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=addr)
        bus = dbus.bus.BusConnection(addr)
        no_logind_cases(env, tmp)
        mock, lg = start_mock(env, bus)
        w = Watcher(env)
        delays = {"lock": [], "switch": []}
        scenario(w, lg, delays)
        repeat(w, lg, delays, int(os.environ.get("SESSION_ROUNDS", "50")))
        mock = logind_restart(w, env, bus, mock)
        rest = w.stop()
        check(rest == "", f"no state changes beyond the expected ones ({rest!r})")
        report(delays)
    except Exception as e:	# a step that could not run counts as a failure
        check(False, f"session test aborted: {e}")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                p.wait(TIMEOUT)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
