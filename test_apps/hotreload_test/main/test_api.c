/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file test_api.c
 * @brief The public API on the chip: reload, failed loads that keep the old
 *        code, hooks, status, unload, PSRAM.
 */
#include <string.h>

#include "esp_heap_caps.h"
#include "sdkconfig.h"
#include "test_helpers.h"
#include "test_module.h"
#if CONFIG_SPIRAM
#include "esp_psram.h"
#endif

/** Number of functions test_module.h declares (the module's exports). */
#define TEST_MODULE_EXPORTS 14

TEST_CASE("reload replaces the image and resets module state", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL_INT(2, tm_counter_next());
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_reload());
    /* Fresh data section: the counter starts again. */
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL_INT(385, tm_sum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
}

/* Buffers the loader must refuse; each is checked on its own. */
static const uint8_t s_not_elf[64] = { 'n', 'o', 't', ' ', 'a', 'n', ' ', 'E', 'L', 'F' };
static const uint8_t s_truncated_elf[20] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
/* A complete ELF32 header, but for Arm (e_machine 40). */
static const uint8_t s_wrong_machine[52] = {
    0x7f, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 0,       /* e_type ET_EXEC */
    40, 0,      /* e_machine EM_ARM */
    1, 0, 0, 0, /* e_version */
    [40] = 52, 0, /* e_ehsize */
    [46] = 40, 0, /* e_shentsize */
};

TEST_CASE("failed loads keep the old code running", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());

    const struct {
        const uint8_t *data;
        size_t size;
    } bad[] = {
        { s_not_elf, sizeof(s_not_elf) },
        { s_truncated_elf, sizeof(s_truncated_elf) },
        { s_wrong_machine, sizeof(s_wrong_machine) },
    };
    int expected = 2;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        esp_err_t err = hotreload_load_from_buffer(bad[i].data, bad[i].size);
        TEST_ASSERT_NOT_EQUAL_MESSAGE(ESP_OK, err, "the loader accepted a malformed module");
        /* Same image, same data: the counter goes on where it was. */
        TEST_ASSERT_EQUAL_INT(expected++, tm_counter_next());
        TEST_ASSERT_EQUAL_STRING("test_module v1", tm_version());
    }

    hotreload_status_t status;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_get_status(&status));
    TEST_ASSERT_NOT_EQUAL(ESP_OK, status.last_error);
    TEST_ASSERT_NOT_EQUAL(0, strlen(status.last_error_msg));
    TEST_ASSERT_EQUAL(1, status.loaded_count);
}

TEST_CASE("a rejected upload leaves the committed module in the partition", "[hotreload]")
{
    test_load_flashed_module();
    TEST_ASSERT_NOT_EQUAL(ESP_OK, hotreload_update_partition(s_not_elf, sizeof(s_not_elf)));
    TEST_ASSERT_NOT_EQUAL(ESP_OK, hotreload_update_partition(s_wrong_machine, sizeof(s_wrong_machine)));
    TEST_ASSERT_FALSE(hotreload_update_available());
    /* The flashed module is still the newest committed one: reloading it works. */
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_reload());
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL_STRING("test_module v1", tm_version());
}

typedef struct {
    int pre_calls;
    int post_calls;
    esp_err_t pre_result;
    esp_err_t last_post_result;
} hook_log_t;

static esp_err_t pre_hook(void *user_ctx)
{
    hook_log_t *log = user_ctx;
    log->pre_calls++;
    return log->pre_result;
}

static void post_hook(esp_err_t result, void *user_ctx)
{
    hook_log_t *log = user_ctx;
    log->post_calls++;
    log->last_post_result = result;
}

TEST_CASE("a pre-reload hook can veto; hooks see the result", "[hotreload]")
{
    test_load_flashed_module();
    hook_log_t log = { .pre_result = ESP_FAIL, .last_post_result = ESP_OK };
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_register_hooks(pre_hook, post_hook, &log));

    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL(ESP_ERR_HOTRELOAD_VETOED, hotreload_reload());
    TEST_ASSERT_EQUAL_INT(1, log.pre_calls);
    TEST_ASSERT_EQUAL_INT(2, tm_counter_next()); /* vetoed: the old image still runs */

    log.pre_result = ESP_OK;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_reload());
    TEST_ASSERT_EQUAL_INT(2, log.pre_calls);
    TEST_ASSERT_EQUAL(ESP_OK, log.last_post_result);
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());

    TEST_ASSERT_EQUAL(ESP_OK, hotreload_unregister_hooks(pre_hook, post_hook, &log));
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_reload());
    TEST_ASSERT_EQUAL_INT(2, log.pre_calls);
    TEST_ASSERT_EQUAL(ESP_ERR_NOT_FOUND, hotreload_unregister_hooks(pre_hook, post_hook, &log));
}

