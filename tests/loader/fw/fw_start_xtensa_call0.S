/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 *
 * Entry and system call gate of the loader test firmware on Xtensa Linux
 * (qemu-xtensa), call0 ABI (GCC for lx106): arguments arrive in a2-a7 and
 * on the stack; the kernel takes the number in a2 and the arguments in a6,
 * a3, a4, a5, a8, a9.
 */
    .text
    .literal_position
    .p2align 2
    .globl _start
_start:
    movi a0, 0
    mov a2, a1
    call0 fw_start_c
1:  j 1b

    .p2align 2
    .globl fw_syscall
fw_syscall:
    mov a8, a7
    mov a9, a6
    mov a6, a3
    mov a3, a4
    mov a4, a5
    mov a5, a9
    l32i a9, a1, 0
    syscall
    ret
