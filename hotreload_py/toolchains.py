"""Cross toolchains available without ESP-IDF, as table rows.

Used by the standalone pipeline (the simulated device), the tests and the
benchmarks, so the exact compiler invocations exist once. ESP-IDF builds use
ESP-IDF's own toolchains and never read this module.

Xtensa windowed (ESP32 code model) with LLVM 22 takes three steps: clang emits
LLVM IR, llc compiles it for -mcpu=esp32 (without MUL32HIGH, which QEMU's
default Xtensa core lacks), and llvm-mc assembles (llc's own object output
fails on literal alignment). `python -m hotreload_py.toolchains cc ...` runs
those steps as one compiler for CMake.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotreload_py.errors import BuildError


@dataclass(frozen=True)
class Toolchain:
    """One way of producing objects for a simulated or tested architecture."""

    name: str  # key in TOOLCHAINS
    arch: str  # key in hotreload_py.arch.ARCHES
    abi: str  # key in hotreload_py.arch.STUB_ABIS
    cc: tuple[str, ...]  # compiler driver and its fixed flags (first step)
    binutils_prefix: str  # GNU ld/objcopy/objdump/readelf prefix
    qemu: str  # user-mode emulator that runs its Linux executables
    llc: tuple[str, ...] = ()  # non-empty: compile via clang -emit-llvm | llc | llvm-mc
    mc: tuple[str, ...] = ()
    tools: tuple[str, ...] = field(default=())  # every executable it needs, for skip messages

    def tool(self, name: str) -> str:
        """Path-less name of a binutils tool: tool('ld') -> 'riscv64-unknown-elf-ld'."""
        return self.binutils_prefix + name


_RV32_FLAGS = ('-march=rv32imc', '-mabi=ilp32')

TOOLCHAINS: dict[str, Toolchain] = {
    'rv32-gcc': Toolchain(
        name='rv32-gcc',
        arch='riscv32',
        abi='riscv',
        cc=('riscv64-unknown-elf-gcc', *_RV32_FLAGS),
        binutils_prefix='riscv64-unknown-elf-',
        qemu='qemu-riscv32',
        tools=('riscv64-unknown-elf-gcc', 'riscv64-unknown-elf-ld', 'qemu-riscv32'),
    ),
    'rv32-clang': Toolchain(
        name='rv32-clang',
        arch='riscv32',
        abi='riscv',
        # -mno-relax: the module build never relaxes (DESIGN.md, data flow step 4).
        cc=('clang-22', '--target=riscv32-unknown-elf', *_RV32_FLAGS, '-mno-relax'),
        binutils_prefix='riscv64-unknown-elf-',
        qemu='qemu-riscv32',
        tools=('clang-22', 'riscv64-unknown-elf-ld', 'qemu-riscv32'),
    ),
    'xtensa-call0-gcc': Toolchain(
        name='xtensa-call0-gcc',
        arch='xtensa',
        abi='xtensa-call0',
        cc=('xtensa-lx106-elf-gcc', '-mlongcalls'),
        binutils_prefix='xtensa-lx106-elf-',
        qemu='qemu-xtensa',
        tools=('xtensa-lx106-elf-gcc', 'xtensa-lx106-elf-ld', 'qemu-xtensa'),
    ),
    'xtensa-windowed-clang': Toolchain(
        name='xtensa-windowed-clang',
        arch='xtensa',
        abi='xtensa-windowed',
        cc=('clang-22', '--target=xtensa'),
        llc=('llc-22', '-mtriple=xtensa', '-mcpu=esp32', '-mattr=-mul32high'),
        mc=('llvm-mc-22', '-triple=xtensa', '-mcpu=esp32'),
        binutils_prefix='xtensa-lx106-elf-',
        qemu='qemu-xtensa',
        tools=('clang-22', 'llc-22', 'llvm-mc-22', 'xtensa-lx106-elf-ld', 'qemu-xtensa'),
    ),
}


def missing_tools(toolchain: Toolchain) -> list[str]:
    """Names of the toolchain's executables that are not on PATH (empty when usable)."""
    return [tool for tool in toolchain.tools if shutil.which(tool) is None]


