/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file host_load.c
 * @brief Host driver for the loader tests: load a module "at" chosen target addresses.
 *
 * Built natively (with AddressSanitizer and UndefinedBehaviorSanitizer) once
 * per architecture. The memory port hands out host buffers whose target
 * (run) addresses come from the command line, so the relocated bytes can be
 * compared with GNU ld linking the same objects at those addresses.
 *
 * usage: host_load MODULE [--at KIND=ADDR]... [--export NAME]... [--out DIR]
 *                  [--word-only] [--fail-alloc N] [--firmware-id HEX64]
 *                  [--fingerprint HEX64] [--table-name NAME] [--info] [--repeat N]
 * KIND is text, rodata, data or bss. Prints "HR: result <esp_err name>",
 * then one "HR: slot NAME 0xADDR" per export, and writes DIR/<kind>.bin.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_err.h"
#include "esp_log.h"
#include "hr_loader.h"

#define MAX_EXPORTS 4096
#define MAX_BLOCKS 64
#define HOST_MEM_LIMIT (64u << 20)

static const char *const s_kind_names[HR_REGION_COUNT] = { "text", "rodata", "data", "bss" };

typedef struct {
    uint32_t next[HR_REGION_COUNT];  /* next target address per kind */
    bool word_only;
    int fail_at;                     /* alloc call number that fails (1-based), 0: never */
    int calls;
    int live;
    struct {
        hr_region_kind_t kind;
        void *ptr;
        size_t size;
    } blocks[MAX_BLOCKS];
    int count;
} host_mem_t;

void hotreload_trap_unloaded(void)
{
    abort();
}

static esp_err_t host_alloc(const hr_mem_port_t *port, hr_region_kind_t kind, size_t size, size_t align,
                            hr_block_t *out)
{
    host_mem_t *mem = port->ctx;
    mem->calls++;
    /* Like a heap: a request beyond any chip's RAM fails instead of reaching the host allocator. */
    if (mem->calls == mem->fail_at || mem->count == MAX_BLOCKS || size > HOST_MEM_LIMIT) {
        return ESP_ERR_NO_MEM;
    }
    void *ptr = NULL;
    if (posix_memalign(&ptr, align < sizeof(void *) ? sizeof(void *) : align, size ? size : 1) != 0) {
        return ESP_ERR_NO_MEM;
    }
    /* Garbage, so a missed copy or zero-fill shows in the comparison. */
    memset(ptr, 0xa5, size);
    uint32_t addr = (mem->next[kind] + (uint32_t)align - 1) & ~((uint32_t)align - 1);
    mem->next[kind] = addr + (uint32_t)size;
    *out = (hr_block_t) {
        .write_ptr = ptr, .run_addr = addr, .word_access_only = mem->word_only && kind == HR_REGION_TEXT
    };
    mem->blocks[mem->count].kind = kind;
    mem->blocks[mem->count].ptr = ptr;
    mem->blocks[mem->count].size = size;
    mem->count++;
    mem->live++;
    return ESP_OK;
}

static void host_free(const hr_mem_port_t *port, const hr_block_t *block)
{
    host_mem_t *mem = port->ctx;
    for (int i = 0; i < mem->count; i++) {
        if (mem->blocks[i].ptr == block->write_ptr) {
            mem->blocks[i].ptr = NULL;
        }
    }
    mem->live--;
    free(block->write_ptr);
}

static void host_sync(const hr_mem_port_t *port, const hr_block_t *block, size_t size)
{
    (void)port;
    (void)block;
    (void)size;
}

static int parse_hex(const char *text, uint8_t *out, size_t n)
{
    if (strlen(text) != 2 * n) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(text + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    /* Exactly the file's size, so ASan flags any read past the end. */
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf != NULL && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)(len > 0 ? len : 0);
    return buf;
}

