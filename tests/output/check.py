#!/usr/bin/env python3
"""check.py FILE... - every file of an inputtrace output holds only complete JSON Lines.

Reads .jsonl and .jsonl.gz (gzip read with zlib as a stream of members, so a file cut
after its last complete member still reads: what a crash leaves). Prints one JSON
summary: {"files":N,"lines":N,"records":{kind:count},"first":[record kinds that start
each file],"output_lost_lines":N,"stats":bool}. Exit 1 on a line that is not a JSON
object, on trailing bytes after the last newline, or on bytes zlib cannot read.
"""
import json
import sys
import zlib


def read(path):
    data = open(path, "rb").read()
    if not path.endswith(".gz") and not path.endswith(".gz.tmp"):
        return data
    out = b""
    while data:
        d = zlib.decompressobj(31)
        out += d.decompress(data)
        if not d.eof:
            raise ValueError("%s: incomplete gzip member (%d bytes)" % (path, len(data)))
        data = d.unused_data
    return out


def main():
    summary = {"files": 0, "lines": 0, "records": {}, "first": [], "output_lost_lines": 0,
               "stats": False, "events": 0}
    for path in sys.argv[1:]:
        text = read(path)
        summary["files"] += 1
        if text and not text.endswith(b"\n"):
            print("%s: ends in a partial line" % path, file=sys.stderr)
            return 1
        for i, line in enumerate(text.splitlines()):
            try:
                r = json.loads(line)
            except ValueError as e:
                print("%s:%d: not JSON: %s: %r" % (path, i + 1, e, line[:200]), file=sys.stderr)
                return 1
            if not isinstance(r, dict):
                print("%s:%d: not an object" % (path, i + 1), file=sys.stderr)
                return 1
            kind = r.get("record")
            if i == 0:
                summary["first"].append(kind)
            summary["records"][kind] = summary["records"].get(kind, 0) + 1
            summary["lines"] += 1
            if kind == "output_loss":
                summary["output_lost_lines"] += r["lines"]
            if kind == "stats":
                summary["stats"] = True
                summary["stats_output_lost_lines"] = r["output_lost_lines"]
            if kind == "event":
                summary["events"] += 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
