/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_load.c
 * @brief Loader orchestrator: validate the module ELF, map its sections, then
 *        hand over to hr_link.c for relocation and exports.
 *
 * NOTICE: ownership rule (after Zephyr LLEXT). hr_loader_load() zeroes its
 * hr_load_ctx_t; every step stores each allocation in the context the moment
 * it is made and never frees anything, so a step simply returns on error.
 * Only hr_loader_load() frees, in one place (the `out:` label): scratch
 * always, the new image only when the load failed. The firmware's table is
 * never touched here; that is hr_loader_switch(), after a successful load.
 *
 * Error codes (fixed; tests assert them):
 * - ESP_ERR_INVALID_SIZE: truncated file, an offset, size, index or string
 *   outside its table or the file, entry sizes that do not match, overlapping
 *   sections, a relocation past the end of its section.
 * - ESP_ERR_NOT_SUPPORTED: a well-formed ELF this loader cannot run: not ELF32
 *   LE, not ET_EXEC, another machine, SHT_REL, unknown relocation type, value
 *   out of range for its instruction.
 * - ESP_ERR_NOT_FOUND: no .hotreload.info, no symbol table, an export missing,
 *   a relocation against an undefined symbol.
 * - ESP_ERR_INVALID_VERSION: linked against another firmware.
 * - ESP_ERR_HOTRELOAD_ABI_MISMATCH: exports differ from the firmware's table.
 * - ESP_ERR_INVALID_ARG: caller bug (NULL, table of another component).
 * - ESP_ERR_NO_MEM: scratch or image memory.
 */
#include <stdlib.h>
#include <string.h>

#include "esp_check.h"
#include "esp_log.h"
#include "hr_priv.h"
#include "hr_protocol.h"

static const char *TAG = "hr_elf";

/** True when [off, off + len) lies inside [0, limit); never overflows. */
static inline bool range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
    return off <= limit && len <= limit - off;
}

void hr_load_shdr(const hr_load_ctx_t *ctx, uint32_t index, Elf32_Shdr *out)
{
    memcpy(out, ctx->elf + ctx->ehdr.e_shoff + (size_t)index * sizeof(Elf32_Shdr), sizeof(*out));
}

const char *hr_load_symname(const hr_load_ctx_t *ctx, uint32_t offset)
{
    return offset < ctx->strtab_size ? ctx->strtab + offset : NULL;
}

static const char *section_name(const hr_load_ctx_t *ctx, const Elf32_Shdr *sh)
{
    return sh->sh_name < ctx->shstrtab_size ? ctx->shstrtab + sh->sh_name : NULL;
}

/** The string table at @p index, checked to end in NUL so every offset inside it yields a terminated string. */
static esp_err_t get_strtab(const hr_load_ctx_t *ctx, uint32_t index, const char **out, uint32_t *out_size)
{
    Elf32_Shdr sh;
    ESP_RETURN_ON_FALSE(index != SHN_UNDEF && index < ctx->shnum, ESP_ERR_INVALID_SIZE, TAG,
                        "string table index %u out of range (%u sections)", (unsigned)index, (unsigned)ctx->shnum);
    hr_load_shdr(ctx, index, &sh);
    ESP_RETURN_ON_FALSE(sh.sh_type == SHT_STRTAB, ESP_ERR_INVALID_SIZE, TAG,
                        "section %u is type %u, expected a string table", (unsigned)index, (unsigned)sh.sh_type);
    ESP_RETURN_ON_FALSE(sh.sh_size > 0 && ctx->elf[sh.sh_offset + sh.sh_size - 1] == '\0', ESP_ERR_INVALID_SIZE, TAG,
                        "string table %u is empty or not NUL-terminated", (unsigned)index);
    *out = (const char *)ctx->elf + sh.sh_offset;
    *out_size = sh.sh_size;
    return ESP_OK;
}

