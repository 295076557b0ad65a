/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_priv.h
 * @brief Internal structures and prototypes of the loader, grouped by source file.
 *
 * Nothing here knows a chip: addresses are target addresses (uint32_t) kept
 * apart from host write pointers, so a loader built for a 64-bit host can
 * place a module "at X" and be compared with GNU ld linking it at X.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "esp_err.h"
#include "hr_elf.h"
#include "hr_loader.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ELF machine of the CPU the loader runs on; host builds choose one with -DHR_ARCH_EM=... */
#ifndef HR_ARCH_EM
#if defined(__riscv)
#define HR_ARCH_EM EM_RISCV
#elif defined(__XTENSA__)
#define HR_ARCH_EM EM_XTENSA
#else
#error "define HR_ARCH_EM (EM_RISCV or EM_XTENSA) for a host build of the loader"
#endif
#endif

/** Sections a module may have; real modules have about ten. Bounds the validation work. */
#define HR_MAX_SECTIONS 256
/** Largest section alignment accepted (a page); larger values are nonsense for a module. */
#define HR_MAX_ALIGN 4096

/** Where one section of the ELF lives, at link time and in the new image. */
typedef struct {
    uint32_t link_addr;      /*!< sh_addr: where the module's link put it */
    uint32_t size;           /*!< sh_size */
    uint32_t run_addr;       /*!< target address in the new image (valid when loaded) */
    uint8_t *write_ptr;      /*!< host pointer to its bytes (valid when loaded) */
    uint32_t sym_span;       /*!< size + 1 when loaded and link_addr + size < 2^32, else 0: a symbol at
                                  value is inside (end included) when value - link_addr < sym_span */
    bool loaded;             /*!< allocatable, non-empty and placed */
    bool word_access_only;   /*!< the block only takes aligned 32-bit accesses */
} hr_sect_t;

/** A PCREL_HI20 result, looked up by the PCREL_LO12 that points at its instruction. */
typedef struct {
    uint32_t p_link;         /*!< link address of the AUIPC */
    uint32_t value;          /*!< S + A - P computed for it (new addresses) */
} hr_pcrel_hi_t;

/** A module function that may fill a slot: its name and instruction-bus address. */
typedef struct {
    const char *name;
    uint32_t addr;
} hr_export_t;

/** A relocation whose inputs appear later in the file (a PCREL_LO12 before its PCREL_HI20). */
typedef struct {
    uint32_t section;        /*!< index of its relocation section */
    uint32_t index;          /*!< entry within that section */
} hr_deferred_t;

/** One block of the image and its size. */
typedef struct {
    hr_block_t block;
    size_t size;
} hr_image_block_t;

struct hr_image {
    const hr_mem_port_t *port;
    size_t bytes;            /*!< sum of block sizes */
    size_t count;            /*!< blocks in use */
    hr_image_block_t blocks[]; /*!< one per loaded section */
};

/** State of one load. Zeroed on entry; every allocation is stored here at once (see hr_load.c NOTICE). */
typedef struct {
    const uint8_t *elf;
    size_t size;
    Elf32_Ehdr ehdr;
    uint32_t shnum;
    const char *shstrtab;
    uint32_t shstrtab_size;
    uint32_t info_index;     /*!< section index of .hotreload.info */
    uint32_t symtab_index;
    uint32_t sym_count;
    const uint8_t *symtab;   /*!< first Elf32_Sym in the file */
    const char *strtab;      /*!< string table of the symtab */
    uint32_t strtab_size;
    uint32_t alloc_count;    /*!< allocatable non-empty sections */
    hr_sect_t *sects;        /*!< shnum entries (owned) */
    hr_image_t *image;       /*!< the new image (owned until handed to the caller) */
    hr_pcrel_hi_t *hi;       /*!< PCREL_HI20 results (owned) */
    size_t hi_count;
    size_t hi_cap;
    bool hi_sorted;
    hr_deferred_t *deferred; /*!< relocations retried after the pass (owned) */
    size_t deferred_count;
    size_t deferred_cap;
    hr_export_t *exports;    /*!< hash table of the module's global functions (owned) */
    const hr_load_params_t *params;
} hr_load_ctx_t;

