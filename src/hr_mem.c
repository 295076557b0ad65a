/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_mem.c
 * @brief Memory port over ESP-IDF's heap_caps, driven by the chip table (src/chip/<target>/hr_chip.c).
 *
 * Code: heap_caps with MALLOC_CAP_EXEC returns an instruction-bus address on
 * chips whose SRAM has two views (ESP32-S2/S3/C3); the table gives the data
 * view the loader writes through. On ESP32 the same call returns IRAM, which
 * takes aligned 32-bit accesses only (HR_CHIP_WORD_ACCESS_ONLY). With
 * @p spiram, code goes to PSRAM through its data view and runs from the
 * instruction view at the table's offset (ESP32-S3, ESP32-P4).
 * Data: MALLOC_CAP_8BIT from internal RAM, or PSRAM with @p spiram.
 */
#include <stdint.h>

#include "esp_cache.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "hr_chip.h"
#include "hr_loader.h"
#include "hr_runtime.h"

static const char *TAG = "hotreload";

/** Find the table row for a block, by the address heap_caps returned. */
static const hr_chip_region_t *block_region(const hr_block_t *block)
{
    const hr_chip_region_t *r = hr_chip_region_by_ibus(&hr_chip_desc, block->run_addr, 1);
    return r != NULL ? r : hr_chip_region_by_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)block->write_ptr, 1);
}

static esp_err_t mem_alloc(const hr_mem_port_t *port, hr_region_kind_t kind, size_t size, size_t align,
                           hr_block_t *out)
{
    bool spiram = port->ctx != NULL;
    if (kind == HR_REGION_TEXT) {
        if (spiram) {
            void *p = heap_caps_aligned_alloc(align, size, MALLOC_CAP_SPIRAM | MALLOC_CAP_8BIT);
            if (p == NULL) {
                return ESP_ERR_NO_MEM;
            }
            uint32_t run;
            if (!hr_chip_dbus_to_ibus(&hr_chip_desc, (uint32_t)(uintptr_t)p, (uint32_t)size, &run)) {
                ESP_LOGE(TAG, "PSRAM block %p is outside the executable PSRAM window of %s", p, hr_chip_desc.target);
                heap_caps_free(p);
                return ESP_ERR_NOT_SUPPORTED;
            }
            *out = (hr_block_t) {
                .write_ptr = p, .run_addr = run, .word_access_only = false
            };
            return ESP_OK;
        }
        /* 32-bit sizes: ESP32 IRAM hands out whole words only. */
        void *p = heap_caps_aligned_alloc(align, (size + 3) & ~(size_t)3, MALLOC_CAP_EXEC | MALLOC_CAP_32BIT);
        if (p == NULL) {
            /* With memory protection on (CONFIG_ESP_SYSTEM_MEMPROT_FEATURE), no heap is executable at all. */
            ESP_LOGE(TAG, "no %u bytes of executable RAM; if memory protection is enabled, disable "
                     "CONFIG_ESP_SYSTEM_MEMPROT_FEATURE (it forbids executable heap)", (unsigned)size);
            return ESP_ERR_NO_MEM;
        }
        uint32_t ibus = (uint32_t)(uintptr_t)p;
        const hr_chip_region_t *r = hr_chip_region_by_ibus(&hr_chip_desc, ibus, (uint32_t)size);
        if (r == NULL) {
            ESP_LOGE(TAG, "executable block %p is in no code region of the %s table", p, hr_chip_desc.target);
            heap_caps_free(p);
            return ESP_ERR_NOT_SUPPORTED;
        }
        *out = (hr_block_t) {
            .write_ptr = (void *)(uintptr_t)(ibus - hr_chip_i_d_offset(r)),
            .run_addr = ibus,
            .word_access_only = (r->flags & HR_CHIP_WORD_ACCESS_ONLY) != 0,
        };
        return ESP_OK;
    }
    uint32_t caps = MALLOC_CAP_8BIT | (spiram ? MALLOC_CAP_SPIRAM : MALLOC_CAP_INTERNAL);
    void *p = heap_caps_aligned_alloc(align, size, caps);
    if (p == NULL) {
        return ESP_ERR_NO_MEM;
    }
    *out = (hr_block_t) {
        .write_ptr = p, .run_addr = (uint32_t)(uintptr_t)p, .word_access_only = false
    };
    return ESP_OK;
}

static void mem_free(const hr_mem_port_t *port, const hr_block_t *block)
{
    (void)port;
    const hr_chip_region_t *r = block_region(block);
    /* heap_caps_free takes what heap_caps returned: the instruction-bus address for internal code. */
    bool internal_code = r != NULL && !(r->caps & HR_CHIP_CAP_SPIRAM) && r->ibus_base != 0 &&
                         block->run_addr != (uint32_t)(uintptr_t)block->write_ptr;
    heap_caps_free(internal_code ? (void *)(uintptr_t)block->run_addr : block->write_ptr);
}

static void mem_sync(const hr_mem_port_t *port, const hr_block_t *block, size_t size)
{
    (void)port;
    const hr_chip_region_t *r = block_region(block);
    if (r != NULL && (r->caps & HR_CHIP_CAP_SPIRAM)) {
        /* Write the data cache back to PSRAM, then drop stale lines from the instruction cache. */
        esp_cache_msync(block->write_ptr, size, ESP_CACHE_MSYNC_FLAG_DIR_C2M | ESP_CACHE_MSYNC_FLAG_UNALIGNED);
        if (r->ibus_base != 0) {
            esp_cache_msync((void *)(uintptr_t)block->run_addr, size, ESP_CACHE_MSYNC_FLAG_DIR_M2C |
                            ESP_CACHE_MSYNC_FLAG_TYPE_INST | ESP_CACHE_MSYNC_FLAG_UNALIGNED);
        }
    }
    /* Internal SRAM is not cached; the fetch pipeline still has to see the new code. */
#if defined(__riscv)
    /* fence.i, spelled as its encoding: toolchains without Zifencei in -march reject the mnemonic. */
    __asm__ volatile(".insn i 0x0f, 1, x0, x0, 0" ::: "memory");
#elif defined(__XTENSA__)
    __asm__ volatile("memw\n\tisync" ::: "memory");
#endif
}

static const hr_mem_port_t s_internal = { .alloc = mem_alloc, .free = mem_free, .sync = mem_sync, .ctx = NULL };
static const hr_mem_port_t s_spiram = {
    .alloc = mem_alloc, .free = mem_free, .sync = mem_sync, .ctx = (void *) &s_spiram
};

const hr_mem_port_t *hr_mem_default_port(bool spiram)
{
    if (!spiram) {
        return &s_internal;
    }
    for (size_t i = 0; i < hr_chip_desc.region_count; i++) {
        const hr_chip_region_t *r = &hr_chip_desc.regions[i];
        if ((r->caps & HR_CHIP_CAP_SPIRAM) && (r->caps & HR_CHIP_CAP_EXEC)) {
            return &s_spiram;
        }
    }
    ESP_LOGE(TAG, "%s cannot execute code from PSRAM; load modules into internal RAM", hr_chip_desc.target);
    return NULL;
}
