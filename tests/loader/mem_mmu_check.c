/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file mem_mmu_check.c
 * @brief Runs src/hr_mem.c's PSRAM path for a chip whose instruction bus needs an MMU mapping (ESP32-S2 table).
 *
 * Built natively with hr_mem.c and src/chip/esp32s2/hr_chip.c. The ESP-IDF
 * calls hr_mem.c makes (heap_caps_*, esp_mmu_*, esp_cache_msync) are modelled
 * here on the S2's address map: PSRAM seen on the data bus at 0x3F500000 with
 * physical address = offset, 64 KiB MMU pages, instruction-bus mappings handed
 * out from the IRAM0 cache window 0x40080000. hr_mem.c only computes addresses
 * (the loader writes the bytes), so no memory stands behind them.
 *
 * Every ESP-IDF call prints one line ("alloc", "free", "map", "unmap", "msync");
 * each scenario prints "case NAME" first and "result NAME ERR write=W run=R
 * live=N mapped=M" after, where live and mapped count blocks still allocated
 * and mapped. A model rule that hr_mem.c broke prints a line starting "error".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "esp_cache.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "esp_mmu_map.h"
#include "hr_chip.h"
#include "hr_loader.h"
#include "hr_runtime.h"

#define PSRAM_DBUS   0x3F500000u
#define PSRAM_SIZE   0x400000u
#define IBUS_WINDOW  0x40080000u
#define PAGE         0x10000u
#define ICACHE_LINE  32u  /* the S2's largest instruction-cache line */
#define MAX_BLOCKS   16

typedef struct {
    uint32_t addr;
    uint32_t size;
    uint32_t phys;  /* mappings: first physical address */
    bool live;
} span_t;

static span_t s_heap[MAX_BLOCKS];
static span_t s_maps[MAX_BLOCKS];
static uint32_t s_heap_next = PSRAM_DBUS + 0x1230;  /* not page aligned, as a heap that is in use */
static uint32_t s_ibus_next = IBUS_WINDOW;
static bool s_fail_map;
static bool s_fail_unmap;
static bool s_heap_full;
static bool s_scatter;  /* data-bus pages map to physical pages out of order */

static int count_live(const span_t *spans)
{
    int n = 0;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        n += spans[i].live;
    }
    return n;
}

static span_t *find_span(span_t *spans, uint32_t addr, uint32_t size)
{
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (spans[i].live && addr >= spans[i].addr && addr + size <= spans[i].addr + spans[i].size) {
            return &spans[i];
        }
    }
    return NULL;
}

static bool add_span(span_t *spans, uint32_t addr, uint32_t size, uint32_t phys)
{
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (!spans[i].live) {
            spans[i] = (span_t) {
                .addr = addr, .size = size, .phys = phys, .live = true
            };
            return true;
        }
    }
    return false;
}

void *heap_caps_aligned_alloc(size_t alignment, size_t size, uint32_t caps)
{
    printf("alloc align=0x%zx size=0x%zx caps=0x%x\n", alignment, size, (unsigned)caps);
    if (!(caps & MALLOC_CAP_SPIRAM)) {
        printf("error internal RAM asked for on the PSRAM path\n");
        return NULL;
    }
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        printf("error alignment 0x%zx is not a power of two\n", alignment);
        return NULL;
    }
    uint32_t addr = (s_heap_next + (uint32_t)alignment - 1) & ~((uint32_t)alignment - 1);
    if (s_heap_full || addr + size > PSRAM_DBUS + PSRAM_SIZE || !add_span(s_heap, addr, (uint32_t)size, 0)) {
        return NULL;
    }
    s_heap_next = addr + (uint32_t)size;
    return (void *)(uintptr_t)addr;
}

void heap_caps_free(void *ptr)
{
    uint32_t addr = (uint32_t)(uintptr_t)ptr;
    printf("free 0x%08x\n", (unsigned)addr);
    span_t *s = find_span(s_heap, addr, 1);
    if (s == NULL || s->addr != addr) {
        printf("error free of 0x%08x, which the heap did not hand out\n", (unsigned)addr);
        return;
    }
    uint32_t phys = addr - PSRAM_DBUS;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (s_maps[i].live && phys < s_maps[i].phys + s_maps[i].size && s_maps[i].phys < phys + s->size) {
            printf("error PSRAM block 0x%08x freed while its pages are still mapped executable at 0x%08x\n",
                   (unsigned)addr, (unsigned)s_maps[i].addr);
        }
    }
    s->live = false;
}

size_t heap_caps_get_free_size(uint32_t caps)
{
    (void)caps;
    return PSRAM_DBUS + PSRAM_SIZE - s_heap_next;
}

esp_err_t esp_mmu_vaddr_to_paddr(void *vaddr, esp_paddr_t *out_paddr, mmu_target_t *out_target)
{
    uint32_t v = (uint32_t)(uintptr_t)vaddr;
    if (v < PSRAM_DBUS || v >= PSRAM_DBUS + PSRAM_SIZE) {
        return ESP_ERR_INVALID_ARG;
    }
    uint32_t off = v - PSRAM_DBUS;
    /* Scattered: page n is physical page n ^ 1. */
    *out_paddr = s_scatter ? ((off / PAGE) ^ 1) * PAGE + off % PAGE : off;
    *out_target = MMU_TARGET_PSRAM0;
    return ESP_OK;
}

