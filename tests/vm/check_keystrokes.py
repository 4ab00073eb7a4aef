#!/usr/bin/env python3
"""check_keystrokes.py FEATURES-CSV EVEMU-FILE DEV: the keystrokes table that
`inputtrace features keystrokes --format csv` computed from the agent's capture,
rows of device DEV, against the same table computed here, independently, from
evemu-record's reference recording of the same device (docs/features.md, keystrokes).

Times are compared relative to the first press on each side (evemu-record's times are
relative to its first event), to the microsecond: press, release, hold_ms, dd_ms,
ud_ms; and code and repeats exactly. Prints the rows; exit 0 when they are equal,
1 when not, 2 on bad input.
"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import code_name, read_evemu  # noqa: E402  (libevdev's names, E: lines)

EV_KEY = 1


def is_button(code):
    # BTN_MISC..BTN_GEAR_UP and the BTN_TRIGGER_HAPPY range (linux/input-event-codes.h)
    return 0x100 <= code < 0x160 or 0x2c0 <= code < 0x2e8


def reference(path):
    """[(code, press_us, release_us or None, repeats)] in press order, and the
    derived columns, from evemu-record's E: lines."""
    rows, down = [], {}
    for t, ty, c, v, _ in read_evemu(path):
        if ty != EV_KEY or is_button(c):
            continue
        if v == 1:
            down[c] = len(rows)
            rows.append([code_name(EV_KEY, c), t, None, 0])
        elif v == 2 and c in down:
            rows[down[c]][3] += 1
        elif v == 0 and c in down:
            rows[down.pop(c)][2] = t
    return rows


def ms(us):
    """µs as the table writes ms: 3 decimals, exact."""
    if us is None:
        return ""
    sign = "-" if us < 0 else ""
    us = abs(us)
    return f"{sign}{us // 1000}.{us % 1000:03d}"


def derived(rows):
    """(code, press_rel_us, release_rel_us, hold_ms, dd_ms, ud_ms, repeats) per row."""
    out, t0 = [], rows[0][1]
    for i, (code, p, r, rep) in enumerate(rows):
        hold = ms(r - p) if r is not None else ""
        dd = ms(p - rows[i - 1][1]) if i else ""
        prev_r = rows[i - 1][2] if i else None
        ud = ms(p - prev_r) if prev_r is not None else ""
        out.append((code, p - t0, (r - t0) if r is not None else None, hold, dd, ud, rep))
    return out


def norm_ms(s):
    """A ms cell as written by the table, normalised to 3 decimals ("" stays "")."""
    if s in ("", None):
        return ""
    neg = s.startswith("-")
    whole, _, frac = s.lstrip("-").partition(".")
    frac = (frac + "000")[:3]
    v = f"{int(whole)}.{frac}"
    return "-" + v if neg and v != "0.000" else v


def from_table(path, dev):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if int(r["dev"]) != dev:
                continue
            rel = r["release_ns"]
            rows.append((r["code"], int(r["press_ns"]) // 1000,
                         int(rel) // 1000 if rel else None, norm_ms(r["hold_ms"]),
                         norm_ms(r["dd_ms"]), norm_ms(r["ud_ms"]), int(r["repeats"] or 0)))
    if not rows:
        return rows
    t0 = rows[0][1]
    return [(c, p - t0, (r - t0) if r is not None else None, h, d, u, rep)
            for c, p, r, h, d, u, rep in rows]


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    got = from_table(sys.argv[1], int(sys.argv[3]))
    ref = reference(sys.argv[2])
    if not ref or not got:
        print(f"empty: {len(got)} table rows for dev {sys.argv[3]}, {len(ref)} reference rows")
        return 1
    want = derived(ref)
    print("code press_us release_us hold_ms dd_ms ud_ms repeats  (agent | evemu-record)")
    bad = 0
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        mark = "" if g == w else "   <-- differs"
        bad += g != w
        print(f"{g} | {w}{mark}")
    print(f"{len(got)} rows from the agent's capture, {len(want)} from evemu-record: "
          f"{'equal' if not bad else f'{bad} differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
