/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_err.c
 * @brief esp_err_to_name() for code built outside ESP-IDF, including hotreload's own codes.
 */
#include <stddef.h>

#include "esp_err.h"
#include "hotreload.h"

typedef struct {
    esp_err_t code;
    const char *name;
} err_name_t;

#define ERR_NAME(code) { code, #code }

static const err_name_t s_err_names[] = {
    ERR_NAME(ESP_OK),
    ERR_NAME(ESP_FAIL),
    ERR_NAME(ESP_ERR_NO_MEM),
    ERR_NAME(ESP_ERR_INVALID_ARG),
    ERR_NAME(ESP_ERR_INVALID_STATE),
    ERR_NAME(ESP_ERR_INVALID_SIZE),
    ERR_NAME(ESP_ERR_NOT_FOUND),
    ERR_NAME(ESP_ERR_NOT_SUPPORTED),
    ERR_NAME(ESP_ERR_TIMEOUT),
    ERR_NAME(ESP_ERR_INVALID_RESPONSE),
    ERR_NAME(ESP_ERR_INVALID_CRC),
    ERR_NAME(ESP_ERR_INVALID_VERSION),
    ERR_NAME(ESP_ERR_INVALID_MAC),
    ERR_NAME(ESP_ERR_NOT_FINISHED),
    ERR_NAME(ESP_ERR_NOT_ALLOWED),
    ERR_NAME(ESP_ERR_HOTRELOAD_ABI_MISMATCH),
    ERR_NAME(ESP_ERR_HOTRELOAD_VETOED),
};

const char *esp_err_to_name(esp_err_t code)
{
    for (size_t i = 0; i < sizeof(s_err_names) / sizeof(s_err_names[0]); i++) {
        if (s_err_names[i].code == code) {
            return s_err_names[i].name;
        }
    }
    return "UNKNOWN ERROR";
}
