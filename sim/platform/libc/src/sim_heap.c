/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_heap.c
 * @brief First-fit allocator with coalescing and ESP-IDF-style statistics.
 *
 * Every block starts with an 8-byte header: its total size (multiple of 8)
 * and, while allocated, a check word derived from its address, so a double
 * free or a foreign pointer aborts loudly instead of corrupting the heap.
 * Free blocks keep an address-ordered list through the second header word.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_heap.h"

#define HDR_SIZE 8u
#define MIN_BLOCK 16u
#define CHECK_SALT 0xA110C8EDu

struct sim_heap_block {
    uint32_t size;
    union {
        sim_heap_block_t *next;  /* free */
        uint32_t check;          /* allocated */
    } u;
};

static uint32_t check_word(const sim_heap_block_t *block)
{
    return (uint32_t)(uintptr_t)block ^ CHECK_SALT;
}

static uintptr_t align_up(uintptr_t v, size_t align)
{
    return (v + align - 1) & ~(uintptr_t)(align - 1);
}

void sim_heap_init(sim_heap_t *heap, void *base, size_t size)
{
    uintptr_t start = align_up((uintptr_t)base, 8);
    uintptr_t end = ((uintptr_t)base + size) & ~(uintptr_t)7;
    memset(heap, 0, sizeof(*heap));
    heap->base = start;
    heap->size = end - start;
    sim_heap_block_t *block = (sim_heap_block_t *)start;
    block->size = (uint32_t)heap->size;
    block->u.next = NULL;
    heap->free_list = block;
    heap->free_bytes = heap->size;
    heap->min_free_bytes = heap->size;
}

static void insert_free(sim_heap_t *heap, sim_heap_block_t *block)
{
    sim_heap_block_t **link = &heap->free_list;
    sim_heap_block_t *prev = NULL;
    while (*link != NULL && *link < block) {
        prev = *link;
        link = &(*link)->u.next;
    }
    block->u.next = *link;
    *link = block;
    sim_heap_block_t *next = block->u.next;
    if (next != NULL && (uintptr_t)block + block->size == (uintptr_t)next) {
        block->size += next->size;
        block->u.next = next->u.next;
    }
    if (prev != NULL && (uintptr_t)prev + prev->size == (uintptr_t)block) {
        prev->size += block->size;
        prev->u.next = block->u.next;
    }
}

void *sim_heap_alloc(sim_heap_t *heap, size_t size, size_t align)
{
    if (align < 8) {
        align = 8;
    }
    if (size > heap->size || (align & (align - 1)) != 0) {
        return NULL;
    }
    size_t need = align_up(size == 0 ? 1 : size, 8);
    sim_heap_block_t **link = &heap->free_list;
    for (sim_heap_block_t *block = *link; block != NULL; link = &block->u.next, block = *link) {
        uintptr_t start = (uintptr_t)block;
        uintptr_t end = start + block->size;
        uintptr_t payload = align_up(start + HDR_SIZE, align);
        if (payload - HDR_SIZE != start && payload - HDR_SIZE - start < MIN_BLOCK) {
            payload = align_up(start + HDR_SIZE + MIN_BLOCK, align);
        }
        if (payload + need > end) {
            continue;
        }
        *link = block->u.next;
        uintptr_t used_start = payload - HDR_SIZE;
        uintptr_t used_end = payload + need;
        if (end - used_end < MIN_BLOCK) {
            used_end = end;
        }
        sim_heap_block_t *used = (sim_heap_block_t *)used_start;
        used->size = (uint32_t)(used_end - used_start);
        used->u.check = check_word(used);
        heap->free_bytes -= used->size;
        if (used_start > start) {
            sim_heap_block_t *lead = (sim_heap_block_t *)start;
            lead->size = (uint32_t)(used_start - start);
            insert_free(heap, lead);
        }
        if (used_end < end) {
            sim_heap_block_t *tail = (sim_heap_block_t *)used_end;
            tail->size = (uint32_t)(end - used_end);
            insert_free(heap, tail);
        }
        if (heap->free_bytes < heap->min_free_bytes) {
            heap->min_free_bytes = heap->free_bytes;
        }
        heap->allocations++;
        return (void *)payload;
    }
    return NULL;
}

