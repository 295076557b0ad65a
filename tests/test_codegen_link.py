"""gen-externs and gen-ldscript against real links: GNU ld puts the module's firmware references on firmware addresses.

A small firmware (tests/fixtures/codegen/firmware.c, memcpy only in an
archive) is linked with and without the EXTERN script; the module
(module.c) is linked against the gen-ldscript output with
cmake/module_sections.ld, --emit-relocs and --no-relax, and every relocation
against a firmware symbol is checked in the linked bytes.
"""

from __future__ import annotations

import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_toolchain
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from hotreload_py import codegen, elf
from hotreload_py.errors import BuildError, ElfError
from hotreload_py.toolchains import Toolchain, compile_c

FIXTURES = REPO_ROOT / 'tests' / 'fixtures' / 'codegen'
START_FILES = {
    'riscv': 'start_riscv.S',
    'xtensa-call0': 'start_xtensa_call0.S',
    'xtensa-windowed': 'start_xtensa_windowed.S',
}
LD_EMULATION = {'riscv32': ['-m', 'elf32lriscv'], 'xtensa': []}
FIRMWARE_SYMBOLS = {'printf', 'memcpy', 'fw_counter'}

# Relocation types whose linked value is checked (psABI numbers).
R_32 = 1  # R_RISCV_32 and R_XTENSA_32: S + A in a data word
R_RISCV_CALL = (18, 19)  # auipc + jalr pair: S + A - P


@dataclass(frozen=True)
class Linked:
    toolchain: Toolchain
    workdir: Path
    module_obj: Path
    firmware_plain: Path  # linked without the EXTERN script
    firmware: Path  # linked with it

    def ld(self, *args: str | Path) -> None:
        cmd = [self.toolchain.tool('ld'), *LD_EMULATION[self.toolchain.arch], '--no-relax', *map(str, args)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)


_cache: dict[str, Linked] = {}


def _linked(tmp_path_factory: pytest.TempPathFactory, name: str) -> Linked:
    if name in _cache:
        return _cache[name]
    toolchain = require_toolchain(name)
    w = tmp_path_factory.mktemp(f'link-{name}')
    flags = ['-O2', '-ffreestanding', '-fno-builtin', '-ffunction-sections', '-fdata-sections']

    def cc(src: Path, out: str, extra: list[str] | None = None) -> Path:
        compile_c(toolchain, src, w / out, [] if src.suffix == '.S' else flags + (extra or []))
        return w / out

    module = cc(FIXTURES / 'module.c', 'module.o')
    start = cc(FIXTURES / START_FILES[toolchain.abi], 'start.o')
    fw = cc(FIXTURES / 'firmware.c', 'firmware.o')
    lib = w / 'libfw.a'
    subprocess.run([toolchain.tool('ar'), 'rcs', str(lib), str(cc(FIXTURES / 'fw_lib.c', 'fw_lib.o'))], check=True)
    externs = w / 'externs.ld'
    codegen.gen_externs(module, externs)
    linked = Linked(toolchain, w, module, w / 'fw_plain.elf', w / 'fw.elf')
    common: list[str | Path] = ['-z', 'noexecstack', '--no-warn-rwx-segments', '-T', FIXTURES / 'prog.ld']
    linked.ld(*common, '-o', linked.firmware_plain, start, fw, lib)
    linked.ld(*common, '-o', linked.firmware, start, fw, externs, lib)
    _cache[name] = linked
    return linked


TOOLCHAIN_NAMES = ['rv32-gcc', 'rv32-clang', 'xtensa-call0-gcc', 'xtensa-windowed-clang']


