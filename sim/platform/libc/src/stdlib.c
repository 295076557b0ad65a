/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file stdlib.c
 * @brief Conversions, sorting, process control and the POSIX calls of the simulated device.
 */
#include <assert.h>
#include <stdarg.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim_sys.h"

int errno;

void abort(void)
{
    fflush(stdout);
    fputs("abort() was called\n", stderr);
    /* 134 = 128 + SIGABRT, what a shell reports for an aborted process. */
    sim_exit(134);
}

void exit(int status)
{
    fflush(stdout);
    sim_exit(status);
}

void __assert_func(const char *file, int line, const char *func, const char *expr)
{
    fflush(stdout);
    fprintf(stderr, "assert failed: %s %s:%d (%s)\n", func, file, line, expr);
    abort();
}

char *getenv(const char *name)
{
    return (char *)sim_getenv(name);
}

static unsigned long long parse_unsigned(const char *s, char **end, int base, bool *negative, bool *overflow)
{
    const char *p = s;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    *negative = false;
    if (*p == '-' || *p == '+') {
        *negative = *p == '-';
        p++;
    }
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    unsigned long long value = 0;
    const char *digits_start = p;
    *overflow = false;
    for (;; p++) {
        int digit;
        if (isdigit((unsigned char)*p)) {
            digit = *p - '0';
        } else if (isalpha((unsigned char)*p)) {
            digit = tolower((unsigned char)*p) - 'a' + 10;
        } else {
            break;
        }
        if (digit >= base) {
            break;
        }
        if (value > (ULLONG_MAX - (unsigned)digit) / (unsigned)base) {
            *overflow = true;
        }
        value = value * (unsigned)base + (unsigned)digit;
    }
    if (end != NULL) {
        *end = (char *)(p == digits_start ? s : p);
    }
    return value;
}

long long strtoll(const char *s, char **end, int base)
{
    bool negative;
    bool overflow;
    unsigned long long v = parse_unsigned(s, end, base, &negative, &overflow);
    if (overflow || v > (unsigned long long)LLONG_MAX + negative) {
        errno = ERANGE;
        return negative ? LLONG_MIN : LLONG_MAX;
    }
    return negative ? (long long)(0 - v) : (long long)v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
    bool negative;
    bool overflow;
    unsigned long long v = parse_unsigned(s, end, base, &negative, &overflow);
    if (overflow) {
        errno = ERANGE;
        return ULLONG_MAX;
    }
    return negative ? 0 - v : v;
}

