/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_log_entry.S
 * @brief esp_log_write() entry of the simulated Xtensa device; the core is in src/esp_log.c.
 */
#include "sim_variadic.inc"

    SIM_VARIADIC esp_log_write, sim_esp_log_write_words

    /* No executable stack. */
    .section .note.GNU-stack, "", @progbits