@pytest.mark.parametrize('name', TOOLCHAIN_NAMES)
def test_gen_externs_keeps_library_functions_the_module_uses(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    linked = _linked(tmp_path_factory, name)
    text = (linked.workdir / 'externs.ld').read_text()
    for sym in ('printf', 'memcpy', 'fw_counter', 'fw_optional'):
        assert f'EXTERN({sym})' in text
    assert 'memcpy' not in elf.load(linked.firmware_plain).defined_globals()
    assert 'memcpy' in elf.load(linked.firmware).defined_globals()


@pytest.mark.parametrize('name', TOOLCHAIN_NAMES)
def test_gen_ldscript_without_externs_names_the_missing_symbol(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    linked = _linked(tmp_path_factory, name)
    out = linked.workdir / 'missing.ld'
    with pytest.raises(BuildError, match=r'does not define 1 symbol\(s\) the module uses: memcpy;'):
        codegen.gen_ldscript(linked.firmware_plain, linked.module_obj, out)
    assert not out.exists()
    resolved = codegen.gen_ldscript(linked.firmware_plain, linked.module_obj, out, allow_undefined=True)
    assert set(resolved) == {'printf', 'fw_counter'}


@pytest.mark.parametrize('name', TOOLCHAIN_NAMES)
def test_gen_ldscript_module_calls_land_on_firmware_addresses(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    linked = _linked(tmp_path_factory, name)
    w = linked.workdir
    script = w / 'fw_syms.ld'
    resolved = codegen.gen_ldscript(linked.firmware, linked.module_obj, script)
    firmware_syms = elf.load(linked.firmware).defined_globals()
    assert set(resolved) == FIRMWARE_SYMBOLS
    assert all(resolved[s] == firmware_syms[s] for s in FIRMWARE_SYMBOLS)
    for sym, addr in resolved.items():
        assert f'{sym} = 0x{addr:08x};' in script.read_text()

    module_elf = w / 'module.elf'
    linked.ld(
        '--emit-relocs',
        '-T',
        REPO_ROOT / 'cmake' / 'module_sections.ld',
        '-o',
        module_elf,
        script,
        linked.module_obj,
    )
    checked = _check_firmware_relocations(module_elf, resolved)
    # Every firmware symbol is referenced from firmware_refs[] at least; printf is also called.
    assert set(checked) == FIRMWARE_SYMBOLS, checked
    assert checked['printf'] >= 2, checked  # the call (auipc/jalr or a literal) and the data word


def _check_firmware_relocations(module_elf: Path, resolved: dict[str, int]) -> dict[str, int]:
    """Assert each checkable relocation against a firmware symbol holds its address; count them per symbol."""
    checked: dict[str, int] = {}
    with module_elf.open('rb') as stream:
        image = ELFFile(stream)
        symtab = image.get_section_by_name('.symtab')
        assert isinstance(symtab, SymbolTableSection)
        for section in image.iter_sections():
            if not isinstance(section, RelocationSection) or section.name.startswith('.rela.debug'):
                continue
            target = image.get_section(section['sh_info'])
            data, base = target.data(), target['sh_addr']
            for reloc in section.iter_relocations():
                sym = symtab.get_symbol(reloc['r_info_sym'])
                if sym.name not in resolved:
                    continue
                want = resolved[sym.name] + reloc['r_addend']
                offset = reloc['r_offset'] - base
                rtype = reloc['r_info_type']
                if rtype == R_32:
                    (got,) = struct.unpack_from('<I', data, offset)
                elif image['e_machine'] == 'EM_RISCV' and rtype in R_RISCV_CALL:
                    got = _riscv_call_target(data, offset, reloc['r_offset'])
                else:
                    continue
                assert got == want & 0xFFFFFFFF, f'{sym.name}: relocated to {got:#x}, firmware has {want:#x}'
                checked[sym.name] = checked.get(sym.name, 0) + 1
    return checked


def _riscv_call_target(data: bytes, offset: int, pc: int) -> int:
    auipc, jalr = struct.unpack_from('<II', data, offset)
    hi = auipc & 0xFFFFF000
    lo = jalr >> 20
    lo -= (lo & 0x800) << 1
    return (pc + hi + lo) & 0xFFFFFFFF


def test_gen_ldscript_rejects_module_with_another_float_abi(tmp_path_factory: pytest.TempPathFactory) -> None:
    linked = _linked(tmp_path_factory, 'rv32-gcc')
    hard = linked.workdir / 'module_f.o'
    subprocess.run(
        ['riscv64-unknown-elf-gcc', '-march=rv32imafc', '-mabi=ilp32f', '-O2', '-ffreestanding', '-c']
        + [str(FIXTURES / 'module.c'), '-o', str(hard)],
        check=True,
    )
    with pytest.raises(ElfError, match=r'float ABI single differs from firmware .* \(soft\)'):
        codegen.gen_ldscript(linked.firmware, hard, linked.workdir / 'f.ld')


@pytest.mark.parametrize('name', ['rv32-gcc', 'xtensa-windowed-clang'])
def test_gen_stubs_same_table_from_relocatable_and_linked_module(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    """The first-pass `ld -r` object and the second-pass linked module give byte-identical stubs and table."""
    linked = _linked(tmp_path_factory, name)
    w = linked.workdir
    partial = w / 'module_r.o'
    linked.ld('-r', '-o', partial, linked.module_obj)
    script = w / 'fw_syms2.ld'
    codegen.gen_ldscript(linked.firmware, partial, script)
    final = w / 'module_final.elf'
    linked.ld('--emit-relocs', '-T', REPO_ROOT / 'cmake' / 'module_sections.ld', '-o', final, script, partial)
    assert elf.load(final).elf_type == elf.ET_EXEC
    outputs = []
    abi = linked.toolchain.abi
    for module in (partial, final):
        stubs, table = w / f'{module.stem}.S', w / f'{module.stem}.c'
        names = codegen.gen_stubs(module, abi, stubs, table, prefix='reloadable')
        outputs.append((names, stubs.read_text(), table.read_text()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == ['reloadable_add', 'reloadable_greet']


def test_gen_ldscript_rejects_firmware_thread_locals(tmp_path: Path) -> None:
    toolchain = require_toolchain('rv32-gcc')
    fw_c, mod_c = tmp_path / 'fw.c', tmp_path / 'mod.c'
    fw_c.write_text('__thread int task_local = 1;\nint prog_main(void) { return task_local; }\n')
    mod_c.write_text('extern __thread int task_local;\nint get(void) { return task_local; }\n')
    flags = ['-O2', '-ffreestanding']
    compile_c(toolchain, fw_c, tmp_path / 'fw.o', flags)
    compile_c(toolchain, mod_c, tmp_path / 'mod.o', flags)
    compile_c(toolchain, FIXTURES / START_FILES['riscv'], tmp_path / 'start.o')
    firmware = tmp_path / 'fw.elf'
    subprocess.run(
        [toolchain.tool('ld'), '-m', 'elf32lriscv', '--no-warn-rwx-segments', '-T', str(FIXTURES / 'prog.ld')]
        + ['-o', str(firmware), str(tmp_path / 'start.o'), str(tmp_path / 'fw.o')],
        check=True,
        capture_output=True,
    )
    with pytest.raises(BuildError, match='uses thread-local variable\\(s\\) task_local of the firmware'):
        codegen.gen_ldscript(firmware, tmp_path / 'mod.o', tmp_path / 'out.ld')
