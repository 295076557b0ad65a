"""Read what the code generator needs from a module or firmware ELF.

pyelftools parses the header and the section table; the symbol and relocation
tables are decoded in bulk with `struct` (a firmware has tens of thousands of
symbols and `hotreload gen-ldscript` runs on every build). Only ELF32
little-endian files for a machine in `arch.ARCHES` are accepted: that is all
the loader can run.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from elftools.common.exceptions import ELFError as PyElfError
from elftools.elf.elffile import ELFFile

from hotreload_py import protocol
from hotreload_py.arch import ARCHES, EM_RISCV, EM_XTENSA, ArchInfo, arch_for_machine
from hotreload_py.errors import ElfError

ELF_MAGIC = b'\x7fELF'
ELFCLASS32 = 1
ELFDATA2LSB = 1
ET_REL = 1
ET_EXEC = 2

SHN_UNDEF = 0
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2

STB_LOCAL = 0
STB_GLOBAL = 1
STB_WEAK = 2

STT_NOTYPE = 0
STT_OBJECT = 1
STT_FUNC = 2
STT_SECTION = 3
STT_FILE = 4
STT_COMMON = 5
STT_TLS = 6

STV_DEFAULT = 0
STV_PROTECTED = 3

SHF_ALLOC = 0x2
SHT_NOBITS = 8

_SYM32 = struct.Struct('<IIIBBH')  # st_name, st_value, st_size, st_info, st_other, st_shndx
_RELA32 = struct.Struct('<IIi')  # r_offset, r_info, r_addend
_REL32 = struct.Struct('<II')

#: RISC-V e_flags bits 1-2 (psABI "EF_RISCV_FLOAT_ABI").
_RISCV_FLOAT_ABI_MASK = 0x6
_RISCV_FLOAT_ABIS = {0x0: 'soft', 0x2: 'single', 0x4: 'double', 0x6: 'quad'}
_RISCV_RVE = 0x8

#: Relocation type names, for `hotreload inspect` only (the loader's numbers live in src/hr_elf.h).
#: Sources: RISC-V ELF psABI "Relocations" table; binutils include/elf/xtensa.h.
#: tests/test_elf.py checks them against the names readelf prints.
RELOC_NAMES: dict[int, dict[int, str]] = {
    EM_RISCV: {
        0: 'R_RISCV_NONE',
        1: 'R_RISCV_32',
        2: 'R_RISCV_64',
        3: 'R_RISCV_RELATIVE',
        4: 'R_RISCV_COPY',
        5: 'R_RISCV_JUMP_SLOT',
        16: 'R_RISCV_BRANCH',
        17: 'R_RISCV_JAL',
        18: 'R_RISCV_CALL',
        19: 'R_RISCV_CALL_PLT',
        20: 'R_RISCV_GOT_HI20',
        23: 'R_RISCV_PCREL_HI20',
        24: 'R_RISCV_PCREL_LO12_I',
        25: 'R_RISCV_PCREL_LO12_S',
        26: 'R_RISCV_HI20',
        27: 'R_RISCV_LO12_I',
        28: 'R_RISCV_LO12_S',
        29: 'R_RISCV_TPREL_HI20',
        30: 'R_RISCV_TPREL_LO12_I',
        31: 'R_RISCV_TPREL_LO12_S',
        32: 'R_RISCV_TPREL_ADD',
        33: 'R_RISCV_ADD8',
        34: 'R_RISCV_ADD16',
        35: 'R_RISCV_ADD32',
        36: 'R_RISCV_ADD64',
        37: 'R_RISCV_SUB8',
        38: 'R_RISCV_SUB16',
        39: 'R_RISCV_SUB32',
        40: 'R_RISCV_SUB64',
        43: 'R_RISCV_ALIGN',
        44: 'R_RISCV_RVC_BRANCH',
        45: 'R_RISCV_RVC_JUMP',
        51: 'R_RISCV_RELAX',
        52: 'R_RISCV_SUB6',
        53: 'R_RISCV_SET6',
        54: 'R_RISCV_SET8',
        55: 'R_RISCV_SET16',
        56: 'R_RISCV_SET32',
        57: 'R_RISCV_32_PCREL',
        60: 'R_RISCV_SET_ULEB128',
        61: 'R_RISCV_SUB_ULEB128',
    },
    EM_XTENSA: {
        0: 'R_XTENSA_NONE',
        1: 'R_XTENSA_32',
        2: 'R_XTENSA_RTLD',
        3: 'R_XTENSA_GLOB_DAT',
        4: 'R_XTENSA_JMP_SLOT',
        5: 'R_XTENSA_RELATIVE',
        6: 'R_XTENSA_PLT',
        8: 'R_XTENSA_OP0',
        9: 'R_XTENSA_OP1',
        10: 'R_XTENSA_OP2',
        11: 'R_XTENSA_ASM_EXPAND',
        12: 'R_XTENSA_ASM_SIMPLIFY',
        14: 'R_XTENSA_32_PCREL',
        17: 'R_XTENSA_DIFF8',
        18: 'R_XTENSA_DIFF16',
        19: 'R_XTENSA_DIFF32',
        20: 'R_XTENSA_SLOT0_OP',
        21: 'R_XTENSA_SLOT1_OP',
        35: 'R_XTENSA_SLOT0_ALT',
        57: 'R_XTENSA_PDIFF8',
        58: 'R_XTENSA_PDIFF16',
        59: 'R_XTENSA_PDIFF32',
        60: 'R_XTENSA_NDIFF8',
        61: 'R_XTENSA_NDIFF16',
        62: 'R_XTENSA_NDIFF32',
    },
}


class Symbol(NamedTuple):
    """One symbol-table entry; `shndx` is the raw st_shndx (SHN_UNDEF, SHN_ABS, ...).

    A NamedTuple rather than a frozen dataclass: a firmware has tens of
    thousands of symbols and this is 3x cheaper to build.
    """

    name: str
    value: int
    size: int
    bind: int
    type: int
    visibility: int
    shndx: int

    @property
    def defined(self) -> bool:
        return self.shndx != SHN_UNDEF

    @property
    def is_global(self) -> bool:
        """Global or weak binding: visible to other objects."""
        return self.bind in (STB_GLOBAL, STB_WEAK)

    @property
    def is_visible(self) -> bool:
        """Default or protected visibility (hidden symbols stay inside the module)."""
        return self.visibility in (STV_DEFAULT, STV_PROTECTED)


@dataclass(frozen=True)
class Section:
    """One section header with its name resolved."""

    name: str
    type: str  # pyelftools' spelling: 'SHT_PROGBITS', 'SHT_RELA', ...
    flags: int
    addr: int
    size: int

    @property
    def allocated(self) -> bool:
        return bool(self.flags & SHF_ALLOC)


@dataclass(frozen=True)
class ElfImage:
    """What the tools know about one ELF file."""

    path: Path
    arch: ArchInfo
    elf_type: int  # ET_REL (relocatable, `ld -r`) or ET_EXEC (linked)
    e_flags: int
    sections: tuple[Section, ...]
    symbols: tuple[Symbol, ...]
    reloc_counts: dict[str, int]  # relocation type name -> number of entries
    module_info: bytes | None = None  # contents of protocol.MODULE_INFO_SECTION, when packaged

    @property
    def float_abi(self) -> str | None:
        """RISC-V float ABI from e_flags ('soft', 'single', 'double', 'quad'); None on other machines."""
        if self.arch.e_machine != EM_RISCV:  # e_flags layout is per machine
            return None
        return _RISCV_FLOAT_ABIS[self.e_flags & _RISCV_FLOAT_ABI_MASK]

    @property
    def is_rve(self) -> bool:
        return self.arch.e_machine == EM_RISCV and bool(self.e_flags & _RISCV_RVE)

    def exported_functions(self) -> list[Symbol]:
        """Global/weak, visible FUNC symbols defined in one of the module's sections."""
        return [s for s in self.symbols if _is_export(s) and s.type == STT_FUNC]

    def exported_data(self) -> list[Symbol]:
        """Global/weak, visible data symbols the module defines (the firmware can only call functions)."""
        return [s for s in self.symbols if _is_export(s) and s.type in (STT_OBJECT, STT_COMMON, STT_TLS)]

    def undefined(self) -> list[Symbol]:
        """Symbols the module needs from the firmware (sorted by name, each once)."""
        seen: dict[str, Symbol] = {}
        for sym in self.symbols:
            if sym.name and sym.shndx == SHN_UNDEF and sym.is_global:
                seen.setdefault(sym.name, sym)
        return [seen[name] for name in sorted(seen)]

    def defined_global_symbols(self) -> dict[str, Symbol]:
        """Name -> symbol for every defined global/weak symbol that is not a section, file or common symbol."""
        table: dict[str, Symbol] = {}
        for sym in self.symbols:
            if sym.name and sym.defined and sym.is_global and sym.type not in (STT_SECTION, STT_FILE):
                if sym.shndx != SHN_COMMON:
                    table[sym.name] = sym
        return table

    def defined_globals(self) -> dict[str, int]:
        """Name -> address (st_value) of every symbol in defined_global_symbols()."""
        return {name: sym.value for name, sym in self.defined_global_symbols().items()}


