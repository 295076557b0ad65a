/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fcntl.h
 * @brief open() and its flags (the target architecture's values: Xtensa differs from asm-generic).
 */
#pragma once

#include <sys/types.h>

#include "sim_sys.h"

#define O_RDONLY SIM_O_RDONLY
#define O_WRONLY SIM_O_WRONLY
#define O_RDWR SIM_O_RDWR
#define O_CREAT SIM_O_CREAT
#define O_TRUNC SIM_O_TRUNC
#define O_NONBLOCK SIM_O_NONBLOCK
#define O_CLOEXEC SIM_O_CLOEXEC

#ifdef __cplusplus
extern "C" {
#endif

int open(const char *path, int flags, ...);

#ifdef __cplusplus
}
#endif
