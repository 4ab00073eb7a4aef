#!/usr/bin/env bash
# tests/vm/run.sh - the end-to-end tests in the VM (`make test-vm`, which first builds
# build/inputtrace and the VM with `make vm`; this script builds nothing).
#
# Boots the test VM (scripts/vm/run.py) a few times. Each boot runs one script,
# tests/vm/guest-NAME.sh, in its capture phase (drive devices, run the agents and
# evemu-record; a failed step is reported as "FAIL setup-STEP"); then the same script's
# check phase runs here on the host on what the boot left in its output directory
# (Python is slow under TCG). Both append "ok NAME" / "FAIL NAME" lines to the boot's
# results file. The checks a script must report are its "# check: NAME" lines: one that
# never reported is a failure. Prints one line per check, then "N passed, M failed";
# on a failure, the check phase's output and the tail of that boot's console. Exit
# status 1 if any check failed.
#
# After each boot, the check "kernel-log-NAME": the guest's kernel log (dmesg and taint
# flags, saved by run.py as kernel.log) and the console must show no WARN, BUG, oops,
# lockup, sanitizer or verifier report (run.py --scan-log): the agent can exit 0 while
# the kernel complained. "kernel-log-matcher" first shows that the scan catches one.
#
# Environment: RECORDINGS (default ../shared/recordings), VM_TEST_OUT (default
# build/vm-test: per boot, the console log, results and every capture), BOOTS (the
# boots to run, default "main ops formats privacy control kafka features session focus": ops is tests/vm/guest-ops.sh,
# the operator checks; formats is tests/vm/guest-formats.sh, the --format evemu round
# trip; privacy is tests/vm/guest-privacy.sh, the planted secret, pause, exclusions;
# control is tests/vm/guest-control.sh, the control socket under attack; kafka is
# tests/vm/guest-kafka.sh, real capture delivered to a mock cluster in the guest;
# features is tests/vm/guest-features.sh, `inputtrace features` against evemu-record;
# session is tests/vm/guest-session.sh, participation against a mock logind on a real bus;
# focus is tests/vm/guest-focus.sh, focus reports, the focus pause and tool records),
# VM_BOOT_TIMEOUT (seconds, overrides every boot's own), VM_JOBS (boots at once; default
# one per CPU, at most 3: each VM has one vCPU).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
RECORDINGS=${RECORDINGS:-$top/../shared/recordings}
# the physical path: the guest mounts a tmpfs over /tmp, so a symlink there (a clone in
# /tmp with ../shared linked to the real one) would name nothing in the guest
RECORDINGS=$(cd "$RECORDINGS" 2>/dev/null && pwd -P) || { echo "run.sh: no recordings directory ${RECORDINGS} (the project's shared/recordings beside this clone; or set RECORDINGS=DIR)" >&2; exit 1; }
out=${VM_TEST_OUT:-$top/build/vm-test}
BOOTS=${BOOTS:-main ops formats privacy control kafka features session focus}

# boot NAME: timeout (s) and extra QEMU arguments.
boot_timeout() {
  [ -n "${VM_BOOT_TIMEOUT:-}" ] && { echo "$VM_BOOT_TIMEOUT"; return; }
  case $1 in
    main) echo 600 ;;
    *) echo 480 ;;
  esac
}
boot_qemu_args() {
  case $1 in
    # an xHCI controller with a USB mouse; the USB keyboard is plugged in and out by
    # the guest (device_add/device_del) so that `sendkey` reaches the PS/2 keyboard
    # first and the USB one after
    main) echo --qemu-arg=-device --qemu-arg=qemu-xhci,id=xhci --qemu-arg=-device --qemu-arg=usb-mouse,id=umouse ;;
  esac
}

pass=0 fail=0
t_start=$(date +%s)

# the kernel log scan: a sample WARN and taint are found, a clean log passes
scan() { python3 scripts/vm/run.py --scan-log "$@"; }
sample=$(mktemp)
printf '%s\n' '[    1.234567] usb 1-1: new full-speed USB device number 2 using xhci_hcd' \
  '[   12.345678] ------------[ cut here ]------------' \
  '[   12.345679] WARNING: CPU: 0 PID: 321 at kernel/bpf/ringbuf.c:123 __bpf_ringbuf_reserve+0x1/0x2' \
  'inputtrace-vm: kernel tainted: 512' > "$sample"
found=$(scan "$sample" | grep -c 'WARNING: CPU\|cut here\|tainted: 512 (W warning)')
clean_rc=0; head -1 "$sample" | scan /dev/stdin > /dev/null || clean_rc=$?
rm -f "$sample"
if [ "$found" = 3 ] && [ "$clean_rc" = 0 ]; then
  echo "ok kernel-log-matcher"; pass=$((pass + 1))
