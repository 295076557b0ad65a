/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_log.h
 * @brief The ESP_LOGx macros of ESP-IDF for code built outside ESP-IDF.
 *
 * Lines look like ESP-IDF's: "E (1234) tag: message". The level threshold is
 * set with esp_log_level_set() or the HR_SIM_LOG_LEVEL environment variable
 * read by the platform at start.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ESP_LOG_NONE,
    ESP_LOG_ERROR,
    ESP_LOG_WARN,
    ESP_LOG_INFO,
    ESP_LOG_DEBUG,
    ESP_LOG_VERBOSE,
} esp_log_level_t;

/** Write one log line if @p level passes the threshold for @p tag. */
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/** Set the threshold for @p tag ("*" for all tags). */
void esp_log_level_set(const char *tag, esp_log_level_t level);

/** Milliseconds since start, as printed in log lines. */
uint32_t esp_log_timestamp(void);

#define ESP_LOG_LEVEL(level, tag, format, ...) esp_log_write(level, tag, format, ##__VA_ARGS__)
#define ESP_LOGE(tag, format, ...) esp_log_write(ESP_LOG_ERROR, tag, format, ##__VA_ARGS__)
#define ESP_LOGW(tag, format, ...) esp_log_write(ESP_LOG_WARN, tag, format, ##__VA_ARGS__)
#define ESP_LOGI(tag, format, ...) esp_log_write(ESP_LOG_INFO, tag, format, ##__VA_ARGS__)
#define ESP_LOGD(tag, format, ...) esp_log_write(ESP_LOG_DEBUG, tag, format, ##__VA_ARGS__)
#define ESP_LOGV(tag, format, ...) esp_log_write(ESP_LOG_VERBOSE, tag, format, ##__VA_ARGS__)

#ifdef __cplusplus
}
#endif
