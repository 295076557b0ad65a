/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 *
 * Loader test module: label differences between sections, which GNU as
 * emits as ADD/SUB pairs of 8, 16 and 32 bits (and an ALIGN marker for the
 * code), and SET/SUB pairs of 6, 8, 16 and 32 bits. Moving the sections
 * apart changes every difference.
 */
    .section .text.diffs_fn, "ax"
    .global diffs_fn
    .type diffs_fn, @function
    .align 2
diffs_fn:
    lui a0, %hi(diffs_table)
    addi a0, a0, %lo(diffs_table)
    ret
.Ltext_end:
    .size diffs_fn, . - diffs_fn

    .section .data.diffs_data, "aw"
    .align 2
.Ldata:
    .word 0x11111111
    .word 0x22222222

    .section .rodata.diffs_table, "a"
    .align 2
    .global diffs_table
diffs_table:
    .word .Ldata - diffs_fn          /* R_RISCV_ADD32 .Ldata, R_RISCV_SUB32 diffs_fn */
    .word .Ldata + 4 - .Ltext_end
    .half .Ldata - diffs_table + 0x100   /* ADD16 / SUB16 */
    .byte .Ldata - diffs_fn + 3          /* ADD8 / SUB8 */
    .byte 0
    .word diffs_fn - .               /* ADD32 diffs_fn / SUB32 here */
    /* SET/SUB pairs, as DWARF call frame data uses them, written out with .reloc. */
.Lset32:
    .word 0
    .reloc .Lset32, R_RISCV_SET32, .Ldata + 8
    .reloc .Lset32, R_RISCV_SUB32, diffs_fn
.Lset16:
    .half 0
    .reloc .Lset16, R_RISCV_SET16, .Ldata
    .reloc .Lset16, R_RISCV_SUB16, diffs_fn
.Lset8:
    .byte 0
    .reloc .Lset8, R_RISCV_SET8, .Ldata + 1
    .reloc .Lset8, R_RISCV_SUB8, diffs_fn
.Lset6:
    .byte 0xc0
    .reloc .Lset6, R_RISCV_SET6, .Ldata + 5
    .reloc .Lset6, R_RISCV_SUB6, diffs_fn