static esp_err_t parse_header(hr_load_ctx_t *ctx)
{
    ESP_RETURN_ON_FALSE(ctx->size >= sizeof(Elf32_Ehdr), ESP_ERR_INVALID_SIZE, TAG,
                        "file is %u bytes, shorter than an ELF header", (unsigned)ctx->size);
    memcpy(&ctx->ehdr, ctx->elf, sizeof(ctx->ehdr));
    const Elf32_Ehdr *eh = &ctx->ehdr;
    ESP_RETURN_ON_FALSE(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, ESP_ERR_NOT_SUPPORTED, TAG, "not an ELF file");
    ESP_RETURN_ON_FALSE(eh->e_ident[EI_CLASS] == ELFCLASS32 && eh->e_ident[EI_DATA] == ELFDATA2LSB &&
                        eh->e_ident[EI_VERSION] == EV_CURRENT && eh->e_version == EV_CURRENT,
                        ESP_ERR_NOT_SUPPORTED, TAG, "not a little-endian ELF32 version 1 file (class %u, data %u)",
                        eh->e_ident[EI_CLASS], eh->e_ident[EI_DATA]);
    ESP_RETURN_ON_FALSE(eh->e_machine == HR_ARCH_EM, ESP_ERR_NOT_SUPPORTED, TAG,
                        "module is for machine %u, this loader runs machine %u", eh->e_machine, HR_ARCH_EM);
    ESP_RETURN_ON_FALSE(eh->e_type == ET_EXEC, ESP_ERR_NOT_SUPPORTED, TAG,
                        "ELF type %u is not a linked module (ET_EXEC)", eh->e_type);
    ESP_RETURN_ON_FALSE(eh->e_ehsize >= sizeof(Elf32_Ehdr) && eh->e_shentsize == sizeof(Elf32_Shdr),
                        ESP_ERR_INVALID_SIZE, TAG, "header size %u / section entry size %u do not match ELF32",
                        eh->e_ehsize, eh->e_shentsize);
    ESP_RETURN_ON_FALSE(eh->e_shnum > 0 && eh->e_shnum <= HR_MAX_SECTIONS, ESP_ERR_INVALID_SIZE, TAG,
                        "%u sections (1..%u accepted)", eh->e_shnum, HR_MAX_SECTIONS);
    ESP_RETURN_ON_FALSE(range_ok(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf32_Shdr), ctx->size),
                        ESP_ERR_INVALID_SIZE, TAG, "section headers at 0x%x (%u entries) run past the %u-byte file",
                        (unsigned)eh->e_shoff, eh->e_shnum, (unsigned)ctx->size);
    ctx->shnum = eh->e_shnum;
    return ESP_OK;
}

static esp_err_t check_section(const hr_load_ctx_t *ctx, uint32_t index, const Elf32_Shdr *sh)
{
    /* Every section but NOBITS occupies file bytes, whatever its type says (even SHT_NULL past index 0). */
    if (sh->sh_type != SHT_NOBITS) {
        ESP_RETURN_ON_FALSE(range_ok(sh->sh_offset, sh->sh_size, ctx->size), ESP_ERR_INVALID_SIZE, TAG,
                            "section %u: bytes 0x%x+0x%x lie outside the %u-byte file", (unsigned)index,
                            (unsigned)sh->sh_offset, (unsigned)sh->sh_size, (unsigned)ctx->size);
    }
    if (sh->sh_flags & SHF_ALLOC) {
        ESP_RETURN_ON_FALSE(range_ok(sh->sh_addr, sh->sh_size, UINT64_C(1) << 32), ESP_ERR_INVALID_SIZE, TAG,
                            "section %u: address 0x%x + size 0x%x wraps", (unsigned)index,
                            (unsigned)sh->sh_addr, (unsigned)sh->sh_size);
        uint32_t align = sh->sh_addralign;
        ESP_RETURN_ON_FALSE(align <= HR_MAX_ALIGN && (align & (align - 1)) == 0 &&
                            (align == 0 || sh->sh_addr % align == 0), ESP_ERR_NOT_SUPPORTED, TAG,
                            "section %u: alignment %u is not a power of two up to %u matching its address",
                            (unsigned)index, (unsigned)align, HR_MAX_ALIGN);
    }
    /* Two sections sharing file bytes or (loaded) addresses would let one
     * section's relocations rewrite another's contents behind the checks. */
    for (uint32_t j = 1; j < index; j++) {
        Elf32_Shdr other;
        hr_load_shdr(ctx, j, &other);
        bool both_in_file = sh->sh_type != SHT_NOBITS && other.sh_type != SHT_NOBITS;
        ESP_RETURN_ON_FALSE(!both_in_file || sh->sh_size == 0 || other.sh_size == 0 ||
                            (uint64_t)sh->sh_offset + sh->sh_size <= other.sh_offset ||
                            (uint64_t)other.sh_offset + other.sh_size <= sh->sh_offset,
                            ESP_ERR_INVALID_SIZE, TAG, "sections %u and %u overlap in the file", (unsigned)j,
                            (unsigned)index);
        bool both_alloc = (sh->sh_flags & SHF_ALLOC) && (other.sh_flags & SHF_ALLOC);
        ESP_RETURN_ON_FALSE(!both_alloc || sh->sh_size == 0 || other.sh_size == 0 ||
                            (uint64_t)sh->sh_addr + sh->sh_size <= other.sh_addr ||
                            (uint64_t)other.sh_addr + other.sh_size <= sh->sh_addr,
                            ESP_ERR_INVALID_SIZE, TAG, "sections %u and %u overlap in memory", (unsigned)j,
                            (unsigned)index);
    }
    return ESP_OK;
}

