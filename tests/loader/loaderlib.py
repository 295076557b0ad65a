"""Builds and runs what the loader tests need: the host loader, test modules, reference links.

Shared by tests/test_loader_*.py and bench/bench_loader.py. Everything is
built under a caller-given directory (pytest's session temp dir), once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from hotreload_py import codegen, elf
from hotreload_py.arch import ARCHES
from hotreload_py.build import package_module
from hotreload_py.toolchains import Toolchain, compile_c

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MODULE_SCRIPT = REPO / 'cmake' / 'module_sections.ld'

LOADER_SOURCES = ('src/hr_load.c', 'src/hr_link.c')
ARCH_SOURCE = {'riscv32': 'src/arch/hr_reloc_riscv.c', 'xtensa': 'src/arch/hr_reloc_xtensa.c'}
PLATFORM_SOURCES = ('sim/platform/src/esp_err.c', 'sim/platform/src/esp_log.c', 'sim/platform/src/sim_time_host.c')
INCLUDES = ('include', 'src', 'sim/platform/include')
SANITIZE = ('-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer')
WARN = ('-std=c11', '-Wall', '-Wextra', '-Werror')
#: GNU ld emulation per architecture (riscv64-unknown-elf-ld defaults to 64-bit).
LD_EMULATION = {'riscv32': ('-m', 'elf32lriscv'), 'xtensa': ()}
KINDS = ('text', 'rodata', 'data', 'bss')


def build_host_loader(arch: str, out: Path, sanitize: bool = True, extra: Sequence[str] = ()) -> Path:
    """Compile tests/loader/host_load.c with the loader for @p arch natively (ASan+UBSan by default)."""
    machine = 'EM_RISCV' if ARCHES[arch].e_machine == 243 else 'EM_XTENSA'
    cmd = [
        shutil.which('gcc') or 'gcc',
        *WARN,
        '-g',
        '-O1' if sanitize else '-O2',
        *(SANITIZE if sanitize else ()),
        *extra,
        f'-DHR_ARCH_EM={machine}',
        *(f'-I{REPO / inc}' for inc in INCLUDES),
        str(HERE / 'host_load.c'),
        *(str(REPO / src) for src in (*LOADER_SOURCES, ARCH_SOURCE[arch], *PLATFORM_SOURCES)),
        '-o',
        str(out),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f'building the host loader failed:\n{" ".join(cmd)}\n{result.stderr}')
    return out


@dataclass(frozen=True)
class LoadResult:
    """What host_load printed: the esp_err name, slot values and the blocks it wrote."""

    result: str
    slots: dict[str, int]
    live: int
    stdout: str
    out_dir: Path | None

    def block(self, kind: str) -> bytes:
        assert self.out_dir is not None
        return (self.out_dir / f'{kind}.bin').read_bytes()


def run_loader(
    loader: Path,
    module: Path,
    exports: Sequence[str],
    at: Mapping[str, int] | None = None,
    out_dir: Path | None = None,
    extra: Sequence[str] = (),
) -> LoadResult:
    """Run the host loader; fail on any sanitizer report, a leak, or an image returned on failure."""
    cmd = [str(loader), str(module)]
    for kind, addr in (at or {}).items():
        cmd += ['--at', f'{kind}={addr:x}']
    for name in exports:
        cmd += ['--export', name]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        cmd += ['--out', str(out_dir)]
    cmd += list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    report = f'{" ".join(cmd)}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}'
    assert proc.returncode == 0, report
    assert 'Sanitizer' not in proc.stderr and 'runtime error' not in proc.stderr, report
    assert 'image returned on failure' not in proc.stdout and 'poison failed' not in proc.stdout, report
    result = re.search(r'^HR: result (\S+)$', proc.stdout, re.M)
    live = re.search(r'^HR: live (-?\d+)$', proc.stdout, re.M)
    assert result is not None and live is not None, report
    slots = {m[1]: int(m[2], 16) for m in re.finditer(r'^HR: slot (\S+) 0x([0-9a-f]+)$', proc.stdout, re.M)}
    assert int(live[1]) == 0, f'loader left {live[1]} blocks allocated\n{report}'
    return LoadResult(result[1], slots, int(live[1]), proc.stdout, out_dir)


def write_firmware_script(path: Path, symbols: Mapping[str, int]) -> Path:
    """A `sym = 0x...;` script: firmware symbols at fixed (SHN_ABS) addresses."""
    path.write_text(''.join(f'{name} = 0x{addr:08x};\n' for name, addr in symbols.items()))
    return path


def compile_objects(toolchain: Toolchain, sources: Sequence[Path], out_dir: Path, flags: Sequence[str]) -> list[Path]:
    """Compile each source with the toolchain's exact steps (as the module build does)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    objects = []
    for source in sources:
        obj = out_dir / (source.stem + '.o')
        compile_c(
            toolchain, source, obj, ['-ffreestanding', '-ffunction-sections', '-fdata-sections', *flags, f'-I{HERE}']
        )
        objects.append(obj)
    return objects


def link(
    toolchain: Toolchain,
    objects: Sequence[Path],
    fw_script: Path,
    out: Path,
    at: Mapping[str, int] | None = None,
    script: Path = MODULE_SCRIPT,
) -> subprocess.CompletedProcess[str]:
    """GNU ld as the module build runs it (--emit-relocs --no-relax), optionally with sections moved to @p at."""
    cmd = [
        toolchain.tool('ld'),
        *LD_EMULATION[toolchain.arch],
        '--emit-relocs',
        '--no-relax',
        '--no-warn-rwx-segments',
        '-e',
        '0',
        '-T',
        str(fw_script),
        '-T',
        str(script),
        '-o',
        str(out),
    ]
    for kind, addr in (at or {}).items():
        cmd.append(f'--section-start=.{kind}=0x{addr:x}')
    cmd += [str(o) for o in objects]
    return subprocess.run(cmd, capture_output=True, text=True)


def package(toolchain: Toolchain, linked: Path, fw_script: Path, out: Path, name: str = 'loadertest') -> list[str]:
    """Stamp the info record and strip, exactly as the build pipeline does; returns the exports."""
    return package_module(linked, fw_script, name, toolchain.tool('objcopy'), out)


def section_bytes(path: Path) -> dict[str, tuple[int, bytes, int]]:
    """Allocatable sections of an ELF: name -> (address, contents or b'' for NOBITS, size)."""
    out: dict[str, tuple[int, bytes, int]] = {}
    with path.open('rb') as stream:
        image = ELFFile(stream)
        for section in image.iter_sections():
            if section['sh_flags'] & 2 and section['sh_size']:
                data = b'' if section['sh_type'] == 'SHT_NOBITS' else section.data()
                out[section.name] = (section['sh_addr'], data, section['sh_size'])
    return out


def symbol_values(path: Path, names: Sequence[str]) -> dict[str, int]:
    """Values of the named symbols in a linked ELF."""
    image = elf.load(path)
    table = {sym.name: sym.value for sym in image.symbols}
    return {name: table[name] for name in names}


def exports_of(path: Path) -> list[str]:
    """The module's exports in table order, as the code generator computes them."""
    return codegen.module_exports(elf.load(path))
