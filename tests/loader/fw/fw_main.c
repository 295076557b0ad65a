/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fw_main.c
 * @brief Loader test firmware: loads modules with the real loader and calls them through generated stubs.
 *
 * Runs under qemu-riscv32 / qemu-xtensa. Module RAM is one memory file mapped
 * twice at the chip table's data-bus and instruction-bus addresses of its
 * first code region ("split"): the data view is read/write, the instruction
 * view executable only (rv32; Xtensa also needs read for L32R literals), so
 * code that runs from or stores a pointer to the wrong view faults. "flat"
 * maps one read/write/execute view at the data-bus address.
 *
 * usage: fw MODE SYNC v1.so v2.so v3_corrupt.so v3_abi.so v3.so
 * MODE is split or flat; SYNC is sync or nosync (the port's cache sync does
 * nothing, to show what it is for). Prints "ok STEP" or "FAIL STEP ...";
 * exit status is the number of failures.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "esp_err.h"
#include "fw_rt.h"
#include "hr_chip.h"
#include "hr_loader.h"
#include "run_api.h"

/* The instruction view: execute only where the ISA fetches literals separately (rv32);
 * Xtensa L32R reads literals from the code's own view. */
#if defined(__XTENSA__)
#define FW_IBUS_PROT (FW_PROT_READ | FW_PROT_EXEC)
#else
#define FW_IBUS_PROT FW_PROT_EXEC
#endif

extern const hotreload_table_t run_hr_table;

#define ARENA_SIZE (256 * 1024)
#define TEXT_ARENA (128 * 1024)
#define MAX_BLOCKS 32
#define PAGE 4096u
/* How far both views move when the chip's own addresses cannot be mapped (Xtensa, see map_memory). */
#define FW_VIEW_SHIFT 0x01000000u

int32_t fw_base = 1000;
static int s_failures;

int32_t fw_puts(const char *s)
{
    fw_write(s);
    fw_write("\n");
    return (int32_t)strlen(s);
}

/* --- memory port: first fit over two arenas of the mapped memory file ----------------- */

typedef struct {
    uint32_t off;
    uint32_t size;
} span_t;

typedef struct {
    uint8_t *dbus;      /* data view (host pointer == guest address) */
    uint32_t ibus;      /* instruction view address */
    bool split;
    bool sync;
    span_t used[MAX_BLOCKS];
    int count;
} arena_t;

static arena_t s_arena;

static esp_err_t arena_alloc(const hr_mem_port_t *port, hr_region_kind_t kind, size_t size, size_t align,
                             hr_block_t *out)
{
    arena_t *a = port->ctx;
    uint32_t lo = kind == HR_REGION_TEXT ? 0 : TEXT_ARENA;
    uint32_t hi = kind == HR_REGION_TEXT ? TEXT_ARENA : ARENA_SIZE;
    uint32_t pos = lo;
    /* used[] is kept sorted by offset; take the first gap that fits. */
    int at = 0;
    for (;; at++) {
        pos = (pos + (uint32_t)align - 1) & ~((uint32_t)align - 1);
        uint32_t end = at < a->count ? a->used[at].off : hi;
        if (end > hi) {
            end = hi;
        }
        if (pos >= lo && end >= pos && end - pos >= size) {
            break;
        }
        if (at >= a->count) {
            return ESP_ERR_NO_MEM;
        }
        if (a->used[at].off + a->used[at].size > pos) {
            pos = a->used[at].off + a->used[at].size;
        }
    }
    if (a->count == MAX_BLOCKS) {
        return ESP_ERR_NO_MEM;
    }
    for (int i = a->count; i > at; i--) {
        a->used[i] = a->used[i - 1];
    }
    a->used[at] = (span_t) {
        pos, (uint32_t)size
    };
    a->count++;
    out->write_ptr = a->dbus + pos;
    out->run_addr = kind == HR_REGION_TEXT ? a->ibus + pos : (uint32_t)(uintptr_t)(a->dbus + pos);
    out->word_access_only = false;
    return ESP_OK;
}

