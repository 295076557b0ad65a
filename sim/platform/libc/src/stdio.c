/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file stdio.c
 * @brief printf family and unbuffered files over Linux file descriptors.
 *
 * stdout is line-buffered (flushed at each newline, so a test reading the
 * device's output sees whole lines at once), stderr unbuffered.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_args.h"
#include "sim_sys.h"

struct sim_file {
    int fd;
    bool error;
    bool eof;
    bool line_buffered;
    size_t used;
    char buf[BUFSIZ];
};

static struct sim_file s_stdin = { .fd = 0 };
static struct sim_file s_stdout = { .fd = 1, .line_buffered = true };
static struct sim_file s_stderr = { .fd = 2 };
FILE *const stdin = &s_stdin;
FILE *const stdout = &s_stdout;
FILE *const stderr = &s_stderr;

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        long n = sim_write(fd, data, len);
        if (n == -SIM_EINTR) {
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

int fflush(FILE *stream)
{
    if (stream == NULL) {
        fflush(stdout);
        return fflush(stderr);
    }
    if (stream->used > 0) {
        bool ok = write_all(stream->fd, stream->buf, stream->used);
        stream->used = 0;
        if (!ok) {
            stream->error = true;
            return EOF;
        }
    }
    return 0;
}

/* Append to a stream, flushing at newlines for line-buffered streams. */
static void stream_put(FILE *stream, const char *data, size_t len)
{
    if (!stream->line_buffered) {
        if (!write_all(stream->fd, data, len)) {
            stream->error = true;
        }
        return;
    }
    for (size_t i = 0; i < len; i++) {
        stream->buf[stream->used++] = data[i];
        if (data[i] == '\n' || stream->used == sizeof(stream->buf)) {
            fflush(stream);
        }
    }
}

/* ---- formatting core ---------------------------------------------------- */

typedef struct {
    FILE *stream;  /*!< NULL: into buf */
    char *buf;
    size_t size;   /*!< capacity of buf including the terminator */
    size_t count;  /*!< characters produced so far (may exceed size) */
} sim_out_t;

static void out_put(sim_out_t *out, const char *data, size_t len)
{
    if (out->stream != NULL) {
        stream_put(out->stream, data, len);
    } else {
        for (size_t i = 0; i < len; i++) {
            if (out->count + i + 1 < out->size) {
                out->buf[out->count + i] = data[i];
            }
        }
    }
    out->count += len;
}

static void out_pad(sim_out_t *out, char c, int n)
{
    for (int i = 0; i < n; i++) {
        out_put(out, &c, 1);
    }
}

typedef struct {
    bool left;
    bool zero;
    bool plus;
    bool space;
    bool alt;
    int width;
    int precision;  /*!< -1: none */
} spec_t;

static void put_field(sim_out_t *out, const spec_t *spec, const char *prefix, const char *body, size_t body_len,
                      bool numeric)
{
    size_t prefix_len = strlen(prefix);
    int zeros = 0;
    if (numeric && spec->precision >= 0 && (size_t)spec->precision > body_len) {
        zeros = spec->precision - (int)body_len;
    }
    int total = (int)(prefix_len + body_len) + zeros;
    int pad = spec->width > total ? spec->width - total : 0;
    bool zero_pad = numeric && spec->zero && !spec->left && spec->precision < 0;
    if (!spec->left && !zero_pad) {
        out_pad(out, ' ', pad);
    }
    out_put(out, prefix, prefix_len);
    if (zero_pad) {
        out_pad(out, '0', pad);
    }
    out_pad(out, '0', zeros);
    out_put(out, body, body_len);
    if (spec->left) {
        out_pad(out, ' ', pad);
    }
}

static size_t format_unsigned(char *end, uint64_t value, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        *--end = digits[value % base];
        value /= base;
        n++;
    } while (value != 0);
    return n;
}

static int format_core(sim_out_t *out, const char *fmt, sim_args_t *args)
{
    char num[24];
    while (*fmt != '\0') {
        if (*fmt != '%') {
            const char *run = fmt;
            while (*fmt != '\0' && *fmt != '%') {
                fmt++;
            }
            out_put(out, run, (size_t)(fmt - run));
            continue;
        }
        fmt++;
        spec_t spec = { .precision = -1 };
        for (;; fmt++) {
            if (*fmt == '-') {
                spec.left = true;
            } else if (*fmt == '0') {
                spec.zero = true;
            } else if (*fmt == '+') {
                spec.plus = true;
            } else if (*fmt == ' ') {
                spec.space = true;
            } else if (*fmt == '#') {
                spec.alt = true;
            } else {
                break;
            }
        }
        if (*fmt == '*') {
            spec.width = (int)sim_arg_u32(args);
            if (spec.width < 0) {
                spec.left = true;
                spec.width = -spec.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                spec.width = spec.width * 10 + (*fmt++ - '0');
            }
        }
        if (*fmt == '.') {
            fmt++;
            spec.precision = 0;
            if (*fmt == '*') {
                spec.precision = (int)sim_arg_u32(args);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') {
                    spec.precision = spec.precision * 10 + (*fmt++ - '0');
                }
            }
        }
        int longs = 0;
        bool half = false;
        for (;; fmt++) {
            if (*fmt == 'l') {
                longs++;
            } else if (*fmt == 'h') {
                half = true;
            } else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
                longs += (*fmt == 'j') ? 2 : 0;
            } else {
                break;
            }
        }
        char conv = *fmt;
        if (conv == '\0') {
            break;
        }
        fmt++;
        switch (conv) {
        case '%':
            out_put(out, "%", 1);
            break;
        case 'c': {
            char c = (char)sim_arg_u32(args);
            put_field(out, &spec, "", &c, 1, false);
            break;
        }
        case 's': {
            const char *s = (const char *)(uintptr_t)sim_arg_u32(args);
            if (s == NULL) {
                s = "(null)";
            }
            size_t len = spec.precision >= 0 ? strnlen(s, (size_t)spec.precision) : strlen(s);
            put_field(out, &spec, "", s, len, false);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs >= 2 ? (int64_t)sim_arg_u64(args) : (int64_t)(int32_t)sim_arg_u32(args);
            if (half && longs == 0) {
                v = (int16_t)v;
            }
            uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            size_t n = format_unsigned(num + sizeof(num), magnitude, 10, false);
            const char *prefix = v < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : "";
            if (spec.precision == 0 && v == 0) {
                n = 0;
            }
            put_field(out, &spec, prefix, num + sizeof(num) - n, n, true);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
        case 'p': {
            uint64_t v = (longs >= 2 && conv != 'p') ? sim_arg_u64(args) : sim_arg_u32(args);
            if (half && longs == 0 && conv != 'p') {
                v = (uint16_t)v;
            }
            unsigned base = (conv == 'u') ? 10 : (conv == 'o') ? 8 : 16;
            size_t n = format_unsigned(num + sizeof(num), v, base, conv == 'X');
            const char *prefix = "";
            if (conv == 'p' || (spec.alt && v != 0 && base == 16)) {
                prefix = conv == 'X' ? "0X" : "0x";
            } else if (spec.alt && base == 8) {
                prefix = "0";
            }
            if (spec.precision == 0 && v == 0 && conv != 'p') {
                n = 0;
            }
            put_field(out, &spec, prefix, num + sizeof(num) - n, n, true);
            break;
        }
        default:
            /* Unknown conversion: print it as written so the mistake is visible. */
            out_put(out, "%", 1);
            out_put(out, &conv, 1);
            break;
        }
    }
    return (int)out->count;
}

