/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file api_tool.c
 * @brief Runs a script of public API calls for tests/test_runtime_api.py, printing one line per step.
 *
 * usage: api_tool PARTFILE STEP...
 *   load | load-spiram        hotreload_load(HOTRELOAD_CONFIG_DEFAULT() / _SPIRAM())
 *   reload | unload           hotreload_reload() / hotreload_unload()
 *   loadbuf FILE              hotreload_load_from_buffer()
 *   update FILE               hotreload_update_partition()
 *   upload FILE CHUNK         hr_runtime_upload_begin/hr_store_write/hr_runtime_upload_finish (no size hint)
 *   body FILE TYPE CHUNK SHA  an HTTP upload body through hr_upload.c (Content-Type TYPE, CHUNK bytes per
 *                             receive, SHA the signed body digest or "-"); prints the HTTP status it maps to
 *   request                   hr_runtime_request_reload() (what POST /reload does)
 *   mode immediate|cooperative
 *   hook NAME[:veto]          register a pre/post hook pair that prints "pre NAME" / "post NAME ERR"
 *   unhook NAME               unregister it
 *   pending                   hotreload_update_available()
 *   slots                     the first table's slot values ("trap" for hotreload_trap_unloaded)
 *   status                    hotreload_get_status() and each component's status
 *   json                      the GET /status body
 *   errjson MESSAGE           the error body for MESSAGE
 *   statusmap                 "map PHASE ERR STATUS" for every phase and error the runtime produces
 * The partition "hotreload" (64 KiB) is backed by PARTFILE. Firmware identity: HR_HOST_FIRMWARE_ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_partition.h"
#include "hotreload.h"
#include "hotreload_table.h"
#include "hr_respond.h"
#include "hr_runtime.h"
#include "hr_upload.h"

extern int mem_host_live;

typedef struct {
    char name[16];
    bool veto;
} hook_ctx_t;

static hook_ctx_t s_hooks[8];
static int s_hook_count;

static esp_err_t pre_hook(void *user_ctx)
{
    hook_ctx_t *h = user_ctx;
    printf("pre %s\n", h->name);
    return h->veto ? ESP_FAIL : ESP_OK;
}

static void post_hook(esp_err_t result, void *user_ctx)
{
    printf("post %s %s\n", ((hook_ctx_t *)user_ctx)->name, esp_err_to_name(result));
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len + 1);
    if (fread(buf, 1, *len, f) != *len) {
        exit(2);
    }
    fclose(f);
    return buf;
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static void show_slots(void)
{
    const hotreload_table_t *t = hotreload_tables[0];
    printf("slots");
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->slots[i] == (uint32_t)(uintptr_t)&hotreload_trap_unloaded) {
            printf(" %s=trap", t->names[i]);
        } else {
            printf(" %s=0x%08x", t->names[i], (unsigned)t->slots[i]);
        }
    }
    printf("\n");
}

static void show_status(void)
{
    hotreload_status_t st;
    hotreload_get_status(&st);
    printf("status components=%zu loaded=%zu exports=%u image=%u reloads=%u pending=%d mode=%d error=%s "
           "load_us_set=%d load_us=%lld\n", st.component_count, st.loaded_count, (unsigned)st.export_count,
           (unsigned)st.image_size, (unsigned)st.reload_count, st.update_pending, (int)st.mode,
           esp_err_to_name(st.last_error), st.last_load_at_us > 0, (long long)st.last_load_time_us);
    printf("message %s\n", st.last_error_msg);
    for (size_t i = 0; i < st.component_count; i++) {
        hotreload_module_status_t m;
        hotreload_get_module_status(i, &m);
        printf("module %s loaded=%d size=%u image=%u exports=%u seq=%u sha=", m.name, m.loaded,
               (unsigned)m.file_size, (unsigned)m.image_size, (unsigned)m.export_count, (unsigned)m.sequence);
        print_hex(m.module_sha256, sizeof(m.module_sha256));
        printf("\n");
    }
}

static void show_json(void)
{
    hotreload_status_t st;
    hotreload_get_status(&st);
    hotreload_module_status_t mods[8];
    for (size_t i = 0; i < st.component_count && i < 8; i++) {
        hotreload_get_module_status(i, &mods[i]);
    }
    char buf[2048];
    int n = hr_respond_status_json(buf, sizeof(buf), &st, mods, true, 12345);
    printf("json %s\n", n < 0 ? "OVERFLOW" : buf);
}

static esp_err_t upload(const char *path, size_t chunk)
{
    size_t len;
    uint8_t *data = read_file(path, &len);
    hr_store_writer_t *w;
    esp_err_t err = hr_runtime_upload_begin(0, true, &w);
    for (size_t off = 0; err == ESP_OK && off < len; off += chunk) {
        err = hr_store_write(w, data + off, len - off < chunk ? len - off : chunk);
    }
    if (err == ESP_OK) {
        hr_store_entry_t e;
        err = hr_runtime_upload_finish(w, NULL, &e);
    } else if (w) {
        hr_runtime_upload_abort(w);
    }
    free(data);
    return err;
}

