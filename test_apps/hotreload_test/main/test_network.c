/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_network.c
 * @brief The device side of the end-to-end test: connect, serve reloads,
 *        and print what the module says until the test stops the device.
 *
 * pytest_hotreload.py starts this case by name, waits for the server, edits
 * the module in its copy of the project, runs `idf.py reload`, and waits for
 * the new text. Tagged [ignore] so that a run of all cases skips it.
 */
#include <stdio.h>

#include "esp_event.h"
#include "esp_netif.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "protocol_examples_common.h"
#include "test_helpers.h"
#include "test_module.h"

TEST_CASE("serve reloads over the network", "[network][ignore]")
{
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        TEST_ASSERT_EQUAL(ESP_OK, nvs_flash_erase());
        err = nvs_flash_init();
    }
    TEST_ASSERT_EQUAL(ESP_OK, err);
    TEST_ASSERT_EQUAL(ESP_OK, esp_netif_init());
    TEST_ASSERT_EQUAL(ESP_OK, esp_event_loop_create_default());
    TEST_ASSERT_EQUAL(ESP_OK, example_connect());

    test_load_flashed_module();
    hotreload_server_config_t server_config = HOTRELOAD_SERVER_CONFIG_DEFAULT();
    server_config.mode = HOTRELOAD_MODE_COOPERATIVE;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_server_start(&server_config));

    for (int tick = 0;; tick++) {
        if (hotreload_update_available()) {
            err = hotreload_reload();
            printf("reload: %s\n", esp_err_to_name(err));
        }
        if (tick % 5 == 0) {
            printf("module says: %s\n", tm_version());
        }
        vTaskDelay(pdMS_TO_TICKS(100));
    }
}
