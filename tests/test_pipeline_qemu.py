"""Modules made by the standalone pipeline load and run in the loader's QEMU firmware.

tests/fixtures/pipeline/qemu builds the loader test firmware (tests/loader/fw)
with cmake/hotreload.cmake: the `run` component is reloadable, so the stubs,
table, registry, both module links and the packaging are the pipeline's own.
Versions 2 and 3 of the module are rebuilt with only RUN_VERSION changed: the
firmware must not relink, and the new modules must load into it. The harness
then loads v1, calls every call shape, reloads to v2, refuses a corrupted module
and one whose ABI fingerprint differs, loads v3 and unloads.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain
from elftools.elf.elffile import ELFFile

from hotreload_py import protocol
from hotreload_py.toolchains import TOOLCHAINS

pytestmark = [pytest.mark.qemu_user, pytest.mark.slow]

FIXTURE = REPO_ROOT / 'tests' / 'fixtures' / 'pipeline' / 'qemu'
STEPS = ['v1', 'v2', 'v2 after corrupt v3', 'v2 after v3 with an export renamed', 'v3']
#: One unknown relocation type: a load must refuse the module (ESP_ERR_NOT_SUPPORTED).
UNKNOWN_RELOC = 0xEE


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd)
    assert result.returncode == 0, ' '.join(cmd) + '\n' + result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _corrupt(good: Path, out: Path) -> Path:
    data = bytearray(good.read_bytes())
    with good.open('rb') as stream:
        rela = ELFFile(stream).get_section_by_name('.rela.text')
        assert rela is not None
        offset = rela['sh_offset']
    struct.pack_into('<B', data, offset + 4, UNKNOWN_RELOC)
    out.write_bytes(bytes(data))
    return out


def _other_abi(good: Path, out: Path) -> Path:
    """@p good claiming other exports: its info record's ABI fingerprint flipped (the loader must refuse it)."""
    data = bytearray(good.read_bytes())
    with good.open('rb') as stream:
        info = ELFFile(stream).get_section_by_name(protocol.MODULE_INFO_SECTION)
        assert info is not None
        start = info['sh_offset']
    field = next(f for f in protocol.MODULE_INFO_FIELDS if f.name == 'abi_fingerprint')
    data[start + field.offset] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize('tc_name', ['rv32-gcc', 'xtensa-windowed-clang'])
def test_pipeline_qemu_modules_load_and_run(tmp_path: Path, tc_name: str) -> None:
    toolchain = require_toolchain(tc_name)
    require_executable('cmake')
    require_executable('ninja')
    build = tmp_path / 'build'
    toolchain_file = REPO_ROOT / 'cmake' / 'toolchains' / f'{tc_name}.cmake'
    configure = ['cmake', '-G', 'Ninja', '-S', str(FIXTURE), '-B', str(build), f'-DHOTRELOAD_DIR={REPO_ROOT}']
    _run([*configure, f'-DCMAKE_TOOLCHAIN_FILE={toolchain_file}', '-DRUN_VERSION=1'])
    firmware = build / 'fw'
    modules: dict[str, Path] = {}
    firmware_mtime = 0
    for version in ('1', '2', '3'):
        if version != '1':
            _run([*configure, f'-DRUN_VERSION={version}'])
        out = _run(['ninja', '-C', str(build), '-j2'])
        if version == '1':
            firmware_mtime = firmware.stat().st_mtime_ns
        else:
            assert 'Linking C executable' not in out, out
            assert firmware.stat().st_mtime_ns == firmware_mtime
        modules[f'v{version}'] = tmp_path / f'run_v{version}.so'
        shutil.copyfile(build / f'run{protocol.MODULE_SUFFIX}', modules[f'v{version}'])
    assert len({m.read_bytes() for m in modules.values()}) == 3
    args = [
        modules['v1'],
        modules['v2'],
        _corrupt(modules['v2'], tmp_path / 'run_v3_corrupt.so'),
        _other_abi(modules['v3'], tmp_path / 'run_v3_abi.so'),
        modules['v3'],
    ]
    qemu = TOOLCHAINS[tc_name].qemu
    assert toolchain.qemu == qemu
    for mode in ('split', 'flat'):
        result = subprocess.run(
            [qemu, str(firmware), mode, 'sync', *map(str, args)], capture_output=True, text=True, timeout=120
        )
        report = f'{mode}: exit {result.returncode}\n{result.stdout}\n{result.stderr}'
        ok_lines = [line[3:] for line in result.stdout.splitlines() if line.startswith('ok ')]
        assert ok_lines == STEPS, report
        assert result.returncode == 0, report
