# SPDX-FileCopyrightText: 2026 hotreload authors
# SPDX-License-Identifier: MIT
#[=======================================================================[.rst:
hotreload_idf.cmake: ESP-IDF glue for the hotreload pipeline
------------------------------------------------------------

The ESP-IDF side of cmake/hotreload.cmake. project_include.cmake calls
``__hotreload_idf_setup()`` and ``__hotreload_idf_install_override()`` once: a
thin macro around ESP-IDF's ``idf_component_register`` removes the keyword,
calls the original and hands over to the shared pipeline:

- a component is reloadable when its ``idf_component_register()`` carries the
  ``RELOADABLE`` keyword (place it first, or anywhere before ``REQUIRES`` and
  ``PRIV_REQUIRES``: ESP-IDF's early requirements pass does not know it and would
  take it for a component name there), or when its name is listed in
  ``CONFIG_HOTRELOAD_COMPONENTS`` ("a;b");
- at the end of that component's CMakeLists.txt (so sources and flags added
  after the registration count too) its ``COMPONENT_LIB`` goes through
  ``hotreload_add_reloadable(<lib> NAME <component>)``;
- at the end of the project's top-level CMakeLists.txt, ``hotreload_add_firmware()``
  runs on the app ELF, and ``hotreload-flash`` is created when the partition
  table has the ``CONFIG_HOTRELOAD_PARTITION_LABEL`` partition.

A user may also call ``hotreload_add_reloadable(${COMPONENT_LIB} NAME ...)``
directly at the end of a component's CMakeLists.txt instead of using the keyword.

ESP-IDF reads project_include.cmake only for components in the build. When
hotreload is not (MINIMAL_BUILD, or a COMPONENTS list without it, and nothing
REQUIRES it), nothing here runs, ESP-IDF's own idf_component_register ignores
RELOADABLE and the component links normally; no manifest is written, and
``idf.py reload`` says so. Make the component that calls ``hotreload_load()``
REQUIRE hotreload. A name in CONFIG_HOTRELOAD_COMPONENTS that is not a
component of the build stops the configure with the list of components.
#]=======================================================================]

include_guard(GLOBAL)

# ESP-IDF's CONFIG_IDF_TARGET_ARCH -> hotreload's architecture and stub ABI
# (hotreload_py/arch.py: ARCHES and STUB_ABIS).
set(__hotreload_idf_arch_riscv riscv32)
set(__hotreload_idf_abi_riscv riscv)
set(__hotreload_idf_arch_xtensa xtensa)
set(__hotreload_idf_abi_xtensa xtensa-windowed)

# Called once from project_include.cmake (component name and directory of hotreload itself).
function(__hotreload_idf_setup component_name)
    __hotreload_set_property(HOTRELOAD_IDF_COMPONENT "${component_name}")
    set(arch_key "${CONFIG_IDF_TARGET_ARCH}")
    idf_build_get_property(target IDF_TARGET)
    if(NOT DEFINED __hotreload_idf_arch_${arch_key})
        # Unsupported target: the component's CMakeLists.txt stops with the list of supported chips.
        __hotreload_set_property(HOTRELOAD_IDF_UNSUPPORTED "${target}")
        return()
    endif()
    idf_build_get_property(python PYTHON)
    set(auth OFF)
    if(CONFIG_HOTRELOAD_AUTH)
        set(auth ON)
    endif()
    set(label "${CONFIG_HOTRELOAD_PARTITION_LABEL}")
    if(NOT label)
        set(label hotreload)
    endif()
    hotreload_init(ARCH ${__hotreload_idf_arch_${arch_key}} ABI ${__hotreload_idf_abi_${arch_key}}
                   TARGET ${target} GENERATOR esp-idf PYTHON "${python}" PARTITION_LABEL "${label}"
                   AUTH ${auth} RUNTIME_LIBRARY idf::${component_name})
    # Runs after the whole project is configured (ESP-IDF created the app ELF target by then).
    cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL __hotreload_idf_finish)
