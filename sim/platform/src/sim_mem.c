/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_mem.c
 * @brief The simulated chip's RAM (two views of one memory file) and heap_caps over it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_cache.h"
#include "esp_heap_caps.h"
#include "esp_log.h"
#include "esp_system.h"
#include "hr_chip.h"
#include "sim_heap.h"
#include "sim_mem.h"
#include "sim_sys.h"

#define PAGE_SIZE 4096u
#define MAX_REGIONS 4
#define MFD_CLOEXEC 1u

static const char *TAG = "sim_mem";

typedef struct {
    const hr_chip_region_t *region;
    sim_heap_t heap;
} sim_region_t;

static sim_region_t s_regions[MAX_REGIONS];
static size_t s_region_count;

/* Map @p size bytes of @p fd at exactly @p addr, or explain what is in the way. */
static esp_err_t map_view(uint32_t addr, uint32_t size, int prot, int fd, uint32_t offset, const char *what)
{
    /* A hint instead of MAP_FIXED: a fixed mapping would silently replace whatever is there (the stack). */
    void *got = sim_mmap((void *)(uintptr_t)addr, size, prot, SIM_MAP_SHARED, fd, offset);
    if ((uintptr_t)got != addr) {
        if ((uintptr_t)got < (uintptr_t)-4096) {
            sim_munmap(got, size);
        }
        ESP_LOGE(TAG, "cannot map the %s view of %s at 0x%08x (%u bytes): the address is taken "
                 "(qemu-user puts an 8 MiB stack there by default; run qemu with -s 1M)",
                 what, hr_chip_desc.target, (unsigned)addr, (unsigned)size);
        return ESP_ERR_NO_MEM;
    }
    return ESP_OK;
}

/* Instruction-bus address -> data-bus address (anything else unchanged), for free(). */
static void *to_data_view(void *ptr)
{
    uint32_t data;
    if (hr_chip_ibus_to_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)ptr, 1, &data)) {
        return (void *)(uintptr_t)data;
    }
    return ptr;
}

esp_err_t sim_mem_init(void)
{
    if (s_region_count > 0) {
        return ESP_OK;
    }
    uint32_t total = 0;
    for (size_t i = 0; i < hr_chip_desc.region_count; i++) {
        const hr_chip_region_t *r = &hr_chip_desc.regions[i];
        if (!(r->caps & HR_CHIP_CAP_SPIRAM)) {
            total += r->size;
        }
    }
    int fd = sim_memfd_create("sim-chip-ram", MFD_CLOEXEC);
    if (fd < 0) {
        ESP_LOGE(TAG, "memfd_create failed (%d)", fd);
        return ESP_FAIL;
    }
    if (sim_ftruncate(fd, total) < 0) {
        ESP_LOGE(TAG, "cannot size the chip RAM file to %u bytes", (unsigned)total);
        sim_close(fd);
        return ESP_ERR_NO_MEM;
    }
    uint32_t offset = 0;
    for (size_t i = 0; i < hr_chip_desc.region_count && s_region_count < MAX_REGIONS; i++) {
        const hr_chip_region_t *r = &hr_chip_desc.regions[i];
        if (r->caps & HR_CHIP_CAP_SPIRAM) {
            continue;  /* the simulated chips have no PSRAM fitted */
        }
        esp_err_t err = map_view(r->dbus_base, r->size, SIM_PROT_READ | SIM_PROT_WRITE, fd, offset, "data");
        if (err == ESP_OK && r->ibus_base != 0) {
            err = map_view(r->ibus_base, r->size, SIM_PROT_READ | SIM_PROT_EXEC, fd, offset, "instruction");
        }
        if (err != ESP_OK) {
            sim_close(fd);
            return err;
        }
        sim_region_t *sr = &s_regions[s_region_count++];
        sr->region = r;
        sim_heap_init(&sr->heap, (void *)(uintptr_t)r->dbus_base, r->size);
        sim_heap_register(&sr->heap);
        offset += r->size;
    }
    /* The mappings keep the memory; the descriptor is not needed any more. */
    sim_close(fd);
    sim_heap_set_alias_resolver(to_data_view);
    for (size_t i = 0; i < s_region_count; i++) {
        if (s_regions[i].region->caps & HR_CHIP_CAP_DATA) {
            sim_heap_set_default(&s_regions[i].heap);
            break;
        }
    }
    return ESP_OK;
}

