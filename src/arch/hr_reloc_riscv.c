/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_reloc_riscv.c
 * @brief RISC-V rv32 relocations (ESP32-C3/C6/P4).
 *
 * Formulas and encodings: RISC-V psABI, "Relocations" and the base ISA's
 * instruction formats,
 * https://github.com/riscv-non-isa/riscv-elf-psabi-doc/blob/master/riscv-elf.adoc
 * S = new symbol address, A = addend, P = new place address. The module is
 * linked without relaxation, so RELAX and ALIGN mark nothing to do.
 *
 * A label difference is a pair at one place: ADDn or SETn first, then SUBn.
 * The assembler leaves such fields 0 (the constants are in the addends), so
 * the first of the pair writes S + A as ld's "0 + S + A" does, and SUBn
 * subtracts its S + A from that; the link-time contents are not used.
 */
#include "esp_check.h"
#include "esp_log.h"
#include "hr_priv.h"

static const char *TAG = "hr_elf";

/** B-type branch: signed 13-bit byte offset (imm[12:1]), +-4 KiB. */
#define B_TYPE_BITS 13
/** J-type jump (JAL): signed 21-bit byte offset, +-1 MiB. */
#define J_TYPE_BITS 21
/** CB-type compressed branch (C.BEQZ/C.BNEZ): signed 9-bit offset, +-256 B. */
#define CB_TYPE_BITS 9
/** CJ-type compressed jump (C.J/C.JAL): signed 12-bit offset, +-2 KiB. */
#define CJ_TYPE_BITS 12
/** Rounding that makes HI20 + sign-extended LO12 add up to the full value. */
#define HI20_ROUND 0x800u

/** True when the signed value @p v fits in @p bits bits. */
static inline bool fits_signed(int32_t v, unsigned bits)
{
    int32_t limit = (int32_t)1 << (bits - 1);
    return v >= -limit && v < limit;
}

static inline uint32_t bit(uint32_t v, unsigned pos)
{
    return (v >> pos) & 1u;
}

static inline uint32_t bits(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1u);
}

/** U-type (LUI/AUIPC): imm[31:12] = upper 20 bits of v, rounded so LO12 sign-extension compensates. */
static inline uint32_t enc_u(uint32_t insn, uint32_t v)
{
    return (insn & 0x00000fffu) | ((v + HI20_ROUND) & 0xfffff000u);
}

/** I-type: imm[11:0] in bits 31:20. */
static inline uint32_t enc_i(uint32_t insn, uint32_t v)
{
    return (insn & 0x000fffffu) | (bits(v, 11, 0) << 20);
}

/** S-type: imm[11:5] in bits 31:25, imm[4:0] in bits 11:7. */
static inline uint32_t enc_s(uint32_t insn, uint32_t v)
{
    return (insn & 0x01fff07fu) | (bits(v, 11, 5) << 25) | (bits(v, 4, 0) << 7);
}

/** B-type: imm[12|10:5] in bits 31:25, imm[4:1|11] in bits 11:7. */
static inline uint32_t enc_b(uint32_t insn, uint32_t v)
{
    return (insn & 0x01fff07fu) | (bit(v, 12) << 31) | (bits(v, 10, 5) << 25) | (bits(v, 4, 1) << 8) |
           (bit(v, 11) << 7);
}

/** J-type: imm[20|10:1|11|19:12] in bits 31:12. */
static inline uint32_t enc_j(uint32_t insn, uint32_t v)
{
    return (insn & 0x00000fffu) | (bit(v, 20) << 31) | (bits(v, 10, 1) << 21) | (bit(v, 11) << 20) |
           (bits(v, 19, 12) << 12);
}

/** CB-type: offset[8|4:3] in bits 12:10, offset[7:6|2:1|5] in bits 6:2. */
static inline uint32_t enc_cb(uint32_t insn, uint32_t v)
{
    return (insn & 0xe383u) | (bit(v, 8) << 12) | (bits(v, 4, 3) << 10) | (bits(v, 7, 6) << 5) |
           (bits(v, 2, 1) << 3) | (bit(v, 5) << 2);
}

/** CJ-type: offset[11|4|9:8|10|6|7|3:1|5] in bits 12:2. */
static inline uint32_t enc_cj(uint32_t insn, uint32_t v)
{
    return (insn & 0xe003u) | (bit(v, 11) << 12) | (bit(v, 4) << 11) | (bits(v, 9, 8) << 9) | (bit(v, 10) << 8) |
           (bit(v, 6) << 7) | (bit(v, 7) << 6) | (bits(v, 3, 1) << 3) | (bit(v, 5) << 2);
}

