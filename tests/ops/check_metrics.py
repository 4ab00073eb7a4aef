#!/usr/bin/env python3
"""check_metrics.py FILE [NAME=VALUE]... - a strict reader of the Prometheus text
exposition format (0.0.4) as inputtrace writes it, for the tests: every sample line
is `name value` or `name{label="value",...} value`, names match
[a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not __-prefixed), label
values quoted with \\, \" and \n escapes only; every metric family has exactly one
# HELP and one # TYPE line before its first sample, and its samples are consecutive;
TYPE is counter or gauge, counters are non-negative integers ending in _total, no
sample (name and label set) repeats, the file ends in a newline. Each NAME=VALUE
argument (NAME may carry labels: name{type="EV_KEY"}) must match a sample.
Exit 0, or 1 with the reason."""
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def labels_of(text, n):
    """The label set of {a="x",b="y"} as a sorted tuple; fail on bad syntax."""
    body, out, pos = text[1:-1], [], 0
    while pos < len(body):
        m = LABEL.match(body, pos)
        if not m or m.group(1).startswith('__'):
            fail(f"line {n}: bad labels {text!r}")
        out.append((m.group(1), m.group(2)))
        pos = m.end()
    names = [k for k, _ in out]
    if len(set(names)) != len(names) or not out:
        fail(f"line {n}: bad labels {text!r}")
    return tuple(sorted(out))


def fail(msg):
    print(f"check_metrics: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    text = open(sys.argv[1], encoding='utf-8').read()
    if not text.endswith('\n'):
        fail("no final newline")
    helps, types, samples = {}, {}, {}
    done, current = set(), None
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('# HELP '):
            parts = line.split(' ', 3)
            if len(parts) < 4 or not NAME.match(parts[2]) or not parts[3].strip():
                fail(f"line {n}: bad HELP: {line!r}")
            if parts[2] in helps:
                fail(f"line {n}: second HELP for {parts[2]}")
            helps[parts[2]] = parts[3]
        elif line.startswith('# TYPE '):
            parts = line.split(' ')
            if len(parts) != 4 or not NAME.match(parts[2]) or parts[3] not in ('counter', 'gauge'):
                fail(f"line {n}: bad TYPE: {line!r}")
            if parts[2] in types:
                fail(f"line {n}: second TYPE for {parts[2]}")
            types[parts[2]] = parts[3]
        elif line.startswith('#') or not line:
            fail(f"line {n}: unexpected line {line!r}")
        else:
            m = SAMPLE.match(line)
            if not m:
                fail(f"line {n}: bad sample: {line!r}")
            name, lab, value = m.group(1), m.group(2), m.group(3)
            key = name + ('{' + ','.join(f'{k}="{v}"' for k, v in labels_of(lab, n)) + '}' if lab else '')
            if key in samples:
                fail(f"line {n}: {key} repeated")
            if name not in helps or name not in types:
                fail(f"line {n}: {name} without HELP and TYPE before it")
            if name != current:
                if name in done:
                    fail(f"line {n}: samples of {name} are not together")
                done.add(name)
                current = name
            try:
                v = float(value)
            except ValueError:
                fail(f"line {n}: {name}: value {value!r} is not a number")
            if types[name] == 'counter':
                if not name.endswith('_total'):
                    fail(f"line {n}: counter {name} does not end in _total")
                if not re.fullmatch(r'[0-9]+', value):
                    fail(f"line {n}: counter {name} = {value!r} is not a non-negative integer")
            samples[key] = v
            samples.setdefault(name, None)
    for name in helps:
        if name not in samples:
            fail(f"HELP for {name} without a sample")
    for arg in sys.argv[2:]:
        name, want = arg.rsplit('=', 1)
        if name not in samples or samples[name] is None:
            fail(f"no sample {name}")
        if want != '*' and samples[name] != float(want):
            fail(f"{name} = {samples[name]}, expected {want}")
    print(f"check_metrics: {sum(1 for v in samples.values() if v is not None)} samples ok")


main()
