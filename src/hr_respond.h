/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_respond.h
 * @brief The server's decisions as portable functions: error to HTTP status and fix, JSON bodies (internal).
 *
 * Kept out of hr_http.c so that host tests cover them without a server. Key
 * names come from hr_protocol.h (hotreload_py/protocol.py).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "hotreload.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where in handling a request an error arose: the same code means different things in each. */
typedef enum {
    HR_PHASE_AUTH,     /*!< checking the authentication headers */
    HR_PHASE_BODY,     /*!< receiving the body (timeouts, truncation, multipart framing, body digest) */
    HR_PHASE_STORE,    /*!< writing to the partition (size, busy, no partition) */
    HR_PHASE_MODULE,   /*!< validating or loading the module, running the reload */
} hr_phase_t;

/** HTTP status code for @p err in @p phase (400, 401, 408, 409, 413, 500, 503). */
int hr_respond_http_status(esp_err_t err, hr_phase_t phase);

/** One line for the user: what failed and what to do about it. */
const char *hr_respond_fix(esp_err_t err, hr_phase_t phase);

/** Reason phrase of an HTTP status code ("409 Conflict"), as httpd_resp_set_status() wants it. */
const char *hr_respond_status_line(int status);

/** A JSON writer into a fixed buffer; check hr_json_end()'s result for overflow. */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
    bool overflow;
    bool need_comma;
} hr_json_t;

void hr_json_begin(hr_json_t *j, char *buf, size_t size);
void hr_json_key_str(hr_json_t *j, const char *key, const char *value);
void hr_json_key_hex(hr_json_t *j, const char *key, const uint8_t *data, size_t len);
void hr_json_key_int(hr_json_t *j, const char *key, long long value);
void hr_json_key_bool(hr_json_t *j, const char *key, bool value);
void hr_json_key_object(hr_json_t *j, const char *key);   /*!< opens a nested object (close with hr_json_close) */
void hr_json_key_array(hr_json_t *j, const char *key);    /*!< opens an array of objects */
void hr_json_array_object(hr_json_t *j);                  /*!< opens the next object inside an array */
void hr_json_close(hr_json_t *j, char bracket);           /*!< '}' or ']' */
/** Close the top-level object; returns the length, or -1 when the buffer was too small. */
int hr_json_end(hr_json_t *j);

/** {"ok": false, "error": message}. Returns the length or -1. */
int hr_respond_error_json(char *buf, size_t size, const char *message);

/**
 * @brief The GET /status body.
 * @param modules one entry per component (status->component_count)
 * @return length or -1 when @p size is too small
 */
int hr_respond_status_json(char *buf, size_t size, const hotreload_status_t *status,
                           const hotreload_module_status_t *modules, bool auth, size_t free_heap);

#ifdef __cplusplus
}
#endif
