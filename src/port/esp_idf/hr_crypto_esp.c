/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_crypto_esp.c
 * @brief hr_crypto.h on ESP-IDF: SHA-256 through PSA Crypto (ESP-IDF 6.x, Mbed TLS 4) or the
 *        Mbed TLS 3 SHA-256 API (ESP-IDF 5.x); both use the chip's SHA accelerator where present.
 *
 * HMAC (src/hr_hmac.c) is RFC 2104 over this SHA-256: the key is a 32-byte
 * constant compiled into the firmware, so importing it into a PSA key slot
 * would gain nothing.
 */
#include <string.h>

#include "hr_crypto.h"

/* TF-PSA-Crypto (the crypto half of Mbed TLS 4, ESP-IDF 6.x) removed mbedtls_sha256_*(). */
#if defined(__has_include) && __has_include("tf-psa-crypto/build_info.h")
#include "psa/crypto.h"

typedef psa_hash_operation_t sha_ctx_t;

static void sha_init(sha_ctx_t *op)
{
    *op = psa_hash_operation_init();
    /* ESP-IDF calls psa_crypto_init() at start-up; SHA-256 is always enabled. */
    psa_hash_setup(op, PSA_ALG_SHA_256);
}

static void sha_update(sha_ctx_t *op, const void *data, size_t len)
{
    psa_hash_update(op, data, len);
}

static void sha_finish(sha_ctx_t *op, uint8_t out[HR_SHA256_SIZE])
{
    size_t len = 0;
    if (psa_hash_finish(op, out, HR_SHA256_SIZE, &len) != PSA_SUCCESS || len != HR_SHA256_SIZE) {
        /* A failed digest must never compare equal to a real one. */
        memset(out, 0, HR_SHA256_SIZE);
        psa_hash_abort(op);
    }
}
#else
#include "mbedtls/sha256.h"

typedef mbedtls_sha256_context sha_ctx_t;

static void sha_init(sha_ctx_t *ctx)
{
    mbedtls_sha256_init(ctx);
    (void)mbedtls_sha256_starts(ctx, 0);
}

static void sha_update(sha_ctx_t *ctx, const void *data, size_t len)
{
    (void)mbedtls_sha256_update(ctx, data, len);
}

static void sha_finish(sha_ctx_t *ctx, uint8_t out[HR_SHA256_SIZE])
{
    if (mbedtls_sha256_finish(ctx, out) != 0) {
        memset(out, 0, HR_SHA256_SIZE);
    }
    mbedtls_sha256_free(ctx);
}
#endif

_Static_assert(sizeof(sha_ctx_t) <= HR_SHA256_CTX_SIZE, "raise HR_SHA256_CTX_SIZE in hr_crypto.h");

void hr_sha256_init(hr_sha256_t *ctx)
{
    sha_init((sha_ctx_t *)ctx->u.bytes);
}

void hr_sha256_update(hr_sha256_t *ctx, const void *data, size_t len)
{
    sha_update((sha_ctx_t *)ctx->u.bytes, data, len);
}

void hr_sha256_finish(hr_sha256_t *ctx, uint8_t out[HR_SHA256_SIZE])
{
    sha_finish((sha_ctx_t *)ctx->u.bytes, out);
}
