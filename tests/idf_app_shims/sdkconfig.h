/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file sdkconfig.h
 * @brief Empty project configuration; tests pass CONFIG_* with -D.
 */
#pragma once
