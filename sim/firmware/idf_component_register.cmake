# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#
# ESP-IDF's idf_component_register() for the simulated device's plain CMake
# build, so a component written for ESP-IDF (the seed README's `reloadable`)
# builds unchanged: it becomes a static library named after its directory, and
# with RELOADABLE it is handed to hotreload_add_reloadable(). Requirement lists
# name ESP-IDF components, which the simulated platform provides as one
# library, so they are accepted and not resolved.

function(idf_component_register)
    set(options RELOADABLE WHOLE_ARCHIVE)
    set(one_value KCONFIG KCONFIG_PROJBUILD)
    set(multi_value SRCS SRC_DIRS EXCLUDE_SRCS INCLUDE_DIRS PRIV_INCLUDE_DIRS REQUIRES PRIV_REQUIRES
                    LDFRAGMENTS EMBED_FILES EMBED_TXTFILES)
    cmake_parse_arguments(arg "${options}" "${one_value}" "${multi_value}" ${ARGN})
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "idf_component_register (simulated device): unknown argument(s) "
                            "${arg_UNPARSED_ARGUMENTS} in ${CMAKE_CURRENT_LIST_FILE}")
    endif()
    get_filename_component(name "${CMAKE_CURRENT_SOURCE_DIR}" NAME)
    set(srcs ${arg_SRCS})
    foreach(dir ${arg_SRC_DIRS})
        file(GLOB found "${dir}/*.c" "${dir}/*.S")
        list(APPEND srcs ${found})
    endforeach()
    if(arg_EXCLUDE_SRCS)
        list(REMOVE_ITEM srcs ${arg_EXCLUDE_SRCS})
    endif()
    if(NOT srcs)
        message(FATAL_ERROR "component '${name}' (${CMAKE_CURRENT_SOURCE_DIR}) has no sources")
    endif()
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC ${arg_INCLUDE_DIRS} PRIVATE ${arg_PRIV_INCLUDE_DIRS})
    target_link_libraries(${name} PRIVATE sim_platform_headers)
    if(arg_RELOADABLE)
        hotreload_add_reloadable(${name})
    endif()
    set_property(GLOBAL APPEND PROPERTY HOTRELOAD_SIM_COMPONENT_LIBS ${name})
    set(COMPONENT_LIB ${name} PARENT_SCOPE)
endfunction()
