/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_store.c
 * @brief Module store: sector-run records with a self-checked header written last (see hr_store.h).
 */
#include <stdlib.h>
#include <string.h>

#include "esp_check.h"
#include "esp_log.h"
#include "hr_crypto.h"
#include "hr_store.h"

static const char *TAG = "hotreload";

/* Header field offsets: hotreload_py/protocol.py STORE_HEADER_FIELDS, which flash.py writes images with. */
#define HDR_MAGIC HR_PROTO_STORE_HDR_MAGIC_OFFSET
#define HDR_SEQ HR_PROTO_STORE_HDR_SEQ_OFFSET
#define HDR_LENGTH HR_PROTO_STORE_HDR_LENGTH_OFFSET
#define HDR_NAME HR_PROTO_STORE_HDR_NAME_OFFSET
#define HDR_DATA_SHA HR_PROTO_STORE_HDR_DATA_SHA256_OFFSET
#define HDR_FIRMWARE HR_PROTO_STORE_HDR_FIRMWARE_SHA256_OFFSET
#define HDR_SELF_SHA HR_PROTO_STORE_HDR_HEADER_SHA256_OFFSET

/* The code below reads and writes the fields with these sizes: a layout change in protocol.py must fail here. */
_Static_assert(HR_PROTO_STORE_HDR_MAGIC_SIZE == HR_PROTO_STORE_MAGIC_SIZE, "magic field holds the magic");
_Static_assert(HR_PROTO_STORE_HDR_SEQ_SIZE == sizeof(uint32_t), "sequence is a u32");
_Static_assert(HR_PROTO_STORE_HDR_LENGTH_SIZE == sizeof(uint32_t), "length is a u32");
_Static_assert(HR_PROTO_STORE_HDR_NAME_SIZE == sizeof(((hr_store_entry_t *)0)->name), "name field matches the entry");
_Static_assert(HR_PROTO_STORE_HDR_DATA_SHA256_SIZE == sizeof(((hr_store_entry_t *)0)->sha256), "data digest size");
_Static_assert(HR_PROTO_STORE_HDR_FIRMWARE_SHA256_SIZE == HR_STORE_ID_SIZE, "firmware identity size");
_Static_assert(HR_PROTO_STORE_HDR_HEADER_SHA256_SIZE == HR_STORE_ID_SIZE, "header digest size");
_Static_assert(HDR_SELF_SHA + HR_PROTO_STORE_HDR_HEADER_SHA256_SIZE == HR_STORE_HEADER_SIZE,
               "the header digest is the header's last field");
_Static_assert(HR_STORE_HEADER_SIZE <= HR_STORE_DATA_OFFSET, "header overlaps data");
_Static_assert(HR_STORE_DATA_OFFSET < HR_STORE_SECTOR_SIZE, "data starts in the record's first sector");

static const uint8_t HEADER_MAGIC[HR_PROTO_STORE_MAGIC_SIZE] = HR_PROTO_STORE_MAGIC;

/* Bytes read per flash access while hashing a record (on the caller's stack: app_main's is small). */
#define READ_CHUNK 256

struct hr_store {
    const esp_partition_t *part;
    uint32_t sector_count;
    uint32_t max_module_size;
    uint8_t firmware_id[HR_STORE_ID_SIZE];
    hr_store_entry_t *entries;     /* valid records, at most one per sector */
    size_t entry_count;
    uint32_t next_seq;
    uint32_t next_fit_sector;      /* where the next upload starts looking */
    hr_store_writer_t *writer;     /* the one upload in progress, or NULL */
};

struct hr_store_writer {
    hr_store_t *store;
    uint32_t record_offset;        /* partition offset of the record's first sector */
    uint32_t capacity;             /* module bytes that fit */
    uint32_t written;
    uint32_t erased_end;           /* partition offset up to which sectors are erased */
    hr_sha256_t sha;
};

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t sectors_for(uint32_t data_len)
{
    return (uint32_t)(((uint64_t)HR_STORE_DATA_OFFSET + data_len + HR_STORE_SECTOR_SIZE - 1) / HR_STORE_SECTOR_SIZE);
}

