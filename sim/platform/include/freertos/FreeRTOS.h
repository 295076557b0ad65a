/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file FreeRTOS.h
 * @brief The FreeRTOS types and macros the simulated device's applications use.
 *
 * The simulated device is one thread. Time passes in vTaskDelay(), which is
 * also where the HTTP server (esp_http_server.h) serves requests: like the
 * httpd task on a chip, requests are handled while the application waits.
 */
#pragma once

#include <stdint.h>

typedef uint32_t TickType_t;
typedef int BaseType_t;
typedef unsigned UBaseType_t;

#define configTICK_RATE_HZ 100
#define portTICK_PERIOD_MS (1000 / configTICK_RATE_HZ)
#define portMAX_DELAY ((TickType_t)0xffffffffu)
#define pdMS_TO_TICKS(ms) ((TickType_t)(((uint64_t)(ms) * configTICK_RATE_HZ) / 1000))
#define pdTICKS_TO_MS(ticks) ((uint32_t)(((uint64_t)(ticks) * 1000) / configTICK_RATE_HZ))
#define pdTRUE 1
#define pdFALSE 0
#define pdPASS pdTRUE
#define pdFAIL pdFALSE