endfunction()

# Wrap idf_component_register. CMake keeps one previous definition per name, as
# _<name>; overriding components usually redefine idf_component_register and
# call _idf_component_register. So ESP-IDF's original is parked one level
# deeper, as __idf_component_register, where no later override of
# idf_component_register can replace it:
# - nobody wrapped it yet: idf_component_register and _idf_component_register
#   both become the wrapper (the second definition parks the original);
# - another component wrapped it already (_idf_component_register exists and is
#   the original): only _idf_component_register becomes the wrapper, so that
#   component's wrapper calls this one, which calls the original.
# Macros, not functions: the original sets COMPONENT_LIB in the caller's scope.
function(__hotreload_idf_install_override)
    if(NOT COMMAND _idf_component_register)
        macro(idf_component_register)
            __hotreload_idf_register(${ARGV})
        endmacro()
    endif()
    macro(_idf_component_register)
        __hotreload_idf_register(${ARGV})
    endmacro()
endfunction()

macro(__hotreload_idf_register)
    if(__hotreload_registering)
        message(FATAL_ERROR "idf_component_register is wrapped by another component in a way that hides ESP-IDF's "
                            "original from hotreload's wrapper. Instead of RELOADABLE, call "
                            "hotreload_add_reloadable(\${COMPONENT_LIB} NAME \${COMPONENT_NAME}) at the end of the "
                            "component's CMakeLists.txt")
    endif()
    __hotreload_idf_register_begin(__hotreload_args __hotreload_reloadable ${ARGV})
    set(__hotreload_registering TRUE)
    __idf_component_register(${__hotreload_args})
    set(__hotreload_registering FALSE)
    if(__hotreload_reloadable)
        __hotreload_idf_register_end("${COMPONENT_NAME}" "${COMPONENT_LIB}")
    endif()
endmacro()

# CONFIG_HOTRELOAD_COMPONENTS as a list ("a;b", "a b" and "a,b" all work).
function(__hotreload_idf_config_components var)
    string(REGEX REPLACE "[ ,]+" ";" names "${CONFIG_HOTRELOAD_COMPONENTS}")
    list(REMOVE_ITEM names "")
    set(${var} "${names}" PARENT_SCOPE)
endfunction()

# Before the original idf_component_register: strip RELOADABLE from the
# arguments (into args_var) and decide whether the component is reloadable.
function(__hotreload_idf_register_begin args_var reloadable_var)
    set(args "${ARGN}")
    set(reloadable FALSE)
    if("RELOADABLE" IN_LIST args)
        list(REMOVE_ITEM args RELOADABLE)
        set(reloadable TRUE)
    endif()
    __hotreload_idf_config_components(configured)
    if(COMPONENT_NAME IN_LIST configured)
        set(reloadable TRUE)
    endif()
    __hotreload_get_property(unsupported HOTRELOAD_IDF_UNSUPPORTED)
    if(reloadable AND unsupported)
        message(FATAL_ERROR "component '${COMPONENT_NAME}' is RELOADABLE, but hotreload does not support target "
                            "'${unsupported}'; build for one of the supported chips or drop RELOADABLE")
    endif()
    __hotreload_get_property(self HOTRELOAD_IDF_COMPONENT)
    if(reloadable AND COMPONENT_NAME STREQUAL "main")
        message(FATAL_ERROR "component 'main' cannot be RELOADABLE: it holds app_main, which runs before any module "
                            "can be loaded. Move the code you want to reload into its own component "
                            "(components/<name>/) and mark that one RELOADABLE.")
    endif()
    if(reloadable AND COMPONENT_NAME STREQUAL self)
        message(FATAL_ERROR "component '${COMPONENT_NAME}' is hotreload itself and cannot be RELOADABLE; "
                            "remove it from CONFIG_HOTRELOAD_COMPONENTS")
    endif()
    set(${args_var} "${args}" PARENT_SCOPE)
    set(${reloadable_var} ${reloadable} PARENT_SCOPE)
