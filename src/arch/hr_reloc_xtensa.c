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
 * the opcode to find the field, recomputes it for the new P and checks the
 * range. R_XTENSA_32 is "partial in place" in binutils (the field's previous
 * contents are added), so it is applied as a change: word += S - S_link,
 * which yields the bytes GNU ld writes for the new S whatever the assembler
 * left in the field. DIFF relocations describe differences between two
 * points of one section, which moves as a whole: nothing to do.
 */
#include "esp_check.h"
#include "esp_log.h"
#include "hr_priv.h"

static const char *TAG = "hr_elf";

/** Major opcodes (op0, bits 3:0) that carry a PC-relative operand. */
#define OP0_L32R 0x1   /* RI16: literal load, 16-bit negative word offset */
#define OP0_CALL 0x5   /* CALL: CALL0/4/8/12, 18-bit word offset */
#define OP0_SI   0x6   /* CALL format: J (n=0), BRI12 BZ (n=1), BRI8 BI0 (n=2), BI1 group (n=3) */
#define OP0_B    0x7   /* RRI8: two-register branches, 8-bit offset */
#define OP0_ST3N 0xc   /* RI6 (narrow): BEQZ.N/BNEZ.N when bit 7 is set, 6-bit unsigned offset */

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

static esp_err_t need(const hr_reloc_t *r, uint32_t bytes)
{
    ESP_RETURN_ON_FALSE(bytes <= r->avail, ESP_ERR_INVALID_SIZE, TAG,
                        "relocation %u (type %u): %u-byte field runs past its section", (unsigned)r->index,
                        (unsigned)r->type, (unsigned)bytes);
    return ESP_OK;
}

static esp_err_t out_of_range(const hr_reloc_t *r, const char *what, int32_t offset)
{
    ESP_LOGE(TAG, "relocation %u: %s at 0x%08x cannot reach 0x%08x (offset %d is out of range or misaligned)",
             (unsigned)r->index, what, (unsigned)r->p, (unsigned)(r->s + (uint32_t)r->a), (int)offset);
    return ESP_ERR_NOT_SUPPORTED;
}

