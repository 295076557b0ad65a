/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_upload.c
 * @brief Streams an upload body (raw or multipart/form-data) into the store (see hr_upload.h).
 */
#include <string.h>

#include "esp_log.h"
#include "hr_protocol.h"
#include "hr_runtime.h"
#include "hr_upload.h"

static const char *TAG = "hr_http";

static esp_err_t fail(hr_upload_t *up, esp_err_t err, hr_phase_t phase, const char *why)
{
    up->phase = phase;
    up->why = why ? why : hr_respond_fix(err, phase);
    return err;
}

static esp_err_t store_bytes(void *arg, const uint8_t *data, size_t len)
{
    hr_upload_t *up = arg;
    esp_err_t err = hr_store_write(up->writer, data, len);
    if (err != ESP_OK) {
        return fail(up, err, HR_PHASE_STORE, NULL);
    }
    return ESP_OK;
}

esp_err_t hr_upload_begin(hr_upload_t *up, const char *content_type, size_t content_len,
                          const uint8_t *expected_body_sha256)
{
    memset(up, 0, sizeof(*up));
    up->why = "";
    up->multipart = hr_multipart_is_form_data(content_type);
    if (up->multipart) {
        esp_err_t err = hr_multipart_init(&up->mp, content_type, HR_PROTO_MULTIPART_FIELD, store_bytes, up);
        if (err != ESP_OK) {
            return fail(up, err, HR_PHASE_BODY, hr_multipart_error(&up->mp));
        }
    }
    up->check_body = expected_body_sha256 != NULL;
    if (up->check_body) {
        memcpy(up->expected_body_sha, expected_body_sha256, HR_SHA256_SIZE);
    }
    /* A multipart length also counts the framing, so it only bounds the module's size. */
    esp_err_t err = hr_runtime_upload_begin(content_len, !up->multipart, &up->writer);
    if (err != ESP_OK) {
        up->writer = NULL;
        return fail(up, err, err == ESP_ERR_INVALID_STATE && !hr_runtime_initialised() ? HR_PHASE_MODULE
                    : HR_PHASE_STORE, NULL);
    }
    hr_sha256_init(&up->body_sha);
    return ESP_OK;
}

esp_err_t hr_upload_feed(hr_upload_t *up, const uint8_t *data, size_t len)
{
    hr_sha256_update(&up->body_sha, data, len);
    up->received += len;
    if (!up->multipart) {
        return store_bytes(up, data, len);
    }
    esp_err_t err = hr_multipart_feed(&up->mp, data, len);
    if (err != ESP_OK && up->phase != HR_PHASE_STORE) {
        return fail(up, err, HR_PHASE_BODY, hr_multipart_error(&up->mp));
    }
    return err;
}

void hr_upload_abort(hr_upload_t *up)
{
    if (up->writer) {
        hr_runtime_upload_abort(up->writer);
        up->writer = NULL;
    }
    uint8_t scratch[HR_SHA256_SIZE];
    hr_sha256_finish(&up->body_sha, scratch);
}

esp_err_t hr_upload_finish(hr_upload_t *up, hr_store_entry_t *out)
{
    uint8_t body_sha[HR_SHA256_SIZE];
    hr_sha256_finish(&up->body_sha, body_sha);
    hr_sha256_init(&up->body_sha);
    esp_err_t err = ESP_OK;
    if (up->check_body && hr_crypto_memcmp_ct(body_sha, up->expected_body_sha, sizeof(body_sha)) != 0) {
        ESP_LOGE(TAG, "upload of %u bytes does not match its signed SHA-256; nothing stored",
                 (unsigned)up->received);
        err = fail(up, ESP_ERR_INVALID_CRC, HR_PHASE_BODY, NULL);
    } else if (up->multipart && (err = hr_multipart_finish(&up->mp)) != ESP_OK) {
        ESP_LOGE(TAG, "upload refused: %s", hr_multipart_error(&up->mp));
        fail(up, err, HR_PHASE_BODY, hr_multipart_error(&up->mp));
    }
    if (err != ESP_OK) {
        hr_upload_abort(up);
        return err;
    }
    hr_store_writer_t *writer = up->writer;
    up->writer = NULL;
    if (hr_store_written(writer) == 0) {
        hr_runtime_upload_abort(writer);
        return fail(up, ESP_ERR_INVALID_SIZE, HR_PHASE_BODY, "empty upload: send the module file as the body");
    }
    err = hr_runtime_upload_finish(writer, NULL, out);
    if (err != ESP_OK) {
        fail(up, err, HR_PHASE_MODULE, NULL);
    }
    return err;
}
