/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_sys.c
 * @brief System call wrappers and process start of the simulated device.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim_sys.h"

int sim_argc;
char **sim_argv;
char **sim_envp;

int main(int argc, char **argv);

/* Called by _start with the initial stack pointer: argc, argv..., NULL, envp..., NULL. */
__attribute__((noreturn)) void sim_start_c(uint32_t *sp);

void sim_start_c(uint32_t *sp)
{
    sim_argc = (int)sp[0];
    sim_argv = (char **)(sp + 1);
    sim_envp = sim_argv + sim_argc + 1;
    int status = main(sim_argc, sim_argv);
    fflush(NULL);
    sim_exit(status);
}

const char *sim_getenv(const char *name)
{
    size_t len = strlen(name);
    for (char **env = sim_envp; env != NULL && *env != NULL; env++) {
        if (strncmp(*env, name, len) == 0 && (*env)[len] == '=') {
            return *env + len + 1;
        }
    }
    return NULL;
}

#define SYS0(nr) sim_syscall((nr), 0, 0, 0, 0, 0, 0)
#define SYS1(nr, a) sim_syscall((nr), (long)(a), 0, 0, 0, 0, 0)
#define SYS2(nr, a, b) sim_syscall((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(nr, a, b, c) sim_syscall((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(nr, a, b, c, d) sim_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS5(nr, a, b, c, d, e) sim_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define SYS6(nr, a, b, c, d, e, f) \
    sim_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

long sim_write(int fd, const void *buf, size_t len)
{
    return SYS3(SIM_NR_WRITE, fd, buf, len);
}

long sim_read(int fd, void *buf, size_t len)
{
    return SYS3(SIM_NR_READ, fd, buf, len);
}

int sim_open(const char *path, int flags, int mode)
{
    return (int)SYS4(SIM_NR_OPENAT, SIM_AT_FDCWD, path, flags, mode);
}

int sim_close(int fd)
{
    return (int)SYS1(SIM_NR_CLOSE, fd);
}

int64_t sim_lseek(int fd, int64_t offset, int whence)
{
    int64_t result = 0;
    long ret = SYS5(SIM_NR_LLSEEK, fd, (uint32_t)((uint64_t)offset >> 32), (uint32_t)offset, &result, whence);
    return ret < 0 ? ret : result;
}

int sim_ftruncate(int fd, uint32_t length)
{
#if defined(__riscv)
    return (int)SYS3(SIM_NR_FTRUNCATE, fd, length, 0);
#else
    return (int)SYS2(SIM_NR_FTRUNCATE, fd, length);
#endif
}

int sim_fsync(int fd)
{
    return (int)SYS1(SIM_NR_FSYNC, fd);
}

void *sim_mmap(void *addr, size_t len, int prot, int flags, int fd, uint32_t offset)
{
    /* mmap2 takes the offset in 4096-byte units on both architectures. */
    return (void *)SYS6(SIM_NR_MMAP2, addr, len, prot, flags, fd, offset / 4096);
}

int sim_mprotect(void *addr, size_t len, int prot)
{
    return (int)SYS3(SIM_NR_MPROTECT, addr, len, prot);
}

int sim_munmap(void *addr, size_t len)
{
    return (int)SYS2(SIM_NR_MUNMAP, addr, len);
}

int sim_memfd_create(const char *name, unsigned flags)
{
    return (int)SYS2(SIM_NR_MEMFD_CREATE, name, flags);
}

int sim_clock_gettime(int clock, sim_timespec64_t *ts)
{
    return (int)SYS2(SIM_NR_CLOCK_GETTIME64, clock, ts);
}

int sim_nanosleep(int64_t ns)
{
    sim_timespec64_t ts = { ns / 1000000000, ns % 1000000000 };
    return (int)SYS4(SIM_NR_CLOCK_NANOSLEEP64, SIM_CLOCK_MONOTONIC, 0, &ts, NULL);
}

int sim_poll(sim_pollfd_t *fds, unsigned nfds, int timeout_ms)
{
    sim_timespec64_t ts = { timeout_ms / 1000, (int64_t)(timeout_ms % 1000) * 1000000 };
    return (int)SYS5(SIM_NR_PPOLL_TIME64, fds, nfds, timeout_ms < 0 ? NULL : &ts, NULL, 0);
}

int sim_socket(int domain, int type, int protocol)
{
    return (int)SYS3(SIM_NR_SOCKET, domain, type, protocol);
}

int sim_setsockopt(int fd, int level, int name, const void *value, unsigned len)
{
    return (int)SYS5(SIM_NR_SETSOCKOPT, fd, level, name, value, len);
}

int sim_bind(int fd, const void *addr, unsigned len)
{
    return (int)SYS3(SIM_NR_BIND, fd, addr, len);
}

int sim_listen(int fd, int backlog)
{
    return (int)SYS2(SIM_NR_LISTEN, fd, backlog);
}

int sim_accept(int fd)
{
    return (int)SYS3(SIM_NR_ACCEPT, fd, NULL, NULL);
}

int sim_getsockname(int fd, void *addr, unsigned *len)
{
    return (int)SYS3(SIM_NR_GETSOCKNAME, fd, addr, len);
}

long sim_send(int fd, const void *buf, size_t len, int flags)
{
    return SYS6(SIM_NR_SENDTO, fd, buf, len, flags, NULL, 0);
}

long sim_recv(int fd, void *buf, size_t len, int flags)
{
    return SYS6(SIM_NR_RECVFROM, fd, buf, len, flags, NULL, NULL);
}

int sim_shutdown(int fd, int how)
{
    return (int)SYS2(SIM_NR_SHUTDOWN, fd, how);
}

int sim_getrandom(void *buf, size_t len)
{
    return (int)SYS3(SIM_NR_GETRANDOM, buf, len, 0);
}

int sim_getpid(void)
{
    return (int)SYS0(SIM_NR_GETPID);
}

void sim_exit(int status)
{
    for (;;) {
        SYS1(SIM_NR_EXIT_GROUP, status);
    }
}