static int format_to_stream(FILE *stream, const char *fmt, sim_args_t *args)
{
    sim_out_t out = { .stream = stream };
    return format_core(&out, fmt, args);
}

int sim_format_args(FILE *stream, const char *fmt, sim_args_t *args)
{
    return format_to_stream(stream, fmt, args);
}

static int format_to_buf(char *buf, size_t size, const char *fmt, sim_args_t *args)
{
    sim_out_t out = { .buf = buf, .size = size };
    int n = format_core(&out, fmt, args);
    if (size > 0) {
        buf[out.count < size ? out.count : size - 1] = '\0';
    }
    return n;
}

#if defined(__XTENSA__)
/* Variadic entries are assembly (arch/xtensa/sim_start.S); these are their cores. */
int sim_printf_words(const uint32_t *regs, const uint32_t *stack)
{
    sim_args_t args = sim_args_from_words(regs, stack, 1);
    return format_to_stream(stdout, (const char *)(uintptr_t)regs[0], &args);
}

int sim_fprintf_words(const uint32_t *regs, const uint32_t *stack)
{
    sim_args_t args = sim_args_from_words(regs, stack, 2);
    return format_to_stream((FILE *)(uintptr_t)regs[0], (const char *)(uintptr_t)regs[1], &args);
}

int sim_snprintf_words(const uint32_t *regs, const uint32_t *stack)
{
    sim_args_t args = sim_args_from_words(regs, stack, 3);
    return format_to_buf((char *)(uintptr_t)regs[0], regs[1], (const char *)(uintptr_t)regs[2], &args);
}

