/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_heap.h
 * @brief First-fit allocator over one block of memory, with the statistics
 *        ESP-IDF's heap reports (free bytes, minimum free, allocations).
 *
 * One instance per memory region of the simulated chip; malloc() and
 * heap_caps_*() pick the instance. Not thread-safe: the device is one thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_heap_block sim_heap_block_t;

/** One heap. Fields other than the statistics are private. */
typedef struct {
    uintptr_t base;             /*!< first byte managed */
    size_t size;                /*!< bytes managed */
    sim_heap_block_t *free_list; /*!< free blocks, ascending addresses */
    size_t free_bytes;          /*!< bytes in free blocks (payload + headers) */
    size_t min_free_bytes;      /*!< lowest free_bytes ever seen */
    size_t allocations;         /*!< blocks currently allocated */
} sim_heap_t;

/** Manage [base, base + size) (aligned inward to 8 bytes). */
void sim_heap_init(sim_heap_t *heap, void *base, size_t size);
/** @p size bytes aligned to @p align (a power of two), or NULL. */
void *sim_heap_alloc(sim_heap_t *heap, size_t size, size_t align);
/** Free a pointer from sim_heap_alloc on this heap; aborts on a pointer it never handed out. */
void sim_heap_free(sim_heap_t *heap, void *ptr);
/** Usable bytes of an allocated block. */
size_t sim_heap_usable_size(const void *ptr);
/** Whether @p ptr lies inside the heap's memory. */
bool sim_heap_contains(const sim_heap_t *heap, const void *ptr);
/** Largest block that one allocation could get. */
size_t sim_heap_largest_free(const sim_heap_t *heap);

/** The heap malloc() uses (set by the platform; a static fallback arena before that). */
sim_heap_t *sim_heap_default(void);
/** Make @p heap (registered already) the one malloc() uses. */
void sim_heap_set_default(sim_heap_t *heap);
/** Let free() and realloc() accept pointers from @p heap (at most 8 heaps). */
void sim_heap_register(sim_heap_t *heap);
/** Let free() take pointers of another view of heap memory: @p to_data_view maps them back. */
void sim_heap_set_alias_resolver(void *(*to_data_view)(void *ptr));
/** The registered heap that holds @p ptr, or NULL. */
sim_heap_t *sim_heap_owner(const void *ptr);

#ifdef __cplusplus
}
#endif
