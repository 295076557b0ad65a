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

# Wrap idf_component_register (see __hotreload_idf_install_override for how the
# wrapper and other components' wrappers stay out of each other's way).
__hotreload_idf_install_override()
