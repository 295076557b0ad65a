/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fuzz_multipart.c
 * @brief libFuzzer target: the multipart parser on any body split anywhere, and on any Content-Type.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hr_multipart.h"

#define CONTENT_TYPE_MAX 300

static esp_err_t discard(void *arg, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)data;
    (void)len;
    return ESP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    /* First byte: where to split the rest into two receives. */
    size_t split = data[0] % size;
    hr_multipart_t mp;
    if (hr_multipart_init(&mp, "multipart/form-data; boundary=--x-", "file", discard, NULL) == ESP_OK) {
        hr_multipart_feed(&mp, data + 1, split);
        hr_multipart_feed(&mp, data + 1 + split, size - 1 - split);
        hr_multipart_finish(&mp);
    }
    char content_type[CONTENT_TYPE_MAX];
    size_t n = size < sizeof(content_type) - 1 ? size : sizeof(content_type) - 1;
    memcpy(content_type, data, n);
    content_type[n] = '\0';
    hr_multipart_init(&mp, content_type, "file", discard, NULL);
    return 0;
}
