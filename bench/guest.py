#!/usr/bin/env python3
"""Guest side of `make bench` (bench/run.py boots the VM with scripts/vm/run.py and runs
this in its chroot, cwd = the repository). Writes /tmp/out/vm.json.

Parts (numbers in docs/performance.md):
  kernel  -- per mechanism (fentry, kprobe): the agent, the agent with a type filter
             that rejects everything (--types EV_PWR), and a counting-only floor program
             (itbench floor) attached together on evdev_events(); one 8 kHz uinput
             stream held open (itbench uinput --hold); run_time_ns/run_cnt deltas from
             bpftool with kernel.bpf_stats_enabled=1.
  peers   -- evemu-record, libinput-record and inputtrace reading the same stream
             (>= 200k events) at once: CPU user+sys (/proc/PID/stat), VmHWM, missed.
  scaling -- the agent alone with 1, 8, 64 devices (same total rate) and with 1
             device at several rates: agent CPU and BPF time per event.
Nothing here fails on a time: what could not be measured is recorded as an error.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

O = "/tmp/out"
W = "/tmp/w"
TOP = os.getcwd()
AGENT = os.path.join(TOP, "build/inputtrace")
ITB = os.path.join(TOP, "build/bench/itbench")
TICK = os.sysconf("SC_CLK_TCK")
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
os.makedirs(W, exist_ok=True)
res = {"errors": []}
seq = [0]


def log(*a):
    print("[bench-guest %6.1f]" % (time.monotonic() - T0), *a, file=sys.stderr, flush=True)


T0 = time.monotonic()


def wait_for(what, cond, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    log("timeout waiting for", what)
    return False


def cpu_s(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK, int(f[11]) / TICK, int(f[12]) / TICK
    except OSError:
        return None


def hwm_kb(pid):
    try:
        for l in open(f"/proc/{pid}/status"):
            if l.startswith("VmHWM:"):
                return int(l.split()[1])
    except OSError:
        pass
    return None


def has_open(pid, node):
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == node:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def progs():
    try:
        out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True).stdout
        return {p["id"]: p for p in json.loads(out)}
    except Exception as e:  # noqa
        res["errors"].append(f"bpftool: {e}")
        return {}


def prog_sum(snap, ids):
    rt = sum(snap.get(i, {}).get("run_time_ns", 0) for i in ids)
    rc = sum(snap.get(i, {}).get("run_cnt", 0) for i in ids)
    return rt, rc


class Agent:
    def __init__(self, name, *args):
        self.name = name
        self.out = f"{W}/{name}.jsonl"
        self.err = f"{W}/{name}.err"
        for f in (self.out, self.err):
            if os.path.exists(f):
                os.unlink(f)
        before = set(progs())
        self.p = subprocess.Popen([AGENT, "-o", self.out, "--status-file", "none", *args], stderr=open(self.err, "w"))
        self.ok = wait_for(f"agent {name}", lambda: "capturing input" in open(self.err).read()
                           or self.p.poll() is not None, 300) and self.p.poll() is None
        if not self.ok:
            res["errors"].append(f"agent {name} did not start: {open(self.err).read().strip()}")
        snap = progs()
        self.evdev = [i for i in set(snap) - before if snap[i]["name"].startswith("it_evdev")]
        log(f"agent {name}: {open(self.err).read().strip()} progs {self.evdev}")

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(120)
        except subprocess.TimeoutExpired:
            self.p.kill()
        self.stats = {}
        self.events = 0
        try:
            for l in open(self.out):
                if '"record":"event"' in l:
                    self.events += 1
                elif '"record":"stats"' in l:
                    self.stats = json.loads(l)
        except OSError:
            pass
        return self.stats


class Floor:
    def __init__(self, mech):
        before = set(progs())
        self.err = f"{W}/floor-{mech}.err"
        self.p = subprocess.Popen([ITB, "floor", mech], stdout=subprocess.PIPE, text=True,
                                  stderr=open(self.err, "w"))
        wait_for("floor", lambda: "attached" in open(self.err).read() or self.p.poll() is not None, 120)
        snap = progs()
        self.ids = [i for i in set(snap) - before if snap[i]["name"].startswith("it_floor")]
        log(f"floor {mech}: progs {self.ids} {open(self.err).read().strip()}")

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            out, _ = self.p.communicate(timeout=30)
            return json.loads(out.strip().splitlines()[-1])
        except Exception:
            return {}


class Gen:
    def __init__(self, devices, rate, frames, hold=True, mark=False):
        seq[0] += 1
        self.ready = f"{W}/ready.{seq[0]}"
        self.go_file = f"{W}/go.{seq[0]}"
        args = [ITB, "uinput", "--devices", str(devices), "--rate", str(rate), "--frames", str(frames),
                "--ready", self.ready, "--go", self.go_file]
        if hold:
            args.append("--hold")
        if mark:
            args.append("--mark")
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        wait_for("uinput devices", lambda: os.path.exists(self.ready) or self.p.poll() is not None, 120)
        self.nodes = open(self.ready).read().split() if os.path.exists(self.ready) else []

    def go(self):
        open(self.go_file, "w").close()
        line = self.p.stdout.readline()
        self.result = json.loads(line) if line.strip() else {}
        return self.result

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.p.kill()


def settle(agent_pid, quiet_s=0.6, limit=30):
    """Wait until the agent's CPU time stops growing (it has drained the ring)."""
    end = time.monotonic() + limit
    last = cpu_s(agent_pid)
    while time.monotonic() < end:
        time.sleep(quiet_s)
        now = cpu_s(agent_pid)
        if now == last:
            return
        last = now


