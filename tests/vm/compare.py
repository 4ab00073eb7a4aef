#!/usr/bin/env python3
"""Compare what inputtrace captured for one device with evemu-record's file of it.

usage: compare.py [options] AGENT.jsonl EVEMU-FILE (--node /dev/input/eventN | --sysname inputN | --dev N)

The two streams must hold the same events, event for event: the same (type, code,
value) in the same order, EV_SYN included, and the same timestamps relative to each
stream's first event, to the microsecond. Exit 0 when they do, 1 (after a diff around
the first mismatch) when they do not, or when either stream is empty; 2 on bad input.

Clocks. evemu-record (2.x) switches its evdev client to CLOCK_MONOTONIC
(EVIOCSCLOCKID), and its E: lines are relative to its first event (old recordings
have absolute times: only differences matter here). The agent records both clocks of
the same instant: "sec"/"usec" (CLOCK_MONOTONIC, split as evdev splits it) and "time"
(CLOCK_REALTIME). --clock mono (default) compares sec/usec, which must agree exactly;
--clock real compares "time", which can differ from evemu's relative times by 1 µs
because each clock's ns are truncated to µs on their own (the realtime offset is not
a whole number of µs): use --tolerance-us 1 with it.

Selection: --only-types TYPE,... compares only events of those types on both sides
(for captures made with --types: the agent's stream against evemu's filtered).

Extra assertions on the agent's stream (which, after a match, is evemu's as well):
  --require TYPE:CODE:VALUE[:MIN]  at least MIN (default 1) such events
  --keys CODE:VALUE,...            the EV_KEY events, in order, are exactly these
                                   (autorepeats, value 2, left out: the kernel makes
                                   them on its own clock)
  --sum TYPE:CODE=TOTAL            the values of TYPE:CODE add up to TOTAL
  --no-type TYPE                   no event of TYPE
  --added                          the device's first record is an "add" (it appeared
                                   during capture), before its first event
  --removed                        a "remove" record of the device follows its last event
Names are as in linux/input-event-codes.h (EV_KEY, KEY_A, ...) or numbers (0x1e, 30).

Also checked: the agent wrote a device record for the device before its first event,
and no "loss" record.
"""
import argparse
import calendar
import ctypes
import ctypes.util
import json
import re
import sys
import time

# --- event names, through libevdev (the library the agent names events with) -----------

_evdev = None


def _lib():
    global _evdev
    if _evdev is None:
        path = ctypes.util.find_library("evdev") or "libevdev.so.2"
        _evdev = ctypes.CDLL(path)
        _evdev.libevdev_event_type_from_name.argtypes = [ctypes.c_char_p]
        _evdev.libevdev_event_code_from_name.argtypes = [ctypes.c_uint, ctypes.c_char_p]
        _evdev.libevdev_event_type_get_name.argtypes = [ctypes.c_uint]
        _evdev.libevdev_event_type_get_name.restype = ctypes.c_char_p
        _evdev.libevdev_event_code_get_name.argtypes = [ctypes.c_uint, ctypes.c_uint]
        _evdev.libevdev_event_code_get_name.restype = ctypes.c_char_p
    return _evdev


def type_num(name):
    if re.fullmatch(r"0[xX][0-9a-fA-F]+|\d+", name):
        return int(name, 0)
    t = _lib().libevdev_event_type_from_name(name.encode())
    if t < 0:
        raise ValueError(f"unknown event type {name!r}")
    return t


def code_num(t, name):
    if re.fullmatch(r"0[xX][0-9a-fA-F]+|\d+", name):
        return int(name, 0)
    c = _lib().libevdev_event_code_from_name(t, name.encode())
    if c < 0:
        raise ValueError(f"unknown event code {name!r} of type {t}")
    return c


def type_name(t):
    n = _lib().libevdev_event_type_get_name(t)
    return n.decode() if n else f"0x{t:02x}"


def code_name(t, c):
    n = _lib().libevdev_event_code_get_name(t, c)
    return n.decode() if n else f"0x{c:02x}"


# --- the two streams ------------------------------------------------------------------


class Bad(Exception):
    """Input that cannot be compared (exit 2)."""


