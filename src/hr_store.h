/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_store.h
 * @brief The module store on the `hotreload` flash partition (internal).
 *
 * Layout: the partition is a sequence of 4096-byte sectors. A record (a
 * "slot") is a run of whole sectors: a header at the start of its first sector
 * (magic, sequence number, data length, component name, SHA-256 of the data,
 * firmware identity, SHA-256 of the header itself), then the module bytes from
 * HR_STORE_DATA_OFFSET on (layout: HR_PROTO_STORE_* from hotreload_py/protocol.py). The header is written last, after every data byte
 * was written and verified, so a record either exists completely or not at all.
 *
 * For each component the valid record with the highest sequence number that
 * was built for this firmware wins ("live"). A new upload goes into sectors
 * that hold no live record, found next-fit after the newest record (wear is
 * spread and older versions survive as long as possible); only the sectors the
 * upload reaches are erased, as it reaches them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_partition.h"
#include "hr_protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The record layout is defined once, in hotreload_py/protocol.py (STORE_*), which also writes flash images. */
#define HR_STORE_SECTOR_SIZE HR_PROTO_STORE_SECTOR_SIZE   /*!< erase granularity of NOR flash */
#define HR_STORE_HEADER_SIZE HR_PROTO_STORE_HEADER_SIZE   /*!< bytes of the on-flash header */
#define HR_STORE_DATA_OFFSET HR_PROTO_STORE_DATA_OFFSET   /*!< module bytes start here in a record's first sector */
#define HR_STORE_NAME_SIZE HR_PROTO_STORE_NAME_SIZE       /*!< component name field, NUL-padded */
#define HR_STORE_ID_SIZE HR_PROTO_FIRMWARE_ID_SIZE        /*!< SHA-256 / firmware identity size */

/** One committed record. */
typedef struct {
    uint32_t seq;                          /*!< sequence number: larger is newer */
    uint32_t offset;                       /*!< partition offset of the module bytes */
    uint32_t length;                       /*!< module bytes */
    char name[HR_STORE_NAME_SIZE];         /*!< component name, NUL-terminated */
    uint8_t sha256[HR_STORE_ID_SIZE];      /*!< SHA-256 of the module bytes */
    bool live;                             /*!< newest record of its component for this firmware */
} hr_store_entry_t;

/** Store configuration. */
typedef struct {
    const char *partition_label;           /*!< partition to use */
    uint32_t max_module_size;              /*!< largest module accepted, bytes */
    const uint8_t *firmware_id;            /*!< HR_STORE_ID_SIZE bytes: records of other firmware are not live */
} hr_store_config_t;

/** An open store (opaque). */
typedef struct hr_store hr_store_t;

/** An upload in progress (opaque). */
typedef struct hr_store_writer hr_store_writer_t;

/**
 * @brief Checks a finished upload before it is committed.
 *
 * Gets the module bytes (mapped); fills @p name_out (the component the module
 * belongs to, NUL-terminated). Any error refuses the commit and is returned by
 * hr_store_finish().
 */
typedef esp_err_t (*hr_store_validate_fn)(void *arg, const uint8_t *data, size_t size,
                                          char name_out[HR_STORE_NAME_SIZE]);

/**
 * @brief Open the store: find the partition and scan its records (verifying each record's SHA-256).
 * @return ESP_OK, ESP_ERR_INVALID_ARG, ESP_ERR_NOT_FOUND (no partition with that label: add it to
 *         partitions.csv), ESP_ERR_INVALID_SIZE (partition smaller than two sectors), ESP_ERR_NO_MEM
 */
esp_err_t hr_store_open(const hr_store_config_t *config, hr_store_t **out);

/** Close the store (an unfinished writer is aborted). NULL is ignored. */
void hr_store_close(hr_store_t *store);

/**
 * @brief The live record of component @p name (NULL: the newest live record of any component).
 * @return ESP_OK, ESP_ERR_NOT_FOUND
 */
esp_err_t hr_store_find(const hr_store_t *store, const char *name, hr_store_entry_t *out);

/** Copy up to @p max valid records (live or not, by offset) into @p out; returns how many exist. */
size_t hr_store_list(const hr_store_t *store, hr_store_entry_t *out, size_t max);

/**
 * @brief Make a record's module bytes readable at @p out_data until hr_store_unmap().
 * @return ESP_OK or the error of esp_partition_mmap()
 */
esp_err_t hr_store_map(const hr_store_t *store, const hr_store_entry_t *entry, const uint8_t **out_data,
                       esp_partition_mmap_handle_t *out_handle);

/** Release a mapping made by hr_store_map(). */
void hr_store_unmap(esp_partition_mmap_handle_t handle);

/**
 * @brief Start an upload.
 *
 * @param size_hint the number of bytes that will follow if known (an upper bound is fine), 0 if not
 * @return ESP_OK; ESP_ERR_INVALID_STATE (another upload is in progress); ESP_ERR_INVALID_SIZE
 *         (size_hint above the maximum module size, or no free run of sectors large enough);
 *         ESP_ERR_NO_MEM; flash errors
 */
esp_err_t hr_store_begin(hr_store_t *store, size_t size_hint, hr_store_writer_t **out);

/**
 * @brief Append module bytes, erasing sectors as the data reaches them.
 * @return ESP_OK; ESP_ERR_INVALID_SIZE (beyond the maximum module size or the free space); flash errors.
 *         After an error, call hr_store_abort().
 */
esp_err_t hr_store_write(hr_store_writer_t *writer, const void *data, size_t len);

/**
 * @brief Verify and commit the upload; always releases @p writer.
 *
 * @param expected_sha256 digest the data must have (NULL: no check)
 * @param validate called with the mapped data before the header is written (NULL: name "")
 * @param arg passed to @p validate
 * @param out the committed record (may be NULL)
 * @return ESP_OK; ESP_ERR_INVALID_SIZE (empty upload); ESP_ERR_INVALID_CRC (digest differs);
 *         the error of @p validate; flash errors. On any error nothing is committed.
 */
esp_err_t hr_store_finish(hr_store_writer_t *writer, const uint8_t *expected_sha256, hr_store_validate_fn validate,
                          void *arg, hr_store_entry_t *out);

/** Abandon an upload: nothing is committed and the writer is released. NULL is ignored. */
void hr_store_abort(hr_store_writer_t *writer);

/** Bytes received so far by @p writer. */
size_t hr_store_written(const hr_store_writer_t *writer);

/** The largest module the store accepts right now (the maximum module size bounded by the partition). */
uint32_t hr_store_capacity(const hr_store_t *store);

#ifdef __cplusplus
}
#endif
