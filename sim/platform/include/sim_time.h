/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_time.h
 * @brief Monotonic time for code built outside ESP-IDF (the esp_timer_get_time() equivalent).
 */
#pragma once

#include <stdint.h>

/** Microseconds since an arbitrary start, never going backwards. */
int64_t sim_time_us(void);
