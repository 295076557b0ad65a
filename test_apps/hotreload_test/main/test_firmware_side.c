/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_firmware_side.c
 * @brief Firmware functions the module calls (their addresses are linked into the module).
 */
#include "test_module.h"

int test_fw_offset(int value)
{
    return value + 1000;
}
