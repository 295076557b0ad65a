/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file libgcc_xtensa.c
 * @brief The 64-bit integer helpers clang calls on Xtensa (libgcc is not
 *        available for the windowed ABI here).
 *
 * Written with 32-bit operations only, so the compiler never turns them
 * into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>

typedef union {
    uint64_t u;
    int64_t s;
    struct {
        uint32_t lo;
        uint32_t hi;
    } w;
} dword_t;

uint64_t __ashldi3(uint64_t a, int b);
int64_t __ashrdi3(int64_t a, int b);
uint64_t __lshrdi3(uint64_t a, int b);
uint64_t __muldi3(uint64_t a, uint64_t b);
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);
int __cmpdi2(int64_t a, int64_t b);
int __ucmpdi2(uint64_t a, uint64_t b);
int64_t __negdi2(int64_t a);

uint64_t __ashldi3(uint64_t a, int b)
{
    dword_t v = { .u = a };
    dword_t r;
    if (b == 0) {
        return a;
    }
    if (b >= 32) {
        r.w.lo = 0;
        r.w.hi = v.w.lo << (b - 32);
    } else {
        r.w.lo = v.w.lo << b;
        r.w.hi = (v.w.hi << b) | (v.w.lo >> (32 - b));
    }
    return r.u;
}

uint64_t __lshrdi3(uint64_t a, int b)
{
    dword_t v = { .u = a };
    dword_t r;
    if (b == 0) {
        return a;
    }
    if (b >= 32) {
        r.w.hi = 0;
        r.w.lo = v.w.hi >> (b - 32);
    } else {
        r.w.hi = v.w.hi >> b;
        r.w.lo = (v.w.lo >> b) | (v.w.hi << (32 - b));
    }
    return r.u;
}

int64_t __ashrdi3(int64_t a, int b)
{
    dword_t v = { .s = a };
    dword_t r;
    if (b == 0) {
        return a;
    }
    if (b >= 32) {
        r.w.hi = (uint32_t)((int32_t)v.w.hi >> 31);
        r.w.lo = (uint32_t)((int32_t)v.w.hi >> (b - 32));
    } else {
        r.w.hi = (uint32_t)((int32_t)v.w.hi >> b);
        r.w.lo = (v.w.lo >> b) | (v.w.hi << (32 - b));
    }
    return r.s;
}

/* 32 x 32 -> 64 from 16-bit halves (the core has no MUL32HIGH under QEMU).
 * optnone: the optimiser recognises this as a 64-bit multiply and would
 * call __muldi3 from inside __muldi3. */
__attribute__((optnone, noinline)) static uint64_t mul_32x32(uint32_t a, uint32_t b)
{
    uint32_t a_lo = a & 0xFFFF;
    uint32_t a_hi = a >> 16;
    uint32_t b_lo = b & 0xFFFF;
    uint32_t b_hi = b >> 16;
    uint32_t lo_lo = a_lo * b_lo;
    uint32_t hi_lo = a_hi * b_lo;
    uint32_t lo_hi = a_lo * b_hi;
    uint32_t hi_hi = a_hi * b_hi;
    uint32_t cross = (lo_lo >> 16) + (hi_lo & 0xFFFF) + lo_hi;
    dword_t r;
    r.w.lo = (cross << 16) | (lo_lo & 0xFFFF);
    r.w.hi = hi_hi + (hi_lo >> 16) + (cross >> 16);
    return r.u;
}

uint64_t __muldi3(uint64_t a, uint64_t b)
{
    dword_t x = { .u = a };
    dword_t y = { .u = b };
    dword_t r = { .u = mul_32x32(x.w.lo, y.w.lo) };
    r.w.hi += x.w.lo * y.w.hi + x.w.hi * y.w.lo;
    return r.u;
}

