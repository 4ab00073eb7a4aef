#!/usr/bin/env bash
# Installs inputtrace's build, test and VM dependencies from Debian's archive.
# Idempotent: packages already present are left alone. Run as root (or via sudo).
set -euo pipefail

pkgs=(
  # build
  make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
  libevdev-dev libcap-ng-dev
  # tests
  libcmocka-dev python3 gzip groff-base systemd
  # VM tests: kernel image is fetched separately by scripts/vm/fetch-kernel.sh
  qemu-system-x86 busybox-static cpio evemu-tools libinput-tools kmod
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
