/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file mod_util.c
 * @brief Loader test module, part 2: functions and data mod_main.c reaches across objects.
 */
#include <stdint.h>

#include "mod_api.h"

static int32_t s_calls;
const int32_t util_primes[8] = { 2, 3, 5, 7, 11, 13, 17, 19 };

int32_t util_max(int32_t a, int32_t b)
{
    s_calls++;
    return a > b ? a : b;
}

int32_t util_twice(int32_t x)
{
    s_calls++;
    return 2 * x + util_primes[x & 7];
}

int32_t util_sum3(int32_t a, int32_t b, int32_t c)
{
    return a + b + c + (int32_t)(mod_counter > 0) + s_calls;
}