/** Check every section header; find .shstrtab, .hotreload.info, .symtab and its strings. */
static esp_err_t parse_sections(hr_load_ctx_t *ctx, bool need_symtab)
{
    for (uint32_t i = 1; i < ctx->shnum; i++) {
        Elf32_Shdr sh;
        hr_load_shdr(ctx, i, &sh);
        ESP_RETURN_ON_ERROR(check_section(ctx, i, &sh), TAG, "section %u", (unsigned)i);
    }
    ESP_RETURN_ON_ERROR(get_strtab(ctx, ctx->ehdr.e_shstrndx, &ctx->shstrtab, &ctx->shstrtab_size), TAG,
                        "section name table");
    for (uint32_t i = 1; i < ctx->shnum; i++) {
        Elf32_Shdr sh;
        hr_load_shdr(ctx, i, &sh);
        const char *name = section_name(ctx, &sh);
        ESP_RETURN_ON_FALSE(name != NULL, ESP_ERR_INVALID_SIZE, TAG, "section %u: name offset 0x%x out of range",
                            (unsigned)i, (unsigned)sh.sh_name);
        if (strcmp(name, HR_PROTO_MODULE_INFO_SECTION) == 0) {
            ctx->info_index = i;
        }
        if (sh.sh_type == SHT_SYMTAB) {
            ESP_RETURN_ON_FALSE(ctx->symtab_index == 0, ESP_ERR_INVALID_SIZE, TAG, "more than one symbol table");
            ctx->symtab_index = i;
        }
        if ((sh.sh_flags & SHF_ALLOC) && sh.sh_size > 0) {
            ctx->alloc_count++;
        }
    }
    ESP_RETURN_ON_FALSE(ctx->info_index != 0, ESP_ERR_NOT_FOUND, TAG,
                        "no %s section: not a hotreload module (build it with the hotreload pipeline)",
                        HR_PROTO_MODULE_INFO_SECTION);
    if (!need_symtab) {
        return ESP_OK;
    }
    ESP_RETURN_ON_FALSE(ctx->symtab_index != 0, ESP_ERR_NOT_FOUND, TAG, "no symbol table (module was stripped too far)");
    Elf32_Shdr sym;
    hr_load_shdr(ctx, ctx->symtab_index, &sym);
    ESP_RETURN_ON_FALSE(sym.sh_entsize == sizeof(Elf32_Sym) && sym.sh_size % sizeof(Elf32_Sym) == 0,
                        ESP_ERR_INVALID_SIZE, TAG, "symbol table entry size %u / size %u do not match ELF32",
                        (unsigned)sym.sh_entsize, (unsigned)sym.sh_size);
    ESP_RETURN_ON_ERROR(get_strtab(ctx, sym.sh_link, &ctx->strtab, &ctx->strtab_size), TAG, "symbol names");
    ctx->symtab = ctx->elf + sym.sh_offset;
    ctx->sym_count = sym.sh_size / sizeof(Elf32_Sym);
    return ESP_OK;
}

