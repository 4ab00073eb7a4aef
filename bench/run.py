#!/usr/bin/env python3
"""`make bench`: measure inputtrace against its limits and its peers.

1. On this machine's kernel: build/bench/itbench ring (collector throughput against the
   ring buffer's drain limit, per output format; loss at paced offered rates).
2. In the test VM (scripts/vm/run.py: Debian's 6.1 under QEMU TCG): bench/guest.py
   (kernel overhead per event vs a counting floor, for fentry and kprobe; evemu-record
   and libinput record side by side with the agent; scaling with devices and rate).
3. On this host: records per second and CPU per 1M records through the sink alone and
   through the sink and the Kafka shipper to librdkafka's mock cluster
   (build/tests/kafka_driver; BENCH_KAFKA_RECORDS, default 1000000).
4. On this host: rows per second of `inputtrace features keystrokes` and `actions` over
   a written-out capture of 1M events (BENCH_FEATURES_EVENTS), plain and gzip.

Prints one table, writes bench/results.json (every figure, with the kernel, CPU model
and date) and bench/results.md (the table, as docs/performance.md quotes it). Never fails on a
time: a part that cannot run is reported as missing, and the exit status is 0 unless
nothing at all could be measured. BENCH_SCALE (default 1) scales the VM event counts;
BENCH_SKIP_VM=1 skips the VM.
"""
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ITB = os.path.join(TOP, "build/bench/itbench")
T_START = time.monotonic()


def say(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def machine():
    cpu = "?"
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    qemu = ""
    try:
        qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
    except Exception:
        pass
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kernel": platform.release(), "cpu_model": cpu, "cpus": os.cpu_count(),
            "arch": platform.machine(), "qemu": qemu,
            "git": subprocess.run(["git", "-C", TOP, "describe", "--always", "--dirty"],
                                  capture_output=True, text=True).stdout.strip()}


def run_ring():
    say("collector throughput on this kernel (itbench ring) ...")
    try:
        p = subprocess.run([ITB, "ring", "--seconds", "2", "--loss-seconds", "1"],
                           capture_output=True, text=True, timeout=300)
    except Exception as e:
        return {"error": str(e)}
    for l in p.stderr.splitlines():
        say(l)
    try:
        d = json.loads(p.stdout)
    except ValueError:
        return {"error": f"itbench ring exit {p.returncode}: {p.stderr.strip()[-300:]}"}
    d["runs"] = [r for r in d["runs"] if r.get("consumer") != "end"]
    d["unavailable"] = [l.split("format ", 1)[1].split(" not")[0]
                        for l in p.stderr.splitlines() if "not available" in l]
    return d


def run_kafka():
    """Records through the sink into a spool, with the shipper delivering it to
    librdkafka's mock cluster (3 brokers, this host) until all are acknowledged, and
    the file alone, in one run: tests/kafka/driver.c, the agent's write and delivery
    path without the kernel."""
    drv = os.path.join(TOP, "build/tests/kafka_driver")
    mock = os.path.join(TOP, "build/tests/kafka_mock_cluster")
    n = int(os.environ.get("BENCH_KAFKA_RECORDS", "1000000"))
    if not (os.path.exists(drv) and os.path.exists(mock)):
        return {"error": "build/tests/kafka_driver or kafka_mock_cluster missing"}
    say(f"Kafka delivery on this host: {n} records, file alone and shipped to the mock cluster ...")
    res = {"records": n, "runs": []}
    for mode in ("file", "kafka"):
        tmp = tempfile.mkdtemp(prefix="inputtrace-bench-kafka.")
        mp = None
        try:
            args = [drv, "-o", os.path.join(tmp, "spool") + "/", "--records", str(n), "--rate", "0",
                    "--rotate-size", str(64 << 20)]
            if mode == "kafka":
                mp = subprocess.Popen([mock], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True)
                boot = None
                for line in mp.stdout:
                    if line.startswith("bootstrap"):
                        boot = line.split()[1]
                        break
                if not boot:
                    raise RuntimeError("the mock cluster did not start")
                # the shipper unpaced (its default pace is 32 MiB/s)
                args += ["--kafka-brokers", boot, "--ship-rate", "1e12", "--wait", "300"]
            t0 = time.monotonic()
            p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
            out = p.stdout.read().strip()
            rc = os.waitstatus_to_exitcode(status)
            if rc:
                raise RuntimeError(f"driver exit {rc}: {out} {p.stderr.read()[-300:]}")
            cpu = ru.ru_utime + ru.ru_stime
            res["runs"].append({"mode": mode, "wall_s": wall, "records_per_s": n / wall,
                                "cpu_s_per_million": cpu * 1e6 / n, "peak_rss_kb": ru.ru_maxrss,
                                "driver": out})
        except Exception as e:
            res["runs"].append({"mode": mode, "error": str(e)})
        finally:
            if mp:
                try:
                    mp.stdin.write("quit\n")
                    mp.stdin.close()
                    mp.wait(timeout=10)
                except Exception:
                    mp.kill()
            subprocess.run(["rm", "-rf", tmp])
    return res