static void write_blocks(const host_mem_t *mem, const char *dir)
{
    int per_kind[HR_REGION_COUNT] = { 0 };
    for (int i = 0; i < mem->count; i++) {
        if (mem->blocks[i].ptr == NULL) {
            continue;
        }
        char path[4096];
        hr_region_kind_t kind = mem->blocks[i].kind;
        snprintf(path, sizeof(path), "%s/%s%s%d.bin", dir, s_kind_names[kind], per_kind[kind] ? "." : "",
                 per_kind[kind]);
        if (per_kind[kind] == 0) {
            snprintf(path, sizeof(path), "%s/%s.bin", dir, s_kind_names[kind]);
        }
        per_kind[kind]++;
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            fwrite(mem->blocks[i].ptr, 1, mem->blocks[i].size, f);
            fclose(f);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODULE [options]\n", argv[0]);
        return 2;
    }
    static const char *names[MAX_EXPORTS];
    static uint32_t slots_mem[MAX_EXPORTS];
    static uint32_t new_slots[MAX_EXPORTS];
    uint32_t count = 0;
    host_mem_t mem = { .next = { 0x40380000, 0x3fc90000, 0x3fca0000, 0x3fcb0000 } };
    const char *out_dir = NULL;
    const char *table_name = NULL;
    uint8_t firmware_id[32];
    bool have_firmware_id = false;
    uint8_t fingerprint[32];
    bool have_fingerprint = false;
    bool info_only = false;
    int repeat = 1;

    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--word-only") == 0) {
            mem.word_only = true;
        } else if (strcmp(arg, "--info") == 0) {
            info_only = true;
        } else if (val == NULL) {
            fprintf(stderr, "%s needs a value\n", arg);
            return 2;
        } else if (strcmp(arg, "--at") == 0) {
            char kind[16];
            unsigned long addr;
            if (sscanf(val, "%15[a-z]=%lx", kind, &addr) != 2) {
                fprintf(stderr, "bad --at %s\n", val);
                return 2;
            }
            int k;
            for (k = 0; k < HR_REGION_COUNT && strcmp(kind, s_kind_names[k]) != 0; k++) {
            }
            if (k == HR_REGION_COUNT) {
                fprintf(stderr, "bad kind %s\n", kind);
                return 2;
            }
            mem.next[k] = (uint32_t)addr;
            i++;
        } else if (strcmp(arg, "--export") == 0 && count < MAX_EXPORTS) {
            names[count++] = val;
            i++;
        } else if (strcmp(arg, "--out") == 0) {
            out_dir = val;
            i++;
        } else if (strcmp(arg, "--fail-alloc") == 0) {
            mem.fail_at = atoi(val);
            i++;
        } else if (strcmp(arg, "--repeat") == 0) {
            repeat = atoi(val);
            i++;
        } else if (strcmp(arg, "--table-name") == 0) {
            table_name = val;
            i++;
        } else if (strcmp(arg, "--firmware-id") == 0 && parse_hex(val, firmware_id, 32) == 0) {
            have_firmware_id = true;
            i++;
        } else if (strcmp(arg, "--fingerprint") == 0 && parse_hex(val, fingerprint, 32) == 0) {
            have_fingerprint = true;
            i++;
        } else {
            fprintf(stderr, "unknown or bad option %s\n", arg);
            return 2;
        }
    }
    esp_log_level_set("*", getenv("HR_TEST_DEBUG") ? ESP_LOG_DEBUG : ESP_LOG_ERROR);

    size_t size = 0;
    uint8_t *elf = read_file(argv[1], &size);
    if (elf == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    hr_module_info_t info;
    esp_err_t err = hr_loader_read_info(elf, size, &info);
    if (info_only || err != ESP_OK) {
        printf("HR: info %s\n", esp_err_to_name(err));
        if (err == ESP_OK) {
            printf("HR: name %s\nHR: export_count %u\n", info.name, (unsigned)info.export_count);
        }
        if (info_only) {
            free(elf);
            return 0;
        }
    }
    hotreload_table_t table = {
        .name = table_name ? table_name : (err == ESP_OK ? info.name : "?"),
        .names = names,
        .slots = slots_mem,
        .count = count,
    };
    memcpy(table.fingerprint, have_fingerprint ? fingerprint : info.fingerprint, 32);
    hr_mem_port_t port = { .alloc = host_alloc, .free = host_free, .sync = host_sync, .ctx = &mem };
    hr_load_params_t params = {
        .table = &table, .firmware_id = have_firmware_id ? firmware_id : NULL, .mem = &port
    };
    hr_image_t *image = NULL;
    for (int r = 0; r < repeat; r++) {
        hr_image_free(image);
        image = NULL;
        mem.count = 0;
        err = hr_loader_load(elf, size, &params, new_slots, &image);
    }
    printf("HR: result %s\n", esp_err_to_name(err));
    if (err == ESP_OK) {
        printf("HR: size %u\n", (unsigned)hr_image_size(image));
        hr_loader_switch(&table, new_slots);
        for (uint32_t i = 0; i < count; i++) {
            printf("HR: slot %s 0x%08x\n", names[i], (unsigned)slots_mem[i]);
        }
        if (out_dir != NULL) {
            write_blocks(&mem, out_dir);
        }
        hr_loader_poison(&table);
        for (uint32_t i = 0; i < count; i++) {
            if (slots_mem[i] != (uint32_t)(uintptr_t)&hotreload_trap_unloaded) {
                printf("HR: poison failed for %s\n", names[i]);
            }
        }
    } else if (image != NULL) {
        printf("HR: image returned on failure\n");
    }
    hr_image_free(image);
    printf("HR: live %d\n", mem.live);
    free(elf);
    return 0;
}
