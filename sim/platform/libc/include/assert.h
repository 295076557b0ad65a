/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file assert.h
 * @brief assert() that prints the failed expression and aborts.
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((noreturn)) void __assert_func(const char *file, int line, const char *func, const char *expr);

#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) ((expr) ? (void)0 : __assert_func(__FILE__, __LINE__, __func__, #expr))
#endif

#ifndef __cplusplus
#define static_assert _Static_assert
#endif

#ifdef __cplusplus
}
#endif
