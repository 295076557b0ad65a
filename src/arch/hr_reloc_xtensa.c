/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_reloc_xtensa.c
 * @brief Xtensa relocations (ESP32, ESP32-S2, ESP32-S3), windowed and call0 code.
 *
 * Encodings: Xtensa Instruction Set Architecture Reference Manual (instruction
 * formats CALL, CALLX, BRI8, BRI12, RI16, RRI8, RI6); relocation semantics:
 * binutils bfd/elf32-xtensa.c. S = new symbol address, A = addend, P = new
 * place address; instructions are little-endian, 3 bytes (2 for narrow ones).
 *
 * SLOT0_OP names the instruction's PC-relative operand: the loader decodes
 * the opcode to find the field, moves the target with its symbol's section,
 * re-encodes it for the new P and checks the range. R_XTENSA_32 is "partial
 * in place" in binutils (the field's previous contents are added), so it is
 * applied as a change: word += S - S_link, which yields the bytes GNU ld
 * writes for the new S whatever the assembler left in the field. DIFF
 * relocations describe differences between two points of one section, which
 * moves as a whole: nothing to do.
 */
#include "esp_check.h"
#include "esp_log.h"
#include "hr_priv.h"

static const char *TAG = "hr_elf";

/** Major opcodes (op0, bits 3:0) that carry a PC-relative operand. */
#define OP0_L32R 0x1   /* L32R */
#define OP0_CALL 0x5   /* CALL0/4/8/12 */
#define OP0_SI   0x6   /* J (n=0), BZ group (n=1), BI0 group (n=2), BI1 group (n=3) */
#define OP0_B    0x7   /* two-register branches */
#define OP0_ST3N 0xc   /* narrow: MOVI.N (bit 7 clear), BEQZ.N/BNEZ.N (bit 7 set) */

/** L32R reaches 1..65536 words back from (P + 3) & ~3. */
#define L32R_MIN_WORDS (-65536)
/** CALLn and J: signed 18-bit offset (words for CALLn, bytes for J). */
#define CALL_J_BITS 18
/** BEQZ/BNEZ/BLTZ/BGEZ: signed 12-bit byte offset. */
#define BRI12_BITS 12
/** BEQI, BEQ, BT, ... : signed 8-bit byte offset. */
#define BRI8_BITS 8
/** LOOP/LOOPNEZ/LOOPGTZ: unsigned 8-bit byte offset. */
#define LOOP_MAX 255
/** BEQZ.N/BNEZ.N: unsigned 6-bit byte offset. */
#define RI6_MAX 63

static inline bool fits_signed(int32_t v, unsigned width)
{
    int32_t limit = (int32_t)1 << (width - 1);
    return v >= -limit && v < limit;
}

/* The check is inline and its log out of line, taking values: a pointer to r
 * passed to a call would keep the hot loop's hr_reloc_t in memory. */
__attribute__((noinline, cold)) static esp_err_t need_failed(uint32_t index, uint32_t type, uint32_t bytes)
{
    ESP_LOGE(TAG, "relocation %u (type %u): %u-byte field runs past its section", (unsigned)index, (unsigned)type,
             (unsigned)bytes);
    return ESP_ERR_INVALID_SIZE;
}

static inline esp_err_t need(const hr_reloc_t *r, uint32_t bytes)
{
    return bytes <= r->avail ? ESP_OK : need_failed(r->index, r->type, bytes);
}

/** The instruction formats whose operand a SLOT0_OP relocation can name. */
typedef enum {
    FMT_NONE,
    FMT_L32R,   /* RI16: addr = ((P + 3) & ~3) + (sext(0xffff0000 | imm16) << 2), imm16 in bits 23:8 */
    FMT_CALL,   /* CALLn: target = (P & ~3) + 4 + (sext(offset18) << 2), offset in bits 23:6 */
    FMT_J,      /* J: target = P + 4 + sext(offset18), offset in bits 23:6 */
    FMT_BRI12,  /* BEQZ/BNEZ/BLTZ/BGEZ: target = P + 4 + sext(imm12), imm12 in bits 23:12 */
    FMT_BRI8,   /* BEQI.., BLTUI, BGEUI, BF, BT, RRI8 branches: target = P + 4 + sext(imm8), bits 23:16 */
    FMT_LOOP,   /* LOOP/LOOPNEZ/LOOPGTZ: loop end = P + 4 + imm8 (unsigned), bits 23:16 */
    FMT_RI6,    /* BEQZ.N/BNEZ.N: target = P + 4 + imm6 (unsigned), imm6[5:4] bits 5:4, imm6[3:0] bits 15:12 */
} insn_fmt_t;

static const char *const s_fmt_names[] = { "?", "L32R", "CALLn", "J", "BRI12 branch", "BRI8 branch", "LOOP",
                                           "BxxZ.N" };

