/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_loader.c
 * @brief The loaded module runs correctly: every calling shape through the
 *        stubs, calls inside the module, calls between module and firmware.
 */
#include <string.h>

#include "test_helpers.h"
#include "test_module.h"

TEST_CASE("ten int arguments pass through the stub", "[hotreload]")
{
    test_load_flashed_module();
    /* 1*1 + 2*2 + ... + 10*10 */
    TEST_ASSERT_EQUAL_INT(385, tm_sum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    TEST_ASSERT_EQUAL_INT(-385, tm_sum10(-1, -2, -3, -4, -5, -6, -7, -8, -9, -10));
}

TEST_CASE("64-bit arguments and result pass through the stub", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_TRUE(tm_mul64(0x100000001LL, 3) == 0x300000003LL);
    TEST_ASSERT_TRUE(tm_mul64(-4000000000LL, 2) == -8000000000LL);
}

TEST_CASE("structure returned by value passes through the stub", "[hotreload]")
{
    test_load_flashed_module();
    tm_quint_t q = tm_make_quint(40);
    TEST_ASSERT_EQUAL_INT32(40, q.a);
    TEST_ASSERT_EQUAL_INT32(41, q.b);
    TEST_ASSERT_EQUAL_INT32(42, q.c);
    TEST_ASSERT_EQUAL_INT32(43, q.d);
    TEST_ASSERT_EQUAL_INT32(44, q.e);
}

TEST_CASE("float and double pass through the stub", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_TRUE(tm_scale(1.5, 4.0f) == 6.0);
    TEST_ASSERT_TRUE(tm_scale(-0.25, 8.0f) == -2.0);
}

TEST_CASE("variadic functions pass through the stub", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_EQUAL_INT(15, tm_sum_varargs(5, 1, 2, 3, 4, 5));
    char buf[64];
    int n = tm_format(buf, sizeof(buf), "%s %d %u %x", "hot", -7, 42u, 0xbeefu);
    TEST_ASSERT_EQUAL_STRING("hot -7 42 beef", buf);
    TEST_ASSERT_EQUAL_INT((int)strlen(buf), n);
}

TEST_CASE("calls inside the module and jump tables work", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_EQUAL_UINT32(6765, tm_fib(20));
    /* x = 25 through ops 0..7: +1, square, <<3, -7, /3, ^0x55, negate, %10 */
    const int expected[] = { 26, 625, 200, 18, 8, 25 ^ 0x55, -25, 5 };
    for (int op = 0; op < 8; op++) {
        TEST_ASSERT_EQUAL_INT(expected[op], tm_apply(op, 25));
    }
    TEST_ASSERT_EQUAL_INT(0, tm_apply(8, 25));
}

static int fw_triple(int value, void *arg)
{
    *(int *)arg += 1;
    return value * 3;
}

TEST_CASE("module calls firmware callbacks and firmware functions", "[hotreload]")
{
    test_load_flashed_module();
    int calls = 0;
    /* (4 + 1) * 3 + 1 */
    TEST_ASSERT_EQUAL_INT(16, tm_call_back(fw_triple, &calls, 4));
    TEST_ASSERT_EQUAL_INT(1, calls);
    /* (5 + 1000) * 3 */
    TEST_ASSERT_EQUAL_INT(3015, tm_uses_firmware(5));
}

TEST_CASE("firmware calls module code through a function pointer", "[hotreload]")
{
    test_load_flashed_module();
    tm_callback_t doubler = tm_get_doubler();
    TEST_ASSERT_NOT_NULL(doubler);
    TEST_ASSERT_EQUAL_INT(42, doubler(21, NULL));
    /* The module can also be handed its own function back. */
    TEST_ASSERT_EQUAL_INT(2 * 11 + 1, tm_call_back(doubler, NULL, 10));
}

TEST_CASE("module data, read-only data and bss are placed and initialised", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_EQUAL_STRING("test_module v1", tm_version());
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL_INT(2, tm_counter_next());
    TEST_ASSERT_EQUAL_UINT32(0, tm_bss_checksum(1));
    /* sum over i of (1 + i) for i in 0..1023 */
    TEST_ASSERT_EQUAL_UINT32(1024 + 1023 * 1024 / 2, tm_bss_checksum(0));
}
