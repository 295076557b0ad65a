/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hotreload.h
 * @brief Public API of the hotreload component (the only header applications include).
 *
 * A reloadable component is called through generated stubs that jump through a
 * symbol table. This API fills those tables from the `hotreload` flash
 * partition (or from RAM), replaces them atomically with a newer module, runs
 * an HTTP server that receives modules from `idf.py reload` / `idf.py watch`,
 * and reports what is loaded.
 *
 * @code
 * hotreload_config_t config = HOTRELOAD_CONFIG_DEFAULT();
 * esp_err_t err = hotreload_load(&config);
 * if (err != ESP_OK) {
 *     ESP_LOGW(TAG, "no module loaded yet: %s", esp_err_to_name(err));
 * }
 * hotreload_server_config_t server_config = HOTRELOAD_SERVER_CONFIG_DEFAULT();
 * ESP_ERROR_CHECK(hotreload_server_start(&server_config));
 * while (true) {
 *     if (hotreload_update_available()) {
 *         hotreload_reload();            // a safe point: no task is inside module code
 *     }
 *     printf("%d\n", reloadable_add(2, 3));
 *     vTaskDelay(pdMS_TO_TICKS(1000));
 * }
 * @endcode
 *
 * @note All functions are thread-safe (one internal mutex) unless stated
 *       otherwise. None may be called from an ISR.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#if defined(__has_include)
#if __has_include("sdkconfig.h")
#include "sdkconfig.h"
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @name Error codes beyond esp_err.h
 * @{
 */
#define ESP_ERR_HOTRELOAD_BASE          0x7A000                       /*!< first hotreload error code */
#define ESP_ERR_HOTRELOAD_ABI_MISMATCH  (ESP_ERR_HOTRELOAD_BASE + 1)  /*!< module exports differ from the firmware's table: rebuild and flash the firmware */
#define ESP_ERR_HOTRELOAD_VETOED        (ESP_ERR_HOTRELOAD_BASE + 2)  /*!< a pre-reload hook refused the reload; nothing changed */
/** @} */

/** Size in bytes of a firmware or module identity (SHA-256). */
#define HOTRELOAD_ID_SIZE 32

/** Longest component name, without the terminating NUL. */
#define HOTRELOAD_NAME_MAX 31

/** What the server does when a module arrives with a reload request. */
typedef enum {
    /** Use CONFIG_HOTRELOAD_DEFAULT_MODE (the value 0, so a zeroed config picks it). */
    HOTRELOAD_MODE_DEFAULT = 0,
    /**
     * The server only stores the module and flags it; the application polls
     * hotreload_update_available() and calls hotreload_reload() at a point where
     * no task is inside module code. Safest: nothing runs module code during the switch.
     */
    HOTRELOAD_MODE_COOPERATIVE,
    /**
     * The server task reloads at once. Pre-reload hooks run first (to pause
     * tasks that call the module and save their state) and may veto; post-reload
     * hooks run after the switch.
     */
    HOTRELOAD_MODE_IMMEDIATE,
} hotreload_mode_t;

/** Configuration of hotreload_load(). */
typedef struct {
    /** Label of the flash partition holding modules; NULL: CONFIG_HOTRELOAD_PARTITION_LABEL. */
    const char *partition_label;
    /**
     * Place module code and data in PSRAM instead of internal RAM. Only on chips
     * that execute from PSRAM (ESP32-S2, ESP32-S3, ESP32-P4; firmware built with
     * CONFIG_SPIRAM); elsewhere hotreload_load() returns ESP_ERR_NOT_SUPPORTED.
     * On the ESP32-S2, module code takes whole 64 KiB MMU pages of PSRAM.
     */
    bool use_spiram;
} hotreload_config_t;

/** @cond */
#if defined(CONFIG_HOTRELOAD_USE_PSRAM) && CONFIG_HOTRELOAD_USE_PSRAM
#define HOTRELOAD_DEFAULT_USE_SPIRAM true
#else
#define HOTRELOAD_DEFAULT_USE_SPIRAM false
#endif
/** @endcond */

/** Default loader configuration: the Kconfig partition, internal RAM (PSRAM with CONFIG_HOTRELOAD_USE_PSRAM). */
#define HOTRELOAD_CONFIG_DEFAULT() {                   \
    .partition_label = NULL,                           \
    .use_spiram = HOTRELOAD_DEFAULT_USE_SPIRAM,        \
}

