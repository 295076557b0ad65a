/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 *
 * Entry and system call gate of the loader test firmware on rv32 Linux
 * (qemu-riscv32): number in a7, arguments in a0-a5.
 */
    .text
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    mv a0, sp
    andi sp, sp, -16
    call fw_start_c
1:  j 1b

    .globl fw_syscall
fw_syscall:
    mv a7, a0
    mv a0, a1
    mv a1, a2
    mv a2, a3
    mv a3, a4
    mv a4, a5
    mv a5, a6
    ecall
    ret
