/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_sys.h
 * @brief Raw Linux system calls for the simulated device (no hosted libc exists for it).
 *
 * The device runs as a Linux user-mode process under qemu-riscv32 or
 * qemu-xtensa. rv32 Linux uses the generic system call table with 64-bit time
 * only; Xtensa Linux has its own table (arch/xtensa/kernel/syscalls/syscall.tbl).
 * Every wrapper returns the kernel's result: >= 0 on success, -errno on failure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__riscv)
#define SIM_NR_OPENAT              56
#define SIM_NR_CLOSE               57
#define SIM_NR_LLSEEK              62
#define SIM_NR_READ                63
#define SIM_NR_WRITE               64
#define SIM_NR_FSYNC               82
#define SIM_NR_EXIT_GROUP          94
#define SIM_NR_GETPID              172
#define SIM_NR_SOCKET              198
#define SIM_NR_BIND                200
#define SIM_NR_LISTEN              201
#define SIM_NR_ACCEPT              202
#define SIM_NR_GETSOCKNAME         204
#define SIM_NR_SENDTO              206
#define SIM_NR_RECVFROM            207
#define SIM_NR_SETSOCKOPT          208
#define SIM_NR_SHUTDOWN            210
#define SIM_NR_MUNMAP              215
#define SIM_NR_MMAP2               222
#define SIM_NR_MPROTECT            226
#define SIM_NR_GETRANDOM           278
#define SIM_NR_MEMFD_CREATE        279
#define SIM_NR_FTRUNCATE           46   /* ftruncate64: 64-bit length in two registers, low first */
#elif defined(__XTENSA__)
#define SIM_NR_CLOSE               9
#define SIM_NR_READ                12
#define SIM_NR_WRITE               13
#define SIM_NR_LLSEEK              17
#define SIM_NR_FTRUNCATE           23   /* 32-bit length */
#define SIM_NR_FSYNC               26
#define SIM_NR_MMAP2               80
#define SIM_NR_MUNMAP              81
#define SIM_NR_MPROTECT            82
#define SIM_NR_SOCKET              96
#define SIM_NR_SETSOCKOPT          97
#define SIM_NR_SHUTDOWN            99
#define SIM_NR_BIND                100
#define SIM_NR_LISTEN              102
#define SIM_NR_ACCEPT              103
#define SIM_NR_GETSOCKNAME         104
#define SIM_NR_SENDTO              110
#define SIM_NR_RECVFROM            111
#define SIM_NR_EXIT_GROUP          119
#define SIM_NR_GETPID              120
#define SIM_NR_OPENAT              288
#define SIM_NR_GETRANDOM           338
#define SIM_NR_MEMFD_CREATE        339
#else
#error "sim_sys.h: the simulated device runs on rv32 or Xtensa Linux only"
#endif
/* The 64-bit time calls have the same numbers on every 32-bit architecture. */
#define SIM_NR_CLOCK_GETTIME64     403
#define SIM_NR_CLOCK_NANOSLEEP64   407
#define SIM_NR_PPOLL_TIME64        414

/** @name Linux constants the platform uses (asm-generic values; Xtensa's differ where noted, checked under qemu-xtensa -strace)
 * @{
 */
#define SIM_AT_FDCWD       (-100)
#define SIM_O_RDONLY       0
#define SIM_O_WRONLY       1
#define SIM_O_RDWR         2
#define SIM_O_CREAT        0x40
#define SIM_O_TRUNC        0x200
#if defined(__XTENSA__)
#define SIM_O_NONBLOCK     0x80
#define SIM_MAP_ANONYMOUS  0x800
#else
#define SIM_O_NONBLOCK     0x800
#define SIM_MAP_ANONYMOUS  0x20
#endif
#define SIM_O_CLOEXEC      0x80000
#define SIM_SEEK_SET       0
#define SIM_SEEK_CUR       1
#define SIM_SEEK_END       2
#define SIM_PROT_NONE      0
#define SIM_PROT_READ      1
#define SIM_PROT_WRITE     2
#define SIM_PROT_EXEC      4
#define SIM_MAP_SHARED     1
#define SIM_MAP_PRIVATE    2
#define SIM_MAP_FIXED      0x10
#define SIM_CLOCK_MONOTONIC 1
#define SIM_AF_INET        2
#define SIM_SOCK_STREAM    1
#define SIM_SOL_SOCKET     1
#define SIM_SO_REUSEADDR   2
#define SIM_IPPROTO_TCP    6
#define SIM_TCP_NODELAY    1
#define SIM_MSG_NOSIGNAL   0x4000
#define SIM_MSG_DONTWAIT   0x40
#define SIM_POLLIN         0x0001
#define SIM_POLLOUT        0x0004
#define SIM_POLLERR        0x0008
#define SIM_POLLHUP        0x0010
#define SIM_SHUT_RDWR      2
#define SIM_EINTR          4
#define SIM_EAGAIN         11
/** @} */

/** struct timespec with 64-bit seconds (what the *_time64 calls take). */
typedef struct {
    int64_t tv_sec;
    int64_t tv_nsec;
} sim_timespec64_t;

/** struct sockaddr_in. */
typedef struct {
    uint16_t sin_family;
    uint16_t sin_port;  /*!< network byte order */
    uint32_t sin_addr;  /*!< network byte order */
    uint8_t sin_zero[8];
} sim_sockaddr_in_t;

/** struct pollfd. */
typedef struct {
    int fd;
    int16_t events;
    int16_t revents;
} sim_pollfd_t;

/** Enter the kernel: @p nr with up to six arguments (arch-specific register mapping). */
long sim_syscall(long nr, long a, long b, long c, long d, long e, long f);

long sim_write(int fd, const void *buf, size_t len);
long sim_read(int fd, void *buf, size_t len);
int sim_open(const char *path, int flags, int mode);
int sim_close(int fd);
/** Seek with a 64-bit offset (_llseek); returns the new position or -errno. */
int64_t sim_lseek(int fd, int64_t offset, int whence);
int sim_ftruncate(int fd, uint32_t length);
int sim_fsync(int fd);
void *sim_mmap(void *addr, size_t len, int prot, int flags, int fd, uint32_t offset);
int sim_mprotect(void *addr, size_t len, int prot);
int sim_munmap(void *addr, size_t len);
int sim_memfd_create(const char *name, unsigned flags);
int sim_clock_gettime(int clock, sim_timespec64_t *ts);
int sim_nanosleep(int64_t ns);
int sim_poll(sim_pollfd_t *fds, unsigned nfds, int timeout_ms);
int sim_socket(int domain, int type, int protocol);
int sim_setsockopt(int fd, int level, int name, const void *value, unsigned len);
int sim_bind(int fd, const void *addr, unsigned len);
int sim_listen(int fd, int backlog);
int sim_accept(int fd);
int sim_getsockname(int fd, void *addr, unsigned *len);
long sim_send(int fd, const void *buf, size_t len, int flags);
long sim_recv(int fd, void *buf, size_t len, int flags);
int sim_shutdown(int fd, int how);
int sim_getrandom(void *buf, size_t len);
int sim_getpid(void);
/** Terminate the process with @p status (exit_group). */
__attribute__((noreturn)) void sim_exit(int status);

/** Process arguments and environment as the kernel passed them. */
extern int sim_argc;
extern char **sim_argv;
extern char **sim_envp;

/** Value of environment variable @p name, or NULL. */
const char *sim_getenv(const char *name);

/** Host byte order to network (big-endian) 16-bit. */
static inline uint16_t sim_htons(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}

#ifdef __cplusplus
}
#endif
