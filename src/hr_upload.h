/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_upload.h
 * @brief One HTTP upload body streamed into the store: raw or multipart, digest-checked (internal).
 *
 * The server feeds the body as it arrives; nothing is held whole in RAM. The
 * SHA-256 of the raw body is compared with the signed one (when
 * authentication is on) before anything is committed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "hr_crypto.h"
#include "hr_multipart.h"
#include "hr_respond.h"
#include "hr_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An upload in progress; treat as opaque. After an error, `phase` and `why` describe it. */
typedef struct {
    hr_store_writer_t *writer;
    bool multipart;
    hr_multipart_t mp;
    hr_sha256_t body_sha;
    bool check_body;
    uint8_t expected_body_sha[HR_SHA256_SIZE];
    size_t received;
    hr_phase_t phase;      /*!< where the last error arose */
    const char *why;       /*!< one line for the client after an error */
} hr_upload_t;

/**
 * @brief Start: pick the body format from @p content_type and reserve space in the store.
 * @param content_len the body's length (0 if unknown)
 * @param expected_body_sha256 signed digest of the whole body, or NULL when not authenticated
 */
esp_err_t hr_upload_begin(hr_upload_t *up, const char *content_type, size_t content_len,
                          const uint8_t *expected_body_sha256);

/** Feed the next body bytes. On error call hr_upload_abort(). */
esp_err_t hr_upload_feed(hr_upload_t *up, const uint8_t *data, size_t len);

/** The body has ended: check digest and framing, then validate and commit (releases the upload). */
esp_err_t hr_upload_finish(hr_upload_t *up, hr_store_entry_t *out);

/** Give up (the client went away, timed out, or an error occurred); nothing is committed. */
void hr_upload_abort(hr_upload_t *up);

#ifdef __cplusplus
}
#endif