/* --- hr_load.c: parse and validate ------------------------------------------ */

/** Read section header @p index (caller checked index < ctx->shnum). */
void hr_load_shdr(const hr_load_ctx_t *ctx, uint32_t index, Elf32_Shdr *out);

/** Name of symbol-table string at @p offset, or NULL when it is outside the table. */
const char *hr_load_symname(const hr_load_ctx_t *ctx, uint32_t offset);

/* --- hr_link.c: symbols, relocation, exports ---------------------------------- */

/** Apply every relocation section that targets a loaded section. */
esp_err_t hr_link_relocate(hr_load_ctx_t *ctx);

/** Fill @p out_slots with the instruction-bus address of every export of the table. */
esp_err_t hr_link_exports(hr_load_ctx_t *ctx, uint32_t *out_slots);

/** Remember the value computed for a PCREL_HI20 at link address @p p_link. */
esp_err_t hr_link_pcrel_hi_add(hr_load_ctx_t *ctx, uint32_t p_link, uint32_t value);

/** The value of the PCREL_HI20 at link address @p p_link seen so far; ESP_ERR_NOT_FOUND if none. */
esp_err_t hr_link_pcrel_hi_find(hr_load_ctx_t *ctx, uint32_t p_link, uint32_t *value);

/* --- arch/hr_reloc_<arch>.c ------------------------------------------------------ */

/**
 * Relocations are applied in one pass in file order. One that needs the result
 * of a later one (a PCREL_LO12 met before its PCREL_HI20) returns
 * ESP_ERR_NOT_FINISHED in HR_RELOC_APPLY; it is applied again in HR_RELOC_RETRY,
 * after the pass, when that result must exist.
 */
typedef enum {
    HR_RELOC_APPLY,
    HR_RELOC_RETRY,
} hr_reloc_phase_t;

/** Everything one relocation needs; the arch code knows nothing else about the load. */
typedef struct {
    hr_load_ctx_t *ctx;      /*!< for the PCREL_HI20 table */
    hr_reloc_phase_t phase;
    uint32_t type;           /*!< R_<arch>_* */
    uint32_t sym;            /*!< symbol index; s and s_link are valid after hr_link_symbol() */
    uint32_t s;              /*!< S: new address of the symbol (firmware symbols: their fixed address) */
    uint32_t s_link;         /*!< the symbol's address when the module was linked */
    int32_t a;               /*!< A: addend (read by arch code that uses it: hr_reloc_addend) */
    uint32_t p;              /*!< P: new address of the place */
    uint32_t p_link;         /*!< address of the place when the module was linked */
    uint8_t *loc;            /*!< host pointer to the place */
    uint32_t avail;          /*!< bytes from loc to the end of its section */
    bool word_access_only;   /*!< loc must be read and written with aligned 32-bit accesses */
    uint32_t index;          /*!< relocation number within its section, for logs */
} hr_reloc_t;

/** A run of entries of one relocation section, and where they apply. */
typedef struct {
    hr_load_ctx_t *ctx;
    hr_reloc_phase_t phase;
    const uint8_t *entries;  /*!< the section's first Elf32_Rela in the file */
    uint32_t section;        /*!< index of the relocation section (for deferral and logs) */
    uint32_t target_index;   /*!< index of the section it relocates */
    const hr_sect_t *target; /*!< that section, loaded */
} hr_rela_run_t;

/**
 * @brief Apply entries [first, first + count) of a relocation section.
 *
 * Each architecture defines it as hr_reloc_run() (below) with its own
 * per-entry function, so the per-relocation work is inlined into one
 * function per architecture.
 * @return ESP_OK; ESP_ERR_NOT_SUPPORTED (unknown type, value out of range,
 *         misaligned target); ESP_ERR_INVALID_SIZE (place or field outside its
 *         section, bad symbol); ESP_ERR_NOT_FOUND (undefined symbol); ESP_ERR_NO_MEM
 */
esp_err_t hr_arch_relocate(const hr_rela_run_t *run, uint32_t first, uint32_t count);

