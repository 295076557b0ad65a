/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_httpd.c
 * @brief esp_http_server for the simulated device: HTTP/1.1 over Linux sockets, one thread.
 *
 * Every connection owns an input buffer; the request head must fit in it
 * (431 otherwise). The body is read by the handler through httpd_req_recv(),
 * first from what the buffer already holds, then from the socket. Whatever
 * the handler leaves unread is drained before the next request on the
 * connection (or the connection is closed when that stalls).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_http_server.h"
#include "esp_log.h"
#include "sim_httpd.h"
#include "sim_sys.h"
#include "sim_time.h"

#define CONN_BUF_SIZE 2048
#define MAX_CONNS 8
/* ESP-IDF's default CONFIG_HTTPD_MAX_REQ_HDR_LEN: header lines beyond it get 431 on a chip too. */
#define MAX_REQ_HDR_LEN 512
#define MAX_HEADERS 32
#define MAX_RESP_HEADERS 8

static const char *TAG = "httpd";

typedef struct {
    int fd;                  /*!< -1: free slot */
    size_t rd;               /*!< next unread byte in buf */
    size_t len;              /*!< bytes in buf */
    int64_t last_used_us;    /*!< for purging the least recently used connection */
    char buf[CONN_BUF_SIZE];
} conn_t;

typedef struct {
    conn_t *conn;
    const char *header_names[MAX_HEADERS];
    const char *header_values[MAX_HEADERS];
    size_t header_count;
    const char *query;        /*!< after '?', or NULL */
    bool chunked_body;
    size_t body_left;         /*!< Content-Length bytes not yet handed out */
    size_t chunk_left;        /*!< chunked: bytes left in the current chunk */
    bool body_done;           /*!< chunked: the last chunk has been read */
    bool close_after;         /*!< client asked for Connection: close, or the stream is unusable */
    bool expect_continue;     /*!< client waits for "100 Continue" before sending the body (curl does) */
    const char *status;
    const char *type;
    const char *resp_names[MAX_RESP_HEADERS];
    const char *resp_values[MAX_RESP_HEADERS];
    size_t resp_count;
    bool head_sent;           /*!< status line and headers are out */
    int64_t start_us;         /*!< when the request head was complete */
    int64_t recv_wait_us;     /*!< time spent waiting for body bytes from the client */
    bool chunked_resp;
    char head[CONN_BUF_SIZE]; /*!< request head, NUL-separated, outlives buffer compaction */
} req_state_t;

typedef struct {
    int listen_fd;
    httpd_config_t config;
    httpd_uri_t *uris;
    size_t uri_count;
    httpd_err_handler_func_t err_handlers[HTTPD_ERR_CODE_MAX];
    conn_t conns[MAX_CONNS];
} server_t;

static server_t *s_server;

/* ---- socket I/O with timeouts ---------------------------------------------------- */

static int wait_fd(int fd, short events, int timeout_s)
{
    sim_pollfd_t p = { .fd = fd, .events = events };
    for (;;) {
        int n = sim_poll(&p, 1, timeout_s * 1000);
        if (n == -SIM_EINTR) {
            continue;
        }
        if (n < 0) {
            return HTTPD_SOCK_ERR_FAIL;
        }
        return n == 0 ? HTTPD_SOCK_ERR_TIMEOUT : 1;
    }
}

