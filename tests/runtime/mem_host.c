/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file mem_host.c
 * @brief hr_mem_default_port() for host tests: heap memory placed at made-up ESP32-C3 addresses.
 *
 * The loader writes through write_ptr and relocates for run_addr, so a module
 * can be loaded "at" chip addresses on a 64-bit host. HR_HOST_MEM_FAIL_AT=N makes
 * the Nth allocation fail (out of memory).
 */
#include <stdint.h>
#include <stdlib.h>

#include "hr_runtime.h"

static uint32_t s_next[HR_REGION_COUNT] = {0x40380000u, 0x3FC90000u, 0x3FCA0000u, 0x3FCB0000u};
static int s_calls;
int mem_host_live;

static esp_err_t host_alloc(const hr_mem_port_t *port, hr_region_kind_t kind, size_t size, size_t align,
                            hr_block_t *out)
{
    (void)port;
    const char *fail_at = getenv("HR_HOST_MEM_FAIL_AT");
    if (fail_at && ++s_calls == atoi(fail_at)) {
        return ESP_ERR_NO_MEM;
    }
    if (align < 4) {
        align = 4;
    }
    void *p = aligned_alloc(align, (size + align - 1) / align * align + align);
    if (p == NULL) {
        return ESP_ERR_NO_MEM;
    }
    uint32_t addr = (s_next[kind] + (uint32_t)align - 1) & ~((uint32_t)align - 1);
    s_next[kind] = addr + (uint32_t)size + 16;
    out->write_ptr = p;
    out->run_addr = addr;
    out->word_access_only = false;
    mem_host_live++;
    return ESP_OK;
}

static void host_free(const hr_mem_port_t *port, const hr_block_t *block)
{
    (void)port;
    free(block->write_ptr);
    mem_host_live--;
}

static void host_sync(const hr_mem_port_t *port, const hr_block_t *block, size_t size)
{
    (void)port;
    (void)block;
    (void)size;
}

static const hr_mem_port_t s_port = {.alloc = host_alloc, .free = host_free, .sync = host_sync, .ctx = NULL};

const hr_mem_port_t *hr_mem_default_port(bool spiram)
{
    (void)spiram;
    return &s_port;
}