def part_kernel(mech, frames):
    log(f"kernel overhead: {mech}")
    r = {"mechanism": mech}
    gen = Gen(1, 8000, frames, hold=True)
    floor = Floor(mech)
    a_all = Agent(f"k-{mech}-all", "--attach", mech)
    a_filt = Agent(f"k-{mech}-none", "--attach", mech, "--types", "EV_PWR")
    if not (a_all.ok and a_filt.ok and floor.ids):
        r["error"] = "could not attach"
    s0 = progs()
    r["stream"] = gen.go()
    settle(a_all.p.pid)
    s1 = progs()
    for key, ids in (("floor", floor.ids), ("agent", a_all.evdev), ("agent_filtered", a_filt.evdev)):
        t0, c0 = prog_sum(s0, ids)
        t1, c1 = prog_sum(s1, ids)
        r[key] = {"run_time_ns": t1 - t0, "run_cnt": c1 - c0,
                  "progs": sorted(s1.get(i, {}).get("name", "?") for i in ids)}
    fl = floor.stop()
    st_all = a_all.stop()
    st_filt = a_filt.stop()
    gen.stop()
    r["floor"].update(fl)
    r["agent"]["stats"] = st_all
    r["agent_filtered"]["stats"] = st_filt
    events = st_all.get("seen") or fl.get("values") or r["stream"].get("events", 0)
    r["events"] = events
    frames_seen = fl.get("calls") or r["stream"].get("frames", 0)
    r["frames"] = frames_seen
    for key in ("floor", "agent", "agent_filtered"):
        x = r[key]
        # kprobe pairs: run_cnt counts entry and return; per call = per frame
        x["ns_per_frame"] = x["run_time_ns"] / frames_seen if frames_seen else None
        x["ns_per_event"] = x["run_time_ns"] / events if events else None
    if r["floor"]["ns_per_event"]:
        for key in ("agent", "agent_filtered"):
            r[key]["ratio_to_floor"] = r[key]["ns_per_event"] / r["floor"]["ns_per_event"]
    log(json.dumps({k: r[k].get("ns_per_event") for k in ("floor", "agent", "agent_filtered")}))
    return r


