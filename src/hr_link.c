/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_link.c
 * @brief Symbol resolution, the relocation loop and export lookup.
 *
 * A module is an ET_EXEC linked with --emit-relocs, so every relocation names
 * link-time addresses: r_offset is the place's link address and a symbol's
 * st_value its link address. Each loaded section moved as a whole, so a
 * module symbol's new address is run_addr + (st_value - link_addr) of its
 * section. Firmware symbols are SHN_ABS and never move; PC-relative
 * references to them still change because P moved, and the arch code
 * recomputes them from the new P.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "esp_check.h"
#include "esp_log.h"
#include "hr_priv.h"

static const char *TAG = "hr_elf";

/** Size of one Elf32_Rela in the file. */
#define RELA_SIZE sizeof(Elf32_Rela)

/** Read symbol @p index (caller checked the bound). */
static inline void read_sym(const hr_load_ctx_t *ctx, uint32_t index, Elf32_Sym *out)
{
    memcpy(out, ctx->symtab + (size_t)index * sizeof(Elf32_Sym), sizeof(*out));
}

esp_err_t hr_link_resolve_slow(const hr_load_ctx_t *ctx, uint32_t index, uint32_t *s, uint32_t *s_link)
{
    if (index == 0) {
        /* STN_UNDEF: no symbol, S = 0. */
        *s = *s_link = 0;
        return ESP_OK;
    }
    ESP_RETURN_ON_FALSE(index < ctx->sym_count, ESP_ERR_INVALID_SIZE, TAG,
                        "symbol index %u out of range (%u symbols)", (unsigned)index, (unsigned)ctx->sym_count);
    Elf32_Sym sym;
    read_sym(ctx, index, &sym);
    uint32_t shndx = sym.st_shndx;
    if (shndx == SHN_ABS) {
        *s = *s_link = sym.st_value;
        return ESP_OK;
    }
    if (shndx == SHN_UNDEF) {
        const char *name = hr_load_symname(ctx, sym.st_name);
        /* An undefined weak reference resolves to 0, as GNU ld does. */
        ESP_RETURN_ON_FALSE(ELF32_ST_BIND(sym.st_info) == STB_WEAK, ESP_ERR_NOT_FOUND, TAG,
                            "undefined symbol '%s': the firmware does not provide it",
                            name != NULL ? name : "?");
        *s = *s_link = 0;
        return ESP_OK;
    }
    ESP_RETURN_ON_FALSE(shndx < SHN_LORESERVE, ESP_ERR_NOT_SUPPORTED, TAG,
                        "symbol %u: special section index 0x%x (common or extended) not supported",
                        (unsigned)index, (unsigned)shndx);
    ESP_RETURN_ON_FALSE(shndx < ctx->shnum, ESP_ERR_INVALID_SIZE, TAG, "symbol %u: section index %u out of range",
                        (unsigned)index, (unsigned)shndx);
    ESP_RETURN_ON_FALSE(ctx->sects[shndx].loaded, ESP_ERR_NOT_SUPPORTED, TAG,
                        "symbol %u is in section %u, which is not loaded", (unsigned)index, (unsigned)shndx);
    const hr_sect_t *sect = &ctx->sects[shndx];
    if (sym.st_value >= sect->link_addr && sym.st_value - sect->link_addr <= sect->size) {
        /* Inside a section the fast path leaves out (sym_span 0: it ends at the top of the address space). */
        *s = sect->run_addr + (sym.st_value - sect->link_addr);
        *s_link = sym.st_value;
        return ESP_OK;
    }
    ESP_LOGE(TAG, "symbol %u at 0x%x lies outside its section %u", (unsigned)index, (unsigned)sym.st_value,
             (unsigned)shndx);
    return ESP_ERR_INVALID_SIZE;
}

/** New and link-time address of symbol @p index. */
static esp_err_t resolve_sym(hr_load_ctx_t *ctx, uint32_t index, uint32_t *s, uint32_t *s_link)
{
    hr_reloc_env_t env = hr_reloc_env_syms(ctx);
    hr_reloc_t r = { .ctx = ctx, .sym = index };
    esp_err_t err = hr_link_symbol(&env, &r);
    *s = r.s;
    *s_link = r.s_link;
    return err;
}

