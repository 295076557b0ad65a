/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the simulated Xtensa device: the ESP32-S3's internal
 *        RAM with its instruction view moved below 0x40000000.
 *
 * qemu-xtensa's user mode ends the guest address space at 0x40000000 (the
 * Xtensa Linux TASK_SIZE), so the real instruction-bus address 0x40378000
 * cannot be mapped. The data view stays where the chip has it
 * (src/chip/esp32s3/hr_chip.c); the instruction view of the same bytes sits
 * at data + 0xF0000, still a distinct address with a positive I/D offset, so
 * the loader exercises the same two-view arithmetic as on the chip. No PSRAM
 * is fitted. The RISC-V device uses src/chip/esp32c3/hr_chip.c unchanged.
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size      caps                                 flags */
    { "diram",   0x3FC88000, 0x3FD78000, 0x68000,  HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC, 0 },
    { "dram",    0x3FCF0000, 0,          0x10000,  HR_CHIP_CAP_DATA,                    0 },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32s3",
    .e_machine = 94,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
