/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sim_mem.h
 * @brief The simulated chip's RAM: each internal region of the chip table
 *        (src/chip/<target>/hr_chip.c) is one range of a memory file, mapped
 *        read/write at its data-bus address and read/execute at its
 *        instruction-bus address, so code through the data view and stores
 *        through the instruction view fault as they would on the chip.
 *
 * QEMU user mode caches translated code per guest page and does not notice
 * stores through the other view; sim_mem_invalidate_code() makes it drop
 * them (heap_caps does that whenever it hands out executable memory).
 * Addresses near 0x40000000 are where qemu-user puts the guest stack by
 * default; run the device with a 1 MiB stack (`qemu-* -s 1M`).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Map every internal region of hr_chip_desc and make malloc() use its RAM. */
esp_err_t sim_mem_init(void);

/** Make QEMU forget translated code in [ibus_addr, ibus_addr + size) (page granular). */
void sim_mem_invalidate_code(uint32_t ibus_addr, size_t size);

#ifdef __cplusplus
}
#endif