static esp_err_t http_body(const char *path, const char *content_type, size_t chunk, const char *sha_hex)
{
    size_t len;
    uint8_t *data = read_file(path, &len);
    uint8_t sha[32];
    bool have_sha = strcmp(sha_hex, "-") != 0;
    for (size_t i = 0; have_sha && i < 32; i++) {
        unsigned v;
        sscanf(sha_hex + 2 * i, "%2x", &v);
        sha[i] = (uint8_t)v;
    }
    hr_upload_t up;
    esp_err_t err = hr_upload_begin(&up, content_type, len, have_sha ? sha : NULL);
    if (err == ESP_OK) {
        for (size_t off = 0; err == ESP_OK && off < len; off += chunk) {
            err = hr_upload_feed(&up, data + off, len - off < chunk ? len - off : chunk);
        }
        if (err == ESP_OK) {
            hr_store_entry_t e;
            err = hr_upload_finish(&up, &e);
        } else {
            hr_upload_abort(&up);
        }
    }
    printf("http %d %s\n", hr_respond_http_status(err, up.phase), err == ESP_OK ? "" : up.why);
    free(data);
    return err;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return 2;
    }
    if (esp_partition_file_register("hotreload", argv[1], 64 * 1024, ESP_PARTITION_TYPE_APP, 0x40) != ESP_OK) {
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *step = argv[i];
        esp_err_t err = ESP_OK;
        if (strcmp(step, "load") == 0) {
            hotreload_config_t config = HOTRELOAD_CONFIG_DEFAULT();
            err = hotreload_load(&config);
        } else if (strcmp(step, "load-spiram") == 0) {
            hotreload_config_t config = HOTRELOAD_CONFIG_SPIRAM();
            err = hotreload_load(&config);
        } else if (strcmp(step, "reload") == 0) {
            err = hotreload_reload();
        } else if (strcmp(step, "unload") == 0) {
            err = hotreload_unload();
        } else if (strcmp(step, "loadbuf") == 0 || strcmp(step, "update") == 0) {
            size_t len;
            uint8_t *data = read_file(argv[++i], &len);
            err = step[0] == 'l' ? hotreload_load_from_buffer(data, len) : hotreload_update_partition(data, len);
            free(data);
        } else if (strcmp(step, "upload") == 0) {
            const char *path = argv[++i];
            err = upload(path, strtoul(argv[++i], NULL, 0));
        } else if (strcmp(step, "body") == 0) {
            const char *path = argv[++i];
            const char *type = argv[++i];
            size_t chunk = strtoul(argv[++i], NULL, 0);
            err = http_body(path, type, chunk, argv[++i]);
        } else if (strcmp(step, "request") == 0) {
            bool reloaded;
            int64_t load_us;
            err = hr_runtime_request_reload(&reloaded, &load_us);
            printf("reloaded=%d load_us_set=%d\n", reloaded, load_us > 0);
        } else if (strcmp(step, "mode") == 0) {
            hr_runtime_set_mode(strcmp(argv[++i], "immediate") == 0 ? HOTRELOAD_MODE_IMMEDIATE
                                : HOTRELOAD_MODE_COOPERATIVE);
        } else if (strcmp(step, "hook") == 0 || strcmp(step, "unhook") == 0) {
            const char *spec = argv[++i];
            if (step[0] == 'h') {
                hook_ctx_t *h = &s_hooks[s_hook_count++];
                snprintf(h->name, sizeof(h->name), "%.*s", (int)strcspn(spec, ":"), spec);
                h->veto = strstr(spec, ":veto") != NULL;
                err = hotreload_register_hooks(pre_hook, post_hook, h);
            } else {
                err = ESP_ERR_NOT_FOUND;
                for (int k = 0; k < s_hook_count; k++) {
                    if (strcmp(s_hooks[k].name, spec) == 0) {
                        err = hotreload_unregister_hooks(pre_hook, post_hook, &s_hooks[k]);
                    }
                }
            }
        } else if (strcmp(step, "pending") == 0) {
            printf("pending=%d\n", hotreload_update_available());
        } else if (strcmp(step, "slots") == 0) {
            show_slots();
        } else if (strcmp(step, "status") == 0) {
            show_status();
        } else if (strcmp(step, "statusmap") == 0) {
            static const esp_err_t errs[] = {
                ESP_FAIL, ESP_ERR_NO_MEM, ESP_ERR_INVALID_ARG, ESP_ERR_INVALID_STATE, ESP_ERR_INVALID_SIZE,
                ESP_ERR_NOT_FOUND, ESP_ERR_NOT_SUPPORTED, ESP_ERR_TIMEOUT, ESP_ERR_INVALID_CRC,
                ESP_ERR_INVALID_VERSION, ESP_ERR_HOTRELOAD_ABI_MISMATCH, ESP_ERR_HOTRELOAD_VETOED,
            };
            static const char *const phases[] = {"auth", "body", "store", "module"};
            for (int p = 0; p < 4; p++) {
                for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
                    const char *fix = hr_respond_fix(errs[e], (hr_phase_t)p);
                    printf("map %s %s %d %zu\n", phases[p], esp_err_to_name(errs[e]),
                           hr_respond_http_status(errs[e], (hr_phase_t)p), strlen(fix));
                }
            }
        } else if (strcmp(step, "errjson") == 0) {
            char buf[512];
            int n = hr_respond_error_json(buf, sizeof(buf), argv[++i]);
            printf("errjson %s\n", n < 0 ? "OVERFLOW" : buf);
            n = hr_respond_error_json(buf, 20, argv[i]);
            printf("small %d\n", n);
        } else if (strcmp(step, "json") == 0) {
            show_json();
        } else {
            fprintf(stderr, "unknown step %s\n", step);
            return 2;
        }
        printf("%s %s\n", step, esp_err_to_name(err));
        fflush(stdout);
    }
    for (int k = 0; k < s_hook_count; k++) {
        hotreload_unregister_hooks(pre_hook, post_hook, &s_hooks[k]);
    }
    hotreload_unload();
    printf("live blocks %d\n", mem_host_live);
    esp_partition_file_unregister_all();
    return 0;
}
