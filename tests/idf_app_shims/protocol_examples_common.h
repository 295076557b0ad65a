/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file protocol_examples_common.h
 * @brief example_connect() of ESP-IDF's examples/common_components.
 */
#pragma once

#include "esp_err.h"

esp_err_t example_connect(void);
