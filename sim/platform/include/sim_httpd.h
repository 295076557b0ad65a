/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_httpd.h
 * @brief Driving the simulated device's HTTP server (esp_http_server.h) from its one thread.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Serve requests until sim_time_us() reaches @p deadline_us (sleep when no server runs).
 *
 * Returns at the deadline, or earlier once a request has been handled past it.
 */
void sim_httpd_serve_until(int64_t deadline_us);

#ifdef __cplusplus
}
#endif
