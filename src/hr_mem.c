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
 * instruction view at the table's offset (ESP32-S3, ESP32-P4), or, where the
 * instruction bus has MMU entries of its own (HR_CHIP_EXEC_BY_MMU_MAP,
 * ESP32-S2), from a range esp_mmu_map() maps onto the same PSRAM pages.
 * Data: MALLOC_CAP_8BIT from internal RAM, or PSRAM with @p spiram.
 */
#include <stdint.h>

#include "esp_cache.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "hr_chip.h"
#include "hr_config.h"
#include "hr_loader.h"
#include "hr_runtime.h"

/* PSRAM pages can only be mapped in builds with PSRAM support (esp_mm's PSRAM target needs it). */
#if defined(CONFIG_SPIRAM) && CONFIG_SPIRAM
#include "esp_mmu_map.h"
#define HR_MEM_MMU_MAP 1
#else
#define HR_MEM_MMU_MAP 0
#endif

/* Cache invalidation works on whole lines (ESP-IDF >= 5.3 refuses unaligned
 * M2C syncs). 128 is a multiple of every Espressif cache line size; each PSRAM
 * block is aligned and padded to it, so invalidating a block's lines never
 * drops a neighbour's unwritten data. */
#define HR_MEM_CACHE_LINE_MAX 128u

#if !defined(ESP_CACHE_MSYNC_FLAG_DIR_M2C)
/* ESP-IDF 5.1: esp_cache_msync() only writes back; the HAL invalidates (hal is a common requirement). */
#include "hal/cache_hal.h"
#endif

static const char *TAG = "hotreload";

/** The table's PSRAM region that can hold code, or NULL. */
static const hr_chip_region_t *psram_code_region(void)
{
    for (size_t i = 0; i < hr_chip_desc.region_count; i++) {
        const hr_chip_region_t *r = &hr_chip_desc.regions[i];
        if ((r->caps & HR_CHIP_CAP_SPIRAM) && (r->caps & HR_CHIP_CAP_EXEC)) {
            return r;
        }
    }
    return NULL;
}

#if HR_MEM_MMU_MAP
/**
 * Code in PSRAM on a chip whose instruction bus has its own MMU entries: the
 * block is whole MMU pages of the heap (so its pages belong to it alone), and
 * those pages are mapped a second time, executable, into the instruction bus.
 */
static esp_err_t alloc_mapped_code(size_t size, size_t align, hr_block_t *out)
{
    const size_t page = CONFIG_MMU_PAGE_SIZE;
    const size_t span = (size + page - 1) & ~(page - 1);
    void *p = heap_caps_aligned_alloc(align > page ? align : page, span, MALLOC_CAP_SPIRAM | MALLOC_CAP_8BIT);
    if (p == NULL) {
        ESP_LOGE(TAG, "no %u bytes of PSRAM aligned to the %u-byte MMU page for %u bytes of module code "
                 "(%u bytes free in PSRAM)", (unsigned)span, (unsigned)page, (unsigned)size,
                 (unsigned)heap_caps_get_free_size(MALLOC_CAP_SPIRAM));
        return ESP_ERR_NO_MEM;
    }
    esp_paddr_t paddr = 0;
    esp_paddr_t last = 0;
    mmu_target_t target = MMU_TARGET_FLASH0;
    mmu_target_t last_target = MMU_TARGET_FLASH0;
    esp_err_t err = esp_mmu_vaddr_to_paddr(p, &paddr, &target);
    if (err == ESP_OK) {
        err = esp_mmu_vaddr_to_paddr((char *)p + span - page, &last, &last_target);
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "PSRAM block %p has no physical address: esp_mmu_vaddr_to_paddr: %s", p, esp_err_to_name(err));
        heap_caps_free(p);
        return err;
    }
    /* One mapping covers one physical run: the heap's pages must be PSRAM and consecutive. */
    if (target != MMU_TARGET_PSRAM0 || last_target != MMU_TARGET_PSRAM0 || last - paddr != span - page) {
        ESP_LOGE(TAG, "PSRAM block %p (%u bytes) is not one physical PSRAM run (0x%08x..0x%08x, targets %d/%d)", p,
                 (unsigned)span, (unsigned)paddr, (unsigned)last, (int)target, (int)last_target);
        heap_caps_free(p);
        return ESP_ERR_INVALID_STATE;
    }
    void *run = NULL;
    /* PADDR_SHARED: the pages are already mapped once, on the data bus, by the PSRAM driver. */
    err = esp_mmu_map(paddr, span, MMU_TARGET_PSRAM0, MMU_MEM_CAP_EXEC | MMU_MEM_CAP_32BIT,
                      ESP_MMU_MMAP_FLAG_PADDR_SHARED, &run);
    if (err != ESP_OK) {
        /* NOT_FOUND: no free instruction-bus range that large; INVALID_STATE: someone else maps these pages. */
        ESP_LOGE(TAG, "cannot map %u bytes of PSRAM (physical 0x%08x) into the instruction bus: %s%s", (unsigned)span,
                 (unsigned)paddr, esp_err_to_name(err),
                 err == ESP_ERR_NOT_FOUND ? " (no free executable address range left; unload modules or "
                 "load into internal RAM)" : "");
        heap_caps_free(p);
        return err == ESP_ERR_NOT_FOUND ? ESP_ERR_NO_MEM : err;
    }
    *out = (hr_block_t) {
        .write_ptr = p, .run_addr = (uint32_t)(uintptr_t)run, .word_access_only = false
    };
    return ESP_OK;
}