def rfc3339_us(s):
    """'2026-11-29T19:00:40.705030Z' -> µs since the epoch, exactly."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})Z", s)
    if not m:
        raise Bad(f"bad time {s!r}")
    sec = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return sec * 1000000 + int(m.group(2))


def read_agent(path, sel, clock):
    """Events of the selected device: [(t_us, type, code, value, line_no)], plus notes."""
    recs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                recs.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                raise Bad(f"{path}:{n}: not JSON: {e}")
    devs = [r for _, r in recs if r.get("record") == "device" and r.get("action") != "remove"]
    if sel.dev is not None:
        dev = sel.dev
    elif sel.sysname:
        ids = {r["dev"] for r in devs if r.get("sysname") == sel.sysname}
        if not ids:
            m = re.fullmatch(r"input(\d+)", sel.sysname)
            if not m:
                raise Bad(f"{path}: no device record with sysname {sel.sysname}")
            ids = {int(m.group(1))}
        dev = ids.pop()
    else:
        ids = {r["dev"] for r in devs if r.get("node") == sel.node}
        if not ids:
            raise Bad(f"{path}: no device record with node {sel.node}")
        if len(ids) > 1:
            raise Bad(f"{path}: node {sel.node} names several devices {sorted(ids)}: use --sysname")
        dev = ids.pop()

    events, problems, devrecs = [], [], []
    announced = False
    for n, r in recs:
        kind = r.get("record")
        if kind == "device" and r.get("dev") == dev:
            devrecs.append((n, r.get("action")))
            if r.get("action") != "remove":
                announced = True
        elif kind == "loss":
            problems.append(f"{path}:{n}: the agent lost {r.get('count')} events here")
        elif kind == "event" and r.get("dev") == dev:
            if not announced:
                problems.append(f"{path}:{n}: event of dev {dev} before its device record")
                announced = True  # say it once
            t = type_num(r["type"])
            c = code_num(t, r["code"])
            if clock == "real":
                if "time" not in r:
                    raise Bad(f"{path}:{n}: no \"time\" field (captured with --no-time?): use --clock mono")
                ts = rfc3339_us(r["time"])
            else:
                ts = r["sec"] * 1000000 + r["usec"]
            events.append((ts, t, c, int(r["value"]), n))
    return dev, events, problems, devrecs


E_LINE = re.compile(r"E:\s+(\d+)\.(\d{1,6})\s+([0-9a-fA-F]+)\s+([0-9a-fA-F]+)\s+(-?\d+)")


def read_evemu(path):
    """E: lines of an evemu recording: [(t_us, type, code, value, line_no)]. The header
    (N: I: P: B: A: L: S: lines, # comments) and blank lines are skipped."""
    events = []
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.startswith("E:"):
                continue
            m = E_LINE.match(line)
            if not m:
                raise Bad(f"{path}:{n}: bad event line {line.rstrip()!r}")
            sec, usec, t, c, v = m.groups()
            events.append((int(sec) * 1000000 + int(usec.ljust(6, "0")), int(t, 16), int(c, 16), int(v), n))
    return events


# --- comparison -------------------------------------------------------------------------


def rel(events):
    if not events:
        return []
    t0 = events[0][0]
    return [(t - t0, ty, c, v, n) for t, ty, c, v, n in events]


def fmt(e):
    if e is None:
        return "(end of stream)"
    t, ty, c, v, n = e
    return f"+{t // 1000000}.{t % 1000000:06d} {type_name(ty)} {code_name(ty, c)} {v}  (line {n})"


def first_mismatch(a, b, tol):
    for i in range(min(len(a), len(b))):
        if a[i][1:4] != b[i][1:4]:
            return i, "event differs"
        if abs(a[i][0] - b[i][0]) > tol:
            return i, f"relative time differs by {a[i][0] - b[i][0]:+d} us"
    if len(a) != len(b):
        return min(len(a), len(b)), "one stream is longer"
    return None, None


def show_diff(a, b, i, why, names):
    print(f"compare: MISMATCH at event #{i} ({why}); {names[0]} has {len(a)} events, "
          f"{names[1]} {len(b)}")
    lo, hi = max(0, i - 4), min(max(len(a), len(b)), i + 4)
    w = 58
    print(f"    {'#':>6}  {names[0]:<{w}} {names[1]}")
    for k in range(lo, hi):
        ea = a[k] if k < len(a) else None
        eb = b[k] if k < len(b) else None
        mark = ">>" if k == i else "  "
        print(f" {mark} {k:>6}  {fmt(ea):<{w}} {fmt(eb)}")


def parse_spec(spec, n_min=True):
    parts = spec.split(":")
    if len(parts) not in (3, 4):
        raise Bad(f"bad spec {spec!r}: TYPE:CODE:VALUE[:MIN]")
    t = type_num(parts[0])
    return t, code_num(t, parts[1]), int(parts[2]), int(parts[3]) if len(parts) == 4 else 1


def assertions(events, a, label):
    """Extra assertions on one stream; returns a list of failure messages."""
    fails = []
    for spec in a.require:
        t, c, v, mn = parse_spec(spec)
        k = sum(1 for e in events if e[1:4] == (t, c, v))
        if k < mn:
            fails.append(f"{label}: {k} events {type_name(t)} {code_name(t, c)} {v}, want >= {mn}")
    if a.keys is not None:
        want = []
        for item in filter(None, a.keys.split(",")):
            code, val = item.rsplit(":", 1)
            want.append((code_num(1, code), int(val)))
        got = [(e[2], e[3]) for e in events if e[1] == 1 and e[3] != 2]
        if got != want:
            g = ",".join(f"{code_name(1, c)}:{v}" for c, v in got)
            fails.append(f"{label}: EV_KEY events (autorepeats left out) are [{g}], want [{a.keys}]")
    for spec in a.sum:
        lhs, total = spec.split("=")
        tn, cn = lhs.split(":")
        t = type_num(tn)
        c = code_num(t, cn)
        s = sum(e[3] for e in events if e[1] == t and e[2] == c)
        if s != int(total):
            fails.append(f"{label}: {type_name(t)} {code_name(t, c)} values add up to {s}, want {total}")
    for tn in a.no_type:
        t = type_num(tn)
        k = sum(1 for e in events if e[1] == t)
        if k:
            fails.append(f"{label}: {k} events of type {type_name(t)}, want none")
    return fails


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("agent", help="the agent's JSON Lines output")
    ap.add_argument("evemu", help="evemu-record's output for the same device")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--node", help="/dev/input/eventN of the device (from its device record)")
    g.add_argument("--sysname", help="inputN of the device")
    g.add_argument("--dev", type=int, help="the agent's dev id")
    ap.add_argument("--clock", choices=("mono", "real"), default="mono",
                    help="agent timestamps to compare: sec/usec (mono, default) or 'time' (real)")
    ap.add_argument("--only-types", metavar="TYPE,...",
                    help="compare only events of these types (both sides)")
    ap.add_argument("--added", action="store_true",
                    help="require an 'add' device record before the device's first event")
    ap.add_argument("--removed", action="store_true",
                    help="require a 'remove' device record after the device's last event")
    ap.add_argument("--tolerance-us", type=int, default=0,
                    help="allowed difference of relative times, µs (default 0)")
    ap.add_argument("--require", action="append", default=[], metavar="TYPE:CODE:VALUE[:MIN]")
    ap.add_argument("--keys", metavar="CODE:VALUE,...")
    ap.add_argument("--sum", action="append", default=[], metavar="TYPE:CODE=TOTAL")
    ap.add_argument("--no-type", action="append", default=[], metavar="TYPE")
    ap.add_argument("--quiet", action="store_true", help="print only on failure")
    a = ap.parse_args()

    try:
        dev, agent, problems, devrecs = read_agent(a.agent, a, a.clock)
        evemu = read_evemu(a.evemu)
        if a.only_types:
            keep = {type_num(x.strip()) for x in a.only_types.split(",") if x.strip()}
            agent = [e for e in agent if e[1] in keep]
            evemu = [e for e in evemu if e[1] in keep]
    except (Bad, ValueError, OSError, KeyError) as e:
        print(f"compare: {e}")
        return 2

    names = (f"agent (dev {dev}, {a.clock})", "evemu-record")
    ok = True
    for p in problems:
        print(f"compare: {p}")
        ok = False
    first_ev = agent[0][4] if agent else None
    last_ev = agent[-1][4] if agent else 0
    if a.added:
        if not devrecs or devrecs[0][1] != "add":
            print(f"compare: the first device record of dev {dev} is "
                  f"{devrecs[0] if devrecs else None}, want an 'add' (line, action)")
            ok = False
        elif first_ev is not None and devrecs[0][0] > first_ev:
            print(f"compare: the 'add' record of dev {dev} (line {devrecs[0][0]}) comes after "
                  f"its first event (line {first_ev})")
            ok = False
    if a.removed:
        rm = [n for n, act in devrecs if act == "remove"]
        if not rm:
            print(f"compare: no 'remove' record for dev {dev}")
            ok = False
        elif rm[-1] < last_ev:
            print(f"compare: the 'remove' record of dev {dev} (line {rm[-1]}) comes before "
                  f"its last event (line {last_ev})")
            ok = False
    if not agent:
        print(f"compare: the agent has no events of dev {dev} in {a.agent}")
        ok = False
    if not evemu:
        print(f"compare: no E: lines in {a.evemu}")
        ok = False
    if agent and evemu:
        ra, rb = rel(agent), rel(evemu)
        i, why = first_mismatch(ra, rb, a.tolerance_us)
        if i is not None:
            show_diff(ra, rb, i, why, names)
            ok = False
        try:
            fails = assertions(ra, a, "agent") + assertions(rb, a, "evemu-record")
        except (Bad, ValueError) as e:
            print(f"compare: {e}")
            return 2
        for f in fails:
            print(f"compare: {f}")
            ok = False
    if ok and not a.quiet:
        span = agent[-1][0] - agent[0][0]
        print(f"compare: ok: {len(agent)} events of dev {dev} match evemu-record "
              f"({a.clock} clock, {span / 1e6:.6f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
