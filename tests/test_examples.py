"""examples/basic and test_apps/hotreload_test stay in step with the public API.

Neither can be built here without ESP-IDF, so their C sources are compiled on
the host (-Wall -Wextra -Werror) against the real include/hotreload.h, with
declaration-only ESP-IDF headers (tests/idf_app_shims) and the simulated
device's shims; their reloadable components are cross-compiled for RISC-V and
Xtensa as the build pipeline would; and the test app's fixture module is
checked to be what its Unity cases assume (its exports, its jump table).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import require_toolchain
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from hotreload_py.errors import BuildError
from hotreload_py.toolchains import TOOLCHAINS, compile_c

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / 'examples' / 'basic'
TEST_APP = REPO_ROOT / 'test_apps' / 'hotreload_test'
TEST_MODULE = TEST_APP / 'components' / 'test_module'
SHIMS = [REPO_ROOT / 'tests' / 'idf_app_shims', REPO_ROOT / 'sim' / 'platform' / 'include']
STRICT = ['-std=gnu11', '-Wall', '-Wextra', '-Werror']
PICOLIBC_INCLUDE = Path('/usr/lib/picolibc/riscv64-unknown-elf/include')


def _host_cc() -> str:
    for cc in ('gcc', 'clang-22', 'clang'):
        if shutil.which(cc):
            return cc
    pytest.skip('no host C compiler (gcc or clang) on PATH')


def _syntax_check(source: Path, includes: list[Path], defines: tuple[str, ...] = ()) -> None:
    args = [_host_cc(), *STRICT, '-fsyntax-only', '-include', 'esp_error_check.h', *defines, str(source)]
    args += [f'-I{path}' for path in [*includes, REPO_ROOT / 'include', *SHIMS]]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f'{source.relative_to(REPO_ROOT)} does not compile:\n{result.stderr}'


EXAMPLE_SOURCES = sorted((EXAMPLE / 'main').glob('*.c')) + sorted((EXAMPLE / 'components' / 'reloadable').glob('*.c'))
TEST_APP_SOURCES = sorted((TEST_APP / 'main').glob('*.c')) + sorted(TEST_MODULE.glob('*.c'))


@pytest.mark.parametrize('source', EXAMPLE_SOURCES, ids=[p.name for p in EXAMPLE_SOURCES])
def test_example_basic_source_compiles_against_public_header(source: Path) -> None:
    _syntax_check(source, [EXAMPLE / 'components' / 'reloadable' / 'include'])


#: sdkconfig variants whose #if branches the test app's sources take.
CONFIGS = {
    'esp32c3': ('-DCONFIG_IDF_TARGET_ESP32C3=1',),
    'esp32s3-psram': ('-DCONFIG_IDF_TARGET_ESP32S3=1', '-DCONFIG_SPIRAM=1'),
    'esp32s2-psram': ('-DCONFIG_IDF_TARGET_ESP32S2=1', '-DCONFIG_SPIRAM=1'),
}


@pytest.mark.parametrize('config', sorted(CONFIGS))
@pytest.mark.parametrize('source', TEST_APP_SOURCES, ids=[p.name for p in TEST_APP_SOURCES])
def test_test_app_source_compiles_against_public_header(source: Path, config: str) -> None:
    _syntax_check(source, [TEST_MODULE / 'include', TEST_APP / 'main'], CONFIGS[config])


def _libc_flags(toolchain_name: str) -> list[str]:
    """C library headers for the bare-metal cross compilers: Debian's picolibc (headers are target-neutral)."""
    if toolchain_name == 'rv32-gcc':
        return ['--specs=picolibc.specs']
    if not PICOLIBC_INCLUDE.is_dir():
        pytest.skip(f'picolibc headers not found at {PICOLIBC_INCLUDE} (bash scripts/setup.sh installs them)')
    return ['-isystem', str(PICOLIBC_INCLUDE)]


