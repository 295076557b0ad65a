/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_multipart.c
 * @brief Streaming multipart/form-data parser (see hr_multipart.h).
 *
 * The body is a sequence "--B" part ("\r\n--B" part)* "\r\n--B--" epilogue,
 * each part being header lines, an empty line, then content. Content is
 * scanned for the delimiter "\r\n--B" one byte at a time; bytes that might
 * begin a delimiter are held back (they are the delimiter's own first bytes, so
 * only a count is kept) and released when the match fails. A boundary cannot
 * contain CR (RFC 2046 bchars), so after a failed match only a new CR can start
 * the next one: no backtracking is needed.
 */
#include <ctype.h>
#include <string.h>

#include "hr_multipart.h"

enum {
    ST_PREAMBLE,      /* before the first delimiter: discarded */
    ST_AFTER_DELIM,   /* "--" (end) or optional whitespace then CRLF (next part) */
    ST_HEADERS,       /* part header lines */
    ST_CONTENT,       /* part content */
    ST_EPILOGUE,      /* after the closing delimiter: discarded */
    ST_ERROR,
};

/* Bytes emitted per callback while scanning content. */
#define EMIT_BUF 256

static bool ieq_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i])) {
            return false;
        }
    }
    return true;
}

/*
 * Find parameter @p key in a header value "type; k1=v1; k2="v2"" and copy its value (quotes removed).
 * Returns false when absent or too long for @p out.
 */
static bool find_param(const char *value, size_t len, const char *key, char *out, size_t out_size)
{
    size_t i = 0;
    size_t key_len = strlen(key);
    /* Skip the leading type/disposition token. */
    while (i < len && value[i] != ';') {
        i++;
    }
    while (i < len) {
        i++; /* ';' */
        while (i < len && (value[i] == ' ' || value[i] == '\t')) {
            i++;
        }
        size_t name_start = i;
        while (i < len && value[i] != '=' && value[i] != ';') {
            i++;
        }
        size_t name_len = i - name_start;
        while (name_len > 0 && (value[name_start + name_len - 1] == ' ' || value[name_start + name_len - 1] == '\t')) {
            name_len--;
        }
        if (i >= len || value[i] != '=') {
            continue;
        }
        i++; /* '=' */
        while (i < len && (value[i] == ' ' || value[i] == '\t')) {
            i++;
        }
        size_t n = 0;
        bool fits = true;
        if (i < len && value[i] == '"') {
            i++;
            while (i < len && value[i] != '"') {
                if (value[i] == '\\' && i + 1 < len) {
                    i++;
                }
                if (n + 1 < out_size) {
                    out[n++] = value[i];
                } else {
                    fits = false;
                }
                i++;
            }
            i++; /* closing quote */
            while (i < len && value[i] != ';') {
                i++;
            }
        } else {
            while (i < len && value[i] != ';' && value[i] != ' ' && value[i] != '\t') {
                if (n + 1 < out_size) {
                    out[n++] = value[i];
                } else {
                    fits = false;
                }
                i++;
            }
            while (i < len && value[i] != ';') {
                i++;
            }
        }
        out[n] = '\0';
        if (name_len == key_len && ieq_prefix(value + name_start, name_len, key)) {
            return fits;
        }
    }
    return false;
}

bool hr_multipart_is_form_data(const char *content_type)
{
    if (content_type == NULL) {
        return false;
    }
    while (*content_type == ' ') {
        content_type++;
    }
    size_t len = strlen(content_type);
    static const char type[] = "multipart/form-data";
    return ieq_prefix(content_type, len, type) &&
           (len == sizeof(type) - 1 || content_type[sizeof(type) - 1] == ';' || content_type[sizeof(type) - 1] == ' ');
}

static esp_err_t fail(hr_multipart_t *mp, const char *why)
{
    mp->state = ST_ERROR;
    mp->why = why;
    return ESP_ERR_INVALID_ARG;
}

esp_err_t hr_multipart_init(hr_multipart_t *mp, const char *content_type, const char *field,
                            hr_multipart_data_fn on_data, void *arg)
{
    if (mp == NULL || field == NULL || strlen(field) >= HR_MULTIPART_FIELD_MAX) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(mp, 0, sizeof(*mp));
    mp->why = "";
    if (!hr_multipart_is_form_data(content_type)) {
        return fail(mp, "Content-Type is not multipart/form-data");
    }
    char boundary[HR_MULTIPART_BOUNDARY_MAX + 2];
    if (!find_param(content_type, strlen(content_type), "boundary", boundary, sizeof(boundary)) ||
            boundary[0] == '\0' || strlen(boundary) > HR_MULTIPART_BOUNDARY_MAX ||
            boundary[strcspn(boundary, "\r\n")] != '\0') {
        return fail(mp, "multipart/form-data without a valid boundary parameter (1-70 characters)");
    }
    strcpy(mp->delim, "\r\n--");
    strcat(mp->delim, boundary);
    mp->delim_len = strlen(mp->delim);
    strcpy(mp->field, field);
    mp->on_data = on_data;
    mp->arg = arg;
    mp->state = ST_PREAMBLE;
    /* The body may begin with the delimiter without its leading CRLF. */
    mp->match = 2;
    return ESP_OK;
}

