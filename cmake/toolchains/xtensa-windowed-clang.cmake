# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# Standalone (no ESP-IDF) toolchain: Xtensa windowed ABI (ESP32 code) from
# clang-22 -> llc-22 -mcpu=esp32 -> llvm-mc-22 (see hotreload_py/toolchains.py),
# linked by GNU ld from binutils-xtensa-lx106; runs under qemu-xtensa.
#   cmake -G Ninja -DCMAKE_TOOLCHAIN_FILE=<hotreload>/cmake/toolchains/xtensa-windowed-clang.cmake ...
#
# Executables link through xtensa-lx106-elf-gcc with -nostdlib: clang cannot
# drive an Xtensa link, and lx106's libgcc and crt files are call0 code, which
# windowed code must not call. Link options are therefore gcc-driver options
# (-Wl,...), and the project brings its own start-up code and helpers.

set(HOTRELOAD_TOOLCHAIN xtensa-windowed-clang)
set(HOTRELOAD_ARCH xtensa)
set(HOTRELOAD_ABI xtensa-windowed)
set(HOTRELOAD_TARGET sim-xtensa)
set(__hotreload_binutils xtensa-lx106-elf-)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

find_program(__hotreload_link_driver xtensa-lx106-elf-gcc REQUIRED)
set(CMAKE_C_LINK_EXECUTABLE
    "${__hotreload_link_driver} -nostdlib <CMAKE_C_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
