/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_netif.h
 * @brief esp_netif_init().
 */
#pragma once

#include "esp_err.h"

esp_err_t esp_netif_init(void);
