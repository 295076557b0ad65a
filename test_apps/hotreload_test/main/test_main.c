/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_main.c
 * @brief Unity menu of the hotreload test app (pytest-embedded-idf drives it).
 */
#include "unity.h"

void app_main(void)
{
    unity_run_menu();
}