/* The checks are inline and their logs out of line, taking values: a pointer to r
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

__attribute__((noinline, cold)) static esp_err_t out_of_range(uint32_t index, const char *what, uint32_t p,
                                                              uint32_t target, uint32_t v, unsigned range_bits)
{
    ESP_LOGE(TAG, "relocation %u: %s at 0x%08x cannot reach 0x%08x (%d bytes away; range +-%u, even)",
             (unsigned)index, what, (unsigned)p, (unsigned)target, (int)v, 1u << (range_bits - 1));
    return ESP_ERR_NOT_SUPPORTED;
}

/** Check a PC-relative displacement @p v for an instruction reaching +-2^(range_bits-1) bytes. */
static inline esp_err_t pc_relative(const hr_reloc_t *r, const char *what, uint32_t v, unsigned range_bits,
                                    unsigned field_bytes)
{
    ESP_RETURN_ON_ERROR(need(r, field_bytes), TAG, "place");
    if (!fits_signed((int32_t)v, range_bits) || (v & 1u) != 0) {
        return out_of_range(r->index, what, r->p, r->s + (uint32_t)r->a, v, range_bits);
    }
    return ESP_OK;
}

/** Re-encode the 32-bit instruction at @p off with immediate @p v in format @p enc. */
#define patch32(r, off, enc, v) hr_place_write((r), (off), 4, enc(hr_place_read((r), (off), 4), (v)))

/** ADDn (first of a pair: field = S + A) or SUBn (second: field -= S + A) on an @p n-byte field. */
static inline esp_err_t add_sub(const hr_reloc_t *r, unsigned n, bool sub)
{
    ESP_RETURN_ON_ERROR(need(r, n), TAG, "place");
    uint32_t sa = r->s + (uint32_t)r->a;
    hr_place_write(r, 0, n, sub ? hr_place_read(r, 0, n) - sa : sa);
    return ESP_OK;
}

/**
 * Types with nothing to apply: RELAX marks a relaxable sequence and ALIGN
 * padding the linker would shrink when relaxing; modules are linked without
 * relaxation. A mask: the loop tests it before decoding anything else.
 */
#define MARKERS ((UINT64_C(1) << R_RISCV_NONE) | (UINT64_C(1) << R_RISCV_RELAX) | (UINT64_C(1) << R_RISCV_ALIGN))

