/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file fw_rt.h
 * @brief System calls and output of the loader test firmware (rv32 and Xtensa Linux user mode).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#if defined(__riscv)
#define FW_NR_OPENAT 56
#define FW_NR_CLOSE 57
#define FW_NR_READ 63
#define FW_NR_WRITE 64
#define FW_NR_EXIT_GROUP 94
#define FW_NR_MMAP2 222
#define FW_NR_MPROTECT 226
#define FW_NR_MEMFD_CREATE 279
#define FW_NR_FTRUNCATE 46
#define FW_MAP_ANONYMOUS 0x20
#elif defined(__XTENSA__)
#define FW_NR_OPENAT 288
#define FW_NR_CLOSE 9
#define FW_NR_READ 12
#define FW_NR_WRITE 13
#define FW_NR_EXIT_GROUP 119
#define FW_NR_MMAP2 80
#define FW_NR_MPROTECT 82
#define FW_NR_MEMFD_CREATE 339
#define FW_NR_FTRUNCATE 23
#define FW_MAP_ANONYMOUS 0x800
#endif
#define FW_AT_FDCWD (-100)
#define FW_PROT_READ 1
#define FW_PROT_WRITE 2
#define FW_PROT_EXEC 4
#define FW_MAP_SHARED 1
#define FW_MAP_PRIVATE 2
#define FW_MAP_FIXED 0x10

long fw_syscall(long nr, long a, long b, long c, long d, long e, long f);
void fw_write(const char *s);
void fw_write_hex(uint32_t v);
void fw_write_int(int32_t v);
__attribute__((noreturn)) void fw_exit(int code);
