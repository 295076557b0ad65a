"""The C loader against GNU ld: placed at X, a module gets the bytes ld gives it when linked at X.

Each toolchain in hotreload_py.toolchains compiles tests/loader/mod_*.c (calls
across objects and into the firmware, static/global/firmware data, function
pointer tables, a switch jump table, string literals, a large bss). The module
is linked and packaged as the build does (module_sections.ld, --emit-relocs
--no-relax, absolute firmware symbols); the same objects are linked again with
every section moved to X. The loader, built natively with ASan and UBSan,
loads the packaged module at X; every section and every export must match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_toolchain
from elftools.elf.elffile import ELFFile
from loader import loaderlib as ll

from hotreload_py.toolchains import TOOLCHAINS, Toolchain

SOURCES = [ll.HERE / 'mod_main.c', ll.HERE / 'mod_util.c']

#: Firmware symbols per architecture: ROM-like code, data with low 12 bits near 0x800.
FIRMWARE = {
    'riscv32': {'fw_add': 0x40001234, 'fw_log': 0x40002F00, 'fw_value': 0x3FC8F7FC, 'fw_table': 0x3FC90810},
    # Xtensa windowed CALL8 reaches +-512 KiB, so firmware code sits near the module's IRAM.
    'xtensa': {'fw_add': 0x40081234, 'fw_log': 0x40082F00, 'fw_value': 0x3FFB07FC, 'fw_table': 0x3FFB1810},
}

#: Placements (text, rodata, data, bss). Addresses with low 12 bits around 0x800
#: flip the HI20 rounding carry for the symbols inside; others are far apart.
PLACEMENTS = {
    'riscv32': [
        (0x40390000, 0x3FCA07F0, 0x3FCB0000, 0x3FCB1000),
        (0x403807F8, 0x3FC8F800, 0x3FCC0FF8, 0x3FC9F7F8),
        (0x42000000, 0x3C0007F8, 0x3C100800, 0x3C2FF800),
        (0x4FF00FFC, 0x4FF207F8, 0x4FF30800, 0x4FF40000),
    ],
    'xtensa': [
        (0x40090000, 0x3FFC07F0, 0x3FFD0000, 0x3FFD1000),
        (0x40080800, 0x3FFB8000, 0x3FFE07F8, 0x3FFE1000),
        (0x400F0004, 0x3F400010, 0x3FFAE000, 0x3F800000),
    ],
}

#: Extra compile flags per toolchain; each entry is one module variant.
VARIANTS = {
    'rv32-gcc': [('O2', ['-O2']), ('medany', ['-O2', '-mcmodel=medany']), ('O0', ['-O0'])],
    'rv32-clang': [('O2', ['-O2']), ('medium', ['-O2', '-mcmodel=medium']), ('Os', ['-Os'])],
    'xtensa-call0-gcc': [('O2', ['-O2']), ('O0', ['-O0'])],
    'xtensa-windowed-clang': [('O2', ['-O2']), ('O0', ['-O0'])],
}

CASES = [
    (tc, variant, index)
    for tc in sorted(TOOLCHAINS)
    for variant, _ in VARIANTS[tc]
    for index in range(len(PLACEMENTS[TOOLCHAINS[tc].arch]))
]


@dataclass(frozen=True)
class Module:
    toolchain: Toolchain
    workdir: Path
    objects: list[Path]
    fw_script: Path
    packaged: Path
    exports: list[str]


_modules: dict[tuple[str, str], Module] = {}
_loaders: dict[str, Path] = {}


def host_loader(tmp_path_factory: pytest.TempPathFactory, arch: str) -> Path:
    if arch not in _loaders:
        _loaders[arch] = ll.build_host_loader(arch, tmp_path_factory.mktemp('loader') / f'host_load_{arch}')
    return _loaders[arch]


def built_module(tmp_path_factory: pytest.TempPathFactory, tc_name: str, variant: str) -> Module:
    key = (tc_name, variant)
    if key not in _modules:
        toolchain = require_toolchain(tc_name)
        flags = dict(VARIANTS[tc_name])[variant]
        work = tmp_path_factory.mktemp(f'mod-{tc_name}-{variant}')
        objects = ll.compile_objects(toolchain, SOURCES, work, flags)
        fw = ll.write_firmware_script(work / 'firmware.ld', FIRMWARE[toolchain.arch])
        linked = work / 'module.elf'
        result = ll.link(toolchain, objects, fw, linked)
        assert result.returncode == 0, result.stderr
        packaged = work / 'module_stripped.so'
        exports = ll.package(toolchain, linked, fw, packaged)
        _modules[key] = Module(toolchain, work, objects, fw, packaged, exports)
    return _modules[key]


def _compare(mod: Module, loaded: ll.LoadResult, reference: Path) -> None:
    ref = ll.section_bytes(reference)
    for kind in ('text', 'rodata', 'data'):
        addr, data, size = ref[f'.{kind}']
        got = loaded.block(kind)
        assert len(got) >= size
        if got[:size] != data:
            first = next(i for i in range(size) if got[i] != data[i])
            pytest.fail(
                f'.{kind} differs from GNU ld at offset 0x{first:x} (address 0x{addr + first:08x}): '
                f'loader {got[first : first + 8].hex()} ld {data[first : first + 8].hex()}'
            )
    _, _, bss_size = ref['.bss']
    assert loaded.block('bss')[:bss_size] == bytes(bss_size)
    assert loaded.slots == ll.symbol_values(reference, mod.exports)


@pytest.mark.parametrize(('tc_name', 'variant', 'index'), CASES, ids=[f'{t}-{v}-X{i}' for t, v, i in CASES])
def test_loader_link_matches_gnu_ld(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, tc_name: str, variant: str, index: int
) -> None:
    mod = built_module(tmp_path_factory, tc_name, variant)
    arch = mod.toolchain.arch
    at = dict(zip(ll.KINDS, PLACEMENTS[arch][index], strict=True))
    reference = tmp_path / 'reference.elf'
    result = ll.link(mod.toolchain, mod.objects, mod.fw_script, reference, at)
    assert result.returncode == 0, result.stderr
    loaded = ll.run_loader(host_loader(tmp_path_factory, arch), mod.packaged, mod.exports, at, tmp_path / 'out')
    assert loaded.result == 'ESP_OK', loaded.stdout
    _compare(mod, loaded, reference)


@pytest.mark.parametrize('tc_name', ['xtensa-call0-gcc', 'xtensa-windowed-clang'])
def test_loader_link_word_only_iram_gives_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, tc_name: str
) -> None:
    """ESP32 IRAM: copying and patching code with aligned 32-bit accesses only changes nothing in the result."""
    mod = built_module(tmp_path_factory, tc_name, 'O2')
    at = dict(zip(ll.KINDS, PLACEMENTS['xtensa'][0], strict=True))
    reference = tmp_path / 'reference.elf'
    assert ll.link(mod.toolchain, mod.objects, mod.fw_script, reference, at).returncode == 0
    loader = host_loader(tmp_path_factory, 'xtensa')
    loaded = ll.run_loader(loader, mod.packaged, mod.exports, at, tmp_path / 'out', ['--word-only'])
    assert loaded.result == 'ESP_OK', loaded.stdout
    _compare(mod, loaded, reference)


#: Hand-written direct calls into the firmware (compilers call it through registers).
CALLS = {
    'xtensa-windowed-clang': ('mod_calls_xtensa.S', 0x40090000, 0x40280000, 'CALLn'),
    'rv32-gcc': ('mod_calls_riscv.S', 0x40080000, 0x40390000, 'JAL'),
}


@pytest.mark.parametrize('tc_name', sorted(CALLS))
def test_loader_link_direct_firmware_calls_move_and_fail_out_of_range(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, tc_name: str
) -> None:
    """CALL8/J/JAL to fixed firmware code: recomputed from the new P, and refused (as ld refuses) when too far."""
    toolchain = require_toolchain(tc_name)
    source, near, far, what = CALLS[tc_name]
    objects = ll.compile_objects(toolchain, [ll.HERE / source], tmp_path, [])
    fw = ll.write_firmware_script(tmp_path / 'firmware.ld', FIRMWARE[toolchain.arch])
    # Linked near the firmware (at 0 the JAL could not reach it), then moved by 0x1040 bytes.
    at = {'text': near, 'rodata': 0x3FFC0000, 'data': 0x3FFD0000, 'bss': 0x3FFD1000}
    assert ll.link(toolchain, objects, fw, tmp_path / 'module.elf', at).returncode == 0
    exports = ll.package(toolchain, tmp_path / 'module.elf', fw, tmp_path / 'module.so')
    mod = Module(toolchain, tmp_path, objects, fw, tmp_path / 'module.so', exports)
    loader = host_loader(tmp_path_factory, toolchain.arch)

    at['text'] = near + 0x1040
    reference = tmp_path / 'near.elf'
    assert ll.link(toolchain, objects, fw, reference, at).returncode == 0
    loaded = ll.run_loader(loader, mod.packaged, exports, at, tmp_path / 'out')
    assert loaded.result == 'ESP_OK', loaded.stdout
    addr, data, size = ll.section_bytes(reference)['.text']
    assert loaded.block('text')[:size] == data

    at['text'] = far
    assert ll.link(toolchain, objects, fw, tmp_path / 'far.elf', at).returncode != 0
    loaded = ll.run_loader(loader, mod.packaged, exports, at)
    assert loaded.result == 'ESP_ERR_NOT_SUPPORTED'
    assert what in loaded.stdout and 'reach' in loaded.stdout, loaded.stdout


def test_loader_link_riscv_uses_pcrel_pairs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The medany variant really exercises PCREL_HI20/LO12 (so the comparison above covers them)."""
    mod = built_module(tmp_path_factory, 'rv32-gcc', 'medany')
    counts = ll.elf.load(mod.packaged).reloc_counts
    assert counts.get('R_RISCV_PCREL_HI20', 0) > 0 and counts.get('R_RISCV_PCREL_LO12_I', 0) > 0, counts


