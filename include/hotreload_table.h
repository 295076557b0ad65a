/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hotreload_table.h
 * @brief The symbol table a reloadable component leaves in the firmware.
 *
 * Generated code only: `hotreload gen-stubs` writes, for each reloadable
 * component, one hotreload_table_t and its slot array; `hotreload
 * gen-registry` lists every table in hotreload_tables[]. Application code
 * includes hotreload.h, never this header.
 *
 * The stubs jump through slots[i]. Each slot holds the instruction-bus
 * address of export names[i] in the loaded module, or the address of
 * hotreload_trap_unloaded() while nothing is loaded.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of the ABI fingerprint: SHA-256 over the ordered export names. */
#define HOTRELOAD_FINGERPRINT_SIZE 32

/** One reloadable component's table, as the firmware was built. */
typedef struct {
    const char *name;                  /*!< component name; matches the module's info record */
    const char *const *names;          /*!< export names, sorted bytewise (table order) */
    volatile uint32_t *slots;          /*!< jump targets the stubs load, one per export */
    uint32_t count;                    /*!< number of exports (entries in names and slots) */
    uint8_t fingerprint[HOTRELOAD_FINGERPRINT_SIZE]; /*!< abi_fingerprint(names) */
} hotreload_table_t;

/** Every reloadable component's table in this firmware (generated registry). */
extern const hotreload_table_t *const hotreload_tables[];
/** Number of entries in hotreload_tables. */
extern const size_t hotreload_table_count;

/**
 * @brief Where every slot points while no module is loaded (and after unload).
 *
 * Logs that a reloadable function was called with no module loaded and aborts,
 * so the mistake is loud instead of a jump into freed memory.
 */
void hotreload_trap_unloaded(void);

#ifdef __cplusplus
}
#endif
