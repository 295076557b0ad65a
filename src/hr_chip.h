/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_chip.h
 * @brief Description of one chip's memory as the loader sees it (internal).
 *
 * Each supported chip has one const hr_chip_desc_t in src/chip/<target>/hr_chip.c
 * (CMake compiles only the running target's file). A region is a range of RAM
 * the module image may live in, described once with both of its bus views:
 *
 * - dbus_base: the address data loads and stores use. For ESP32 IRAM, which the
 *   data bus cannot reach, it is the IRAM address itself (the CPU can read and
 *   write it there, but only with aligned 32-bit accesses: HR_CHIP_WORD_ACCESS_ONLY).
 * - ibus_base: the address instruction fetch uses for the same bytes, or 0 when
 *   code cannot run from the region. ibus_base - dbus_base is the chip's
 *   I/D offset (SOC_I_D_OFFSET): positive on ESP32-S2/S3/C3, 0 on chips with a
 *   unified address map (ESP32-C6/P4, ESP32 IRAM).
 * - A region that can hold code but has no fixed instruction view
 *   (HR_CHIP_EXEC_BY_MMU_MAP: ESP32-S2 PSRAM, whose instruction bus has MMU
 *   entries of its own) has ibus_base 0; each code block is mapped into the
 *   instruction bus when it is allocated, so the helpers below do not
 *   translate its addresses.
 *
 * The simulated device maps one memory file at dbus_base and again at
 * ibus_base of a region, so code that uses the wrong view faults there too.
 *
 * The loader core never reads these tables; hr_mem.c and the simulator do,
 * through the helpers below (the one algorithm that interprets them).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Region capabilities (hr_chip_region_t::caps)
 * @{
 */
#define HR_CHIP_CAP_DATA   (1u << 0)  /*!< may hold rodata, data and bss */
#define HR_CHIP_CAP_EXEC   (1u << 1)  /*!< may hold code (ibus_base != 0, or HR_CHIP_EXEC_BY_MMU_MAP) */
#define HR_CHIP_CAP_SPIRAM (1u << 2)  /*!< external PSRAM behind the cache */
/** @} */

/** @name Region flags (hr_chip_region_t::flags)
 * @{
 */
#define HR_CHIP_WORD_ACCESS_ONLY (1u << 0) /*!< only aligned 32-bit loads/stores (ESP32 IRAM) */
/** Code runs from here only once mapped into the instruction bus (esp_mmu_map(), MMU-page aligned); ibus_base is 0. */
#define HR_CHIP_EXEC_BY_MMU_MAP  (1u << 1)
/** @} */

/** One range of RAM and its two bus views. */
typedef struct {
    const char *name;    /*!< short name for logs ("diram", "iram", "psram") */
    uint32_t dbus_base;  /*!< address for data access (see file comment) */
    uint32_t ibus_base;  /*!< address for instruction fetch, 0 when not executable */
    uint32_t size;       /*!< bytes */
    uint32_t caps;       /*!< HR_CHIP_CAP_* */
    uint32_t flags;      /*!< HR_CHIP_* flags */
} hr_chip_region_t;

/** One chip: its architecture and its regions. */
typedef struct {
    const char *target;                /*!< IDF_TARGET spelling ("esp32c3") */
    uint16_t e_machine;                /*!< ELF machine of its CPU (EM_RISCV 243, EM_XTENSA 94) */
    const hr_chip_region_t *regions;   /*!< sorted by dbus_base, ascending, non-overlapping */
    size_t region_count;               /*!< entries in regions */
} hr_chip_desc_t;

/** The running target's description (defined by the selected src/chip/<target>/hr_chip.c). */
extern const hr_chip_desc_t hr_chip_desc;

/** Offset to add to a data-bus address of @p region to get its instruction-bus address. */
static inline uint32_t hr_chip_i_d_offset(const hr_chip_region_t *region)
{
    return region->ibus_base - region->dbus_base;
}

/** Region whose data view holds [addr, addr + size), or NULL. */
static inline const hr_chip_region_t *hr_chip_region_by_dbus(const hr_chip_desc_t *chip, uint32_t addr, uint32_t size)
{
    for (size_t i = 0; i < chip->region_count; i++) {
        const hr_chip_region_t *r = &chip->regions[i];
        if (addr >= r->dbus_base && addr - r->dbus_base <= r->size && size <= r->size - (addr - r->dbus_base)) {
            return r;
        }
    }
    return NULL;
}

/** Region whose instruction view holds [addr, addr + size), or NULL. */
static inline const hr_chip_region_t *hr_chip_region_by_ibus(const hr_chip_desc_t *chip, uint32_t addr, uint32_t size)
{
    for (size_t i = 0; i < chip->region_count; i++) {
        const hr_chip_region_t *r = &chip->regions[i];
        if (r->ibus_base != 0 && addr >= r->ibus_base && addr - r->ibus_base <= r->size &&
                size <= r->size - (addr - r->ibus_base)) {
            return r;
        }
    }
    return NULL;
}

/**
 * @brief Instruction-bus address of the data-bus address @p addr.
 * @return true and *out set; false when no executable region holds [addr, addr + size).
 */
static inline bool hr_chip_dbus_to_ibus(const hr_chip_desc_t *chip, uint32_t addr, uint32_t size, uint32_t *out)
{
    const hr_chip_region_t *r = hr_chip_region_by_dbus(chip, addr, size);
    if (r == NULL || r->ibus_base == 0) {
        return false;
    }
    *out = addr + hr_chip_i_d_offset(r);
    return true;
}

/**
 * @brief Data-bus address of the instruction-bus address @p addr.
 * @return true and *out set; false when no region's instruction view holds [addr, addr + size).
 */
static inline bool hr_chip_ibus_to_dbus(const hr_chip_desc_t *chip, uint32_t addr, uint32_t size, uint32_t *out)
{
    const hr_chip_region_t *r = hr_chip_region_by_ibus(chip, addr, size);
    if (r == NULL) {
        return false;
    }
    *out = addr - hr_chip_i_d_offset(r);
    return true;
}

#ifdef __cplusplus
}
#endif