def _cross_compile(toolchain_name: str, source: Path, include: Path, out: Path) -> Path:
    """Compile like the build pipeline compiles a reloadable component (the toolchain's exact steps)."""
    toolchain = require_toolchain(toolchain_name)
    obj = out / f'{source.stem}.{toolchain_name}.o'
    flags = [*_libc_flags(toolchain_name), '-Os', '-Wall', '-Wextra', '-Werror', f'-I{include}']
    try:
        compile_c(toolchain, source, obj, flags)
    except BuildError as exc:
        pytest.fail(f'{toolchain_name}: {source.name} does not compile:\n{exc}')
    return obj


def _toolchain_names() -> list[str]:
    return sorted(TOOLCHAINS)


def _defined_functions(obj: Path) -> set[str]:
    with obj.open('rb') as stream:
        elf = ELFFile(stream)
        symtab = elf.get_section_by_name('.symtab')
        assert isinstance(symtab, SymbolTableSection)
        return {
            sym.name
            for sym in symtab.iter_symbols()
            if sym['st_info']['type'] == 'STT_FUNC'
            and sym['st_info']['bind'] in ('STB_GLOBAL', 'STB_WEAK')
            and sym['st_shndx'] != 'SHN_UNDEF'
        }


@pytest.mark.parametrize('toolchain_name', _toolchain_names())
def test_example_reloadable_component_cross_compiles(toolchain_name: str, tmp_path: Path) -> None:
    source = EXAMPLE / 'components' / 'reloadable' / 'reloadable.c'
    obj = _cross_compile(toolchain_name, source, source.parent / 'include', tmp_path)
    assert _defined_functions(obj) == {'reloadable_add', 'reloadable_greet'}


@pytest.mark.parametrize('toolchain_name', _toolchain_names())
def test_test_module_exports_match_header_and_unity_count(toolchain_name: str, tmp_path: Path) -> None:
    """Every tm_ function the header declares is exported, and test_api.c expects that many exports."""
    obj = _cross_compile(toolchain_name, TEST_MODULE / 'test_module.c', TEST_MODULE / 'include', tmp_path)
    header = (TEST_MODULE / 'include' / 'test_module.h').read_text()
    declared = set(re.findall(r'\b(tm_\w+)\s*\(', re.sub(r'/\*.*?\*/', '', header, flags=re.DOTALL)))
    assert _defined_functions(obj) == declared
    expected = re.search(r'#define TEST_MODULE_EXPORTS (\d+)', (TEST_APP / 'main' / 'test_api.c').read_text())
    assert expected is not None
    assert int(expected.group(1)) == len(declared)


def test_test_module_switch_compiles_to_a_jump_table(tmp_path: Path) -> None:
    """tm_apply() exists to put code addresses in relocated read-only data; check the compiler really does that."""
    obj = _cross_compile('rv32-gcc', TEST_MODULE / 'test_module.c', TEST_MODULE / 'include', tmp_path)
    with obj.open('rb') as stream:
        names = [section.name for section in ELFFile(stream).iter_sections()]
    assert any(name.startswith('.rela.rodata') for name in names), names


def test_test_app_presets_cover_the_promised_targets() -> None:
    presets = json.loads((TEST_APP / 'CMakePresets.json').read_text())['configurePresets']
    by_name = {preset['name']: preset for preset in presets}
    for name in ('esp32s3-hardware', 'esp32s2-hardware', 'esp32c3-hardware', 'esp32c3-qemu', 'esp32s3-qemu'):
        assert name in by_name, f'CMakePresets.json lacks {name}'
        preset = by_name[name]
        assert preset['cacheVariables']['IDF_TARGET'] == name.split('-')[0]
        assert preset['binaryDir'] == f'build/{name}'
        for defaults in preset['cacheVariables']['SDKCONFIG_DEFAULTS'].split(';'):
            assert (TEST_APP / defaults).is_file(), f'{name}: {defaults} does not exist'
        assert 'inherits' not in preset, 'idf.py does not support preset inheritance'


