/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_cache.h
 * @brief ESP-IDF's esp_cache_msync() on the simulated device: drops QEMU's
 *        translations of the instruction view when asked to sync instructions.
 */
#pragma once

#include <stddef.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_CACHE_MSYNC_FLAG_INVALIDATE  (1 << 0)
#define ESP_CACHE_MSYNC_FLAG_UNALIGNED   (1 << 1)
#define ESP_CACHE_MSYNC_FLAG_DIR_C2M     (1 << 2)
#define ESP_CACHE_MSYNC_FLAG_DIR_M2C     (1 << 3)
#define ESP_CACHE_MSYNC_FLAG_TYPE_DATA   (1 << 4)
#define ESP_CACHE_MSYNC_FLAG_TYPE_INST   (1 << 5)

esp_err_t esp_cache_msync(void *addr, size_t size, int flags);

#ifdef __cplusplus
}
#endif