class ToolFailed(BuildError):
    """One step of a compile failed; `diagnostics` is what the tool printed (its errors)."""

    def __init__(self, cmd: Sequence[str], returncode: int, diagnostics: str) -> None:
        super().__init__(f'{cmd[0]} failed ({returncode}): {" ".join(cmd)}\n{diagnostics.strip()}')
        self.tool = cmd[0]
        self.diagnostics = diagnostics


def _run(cmd: Sequence[str]) -> str:
    """Run one step; return what it printed on stderr (its warnings), raise ToolFailed when it fails."""
    result = subprocess.run(list(cmd), capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolFailed(cmd, result.returncode, result.stderr)
    return result.stderr


def compile_c(toolchain: Toolchain, source: Path, output: Path, flags: Sequence[str] = ()) -> str:
    """Compile one C or assembler file to an object with the toolchain's exact steps; return its warnings."""
    is_asm = source.suffix in ('.S', '.s')
    if not toolchain.llc:
        return _run([*toolchain.cc, *flags, '-c', str(source), '-o', str(output)])
    with tempfile.TemporaryDirectory(prefix='hr-cc-') as tmp:
        if is_asm:
            preprocessed = Path(tmp) / 'pre.s'
            warnings = _run(
                [*toolchain.cc, *flags, '-E', '-P', '-x', 'assembler-with-cpp', str(source), '-o', str(preprocessed)]
            )
            return warnings + _run([*toolchain.mc, '-filetype=obj', str(preprocessed), '-o', str(output)])
        ir = Path(tmp) / 'out.ll'
        asm = Path(tmp) / 'out.s'
        # llc spells the section flags without the leading -f.
        llc_flags = ['-' + f[2:] for f in flags if f in ('-ffunction-sections', '-fdata-sections')]
        warnings = _run([*toolchain.cc, *flags, '-S', '-emit-llvm', str(source), '-o', str(ir)])
        warnings += _run([*toolchain.llc, *llc_flags, str(ir), '-o', str(asm)])
        # latin-1 round-trips any byte llc writes (string literals need not be UTF-8).
        asm.write_text(_cfi_register_numbers(asm.read_text('latin-1')), 'latin-1')
        return warnings + _run([*toolchain.mc, '-filetype=obj', str(asm), '-o', str(output)])


_CFI_LINE = re.compile(r'^\s*\.cfi_\w+\s.*$', re.MULTILINE)
_AR_REGISTER = re.compile(r'\ba(\d+)\b')


def _cfi_register_numbers(asm: str) -> str:
    """llc 22 writes `.cfi_def_cfa a7, 48` (with -g) that llvm-mc 22 cannot parse; Xtensa DWARF numbers aN as N."""
    return _CFI_LINE.sub(lambda line: _AR_REGISTER.sub(r'\1', line.group(0)), asm)


def _cc_main(argv: list[str]) -> int:
    """Compiler-driver shape for CMake: `cc TOOLCHAIN [flags] -c SRC -o OBJ` (other uses pass through)."""
    toolchain = TOOLCHAINS[argv[0]]
    args = argv[1:]
    if '-c' not in args or '-o' not in args:
        # Not a compile step (for example CMake probing the compiler): run the driver as is.
        return subprocess.call([*toolchain.cc, *args])
    out_index = args.index('-o')
    output = Path(args[out_index + 1])
    rest = args[:out_index] + args[out_index + 2 :]
    rest.remove('-c')
    sources = [a for a in rest if Path(a).suffix in ('.c', '.S', '.s') and not a.startswith('-')]
    if len(sources) != 1:
        print(f'hotreload cc: expected one source file, got {sources}', file=sys.stderr)
        return 2
    flags = [a for a in rest if a != sources[0]]
    try:
        warnings = compile_c(toolchain, Path(sources[0]), output, flags)
    except ToolFailed as exc:
        # The build tool already shows the command; the C front end's own errors are what the developer needs.
        print(exc.diagnostics if exc.tool == toolchain.cc[0] else exc, file=sys.stderr, end='')
        return 1
    print(warnings, file=sys.stderr, end='')
    return 0


if __name__ == '__main__':
    if len(sys.argv) < 3 or sys.argv[1] != 'cc':
        print('usage: python -m hotreload_py.toolchains cc TOOLCHAIN [compiler arguments]', file=sys.stderr)
        sys.exit(2)
    sys.exit(_cc_main(sys.argv[2:]))