static int clz64(dword_t v)
{
    int n = 0;
    uint32_t word = v.w.hi;
    if (word == 0) {
        n = 32;
        word = v.w.lo;
    }
    if (word == 0) {
        return 64;
    }
    while ((word & 0x80000000u) == 0) {
        word <<= 1;
        n++;
    }
    return n;
}

static int less_u64(dword_t a, dword_t b)
{
    return a.w.hi < b.w.hi || (a.w.hi == b.w.hi && a.w.lo < b.w.lo);
}

static dword_t sub_u64(dword_t a, dword_t b)
{
    dword_t r;
    r.w.lo = a.w.lo - b.w.lo;
    r.w.hi = a.w.hi - b.w.hi - (a.w.lo < b.w.lo);
    return r;
}

/* Shift-subtract division, one quotient bit per step from the top bit of n that d can reach. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    dword_t num = { .u = n };
    dword_t den = { .u = d };
    dword_t quot = { .u = 0 };
    if (den.w.hi == 0 && den.w.lo == 0) {
        /* Division by zero is undefined; answer like the hardware divider does: all ones. */
        if (rem != NULL) {
            *rem = n;
        }
        return ~(uint64_t)0;
    }
    if (less_u64(num, den)) {
        if (rem != NULL) {
            *rem = n;
        }
        return 0;
    }
    if (num.w.hi == 0 && den.w.hi == 0) {
        if (rem != NULL) {
            *rem = num.w.lo % den.w.lo;
        }
        return num.w.lo / den.w.lo;
    }
    int shift = clz64(den) - clz64(num);
    dword_t shifted = { .u = __ashldi3(den.u, shift) };
    for (int i = 0; i <= shift; i++) {
        quot.u = __ashldi3(quot.u, 1);
        if (!less_u64(num, shifted)) {
            num = sub_u64(num, shifted);
            quot.w.lo |= 1;
        }
        shifted.u = __lshrdi3(shifted.u, 1);
    }
    if (rem != NULL) {
        *rem = num.u;
    }
    return quot.u;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    return __udivmoddi4(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    __udivmoddi4(n, d, &r);
    return r;
}

int64_t __negdi2(int64_t a)
{
    dword_t v = { .s = a };
    dword_t r;
    r.w.lo = ~v.w.lo + 1;
    r.w.hi = ~v.w.hi + (r.w.lo == 0);
    return r.s;
}

static uint64_t magnitude(int64_t v)
{
    dword_t d = { .s = v };
    return (d.w.hi & 0x80000000u) ? (uint64_t)__negdi2(v) : (uint64_t)v;
}

static int is_negative(int64_t v)
{
    dword_t d = { .s = v };
    return (d.w.hi & 0x80000000u) != 0;
}

int64_t __divdi3(int64_t n, int64_t d)
{
    uint64_t q = __udivmoddi4(magnitude(n), magnitude(d), 0);
    return (is_negative(n) != is_negative(d)) ? __negdi2((int64_t)q) : (int64_t)q;
}

int64_t __moddi3(int64_t n, int64_t d)
{
    uint64_t r;
    __udivmoddi4(magnitude(n), magnitude(d), &r);
    return is_negative(n) ? __negdi2((int64_t)r) : (int64_t)r;
}

int __ucmpdi2(uint64_t a, uint64_t b)
{
    dword_t x = { .u = a };
    dword_t y = { .u = b };
    if (x.w.hi != y.w.hi) {
        return x.w.hi < y.w.hi ? 0 : 2;
    }
    if (x.w.lo != y.w.lo) {
        return x.w.lo < y.w.lo ? 0 : 2;
    }
    return 1;
}

int __cmpdi2(int64_t a, int64_t b)
{
    dword_t x = { .s = a };
    dword_t y = { .s = b };
    if (x.w.hi != y.w.hi) {
        return (int32_t)x.w.hi < (int32_t)y.w.hi ? 0 : 2;
    }
    if (x.w.lo != y.w.lo) {
        return x.w.lo < y.w.lo ? 0 : 2;
    }
    return 1;
}
