"""hr_elf.h against binutils: every R_* number there is the relocation binutils gives that name.

A relocatable ELF with one relocation of each type defined in src/hr_elf.h is
written byte by byte, and the cross readelf of each architecture prints the
names; they must equal the macro names (this catches a number copied wrong,
such as R_RISCV_SUB6 = 37, which is SUB8).
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_executable

HEADER = REPO_ROOT / 'src' / 'hr_elf.h'
MACHINES = {'RISCV': (243, 'riscv64-unknown-elf-readelf'), 'XTENSA': (94, 'xtensa-lx106-elf-readelf')}


def relocation_macros(arch: str) -> dict[str, int]:
    text = HEADER.read_text()
    return {m[1]: int(m[2]) for m in re.finditer(rf'^#define (R_{arch}_\w+) (\d+)$', text, re.M)}


def elf_with_relocations(machine: int, types: list[int]) -> bytes:
    """ET_REL with .text, one .rela.text entry per type (symbol 1, offset 4*i), .symtab, .strtab, .shstrtab."""
    shstrtab = b'\0.text\0.rela.text\0.symtab\0.strtab\0.shstrtab\0'
    names = {n: shstrtab.index(n.encode() + b'\0') for n in ('.text', '.rela.text', '.symtab', '.strtab', '.shstrtab')}
    strtab = b'\0sym\0'
    text = bytes(4 * len(types))
    rela = b''.join(struct.pack('<IIi', 4 * i, (1 << 8) | t, 0) for i, t in enumerate(types))
    symtab = bytes(16) + struct.pack('<IIIBBH', 1, 0, 0, 0x10, 0, 1)  # global NOTYPE sym in .text
    blobs = [text, rela, symtab, strtab, shstrtab]
    offsets = []
    pos = 52
    for blob in blobs:
        offsets.append(pos)
        pos += len(blob)
    shoff = (pos + 3) & ~3
    shdrs = [bytes(40)]
    shdrs.append(struct.pack('<10I', names['.text'], 1, 6, 0, offsets[0], len(text), 0, 0, 4, 0))
    shdrs.append(struct.pack('<10I', names['.rela.text'], 4, 0x40, 0, offsets[1], len(rela), 3, 1, 4, 12))
    shdrs.append(struct.pack('<10I', names['.symtab'], 2, 0, 0, offsets[2], len(symtab), 4, 1, 4, 16))
    shdrs.append(struct.pack('<10I', names['.strtab'], 3, 0, 0, offsets[3], len(strtab), 0, 0, 1, 0))
    shdrs.append(struct.pack('<10I', names['.shstrtab'], 3, 0, 0, offsets[4], len(shstrtab), 0, 0, 1, 0))
    ident = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
    header = ident + struct.pack('<HHIIIIIHHHHHH', 1, machine, 1, 0, 0, shoff, 0, 52, 0, 0, 40, len(shdrs), 5)
    body = header + b''.join(blobs)
    return body + bytes(shoff - len(body)) + b''.join(shdrs)


@pytest.mark.parametrize('arch', sorted(MACHINES), ids=['riscv32', 'xtensa'])
def test_loader_elf_relocation_numbers_match_binutils(tmp_path: Path, arch: str) -> None:
    machine, readelf = MACHINES[arch]
    require_executable(readelf)
    macros = relocation_macros(arch)
    assert len(macros) > 20
    by_number = sorted(macros.items(), key=lambda item: item[1])
    path = tmp_path / f'{arch}.o'
    path.write_bytes(elf_with_relocations(machine, [number for _, number in by_number]))
    out = subprocess.run([readelf, '-rW', str(path)], capture_output=True, text=True, check=True).stdout
    printed = re.findall(r'^[0-9a-f]{8}\s+[0-9a-f]{8}\s+(\S+)', out, re.M)
    assert printed == [name for name, _ in by_number], out


def test_loader_elf_has_one_copy_of_each_number() -> None:
    for arch in MACHINES:
        numbers = list(relocation_macros(arch).values())
        assert len(numbers) == len(set(numbers)), arch
