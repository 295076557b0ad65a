"""Architecture and target facts, as table rows.

Nothing outside this module tests `arch == 'xtensa'`: code looks up a row and
uses its fields. Chip memory maps are C data (src/chip/<target>/hr_chip.c);
tests check that TARGETS, src/chip/* and idf_component.yml list the same chips.
"""

from __future__ import annotations

from dataclasses import dataclass

EM_XTENSA = 94
EM_RISCV = 243


@dataclass(frozen=True)
class StubAbi:
    """One calling convention a stub template is written for."""

    name: str  # CLI spelling: --abi NAME
    arch: str  # key into ARCHES
    template: str  # file name under templates/
    scratch_register: str  # register the stub may clobber (carries no argument)


@dataclass(frozen=True)
class ArchInfo:
    """One instruction set the loader supports."""

    name: str  # 'riscv32' or 'xtensa'
    e_machine: int  # ELF e_machine value
    word_size: int  # bytes per symbol-table slot and per pointer
    display: str  # human name for messages
    default_abi: str  # key into STUB_ABIS used when the caller does not say


ARCHES: dict[str, ArchInfo] = {
    'riscv32': ArchInfo('riscv32', EM_RISCV, 4, 'RISC-V (rv32)', 'riscv'),
    'xtensa': ArchInfo('xtensa', EM_XTENSA, 4, 'Xtensa', 'xtensa-windowed'),
}

STUB_ABIS: dict[str, StubAbi] = {
    # t1 is a temporary that never carries an argument (a0-a7 do).
    'riscv': StubAbi('riscv', 'riscv32', 'stubs_riscv.S.j2', 't1'),
    # call8 left the return address in a8 and arguments in a10-a15; the
    # callee's `entry` overwrites a9 with the new stack pointer, so a9 is free.
    'xtensa-windowed': StubAbi('xtensa-windowed', 'xtensa', 'stubs_xtensa_windowed.S.j2', 'a9'),
    # call0: a0 return address, a2-a7 arguments; a8 is a caller-saved temporary.
    'xtensa-call0': StubAbi('xtensa-call0', 'xtensa', 'stubs_xtensa_call0.S.j2', 'a8'),
}

#: Every ESP-IDF target the component supports, with its architecture.
TARGETS: dict[str, str] = {
    'esp32': 'xtensa',
    'esp32s2': 'xtensa',
    'esp32s3': 'xtensa',
    'esp32c3': 'riscv32',
    'esp32c6': 'riscv32',
    'esp32p4': 'riscv32',
}


def arch_for_machine(e_machine: int) -> ArchInfo | None:
    """The ArchInfo whose e_machine matches, or None for an unsupported machine."""
    for info in ARCHES.values():
        if info.e_machine == e_machine:
            return info
    return None