static void arena_free(const hr_mem_port_t *port, const hr_block_t *block)
{
    arena_t *a = port->ctx;
    uint32_t off = (uint32_t)((uint8_t *)block->write_ptr - a->dbus);
    for (int i = 0; i < a->count; i++) {
        if (a->used[i].off == off) {
            /* Zero bytes are an illegal instruction on both architectures: stale calls trap. */
            memset(a->dbus + off, 0, a->used[i].size);
            for (int j = i; j + 1 < a->count; j++) {
                a->used[j] = a->used[j + 1];
            }
            a->count--;
            return;
        }
    }
    fw_write("FAIL free of an unknown block\n");
    s_failures++;
}

static void arena_sync(const hr_mem_port_t *port, const hr_block_t *block, size_t size)
{
    arena_t *a = port->ctx;
    if (!a->sync || !a->split || block->run_addr == (uint32_t)(uintptr_t)block->write_ptr) {
        return;
    }
    /* QEMU user mode keeps code translated per guest page of the instruction view and
     * never sees stores made through the data view. Taking execute away and giving it
     * back makes it drop those translations, as an instruction-cache sync would. */
    uint32_t start = block->run_addr & ~(PAGE - 1);
    uint32_t end = (block->run_addr + (uint32_t)size + PAGE - 1) & ~(PAGE - 1);
    fw_syscall(FW_NR_MPROTECT, (long)start, (long)(end - start), FW_PROT_READ | FW_PROT_WRITE, 0, 0, 0);
    fw_syscall(FW_NR_MPROTECT, (long)start, (long)(end - start), FW_IBUS_PROT, 0, 0, 0);
}

static const hr_mem_port_t s_port = { .alloc = arena_alloc, .free = arena_free, .sync = arena_sync, .ctx = &s_arena };

/** Map the module RAM views at @p dbus and @p ibus; false if the kernel put them elsewhere. */
static bool map_views(bool split, uint32_t dbus, uint32_t ibus)
{
    if (!split) {
        long p = fw_syscall(FW_NR_MMAP2, (long)dbus, ARENA_SIZE, FW_PROT_READ | FW_PROT_WRITE | FW_PROT_EXEC,
                            FW_MAP_PRIVATE | FW_MAP_FIXED | FW_MAP_ANONYMOUS, -1, 0);
        s_arena.dbus = (uint8_t *)(uintptr_t)p;
        s_arena.ibus = (uint32_t)p;
        return (uint32_t)p == dbus;
    }
    int fd = (int)fw_syscall(FW_NR_MEMFD_CREATE, (long)"module-ram", 0, 0, 0, 0, 0);
    long rc = fd < 0 ? fd : fw_syscall(FW_NR_FTRUNCATE, fd, ARENA_SIZE, 0, 0, 0, 0);
    if (rc < 0) {
        fw_write("memory file: error ");
        fw_write_int((int32_t)rc);
        fw_write("\n");
        return false;
    }
    long d = fw_syscall(FW_NR_MMAP2, (long)dbus, ARENA_SIZE, FW_PROT_READ | FW_PROT_WRITE, FW_MAP_SHARED | FW_MAP_FIXED,
                        fd, 0);
    long i = fw_syscall(FW_NR_MMAP2, (long)ibus, ARENA_SIZE, FW_IBUS_PROT, FW_MAP_SHARED | FW_MAP_FIXED, fd, 0);
    fw_syscall(FW_NR_CLOSE, fd, 0, 0, 0, 0, 0);
    s_arena.dbus = (uint8_t *)(uintptr_t)d;
    s_arena.ibus = (uint32_t)i;
    return (uint32_t)d == dbus && (uint32_t)i == ibus;
}

