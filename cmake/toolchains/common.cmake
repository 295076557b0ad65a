# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# Shared part of the standalone cross toolchain files (rv32-gcc.cmake,
# xtensa-windowed-clang.cmake, xtensa-call0-gcc.cmake). The including file sets
# HOTRELOAD_TOOLCHAIN (a key of hotreload_py.toolchains.TOOLCHAINS), HOTRELOAD_ARCH,
# HOTRELOAD_ABI, HOTRELOAD_TARGET and __hotreload_binutils (the GNU binutils prefix).
#
# The compiler is bin/hotreload-cc-<toolchain>, which runs
# `python -m hotreload_py.toolchains cc <toolchain>`: the exact compiler steps
# live in toolchains.py only. Set HOTRELOAD_PYTHON in the environment to pick the
# interpreter (default python3).

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR ${HOTRELOAD_ARCH})

set(CMAKE_C_COMPILER ${CMAKE_CURRENT_LIST_DIR}/bin/hotreload-cc-${HOTRELOAD_TOOLCHAIN})
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})

# The compiler wrapper hides the binutils prefix from CMake, so name every tool.
foreach(__hotreload_tool LINKER:ld OBJCOPY:objcopy OBJDUMP:objdump AR:ar RANLIB:ranlib NM:nm STRIP:strip READELF:readelf)
    string(REPLACE ":" ";" __hotreload_tool "${__hotreload_tool}")
    list(GET __hotreload_tool 0 __hotreload_var)
    list(GET __hotreload_tool 1 __hotreload_exe)
    find_program(CMAKE_${__hotreload_var} ${__hotreload_binutils}${__hotreload_exe} REQUIRED)
endforeach()

# Bare-metal toolchains cannot link a test program without the project's own
# start-up code and libraries.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
