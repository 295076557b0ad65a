/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_runtime.h
 * @brief What the HTTP server needs from the runtime beyond the public API (internal).
 *
 * Implemented in hr_api.c. Every function takes the runtime's mutex.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "hotreload.h"
#include "hr_loader.h"
#include "hr_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Memory port for modules (src/hr_mem.c); NULL when @p spiram is asked for on a chip that cannot execute from PSRAM. */
const hr_mem_port_t *hr_mem_default_port(bool spiram);

/** Longest message kept for the last error. */
#define HR_RUNTIME_MSG_MAX 192

/**
 * @brief Start storing an upload in the partition.
 * @param size_hint bytes that will follow if known, 0 if not
 * @param exact false when @p size_hint is only an upper bound (a multipart body's length): then a hint
 *        above the limit is not refused up front; the data is checked as it streams in
 * @return ESP_OK; ESP_ERR_INVALID_STATE (runtime not initialised, or another upload in progress);
 *         ESP_ERR_NOT_FOUND (no partition); ESP_ERR_INVALID_SIZE (too large); ESP_ERR_NO_MEM
 */
esp_err_t hr_runtime_upload_begin(size_t size_hint, bool exact, hr_store_writer_t **out);

/**
 * @brief Validate and commit an upload (always releases @p writer).
 *
 * Checks the info record: an ELF module, built for this firmware, naming a
 * component of this firmware with the same exports. On failure the error and
 * its message are recorded (hotreload_get_status()) and nothing is committed.
 */
esp_err_t hr_runtime_upload_finish(hr_store_writer_t *writer, const uint8_t *expected_sha256, hr_store_entry_t *out);

/** Abandon an upload. */
void hr_runtime_upload_abort(hr_store_writer_t *writer);

/**
 * @brief What POST /reload does: reload now (immediate mode) or flag it for the application (cooperative).
 * @param[out] reloaded true when the new code runs already
 * @param[out] load_us time spent loading (0 when only flagged)
 * @return ESP_OK or the error of hotreload_reload()
 */
esp_err_t hr_runtime_request_reload(bool *reloaded, int64_t *load_us);

/** Set the mode the server runs in (HOTRELOAD_MODE_DEFAULT picks Kconfig's). */
void hr_runtime_set_mode(hotreload_mode_t mode);

/** Record a failure seen outside the runtime (by the server) for hotreload_get_status(). */
void hr_runtime_note_error(esp_err_t err, const char *message);

/** Whether hotreload_load() (or a load from a buffer) has initialised the runtime. */
bool hr_runtime_initialised(void);

#ifdef __cplusplus
}
#endif
