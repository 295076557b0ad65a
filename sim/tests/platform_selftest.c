/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file platform_selftest.c
 * @brief The simulated device's platform without the runtime: chip RAM views,
 *        code reuse at one address, and an HTTP echo server.
 *
 * tests/test_sim_platform.py runs it under qemu and talks to it. Prints
 * "name: value" lines, then serves on 127.0.0.1:<argv[1]> until POST /quit.
 * With a second argument (exec-data-view, write-code-view) it misuses a view
 * of the chip RAM instead, which must kill it with SIGSEGV.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_heap_caps.h"
#include "esp_http_server.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "hr_chip.h"
#include "sim_mem.h"

static bool s_quit;

__attribute__((noinline)) int sim_selftest_one(void)
{
    return 1;
}

__attribute__((noinline)) int sim_selftest_two(void)
{
    return 2;
}

typedef int (*fn_t)(void);

/* Copy a small leaf function's code to fresh executable memory and call it there. */
static int run_copy(fn_t fn, uint32_t *where)
{
    void *code = heap_caps_aligned_alloc(16, 64, MALLOC_CAP_EXEC | MALLOC_CAP_32BIT);
    uint32_t data;
    if (code == NULL || !hr_chip_ibus_to_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)code, 64, &data)) {
        return -1;
    }
    memcpy((void *)(uintptr_t)data, (const void *)(uintptr_t)fn, 64);
    *where = (uint32_t)(uintptr_t)code;
    int result = ((fn_t)code)();
    free(code);  /* ESP-IDF's free() takes executable (instruction-bus) blocks too */
    return result;
}

/* Reads the body whatever its framing (Content-Length or chunked) and sends it back. */
static esp_err_t echo_handler(httpd_req_t *req)
{
    size_t cap = 256;
    size_t got = 0;
    char *body = malloc(cap);
    for (;;) {
        if (got == cap) {
            cap *= 2;
            body = realloc(body, cap);
        }
        int n = httpd_req_recv(req, body + got, cap - got);
        if (n < 0) {
            free(body);
            return ESP_FAIL;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    char header[32];
    snprintf(header, sizeof(header), "%u", (unsigned)got);
    httpd_resp_set_hdr(req, "X-Echo-Length", header);
    httpd_resp_set_type(req, "application/octet-stream");
    httpd_resp_send(req, body, (ssize_t)got);
    free(body);
    return ESP_OK;
}

static esp_err_t heap_handler(httpd_req_t *req)
{
    char text[64];
    snprintf(text, sizeof(text), "%u", (unsigned)heap_caps_get_free_size(MALLOC_CAP_DEFAULT));
    return httpd_resp_sendstr(req, text);
}

static esp_err_t quit_handler(httpd_req_t *req)
{
    s_quit = true;
    return httpd_resp_sendstr(req, "bye");
}

/* Use a view the wrong way; the process is expected to die of SIGSEGV, as on the chip's bus. */
static int misuse_view(const char *how)
{
    void *code = heap_caps_aligned_alloc(16, 64, MALLOC_CAP_EXEC | MALLOC_CAP_32BIT);
    uint32_t data;
    if (code == NULL || !hr_chip_ibus_to_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)code, 64, &data)) {
        return 1;
    }
    memcpy((void *)(uintptr_t)data, (const void *)(uintptr_t)sim_selftest_one, 64);
    printf("misusing: %s\n", how);
    fflush(stdout);
    if (strcmp(how, "exec-data-view") == 0) {
        return ((fn_t)(uintptr_t)data)();
    }
    if (strcmp(how, "write-code-view") == 0) {
        *(volatile uint32_t *)code = 0;
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (sim_mem_init() != ESP_OK) {
        return 1;
    }
    if (argc > 2) {
        return misuse_view(argv[2]);
    }
    void *probe = malloc(16);
    printf("chip: %s malloc_in_chip_ram: %d\n", hr_chip_desc.target,
           hr_chip_region_by_dbus(&hr_chip_desc, (uint32_t)(uintptr_t)probe, 16) != NULL);
    free(probe);
    uint32_t at_one = 0;
    uint32_t at_two = 0;
    int one = run_copy(sim_selftest_one, &at_one);
    int two = run_copy(sim_selftest_two, &at_two);
    printf("code: first=%d second=%d same_address=%d\n", one, two, at_one == at_two && at_one != 0);
    fflush(stdout);

    httpd_handle_t server;
    httpd_config_t config = HTTPD_DEFAULT_CONFIG();
    config.server_port = argc > 1 ? (uint16_t)strtoul(argv[1], NULL, 10) : 8080;
    config.recv_wait_timeout = 2;
    config.lru_purge_enable = true;
    if (httpd_start(&server, &config) != ESP_OK) {
        return 2;
    }
    static const httpd_uri_t uris[] = {
        { "/echo", HTTP_POST, echo_handler, NULL },
        { "/heap", HTTP_GET, heap_handler, NULL },
        { "/quit", HTTP_POST, quit_handler, NULL },
    };
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        httpd_register_uri_handler(server, &uris[i]);
    }
    printf("serving\n");
    fflush(stdout);
    while (!s_quit) {
        vTaskDelay(pdMS_TO_TICKS(100));
    }
    httpd_stop(server);
    return 0;
}
