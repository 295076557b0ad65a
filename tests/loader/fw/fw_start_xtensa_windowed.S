/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 *
 * Entry and system call gate of the loader test firmware on Xtensa Linux
 * (qemu-xtensa), windowed ABI: the kernel takes the number in a2 and the
 * arguments in a6, a3, a4, a5, a8, a9.
 */
    .text
    .p2align 2
.Lstart_c:
    .long fw_start_c
    .globl _start
_start:
    movi a0, 0
    mov a10, a1
    l32r a8, .Lstart_c
    callx8 a8
1:  j 1b

    .p2align 2
    .globl fw_syscall
fw_syscall:
    entry a1, 32
    mov a8, a7
    mov a9, a6
    mov a6, a3
    mov a3, a4
    mov a4, a5
    mov a5, a9
    l32i a9, a1, 32
    syscall
    retw