/** Like HOTRELOAD_CONFIG_DEFAULT() but module code and data go to PSRAM (chips that execute from PSRAM only). */
#define HOTRELOAD_CONFIG_SPIRAM() { \
    .partition_label = NULL,        \
    .use_spiram = true,             \
}

/**
 * @brief Load every reloadable component of this firmware from the partition.
 *
 * Initialises the runtime (once), then for each table in the generated
 * registry loads the newest committed module with that component's name.
 * Components with no module in the partition keep their slots pointing at
 * hotreload_trap_unloaded(); the runtime stays initialised so that the server
 * can receive one.
 *
 * @param config configuration; NULL means HOTRELOAD_CONFIG_DEFAULT()
 * @return
 *     - ESP_OK: every component has a module loaded
 *     - ESP_ERR_NOT_FOUND: partition missing, or some component has no module
 *       in it (log says which; build and run `idf.py build hotreload-flash` or `idf.py reload`)
 *     - ESP_ERR_NOT_SUPPORTED: use_spiram on a chip that cannot execute from PSRAM
 *     - ESP_ERR_INVALID_STATE: already loaded with a different configuration
 *     - any hr loader error of a module (ESP_ERR_INVALID_VERSION: built for
 *       another firmware; ESP_ERR_HOTRELOAD_ABI_MISMATCH; ESP_ERR_NO_MEM ...)
 */
esp_err_t hotreload_load(const hotreload_config_t *config);

/**
 * @brief Load one module from a buffer in RAM into the component it names.
 *
 * The module's info record names its component. The buffer is only read
 * during the call and may be freed afterwards. Runs the reload hooks when the
 * component already had a module loaded. Initialises the runtime with
 * HOTRELOAD_CONFIG_DEFAULT() if hotreload_load() was not called.
 *
 * @param elf module ELF bytes (a `<component>_stripped.so`)
 * @param size number of bytes
 * @return
 *     - ESP_OK
 *     - ESP_ERR_INVALID_ARG: NULL or empty buffer
 *     - ESP_ERR_NOT_FOUND: this firmware has no reloadable component of that name
 *     - ESP_ERR_HOTRELOAD_VETOED: a pre-reload hook refused
 *     - loader errors as for hotreload_load(); on any error the previous module keeps running
 */
esp_err_t hotreload_load_from_buffer(const uint8_t *elf, size_t size);

/**
 * @brief Replace every loaded component with the newest committed module in the partition.
 *
 * Atomic: all new images are loaded and relocated first; if any fails, nothing
 * changes and the error is recorded for hotreload_get_status(). Then the
 * pre-reload hooks run (any may veto), the tables switch, the post-reload
 * hooks run and the old images are freed. Clears the pending-update flag.
 *
 * @warning Call only at a point where no task is executing or about to return
 *          into module code (cooperative mode), or stop such tasks in a pre-reload hook.
 * @return
 *     - ESP_OK
 *     - ESP_ERR_INVALID_STATE: hotreload_load() was never called
 *     - ESP_ERR_NOT_FOUND: the partition holds no module for any component
 *     - ESP_ERR_HOTRELOAD_VETOED: a pre-reload hook refused; nothing changed
 *     - loader errors as for hotreload_load(); nothing changed
 */
esp_err_t hotreload_reload(void);

