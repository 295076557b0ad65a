/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the ESP32-S3 for the loader: where module code and data may live.
 *
 * Source: ESP-IDF master (102122904ad), components/soc/esp32s3/include/soc/soc.h
 * and components/heap/port/esp32s3/memory_layout.c.
 *
 * SOC_DIRAM_DRAM_LOW..HIGH 0x3FC88000..0x3FCF0000 is the same SRAM as
 * SOC_DIRAM_IRAM_LOW 0x40378000 onwards (SOC_I_D_OFFSET = 0x6F0000).
 * 0x3FCF0000..0x3FD00000 is data-only (heap "Level 9", DRAM type).
 * PSRAM: the instruction and data caches share one MMU table, so a page mapped
 * at SOC_EXTRAM_DATA_LOW + n (0x3C000000, data bus) is also at
 * SOC_IROM_LOW + n (0x42000000, instruction bus): offset 0x06000000. Flash
 * mappings occupy the low part of that window; heap_caps hands out PSRAM above
 * them, so the whole window is listed.
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size       caps                                                      flags */
    { "psram",   0x3C000000, 0x42000000, 0x2000000, HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC | HR_CHIP_CAP_SPIRAM, 0 },
    { "diram",   0x3FC88000, 0x40378000, 0x68000,   HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC,                      0 },
    { "dram",    0x3FCF0000, 0,          0x10000,   HR_CHIP_CAP_DATA,                                         0 },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32s3",
    .e_machine = 94,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