static uint32_t read_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static esp_err_t parse_info(const hr_load_ctx_t *ctx, hr_module_info_t *out)
{
    Elf32_Shdr sh;
    hr_load_shdr(ctx, ctx->info_index, &sh);
    ESP_RETURN_ON_FALSE(sh.sh_type != SHT_NOBITS && sh.sh_size >= HR_PROTO_MODULE_INFO_SIZE, ESP_ERR_INVALID_SIZE,
                        TAG, "%s is %u bytes, expected %u", HR_PROTO_MODULE_INFO_SECTION, (unsigned)sh.sh_size,
                        HR_PROTO_MODULE_INFO_SIZE);
    const uint8_t *info = ctx->elf + sh.sh_offset;
    ESP_RETURN_ON_FALSE(memcmp(info + HR_PROTO_INFO_MAGIC_OFFSET, HR_PROTO_MODULE_INFO_MAGIC,
                               HR_PROTO_MODULE_INFO_MAGIC_SIZE) == 0, ESP_ERR_NOT_SUPPORTED, TAG,
                        "%s has the wrong magic: module from another hotreload version", HR_PROTO_MODULE_INFO_SECTION);
    uint32_t info_size = read_le32(info + HR_PROTO_INFO_INFO_SIZE_OFFSET);
    ESP_RETURN_ON_FALSE(info_size >= HR_PROTO_MODULE_INFO_SIZE && info_size <= sh.sh_size, ESP_ERR_INVALID_SIZE, TAG,
                        "info record says %u bytes; section holds %u, format needs %u", (unsigned)info_size,
                        (unsigned)sh.sh_size, HR_PROTO_MODULE_INFO_SIZE);
    const uint8_t *name = info + HR_PROTO_INFO_NAME_OFFSET;
    ESP_RETURN_ON_FALSE(memchr(name, '\0', HR_PROTO_INFO_NAME_SIZE) != NULL, ESP_ERR_INVALID_SIZE, TAG,
                        "component name in the info record is not NUL-terminated");
    _Static_assert(sizeof(out->name) == HR_PROTO_INFO_NAME_SIZE, "hr_module_info_t.name size");
    _Static_assert(sizeof(out->firmware_id) == HR_PROTO_INFO_FIRMWARE_SHA256_SIZE, "firmware id size");
    _Static_assert(sizeof(out->fingerprint) == HR_PROTO_INFO_ABI_FINGERPRINT_SIZE, "fingerprint size");
    memcpy(out->name, name, sizeof(out->name));
    out->export_count = read_le32(info + HR_PROTO_INFO_EXPORT_COUNT_OFFSET);
    memcpy(out->firmware_id, info + HR_PROTO_INFO_FIRMWARE_SHA256_OFFSET, sizeof(out->firmware_id));
    memcpy(out->fingerprint, info + HR_PROTO_INFO_ABI_FINGERPRINT_OFFSET, sizeof(out->fingerprint));
    return ESP_OK;
}

esp_err_t hr_loader_read_info(const uint8_t *elf, size_t size, hr_module_info_t *out)
{
    ESP_RETURN_ON_FALSE(elf != NULL && out != NULL, ESP_ERR_INVALID_ARG, TAG, "elf and out are required");
    hr_load_ctx_t ctx = { .elf = elf, .size = size };
    ESP_RETURN_ON_ERROR(parse_header(&ctx), TAG, "ELF header");
    ESP_RETURN_ON_ERROR(parse_sections(&ctx, false), TAG, "section headers");
    return parse_info(&ctx, out);
}