static void header_line(hr_multipart_t *mp)
{
    static const char disposition[] = "content-disposition:";
    if (!ieq_prefix(mp->line, mp->line_len, disposition)) {
        return;
    }
    char name[HR_MULTIPART_FIELD_MAX + 1];
    const char *value = mp->line + sizeof(disposition) - 1;
    size_t value_len = mp->line_len - (sizeof(disposition) - 1);
    if (find_param(value, value_len, "name", name, sizeof(name)) && strcmp(name, mp->field) == 0 &&
            !mp->field_seen) {
        mp->in_field = true;
        mp->field_seen = true;
    }
}

typedef struct {
    uint8_t buf[EMIT_BUF];
    size_t len;
} emit_t;

static esp_err_t flush(hr_multipart_t *mp, emit_t *out)
{
    esp_err_t err = ESP_OK;
    if (out->len > 0 && mp->in_field && mp->on_data) {
        err = mp->on_data(mp->arg, out->buf, out->len);
    }
    out->len = 0;
    return err;
}

static esp_err_t emit(hr_multipart_t *mp, emit_t *out, const uint8_t *data, size_t len)
{
    if (!mp->in_field) {
        return ESP_OK;
    }
    while (len > 0) {
        size_t n = EMIT_BUF - out->len < len ? EMIT_BUF - out->len : len;
        memcpy(out->buf + out->len, data, n);
        out->len += n;
        data += n;
        len -= n;
        if (out->len == EMIT_BUF) {
            esp_err_t err = flush(mp, out);
            if (err != ESP_OK) {
                return err;
            }
        }
    }
    return ESP_OK;
}

/* Feed one byte to the delimiter matcher; true when a whole delimiter was just matched. */
static esp_err_t scan_byte(hr_multipart_t *mp, emit_t *out, uint8_t c, bool *matched)
{
    *matched = false;
    if ((uint8_t)mp->delim[mp->match] == c) {
        if (++mp->match == mp->delim_len) {
            mp->match = 0;
            *matched = true;
        }
        return ESP_OK;
    }
    /* Release the held-back bytes: they are the delimiter's first `match` bytes. */
    esp_err_t err = emit(mp, out, (const uint8_t *)mp->delim, mp->match);
    mp->match = 0;
    if (err != ESP_OK) {
        return err;
    }
    if (c == '\r') {
        mp->match = 1;
        return ESP_OK;
    }
    return emit(mp, out, &c, 1);
}

esp_err_t hr_multipart_feed(hr_multipart_t *mp, const uint8_t *data, size_t len)
{
    if (mp == NULL || (data == NULL && len > 0)) {
        return ESP_ERR_INVALID_ARG;
    }
    if (mp->state == ST_ERROR) {
        return ESP_ERR_INVALID_ARG;
    }
    emit_t out = {.len = 0};
    esp_err_t err = ESP_OK;
    for (size_t i = 0; i < len && err == ESP_OK; i++) {
        uint8_t c = data[i];
        bool matched = false;
        switch (mp->state) {
        case ST_PREAMBLE:
        case ST_CONTENT:
            err = scan_byte(mp, &out, c, &matched);
            if (err == ESP_OK && matched) {
                err = flush(mp, &out);
                mp->in_field = false;
                mp->state = ST_AFTER_DELIM;
                mp->after = 0;
            }
            break;
        case ST_AFTER_DELIM:
            if (mp->after == 0 && c == '-') {
                mp->after = 1;
            } else if (mp->after == 1) {
                if (c != '-') {
                    return fail(mp, "malformed multipart body: boundary followed by a single '-'");
                }
                mp->state = ST_EPILOGUE;
            } else if (c == ' ' || c == '\t') {
                mp->after = 2;
            } else if (c == '\r' && mp->after != 3) {
                mp->after = 3;
            } else if (c == '\n' && mp->after == 3) {
                mp->state = ST_HEADERS;
                mp->line_len = 0;
                mp->line_cr = false;
            } else {
                return fail(mp, "malformed multipart body: boundary not followed by CRLF or '--'");
            }
            break;
        case ST_HEADERS:
            if (mp->line_cr) {
                mp->line_cr = false;
                if (c != '\n') {
                    return fail(mp, "malformed multipart part header: CR without LF");
                }
                if (mp->line_len == 0) {
                    mp->state = ST_CONTENT;
                    mp->match = 0;
                } else {
                    header_line(mp);
                    mp->line_len = 0;
                }
            } else if (c == '\r') {
                mp->line_cr = true;
            } else if (mp->line_len < HR_MULTIPART_LINE_MAX) {
                mp->line[mp->line_len++] = (char)c;
            }
            break;
        case ST_EPILOGUE:
            break;
        default:
            return ESP_ERR_INVALID_ARG;
        }
    }
    if (err == ESP_OK) {
        err = flush(mp, &out);
    }
    if (err != ESP_OK && mp->state != ST_ERROR) {
        mp->state = ST_ERROR;
        mp->why = "the upload could not be stored";
    }
    return err;
}

esp_err_t hr_multipart_finish(hr_multipart_t *mp)
{
    if (mp == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (mp->state == ST_ERROR) {
        return ESP_ERR_INVALID_ARG;
    }
    if (mp->state != ST_EPILOGUE) {
        mp->why = "multipart body ended before its closing boundary (upload cut off?): send it again";
        return ESP_ERR_INVALID_SIZE;
    }
    if (!mp->field_seen) {
        mp->why = "multipart body has no 'file' field: send the module as curl -F \"file=@build/<name>_stripped.so\"";
        return ESP_ERR_NOT_FOUND;
    }
    return ESP_OK;
}

const char *hr_multipart_error(const hr_multipart_t *mp)
{
    return mp && mp->why ? mp->why : "";
}
