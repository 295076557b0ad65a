/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_partition_file.c
 * @brief ESP-IDF's partition API over files, with NOR-flash semantics (see esp_partition.h).
 *
 * Uses only open/pread/pwrite/fstat/close and malloc/free, so the simulated
 * device can provide those few calls over raw syscalls.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esp_log.h"
#include "esp_partition.h"

#define MAX_PARTITIONS 4
#define MAX_MAPPINGS 8
/* Bytes moved per pread/pwrite when merging a write with the old contents. */
#define IO_CHUNK 512

static const char *TAG = "esp_partition";

typedef struct {
    esp_partition_t part;
    int fd;
} file_partition_t;

static file_partition_t s_parts[MAX_PARTITIONS];
static size_t s_part_count;
/* Mapping handles are index + 1 so that 0 is never a valid handle. */
static void *s_mappings[MAX_MAPPINGS];

static int fd_of(const esp_partition_t *partition)
{
    for (size_t i = 0; i < s_part_count; i++) {
        if (&s_parts[i].part == partition) {
            return s_parts[i].fd;
        }
    }
    return -1;
}

static esp_err_t check_range(const esp_partition_t *partition, size_t offset, size_t size)
{
    if (partition == NULL || fd_of(partition) < 0 || offset > partition->size) {
        return ESP_ERR_INVALID_ARG;
    }
    if (size > partition->size - offset) {
        return ESP_ERR_INVALID_SIZE;
    }
    return ESP_OK;
}

static esp_err_t pread_all(int fd, void *dst, size_t size, size_t offset)
{
    uint8_t *out = dst;
    while (size > 0) {
        ssize_t got = pread(fd, out, size, (off_t)offset);
        if (got <= 0) {
            return ESP_FAIL;
        }
        out += got;
        offset += (size_t)got;
        size -= (size_t)got;
    }
    return ESP_OK;
}

static esp_err_t pwrite_all(int fd, const void *src, size_t size, size_t offset)
{
    const uint8_t *in = src;
    while (size > 0) {
        ssize_t put = pwrite(fd, in, size, (off_t)offset);
        if (put <= 0) {
            return ESP_FAIL;
        }
        in += put;
        offset += (size_t)put;
        size -= (size_t)put;
    }
    return ESP_OK;
}

esp_err_t esp_partition_file_register(const char *label, const char *path, size_t size,
                                      esp_partition_type_t type, esp_partition_subtype_t subtype)
{
    if (label == NULL || path == NULL || strlen(label) >= sizeof(s_parts[0].part.label) || size == 0) {
        return ESP_ERR_INVALID_ARG;
    }
    if (size % SPI_FLASH_SEC_SIZE != 0 || size > UINT32_MAX) {
        return ESP_ERR_INVALID_SIZE;
    }
    if (s_part_count == MAX_PARTITIONS) {
        return ESP_ERR_NO_MEM;
    }
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        ESP_LOGE(TAG, "cannot open partition file %s for '%s'", path, label);
        return ESP_FAIL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return ESP_FAIL;
    }
    if (st.st_size == 0) {
        uint8_t erased[IO_CHUNK];
        memset(erased, 0xFF, sizeof(erased));
        for (size_t off = 0; off < size; off += sizeof(erased)) {
            if (pwrite_all(fd, erased, sizeof(erased), off) != ESP_OK) {
                ESP_LOGE(TAG, "cannot write partition file %s", path);
                close(fd);
                return ESP_FAIL;
            }
        }
    } else if ((size_t)st.st_size != size) {
        ESP_LOGE(TAG, "partition file %s has %ld bytes, partition '%s' needs %zu: delete the file or fix the size",
                 path, (long)st.st_size, label, size);
        close(fd);
        return ESP_ERR_INVALID_SIZE;
    }
    file_partition_t *slot = &s_parts[s_part_count++];
    memset(slot, 0, sizeof(*slot));
    slot->fd = fd;
    slot->part.type = type;
    slot->part.subtype = subtype;
    slot->part.size = (uint32_t)size;
    slot->part.erase_size = SPI_FLASH_SEC_SIZE;
    strcpy(slot->part.label, label);
    return ESP_OK;
}