else
  echo "FAIL kernel-log-matcher: found $found of 3 problem lines in a sample, clean log: exit $clean_rc"
  fail=$((fail + 1))
fi
# run_boot NAME: one boot's capture phase in the VM, then its check phase on the host;
# its exit status and time in $dir/boot.rc (one line: "RC SECONDS").
run_boot() {
  local b=$1 script=tests/vm/guest-$1.sh dir=$out/$1 t0 rc
  rm -rf "$dir"
  mkdir -p "$dir"
  t0=$(date +%s)
  # shellcheck disable=SC2046
  python3 scripts/vm/run.py --timeout "$(boot_timeout "$b")" --out "$dir" --log "$dir/console.log" \
    $(boot_qemu_args "$b") -- env RECORDINGS="$RECORDINGS" bash "$script" > "$dir/run.log" 2>&1
  rc=$?
  # the check phase, for scripts that have one (their "check) checks ;;" dispatch)
  # (only if the capture phase finished: it saves its variables last, lib.sh save_vars)
  if grep -Eq '^[[:space:]]*check\)[[:space:]]*checks[[:space:]]*;;' "$script" && [ -f "$dir/vars.sh" ]; then
    VM_OUT=$dir bash "$script" check > "$dir/check.log" 2>&1
  fi
  echo "$rc $(( $(date +%s) - t0 ))" > "$dir/boot.rc"
}

# The boots run VM_JOBS at a time (default: one per CPU, at most 3): each VM
# has one vCPU, and the boots share nothing but the read-only root file system.
jobs_max=${VM_JOBS:-$(n=$(nproc); [ "$n" -gt 3 ] && n=3; echo "$n")}
for b in $BOOTS; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
    wait -n
  done
  run_boot "$b" &
done
wait

for b in $BOOTS; do
  script=tests/vm/guest-$b.sh
  dir=$out/$b
  read -r rc secs < "$dir/boot.rc" 2>/dev/null || { rc=125; secs=0; }
  echo "# boot $b: exit $rc, $secs s (console: $dir/console.log)"
  if grep -Eq '^[[:space:]]*check\)[[:space:]]*checks[[:space:]]*;;' "$script" && [ ! -f "$dir/vars.sh" ]; then
    echo "# boot $b: its capture phase did not finish: no checks run"
  fi
  boot_failed=0
  [ "$rc" -eq 0 ] || boot_failed=1
  expected=$(sed -n 's/^# check: *//p' "$script")
  # every line the guest reported, in its order, then the expected ones it never reported
  while read -r st name rest; do
    name=${name%:}
    case $st in
      ok) echo "ok $name"; pass=$((pass + 1)) ;;
      FAIL) echo "FAIL $name${rest:+ $rest}"; fail=$((fail + 1)); boot_failed=1 ;;
    esac
  done < <(cat "$dir/results" 2>/dev/null)
  for name in $expected; do
    if ! grep -Eq "^(ok|FAIL) $name(:|\$)" "$dir/results" 2>/dev/null; then
      echo "FAIL $name (never reported; the boot exited $rc)"
      fail=$((fail + 1))
      boot_failed=1
    fi
  done
  # the kernel's own reports of trouble during the boot
  if [ -f "$dir/kernel.log" ]; then
    kproblems=$(scan "$dir/kernel.log" "$dir/console.log")
    krc=$?
  else
    kproblems=$(scan "$dir/console.log"); krc=1
    kproblems="no kernel.log (the guest's command did not finish)${kproblems:+$'\n'$kproblems}"
  fi
  if [ "$krc" -eq 0 ]; then
    echo "ok kernel-log-$b"; pass=$((pass + 1))
  else
    echo "FAIL kernel-log-$b: the kernel reported a problem:"
    printf '%s\n' "$kproblems" | head -n 40 | sed 's/^/    /'
    fail=$((fail + 1)); boot_failed=1
  fi
  if [ "$boot_failed" -ne 0 ]; then
    if [ -f "$dir/check.log" ]; then
      echo "# --- boot $b: checks ($dir/check.log) ---"
      cat "$dir/check.log"
    fi
    echo "# --- boot $b: last 80 console lines ($dir/console.log) ---"
    tail -n 80 "$dir/console.log" 2>/dev/null || tail -n 80 "$dir/run.log"
    echo "# --- end of boot $b console ---"
  fi
done
echo "# VM tests took $(( $(date +%s) - t_start )) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