bool sim_heap_contains(const sim_heap_t *heap, const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    return p >= heap->base + HDR_SIZE && p < heap->base + heap->size;
}

static sim_heap_block_t *block_of(const void *ptr)
{
    sim_heap_block_t *block = (sim_heap_block_t *)((uintptr_t)ptr - HDR_SIZE);
    if (((uintptr_t)ptr & 7) != 0 || block->u.check != check_word(block)) {
        fprintf(stderr, "sim_heap: free/realloc of %p, which is not an allocated block (double free?)\n", ptr);
        abort();
    }
    return block;
}

void sim_heap_free(sim_heap_t *heap, void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    sim_heap_block_t *block = block_of(ptr);
    heap->free_bytes += block->size;
    heap->allocations--;
    insert_free(heap, block);
}

size_t sim_heap_usable_size(const void *ptr)
{
    return block_of(ptr)->size - HDR_SIZE;
}

size_t sim_heap_largest_free(const sim_heap_t *heap)
{
    size_t largest = 0;
    for (const sim_heap_block_t *block = heap->free_list; block != NULL; block = block->u.next) {
        if (block->size - HDR_SIZE > largest) {
            largest = block->size - HDR_SIZE;
        }
    }
    return largest;
}

/* Before the platform registers the chip's RAM (and in the C library's own tests). */
static uint64_t s_fallback_arena[64 * 1024 / 8];
static sim_heap_t s_fallback;
static sim_heap_t *s_default;
static sim_heap_t *s_heaps[8];
static size_t s_heap_count;

sim_heap_t *sim_heap_default(void)
{
    if (s_default == NULL) {
        sim_heap_init(&s_fallback, s_fallback_arena, sizeof(s_fallback_arena));
        s_default = &s_fallback;
        sim_heap_register(&s_fallback);
    }
    return s_default;
}

void sim_heap_set_default(sim_heap_t *heap)
{
    sim_heap_default();
    s_default = heap;
}

void sim_heap_register(sim_heap_t *heap)
{
    if (s_heap_count == sizeof(s_heaps) / sizeof(s_heaps[0])) {
        fprintf(stderr, "sim_heap: more than %u heaps registered\n", (unsigned)s_heap_count);
        abort();
    }
    s_heaps[s_heap_count++] = heap;
}

sim_heap_t *sim_heap_owner(const void *ptr)
{
    for (size_t i = 0; i < s_heap_count; i++) {
        if (sim_heap_contains(s_heaps[i], ptr)) {
            return s_heaps[i];
        }
    }
    return NULL;
}

void *malloc(size_t size)
{
    return sim_heap_alloc(sim_heap_default(), size, 8);
}

void *aligned_alloc(size_t align, size_t size)
{
    return sim_heap_alloc(sim_heap_default(), size, align);
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    void *ptr = malloc(count * size);
    if (ptr != NULL) {
        memset(ptr, 0, count * size);
    }
    return ptr;
}

static void *(*s_to_data_view)(void *ptr);

void sim_heap_set_alias_resolver(void *(*to_data_view)(void *ptr))
{
    s_to_data_view = to_data_view;
}

/* Any registered heap's pointer may be freed, through either view (ESP-IDF's free() takes
 * heap_caps memory too); *ptr becomes the data-view address. */
static sim_heap_t *owner_of(void **ptr)
{
    sim_heap_t *heap = sim_heap_owner(*ptr);
    if (heap == NULL && s_to_data_view != NULL) {
        *ptr = s_to_data_view(*ptr);
        heap = sim_heap_owner(*ptr);
    }
    if (heap == NULL) {
        fprintf(stderr, "sim_heap: free/realloc of %p, which no heap handed out\n", ptr);
        abort();
    }
    return heap;
}

void free(void *ptr)
{
    if (ptr != NULL) {
        sim_heap_t *heap = owner_of(&ptr);
        sim_heap_free(heap, ptr);
    }
}

void *realloc(void *ptr, size_t size)
{
    if (ptr == NULL) {
        return malloc(size);
    }
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    size_t old = sim_heap_usable_size(ptr);
    if (old >= size) {
        return ptr;
    }
    void *fresh = malloc(size);
    if (fresh != NULL) {
        memcpy(fresh, ptr, old);
        free(ptr);
    }
    return fresh;
}
