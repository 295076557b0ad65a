"""The per-chip memory tables (src/chip/<target>/hr_chip.c) and the helpers in src/hr_chip.h.

Each table is compiled natively with a small dump program: the chips listed
must be exactly hotreload_py.arch.TARGETS, each with its architecture's ELF
machine, regions sorted and disjoint, code regions translating between their
views both ways, and the I/D offsets ESP-IDF's soc.h gives (SOC_I_D_OFFSET =
SOC_DIRAM_IRAM_LOW - SOC_DIRAM_DRAM_LOW). The ESP-IDF memory port
(src/hr_mem.c) is compiled for each architecture with the cross compilers,
with and without PSRAM support (against ESP-IDF's own headers too when
IDF_PATH is set), and its MMU-mapped PSRAM code path (ESP32-S2)
runs natively against a model of the ESP-IDF calls it makes
(tests/loader/mem_mmu_check.c).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_executable

from hotreload_py.arch import ARCHES, TARGETS

CHIP_DIR = REPO_ROOT / 'src' / 'chip'
CAP_DATA, CAP_EXEC, CAP_SPIRAM = 1, 2, 4
WORD_ACCESS_ONLY, EXEC_BY_MMU_MAP = 1, 2

#: How each chip runs module code from PSRAM: 'offset' (the instruction view is
#: the data view plus a constant, or the same address), 'mmu' (each block is
#: mapped into the instruction bus: ESP32-S2), None (cannot).
PSRAM_CODE = {
    'esp32': None,
    'esp32s2': 'mmu',
    'esp32s3': 'offset',
    'esp32c3': None,
    'esp32c6': None,
    'esp32p4': 'offset',
}

#: ibus - dbus of internal code RAM, from ESP-IDF components/soc/<target>/include/soc/soc.h.
I_D_OFFSET = {
    'esp32': 0,  # IRAM is written through its own address (word access only)
    'esp32s2': 0x40020000 - 0x3FFB0000,
    'esp32s3': 0x40378000 - 0x3FC88000,
    'esp32c3': 0x40380000 - 0x3FC80000,
    'esp32c6': 0,
    'esp32p4': 0,
}


@dataclass(frozen=True)
class Region:
    name: str
    dbus: int
    ibus: int
    size: int
    caps: int
    flags: int
    d2i: int | None
    i2d: int | None


def dump(target: str, out: Path) -> tuple[str, int, list[Region]]:
    gcc = require_executable('gcc')
    exe = out / f'chip_{target}'
    cmd = [
        gcc,
        '-std=c11',
        '-Wall',
        '-Wextra',
        '-Werror',
        f'-I{REPO_ROOT / "src"}',
        str(REPO_ROOT / 'tests' / 'loader' / 'chip_dump.c'),
        str(CHIP_DIR / target / 'hr_chip.c'),
        '-o',
        str(exe),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines()
    assert not [line for line in lines if line.startswith('error')], lines
    name = lines[0].split()[1]
    machine = int(lines[1].split()[1])
    regions = []
    for line in lines[2:]:
        _, rname, dbus, ibus, size, caps, flags, d2i, i2d = line.split()
        regions.append(
            Region(
                rname,
                int(dbus, 16),
                int(ibus, 16),
                int(size, 16),
                int(caps),
                int(flags),
                None if d2i == '-' else int(d2i, 16),
                None if i2d == '-' else int(i2d, 16),
            )
        )
    return name, machine, regions


def test_loader_chip_tables_cover_every_target() -> None:
    assert sorted(p.name for p in CHIP_DIR.iterdir() if (p / 'hr_chip.c').is_file()) == sorted(TARGETS)


@pytest.mark.parametrize('target', sorted(TARGETS))
def test_loader_chip_table_is_consistent(tmp_path: Path, target: str) -> None:
    name, machine, regions = dump(target, tmp_path)
    assert name == target
    assert machine == ARCHES[TARGETS[target]].e_machine
    assert regions
    for a, b in zip(regions, regions[1:], strict=False):
        assert a.dbus + a.size <= b.dbus, f'{a.name} and {b.name} overlap or are not sorted by dbus_base'
    code = [r for r in regions if r.caps & CAP_EXEC and not r.caps & CAP_SPIRAM]
    assert code, 'no internal RAM for module code'
    assert any(r.caps & CAP_DATA and not r.caps & CAP_SPIRAM for r in regions), 'no internal RAM for module data'
    for r in regions:
        assert r.dbus + r.size <= 1 << 32
        if r.flags & EXEC_BY_MMU_MAP:
            assert r.caps & CAP_EXEC and r.caps & CAP_SPIRAM, f'{r.name}: only executable PSRAM is mapped per block'
            assert r.ibus == 0 and r.d2i is None, f'{r.name}: an MMU-mapped region has no fixed instruction view'
        elif r.caps & CAP_EXEC:
            assert r.ibus != 0
            assert r.d2i == r.ibus and r.i2d == r.dbus, f'{r.name}: views do not translate both ways'
        else:
            assert r.ibus == 0 and r.d2i is None
    for r in code:
        assert r.ibus - r.dbus == I_D_OFFSET[target], f'{r.name}: I/D offset differs from ESP-IDF soc.h'
    word_only = [r.name for r in regions if r.flags & WORD_ACCESS_ONLY]
    assert word_only == (['iram'] if target == 'esp32' else [])


@pytest.mark.parametrize('target', sorted(TARGETS))
def test_loader_chip_psram_code_placement(tmp_path: Path, target: str) -> None:
    """Which chips run module code from PSRAM, and how (hr_mem_default_port(true) refuses the others)."""
    _, _, regions = dump(target, tmp_path)
    code = [r for r in regions if r.caps & CAP_SPIRAM and r.caps & CAP_EXEC]
    assert len(code) <= 1
    how = None if not code else 'mmu' if code[0].flags & EXEC_BY_MMU_MAP else 'offset'
    assert how == PSRAM_CODE[target]


HEAP_CAPS_H = """#pragma once
#include <stddef.h>
#include <stdint.h>
#define MALLOC_CAP_EXEC (1 << 0)
#define MALLOC_CAP_32BIT (1 << 1)
#define MALLOC_CAP_8BIT (1 << 2)
#define MALLOC_CAP_SPIRAM (1 << 10)
#define MALLOC_CAP_INTERNAL (1 << 11)
void *heap_caps_aligned_alloc(size_t alignment, size_t size, uint32_t caps);
void heap_caps_free(void *ptr);
size_t heap_caps_get_free_size(uint32_t caps);
"""
CACHE_H = """#pragma once
#include <stddef.h>
#include "esp_err.h"
#define ESP_CACHE_MSYNC_FLAG_UNALIGNED (1 << 1)
#define ESP_CACHE_MSYNC_FLAG_DIR_C2M (1 << 2)
#define ESP_CACHE_MSYNC_FLAG_DIR_M2C (1 << 3)
#define ESP_CACHE_MSYNC_FLAG_TYPE_INST (1 << 5)
esp_err_t esp_cache_msync(void *addr, size_t size, int flags);
"""

#: components/esp_mm/include/esp_mmu_map.h and hal/mmu_types.h (ESP-IDF 5.1 to master), reduced.
MMU_MAP_H = """#pragma once
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
typedef enum {
    MMU_MEM_CAP_EXEC = (1 << 0), MMU_MEM_CAP_READ = (1 << 1), MMU_MEM_CAP_WRITE = (1 << 2),
    MMU_MEM_CAP_32BIT = (1 << 3), MMU_MEM_CAP_8BIT = (1 << 4),
} mmu_mem_caps_t;
typedef enum { MMU_TARGET_FLASH0 = (1 << 0), MMU_TARGET_PSRAM0 = (1 << 1) } mmu_target_t;
typedef uint32_t esp_paddr_t;
#define ESP_MMU_MMAP_FLAG_PADDR_SHARED (1 << 0)
esp_err_t esp_mmu_map(esp_paddr_t paddr_start, size_t size, mmu_target_t target, mmu_mem_caps_t caps, int flags,
                      void **out_ptr);