/** Format of the (3-byte, or 2-byte narrow) instruction @p insn; FMT_NONE when it has no PC-relative operand. */
static insn_fmt_t insn_format(uint32_t insn)
{
    uint32_t op0 = insn & 0xfu;
    uint32_t n = (insn >> 4) & 0x3u;
    uint32_t m = (insn >> 6) & 0x3u;
    uint32_t r = (insn >> 12) & 0xfu;
    switch (op0) {
    case OP0_L32R:
        return FMT_L32R;
    case OP0_CALL:
        return FMT_CALL;
    case OP0_SI:
        if (n == 0) {
            return FMT_J;
        }
        if (n == 1) {
            return FMT_BRI12;
        }
        if (n == 2 || m >= 2 || (m == 1 && r < 2)) {
            return FMT_BRI8;   /* BI0 group, BLTUI/BGEUI, BF/BT */
        }
        if (m == 1 && r >= 8 && r <= 10) {
            return FMT_LOOP;
        }
        return FMT_NONE;       /* ENTRY and friends */
    case OP0_B:
        return FMT_BRI8;
    case OP0_ST3N:
        return (insn & 0x80u) ? FMT_RI6 : FMT_NONE;
    default:
        return FMT_NONE;
    }
}

static inline int32_t sext(uint32_t v, unsigned width)
{
    uint32_t m = 1u << (width - 1);
    v &= (1u << width) - 1u;
    return (int32_t)((v ^ m) - m);
}

/** Target the operand of @p insn at address @p p currently encodes. */
static uint32_t decode_target(insn_fmt_t fmt, uint32_t insn, uint32_t p)
{
    switch (fmt) {
    case FMT_L32R:
        return ((p + 3) & ~3u) + ((0xffff0000u | ((insn >> 8) & 0xffffu)) << 2);
    case FMT_CALL:
        return (p & ~3u) + 4 + ((uint32_t)sext(insn >> 6, 18) << 2);
    case FMT_J:
        return p + 4 + (uint32_t)sext(insn >> 6, 18);
    case FMT_BRI12:
        return p + 4 + (uint32_t)sext(insn >> 12, 12);
    case FMT_BRI8:
        return p + 4 + (uint32_t)sext(insn >> 16, 8);
    case FMT_LOOP:
        return p + 4 + ((insn >> 16) & 0xffu);
    case FMT_RI6:
        return p + 4 + ((insn & 0x30u) | ((insn >> 12) & 0xfu));
    default:
        return 0;
    }
}

/** @p insn with its operand set to reach @p target from @p p; false when out of range or misaligned. */
static bool encode_target(insn_fmt_t fmt, uint32_t *insn, uint32_t p, uint32_t target)
{
    int32_t d = (int32_t)(target - (p + 4));
    switch (fmt) {
    case FMT_L32R: {
        int32_t words = (int32_t)(target - ((p + 3) & ~3u)) / 4;
        if ((target & 3u) || words < L32R_MIN_WORDS || words >= 0) {
            return false;
        }
        *insn = (*insn & 0xffu) | (((uint32_t)words & 0xffffu) << 8);
        return true;
    }
    case FMT_CALL: {
        int32_t diff = (int32_t)(target - ((p & ~3u) + 4));
        if ((diff & 3) || !fits_signed(diff / 4, CALL_J_BITS)) {
            return false;
        }
        *insn = (*insn & 0x3fu) | (((uint32_t)(diff / 4) & 0x3ffffu) << 6);
        return true;
    }
    case FMT_J:
        if (!fits_signed(d, CALL_J_BITS)) {
            return false;
        }
        *insn = (*insn & 0x3fu) | (((uint32_t)d & 0x3ffffu) << 6);
        return true;
    case FMT_BRI12:
        if (!fits_signed(d, BRI12_BITS)) {
            return false;
        }
        *insn = (*insn & 0xfffu) | (((uint32_t)d & 0xfffu) << 12);
        return true;
    case FMT_BRI8:
        if (!fits_signed(d, BRI8_BITS)) {
            return false;
        }
        *insn = (*insn & 0xffffu) | (((uint32_t)d & 0xffu) << 16);
        return true;
    case FMT_LOOP:
        if (d < 0 || d > LOOP_MAX) {
            return false;
        }
        *insn = (*insn & 0xffffu) | ((uint32_t)d << 16);
        return true;
    case FMT_RI6:
        if (d < 0 || d > RI6_MAX) {
            return false;
        }
        *insn = (*insn & 0x0fcfu) | ((uint32_t)d & 0x30u) | (((uint32_t)d & 0xfu) << 12);
        return true;
    default:
        return false;
    }
}

/**
 * SLOT0_OP: move the PC-relative operand of the instruction at P.
 *
 * The target is read back from the linked instruction and moved with its
 * symbol's section (T = T_link + S - S_link) rather than taken from S + A:
 * GNU ld does not rebase the addends of section-symbol relocations it emits
 * for Xtensa (it treats them as partial in place), so A may be stale, while
 * the instruction itself holds the exact link-time target.
 */