def features_capture(path, n):
    """A typing capture of n events as the agent writes it: overlapping presses
    (rollover), Shift, Backspace, bursts of 40 presses, 4 events per keystroke."""
    codes = ["KEYCLASS_LETTER"] * 6 + ["KEYCLASS_WHITESPACE", "KEY_LEFTSHIFT", "KEYCLASS_EDITING"]
    with open(path, "w") as f:
        f.write('{"record":"header","schema":1,"file_seq":1,"settings":{"keys":"class"}}\n')
        f.write('{"record":"device","action":"present","dev":3,"name":"bench keyboard"}\n')
        us, seq, k, ev = 10**6, 0, 0, 0
        def line(t, typ, code, value):
            nonlocal seq
            seq += 1
            return (f'{{"record":"event","stream":"5f0c2a9e01b4d7c3","seq":{seq},"dev":3,"sec":{t // 10**6},'
                    f'"usec":{t % 10**6},"type":"{typ}","code":"{code}","value":{value},'
                    f'"time":"2026-11-29T19:00:40.705030Z"}}\n')
        out = []
        while ev < n:
            code = codes[k % len(codes)]
            out.append(line(us, "EV_KEY", code, 1) + line(us, "EV_SYN", "SYN_REPORT", 0))
            # released 90-150 ms later, after the next press half the time (rollover)
            rel = us + 90000 + (k * 7919 % 60000)
            us += 60000 + (k * 104729 % 180000)
            out.append(line(min(rel, us - 1) if k % 2 else rel, "EV_KEY", code, 0)
                       + line(min(rel, us - 1) if k % 2 else rel, "EV_SYN", "SYN_REPORT", 0))
            k += 1
            ev += 4
            if k % 40 == 0:
                us += 3 * 10**6  # a pause: typing bursts of 40 presses
            if len(out) > 20000:
                f.write("".join(out))
                out = []
        f.write("".join(out))
    return ev, k


def run_features():
    """Rows per second of the dataset tables (docs/features.md) over a written-out
    capture: the reader (JSON check of every line, gzip) and the table together."""
    itr = os.path.join(TOP, "build/inputtrace")
    n = int(os.environ.get("BENCH_FEATURES_EVENTS", "1000000"))
    if not os.path.exists(itr):
        return {"error": "build/inputtrace missing"}
    say(f"features tables on this host: a capture of {n} events ...")
    tmp = tempfile.mkdtemp(prefix="inputtrace-bench-features.")
    res = {"events": n, "runs": []}
    try:
        cap = os.path.join(tmp, "cap.jsonl")
        res["events"], res["keystrokes"] = features_capture(cap, n)
        subprocess.run(["gzip", "-k", "-6", cap], check=True)
        for table, src in (("keystrokes", cap), ("keystrokes", cap + ".gz"), ("actions", cap)):
            out = os.path.join(tmp, "out.csv")
            t0 = time.monotonic()
            p = subprocess.Popen([itr, "features", table, "-o", out, src], stderr=subprocess.PIPE, text=True)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
            rc = os.waitstatus_to_exitcode(status)
            if rc:
                res["runs"].append({"table": table, "input": os.path.basename(src),
                                    "error": f"exit {rc}: {p.stderr.read()[-300:]}"})
                continue
            rows = sum(1 for _ in open(out)) - 1
            res["runs"].append({"table": table, "input": os.path.basename(src), "rows": rows,
                                "wall_s": wall, "rows_per_s": rows / wall, "events_per_s": res["events"] / wall,
                                "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_kb": ru.ru_maxrss})
    except Exception as e:
        res["error"] = str(e)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return res


