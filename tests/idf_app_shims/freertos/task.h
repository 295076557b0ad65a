/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file task.h
 * @brief vTaskDelay() (compile checks only).
 */
#pragma once

#include "freertos/FreeRTOS.h"

void vTaskDelay(const TickType_t ticks_to_delay);
