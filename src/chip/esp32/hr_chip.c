/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.c
 * @brief Memory map of the ESP32 for the loader: where module code and data may live.
 *
 * Source: ESP-IDF master (102122904ad), components/soc/esp32/include/soc/soc.h
 * and components/heap/port/esp32/memory_layout.c.
 *
 * Data RAM: SOC_DRAM_LOW 0x3FFAE000..0x40000000. Its top 128 KiB
 * (SOC_DIRAM_DRAM_LOW 0x3FFE0000) is also visible on the instruction bus, but
 * SOC_DIRAM_INVERTED: word order is reversed between the views, so there is no
 * constant offset and the loader uses it as data only.
 * Instruction RAM: 0x40070000..0x400A0000 (heap IRAM pools 0-5), reachable
 * only through the instruction bus with aligned 32-bit loads and stores
 * (MALLOC_CAP_32BIT | MALLOC_CAP_EXEC); read-only data never goes there.
 * PSRAM (SOC_EXTRAM_DATA_LOW 0x3F800000..0x3FC00000) cannot hold code.
 */
#include "hr_chip.h"

/* Sorted by dbus_base, ascending; regions never overlap. */
static const hr_chip_region_t s_regions[] = {
    /* name      dbus_base   ibus_base   size       caps                                 flags */
    { "psram",   0x3F800000, 0,          0x400000,  HR_CHIP_CAP_DATA | HR_CHIP_CAP_SPIRAM,   0 },
    { "dram",    0x3FFAE000, 0,          0x52000,   HR_CHIP_CAP_DATA,                        0 },
    { "iram",    0x40070000, 0x40070000, 0x30000,   HR_CHIP_CAP_EXEC,                        HR_CHIP_WORD_ACCESS_ONLY },
};

const hr_chip_desc_t hr_chip_desc = {
    .target = "esp32",
    .e_machine = 94,
    .regions = s_regions,
    .region_count = sizeof(s_regions) / sizeof(s_regions[0]),
};