static bool map_memory(bool split)
{
    const hr_chip_region_t *region = NULL;
    for (size_t i = 0; i < hr_chip_desc.region_count && region == NULL; i++) {
        const hr_chip_region_t *r = &hr_chip_desc.regions[i];
        if ((r->caps & HR_CHIP_CAP_EXEC) && (r->caps & HR_CHIP_CAP_DATA) && !(r->caps & HR_CHIP_CAP_SPIRAM)) {
            region = r;
        }
    }
    if (region == NULL) {
        return false;
    }
    s_arena.split = split;
    if (map_views(split, region->dbus_base, region->ibus_base)) {
        return true;
    }
    /* Xtensa Linux user space ends at 0x40000000 (TASK_SIZE), below every Xtensa chip's
     * instruction bus: map both views lower by the same amount, keeping the I/D offset. */
    fw_write("views moved down by ");
    fw_write_hex(FW_VIEW_SHIFT);
    fw_write(", I/D offset kept\n");
    return map_views(split, region->dbus_base - FW_VIEW_SHIFT, region->ibus_base - FW_VIEW_SHIFT);
}

/* --- module files -------------------------------------------------------------------- */

static uint8_t s_file[64 * 1024];

static size_t read_module(const char *path)
{
    int fd = (int)fw_syscall(FW_NR_OPENAT, FW_AT_FDCWD, (long)path, 0, 0, 0, 0);
    if (fd < 0) {
        return 0;
    }
    size_t total = 0;
    for (;;) {
        long n = fw_syscall(FW_NR_READ, fd, (long)(s_file + total), (long)(sizeof(s_file) - total), 0, 0, 0);
        if (n <= 0) {
            break;
        }
        total += (size_t)n;
    }
    fw_syscall(FW_NR_CLOSE, fd, 0, 0, 0, 0, 0);
    return total;
}

/* --- checks -------------------------------------------------------------------------- */

static void check(const char *step, const char *what, int32_t got, int32_t want)
{
    if (got != want) {
        fw_write("FAIL ");
        fw_write(step);
        fw_write(" ");
        fw_write(what);
        fw_write(" got ");
        fw_write_int(got);
        fw_write(" want ");
        fw_write_int(want);
        fw_write("\n");
        s_failures++;
    }
}

static int32_t fw_callback(int32_t a, int32_t b)
{
    return a * 100 + b;
}

static int32_t fib_ref(int32_t n, int32_t v)
{
    return n < 2 ? n + v - 1 : fib_ref(n - 1, v) + fib_ref(n - 2, v);
}

/** What run_mod.c's rm_switch returns in VERSION @p v. */
static int32_t switch_ref(int32_t x, int32_t v)
{
    static const int32_t base[7] = { 0, 11, 1, 13, 14, 0, 16 };
    static const int32_t mul[7] = { 10, 1, 12, -1, 2, 15, 3 };
    return x >= 0 && x < 7 ? base[x] + mul[x] * v : -1;
}

/** Call every export through its stub and compare with what VERSION @p v computes. */
static void check_version(const char *step, int32_t v, int32_t count_before)
{
    int before = s_failures;
    check(step, "sum10", rm_sum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 385 + v);
    int64_t wide = rm_wide(0x12345678, 0x9abcdef0u);
    check(step, "wide.lo", (int32_t)(uint32_t)wide, (int32_t)(0x9abcdef0u + (uint32_t)v));
    check(step, "wide.hi", (int32_t)(uint32_t)((uint64_t)wide >> 32), 0x12345678);
    struct rm_pair pair = rm_pair(40, 50);
    check(step, "pair.a", pair.a, 40 + v);
    check(step, "pair.b", pair.b, 50 - v);
    struct rm_big big = rm_big(7);
    for (int32_t i = 0; i < 6; i++) {
        check(step, "big", big.w[i], 7 + i * v);
    }
    union {
        double d;
        uint64_t u;
    } in = { .u = 0x400921fb54442d18ull }, out;
    out.d = rm_double(3, in.d);
    check(step, "double", (int32_t)(uint32_t)(out.u - in.u), 3 + v);
    check(step, "fib", rm_fib(12), fib_ref(12, v));
    check(step, "apply", rm_apply(fw_callback, 5), 500 + v + fw_base);
    int32_t (*op)(int32_t) = rm_get_op(1);
    check(step, "get_op", op(20), 40 + v);
    check(step, "count", rm_count(), count_before + 1);
    for (int32_t i = 0; i < 8; i++) {
        check(step, "switch", rm_switch(i), switch_ref(i, v));
    }
    check(step, "greet", rm_greet("World"), 7 + 5 + 100 * v);
#ifdef FW_NO_VARARGS
    check(step, "vsum", rm_vsum(3, 1, 2, 3), 3 + v);
#else
    check(step, "vsum", rm_vsum(4, 1, 2, 3, 4), 10 + v);
#endif
    if (s_failures == before) {
        fw_write("ok ");
        fw_write(step);
        fw_write("\n");
    }
}

