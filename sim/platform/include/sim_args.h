/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_args.h
 * @brief Reading variadic arguments portably across the simulated architectures.
 *
 * rv32: a plain va_list. Xtensa (LLVM 22): va_arg is miscompiled, so the
 * variadic entry points are assembly (arch/xtensa/sim_start.S) that hand over
 * the six register argument words and a pointer to the caller's stack
 * arguments; this walks them by the windowed ABI: one word per 32-bit
 * argument, 64-bit arguments start at an even word, words 0-5 are registers,
 * the rest follow on the stack.
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>

#if defined(__XTENSA__)
typedef struct {
    const uint32_t *regs;   /*!< argument words 0-5 as saved by the entry */
    const uint32_t *stack;  /*!< argument word 6 onwards */
    unsigned index;         /*!< next word */
} sim_args_t;

static inline uint32_t sim_arg_word(sim_args_t *args)
{
    unsigned i = args->index++;
    return i < 6 ? args->regs[i] : args->stack[i - 6];
}

static inline uint32_t sim_arg_u32(sim_args_t *args)
{
    return sim_arg_word(args);
}

static inline uint64_t sim_arg_u64(sim_args_t *args)
{
    args->index = (args->index + 1) & ~1u;
    uint32_t lo = sim_arg_word(args);
    uint32_t hi = sim_arg_word(args);
    return ((uint64_t)hi << 32) | lo;
}

/** Arguments starting at word @p first of a variadic entry's frame. */
static inline sim_args_t sim_args_from_words(const uint32_t *regs, const uint32_t *stack, unsigned first)
{
    sim_args_t args = { regs, stack, first };
    return args;
}
#else
typedef struct {
    va_list ap;
} sim_args_t;

#define sim_arg_u32(args) va_arg((args)->ap, uint32_t)
#define sim_arg_u64(args) va_arg((args)->ap, uint64_t)
#endif

struct sim_file;
/** printf onto @p stream with arguments from @p args (the core behind every printf entry). */
int sim_format_args(struct sim_file *stream, const char *fmt, sim_args_t *args);
