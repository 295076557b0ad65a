/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file partition_check.c
 * @brief Checks the file-backed esp_partition against ESP-IDF's semantics; prints one line per check.
 *
 * usage: partition_check PARTFILE   (the file must not exist yet)
 */
#include <stdio.h>
#include <string.h>

#include "esp_partition.h"

static int s_failures;

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "pass" : "FAIL", what);
    s_failures += !ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    check("register", esp_partition_file_register("hotreload", argv[1], 4 * SPI_FLASH_SEC_SIZE,
                                                  ESP_PARTITION_TYPE_APP, 0x40) == ESP_OK);
    const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY, "hotreload");
    check("find by label", p != NULL && p->size == 4 * SPI_FLASH_SEC_SIZE && p->erase_size == SPI_FLASH_SEC_SIZE);
    check("find other label", esp_partition_find_first(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY, "x") == NULL);
    check("find by wrong type", esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY,
                                                         "hotreload") == NULL);

    uint8_t buf[16];
    check("new file reads erased", esp_partition_read(p, 100, buf, sizeof(buf)) == ESP_OK && buf[0] == 0xFF &&
          buf[15] == 0xFF);
    const uint8_t first[4] = {0xF0, 0xF0, 0x0F, 0xAA};
    const uint8_t second[4] = {0x3C, 0xFF, 0xFF, 0x55};
    check("write", esp_partition_write(p, 10, first, 4) == ESP_OK);
    check("write again without erase", esp_partition_write(p, 10, second, 4) == ESP_OK);
    check("unerased write ANDs bits (like NOR flash)", esp_partition_read(p, 10, buf, 4) == ESP_OK &&
          buf[0] == 0x30 && buf[1] == 0xF0 && buf[2] == 0x0F && buf[3] == 0x00);

    check("erase misaligned offset -> INVALID_ARG", esp_partition_erase_range(p, 10, SPI_FLASH_SEC_SIZE) ==
          ESP_ERR_INVALID_ARG);
    check("erase partial sector -> INVALID_SIZE", esp_partition_erase_range(p, 0, 100) == ESP_ERR_INVALID_SIZE);
    check("erase past end -> INVALID_SIZE", esp_partition_erase_range(p, 0, 5 * SPI_FLASH_SEC_SIZE) ==
          ESP_ERR_INVALID_SIZE);
    check("erase sector", esp_partition_erase_range(p, 0, SPI_FLASH_SEC_SIZE) == ESP_OK);
    check("erased reads 0xFF", esp_partition_read(p, 10, buf, 4) == ESP_OK && buf[0] == 0xFF && buf[3] == 0xFF);

    check("read offset past end -> INVALID_ARG", esp_partition_read(p, p->size + 1, buf, 1) == ESP_ERR_INVALID_ARG);
    check("read range past end -> INVALID_SIZE", esp_partition_read(p, p->size - 2, buf, 4) == ESP_ERR_INVALID_SIZE);
    check("write range past end -> INVALID_SIZE", esp_partition_write(p, p->size - 2, buf, 4) ==
          ESP_ERR_INVALID_SIZE);

    check("write in sector 2", esp_partition_write(p, 2 * SPI_FLASH_SEC_SIZE + 5, first, 4) == ESP_OK);
    const void *ptr = NULL;
    esp_partition_mmap_handle_t h = 0;
    check("mmap", esp_partition_mmap(p, 2 * SPI_FLASH_SEC_SIZE, 16, ESP_PARTITION_MMAP_DATA, &ptr, &h) == ESP_OK &&
          h != 0 && memcmp((const uint8_t *)ptr + 5, first, 4) == 0);
    esp_partition_munmap(h);
    esp_partition_file_unregister_all();

    check("re-register keeps contents", esp_partition_file_register("hotreload", argv[1], 4 * SPI_FLASH_SEC_SIZE,
                                                                    ESP_PARTITION_TYPE_APP, 0x40) == ESP_OK);
    p = esp_partition_find_first(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY, "hotreload");
    check("contents survived", esp_partition_read(p, 2 * SPI_FLASH_SEC_SIZE + 5, buf, 4) == ESP_OK &&
          memcmp(buf, first, 4) == 0);
    esp_partition_file_unregister_all();
    check("other size refused", esp_partition_file_register("hotreload", argv[1], 8 * SPI_FLASH_SEC_SIZE,
                                                            ESP_PARTITION_TYPE_APP, 0x40) == ESP_ERR_INVALID_SIZE);
    return s_failures ? 1 : 0;
}
