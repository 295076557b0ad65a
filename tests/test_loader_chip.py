"""The per-chip memory tables (src/chip/<target>/hr_chip.c) and the helpers in src/hr_chip.h.

Each table is compiled natively with a small dump program: the chips listed
must be exactly hotreload_py.arch.TARGETS, each with its architecture's ELF
machine, regions sorted and disjoint, code regions translating between their
views both ways, and the I/D offsets ESP-IDF's soc.h gives (SOC_I_D_OFFSET =
SOC_DIRAM_IRAM_LOW - SOC_DIRAM_DRAM_LOW). The ESP-IDF memory port
(src/hr_mem.c) is compiled for each architecture with the cross compilers.
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
WORD_ACCESS_ONLY = 1

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
        if r.caps & CAP_EXEC:
            assert r.ibus != 0
            assert r.d2i == r.ibus and r.i2d == r.dbus, f'{r.name}: views do not translate both ways'
        else:
            assert r.ibus == 0 and r.d2i is None
    for r in code:
        assert r.ibus - r.dbus == I_D_OFFSET[target], f'{r.name}: I/D offset differs from ESP-IDF soc.h'
    word_only = [r.name for r in regions if r.flags & WORD_ACCESS_ONLY]
    assert word_only == (['iram'] if target == 'esp32' else [])


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


@pytest.mark.parametrize('compiler', ['riscv64-unknown-elf-gcc', 'xtensa-lx106-elf-gcc'])
def test_loader_chip_memory_port_compiles_for_each_arch(tmp_path: Path, compiler: str) -> None:
    """hr_mem.c builds warning-free for both ISAs (its ESP-IDF headers reduced to the declarations it uses)."""
    if shutil.which(compiler) is None:
        pytest.skip(f'{compiler} is not installed')
    (tmp_path / 'esp_heap_caps.h').write_text(HEAP_CAPS_H)
    (tmp_path / 'esp_cache.h').write_text(CACHE_H)
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