esp_err_t esp_mmu_unmap(void *ptr);
esp_err_t esp_mmu_vaddr_to_paddr(void *vaddr, esp_paddr_t *out_paddr, mmu_target_t *out_target);
"""
#: What hr_mem.c reads from an ESP32-S2 sdkconfig.h with PSRAM enabled (MMU pages are 64 KiB there).
SDKCONFIG_S2_PSRAM_H = """#pragma once
#define CONFIG_IDF_TARGET_ESP32S2 1
#define CONFIG_SPIRAM 1
#define CONFIG_MMU_PAGE_SIZE 0x10000
"""


@pytest.mark.parametrize('psram', [False, True], ids=['no-psram', 'psram'])
@pytest.mark.parametrize('compiler', ['riscv64-unknown-elf-gcc', 'xtensa-lx106-elf-gcc'])
def test_loader_chip_memory_port_compiles_for_each_arch(tmp_path: Path, compiler: str, psram: bool) -> None:
    """hr_mem.c builds warning-free for both ISAs (its ESP-IDF headers reduced to the declarations it uses)."""
    if shutil.which(compiler) is None:
        pytest.skip(f'{compiler} is not installed')
    (tmp_path / 'esp_heap_caps.h').write_text(HEAP_CAPS_H)
    (tmp_path / 'esp_cache.h').write_text(CACHE_H)
    if psram:
        # With CONFIG_SPIRAM the instruction-bus mapping (esp_mm) is compiled in.
        (tmp_path / 'sdkconfig.h').write_text(SDKCONFIG_S2_PSRAM_H)
        (tmp_path / 'esp_mmu_map.h').write_text(MMU_MAP_H)
    flags = ['-march=rv32imc', '-mabi=ilp32'] if 'riscv' in compiler else []
    includes = [f'-I{tmp_path}', *(f'-I{REPO_ROOT / d}' for d in ('src', 'include', 'sim/platform/include'))]
    cmd = [
        compiler,
        *flags,
        '-std=c11',
        '-O2',
        '-ffreestanding',
        '-Wall',
        '-Wextra',
        '-Werror',
        *includes,
        '-c',
        str(REPO_ROOT / 'src' / 'hr_mem.c'),
        '-o',
        str(tmp_path / 'hr_mem.o'),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope='module')
def mem_mmu_check(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """tests/loader/mem_mmu_check.c run once: its trace lines grouped by case, up to and including the result."""
    gcc = require_executable('gcc')
    out = tmp_path_factory.mktemp('mem_mmu')
    (out / 'sdkconfig.h').write_text(SDKCONFIG_S2_PSRAM_H)
    (out / 'esp_mmu_map.h').write_text(MMU_MAP_H)
    exe = out / 'mem_mmu_check'
    cmd = [
        gcc,
        '-std=c11',
        '-O2',
        '-Wall',
        '-Wextra',
        '-Werror',
        f'-I{out}',
        *(f'-I{REPO_ROOT / d}' for d in ('src', 'include', 'sim/platform/include')),
        str(REPO_ROOT / 'tests' / 'loader' / 'mem_mmu_check.c'),
        str(REPO_ROOT / 'src' / 'hr_mem.c'),
        str(CHIP_DIR / 'esp32s2' / 'hr_chip.c'),
        '-o',
        str(exe),
    ]
    built = subprocess.run(cmd, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines()
    assert not [line for line in lines if line.startswith('error')], lines
    cases: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        if line.startswith('case '):
            current = cases.setdefault(line.split()[1], [])
        current.append(line)
    return cases


def outcome(trace: list[str]) -> dict[str, str]:
    """The result line of a case as a dict: err, write, run, live, mapped."""
    _, _, err, *fields = trace[-1].split()
    return {'err': err, **dict(f.split('=') for f in fields)}


def test_loader_chip_mmu_psram_code_runs_from_its_mapping(mem_mmu_check: dict[str, list[str]]) -> None:
    trace = mem_mmu_check['text']
    res = outcome(trace)
    assert res['err'] == 'ESP_OK'
    # Written through PSRAM's data view, run from the IRAM0 cache window the mapping gave.
    assert 0x3F500000 <= int(res['write'], 16) < 0x3FF80000
    assert 0x40080000 <= int(res['run'], 16) < 0x40400000
    assert int(res['write'], 16) % 0x10000 == 0
    # Whole 64 KiB pages from the heap, mapped executable and shared with the data-bus mapping.
    assert trace[1] == 'alloc align=0x10000 size=0x10000 caps=0x404'
    assert trace[2] == 'map paddr=0x00010000 size=0x10000 target=2 caps=0x9 flags=0x1'
    # Data cache written back through the data view, then the instruction lines invalidated, whole lines only.
    assert trace[3] == f'msync {res["write"]} size=0x3e8 flags=0x6'
    assert trace[4] == f'msync {res["run"]} size=0x400 flags=0x28'
    # Unmapped before its pages go back to the heap.
    assert trace[5:7] == [f'unmap {res["run"]}', f'free {res["write"]}']
    assert (res['live'], res['mapped']) == ('0', '0')


def test_loader_chip_mmu_psram_code_spans_whole_pages(mem_mmu_check: dict[str, list[str]]) -> None:
    trace = mem_mmu_check['text-large']
    assert outcome(trace)['err'] == 'ESP_OK'
    assert trace[1] == 'alloc align=0x10000 size=0x20000 caps=0x404'
    assert trace[2].startswith('map paddr=0x00020000 size=0x20000 ')


def test_loader_chip_mmu_psram_data_is_not_mapped(mem_mmu_check: dict[str, list[str]]) -> None:
    trace = mem_mmu_check['data']
    res = outcome(trace)
    assert res['err'] == 'ESP_OK' and res['write'] == res['run']
    assert not [line for line in trace if line.startswith(('map ', 'unmap '))]
    assert [line for line in trace if line.startswith('msync')] == [f'msync {res["write"]} size=0x64 flags=0x6']


@pytest.mark.parametrize(
    ('case', 'err', 'message'),
    [
        ('map-fails', 'ESP_ERR_NO_MEM', 'no free executable address range left'),
        ('scattered', 'ESP_ERR_INVALID_STATE', 'is not one physical PSRAM run'),
        ('heap-full', 'ESP_ERR_NO_MEM', 'aligned to the 65536-byte MMU page'),
    ],
)
def test_loader_chip_mmu_psram_code_failure_leaves_nothing(
    mem_mmu_check: dict[str, list[str]], case: str, err: str, message: str
) -> None:
    trace = mem_mmu_check[case]
    res = outcome(trace)
    assert res['err'] == err
    assert (res['live'], res['mapped']) == ('0', '0'), trace
    assert any(line.startswith('log hotreload: ') and message in line for line in trace), trace


def test_loader_chip_mmu_psram_code_kept_when_unmap_fails(mem_mmu_check: dict[str, list[str]]) -> None:
    """Pages still executable somewhere are never handed back to the heap."""
    trace = mem_mmu_check['unmap-fails']
    res = outcome(trace)
    assert not [line for line in trace if line.startswith('free ')]
    assert res['live'] == '1'
    assert any('stays allocated' in line for line in trace)


#: Component include directories hr_mem.c reaches through the headers it includes ({t}: target, {a}: arch).
IDF_INCLUDE_DIRS = (
    'esp_common/include',
    'esp_hw_support/include',
    'esp_hw_support/include/soc',
    'esp_hw_support/include/soc/{t}',
    'esp_hw_support/port/{t}/include',
    'esp_hw_support/port/{t}/private_include',
    'esp_mm/include',
    'heap/include',
    'log/include',
    'hal/include',
    'hal/{t}/include',
    'hal/platform_port/include',
    'soc/include',
    'soc/{t}/include',
    'soc/{t}/register',
    'esp_rom/include',
    'esp_rom/{t}/include',
    'esp_rom/{t}',
    'esp_rom/include/{t}',
    'esp_system/include',
    'esp_partition/include',
    'esp_blockdev/include',
    'spi_flash/include',
    'esp_psram/include',
    'esp_libc/platform_include',
    'newlib/platform_include',
    '{a}/include',
    '{a}/{t}/include',
    'freertos/FreeRTOS-Kernel/include',
    'freertos/config/include',
    'freertos/esp_additions/include',
)


@pytest.mark.parametrize('psram', [False, True], ids=['no-psram', 'psram'])
@pytest.mark.parametrize('target', sorted(TARGETS))
def test_loader_chip_memory_port_compiles_against_esp_idf(
    tmp_path: Path, idf_path: Path, target: str, psram: bool
) -> None:
    """hr_mem.c against ESP-IDF's own headers (IDF_PATH) with a minimal sdkconfig.h, syntax only."""
    arch = TARGETS[target]
    components = idf_path / 'components'
    if not (components / 'soc' / target).is_dir():
        pytest.skip(f'the ESP-IDF at {idf_path} does not support {target}')
    if arch == 'xtensa':
        compiler = require_executable('xtensa-lx106-elf-gcc')
        flags = ['-isystem', '/usr/lib/picolibc/riscv64-unknown-elf/include']
    else:
        compiler = require_executable('riscv64-unknown-elf-gcc')
        flags = ['-march=rv32imac_zicsr_zifencei', '-mabi=ilp32', '--specs=picolibc.specs']
    config = [
        f'#define CONFIG_IDF_TARGET "{target}"',
        f'#define CONFIG_IDF_TARGET_{target.upper()} 1',
        f'#define CONFIG_IDF_TARGET_ARCH_{arch.upper()} 1',
        f'#define CONFIG_IDF_TARGET_ARCH "{arch}"',
        '#define CONFIG_MMU_PAGE_SIZE 0x10000',
        '#define CONFIG_HEAP_HAS_EXEC_HEAP 1',
        '#define CONFIG_LOG_DEFAULT_LEVEL 3',
        '#define CONFIG_LOG_MAXIMUM_LEVEL 3',
        '#define CONFIG_LOG_VERSION_1 1',
        '#define CONFIG_LOG_VERSION 1',
        '#define CONFIG_LOG_TIMESTAMP_SOURCE_RTOS 1',
        '#define CONFIG_FREERTOS_UNICORE 1',
        '#define CONFIG_FREERTOS_HZ 100',
        *(['#define CONFIG_SPIRAM 1'] if psram else []),
    ]
    (tmp_path / 'sdkconfig.h').write_text('#pragma once\n' + '\n'.join(config) + '\n')
    dirs = [components / d.format(t=target, a=arch) for d in IDF_INCLUDE_DIRS]
    cmd = [
        compiler,
        *flags,
        '-std=gnu11',
        '-O2',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-fsyntax-only',
        f'-I{tmp_path}',
        *(f'-I{d}' for d in dirs if d.is_dir()),
        f'-I{REPO_ROOT / "src"}',
        f'-I{REPO_ROOT / "include"}',
        str(REPO_ROOT / 'src' / 'hr_mem.c'),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