long strtol(const char *s, char **end, int base)
{
    long long v = strtoll(s, end, base);
    if (v > LONG_MAX || v < LONG_MIN) {
        errno = ERANGE;
        return v > 0 ? LONG_MAX : LONG_MIN;
    }
    return (long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    unsigned long long v = strtoull(s, end, base);
    if (v > ULONG_MAX) {
        errno = ERANGE;
        return ULONG_MAX;
    }
    return (unsigned long)v;
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
    return strtol(s, NULL, 10);
}

int abs(int v)
{
    return v < 0 ? -v : v;
}

long labs(long v)
{
    return v < 0 ? -v : v;
}

static uint32_t s_rand_state = 1;

int rand(void)
{
    s_rand_state = s_rand_state * 1103515245u + 12345u;
    return (int)((s_rand_state >> 1) & RAND_MAX);
}

void srand(unsigned seed)
{
    s_rand_state = seed;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Insertion sort: the device sorts a handful of names at most. */
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    uint8_t *items = base;
    for (size_t i = 1; i < count; i++) {
        for (size_t j = i; j > 0 && compare(items + (j - 1) * size, items + j * size) > 0; j--) {
            swap_bytes(items + (j - 1) * size, items + j * size, size);
        }
    }
}

void *bsearch(const void *key, const void *base, size_t count, size_t size,
              int (*compare)(const void *, const void *))
{
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const void *item = (const uint8_t *)base + mid * size;
        int c = compare(key, item);
        if (c == 0) {
            return (void *)item;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

/* ---- POSIX subset ------------------------------------------------------------ */

static long set_errno(long ret)
{
    if (ret < 0 && ret > -4096) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

ssize_t read(int fd, void *buf, size_t len)
{
    return (ssize_t)set_errno(sim_read(fd, buf, len));
}

ssize_t write(int fd, const void *buf, size_t len)
{
    return (ssize_t)set_errno(sim_write(fd, buf, len));
}

static int open_core(const char *path, int flags, int mode)
{
    return (int)set_errno(sim_open(path, flags, mode));
}

#if defined(__XTENSA__)
/* open() is an assembly entry on Xtensa (arch/xtensa/sim_start.S); this is its core. */
int sim_open_words(const uint32_t *regs, const uint32_t *stack);

int sim_open_words(const uint32_t *regs, const uint32_t *stack)
{
    (void)stack;
    return open_core((const char *)(uintptr_t)regs[0], (int)regs[1], (int)regs[2]);
}
#else
int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    /* Read even without O_CREAT: the value is then ignored by the kernel. */
    int mode = va_arg(ap, int);
    va_end(ap);
    return open_core(path, flags, mode);
}
#endif

/* Positioned I/O as seek + transfer + seek back: the device is one thread. */
static ssize_t positioned(int fd, void *buf, size_t len, off_t offset, bool is_write)
{
    int64_t saved = sim_lseek(fd, 0, SIM_SEEK_CUR);
    if (saved < 0) {
        return (ssize_t)set_errno((long)saved);
    }
    int64_t pos = sim_lseek(fd, offset, SIM_SEEK_SET);
    if (pos < 0) {
        return (ssize_t)set_errno((long)pos);
    }
    long n = is_write ? sim_write(fd, buf, len) : sim_read(fd, buf, len);
    sim_lseek(fd, saved, SIM_SEEK_SET);
    return (ssize_t)set_errno(n);
}

ssize_t pread(int fd, void *buf, size_t len, off_t offset)
{
    return positioned(fd, buf, len, offset, false);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    return positioned(fd, (void *)(uintptr_t)buf, len, offset, true);
}

int fstat(int fd, struct stat *st)
{
    int64_t saved = sim_lseek(fd, 0, SIM_SEEK_CUR);
    int64_t end = saved < 0 ? saved : sim_lseek(fd, 0, SIM_SEEK_END);
    if (end < 0) {
        return (int)set_errno((long)end);
    }
    sim_lseek(fd, saved, SIM_SEEK_SET);
    st->st_size = (off_t)end;
    st->st_mode = 0;
    return 0;
}

int close(int fd)
{
    return (int)set_errno(sim_close(fd));
}

off_t lseek(int fd, off_t offset, int whence)
{
    int64_t pos = sim_lseek(fd, offset, whence);
    return pos < 0 ? (off_t)set_errno((long)pos) : (off_t)pos;
}

int fsync(int fd)
{
    return (int)set_errno(sim_fsync(fd));
}

int usleep(unsigned usec)
{
    return (int)set_errno(sim_nanosleep((int64_t)usec * 1000));
}

unsigned sleep(unsigned sec)
{
    sim_nanosleep((int64_t)sec * 1000000000);
    return 0;
}

int clock_gettime(int clock_id, struct timespec *ts)
{
    sim_timespec64_t now;
    int ret = sim_clock_gettime(clock_id, &now);
    if (ret < 0) {
        return (int)set_errno(ret);
    }
    ts->tv_sec = now.tv_sec;
    ts->tv_nsec = (long)now.tv_nsec;
    return 0;
}

clock_t clock(void)
{
    sim_timespec64_t now;
    sim_clock_gettime(SIM_CLOCK_MONOTONIC, &now);
    return (clock_t)(now.tv_sec * 1000000 + now.tv_nsec / 1000);
}