static void free_mapped_code(const hr_block_t *block)
{
    esp_err_t err = esp_mmu_unmap((void *)(uintptr_t)block->run_addr);
    if (err != ESP_OK) {
        /* Keep the pages: freeing them while still executable elsewhere would let new data run as code. */
        ESP_LOGE(TAG, "cannot unmap module code at 0x%08x: %s; its PSRAM block %p stays allocated",
                 (unsigned)block->run_addr, esp_err_to_name(err), block->write_ptr);
        return;
    }
    heap_caps_free(block->write_ptr);
}
#else
static esp_err_t alloc_mapped_code(size_t size, size_t align, hr_block_t *out)
{
    (void)align;
    (void)out;
    ESP_LOGE(TAG, "%u bytes of module code for PSRAM, but this build has no PSRAM support: enable CONFIG_SPIRAM "
             "or use HOTRELOAD_CONFIG_DEFAULT()", (unsigned)size);
    return ESP_ERR_NOT_SUPPORTED;
}

static void free_mapped_code(const hr_block_t *block)
{
    heap_caps_free(block->write_ptr);
}
#endif

/** Find the table row for a block, by the address heap_caps returned. */
static const hr_chip_region_t *block_region(const hr_block_t *block)
{
    const hr_chip_region_t *r = hr_chip_region_by_ibus(&hr_chip_desc, block->run_addr, 1);
    return r != NULL ? r : hr_chip_region_by_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)block->write_ptr, 1);
}

/** Internal RAM for code: heap_caps returns its instruction-bus address, the table gives the data view. */
static esp_err_t alloc_internal_code(size_t size, size_t align, hr_block_t *out)
{
#if defined(MALLOC_CAP_EXEC)
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
#else
    /* ESP-IDF >= 6.0 defines no MALLOC_CAP_EXEC at all while memory protection is on (CONFIG_HEAP_HAS_EXEC_HEAP=n). */
    (void)align;
    (void)out;
    ESP_LOGE(TAG, "no executable heap for %u bytes of module code: memory protection is enabled; disable "
             "CONFIG_ESP_SYSTEM_MEMPROT (it forbids executable heap)", (unsigned)size);
    return ESP_ERR_NOT_SUPPORTED;
#endif
}

