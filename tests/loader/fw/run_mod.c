/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file run_mod.c
 * @brief The module the QEMU test firmware loads, in versions that differ in behaviour and layout.
 *
 * VERSION 1 ends with padding code and data (a bigger image), so VERSION 3
 * (small) is placed where VERSION 1's code ran, function by function at about
 * the same addresses: a loader that does not invalidate translated code shows
 * VERSION 1's results there.
 * -DRM_RENAME_COUNT drops the export rm_count (an ABI change).
 */
#include <stdarg.h>
#include <stdint.h>

#include "run_api.h"

#ifndef VERSION
#define VERSION 1
#endif

#ifdef RM_RENAME_COUNT
#define rm_count rm_count_renamed
#endif


static int32_t s_state = 100 * VERSION;
static const char s_hello[] = "Hello, ";

static int32_t op_inc(int32_t x) { return x + VERSION; }
static int32_t op_dbl(int32_t x) { return 2 * x + VERSION; }
static int32_t (*const s_ops[2])(int32_t) = { op_inc, op_dbl };

int32_t rm_sum10(int32_t a1, int32_t a2, int32_t a3, int32_t a4, int32_t a5, int32_t a6, int32_t a7, int32_t a8,
                 int32_t a9, int32_t a10)
{
    return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8 + 9 * a9 + 10 * a10 + VERSION;
}

int64_t rm_wide(int32_t hi, uint32_t lo)
{
    return (int64_t)(((uint64_t)(uint32_t)hi << 32) | lo) + VERSION;
}

struct rm_pair rm_pair(int32_t a, int32_t b)
{
    struct rm_pair p = { a + VERSION, b - VERSION };
    return p;
}

struct rm_big rm_big(int32_t seed)
{
    struct rm_big big;
    for (int32_t i = 0; i < 6; i++) {
        big.w[i] = seed + i * VERSION;
    }
    return big;
}

double rm_double(int32_t pad, double d)
{
    /* Integer work on the bits: no soft-float helpers needed from the firmware. */
    union {
        double d;
        uint64_t u;
    } v = { .d = d };
    v.u += (uint64_t)(pad + VERSION);
    return v.d;
}

int32_t rm_fib(int32_t n)
{
    return n < 2 ? n + VERSION - 1 : rm_fib(n - 1) + rm_fib(n - 2);
}

int32_t rm_apply(int32_t (*cb)(int32_t, int32_t), int32_t x)
{
    return cb(x, VERSION) + fw_base;
}

int32_t (*rm_get_op(int32_t which))(int32_t)
{
    return s_ops[which & 1];
}

int32_t rm_count(void)
{
    return ++s_state;
}

int32_t rm_switch(int32_t x)
{
    switch (x) {
    case 0: return 10 * VERSION;
    case 1: return 11 + VERSION;
    case 2: return 12 * VERSION + 1;
    case 3: return 13 - VERSION;
    case 4: return 14 + 2 * VERSION;
    case 5: return 15 * VERSION;
    case 6: return 16 + 3 * VERSION;
    default: return -1;
    }
}

int32_t rm_greet(const char *name)
{
    return fw_puts(s_hello) + fw_puts(name) + 100 * VERSION;
}

int32_t rm_vsum(int32_t n, ...)
{
#ifdef RM_NO_VARARGS
    return n + VERSION;
#else
    va_list ap;
    va_start(ap, n);
    int32_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        total += va_arg(ap, int32_t);
    }
    va_end(ap);
    return total + VERSION;
#endif
}

#if VERSION == 1
/* Layout padding: shifts every later function and datum. */
__attribute__((used)) static volatile int32_t rm_pad_data[512] = { 1, 2, 3 };
__attribute__((used)) static int32_t rm_pad_fn(int32_t x)
{
    int32_t acc = 0;
    for (int32_t i = 0; i < x; i++) {
        acc += rm_pad_data[i & 511] * (i ^ x) + (acc >> 3) - (i * 7) + rm_pad_data[(i * 3) & 511];
        acc ^= rm_pad_data[(acc + i) & 511] + 0x1234 * i;
        acc += (acc << 2) - rm_pad_data[(i * 13) & 511];
    }
    return acc;
}
/* 2 KiB more code, after every export (never run), so v1's text is larger than v2's and v3's. */
__attribute__((used)) static void rm_pad_space(void)
{
    __asm__ volatile(".space 2048");
}
#endif
