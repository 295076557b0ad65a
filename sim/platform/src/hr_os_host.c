/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_os_host.c
 * @brief hr_os.h for host builds with a hosted libc (unit tests): pthreads, clock_gettime, getrandom.
 *
 * The firmware identity is the SHA-256 of the running executable
 * (/proc/self/exe), or the 64 hex digits in HR_HOST_FIRMWARE_ID when set, so
 * that tests can pose as a given firmware.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "esp_log.h"
#include "hr_crypto.h"
#include "hr_os.h"
#include "sim_time.h"

static const char *TAG = "hr_os";

struct hr_mutex {
    pthread_mutex_t mutex;
};

hr_mutex_t *hr_os_mutex_create(void)
{
    hr_mutex_t *m = calloc(1, sizeof(*m));
    if (m != NULL && pthread_mutex_init(&m->mutex, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void hr_os_mutex_delete(hr_mutex_t *mutex)
{
    if (mutex != NULL) {
        pthread_mutex_destroy(&mutex->mutex);
        free(mutex);
    }
}

void hr_os_mutex_lock(hr_mutex_t *mutex)
{
    pthread_mutex_lock(&mutex->mutex);
}

bool hr_os_mutex_trylock(hr_mutex_t *mutex)
{
    return pthread_mutex_trylock(&mutex->mutex) == 0;
}

void hr_os_mutex_unlock(hr_mutex_t *mutex)
{
    pthread_mutex_unlock(&mutex->mutex);
}

int64_t hr_os_time_us(void)
{
    return sim_time_us();
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

esp_err_t hr_os_firmware_id(uint8_t out[HR_OS_FIRMWARE_ID_SIZE])
{
    const char *forced = getenv("HR_HOST_FIRMWARE_ID");
    if (forced != NULL) {
        if (strlen(forced) != 2 * HR_OS_FIRMWARE_ID_SIZE) {
            ESP_LOGE(TAG, "HR_HOST_FIRMWARE_ID must be 64 hex digits");
            return ESP_ERR_NOT_FOUND;
        }
        for (size_t i = 0; i < HR_OS_FIRMWARE_ID_SIZE; i++) {
            int hi = hex_value(forced[2 * i]);
            int lo = hex_value(forced[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                ESP_LOGE(TAG, "HR_HOST_FIRMWARE_ID must be 64 hex digits");
                return ESP_ERR_NOT_FOUND;
            }
            out[i] = (uint8_t)(hi << 4 | lo);
        }
        return ESP_OK;
    }
    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0) {
        ESP_LOGE(TAG, "cannot open /proc/self/exe to hash the firmware");
        return ESP_ERR_NOT_FOUND;
    }
    hr_sha256_t ctx;
    hr_sha256_init(&ctx);
    uint8_t buf[4096];
    ssize_t got;
    while ((got = read(fd, buf, sizeof(buf))) > 0) {
        hr_sha256_update(&ctx, buf, (size_t)got);
    }
    close(fd);
    hr_sha256_finish(&ctx, out);
    return got < 0 ? ESP_ERR_NOT_FOUND : ESP_OK;
}

void hr_os_random(void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        ssize_t got = getrandom(out, len, 0);
        if (got <= 0) {
            abort();
        }
        out += got;
        len -= (size_t)got;
    }
}

size_t hr_os_free_heap(void)
{
    return 0;
}