/** PSRAM for code on a chip whose instruction view of PSRAM is the data view at a fixed offset. */
static esp_err_t alloc_psram_code(size_t size, size_t align, hr_block_t *out)
{
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

static esp_err_t alloc_data(size_t size, size_t align, uint32_t where, hr_block_t *out)
{
    void *p = heap_caps_aligned_alloc(align, size, MALLOC_CAP_8BIT | where);
    if (p == NULL) {
        return ESP_ERR_NO_MEM;
    }
    *out = (hr_block_t) {
        .write_ptr = p, .run_addr = (uint32_t)(uintptr_t)p, .word_access_only = false
    };
    return ESP_OK;
}

static esp_err_t mem_alloc(const hr_mem_port_t *port, hr_region_kind_t kind, size_t size, size_t align,
                           hr_block_t *out)
{
    bool spiram = port->ctx != NULL;
    if (!spiram) {
        return kind == HR_REGION_TEXT ? alloc_internal_code(size, align, out)
               : alloc_data(size, align, MALLOC_CAP_INTERNAL, out);
    }
    const hr_chip_region_t *code = psram_code_region();
    if (kind == HR_REGION_TEXT && code != NULL && (code->flags & HR_CHIP_EXEC_BY_MMU_MAP)) {
        return alloc_mapped_code(size, align, out);
    }
    /* Whole cache lines per PSRAM block, so that mem_sync may invalidate them (see HR_MEM_CACHE_LINE_MAX). */
    align = align > HR_MEM_CACHE_LINE_MAX ? align : HR_MEM_CACHE_LINE_MAX;
    size = (size + HR_MEM_CACHE_LINE_MAX - 1) & ~(size_t)(HR_MEM_CACHE_LINE_MAX - 1);
    return kind == HR_REGION_TEXT ? alloc_psram_code(size, align, out) : alloc_data(size, align, MALLOC_CAP_SPIRAM, out);
}

static void mem_free(const hr_mem_port_t *port, const hr_block_t *block)
{
    (void)port;
    const hr_chip_region_t *r = block_region(block);
    if (r != NULL && (r->flags & HR_CHIP_EXEC_BY_MMU_MAP) && block->run_addr != (uint32_t)(uintptr_t)block->write_ptr) {
        free_mapped_code(block);
        return;
    }
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
        /* Code may be fetched from the block's own instruction view, or from its MMU mapping. */
        bool code = r->ibus_base != 0 || block->run_addr != (uint32_t)(uintptr_t)block->write_ptr;
        uint32_t start = block->run_addr & ~(HR_MEM_CACHE_LINE_MAX - 1);
        uint32_t end = (block->run_addr + (uint32_t)size + HR_MEM_CACHE_LINE_MAX - 1) & ~(HR_MEM_CACHE_LINE_MAX - 1);
        /* Write the data cache back to PSRAM, then drop stale lines from the instruction cache. */
#if defined(ESP_CACHE_MSYNC_FLAG_DIR_M2C)
        esp_err_t err = esp_cache_msync(block->write_ptr, size, ESP_CACHE_MSYNC_FLAG_DIR_C2M |
                                        ESP_CACHE_MSYNC_FLAG_UNALIGNED);
        if (err == ESP_OK && code) {
            err = esp_cache_msync((void *)(uintptr_t)start, end - start, ESP_CACHE_MSYNC_FLAG_DIR_M2C |
                                  ESP_CACHE_MSYNC_FLAG_TYPE_INST);
        }
#else
        esp_err_t err = esp_cache_msync(block->write_ptr, size, ESP_CACHE_MSYNC_FLAG_UNALIGNED);
        if (err == ESP_OK && code) {
            cache_hal_invalidate_addr(start, end - start);
        }
#endif
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "cache sync of %u bytes of module code at %p (runs at 0x%08x) failed: %s", (unsigned)size,
                     block->write_ptr, (unsigned)block->run_addr, esp_err_to_name(err));
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
    if (psram_code_region() != NULL) {
        return &s_spiram;
    }
    ESP_LOGE(TAG, "%s cannot execute code from PSRAM; load modules into internal RAM", hr_chip_desc.target);
    return NULL;
}
