/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file stdio.h
 * @brief The simulated device's stdio subset: formatted output and unbuffered files over Linux fds.
 *
 * Formats: %s %d %i %u %x %X %p %c %o with l, ll, z, h, hh; width, precision,
 * '0', '-', '+', ' ' and '#'. No floating point.
 *
 * Xtensa: LLVM 22 miscompiles va_arg and loses a7 in va_start, so printf and
 * friends are assembly entries (arch/xtensa/sim_start.S). A variadic function
 * of your own compiled by LLVM can forward its va_list to vprintf and friends
 * as long as its variadic arguments do not start in the sixth argument word.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EOF (-1)
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define BUFSIZ 256

typedef struct sim_file FILE;
typedef long fpos_t;

extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;

int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *stream, const char *format, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
int sprintf(char *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *format, va_list args);
int vfprintf(FILE *stream, const char *format, va_list args);
int vsnprintf(char *buf, size_t size, const char *format, va_list args);
int vsprintf(char *buf, const char *format, va_list args);
int puts(const char *s);
int putchar(int c);
int fputs(const char *s, FILE *stream);
int fputc(int c, FILE *stream);
int putc(int c, FILE *stream);
int fflush(FILE *stream);

FILE *fopen(const char *path, const char *mode);
int fclose(FILE *stream);
size_t fread(void *buf, size_t size, size_t count, FILE *stream);
size_t fwrite(const void *buf, size_t size, size_t count, FILE *stream);
int fseek(FILE *stream, long offset, int whence);
long ftell(FILE *stream);
int fileno(FILE *stream);
int ferror(FILE *stream);
int feof(FILE *stream);
void clearerr(FILE *stream);
int fsync(int fd);

#ifdef __cplusplus
}
#endif
