/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_hmac.c
 * @brief One-shot SHA-256 and HMAC-SHA256 (RFC 2104) over a port's streaming SHA-256.
 *
 * The ports (src/port/esp_idf/hr_crypto_esp.c, sim/platform/src/hr_crypto_soft.c)
 * provide only hr_sha256_init/update/finish, so the HMAC construction exists once.
 */
#include <string.h>

#include "hr_crypto.h"

/* SHA-256's block size: the HMAC key is padded or hashed to this length. */
#define HMAC_BLOCK_SIZE 64
#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c

void hr_sha256(const void *data, size_t len, uint8_t out[HR_SHA256_SIZE])
{
    hr_sha256_t ctx;
    hr_sha256_init(&ctx);
    hr_sha256_update(&ctx, data, len);
    hr_sha256_finish(&ctx, out);
}

static void hash_padded(const uint8_t block_key[HMAC_BLOCK_SIZE], uint8_t pad_byte, const void *msg, size_t msg_len,
                        uint8_t out[HR_SHA256_SIZE])
{
    uint8_t pad[HMAC_BLOCK_SIZE];
    for (size_t i = 0; i < HMAC_BLOCK_SIZE; i++) {
        pad[i] = block_key[i] ^ pad_byte;
    }
    hr_sha256_t ctx;
    hr_sha256_init(&ctx);
    hr_sha256_update(&ctx, pad, sizeof(pad));
    hr_sha256_update(&ctx, msg, msg_len);
    hr_sha256_finish(&ctx, out);
    /* The pad is the key in disguise: do not leave it on the stack. */
    memset(pad, 0, sizeof(pad));
}

void hr_hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[HR_SHA256_SIZE])
{
    uint8_t block_key[HMAC_BLOCK_SIZE] = {0};
    if (key_len > HMAC_BLOCK_SIZE) {
        hr_sha256(key, key_len, block_key);
    } else if (key_len > 0) {
        memcpy(block_key, key, key_len);
    }
    uint8_t inner[HR_SHA256_SIZE];
    hash_padded(block_key, HMAC_IPAD, msg, msg_len, inner);
    hash_padded(block_key, HMAC_OPAD, inner, sizeof(inner), out);
    memset(block_key, 0, sizeof(block_key));
}
