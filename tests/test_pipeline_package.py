"""The pipeline's own steps (hotreload_py/build.py): package-module, gen-auth, write-manifest.

Modules come from a real rv32 compile and GNU ld links (the same steps CMake
runs), so packaging is checked on what the pipeline really produces; bad
inputs must fail with a message that names the problem and leave files alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_toolchain
from elftools.elf.elffile import ELFFile

from hotreload_py import arch, build, codegen, elf, protocol
from hotreload_py.errors import BuildError, ElfError
from hotreload_py.manifest import load_manifest
from hotreload_py.toolchains import compile_c

MODULE_C = """
extern int fw_value(void);
static int hidden;
int mod_get(void) { return fw_value() + hidden; }
int mod_set(int v) { hidden = v; return v; }
"""
FIRMWARE_C = """
int fw_value(void) { return 42; }
void _start(void) { for (;;) { } }
"""


def _run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True)


@pytest.fixture(scope='module')
def linked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A first-pass module, a firmware, the firmware-symbol script and the second-pass module (rv32)."""
    tc = require_toolchain('rv32-gcc')
    w = tmp_path_factory.mktemp('package')
    (w / 'module.c').write_text(MODULE_C)
    (w / 'firmware.c').write_text(FIRMWARE_C)
    flags = ['-O2', '-ffreestanding', '-g', '-mno-relax']
    compile_c(tc, w / 'module.c', w / 'module.o', flags)
    compile_c(tc, w / 'firmware.c', w / 'firmware.o', flags)
    ld = [tc.tool('ld'), '-m', 'elf32lriscv', '--no-relax']
    _run(*ld, '-r', '-o', w / 'pass1.o', w / 'module.o')
    _run(*ld, '-o', w / 'firmware.elf', w / 'firmware.o')
    codegen.gen_ldscript(w / 'firmware.elf', w / 'pass1.o', w / 'syms.ld')
    sections = REPO_ROOT / 'cmake' / 'module_sections.ld'
    _run(*ld, '--emit-relocs', '-e', '0', '-o', w / 'module.elf', '-T', sections, '-T', w / 'syms.ld', w / 'pass1.o')
    return {
        'pass1': w / 'pass1.o',
        'firmware': w / 'firmware.elf',
        'module': w / 'module.elf',
        'objcopy': Path(tc.tool('objcopy')),
    }


