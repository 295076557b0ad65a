"""Malformed modules: each yields its own esp_err_t, under ASan and UBSan, and leaks nothing.

A good module (rv32 GCC, medany, so it has PCREL pairs) is built and packaged
once; every case below derives a broken copy from its bytes (truncations at
each header, bad indexes, overlapping or out-of-file sections, huge sizes,
wrapping offsets, relocations past the end, wrong machine, ...). The host
loader must return the case's error code, print no sanitizer report, return
no image and leave no block allocated.
"""

from __future__ import annotations

import io
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_toolchain
from elftools.elf.elffile import ELFFile
from loader import loaderlib as ll

from hotreload_py import protocol

FIRMWARE = {'fw_add': 0x40001234, 'fw_log': 0x40002F00, 'fw_value': 0x3FC8F7FC, 'fw_table': 0x3FC90810}
AT = {'text': 0x40390000, 'rodata': 0x3FCA07F0, 'data': 0x3FCB0000, 'bss': 0x3FCB1000}

EHDR_SIZE = 52
SHDR_SIZE = 40
SYM_SIZE = 16
RELA_SIZE = 12
# Elf32_Shdr field offsets
SH_NAME, SH_TYPE, SH_FLAGS, SH_ADDR, SH_OFFSET, SH_SIZE, SH_LINK, SH_INFO, SH_ALIGN, SH_ENTSIZE = range(0, 40, 4)
SHT_PROGBITS, SHT_SYMTAB, SHT_REL = 1, 2, 9
R_RISCV_64, R_RISCV_BRANCH, R_RISCV_GOT_HI20, R_RISCV_PCREL_LO12_I = 2, 16, 20, 24


