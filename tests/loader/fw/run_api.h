/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file run_api.h
 * @brief Exports of the module the QEMU test firmware loads (run_mod.c), and the firmware symbols it uses.
 */
#pragma once

#include <stdint.h>

struct rm_pair {
    int32_t a;
    int32_t b;
};

struct rm_big {
    int32_t w[6];
};

/* Module exports: one per call shape. */
int32_t rm_sum10(int32_t a1, int32_t a2, int32_t a3, int32_t a4, int32_t a5, int32_t a6, int32_t a7, int32_t a8,
                 int32_t a9, int32_t a10);
int64_t rm_wide(int32_t hi, uint32_t lo);
struct rm_pair rm_pair(int32_t a, int32_t b);
struct rm_big rm_big(int32_t seed);
double rm_double(int32_t pad, double d);
int32_t rm_fib(int32_t n);
int32_t rm_apply(int32_t (*cb)(int32_t, int32_t), int32_t x);
int32_t (*rm_get_op(int32_t which))(int32_t);
int32_t rm_count(void);
int32_t rm_switch(int32_t x);
int32_t rm_greet(const char *name);
int32_t rm_vsum(int32_t n, ...);

/* Firmware symbols the module uses (absolute addresses in the module link). */
extern int32_t fw_base;
int32_t fw_puts(const char *s);
