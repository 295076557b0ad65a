# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# ESP-IDF includes this file before any component's CMakeLists.txt. It only
# wires the pipeline (cmake/hotreload.cmake, cmake/hotreload_idf.cmake) into
# ESP-IDF: the RELOADABLE keyword of idf_component_register() and
# CONFIG_HOTRELOAD_COMPONENTS.
#
# Keep RELOADABLE before REQUIRES/PRIV_REQUIRES in idf_component_register():
# ESP-IDF's early requirements pass does not read this file and would take the
# keyword for a component name there.

# Guard: a second inclusion would override the override and recurse forever.
if(COMMAND __hotreload_idf_setup)
    return()
endif()

include(${CMAKE_CURRENT_LIST_DIR}/cmake/hotreload.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/cmake/hotreload_idf.cmake)
__hotreload_idf_setup("${COMPONENT_NAME}")

# A macro, not a function: the original sets COMPONENT_LIB and COMPONENT_TARGET
# in the caller's scope. ARGV is copied into a list by a function before use.
macro(idf_component_register)
    if(__hotreload_registering)
        message(FATAL_ERROR "idf_component_register was overridden again after hotreload's override (by another "
                            "component's project_include.cmake, or an ESP-IDF that overrides it itself), so ESP-IDF's "
                            "original is no longer reachable. Only one component can wrap idf_component_register; "
                            "instead of RELOADABLE, call hotreload_add_reloadable(\${COMPONENT_LIB} NAME "
                            "\${COMPONENT_NAME}) at the end of the component's CMakeLists.txt")
    endif()
    __hotreload_idf_register_begin(__hotreload_args __hotreload_reloadable ${ARGV})
    set(__hotreload_registering TRUE)
    _idf_component_register(${__hotreload_args})
    set(__hotreload_registering FALSE)
    if(__hotreload_reloadable)
        __hotreload_idf_register_end("${COMPONENT_NAME}" "${COMPONENT_LIB}")
    endif()
endmacro()
