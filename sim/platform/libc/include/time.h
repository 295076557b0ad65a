/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file time.h
 * @brief Time types and the monotonic clock of the simulated device.
 */
#pragma once

#include <stdint.h>

typedef int64_t time_t;
typedef long clock_t;

struct timespec {
    time_t tv_sec;
    long tv_nsec;
};

#define CLOCK_MONOTONIC 1
#define CLOCKS_PER_SEC 1000000L

int clock_gettime(int clock_id, struct timespec *ts);
clock_t clock(void);