def test_loader_link_pcrel_lo12_before_its_hi20_still_matches(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """Relocation order is not guaranteed: with .rela.text reversed, every PCREL_LO12 comes before its AUIPC."""
    mod = built_module(tmp_path_factory, 'rv32-gcc', 'medany')
    data = bytearray(mod.packaged.read_bytes())
    with mod.packaged.open('rb') as stream:
        rela = ELFFile(stream).get_section_by_name('.rela.text')
        assert rela is not None
        start, size = rela['sh_offset'], rela['sh_size']
    entries = [data[start + i : start + i + 12] for i in range(0, size, 12)]
    data[start : start + size] = b''.join(reversed(entries))
    reordered = tmp_path / 'reordered.so'
    reordered.write_bytes(bytes(data))
    at = dict(zip(ll.KINDS, PLACEMENTS['riscv32'][1], strict=True))
    reference = tmp_path / 'reference.elf'
    assert ll.link(mod.toolchain, mod.objects, mod.fw_script, reference, at).returncode == 0
    loaded = ll.run_loader(host_loader(tmp_path_factory, 'riscv32'), reordered, mod.exports, at, tmp_path / 'out')
    assert loaded.result == 'ESP_OK', loaded.stdout
    _compare(mod, loaded, reference)


@pytest.mark.parametrize('index', range(len(PLACEMENTS['riscv32'])))
def test_loader_link_riscv_label_differences_across_sections(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, index: int
) -> None:
    """ADD/SUB and SET/SUB pairs (and ALIGN) in rodata, recomputed as GNU ld does when sections move apart."""
    toolchain = require_toolchain('rv32-gcc')
    objects = ll.compile_objects(toolchain, [ll.HERE / 'mod_diffs_riscv.S'], tmp_path, [])
    fw = ll.write_firmware_script(tmp_path / 'firmware.ld', FIRMWARE['riscv32'])
    assert ll.link(toolchain, objects, fw, tmp_path / 'module.elf').returncode == 0
    exports = ll.package(toolchain, tmp_path / 'module.elf', fw, tmp_path / 'module.so')
    counts = ll.elf.load(tmp_path / 'module.so').reloc_counts
    assert all(counts.get(f'R_RISCV_{k}{n}', 0) for k in ('ADD', 'SUB', 'SET') for n in (8, 16, 32)), counts
    assert counts.get('R_RISCV_SET6', 0) and counts.get('R_RISCV_SUB6', 0), counts
    mod = Module(toolchain, tmp_path, objects, fw, tmp_path / 'module.so', exports)
    at = dict(zip(ll.KINDS, PLACEMENTS['riscv32'][index], strict=True))
    del at['bss']  # the module has none
    reference = tmp_path / 'reference.elf'
    assert ll.link(toolchain, objects, fw, reference, at).returncode == 0
    loaded = ll.run_loader(host_loader(tmp_path_factory, 'riscv32'), mod.packaged, exports, at, tmp_path / 'out')
    assert loaded.result == 'ESP_OK', loaded.stdout
    ref = ll.section_bytes(reference)
    for kind in ('text', 'rodata', 'data'):
        _, data, size = ref[f'.{kind}']
        assert loaded.block(kind)[:size] == data, kind
