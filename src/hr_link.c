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

/** New and link-time address of symbol @p index. */
static esp_err_t resolve_sym(const hr_load_ctx_t *ctx, uint32_t index, uint32_t *s, uint32_t *s_link)
{
    if (index == 0) {
        /* STN_UNDEF: marker relocations (RELAX, ALIGN, NONE) carry no symbol. */
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
    const hr_sect_t *sect = &ctx->sects[shndx];
    ESP_RETURN_ON_FALSE(sect->loaded, ESP_ERR_NOT_SUPPORTED, TAG,
                        "symbol %u is in section %u, which is not loaded", (unsigned)index, (unsigned)shndx);
    uint32_t off = sym.st_value - sect->link_addr;
    ESP_RETURN_ON_FALSE(sym.st_value >= sect->link_addr && off <= sect->size, ESP_ERR_INVALID_SIZE, TAG,
                        "symbol %u at 0x%x lies outside its section %u", (unsigned)index,
                        (unsigned)sym.st_value, (unsigned)shndx);
    *s = sect->run_addr + off;
    *s_link = sym.st_value;
    return ESP_OK;
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

static esp_err_t relocate_section(hr_load_ctx_t *ctx, hr_reloc_phase_t phase, const Elf32_Shdr *sh,
                                  uint32_t target_index)
{
    const hr_sect_t *target = &ctx->sects[target_index];
    const uint8_t *rela = ctx->elf + sh->sh_offset;
    uint32_t count = sh->sh_size / RELA_SIZE;
    hr_reloc_t r = { .ctx = ctx, .phase = phase, .word_access_only = target->word_access_only };
    for (uint32_t i = 0; i < count; i++) {
        Elf32_Rela rel;
        memcpy(&rel, rela + (size_t)i * RELA_SIZE, sizeof(rel));
        uint32_t off = rel.r_offset - target->link_addr;
        ESP_RETURN_ON_FALSE(rel.r_offset >= target->link_addr && off < target->size, ESP_ERR_INVALID_SIZE, TAG,
                            "relocation %u: place 0x%x is outside section %u (0x%x+0x%x)", (unsigned)i,
                            (unsigned)rel.r_offset, (unsigned)target_index, (unsigned)target->link_addr,
                            (unsigned)target->size);
        ESP_RETURN_ON_ERROR(resolve_sym(ctx, ELF32_R_SYM(rel.r_info), &r.s, &r.s_link), TAG,
                            "relocation %u of section %u", (unsigned)i, (unsigned)target_index);
        r.type = ELF32_R_TYPE(rel.r_info);
        r.a = rel.r_addend;
        r.p = target->run_addr + off;
        r.p_link = rel.r_offset;
        r.loc = target->write_ptr + off;
        r.avail = target->size - off;
        r.index = i;
        ESP_RETURN_ON_ERROR(hr_arch_relocate(&r), TAG, "relocation %u (type %u) at 0x%x in section %u",
                            (unsigned)i, (unsigned)r.type, (unsigned)rel.r_offset, (unsigned)target_index);
    }
    return ESP_OK;
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
    for (int phase = HR_RELOC_PREPARE; phase <= HR_RELOC_APPLY; phase++) {
        if (phase == HR_RELOC_APPLY && !ctx->hi_sorted) {
            qsort(ctx->hi, ctx->hi_count, sizeof(ctx->hi[0]), compare_hi);
        }
        for (uint32_t i = 1; i < ctx->shnum; i++) {
            Elf32_Shdr sh;
            uint32_t target;
            hr_load_shdr(ctx, i, &sh);
            ESP_RETURN_ON_ERROR(rela_section(ctx, i, &sh, &target), TAG, "relocation section %u", (unsigned)i);
            if (target != 0) {
                ESP_RETURN_ON_ERROR(relocate_section(ctx, (hr_reloc_phase_t)phase, &sh, target), TAG,
                                    "relocation section %u", (unsigned)i);
            }
        }
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

static int compare_export(const void *a, const void *b)
{
    return strcmp(((const hr_export_t *)a)->name, ((const hr_export_t *)b)->name);
}

esp_err_t hr_link_exports(hr_load_ctx_t *ctx, uint32_t *out_slots)
{
    const hotreload_table_t *table = ctx->params->table;
    uint32_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        hr_export_t *list = ctx->exports;
        count = 0;
        for (uint32_t i = 1; i < ctx->sym_count; i++) {
            Elf32_Sym sym;
            read_sym(ctx, i, &sym);
            uint32_t bind = ELF32_ST_BIND(sym.st_info);
            if ((bind != STB_GLOBAL && bind != STB_WEAK) || ELF32_ST_TYPE(sym.st_info) != STT_FUNC ||
                    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE) {
                continue;
            }
            if (pass == 1) {
                uint32_t s_link;
                list[count].name = hr_load_symname(ctx, sym.st_name);
                ESP_RETURN_ON_FALSE(list[count].name != NULL, ESP_ERR_INVALID_SIZE, TAG,
                                    "symbol %u: name offset 0x%x out of range", (unsigned)i, (unsigned)sym.st_name);
                ESP_RETURN_ON_ERROR(resolve_sym(ctx, i, &list[count].addr, &s_link), TAG, "export '%s'",
                                    list[count].name);
            }
            count++;
        }
        if (pass == 0) {
            ctx->exports = calloc(count ? count : 1, sizeof(hr_export_t));
            ESP_RETURN_ON_FALSE(ctx->exports != NULL, ESP_ERR_NO_MEM, TAG, "export list (%u)", (unsigned)count);
        }
    }
    hr_export_t *list = ctx->exports;
    qsort(list, count, sizeof(hr_export_t), compare_export);
    for (uint32_t i = 0; i < table->count; i++) {
        hr_export_t key = { .name = table->names[i] };
        const hr_export_t *found = bsearch(&key, list, count, sizeof(hr_export_t), compare_export);
        ESP_RETURN_ON_FALSE(found != NULL, ESP_ERR_NOT_FOUND, TAG,
                            "export '%s' of the firmware's table is not a function in the module", key.name);
        out_slots[i] = found->addr;
    }
    return ESP_OK;
}