esp_err_t esp_mmu_map(esp_paddr_t paddr_start, size_t size, mmu_target_t target, mmu_mem_caps_t caps, int flags,
                      void **out_ptr)
{
    printf("map paddr=0x%08x size=0x%zx target=%d caps=0x%x flags=0x%x\n", (unsigned)paddr_start, size, (int)target,
           (unsigned)caps, (unsigned)flags);
    if (paddr_start % PAGE != 0) {
        printf("error paddr 0x%08x is not MMU-page aligned\n", (unsigned)paddr_start);
        return ESP_ERR_INVALID_ARG;
    }
    if (target != MMU_TARGET_PSRAM0 || !(caps & MMU_MEM_CAP_EXEC)) {
        printf("error mapping is not executable PSRAM\n");
        return ESP_ERR_INVALID_ARG;
    }
    if (!(flags & ESP_MMU_MMAP_FLAG_PADDR_SHARED)) {
        /* The PSRAM driver already maps every page on the data bus. */
        printf("error PSRAM pages mapped a second time without ESP_MMU_MMAP_FLAG_PADDR_SHARED\n");
        return ESP_ERR_INVALID_ARG;
    }
    if (s_fail_map) {
        return ESP_ERR_NOT_FOUND;
    }
    uint32_t span = ((uint32_t)size + PAGE - 1) & ~(PAGE - 1);
    uint32_t v = s_ibus_next;
    if (!add_span(s_maps, v, span, paddr_start)) {
        return ESP_ERR_NO_MEM;
    }
    s_ibus_next += span;
    *out_ptr = (void *)(uintptr_t)v;
    return ESP_OK;
}

esp_err_t esp_mmu_unmap(void *ptr)
{
    uint32_t v = (uint32_t)(uintptr_t)ptr;
    printf("unmap 0x%08x\n", (unsigned)v);
    span_t *s = find_span(s_maps, v, 1);
    if (s_fail_unmap || s == NULL || s->addr != v) {
        return ESP_ERR_NOT_FOUND;
    }
    s->live = false;
    return ESP_OK;
}

esp_err_t esp_cache_msync(void *addr, size_t size, int flags)
{
    uint32_t a = (uint32_t)(uintptr_t)addr;
    printf("msync 0x%08x size=0x%zx flags=0x%x\n", (unsigned)a, size, (unsigned)flags);
    if (flags & ESP_CACHE_MSYNC_FLAG_DIR_M2C) {
        if ((flags & ESP_CACHE_MSYNC_FLAG_UNALIGNED) || a % ICACHE_LINE != 0 || size % ICACHE_LINE != 0) {
            printf("error M2C sync must be cache-line aligned (ESP-IDF >= 5.3 refuses it otherwise)\n");
            return ESP_ERR_INVALID_ARG;
        }
        if (find_span(s_maps, a, (uint32_t)size) == NULL) {
            printf("error M2C sync of 0x%08x+0x%zx outside any instruction mapping\n", (unsigned)a, size);
        }
    } else if (find_span(s_heap, a, (uint32_t)size) == NULL) {
        printf("error C2M sync of 0x%08x+0x%zx outside any PSRAM block\n", (unsigned)a, size);
    }
    return ESP_OK;
}

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, format);
    printf("log %s: ", tag);
    vprintf(format, ap);
    printf("\n");
    va_end(ap);
}

const char *esp_err_to_name(esp_err_t code)
{
    switch (code) {
    case ESP_OK: return "ESP_OK";
    case ESP_ERR_NO_MEM: return "ESP_ERR_NO_MEM";
    case ESP_ERR_INVALID_ARG: return "ESP_ERR_INVALID_ARG";
    case ESP_ERR_INVALID_STATE: return "ESP_ERR_INVALID_STATE";
    case ESP_ERR_NOT_FOUND: return "ESP_ERR_NOT_FOUND";
    case ESP_ERR_NOT_SUPPORTED: return "ESP_ERR_NOT_SUPPORTED";
    default: return "ESP_FAIL";
    }
}

/** Allocate, sync and (with @p do_free) free one block of @p kind, as the loader does; returns the block. */
static hr_block_t run_case(const char *name, hr_region_kind_t kind, size_t size, size_t align, bool do_free)
{
    const hr_mem_port_t *port = hr_mem_default_port(true);
    hr_block_t block = { 0 };
    printf("case %s\n", name);
    esp_err_t err = port->alloc(port, kind, size, align, &block);
    if (err == ESP_OK) {
        port->sync(port, &block, size);
        if (do_free) {
            port->free(port, &block);
        }
    }
    printf("result %s %s write=0x%08x run=0x%08x live=%d mapped=%d\n", name, esp_err_to_name(err),
           (unsigned)(uintptr_t)block.write_ptr, (unsigned)block.run_addr, count_live(s_heap), count_live(s_maps));
    return block;
}

int main(void)
{
    if (hr_mem_default_port(true) == NULL) {
        printf("error no PSRAM port for %s\n", hr_chip_desc.target);
        return 1;
    }
    run_case("text", HR_REGION_TEXT, 1000, 4, true);
    run_case("text-large", HR_REGION_TEXT, 70000, 16, true);
    run_case("data", HR_REGION_DATA, 100, 8, true);
    s_fail_map = true;
    run_case("map-fails", HR_REGION_TEXT, 1000, 4, true);
    s_fail_map = false;
    s_scatter = true;
    run_case("scattered", HR_REGION_TEXT, 70000, 4, true);
    s_scatter = false;
    s_heap_full = true;
    run_case("heap-full", HR_REGION_TEXT, 1000, 4, true);
    s_heap_full = false;
    hr_block_t kept = run_case("kept", HR_REGION_TEXT, 1000, 4, false);
    s_fail_unmap = true;
    const hr_mem_port_t *port = hr_mem_default_port(true);
    printf("case unmap-fails\n");
    port->free(port, &kept);
    printf("result unmap-fails - write=0x%08x run=0x%08x live=%d mapped=%d\n", (unsigned)(uintptr_t)kept.write_ptr,
           (unsigned)kept.run_addr, count_live(s_heap), count_live(s_maps));
    return 0;
}
