/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_module.c
 * @brief The reloadable module of the test app (see test_module.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "test_module.h"

static int s_counter;
static uint32_t s_scratch[1024];

static int double_it(int value, void *arg)
{
    (void)arg;
    return value * 2;
}

int tm_sum10(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9)
{
    return a0 + 2 * a1 + 3 * a2 + 4 * a3 + 5 * a4 + 6 * a5 + 7 * a6 + 8 * a7 + 9 * a8 + 10 * a9;
}

int64_t tm_mul64(int64_t a, int64_t b)
{
    return a * b;
}

tm_quint_t tm_make_quint(int32_t base)
{
    tm_quint_t q = { base, base + 1, base + 2, base + 3, base + 4 };
    return q;
}

double tm_scale(double value, float factor)
{
    return value * (double)factor;
}

int tm_sum_varargs(int count, ...)
{
    va_list ap;
    va_start(ap, count);
    int sum = 0;
    for (int i = 0; i < count; i++) {
        sum += va_arg(ap, int);
    }
    va_end(ap);
    return sum;
}

int tm_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

uint32_t tm_fib(uint32_t n)
{
    return n < 2 ? n : tm_fib(n - 1) + tm_fib(n - 2);
}

int tm_apply(int op, int x)
{
    /* Distinct operations per case, so that compilers emit a table of code
     * addresses (relocated data pointing into .text) rather than a value table. */
    switch (op) {
    case 0: return x + 1;
    case 1: return x * x;
    case 2: return x << 3;
    case 3: return x - 7;
    case 4: return x / 3;
    case 5: return x ^ 0x55;
    case 6: return -x;
    case 7: return x % 10;
    default: return 0;
    }
}

int tm_call_back(tm_callback_t cb, void *arg, int value)
{
    return cb(value + 1, arg) + 1;
}

tm_callback_t tm_get_doubler(void)
{
    return double_it;
}

int tm_uses_firmware(int value)
{
    return test_fw_offset(value) * 3;
}

int tm_counter_next(void)
{
    return ++s_counter;
}

const char *tm_version(void)
{
    return "test_module v1";
}

uint32_t tm_bss_checksum(uint32_t seed)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof(s_scratch) / sizeof(s_scratch[0]); i++) {
        sum += s_scratch[i];
        s_scratch[i] = seed + (uint32_t)i;
    }
    return sum;
}