/** resolve for what hr_link_symbol's fast path does not handle: absolute, undefined, errors (logged). */
esp_err_t hr_link_resolve_slow(const hr_load_ctx_t *ctx, uint32_t index, uint32_t *s, uint32_t *s_link);

/**
 * @brief What to do with a relocation that did not return ESP_OK.
 *
 * ESP_ERR_NOT_FINISHED in the apply phase: remembered for the retry after the
 * pass (returns ESP_OK or ESP_ERR_NO_MEM). Anything else: logged with the
 * relocation's place and returned.
 */
esp_err_t hr_reloc_failed(const hr_rela_run_t *run, const hr_reloc_t *r, esp_err_t err);

/**
 * @brief Everything the relocation loop reads for every entry, copied out of the load context.
 *
 * Writes to the image go through byte pointers, which may alias anything the
 * compiler cannot prove local; with these values in a local that never
 * escapes, they stay in registers across those writes instead of being
 * reloaded from the context for every entry.
 */
typedef struct {
    const hr_load_ctx_t *ctx; /*!< for the slow path only */
    const uint8_t *entries;   /*!< first Elf32_Rela of the run's section */
    const uint8_t *symtab;    /*!< first Elf32_Sym */
    const hr_sect_t *sects;   /*!< shnum entries */
    uint32_t sym_last;        /*!< sym_count - 1 (0 when empty): 1 <= index < sym_count is index - 1 < sym_last */
    uint32_t shnum_last;      /*!< shnum - 1 (0 when none), likewise for section indexes */
    uint32_t link_addr;       /*!< the target section: link address, ... */
    uint32_t size;            /*!< ... size (hr_load.c checked link_addr + size <= 2^32) ... */
    uint32_t run_addr;        /*!< ... new address ... */
    uint8_t *write_ptr;       /*!< ... and host pointer */
    uint32_t moved;           /*!< run_addr - link_addr: how far every place of the run moved */
} hr_reloc_env_t;

/** The symbol-table part of an environment (enough for hr_link_symbol). */
static inline hr_reloc_env_t hr_reloc_env_syms(const hr_load_ctx_t *ctx)
{
    hr_reloc_env_t env = {
        .ctx = ctx, .symtab = ctx->symtab, .sects = ctx->sects,
        .sym_last = ctx->sym_count > 0 ? ctx->sym_count - 1 : 0, .shnum_last = ctx->shnum > 0 ? ctx->shnum - 1 : 0,
    };
    return env;
}

/** The environment of @p run. */
static inline hr_reloc_env_t hr_reloc_env(const hr_rela_run_t *run)
{
    hr_reloc_env_t env = hr_reloc_env_syms(run->ctx);
    env.entries = run->entries;
    env.link_addr = run->target->link_addr;
    env.size = run->target->size;
    env.run_addr = run->target->run_addr;
    env.write_ptr = run->target->write_ptr;
    env.moved = env.run_addr - env.link_addr;
    return env;
}

/**
 * @brief Resolve @p r's symbol into r->s and r->s_link if it is a firmware symbol or a module symbol
 * inside a loaded section (reads only st_value and st_shndx); false leaves the rest to hr_link_symbol.
 */
static inline bool hr_link_symbol_fast(const hr_reloc_env_t *env, hr_reloc_t *r)
{
    if (r->sym - 1u < env->sym_last) {
        const uint8_t *p = env->symtab + (size_t)r->sym * sizeof(Elf32_Sym);
        uint32_t value;
        uint16_t shndx;
        memcpy(&value, p + offsetof(Elf32_Sym, st_value), sizeof(value));
        memcpy(&shndx, p + offsetof(Elf32_Sym, st_shndx), sizeof(shndx));
        if (shndx == SHN_ABS) {
            /* A firmware symbol: fixed address, never moved. */
            r->s = r->s_link = value;
            return true;
        }
        if ((uint32_t)shndx - 1u < env->shnum_last) {
            /* Not SHN_UNDEF, in range; one compare against sym_span then says loaded and inside: a value
             * below link_addr wraps to at least 2^32 - link_addr > size. */
            const hr_sect_t *sect = &env->sects[shndx];
            uint32_t off = value - sect->link_addr;
            if (off < sect->sym_span) {
                r->s = sect->run_addr + off;
                r->s_link = value;
                return true;
            }
        }
    }
    return false;
}

