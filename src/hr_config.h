/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file hr_config.h
 * @brief Kconfig values the runtime reads, with the same defaults outside ESP-IDF (internal).
 *
 * ESP-IDF builds take everything from sdkconfig.h (Kconfig). Builds without
 * an sdkconfig.h (host tests, a simulated device that has none) get the
 * Kconfig defaults, which come from hotreload_py/protocol.py via hr_protocol.h.
 */
#pragma once

#include "hr_protocol.h"

#if defined(__has_include)
#if __has_include("sdkconfig.h")
#include "sdkconfig.h"
#define HR_CONFIG_FROM_SDKCONFIG 1
#endif
#endif

#ifndef CONFIG_HOTRELOAD_PARTITION_LABEL
#define CONFIG_HOTRELOAD_PARTITION_LABEL HR_PROTO_DEFAULT_PARTITION_LABEL
#endif
#ifndef CONFIG_HOTRELOAD_MAX_MODULE_SIZE
#define CONFIG_HOTRELOAD_MAX_MODULE_SIZE HR_PROTO_DEFAULT_MAX_MODULE_SIZE
#endif
#ifndef CONFIG_HOTRELOAD_SERVER_PORT
#define CONFIG_HOTRELOAD_SERVER_PORT HR_PROTO_DEFAULT_PORT
#endif
#ifndef CONFIG_HOTRELOAD_MAX_HOOKS
#define CONFIG_HOTRELOAD_MAX_HOOKS 4
#endif
#ifndef CONFIG_HOTRELOAD_RECV_TIMEOUT_S
#define CONFIG_HOTRELOAD_RECV_TIMEOUT_S 10
#endif

/* Booleans and choices: absent from sdkconfig.h when off, so only default them without one. */
#ifndef HR_CONFIG_FROM_SDKCONFIG
#define CONFIG_HOTRELOAD_AUTH 1
#define CONFIG_HOTRELOAD_DEFAULT_MODE_COOPERATIVE 1
#define CONFIG_HOTRELOAD_LOG_LEVEL 3
#endif

#if CONFIG_HOTRELOAD_AUTH
#define HR_CONFIG_AUTH 1
#else
#define HR_CONFIG_AUTH 0
#endif

#if CONFIG_HOTRELOAD_DEFAULT_MODE_IMMEDIATE
#define HR_CONFIG_DEFAULT_MODE HOTRELOAD_MODE_IMMEDIATE
#else
#define HR_CONFIG_DEFAULT_MODE HOTRELOAD_MODE_COOPERATIVE
#endif

#ifndef CONFIG_HOTRELOAD_LOG_LEVEL
#define CONFIG_HOTRELOAD_LOG_LEVEL 3
#endif
