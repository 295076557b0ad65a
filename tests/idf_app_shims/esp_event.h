/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_event.h
 * @brief esp_event_loop_create_default().
 */
#pragma once

#include "esp_err.h"

esp_err_t esp_event_loop_create_default(void);
