/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_main.c
 * @brief The simulated device's application: the seed README's example
 *        (examples/basic) without Wi-Fi, plus the start-up a chip's bootloader
 *        and ESP-IDF would do (RAM, flash partition, log level).
 *
 * Environment (set by `hotreload sim run`):
 *   HR_SIM_PARTITION   file that holds the `hotreload` partition (default hotreload_partition.bin)
 *   HR_SIM_HTTP_PORT   TCP port on 127.0.0.1 (0 or unset: the runtime's default, 8080)
 *   HR_SIM_MODE        "cooperative" (default) or "immediate" (reload in the server, through hooks)
 *   HR_SIM_PERIOD_MS   time between two calls of the module (default 1000)
 *   HR_SIM_LIFETIME_S  exit after this many seconds (a guard against orphaned processes; default: never)
 *   HR_SIM_LOG_LEVEL   0 (none) .. 5 (verbose); default 3 (info)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_err.h"
#include "esp_log.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "hotreload.h"
#include "sim_mem.h"
#include "sim_time.h"

#if SIM_APP_CALLS_RELOADABLE
#include "reloadable.h"
#endif

/** Size of the `hotreload` partition, as in the seed README's partitions.csv. */
#define SIM_PARTITION_SIZE (512 * 1024)

static const char *TAG = "sim_app";

/* Immediate mode: the server reloads at once; these hooks stand where an
 * application would pause and resume the tasks that call the module. */
static bool s_reloaded;

static esp_err_t pre_reload(void *ctx)
{
    (void)ctx;
    printf("Reloading now (immediate mode)...\n");
    return ESP_OK;
}

static void post_reload(esp_err_t result, void *ctx)
{
    (void)ctx;
    if (result == ESP_OK) {
        s_reloaded = true;
    }
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    return (v != NULL && *v != '\0') ? strtol(v, NULL, 10) : fallback;
}

static void app_main(void)
{
    hotreload_config_t config = HOTRELOAD_CONFIG_DEFAULT();
    esp_err_t err = hotreload_load(&config);
    bool loaded = (err == ESP_OK);
    if (!loaded) {
        ESP_LOGW(TAG, "No module loaded yet (%s). Upload one with `hotreload reload`.", esp_err_to_name(err));
    }

    hotreload_server_config_t server_config = HOTRELOAD_SERVER_CONFIG_DEFAULT();
    server_config.port = (uint16_t)env_long("HR_SIM_HTTP_PORT", 0);
    const char *mode = getenv("HR_SIM_MODE");
    if (mode != NULL && strcmp(mode, "immediate") == 0) {
        server_config.mode = HOTRELOAD_MODE_IMMEDIATE;
        err = hotreload_register_hooks(pre_reload, post_reload, NULL);
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "cannot register the reload hooks: %s", esp_err_to_name(err));
            exit(2);
        }
    }
    err = hotreload_server_start(&server_config);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot start the hot reload server: %s", esp_err_to_name(err));
        exit(2);
    }

    long period_ms = env_long("HR_SIM_PERIOD_MS", 1000);
    long lifetime_s = env_long("HR_SIM_LIFETIME_S", 0);
    for (;;) {
        /* Safe point: no module code is on the stack here. */
        if (hotreload_update_available()) {
            printf("Update available, reloading...\n");
            err = hotreload_reload();
            if (err == ESP_OK) {
                loaded = true;
            } else {
                ESP_LOGE(TAG, "Reload failed (%s); still running the previous code", esp_err_to_name(err));
            }
        }
        if (s_reloaded) {
            s_reloaded = false;
            loaded = true;
        }
#if SIM_APP_CALLS_RELOADABLE
        if (loaded) {
            int result = reloadable_add(2, 3);
            printf("2 + 3 = %d\n", result);
            reloadable_greet("World");
            fflush(stdout);
        }
#endif
        /* Wait one tick at a time, so that new code runs as soon as it is there. */
        int64_t next = sim_time_us() + period_ms * 1000;
        while (sim_time_us() < next && !hotreload_update_available() && !s_reloaded) {
            vTaskDelay(1);
        }
        if (lifetime_s > 0 && sim_time_us() > (int64_t)lifetime_s * 1000000) {
            ESP_LOGW(TAG, "HR_SIM_LIFETIME_S=%ld reached; exiting", lifetime_s);
            exit(0);
        }
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sim_time_us();  /* time 0 is now */
    esp_log_level_set("*", (esp_log_level_t)env_long("HR_SIM_LOG_LEVEL", ESP_LOG_INFO));
    if (sim_mem_init() != ESP_OK) {
        return 70;
    }
    const char *partition = getenv("HR_SIM_PARTITION");
    if (partition == NULL || *partition == '\0') {
        partition = "hotreload_partition.bin";
    }
    esp_err_t err = esp_partition_file_register("hotreload", partition, SIM_PARTITION_SIZE, ESP_PARTITION_TYPE_APP,
                                                ESP_PARTITION_SUBTYPE_APP_FACTORY);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot use %s as the hotreload partition: %s", partition, esp_err_to_name(err));
        return 71;
    }
    ESP_LOGI(TAG, "simulated device up: free heap %u bytes, partition %s", (unsigned)esp_get_free_heap_size(),
             partition);
    app_main();
    return 0;
}