static uint32_t first_sector(const hr_store_entry_t *e)
{
    return (e->offset - HR_STORE_DATA_OFFSET) / HR_STORE_SECTOR_SIZE;
}

static bool ranges_overlap(const hr_store_entry_t *a, const hr_store_entry_t *b)
{
    uint32_t a0 = first_sector(a), a1 = a0 + sectors_for(a->length);
    uint32_t b0 = first_sector(b), b1 = b0 + sectors_for(b->length);
    return a0 < b1 && b0 < a1;
}

static esp_err_t hash_range(const esp_partition_t *part, uint32_t offset, uint32_t len, uint8_t out[HR_STORE_ID_SIZE])
{
    uint8_t buf[READ_CHUNK];
    hr_sha256_t sha;
    hr_sha256_init(&sha);
    while (len > 0) {
        uint32_t n = len < sizeof(buf) ? len : (uint32_t)sizeof(buf);
        esp_err_t err = esp_partition_read(part, offset, buf, n);
        if (err != ESP_OK) {
            hr_sha256_finish(&sha, buf);
            return err;
        }
        hr_sha256_update(&sha, buf, n);
        offset += n;
        len -= n;
    }
    hr_sha256_finish(&sha, out);
    return ESP_OK;
}

/* A record at @p sector whose header and data both verify; false for anything else. */
static bool read_record(hr_store_t *store, uint32_t sector, hr_store_entry_t *out, bool *fw_match)
{
    uint8_t hdr[HR_STORE_HEADER_SIZE];
    uint32_t base = sector * HR_STORE_SECTOR_SIZE;
    if (esp_partition_read(store->part, base, hdr, sizeof(hdr)) != ESP_OK) {
        return false;
    }
    if (memcmp(hdr + HDR_MAGIC, HEADER_MAGIC, sizeof(HEADER_MAGIC)) != 0) {
        return false;
    }
    uint8_t digest[HR_STORE_ID_SIZE];
    hr_sha256(hdr, HDR_SELF_SHA, digest);
    if (memcmp(digest, hdr + HDR_SELF_SHA, sizeof(digest)) != 0) {
        ESP_LOGW(TAG, "store: sector %u has a damaged record header; ignoring it", (unsigned)sector);
        return false;
    }
    uint32_t length = get_u32(hdr + HDR_LENGTH);
    uint32_t room = store->part->size - base - HR_STORE_DATA_OFFSET;
    if (length == 0 || length > room || hdr[HDR_NAME + HR_STORE_NAME_SIZE - 1] != '\0') {
        return false;
    }
    if (hash_range(store->part, base + HR_STORE_DATA_OFFSET, length, digest) != ESP_OK ||
            memcmp(digest, hdr + HDR_DATA_SHA, sizeof(digest)) != 0) {
        ESP_LOGW(TAG, "store: record in sector %u (seq %u) fails its SHA-256; ignoring it", (unsigned)sector,
                 (unsigned)get_u32(hdr + HDR_SEQ));
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->seq = get_u32(hdr + HDR_SEQ);
    out->offset = base + HR_STORE_DATA_OFFSET;
    out->length = length;
    memcpy(out->name, hdr + HDR_NAME, HR_STORE_NAME_SIZE);
    memcpy(out->sha256, hdr + HDR_DATA_SHA, HR_STORE_ID_SIZE);
    *fw_match = memcmp(hdr + HDR_FIRMWARE, store->firmware_id, HR_STORE_ID_SIZE) == 0;
    return true;
}

/* Recompute which records are live: per name, the highest sequence number among this firmware's. */
static void mark_live(hr_store_t *store, const bool *fw_match)
{
    for (size_t i = 0; i < store->entry_count; i++) {
        hr_store_entry_t *e = &store->entries[i];
        e->live = fw_match[i];
        for (size_t j = 0; j < store->entry_count && e->live; j++) {
            const hr_store_entry_t *o = &store->entries[j];
            if (j != i && fw_match[j] && strcmp(o->name, e->name) == 0 && o->seq > e->seq) {
                e->live = false;
            }
        }
    }
}

static void drop_entry(hr_store_t *store, bool *fw_match, size_t index)
{
    store->entry_count--;
    memmove(&store->entries[index], &store->entries[index + 1],
            (store->entry_count - index) * sizeof(store->entries[0]));
    memmove(&fw_match[index], &fw_match[index + 1], (store->entry_count - index) * sizeof(fw_match[0]));
}

static void note_newest(hr_store_t *store, const hr_store_entry_t *e)
{
    if (e->seq >= store->next_seq) {
        store->next_seq = e->seq + 1;
        store->next_fit_sector = (first_sector(e) + sectors_for(e->length)) % store->sector_count;
    }
}

/* fw_match for entries is kept only while scanning or committing; it lives next to the entries. */
static bool *fw_flags(hr_store_t *store)
{
    return (bool *)(store->entries + store->sector_count);
}

static void scan(hr_store_t *store)
{
    bool *fw_match = fw_flags(store);
    store->entry_count = 0;
    store->next_seq = 1;
    store->next_fit_sector = 0;
    for (uint32_t s = 0; s < store->sector_count; s++) {
        hr_store_entry_t e;
        bool match;
        if (!read_record(store, s, &e, &match)) {
            continue;
        }
        /* Two verified records cannot normally overlap; if they do, the newer one was written over the older. */
        bool keep = true;
        for (size_t i = 0; i < store->entry_count; i++) {
            if (ranges_overlap(&store->entries[i], &e)) {
                if (store->entries[i].seq > e.seq) {
                    keep = false;
                } else {
                    drop_entry(store, fw_match, i);
                    i--;
                }
            }
        }
        if (keep) {
            fw_match[store->entry_count] = match;
            store->entries[store->entry_count++] = e;
            note_newest(store, &e);
        }
    }
    mark_live(store, fw_match);
}

esp_err_t hr_store_open(const hr_store_config_t *config, hr_store_t **out)
{
    ESP_RETURN_ON_FALSE(config && out && config->partition_label && config->firmware_id && config->max_module_size,
                        ESP_ERR_INVALID_ARG, TAG, "hr_store_open: missing argument");
    const esp_partition_t *part = esp_partition_find_first(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY,
                                                           config->partition_label);
    ESP_RETURN_ON_FALSE(part, ESP_ERR_NOT_FOUND, TAG,
                        "no partition labelled '%s': add `%s, app, 0x40, , 512k,` to partitions.csv and flash it",
                        config->partition_label, config->partition_label);
    uint32_t sectors = part->size / HR_STORE_SECTOR_SIZE;
    ESP_RETURN_ON_FALSE(sectors >= 2, ESP_ERR_INVALID_SIZE, TAG,
                        "partition '%s' has %u bytes; it needs at least two %d-byte sectors (512k recommended)",
                        config->partition_label, (unsigned)part->size, HR_STORE_SECTOR_SIZE);
    hr_store_t *store = calloc(1, sizeof(*store));
    ESP_RETURN_ON_FALSE(store, ESP_ERR_NO_MEM, TAG, "no memory for the store");
    store->entries = calloc(sectors, sizeof(hr_store_entry_t) + sizeof(bool));
    if (store->entries == NULL) {
        free(store);
        ESP_LOGE(TAG, "no memory for the store index (%u sectors)", (unsigned)sectors);
        return ESP_ERR_NO_MEM;
    }
    store->part = part;
    store->sector_count = sectors;
    store->max_module_size = config->max_module_size;
    memcpy(store->firmware_id, config->firmware_id, HR_STORE_ID_SIZE);
    scan(store);
    ESP_LOGD(TAG, "store: %u records in '%s' (%u sectors)", (unsigned)store->entry_count, part->label,
             (unsigned)sectors);
    *out = store;
    return ESP_OK;
}

void hr_store_close(hr_store_t *store)
{
    if (store == NULL) {
        return;
    }
    hr_store_abort(store->writer);
    free(store->entries);
    free(store);
}

esp_err_t hr_store_find(const hr_store_t *store, const char *name, hr_store_entry_t *out)
{
    ESP_RETURN_ON_FALSE(store && out, ESP_ERR_INVALID_ARG, TAG, "hr_store_find: missing argument");
    const hr_store_entry_t *best = NULL;
    for (size_t i = 0; i < store->entry_count; i++) {
        const hr_store_entry_t *e = &store->entries[i];
        if (e->live && (name == NULL || strcmp(e->name, name) == 0) && (best == NULL || e->seq > best->seq)) {
            best = e;
        }
    }
    if (best == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    *out = *best;
    return ESP_OK;
}

size_t hr_store_list(const hr_store_t *store, hr_store_entry_t *out, size_t max)
{
    for (size_t i = 0; i < store->entry_count && i < max; i++) {
        out[i] = store->entries[i];
    }
    return store->entry_count;
}

esp_err_t hr_store_map(const hr_store_t *store, const hr_store_entry_t *entry, const uint8_t **out_data,
                       esp_partition_mmap_handle_t *out_handle)
{
    ESP_RETURN_ON_FALSE(store && entry && out_data && out_handle, ESP_ERR_INVALID_ARG, TAG, "hr_store_map");
    const void *ptr = NULL;
    ESP_RETURN_ON_ERROR(esp_partition_mmap(store->part, entry->offset, entry->length, ESP_PARTITION_MMAP_DATA, &ptr,
                                           out_handle),
                        TAG, "cannot map %u bytes of partition '%s' at 0x%x", (unsigned)entry->length,
                        store->part->label, (unsigned)entry->offset);
    *out_data = ptr;
    return ESP_OK;
}

void hr_store_unmap(esp_partition_mmap_handle_t handle)
{
    esp_partition_munmap(handle);
}

uint32_t hr_store_capacity(const hr_store_t *store)
{
    uint32_t room = store->part->size - HR_STORE_DATA_OFFSET;
    return room < store->max_module_size ? room : store->max_module_size;
}

static bool sector_is_live(const hr_store_t *store, uint32_t sector)
{
    for (size_t i = 0; i < store->entry_count; i++) {
        const hr_store_entry_t *e = &store->entries[i];
        uint32_t first = first_sector(e);
        if (e->live && sector >= first && sector < first + sectors_for(e->length)) {
            return true;
        }
    }
    return false;
}

/* First run of @p need sectors without live records, next-fit from store->next_fit_sector; UINT32_MAX if none. */
static uint32_t find_run(const hr_store_t *store, uint32_t need)
{
    for (uint32_t k = 0; k < store->sector_count; k++) {
        uint32_t start = (store->next_fit_sector + k) % store->sector_count;
        if (start + need > store->sector_count) {
            continue;
        }
        uint32_t len = 0;
        while (len < need && !sector_is_live(store, start + len)) {
            len++;
        }
        if (len == need) {
            return start;
        }
    }
    return UINT32_MAX;
}

esp_err_t hr_store_begin(hr_store_t *store, size_t size_hint, hr_store_writer_t **out)
{
    ESP_RETURN_ON_FALSE(store && out, ESP_ERR_INVALID_ARG, TAG, "hr_store_begin: missing argument");
    ESP_RETURN_ON_FALSE(store->writer == NULL, ESP_ERR_INVALID_STATE, TAG,
                        "another upload is in progress; retry when it has finished");
    uint32_t capacity = hr_store_capacity(store);
    ESP_RETURN_ON_FALSE(size_hint <= capacity, ESP_ERR_INVALID_SIZE, TAG,
                        "module of %zu bytes exceeds the limit of %u bytes: raise CONFIG_HOTRELOAD_MAX_MODULE_SIZE "
                        "(and the partition size) or make the module smaller", size_hint, (unsigned)capacity);
    /* With no size known, reserve room for the largest module, and fall back to the largest free run. */
    uint32_t want = size_hint ? (uint32_t)size_hint : capacity;
    uint32_t need = sectors_for(want);
    uint32_t start = find_run(store, need);
    while (start == UINT32_MAX && size_hint == 0 && need > 1) {
        need--;
        start = find_run(store, need);
    }
    ESP_RETURN_ON_FALSE(start != UINT32_MAX, ESP_ERR_INVALID_SIZE, TAG,
                        "partition '%s' has no free run of %u bytes beside the modules in use: enlarge the partition",
                        store->part->label, (unsigned)(need * HR_STORE_SECTOR_SIZE));
    hr_store_writer_t *w = calloc(1, sizeof(*w));
    ESP_RETURN_ON_FALSE(w, ESP_ERR_NO_MEM, TAG, "no memory for an upload");
    w->store = store;
    w->record_offset = start * HR_STORE_SECTOR_SIZE;
    uint32_t room = need * HR_STORE_SECTOR_SIZE - HR_STORE_DATA_OFFSET;
    w->capacity = room < capacity ? room : capacity;
    /* The header sector is erased first, so a stale header there can never describe the new data. */
    esp_err_t err = esp_partition_erase_range(store->part, w->record_offset, HR_STORE_SECTOR_SIZE);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "erasing sector at 0x%x of '%s' failed: %s", (unsigned)w->record_offset, store->part->label,
                 esp_err_to_name(err));
        free(w);
        return err;
    }
    w->erased_end = w->record_offset + HR_STORE_SECTOR_SIZE;
    hr_sha256_init(&w->sha);
    store->writer = w;
    ESP_LOGD(TAG, "store: upload into sectors %u..%u", (unsigned)start, (unsigned)(start + need - 1));
    *out = w;
    return ESP_OK;
}

