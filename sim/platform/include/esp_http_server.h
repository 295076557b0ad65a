/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_http_server.h
 * @brief The subset of ESP-IDF's esp_http_server the runtime uses, for the
 *        simulated device, over real sockets (names, values and semantics as in ESP-IDF).
 *
 * Design: one thread. httpd_start() opens the listening socket; requests are
 * served while the application sleeps in vTaskDelay() (sim_httpd_serve_until()),
 * the way the httpd task runs whenever the application task blocks on a chip.
 * Several connections stay open (keep-alive) and are multiplexed with poll();
 * one request is handled at a time. Bodies: Content-Length or chunked.
 * Header lines may take 512 bytes (ESP-IDF's default CONFIG_HTTPD_MAX_REQ_HDR_LEN);
 * more gets 431, as on a chip.
 * A client silent for recv_wait_timeout seconds gets HTTPD_SOCK_ERR_TIMEOUT
 * from httpd_req_recv() (or its connection closed while sending headers).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_HTTPD_BASE           0xb000
#define ESP_ERR_HTTPD_HANDLERS_FULL  (ESP_ERR_HTTPD_BASE + 1)
#define ESP_ERR_HTTPD_HANDLER_EXISTS (ESP_ERR_HTTPD_BASE + 2)
#define ESP_ERR_HTTPD_INVALID_REQ    (ESP_ERR_HTTPD_BASE + 3)
#define ESP_ERR_HTTPD_RESULT_TRUNC   (ESP_ERR_HTTPD_BASE + 4)
#define ESP_ERR_HTTPD_RESP_HDR       (ESP_ERR_HTTPD_BASE + 5)
#define ESP_ERR_HTTPD_RESP_SEND      (ESP_ERR_HTTPD_BASE + 6)
#define ESP_ERR_HTTPD_ALLOC_MEM      (ESP_ERR_HTTPD_BASE + 7)
#define ESP_ERR_HTTPD_TASK           (ESP_ERR_HTTPD_BASE + 8)

#define HTTPD_SOCK_ERR_FAIL     -1
#define HTTPD_SOCK_ERR_INVALID  -2
#define HTTPD_SOCK_ERR_TIMEOUT  -3

#define HTTPD_MAX_URI_LEN 512
#define HTTPD_RESP_USE_STRLEN -1

#define HTTPD_200 "200 OK"
#define HTTPD_204 "204 No Content"
#define HTTPD_400 "400 Bad Request"
#define HTTPD_404 "404 Not Found"
#define HTTPD_408 "408 Request Timeout"
#define HTTPD_500 "500 Internal Server Error"

#define HTTPD_TYPE_JSON "application/json"
#define HTTPD_TYPE_TEXT "text/html"
#define HTTPD_TYPE_OCTET "application/octet-stream"

typedef void *httpd_handle_t;

typedef enum {
    HTTP_DELETE = 0,
    HTTP_GET = 1,
    HTTP_HEAD = 2,
    HTTP_POST = 3,
    HTTP_PUT = 4,
} httpd_method_t;

/* Same order (so same values) as ESP-IDF. */
typedef enum {
    HTTPD_500_INTERNAL_SERVER_ERROR = 0,
    HTTPD_501_METHOD_NOT_IMPLEMENTED,
    HTTPD_505_VERSION_NOT_SUPPORTED,
    HTTPD_400_BAD_REQUEST,
    HTTPD_401_UNAUTHORIZED,
    HTTPD_403_FORBIDDEN,
    HTTPD_404_NOT_FOUND,
    HTTPD_405_METHOD_NOT_ALLOWED,
    HTTPD_408_REQ_TIMEOUT,
    HTTPD_411_LENGTH_REQUIRED,
    HTTPD_413_CONTENT_TOO_LARGE,
    HTTPD_414_URI_TOO_LONG,
    HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE,
    HTTPD_ERR_CODE_MAX
} httpd_err_code_t;

typedef struct {
    unsigned task_priority;
    size_t stack_size;
    int core_id;
    uint16_t server_port;
    uint16_t ctrl_port;
    uint16_t max_open_sockets;
    uint16_t max_uri_handlers;
    uint16_t max_resp_headers;
    uint16_t backlog_conn;
    bool lru_purge_enable;
    uint16_t recv_wait_timeout;  /*!< seconds */
    uint16_t send_wait_timeout;  /*!< seconds */
    void *global_user_ctx;
} httpd_config_t;

#define HTTPD_DEFAULT_CONFIG() {     \
        .task_priority = 5,          \
        .stack_size = 4096,          \
        .core_id = 0x7fffffff,       \
        .server_port = 80,           \
        .ctrl_port = 32768,          \
        .max_open_sockets = 7,       \
        .max_uri_handlers = 8,       \
        .max_resp_headers = 8,       \
        .backlog_conn = 5,           \
        .lru_purge_enable = false,   \
        .recv_wait_timeout = 5,      \
        .send_wait_timeout = 5,      \
        .global_user_ctx = NULL,     \
    }

typedef struct httpd_req {
    httpd_handle_t handle;
    int method;
    const char uri[HTTPD_MAX_URI_LEN + 1];
    size_t content_len;
    void *aux;        /*!< the server's per-request state */
    void *user_ctx;   /*!< from the httpd_uri_t that matched */
    void *sess_ctx;
} httpd_req_t;

typedef struct httpd_uri {
    const char *uri;
    httpd_method_t method;
    esp_err_t (*handler)(httpd_req_t *r);
    void *user_ctx;
} httpd_uri_t;

esp_err_t httpd_start(httpd_handle_t *handle, const httpd_config_t *config);
esp_err_t httpd_stop(httpd_handle_t handle);
esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler);

int httpd_req_recv(httpd_req_t *r, char *buf, size_t buf_len);
size_t httpd_req_get_hdr_value_len(httpd_req_t *r, const char *field);
esp_err_t httpd_req_get_hdr_value_str(httpd_req_t *r, const char *field, char *val, size_t val_size);
size_t httpd_req_get_url_query_len(httpd_req_t *r);
esp_err_t httpd_req_get_url_query_str(httpd_req_t *r, char *buf, size_t buf_len);

esp_err_t httpd_resp_set_status(httpd_req_t *r, const char *status);
esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type);
esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value);
esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len);
esp_err_t httpd_resp_send_chunk(httpd_req_t *r, const char *buf, ssize_t buf_len);
esp_err_t httpd_resp_sendstr(httpd_req_t *r, const char *str);
esp_err_t httpd_resp_sendstr_chunk(httpd_req_t *r, const char *str);
esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *msg);

/**
 * Replaces the server's default answer to @p error (as ESP-IDF: the handler sends the
 * response itself; ESP_OK keeps the connection open, anything else closes it, and
 * HTTPD_500_INTERNAL_SERVER_ERROR always closes). NULL restores the default.
 */
typedef esp_err_t (*httpd_err_handler_func_t)(httpd_req_t *req, httpd_err_code_t error);
esp_err_t httpd_register_err_handler(httpd_handle_t handle, httpd_err_code_t error,
                                     httpd_err_handler_func_t handler_fn);
/** Runs the handler registered for @p error, or sends the default answer and returns ESP_FAIL. */
esp_err_t httpd_req_handle_err(httpd_req_t *req, httpd_err_code_t error);

#ifdef __cplusplus
}
#endif
