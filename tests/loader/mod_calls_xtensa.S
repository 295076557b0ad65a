/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 *
 * Loader test module: direct CALL0 and J into the firmware (absolute
 * symbols). Compilers call through L32R + CALLXn; a hand-written CALLn is the
 * one PC-relative reference to firmware code whose range can run out. CALL0
 * rather than CALL8 because the GNU ld available (lx106, no windowed option)
 * rejects CALL8 relocations, and the test compares with it; both share the
 * CALL format the loader encodes.
 */
    .section .text.calls_fw, "ax"
    .global calls_fw
    .type calls_fw, @function
    .align 4
calls_fw:
    call0 fw_add
    bnez a2, 1f
    j fw_log
1:
    ret
    .size calls_fw, . - calls_fw
