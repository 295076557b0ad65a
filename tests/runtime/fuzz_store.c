/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fuzz_store.c
 * @brief libFuzzer target: open, scan and write a store whose partition holds arbitrary bytes,
 *        including headers that pass their own digest check but describe anything.
 *
 * FUZZ_PARTITION names the scratch partition file (default: fuzz_partition.bin).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_partition.h"
#include "hr_crypto.h"
#include "hr_store.h"

#define SECTORS 4
#define PIECE 400
#define IMAGE_SIZE (SECTORS * HR_STORE_SECTOR_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Make the piece at @p sector a header that passes its self-digest (length from the input). */
static void forge_header(uint8_t *image, int sector, const uint8_t *piece)
{
    uint8_t *hdr = image + sector * HR_STORE_SECTOR_SIZE;
    uint32_t room = IMAGE_SIZE - sector * HR_STORE_SECTOR_SIZE - HR_STORE_DATA_OFFSET;
    uint32_t len = (uint32_t)(piece[1] | piece[2] << 8) % IMAGE_SIZE;
    memcpy(hdr, "HRSLOT1", 8);
    memcpy(hdr + 12, &len, sizeof(len));
    hdr[47] = '\0';
    memset(hdr + 80, 0x11, HR_STORE_ID_SIZE);
    hr_sha256(hdr + HR_STORE_DATA_OFFSET, len <= room ? len : 0, hdr + 48);
    hr_sha256(hdr, 112, hdr + 112);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t image[IMAGE_SIZE];
    memset(image, 0xFF, sizeof(image));
    size_t pos = 0;
    for (int s = 0; s < SECTORS && pos < size; s++) {
        size_t n = size - pos < PIECE ? size - pos : PIECE;
        memcpy(image + s * HR_STORE_SECTOR_SIZE, data + pos, n);
        if (n > 20 && (data[pos] & 1)) {
            forge_header(image, s, data + pos);
        }
        pos += n;
    }
    const char *path = getenv("FUZZ_PARTITION");
    if (path == NULL) {
        path = "fuzz_partition.bin";
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(image, 1, sizeof(image), f) != sizeof(image)) {
        abort();
    }
    fclose(f);
    if (esp_partition_file_register("hotreload", path, sizeof(image), ESP_PARTITION_TYPE_APP, 0x40) != ESP_OK) {
        abort();
    }
    uint8_t firmware[HR_STORE_ID_SIZE];
    memset(firmware, 0x11, sizeof(firmware));
    hr_store_config_t config = {.partition_label = "hotreload", .max_module_size = 8192, .firmware_id = firmware};
    hr_store_t *store;
    if (hr_store_open(&config, &store) == ESP_OK) {
        hr_store_entry_t entries[SECTORS];
        hr_store_list(store, entries, SECTORS);
        hr_store_writer_t *writer;
        if (hr_store_begin(store, size % 9000, &writer) == ESP_OK) {
            if (hr_store_write(writer, data, size) == ESP_OK) {
                hr_store_finish(writer, NULL, NULL, NULL, NULL);
            } else {
                hr_store_abort(writer);
            }
        }
        hr_store_find(store, "", entries);
        hr_store_close(store);
    }
    esp_partition_file_unregister_all();
    return 0;
}
