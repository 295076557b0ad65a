/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_start.S
 * @brief Process entry and the system call gate of the simulated RISC-V device (rv32 Linux).
 */
    .text
    .global _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    mv      a0, sp              /* argc, argv..., NULL, envp..., NULL, auxv */
    andi    sp, sp, -16
    call    sim_start_c
1:  j       1b
    .size _start, . - _start

/* long sim_syscall(long nr, long a, long b, long c, long d, long e, long f):
 * the kernel takes the number in a7 and the arguments in a0-a5. */
    .global sim_syscall
    .type sim_syscall, @function
sim_syscall:
    mv      a7, a0
    mv      a0, a1
    mv      a1, a2
    mv      a2, a3
    mv      a3, a4
    mv      a4, a5
    mv      a5, a6
    ecall
    ret
    .size sim_syscall, . - sim_syscall