endfunction()

# After the original: hand the component to the pipeline once its CMakeLists.txt is done.
function(__hotreload_idf_register_end component_name component_lib)
    if(NOT TARGET ${component_lib})
        message(FATAL_ERROR "component '${component_name}' is RELOADABLE but idf_component_register made no "
                            "library '${component_lib}'")
    endif()
    __hotreload_append_property(HOTRELOAD_IDF_RELOADABLE "${component_name}")
    cmake_language(EVAL CODE
        "cmake_language(DEFER CALL __hotreload_idf_make_reloadable [[${component_name}]] [[${component_lib}]])")
endfunction()

function(__hotreload_idf_make_reloadable component_name component_lib)
    get_target_property(type ${component_lib} TYPE)
    if(NOT type STREQUAL "STATIC_LIBRARY")
        message(FATAL_ERROR "component '${component_name}' is RELOADABLE but has no source files (SRCS/SRC_DIRS), "
                            "so there is no code to reload; add its sources or drop RELOADABLE")
    endif()
    # Component names may hold characters C identifiers cannot (my-comp, espressif__foo is fine).
    string(MAKE_C_IDENTIFIER "${component_name}" name)
    string(LENGTH "${name}" length)
    if(length GREATER 31)
        message(FATAL_ERROR "component '${component_name}' is RELOADABLE but its name is longer than the 31 "
                            "characters a module records; drop RELOADABLE and call "
                            "hotreload_add_reloadable(\${COMPONENT_LIB} NAME <shorter>) at the end of its "
                            "CMakeLists.txt")
    endif()
    hotreload_add_reloadable(${component_lib} NAME ${name})
endfunction()

function(__hotreload_idf_finish)
    idf_build_get_property(executable EXECUTABLE)
    if(NOT executable OR NOT TARGET ${executable})
        message(FATAL_ERROR "hotreload: ESP-IDF created no app executable (EXECUTABLE build property is empty); "
                            "hotreload needs a project() built with ESP-IDF's project.cmake")
    endif()
    __hotreload_idf_config_components(configured)
    __hotreload_get_property(made HOTRELOAD_IDF_RELOADABLE)
    foreach(name ${configured})
        if(NOT name IN_LIST made)
            idf_build_get_property(components BUILD_COMPONENTS)
            list(JOIN components ", " components)
            message(FATAL_ERROR "CONFIG_HOTRELOAD_COMPONENTS names '${name}', which is not a component of this build "
                                "(components: ${components}); fix the name in menuconfig (Hot reload), or make the "
                                "component part of the build (REQUIRES it from main)")
        endif()
    endforeach()
    hotreload_add_firmware(${executable})
    __hotreload_idf_flash_target()
    __hotreload_idf_fallback_targets()
endfunction()

# idf.py runs an unknown action as a build target of that name (docs/CONTRACTS.md,
# "idf.py actions and their fallback targets"): before its extension is loaded,
# `idf.py reload` still builds the modules and uploads them (device from
# HOTRELOAD_URL), and `idf.py watch` says how to enable the action (a watch loop
# must not run inside ninja).
function(__hotreload_idf_fallback_targets)
    __hotreload_python_command(hotreload)
    __hotreload_get_property(module_targets HOTRELOAD_MODULE_TARGETS)
    if(NOT TARGET reload)
        add_custom_target(reload
            COMMAND ${hotreload} reload --no-build --build-dir "${CMAKE_BINARY_DIR}"
            USES_TERMINAL VERBATIM)
        if(module_targets)
            add_dependencies(reload ${module_targets} hotreload_manifest)
        endif()
    endif()
    if(NOT TARGET watch)
        add_custom_target(watch COMMAND ${hotreload} idf-actions watch USES_TERMINAL VERBATIM)
    endif()
