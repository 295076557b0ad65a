/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the ESP32-P4 for the loader: where module code and data may live.
 *
 * Source: ESP-IDF master (102122904ad), components/soc/esp32p4/include/soc/soc.h
 * and components/heap/port/esp32p4/memory_layout.c.
 *
 * Unified address map: L2MEM SOC_DIRAM_IRAM_LOW == SOC_DIRAM_DRAM_LOW
 * 0x4FF00000 (..0x4FFC0000); PSRAM SOC_EXTRAM_LOW 0x48000000..0x4C000000 is
 * cached and executable at the same address.
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size       caps                                                      flags */
    { "psram",   0x48000000, 0x48000000, 0x4000000, HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC | HR_CHIP_CAP_SPIRAM, 0 },
    { "l2mem",   0x4FF00000, 0x4FF00000, 0xC0000,   HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC,                      0 },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32p4",
    .e_machine = 243,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
