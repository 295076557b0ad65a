/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fuzz_auth.c
 * @brief libFuzzer target: request authentication with any method, path and header values.
 *
 * The input is split at '|' into method, path, nonce, body digest and signature;
 * an empty nonce field uses the nonce just issued, so signature checks are reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hr_auth.h"

#define INPUT_MAX 400
#define FIELDS 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static hr_auth_t auth;
    static const uint8_t key[HR_AUTH_KEY_SIZE] = {1, 2, 3};
    hr_auth_init(&auth, key);
    char buf[INPUT_MAX];
    size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    char *field[FIELDS] = {buf, "", "", "", ""};
    int count = 1;
    for (size_t i = 0; i < n && count < FIELDS; i++) {
        if (buf[i] == '|') {
            buf[i] = '\0';
            field[count++] = buf + i + 1;
        }
    }
    char nonce[HR_AUTH_NONCE_HEX + 1];
    hr_auth_issue_nonce(&auth, 0, nonce);
    uint8_t body_sha[32];
    const char *why = NULL;
    hr_auth_check(&auth, (int64_t)n, field[0], field[1], field[2][0] ? field[2] : nonce,
                  field[3][0] ? field[3] : NULL, field[4], body_sha, &why);
    return 0;
}
