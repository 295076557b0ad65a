/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file libc_selftest.c
 * @brief Prints what the simulated device's C library computes, one "name: value" line per case;
 *        tests/test_sim_platform.py compares the lines with Python's answers.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_heap.h"

/* Opaque to the optimiser, so 64-bit arithmetic happens at run time through the helpers. */
static volatile uint64_t s_big = 0x123456789ABCDEF0ull;
static volatile uint64_t s_div = 1000000007ull;
static volatile int64_t s_neg = -98765432109876ll;
static volatile int64_t s_sdiv = 12345ll;

/* A variadic function compiled by the target compiler that forwards its va_list. On
 * Xtensa its variadic words stay clear of a7, which LLVM 22 loses (see stdio.c). */
static int forward(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int main(int argc, char **argv)
{
    printf("argc: %d %s\n", argc, argc > 1 ? argv[1] : "-");
    printf("ints: %d %i %u %x %X %c %%\n", -42, 7, 4000000000u, 0xbeefu, 0xbeefu, 'Z');
    printf("width: [%5d] [%-5d] [%05d] [%5s] [%-5s] [%.2s]\n", 42, 42, 42, "ab", "ab", "abcdef");
    printf("longs: %ld %lu %lld %llu %llx\n", -123456789L, 3000000000UL, -1234567890123ll,
           18446744073709551615ull, 0x1122334455667788ull);
    printf("mixed: %d %lld %d %llx %s\n", 1, 2ll, 3, 0xAABBCCDDEEFF0011ull, "end");
    printf("many: %d %d %d %d %d %d %d %d %d %d\n", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    printf("ptr: %p size: %zu\n", (void *)0x1234, (size_t)77);
    printf("pri: %" PRIu32 " %" PRIx32 " %" PRId64 "\n", (uint32_t)4000000000u, (uint32_t)0xcafe, (int64_t)-5);
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%s-%d-%s", "truncated", 12345, "tail");
    printf("snprintf: %d [%s]\n", n, buf);
    char fwd[96];
    forward(fwd, sizeof(fwd), "%d %s %llx %d %d %d %d %d", 1, "two", 0x1122334455667788ull, 4, 5, 6, 7, 8);
    printf("vsnprintf: [%s]\n", fwd);
    printf("div: %llu %llu %lld %lld\n", s_big / s_div, s_big % s_div, s_neg / s_sdiv, s_neg % s_sdiv);
    printf("mul: %llu shift: %llx %llx %lld\n", s_big * s_div, s_big << 13, s_big >> 29, s_neg >> 7);
    printf("string: %d %d %d %s %s\n", (int)strlen("hello"), strcmp("abc", "abd") < 0, memcmp("ab", "ab", 2),
           strstr("haystack", "st"), strrchr("a/b/c", '/'));
    printf("strtol: %ld %ld %lu\n", strtol("-1234", NULL, 10), strtol("0x1f", NULL, 0), strtoul("777", NULL, 8));

    sim_heap_t *heap = sim_heap_default();
    size_t before = heap->free_bytes;
    void *blocks[32];
    for (int i = 0; i < 32; i++) {
        blocks[i] = malloc((size_t)(i * 37 + 1));
        memset(blocks[i], i, (size_t)(i * 37 + 1));
    }
    for (int i = 0; i < 32; i += 2) {
        free(blocks[i]);
    }
    void *aligned = aligned_alloc(256, 1000);
    int aligned_ok = ((uintptr_t)aligned & 255) == 0;
    char *grown = realloc(blocks[1], 5000);
    int kept = grown[0] == 1 && grown[37] == 1;
    free(grown);
    free(aligned);
    for (int i = 3; i < 32; i += 2) {
        free(blocks[i]);
    }
    printf("heap: leak=%d allocations=%u aligned=%d kept=%d min_below=%d\n", (int)(before - heap->free_bytes),
           (unsigned)heap->allocations, aligned_ok, kept, heap->min_free_bytes < before);
    fflush(stdout);
    return 3;
}
