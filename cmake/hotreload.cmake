# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#[=======================================================================[.rst:
hotreload.cmake: the hotreload build pipeline
---------------------------------------------

One pipeline for ESP-IDF projects (project_include.cmake calls these functions
for every ``RELOADABLE`` component) and for plain CMake projects built with a
toolchain file from ``cmake/toolchains/`` (the simulated device, the tests).
Including this file defines functions and runs nothing else. Ninja is the
supported generator (ESP-IDF's default). CMake 3.19 or newer.

Standalone use::

  cmake_minimum_required(VERSION 3.19)
  project(app C ASM)                       # ASM: the stubs are assembler
  include(<hotreload>/cmake/hotreload.cmake)

  add_library(reloadable STATIC reloadable.c)     # the component, as usual
  target_include_directories(reloadable PUBLIC include)
  hotreload_add_reloadable(reloadable)            # its code becomes a module

  add_executable(firmware main.c <runtime sources>)
  target_link_libraries(firmware PRIVATE reloadable)
  hotreload_add_firmware(firmware)                # after every hotreload_add_reloadable

  # configure: cmake -G Ninja -DCMAKE_TOOLCHAIN_FILE=<hotreload>/cmake/toolchains/rv32-gcc.cmake ...

Outputs: ``<build>/<name>_stripped.so`` (what the device loads), target
``<name>_module`` (rebuilds only that module), ``<build>/hotreload/manifest.json``.

.. command:: hotreload_init

  ::

    hotreload_init([ARCH <riscv32|xtensa>] [ABI <stub abi>] [TARGET <name>]
                   [GENERATOR <standalone|esp-idf>] [PYTHON <interpreter>]
                   [PARTITION_LABEL <label>] [AUTH <ON|OFF>] [RUNTIME_LIBRARY <target>]
                   [LINKER_FLAGS <flags...>])

  Optional: sets the build properties ``HOTRELOAD_<KEYWORD>``. Omitted values come
  from the variables of the same name (the toolchain files set ``HOTRELOAD_ARCH``,
  ``HOTRELOAD_ABI`` and ``HOTRELOAD_TARGET``) or defaults (GENERATOR standalone,
  PYTHON the Python 3 interpreter CMake finds, PARTITION_LABEL hotreload, AUTH OFF).
  ``RUNTIME_LIBRARY`` is linked by every reloadable library, for
  ``hotreload_trap_unloaded``. ``LINKER_FLAGS`` go to every module link (for
  example ``-m elf32lriscv`` for a riscv64 ld). The other functions call it once
  on their own.

.. command:: hotreload_add_reloadable

  ::

    hotreload_add_reloadable(<library> [NAME <name>] [PREFIX <prefix>])

  Makes the static ``<library>`` (created in the calling directory, holding the
  component's sources) reloadable: its sources move to an OBJECT library
  compiled with ``<library>``'s compile options, definitions and include
  directories (one helper mirrors them), linked once with ``ld -r`` into the
  first-pass module; ``<library>`` keeps the generated stubs and symbol table
  instead, so everything that linked it now calls the module through the table.
  ``NAME`` (default ``<library>``) is the component name the device sees;
  ``PREFIX`` (default ``NAME``) names the table symbols ``<prefix>_hr_table``.

.. command:: hotreload_add_firmware

  ::

    hotreload_add_firmware(<executable>)

  Call once, after every ``hotreload_add_reloadable``, in the directory that
  created ``<executable>``. Adds the registry of all tables (and, with AUTH, the
  key) to the executable, links each module a second time against the
  executable's addresses, packages it and writes the manifest.
#]=======================================================================]

include_guard(GLOBAL)

if(CMAKE_VERSION VERSION_LESS 3.19)
    message(FATAL_ERROR "hotreload needs CMake 3.19 or newer (found ${CMAKE_VERSION}); update CMake")
endif()

# A cache entry: ESP-IDF includes this file from a function scope, and the
# functions below also run from other directories and deferred calls.
get_filename_component(__hotreload_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(__hotreload_root "${__hotreload_dir}" CACHE INTERNAL "hotreload component root")

# Build properties: ESP-IDF's when it is there, global properties otherwise.
function(__hotreload_set_property name value)
    if(COMMAND idf_build_set_property)
        idf_build_set_property(${name} "${value}")
    else()
        set_property(GLOBAL PROPERTY ${name} "${value}")
    endif()
endfunction()

function(__hotreload_append_property name value)
    if(COMMAND idf_build_set_property)
        idf_build_set_property(${name} "${value}" APPEND)
    else()
        set_property(GLOBAL APPEND PROPERTY ${name} "${value}")
    endif()
endfunction()

function(__hotreload_get_property var name)
    if(COMMAND idf_build_get_property)
        idf_build_get_property(value ${name})
    else()
        get_property(value GLOBAL PROPERTY ${name})
    endif()
    set(${var} "${value}" PARENT_SCOPE)
endfunction()

function(hotreload_init)
    set(one_value ARCH ABI TARGET GENERATOR PYTHON PARTITION_LABEL AUTH RUNTIME_LIBRARY)
    cmake_parse_arguments(arg "" "${one_value}" "LINKER_FLAGS" ${ARGN})
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "hotreload_init: unknown argument(s) ${arg_UNPARSED_ARGUMENTS}")
    endif()
    __hotreload_get_property(done HOTRELOAD_INITIALIZED)
    if(done)
        message(FATAL_ERROR "hotreload_init: called twice, or after hotreload_add_reloadable/hotreload_add_firmware "
                            "(which call it with the defaults): call it once, before them")
    endif()
    foreach(key ${one_value} LINKER_FLAGS)
        if(NOT DEFINED arg_${key} AND DEFINED HOTRELOAD_${key})
            set(arg_${key} "${HOTRELOAD_${key}}")
        endif()
    endforeach()
    if(NOT arg_ARCH OR NOT arg_ABI)
        message(FATAL_ERROR "hotreload_init: ARCH and ABI are unknown: configure with a toolchain file from "
                            "${__hotreload_root}/cmake/toolchains/ (-DCMAKE_TOOLCHAIN_FILE=...) or pass ARCH and ABI")
    endif()
    if(NOT arg_TARGET)
        set(arg_TARGET "${arg_ARCH}")
    endif()
    if(NOT arg_GENERATOR)
        set(arg_GENERATOR standalone)
    endif()
    if(NOT arg_PYTHON)
        find_package(Python3 REQUIRED COMPONENTS Interpreter)
        set(arg_PYTHON "${Python3_EXECUTABLE}")
    endif()
    if(NOT arg_PARTITION_LABEL)
        set(arg_PARTITION_LABEL hotreload)
    endif()
    if(NOT arg_AUTH)
        set(arg_AUTH OFF)
    endif()
    foreach(key ${one_value} LINKER_FLAGS)
        __hotreload_set_property(HOTRELOAD_${key} "${arg_${key}}")
    endforeach()
    __hotreload_set_property(HOTRELOAD_INITIALIZED ON)
    __hotreload_check_python()
endfunction()

# Every build step is `python -m hotreload_py ...`: fail at configure time, with
# the fix, when that interpreter lacks the package's dependencies (for example
# ESP-IDF's Python environment before hotreload-py was installed into it).
function(__hotreload_check_python)
    __hotreload_python_command(hotreload)
    execute_process(COMMAND ${hotreload} --version RESULT_VARIABLE result OUTPUT_QUIET ERROR_VARIABLE error)
    if(NOT result EQUAL 0)
        __hotreload_get_property(python HOTRELOAD_PYTHON)
        string(REGEX MATCH "[^\n]+\n?$" last_line "${error}")
        string(STRIP "${last_line}" last_line)
        message(FATAL_ERROR "hotreload: the build runs its tools with ${python}, which cannot run them "
                            "(${last_line}). Install them into that Python environment: "
                            "${python} -m pip install \"${__hotreload_root}\"")
    endif()
endfunction()

function(__hotreload_ensure_init)
    __hotreload_get_property(done HOTRELOAD_INITIALIZED)
    if(NOT done)
        hotreload_init()
    endif()
endfunction()

# `cmake -E env PYTHONPATH=<root> python -m hotreload_py`: the component's own
# copy of the tools runs, also under ESP-IDF's Python environment.
function(__hotreload_python_command var)
    __hotreload_get_property(python HOTRELOAD_PYTHON)
    set(path "${__hotreload_root}")
    if(DEFINED ENV{PYTHONPATH} AND NOT "$ENV{PYTHONPATH}" STREQUAL "")
        set(path "${path}:$ENV{PYTHONPATH}")
    endif()
    set(${var} "${CMAKE_COMMAND}" -E env "PYTHONPATH=${path}" "${python}" -m hotreload_py PARENT_SCOPE)
endfunction()

# Compile <objects> exactly like <library>: the same options, definitions,
# include directories (including what <library> gets from its link
# dependencies) and language standard.
function(__hotreload_mirror_compile_settings objects library)
    foreach(prop COMPILE_OPTIONS COMPILE_DEFINITIONS INCLUDE_DIRECTORIES)
        set_property(TARGET ${objects} APPEND PROPERTY ${prop} "$<TARGET_PROPERTY:${library},${prop}>")
    endforeach()
    foreach(prop C_STANDARD C_STANDARD_REQUIRED C_EXTENSIONS CXX_STANDARD CXX_STANDARD_REQUIRED CXX_EXTENSIONS)
        get_target_property(value ${library} ${prop})
        if(NOT value STREQUAL "value-NOTFOUND")
            set_property(TARGET ${objects} PROPERTY ${prop} "${value}")
        endif()
    endforeach()
endfunction()

# Options a module's objects need beyond the firmware's: RISC-V must not emit
# relaxable code (DESIGN.md, data flow step 4).
function(__hotreload_module_compile_options var)
    __hotreload_get_property(arch HOTRELOAD_ARCH)
    if(arch STREQUAL "riscv32")
        set(${var} -mno-relax PARENT_SCOPE)
    else()
        set(${var} "" PARENT_SCOPE)
    endif()
endfunction()

function(__hotreload_require_linker)
    if(NOT CMAKE_LINKER OR NOT CMAKE_OBJCOPY)
        message(FATAL_ERROR "hotreload: CMAKE_LINKER or CMAKE_OBJCOPY is not set; the module is linked with the "
                            "toolchain's GNU ld and packaged with its objcopy: use a toolchain file that names them")
    endif()
endfunction()

# Flags of the second module link. A module is one RWX load segment by design
# (the loader places each section itself); silence binutils >= 2.39 saying so.
function(__hotreload_module_link_flags var)
    __hotreload_get_property(flags HOTRELOAD_LINKER_FLAGS)
    if(NOT DEFINED __hotreload_ld_rwx_${CMAKE_LINKER})
        execute_process(COMMAND "${CMAKE_LINKER}" --help OUTPUT_VARIABLE help ERROR_QUIET)
        string(FIND "${help}" "--no-warn-rwx-segments" found)
        set(__hotreload_ld_rwx_${CMAKE_LINKER} ${found} CACHE INTERNAL "")
    endif()
    if(NOT __hotreload_ld_rwx_${CMAKE_LINKER} EQUAL -1)
        list(APPEND flags --no-warn-rwx-segments)
    endif()
    set(${var} ${flags} PARENT_SCOPE)
endfunction()

function(hotreload_add_reloadable library)
    cmake_parse_arguments(arg "" "NAME;PREFIX" "" ${ARGN})
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "hotreload_add_reloadable: unknown argument(s) ${arg_UNPARSED_ARGUMENTS}")
    endif()
    __hotreload_ensure_init()
    __hotreload_require_linker()
    get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
    if(NOT "ASM" IN_LIST languages)
        message(FATAL_ERROR "hotreload_add_reloadable: the stubs are assembler, but the ASM language is not enabled; "
                            "use project(<name> C ASM) or enable_language(ASM)")
    endif()
    if(NOT TARGET ${library})
        message(FATAL_ERROR "hotreload_add_reloadable: '${library}' is not a target; pass the library that holds "
                            "the component's sources")
    endif()
    get_target_property(type ${library} TYPE)
    get_target_property(lib_dir ${library} SOURCE_DIR)
    if(NOT type STREQUAL "STATIC_LIBRARY")
        message(FATAL_ERROR "hotreload_add_reloadable: '${library}' is a ${type}; a reloadable component must be "
                            "a STATIC library with at least one source file")
    endif()
    if(NOT lib_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
        message(FATAL_ERROR "hotreload_add_reloadable: call it in ${lib_dir}, the directory that created "
                            "'${library}' (its generated sources must belong to that directory)")
    endif()
    set(name "${library}")
    if(arg_NAME)
        set(name "${arg_NAME}")
    endif()
    set(prefix "${name}")
    if(arg_PREFIX)
        set(prefix "${arg_PREFIX}")
    endif()
    string(LENGTH "${name}" name_length)
    if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$" OR name_length GREATER 31)
        message(FATAL_ERROR "hotreload_add_reloadable: component name '${name}' must be a C identifier of at most "
                            "31 characters; pass NAME")
    endif()
    if(NOT prefix MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
        message(FATAL_ERROR "hotreload_add_reloadable: table prefix '${prefix}' is not a C identifier; pass PREFIX")
    endif()
    __hotreload_get_property(names HOTRELOAD_COMPONENTS)
    if(name IN_LIST names)
        message(FATAL_ERROR "hotreload_add_reloadable: a reloadable component named '${name}' already exists; "
                            "each needs its own NAME")
    endif()
    get_target_property(sources ${library} SOURCES)
    if(NOT sources)
        message(FATAL_ERROR "hotreload_add_reloadable: '${library}' has no source files, so there is nothing to "
                            "reload; add its sources (SRCS) or drop RELOADABLE")
    endif()

    set(dir "${CMAKE_BINARY_DIR}/hotreload/${name}")
    set(objects ${name}_hr_objects)
    set(pass1 "${dir}/${name}_pass1.o")
    set(stubs "${dir}/${prefix}_stubs.S")
    set(table "${dir}/${prefix}_table.c")
    set(externs "${dir}/${name}_externs.ld")
    set(tools "${__hotreload_root}/hotreload_py")
    __hotreload_python_command(hotreload)
    __hotreload_get_property(abi HOTRELOAD_ABI)
    __hotreload_get_property(ld_flags HOTRELOAD_LINKER_FLAGS)

    # Each source is compiled once, here, for the module.
    add_library(${objects} OBJECT ${sources})
    __hotreload_mirror_compile_settings(${objects} ${library})
    __hotreload_module_compile_options(module_options)
    target_compile_options(${objects} PRIVATE ${module_options})

    # First link: relocatable, needs no firmware address; its exports drive the stubs.
    add_custom_command(OUTPUT "${pass1}"
        COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
        COMMAND "${CMAKE_LINKER}" ${ld_flags} -r --no-relax -o "${pass1}" "$<TARGET_OBJECTS:${objects}>"
        DEPENDS ${objects} "$<TARGET_OBJECTS:${objects}>"
        COMMENT "hotreload: linking module ${name} (first pass)"
        COMMAND_EXPAND_LISTS VERBATIM)

    # gen-stubs and gen-externs rewrite their outputs only when the contents
    # change, so a code edit that keeps the exports does not relink the firmware.
    add_custom_command(OUTPUT "${stubs}" "${table}"
        COMMAND ${hotreload} gen-stubs "${pass1}" --abi ${abi} --stubs "${stubs}" --table "${table}"
                --prefix ${prefix} --name ${name}
        DEPENDS "${pass1}" "${tools}/codegen.py" "${tools}/elf.py" "${__hotreload_root}/templates/table.c.j2"
                "${__hotreload_root}/templates/stubs_riscv.S.j2" "${__hotreload_root}/templates/stubs_xtensa_windowed.S.j2"
                "${__hotreload_root}/templates/stubs_xtensa_call0.S.j2"
        COMMENT "hotreload: stubs and table for ${name}"
        VERBATIM)
    add_custom_command(OUTPUT "${externs}"
        COMMAND ${hotreload} gen-externs "${pass1}" --out "${externs}"
        DEPENDS "${pass1}" "${tools}/codegen.py" "${__hotreload_root}/templates/externs.ld.j2"
        COMMENT "hotreload: firmware symbols module ${name} needs"
        VERBATIM)

    # The library keeps only the stubs and the table; the firmware link keeps
    # every library function the module calls (EXTERN list, an implicit linker
    # script on the link line) and relinks when that list changes.
    set_property(TARGET ${library} PROPERTY SOURCES "${stubs}" "${table}")
    target_include_directories(${library} PRIVATE "${__hotreload_root}/include")
    target_link_options(${library} INTERFACE "${externs}")
    set_property(TARGET ${library} APPEND PROPERTY INTERFACE_LINK_DEPENDS "${externs}")
    # The link options name a generated file: make sure it exists before any link that uses the library.
    add_custom_target(${name}_hr_externs DEPENDS "${externs}")
    add_dependencies(${library} ${name}_hr_externs)
    __hotreload_get_property(runtime HOTRELOAD_RUNTIME_LIBRARY)
    if(runtime)
        target_link_libraries(${library} PRIVATE ${runtime})
    endif()

    set(source_dirs "${lib_dir}")
    foreach(src ${sources})
        get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${lib_dir}")
        get_filename_component(src_dir "${src}" DIRECTORY)
        # Generated sources (in the build tree) are not watched; other trees are.
        string(FIND "${src_dir}/" "${lib_dir}/" inside)
        string(FIND "${src_dir}/" "${CMAKE_BINARY_DIR}/" generated)
        if(NOT inside EQUAL 0 AND NOT generated EQUAL 0)
            list(APPEND source_dirs "${src_dir}")
        endif()
    endforeach()
    list(REMOVE_DUPLICATES source_dirs)

    set_target_properties(${objects} PROPERTIES
        HOTRELOAD_NAME "${name}"
        HOTRELOAD_PREFIX "${prefix}"
        HOTRELOAD_LIBRARY "${library}"
        HOTRELOAD_PASS1 "${pass1}"
        HOTRELOAD_DIR "${dir}"
        HOTRELOAD_SOURCE_DIRS "${source_dirs}")
    __hotreload_append_property(HOTRELOAD_COMPONENTS "${name}")
    __hotreload_append_property(HOTRELOAD_COMPONENT_TARGETS "${objects}")
endfunction()

function(hotreload_add_firmware executable)
    if(ARGN)
        message(FATAL_ERROR "hotreload_add_firmware: unknown argument(s) ${ARGN}")
    endif()
    __hotreload_ensure_init()
    __hotreload_require_linker()
    if(NOT TARGET ${executable})
        message(FATAL_ERROR "hotreload_add_firmware: '${executable}' is not a target; pass the firmware executable")
    endif()
    get_target_property(exe_dir ${executable} SOURCE_DIR)
    if(NOT exe_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
        message(FATAL_ERROR "hotreload_add_firmware: call it in ${exe_dir}, the directory that created '${executable}'")
    endif()
    __hotreload_get_property(done HOTRELOAD_FIRMWARE)
    if(done)
        message(FATAL_ERROR "hotreload_add_firmware: already called for '${done}'; a build has one firmware")
    endif()
    __hotreload_set_property(HOTRELOAD_FIRMWARE "${executable}")

    set(hr_dir "${CMAKE_BINARY_DIR}/hotreload")
    set(tools "${__hotreload_root}/hotreload_py")
    set(firmware "$<TARGET_FILE:${executable}>")
    __hotreload_python_command(hotreload)
    __hotreload_get_property(components HOTRELOAD_COMPONENT_TARGETS)
    __hotreload_get_property(auth HOTRELOAD_AUTH)
    __hotreload_module_link_flags(ld_flags)

    set(prefixes "")
    foreach(objects ${components})
        get_target_property(prefix ${objects} HOTRELOAD_PREFIX)
        list(APPEND prefixes ${prefix})
    endforeach()
    set(registry "${hr_dir}/hotreload_registry.c")
    add_custom_command(OUTPUT "${registry}"
        COMMAND ${hotreload} gen-registry --out "${registry}" ${prefixes}
        DEPENDS "${tools}/codegen.py" "${__hotreload_root}/templates/registry.c.j2"
        COMMENT "hotreload: registry of the reloadable components"
        VERBATIM)
    target_sources(${executable} PRIVATE "${registry}")
    set_property(SOURCE "${registry}" APPEND PROPERTY INCLUDE_DIRECTORIES "${__hotreload_root}/include")

    set(key_file "null")
    if(auth)
        set(key "${hr_dir}/auth.key")
        set(key_c "${hr_dir}/hotreload_auth_key.c")
        # No input: made once per build directory and kept (the flashed firmware holds the key).
        add_custom_command(OUTPUT "${key_c}"
            COMMAND ${hotreload} gen-auth --key-file "${key}" --c-file "${key_c}"
            COMMENT "hotreload: authentication key"
            VERBATIM)
        target_sources(${executable} PRIVATE "${key_c}")
        set(key_file "\"${key}\"")
    endif()

    set(module_targets "")
    set(component_json "[]")
    set(index 0)
    foreach(objects ${components})
        get_target_property(name ${objects} HOTRELOAD_NAME)
        get_target_property(prefix ${objects} HOTRELOAD_PREFIX)
        get_target_property(pass1 ${objects} HOTRELOAD_PASS1)
        get_target_property(dir ${objects} HOTRELOAD_DIR)
        get_target_property(source_dirs ${objects} HOTRELOAD_SOURCE_DIRS)
        set(syms "${dir}/${name}_firmware_syms.ld")
        set(linked "${dir}/${name}_module.elf")
        set(stripped "${CMAKE_BINARY_DIR}/${name}_stripped.so")

        # Second link: the module against the firmware's addresses, keeping its relocations.
        add_custom_command(OUTPUT "${syms}"
            COMMAND ${hotreload} gen-ldscript --firmware "${firmware}" --module "${pass1}" --out "${syms}"
            DEPENDS ${executable} "${firmware}" "${pass1}" "${tools}/codegen.py" "${tools}/elf.py"
                    "${__hotreload_root}/templates/firmware_syms.ld.j2"
            COMMENT "hotreload: firmware addresses for module ${name}"
            VERBATIM)
        add_custom_command(OUTPUT "${linked}"
            COMMAND "${CMAKE_LINKER}" ${ld_flags} --emit-relocs --no-relax -n -e 0 -o "${linked}"
                    -T "${__hotreload_root}/cmake/module_sections.ld" -T "${syms}" "${pass1}"
            DEPENDS "${pass1}" "${syms}" "${__hotreload_root}/cmake/module_sections.ld"
            COMMENT "hotreload: linking module ${name} against the firmware"
            VERBATIM)
        add_custom_command(OUTPUT "${stripped}"
            COMMAND ${hotreload} package-module "${linked}" --firmware "${firmware}" --name ${name}
                    --objcopy "${CMAKE_OBJCOPY}" --out "${stripped}"
            DEPENDS "${linked}" "${firmware}" "${tools}/build.py"
            COMMENT "hotreload: packaging ${stripped}"
            VERBATIM)
        add_custom_target(${name}_module ALL DEPENDS "${stripped}")
        list(APPEND module_targets ${name}_module)

        set(entry "{}")
        string(JSON entry SET "${entry}" name "\"${name}\"")
        string(JSON entry SET "${entry}" prefix "\"${prefix}\"")
        set(dirs_json "[]")
        set(i 0)
        foreach(source_dir ${source_dirs})
            string(JSON dirs_json SET "${dirs_json}" ${i} "\"${source_dir}\"")
            math(EXPR i "${i} + 1")
        endforeach()
        string(JSON entry SET "${entry}" source_dirs "${dirs_json}")
        string(JSON entry SET "${entry}" module "\"${stripped}\"")
        string(JSON entry SET "${entry}" module_target "\"${name}_module\"")
        string(JSON entry SET "${entry}" exports_from "\"${pass1}\"")
        string(JSON component_json SET "${component_json}" ${index} "${entry}")
        math(EXPR index "${index} + 1")
    endforeach()

    __hotreload_get_property(generator HOTRELOAD_GENERATOR)
    __hotreload_get_property(target HOTRELOAD_TARGET)
    __hotreload_get_property(arch HOTRELOAD_ARCH)
    __hotreload_get_property(label HOTRELOAD_PARTITION_LABEL)
    set(json "{}")
    string(JSON json SET "${json}" version 1)
    string(JSON json SET "${json}" generator "\"${generator}\"")
    string(JSON json SET "${json}" project_dir "\"${CMAKE_SOURCE_DIR}\"")
    string(JSON json SET "${json}" build_dir "\"${CMAKE_BINARY_DIR}\"")
    string(JSON json SET "${json}" target "\"${target}\"")
    string(JSON json SET "${json}" arch "\"${arch}\"")
    string(JSON json SET "${json}" firmware_elf "\"__HOTRELOAD_FIRMWARE__\"")
    string(JSON json SET "${json}" partition_label "\"${label}\"")
    string(JSON json SET "${json}" auth_key_file "${key_file}")
    string(JSON json SET "${json}" build_tool "[\"cmake\", \"--build\", \"${CMAKE_BINARY_DIR}\"]")
    string(JSON json SET "${json}" components "${component_json}")
    # The executable's path is only known at generate time.
    string(REPLACE "__HOTRELOAD_FIRMWARE__" "${firmware}" json "${json}")
    set(description "${hr_dir}/manifest.in.json")
    file(GENERATE OUTPUT "${description}" CONTENT "${json}\n")

    # The exports are read from the first-pass modules, but only change when the
    # generated tables do (written only on change), so a code edit skips this step.
    set(table_files "")
    foreach(objects ${components})
        get_target_property(dir ${objects} HOTRELOAD_DIR)
        get_target_property(prefix ${objects} HOTRELOAD_PREFIX)
        list(APPEND table_files "${dir}/${prefix}_table.c")
    endforeach()
    set(manifest "${hr_dir}/manifest.json")
    add_custom_command(OUTPUT "${manifest}"
        COMMAND ${hotreload} write-manifest "${description}"
        DEPENDS "${description}" ${table_files} "${tools}/build.py" "${tools}/manifest.py"
        COMMENT "hotreload: ${manifest}"
        VERBATIM)
    add_custom_target(hotreload_manifest ALL DEPENDS "${manifest}")
    __hotreload_set_property(HOTRELOAD_MODULE_TARGETS "${module_targets}")
endfunction()