endfunction()

# `hotreload-flash`: the modules, as a partition image, written by ESP-IDF's own
# esptool flash-target machinery (so -p/-b and ESPPORT/ESPBAUD work as for `flash`).
function(__hotreload_idf_flash_target)
    __hotreload_get_property(label HOTRELOAD_PARTITION_LABEL)
    __hotreload_get_property(module_targets HOTRELOAD_MODULE_TARGETS)
    if(NOT module_targets OR NOT COMMAND partition_table_get_partition_info)
        return()
    endif()
    partition_table_get_partition_info(offset "--partition-name ${label}" "offset")
    if(NOT offset)
        # Still a target, so `idf.py hotreload-flash` explains instead of "unknown command".
        set(fix "the partition table has no '${label}' partition: add `${label}, app, 0x40, , 512k,` to "
                "partitions.csv (CONFIG_PARTITION_TABLE_CUSTOM), then idf.py flash")
        string(CONCAT fix ${fix})
        message(STATUS "hotreload: no hotreload-flash: ${fix}")
        if(NOT TARGET hotreload-flash)
            add_custom_target(hotreload-flash
                COMMAND "${CMAKE_COMMAND}" -E echo "hotreload-flash: ${fix}"
                COMMAND "${CMAKE_COMMAND}" -E false
                VERBATIM)
        endif()
        return()
    endif()
    partition_table_get_partition_info(size "--partition-name ${label}" "size")
    set(image "${CMAKE_BINARY_DIR}/hotreload/${label}.bin")
    __hotreload_python_command(hotreload)
    set(modules "")
    foreach(target ${module_targets})
        string(REGEX REPLACE "_module$" "" name "${target}")
        list(APPEND modules "${CMAKE_BINARY_DIR}/${name}_stripped.so")
    endforeach()
    # Every module committed in the store's record format, for this build's firmware.
    add_custom_command(OUTPUT "${image}"
        COMMAND ${hotreload} partition-image --build-dir "${CMAKE_BINARY_DIR}" --size ${size}
        DEPENDS ${modules} ${module_targets} "${CMAKE_BINARY_DIR}/hotreload/manifest.json" hotreload_manifest
        COMMENT "hotreload: partition image ${image}"
        VERBATIM)
    # Built with the project (ALL) and written by `idf.py flash` too (FLASH_IN_PROJECT), so
    # `idf.py build flash monitor` starts the device with the module already in its partition.
    add_custom_target(hotreload_partition_image ALL DEPENDS "${image}")
    # Encrypted or not as the partition table says (an app-type partition is
    # encrypted under flash encryption, and the store writes it that way too).
    if(COMMAND esp_partition_register_target)
        esp_partition_register_target(${label} "${image}" DEPENDS hotreload_partition_image FLASH_IN_PROJECT)
        set(flash_target ${label}-flash)
    else()
        idf_component_get_property(main_args esptool_py FLASH_ARGS)
        idf_component_get_property(sub_args esptool_py FLASH_SUB_ARGS)
        set(flash_target hotreload-flash)
        set(plaintext "")
        esptool_py_partition_needs_encryption(encrypted ${label})
        if(NOT encrypted)
            set(plaintext ALWAYS_PLAINTEXT)
        endif()
        esptool_py_flash_target(${flash_target} "${main_args}" "${sub_args}" ${plaintext})
        esptool_py_flash_to_partition(${flash_target} "${label}" "${image}")
        add_dependencies(${flash_target} hotreload_partition_image)
        esptool_py_flash_to_partition(flash "${label}" "${image}")
        add_dependencies(flash hotreload_partition_image)
    endif()
    if(NOT flash_target STREQUAL "hotreload-flash")
        # A custom partition label still gets the name the tools and the README use.
        add_custom_target(hotreload-flash)
        add_dependencies(hotreload-flash ${flash_target})
    endif()
endfunction()