void esp_partition_file_unregister_all(void)
{
    for (size_t i = 0; i < s_part_count; i++) {
        close(s_parts[i].fd);
    }
    s_part_count = 0;
    for (size_t i = 0; i < MAX_MAPPINGS; i++) {
        free(s_mappings[i]);
        s_mappings[i] = NULL;
    }
}

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, esp_partition_subtype_t subtype,
                                                const char *label)
{
    for (size_t i = 0; i < s_part_count; i++) {
        const esp_partition_t *p = &s_parts[i].part;
        if ((type == ESP_PARTITION_TYPE_ANY || p->type == type) &&
                (subtype == ESP_PARTITION_SUBTYPE_ANY || p->subtype == subtype) &&
                (label == NULL || strcmp(p->label, label) == 0)) {
            return p;
        }
    }
    return NULL;
}

esp_err_t esp_partition_read(const esp_partition_t *partition, size_t src_offset, void *dst, size_t size)
{
    esp_err_t err = check_range(partition, src_offset, size);
    if (err != ESP_OK) {
        return err;
    }
    return pread_all(fd_of(partition), dst, size, src_offset);
}

esp_err_t esp_partition_write(const esp_partition_t *partition, size_t dst_offset, const void *src, size_t size)
{
    esp_err_t err = check_range(partition, dst_offset, size);
    if (err != ESP_OK) {
        return err;
    }
    if (partition->readonly) {
        return ESP_ERR_NOT_ALLOWED;
    }
    int fd = fd_of(partition);
    const uint8_t *in = src;
    uint8_t old[IO_CHUNK];
    while (size > 0) {
        size_t n = size < sizeof(old) ? size : sizeof(old);
        err = pread_all(fd, old, n, dst_offset);
        if (err != ESP_OK) {
            return err;
        }
        /* NOR flash programming can only turn 1 bits into 0 bits. */
        for (size_t i = 0; i < n; i++) {
            old[i] &= in[i];
        }
        err = pwrite_all(fd, old, n, dst_offset);
        if (err != ESP_OK) {
            return err;
        }
        in += n;
        dst_offset += n;
        size -= n;
    }
    return ESP_OK;
}

esp_err_t esp_partition_erase_range(const esp_partition_t *partition, size_t offset, size_t size)
{
    esp_err_t err = check_range(partition, offset, size);
    if (err != ESP_OK) {
        return err;
    }
    if (partition->readonly) {
        return ESP_ERR_NOT_ALLOWED;
    }
    if (size % SPI_FLASH_SEC_SIZE != 0) {
        return ESP_ERR_INVALID_SIZE;
    }
    if (offset % SPI_FLASH_SEC_SIZE != 0) {
        return ESP_ERR_INVALID_ARG;
    }
    uint8_t erased[IO_CHUNK];
    memset(erased, 0xFF, sizeof(erased));
    for (size_t done = 0; done < size; done += sizeof(erased)) {
        err = pwrite_all(fd_of(partition), erased, sizeof(erased), offset + done);
        if (err != ESP_OK) {
            return err;
        }
    }
    return ESP_OK;
}

esp_err_t esp_partition_mmap(const esp_partition_t *partition, size_t offset, size_t size,
                             esp_partition_mmap_flag_t memory, const void **out_ptr,
                             esp_partition_mmap_handle_t *out_handle)
{
    (void)memory;
    if (out_ptr == NULL || out_handle == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = check_range(partition, offset, size);
    if (err != ESP_OK) {
        return err;
    }
    size_t slot = 0;
    while (slot < MAX_MAPPINGS && s_mappings[slot] != NULL) {
        slot++;
    }
    if (slot == MAX_MAPPINGS) {
        return ESP_ERR_NO_MEM;
    }
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return ESP_ERR_NO_MEM;
    }
    err = pread_all(fd_of(partition), copy, size, offset);
    if (err != ESP_OK) {
        free(copy);
        return err;
    }
    s_mappings[slot] = copy;
    *out_ptr = copy;
    *out_handle = (esp_partition_mmap_handle_t)(slot + 1);
    return ESP_OK;
}

void esp_partition_munmap(esp_partition_mmap_handle_t handle)
{
    if (handle == 0 || handle > MAX_MAPPINGS) {
        return;
    }
    free(s_mappings[handle - 1]);
    s_mappings[handle - 1] = NULL;
}
