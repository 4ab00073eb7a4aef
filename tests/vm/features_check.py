#!/usr/bin/env python3
"""tests/vm/features_check.py MODE AGENT ARGS...: the checks of tests/vm/guest-features.sh,
run on the host over what the boot left. AGENT is build/inputtrace (its `features`
command computes every table). Modes:

  evemu RAW.jsonl KBD.evemu DEV   the keystrokes rows of device DEV in the agent's
        capture equal those computed from evemu-record's reference of the device
        (its E: lines turned into the agent's records, names from the kernel's
        input-event-codes.h), times relative to each stream's first event, to the µs
  class RAW.jsonl CLASS.jsonl DEV --keys class: the same rows but for the codes (the
        class of each key; modifiers by name)
  chunks RAW.jsonl ROTDIR GZFILE  the rotated directory and the gzip file give the very
        same keystrokes and actions tables as the single file
  actions RAW.jsonl DEV           the actions table: the Ctrl+S shortcut, a burst with
        one correction, the autorepeat not counted as presses

Exit 0 when the check holds, 1 (saying why) when not.
"""
import csv
import io
import json
import re
import subprocess
import sys

PRESSES = 18  # the session's key presses (guest-features.sh)


def table(agent, name, *paths):
    p = subprocess.run([agent, "features", name, *paths], capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"features {name} {' '.join(paths)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def rows(text, dev=None):
    r = list(csv.DictReader(io.StringIO(text)))
    return [x for x in r if dev is None or x["dev"] == str(dev)]


def first_event_ns(path, dev):
    for line in open(path):
        r = json.loads(line)
        if r.get("record") == "event" and r["dev"] == dev:
            return r["sec"] * 10**9 + r["usec"] * 1000
    sys.exit(f"{path}: no event of device {dev}")


def relative(rs, t0):
    out = []
    for r in rs:
        r = dict(r)
        r["press_ns"] = int(r["press_ns"]) - t0
        r["release_ns"] = int(r["release_ns"]) - t0 if r["release_ns"] else None
        out.append(r)
    return out


def names():
    """(type, code) -> name, from the kernel's header (the first name of a number)."""
    n, types = {}, {}
    src = open("/usr/include/linux/input-event-codes.h").read()
    for m in re.finditer(r"#define\s+(EV|SYN|KEY|BTN|REL|ABS|MSC|LED|REP|SND|SW)_(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", src):
        pre, rest, num = m.group(1), m.group(2), int(m.group(3), 0)
        if pre == "EV":
            types.setdefault(num, "EV_" + rest)
            continue
        t = {"SYN": 0, "KEY": 1, "BTN": 1, "REL": 2, "ABS": 3, "MSC": 4, "SW": 5, "LED": 0x11,
             "SND": 0x12, "REP": 0x14}[pre]
        if rest in ("MAX", "CNT") or (pre == "KEY" and rest == "MIN_INTERESTING"):
            continue
        n.setdefault((t, num), f"{pre}_{rest}")
    return types, n


def evemu_to_jsonl(path, dev, out):
    types, codes = names()
    with open(out, "w") as f:
        for line in open(path):
            m = re.match(r"E: (\d+)\.(\d{6}) ([0-9a-f]{4}) ([0-9a-f]{4}) (-?\d+)", line)
            if not m:
                continue
            t, c = int(m.group(3), 16), int(m.group(4), 16)
            f.write(json.dumps({"record": "event", "dev": dev, "sec": int(m.group(1)),
                                "usec": int(m.group(2)), "type": types.get(t, f"0x{t:x}"),
                                "code": codes.get((t, c), f"0x{c:x}"), "value": int(m.group(5))}) + "\n")


def fail(why, a=None, b=None):
    print(f"features_check: {why}")
    for x, y in zip(a or [], b or []):
        print(("   " if x == y else "!! ") + f"{x}\n   {y}")
    sys.exit(1)


def main():
    mode, agent = sys.argv[1], sys.argv[2]
    if mode == "evemu":
        raw, ev, dev = sys.argv[3], sys.argv[4], int(sys.argv[5])
        ref = ev + ".jsonl"
        evemu_to_jsonl(ev, dev, ref)
        a = relative(rows(table(agent, "keystrokes", raw), dev), first_event_ns(raw, dev))
        b = relative(rows(table(agent, "keystrokes", ref), dev), first_event_ns(ref, dev))
        if len(a) != PRESSES or a != b:
            fail(f"agent {len(a)} rows, evemu-record {len(b)}, want {PRESSES}, equal", a, b)
        rep = [r for r in a if r["code"] == "KEY_A"]
        if not rep or int(rep[0]["repeats"]) < 5 or not any(r["ud_ms"].startswith("-") for r in a):
            fail(f"no KEY_A with 5 autorepeats or no overlap: {rep}")
        print(f"features_check: {len(a)} keystrokes, equal to evemu-record's to the µs; "
              f"KEY_A {rep[0]['repeats']} autorepeats, hold {rep[0]['hold_ms']} ms")
    elif mode == "class":
        raw, cls, dev = sys.argv[3], sys.argv[4], int(sys.argv[5])
        a, b = rows(table(agent, "keystrokes", raw), dev), rows(table(agent, "keystrokes", cls), dev)
        want = {"KEY_LEFTSHIFT": "KEY_LEFTSHIFT", "KEY_LEFTCTRL": "KEY_LEFTCTRL", "KEY_COMMA": "KEYCLASS_SYMBOL",
                "KEY_SPACE": "KEYCLASS_WHITESPACE", "KEY_BACKSPACE": "KEYCLASS_EDITING"}
        for r, c in zip(a, b):
            if {k: v for k, v in r.items() if k != "code"} != {k: v for k, v in c.items() if k != "code"} or \
               c["code"] != want.get(r["code"], "KEYCLASS_LETTER"):
                fail("class capture differs", a, b)
        if len(a) != PRESSES or len(b) != PRESSES:
            fail(f"{len(a)} and {len(b)} rows, want {PRESSES}")
        print(f"features_check: --keys class: {len(b)} rows, same timing, codes as classes")
    elif mode == "chunks":
        raw, rot, gz = sys.argv[3:6]
        files = subprocess.run(["sh", "-c", f"ls {rot}/*.jsonl* | wc -l"], capture_output=True, text=True).stdout.strip()
        if int(files or 0) < 3:
            fail(f"only {files} rotated files in {rot}")
        for t in ("keystrokes", "actions"):
            one = table(agent, t, raw)
            for other in (rot, gz):
                x = table(agent, t, other)
                if x != one:
                    fail(f"{t} of {other} differs from {raw}", one.splitlines(), x.splitlines())
        print(f"features_check: {files} rotated files and the gzip file: the same keystrokes and actions rows")
    elif mode == "actions":
        raw, dev = sys.argv[3], int(sys.argv[4])
        a = rows(table(agent, "actions", raw), dev)
        sc = [r for r in a if r["kind"] == "shortcut"]
        ty = [r for r in a if r["kind"] == "typing"]
        presses = sum(int(r["presses"]) for r in ty)
        corr = sum(int(r["corrections"]) for r in ty)
        if [r["detail"] for r in sc] != ["KEY_LEFTCTRL+KEY_S"] or presses != PRESSES or corr != 1:
            fail(f"shortcuts {[r['detail'] for r in sc]}, {presses} presses, {corr} corrections in {ty}")
        print(f"features_check: {len(ty)} typing bursts, {presses} presses, 1 correction, Ctrl+S")
    else:
        sys.exit(f"features_check: unknown mode {mode}")


main()
