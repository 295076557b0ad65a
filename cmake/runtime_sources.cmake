# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# The chip-independent runtime sources, relative to the component root: the one
# list that the ESP-IDF component (CMakeLists.txt) and the simulated device
# (sim/firmware/CMakeLists.txt) both compile. Per-chip and per-architecture
# files and the platform ports are added by each of them.
set(HOTRELOAD_RUNTIME_SOURCES
    src/hr_api.c
    src/hr_auth.c
    src/hr_hmac.c
    src/hr_http.c
    src/hr_link.c
    src/hr_load.c
    src/hr_mem.c
    src/hr_multipart.c
    src/hr_respond.c
    src/hr_store.c
    src/hr_upload.c)
