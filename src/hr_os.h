/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_os.h
 * @brief The few operating-system services the runtime needs (internal port header).
 *
 * Implementations: src/port/esp_idf/hr_os_esp.c (FreeRTOS, esp_timer, app
 * description), sim/platform/src/hr_os_host.c (hosted libc, unit tests) and the
 * simulated device's own. Nothing else in src/ touches an OS API directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of the firmware identity (SHA-256 of the firmware ELF). */
#define HR_OS_FIRMWARE_ID_SIZE 32

/** A non-recursive mutex (opaque). */
typedef struct hr_mutex hr_mutex_t;

/** Create a mutex; NULL when out of memory. */
hr_mutex_t *hr_os_mutex_create(void);

/** Destroy a mutex nobody holds (NULL is ignored). */
void hr_os_mutex_delete(hr_mutex_t *mutex);

/** Block until the mutex is ours. */
void hr_os_mutex_lock(hr_mutex_t *mutex);

/** Take the mutex only if it is free; true when taken. */
bool hr_os_mutex_trylock(hr_mutex_t *mutex);

/** Release a mutex held by the caller. */
void hr_os_mutex_unlock(hr_mutex_t *mutex);

/** Monotonic microseconds since boot (esp_timer_get_time()). */
int64_t hr_os_time_us(void);

/**
 * @brief This firmware's identity: SHA-256 of its ELF file.
 * @return ESP_OK, or ESP_ERR_NOT_FOUND when the platform cannot tell (log says why)
 */
esp_err_t hr_os_firmware_id(uint8_t out[HR_OS_FIRMWARE_ID_SIZE]);

/** Fill @p buf with @p len bytes from a cryptographically strong source (nonces). */
void hr_os_random(void *buf, size_t len);

/** Free heap bytes, reported by GET /status (0 if unknown). */
size_t hr_os_free_heap(void);

#ifdef __cplusplus
}
#endif
