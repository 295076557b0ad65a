/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sys/stat.h
 * @brief fstat() reduced to what the simulated device needs: the size of a file.
 */
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct stat {
    off_t st_size;  /*!< bytes */
    mode_t st_mode; /*!< always 0: not reported */
};

/** Size of the open file @p fd (found by seeking to its end and back). */
int fstat(int fd, struct stat *st);

#ifdef __cplusplus
}
#endif