MARK = 271828
# one evdev event in each tool's text: evemu-record "E: 12.345678 0002 0000 0004 ..." (hex type
# and code), libinput record "- [  0, 123456,   2,   0,      4] # EV_REL ..." (decimal), the
# latter counted only inside a device's "events:" section.
EVEMU_E = re.compile(r"^E: \d+\.\d+ ([0-9a-fA-F]{4}) ([0-9a-fA-F]{4}) (-?\d+)")
LI_E = re.compile(r"^\s*- \[\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(-?\d+),\s*(-?\d+)\s*\]")


def tally(events):
    """Events (type, code, value) -> counts; SYN_DROPPED is not an event of the stream."""
    c = {"events": 0, "frames": 0, "syn_dropped": 0, "marker": 0, "other": 0}
    for t, code, v in events:
        if t == 0 and code == 3:
            c["syn_dropped"] += 1
            continue
        c["events"] += 1
        if t == 0 and code == 0:
            c["frames"] += 1
        elif t == 0 and code == 1 and v == MARK:
            c["marker"] += 1
        elif t != 2:
            c["other"] += 1
    return c


def evemu_events(path):
    try:
        for l in open(path, errors="replace"):
            m = EVEMU_E.match(l)
            if m:
                yield int(m[1], 16), int(m[2], 16), int(m[3])
    except OSError:
        pass


def libinput_events(path):
    inside = False
    try:
        for l in open(path, errors="replace"):
            s = l.strip()
            if s == "events:":
                inside = True
                continue
            if not inside:
                continue
            m = LI_E.match(l)
            if m:
                yield int(m[3]), int(m[4]), int(m[5])
            elif s and not s.startswith(("#", "- evdev:", "- libinput:", "evdev:")) and not l.startswith(" "):
                inside = False  # a new top-level key
    except OSError:
        pass


def has_marker(path, kind):
    """Has the tool written the marker frame yet? (reads the last 16 KiB)"""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(f.tell() - 16384, 0))
            tail = f.read().decode(errors="replace")
    except OSError:
        return False
    if kind == "evemu":
        return f" 0000 0001 {MARK}" in tail
    if kind == "jsonl":
        return str(MARK) in tail
    return re.search(r"\[\s*\d+,\s*\d+,\s*0,\s*1,\s*%d\s*\]" % MARK, tail) is not None