/** Apply one relocation other than a marker whose symbol is resolved (r->s, r->s_link). */
__attribute__((always_inline)) static inline esp_err_t relocate_one(const hr_reloc_env_t *env, hr_reloc_t *r)
{
    r->a = hr_reloc_addend(env, r->index);
    hr_reloc_locate(env, r);
    uint32_t sa = r->s + (uint32_t)r->a;      /* S + A */
    uint32_t pcrel = sa - r->p;               /* S + A - P */

    switch (r->type) {

    case R_RISCV_32:      /* word32 = S + A */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, sa);
        return ESP_OK;

    case R_RISCV_32_PCREL: /* word32 = S + A - P */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, pcrel);
        return ESP_OK;

    case R_RISCV_HI20:    /* U-type = hi20(S + A) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        patch32(r, 0, enc_u, sa);
        return ESP_OK;

    case R_RISCV_LO12_I:  /* I-type = lo12(S + A) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        patch32(r, 0, enc_i, sa);
        return ESP_OK;

    case R_RISCV_LO12_S:  /* S-type = lo12(S + A) */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        patch32(r, 0, enc_s, sa);
        return ESP_OK;

    case R_RISCV_PCREL_HI20: /* AUIPC U-type = hi20(S + A - P); any 32-bit value reaches on rv32 */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        patch32(r, 0, enc_u, pcrel);
        /* Remembered for the PCREL_LO12 relocations that point at this AUIPC. */
        return hr_link_pcrel_hi_add(r->ctx, r->p_link, pcrel);

    case R_RISCV_PCREL_LO12_I:
    case R_RISCV_PCREL_LO12_S: {
        /* lo12(S + A - P) of the PCREL_HI20 whose AUIPC is at this relocation's S + A (link address). */
        uint32_t hi_value;
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        if (hr_link_pcrel_hi_find(r->ctx, r->s_link + (uint32_t)r->a, &hi_value) != ESP_OK) {
            if (r->phase == HR_RELOC_APPLY) {
                return ESP_ERR_NOT_FINISHED;  /* its AUIPC comes later in the file: retried after the pass */
            }
            ESP_LOGE(TAG, "relocation %u: PCREL_LO12 points at 0x%08x, where no PCREL_HI20 is", (unsigned)r->index,
                     (unsigned)(r->s_link + (uint32_t)r->a));
            return ESP_ERR_NOT_SUPPORTED;
        }
        if (r->type == R_RISCV_PCREL_LO12_I) {
            patch32(r, 0, enc_i, hi_value);
        } else {
            patch32(r, 0, enc_s, hi_value);
        }
        return ESP_OK;
    }

    case R_RISCV_CALL:
    case R_RISCV_CALL_PLT: /* AUIPC + JALR pair: hi20(S + A - P) and lo12(S + A - P); no PLT in a module */
        ESP_RETURN_ON_ERROR(need(r, 8), TAG, "place");
        patch32(r, 0, enc_u, pcrel);
        patch32(r, 4, enc_i, pcrel);
        return ESP_OK;

    case R_RISCV_JAL:     /* J-type = S + A - P, +-1 MiB */
        ESP_RETURN_ON_ERROR(pc_relative(r, "JAL", pcrel, J_TYPE_BITS, 4), TAG, "JAL");
        patch32(r, 0, enc_j, pcrel);
        return ESP_OK;

    case R_RISCV_BRANCH:  /* B-type = S + A - P, +-4 KiB */
        ESP_RETURN_ON_ERROR(pc_relative(r, "branch", pcrel, B_TYPE_BITS, 4), TAG, "BRANCH");
        patch32(r, 0, enc_b, pcrel);
        return ESP_OK;

    case R_RISCV_RVC_JUMP: /* CJ-type = S + A - P, +-2 KiB */
        ESP_RETURN_ON_ERROR(pc_relative(r, "C.J", pcrel, CJ_TYPE_BITS, 2), TAG, "RVC_JUMP");
        hr_place_write(r, 0, 2, enc_cj(hr_place_read(r, 0, 2), pcrel));
        return ESP_OK;

    case R_RISCV_RVC_BRANCH: /* CB-type = S + A - P, +-256 B */
        ESP_RETURN_ON_ERROR(pc_relative(r, "C.BxxZ", pcrel, CB_TYPE_BITS, 2), TAG, "RVC_BRANCH");
        hr_place_write(r, 0, 2, enc_cb(hr_place_read(r, 0, 2), pcrel));
        return ESP_OK;

    case R_RISCV_ADD8:  /* byte = 0 + S + A (first of a pair) */
        return add_sub(r, 1, false);
    case R_RISCV_ADD16: /* half = 0 + S + A */
        return add_sub(r, 2, false);
    case R_RISCV_ADD32: /* word32 = 0 + S + A */
        return add_sub(r, 4, false);
    case R_RISCV_SUB8:  /* byte -= S + A */
        return add_sub(r, 1, true);
    case R_RISCV_SUB16: /* half -= S + A */
        return add_sub(r, 2, true);
    case R_RISCV_SUB32: /* word32 -= S + A */
        return add_sub(r, 4, true);

    case R_RISCV_SUB6: { /* low 6 bits of byte -= S + A (after SET6) */
        ESP_RETURN_ON_ERROR(need(r, 1), TAG, "place");
        uint32_t v = hr_place_read(r, 0, 1);
        hr_place_write(r, 0, 1, (v & 0xc0u) | ((v - sa) & 0x3fu));
        return ESP_OK;
    }
    case R_RISCV_SET6: { /* low 6 bits of byte = S + A */
        ESP_RETURN_ON_ERROR(need(r, 1), TAG, "place");
        uint32_t v = hr_place_read(r, 0, 1);
        hr_place_write(r, 0, 1, (v & 0xc0u) | (sa & 0x3fu));
        return ESP_OK;
    }
    case R_RISCV_SET8:  /* byte = S + A */
        ESP_RETURN_ON_ERROR(need(r, 1), TAG, "place");
        hr_place_write(r, 0, 1, sa);
        return ESP_OK;
    case R_RISCV_SET16: /* half = S + A */
        ESP_RETURN_ON_ERROR(need(r, 2), TAG, "place");
        hr_place_write(r, 0, 2, sa);
        return ESP_OK;
    case R_RISCV_SET32: /* word32 = S + A */
        ESP_RETURN_ON_ERROR(need(r, 4), TAG, "place");
        hr_place_write(r, 0, 4, sa);
        return ESP_OK;

    default:
        ESP_LOGE(TAG, "relocation %u: RISC-V relocation type %u is not supported in a module (no GOT, PLT, TLS, "
                 "64-bit or ULEB128 relocations: build it without -fPIC and without C++ exceptions)",
                 (unsigned)r->index, (unsigned)r->type);
        return ESP_ERR_NOT_SUPPORTED;
    }
}

esp_err_t hr_arch_relocate(const hr_rela_run_t *run, uint32_t first, uint32_t count)
{
    ESP_RETURN_ON_ERROR(hr_reloc_run(run, first, count, MARKERS, relocate_one), TAG, "relocation section %u",
                        (unsigned)run->section);
    return ESP_OK;
}
