/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_time_host.c
 * @brief sim_time_us() for host builds with a hosted libc (unit tests).
 */
#define _POSIX_C_SOURCE 199309L
#include <time.h>

#include "sim_time.h"

int64_t sim_time_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}