/**
 * @brief Resolve @p r's symbol into r->s and r->s_link.
 *
 * The arch code resolves symbols only for types that use S, so marker
 * relocations (RELAX, ALIGN, ASM_EXPAND, ...) cost no symbol lookup.
 * @return ESP_OK; ESP_ERR_INVALID_SIZE (bad index or value); ESP_ERR_NOT_FOUND
 *         (undefined symbol); ESP_ERR_NOT_SUPPORTED (common or unloaded section)
 */
static inline esp_err_t hr_link_symbol(const hr_reloc_env_t *env, hr_reloc_t *r)
{
    if (hr_link_symbol_fast(env, r)) {
        return ESP_OK;
    }
    uint32_t s;
    uint32_t s_link;
    esp_err_t err = hr_link_resolve_slow(env->ctx, r->sym, &s, &s_link);
    r->s = s;
    r->s_link = s_link;
    return err;
}

/**
 * True when link address @p place lies inside the target section. One unsigned
 * compare covers both ends: a place below link_addr wraps to at least
 * 2^32 - link_addr, which is >= size because link_addr + size <= 2^32.
 */
static inline bool hr_reloc_in_target(const hr_reloc_env_t *env, uint32_t place)
{
    return place - env->link_addr < env->size;
}

/** Field at byte @p off of entry @p i (little-endian file, little-endian host). */
static inline uint32_t hr_reloc_field(const hr_reloc_env_t *env, uint32_t i, size_t off)
{
    uint32_t v;
    memcpy(&v, env->entries + (size_t)i * sizeof(Elf32_Rela) + off, sizeof(v));
    return v;
}

/** Type of entry @p i. */
static inline uint32_t hr_reloc_type(const hr_reloc_env_t *env, uint32_t i)
{
    return ELF32_R_TYPE(hr_reloc_field(env, i, offsetof(Elf32_Rela, r_info)));
}

/** True when entry @p i's place lies inside its section (all a marker relocation must satisfy). */
static inline bool hr_reloc_place_ok(const hr_reloc_env_t *env, uint32_t i)
{
    return hr_reloc_in_target(env, hr_reloc_field(env, i, offsetof(Elf32_Rela, r_offset)));
}

/**
 * Decode entry @p i into @p r (symbol, addend and place pointers not set: hr_link_symbol,
 * hr_reloc_addend, hr_reloc_locate); ESP_ERR_INVALID_SIZE if its place is outside.
 * Fields are read one by one: copying the whole Elf32_Rela made the compiler go through the stack.
 */
static inline esp_err_t hr_reloc_load(const hr_reloc_env_t *env, uint32_t i, hr_reloc_t *r)
{
    uint32_t place = hr_reloc_field(env, i, offsetof(Elf32_Rela, r_offset));
    uint32_t info = hr_reloc_field(env, i, offsetof(Elf32_Rela, r_info));
    r->type = ELF32_R_TYPE(info);
    r->sym = ELF32_R_SYM(info);
    r->p_link = place;
    r->index = i;
    return hr_reloc_in_target(env, place) ? ESP_OK : ESP_ERR_INVALID_SIZE;
}

/**
 * Set r->p, r->loc and r->avail from r->p_link, which hr_reloc_load checked.
 * Called after hr_link_symbol: values computed before a call that may happen
 * (the slow path) must be kept across it, which costs a spill each.
 */
static inline void hr_reloc_locate(const hr_reloc_env_t *env, hr_reloc_t *r)
{
    uint32_t off = r->p_link - env->link_addr;
    r->p = env->run_addr + off;
    r->loc = env->write_ptr + off;
    r->avail = env->size - off;
}

/** Addend of entry @p i (apart from hr_reloc_load: Xtensa applies relocations in place and never reads it). */
static inline int32_t hr_reloc_addend(const hr_reloc_env_t *env, uint32_t i)
{
    return (int32_t)hr_reloc_field(env, i, offsetof(Elf32_Rela, r_addend));
}

