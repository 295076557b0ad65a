/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the ESP32-C3 for the loader: where module code and data may live.
 *
 * Source: ESP-IDF master (102122904ad), components/soc/esp32c3/include/soc/soc.h
 * and components/heap/port/esp32c3/memory_layout.c.
 *
 * SOC_DIRAM_DRAM_LOW..HIGH 0x3FC80000..0x3FCE0000 is the same SRAM as
 * SOC_DIRAM_IRAM_LOW 0x40380000 onwards (SOC_I_D_OFFSET = 0x700000); the data
 * bus cannot fetch instructions and the instruction bus takes no data access.
 * The chip has no PSRAM.
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size      caps                                 flags */
    { "diram",   0x3FC80000, 0x40380000, 0x60000,  HR_CHIP_CAP_DATA | HR_CHIP_CAP_EXEC, 0 },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32c3",
    .e_machine = 243,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
