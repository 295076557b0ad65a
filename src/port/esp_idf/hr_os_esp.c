/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_os_esp.c
 * @brief hr_os.h on ESP-IDF (5.0 and later): FreeRTOS mutexes, esp_timer, the app description, esp_random.
 */
#include <string.h>

#include "esp_app_desc.h"
#include "esp_heap_caps.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "hr_os.h"

/* hr_mutex_t is never defined: its pointers are FreeRTOS semaphore handles. */

hr_mutex_t *hr_os_mutex_create(void)
{
    return (hr_mutex_t *)xSemaphoreCreateMutex();
}

void hr_os_mutex_delete(hr_mutex_t *mutex)
{
    if (mutex != NULL) {
        vSemaphoreDelete((SemaphoreHandle_t)mutex);
    }
}

void hr_os_mutex_lock(hr_mutex_t *mutex)
{
    xSemaphoreTake((SemaphoreHandle_t)mutex, portMAX_DELAY);
}

bool hr_os_mutex_trylock(hr_mutex_t *mutex)
{
    return xSemaphoreTake((SemaphoreHandle_t)mutex, 0) == pdTRUE;
}

void hr_os_mutex_unlock(hr_mutex_t *mutex)
{
    xSemaphoreGive((SemaphoreHandle_t)mutex);
}

int64_t hr_os_time_us(void)
{
    return esp_timer_get_time();
}

esp_err_t hr_os_firmware_id(uint8_t out[HR_OS_FIRMWARE_ID_SIZE])
{
    /* esptool writes the ELF file's SHA-256 into the app description when it makes the image. */
    const esp_app_desc_t *desc = esp_app_get_description();
    _Static_assert(sizeof(desc->app_elf_sha256) == HR_OS_FIRMWARE_ID_SIZE, "app_elf_sha256 size");
    memcpy(out, desc->app_elf_sha256, HR_OS_FIRMWARE_ID_SIZE);
    return ESP_OK;
}

void hr_os_random(void *buf, size_t len)
{
    esp_fill_random(buf, len);
}

size_t hr_os_free_heap(void)
{
    return heap_caps_get_free_size(MALLOC_CAP_DEFAULT);
}