static esp_err_t check_identity(const hr_load_ctx_t *ctx, const hr_load_params_t *params)
{
    hr_module_info_t info;
    ESP_RETURN_ON_ERROR(parse_info(ctx, &info), TAG, "module info");
    const hotreload_table_t *table = params->table;
    ESP_RETURN_ON_FALSE(strcmp(info.name, table->name) == 0, ESP_ERR_INVALID_ARG, TAG,
                        "module is component '%s', the table is for '%s'", info.name, table->name);
    if (params->firmware_id != NULL) {
        ESP_RETURN_ON_FALSE(memcmp(info.firmware_id, params->firmware_id, sizeof(info.firmware_id)) == 0,
                            ESP_ERR_INVALID_VERSION, TAG,
                            "module '%s' was linked against another firmware build: flash the current firmware "
                            "or rebuild the module against it", info.name);
    }
    ESP_RETURN_ON_FALSE(info.export_count == table->count &&
                        memcmp(info.fingerprint, table->fingerprint, sizeof(info.fingerprint)) == 0,
                        ESP_ERR_HOTRELOAD_ABI_MISMATCH, TAG,
                        "module '%s' exports %u functions with another fingerprint than the firmware's %u: "
                        "exports changed, rebuild and flash the firmware", info.name,
                        (unsigned)info.export_count, (unsigned)table->count);
    return ESP_OK;
}

static hr_region_kind_t section_kind(const Elf32_Shdr *sh)
{
    if (sh->sh_flags & SHF_EXECINSTR) {
        return HR_REGION_TEXT;
    }
    if (sh->sh_type == SHT_NOBITS) {
        return HR_REGION_BSS;
    }
    return (sh->sh_flags & SHF_WRITE) ? HR_REGION_DATA : HR_REGION_RODATA;
}

/**
 * Fill @p total bytes of a block: @p src_len bytes from @p src (NULL: none), zeros after.
 * Word-only memory gets whole aligned 32-bit stores (total is a multiple of 4).
 */
static void fill_block(const hr_block_t *block, const uint8_t *src, size_t src_len, size_t total)
{
    if (!block->word_access_only) {
        if (src_len > 0) {
            memcpy(block->write_ptr, src, src_len);
        }
        memset((uint8_t *)block->write_ptr + src_len, 0, total - src_len);
        return;
    }
    volatile uint32_t *dst = (volatile uint32_t *)block->write_ptr;
    for (size_t off = 0; off < total; off += 4) {
        uint32_t word = 0;
        for (size_t i = 0; i < 4 && off + i < src_len; i++) {
            word |= (uint32_t)src[off + i] << (8 * i);
        }
        dst[off / 4] = word;
    }
}

/** Allocate one block per loaded section, copy PROGBITS, zero NOBITS. */
static esp_err_t map_sections(hr_load_ctx_t *ctx)
{
    const hr_mem_port_t *port = ctx->params->mem;
    ctx->sects = calloc(ctx->shnum, sizeof(hr_sect_t));
    ESP_RETURN_ON_FALSE(ctx->sects != NULL, ESP_ERR_NO_MEM, TAG, "section table");
    ctx->image = calloc(1, sizeof(hr_image_t) + ctx->alloc_count * sizeof(hr_image_block_t));
    ESP_RETURN_ON_FALSE(ctx->image != NULL, ESP_ERR_NO_MEM, TAG, "image descriptor");
    ctx->image->port = port;
    for (uint32_t i = 1; i < ctx->shnum; i++) {
        Elf32_Shdr sh;
        hr_load_shdr(ctx, i, &sh);
        hr_sect_t *sect = &ctx->sects[i];
        sect->link_addr = sh.sh_addr;
        sect->size = sh.sh_size;
        if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0) {
            continue;
        }
        hr_region_kind_t kind = section_kind(&sh);
        size_t align = sh.sh_addralign < 4 ? 4 : sh.sh_addralign;
        /* Round up to whole words: word-only memory is written a word at a time. */
        size_t alloc_size = ((size_t)sh.sh_size + 3) & ~(size_t)3;
        hr_image_block_t *slot = &ctx->image->blocks[ctx->image->count];
        ESP_RETURN_ON_ERROR(port->alloc(port, kind, alloc_size, align, &slot->block), TAG,
                            "no memory for section %u (%u bytes, kind %d)", (unsigned)i, (unsigned)sh.sh_size, kind);
        slot->size = alloc_size;
        ctx->image->count++;
        ctx->image->bytes += alloc_size;
        const uint8_t *src = sh.sh_type == SHT_NOBITS ? NULL : ctx->elf + sh.sh_offset;
        fill_block(&slot->block, src, src == NULL ? 0 : sh.sh_size, alloc_size);
        sect->run_addr = slot->block.run_addr;
        sect->write_ptr = slot->block.write_ptr;
        sect->word_access_only = slot->block.word_access_only;
        sect->loaded = true;
        /* Sections ending at the top of the address space take hr_link_resolve_slow's path. */
        sect->sym_span = (uint64_t)sect->link_addr + sect->size < (UINT64_C(1) << 32) ? sect->size + 1 : 0;
        ESP_LOGD(TAG, "section %u (%s): kind %d, %u bytes, link 0x%08x -> run 0x%08x", (unsigned)i,
                 section_name(ctx, &sh), kind, (unsigned)sh.sh_size, (unsigned)sh.sh_addr,
                 (unsigned)sect->run_addr);
    }
    return ESP_OK;
}