static uint32_t s_slots[64];

static esp_err_t load(const char *path, hr_image_t **image)
{
    size_t size = read_module(path);
    if (size == 0) {
        fw_write("FAIL cannot read module\n");
        s_failures++;
        return ESP_FAIL;
    }
    hr_load_params_t params = { .table = &run_hr_table, .firmware_id = NULL, .mem = &s_port };
    return hr_loader_load(s_file, size, &params, s_slots, image);
}

static void expect(const char *step, esp_err_t got, esp_err_t want)
{
    if (got != want) {
        fw_write("FAIL ");
        fw_write(step);
        fw_write(": ");
        fw_write(esp_err_to_name(got));
        fw_write(" want ");
        fw_write(esp_err_to_name(want));
        fw_write("\n");
        s_failures++;
    }
}

static bool streq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

int fw_main(int argc, char **argv)
{
    if (argc != 8) {
        fw_write("usage: fw split|flat sync|nosync v1 v2 v3_corrupt v3_abi v3\n");
        return 100;
    }
    s_arena.sync = streq(argv[2], "sync");
    if (!map_memory(streq(argv[1], "split"))) {
        fw_write("FAIL cannot map module memory at the chip's addresses\n");
        return 100;
    }
    hr_image_t *current = NULL;
    hr_image_t *next = NULL;

    expect("load v1", load(argv[3], &current), ESP_OK);
    if (current == NULL) {
        return s_failures;
    }
    hr_loader_switch(&run_hr_table, s_slots);
    check_version("v1", 1, 100);

    expect("load v2", load(argv[4], &next), ESP_OK);
    if (next == NULL) {
        return s_failures;
    }
    hr_loader_switch(&run_hr_table, s_slots);
    hr_image_free(current);
    current = next;
    check_version("v2", 2, 200);

    next = NULL;
    expect("load corrupt v3", load(argv[5], &next), ESP_ERR_NOT_SUPPORTED);
    check("corrupt v3", "no image", next == NULL, 1);
    check_version("v2 after corrupt v3", 2, 201);

    expect("load v3 with an export renamed", load(argv[6], &next), ESP_ERR_HOTRELOAD_ABI_MISMATCH);
    check_version("v2 after v3 with an export renamed", 2, 202);

    /* v3 is smaller than v1 and lands where v1's code ran. */
    expect("load v3", load(argv[7], &next), ESP_OK);
    if (next == NULL) {
        return s_failures;
    }
    hr_loader_switch(&run_hr_table, s_slots);
    hr_image_free(current);
    current = next;
    check_version("v3", 3, 300);

    hr_loader_poison(&run_hr_table);
    hr_image_free(current);
    for (uint32_t i = 0; i < run_hr_table.count; i++) {
        check("unload", "slot", (int32_t)run_hr_table.slots[i], (int32_t)(uintptr_t)&hotreload_trap_unloaded);
    }
    if (s_arena.count != 0) {
        fw_write("FAIL memory left allocated after unload\n");
        s_failures++;
    }
    fw_write(s_failures == 0 ? "done\n" : "done with failures\n");
    return s_failures;
}

void fw_start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    fw_exit(fw_main(argc, argv));
}
