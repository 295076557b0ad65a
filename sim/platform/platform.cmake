# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# The simulated device's platform as CMake targets, for sim/firmware and the
# platform's own test programs (sim/tests). Needs SIM_PLATFORM, HOTRELOAD_DIR
# and HOTRELOAD_ARCH (from a cmake/toolchains file). Defines:
#   sim_platform_headers  INTERFACE: ESP-IDF-named headers of the platform and hotreload.h
#   sim_platform          STATIC: C library, system calls, chip RAM, HTTP server, OS ports
#   sim_ld                the executable's linker script; sim_link_options and sim_link_libraries
#                         are what an executable of the device links with
# and sets the compile options every object of the device needs (a freestanding
# C library instead of a hosted one, like ESP-IDF code sees newlib).

if(HOTRELOAD_ARCH STREQUAL "riscv32")
    # The chip the RISC-V device simulates: ESP32-C3, its real memory map.
    set(sim_chip "${HOTRELOAD_DIR}/src/chip/esp32c3/hr_chip.c")
    set(sim_reloc "${HOTRELOAD_DIR}/src/arch/hr_reloc_riscv.c")
    set(sim_arch_srcs "${SIM_PLATFORM}/arch/riscv32/sim_start.S")
    set(sim_ld "${SIM_PLATFORM}/arch/riscv32/sim.ld")
    # GCC: no hosted headers; its own freestanding ones (stddef, stdint, stdarg) stay.
    execute_process(COMMAND riscv64-unknown-elf-gcc -print-file-name=include
                    OUTPUT_VARIABLE gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(sim_std_flags -nostdinc "SHELL:-isystem ${gcc_include}")
elseif(HOTRELOAD_ARCH STREQUAL "xtensa")
    # ESP32-S3 with its instruction view moved below qemu-xtensa's 0x40000000 limit.
    set(sim_chip "${SIM_PLATFORM}/chip/esp32s3/hr_chip.c")
    set(sim_reloc "${HOTRELOAD_DIR}/src/arch/hr_reloc_xtensa.c")
    set(sim_arch_srcs "${SIM_PLATFORM}/arch/xtensa/sim_start.S" "${SIM_PLATFORM}/arch/xtensa/sim_log_entry.S")
    set(sim_ld "${SIM_PLATFORM}/arch/xtensa/sim.ld")
    set(sim_std_flags -nostdlibinc)
else()
    message(FATAL_ERROR "the simulated device runs riscv32 or xtensa, not '${HOTRELOAD_ARCH}'; "
                        "configure with cmake/toolchains/rv32-gcc.cmake or xtensa-windowed-clang.cmake")
endif()

# Every object, components and their modules included, sees the platform's C
# library instead of a hosted one, like ESP-IDF code sees newlib.
add_compile_options(-ffreestanding -O2 -Wall ${sim_std_flags} "SHELL:-isystem ${SIM_PLATFORM}/libc/include")
add_library(sim_platform_headers INTERFACE)
target_include_directories(sim_platform_headers INTERFACE ${SIM_PLATFORM}/include ${HOTRELOAD_DIR}/include)

# The platform: C library, system calls, chip RAM, HTTP server, OS ports.
add_library(sim_platform STATIC
    ${SIM_PLATFORM}/libc/src/string.c
    ${SIM_PLATFORM}/libc/src/stdio.c
    ${SIM_PLATFORM}/libc/src/stdlib.c
    ${SIM_PLATFORM}/libc/src/sim_heap.c
    ${SIM_PLATFORM}/src/sim_sys.c
    ${SIM_PLATFORM}/src/sim_mem.c
    ${SIM_PLATFORM}/src/sim_httpd.c
    ${SIM_PLATFORM}/src/sim_rtos.c
    ${SIM_PLATFORM}/src/esp_log.c
    ${SIM_PLATFORM}/src/esp_err.c
    ${SIM_PLATFORM}/src/esp_partition_file.c
    ${SIM_PLATFORM}/src/hr_crypto_soft.c
    ${sim_arch_srcs}
    ${sim_chip})
target_link_libraries(sim_platform PUBLIC sim_platform_headers)
target_include_directories(sim_platform PRIVATE ${HOTRELOAD_DIR}/src)
if(HOTRELOAD_ARCH STREQUAL "xtensa")
    target_sources(sim_platform PRIVATE ${SIM_PLATFORM}/libc/src/libgcc_xtensa.c)
else()
    # Keep GCC from turning the C library's own loops into calls to memset/memcpy.
    set_source_files_properties(${SIM_PLATFORM}/libc/src/string.c PROPERTIES
                                COMPILE_OPTIONS -fno-tree-loop-distribute-patterns)
endif()

set(sim_link_options -nostdlib -static -T ${sim_ld} -Wl,--no-relax)
# rv32 links GCC's libgcc; Xtensa has its helpers in the platform (libgcc_xtensa.c).
set(sim_link_libraries "")
if(HOTRELOAD_ARCH STREQUAL "riscv32")
    set(sim_link_libraries gcc)
endif()
