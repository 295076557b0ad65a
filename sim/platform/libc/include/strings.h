/*
 * SPDX-FileCopyrightText: 2026 hotreload authors
 * SPDX-License-Identifier: MIT
 */
/**
 * @file strings.h
 * @brief strcasecmp() and friends (declared in string.h).
 */
#pragma once

#include <string.h>
