/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_auth.c
 * @brief Nonce issue/consume and HMAC-SHA256 request signatures (see hr_auth.h).
 */
#include <string.h>

#include "hr_auth.h"
#include "hr_crypto.h"
#include "hr_os.h"

/* Longest method and path accepted in the signed message (ours are short). */
#define METHOD_MAX 8
#define PATH_MAX_LEN 64

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool hr_auth_hex_decode(const char *hex, uint8_t *out, size_t len)
{
    if (hex == NULL || strlen(hex) != 2 * len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        int hi = hex_digit(hex[2 * i]);
        int lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void hr_auth_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0xF];
    }
    out[2 * len] = '\0';
}

void hr_auth_init(hr_auth_t *auth, const uint8_t key[HR_AUTH_KEY_SIZE])
{
    memset(auth, 0, sizeof(*auth));
    memcpy(auth->key, key, HR_AUTH_KEY_SIZE);
}

void hr_auth_issue_nonce(hr_auth_t *auth, int64_t now_us, char out[HR_AUTH_NONCE_HEX + 1])
{
    uint8_t raw[HR_AUTH_NONCE_BYTES];
    hr_os_random(raw, sizeof(raw));
    hr_auth_hex_encode(raw, sizeof(raw), auth->nonce);
    auth->outstanding = true;
    auth->issued_us = now_us;
    memcpy(out, auth->nonce, sizeof(auth->nonce));
}

esp_err_t hr_auth_check(hr_auth_t *auth, int64_t now_us, const char *method, const char *path, const char *nonce,
                        const char *body_sha256_hex, const char *signature_hex, uint8_t body_sha256[32],
                        const char **why)
{
    bool had_nonce = auth->outstanding;
    bool expired = now_us - auth->issued_us > HR_AUTH_NONCE_TTL_US;
    auth->outstanding = false;

    if (nonce == NULL || body_sha256_hex == NULL || signature_hex == NULL) {
        *why = "authentication required: the request lacks the X-Hotreload-Nonce/-Body-SHA256/-Signature headers "
               "(use `idf.py reload` or `hotreload reload`, which sign with build/hotreload/auth.key)";
        return ESP_ERR_INVALID_ARG;
    }
    uint8_t signature[HR_SHA256_SIZE];
    if (!hr_auth_hex_decode(body_sha256_hex, body_sha256, HR_SHA256_SIZE) ||
            !hr_auth_hex_decode(signature_hex, signature, sizeof(signature))) {
        *why = "authentication headers malformed: body SHA-256 and signature must be 64 hex digits";
        return ESP_ERR_INVALID_ARG;
    }
    if (!had_nonce || expired || strlen(nonce) != HR_AUTH_NONCE_HEX ||
            hr_crypto_memcmp_ct(nonce, auth->nonce, HR_AUTH_NONCE_HEX) != 0) {
        *why = "nonce unknown, already used or expired: GET /nonce again and sign the request with it";
        return ESP_ERR_INVALID_STATE;
    }
    if (strlen(method) > METHOD_MAX || strlen(path) > PATH_MAX_LEN) {
        *why = "request method or path too long to be signed";
        return ESP_ERR_INVALID_ARG;
    }
    /* protocol.auth_message(): METHOD (upper case) \n path \n body digest (lower-case hex) \n nonce */
    char message[METHOD_MAX + 1 + PATH_MAX_LEN + 1 + HR_AUTH_DIGEST_HEX + 1 + HR_AUTH_NONCE_HEX + 1];
    size_t n = 0;
    for (const char *m = method; *m; m++) {
        message[n++] = (*m >= 'a' && *m <= 'z') ? (char)(*m - 'a' + 'A') : *m;
    }
    message[n++] = '\n';
    memcpy(message + n, path, strlen(path));
    n += strlen(path);
    message[n++] = '\n';
    hr_auth_hex_encode(body_sha256, HR_SHA256_SIZE, message + n);
    n += HR_AUTH_DIGEST_HEX;
    message[n++] = '\n';
    memcpy(message + n, auth->nonce, HR_AUTH_NONCE_HEX);
    n += HR_AUTH_NONCE_HEX;

    uint8_t expected[HR_SHA256_SIZE];
    hr_hmac_sha256(auth->key, sizeof(auth->key), message, n, expected);
    if (hr_crypto_memcmp_ct(expected, signature, sizeof(expected)) != 0) {
        *why = "signature does not match: the host's build/hotreload/auth.key differs from the key in the "
               "firmware (flash the firmware built with that key: idf.py flash)";
        return ESP_ERR_INVALID_CRC;
    }
    *why = "";
    return ESP_OK;
}
