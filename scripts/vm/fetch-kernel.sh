#!/usr/bin/env bash
# Downloads Debian's linux-image-amd64 kernel (the .deb linux-image-amd64 depends on)
# into $VM_CACHE (default .cache/vm) and unpacks it. Prints the kernel release.
# Idempotent: an already unpacked kernel is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VM_CACHE:-$top/.cache/vm}
mkdir -p "$cache"

if [ -f "$cache/kernel/release" ] && [ -f "$cache/kernel/vmlinuz" ]; then
  cat "$cache/kernel/release"
  exit 0
fi

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
  apt-get update -qq >&2
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64" >&2; exit 1; }
rel=${pkg#linux-image-}

tmp=$(mktemp -d "$cache/dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download "$pkg" >&2 2>/dev/null) || (cd "$tmp" && apt-get download "$pkg" >&2)
dpkg -x "$tmp"/*.deb "$tmp/x"
depmod -b "$tmp/x" "$rel"
rm -rf "$cache/kernel"
mkdir -p "$cache/kernel"
mv "$tmp/x/boot/vmlinuz-$rel" "$cache/kernel/vmlinuz"
mv "$tmp/x/boot/config-$rel" "$cache/kernel/config"
mkdir -p "$cache/kernel/lib"
mv "$tmp/x/lib/modules" "$cache/kernel/lib/modules"
echo "$rel" > "$cache/kernel/release"
echo "$rel"
