# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# Standalone (no ESP-IDF) toolchain: Xtensa call0 ABI with Debian's
# xtensa-lx106-elf-gcc (-mlongcalls); runs under qemu-xtensa. The Debian
# package has no C library: link with -nostdlib and bring your own start-up code.
#   cmake -G Ninja -DCMAKE_TOOLCHAIN_FILE=<hotreload>/cmake/toolchains/xtensa-call0-gcc.cmake ...

set(HOTRELOAD_TOOLCHAIN xtensa-call0-gcc)
set(HOTRELOAD_ARCH xtensa)
set(HOTRELOAD_ABI xtensa-call0)
set(HOTRELOAD_TARGET sim-xtensa-call0)
set(__hotreload_binutils xtensa-lx106-elf-)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
