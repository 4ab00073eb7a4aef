#!/usr/bin/env python3
"""check.py - what a consumer (kcat) read from the topic, judged by (stream, seq).

  check.py GOT [--expect N] [--spool DIR] [--dups-above S] [--dups N] [--lost N]

GOT: the message values kcat printed (whole JSON Lines). Checks that every record is
valid JSON with "stream" and "seq"; one stream; records first seen in increasing seq
order; seqs contiguous except inside the ranges of loss records; and, with options:
--expect N: exactly N distinct records (and no duplicate unless --dups-above);
--spool DIR: the distinct records equal, line for line, the records in the spool's
files (plain and gzip), so nothing in the spool is missing from the topic;
--dups-above S: duplicates allowed, only of seqs above S (not acknowledged when the
agent was killed); --dups N: exactly N duplicates (a missing state file's resend); --lost N: loss records name exactly N records, and exactly those
are missing; --too-large N: exactly N seqs missing without a loss record (records
larger than message.max.bytes). Prints one summary line; exit 0 when all hold, 1 otherwise.
"""
import argparse
import glob
import gzip
import json
import os
import sys


def spool_records(d):
    recs = {}
    for path in sorted(glob.glob(os.path.join(d, "inputtrace-*.jsonl*"))):
        opener = gzip.open if ".gz" in path else open
        with opener(path, "rb") as f:
            data = f.read()
        for line in data.split(b"\n"):
            if line:
                r = json.loads(line)
                recs[r["seq"]] = line
    return recs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("got")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--spool")
    ap.add_argument("--dups-above", type=int)
    ap.add_argument("--dups", type=int)
    ap.add_argument("--lost", type=int)
    ap.add_argument("--too-large", type=int, default=0,
                    help="this many seqs may be missing without a loss record")
    a = ap.parse_args()
    errors = []
    seen = {}
    streams = set()
    dups = []
    order_bad = 0
    losses = []
    last = 0
    with open(a.got, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if not line:
                continue
            r = json.loads(line)
            if r.get("record") == "probe":   # run.sh's: kcat is consuming
                continue
            if r.get("record") == "loss" and "first_seq" in r:
                losses.append((r["first_seq"], r["last_seq"], r["count"]))
                continue
            streams.add(r["stream"])
            s = r["seq"]
            if s in seen:
                dups.append(s)
                if seen[s] != line:
                    errors.append(f"seq {s} delivered twice with different content")
                continue
            if s <= last:
                order_bad += 1
            last = max(last, s)
            seen[s] = line
    if len(streams) > 1:
        errors.append(f"{len(streams)} streams")
    if order_bad:
        errors.append(f"{order_bad} records out of order")
    uniq = sorted(seen)
    lost_ranges = {}
    for first, lst, count in losses:
        lost_ranges[first] = (lst, count)
    missing = []
    if uniq:
        have = set(uniq)
        missing = [s for s in range(uniq[0], uniq[-1] + 1) if s not in have]
    unexplained = [s for s in missing
                   if not any(f <= s <= l for f, (l, _) in lost_ranges.items())]
    if len(unexplained) != a.too_large:
        errors.append(f"{len(unexplained)} seqs missing without a loss record "
                      f"(first {unexplained[:5]})")
    loss_total = sum(c for _, c in lost_ranges.values())
    if a.lost is not None:
        if loss_total != a.lost:
            errors.append(f"loss records name {loss_total} records, expected {a.lost}")
        if len(missing) != a.lost:
            errors.append(f"{len(missing)} seqs missing, expected {a.lost}")
    if a.expect is not None and len(uniq) != a.expect:
        errors.append(f"{len(uniq)} distinct records, expected {a.expect}")
    if a.dups is not None:
        if len(dups) != a.dups:
            errors.append(f"{len(dups)} duplicates, expected {a.dups}")
    elif dups:
        if a.dups_above is None:
            errors.append(f"{len(dups)} duplicates")
        elif min(dups) <= a.dups_above:
            errors.append(f"duplicate of seq {min(dups)}, acknowledged (<= {a.dups_above})")
    if a.spool:
        sp = spool_records(a.spool)
        miss = [s for s in sp if s not in seen]
        if miss:
            errors.append(f"{len(miss)} spool records not in the topic (first {sorted(miss)[:5]})")
        diff = [s for s in sp if s in seen and seen[s] != sp[s]]
        if diff:
            errors.append(f"{len(diff)} records differ from the spool's")
    print(f"check: {len(uniq)} distinct records (seq {uniq[0] if uniq else 0}-"
          f"{uniq[-1] if uniq else 0}), {len(dups)} duplicates"
          f"{' (all of seq > %d)' % a.dups_above if dups and a.dups_above is not None else ''}, "
          f"{len(losses)} loss records naming {loss_total}"
          + ("" if not errors else "; FAILED: " + "; ".join(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
