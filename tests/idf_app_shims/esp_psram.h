/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_psram.h
 * @brief esp_psram_is_initialized().
 */
#pragma once

#include <stdbool.h>

bool esp_psram_is_initialized(void);
