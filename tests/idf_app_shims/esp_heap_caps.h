/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_heap_caps.h
 * @brief heap_caps_get_free_size() and the capability bits the sources use.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MALLOC_CAP_SPIRAM  (1 << 10)
#define MALLOC_CAP_DEFAULT (1 << 12)

size_t heap_caps_get_free_size(uint32_t caps);