/** hr_reloc_failed on a copy of @p r, so that taking its address on this cold path keeps r out of memory. */
static inline esp_err_t hr_reloc_failed_copy(const hr_rela_run_t *run, hr_reloc_t r, esp_err_t err)
{
    return hr_reloc_failed(run, &r, err);
}

/** An architecture's work for one entry whose symbol is resolved: compute the value and write the field. */
typedef esp_err_t (*hr_reloc_apply_fn)(const hr_reloc_env_t *env, hr_reloc_t *r);

/**
 * @brief One entry that hr_link_symbol_fast does not resolve (undefined, weak or bad), failures included.
 *
 * Out of line (hr_link.c), so none of the loop's per-entry values has to survive a call there.
 */
esp_err_t hr_reloc_entry_slow(const hr_rela_run_t *run, uint32_t i, hr_reloc_apply_fn apply);

/**
 * @brief The relocation loop of every architecture (hr_arch_relocate calls it with its own @p apply).
 *
 * Always inlined with a constant @p apply, so each architecture gets one
 * function with its switch inlined into the loop and no call per entry on
 * the fast path. Entries whose type is in @p markers (a bit per type below
 * 64) only have their place checked.
 */
__attribute__((always_inline)) static inline esp_err_t hr_reloc_run(const hr_rela_run_t *run, uint32_t first,
                                                                    uint32_t count, uint64_t markers,
                                                                    hr_reloc_apply_fn apply)
{
    const hr_reloc_env_t env = hr_reloc_env(run);
    hr_reloc_t r = { .ctx = run->ctx, .phase = run->phase, .word_access_only = run->target->word_access_only };
    for (uint32_t i = first; i < first + count; i++) {
        uint32_t type = hr_reloc_type(&env, i);
        if (type < 64 && ((UINT64_C(1) << type) & markers) != 0 && hr_reloc_place_ok(&env, i)) {
            continue;  /* a marker: nothing to do but check the place (a bad one fails in hr_reloc_load) */
        }
        esp_err_t err = hr_reloc_load(&env, i, &r);
        if (err == ESP_OK && hr_link_symbol_fast(&env, &r)) {
            err = apply(&env, &r);
            if (err == ESP_OK) {
                continue;
            }
            err = hr_reloc_failed_copy(run, r, err);
        } else {
            err = hr_reloc_entry_slow(run, i, apply);
        }
        if (err != ESP_OK) {
            return err;
        }
    }
    return ESP_OK;
}

/* --- helpers for the arch files: byte access that honours word-only memory ----- */

/** Read @p n (1..4) bytes little-endian at @p r's place plus @p off. */
static inline uint32_t hr_place_read(const hr_reloc_t *r, uint32_t off, unsigned n)
{
    uint8_t *p = r->loc + off;
    uint32_t v = 0;
    if (!r->word_access_only) {
        /* Byte-addressable memory; target and host are both little-endian. */
        memcpy(&v, p, n);
        return v;
    }
    for (unsigned i = 0; i < n; i++, p++) {
        /* Aligned word load, then pick the byte: IRAM faults on narrower loads. */
        uint32_t word = *(volatile uint32_t *)((uintptr_t)p & ~(uintptr_t)3);
        v |= ((word >> (8 * ((uintptr_t)p & 3))) & 0xffu) << (8 * i);
    }
    return v;
}

/** Write the low @p n (1..4) bytes of @p v little-endian at @p r's place plus @p off. */
static inline void hr_place_write(const hr_reloc_t *r, uint32_t off, unsigned n, uint32_t v)
{
    uint8_t *p = r->loc + off;
    if (!r->word_access_only) {
        memcpy(p, &v, n);
        return;
    }
    for (unsigned i = 0; i < n; i++, p++) {
        volatile uint32_t *word = (volatile uint32_t *)((uintptr_t)p & ~(uintptr_t)3);
        unsigned shift = 8 * (unsigned)((uintptr_t)p & 3);
        *word = (*word & ~((uint32_t)0xff << shift)) | (((v >> (8 * i)) & 0xffu) << shift);
    }
}

#ifdef __cplusplus
}
#endif
