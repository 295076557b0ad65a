/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_start.S
 * @brief Process entry, system call gate and variadic entry points of the
 *        simulated Xtensa device (windowed ABI, Linux user mode).
 *
 * Calls go through l32r + callx: the GNU ld of binutils-xtensa-lx106 knows no
 * windowed call relocations, and every literal sits before all code.
 */

    .section .literal, "ax"
    .p2align 2
.Lstart_c:
    .long sim_start_c

    .text
    .global _start
    .type _start, @function
    .p2align 2
_start:
    movi    a0, 0               /* no caller: ends backtraces */
    mov     a6, a1              /* argc, argv..., NULL, envp..., NULL, auxv */
    l32r    a4, .Lstart_c
    callx4  a4
1:  j       1b
    .size _start, . - _start

/* long sim_syscall(long nr, long a, long b, long c, long d, long e, long f):
 * the kernel takes the number in a2 and the arguments in a6, a3, a4, a5, a8, a9.
 * The seventh C argument arrives on the caller's stack (at our a1 + frame size). */
    .global sim_syscall
    .type sim_syscall, @function
    .p2align 2
sim_syscall:
    entry   a1, 32
    l32i    a9, a1, 32
    mov     a8, a7
    mov     a10, a6
    mov     a6, a3
    mov     a3, a4
    mov     a4, a5
    mov     a5, a10
    syscall
    retw
    .size sim_syscall, . - sim_syscall

#include "sim_variadic.inc"

    SIM_VARIADIC printf, sim_printf_words
    SIM_VARIADIC fprintf, sim_fprintf_words
    SIM_VARIADIC snprintf, sim_snprintf_words
    SIM_VARIADIC sprintf, sim_sprintf_words
    SIM_VARIADIC open, sim_open_words

    /* No executable stack. */
    .section .note.GNU-stack, "", @progbits
