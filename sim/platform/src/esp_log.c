/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_log.c
 * @brief ESP-IDF-style log lines on stdout for host tests and the simulated device.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "sim_time.h"

static esp_log_level_t s_threshold = ESP_LOG_INFO;

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    /* One threshold for every tag: the runtime uses three tags and tests want all or nothing. */
    (void)tag;
    s_threshold = level;
}

uint32_t esp_log_timestamp(void)
{
    return (uint32_t)(sim_time_us() / 1000);
}

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    static const char letters[] = "NEWIDV";
    if (level > s_threshold || level == ESP_LOG_NONE) {
        return;
    }
    printf("%c (%u) %s: ", letters[level], (unsigned)esp_log_timestamp(), tag);
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
}
