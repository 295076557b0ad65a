/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_system.h
 * @brief Heap totals and restart of ESP-IDF's esp_system, on the simulated device.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Free bytes in the internal heaps. */
uint32_t esp_get_free_heap_size(void);
/** Lowest free_heap_size seen since start. */
uint32_t esp_get_minimum_free_heap_size(void);
/** Ends the process with status 0: the test harness or `hotreload sim run` starts it again. */
__attribute__((noreturn)) void esp_restart(void);

#ifdef __cplusplus
}
#endif
