/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_multipart.h
 * @brief Streaming multipart/form-data parser that passes on one field's bytes (internal).
 *
 * Feed the request body in chunks of any size (a chunk may end anywhere, even
 * inside a boundary); the bytes of the first part whose Content-Disposition
 * name is the wanted field go to a callback as they arrive, nothing is
 * buffered beyond one boundary's length. RFC 7578 / RFC 2046 section 5.1.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HR_MULTIPART_BOUNDARY_MAX 70   /*!< RFC 2046: 1 to 70 characters */
#define HR_MULTIPART_LINE_MAX 256      /*!< part header line kept for parsing (longer lines are cut) */
#define HR_MULTIPART_FIELD_MAX 32      /*!< longest field name looked for */

/** Receives the wanted field's bytes; an error stops the parse and is returned by hr_multipart_feed(). */
typedef esp_err_t (*hr_multipart_data_fn)(void *arg, const uint8_t *data, size_t len);

/** Parser state; treat as opaque. */
typedef struct {
    char delim[4 + HR_MULTIPART_BOUNDARY_MAX + 1];   /* "\r\n--" boundary */
    size_t delim_len;
    size_t match;                                    /* delimiter bytes matched so far */
    int state;
    int after;                                       /* position in the bytes that follow a delimiter */
    char line[HR_MULTIPART_LINE_MAX];
    size_t line_len;
    bool line_cr;
    bool in_field;                                   /* the current part is the wanted field */
    bool field_seen;                                 /* the wanted field was found (and is complete once its part ends) */
    char field[HR_MULTIPART_FIELD_MAX];
    hr_multipart_data_fn on_data;
    void *arg;
    const char *why;                                 /* what was wrong, after an error */
} hr_multipart_t;

/** True when @p content_type is multipart/form-data (case-insensitive, parameters ignored). */
bool hr_multipart_is_form_data(const char *content_type);

/**
 * @brief Prepare a parser for a body of type @p content_type (which carries the boundary).
 * @return ESP_OK; ESP_ERR_INVALID_ARG (not multipart/form-data, or no valid boundary parameter)
 */
esp_err_t hr_multipart_init(hr_multipart_t *mp, const char *content_type, const char *field,
                            hr_multipart_data_fn on_data, void *arg);

/**
 * @brief Parse the next @p len bytes of the body.
 * @return ESP_OK; ESP_ERR_INVALID_ARG (malformed body; hr_multipart_error() says how); the callback's error
 */
esp_err_t hr_multipart_feed(hr_multipart_t *mp, const uint8_t *data, size_t len);

/**
 * @brief The body has ended: check that it was complete and had the field.
 * @return ESP_OK; ESP_ERR_INVALID_SIZE (ended before the closing boundary); ESP_ERR_NOT_FOUND (no such field)
 */
esp_err_t hr_multipart_finish(hr_multipart_t *mp);

/** One line saying what was wrong after an error (empty before any). */
const char *hr_multipart_error(const hr_multipart_t *mp);

#ifdef __cplusplus
}
#endif
