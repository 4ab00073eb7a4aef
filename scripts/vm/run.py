#!/usr/bin/env python3
"""Boot the test VM (Debian's kernel under qemu-system-x86_64, TCG) and run one
command in it, in a chroot of this machine's root file system (read-only over
virtio-9p) with a writable output directory shared at /tmp/out.

The guest can drive QEMU's monitor: a console line "@@VMCTL <seq> <hmp command>"
is sent to the monitor by this script, which then writes the monitor's answer to
<out>/ack/<seq> (tests/vm/lib.sh: vmctl). The guest's command's exit status comes
back as "@@VM-EXIT=<n>"; this script exits with it, or 124 on timeout.

After the command, the guest saves its kernel log (dmesg, then a line with the taint
flags) as <out>/kernel.log; --scan-log checks such a log, or a console, for the
kernel's own reports of a problem (kernel_problems()).

usage: run.py [--timeout S] [--out DIR] [--qemu-arg ARG]... [--log FILE] -- CMD
       run.py --scan-log FILE...
"""
import argparse
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def hmp(sock_path, command, timeout=10.0):
    """Send one HMP command over the monitor's unix socket; return its answer text."""
    def until_prompt(s):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    until_prompt(s)
    s.sendall(command.encode() + b"\n")
    buf = until_prompt(s)
    s.close()
    text = buf.decode(errors="replace").replace("\r", "")
    lines = [l for l in text.split("\n") if l and not l.startswith("(qemu)")]
    # the first line echoes the command
    if lines and command in lines[0]:
        lines = lines[1:]
    return "\n".join(lines)


# Kernel log lines that report a problem, as kernel CI (libbpf's, syzbot) fails on them:
# WARN(), BUG(), oopses, lockups and stalls, sanitizer reports, verifier bugs. Only
# kernel lines count: "[ seconds.micros] " first (the console also carries the test's
# own output).
KERNEL_PROBLEM = re.compile(
    r"^\[\s*\d+\.\d+\]\s+("
    r"-+\[ cut here \]-+"
    r"|WARNING: "
    r"|(\S+: )?BUG[: ]|kernel BUG at "
    r"|Oops|general protection fault|Kernel panic|RIP: |Call Trace:"
    r"|(UBSAN|KASAN|KFENCE|KCSAN|KMSAN): |kmemleak: .*suspected"
    r"|(rcu: )?INFO: (task .* blocked|rcu)|.*detected stalls"
    r"|.*verifier (bug|internal error)|.*BTF: -\d+"
    r")")
# The guest's last kernel.log line: /proc/sys/kernel/tainted. Flags that mean a
# problem happened: B bad page (5), D died (7), W warning (9), L soft lockup (14).
TAINT_LINE = re.compile(r"^inputtrace-vm: kernel tainted: (\d+)$")
BAD_TAINT = {5: "B bad page", 7: "D oops", 9: "W warning", 14: "L soft lockup"}


def kernel_problems(lines):
    """The lines of a kernel log or console that report a kernel problem."""
    bad = []
    for line in lines:
        m = TAINT_LINE.match(line)
        if m:
            flags = [name for bit, name in BAD_TAINT.items() if int(m.group(1)) >> bit & 1]
            if flags:
                bad.append(f"{line} ({', '.join(flags)})")
        elif KERNEL_PROBLEM.match(line):
            bad.append(line)
    return bad


def scan_logs(paths):
    """--scan-log: print each problem line as FILE: LINE; 1 if any, 2 if a file is missing."""
    found = missing = False
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            print(f"{path}: cannot read: {e.strerror}")
            missing = True
            continue
        for line in kernel_problems(lines):
            print(f"{path}: {line}")
            found = True
    return 1 if found else 2 if missing else 0