class Elf:
    """A mutable copy of the good module with the offsets the cases need."""

    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)
        (self.shoff,) = struct.unpack_from('<I', data, 32)
        self.shnum, self.shstrndx = struct.unpack_from('<HH', data, 48)
        with_names = ELFFile(io.BytesIO(bytes(data)))
        self.index = {s.name: i for i, s in enumerate(with_names.iter_sections())}
        self.names = {i: s.name for i, s in enumerate(with_names.iter_sections())}

    def shdr(self, name: str) -> int:
        return self.shoff + self.index[name] * SHDR_SIZE

    def get(self, off: int, fmt: str = '<I') -> int:
        return int(struct.unpack_from(fmt, self.data, off)[0])

    def put(self, off: int, value: int, fmt: str = '<I') -> Elf:
        struct.pack_into(fmt, self.data, off, value)
        return self

    def sh_get(self, name: str, field: int) -> int:
        return self.get(self.shdr(name) + field)

    def sh_put(self, name: str, field: int, value: int) -> Elf:
        return self.put(self.shdr(name) + field, value)

    def section_data_off(self, name: str) -> int:
        return self.sh_get(name, SH_OFFSET)

    def symbol_off(self, sym_name: str) -> int:
        """File offset of the named symbol's Elf32_Sym."""
        symtab = self.section_data_off('.symtab')
        strtab = self.section_data_off('.strtab')
        for i in range(self.sh_get('.symtab', SH_SIZE) // SYM_SIZE):
            off = symtab + i * SYM_SIZE
            name_off = self.get(off)
            end = self.data.index(0, strtab + name_off)
            if self.data[strtab + name_off : end].decode() == sym_name:
                return off
        raise KeyError(sym_name)

    def rela(self, section: str, pick: Callable[[int, int], bool]) -> int:
        """File offset of the first Elf32_Rela in @p section whose (type, sym) satisfies @p pick."""
        base = self.section_data_off(section)
        for i in range(self.sh_get(section, SH_SIZE) // RELA_SIZE):
            off = base + i * RELA_SIZE
            info = self.get(off + 4)
            if pick(info & 0xFF, info >> 8):
                return off
        raise KeyError(section)

    def info_off(self) -> int:
        return self.section_data_off(protocol.MODULE_INFO_SECTION)


@dataclass(frozen=True)
class Case:
    name: str
    expected: str
    mutate: Callable[[Elf], Elf | bytes]
    extra: tuple[str, ...] = ()


def _truncate(n: int | Callable[[Elf], int]) -> Callable[[Elf], bytes]:
    return lambda e: bytes(e.data[: n(e) if callable(n) else n])


def _field_of_text_reloc(e: Elf, rtype: int) -> int:
    return e.rela('.rela.text', lambda t, s: t == rtype)


def _replace_name(e: Elf, old: str, new: str) -> Elf:
    strtab = e.section_data_off('.strtab')
    size = e.sh_get('.strtab', SH_SIZE)
    at = e.data.index(old.encode() + b'\0', strtab, strtab + size)
    e.data[at : at + len(new)] = new.encode()
    return e


INVALID_SIZE = 'ESP_ERR_INVALID_SIZE'
NOT_SUPPORTED = 'ESP_ERR_NOT_SUPPORTED'
NOT_FOUND = 'ESP_ERR_NOT_FOUND'

CASES = [
    # Truncated at every header and inside every table.
    Case('empty_file', INVALID_SIZE, _truncate(0)),
    Case('truncated_in_ident', INVALID_SIZE, _truncate(10)),
    Case('truncated_in_elf_header', INVALID_SIZE, _truncate(EHDR_SIZE - 1)),
    Case('truncated_after_elf_header', INVALID_SIZE, _truncate(EHDR_SIZE)),
    Case('truncated_in_first_section_header', INVALID_SIZE, _truncate(lambda e: e.shoff + 20)),
    Case('truncated_in_last_section_header', INVALID_SIZE, _truncate(lambda e: len(e.data) - 1)),
    Case('truncated_in_text', INVALID_SIZE, _truncate(lambda e: e.section_data_off('.text') + 8)),
    Case('truncated_in_symtab', INVALID_SIZE, _truncate(lambda e: e.section_data_off('.symtab') + 8)),
    # ELF identification and header.
    Case('bad_magic', NOT_SUPPORTED, lambda e: e.put(1, ord('X'), '<B')),
    Case('elf64_class', NOT_SUPPORTED, lambda e: e.put(4, 2, '<B')),
    Case('big_endian', NOT_SUPPORTED, lambda e: e.put(5, 2, '<B')),
    Case('ident_version_0', NOT_SUPPORTED, lambda e: e.put(6, 0, '<B')),
    Case('wrong_machine_xtensa', NOT_SUPPORTED, lambda e: e.put(18, 94, '<H')),
    Case('wrong_machine_arm', NOT_SUPPORTED, lambda e: e.put(18, 40, '<H')),
    Case('relocatable_object', NOT_SUPPORTED, lambda e: e.put(16, 1, '<H')),
    Case('shared_object', NOT_SUPPORTED, lambda e: e.put(16, 3, '<H')),
    Case('section_entry_size_32', INVALID_SIZE, lambda e: e.put(46, 32, '<H')),
    Case('elf_header_size_small', INVALID_SIZE, lambda e: e.put(40, 40, '<H')),
    Case('no_sections', INVALID_SIZE, lambda e: e.put(48, 0, '<H')),
    Case('too_many_sections', INVALID_SIZE, lambda e: e.put(48, 0xFFFF, '<H')),
    Case('one_section_too_many', INVALID_SIZE, lambda e: e.put(48, e.shnum + 1, '<H')),
    Case('section_headers_wrap', INVALID_SIZE, lambda e: e.put(32, 0xFFFFFFF0)),
    Case('section_headers_past_end', INVALID_SIZE, lambda e: e.put(32, len(e.data))),
    Case('shstrndx_out_of_range', INVALID_SIZE, lambda e: e.put(50, e.shnum, '<H')),
    Case('shstrndx_zero', INVALID_SIZE, lambda e: e.put(50, 0, '<H')),
    Case('shstrndx_is_symtab', INVALID_SIZE, lambda e: e.put(50, e.index['.symtab'], '<H')),
    # Section headers.
    Case(
        'shstrtab_unterminated',
        INVALID_SIZE,
        lambda e: e.put(e.section_data_off('.shstrtab') + e.sh_get('.shstrtab', SH_SIZE) - 1, 0x41, '<B'),
    ),
    Case('section_name_out_of_range', INVALID_SIZE, lambda e: e.sh_put('.text', SH_NAME, 0xFFFFFF)),
    Case('text_offset_past_end', INVALID_SIZE, lambda e: e.sh_put('.text', SH_OFFSET, len(e.data))),
    Case('text_offset_wraps', INVALID_SIZE, lambda e: e.sh_put('.text', SH_OFFSET, 0xFFFFFF00)),
    Case('text_size_huge', INVALID_SIZE, lambda e: e.sh_put('.text', SH_SIZE, 0x7FFFFFFF)),
    Case(
        'rodata_overlaps_text_in_file',
        INVALID_SIZE,
        lambda e: e.sh_put('.rodata', SH_OFFSET, e.sh_get('.text', SH_OFFSET) + 4),
    ),
    Case(
        'rodata_overlaps_text_in_memory',
        INVALID_SIZE,
        lambda e: e.sh_put('.rodata', SH_ADDR, e.sh_get('.text', SH_ADDR) + 8),
    ),
    # Found by bench/fuzz_loader.py: an allocatable section typed SHT_NULL was copied without a range check.
    Case(
        'null_typed_section_past_end',
        INVALID_SIZE,
        lambda e: e.sh_put('.data', SH_TYPE, 0).sh_put('.data', SH_SIZE, 0x10000),
    ),
    Case('bss_address_wraps', INVALID_SIZE, lambda e: e.sh_put('.bss', SH_ADDR, 0xFFFFFFF8)),
    Case('bss_too_big_for_memory', 'ESP_ERR_NO_MEM', lambda e: e.sh_put('.bss', SH_SIZE, 0x7FFF0000)),
    Case('alignment_not_power_of_two', NOT_SUPPORTED, lambda e: e.sh_put('.rodata', SH_ALIGN, 12)),
    Case('alignment_huge', NOT_SUPPORTED, lambda e: e.sh_put('.data', SH_ALIGN, 1 << 20).sh_put('.data', SH_ADDR, 0)),
    # Symbol table and strings.
    Case('no_symbol_table', NOT_FOUND, lambda e: e.sh_put('.symtab', SH_TYPE, SHT_PROGBITS)),
    Case('two_symbol_tables', INVALID_SIZE, lambda e: e.sh_put('.strtab', SH_TYPE, SHT_SYMTAB)),
    Case('symtab_entry_size', INVALID_SIZE, lambda e: e.sh_put('.symtab', SH_ENTSIZE, 20)),
    Case(
        'symtab_size_not_multiple',
        INVALID_SIZE,
        lambda e: e.sh_put('.symtab', SH_SIZE, e.sh_get('.symtab', SH_SIZE) - 4),
    ),
    Case('symtab_strings_index_out_of_range', INVALID_SIZE, lambda e: e.sh_put('.symtab', SH_LINK, 999)),
    Case('symtab_strings_not_strtab', INVALID_SIZE, lambda e: e.sh_put('.symtab', SH_LINK, e.index['.text'])),
    Case(
        'strtab_unterminated',
        INVALID_SIZE,
        lambda e: e.put(e.section_data_off('.strtab') + e.sh_get('.strtab', SH_SIZE) - 1, 0x41, '<B'),
    ),
    Case('export_name_out_of_range', INVALID_SIZE, lambda e: e.put(e.symbol_off('util_max'), 0xFFFFFF)),
    Case('export_missing', NOT_FOUND, lambda e: _replace_name(e, 'util_max', 'util_mbx')),
    Case('symbol_section_out_of_range', INVALID_SIZE, lambda e: e.put(e.symbol_off('util_max') + 14, 200, '<H')),
    Case('symbol_in_common', NOT_SUPPORTED, lambda e: e.put(e.symbol_off('util_max') + 14, 0xFFF2, '<H')),
    Case('symbol_outside_its_section', INVALID_SIZE, lambda e: e.put(e.symbol_off('util_max') + 4, 0x7FFF0000)),
    Case('firmware_symbol_undefined', NOT_FOUND, lambda e: e.put(e.symbol_off('fw_add') + 14, 0, '<H')),
    # Module info record.
    Case('info_missing', NOT_FOUND, lambda e: _rename_section(e, protocol.MODULE_INFO_SECTION)),
    Case('info_bad_magic', NOT_SUPPORTED, lambda e: e.put(e.info_off(), 0x58, '<B')),
    Case('info_section_short', INVALID_SIZE, lambda e: e.sh_put(protocol.MODULE_INFO_SECTION, SH_SIZE, 100)),
    Case('info_size_field_too_big', INVALID_SIZE, lambda e: e.put(e.info_off() + 8, 4096)),
    Case('info_name_unterminated', INVALID_SIZE, lambda e: _fill(e, e.info_off() + 16, 32, 0x41)),
    Case('other_firmware', 'ESP_ERR_INVALID_VERSION', lambda e: e, ('--firmware-id', 'ab' * 32)),
    Case('other_fingerprint', 'ESP_ERR_HOTRELOAD_ABI_MISMATCH', lambda e: e, ('--fingerprint', '00' * 32)),
    Case('table_of_another_component', 'ESP_ERR_INVALID_ARG', lambda e: e, ('--table-name', 'other')),
    Case('out_of_memory_midway', 'ESP_ERR_NO_MEM', lambda e: e, ('--fail-alloc', '3')),
    # Relocations.
    Case(
        'reloc_place_past_section',
        INVALID_SIZE,
        lambda e: e.put(e.section_data_off('.rela.text'), e.sh_get('.text', SH_ADDR) + e.sh_get('.text', SH_SIZE)),
    ),
    Case(
        'reloc_place_before_section',
        INVALID_SIZE,
        lambda e: e.put(e.section_data_off('.rela.rodata'), e.sh_get('.rodata', SH_ADDR) - 4),
    ),
    Case(
        'reloc_field_crosses_section_end',
        INVALID_SIZE,
        lambda e: e.put(
            e.section_data_off('.rela.rodata'), e.sh_get('.rodata', SH_ADDR) + e.sh_get('.rodata', SH_SIZE) - 2
        ),
    ),
    Case(
        'reloc_symbol_out_of_range',
        INVALID_SIZE,
        lambda e: e.put(
            e.section_data_off('.rela.text') + 4, (0xFFFFFF << 8) | e.get(e.section_data_off('.rela.text') + 4) & 0xFF
        ),
    ),
    Case('reloc_type_unknown', NOT_SUPPORTED, lambda e: e.put(e.section_data_off('.rela.text') + 4, 200, '<B')),
    Case(
        'reloc_type_got', NOT_SUPPORTED, lambda e: e.put(e.section_data_off('.rela.text') + 4, R_RISCV_GOT_HI20, '<B')
    ),
    Case('reloc_type_64bit', NOT_SUPPORTED, lambda e: e.put(e.section_data_off('.rela.rodata') + 4, R_RISCV_64, '<B')),
    Case('reloc_section_target_out_of_range', INVALID_SIZE, lambda e: e.sh_put('.rela.text', SH_INFO, 999)),
    Case('reloc_section_wrong_symtab', INVALID_SIZE, lambda e: e.sh_put('.rela.text', SH_LINK, e.index['.strtab'])),
    Case('reloc_entry_size', INVALID_SIZE, lambda e: e.sh_put('.rela.text', SH_ENTSIZE, 8)),
    Case('reloc_section_is_rel', NOT_SUPPORTED, lambda e: e.sh_put('.rela.text', SH_TYPE, SHT_REL)),
    Case(
        'pcrel_lo12_points_nowhere',
        NOT_SUPPORTED,
        lambda e: _bump_addend(e, _field_of_text_reloc(e, R_RISCV_PCREL_LO12_I), 2),
    ),
    Case(
        'branch_out_of_range',
        NOT_SUPPORTED,
        lambda e: _bump_addend(e, _field_of_text_reloc(e, R_RISCV_BRANCH), 0x10000),
    ),
]


def _rename_section(e: Elf, name: str) -> Elf:
    at = e.section_data_off('.shstrtab') + e.sh_get(name, SH_NAME)
    e.data[at + len(name) - 1] = ord('0')
    return e


def _fill(e: Elf, off: int, n: int, value: int) -> Elf:
    e.data[off : off + n] = bytes([value]) * n
    return e


def _bump_addend(e: Elf, rela_off: int, delta: int) -> Elf:
    return e.put(rela_off + 8, e.get(rela_off + 8, '<i') + delta, '<i')


@dataclass(frozen=True)
class Good:
    data: bytes
    exports: list[str]
    loader: Path


_good: list[Good] = []


def good_module(tmp_path_factory: pytest.TempPathFactory) -> Good:
    if not _good:
        toolchain = require_toolchain('rv32-gcc')
        work = tmp_path_factory.mktemp('malformed')
        sources = [ll.HERE / 'mod_main.c', ll.HERE / 'mod_util.c']
        objects = ll.compile_objects(toolchain, sources, work, ['-O2', '-mcmodel=medany'])
        fw = ll.write_firmware_script(work / 'firmware.ld', FIRMWARE)
        assert ll.link(toolchain, objects, fw, work / 'module.elf').returncode == 0
        exports = ll.package(toolchain, work / 'module.elf', fw, work / 'module.so')
        loader = ll.build_host_loader('riscv32', work / 'host_load')
        _good.append(Good((work / 'module.so').read_bytes(), exports, loader))
    return _good[0]


def test_loader_malformed_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


def test_loader_malformed_good_module_loads(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    """The base of every case loads, so each failure below is caused by its mutation."""
    good = good_module(tmp_path_factory)
    path = tmp_path / 'good.so'
    path.write_bytes(good.data)
    assert ll.run_loader(good.loader, path, good.exports, AT).result == 'ESP_OK'


@pytest.mark.parametrize('case', CASES, ids=[c.name for c in CASES])
def test_loader_malformed_gives_its_error(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, case: Case) -> None:
    good = good_module(tmp_path_factory)
    mutated = case.mutate(Elf(good.data))
    data = mutated if isinstance(mutated, bytes) else bytes(mutated.data)
    assert data != good.data or case.extra, 'the mutation changed nothing'
    path = tmp_path / f'{case.name}.so'
    path.write_bytes(data)
    loaded = ll.run_loader(good.loader, path, good.exports, AT, extra=case.extra)
    assert loaded.result == case.expected, loaded.stdout
    assert loaded.slots == {}


def _read_info(good: Good, tmp_path: Path, data: bytes) -> list[str]:
    path = tmp_path / 'info.so'
    path.write_bytes(data)
    proc = subprocess.run([str(good.loader), str(path), '--info'], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and 'Sanitizer' not in proc.stderr and 'runtime error' not in proc.stderr, proc.stderr
    return [line[4:] for line in proc.stdout.splitlines() if line.startswith('HR: ')]


def test_loader_read_info_reports_the_record_or_why_not(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """hr_loader_read_info(): the cheap check the server runs before storing an upload."""
    good = good_module(tmp_path_factory)
    assert _read_info(good, tmp_path, good.data) == [
        'info ESP_OK',
        'name loadertest',
        f'export_count {len(good.exports)}',
    ]
    assert _read_info(good, tmp_path, good.data[:100]) == ['info ESP_ERR_INVALID_SIZE']
    assert _read_info(good, tmp_path, bytes(Elf(good.data).put(18, 94, '<H').data)) == ['info ESP_ERR_NOT_SUPPORTED']
    no_info = _rename_section(Elf(good.data), protocol.MODULE_INFO_SECTION)
    assert _read_info(good, tmp_path, bytes(no_info.data)) == ['info ESP_ERR_NOT_FOUND']
