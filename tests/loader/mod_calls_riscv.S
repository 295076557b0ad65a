/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 *
 * Loader test module: JAL (+-1 MiB) and CALL (auipc + jalr) into the
 * firmware (absolute symbols), the PC-relative references to firmware code
 * whose value changes with the module's address.
 */
    .option norelax
    .section .text.calls_fw, "ax"
    .global calls_fw
    .type calls_fw, @function
    .align 2
calls_fw:
    addi sp, sp, -16
    sw ra, 12(sp)
    call fw_log
    lw ra, 12(sp)
    addi sp, sp, 16
    beqz a0, 1f
    j fw_add
1:
    jal zero, fw_log
    .size calls_fw, . - calls_fw