/**
 * @brief Unload every module: slots point at hotreload_trap_unloaded() and the images are freed.
 *
 * Runs the pre-reload hooks (which may veto) and the post-reload hooks.
 * Calling a reloadable function afterwards aborts with a clear log line.
 *
 * @return ESP_OK (also when nothing was loaded), ESP_ERR_HOTRELOAD_VETOED
 */
esp_err_t hotreload_unload(void);

/**
 * @brief Store a module in the partition without loading it.
 *
 * Validates the module (ELF, info record, firmware identity, a component of
 * this firmware) and commits it; a later hotreload_reload() or boot loads it.
 * The previously committed module stays intact on any failure.
 *
 * @param elf module ELF bytes
 * @param size number of bytes
 * @return
 *     - ESP_OK
 *     - ESP_ERR_INVALID_ARG: NULL or empty buffer
 *     - ESP_ERR_INVALID_SIZE: larger than CONFIG_HOTRELOAD_MAX_MODULE_SIZE or the partition's free space
 *     - ESP_ERR_INVALID_VERSION: built for another firmware (flash the firmware)
 *     - ESP_ERR_NOT_FOUND: no such component in this firmware, or no partition
 *     - ESP_ERR_NOT_SUPPORTED / ESP_ERR_INVALID_SIZE: not a module ELF
 *     - ESP_ERR_INVALID_STATE: an upload is already in progress
 */
esp_err_t hotreload_update_partition(const uint8_t *elf, size_t size);

/**
 * @brief Called before every reload or unload, in registration order.
 *
 * Use it to stop tasks that call module code and save their state. Return
 * ESP_OK to allow the reload; any other value vetoes it (nothing changes,
 * the reload returns ESP_ERR_HOTRELOAD_VETOED, and the post-reload hooks of
 * the hooks that already ran are still called with that error).
 *
 * @param user_ctx the pointer given at registration
 */
typedef esp_err_t (*hotreload_pre_hook_t)(void *user_ctx);

/**
 * @brief Called after a reload attempt that passed the pre-reload hooks, in reverse registration order.
 *
 * @param result ESP_OK when the new modules are in place, otherwise why the old ones still are
 * @param user_ctx the pointer given at registration
 */
typedef void (*hotreload_post_hook_t)(esp_err_t result, void *user_ctx);

/**
 * @brief Register hooks around reloads.
 *
 * Either hook may be NULL. At most CONFIG_HOTRELOAD_MAX_HOOKS registrations.
 * @note Hooks run in the task that reloads (the application's in cooperative
 *       mode, the server's in immediate mode) with the runtime's mutex held:
 *       they must not call other hotreload functions.
 * @return ESP_OK, ESP_ERR_INVALID_ARG (both NULL), ESP_ERR_NO_MEM (too many hooks)
 */
esp_err_t hotreload_register_hooks(hotreload_pre_hook_t pre, hotreload_post_hook_t post, void *user_ctx);

/**
 * @brief Remove a registration made with exactly these three values.
 * @return ESP_OK, ESP_ERR_NOT_FOUND
 */
esp_err_t hotreload_unregister_hooks(hotreload_pre_hook_t pre, hotreload_post_hook_t post, void *user_ctx);

/**
 * @brief Whether the server stored a module and asked for a reload that has not happened yet.
 *
 * Cooperative mode: poll this at a safe point and call hotreload_reload().
 */
bool hotreload_update_available(void);

/** Identity and size of one component's loaded module (see hotreload_get_module_status()). */
typedef struct {
    char name[HOTRELOAD_NAME_MAX + 1];          /*!< component name */
    bool loaded;                                /*!< a module is loaded (otherwise the fields below are zero) */
    uint8_t module_sha256[HOTRELOAD_ID_SIZE];   /*!< SHA-256 of the module ELF file */
    uint32_t file_size;                         /*!< bytes of the module ELF file */
    uint32_t image_size;                        /*!< bytes of RAM its code and data occupy */
    uint32_t export_count;                      /*!< exported functions */
    uint32_t sequence;                          /*!< partition sequence number it came from; 0 for a RAM load */
} hotreload_module_status_t;