int sim_sprintf_words(const uint32_t *regs, const uint32_t *stack)
{
    sim_args_t args = sim_args_from_words(regs, stack, 2);
    return format_to_buf((char *)(uintptr_t)regs[0], SIZE_MAX, (const char *)(uintptr_t)regs[1], &args);
}

/*
 * A va_list made by va_start in an LLVM-compiled Xtensa function, as LLVM 22
 * lays it out: { stk, reg, ndx }, ndx the byte index of the next argument
 * word, reg pointing at the saved register word ndx / 4 (GCC points it at
 * word 0), stk 32 bytes below the first stack argument. Read correctly only
 * while fresh from va_start. LLVM 22 also stores its frame pointer instead of
 * a7, so the sixth argument word is lost when it is a variadic one: the
 * platform's own variadic functions are assembly entries for that reason.
 */
typedef struct {
    uint32_t *stk;
    uint32_t *reg;
    int ndx;
} xtensa_va_list_t;

static sim_args_t args_from_va_list(va_list ap)
{
    const xtensa_va_list_t *va = (const xtensa_va_list_t *)(const void *)&ap;
    if (va->ndx >= 24) {
        /* Past the registers; 24..32 means "the first stack word" (GCC's convention, kept by LLVM). */
        unsigned stack_word = va->ndx > 32 ? (unsigned)(va->ndx - 32) / 4 : 0;
        return sim_args_from_words(NULL, va->stk + 8, 6 + stack_word);
    }
    unsigned index = (unsigned)va->ndx / 4;
    return sim_args_from_words(va->reg - index, va->stk + 8, index);
}

#define ARGS_FROM_VA(name, ap) sim_args_t name = args_from_va_list(ap)
#else
#define ARGS_FROM_VA(name, ap) sim_args_t name; va_copy(name.ap, ap)

int printf(const char *fmt, ...)
{
    sim_args_t args;
    va_start(args.ap, fmt);
    int n = format_to_stream(stdout, fmt, &args);
    va_end(args.ap);
    return n;
}

int fprintf(FILE *stream, const char *fmt, ...)
{
    sim_args_t args;
    va_start(args.ap, fmt);
    int n = format_to_stream(stream, fmt, &args);
    va_end(args.ap);
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    sim_args_t args;
    va_start(args.ap, fmt);
    int n = format_to_buf(buf, size, fmt, &args);
    va_end(args.ap);
    return n;
}

int sprintf(char *buf, const char *fmt, ...)
{
    sim_args_t args;
    va_start(args.ap, fmt);
    int n = format_to_buf(buf, SIZE_MAX, fmt, &args);
    va_end(args.ap);
    return n;
}
#endif

