/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_auth.h
 * @brief Request authentication: single-use nonces and HMAC-SHA256 signatures (internal).
 *
 * Scheme (docs/CONTRACTS.md "Authentication", hotreload_py/protocol.py
 * auth_message()): the client GETs a nonce, then signs
 * "METHOD\nPATH\nbody-sha256-hex\nNONCE" with the build's 32-byte key. The
 * device keeps one outstanding nonce, forgets it on first use (whatever the
 * outcome) or after a timeout, and compares signatures in constant time. The
 * body's digest is checked by the caller after the body has streamed in.
 *
 * Not thread-safe: the caller serialises access (the HTTP server holds a mutex).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HR_AUTH_KEY_SIZE 32                        /*!< HMAC key bytes */
#define HR_AUTH_NONCE_BYTES 16                     /*!< random bytes in a nonce */
#define HR_AUTH_NONCE_HEX (2 * HR_AUTH_NONCE_BYTES) /*!< nonce length as sent (lower-case hex) */
#define HR_AUTH_DIGEST_HEX 64                      /*!< SHA-256 / HMAC-SHA256 length in hex */
#define HR_AUTH_NONCE_TTL_US (60LL * 1000 * 1000)  /*!< a nonce not used within this time expires */

/** Authentication state. */
typedef struct {
    uint8_t key[HR_AUTH_KEY_SIZE];
    char nonce[HR_AUTH_NONCE_HEX + 1];
    bool outstanding;
    int64_t issued_us;
} hr_auth_t;

/** Start with @p key and no outstanding nonce. */
void hr_auth_init(hr_auth_t *auth, const uint8_t key[HR_AUTH_KEY_SIZE]);

/** Make a fresh nonce (replacing any outstanding one) and copy it, NUL-terminated, to @p out. */
void hr_auth_issue_nonce(hr_auth_t *auth, int64_t now_us, char out[HR_AUTH_NONCE_HEX + 1]);

/**
 * @brief Check a request's authentication headers (before reading its body).
 *
 * Consumes the outstanding nonce whatever the outcome.
 *
 * @param method request method ("POST")
 * @param path request path ("/upload")
 * @param nonce value of the nonce header (NULL if absent)
 * @param body_sha256_hex value of the body digest header (NULL if absent)
 * @param signature_hex value of the signature header (NULL if absent)
 * @param[out] body_sha256 the announced body digest, decoded, to compare once the body has arrived
 * @param[out] why one line for the client when the check fails
 * @return ESP_OK; ESP_ERR_INVALID_ARG (header missing or not hex of the right length);
 *         ESP_ERR_INVALID_STATE (nonce unknown, already used or expired); ESP_ERR_INVALID_CRC (wrong signature)
 */
esp_err_t hr_auth_check(hr_auth_t *auth, int64_t now_us, const char *method, const char *path, const char *nonce,
                        const char *body_sha256_hex, const char *signature_hex, uint8_t body_sha256[32],
                        const char **why);

/** Decode @p len bytes from 2 * @p len hex digits (either case); false on any other input. */
bool hr_auth_hex_decode(const char *hex, uint8_t *out, size_t len);

/** Encode @p len bytes as lower-case hex into @p out (2 * @p len + 1 bytes). */
void hr_auth_hex_encode(const uint8_t *data, size_t len, char *out);

#ifdef __cplusplus
}
#endif