TEST_CASE("status reports the loaded module", "[hotreload]")
{
    test_load_flashed_module();
    hotreload_status_t status;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_get_status(&status));
    TEST_ASSERT_EQUAL(1, status.component_count);
    TEST_ASSERT_EQUAL(1, status.loaded_count);
    TEST_ASSERT_EQUAL_UINT32(TEST_MODULE_EXPORTS, status.export_count);
    TEST_ASSERT_GREATER_THAN_UINT32(0, status.image_size);
    uint32_t reloads = status.reload_count;

    hotreload_module_status_t module;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_get_module_status(0, &module));
    TEST_ASSERT_EQUAL_STRING("test_module", module.name);
    TEST_ASSERT_TRUE(module.loaded);
    TEST_ASSERT_EQUAL_UINT32(TEST_MODULE_EXPORTS, module.export_count);
    TEST_ASSERT_GREATER_THAN_UINT32(0, module.file_size);
    TEST_ASSERT_EQUAL(ESP_ERR_INVALID_ARG, hotreload_get_module_status(1, &module));

    TEST_ASSERT_EQUAL(ESP_OK, hotreload_reload());
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_get_status(&status));
    TEST_ASSERT_EQUAL_UINT32(reloads + 1, status.reload_count);
    TEST_ASSERT_TRUE(status.last_load_time_us > 0);
}

TEST_CASE("unload frees the image and a later load brings it back", "[hotreload]")
{
    test_load_flashed_module();
    size_t free_loaded = heap_caps_get_free_size(MALLOC_CAP_DEFAULT);
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_unload());
    hotreload_module_status_t module;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_get_module_status(0, &module));
    TEST_ASSERT_FALSE(module.loaded);
    TEST_ASSERT_GREATER_THAN(free_loaded, heap_caps_get_free_size(MALLOC_CAP_DEFAULT));

    test_load_flashed_module();
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
    TEST_ASSERT_EQUAL_INT(385, tm_sum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
}

TEST_CASE("module loads into PSRAM where the chip executes from it", "[hotreload][psram]")
{
#if CONFIG_SPIRAM
    if (!esp_psram_is_initialized()) {
        TEST_IGNORE_MESSAGE("this board has no PSRAM");
    }
    hotreload_config_t config = HOTRELOAD_CONFIG_SPIRAM();
#if CONFIG_IDF_TARGET_ESP32S2 || CONFIG_IDF_TARGET_ESP32S3 || CONFIG_IDF_TARGET_ESP32P4
    /* On the ESP32-S2 the code pages are also mapped into the instruction bus (esp_mmu_map). */
    size_t spiram_before = heap_caps_get_free_size(MALLOC_CAP_SPIRAM);
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_load(&config));
    TEST_ASSERT_LESS_THAN(spiram_before, heap_caps_get_free_size(MALLOC_CAP_SPIRAM));
    TEST_ASSERT_EQUAL_INT(385, tm_sum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    TEST_ASSERT_EQUAL_UINT32(6765, tm_fib(20));
    TEST_ASSERT_EQUAL_INT(42, tm_get_doubler()(21, NULL));
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_reload());
    TEST_ASSERT_EQUAL_INT(1, tm_counter_next());
#else
    /* The loader does not run code from this chip's PSRAM: it must say so, not half-load. */
    TEST_ASSERT_EQUAL(ESP_ERR_NOT_SUPPORTED, hotreload_load(&config));
    hotreload_module_status_t module;
    TEST_ASSERT_EQUAL(ESP_OK, hotreload_get_module_status(0, &module));
    TEST_ASSERT_FALSE(module.loaded);
#endif
#else
    TEST_IGNORE_MESSAGE("built without CONFIG_SPIRAM");
#endif
}