static bool send_all(int fd, const char *data, size_t len, int timeout_s)
{
    while (len > 0) {
        if (wait_fd(fd, SIM_POLLOUT, timeout_s) != 1) {
            return false;
        }
        long n = sim_send(fd, data, len, SIM_MSG_NOSIGNAL | SIM_MSG_DONTWAIT);
        if (n == -SIM_EINTR || n == -SIM_EAGAIN) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Read more into the connection buffer: > 0 bytes added, 0 peer closed, or HTTPD_SOCK_ERR_*. */
static int conn_fill(conn_t *c, int timeout_s)
{
    if (c->rd == c->len) {
        c->rd = c->len = 0;
    } else if (c->len == sizeof(c->buf) && c->rd > 0) {
        memmove(c->buf, c->buf + c->rd, c->len - c->rd);
        c->len -= c->rd;
        c->rd = 0;
    }
    if (c->len == sizeof(c->buf)) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    for (;;) {
        int w = wait_fd(c->fd, SIM_POLLIN, timeout_s);
        if (w != 1) {
            return w;
        }
        long n = sim_recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, SIM_MSG_DONTWAIT);
        if (n == -SIM_EINTR || n == -SIM_EAGAIN) {
            continue;
        }
        if (n < 0) {
            return HTTPD_SOCK_ERR_FAIL;
        }
        c->len += (size_t)n;
        return (int)n;
    }
}

static void conn_close(conn_t *c)
{
    if (c->fd >= 0) {
        sim_close(c->fd);
    }
    c->fd = -1;
    c->rd = c->len = 0;
}

/* ---- request head ------------------------------------------------------------------- */

static const char *find_header(const req_state_t *st, const char *name)
{
    for (size_t i = 0; i < st->header_count; i++) {
        if (strcasecmp(st->header_names[i], name) == 0) {
            return st->header_values[i];
        }
    }
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

static int parse_method(const char *m)
{
    static const char *const names[] = { "DELETE", "GET", "HEAD", "POST", "PUT" };
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
        if (strcmp(m, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

typedef enum { HEAD_OK, HEAD_CLOSED, HEAD_TIMEOUT, HEAD_TOO_LARGE, HEAD_BAD } head_result_t;

/* Read and split the request head into st->head; leaves the connection at the first body byte. */
static head_result_t read_head(conn_t *c, req_state_t *st, int timeout_s, int *method, char *uri, size_t uri_size)
{
    size_t end = 0;
    for (;;) {
        char *start = c->buf + c->rd;
        size_t avail = c->len - c->rd;
        for (size_t i = 3; i < avail; i++) {
            if (start[i - 3] == '\r' && start[i - 2] == '\n' && start[i - 1] == '\r' && start[i] == '\n') {
                end = i + 1;
                break;
            }
        }
        if (end != 0) {
            break;
        }
        int n = conn_fill(c, timeout_s);
        if (n == HTTPD_SOCK_ERR_INVALID) {
            return HEAD_TOO_LARGE;
        }
        if (n == HTTPD_SOCK_ERR_TIMEOUT) {
            return c->len > c->rd ? HEAD_TIMEOUT : HEAD_CLOSED;
        }
        if (n <= 0) {
            return HEAD_CLOSED;
        }
    }
    memcpy(st->head, c->buf + c->rd, end);
    st->head[end - 1] = '\0';
    c->rd += end;
    const char *first_line_end = memchr(st->head, '\n', end);
    if (first_line_end != NULL && end - (size_t)(first_line_end + 1 - st->head) > MAX_REQ_HDR_LEN) {
        return HEAD_TOO_LARGE;
    }

    char *save = NULL;
    char *line = strtok_r(st->head, "\n", &save);
    if (line == NULL) {
        return HEAD_BAD;
    }
    char *line_save = NULL;
    char *m = strtok_r(line, " ", &line_save);
    char *target = strtok_r(NULL, " ", &line_save);
    char *version = strtok_r(NULL, " \r", &line_save);
    if (m == NULL || target == NULL || version == NULL || strncmp(version, "HTTP/1.", 7) != 0) {
        return HEAD_BAD;
    }
    *method = parse_method(m);
    if (strlen(target) >= uri_size) {
        return HEAD_TOO_LARGE;
    }
    strcpy(uri, target);
    char *q = strchr(uri, '?');
    st->query = NULL;
    if (q != NULL) {
        *q = '\0';
        st->query = target + (q - uri) + 1;
    }
    st->close_after = strcmp(version, "HTTP/1.0") == 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *colon = strchr(line, ':');
        if (colon == NULL) {
            if (*trim(line) == '\0') {
                continue;
            }
            return HEAD_BAD;
        }
        if (st->header_count == MAX_HEADERS) {
            return HEAD_TOO_LARGE;
        }
        *colon = '\0';
        st->header_names[st->header_count] = trim(line);
        st->header_values[st->header_count] = trim(colon + 1);
        st->header_count++;
    }
    const char *connection = find_header(st, "Connection");
    if (connection != NULL) {
        st->close_after = strcasecmp(connection, "close") == 0;
    }
    return HEAD_OK;
}

/* ---- request body -------------------------------------------------------------------- */

/* Up to @p len raw bytes of the stream: from the buffer, else one recv. */
static int stream_read(req_state_t *st, char *buf, size_t len, int timeout_s)
{
    conn_t *c = st->conn;
    if (c->rd == c->len) {
        int64_t waited_from = sim_time_us();
        int n = conn_fill(c, timeout_s);
        st->recv_wait_us += sim_time_us() - waited_from;
        if (n <= 0) {
            return n;
        }
    }
    size_t avail = c->len - c->rd;
    size_t n = avail < len ? avail : len;
    memcpy(buf, c->buf + c->rd, n);
    c->rd += n;
    return (int)n;
}

/* One CRLF-terminated line of the chunk framing into @p line. */
static int stream_line(req_state_t *st, char *line, size_t size, int timeout_s)
{
    size_t n = 0;
    for (;;) {
        char ch;
        int got = stream_read(st, &ch, 1, timeout_s);
        if (got <= 0) {
            return got == 0 ? HTTPD_SOCK_ERR_FAIL : got;
        }
        if (ch == '\n') {
            while (n > 0 && line[n - 1] == '\r') {
                n--;
            }
            line[n] = '\0';
            return 1;
        }
        if (n + 1 >= size) {
            return HTTPD_SOCK_ERR_INVALID;
        }
        line[n++] = ch;
    }
}

static int chunked_read(req_state_t *st, char *buf, size_t len, int timeout_s)
{
    char line[64];
    while (st->chunk_left == 0) {
        if (st->body_done) {
            return 0;
        }
        int r = stream_line(st, line, sizeof(line), timeout_s);
        if (r <= 0) {
            return r;
        }
        if (line[0] == '\0') {
            continue;  /* the CRLF after a chunk's data */
        }
        char *end;
        unsigned long size = strtoul(line, &end, 16);
        if (end == line) {
            return HTTPD_SOCK_ERR_INVALID;
        }
        if (size == 0) {
            /* Trailers end with an empty line. */
            do {
                r = stream_line(st, line, sizeof(line), timeout_s);
                if (r <= 0) {
                    return r;
                }
            } while (line[0] != '\0');
            st->body_done = true;
            return 0;
        }
        st->chunk_left = size;
    }
    int n = stream_read(st, buf, len < st->chunk_left ? len : st->chunk_left, timeout_s);
    if (n > 0) {
        st->chunk_left -= (size_t)n;
    }
    return n;
}

static int body_read(req_state_t *st, char *buf, size_t len, int timeout_s)
{
    if (st->chunked_body) {
        return chunked_read(st, buf, len, timeout_s);
    }
    if (st->body_left == 0 || len == 0) {
        return 0;
    }
    int n = stream_read(st, buf, len < st->body_left ? len : st->body_left, timeout_s);
    if (n > 0) {
        st->body_left -= (size_t)n;
    }
    return n;
}

int httpd_req_recv(httpd_req_t *r, char *buf, size_t buf_len)
{
    if (r == NULL || buf == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    req_state_t *st = r->aux;
    if (st->expect_continue) {
        st->expect_continue = false;
        static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!send_all(st->conn->fd, go_on, sizeof(go_on) - 1, s_server->config.send_wait_timeout)) {
            st->close_after = true;
            return HTTPD_SOCK_ERR_FAIL;
        }
    }
    int n = body_read(st, buf, buf_len, s_server->config.recv_wait_timeout);
    if (n < 0 || (n == 0 && !st->chunked_body && st->body_left > 0)) {
        st->close_after = true;
    }
    return n;
}

size_t httpd_req_get_hdr_value_len(httpd_req_t *r, const char *field)
{
    const char *v = find_header(r->aux, field);
    return v == NULL ? 0 : strlen(v);
}

esp_err_t httpd_req_get_hdr_value_str(httpd_req_t *r, const char *field, char *val, size_t val_size)
{
    const char *v = find_header(r->aux, field);
    if (v == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    if (val == NULL || val_size == 0) {
        return ESP_ERR_INVALID_ARG;
    }
    size_t len = strlcpy(val, v, val_size);
    return len >= val_size ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
}

size_t httpd_req_get_url_query_len(httpd_req_t *r)
{
    const req_state_t *st = r->aux;
    return st->query == NULL ? 0 : strlen(st->query);
}

esp_err_t httpd_req_get_url_query_str(httpd_req_t *r, char *buf, size_t buf_len)
{
    const req_state_t *st = r->aux;
    if (st->query == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    return strlcpy(buf, st->query, buf_len) >= buf_len ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
}

/* ---- responses ----------------------------------------------------------------------- */

esp_err_t httpd_resp_set_status(httpd_req_t *r, const char *status)
{
    ((req_state_t *)r->aux)->status = status;
    return ESP_OK;
}

esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type)
{
    ((req_state_t *)r->aux)->type = type;
    return ESP_OK;
}

esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value)
{
    req_state_t *st = r->aux;
    if (st->resp_count == MAX_RESP_HEADERS) {
        return ESP_ERR_HTTPD_RESP_HDR;
    }
    st->resp_names[st->resp_count] = field;
    st->resp_values[st->resp_count] = value;
    st->resp_count++;
    return ESP_OK;
}

static esp_err_t send_head(req_state_t *st, ssize_t content_len)
{
    char head[1024];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: %s\r\n", st->status, st->type);
    if (content_len >= 0) {
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %d\r\n", (int)content_len);
    } else {
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Transfer-Encoding: chunked\r\n");
    }
    for (size_t i = 0; i < st->resp_count && n < (int)sizeof(head); i++) {
        n += snprintf(head + n, sizeof(head) - (size_t)n, "%s: %s\r\n", st->resp_names[i], st->resp_values[i]);
    }
    if (st->close_after && n < (int)sizeof(head)) {
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Connection: close\r\n");
    }
    /* How long the device worked on the request and how much of that it waited for the
     * client (benchmarks split an upload into transfer and storing with it). */
    int64_t handler_us = sim_time_us() - st->start_us;
    if (n < (int)sizeof(head)) {
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Server-Timing: handler;dur=%u.%03u, recv;dur=%u.%03u\r\n",
                      (unsigned)(handler_us / 1000), (unsigned)(handler_us % 1000),
                      (unsigned)(st->recv_wait_us / 1000), (unsigned)(st->recv_wait_us % 1000));
    }
    if (n + 2 >= (int)sizeof(head)) {
        return ESP_ERR_HTTPD_RESP_HDR;
    }
    n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
    st->head_sent = true;
    if (!send_all(st->conn->fd, head, (size_t)n, s_server->config.send_wait_timeout)) {
        st->close_after = true;
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    return ESP_OK;
}

esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len)
{
    req_state_t *st = r->aux;
    if (st->head_sent) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    if (buf_len == HTTPD_RESP_USE_STRLEN) {
        buf_len = buf == NULL ? 0 : (ssize_t)strlen(buf);
    }
    esp_err_t err = send_head(st, buf_len);
    if (err == ESP_OK && buf_len > 0 &&
            !send_all(st->conn->fd, buf, (size_t)buf_len, s_server->config.send_wait_timeout)) {
        st->close_after = true;
        err = ESP_ERR_HTTPD_RESP_SEND;
    }
    return err;
}

esp_err_t httpd_resp_send_chunk(httpd_req_t *r, const char *buf, ssize_t buf_len)
{
    req_state_t *st = r->aux;
    if (buf_len == HTTPD_RESP_USE_STRLEN) {
        buf_len = buf == NULL ? 0 : (ssize_t)strlen(buf);
    }
    if (!st->head_sent) {
        st->chunked_resp = true;
        esp_err_t err = send_head(st, -1);
        if (err != ESP_OK) {
            return err;
        }
    } else if (!st->chunked_resp) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    char size_line[16];
    int n = snprintf(size_line, sizeof(size_line), "%x\r\n", (unsigned)buf_len);
    int timeout = s_server->config.send_wait_timeout;
    bool ok = send_all(st->conn->fd, size_line, (size_t)n, timeout) &&
              (buf_len == 0 || send_all(st->conn->fd, buf, (size_t)buf_len, timeout)) &&
              send_all(st->conn->fd, "\r\n", 2, timeout);
    if (!ok) {
        st->close_after = true;
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    if (buf_len == 0) {
        st->chunked_resp = false;  /* finished */
    }
    return ESP_OK;
}

esp_err_t httpd_resp_sendstr(httpd_req_t *r, const char *str)
{
    return httpd_resp_send(r, str, HTTPD_RESP_USE_STRLEN);
}

esp_err_t httpd_resp_sendstr_chunk(httpd_req_t *r, const char *str)
{
    return httpd_resp_send_chunk(r, str, str == NULL ? 0 : HTTPD_RESP_USE_STRLEN);
}

esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *msg)
{
    static const struct {
        httpd_err_code_t code;
        const char *status;
        const char *text;
    } errors[] = {
        { HTTPD_400_BAD_REQUEST, "400 Bad Request", "Bad request syntax" },
        { HTTPD_401_UNAUTHORIZED, "401 Unauthorized", "No permission -- see authorization schemes" },
        { HTTPD_403_FORBIDDEN, "403 Forbidden", "Request forbidden -- authorization will not help" },
        { HTTPD_404_NOT_FOUND, "404 Not Found", "Nothing matches the given URI" },
        { HTTPD_405_METHOD_NOT_ALLOWED, "405 Method Not Allowed", "Request method for this URI is not handled" },
        { HTTPD_408_REQ_TIMEOUT, "408 Request Timeout", "Server closed this connection" },
        { HTTPD_411_LENGTH_REQUIRED, "411 Length Required", "Chunked encoding not supported" },
        { HTTPD_413_CONTENT_TOO_LARGE, "413 Content Too Large", "Content is too large" },
        { HTTPD_414_URI_TOO_LONG, "414 URI Too Long", "URI is too long" },
        { HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE, "431 Request Header Fields Too Large", "Header fields are too long" },
        { HTTPD_500_INTERNAL_SERVER_ERROR, "500 Internal Server Error", "Server has encountered an unexpected error" },
        { HTTPD_501_METHOD_NOT_IMPLEMENTED, "501 Method Not Implemented", "Server does not support this method" },
        { HTTPD_505_VERSION_NOT_SUPPORTED, "505 Version Not Supported", "HTTP version not supported by server" },
    };
    size_t i = 0;
    while (i + 1 < sizeof(errors) / sizeof(errors[0]) && errors[i].code != error) {
        i++;
    }
    httpd_resp_set_status(req, errors[i].status);
    httpd_resp_set_type(req, HTTPD_TYPE_TEXT);
    return httpd_resp_sendstr(req, msg != NULL ? msg : errors[i].text);
}

/* ---- server ---------------------------------------------------------------------------- */

esp_err_t httpd_start(httpd_handle_t *handle, const httpd_config_t *config)
{
    if (handle == NULL || config == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (s_server != NULL) {
        ESP_LOGE(TAG, "the simulated device runs one HTTP server");
        return ESP_ERR_HTTPD_TASK;
    }
    uint16_t port = config->server_port;
    server_t *srv = calloc(1, sizeof(*srv));
    httpd_uri_t *uris = calloc(config->max_uri_handlers, sizeof(*uris));
    if (srv == NULL || uris == NULL) {
        free(srv);
        free(uris);
        return ESP_ERR_HTTPD_ALLOC_MEM;
    }
    srv->config = *config;
    srv->uris = uris;
    for (size_t i = 0; i < MAX_CONNS; i++) {
        srv->conns[i].fd = -1;
    }
    int fd = sim_socket(SIM_AF_INET, SIM_SOCK_STREAM, 0);
    if (fd < 0) {
        ESP_LOGE(TAG, "socket() failed (%d)", fd);
        free(uris);
        free(srv);
        return ESP_ERR_HTTPD_TASK;
    }
    int one = 1;
    sim_setsockopt(fd, SIM_SOL_SOCKET, SIM_SO_REUSEADDR, &one, sizeof(one));
    sim_sockaddr_in_t addr = {
        .sin_family = SIM_AF_INET,
        .sin_port = sim_htons(port),
        .sin_addr = 0x0100007fu,  /* 127.0.0.1 in network order: the simulated device is local only */
    };
    int err = sim_bind(fd, &addr, sizeof(addr));
    if (err == 0) {
        err = sim_listen(fd, config->backlog_conn > 16 ? config->backlog_conn : 16);
    }
    if (err != 0) {
        ESP_LOGE(TAG, "cannot listen on 127.0.0.1:%u (%d): is the port in use?", (unsigned)port, err);
        sim_close(fd);
        free(uris);
        free(srv);
        return ESP_ERR_HTTPD_TASK;
    }
    srv->listen_fd = fd;
    srv->config.server_port = port;
    s_server = srv;
    *handle = srv;
    ESP_LOGI(TAG, "listening on 127.0.0.1:%u", (unsigned)port);
    return ESP_OK;
}

esp_err_t httpd_stop(httpd_handle_t handle)
{
    server_t *srv = handle;
    if (srv == NULL || srv != s_server) {
        return ESP_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < MAX_CONNS; i++) {
        conn_close(&srv->conns[i]);
    }
    sim_close(srv->listen_fd);
    free(srv->uris);
    free(srv);
    s_server = NULL;
    return ESP_OK;
}

esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler)
{
    server_t *srv = handle;
    if (srv == NULL || uri_handler == NULL || uri_handler->uri == NULL || uri_handler->handler == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < srv->uri_count; i++) {
        if (srv->uris[i].method == uri_handler->method && strcmp(srv->uris[i].uri, uri_handler->uri) == 0) {
            return ESP_ERR_HTTPD_HANDLER_EXISTS;
        }
    }
    if (srv->uri_count == srv->config.max_uri_handlers) {
        return ESP_ERR_HTTPD_HANDLERS_FULL;
    }
    srv->uris[srv->uri_count++] = *uri_handler;
    return ESP_OK;
}

esp_err_t httpd_register_err_handler(httpd_handle_t handle, httpd_err_code_t error,
                                     httpd_err_handler_func_t handler_fn)
{
    server_t *srv = handle;
    if (srv == NULL || (unsigned)error >= HTTPD_ERR_CODE_MAX) {
        return ESP_ERR_INVALID_ARG;
    }
    srv->err_handlers[error] = handler_fn;
    return ESP_OK;
}

esp_err_t httpd_req_handle_err(httpd_req_t *req, httpd_err_code_t error)
{
    server_t *srv = req->handle;
    if ((unsigned)error < HTTPD_ERR_CODE_MAX && srv->err_handlers[error] != NULL) {
        esp_err_t ret = srv->err_handlers[error](req, error);
        return error == HTTPD_500_INTERNAL_SERVER_ERROR ? ESP_FAIL : ret;
    }
    httpd_resp_send_err(req, error, NULL);
    return ESP_FAIL;
}

/* Discard what the handler did not read, so the next request starts at its first byte. */
static void drain_body(req_state_t *st)
{
    if (st->expect_continue) {
        /* The client still waits for permission to send the body: refuse it by closing. */
        st->close_after = true;
        return;
    }
    char sink[256];
    while (!st->close_after) {
        int n = body_read(st, sink, sizeof(sink), s_server->config.recv_wait_timeout);
        if (n < 0 || (n == 0 && !st->chunked_body && st->body_left > 0)) {
            st->close_after = true;
        }
        if (n <= 0) {
            break;
        }
    }
}

/* The request head could not be parsed, so the stream is unusable whatever the handler says. */
static void send_simple_error(req_state_t *st, httpd_req_t *req, httpd_err_code_t code)
{
    st->close_after = true;
    httpd_req_handle_err(req, code);
}

/* Handle one request on @p c; false when the connection must close. */
static bool handle_request(server_t *srv, conn_t *c)
{
    req_state_t *st = calloc(1, sizeof(*st));
    httpd_req_t *req = calloc(1, sizeof(*req));
    if (st == NULL || req == NULL) {
        free(st);
        free(req);
        return false;
    }
    st->conn = c;
    st->start_us = sim_time_us();
    st->status = HTTPD_200;
    st->type = HTTPD_TYPE_TEXT;
    req->handle = srv;
    req->aux = st;
    int method = -1;
    head_result_t head = read_head(c, st, srv->config.recv_wait_timeout, &method, (char *)req->uri,
                                   sizeof(req->uri));
    bool keep = false;
    if (head == HEAD_CLOSED) {
        goto done;
    }
    if (head == HEAD_TIMEOUT) {
        send_simple_error(st, req, HTTPD_408_REQ_TIMEOUT);
        goto done;
    }
    if (head == HEAD_TOO_LARGE) {
        send_simple_error(st, req, HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE);
        goto done;
    }
    if (head == HEAD_BAD) {
        send_simple_error(st, req, HTTPD_400_BAD_REQUEST);
        goto done;
    }
    req->method = method;
    st->start_us = sim_time_us();
    const char *expect = find_header(st, "Expect");
    st->expect_continue = expect != NULL && strcasecmp(expect, "100-continue") == 0;
    const char *te = find_header(st, "Transfer-Encoding");
    const char *cl = find_header(st, "Content-Length");
    if (te != NULL && strcasecmp(te, "chunked") == 0) {
        st->chunked_body = true;
    } else if (cl != NULL) {
        /* Plain digits only, as ESP-IDF's parser: strtoul() would take "-1" as a huge length. */
        size_t len = 0;
        bool valid = *cl != '\0';
        for (const char *d = cl; valid && *d; d++) {
            valid = *d >= '0' && *d <= '9' && len <= (SIZE_MAX - (size_t)(*d - '0')) / 10;
            len = len * 10 + (size_t)(*d - '0');
        }
        if (!valid) {
            send_simple_error(st, req, HTTPD_400_BAD_REQUEST);
            goto done;
        }
        st->body_left = len;
        req->content_len = len;
    }
    const httpd_uri_t *match = NULL;
    bool path_known = false;
    for (size_t i = 0; i < srv->uri_count; i++) {
        if (strcmp(srv->uris[i].uri, req->uri) == 0) {
            path_known = true;
            if ((int)srv->uris[i].method == method) {
                match = &srv->uris[i];
            }
        }
    }
    if (match == NULL) {
        drain_body(st);
        httpd_err_code_t code = path_known ? HTTPD_405_METHOD_NOT_ALLOWED : HTTPD_404_NOT_FOUND;
        /* ESP-IDF closes after its default answer; say so in that answer's headers. */
        if (srv->err_handlers[code] == NULL) {
            st->close_after = true;
        }
        if (httpd_req_handle_err(req, code) != ESP_OK) {
            st->close_after = true;
        }
    } else {
        req->user_ctx = match->user_ctx;
        esp_err_t err = match->handler(req);
        if (err != ESP_OK) {
            /* As in ESP-IDF: a handler that fails has its connection closed. */
            st->close_after = true;
        } else {
            drain_body(st);
            if (st->chunked_resp) {
                httpd_resp_send_chunk(req, NULL, 0);
            }
        }
    }
    keep = !st->close_after;
done:
    free(st);
    free(req);
    return keep;
}

static conn_t *free_slot(server_t *srv)
{
    size_t limit = srv->config.max_open_sockets < MAX_CONNS ? srv->config.max_open_sockets : MAX_CONNS;
    conn_t *oldest = NULL;
    for (size_t i = 0; i < limit; i++) {
        conn_t *c = &srv->conns[i];
        if (c->fd < 0) {
            return c;
        }
        if (oldest == NULL || c->last_used_us < oldest->last_used_us) {
            oldest = c;
        }
    }
    if (srv->config.lru_purge_enable && oldest != NULL) {
        ESP_LOGD(TAG, "closing the least recently used connection (fd %d) for a new one", oldest->fd);
        conn_close(oldest);
        return oldest;
    }
    return NULL;
}

void sim_httpd_serve_until(int64_t deadline_us)
{
    bool first = true;
    for (;;) {
        int64_t now = sim_time_us();
        if (!first && now >= deadline_us) {
            return;
        }
        first = false;
        int timeout_ms = now >= deadline_us ? 0 : (int)((deadline_us - now + 999) / 1000);
        server_t *srv = s_server;
        if (srv == NULL) {
            if (timeout_ms > 0) {
                sim_nanosleep((int64_t)timeout_ms * 1000000);
            }
            return;
        }
        sim_pollfd_t fds[MAX_CONNS + 1];
        conn_t *owners[MAX_CONNS + 1];
        unsigned nfds = 0;
        fds[nfds] = (sim_pollfd_t) { .fd = srv->listen_fd, .events = SIM_POLLIN };
        owners[nfds++] = NULL;
        for (size_t i = 0; i < MAX_CONNS; i++) {
            if (srv->conns[i].fd >= 0) {
                fds[nfds] = (sim_pollfd_t) { .fd = srv->conns[i].fd, .events = SIM_POLLIN };
                owners[nfds++] = &srv->conns[i];
            }
        }
        int ready = sim_poll(fds, nfds, timeout_ms);
        if (ready <= 0) {
            continue;
        }
        for (unsigned i = 1; i < nfds && s_server == srv; i++) {
            if (fds[i].revents == 0) {
                continue;
            }
            conn_t *c = owners[i];
            c->last_used_us = sim_time_us();
            /* Serve every request already buffered (pipelining), then go back to poll. */
            do {
                if (!handle_request(srv, c)) {
                    conn_close(c);
                    break;
                }
            } while (s_server == srv && c->rd < c->len);
        }
        if (s_server == srv && (fds[0].revents & SIM_POLLIN)) {
            int fd = sim_accept(srv->listen_fd);
            if (fd >= 0) {
                conn_t *c = free_slot(srv);
                if (c == NULL) {
                    sim_close(fd);
                } else {
                    int one = 1;
                    sim_setsockopt(fd, SIM_IPPROTO_TCP, SIM_TCP_NODELAY, &one, sizeof(one));
                    c->fd = fd;
                    c->rd = c->len = 0;
                    c->last_used_us = sim_time_us();
                }
            }
        }
    }
}
