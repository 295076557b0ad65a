/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hotreload.h
 * @brief Public API of the hotreload component (the only header applications include).
 */
#pragma once

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Error codes beyond esp_err.h
 * @{
 */
#define ESP_ERR_HOTRELOAD_BASE          0x7A000                       /*!< first hotreload error code */
#define ESP_ERR_HOTRELOAD_ABI_MISMATCH  (ESP_ERR_HOTRELOAD_BASE + 1)  /*!< module exports differ from the firmware's table: rebuild and flash the firmware */
/** @} */

#ifdef __cplusplus
}
#endif