@pytest.mark.parametrize('project', [EXAMPLE, TEST_APP], ids=['examples-basic', 'test-app'])
def test_project_partition_table_has_hotreload_partition(project: Path) -> None:
    rows = [
        [cell.strip() for cell in line.split(',')]
        for line in (project / 'partitions.csv').read_text().splitlines()
        if line.strip() and not line.startswith('#')
    ]
    hotreload = [row for row in rows if row[0] == 'hotreload']
    assert hotreload == [['hotreload', 'app', '0x40', '', '512k', '']]
    defaults = (project / 'sdkconfig.defaults').read_text()
    assert 'CONFIG_PARTITION_TABLE_CUSTOM=y' in defaults
    assert 'CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions.csv"' in defaults
    for option in ('CONFIG_ESP_SYSTEM_MEMPROT=n', 'CONFIG_ESP_SYSTEM_MEMPROT_FEATURE=n'):
        assert option in defaults, f'{project.name}: memory protection must be off ({option})'


def _load_test_app_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location('pytest_hotreload', TEST_APP / 'pytest_hotreload.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_test_app_qemu_image_holds_firmware_and_module_partition(tmp_path: Path) -> None:
    """The QEMU image has every flash file and the module partition image at the partition table's offset."""
    build = tmp_path / 'build'
    (build / 'partition_table').mkdir(parents=True)
    (build / 'hotreload').mkdir()
    (build / 'bootloader.bin').write_bytes(b'B' * 100)
    (build / 'app.bin').write_bytes(b'A' * 300)
    (build / 'hotreload' / 'hotreload.bin').write_bytes(b'M' * 50)
    entries = [
        (0x01, 0x02, 0x9000, 0x6000, b'nvs'),
        (0x00, 0x00, 0x10000, 0x180000, b'factory'),
        (0x00, 0x40, 0x190000, 0x80000, b'hotreload'),
    ]
    table = b''.join(
        struct.pack('<2sBBII16sI', b'\xaa\x50', t, st, off, size, name, 0) for t, st, off, size, name in entries
    )
    (build / 'partition_table' / 'partition-table.bin').write_bytes(table + b'\xff' * 32)
    flasher = {
        'flash_settings': {'flash_size': '4MB'},
        'flash_files': {'0x0': 'bootloader.bin', '0x8000': 'partition_table/partition-table.bin', '0x10000': 'app.bin'},
    }
    (build / 'flasher_args.json').write_text(json.dumps(flasher))
    (build / 'hotreload' / 'manifest.json').write_text(json.dumps({'partition_label': 'hotreload'}))

    image = tmp_path / 'flash.bin'
    _load_test_app_runner().make_qemu_flash_image(build, image)

    data = image.read_bytes()
    assert len(data) == 4 * 1024 * 1024
    assert data[:100] == b'B' * 100 and data[100] == 0xFF
    assert data[0x8000 : 0x8000 + len(table)] == table
    assert data[0x10000 : 0x10000 + 300] == b'A' * 300
    assert data[0x190000 : 0x190000 + 50] == b'M' * 50
    assert data[0x190000 + 50 :] == b'\xff' * (len(data) - 0x190000 - 50)


def test_test_app_runner_skips_cleanly_without_idf(tmp_path: Path) -> None:
    """pytest_hotreload.py collects and skips every device test with a reason when ESP-IDF is absent."""
    env = {key: value for key, value in os.environ.items() if key != 'IDF_PATH'}
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', str(TEST_APP / 'pytest_hotreload.py'), '-q', '-rs', '-p', 'no:cacheprovider'],
        cwd=REPO_ROOT,
        env={**env, 'PYTEST_ADDOPTS': f'--basetemp={tmp_path / "inner"}'},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '1 passed, 5 skipped' in result.stdout, result.stdout
    assert result.stdout.count('needs ESP-IDF: IDF_PATH is not set') == 3, result.stdout
