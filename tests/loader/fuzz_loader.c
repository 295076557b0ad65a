/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fuzz_loader.c
 * @brief libFuzzer entry for the loader (built by bench/fuzz_loader.py with clang -fsanitize=fuzzer,address,undefined).
 *
 * Each input is a module ELF in a buffer of exactly its size. The table is
 * made to match the input's info record (name, fingerprint, export count) so
 * inputs get past the identity checks into mapping and relocation.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "hr_loader.h"

#define MAX_EXPORTS 256
#define MAX_BLOCK (1u << 20)

void hotreload_trap_unloaded(void)
{
    abort();
}

static esp_err_t fuzz_alloc(const hr_mem_port_t *port, hr_region_kind_t kind, size_t size, size_t align,
                            hr_block_t *out)
{
    (void)port;
    if (size > MAX_BLOCK) {
        return ESP_ERR_NO_MEM;
    }
    void *p = NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size ? size : 1) != 0) {
        return ESP_ERR_NO_MEM;
    }
    *out = (hr_block_t) {
        .write_ptr = p, .run_addr = (kind == HR_REGION_TEXT ? 0x40380000u : 0x3fc90000u) + (uint32_t)(size & 0xff0),
        .word_access_only = kind == HR_REGION_TEXT && (size & 1),
    };
    return ESP_OK;
}

static void fuzz_free(const hr_mem_port_t *port, const hr_block_t *block)
{
    (void)port;
    free(block->write_ptr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[MAX_EXPORTS];
    static uint32_t slots[MAX_EXPORTS];
    static uint32_t new_slots[MAX_EXPORTS];
    esp_log_level_set("*", ESP_LOG_NONE);
    for (int i = 0; i < MAX_EXPORTS; i++) {
        names[i] = "f";
    }
    uint8_t *elf = malloc(size ? size : 1);
    memcpy(elf, data, size);
    hr_module_info_t info;
    if (hr_loader_read_info(elf, size, &info) == ESP_OK && info.export_count <= MAX_EXPORTS) {
        hotreload_table_t table = { .name = info.name, .names = names, .slots = slots, .count = info.export_count };
        memcpy(table.fingerprint, info.fingerprint, sizeof(table.fingerprint));
        hr_mem_port_t port = { .alloc = fuzz_alloc, .free = fuzz_free, .sync = NULL, .ctx = NULL };
        hr_load_params_t params = { .table = &table, .firmware_id = NULL, .mem = &port };
        hr_image_t *image = NULL;
        if (hr_loader_load(elf, size, &params, new_slots, &image) == ESP_OK) {
            hr_loader_switch(&table, new_slots);
        }
        hr_image_free(image);
    }
    free(elf);
    return 0;
}
