#!/usr/bin/env python3
"""make_typing.py: print an evemu events file (E: lines) of a short typing session with
known press and release times, for the dataset VM boot (tests/vm/guest-dataset.sh).

It has what the keystrokes table must get right: Shift held across a letter and
released before it (overlap, negative ud), a doubled letter, a typo corrected with
BackSpace, a space, and a key held 700 ms (the kernel adds autorepeats, value 2).
Each key event is followed by a SYN_REPORT at the same time.
"""
KEY = {"LEFTSHIFT": 42, "H": 35, "E": 18, "L": 38, "O": 24, "P": 25, "BACKSPACE": 14,
       "SPACE": 57, "W": 17}

# (key, press ms, release ms), times from the start of the replay
STROKES = [
    ("LEFTSHIFT", 100.000, 260.250),
    ("H", 180.125, 300.500),      # pressed while Shift is down, released after it
    ("E", 390.000, 455.750),
    ("L", 520.333, 590.000),
    ("L", 640.000, 700.001),
    ("P", 760.500, 830.000),      # the typo
    ("BACKSPACE", 900.000, 960.000),
    ("O", 1010.010, 1080.020),
    ("SPACE", 1075.000, 1150.000),  # pressed before O is released (rollover)
    ("W", 1300.000, 2000.000),    # held: autorepeat
]


def main():
    ev = []
    for key, down, up in STROKES:
        ev.append((down, KEY[key], 1))
        ev.append((up, KEY[key], 0))
    ev.sort(key=lambda e: e[0])
    for t, code, value in ev:
        s = f"{t / 1000:.6f}"
        print(f"E: {s} 0001 {code:04x} {value:04d}")
        print(f"E: {s} 0000 0000 0000")


if __name__ == "__main__":
    main()
