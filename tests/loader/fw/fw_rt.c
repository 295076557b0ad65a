/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fw_rt.c
 * @brief The little C runtime the loader test firmware needs (no libc runs on it).
 *
 * String and memory functions, a bump heap, qsort/bsearch, esp_log_write and
 * output helpers over raw Linux system calls. esp_log_write prints the format
 * without its arguments: LLVM 22's Xtensa va_arg is broken (DESIGN.md), and
 * the tests read results from the firmware's own lines, not from log values.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "fw_rt.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        return memcpy(dst, src, n);
    }
    while (n--) {
        d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] - y[i];
        }
    }
    return 0;
}

void *memchr(const void *p, int c, size_t n)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == (uint8_t)c) {
            return (void *)(s + i);
        }
    }
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* Bump heap: each block records its size just before the returned pointer. */
static uint8_t s_heap[512 * 1024] __attribute__((aligned(16)));
static size_t s_heap_used;

void *malloc(size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need + 16 > sizeof(s_heap) - s_heap_used) {
        return NULL;
    }
    uint8_t *p = s_heap + s_heap_used + 16;
    *(size_t *)(p - 16) = n;
    s_heap_used += need + 16;
    return p;
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = malloc(count * size);
    return p != NULL ? memset(p, 0, count * size) : NULL;
}

void *realloc(void *old, size_t n)
{
    void *p = malloc(n);
    if (p != NULL && old != NULL) {
        size_t had = *(size_t *)((uint8_t *)old - 16);
        memcpy(p, old, had < n ? had : n);
    }
    return p;
}

void free(void *p)
{
    (void)p;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
    while (n--) {
        uint8_t t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *))
{
    uint8_t *b = base;
    for (size_t i = 1; i < count; i++) {
        for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--) {
            swap_bytes(b + (j - 1) * size, b + j * size, size);
        }
    }
}

void *bsearch(const void *key, const void *base, size_t count, size_t size, int (*cmp)(const void *, const void *))
{
    const uint8_t *b = base;
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp(key, b + mid * size);
        if (c == 0) {
            return (void *)(b + mid * size);
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

void fw_write(const char *s)
{
    fw_syscall(FW_NR_WRITE, 1, (long)s, (long)strlen(s), 0, 0, 0);
}

void fw_write_hex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xf];
    }
    buf[10] = '\0';
    fw_write(buf);
}

void fw_write_int(int32_t v)
{
    char buf[12];
    int i = 11;
    uint32_t u = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        buf[--i] = '-';
    }
    fw_write(buf + i);
}

void fw_exit(int code)
{
    for (;;) {
        fw_syscall(FW_NR_EXIT_GROUP, code, 0, 0, 0, 0, 0);
    }
}

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    if (level > ESP_LOG_WARN) {
        return;
    }
    fw_write("E ");
    fw_write(tag);
    fw_write(": ");
    fw_write(format);
    fw_write("\n");
}

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    (void)tag;
    (void)level;
}

uint32_t esp_log_timestamp(void)
{
    return 0;
}

void hotreload_trap_unloaded(void)
{
    fw_write("trap: reloadable function called with no module loaded\n");
    fw_exit(99);
}

#if defined(__XTENSA__)
long long __muldi3(long long a, long long b);

/* 64-bit multiply: LLVM calls it for 32-bit division by constants once MUL32HIGH is
 * off (QEMU's core lacks it), and the only libgcc here is call0 code. Shift and add. */
long long __muldi3(long long a, long long b)
{
    unsigned long long x = (unsigned long long)a;
    unsigned long long y = (unsigned long long)b;
    unsigned long long r = 0;
    while (y != 0) {
        if (y & 1) {
            r += x;
        }
        x <<= 1;
        y >>= 1;
    }
    return (long long)r;
}
#endif

#if defined(__XTENSA_CALL0_ABI__) && defined(__GNUC__) && !defined(__clang__)
unsigned __udivsi3(unsigned n, unsigned d);
unsigned __umodsi3(unsigned n, unsigned d);

/* The lx106 core GCC targets has no divider and its libgcc leaves these to the ESP8266 ROM. */
static unsigned divmod(unsigned n, unsigned d, unsigned *rem)
{
    unsigned q = 0;
    unsigned r = 0;
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= 1u << i;
        }
    }
    *rem = r;
    return q;
}

unsigned __udivsi3(unsigned n, unsigned d)
{
    unsigned r;
    return divmod(n, d, &r);
}

unsigned __umodsi3(unsigned n, unsigned d)
{
    unsigned r;
    divmod(n, d, &r);
    return r;
}
#endif
