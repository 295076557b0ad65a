/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_api.c
 * @brief The public API: load, reload, unload, partition updates, hooks, modes and status.
 *
 * One mutex guards all runtime state. A reload is atomic: every new image is
 * loaded and relocated into fresh memory first (hr_loader_load); only when all
 * succeeded do the pre-reload hooks run, the tables switch (hr_loader_switch)
 * and the post-reload hooks run; then the old images are freed. Any failure
 * before the switch frees the new images and leaves the running code as it was.
 * The loader is used only through hr_loader.h.
 */
#include <stdlib.h>
#include <string.h>

#include "esp_check.h"
#include "esp_log.h"
#include "hotreload.h"
#include "hotreload_table.h"
#include "hr_chip.h"
#include "hr_config.h"
#include "hr_crypto.h"
#include "hr_loader.h"
#include "hr_os.h"
#include "hr_respond.h"
#include "hr_runtime.h"
#include "hr_store.h"

static const char *TAG = "hotreload";

_Static_assert(HR_RUNTIME_MSG_MAX == sizeof(((hotreload_status_t *)0)->last_error_msg), "message sizes");

typedef struct {
    hr_image_t *image;
    hotreload_module_status_t status;
} component_t;

typedef struct {
    hotreload_pre_hook_t pre;
    hotreload_post_hook_t post;
    void *user_ctx;
} hook_t;

/* A module to put into one component's table. */
typedef struct {
    const uint8_t *elf;
    size_t size;
    uint32_t sequence;
    uint8_t sha256[HOTRELOAD_ID_SIZE];
} source_t;

static struct {
    hr_mutex_t *lock;
    bool initialised;
    bool use_spiram;
    char partition_label[HR_STORE_NAME_SIZE];
    const hr_mem_port_t *mem;
    uint8_t firmware_id[HOTRELOAD_ID_SIZE];
    hr_store_t *store;
    component_t *components;          /* hotreload_table_count entries, registry order */
    hook_t hooks[CONFIG_HOTRELOAD_MAX_HOOKS];
    uint32_t reload_count;
    bool pending;
    hotreload_mode_t mode;
    esp_err_t last_error;
    char last_error_msg[HR_RUNTIME_MSG_MAX];
    int64_t last_load_time_us;
    int64_t last_load_at_us;
} s_rt;

/* The mutex is made on first use; the first call comes from app_main before any other task uses the runtime. */
static void lock(void)
{
    if (s_rt.lock == NULL) {
        s_rt.lock = hr_os_mutex_create();
        if (s_rt.lock == NULL) {
            ESP_LOGE(TAG, "cannot create the runtime mutex: out of memory");
            abort();
        }
    }
    hr_os_mutex_lock(s_rt.lock);
}

static void unlock(void)
{
    hr_os_mutex_unlock(s_rt.lock);
}

static void set_error(esp_err_t err, const char *message)
{
    s_rt.last_error = err;
    strncpy(s_rt.last_error_msg, message ? message : "", sizeof(s_rt.last_error_msg) - 1);
    s_rt.last_error_msg[sizeof(s_rt.last_error_msg) - 1] = '\0';
}

static esp_err_t fail(esp_err_t err, hr_phase_t phase)
{
    const char *fix = hr_respond_fix(err, phase);
    set_error(err, fix);
    ESP_LOGE(TAG, "%s: %s", esp_err_to_name(err), fix);
    return err;
}

