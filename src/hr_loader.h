/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_loader.h
 * @brief The loader's contract with the rest of the runtime (internal).
 *
 * The loader turns module ELF bytes into a relocated image in fresh memory and
 * a filled-in array of slot values; nothing the firmware can see changes until
 * hr_loader_switch(). It knows no chip: memory comes from an hr_mem_port_t.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "hotreload.h"
#include "hotreload_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Decoded contents of the module's .hotreload.info record (see hotreload_py/protocol.py). */
typedef struct {
    char name[32];                 /*!< component name, NUL-terminated */
    uint32_t export_count;         /*!< exports the module was built with */
    uint8_t firmware_id[32];       /*!< SHA-256 of the firmware ELF it was linked against */
    uint8_t fingerprint[HOTRELOAD_FINGERPRINT_SIZE]; /*!< ABI fingerprint of its exports */
} hr_module_info_t;

/** What a region of the module holds; selects the memory it must live in. */
typedef enum {
    HR_REGION_TEXT,    /*!< executable code: fetched through the instruction bus */
    HR_REGION_RODATA,  /*!< read-only data: data bus only (never IRAM on ESP32) */
    HR_REGION_DATA,    /*!< initialised writable data */
    HR_REGION_BSS,     /*!< zero-initialised writable data */
    HR_REGION_COUNT,
} hr_region_kind_t;

/** One block of memory handed out by a memory port. */
typedef struct {
    void *write_ptr;       /*!< where the loader writes the bytes (data-bus view) */
    uint32_t run_addr;     /*!< address code uses for it: instruction view for TEXT, data view otherwise */
    bool word_access_only; /*!< writes must be aligned 32-bit stores (ESP32 IRAM) */
} hr_block_t;

/** Where the loader gets memory from (ESP-IDF heap_caps, the simulator, or a test). */
typedef struct hr_mem_port {
    /** Allocate @p size bytes aligned to @p align for @p kind; ESP_ERR_NO_MEM when none. */
    esp_err_t (*alloc)(const struct hr_mem_port *port, hr_region_kind_t kind, size_t size, size_t align,
                       hr_block_t *out);
    /** Free a block returned by alloc. */
    void (*free)(const struct hr_mem_port *port, const hr_block_t *block);
    /** Make @p size bytes written at @p block visible to instruction fetch (cache sync). */
    void (*sync)(const struct hr_mem_port *port, const hr_block_t *block, size_t size);
    void *ctx;             /*!< owner's state */
} hr_mem_port_t;

/** A loaded, relocated module image (opaque). Owns its memory. */
typedef struct hr_image hr_image_t;

/** Inputs of one load. */
typedef struct {
    const hotreload_table_t *table;  /*!< the table the module must fill (matched by name) */
    const uint8_t *firmware_id;      /*!< 32 bytes; the module must carry the same; NULL skips the check */
    const hr_mem_port_t *mem;        /*!< memory for the image */
} hr_load_params_t;

/**
 * @brief Read and validate only the module's info record.
 *
 * Cheap: used to answer "built for another firmware" before storing an upload.
 * @return ESP_OK, ESP_ERR_INVALID_SIZE (truncated), ESP_ERR_NOT_SUPPORTED (not
 *         an ELF module for this architecture), ESP_ERR_NOT_FOUND (no info record)
 */
esp_err_t hr_loader_read_info(const uint8_t *elf, size_t size, hr_module_info_t *out);

/**
 * @brief Load a module into fresh memory and compute its slot values.
 *
 * Validates, allocates, copies, relocates, resolves every export named in
 * params->table and checks fingerprint and firmware identity. On success
 * @p out_slots (params->table->count entries) holds the new jump targets and
 * @p out_image owns the memory. On failure nothing is left allocated and the
 * table is untouched.
 *
 * @return ESP_OK; ESP_ERR_INVALID_ARG; ESP_ERR_INVALID_SIZE (truncated or
 *         out-of-file offsets); ESP_ERR_NOT_SUPPORTED (machine, relocation type,
 *         section kind, displacement out of range); ESP_ERR_INVALID_VERSION
 *         (other firmware); ESP_ERR_HOTRELOAD_ABI_MISMATCH (fingerprint
 *         differs: exports changed, firmware must be rebuilt); ESP_ERR_NOT_FOUND
 *         (export missing); ESP_ERR_NO_MEM
 */
esp_err_t hr_loader_load(const uint8_t *elf, size_t size, const hr_load_params_t *params,
                         uint32_t *out_slots, hr_image_t **out_image);

/** Copy @p slots into the table (the switch) and sync; callers serialise reloads. */
void hr_loader_switch(const hotreload_table_t *table, const uint32_t *slots);

/** Point every slot of @p table at hotreload_trap_unloaded (after unload). */
void hr_loader_poison(const hotreload_table_t *table);

/** Free an image (NULL is ignored). Call only once no slot points into it. */
void hr_image_free(hr_image_t *image);

/** Bytes of target memory the image occupies (text + rodata + data + bss). */
size_t hr_image_size(const hr_image_t *image);

#ifdef __cplusplus
}
#endif
