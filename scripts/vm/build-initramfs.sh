#!/usr/bin/env bash
# Builds the test VM's initramfs: busybox-static, the kernel modules the input tests
# need (with their dependencies, in load order) and an /init that mounts the host's
# root file system read-only over virtio-9p and runs a test command in a chroot.
# Output: $VM_CACHE/initramfs.cpio.gz (default .cache/vm). Needs fetch-kernel.sh first.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VM_CACHE:-$top/.cache/vm}
kdir=$cache/kernel
rel=$(cat "$kdir/release")
out=$cache/initramfs.cpio.gz

# input drivers, USB and virtio transports for QEMU's emulated devices, 9p for files
modules=(evdev uinput psmouse hid_generic usbhid xhci_pci ehci_pci uhci_hcd ohci_pci
         virtio_pci virtio_input 9pnet_virtio 9p)

busybox=$(command -v busybox || echo /bin/busybox)
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || [ -x /bin/busybox ] || {
  echo "build-initramfs: busybox-static is not installed (scripts/install-deps.sh)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,host,lib/modules}
cp /bin/busybox "$root/bin/busybox"

: > "$root/modules.list"
for m in "${modules[@]}"; do
  modprobe -d "$kdir" -S "$rel" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
  name=$(basename "$ko")
  cp "$ko" "$root/lib/modules/$name"
  echo "$name" >> "$root/modules.list"
done

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.list); do insmod /lib/modules/$m || echo "vm: insmod $m failed"; done
H=/host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot $H || { echo "vm: mount hostroot failed"; poweroff -f; }
mount -t proc proc $H/proc
mount -t sysfs sys $H/sys
mount -t devtmpfs dev $H/dev
mkdir -p $H/dev/pts && mount -t devpts devpts $H/dev/pts
mount -t tmpfs tmp $H/tmp
mount -t tmpfs run $H/run

mount -t tmpfs varlog $H/var/tmp
mount -t bpf bpf $H/sys/fs/bpf
mount -t debugfs debugfs $H/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $H/sys/kernel/tracing 2>/dev/null
mkdir -p $H/tmp/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out $H/tmp/out || { echo "vm: mount out failed"; poweroff -f; }
# a project under a directory the guest replaces with a tmpfs (/tmp, /run, /var/tmp)
# comes as its own share, mounted back at the same path
if [ -s $H/tmp/out/projdir ]; then
  p=$(cat $H/tmp/out/projdir)
  mkdir -p "$H$p" && mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose proj "$H$p" || { echo "vm: mount proj failed"; poweroff -f; }
fi
# wait (bounded) for the emulated input devices to finish probing
i=0; while [ $i -lt 50 ] && [ ! -e /dev/input/event0 ]; do sleep 0.1; i=$((i+1)); done
echo; chroot $H /bin/sh -c 'export HOME=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin; cd "$(cat /tmp/out/cwd)" && sh /tmp/out/cmd.sh' </dev/console >/dev/console 2>&1
rc=$?; echo; echo "@@VM-EXIT=$rc"
sync
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