static int table_index(const char *name)
{
    for (size_t i = 0; i < hotreload_table_count; i++) {
        if (strcmp(hotreload_tables[i]->name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static bool chip_executes_from_psram(void)
{
    for (size_t i = 0; i < hr_chip_desc.region_count; i++) {
        uint32_t caps = hr_chip_desc.regions[i].caps;
        if ((caps & HR_CHIP_CAP_SPIRAM) && (caps & HR_CHIP_CAP_EXEC)) {
            return true;
        }
    }
    return false;
}

static void apply_log_level(void)
{
    static const char *const tags[] = {"hotreload", "hr_elf", "hr_http"};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        esp_log_level_set(tags[i], (esp_log_level_t)CONFIG_HOTRELOAD_LOG_LEVEL);
    }
}

/* Caller holds the lock. */
static esp_err_t init_locked(const hotreload_config_t *config)
{
    if (config == NULL && s_rt.initialised) {
        return ESP_OK;
    }
    hotreload_config_t defaults = HOTRELOAD_CONFIG_DEFAULT();
    if (config == NULL) {
        config = &defaults;
    }
    const char *label = config->partition_label ? config->partition_label : CONFIG_HOTRELOAD_PARTITION_LABEL;
    if (s_rt.initialised) {
        ESP_RETURN_ON_FALSE(config->use_spiram == s_rt.use_spiram && strcmp(label, s_rt.partition_label) == 0,
                            ESP_ERR_INVALID_STATE, TAG,
                            "hotreload is already initialised with another configuration (partition '%s', %s)",
                            s_rt.partition_label, s_rt.use_spiram ? "PSRAM" : "internal RAM");
        return ESP_OK;
    }
    apply_log_level();
    ESP_RETURN_ON_FALSE(strlen(label) < sizeof(s_rt.partition_label), ESP_ERR_INVALID_ARG, TAG,
                        "partition label '%s' is too long", label);
    if (config->use_spiram && !chip_executes_from_psram()) {
        ESP_LOGE(TAG, "%s cannot execute code from PSRAM: use HOTRELOAD_CONFIG_DEFAULT() on this chip",
                 hr_chip_desc.target);
        set_error(ESP_ERR_NOT_SUPPORTED, "this chip cannot execute from PSRAM: use HOTRELOAD_CONFIG_DEFAULT()");
        return ESP_ERR_NOT_SUPPORTED;
    }
    const hr_mem_port_t *mem = hr_mem_default_port(config->use_spiram);
    ESP_RETURN_ON_FALSE(mem, ESP_ERR_NOT_SUPPORTED, TAG, "no %s memory port for modules on %s",
                        config->use_spiram ? "PSRAM" : "internal RAM", hr_chip_desc.target);
    ESP_RETURN_ON_ERROR(hr_os_firmware_id(s_rt.firmware_id), TAG, "cannot tell this firmware's identity");
    s_rt.components = calloc(hotreload_table_count ? hotreload_table_count : 1, sizeof(component_t));
    ESP_RETURN_ON_FALSE(s_rt.components, ESP_ERR_NO_MEM, TAG, "no memory for %u components",
                        (unsigned)hotreload_table_count);
    for (size_t i = 0; i < hotreload_table_count; i++) {
        strncpy(s_rt.components[i].status.name, hotreload_tables[i]->name, HOTRELOAD_NAME_MAX);
        /* Slots start at the trap on the device already; a 64-bit host build can only set them here. */
        hr_loader_poison(hotreload_tables[i]);
    }
    strcpy(s_rt.partition_label, label);
    s_rt.use_spiram = config->use_spiram;
    s_rt.mem = mem;
    if (s_rt.mode == HOTRELOAD_MODE_DEFAULT) {
        s_rt.mode = HR_CONFIG_DEFAULT_MODE;
    }
    hr_store_config_t store_config = {
        .partition_label = label,
        .max_module_size = CONFIG_HOTRELOAD_MAX_MODULE_SIZE,
        .firmware_id = s_rt.firmware_id,
    };
    esp_err_t err = hr_store_open(&store_config, &s_rt.store);
    if (err != ESP_OK) {
        /* Loading from a buffer still works without a partition; uploads and hotreload_load() report it. */
        s_rt.store = NULL;
        ESP_LOGW(TAG, "partition '%s' unusable (%s): uploads will be refused", label, esp_err_to_name(err));
    }
    s_rt.initialised = true;
    ESP_LOGI(TAG, "runtime ready: %u reloadable component(s), partition '%s', modules in %s",
             (unsigned)hotreload_table_count, label, config->use_spiram ? "PSRAM" : "internal RAM");
    return ESP_OK;
}

static void run_post_hooks(size_t count, esp_err_t result)
{
    for (size_t k = count; k-- > 0;) {
        if (s_rt.hooks[k].post) {
            s_rt.hooks[k].post(result, s_rt.hooks[k].user_ctx);
        }
    }
}

/* Pre-hooks in order; on a veto, the post-hooks of the hooks that ran are told. */
static esp_err_t run_pre_hooks(void)
{
    for (size_t k = 0; k < CONFIG_HOTRELOAD_MAX_HOOKS; k++) {
        if (s_rt.hooks[k].pre == NULL && s_rt.hooks[k].post == NULL) {
            continue;
        }
        if (s_rt.hooks[k].pre && s_rt.hooks[k].pre(s_rt.hooks[k].user_ctx) != ESP_OK) {
            ESP_LOGW(TAG, "pre-reload hook %u vetoed the reload; nothing changed", (unsigned)k);
            run_post_hooks(k, ESP_ERR_HOTRELOAD_VETOED);
            return ESP_ERR_HOTRELOAD_VETOED;
        }
    }
    return ESP_OK;
}

/*
 * Put sources[i] (where sources[i].elf != NULL) into component i, atomically.
 * Caller holds the lock.
 */
static esp_err_t swap_in(const source_t *sources)
{
    size_t n = hotreload_table_count;
    int64_t start = hr_os_time_us();
    esp_err_t ret = ESP_OK;
    hr_image_t **images = calloc(n ? n : 1, sizeof(*images));
    uint32_t **slots = calloc(n ? n : 1, sizeof(*slots));
    ESP_GOTO_ON_FALSE(images && slots, ESP_ERR_NO_MEM, out, TAG, "no memory for a reload");

    for (size_t i = 0; i < n; i++) {
        if (sources[i].elf == NULL) {
            continue;
        }
        const hotreload_table_t *table = hotreload_tables[i];
        slots[i] = calloc(table->count ? table->count : 1, sizeof(uint32_t));
        ESP_GOTO_ON_FALSE(slots[i], ESP_ERR_NO_MEM, out, TAG, "no memory for %u slots", (unsigned)table->count);
        hr_load_params_t params = {.table = table, .firmware_id = s_rt.firmware_id, .mem = s_rt.mem};
        ret = hr_loader_load(sources[i].elf, sources[i].size, &params, slots[i], &images[i]);
        if (ret != ESP_OK) {
            ESP_LOGE(TAG, "loading '%s' failed: %s; the running code is unchanged", table->name,
                     esp_err_to_name(ret));
            goto out;
        }
    }
    ESP_GOTO_ON_ERROR(run_pre_hooks(), out, TAG, "reload vetoed");
    for (size_t i = 0; i < n; i++) {
        if (images[i] == NULL) {
            continue;
        }
        hr_loader_switch(hotreload_tables[i], slots[i]);
        component_t *c = &s_rt.components[i];
        hr_image_t *old = c->image;
        c->image = images[i];
        images[i] = old;          /* freed below, now that no slot points into it */
        c->status.loaded = true;
        memcpy(c->status.module_sha256, sources[i].sha256, HOTRELOAD_ID_SIZE);
        c->status.file_size = (uint32_t)sources[i].size;
        c->status.image_size = (uint32_t)hr_image_size(c->image);
        c->status.export_count = hotreload_tables[i]->count;
        c->status.sequence = sources[i].sequence;
    }
    run_post_hooks(CONFIG_HOTRELOAD_MAX_HOOKS, ESP_OK);
    s_rt.reload_count++;
    s_rt.last_load_at_us = hr_os_time_us();
    s_rt.last_load_time_us = s_rt.last_load_at_us - start;
    s_rt.last_error = ESP_OK;
    s_rt.last_error_msg[0] = '\0';
out:
    if (images) {
        for (size_t i = 0; i < n; i++) {
            hr_image_free(images[i]);
        }
    }
    if (slots) {
        for (size_t i = 0; i < n; i++) {
            free(slots[i]);
        }
    }
    free(images);
    free(slots);
    if (ret != ESP_OK) {
        fail(ret, HR_PHASE_MODULE);
    }
    return ret;
}

/*
 * Map the newest committed module of each component into sources[] (changed_only: only those whose
 * sequence differs from the loaded one). Returns how many were found; handles[] must be unmapped.
 */
static size_t map_from_store(source_t *sources, esp_partition_mmap_handle_t *handles, bool changed_only,
                             esp_err_t *err)
{
    size_t found = 0;
    *err = ESP_OK;
    for (size_t i = 0; i < hotreload_table_count; i++) {
        hr_store_entry_t entry;
        if (hr_store_find(s_rt.store, hotreload_tables[i]->name, &entry) != ESP_OK) {
            continue;
        }
        const component_t *c = &s_rt.components[i];
        if (changed_only && c->status.loaded && c->status.sequence == entry.seq) {
            continue;
        }
        esp_err_t map_err = hr_store_map(s_rt.store, &entry, &sources[i].elf, &handles[i]);
        if (map_err != ESP_OK) {
            *err = map_err;
            sources[i].elf = NULL;
            continue;
        }
        sources[i].size = entry.length;
        sources[i].sequence = entry.seq;
        memcpy(sources[i].sha256, entry.sha256, HOTRELOAD_ID_SIZE);
        found++;
    }
    return found;
}

static void unmap_all(source_t *sources, esp_partition_mmap_handle_t *handles)
{
    for (size_t i = 0; i < hotreload_table_count; i++) {
        if (sources[i].elf) {
            hr_store_unmap(handles[i]);
        }
    }
}

/* Load from the partition; changed_only as in map_from_store(). Caller holds the lock. */
static esp_err_t load_from_store(bool changed_only, size_t *missing_out)
{
    size_t n = hotreload_table_count ? hotreload_table_count : 1;
    source_t *sources = calloc(n, sizeof(source_t));
    esp_partition_mmap_handle_t *handles = calloc(n, sizeof(*handles));
    if (sources == NULL || handles == NULL) {
        free(sources);
        free(handles);
        return fail(ESP_ERR_NO_MEM, HR_PHASE_MODULE);
    }
    esp_err_t map_err;
    size_t found = map_from_store(sources, handles, changed_only, &map_err);
    if (changed_only && found == 0 && map_err == ESP_OK) {
        /* Nothing newer: an explicit reload request reloads what is there. */
        found = map_from_store(sources, handles, false, &map_err);
    }
    size_t missing = 0;
    for (size_t i = 0; i < hotreload_table_count; i++) {
        hr_store_entry_t entry;
        if (hr_store_find(s_rt.store, hotreload_tables[i]->name, &entry) != ESP_OK && missing_out) {
            ESP_LOGW(TAG, "no module for '%s' in partition '%s': run `idf.py build hotreload-flash` or "
                     "`idf.py reload`", hotreload_tables[i]->name, s_rt.partition_label);
            missing++;
        }
    }
    esp_err_t ret = map_err;
    if (ret == ESP_OK && found > 0) {
        ret = swap_in(sources);
    } else if (ret == ESP_OK) {
        ret = ESP_ERR_NOT_FOUND;
    }
    unmap_all(sources, handles);
    free(sources);
    free(handles);
    if (missing_out) {
        *missing_out = missing;
    }
    return ret;
}

void hotreload_trap_unloaded(void)
{
    ESP_LOGE(TAG, "a reloadable function was called while its component has no module loaded: call "
             "hotreload_load() first and check its result (or upload with idf.py reload)");
    abort();
}

esp_err_t hotreload_load(const hotreload_config_t *config)
{
    lock();
    esp_err_t ret = init_locked(config);
    if (ret != ESP_OK) {
        unlock();
        return ret;
    }
    if (s_rt.store == NULL) {
        ESP_LOGE(TAG, "no usable partition '%s': add `%s, app, 0x40, , 512k,` to partitions.csv and flash it",
                 s_rt.partition_label, s_rt.partition_label);
        set_error(ESP_ERR_NOT_FOUND, hr_respond_fix(ESP_ERR_NOT_FOUND, HR_PHASE_STORE));
        unlock();
        return ESP_ERR_NOT_FOUND;
    }
    size_t missing = 0;
    ret = load_from_store(false, &missing);
    if (ret == ESP_OK && missing > 0) {
        ret = ESP_ERR_NOT_FOUND;
    }
    if (ret == ESP_ERR_NOT_FOUND) {
        set_error(ret, "no module in the partition for some component: run idf.py build hotreload-flash or "
                  "idf.py reload");
    }
    unlock();
    return ret;
}

/* The component and digest of a module in RAM or flash; checks firmware identity and ABI. */
static esp_err_t check_module(const uint8_t *elf, size_t size, int *index_out, hr_module_info_t *info)
{
    esp_err_t err = hr_loader_read_info(elf, size, info);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "not a hotreload module (%s)", esp_err_to_name(err));
        return err == ESP_ERR_NOT_FOUND ? ESP_ERR_INVALID_ARG : err;
    }
    info->name[sizeof(info->name) - 1] = '\0';
    if (memcmp(info->firmware_id, s_rt.firmware_id, HOTRELOAD_ID_SIZE) != 0) {
        ESP_LOGE(TAG, "module '%s' was linked against another firmware: rebuild and flash the firmware",
                 info->name);
        return ESP_ERR_INVALID_VERSION;
    }
    int index = table_index(info->name);
    if (index < 0) {
        ESP_LOGE(TAG, "module '%s' names no reloadable component of this firmware", info->name);
        return ESP_ERR_NOT_FOUND;
    }
    if (memcmp(info->fingerprint, hotreload_tables[index]->fingerprint, HOTRELOAD_FINGERPRINT_SIZE) != 0) {
        ESP_LOGE(TAG, "module '%s' exports other functions than the firmware's table: rebuild and flash the "
                 "firmware", info->name);
        return ESP_ERR_HOTRELOAD_ABI_MISMATCH;
    }
    *index_out = index;
    return ESP_OK;
}

esp_err_t hotreload_load_from_buffer(const uint8_t *elf, size_t size)
{
    ESP_RETURN_ON_FALSE(elf && size, ESP_ERR_INVALID_ARG, TAG, "hotreload_load_from_buffer: empty buffer");
    lock();
    esp_err_t ret = init_locked(NULL);
    if (ret == ESP_OK) {
        hr_module_info_t info;
        int index = -1;
        ret = check_module(elf, size, &index, &info);
        if (ret != ESP_OK) {
            fail(ret, HR_PHASE_MODULE);
        } else {
            source_t *sources = calloc(hotreload_table_count, sizeof(source_t));
            if (sources == NULL) {
                ret = fail(ESP_ERR_NO_MEM, HR_PHASE_MODULE);
            } else {
                sources[index].elf = elf;
                sources[index].size = size;
                hr_sha256(elf, size, sources[index].sha256);
                ret = swap_in(sources);
                free(sources);
            }
        }
    }
    unlock();
    return ret;
}

static esp_err_t reload_locked(void)
{
    ESP_RETURN_ON_FALSE(s_rt.initialised, ESP_ERR_INVALID_STATE, TAG,
                        "hotreload_reload() before hotreload_load(): call hotreload_load() at start-up");
    if (s_rt.store == NULL) {
        return fail(ESP_ERR_NOT_FOUND, HR_PHASE_STORE);
    }
    esp_err_t ret = load_from_store(true, NULL);
    if (ret != ESP_ERR_HOTRELOAD_VETOED) {
        s_rt.pending = false;
    }
    return ret;
}

esp_err_t hotreload_reload(void)
{
    lock();
    esp_err_t ret = reload_locked();
    unlock();
    return ret;
}

esp_err_t hotreload_unload(void)
{
    lock();
    esp_err_t ret = ESP_OK;
    bool any = false;
    for (size_t i = 0; s_rt.initialised && i < hotreload_table_count; i++) {
        any |= s_rt.components[i].image != NULL;
    }
    if (any) {
        ret = run_pre_hooks();
        if (ret == ESP_OK) {
            for (size_t i = 0; i < hotreload_table_count; i++) {
                component_t *c = &s_rt.components[i];
                hr_loader_poison(hotreload_tables[i]);
                hr_image_free(c->image);
                c->image = NULL;
                char name[HOTRELOAD_NAME_MAX + 1];
                memcpy(name, c->status.name, sizeof(name));
                memset(&c->status, 0, sizeof(c->status));
                memcpy(c->status.name, name, sizeof(name));
            }
            run_post_hooks(CONFIG_HOTRELOAD_MAX_HOOKS, ESP_OK);
        } else {
            fail(ret, HR_PHASE_MODULE);
        }
    }
    unlock();
    return ret;
}

static esp_err_t validate_upload(void *arg, const uint8_t *data, size_t size, char name_out[HR_STORE_NAME_SIZE])
{
    (void)arg;
    hr_module_info_t info;
    int index;
    ESP_RETURN_ON_ERROR(check_module(data, size, &index, &info), TAG, "upload refused");
    strncpy(name_out, info.name, HR_STORE_NAME_SIZE - 1);
    name_out[HR_STORE_NAME_SIZE - 1] = '\0';
    return ESP_OK;
}

esp_err_t hr_runtime_upload_begin(size_t size_hint, bool exact, hr_store_writer_t **out)
{
    lock();
    esp_err_t ret;
    if (!s_rt.initialised) {
        ret = fail(ESP_ERR_INVALID_STATE, HR_PHASE_MODULE);
    } else if (s_rt.store == NULL) {
        ret = fail(ESP_ERR_NOT_FOUND, HR_PHASE_STORE);
    } else {
        if (!exact && size_hint > hr_store_capacity(s_rt.store)) {
            size_hint = 0;
        }
        ret = hr_store_begin(s_rt.store, size_hint, out);
        if (ret != ESP_OK) {
            fail(ret, HR_PHASE_STORE);
        }
    }
    unlock();
    return ret;
}

esp_err_t hr_runtime_upload_finish(hr_store_writer_t *writer, const uint8_t *expected_sha256, hr_store_entry_t *out)
{
    lock();
    esp_err_t ret = hr_store_finish(writer, expected_sha256, validate_upload, NULL, out);
    if (ret != ESP_OK) {
        fail(ret, ret == ESP_ERR_INVALID_CRC && expected_sha256 ? HR_PHASE_BODY : HR_PHASE_MODULE);
    }
    unlock();
    return ret;
}

void hr_runtime_upload_abort(hr_store_writer_t *writer)
{
    lock();
    hr_store_abort(writer);
    unlock();
}

esp_err_t hotreload_update_partition(const uint8_t *elf, size_t size)
{
    ESP_RETURN_ON_FALSE(elf && size, ESP_ERR_INVALID_ARG, TAG, "hotreload_update_partition: empty buffer");
    lock();
    esp_err_t ret = init_locked(NULL);
    unlock();
    if (ret != ESP_OK) {
        return ret;
    }
    hr_store_writer_t *writer;
    ESP_RETURN_ON_ERROR(hr_runtime_upload_begin(size, true, &writer), TAG, "cannot start the update");
    lock();
    ret = hr_store_write(writer, elf, size);
    unlock();
    if (ret != ESP_OK) {
        hr_runtime_upload_abort(writer);
        lock();
        fail(ret, HR_PHASE_STORE);
        unlock();
        return ret;
    }
    return hr_runtime_upload_finish(writer, NULL, NULL);
}

esp_err_t hr_runtime_request_reload(bool *reloaded, int64_t *load_us)
{
    lock();
    esp_err_t ret = ESP_OK;
    *reloaded = false;
    *load_us = 0;
    if (s_rt.mode == HOTRELOAD_MODE_IMMEDIATE) {
        ret = reload_locked();
        if (ret == ESP_OK) {
            *reloaded = true;
            *load_us = s_rt.last_load_time_us;
        }
    } else if (!s_rt.initialised) {
        ret = fail(ESP_ERR_INVALID_STATE, HR_PHASE_MODULE);
    } else {
        s_rt.pending = true;
        ESP_LOGI(TAG, "update staged: the application reloads at its next safe point");
    }
    unlock();
    return ret;
}

void hr_runtime_set_mode(hotreload_mode_t mode)
{
    lock();
    s_rt.mode = mode == HOTRELOAD_MODE_DEFAULT ? HR_CONFIG_DEFAULT_MODE : mode;
    unlock();
}

void hr_runtime_note_error(esp_err_t err, const char *message)
{
    lock();
    set_error(err, message);
    unlock();
}

bool hr_runtime_initialised(void)
{
    lock();
    bool ready = s_rt.initialised;
    unlock();
    return ready;
}

bool hotreload_update_available(void)
{
    lock();
    bool pending = s_rt.pending;
    unlock();
    return pending;
}

esp_err_t hotreload_register_hooks(hotreload_pre_hook_t pre, hotreload_post_hook_t post, void *user_ctx)
{
    ESP_RETURN_ON_FALSE(pre || post, ESP_ERR_INVALID_ARG, TAG, "hotreload_register_hooks: both hooks NULL");
    lock();
    esp_err_t ret = ESP_ERR_NO_MEM;
    for (size_t k = 0; k < CONFIG_HOTRELOAD_MAX_HOOKS; k++) {
        if (s_rt.hooks[k].pre == NULL && s_rt.hooks[k].post == NULL) {
            s_rt.hooks[k] = (hook_t) {.pre = pre, .post = post, .user_ctx = user_ctx};
            ret = ESP_OK;
            break;
        }
    }
    unlock();
    if (ret != ESP_OK) {
        ESP_LOGE(TAG, "more than %d hook registrations: raise CONFIG_HOTRELOAD_MAX_HOOKS", CONFIG_HOTRELOAD_MAX_HOOKS);
    }
    return ret;
}

esp_err_t hotreload_unregister_hooks(hotreload_pre_hook_t pre, hotreload_post_hook_t post, void *user_ctx)
{
    lock();
    esp_err_t ret = ESP_ERR_NOT_FOUND;
    for (size_t k = 0; k < CONFIG_HOTRELOAD_MAX_HOOKS; k++) {
        hook_t *h = &s_rt.hooks[k];
        if ((h->pre || h->post) && h->pre == pre && h->post == post && h->user_ctx == user_ctx) {
            /* Keep registration order: later hooks move up. */
            memmove(h, h + 1, (CONFIG_HOTRELOAD_MAX_HOOKS - k - 1) * sizeof(*h));
            memset(&s_rt.hooks[CONFIG_HOTRELOAD_MAX_HOOKS - 1], 0, sizeof(*h));
            ret = ESP_OK;
            break;
        }
    }
    unlock();
    return ret;
}

esp_err_t hotreload_get_status(hotreload_status_t *out)
{
    ESP_RETURN_ON_FALSE(out, ESP_ERR_INVALID_ARG, TAG, "hotreload_get_status: NULL");
    lock();
    memset(out, 0, sizeof(*out));
    if (!s_rt.initialised) {
        hr_os_firmware_id(out->firmware_id);
    } else {
        memcpy(out->firmware_id, s_rt.firmware_id, sizeof(out->firmware_id));
    }
    out->component_count = hotreload_table_count;
    for (size_t i = 0; s_rt.initialised && i < hotreload_table_count; i++) {
        const hotreload_module_status_t *m = &s_rt.components[i].status;
        if (m->loaded) {
            out->loaded_count++;
            out->export_count += m->export_count;
            out->image_size += m->image_size;
        }
    }
    out->reload_count = s_rt.reload_count;
    out->update_pending = s_rt.pending;
    out->mode = s_rt.mode == HOTRELOAD_MODE_DEFAULT ? HR_CONFIG_DEFAULT_MODE : s_rt.mode;
    out->last_error = s_rt.last_error;
    memcpy(out->last_error_msg, s_rt.last_error_msg, sizeof(out->last_error_msg));
    out->last_load_time_us = s_rt.last_load_time_us;
    out->last_load_at_us = s_rt.last_load_at_us;
    unlock();
    return ESP_OK;
}

esp_err_t hotreload_get_module_status(size_t index, hotreload_module_status_t *out)
{
    ESP_RETURN_ON_FALSE(out && index < hotreload_table_count, ESP_ERR_INVALID_ARG, TAG,
                        "hotreload_get_module_status: index %u of %u", (unsigned)index,
                        (unsigned)hotreload_table_count);
    lock();
    if (s_rt.initialised) {
        *out = s_rt.components[index].status;
    } else {
        memset(out, 0, sizeof(*out));
        strncpy(out->name, hotreload_tables[index]->name, HOTRELOAD_NAME_MAX);
    }
    unlock();
    return ESP_OK;
}