esp_err_t hr_store_write(hr_store_writer_t *w, const void *data, size_t len)
{
    ESP_RETURN_ON_FALSE(w && (data || len == 0), ESP_ERR_INVALID_ARG, TAG, "hr_store_write: missing argument");
    ESP_RETURN_ON_FALSE(len <= w->capacity - w->written, ESP_ERR_INVALID_SIZE, TAG,
                        "module exceeds %u bytes (the limit or the free space of partition '%s'): raise "
                        "CONFIG_HOTRELOAD_MAX_MODULE_SIZE or enlarge the partition", (unsigned)w->capacity,
                        w->store->part->label);
    uint32_t offset = w->record_offset + HR_STORE_DATA_OFFSET + w->written;
    uint32_t end = offset + (uint32_t)len;
    if (end > w->erased_end) {
        uint32_t erase_len = (end - w->erased_end + HR_STORE_SECTOR_SIZE - 1) / HR_STORE_SECTOR_SIZE *
                             HR_STORE_SECTOR_SIZE;
        ESP_RETURN_ON_ERROR(esp_partition_erase_range(w->store->part, w->erased_end, erase_len), TAG,
                            "erasing %u bytes at 0x%x of '%s' failed", (unsigned)erase_len, (unsigned)w->erased_end,
                            w->store->part->label);
        w->erased_end += erase_len;
    }
    ESP_RETURN_ON_ERROR(esp_partition_write(w->store->part, offset, data, len), TAG,
                        "writing %zu bytes at 0x%x of '%s' failed", len, (unsigned)offset, w->store->part->label);
    hr_sha256_update(&w->sha, data, len);
    w->written += (uint32_t)len;
    return ESP_OK;
}

