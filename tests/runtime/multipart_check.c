/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file multipart_check.c
 * @brief Drives src/hr_multipart.c for tests/test_runtime_multipart.py.
 *
 * usage: multipart_check CONTENT_TYPE BODY_FILE OUT_FILE [splits]
 *   Parses BODY_FILE once in one piece and writes the field to OUT_FILE, printing
 *   "ok" or "error <ESP_ERR_NAME> <why>". With "splits", also parses it split in two at
 *   every byte offset, split in three at every pair of offsets 7 bytes apart, and one byte
 *   at a time, and checks that each gives the same result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_multipart.h"

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} sink_t;

static esp_err_t collect(void *arg, const uint8_t *data, size_t len)
{
    sink_t *s = arg;
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2;
        s->data = realloc(s->data, s->cap);
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return ESP_OK;
}

/* Parse body split at the given offsets (ascending, within range); returns the final error. */
static esp_err_t parse(const char *ct, const uint8_t *body, size_t len, const size_t *cuts, size_t ncuts,
                       sink_t *out, const char **why)
{
    hr_multipart_t mp;
    out->len = 0;
    esp_err_t err = hr_multipart_init(&mp, ct, "file", collect, out);
    size_t pos = 0;
    for (size_t i = 0; i <= ncuts && err == ESP_OK; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        err = hr_multipart_feed(&mp, body + pos, end - pos);
        pos = end;
    }
    if (err == ESP_OK) {
        err = hr_multipart_finish(&mp);
    }
    *why = hr_multipart_error(&mp);
    return err;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) {
        return 2;
    }
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *body = malloc(len + 1);
    if (fread(body, 1, len, f) != len) {
        return 2;
    }
    fclose(f);

    sink_t ref = {0}, got = {0};
    const char *why;
    esp_err_t ref_err = parse(argv[1], body, len, NULL, 0, &ref, &why);
    if (ref_err == ESP_OK) {
        FILE *o = fopen(argv[3], "wb");
        if (ref.len > 0) {
            fwrite(ref.data, 1, ref.len, o);
        }
        fclose(o);
        printf("ok\n");
    } else {
        printf("error %s %s\n", esp_err_to_name(ref_err), why);
    }
    int mismatches = 0;
    size_t runs = 0;
    if (argc > 4 && strcmp(argv[4], "splits") == 0) {
        size_t *cuts = malloc((len + 1) * sizeof(size_t));
        for (size_t k = 0; k <= len; k++) {
            cuts[0] = k;
            esp_err_t err = parse(argv[1], body, len, cuts, 1, &got, &why);
            runs++;
            if (err != ref_err || (err == ESP_OK && (got.len != ref.len || (ref.len && memcmp(got.data, ref.data, ref.len))))) {
                printf("mismatch split at %zu: %s\n", k, esp_err_to_name(err));
                mismatches++;
            }
        }
        for (size_t k = 0; k + 7 <= len; k++) {
            cuts[0] = k;
            cuts[1] = k + 7;
            esp_err_t err = parse(argv[1], body, len, cuts, 2, &got, &why);
            runs++;
            if (err != ref_err || (err == ESP_OK && (got.len != ref.len || (ref.len && memcmp(got.data, ref.data, ref.len))))) {
                printf("mismatch split at %zu+7: %s\n", k, esp_err_to_name(err));
                mismatches++;
            }
        }
        for (size_t k = 0; k < len; k++) {
            cuts[k] = k + 1;
        }
        esp_err_t err = parse(argv[1], body, len, cuts, len ? len - 1 : 0, &got, &why);
        runs++;
        if (err != ref_err || (err == ESP_OK && (got.len != ref.len || (ref.len && memcmp(got.data, ref.data, ref.len))))) {
            printf("mismatch byte by byte: %s\n", esp_err_to_name(err));
            mismatches++;
        }
        free(cuts);
        printf("splits %zu mismatches %d\n", runs, mismatches);
    }
    free(ref.data);
    free(got.data);
    free(body);
    return mismatches ? 1 : 0;
}