/** Check a relocation section and find what it applies to; *out_target is 0 when it needs no work. */
static esp_err_t rela_section(const hr_load_ctx_t *ctx, uint32_t index, const Elf32_Shdr *sh, uint32_t *out_target)
{
    *out_target = 0;
    if (sh->sh_type != SHT_RELA && sh->sh_type != SHT_REL) {
        return ESP_OK;
    }
    ESP_RETURN_ON_FALSE(sh->sh_info < ctx->shnum, ESP_ERR_INVALID_SIZE, TAG,
                        "relocation section %u applies to section %u, out of range", (unsigned)index,
                        (unsigned)sh->sh_info);
    if (!ctx->sects[sh->sh_info].loaded) {
        return ESP_OK;  /* relocations of a section that is not loaded (never happens after stripping) */
    }
    ESP_RETURN_ON_FALSE(sh->sh_type == SHT_RELA, ESP_ERR_NOT_SUPPORTED, TAG,
                        "relocation section %u is SHT_REL; modules use SHT_RELA", (unsigned)index);
    ESP_RETURN_ON_FALSE(sh->sh_link == ctx->symtab_index, ESP_ERR_INVALID_SIZE, TAG,
                        "relocation section %u uses symbol table %u, the module's is %u", (unsigned)index,
                        (unsigned)sh->sh_link, (unsigned)ctx->symtab_index);
    ESP_RETURN_ON_FALSE(sh->sh_entsize == RELA_SIZE && sh->sh_size % RELA_SIZE == 0, ESP_ERR_INVALID_SIZE, TAG,
                        "relocation section %u: entry size %u / size %u do not match Elf32_Rela", (unsigned)index,
                        (unsigned)sh->sh_entsize, (unsigned)sh->sh_size);
    *out_target = sh->sh_info;
    return ESP_OK;
}

static esp_err_t defer(hr_load_ctx_t *ctx, uint32_t section, uint32_t index)
{
    if (ctx->deferred_count == ctx->deferred_cap) {
        size_t cap = ctx->deferred_cap == 0 ? 8 : ctx->deferred_cap * 2;
        hr_deferred_t *grown = realloc(ctx->deferred, cap * sizeof(*grown));
        ESP_RETURN_ON_FALSE(grown != NULL, ESP_ERR_NO_MEM, TAG, "deferred relocations (%u)", (unsigned)cap);
        ctx->deferred = grown;
        ctx->deferred_cap = cap;
    }
    ctx->deferred[ctx->deferred_count++] = (hr_deferred_t) {
        .section = section, .index = index
    };
    return ESP_OK;
}

esp_err_t hr_reloc_failed(const hr_rela_run_t *run, const hr_reloc_t *r, esp_err_t err)
{
    if (err == ESP_ERR_NOT_FINISHED && run->phase == HR_RELOC_APPLY) {
        return defer(run->ctx, run->section, r->index);
    }
    if (err == ESP_ERR_INVALID_SIZE && (r->p_link < run->target->link_addr ||
                                        r->p_link - run->target->link_addr >= run->target->size)) {
        ESP_LOGE(TAG, "relocation %u: place 0x%x is outside section %u (0x%x+0x%x)", (unsigned)r->index,
                 (unsigned)r->p_link, (unsigned)run->target_index, (unsigned)run->target->link_addr,
                 (unsigned)run->target->size);
    }
    ESP_LOGE(TAG, "relocation %u (type %u) at 0x%x in section %u failed: %s", (unsigned)r->index, (unsigned)r->type,
             (unsigned)r->p_link, (unsigned)run->target_index, esp_err_to_name(err));
    return err == ESP_ERR_NOT_FINISHED ? ESP_ERR_NOT_SUPPORTED : err;
}

__attribute__((noinline)) esp_err_t hr_reloc_entry_slow(const hr_rela_run_t *run, uint32_t i, hr_reloc_apply_fn apply)
{
    const hr_reloc_env_t env = hr_reloc_env(run);
    hr_reloc_t r = { .ctx = run->ctx, .phase = run->phase, .word_access_only = run->target->word_access_only };
    esp_err_t err = hr_reloc_load(&env, i, &r);
    if (err == ESP_OK) {
        err = hr_link_symbol(&env, &r);
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "relocation %u: symbol %u", (unsigned)i, (unsigned)r.sym);
        }
    }
    if (err == ESP_OK) {
        err = apply(&env, &r);
    }
    return err == ESP_OK ? ESP_OK : hr_reloc_failed(run, &r, err);
}

static int compare_hi(const void *a, const void *b)
{
    uint32_t x = ((const hr_pcrel_hi_t *)a)->p_link;
    uint32_t y = ((const hr_pcrel_hi_t *)b)->p_link;
    return (x > y) - (x < y);
}

esp_err_t hr_link_relocate(hr_load_ctx_t *ctx)
{
    ctx->hi_sorted = true;
    for (uint32_t s = 1; s < ctx->shnum; s++) {
        Elf32_Shdr sh;
        uint32_t target;
        hr_load_shdr(ctx, s, &sh);
        ESP_RETURN_ON_ERROR(rela_section(ctx, s, &sh, &target), TAG, "relocation section %u", (unsigned)s);
        if (target == 0) {
            continue;
        }
        hr_rela_run_t run = {
            .ctx = ctx, .phase = HR_RELOC_APPLY, .entries = ctx->elf + sh.sh_offset, .section = s,
            .target_index = target, .target = &ctx->sects[target],
        };
        ESP_RETURN_ON_ERROR(hr_arch_relocate(&run, 0, sh.sh_size / RELA_SIZE), TAG, "relocation section %u",
                            (unsigned)s);
    }
    if (ctx->deferred_count == 0) {
        return ESP_OK;
    }
    /* Everything a deferred relocation can need now exists: sort once, then apply them. */
    if (!ctx->hi_sorted) {
        qsort(ctx->hi, ctx->hi_count, sizeof(ctx->hi[0]), compare_hi);
        ctx->hi_sorted = true;
    }
    for (size_t d = 0; d < ctx->deferred_count; d++) {
        Elf32_Shdr sh;
        hr_load_shdr(ctx, ctx->deferred[d].section, &sh);
        hr_rela_run_t run = {
            .ctx = ctx, .phase = HR_RELOC_RETRY, .entries = ctx->elf + sh.sh_offset, .section = ctx->deferred[d].section,
            .target_index = sh.sh_info, .target = &ctx->sects[sh.sh_info],
        };
        ESP_RETURN_ON_ERROR(hr_arch_relocate(&run, ctx->deferred[d].index, 1), TAG, "deferred relocation");
    }
    return ESP_OK;
}

