/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_respond.c
 * @brief Error-to-status mapping, user-facing fixes and JSON rendering for the server (see hr_respond.h).
 */
#include <stdio.h>
#include <string.h>

#include "hr_protocol.h"
#include "hr_respond.h"

#define FLASH_FIRMWARE "rebuild and flash the firmware (idf.py build flash), then reload"

int hr_respond_http_status(esp_err_t err, hr_phase_t phase)
{
    if (err == ESP_OK) {
        return 200;
    }
    switch (phase) {
    case HR_PHASE_AUTH:
        return 401;
    case HR_PHASE_BODY:
        if (err == ESP_ERR_TIMEOUT) {
            return 408;
        }
        if (err == ESP_ERR_INVALID_CRC) {
            return 401;
        }
        return err == ESP_ERR_NO_MEM ? 503 : 400;
    case HR_PHASE_STORE:
        if (err == ESP_ERR_INVALID_SIZE) {
            return 413;
        }
        return (err == ESP_ERR_INVALID_STATE || err == ESP_ERR_NO_MEM) ? 503 : 500;
    case HR_PHASE_MODULE:
        switch (err) {
        case ESP_ERR_INVALID_VERSION:
        case ESP_ERR_HOTRELOAD_ABI_MISMATCH:
        case ESP_ERR_NOT_FOUND:
            return 409;
        case ESP_ERR_INVALID_SIZE:
        case ESP_ERR_NOT_SUPPORTED:
        case ESP_ERR_INVALID_ARG:
        case ESP_ERR_INVALID_CRC:
            return 400;
        case ESP_ERR_NO_MEM:
        case ESP_ERR_HOTRELOAD_VETOED:
        case ESP_ERR_INVALID_STATE:
            return 503;
        default:
            return 500;
        }
    }
    return 500;
}

const char *hr_respond_fix(esp_err_t err, hr_phase_t phase)
{
    switch (phase) {
    case HR_PHASE_AUTH:
        return "authentication failed: sign requests with the build's key (idf.py reload does), or flash the "
               "firmware built with build/hotreload/auth.key";
    case HR_PHASE_BODY:
        switch (err) {
        case ESP_ERR_TIMEOUT:
            return "the client stopped sending the body: check the connection and send it again";
        case ESP_ERR_INVALID_CRC:
            return "the body does not match its signed SHA-256 (altered in transit?): send it again";
        case ESP_ERR_NOT_FOUND:
            return "multipart body has no 'file' field: send the module as curl -F \"file=@build/<name>_stripped.so\"";
        case ESP_ERR_NO_MEM:
            return "the device is out of memory: retry, or free heap in the application";
        default:
            return "the request body was cut off or malformed: send the module again (raw application/"
                   "octet-stream or multipart/form-data with a 'file' field)";
        }
    case HR_PHASE_STORE:
        switch (err) {
        case ESP_ERR_INVALID_SIZE:
            return "module too large for CONFIG_HOTRELOAD_MAX_MODULE_SIZE or the partition's free space: raise "
                   "the limit (idf.py menuconfig) or enlarge the hotreload partition, then flash";
        case ESP_ERR_INVALID_STATE:
            return "another upload is in progress: wait for it and retry";
        case ESP_ERR_NOT_FOUND:
            return "the device has no hotreload partition: add 'hotreload, app, 0x40, , 512k,' to partitions.csv "
                   "and flash";
        case ESP_ERR_NO_MEM:
            return "the device is out of memory: retry, or free heap in the application";
        default:
            return "writing the module to flash failed: retry; if it persists, erase the hotreload partition";
        }
    case HR_PHASE_MODULE:
        switch (err) {
        case ESP_ERR_INVALID_VERSION:
            return "module was built for another firmware: " FLASH_FIRMWARE;
        case ESP_ERR_HOTRELOAD_ABI_MISMATCH:
            return "module's exported functions differ from the firmware's table: " FLASH_FIRMWARE;
        case ESP_ERR_NOT_FOUND:
            return "module names a component or export this firmware does not have: " FLASH_FIRMWARE;
        case ESP_ERR_INVALID_SIZE:
        case ESP_ERR_INVALID_ARG:
            return "not a valid module ELF (truncated or inconsistent): upload build/<name>_stripped.so again";
        case ESP_ERR_NOT_SUPPORTED:
            return "not a module for this chip (architecture, relocation or section not supported): build it with "
                   "this project's toolchain";
        case ESP_ERR_INVALID_CRC:
            return "the module in flash is damaged: upload it again";
        case ESP_ERR_NO_MEM:
            return "not enough free RAM for the module: free heap in the application or make the module smaller";
        case ESP_ERR_HOTRELOAD_VETOED:
            return "the application refused the reload right now (a pre-reload hook): try again later";
        case ESP_ERR_INVALID_STATE:
            return "the runtime is not initialised: call hotreload_load() at start-up";
        default:
            return "loading the module failed: see the device log";
        }
    }
    return "request failed: see the device log";
}