def features_table(res):
    L = []
    f = res.get("features", {})
    L.append(f"6. Dataset tables, this host: `inputtrace features TABLE -o FILE` over a capture of "
             f"{f.get('events', '?')} events ({f.get('keystrokes', '?')} keystrokes, --keys class, rollover)")
    if "error" in f or not f:
        L.append(f"   missing: {f.get('error', 'not run')}")
        return L
    L.append("| table | input | rows | rows/s | events/s | CPU s | peak RSS MiB |")
    L.append("|---|---|---|---|---|---|---|")
    for r in f.get("runs", []):
        if "error" in r:
            L.append(f"| {r['table']} | {r['input']} | missing: {r['error'][:200]} | | | | |")
            continue
        L.append(f"| {r['table']} | {r['input']} | {r['rows']} | {si(r['rows_per_s'])} | {si(r['events_per_s'])} "
                 f"| {fmt(r['cpu_s'], '{:.2f}')} | {fmt(r['peak_rss_kb'] / 1024, '{:.1f}')} |")
    return L


def run_vm():
    if os.environ.get("BENCH_SKIP_VM"):
        return {"error": "skipped (BENCH_SKIP_VM)"}
    say("VM part (Debian 6.1 under QEMU TCG; several minutes) ...")
    out = tempfile.mkdtemp(prefix="inputtrace-bench.")
    try:
        p = subprocess.run([sys.executable, os.path.join(TOP, "scripts/vm/run.py"), "--timeout", "780",
                            "--memory", "2048", "--out", out, "--log", os.path.join(out, "console.log"),
                            "--quiet", "--", "python3", "bench/guest.py"],
                           cwd=TOP, capture_output=True, text=True, timeout=840)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        rc = 124
    try:
        d = json.load(open(os.path.join(out, "vm.json")))
    except (OSError, ValueError):
        d = {"errors": []}
        tail = ""
        try:
            tail = open(os.path.join(out, "console.log")).read()[-600:]
        except OSError:
            pass
        d["error"] = f"VM run gave no results (exit {rc}); console tail: {tail}"
    d["vm_exit"] = rc
    d["vm_out"] = out
    d["emulation"] = "QEMU TCG (software emulation, 1 vCPU): times are many times a real CPU's"
    return d


def fmt(x, spec="{:.0f}", none="n/a"):
    if x is None:
        return none
    try:
        return spec.format(x)
    except (ValueError, TypeError):
        return str(x)


