/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file mod_api.h
 * @brief Declarations shared by the loader test module and the firmware symbols it uses.
 */
#pragma once

#include <stdint.h>

/* Firmware: absolute addresses given by the test's linker script. */
int32_t fw_add(int32_t a, int32_t b);
void fw_log(const char *msg);
extern int32_t fw_value;
extern int32_t fw_table[16];

/* Module */
extern int32_t mod_counter;
int32_t util_max(int32_t a, int32_t b);
int32_t util_twice(int32_t x);
int32_t util_sum3(int32_t a, int32_t b, int32_t c);
