/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sys/types.h
 * @brief POSIX scalar types of the simulated device.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef int ssize_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned mode_t;
