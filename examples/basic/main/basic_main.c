/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file basic_main.c
 * @brief hotreload basic example: load the `reloadable` module, serve updates
 *        over HTTP, and switch to new code at a safe point in the main loop.
 */
#include <stdbool.h>
#include <stdio.h>

#include "esp_err.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "protocol_examples_common.h"

#include "hotreload.h"
#include "reloadable.h"

static const char *TAG = "basic";

static void init_network(void)
{
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    ESP_ERROR_CHECK(err);
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    /* Wi-Fi credentials come from menuconfig: "Example Connection Configuration". */
    ESP_ERROR_CHECK(example_connect());
}

void app_main(void)
{
    init_network();

    hotreload_config_t config = HOTRELOAD_CONFIG_DEFAULT();
    esp_err_t err = hotreload_load(&config);
    bool loaded = (err == ESP_OK);
    if (!loaded) {
        /* Not fatal: the server below accepts the first module over HTTP. */
        ESP_LOGW(TAG, "No module loaded yet (%s). Run `idf.py hotreload-flash` or `idf.py reload`.",
                 esp_err_to_name(err));
    }

    hotreload_server_config_t server_config = HOTRELOAD_SERVER_CONFIG_DEFAULT();
    /* Logs "Hot reload server running on port 8080" (the Kconfig port). */
    ESP_ERROR_CHECK(hotreload_server_start(&server_config));

    while (true) {
        /* Safe point: no code of the module is on this task's stack here, so the
         * old image can be freed. Other tasks must not be inside the module
         * either; this example has none that call it. */
        if (hotreload_update_available()) {
            printf("Update available, reloading...\n");
            err = hotreload_reload();
            if (err == ESP_OK) {
                loaded = true;
            } else {
                /* A failed reload changes nothing: the previous code keeps running. */
                ESP_LOGE(TAG, "Reload failed (%s); still running the previous code", esp_err_to_name(err));
            }
        }

        if (loaded) {
            int result = reloadable_add(2, 3);
            printf("2 + 3 = %d\n", result);
            reloadable_greet("World");
        }
        vTaskDelay(pdMS_TO_TICKS(1000));
    }
}
