/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file unistd.h
 * @brief The few POSIX calls the simulated device offers.
 */
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

ssize_t read(int fd, void *buf, size_t len);
ssize_t write(int fd, const void *buf, size_t len);
ssize_t pread(int fd, void *buf, size_t len, off_t offset);
ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset);
int close(int fd);
off_t lseek(int fd, off_t offset, int whence);
int fsync(int fd);
int usleep(unsigned usec);
unsigned sleep(unsigned sec);

#ifdef __cplusplus
}
#endif