size_t hr_store_written(const hr_store_writer_t *writer)
{
    return writer ? writer->written : 0;
}

void hr_store_abort(hr_store_writer_t *writer)
{
    if (writer == NULL) {
        return;
    }
    uint8_t scratch[HR_STORE_ID_SIZE];
    hr_sha256_finish(&writer->sha, scratch);
    writer->store->writer = NULL;
    free(writer);
}

/* Read back what was written and compare with the digest of what was sent: catches a missing erase or a bad write. */
static esp_err_t verify_written(const hr_store_writer_t *w, const uint8_t sha[HR_STORE_ID_SIZE])
{
    uint8_t got[HR_STORE_ID_SIZE];
    ESP_RETURN_ON_ERROR(hash_range(w->store->part, w->record_offset + HR_STORE_DATA_OFFSET, w->written, got), TAG,
                        "reading back the upload failed");
    ESP_RETURN_ON_FALSE(memcmp(got, sha, sizeof(got)) == 0, ESP_ERR_INVALID_CRC, TAG,
                        "flash read-back of the upload differs from what was received (flash fault?)");
    return ESP_OK;
}

static esp_err_t commit(hr_store_writer_t *w, const uint8_t sha[HR_STORE_ID_SIZE], const char *name,
                        hr_store_entry_t *out)
{
    hr_store_t *store = w->store;
    uint8_t hdr[HR_STORE_HEADER_SIZE];
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr + HDR_MAGIC, HEADER_MAGIC, sizeof(HEADER_MAGIC));
    put_u32(hdr + HDR_SEQ, store->next_seq);
    put_u32(hdr + HDR_LENGTH, w->written);
    strncpy((char *)hdr + HDR_NAME, name, HR_STORE_NAME_SIZE - 1);
    memcpy(hdr + HDR_DATA_SHA, sha, HR_STORE_ID_SIZE);
    memcpy(hdr + HDR_FIRMWARE, store->firmware_id, HR_STORE_ID_SIZE);
    hr_sha256(hdr, HDR_SELF_SHA, hdr + HDR_SELF_SHA);
    ESP_RETURN_ON_ERROR(esp_partition_write(store->part, w->record_offset, hdr, sizeof(hdr)), TAG,
                        "writing the record header failed");

    hr_store_entry_t e = {
        .seq = store->next_seq,
        .offset = w->record_offset + HR_STORE_DATA_OFFSET,
        .length = w->written,
    };
    strncpy(e.name, name, HR_STORE_NAME_SIZE - 1);
    memcpy(e.sha256, sha, HR_STORE_ID_SIZE);
    bool *fw_match = fw_flags(store);
    for (size_t i = 0; i < store->entry_count; i++) {
        if (ranges_overlap(&store->entries[i], &e)) {
            drop_entry(store, fw_match, i);
            i--;
        }
    }
    fw_match[store->entry_count] = true;
    store->entries[store->entry_count++] = e;
    note_newest(store, &e);
    mark_live(store, fw_match);
    ESP_LOGI(TAG, "store: committed '%s' (%u bytes, seq %u) at 0x%x", e.name, (unsigned)e.length, (unsigned)e.seq,
             (unsigned)w->record_offset);
    if (out) {
        *out = e;
        out->live = true;
    }
    return ESP_OK;
}