const char *hr_respond_status_line(int status)
{
    switch (status) {
    case 200:
        return "200 OK";
    case 400:
        return "400 Bad Request";
    case 401:
        return "401 Unauthorized";
    case 404:
        return "404 Not Found";
    case 405:
        return "405 Method Not Allowed";
    case 408:
        return "408 Request Timeout";
    case 409:
        return "409 Conflict";
    case 411:
        return "411 Length Required";
    case 414:
        return "414 URI Too Long";
    case 431:
        return "431 Request Header Fields Too Large";
    case 413:
        return "413 Payload Too Large";
    case 503:
        return "503 Service Unavailable";
    default:
        return "500 Internal Server Error";
    }
}

static void put(hr_json_t *j, const char *s, size_t n)
{
    if (j->overflow || j->len + n >= j->size) {
        j->overflow = true;
        return;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void puts_raw(hr_json_t *j, const char *s)
{
    put(j, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at @p p (RFC 3629: no overlongs, no surrogates), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        lo = p[0] == 0xE0 ? 0xA0 : 0x80;
        hi = p[0] == 0xED ? 0x9F : 0xBF;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        lo = p[0] == 0xF0 ? 0x90 : 0x80;
        hi = p[0] == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    /* The NUL terminator fails the range check, so this never reads past the string. */
    if (p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

static void put_string(hr_json_t *j, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(j, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put(j, esc, 2);
        } else if (*p == '\n') {
            put(j, "\\n", 2);
        } else if (*p >= 0x80 && utf8_len(p) > 0) {
            size_t n = utf8_len(p);
            put(j, (const char *)p, n);
            p += n - 1;
        } else if (*p < 0x20 || *p >= 0x7f) {
            /* Bytes from the network (a request path) need not be UTF-8; as \u00XX the JSON stays valid. */
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xF]};
            put(j, esc, 6);
        } else {
            put(j, (const char *)p, 1);
        }
    }
    put(j, "\"", 1);
}

static void key(hr_json_t *j, const char *k)
{
    if (j->need_comma) {
        put(j, ",", 1);
    }
    put_string(j, k);
    put(j, ":", 1);
    j->need_comma = true;
}

void hr_json_begin(hr_json_t *j, char *buf, size_t size)
{
    j->buf = buf;
    j->size = size;
    j->len = 0;
    j->overflow = size == 0;
    j->need_comma = false;
    if (size > 0) {
        buf[0] = '\0';
    }
    put(j, "{", 1);
}

void hr_json_key_str(hr_json_t *j, const char *k, const char *value)
{
    key(j, k);
    put_string(j, value ? value : "");
}

void hr_json_key_hex(hr_json_t *j, const char *k, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    key(j, k);
    put(j, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        char pair[2] = {hex[data[i] >> 4], hex[data[i] & 0xF]};
        put(j, pair, 2);
    }
    put(j, "\"", 1);
}

void hr_json_key_int(hr_json_t *j, const char *k, long long value)
{
    char num[24];
    key(j, k);
    snprintf(num, sizeof(num), "%lld", value);
    puts_raw(j, num);
}

void hr_json_key_bool(hr_json_t *j, const char *k, bool value)
{
    key(j, k);
    puts_raw(j, value ? "true" : "false");
}

void hr_json_key_object(hr_json_t *j, const char *k)
{
    key(j, k);
    put(j, "{", 1);
    j->need_comma = false;
}

void hr_json_key_array(hr_json_t *j, const char *k)
{
    key(j, k);
    put(j, "[", 1);
    j->need_comma = false;
}

void hr_json_array_object(hr_json_t *j)
{
    if (j->need_comma) {
        put(j, ",", 1);
    }
    put(j, "{", 1);
    j->need_comma = false;
}

void hr_json_close(hr_json_t *j, char bracket)
{
    put(j, &bracket, 1);
    j->need_comma = true;
}

int hr_json_end(hr_json_t *j)
{
    put(j, "}", 1);
    return j->overflow ? -1 : (int)j->len;
}

int hr_respond_error_json(char *buf, size_t size, const char *message)
{
    hr_json_t j;
    hr_json_begin(&j, buf, size);
    hr_json_key_bool(&j, HR_PROTO_RESP_OK, false);
    hr_json_key_str(&j, HR_PROTO_RESP_ERROR, message);
    return hr_json_end(&j);
}

static const char *mode_name(hotreload_mode_t mode)
{
    return mode == HOTRELOAD_MODE_IMMEDIATE ? "immediate" : "cooperative";
}

int hr_respond_status_json(char *buf, size_t size, const hotreload_status_t *st,
                           const hotreload_module_status_t *modules, bool auth, size_t free_heap)
{
    hr_json_t j;
    hr_json_begin(&j, buf, size);
    hr_json_key_bool(&j, HR_PROTO_RESP_OK, true);
    hr_json_key_hex(&j, HR_PROTO_STATUS_FIRMWARE_SHA256, st->firmware_id, sizeof(st->firmware_id));
    hr_json_key_bool(&j, HR_PROTO_STATUS_AUTH, auth);
    hr_json_key_str(&j, "mode", mode_name(st->mode));
    hr_json_key_bool(&j, HR_PROTO_STATUS_UPDATE_PENDING, st->update_pending);
    hr_json_key_int(&j, HR_PROTO_STATUS_RELOAD_COUNT, st->reload_count);
    hr_json_key_int(&j, "loaded_count", (long long)st->loaded_count);
    hr_json_key_int(&j, "export_count", st->export_count);
    hr_json_key_int(&j, "image_size", st->image_size);
    hr_json_key_int(&j, HR_PROTO_STATUS_LAST_LOAD_US, st->last_load_time_us);
    hr_json_key_int(&j, "free_heap", (long long)free_heap);
    if (st->last_error != ESP_OK) {
        hr_json_key_object(&j, HR_PROTO_STATUS_LAST_ERROR);
        hr_json_key_str(&j, "code", esp_err_to_name(st->last_error));
        hr_json_key_str(&j, "message", st->last_error_msg);
        hr_json_close(&j, '}');
    }
    hr_json_key_array(&j, HR_PROTO_STATUS_MODULES);
    for (size_t i = 0; i < st->component_count; i++) {
        const hotreload_module_status_t *m = &modules[i];
        hr_json_array_object(&j);
        hr_json_key_str(&j, HR_PROTO_STATUS_MODULE_NAME, m->name);
        hr_json_key_bool(&j, HR_PROTO_STATUS_MODULE_LOADED, m->loaded);
        if (m->loaded) {
            hr_json_key_hex(&j, HR_PROTO_STATUS_MODULE_SHA256, m->module_sha256, sizeof(m->module_sha256));
            hr_json_key_int(&j, "size", m->file_size);
            hr_json_key_int(&j, "image_size", m->image_size);
            hr_json_key_int(&j, "exports", m->export_count);
            hr_json_key_int(&j, "sequence", m->sequence);
        }
        hr_json_close(&j, '}');
    }
    hr_json_close(&j, ']');
    return hr_json_end(&j);
}