def si(x):
    if x is None:
        return "n/a"
    for div, suf in ((1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.3g}{suf}"
    return f"{x:.0f}"


def table(res):
    L = []
    m = res["machine"]
    L.append(f"inputtrace benchmark, {m['date']}: host {m['cpu_model']}, {m['cpus']} CPUs, "
             f"Linux {m['kernel']}; VM: Linux {res['vm'].get('kernel', '?')} under QEMU TCG")
    L.append("")
    ring = res["ring"]
    L.append("1. Collector throughput, host kernel (synthetic BPF producer via BPF_PROG_TEST_RUN, "
             f"ring {ring.get('ring_size', 0) >> 20} MiB, {ring.get('fake_devices', '?')} fake devices, output on tmpfs)")
    if "error" in ring:
        L.append(f"   missing: {ring['error']}")
    else:
        runs = ring["runs"]
        burst = {r["consumer"]: r for r in runs if r.get("mode") == "burst"}
        stream = {r["consumer"]: r for r in runs if r.get("mode") == "stream"}
        base = burst.get("empty", {}).get("consumer_ns_per_event")
        L.append("| consumer | ns/event (full ring) | events/s per core | CPU ms per 1M events | x drain limit "
                 "| events/s, producer flat out | no loss up to (offered/s) | losses from (offered/s) |")
        L.append("|---|---|---|---|---|---|---|---|")
        for c in burst:
            b, s = burst[c], stream.get(c, {})
            paced = [r for r in runs if r.get("consumer") == c and r.get("mode") == "paced"]
            ok = [r["offered_rate"] for r in paced if not r["lost"]]
            bad = [r for r in paced if r["lost"]]
            lossfrom = (f"{si(bad[0]['offered_rate'])} ({100 * bad[0]['lost'] / (bad[0]['lost'] + bad[0]['produced']):.0f}% lost)"
                        if bad else "none tried")
            name = "empty callback (drain limit)" if c == "empty" else c
            L.append(f"| {name} | {fmt(b['consumer_ns_per_event'], '{:.0f}')} | {si(b['events_per_s_per_core'])} "
                     f"| {fmt(b['cpu_ms_per_million'], '{:.0f}')} "
                     f"| {fmt(b['consumer_ns_per_event'] / base if base else None, '{:.1f}')} "
                     f"| {si(s.get('events_per_s_wall'))} | {si(max(ok)) if ok else 'n/a'} | {lossfrom} |")
        if "intervals" in burst and "jsonl" in burst:
            iv, raw = burst["intervals"], burst["jsonl"]
            L.append(f"   --record intervals (aggregates only) on the same stream: "
                     f"{fmt(iv['cpu_ms_per_million'], '{:.0f}')} CPU ms per 1M events, "
                     f"raw JSON Lines {fmt(raw['cpu_ms_per_million'], '{:.0f}')} "
                     f"(x{iv['cpu_ms_per_million'] / raw['cpu_ms_per_million']:.2f})")
        paced = [r for r in runs if r.get("mode") == "paced"]
        rates = sorted({r["offered_rate"] for r in paced})
        if rates:
            L.append("")
            L.append("   Lost events at a fixed offered rate (1 s each; % of offered lost in the ring buffer, "
                     "- = rate not tried once an earlier one lost)")
            L.append("| consumer | " + " | ".join(si(x) + "/s" for x in rates) + " |")
            L.append("|---|" + "---|" * len(rates))
            for c in burst:
                by = {r["offered_rate"]: r for r in paced if r.get("consumer") == c}
                cells = []
                for x in rates:
                    r = by.get(x)
                    if not r:
                        cells.append("-")
                        continue
                    tot = r["lost"] + r["produced"]
                    pct = 100 * r["lost"] / tot if tot else 0
                    cells.append("0" if not r["lost"] else (f"{pct:.1f}%" if pct < 1 else f"{pct:.0f}%"))
                L.append(f"| {'empty callback' if c == 'empty' else c} | " + " | ".join(cells) + " |")
        if ring.get("unavailable"):
            L.append(f"   formats not available in this build: {', '.join(ring['unavailable'])}")
    L.append("")
    vm = res["vm"]
    if vm.get("error"):
        L.append(f"VM parts missing: {vm['error'][:300]}")
    L.append("2. Kernel time per input event on evdev_events() (VM, TCG; bpf_stats run_time_ns/run_cnt)")
    L.append("| mechanism | floor (count only) ns/event | agent ns/event | x floor | agent, type filter rejects all, ns/event | x floor | events |")
    L.append("|---|---|---|---|---|---|---|")
    for k in vm.get("kernel_overhead", []):
        if "floor" not in k:
            L.append(f"| {k.get('mechanism')} | missing: {k.get('error')} |||||")
            continue
        L.append(f"| {k['mechanism']} | {fmt(k['floor'].get('ns_per_event'))} | {fmt(k['agent'].get('ns_per_event'))} "
                 f"| {fmt(k['agent'].get('ratio_to_floor'), '{:.1f}')} | {fmt(k['agent_filtered'].get('ns_per_event'))} "
                 f"| {fmt(k['agent_filtered'].get('ratio_to_floor'), '{:.1f}')} | {k.get('events')} |")
    L.append("")
    pe = vm.get("peers")
    if pe:
        st = pe.get("stream", {})
        L.append(f"3. Side by side on one stream (VM, TCG): {st.get('events')} events from an 8 kHz uinput mouse "
                 f"(achieved {fmt(st.get('frames_per_s'))} frames/s), all three reading at once")
        L.append("| tool | CPU ms per 100k events written (user+sys) | x inputtrace | CPU ms per 100k events recorded "
                 "| peak RSS (VmHWM) MiB | events recorded / written | events missed | SYN_DROPPED in its output |")
        L.append("|---|---|---|---|---|---|---|---|")
        base = pe.get("inputtrace", {}).get("cpu_ms_per_100k")
        for n in ("evemu-record", "libinput-record", "inputtrace"):
            x = pe.get(n, {})
            if "cpu_ms_per_100k" not in x:
                L.append(f"| {n} | missing: {x.get('error')} |||||||")
                continue
            warn = "" if x.get("marker_seen_before_stop", True) else " (its end marker lost too)"
            dropped = fmt(x['syn_dropped'], '{}', 'not written' if n == 'libinput-record' else '-')
            L.append(f"| {n} | {fmt(x['cpu_ms_per_100k'])} | {fmt(x['cpu_ms_per_100k'] / base if base else None, '{:.2f}')} "
                     f"| {fmt(x.get('cpu_ms_per_100k_recorded'))} | {fmt((x['vmhwm_kb'] or 0) / 1024, '{:.1f}')} "
                     f"| {x.get('events_recorded')} / {x.get('generator_wrote', x.get('expected'))}{warn} "
                     f"| {x['missed']} | {dropped} |")
        x = pe.get("inputtrace", {})
        if "cpu_plus_bpf_ms_per_100k" in x:
            L.append(f"| inputtrace + its BPF time in the kernel | {fmt(x['cpu_plus_bpf_ms_per_100k'])} "
                     f"| {fmt(x['cpu_plus_bpf_ms_per_100k'] / base if base else None, '{:.2f}')} | | | | (ring lost {x.get('lost')}) | |")
    else:
        L.append("3. Side by side: missing")
    L.append("")
    sc = vm.get("scaling")
    if sc:
        L.append("4. Scaling of the agent (VM, TCG, fentry): CPU of the agent process and BPF time per event")
        L.append("| devices | frames/s (target, achieved) | events | agent CPU ms per 100k events | x 1 device | BPF ns/event |")
        L.append("|---|---|---|---|---|---|")
        pts = sc.get("devices", []) + sc.get("rate", [])
        b = sc["devices"][0]["agent_cpu_ms_per_100k"] if sc.get("devices") else None
        for p in pts:
            L.append(f"| {p['devices']} | {p['target_frames_per_s']}, {fmt(p['stream'].get('frames_per_s'))} "
                     f"| {p['stream'].get('events')} | {fmt(p['agent_cpu_ms_per_100k'])} "
                     f"| {fmt(p['agent_cpu_ms_per_100k'] / b if b else None, '{:.2f}')} | {fmt(p['bpf_ns_per_event'])} |")
    else:
        L.append("4. Scaling: missing")
    L.append("")
    k = res.get("kafka", {})
    L.append(f"5. Delivery to Kafka, this host: {k.get('records', '?')} event records written through the sink "
             "(stamped, 64 MiB files) into a spool, alone and with the shipper delivering them to librdkafka's "
             "mock cluster (3 brokers, acks=all, idempotent) until all are acknowledged (tests/kafka/driver.c)")
    if "error" in k:
        L.append(f"   missing: {k['error']}")
    else:
        L.append("| path | records/s (wall, to the last acknowledgement) | CPU s per 1M records (user+sys) | peak RSS MiB |")
        L.append("|---|---|---|---|")
        for r in k.get("runs", []):
            name = "file alone" if r["mode"] == "file" else "file + shipped to Kafka"
            if "error" in r:
                L.append(f"| {name} | missing: {r['error'][:200]} | | |")
                continue
            L.append(f"| {name} | {si(r['records_per_s'])} | {fmt(r['cpu_s_per_million'], '{:.2f}')} "
                     f"| {fmt(r['peak_rss_kb'] / 1024, '{:.1f}')} |")
    L.append("")
    L += features_table(res)
    errs = vm.get("errors") or []
    if errs:
        L.append("")
        L.append("VM notes: " + "; ".join(errs)[:800])
    L.append("")
    L.append(f"make bench took {res['bench_seconds']:.0f} s. VM figures are under QEMU TCG (software emulation): "
             "compare them with each other, not with the host's.")
    return "\n".join(L)


def main():
    if sys.argv[1:] == ["--table"]:  # re-print the table of bench/results.json
        res = json.load(open(os.path.join(TOP, "bench/results.json")))
        t = table(res)
        res["table"] = t
        print(t)
        json.dump(res, open(os.path.join(TOP, "bench/results.json"), "w"), indent=1)
        open(os.path.join(TOP, "bench/results.md"), "w").write(t + "\n")
        return
    res = {"machine": machine()}
    if not os.path.exists(ITB):
        say(f"{ITB} missing: run `make bench`")
        sys.exit(1)
    res["ring"] = run_ring()
    res["kafka"] = run_kafka()
    res["features"] = run_features()
    res["vm"] = run_vm()
    res["bench_seconds"] = time.monotonic() - T_START
    t = table(res)
    res["table"] = t
    print(t)
    json.dump(res, open(os.path.join(TOP, "bench/results.json"), "w"), indent=1)
    open(os.path.join(TOP, "bench/results.md"), "w").write(t + "\n")
    say("wrote bench/results.json and bench/results.md")


if __name__ == "__main__":
    main()
