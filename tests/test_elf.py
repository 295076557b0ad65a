"""hotreload_py.elf and `hotreload inspect` on real objects from the cross compilers, and every input error."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain

from hotreload_py import elf, protocol
from hotreload_py.errors import ElfError
from hotreload_py.toolchains import compile_c

FIXTURES = REPO_ROOT / 'tests' / 'fixtures' / 'codegen'
FLAGS = ['-O2', '-ffreestanding', '-fno-builtin']


def _hotreload(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, '-m', 'hotreload_py', *map(str, args)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope='module')
def rv32_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp('elf') / 'module.o'
    compile_c(require_toolchain('rv32-gcc'), FIXTURES / 'module.c', out, FLAGS)
    return out


@pytest.mark.parametrize('name', ['rv32-gcc', 'rv32-clang', 'xtensa-call0-gcc', 'xtensa-windowed-clang'])
def test_elf_load_reads_exports_data_and_firmware_symbols(tmp_path: Path, name: str) -> None:
    toolchain = require_toolchain(name)
    obj = tmp_path / 'module.o'
    compile_c(toolchain, FIXTURES / 'module.c', obj, FLAGS)
    image = elf.load(obj)
    assert image.arch.name == toolchain.arch
    assert image.elf_type == elf.ET_REL
    # twice() is static and reloadable_internal() hidden: neither is exported.
    assert sorted(s.name for s in image.exported_functions()) == ['reloadable_add', 'reloadable_greet']
    assert [s.name for s in image.exported_data()] == ['module_state']
    assert [s.name for s in image.undefined()] == ['fw_counter', 'fw_optional', 'memcpy', 'printf']
    assert {s.name: s.bind for s in image.undefined()}['fw_optional'] == elf.STB_WEAK
    assert sum(image.reloc_counts.values()) > 0


@pytest.mark.parametrize(
    ('march', 'mabi', 'float_abi'),
    [('rv32imc', 'ilp32', 'soft'), ('rv32imafc', 'ilp32f', 'single'), ('rv32imafdc', 'ilp32d', 'double')],
)
def test_elf_float_abi_comes_from_e_flags(tmp_path: Path, march: str, mabi: str, float_abi: str) -> None:
    require_toolchain('rv32-gcc')
    obj = tmp_path / 'f.o'
    subprocess.run(
        ['riscv64-unknown-elf-gcc', f'-march={march}', f'-mabi={mabi}', *FLAGS, '-c', FIXTURES / 'module.c', '-o', obj],
        check=True,
    )
    assert elf.load(obj).float_abi == float_abi


def test_elf_float_abi_is_none_on_xtensa(tmp_path: Path) -> None:
    obj = tmp_path / 'x.o'
    compile_c(require_toolchain('xtensa-call0-gcc'), FIXTURES / 'module.c', obj, FLAGS)
    assert elf.load(obj).float_abi is None


def test_elf_relocation_counts_use_psabi_names(rv32_module: Path) -> None:
    counts = elf.load(rv32_module).reloc_counts
    assert counts.get('R_RISCV_CALL_PLT', 0) + counts.get('R_RISCV_CALL', 0) >= 2
    assert counts['R_RISCV_32'] == 3  # firmware_refs[]
    assert not [k for k in counts if k.startswith('type ')]


def _clang_object(tmp_path: Path, target: str) -> Path:
    require_executable('clang-22')
    src = tmp_path / 'e.c'
    src.write_text('int f(void) { return 1; }\n')
    out = tmp_path / f'{target}.o'
    subprocess.run(['clang-22', f'--target={target}', '-c', str(src), '-o', str(out)], check=True)
    return out


def _stripped_module(tmp_path: Path) -> Path:
    toolchain = require_toolchain('rv32-gcc')
    obj = tmp_path / 'm.o'
    compile_c(toolchain, FIXTURES / 'module.c', obj, FLAGS)
    out = tmp_path / 'stripped.elf'
    subprocess.run(
        [
            toolchain.tool('ld'),
            '-m',
            'elf32lriscv',
            '--unresolved-symbols=ignore-all',
            '-s',
            '-T',
            str(REPO_ROOT / 'cmake' / 'module_sections.ld'),
            '-o',
            str(out),
            str(obj),
        ],
        check=True,
    )
    return out


def _truncated(tmp_path: Path) -> Path:
    obj = tmp_path / 'full.o'
    compile_c(require_toolchain('rv32-gcc'), FIXTURES / 'module.c', obj, FLAGS)
    out = tmp_path / 'truncated.o'
    out.write_bytes(obj.read_bytes()[:200])
    return out


def _text(tmp_path: Path) -> Path:
    out = tmp_path / 'notes.txt'
    out.write_text('not an ELF\n')
    return out


BAD_INPUTS = {
    'not_elf': (_text, r'not an ELF file'),
    'elf64': (lambda p: _clang_object(p, 'x86_64-unknown-linux-gnu'), r'64-bit ELF; hotreload needs a 32-bit ELF'),
    'big_endian': (lambda p: _clang_object(p, 'mips-unknown-linux-gnu'), r'big-endian ELF'),
    'arm': (lambda p: _clang_object(p, 'armv7-none-eabi'), r'unsupported machine EM_ARM; hotreload supports'),
    'stripped': (_stripped_module, r'no symbol table \(\.symtab\)'),
    'truncated': (_truncated, r'malformed ELF'),
}


@pytest.mark.parametrize('case', sorted(BAD_INPUTS))
def test_elf_load_rejects_bad_input_naming_file_and_problem(tmp_path: Path, case: str) -> None:
    make, message = BAD_INPUTS[case]
    path = make(tmp_path)
    with pytest.raises(ElfError, match=message) as info:
        elf.load(path)
    assert str(info.value).startswith(f'{path}: ')


@pytest.mark.parametrize('case', sorted(BAD_INPUTS))
def test_elf_cli_bad_input_is_one_line_without_traceback(tmp_path: Path, case: str) -> None:
    make, message = BAD_INPUTS[case]
    path = make(tmp_path)
    result = _hotreload('gen-stubs', path, '--abi', 'riscv', '--stubs', tmp_path / 's.S', '--table', tmp_path / 't.c')
    assert result.returncode == 1
    assert result.stderr.startswith(f'error: {path}: ')
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / 's.S').exists()


def test_elf_load_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ElfError, match='cannot open'):
        elf.load(tmp_path / 'absent.elf')


def test_inspect_text_lists_exports_needs_sections_relocations(rv32_module: Path) -> None:
    result = _hotreload('inspect', rv32_module)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert 'RISC-V (rv32) relocatable, float ABI soft' in out
    assert 'exported functions (2):\n  reloadable_add\n  reloadable_greet\n' in out
    assert 'exported data (not reloadable) (1):\n  module_state\n' in out
    assert 'needs from the firmware (4):\n  fw_counter\n  fw_optional\n  memcpy\n  printf\n' in out
    assert 'R_RISCV_32' in out


def test_inspect_json_is_machine_readable(rv32_module: Path) -> None:
    result = _hotreload('inspect', rv32_module, '--json')
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report['arch'] == 'riscv32'
    assert report['float_abi'] == 'soft'
    assert report['exported_functions'] == ['reloadable_add', 'reloadable_greet']
    assert report['exported_data'] == ['module_state']
    assert report['firmware_symbols'] == ['fw_counter', 'fw_optional', 'memcpy', 'printf']
    assert report['relocations']['R_RISCV_32'] == 3
    assert any(name.startswith('.text') for name in report['sections'])


@pytest.mark.parametrize('name', ['rv32-gcc', 'rv32-clang', 'xtensa-call0-gcc', 'xtensa-windowed-clang'])
def test_elf_relocation_names_match_readelf(tmp_path: Path, name: str) -> None:
    """The hand-written RELOC_NAMES agree with binutils (debug info adds ADD/SUB/DIFF kinds)."""
    toolchain = require_toolchain(name)
    obj = tmp_path / 'module.o'
    compile_c(toolchain, FIXTURES / 'module.c', obj, [*FLAGS, '-g', '-ffunction-sections'])
    listing = subprocess.run(
        [toolchain.tool('readelf'), '-rW', str(obj)], check=True, capture_output=True, text=True
    ).stdout
    expected: dict[str, int] = {}
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2].startswith('R_'):
            expected[fields[2]] = expected.get(fields[2], 0) + 1
    assert expected
    assert elf.load(obj).reloc_counts == dict(sorted(expected.items()))


def _with_info(tmp_path: Path, module: Path, fingerprint_of: list[str]) -> Path:
    record = bytearray(protocol.MODULE_INFO_SIZE)
    values = {
        'magic': protocol.MODULE_INFO_MAGIC,
        'info_size': protocol.MODULE_INFO_SIZE.to_bytes(4, 'little'),
        'export_count': len(fingerprint_of).to_bytes(4, 'little'),
        'name': b'reloadable',
        'firmware_sha256': bytes(range(32)),
        'abi_fingerprint': protocol.abi_fingerprint(fingerprint_of),
    }
    for field in protocol.MODULE_INFO_FIELDS:
        record[field.offset : field.offset + len(values[field.name])] = values[field.name]
    blob = tmp_path / 'info.bin'
    blob.write_bytes(bytes(record))
    out = tmp_path / f'packaged{len(fingerprint_of)}.o'
    subprocess.run(
        ['riscv64-unknown-elf-objcopy', f'--add-section={protocol.MODULE_INFO_SECTION}={blob}', str(module), str(out)],
        check=True,
    )
    return out


def test_inspect_decodes_module_info_and_checks_fingerprint(rv32_module: Path, tmp_path: Path) -> None:
    good = _with_info(tmp_path, rv32_module, ['reloadable_add', 'reloadable_greet'])
    info = json.loads(_hotreload('inspect', good, '--json').stdout)['module_info']
    assert info == {
        'valid': True,
        'name': 'reloadable',
        'export_count': 2,
        'firmware_sha256': bytes(range(32)).hex(),
        'abi_fingerprint': protocol.abi_fingerprint(['reloadable_add', 'reloadable_greet']).hex(),
        'fingerprint_matches_exports': True,
    }
    stale = _with_info(tmp_path, rv32_module, ['reloadable_add'])
    text = _hotreload('inspect', stale).stdout
    assert 'module info (.hotreload.info):\n  name: reloadable\n  export_count: 1\n' in text
    assert 'fingerprint_matches_exports: False' in text
    assert json.loads(_hotreload('inspect', rv32_module, '--json').stdout)['module_info'] is None


def test_elf_load_corrupted_module_raises_only_elf_error(rv32_module: Path, tmp_path: Path) -> None:
    """Random byte changes and truncations give a usable image or an ElfError, never another exception."""
    rng = random.Random(2026)
    original = rv32_module.read_bytes()
    path = tmp_path / 'corrupt.o'
    outcomes = {'ok': 0, 'error': 0}
    for _ in range(400):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            # Half the changes hit the ELF header, where one byte breaks the most.
            data[rng.randrange(52 if rng.random() < 0.5 else len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        path.write_bytes(bytes(data))
        try:
            elf.describe(elf.load(path))
            outcomes['ok'] += 1
        except ElfError as exc:
            assert str(exc).startswith(f'{path}: ')
            outcomes['error'] += 1
    assert outcomes['ok'] > 0 and outcomes['error'] > 0, outcomes
