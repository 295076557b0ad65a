"""The standalone build pipeline (cmake/hotreload.cmake) with real CMake, Ninja and cross toolchains.

The fixture project (tests/fixtures/pipeline/standalone) is a firmware with two
reloadable components: `reloadable` (calls a firmware function and, on rv32,
picolibc's strlen and libgcc's __moddi3, which the firmware itself never calls)
and `other` (table prefix `oth`; compiles only with a definition, an option and
a transitive include directory that must be mirrored from its library).
Each toolchain's project is configured and built once per session; the
incremental tests build their own copy and edit it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from hotreload_py import elf, protocol
from hotreload_py.arch import ARCHES
from hotreload_py.manifest import load_manifest

FIXTURE = REPO_ROOT / 'tests' / 'fixtures' / 'pipeline' / 'standalone'
TOOLCHAIN_NAMES = ['rv32-gcc', 'xtensa-call0-gcc', 'xtensa-windowed-clang']
#: Builds with the authentication key compiled in (hotreload_init(AUTH ON)).
AUTH_TOOLCHAINS = {'rv32-gcc'}
EXPORTS = {
    'reloadable': ['reloadable_add', 'reloadable_arith', 'reloadable_greet', 'reloadable_len'],
    'other': ['other_scale'],
}
PREFIXES = {'reloadable': 'reloadable', 'other': 'oth'}
#: Offset of `fingerprint` in hotreload_table_t on a 32-bit target (name, names, slots, count before it).
TABLE_FINGERPRINT_OFFSET = 16
ALLOWED_SECTIONS = {'', '.text', '.rodata', '.data', '.bss', '.symtab', '.strtab', '.shstrtab'}


@dataclass(frozen=True)
class Project:
    toolchain: str
    source: Path
    build: Path

    @property
    def firmware(self) -> Path:
        return self.build / 'firmware' / 'firmware'

    def module(self, name: str) -> Path:
        return self.build / f'{name}{protocol.MODULE_SUFFIX}'

    def ninja(self, *targets: str) -> str:
        """Build and return ninja's output (one line per edge it ran)."""
        result = subprocess.run(
            ['ninja', '-C', str(self.build), '-j2', *targets], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def _configure(toolchain: str, source: Path, build: Path) -> Project:
    require_toolchain(toolchain)
    require_executable('cmake')
    require_executable('ninja')
    cmd = [
        'cmake',
        '-G',
        'Ninja',
        '-S',
        str(source),
        '-B',
        str(build),
        f'-DHOTRELOAD_DIR={REPO_ROOT}',
        f'-DCMAKE_TOOLCHAIN_FILE={REPO_ROOT / "cmake" / "toolchains" / f"{toolchain}.cmake"}',
        f'-DFIXTURE_AUTH={"ON" if toolchain in AUTH_TOOLCHAINS else "OFF"}',
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    project = Project(toolchain, source, build)
    project.ninja()
    return project


def _fresh_project(root: Path, toolchain: str) -> Project:
    source = root / 'src'
    shutil.copytree(FIXTURE, source)
    return _configure(toolchain, source, root / 'build')


_built: dict[str, Project] = {}


def _session_project(tmp_path_factory: pytest.TempPathFactory, name: str) -> Project:
    if name not in _built:
        require_toolchain(name)
        _built[name] = _fresh_project(tmp_path_factory.mktemp(f'pipeline-{name}'), name)
    return _built[name]


@pytest.fixture(params=TOOLCHAIN_NAMES, ids=TOOLCHAIN_NAMES)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project built once per session with each toolchain."""
    return _session_project(tmp_path_factory, request.param)


def _section_data(path: Path, name: str) -> bytes:
    with path.open('rb') as stream:
        section = ELFFile(stream).get_section_by_name(name)
        assert section is not None, f'{path} has no {name}'
        return bytes(section.data())


def _symbol_bytes(path: Path, symbol: str, offset: int, size: int) -> bytes:
    """Bytes of an initialised firmware object, read through its section."""
    with path.open('rb') as stream:
        efile = ELFFile(stream)
        symtab = efile.get_section_by_name('.symtab')
        assert isinstance(symtab, SymbolTableSection)
        found = symtab.get_symbol_by_name(symbol)
        assert found, f'{path} has no symbol {symbol}'
        sym = found[0]
        section = efile.get_section(sym['st_shndx'])
        start = sym['st_value'] - section['sh_addr'] + offset
        return bytes(section.data()[start : start + size])


def _info(path: Path) -> dict[str, bytes]:
    data = _section_data(path, protocol.MODULE_INFO_SECTION)
    assert len(data) == protocol.MODULE_INFO_SIZE
    return {f.name: data[f.offset : f.offset + f.size] for f in protocol.MODULE_INFO_FIELDS}


def _sha256(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


# --- one build per toolchain ------------------------------------------------------


def test_pipeline_manifest_describes_build(project: Project) -> None:
    manifest = load_manifest(project.build)
    assert manifest.generator == 'standalone'
    assert manifest.arch == ARCHES[elf.load(project.firmware).arch.name].name
    assert Path(manifest.firmware_elf) == project.firmware
    assert manifest.build_dir == str(project.build)
    assert manifest.project_dir == str(project.source)
    assert manifest.partition_label == protocol.DEFAULT_PARTITION_LABEL
    if project.toolchain in AUTH_TOOLCHAINS:
        assert manifest.auth_key_file == str(project.build / protocol.BUILD_SUBDIR / protocol.AUTH_KEY_NAME)
    else:
        assert manifest.auth_key_file is None
    assert [c.name for c in manifest.components] == ['reloadable', 'other']
    for entry in manifest.components:
        assert entry.exports == EXPORTS[entry.name]
        assert entry.prefix == PREFIXES[entry.name]
        assert Path(entry.module) == project.module(entry.name)
        assert entry.source_dirs == [str(project.source / 'components' / entry.name)]
        assert entry.module_target == f'{entry.name}_module'


def test_pipeline_module_info_record_binds_firmware(project: Project) -> None:
    firmware_id = _sha256(project.firmware)
    for name, exports in EXPORTS.items():
        info = _info(project.module(name))
        assert info['magic'] == protocol.MODULE_INFO_MAGIC
        assert int.from_bytes(info['info_size'], 'little') == protocol.MODULE_INFO_SIZE
        assert int.from_bytes(info['export_count'], 'little') == len(exports)
        assert info['name'].rstrip(b'\0') == name.encode()
        assert info['firmware_sha256'] == firmware_id
        assert info['abi_fingerprint'] == protocol.abi_fingerprint(exports)
        # The firmware's table was generated from the same exports.
        table = _symbol_bytes(project.firmware, f'{PREFIXES[name]}_hr_table', TABLE_FINGERPRINT_OFFSET, 32)
        assert table == info['abi_fingerprint']


def test_pipeline_module_keeps_only_what_loader_needs(project: Project) -> None:
    image = elf.load(project.module('reloadable'))
    assert image.elf_type == elf.ET_EXEC
    names = {s.name for s in image.sections}
    extra = names - ALLOWED_SECTIONS - {protocol.MODULE_INFO_SECTION}
    assert {n for n in extra if not n.startswith('.rela')} == set(), f'unexpected sections {extra}'
    assert '.rela.text' in names
    assert not any(n.startswith('.debug') for n in names)
    assert sorted(s.name for s in image.exported_functions()) == EXPORTS['reloadable']
    assert 'R_RISCV_RELAX' not in image.reloc_counts
    # Linked with -n: file offsets are not padded to pages (the fixture module is a few hundred bytes of code).
    assert project.module('reloadable').stat().st_size < 4096
    # IRAM_ATTR code and DRAM_ATTR data (.iram1.*, .dram1.*) land in the module's .text and .data.
    by_name = {s.name: s for s in image.symbols}
    assert image.sections[by_name['iram_bump'].shndx].name == '.text'
    assert image.sections[by_name['dram_step'].shndx].name == '.data'


def test_pipeline_module_firmware_symbols_have_firmware_addresses(project: Project) -> None:
    firmware = elf.load(project.firmware).defined_globals()
    module = elf.load(project.module('reloadable'))
    absolute = {s.name: s.value for s in module.symbols if s.shndx == elf.SHN_ABS and s.is_global}
    needed = {'fw_log'} | ({'strlen', '__moddi3'} if project.toolchain == 'rv32-gcc' else set())
    assert needed <= set(absolute), f'module lacks {needed - set(absolute)}'
    for name in needed:
        assert absolute[name] == firmware[name], name
    # The firmware never calls these itself: only the EXTERN list kept them.
    main_calls = (project.source / 'firmware' / 'main.c').read_text()
    assert 'strlen' not in main_calls and '%' not in main_calls


def test_pipeline_compiles_each_source_once_with_component_flags(project: Project) -> None:
    commands = subprocess.run(
        ['ninja', '-C', str(project.build), '-t', 'commands'], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    other = [c for c in commands if re.search(r'-c \S*/components/other/other\.c\b', c)]
    assert len(other) == 1, other
    assert '-DOTHER_FACTOR=3' in other[0] and '-Wall' in other[0] and '-Werror' in other[0]
    assert len([c for c in commands if re.search(r'-c \S*/reloadable\.c\b', c)]) == 1
    if project.toolchain == 'rv32-gcc':
        assert '-mno-relax' in other[0]


def test_pipeline_stubs_replace_component_code_in_firmware(project: Project) -> None:
    firmware = elf.load(project.firmware)
    functions = {s.name for s in firmware.symbols if s.type == elf.STT_FUNC and s.defined}
    # The stubs main() calls (an unused stub may be collected by --gc-sections).
    assert {'reloadable_add', 'reloadable_arith', 'reloadable_greet', 'other_scale'} <= functions
    assert {'reloadable_hr_table', 'oth_hr_table', 'hotreload_tables'} <= set(firmware.defined_globals())
    # The component's own code is not in the firmware: its static counter lives in the module only.
    assert 'counter' not in {s.name for s in firmware.symbols}
    assert 'counter' in {s.name for s in elf.load(project.module('reloadable')).symbols}


@pytest.mark.parametrize('name', sorted(AUTH_TOOLCHAINS))
def test_pipeline_auth_key_compiled_into_firmware(tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    project = _session_project(tmp_path_factory, name)
    key_file = Path(load_manifest(project.build).auth_key_file or '')
    key = bytes.fromhex(key_file.read_text().strip())
    assert len(key) == 32
    assert _symbol_bytes(project.firmware, 'hotreload_auth_key', 0, 32) == key


# --- incremental builds (rv32) ----------------------------------------------------


@pytest.fixture
def rv32_project(tmp_path: Path) -> Project:
    return _fresh_project(tmp_path, 'rv32-gcc')


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_pipeline_incremental_module_edit_relinks_only_module(rv32_project: Project) -> None:
    p = rv32_project
    firmware_before = p.firmware.stat().st_mtime_ns
    module_before = p.module('reloadable').read_bytes()
    _edit(p.source / 'components' / 'reloadable' / 'reloadable.c', 'return a + b;', 'return b + a + 0 * counter;')
    out = p.ninja()
    assert 'linking module reloadable against the firmware' in out
    assert 'Linking C executable' not in out
    assert 'other' not in out
    assert 'manifest.json' not in out  # the exports did not change
    assert p.firmware.stat().st_mtime_ns == firmware_before
    assert p.module('reloadable').read_bytes() != module_before
    assert 'no work to do' in p.ninja()


def test_pipeline_incremental_new_export_regenerates_stubs_and_relinks(rv32_project: Project) -> None:
    p = rv32_project
    firmware_id = _sha256(p.firmware)
    source = p.source / 'components' / 'reloadable' / 'reloadable.c'
    source.write_text(source.read_text() + '\nint reloadable_sub(int a, int b)\n{\n    return a - b;\n}\n')
    out = p.ninja()
    assert 'Linking C executable' in out
    stubs = (p.build / 'hotreload' / 'reloadable' / 'reloadable_stubs.S').read_text()
    assert 'reloadable_sub' in stubs
    assert 'reloadable_sub' in load_manifest(p.build).component('reloadable').exports
    info = _info(p.module('reloadable'))
    assert int.from_bytes(info['export_count'], 'little') == len(EXPORTS['reloadable']) + 1
    assert info['firmware_sha256'] == _sha256(p.firmware) != firmware_id


def test_pipeline_incremental_firmware_change_relinks_module(rv32_project: Project) -> None:
    p = rv32_project
    key = (p.build / protocol.BUILD_SUBDIR / protocol.AUTH_KEY_NAME).read_text()
    _edit(p.source / 'firmware' / 'main.c', 'fw_last_log = text;', 'fw_last_log = text + 0;\n    fw_last_log++;')
    out = p.ninja()
    assert 'Linking C executable' in out
    assert 'linking module reloadable against the firmware' in out
    assert f'packaging {p.module("other")}' in out  # its firmware addresses did not change, its identity did
    assert 'first pass' not in out  # module objects untouched
    for name in EXPORTS:
        assert _info(p.module(name))['firmware_sha256'] == _sha256(p.firmware)
    assert (p.build / protocol.BUILD_SUBDIR / protocol.AUTH_KEY_NAME).read_text() == key  # made once per build dir


def test_pipeline_incremental_library_calls_kept_unknown_ones_named(rv32_project: Project) -> None:
    p = rv32_project
    assert 'strrchr' not in elf.load(p.firmware).defined_globals()
    _edit(
        p.source / 'components' / 'reloadable' / 'reloadable.c',
        '    fw_log(name);\n',
        '    fw_log(strrchr(name, 0x2f));\n',
    )
    out = p.ninja()
    assert 'Linking C executable' in out  # the EXTERN list changed
    firmware = elf.load(p.firmware).defined_globals()
    module = elf.load(p.module('reloadable'))
    absolute = {s.name: s.value for s in module.symbols if s.shndx == elf.SHN_ABS}
    assert absolute['strrchr'] == firmware['strrchr']
    # A function nobody defines: the EXTERN list cannot conjure it, the build names it.
    _edit(
        p.source / 'components' / 'reloadable' / 'reloadable.c',
        '    fw_log("Hello, ");\n',
        '    extern void no_such_function(void);\n    no_such_function();\n',
    )
    result = subprocess.run(['ninja', '-C', str(p.build), '-j2'], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert 'does not define 1 symbol(s) the module uses: no_such_function' in result.stdout + result.stderr


# --- configure-time errors -----------------------------------------------------------


def _configure_small(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    require_toolchain('rv32-gcc')
    source = tmp_path / 'src'
    source.mkdir(parents=True, exist_ok=True)
    (source / 'a.c').write_text('int a_fn(void) { return 1; }\n')
    (source / 'CMakeLists.txt').write_text(
        'cmake_minimum_required(VERSION 3.19)\nproject(small C ASM)\n'
        f'include({REPO_ROOT}/cmake/hotreload.cmake)\n{body}'
    )
    toolchain = REPO_ROOT / 'cmake' / 'toolchains' / 'rv32-gcc.cmake'
    return subprocess.run(
        ['cmake', '-G', 'Ninja', '-S', str(source), '-B', str(tmp_path / 'b'), f'-DCMAKE_TOOLCHAIN_FILE={toolchain}'],
        capture_output=True,
        text=True,
        check=False,
    )


def _configure_error(tmp_path: Path, body: str) -> str:
    result = _configure_small(tmp_path, body)
    assert result.returncode != 0
    return ' '.join(result.stderr.split())


def test_pipeline_firmware_without_reloadable_components(tmp_path: Path) -> None:
    (tmp_path / 'src').mkdir()
    (tmp_path / 'src' / 'main.c').write_text(
        '#include "hotreload_table.h"\n'
        'int main(void) { return (int)hotreload_table_count + (hotreload_tables[0] != 0); }\n'
    )
    body = (
        'add_executable(fw main.c)\n'
        f'target_include_directories(fw PRIVATE {REPO_ROOT}/include)\n'
        'target_link_options(fw PRIVATE --specs=picolibc.specs)\n'
        'target_compile_options(fw PRIVATE --specs=picolibc.specs)\n'
        'hotreload_add_firmware(fw)\n'
    )
    result = _configure_small(tmp_path, body)
    assert result.returncode == 0, result.stderr
    subprocess.run(['ninja', '-C', str(tmp_path / 'b'), '-j2'], check=True, capture_output=True)
    assert load_manifest(tmp_path / 'b').components == []
    assert 'hotreload_tables' in elf.load(tmp_path / 'b' / 'fw').defined_globals()


def test_pipeline_rejects_library_without_sources(tmp_path: Path) -> None:
    err = _configure_error(tmp_path, 'add_library(empty INTERFACE)\nhotreload_add_reloadable(empty)\n')
    assert "'empty' is a INTERFACE_LIBRARY" in err and 'STATIC library' in err


def test_pipeline_rejects_unknown_argument_and_bad_name(tmp_path: Path) -> None:
    err = _configure_error(tmp_path / 'x', 'add_library(a STATIC a.c)\nhotreload_add_reloadable(a FOO)\n')
    assert 'hotreload_add_reloadable: unknown argument(s) FOO' in err
    err = _configure_error(tmp_path / 'y', 'add_library(a STATIC a.c)\nhotreload_add_reloadable(a NAME 9lives)\n')
    assert "component name '9lives' must be a C identifier" in err


# --- ESP-IDF glue logic, run by CMake in script mode ------------------------------------


def _cmake_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    require_executable('cmake')
    script = tmp_path / 'script.cmake'
    script.write_text(
        'cmake_minimum_required(VERSION 3.19)\n'
        f'include({REPO_ROOT}/cmake/hotreload.cmake)\ninclude({REPO_ROOT}/cmake/hotreload_idf.cmake)\n{body}'
    )
    return subprocess.run(['cmake', '-P', str(script)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ('config', 'args', 'expected_args', 'expected_flag'),
    [
        ('', 'RELOADABLE INCLUDE_DIRS include SRCS a.c', 'INCLUDE_DIRS;include;SRCS;a.c', 'TRUE'),
        ('', 'SRCS a.c RELOADABLE PRIV_REQUIRES esp_system', 'SRCS;a.c;PRIV_REQUIRES;esp_system', 'TRUE'),
        ('', 'SRCS a.c', 'SRCS;a.c', 'FALSE'),
        ('other;comp', 'SRCS a.c', 'SRCS;a.c', 'TRUE'),
        ('other comp', 'SRCS a.c', 'SRCS;a.c', 'TRUE'),
        ('other, comp', 'SRCS a.c', 'SRCS;a.c', 'TRUE'),
        ('other;compx', 'SRCS a.c', 'SRCS;a.c', 'FALSE'),
    ],
)
def test_pipeline_idf_register_begin_strips_keyword_and_reads_config(
    tmp_path: Path, config: str, args: str, expected_args: str, expected_flag: str
) -> None:
    result = _cmake_script(
        tmp_path,
        f'set(COMPONENT_NAME comp)\nset(CONFIG_HOTRELOAD_COMPONENTS "{config}")\n'
        f'__hotreload_idf_register_begin(out flag {args})\nmessage("ARGS=${{out}}|FLAG=${{flag}}")\n',
    )
    assert result.returncode == 0, result.stderr
    assert f'ARGS={expected_args}|FLAG={expected_flag}' in result.stderr


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('main', "component 'main' cannot be RELOADABLE: it holds app_main"),
        ('hotreload', "component 'hotreload' is hotreload itself and cannot be RELOADABLE"),
    ],
)
def test_pipeline_idf_register_begin_rejects_main_and_itself(tmp_path: Path, name: str, message: str) -> None:
    result = _cmake_script(
        tmp_path,
        '__hotreload_set_property(HOTRELOAD_IDF_COMPONENT hotreload)\n'
        f'set(COMPONENT_NAME {name})\n__hotreload_idf_register_begin(out flag RELOADABLE SRCS a.c)\n',
    )
    assert result.returncode != 0
    assert message in ' '.join(result.stderr.split())


#: Stand-ins for ESP-IDF's idf_component_register (prints its arguments, sets COMPONENT_LIB like the
#: original) and for the hand-over step, so the wrapping is checked with CMake's real redefinition rules.
_FAKE_IDF = """
function(idf_component_register)
    message(STATUS "ORIG [${ARGV}]")
    set(COMPONENT_LIB lib_${COMPONENT_NAME} PARENT_SCOPE)
endfunction()
function(__hotreload_idf_register_end name lib)
    message(STATUS "HANDOVER ${name} ${lib}")
endfunction()
"""
_OTHER_WRAPPER = """
macro(idf_component_register)
    message(STATUS "OTHER")
    _idf_component_register(${ARGV})
endmacro()
"""


@pytest.mark.parametrize('other', ['none', 'before', 'after'])
def test_pipeline_idf_override_survives_another_wrapper(tmp_path: Path, other: str) -> None:
    body = _FAKE_IDF
    body += _OTHER_WRAPPER if other == 'before' else ''
    body += '__hotreload_idf_install_override()\n'
    body += _OTHER_WRAPPER if other == 'after' else ''
    body += 'set(COMPONENT_NAME comp)\nidf_component_register(RELOADABLE SRCS a.c)\n'
    body += 'message(STATUS "LIB ${COMPONENT_LIB}")\n'
    result = _cmake_script(tmp_path, body)
    assert result.returncode == 0, result.stderr
    lines = [line.removeprefix('-- ') for line in result.stdout.splitlines()]
    expected = ['ORIG [SRCS;a.c]', 'HANDOVER comp lib_comp', 'LIB lib_comp']
    assert lines == (['OTHER'] if other != 'none' else []) + expected


def test_pipeline_python_without_dependencies_fails_at_configure(tmp_path: Path) -> None:
    import venv

    venv.EnvBuilder(with_pip=False).create(tmp_path / 'venv')
    python = tmp_path / 'venv' / 'bin' / 'python'
    err = _configure_error(tmp_path / 'p', f'hotreload_init(PYTHON {python})\n')
    assert f'the build runs its tools with {python}, which cannot run them' in err
    assert f'{python} -m pip install "{REPO_ROOT}"' in err


def test_pipeline_requires_asm_language(tmp_path: Path) -> None:
    require_toolchain('rv32-gcc')
    source = tmp_path / 'src'
    source.mkdir()
    (source / 'a.c').write_text('int a_fn(void) { return 1; }\n')
    (source / 'CMakeLists.txt').write_text(
        'cmake_minimum_required(VERSION 3.19)\nproject(c_only C)\n'
        f'include({REPO_ROOT}/cmake/hotreload.cmake)\nadd_library(a STATIC a.c)\nhotreload_add_reloadable(a)\n'
    )
    toolchain = REPO_ROOT / 'cmake' / 'toolchains' / 'rv32-gcc.cmake'
    result = subprocess.run(
        ['cmake', '-G', 'Ninja', '-S', str(source), '-B', str(tmp_path / 'b'), f'-DCMAKE_TOOLCHAIN_FILE={toolchain}'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert 'the ASM language is not enabled; use project(<name> C ASM)' in ' '.join(result.stderr.split())