int vfprintf(FILE *stream, const char *fmt, va_list ap)
{
    ARGS_FROM_VA(args, ap);
    return format_to_stream(stream, fmt, &args);
}

int vprintf(const char *fmt, va_list ap)
{
    ARGS_FROM_VA(args, ap);
    return format_to_stream(stdout, fmt, &args);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    ARGS_FROM_VA(args, ap);
    return format_to_buf(buf, size, fmt, &args);
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
    ARGS_FROM_VA(args, ap);
    return format_to_buf(buf, SIZE_MAX, fmt, &args);
}

int fputs(const char *s, FILE *stream)
{
    stream_put(stream, s, strlen(s));
    return stream->error ? EOF : 0;
}

int puts(const char *s)
{
    stream_put(stdout, s, strlen(s));
    stream_put(stdout, "\n", 1);
    return stdout->error ? EOF : 0;
}

int fputc(int c, FILE *stream)
{
    char ch = (char)c;
    stream_put(stream, &ch, 1);
    return stream->error ? EOF : (unsigned char)c;
}

int putc(int c, FILE *stream)
{
    return fputc(c, stream);
}

int putchar(int c)
{
    return fputc(c, stdout);
}

/* ---- files ---------------------------------------------------------------- */

FILE *fopen(const char *path, const char *mode)
{
    int flags;
    bool plus = strchr(mode, '+') != NULL;
    switch (mode[0]) {
    case 'r':
        flags = plus ? SIM_O_RDWR : SIM_O_RDONLY;
        break;
    case 'w':
        flags = (plus ? SIM_O_RDWR : SIM_O_WRONLY) | SIM_O_CREAT | SIM_O_TRUNC;
        break;
    default:
        errno = EINVAL;
        return NULL;
    }
    int fd = sim_open(path, flags | SIM_O_CLOEXEC, 0644);
    if (fd < 0) {
        errno = -fd;
        return NULL;
    }
    FILE *stream = calloc(1, sizeof(*stream));
    if (stream == NULL) {
        sim_close(fd);
        errno = ENOMEM;
        return NULL;
    }
    stream->fd = fd;
    return stream;
}

int fclose(FILE *stream)
{
    int ret = fflush(stream);
    if (sim_close(stream->fd) < 0) {
        ret = EOF;
    }
    if (stream != stdin && stream != stdout && stream != stderr) {
        free(stream);
    }
    return ret;
}

size_t fread(void *buf, size_t size, size_t count, FILE *stream)
{
    size_t want = size * count;
    size_t got = 0;
    while (got < want) {
        long n = sim_read(stream->fd, (char *)buf + got, want - got);
        if (n == -SIM_EINTR) {
            continue;
        }
        if (n < 0) {
            stream->error = true;
            break;
        }
        if (n == 0) {
            stream->eof = true;
            break;
        }
        got += (size_t)n;
    }
    return size == 0 ? 0 : got / size;
}

size_t fwrite(const void *buf, size_t size, size_t count, FILE *stream)
{
    if (size == 0 || count == 0) {
        return 0;
    }
    bool before_error = stream->error;
    stream_put(stream, buf, size * count);
    return (stream->error && !before_error) ? 0 : count;
}

int fseek(FILE *stream, long offset, int whence)
{
    fflush(stream);
    int64_t pos = sim_lseek(stream->fd, offset, whence);
    if (pos < 0) {
        errno = (int)-pos;
        return -1;
    }
    stream->eof = false;
    return 0;
}

long ftell(FILE *stream)
{
    fflush(stream);
    int64_t pos = sim_lseek(stream->fd, 0, SIM_SEEK_CUR);
    if (pos < 0) {
        errno = (int)-pos;
        return -1;
    }
    return (long)pos;
}

int fileno(FILE *stream)
{
    return stream->fd;
}

int ferror(FILE *stream)
{
    return stream->error;
}

int feof(FILE *stream)
{
    return stream->eof;
}

void clearerr(FILE *stream)
{
    stream->error = false;
    stream->eof = false;
}
