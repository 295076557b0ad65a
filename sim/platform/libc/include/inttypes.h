/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file inttypes.h
 * @brief printf format macros for <stdint.h> types, matching each compiler's uint32_t.
 */
#pragma once

#include <stdint.h>

#if defined(__UINT32_FMTu__)
#define __SIM_PRI32 ""
#if defined(__riscv) && !defined(__clang__)
#undef __SIM_PRI32
#define __SIM_PRI32 "l"
#endif
#elif defined(__riscv)
#define __SIM_PRI32 "l"
#else
#define __SIM_PRI32 ""
#endif

#define PRId8 "d"
#define PRIi8 "i"
#define PRIu8 "u"
#define PRIx8 "x"
#define PRId16 "d"
#define PRIi16 "i"
#define PRIu16 "u"
#define PRIx16 "x"
#define PRIX16 "X"
#define PRId32 __SIM_PRI32 "d"
#define PRIi32 __SIM_PRI32 "i"
#define PRIu32 __SIM_PRI32 "u"
#define PRIx32 __SIM_PRI32 "x"
#define PRIX32 __SIM_PRI32 "X"
#define PRId64 "lld"
#define PRIi64 "lli"
#define PRIu64 "llu"
#define PRIx64 "llx"
#define PRIX64 "llX"
#define PRIuPTR "u"
#define PRIxPTR "x"
