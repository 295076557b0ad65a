/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_partition.h
 * @brief The subset of ESP-IDF's partition API that hotreload's store uses, for code built outside ESP-IDF.
 *
 * Names, types, values and error codes follow ESP-IDF
 * (components/esp_partition/include/esp_partition.h and partition_target.c).
 * Partitions are backed by files registered with esp_partition_file_register()
 * and behave like NOR flash: erase works on whole 4096-byte sectors and sets
 * bytes to 0xFF, and a write can only clear bits (the file gets old AND new),
 * so code that forgets an erase reads back corrupted data, as on a chip.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flash sector: the erase granularity. */
#define SPI_FLASH_SEC_SIZE 4096

/** Flags for esp_partition_mmap(). */
typedef enum {
    ESP_PARTITION_MMAP_DATA = 0,   /*!< map to data memory */
    ESP_PARTITION_MMAP_INST = 1,   /*!< map to instruction memory */
} esp_partition_mmap_flag_t;

/** Handle of a mapping made by esp_partition_mmap(). */
typedef uint32_t esp_partition_mmap_handle_t;

/** Partition type. */
typedef enum {
    ESP_PARTITION_TYPE_APP = 0x00,
    ESP_PARTITION_TYPE_DATA = 0x01,
    ESP_PARTITION_TYPE_ANY = 0xff,
} esp_partition_type_t;

/** Partition subtype (only the values the simulated platform needs). */
typedef enum {
    ESP_PARTITION_SUBTYPE_APP_FACTORY = 0x00,
    ESP_PARTITION_SUBTYPE_DATA_UNDEFINED = 0x06,
    ESP_PARTITION_SUBTYPE_ANY = 0xff,
} esp_partition_subtype_t;

/** Partition description (same fields as ESP-IDF's, without the flash chip pointer's type). */
typedef struct {
    void *flash_chip;                   /*!< unused outside ESP-IDF */
    esp_partition_type_t type;          /*!< partition type */
    esp_partition_subtype_t subtype;    /*!< partition subtype */
    uint32_t address;                   /*!< offset in "flash" (0 for a file) */
    uint32_t size;                      /*!< size in bytes */
    uint32_t erase_size;                /*!< SPI_FLASH_SEC_SIZE */
    char label[17];                     /*!< zero-terminated label */
    bool encrypted;                     /*!< always false */
    bool readonly;                      /*!< writes and erases fail with ESP_ERR_NOT_ALLOWED */
} esp_partition_t;

/** First registered partition matching type, subtype (ANY matches all) and label (NULL matches all); NULL if none. */
const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, esp_partition_subtype_t subtype,
                                                const char *label);

/** Read; ESP_ERR_INVALID_ARG when the offset is past the end, ESP_ERR_INVALID_SIZE when the range is. */
esp_err_t esp_partition_read(const esp_partition_t *partition, size_t src_offset, void *dst, size_t size);

/** Write (clears bits only, like NOR flash); range errors as esp_partition_read(). */
esp_err_t esp_partition_write(const esp_partition_t *partition, size_t dst_offset, const void *src, size_t size);

/** Erase whole sectors: @p offset must be sector-aligned (else ESP_ERR_INVALID_ARG) and @p size a multiple (else ESP_ERR_INVALID_SIZE). */
esp_err_t esp_partition_erase_range(const esp_partition_t *partition, size_t offset, size_t size);

/**
 * @brief Make a range readable through a pointer until esp_partition_munmap().
 *
 * Outside ESP-IDF the "mapping" is a snapshot copy in heap memory: like a
 * cache-mapped view on a chip, it must be made again to see later writes.
 */
esp_err_t esp_partition_mmap(const esp_partition_t *partition, size_t offset, size_t size,
                             esp_partition_mmap_flag_t memory, const void **out_ptr,
                             esp_partition_mmap_handle_t *out_handle);

/** Release a mapping. */
void esp_partition_munmap(esp_partition_mmap_handle_t handle);

/* ---- Not in ESP-IDF: how the simulated platform provides partitions ---- */

/**
 * @brief Back partition @p label by the file at @p path, @p size bytes (a multiple of SPI_FLASH_SEC_SIZE).
 *
 * A missing file is created fully erased (0xFF); an existing file of that size
 * keeps its contents (a restart keeps what was committed); an existing file of
 * another size is refused with ESP_ERR_INVALID_SIZE.
 * @return ESP_OK, ESP_ERR_INVALID_ARG, ESP_ERR_INVALID_SIZE, ESP_ERR_NO_MEM (too many partitions), ESP_FAIL (file error, logged)
 */
esp_err_t esp_partition_file_register(const char *label, const char *path, size_t size,
                                      esp_partition_type_t type, esp_partition_subtype_t subtype);

/** Forget every registered partition and close their files (tests). */
void esp_partition_file_unregister_all(void);

#ifdef __cplusplus
}
#endif