def _is_export(sym: Symbol) -> bool:
    return (
        bool(sym.name)
        and sym.is_global
        and sym.is_visible
        and sym.shndx not in (SHN_UNDEF, SHN_ABS)
        and (sym.shndx < 0xFF00 or sym.shndx == SHN_COMMON)
    )


def _check_header(path: Path, head: bytes) -> None:
    if len(head) < 16 or head[:4] != ELF_MAGIC:
        raise ElfError(f'{path}: not an ELF file (no \\x7fELF magic); pass the module or firmware .elf the build made')
    if head[4] != ELFCLASS32:
        kind = '64-bit' if head[4] == 2 else f'class {head[4]}'
        raise ElfError(f'{path}: {kind} ELF; hotreload needs a 32-bit ELF for Xtensa or RISC-V (rv32)')
    if head[5] != ELFDATA2LSB:
        raise ElfError(
            f'{path}: big-endian ELF; ESP32-family chips are little-endian: build for a little-endian target'
        )


def load(path: Path | str) -> ElfImage:
    """Parse @p path; raise ElfError naming the file and the problem for anything the tools cannot use."""
    path = Path(path)
    try:
        stream: BinaryIO = path.open('rb')
    except OSError as exc:
        raise ElfError(f'{path}: cannot open: {exc.strerror}') from exc
    with stream:
        _check_header(path, stream.read(16))
        stream.seek(0)
        try:
            return _parse(path, ELFFile(stream))
        except (PyElfError, struct.error, ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:
            raise ElfError(f'{path}: malformed ELF ({exc}); rebuild it') from exc


def _parse(path: Path, elf: ELFFile) -> ElfImage:
    machine = elf.header['e_machine']
    number = machine if isinstance(machine, int) else _machine_number(machine)
    arch = arch_for_machine(number)
    if arch is None:
        supported = ', '.join(f'{a.display} ({a.e_machine})' for a in ARCHES.values())
        raise ElfError(f'{path}: unsupported machine {machine}; hotreload supports {supported}')
    elf_type = ET_REL if elf.header['e_type'] == 'ET_REL' else ET_EXEC
    sections: list[Section] = []
    symtab = None
    info = None
    rel_sections = []
    for sec in elf.iter_sections():
        hdr = sec.header
        sections.append(Section(sec.name, hdr['sh_type'], hdr['sh_flags'], hdr['sh_addr'], hdr['sh_size']))
        if sec.name == protocol.MODULE_INFO_SECTION:
            info = sec.data()
        if hdr['sh_type'] == 'SHT_SYMTAB':
            symtab = sec
        elif hdr['sh_type'] in ('SHT_RELA', 'SHT_REL'):
            rel_sections.append(sec)
    if symtab is None:
        raise ElfError(
            f'{path}: no symbol table (.symtab); the file was stripped: use the unstripped module/firmware ELF '
            '(strip only debug info, e.g. strip --strip-debug)'
        )
    strtab = elf.get_section(symtab.header['sh_link']).data()
    symbols = tuple(_decode_symbols(symtab.data(), strtab))
    names = RELOC_NAMES.get(arch.e_machine, {})
    counts: Counter[str] = Counter()
    for sec in rel_sections:
        layout = _RELA32 if sec.header['sh_type'] == 'SHT_RELA' else _REL32
        data = sec.data()
        usable = len(data) - len(data) % layout.size
        for entry in layout.iter_unpack(data[:usable]):
            rtype = entry[1] & 0xFF
            counts[names.get(rtype, f'type {rtype}')] += 1
    counts_sorted = dict(sorted(counts.items()))
    return ElfImage(path, arch, elf_type, elf.header['e_flags'], tuple(sections), symbols, counts_sorted, info)


def _machine_number(machine: str) -> int:
    """pyelftools gives e_machine as a name ('EM_RISCV') when it knows it."""
    from elftools.elf.enums import ENUM_E_MACHINE

    return int(ENUM_E_MACHINE.get(machine, -1))


def _decode_symbols(data: bytes, strtab: bytes) -> list[Symbol]:
    usable = len(data) - len(data) % _SYM32.size
    out = []
    for st_name, value, size, info, other, shndx in _SYM32.iter_unpack(data[:usable]):
        end = strtab.find(b'\0', st_name)
        name = strtab[st_name : end if end >= 0 else len(strtab)].decode('utf-8')
        out.append(Symbol(name, value, size, info >> 4, info & 0xF, other & 0x3, shndx))
    return out


def describe(image: ElfImage) -> dict[str, object]:
    """A JSON-ready summary of @p image: what `hotreload inspect` prints."""
    return {
        'file': str(image.path),
        'arch': image.arch.name,
        'machine': image.arch.display,
        'elf_type': 'relocatable' if image.elf_type == ET_REL else 'executable',
        'float_abi': image.float_abi,
        'exported_functions': sorted(s.name for s in image.exported_functions()),
        'exported_data': sorted(s.name for s in image.exported_data()),
        'firmware_symbols': [s.name for s in image.undefined()],
        'sections': {s.name: s.size for s in image.sections if s.allocated},
        'relocations': image.reloc_counts,
        'module_info': _describe_info(image),
    }


def _describe_info(image: ElfImage) -> dict[str, object] | None:
    """The packaged module's info record decoded, and whether its fingerprint matches the exports."""
    data = image.module_info
    if data is None:
        return None
    if len(data) < protocol.MODULE_INFO_SIZE or not data.startswith(protocol.MODULE_INFO_MAGIC):
        return {'valid': False}
    raw = {f.name: data[f.offset : f.offset + f.size] for f in protocol.MODULE_INFO_FIELDS}
    exports = protocol.table_order(s.name for s in image.exported_functions())
    return {
        'valid': True,
        'name': raw['name'].rstrip(b'\0').decode('utf-8', 'replace'),
        'export_count': int.from_bytes(raw['export_count'], 'little'),
        'firmware_sha256': raw['firmware_sha256'].hex(),
        'abi_fingerprint': raw['abi_fingerprint'].hex(),
        'fingerprint_matches_exports': raw['abi_fingerprint'] == protocol.abi_fingerprint(exports),
    }