/** SLOT0_OP: rewrite the PC-relative operand of the instruction at P to reach S + A. */
static esp_err_t slot0_op(const hr_reloc_t *r)
{
    uint32_t target = r->s + (uint32_t)r->a;
    ESP_RETURN_ON_ERROR(need(r, 2), TAG, "place");
    uint32_t op0 = hr_place_read(r, 0, 1) & 0xfu;

    if (op0 == OP0_ST3N) {
        /* RI6: BEQZ.N/BNEZ.N (bit 7 = 1), target = P + 4 + imm6, imm6[5:4] in bits 5:4, imm6[3:0] in 15:12. */
        uint32_t insn = hr_place_read(r, 0, 2);
        int32_t offset = (int32_t)(target - (r->p + 4));
        if (!(insn & 0x80u)) {
            return out_of_range(r, "MOVI.N (no PC-relative operand)", 0);
        }
        if (offset < 0 || offset > RI6_MAX) {
            return out_of_range(r, "BxxZ.N", offset);
        }
        insn = (insn & 0x0fcfu) | (((uint32_t)offset & 0x30u)) | (((uint32_t)offset & 0xfu) << 12);
        hr_place_write(r, 0, 2, insn);
        return ESP_OK;
    }

    ESP_RETURN_ON_ERROR(need(r, 3), TAG, "place");
    uint32_t insn = hr_place_read(r, 0, 3);
    uint32_t n = (insn >> 4) & 0x3u;
    uint32_t m = (insn >> 6) & 0x3u;

    switch (op0) {
    case OP0_L32R: {
        /* RI16: address = ((P + 3) & ~3) + (sext(0xffff0000 | imm16) << 2); imm16 in bits 23:8. */
        uint32_t base = (r->p + 3) & ~3u;
        int32_t words = (int32_t)(target - base) >> 2;
        if ((target & 3u) || words < L32R_MIN_WORDS || words >= 0) {
            return out_of_range(r, "L32R", (int32_t)(target - base));
        }
        insn = (insn & 0xffu) | (((uint32_t)words & 0xffffu) << 8);
        break;
    }
    case OP0_CALL: {
        /* CALLn: target = (P & ~3) + 4 + (sext(offset18) << 2); offset in bits 23:6. */
        int32_t diff = (int32_t)(target - ((r->p & ~3u) + 4));
        if ((diff & 3) || !fits_signed(diff >> 2, CALL_J_BITS)) {
            return out_of_range(r, "CALLn", diff);
        }
        insn = (insn & 0x3fu) | (((uint32_t)(diff >> 2) & 0x3ffffu) << 6);
        break;
    }
    case OP0_SI: {
        int32_t diff = (int32_t)(target - (r->p + 4));
        if (n == 0) {
            /* J: target = P + 4 + sext(offset18); offset in bits 23:6. */
            if (!fits_signed(diff, CALL_J_BITS)) {
                return out_of_range(r, "J", diff);
            }
            insn = (insn & 0x3fu) | (((uint32_t)diff & 0x3ffffu) << 6);
        } else if (n == 1) {
            /* BRI12 (BEQZ, BNEZ, BLTZ, BGEZ): target = P + 4 + sext(imm12); imm12 in bits 23:12. */
            if (!fits_signed(diff, BRI12_BITS)) {
                return out_of_range(r, "BxxZ", diff);
            }
            insn = (insn & 0xfffu) | (((uint32_t)diff & 0xfffu) << 12);
        } else if (n == 2 || (n == 3 && m >= 2) || (n == 3 && m == 1 && ((insn >> 12) & 0xfu) < 2)) {
            /* BRI8 (BEQI.. , BLTUI, BGEUI, BF, BT): target = P + 4 + sext(imm8); imm8 in bits 23:16. */
            if (!fits_signed(diff, BRI8_BITS)) {
                return out_of_range(r, "BRI8 branch", diff);
            }
            insn = (insn & 0xffffu) | (((uint32_t)diff & 0xffu) << 16);
        } else if (n == 3 && m == 1 && ((insn >> 12) & 0xfu) >= 8 && ((insn >> 12) & 0xfu) <= 10) {
            /* LOOP, LOOPNEZ, LOOPGTZ: loop end = P + 4 + imm8 (unsigned); imm8 in bits 23:16. */
            if (diff < 0 || diff > LOOP_MAX) {
                return out_of_range(r, "LOOP", diff);
            }
            insn = (insn & 0xffffu) | (((uint32_t)diff & 0xffu) << 16);
        } else {
            return out_of_range(r, "instruction without a PC-relative operand (ENTRY?)", diff);
        }
        break;
    }
    case OP0_B: {
        /* RRI8 branches (BEQ, BNE, BLT, BALL, BBC, ...): target = P + 4 + sext(imm8); imm8 in bits 23:16. */
        int32_t diff = (int32_t)(target - (r->p + 4));
        if (!fits_signed(diff, BRI8_BITS)) {
            return out_of_range(r, "RRI8 branch", diff);
        }
        insn = (insn & 0xffffu) | (((uint32_t)diff & 0xffu) << 16);
        break;
    }
    default:
        ESP_LOGE(TAG, "relocation %u: SLOT0_OP on opcode 0x%x at 0x%08x, which has no PC-relative operand the "
                 "loader knows", (unsigned)r->index, (unsigned)op0, (unsigned)r->p);
        return ESP_ERR_NOT_SUPPORTED;
    }
    hr_place_write(r, 0, 3, insn);
    return ESP_OK;
}

esp_err_t hr_arch_relocate(const hr_reloc_t *r)
{
    if (r->phase == HR_RELOC_PREPARE) {
        return ESP_OK;
    }
    switch (r->type) {
    case R_XTENSA_NONE:
    case R_XTENSA_ASM_EXPAND:   /* marks a call the linker may shorten; modules are linked with --no-relax */
    case R_XTENSA_ASM_SIMPLIFY:
    case R_XTENSA_DIFF8:        /* differences inside one section, which moved as a whole */
    case R_XTENSA_DIFF16:
    case R_XTENSA_DIFF32:
    case R_XTENSA_PDIFF8:
    case R_XTENSA_PDIFF16:
    case R_XTENSA_PDIFF32:
    case R_XTENSA_NDIFF8:
    case R_XTENSA_NDIFF16:
    case R_XTENSA_NDIFF32:
    case R_XTENSA_GNU_VTINHERIT:
    case R_XTENSA_GNU_VTENTRY:
        return ESP_OK;

    case R_XTENSA_32: {         /* word32 = S + A (in place: word += S - S_link) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, hr_place_read(r, 0, 4) + (r->s - r->s_link));
        return ESP_OK;
    }
    case R_XTENSA_32_PCREL: {   /* word32 = S + A - P (in place: word += (S - S_link) - (P - P_link)) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, hr_place_read(r, 0, 4) + (r->s - r->s_link) - (r->p - r->p_link));
        return ESP_OK;
    }
    case R_XTENSA_SLOT0_OP:
        return slot0_op(r);

    default:
        ESP_LOGE(TAG, "relocation %u: Xtensa relocation type %u is not supported (only slot 0 of single-slot "
                 "instructions, no FLIX, PLT or TLS)", (unsigned)r->index, (unsigned)r->type);
        return ESP_ERR_NOT_SUPPORTED;
    }
}
