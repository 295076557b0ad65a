/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the ESP32-S2 for the loader: where module code and data may live.
 *
 * Source: ESP-IDF master (102122904ad), components/soc/esp32s2/include/soc/soc.h
 * and components/heap/port/esp32s2/memory_layout.c.
 *
 * SOC_DIRAM_DRAM_LOW..HIGH 0x3FFB0000..0x40000000 is the same SRAM as
 * SOC_DIRAM_IRAM_LOW 0x40020000 onwards (SOC_I_D_OFFSET = 0x70000).
 * PSRAM (SOC_EXTRAM_DATA_LOW 0x3F500000..0x3FF80000) has no fixed instruction
 * view: the instruction bus (IRAM0 cache window 0x40080000..0x40400000, see
 * components/esp_mm/port/esp32s2/ext_mem_layout.c) has MMU entries of its own.
 * Code placed there is mapped into that window per block (HR_CHIP_EXEC_BY_MMU_MAP).
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size       caps                                                      flags */
    { "psram",   0x3F500000, 0,          0xA80000,  HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC | HR_CHIP_CAP_SPIRAM, HR_CHIP_EXEC_BY_MMU_MAP },
    { "diram",   0x3FFB0000, 0x40020000, 0x50000,   HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC,                      0 },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32s2",
    .e_machine = 94,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