esp_err_t hr_store_finish(hr_store_writer_t *w, const uint8_t *expected_sha256, hr_store_validate_fn validate,
                          void *arg, hr_store_entry_t *out)
{
    ESP_RETURN_ON_FALSE(w, ESP_ERR_INVALID_ARG, TAG, "hr_store_finish: no writer");
    esp_err_t ret = ESP_OK;
    uint8_t sha[HR_STORE_ID_SIZE];
    char name[HR_STORE_NAME_SIZE] = "";
    hr_sha256_finish(&w->sha, sha);
    hr_sha256_init(&w->sha);
    ESP_GOTO_ON_FALSE(w->written > 0, ESP_ERR_INVALID_SIZE, out, TAG, "empty upload: send the module file");
    ESP_GOTO_ON_FALSE(expected_sha256 == NULL || hr_crypto_memcmp_ct(sha, expected_sha256, sizeof(sha)) == 0,
                      ESP_ERR_INVALID_CRC, out, TAG, "upload's SHA-256 differs from the one announced: send it again");
    ESP_GOTO_ON_ERROR(verify_written(w, sha), out, TAG, "verify");
    if (validate) {
        hr_store_entry_t staged = {.offset = w->record_offset + HR_STORE_DATA_OFFSET, .length = w->written};
        const uint8_t *data = NULL;
        esp_partition_mmap_handle_t handle;
        ESP_GOTO_ON_ERROR(hr_store_map(w->store, &staged, &data, &handle), out, TAG, "map upload");
        ret = validate(arg, data, w->written, name);
        hr_store_unmap(handle);
        name[HR_STORE_NAME_SIZE - 1] = '\0';
        if (ret != ESP_OK) {
            goto out;
        }
    }
    ret = commit(w, sha, name, out);
out:
    hr_store_abort(w);
    return ret;
}