def stop_tool(p, limit=30):
    """SIGINT, then wait for the exit; SIGKILL only if it does not exit."""
    p.send_signal(signal.SIGINT)
    try:
        return p.wait(limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return "killed"


def part_peers(frames):
    log("peers")
    r = {}
    gen = Gen(1, 8000, frames, hold=False, mark=True)
    node = gen.nodes[0]
    expected = frames * 3 + 2  # the frames, then the marker frame (SYN_CONFIG 271828, SYN_REPORT)
    evemu_out, li_out = f"{W}/peer.evemu", f"{W}/peer.yml"
    # evemu-record writes through a fully buffered stdout and libinput record through stdio
    # too: line-buffer both (stdbuf -oL) so that what they have recorded is in the file
    # when the marker is, and stop them only after that, with SIGINT, waiting for the exit.
    ev = subprocess.Popen(["stdbuf", "-oL", "evemu-record", node], stdout=open(evemu_out, "w"),
                          stderr=open(f"{W}/peer.evemu.err", "w"))
    li_bin = "/usr/libexec/libinput/libinput-record"
    if not os.path.exists(li_bin):
        li_bin = None
    li = subprocess.Popen(["stdbuf", "-oL", li_bin, node], stdout=open(li_out, "w"),
                          stderr=open(f"{W}/peer.li.err", "w")) if li_bin else None
    ag = Agent("peer")
    procs = {"evemu-record": ev, "libinput-record": li, "inputtrace": ag.p}
    for name, p in procs.items():
        if name == "inputtrace":
            continue  # it reads no node: ready once it says "capturing"
        if p and not wait_for(f"{name} opens {node}", lambda: has_open(p.pid, node) or p.poll() is not None, 120):
            res["errors"].append(f"{name} did not open {node}")
    time.sleep(0.5)
    c0 = {n: cpu_s(p.pid) for n, p in procs.items() if p}
    s0 = progs()
    r["stream"] = gen.go()
    t_go = time.monotonic()
    # Each tool is done when its output has the marker frame or, failing that (libinput record
    # reads through libevdev, which on SYN_DROPPED throws away everything queued in the kernel,
    # the marker too, and writes no SYN_DROPPED), when its output and CPU time stop growing.
    outs = {"evemu-record": (evemu_out, lambda: has_marker(evemu_out, "evemu")),
            "libinput-record": (li_out, lambda: has_marker(li_out, "libinput")),
            "inputtrace": (ag.out, lambda: has_marker(ag.out, "jsonl"))}
    marked = {}
    for n, (path, seen) in outs.items():
        p = procs[n]
        if not p:
            marked[n] = False
            continue
        last = [None, time.monotonic()]

        def done():
            if seen():
                return True
            try:
                now = (os.path.getsize(path), cpu_s(p.pid))
            except OSError:
                now = None
            if now != last[0]:
                last[0], last[1] = now, time.monotonic()
            return time.monotonic() - last[1] > 2.0
        wait_for(f"{n} output complete", done, 120)
        marked[n] = seen()
        if not marked[n]:
            log(f"{n}: no marker in its output (it dropped the end of the stream)")
    for p in procs.values():
        if p:
            settle(p.pid, 0.5, 20)
    r["stream"]["drain_wall_s"] = time.monotonic() - t_go
    c1 = {n: cpu_s(p.pid) for n, p in procs.items() if p}
    s1 = progs()
    hwm = {n: hwm_kb(p.pid) for n, p in procs.items() if p}
    exits = {n: stop_tool(p) for n, p in procs.items() if p and n != "inputtrace"}
    st = ag.stop()
    gen.stop()
    for f in (evemu_out, li_out):  # heads and tails, for post-mortems
        try:
            b = open(f, "rb").read()
            open(f"{O}/{os.path.basename(f)}.excerpt", "wb").write(b[:6000] + b"\n...\n" + b[-3000:])
        except OSError:
            pass
    counts = {"evemu-record": tally(evemu_events(evemu_out)),
              "libinput-record": tally(libinput_events(li_out)) if li else None,
              "inputtrace": {"events": ag.events, "syn_dropped": None, "marker": int(marked["inputtrace"])}}
    bt0, bc0 = prog_sum(s0, ag.evdev)
    bt1, bc1 = prog_sum(s1, ag.evdev)
    written = r["stream"].get("events", 0) + 2
    for n, p in procs.items():
        if not p or not c0.get(n) or not c1.get(n):
            r[n] = {"error": "not run"}
            continue
        c = counts[n]
        cpu = c1[n][0] - c0[n][0]
        x = {"events_recorded": c["events"], "expected": expected, "generator_wrote": written,
             "missed": max(expected - c["events"], 0), "syn_dropped": c["syn_dropped"],
             "marker_seen_before_stop": marked[n], "counts": c, "exit": exits.get(n),
             "cpu_s": cpu, "user_s": c1[n][1] - c0[n][1], "sys_s": c1[n][2] - c0[n][2],
             "cpu_ms_per_100k": cpu * 1e3 * 1e5 / expected,
             "cpu_ms_per_100k_recorded": cpu * 1e3 * 1e5 / c["events"] if c["events"] else None,
             "vmhwm_kb": hwm.get(n)}
        if n == "libinput-record":
            x["syn_dropped"] = None  # libevdev consumes SYN_DROPPED: not in its output
            x["note"] = ("reads through libevdev: on SYN_DROPPED it discards the kernel queue and "
                         "writes no SYN_DROPPED, so its losses show only as missed events")
        if n == "inputtrace":
            x["stats"] = st
            x["bpf_run_time_s"] = (bt1 - bt0) / 1e9
            x["cpu_plus_bpf_ms_per_100k"] = (cpu + (bt1 - bt0) / 1e9) * 1e3 * 1e5 / expected
            x["lost"] = st.get("lost")
        if expected != written:
            res["errors"].append(f"peers: generator wrote {written} events, expected {expected}")
        r[n] = x
    log(json.dumps({n: (r[n].get("cpu_ms_per_100k"), r[n].get("missed"), r[n].get("syn_dropped"),
                        r[n].get("vmhwm_kb"), r[n].get("marker_seen_before_stop")) for n in procs}))
    return r


def scale_point(ag, devices, rate, frames):
    gen = Gen(devices, rate, frames, hold=True)
    time.sleep(0.3)
    settle(ag.p.pid, 0.3, 10)
    c0, s0 = cpu_s(ag.p.pid), progs()
    stream = gen.go()
    settle(ag.p.pid)
    c1, s1 = cpu_s(ag.p.pid), progs()
    gen.stop()
    t0, _ = prog_sum(s0, ag.evdev)
    t1, _ = prog_sum(s1, ag.evdev)
    ev = stream.get("events") or 1
    cpu = c1[0] - c0[0]
    x = {"devices": devices, "target_frames_per_s": rate, "stream": stream, "agent_cpu_s": cpu,
         "agent_cpu_ms_per_100k": cpu * 1e8 / ev, "bpf_ns_per_event": (t1 - t0) / ev,
         "total_us_per_event": (cpu * 1e9 + (t1 - t0)) / ev / 1e3}
    log(f"scale {devices} dev {rate}/s: {x['agent_cpu_ms_per_100k']:.1f} ms/100k, {x['bpf_ns_per_event']:.0f} ns bpf")
    return x


def main():
    try:
        open("/proc/sys/kernel/bpf_stats_enabled", "w").write("1\n")
    except OSError as e:
        res["errors"].append(f"bpf_stats_enabled: {e}")
    res["kernel"] = os.uname().release
    res["bpf_stats_enabled"] = open("/proc/sys/kernel/bpf_stats_enabled").read().strip()
    k_frames = int(16000 * SCALE)
    peer_frames = max(int(70000 * SCALE), 66667)
    s_frames = int(8000 * SCALE)
    res["kernel_overhead"] = []
    steps = [("kernel", lambda: res["kernel_overhead"].append(part_kernel("fentry", k_frames))),
             ("kernel", lambda: res["kernel_overhead"].append(part_kernel("kprobe", k_frames))),
             ("peers", lambda: res.__setitem__("peers", part_peers(peer_frames)))]
    parts = os.environ.get("BENCH_PARTS", "kernel,peers,scaling").split(",")
    for name, fn in steps:
        if name not in parts:
            continue
        try:
            fn()
        except Exception as e:  # noqa: record and go on
            res["errors"].append(f"{name}: {type(e).__name__}: {e}")
            log("error", name, e)
        json.dump(res, open(f"{O}/vm.json", "w"), indent=1)
    try:
        if "scaling" not in parts:
            raise StopIteration
        ag = Agent("scale")
        res["scaling"] = {"devices": [], "rate": []}
        for d in (1, 8, 64):
            res["scaling"]["devices"].append(scale_point(ag, d, 8000, s_frames))
            json.dump(res, open(f"{O}/vm.json", "w"), indent=1)
        for rate in (1000, 4000, 16000):
            res["scaling"]["rate"].append(scale_point(ag, 1, rate, max(int(rate * 2 * SCALE), 1000)))
            json.dump(res, open(f"{O}/vm.json", "w"), indent=1)
        ag.stop()
    except StopIteration:
        pass
    except Exception as e:  # noqa
        res["errors"].append(f"scaling: {type(e).__name__}: {e}")
    res["guest_seconds"] = time.monotonic() - T0
    json.dump(res, open(f"{O}/vm.json", "w"), indent=1)
    log("done")


if __name__ == "__main__":
    main()
