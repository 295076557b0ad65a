/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file esp_log.c
 * @brief ESP-IDF-style log lines on stdout for host tests and the simulated device.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "sim_time.h"

static esp_log_level_t s_threshold = ESP_LOG_INFO;

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    /* One threshold for every tag: the runtime uses three tags and tests want all or nothing. */
    (void)tag;
    s_threshold = level;
}

uint32_t esp_log_timestamp(void)
{
    return (uint32_t)(sim_time_us() / 1000);
}

static bool log_prefix(esp_log_level_t level, const char *tag)
{
    static const char letters[] = "NEWIDV";
    if (level > s_threshold || level == ESP_LOG_NONE) {
        return false;
    }
    printf("%c (%u) %s: ", letters[level], (unsigned)esp_log_timestamp(), tag);
    return true;
}

#if defined(__XTENSA__)
#include "sim_args.h"

/* The simulated Xtensa device: esp_log_write is an assembly entry (LLVM's
 * Xtensa va_arg is broken) that passes its argument words here. */
void sim_esp_log_write_words(const uint32_t *regs, const uint32_t *stack);

void sim_esp_log_write_words(const uint32_t *regs, const uint32_t *stack)
{
    if (!log_prefix((esp_log_level_t)regs[0], (const char *)(uintptr_t)regs[1])) {
        return;
    }
    sim_args_t args = sim_args_from_words(regs, stack, 3);
    sim_format_args(stdout, (const char *)(uintptr_t)regs[2], &args);
    printf("\n");
    fflush(stdout);
}
#else
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    if (!log_prefix(level, tag)) {
        return;
    }
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
}
#endif
