/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the ESP32-C6 for the loader: where module code and data may live.
 *
 * Source: ESP-IDF master (102122904ad), components/soc/esp32c6/include/soc/soc.h
 * and components/heap/port/esp32c6/memory_layout.c.
 *
 * Unified address map: SOC_DIRAM_IRAM_LOW == SOC_DIRAM_DRAM_LOW 0x40800000
 * (..0x40880000), so both views are the same address. No PSRAM.
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size       caps                                 flags */
    { "diram",   0x40800000, 0x40800000, 0x80000,   HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC, 0 },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32c6",
    .e_machine = 243,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
