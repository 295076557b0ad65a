/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file nvs_flash.h
 * @brief nvs_flash_init(), nvs_flash_erase() and their error codes.
 */
#pragma once

#include "esp_err.h"

#define ESP_ERR_NVS_BASE              0x1100
#define ESP_ERR_NVS_NO_FREE_PAGES     (ESP_ERR_NVS_BASE + 0x0d)
#define ESP_ERR_NVS_NEW_VERSION_FOUND (ESP_ERR_NVS_BASE + 0x10)

esp_err_t nvs_flash_init(void);
esp_err_t nvs_flash_erase(void);