/** Runtime-wide status (see hotreload_get_status()). */
typedef struct {
    uint8_t firmware_id[HOTRELOAD_ID_SIZE];     /*!< SHA-256 of this firmware's ELF */
    size_t component_count;                     /*!< reloadable components in this firmware */
    size_t loaded_count;                        /*!< of them, how many have a module loaded */
    uint32_t export_count;                      /*!< exports of all loaded modules */
    uint32_t image_size;                        /*!< RAM of all loaded images, bytes */
    uint32_t reload_count;                      /*!< successful loads and reloads since boot */
    bool update_pending;                        /*!< hotreload_update_available() */
    hotreload_mode_t mode;                      /*!< the server's reload mode (never HOTRELOAD_MODE_DEFAULT) */
    esp_err_t last_error;                       /*!< the last failed operation's error, ESP_OK if none */
    char last_error_msg[192];                   /*!< what failed and what to do, "" if none */
    int64_t last_load_time_us;                  /*!< duration of the last successful load or reload */
    int64_t last_load_at_us;                    /*!< esp_timer time when it finished; 0 if never */
} hotreload_status_t;

/**
 * @brief Fill @p out with the runtime's status.
 * @return ESP_OK, ESP_ERR_INVALID_ARG (NULL)
 */
esp_err_t hotreload_get_status(hotreload_status_t *out);

/**
 * @brief Fill @p out for the component at @p index (0 .. component_count - 1, registry order).
 * @return ESP_OK, ESP_ERR_INVALID_ARG (NULL or index out of range)
 */
esp_err_t hotreload_get_module_status(size_t index, hotreload_module_status_t *out);

/** Configuration of hotreload_server_start(). Zero values select the Kconfig defaults. */
typedef struct {
    uint16_t port;                  /*!< TCP port; 0: CONFIG_HOTRELOAD_SERVER_PORT */
    hotreload_mode_t mode;          /*!< what POST /reload does; HOTRELOAD_MODE_DEFAULT: Kconfig */
    const uint8_t *auth_key;        /*!< 32-byte HMAC key; NULL: the key the build compiled in (if authentication is enabled) */
    uint32_t recv_timeout_s;        /*!< seconds a stalled client may stay silent; 0: 10 */
    uint32_t task_stack_size;       /*!< server task stack, bytes; 0: 6144 */
} hotreload_server_config_t;

/** Default server configuration: Kconfig port, mode and authentication. */
#define HOTRELOAD_SERVER_CONFIG_DEFAULT() { \
    .port = 0,                              \
    .mode = HOTRELOAD_MODE_DEFAULT,         \
    .auth_key = NULL,                       \
    .recv_timeout_s = 0,                    \
    .task_stack_size = 0,                   \
}

/**
 * @brief Start the HTTP server (POST /upload, /reload, /upload-and-reload, GET /status, /nonce).
 *
 * Logs "Hot reload server running on port N". Needs a network interface up and
 * hotreload_load() called first (it may have returned ESP_ERR_NOT_FOUND).
 *
 * @param config configuration; NULL means HOTRELOAD_SERVER_CONFIG_DEFAULT()
 * @return
 *     - ESP_OK
 *     - ESP_ERR_INVALID_STATE: already running, or hotreload_load() not called
 *     - ESP_ERR_NOT_SUPPORTED: authentication enabled but no key was compiled in
 *     - errors of httpd_start() (ESP_ERR_HTTPD_TASK ...) and ESP_ERR_NO_MEM
 */
esp_err_t hotreload_server_start(const hotreload_server_config_t *config);

/**
 * @brief Stop the server started by hotreload_server_start().
 * @return ESP_OK (also when it was not running)
 */
esp_err_t hotreload_server_stop(void);

#ifdef __cplusplus
}
#endif
