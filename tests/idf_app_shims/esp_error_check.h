/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_error_check.h
 * @brief ESP_ERROR_CHECK, which ESP-IDF defines in esp_err.h and the simulated device's esp_err.h lacks.
 *
 * Force-included (-include) by the compile checks, so the sources see it exactly where ESP-IDF provides it.
 */
#pragma once

#include "esp_err.h"

#include <stdlib.h>

/** As ESP-IDF's: evaluate once, abort on anything but ESP_OK. */
#define ESP_ERROR_CHECK(x) do {             \
        esp_err_t err_rc_ = (x);            \
        if (err_rc_ != ESP_OK) {            \
            abort();                        \
        }                                   \
    } while (0)