void sim_mem_invalidate_code(uint32_t ibus_addr, size_t size)
{
    uint32_t start = ibus_addr & ~(PAGE_SIZE - 1);
    uint32_t end = (uint32_t)((ibus_addr + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    /* QEMU invalidates a page's translations when the page becomes writable again. */
    sim_mprotect((void *)(uintptr_t)start, end - start, SIM_PROT_READ | SIM_PROT_WRITE | SIM_PROT_EXEC);
    sim_mprotect((void *)(uintptr_t)start, end - start, SIM_PROT_READ | SIM_PROT_EXEC);
}

static bool region_matches(const hr_chip_region_t *r, uint32_t caps)
{
    if ((caps & MALLOC_CAP_SPIRAM) && !(r->caps & HR_CHIP_CAP_SPIRAM)) {
        return false;
    }
    if ((caps & MALLOC_CAP_EXEC) && !(r->caps & HR_CHIP_CAP_EXEC)) {
        return false;
    }
    if ((caps & (MALLOC_CAP_8BIT | MALLOC_CAP_DMA | MALLOC_CAP_DEFAULT)) && !(r->caps & HR_CHIP_CAP_DATA)) {
        return false;
    }
    return true;
}

void *heap_caps_aligned_alloc(size_t alignment, size_t size, uint32_t caps)
{
    for (size_t i = 0; i < s_region_count; i++) {
        sim_region_t *sr = &s_regions[i];
        if (!region_matches(sr->region, caps)) {
            continue;
        }
        void *p = sim_heap_alloc(&sr->heap, size, alignment);
        if (p == NULL) {
            continue;
        }
        if (caps & MALLOC_CAP_EXEC) {
            uint32_t ibus = (uint32_t)(uintptr_t)p + hr_chip_i_d_offset(sr->region);
            /* Fresh code memory may have held other code: drop QEMU's old translations of it. */
            sim_mem_invalidate_code(ibus, size);
            return (void *)(uintptr_t)ibus;
        }
        return p;
    }
    return NULL;
}

void *heap_caps_malloc(size_t size, uint32_t caps)
{
    return heap_caps_aligned_alloc(8, size, caps);
}

void *heap_caps_calloc(size_t count, size_t size, uint32_t caps)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = heap_caps_malloc(count * size, caps);
    if (p != NULL) {
        /* An executable block is written through its data view. */
        uint32_t data;
        if (hr_chip_ibus_to_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)p, (uint32_t)(count * size), &data)) {
            memset((void *)(uintptr_t)data, 0, count * size);
        } else {
            memset(p, 0, count * size);
        }
    }
    return p;
}

void heap_caps_free(void *ptr)
{
    free(ptr);  /* takes either view (sim_heap_set_alias_resolver) */
}

typedef enum { STAT_FREE, STAT_MIN_FREE, STAT_LARGEST, STAT_TOTAL } stat_t;

static size_t heap_stat(uint32_t caps, stat_t what)
{
    size_t sum = 0;
    for (size_t i = 0; i < s_region_count; i++) {
        const sim_region_t *sr = &s_regions[i];
        if (!region_matches(sr->region, caps)) {
            continue;
        }
        size_t v = what == STAT_FREE ? sr->heap.free_bytes
                   : what == STAT_MIN_FREE ? sr->heap.min_free_bytes
                   : what == STAT_LARGEST ? sim_heap_largest_free(&sr->heap)
                   : sr->heap.size;
        if (what == STAT_LARGEST) {
            sum = v > sum ? v : sum;
        } else {
            sum += v;
        }
    }
    return sum;
}

size_t heap_caps_get_free_size(uint32_t caps)
{
    return heap_stat(caps, STAT_FREE);
}

size_t heap_caps_get_minimum_free_size(uint32_t caps)
{
    return heap_stat(caps, STAT_MIN_FREE);
}

size_t heap_caps_get_largest_free_block(uint32_t caps)
{
    return heap_stat(caps, STAT_LARGEST);
}

size_t heap_caps_get_total_size(uint32_t caps)
{
    return heap_stat(caps, STAT_TOTAL);
}

uint32_t esp_get_free_heap_size(void)
{
    return (uint32_t)heap_caps_get_free_size(MALLOC_CAP_DEFAULT);
}

uint32_t esp_get_minimum_free_heap_size(void)
{
    return (uint32_t)heap_caps_get_minimum_free_size(MALLOC_CAP_DEFAULT);
}

void esp_restart(void)
{
    fflush(stdout);
    sim_exit(0);
}

esp_err_t esp_cache_msync(void *addr, size_t size, int flags)
{
    if (flags & ESP_CACHE_MSYNC_FLAG_TYPE_INST) {
        sim_mem_invalidate_code((uint32_t)(uintptr_t)addr, size);
    }
    return ESP_OK;
}