static void sync_image(const hr_image_t *image)
{
    for (size_t i = 0; i < image->count; i++) {
        if (image->port->sync != NULL) {
            image->port->sync(image->port, &image->blocks[i].block, image->blocks[i].size);
        }
    }
}

esp_err_t hr_loader_load(const uint8_t *elf, size_t size, const hr_load_params_t *params,
                         uint32_t *out_slots, hr_image_t **out_image)
{
    ESP_RETURN_ON_FALSE(elf != NULL && params != NULL && params->table != NULL && params->table->name != NULL &&
                        params->mem != NULL && params->mem->alloc != NULL && params->mem->free != NULL &&
                        out_image != NULL &&
                        ((out_slots != NULL && params->table->names != NULL) || params->table->count == 0),
                        ESP_ERR_INVALID_ARG, TAG,
                        "elf, params (table with name and names, mem with alloc and free), out_slots and out_image "
                        "are required");
    esp_err_t ret = ESP_OK;
    hr_load_ctx_t ctx = { .elf = elf, .size = size, .params = params };
    *out_image = NULL;

    ESP_LOGD(TAG, "validating %u-byte module", (unsigned)size);
    ESP_GOTO_ON_ERROR(parse_header(&ctx), out, TAG, "ELF header");
    ESP_GOTO_ON_ERROR(parse_sections(&ctx, true), out, TAG, "section headers");
    ESP_GOTO_ON_ERROR(check_identity(&ctx, params), out, TAG, "module identity");
    ESP_LOGD(TAG, "mapping %u sections", (unsigned)ctx.alloc_count);
    ESP_GOTO_ON_ERROR(map_sections(&ctx), out, TAG, "map sections");
    ESP_LOGD(TAG, "relocating");
    ESP_GOTO_ON_ERROR(hr_link_relocate(&ctx), out, TAG, "relocate");
    ESP_LOGD(TAG, "resolving %u exports", (unsigned)params->table->count);
    ESP_GOTO_ON_ERROR(hr_link_exports(&ctx, out_slots), out, TAG, "exports");
    sync_image(ctx.image);
    *out_image = ctx.image;
    ctx.image = NULL;

out:
    if (ret != ESP_OK) {
        ESP_LOGE(TAG, "module not loaded: %s", esp_err_to_name(ret));
    }
    hr_image_free(ctx.image);
    free(ctx.sects);
    free(ctx.hi);
    free(ctx.deferred);
    free(ctx.exports);
    return ret;
}

void hr_image_free(hr_image_t *image)
{
    if (image == NULL) {
        return;
    }
    for (size_t i = 0; i < image->count; i++) {
        image->port->free(image->port, &image->blocks[i].block);
    }
    free(image);
}

size_t hr_image_size(const hr_image_t *image)
{
    return image == NULL ? 0 : image->bytes;
}

void hr_loader_switch(const hotreload_table_t *table, const uint32_t *slots)
{
    for (uint32_t i = 0; i < table->count; i++) {
        table->slots[i] = slots[i];
    }
    /* Every slot store is complete before the caller reports the reload done. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void hr_loader_poison(const hotreload_table_t *table)
{
    /* A 32-bit target address: on the chips (and the simulated device) pointers are 32 bits. */
    uint32_t trap = (uint32_t)(uintptr_t)&hotreload_trap_unloaded;
    for (uint32_t i = 0; i < table->count; i++) {
        table->slots[i] = trap;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