def test_package_module_writes_info_and_strips_debug(linked: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / 'mod_stripped.so'
    exports = build.package_module(linked['module'], linked['firmware'], 'mod', str(linked['objcopy']), out)
    assert exports == ['mod_get', 'mod_set']
    image = elf.load(out)
    names = {s.name for s in image.sections}
    assert not any(n.startswith('.debug') for n in names)
    assert '.rela.text' in names and protocol.MODULE_INFO_SECTION in names
    assert any(n.startswith('.debug') for n in {s.name for s in elf.load(linked['module']).sections})
    with out.open('rb') as stream:
        section = ELFFile(stream).get_section_by_name(protocol.MODULE_INFO_SECTION)
        assert section is not None and not section['sh_flags'] & elf.SHF_ALLOC
        data = section.data()
    expected = build.module_info('mod', exports, build.file_sha256(linked['firmware']))
    assert data == expected
    fields = {f.name: data[f.offset : f.offset + f.size] for f in protocol.MODULE_INFO_FIELDS}
    assert fields['magic'] == protocol.MODULE_INFO_MAGIC
    assert int.from_bytes(fields['export_count'], 'little') == 2
    assert fields['name'] == b'mod'.ljust(32, b'\0')
    assert fields['abi_fingerprint'] == protocol.abi_fingerprint(['mod_get', 'mod_set'])


def test_package_module_rejects_first_pass_object(linked: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / 'x.so'
    with pytest.raises(ElfError, match='relocatable object, not the second-pass module link'):
        build.package_module(linked['pass1'], linked['firmware'], 'mod', str(linked['objcopy']), out)
    assert not out.exists()


def test_package_module_rejects_already_packaged(linked: dict[str, Path], tmp_path: Path) -> None:
    first = tmp_path / 'a.so'
    build.package_module(linked['module'], linked['firmware'], 'mod', str(linked['objcopy']), first)
    with pytest.raises(ElfError, match='already has .hotreload.info'):
        build.package_module(first, linked['firmware'], 'mod', str(linked['objcopy']), tmp_path / 'b.so')


def test_package_module_long_name_and_missing_objcopy_fail_clearly(linked: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(BuildError, match='holds 1..31'):
        build.package_module(linked['module'], linked['firmware'], 'n' * 32, str(linked['objcopy']), tmp_path / 'a')
    with pytest.raises(BuildError, match='cannot run /nonexistent/objcopy'):
        build.package_module(linked['module'], linked['firmware'], 'mod', '/nonexistent/objcopy', tmp_path / 'b')
    assert not (tmp_path / 'b').exists()


def test_package_module_cli_reports_one_line_error(linked: dict[str, Path], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'package-module', str(linked['pass1']), '--firmware',
         str(linked['firmware']), '--name', 'mod', '--out', str(tmp_path / 'x.so')],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith('error: ') and result.stderr.count('\n') == 1


def test_gen_auth_makes_key_once_and_keeps_it(tmp_path: Path) -> None:
    key, c_file = tmp_path / 'hotreload' / 'auth.key', tmp_path / 'hotreload' / 'hotreload_auth_key.c'
    assert build.gen_auth(key, c_file) is True
    first = key.read_text()
    assert len(bytes.fromhex(first.strip())) == 32
    assert key.stat().st_mode & 0o077 == 0
    c_text = c_file.read_text()
    assert 'const uint8_t hotreload_auth_key[32]' in c_text
    key_bytes = bytes.fromhex(first.strip())
    assert f'0x{key_bytes[0]:02x}, 0x{key_bytes[1]:02x}' in c_text
    mtime = c_file.stat().st_mtime_ns
    assert build.gen_auth(key, c_file) is False
    assert key.read_text() == first
    assert c_file.stat().st_mtime_ns == mtime  # unchanged: the firmware does not recompile


def test_gen_auth_refuses_corrupt_key_and_keeps_it(tmp_path: Path) -> None:
    key = tmp_path / 'auth.key'
    key.write_text('not hex\n')
    with pytest.raises(BuildError, match='is not a hex-encoded 32-byte key; delete it'):
        build.gen_auth(key, tmp_path / 'k.c')
    assert key.read_text() == 'not hex\n'
    assert not (tmp_path / 'k.c').exists()


def _description(tmp_path: Path, pass1: Path) -> dict[str, object]:
    return {
        'version': 1,
        'generator': 'standalone',
        'project_dir': str(tmp_path),
        'build_dir': str(tmp_path / 'build'),
        'target': 'sim-riscv32',
        'arch': 'riscv32',
        'firmware_elf': str(tmp_path / 'build' / 'fw'),
        'partition_label': 'hotreload',
        'auth_key_file': None,
        'build_tool': ['cmake', '--build', str(tmp_path / 'build')],
        'components': [
            {
                'name': 'mod',
                'prefix': 'mod',
                'source_dirs': [str(tmp_path)],
                'module': str(tmp_path / 'build' / 'mod_stripped.so'),
                'module_target': 'mod_module',
                'exports_from': str(pass1),
            }
        ],
    }


def test_write_manifest_reads_exports_from_first_pass(linked: dict[str, Path], tmp_path: Path) -> None:
    desc = tmp_path / 'manifest.in.json'
    desc.write_text(json.dumps(_description(tmp_path, linked['pass1'])))
    path = build.write_manifest(desc)
    assert path == tmp_path / 'build' / protocol.BUILD_SUBDIR / protocol.MANIFEST_NAME
    manifest = load_manifest(tmp_path / 'build')
    assert manifest.component('mod').exports == ['mod_get', 'mod_set']


def test_write_manifest_bad_description_says_reconfigure(linked: dict[str, Path], tmp_path: Path) -> None:
    desc = tmp_path / 'manifest.in.json'
    broken = _description(tmp_path, linked['pass1'])
    del broken['arch']
    desc.write_text(json.dumps(broken))
    with pytest.raises(BuildError, match='re-run the CMake configure'):
        build.write_manifest(desc)
    desc.write_text('{')
    with pytest.raises(BuildError, match='unreadable build description'):
        build.write_manifest(desc)


def test_idf_component_yml_targets_match_arch_targets() -> None:
    yaml = pytest.importorskip('yaml')
    manifest = yaml.safe_load((REPO_ROOT / 'idf_component.yml').read_text())
    assert sorted(manifest['targets']) == sorted(arch.TARGETS)


def test_toolchain_files_match_toolchains_table() -> None:
    from hotreload_py.toolchains import TOOLCHAINS

    for name in ('rv32-gcc', 'xtensa-call0-gcc', 'xtensa-windowed-clang'):
        text = (REPO_ROOT / 'cmake' / 'toolchains' / f'{name}.cmake').read_text()
        tc = TOOLCHAINS[name]
        assert f'set(HOTRELOAD_TOOLCHAIN {name})' in text
        assert f'set(HOTRELOAD_ARCH {tc.arch})' in text
        assert f'set(HOTRELOAD_ABI {tc.abi})' in text
        assert f'set(__hotreload_binutils {tc.binutils_prefix})' in text
        assert (REPO_ROOT / 'cmake' / 'toolchains' / 'bin' / f'hotreload-cc-{name}').exists()


def test_component_cmakelists_lists_every_runtime_source() -> None:
    """A new file under src/ (or src/port/esp_idf/) must be added to an explicit source list.

    Chip-independent files go in cmake/runtime_sources.cmake (built by ESP-IDF and by the
    simulated device), the ESP-IDF ports in CMakeLists.txt, which includes that list.
    """
    component = (REPO_ROOT / 'CMakeLists.txt').read_text()
    runtime = (REPO_ROOT / 'cmake' / 'runtime_sources.cmake').read_text()
    assert 'cmake/runtime_sources.cmake' in component and '${HOTRELOAD_RUNTIME_SOURCES}' in component
    sim = (REPO_ROOT / 'sim' / 'firmware' / 'CMakeLists.txt').read_text()
    assert 'cmake/runtime_sources.cmake' in sim
    portable = sorted((REPO_ROOT / 'src').glob('*.c'))
    ports = sorted((REPO_ROOT / 'src' / 'port' / 'esp_idf').glob('*.c'))
    missing = [str(p.relative_to(REPO_ROOT)) for p in portable if str(p.relative_to(REPO_ROOT)) not in runtime]
    missing += [str(p.relative_to(REPO_ROOT)) for p in ports if str(p.relative_to(REPO_ROOT)) not in component]
    assert not missing, f'no source list builds {missing}'
    for arch_name in {arch.ARCHES[a].name for a in arch.TARGETS.values()}:
        # CONFIG_IDF_TARGET_ARCH spells riscv32 as riscv.
        assert (REPO_ROOT / 'src' / 'arch' / f'hr_reloc_{arch_name.removesuffix("32")}.c').is_file()
