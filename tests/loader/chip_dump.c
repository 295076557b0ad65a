/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file chip_dump.c
 * @brief Prints one chip table (linked from src/chip/<target>/hr_chip.c) and what hr_chip.h's helpers make of it.
 *
 * Lines: "target NAME", "machine N", then per region
 * "region NAME DBUS IBUS SIZE CAPS FLAGS D2I I2D", where D2I is what
 * hr_chip_dbus_to_ibus() gives for the region's whole data view and I2D what
 * hr_chip_ibus_to_dbus() gives back for that (or "-" when it refuses).
 */
#include <inttypes.h>
#include <stdio.h>

#include "hr_chip.h"

int main(void)
{
    printf("target %s\nmachine %u\n", hr_chip_desc.target, (unsigned)hr_chip_desc.e_machine);
    for (size_t i = 0; i < hr_chip_desc.region_count; i++) {
        const hr_chip_region_t *r = &hr_chip_desc.regions[i];
        uint32_t ibus = 0;
        uint32_t dbus = 0;
        bool d2i = hr_chip_dbus_to_ibus(&hr_chip_desc, r->dbus_base, r->size, &ibus);
        bool i2d = d2i && hr_chip_ibus_to_dbus(&hr_chip_desc, ibus, r->size, &dbus);
        printf("region %s 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%" PRIx32 " %" PRIu32 " %" PRIu32, r->name, r->dbus_base,
               r->ibus_base, r->size, r->caps, r->flags);
        printf(d2i ? " 0x%08" PRIx32 : " -", ibus);
        printf(i2d ? " 0x%08" PRIx32 "\n" : " -\n", dbus);
        /* One byte past the end of the region must not translate (unless the next region starts there). */
        uint32_t end = r->dbus_base + r->size;
        bool next_starts_here = i + 1 < hr_chip_desc.region_count && hr_chip_desc.regions[i + 1].dbus_base == end;
        if (!next_starts_here && hr_chip_region_by_dbus(&hr_chip_desc, end, 1) != NULL) {
            printf("error %s: address past the end found in a region\n", r->name);
        }
    }
    return 0;
}