# Appended to the guest's command: save the kernel log and taint flags, keep the exit status.
SAVE_KERNEL_LOG = (
    "rc=$?\n"
    "{ dmesg; echo \"inputtrace-vm: kernel tainted: $(cat /proc/sys/kernel/tainted)\"; }"
    " > /tmp/out/kernel.log 2>&1\n"
    "exit $rc\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--scan-log":
        sys.exit(scan_logs(sys.argv[2:]))
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--out", default=None)
    ap.add_argument("--qemu-arg", action="append", default=[])
    ap.add_argument("--log", default=None, help="also write the console here")
    ap.add_argument("--quiet", action="store_true", help="only print the console on failure")
    ap.add_argument("--memory", default="1024")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    cache = os.environ.get("VM_CACHE", os.path.join(TOP, ".cache", "vm"))
    kernel = os.path.join(cache, "kernel", "vmlinuz")
    initrd = os.path.join(cache, "initramfs.cpio.gz")
    for f in (kernel, initrd):
        if not os.path.exists(f):
            sys.exit(f"run.py: {f} missing: run scripts/vm/fetch-kernel.sh and build-initramfs.sh (make vm)")

    out = a.out or tempfile.mkdtemp(prefix="inputtrace-vm.")
    os.makedirs(os.path.join(out, "ack"), exist_ok=True)
    try:
        os.unlink(os.path.join(out, "kernel.log"))
    except FileNotFoundError:
        pass
    with open(os.path.join(out, "cmd.sh"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n" + SAVE_KERNEL_LOG)
    with open(os.path.join(out, "cwd"), "w") as f:
        f.write(os.getcwd())

    # The guest mounts tmpfs over /tmp, /run and /var/tmp: a project (and the shared/
    # beside it) under one of them is shared on its own and mounted back in place.
    extra = []
    projdir = os.path.dirname(TOP)
    if any(projdir == d or projdir.startswith(d + "/") for d in ("/tmp", "/run", "/var/tmp")):
        if projdir in ("/tmp", "/run", "/var/tmp"):
            projdir = TOP
        extra = ["-virtfs", f"local,path={projdir},mount_tag=proj,security_model=none,readonly=on,multidevs=remap"]
        with open(os.path.join(out, "projdir"), "w") as f:
            f.write(projdir)

    mon = os.path.join(out, "monitor.sock")
    qemu = ["qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", a.memory, "-smp", "1",
            "-display", "none", "-no-reboot", "-serial", "stdio", "-monitor", f"unix:{mon},server,nowait",
            "-kernel", kernel, "-initrd", initrd,
            "-append", "console=ttyS0 quiet loglevel=3 panic=-1 nokaslr",
            "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
            "-virtfs", f"local,path={out},mount_tag=out,security_model=none,multidevs=remap",
            *extra, *a.qemu_arg]
    log = open(a.log, "w") if a.log else None
    lines = []
    t0 = time.monotonic()
    p = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rc = None
    os.set_blocking(p.stdout.fileno(), True)
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    pending = b""
    deadline = t0 + a.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if not sel.select(timeout=min(left, 1.0)):
            if p.poll() is not None:
                break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            raw, pending = pending.split(b"\n", 1)
            line = raw.decode(errors="replace").rstrip("\r")
            lines.append(line)
            if log:
                log.write(line + "\n"); log.flush()
            if not a.quiet:
                print(line, flush=True)
            if line.startswith("@@VMCTL "):
                _, seq, command = line.split(" ", 2)
                try:
                    answer = hmp(mon, command)
                except OSError as e:
                    answer = f"run.py: monitor error: {e}"
                with open(os.path.join(out, "ack", seq + ".tmp"), "w") as f:
                    f.write(answer + "\n")
                os.rename(os.path.join(out, "ack", seq + ".tmp"), os.path.join(out, "ack", seq))
            elif line.startswith("@@VM-EXIT="):
                rc = int(line.split("=", 1)[1])
    if p.poll() is None:
        p.kill()
    p.wait()
    if rc is None:
        print(f"run.py: VM did not finish within {a.timeout:.0f} s (or died)", file=sys.stderr)
        rc = 124
    if a.quiet and rc != 0:
        print("\n".join(lines[-200:]))
    print(f"run.py: VM ran {time.monotonic() - t0:.1f} s, exit {rc}, out {out}", file=sys.stderr)
    sys.exit(rc)


if __name__ == "__main__":
    main()