esp_err_t hr_link_pcrel_hi_add(hr_load_ctx_t *ctx, uint32_t p_link, uint32_t value)
{
    if (ctx->hi_count == ctx->hi_cap) {
        size_t cap = ctx->hi_cap == 0 ? 16 : ctx->hi_cap * 2;
        hr_pcrel_hi_t *grown = realloc(ctx->hi, cap * sizeof(*grown));
        ESP_RETURN_ON_FALSE(grown != NULL, ESP_ERR_NO_MEM, TAG, "PCREL_HI20 table (%u entries)", (unsigned)cap);
        ctx->hi = grown;
        ctx->hi_cap = cap;
    }
    if (ctx->hi_count > 0 && ctx->hi[ctx->hi_count - 1].p_link > p_link) {
        ctx->hi_sorted = false;
    }
    ctx->hi[ctx->hi_count++] = (hr_pcrel_hi_t) {
        .p_link = p_link, .value = value
    };
    return ESP_OK;
}

esp_err_t hr_link_pcrel_hi_find(hr_load_ctx_t *ctx, uint32_t p_link, uint32_t *value)
{
    size_t lo = 0;
    size_t hi = ctx->hi_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ctx->hi[mid].p_link < p_link) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < ctx->hi_count && ctx->hi[lo].p_link == p_link) {
        *value = ctx->hi[lo].value;
        return ESP_OK;
    }
    return ESP_ERR_NOT_FOUND;
}

/** FNV-1a over a NUL-terminated name. */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h = (h ^ *p) * 16777619u;
    }
    return h;
}

esp_err_t hr_link_exports(hr_load_ctx_t *ctx, uint32_t *out_slots)
{
    const hotreload_table_t *table = ctx->params->table;
    /* Open-addressing hash of the module's global functions, at most half full. */
    uint32_t funcs = 0;
    for (uint32_t i = 1; i < ctx->sym_count; i++) {
        Elf32_Sym sym;
        read_sym(ctx, i, &sym);
        funcs += ELF32_ST_TYPE(sym.st_info) == STT_FUNC;
    }
    size_t cap = 16;
    while (cap < 2 * (size_t)funcs) {
        cap *= 2;
    }
    ctx->exports = calloc(cap, sizeof(hr_export_t));
    ESP_RETURN_ON_FALSE(ctx->exports != NULL, ESP_ERR_NO_MEM, TAG, "export hash (%u slots)", (unsigned)cap);
    for (uint32_t i = 1; i < ctx->sym_count; i++) {
        Elf32_Sym sym;
        read_sym(ctx, i, &sym);
        uint32_t bind = ELF32_ST_BIND(sym.st_info);
        if ((bind != STB_GLOBAL && bind != STB_WEAK) || ELF32_ST_TYPE(sym.st_info) != STT_FUNC ||
                sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE) {
            continue;
        }
        const char *name = hr_load_symname(ctx, sym.st_name);
        ESP_RETURN_ON_FALSE(name != NULL, ESP_ERR_INVALID_SIZE, TAG, "symbol %u: name offset 0x%x out of range",
                            (unsigned)i, (unsigned)sym.st_name);
        uint32_t addr;
        uint32_t s_link;
        ESP_RETURN_ON_ERROR(resolve_sym(ctx, i, &addr, &s_link), TAG, "export '%s'", name);
        size_t h = name_hash(name) & (cap - 1);
        while (ctx->exports[h].name != NULL && strcmp(ctx->exports[h].name, name) != 0) {
            h = (h + 1) & (cap - 1);
        }
        ctx->exports[h] = (hr_export_t) {
            .name = name, .addr = addr
        };
    }
    for (uint32_t i = 0; i < table->count; i++) {
        const char *name = table->names[i];
        size_t h = name_hash(name) & (cap - 1);
        while (ctx->exports[h].name != NULL && strcmp(ctx->exports[h].name, name) != 0) {
            h = (h + 1) & (cap - 1);
        }
        ESP_RETURN_ON_FALSE(ctx->exports[h].name != NULL, ESP_ERR_NOT_FOUND, TAG,
                            "export '%s' of the firmware's table is not a function in the module", name);
        out_slots[i] = ctx->exports[h].addr;
    }
    return ESP_OK;
}
