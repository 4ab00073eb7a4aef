#!/usr/bin/env bash
# Installs inputtrace's build, test and VM dependencies from Debian's archive, and the
# output tests' DuckDB reader from the npm registry (tests/output/readers, its lock file).
# Idempotent: packages already present are left alone. Run as root (or via sudo).
set -euo pipefail

pkgs=(
  # build
  make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
  libevdev-dev libcap-ng-dev
  # Kafka delivery (docs/kafka.md): the client and its mock cluster; kcat as the
  # tests' independent consumer
  librdkafka-dev kcat
  # focus helper (inputtrace focus): AT-SPI and X11 (xcb)
  libatspi2.0-dev libxcb1-dev
  # tests
  libcmocka-dev python3 gzip groff-base systemd
  # fuzz tests: clang's libFuzzer runtime (only recommended by clang, so not pulled in here)
  libclang-rt-dev
  # participation (issue 11): sd-bus for logind, libcrypto's HMAC for subject ids
  libsystemd-dev libssl-dev
  # session tests: a private bus and logind's mock on it
  dbus-daemon python3-dbusmock
  # output tests: pandas (for Debian's /usr/bin/python3) and Node.js for DuckDB
  python3-pandas nodejs npm
  # focus tests (tests/focus): X server, EWMH window manager, AT-SPI, GTK applications
  xvfb openbox xdotool at-spi2-core dbus gtk-3-examples zenity yad
  # VM tests: kernel image is fetched separately by scripts/vm/fetch-kernel.sh
  qemu-system-x86 busybox-static cpio evemu-tools libinput-tools kmod
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# Node.js may come from elsewhere than Debian (a newer one on PATH): then skip Debian's
if command -v node > /dev/null && command -v npm > /dev/null; then
  keep=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || keep+=("$p"); done
  missing=("${keep[@]}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# DuckDB for the output tests, as its lock file pins it (again only when the lock changed)
# (not for `make demo`: IT_DEPS_NO_NPM=1, it reads no capture with DuckDB)
readers=$(cd "$(dirname "$0")/../tests/output/readers" && pwd)
if [ -z "${IT_DEPS_NO_NPM:-}" ] &&
   ! cmp -s "$readers/package-lock.json" "$readers/node_modules/.installed-lock.json" 2>/dev/null; then
  echo "install-deps: npm ci in tests/output/readers"
  (cd "$readers" && npm ci --no-audit --no-fund --loglevel=error &&
    cp package-lock.json node_modules/.installed-lock.json)
fi
