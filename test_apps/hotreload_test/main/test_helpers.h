/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_helpers.h
 * @brief Shared by the test files: load the flashed module once per boot.
 */
#pragma once

#include "hotreload.h"
#include "unity.h"

/** Load the module that `idf.py hotreload-flash` wrote into the partition; fails the test otherwise. */
static inline void test_load_flashed_module(void)
{
    hotreload_config_t config = HOTRELOAD_CONFIG_DEFAULT();
    esp_err_t err = hotreload_load(&config);
    TEST_ASSERT_EQUAL_MESSAGE(ESP_OK, err, "no module in the partition: run `idf.py hotreload-flash`");
}
