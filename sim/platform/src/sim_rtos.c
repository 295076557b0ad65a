/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_rtos.c
 * @brief vTaskDelay, ticks, mutexes and the runtime's OS port (hr_os.h) on the simulated device.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "esp_heap_caps.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#include "hr_crypto.h"
#include "hr_os.h"
#include "sim_httpd.h"
#include "sim_sys.h"
#include "sim_time.h"

static const char *TAG = "sim";

/* Time since the first call (made at start), like esp_timer_get_time() since boot. */
int64_t sim_time_us(void)
{
    static int64_t s_start_us = -1;
    sim_timespec64_t now;
    sim_clock_gettime(SIM_CLOCK_MONOTONIC, &now);
    int64_t us = now.tv_sec * 1000000 + now.tv_nsec / 1000;
    if (s_start_us < 0) {
        s_start_us = us;
    }
    return us - s_start_us;
}

void vTaskDelay(TickType_t ticks)
{
    int64_t deadline = sim_time_us() + (int64_t)pdTICKS_TO_MS(ticks) * 1000;
    sim_httpd_serve_until(deadline);
}

TickType_t xTaskGetTickCount(void)
{
    return (TickType_t)(sim_time_us() / (1000 * portTICK_PERIOD_MS));
}

struct sim_mutex {
    bool held;
};

SemaphoreHandle_t xSemaphoreCreateMutex(void)
{
    return calloc(1, sizeof(struct sim_mutex));
}

void vSemaphoreDelete(SemaphoreHandle_t mutex)
{
    free(mutex);
}

BaseType_t xSemaphoreTake(SemaphoreHandle_t mutex, TickType_t wait)
{
    (void)wait;
    if (mutex->held) {
        return pdFALSE;
    }
    mutex->held = true;
    return pdTRUE;
}

BaseType_t xSemaphoreGive(SemaphoreHandle_t mutex)
{
    if (!mutex->held) {
        return pdFALSE;
    }
    mutex->held = false;
    return pdTRUE;
}

/* ---- hr_os.h: the runtime's OS port ---------------------------------------------- */

struct hr_mutex {
    bool held;
};

hr_mutex_t *hr_os_mutex_create(void)
{
    return calloc(1, sizeof(hr_mutex_t));
}

void hr_os_mutex_delete(hr_mutex_t *mutex)
{
    free(mutex);
}

void hr_os_mutex_lock(hr_mutex_t *mutex)
{
    if (mutex->held) {
        /* One thread: a second lock could never be released, so this is a runtime bug. */
        ESP_LOGE(TAG, "mutex %p locked twice by the only thread", (void *)mutex);
        abort();
    }
    mutex->held = true;
}

bool hr_os_mutex_trylock(hr_mutex_t *mutex)
{
    if (mutex->held) {
        return false;
    }
    mutex->held = true;
    return true;
}

void hr_os_mutex_unlock(hr_mutex_t *mutex)
{
    mutex->held = false;
}

int64_t hr_os_time_us(void)
{
    return sim_time_us();
}

void hr_os_random(void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        int n = sim_getrandom(out, len);
        if (n <= 0) {
            ESP_LOGE(TAG, "getrandom failed (%d)", n);
            abort();
        }
        out += n;
        len -= (size_t)n;
    }
}

size_t hr_os_free_heap(void)
{
    return heap_caps_get_free_size(MALLOC_CAP_DEFAULT);
}

/*
 * The firmware identity: SHA-256 of the device's own executable. qemu-user
 * shows the guest binary as /proc/self/exe (checked by tests/test_sim_*.py
 * against hashlib over the firmware ELF).
 */
esp_err_t hr_os_firmware_id(uint8_t out[HR_OS_FIRMWARE_ID_SIZE])
{
    static uint8_t s_id[HR_OS_FIRMWARE_ID_SIZE];
    static bool s_known;
    if (s_known) {
        for (size_t i = 0; i < sizeof(s_id); i++) {
            out[i] = s_id[i];
        }
        return ESP_OK;
    }
    int fd = sim_open("/proc/self/exe", SIM_O_RDONLY | SIM_O_CLOEXEC, 0);
    if (fd < 0) {
        ESP_LOGE(TAG, "cannot open /proc/self/exe (%d) to compute the firmware identity", fd);
        return ESP_FAIL;
    }
    hr_sha256_t ctx;
    hr_sha256_init(&ctx);
    uint8_t *buf = malloc(4096);
    if (buf == NULL) {
        sim_close(fd);
        return ESP_ERR_NO_MEM;
    }
    long n;
    while ((n = sim_read(fd, buf, 4096)) > 0) {
        hr_sha256_update(&ctx, buf, (size_t)n);
    }
    free(buf);
    sim_close(fd);
    if (n < 0) {
        ESP_LOGE(TAG, "cannot read /proc/self/exe (%ld)", n);
        return ESP_FAIL;
    }
    hr_sha256_finish(&ctx, s_id);
    s_known = true;
    for (size_t i = 0; i < sizeof(s_id); i++) {
        out[i] = s_id[i];
    }
    return ESP_OK;
}
