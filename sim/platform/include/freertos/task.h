/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file task.h
 * @brief vTaskDelay() and tick count on the simulated device (see FreeRTOS.h).
 */
#pragma once

#include "freertos/FreeRTOS.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Let @p ticks pass, serving HTTP requests meanwhile. */
void vTaskDelay(TickType_t ticks);
/** Ticks since start. */
TickType_t xTaskGetTickCount(void);

#ifdef __cplusplus
}
#endif
