/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file mod_main.c
 * @brief Loader test module, part 1: every kind of reference a real module makes.
 *
 * Calls into mod_util.c and into the firmware (absolute symbols from a
 * `sym = 0x...;` script), static and global data, firmware data, a function
 * pointer table, a switch that compiles to a jump table, string literals and
 * a large bss array whose far end needs offsets beyond 12 bits.
 */
#include <stdint.h>

#include "mod_api.h"

int32_t mod_counter = 7;
static int32_t s_hidden = 3;
static const char *const s_words[] = { "zero", "one", "two", "three" };
static int32_t s_big[20000];

static int32_t op_add(int32_t a, int32_t b) { return a + b; }
static int32_t op_sub(int32_t a, int32_t b) { return a - b; }
static int32_t op_mul(int32_t a, int32_t b) { return a * b; }

int32_t (*const mod_ops[])(int32_t, int32_t) = { op_add, op_sub, op_mul, util_max };

int32_t mod_apply(int32_t op, int32_t a, int32_t b)
{
    return mod_ops[op & 3](a, b);
}

int32_t mod_switch(int32_t x)
{
    switch (x) {
    case 0: return 11;
    case 1: return fw_add(x, 100);
    case 2: return 37 * x;
    case 3: return util_twice(x) + 5;
    case 4: return s_hidden + x;
    case 5: return -x;
    case 6: return fw_value + x;
    case 7: return mod_counter * 3;
    default: return 0;
    }
}

const char *mod_word(int32_t i)
{
    return s_words[i & 3];
}

int32_t mod_string_len(void)
{
    const char *s = "a string literal long enough to live in rodata";
    int32_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

int32_t mod_big(int32_t i)
{
    s_big[19999] = i;
    s_big[1000] = i + 1;
    fw_table[3] = i;
    return s_big[19999] + s_big[1000] + s_big[i & 7];
}

int32_t mod_touch_firmware(void)
{
    mod_counter++;
    s_hidden += fw_value;
    fw_log("touched");
    return mod_counter + s_hidden + util_sum3(1, 2, 3);
}