__attribute__((noinline)) static esp_err_t slot0_op_move(const hr_reloc_t r_copy)
{
    const hr_reloc_t *r = &r_copy;
    uint32_t op0 = hr_place_read(r, 0, 1) & 0xfu;
    /* Opcodes 0x8..0xf are 2-byte narrow instructions (code density option). */
    unsigned len = op0 >= 0x8 ? 2 : 3;
    ESP_RETURN_ON_ERROR(need(r, len), TAG, "place");
    uint32_t insn = hr_place_read(r, 0, len);
    insn_fmt_t fmt = insn_format(insn);
    if (fmt == FMT_NONE) {
        ESP_LOGE(TAG, "relocation %u: SLOT0_OP on instruction 0x%06x at 0x%08x, which has no PC-relative "
                 "operand the loader knows", (unsigned)r->index, (unsigned)insn, (unsigned)r->p);
        return ESP_ERR_NOT_SUPPORTED;
    }
    uint32_t target = decode_target(fmt, insn, r->p_link) + (r->s - r->s_link);
    if (!encode_target(fmt, &insn, r->p, target)) {
        ESP_LOGE(TAG, "relocation %u: %s at 0x%08x cannot reach 0x%08x (out of range or misaligned)",
                 (unsigned)r->index, s_fmt_names[fmt], (unsigned)r->p, (unsigned)target);
        return ESP_ERR_NOT_SUPPORTED;
    }
    hr_place_write(r, 0, len, insn);
    return ESP_OK;
}

/**
 * SLOT0_OP, before hr_reloc_locate: the common case needs no place pointers. The re-encoding is out
 * of line and takes a copy of @p r, so r stays in registers.
 */
static inline esp_err_t slot0_op(const hr_reloc_env_t *env, hr_reloc_t *r)
{
    uint32_t avail = env->size - (r->p_link - env->link_addr);  /* >= 1: hr_reloc_load checked the place */
    if (r->s - r->s_link == env->moved && (env->moved & 3u) == 0 && avail >= 2) {
        /* Place and target moved together by whole words (a branch, call or L32R inside one section) and
         * the narrowest instruction fits: every operand format is PC-relative, so it is already right. */
        return ESP_OK;
    }
    hr_reloc_locate(env, r);
    ESP_RETURN_ON_ERROR(need(r, 2), TAG, "place");
    return slot0_op_move(*r);
}

/**
 * Types with nothing to apply: ASM_EXPAND and ASM_SIMPLIFY mark calls the
 * linker may shorten (modules are linked with --no-relax); the DIFF family
 * are differences inside one section, which moved as a whole; VTINHERIT and
 * VTENTRY are for garbage collection. A mask: the loop tests it before
 * decoding anything else.
 */
#define MARKER(t) (UINT64_C(1) << (t))
#define MARKERS (MARKER(R_XTENSA_NONE) | MARKER(R_XTENSA_ASM_EXPAND) | MARKER(R_XTENSA_ASM_SIMPLIFY) | \
                 MARKER(R_XTENSA_DIFF8) | MARKER(R_XTENSA_DIFF16) | MARKER(R_XTENSA_DIFF32) | \
                 MARKER(R_XTENSA_PDIFF8) | MARKER(R_XTENSA_PDIFF16) | MARKER(R_XTENSA_PDIFF32) | \
                 MARKER(R_XTENSA_NDIFF8) | MARKER(R_XTENSA_NDIFF16) | MARKER(R_XTENSA_NDIFF32) | \
                 MARKER(R_XTENSA_GNU_VTINHERIT) | MARKER(R_XTENSA_GNU_VTENTRY))

/** Apply one relocation other than a marker whose symbol is resolved (r->s, r->s_link). */
__attribute__((always_inline)) static inline esp_err_t relocate_one(const hr_reloc_env_t *env, hr_reloc_t *r)
{
    /* Three types do work: tested in order of frequency in compiled code (SLOT0_OP on every branch, call
     * and L32R; 32 in literal pools and data), where a switch leaves the order to the compiler. */
    if (r->type == R_XTENSA_SLOT0_OP) {
        return slot0_op(env, r);
    }
    hr_reloc_locate(env, r);
    if (r->type == R_XTENSA_32) {           /* word32 = S + A (in place: word += S - S_link) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, hr_place_read(r, 0, 4) + (r->s - r->s_link));
        return ESP_OK;
    }
    if (r->type == R_XTENSA_32_PCREL) {     /* word32 = S + A - P (in place: word += (S - S_link) - (P - P_link)) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, hr_place_read(r, 0, 4) + (r->s - r->s_link) - (r->p - r->p_link));
        return ESP_OK;
    }
    ESP_LOGE(TAG, "relocation %u: Xtensa relocation type %u is not supported (only slot 0 of single-slot "
             "instructions, no FLIX, PLT or TLS)", (unsigned)r->index, (unsigned)r->type);
    return ESP_ERR_NOT_SUPPORTED;
}

esp_err_t hr_arch_relocate(const hr_rela_run_t *run, uint32_t first, uint32_t count)
{
    ESP_RETURN_ON_ERROR(hr_reloc_run(run, first, count, MARKERS, relocate_one), TAG, "relocation section %u",
                        (unsigned)run->section);
    return ESP_OK;
}
