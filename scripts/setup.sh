#!/usr/bin/env bash
# Installs everything hotreload's host tools, tests and simulated device need on
# a fresh Debian 12 machine: the cross toolchains, QEMU user emulation and the
# Python package with its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    gcc-riscv64-unknown-elf   # rv32imc firmware and modules (GCC)
    gcc-xtensa-lx106          # Xtensa call0 objects (GCC)
    binutils-xtensa-lx106     # GNU ld for every Xtensa link
    clang-22 llvm-22 lld-22   # rv32 clang objects; Xtensa windowed (ESP32) code via llc + llvm-mc
    qemu-user                 # qemu-riscv32 / qemu-xtensa run the simulated device
    cmake ninja-build make    # the standalone build pipeline
    valgrind                  # loader benchmark (instruction counts)
    curl                      # the README's curl example
)

sudo=''
if [ "$(id -u)" -ne 0 ]; then sudo='sudo'; fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
echo 'setup: done'
