/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_module.h
 * @brief Reloadable functions of the test app: every calling shape the stubs
 *        must forward unchanged, plus state, callbacks and firmware calls.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Returned by value: larger than two registers, so the caller passes a hidden pointer. */
typedef struct {
    int32_t a;
    int32_t b;
    int32_t c;
    int32_t d;
    int32_t e;
} tm_quint_t;

/** A firmware callback the module calls back. */
typedef int (*tm_callback_t)(int value, void *arg);

/** Ten arguments: more than the argument registers, the rest go on the stack. */
int tm_sum10(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9);
/** 64-bit arguments and result (register pairs, libgcc multiply). */
int64_t tm_mul64(int64_t a, int64_t b);
/** A structure returned by value. */
tm_quint_t tm_make_quint(int32_t base);
/** Floating point in and out (soft-float or FPU, as the firmware is built). */
double tm_scale(double value, float factor);
/** A variadic function: sums @p count int arguments. */
int tm_sum_varargs(int count, ...);
/** Formats into @p buf through the C library's vsnprintf. */
int tm_format(char *buf, size_t size, const char *fmt, ...);
/** Recursion inside the module (calls itself directly, not through the stub). */
uint32_t tm_fib(uint32_t n);
/** A switch dense enough for a jump table (relocated data pointing at code): operation @p op on @p x. */
int tm_apply(int op, int x);
/** Calls @p cb from module code: a call from the module back into the firmware. */
int tm_call_back(tm_callback_t cb, void *arg, int value);
/** A pointer to a module function that the firmware then calls directly. */
tm_callback_t tm_get_doubler(void);
/** Calls the firmware's test_fw_offset(): a call to an absolute firmware address. */
int tm_uses_firmware(int value);
/** Static state: 1, 2, 3 ... and back to 1 after each reload (new data section). */
int tm_counter_next(void);
/** A string literal in the module's read-only data. */
const char *tm_version(void);
/** Writes and sums a 4 KB zero-initialised array (bss). */
uint32_t tm_bss_checksum(uint32_t seed);

/** Defined in the firmware (main); the module calls it. */
int test_fw_offset(int value);

#ifdef __cplusplus
}
#endif
