/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file store_tool.c
 * @brief Drives src/hr_store.c over a file-backed partition for tests/test_runtime_store.py.
 *
 * usage: store_tool PARTFILE SIZE [--fw HEX64] [--max N] COMMAND ...
 *   write NAME FILE [--chunk N] [--hint N] [--cut N] [--sha HEX64]
 *         store FILE as component NAME; --cut N stops after N bytes without finishing
 *         (the process exits as if power failed); --sha sets the expected digest
 *   list                 one line per valid record: seq name length offset live sha256
 *   read NAME OUT        write the live module of NAME to OUT
 *   busy                 a second hr_store_begin() while one is open must fail
 * Prints "error <ESP_ERR_NAME>" and exits 1 when the store refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_partition.h"
#include "hr_store.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static void parse_hex32(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64) {
        fprintf(stderr, "need 64 hex digits\n");
        exit(2);
    }
    for (int i = 0; i < 32; i++) {
        out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int fail(esp_err_t err)
{
    printf("error %s\n", esp_err_to_name(err));
    return 1;
}

typedef struct {
    const char *name;
} validate_arg_t;

static esp_err_t name_from_arg(void *arg, const uint8_t *data, size_t size, char name_out[HR_STORE_NAME_SIZE])
{
    (void)data;
    (void)size;
    snprintf(name_out, HR_STORE_NAME_SIZE, "%s", ((validate_arg_t *)arg)->name);
    return ESP_OK;
}

static int cmd_write(hr_store_t *store, int argc, char **argv)
{
    validate_arg_t arg = {.name = argv[0]};
    size_t len;
    uint8_t *data = read_file(argv[1], &len);
    size_t chunk = 1000, hint = len, cut = SIZE_MAX;
    uint8_t sha[32];
    const uint8_t *expected = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--chunk") == 0) {
            chunk = strtoul(argv[i + 1], NULL, 0);
        } else if (strcmp(argv[i], "--hint") == 0) {
            hint = strtoul(argv[i + 1], NULL, 0);
        } else if (strcmp(argv[i], "--cut") == 0) {
            cut = strtoul(argv[i + 1], NULL, 0);
        } else if (strcmp(argv[i], "--sha") == 0) {
            parse_hex32(argv[i + 1], sha);
            expected = sha;
        }
    }
    hr_store_writer_t *w;
    esp_err_t err = hr_store_begin(store, hint, &w);
    if (err != ESP_OK) {
        free(data);
        return fail(err);
    }
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (off + n > cut) {
            n = cut - off;
        }
        err = hr_store_write(w, data + off, n);
        if (err != ESP_OK) {
            hr_store_abort(w);
            free(data);
            return fail(err);
        }
        if (off + n >= cut) {
            /* Simulated power loss: no finish, no cleanup. */
            printf("cut at %zu\n", off + n);
            fflush(stdout);
            _Exit(3);
        }
    }
    hr_store_entry_t e;
    err = hr_store_finish(w, expected, name_from_arg, &arg, &e);
    free(data);
    if (err != ESP_OK) {
        return fail(err);
    }
    printf("ok seq=%u offset=%u length=%u\n", (unsigned)e.seq, (unsigned)e.offset, (unsigned)e.length);
    return 0;
}

static int cmd_list(hr_store_t *store)
{
    hr_store_entry_t entries[256];
    size_t n = hr_store_list(store, entries, 256);
    for (size_t i = 0; i < n; i++) {
        printf("%u %s %u %u %d ", (unsigned)entries[i].seq, entries[i].name, (unsigned)entries[i].length,
               (unsigned)entries[i].offset, entries[i].live);
        for (int k = 0; k < 32; k++) {
            printf("%02x", entries[i].sha256[k]);
        }
        printf("\n");
    }
    return 0;
}

static int cmd_read(hr_store_t *store, const char *name, const char *out_path)
{
    hr_store_entry_t e;
    esp_err_t err = hr_store_find(store, name, &e);
    if (err != ESP_OK) {
        return fail(err);
    }
    const uint8_t *data;
    esp_partition_mmap_handle_t h;
    err = hr_store_map(store, &e, &data, &h);
    if (err != ESP_OK) {
        return fail(err);
    }
    FILE *f = fopen(out_path, "wb");
    fwrite(data, 1, e.length, f);
    fclose(f);
    hr_store_unmap(h);
    printf("ok seq=%u length=%u\n", (unsigned)e.seq, (unsigned)e.length);
    return 0;
}

static int cmd_busy(hr_store_t *store)
{
    hr_store_writer_t *w1, *w2;
    esp_err_t err = hr_store_begin(store, 100, &w1);
    if (err != ESP_OK) {
        return fail(err);
    }
    err = hr_store_begin(store, 100, &w2);
    hr_store_abort(w1);
    if (err != ESP_OK) {
        return fail(err);
    }
    hr_store_abort(w2);
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: store_tool PARTFILE SIZE [--fw HEX] [--max N] COMMAND ...\n");
        return 2;
    }
    uint8_t fw[32];
    memset(fw, 0x11, sizeof(fw));
    uint32_t max = 256 * 1024;
    int i = 3;
    while (i + 1 < argc && strncmp(argv[i], "--", 2) == 0) {
        if (strcmp(argv[i], "--fw") == 0) {
            parse_hex32(argv[i + 1], fw);
        } else if (strcmp(argv[i], "--max") == 0) {
            max = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        }
        i += 2;
    }
    esp_err_t err = esp_partition_file_register("hotreload", argv[1], strtoul(argv[2], NULL, 0),
                                                ESP_PARTITION_TYPE_APP, 0x40);
    if (err != ESP_OK) {
        return fail(err);
    }
    hr_store_t *store;
    hr_store_config_t cfg = {.partition_label = "hotreload", .max_module_size = max, .firmware_id = fw};
    err = hr_store_open(&cfg, &store);
    if (err != ESP_OK) {
        return fail(err);
    }
    int rc = 2;
    const char *cmd = argv[i];
    if (strcmp(cmd, "write") == 0 && argc - i >= 3) {
        rc = cmd_write(store, argc - i - 1, argv + i + 1);
    } else if (strcmp(cmd, "list") == 0) {
        rc = cmd_list(store);
    } else if (strcmp(cmd, "read") == 0 && argc - i >= 3) {
        rc = cmd_read(store, argv[i + 1], argv[i + 2]);
    } else if (strcmp(cmd, "busy") == 0) {
        rc = cmd_busy(store);
    } else {
        fprintf(stderr, "unknown command %s\n", cmd);
    }
    hr_store_close(store);
    esp_partition_file_unregister_all();
    return rc;
}
