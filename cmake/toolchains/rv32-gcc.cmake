# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# Standalone (no ESP-IDF) toolchain: rv32imc/ilp32 with Debian's
# riscv64-unknown-elf-gcc; the firmware runs as a Linux process under qemu-riscv32.
#   cmake -G Ninja -DCMAKE_TOOLCHAIN_FILE=<hotreload>/cmake/toolchains/rv32-gcc.cmake ...

set(HOTRELOAD_TOOLCHAIN rv32-gcc)
set(HOTRELOAD_ARCH riscv32)
set(HOTRELOAD_ABI riscv)
set(HOTRELOAD_TARGET sim-riscv32)
set(__hotreload_binutils riscv64-unknown-elf-)
# Debian ships a riscv64 ld; modules are rv32.
set(HOTRELOAD_LINKER_FLAGS -m elf32lriscv)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
