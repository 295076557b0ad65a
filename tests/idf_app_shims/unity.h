/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file unity.h
 * @brief The Unity assertions and ESP-IDF's TEST_CASE, type-checked but not run.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void unity_run_menu(void);
void unity_fail(const char *message);

#define UNITY_CHECK_(cond, msg) do { if (!(cond)) { unity_fail(msg); } } while (0)

#define TEST_ASSERT_TRUE(c)                    UNITY_CHECK_((c), #c)
#define TEST_ASSERT_FALSE(c)                   UNITY_CHECK_(!(c), #c)
#define TEST_ASSERT_NOT_NULL(p)                UNITY_CHECK_((p) != NULL, #p)
#define TEST_ASSERT_EQUAL(e, a)                UNITY_CHECK_((e) == (a), #a)
#define TEST_ASSERT_NOT_EQUAL(e, a)            UNITY_CHECK_((e) != (a), #a)
#define TEST_ASSERT_EQUAL_MESSAGE(e, a, m)     UNITY_CHECK_((e) == (a), (m))
#define TEST_ASSERT_NOT_EQUAL_MESSAGE(e, a, m) UNITY_CHECK_((e) != (a), (m))
#define TEST_ASSERT_EQUAL_INT(e, a)            UNITY_CHECK_((int)(e) == (int)(a), #a)
#define TEST_ASSERT_EQUAL_INT32(e, a)          UNITY_CHECK_((int32_t)(e) == (int32_t)(a), #a)
#define TEST_ASSERT_EQUAL_UINT32(e, a)         UNITY_CHECK_((uint32_t)(e) == (uint32_t)(a), #a)
#define TEST_ASSERT_EQUAL_STRING(e, a)         UNITY_CHECK_(strcmp((e), (a)) == 0, #a)
#define TEST_ASSERT_GREATER_THAN(t, a)         UNITY_CHECK_((a) > (t), #a)
#define TEST_ASSERT_GREATER_THAN_UINT32(t, a)  UNITY_CHECK_((uint32_t)(a) > (uint32_t)(t), #a)
#define TEST_ASSERT_LESS_THAN(t, a)            UNITY_CHECK_((a) < (t), #a)
#define TEST_IGNORE_MESSAGE(m)                 do { unity_fail(m); return; } while (0)

#define UNITY_CAT2_(a, b) a##b
#define UNITY_CAT_(a, b)  UNITY_CAT2_(a, b)
/** ESP-IDF's TEST_CASE(name, tags): a static test function registered at start-up. */
#define TEST_CASE(name, tags)                                                                  \
    static void UNITY_CAT_(test_case_fn_, __LINE__)(void);                                     \
    __attribute__((constructor)) static void UNITY_CAT_(test_case_reg_, __LINE__)(void)        \
    {                                                                                          \
        (void)(name);                                                                          \
        (void)(tags);                                                                          \
        (void)UNITY_CAT_(test_case_fn_, __LINE__);                                             \
    }                                                                                          \
    static void UNITY_CAT_(test_case_fn_, __LINE__)(void)
