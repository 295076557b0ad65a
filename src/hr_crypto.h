/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_crypto.h
 * @brief Streaming SHA-256 and one-shot HMAC-SHA256 (internal port header).
 *
 * Implementations: src/port/esp_idf/hr_crypto_esp.c (mbedTLS / PSA, hardware
 * accelerated where the chip has it) and sim/platform/src/hr_crypto_soft.c
 * (plain C, for host tests and the simulated device).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HR_SHA256_SIZE 32          /*!< digest bytes */
#define HR_SHA256_CTX_SIZE 512     /*!< room for any port's context (ports check with a static assert) */

/** A SHA-256 computation in progress; the port owns the layout. */
typedef struct {
    union {
        uint64_t align;
        void *align_ptr;
        uint8_t bytes[HR_SHA256_CTX_SIZE];
    } u;
} hr_sha256_t;

/** Start a digest. */
void hr_sha256_init(hr_sha256_t *ctx);

/** Add @p len bytes. */
void hr_sha256_update(hr_sha256_t *ctx, const void *data, size_t len);

/** Write the digest to @p out; @p ctx must be initialised again before reuse. */
void hr_sha256_finish(hr_sha256_t *ctx, uint8_t out[HR_SHA256_SIZE]);

/** SHA-256 of one buffer. */
void hr_sha256(const void *data, size_t len, uint8_t out[HR_SHA256_SIZE]);

/** HMAC-SHA256 (RFC 2104) of @p msg under @p key. */
void hr_hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[HR_SHA256_SIZE]);

/** Compare two buffers in time that depends only on @p len; 0 when equal. */
static inline int hr_crypto_memcmp_ct(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *pa = (const volatile uint8_t *)a;
    const volatile uint8_t *pb = (const volatile uint8_t *)b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++) {
        diff |= (uint8_t)(pa[i] ^ pb[i]);
    }
    return diff;
}

#ifdef __cplusplus
}
#endif
