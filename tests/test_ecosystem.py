"""Checks with the ecosystem's own tools: ruff and mypy on the Python package,
idf-component-manager on the component manifest, esp-idf-kconfig on Kconfig,
and the public C headers under -Wall -Wextra -Werror on the host.

Each tool runs as its users run it, on a copy where it writes files, so a
failure here is what a contributor or the registry would see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from hotreload_py.arch import TARGETS

REPO_ROOT = Path(__file__).resolve().parent.parent
PUBLIC_HEADERS = sorted((REPO_ROOT / 'include').glob('*.h'))
SHIM_INCLUDE = REPO_ROOT / 'sim' / 'platform' / 'include'
#: Files ESP-IDF needs from the packed component to build and to run its tools.
COMPONENT_RUNTIME_FILES = (
    'CMakeLists.txt',
    'Kconfig',
    'idf_component.yml',
    'include/hotreload.h',
    'hotreload_py/__init__.py',
)


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f'{" ".join(result.args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}'


def _tracked_files() -> list[Path]:
    """The checkout's tracked files (what a clone, and so the registry, sees), or every file without git."""
    if (REPO_ROOT / '.git').exists() and shutil.which('git'):
        result = _run(['git', 'ls-files', '-z'], REPO_ROOT)
        if result.returncode == 0:
            return [Path(name) for name in result.stdout.split('\0') if name]
    skip = {'.git', 'build', 'dist', '__pycache__', '.mypy_cache', '.ruff_cache', '.pytest_cache'}
    return [
        path.relative_to(REPO_ROOT)
        for path in REPO_ROOT.rglob('*')
        if path.is_file() and not skip.intersection(path.relative_to(REPO_ROOT).parts)
    ]


def _copy_checkout(dest: Path) -> Path:
    """Copy the tracked files, keeping symbolic links as links (as a clone has them)."""
    for rel in _tracked_files():
        source = REPO_ROOT / rel
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)
    return dest


def _require_file(rel: str) -> Path:
    path = REPO_ROOT / rel
    if not path.is_file():
        pytest.skip(f'{rel} does not exist yet')
    return path


# --- Python --------------------------------------------------------------------


def test_ruff_check_package_clean() -> None:
    result = _run([sys.executable, '-m', 'ruff', 'check', 'hotreload_py', 'idf_ext.py'], REPO_ROOT)
    assert result.returncode == 0, _explain(result)


def test_ruff_format_package_clean() -> None:
    result = _run([sys.executable, '-m', 'ruff', 'format', '--check', 'hotreload_py', 'idf_ext.py'], REPO_ROOT)
    assert result.returncode == 0, _explain(result)


def test_mypy_package_clean() -> None:
    result = _run([sys.executable, '-m', 'mypy', 'hotreload_py'], REPO_ROOT)
    assert result.returncode == 0, _explain(result)


# --- Component manifest ------------------------------------------------------------


@pytest.fixture(scope='module')
def packed_component(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The component archive `compote component pack` makes from a copy of the checkout, unpacked."""
    _require_file('idf_component.yml')
    if shutil.which('compote') is None:
        pytest.skip('compote is not installed: pip install idf-component-manager')
    work = tmp_path_factory.mktemp('compote')
    project = _copy_checkout(work / 'hotreload')
    dist = work / 'dist'
    args = ['compote', 'component', 'pack', '--name', 'hotreload', '--dest-dir', str(dist)]
    manifest = yaml.safe_load((project / 'idf_component.yml').read_text()) or {}
    if 'version' not in manifest:
        args += ['--version', '0.0.0']
    result = _run(args, project)
    assert result.returncode == 0, _explain(result)
    archives = sorted(dist.glob('*.tgz'))
    assert len(archives) == 1, f'expected one archive in {dist}, found {archives}'
    unpacked = work / 'unpacked'
    with tarfile.open(archives[0]) as tar:
        tar.extractall(unpacked, filter='data')
    return unpacked


def test_component_manifest_packs_with_runtime_files(packed_component: Path) -> None:
    tracked = {str(path) for path in _tracked_files()}
    expected = [rel for rel in COMPONENT_RUNTIME_FILES if rel in tracked]
    assert 'CMakeLists.txt' in expected, 'the component has no CMakeLists.txt'
    missing = [rel for rel in expected if not (packed_component / rel).is_file()]
    assert not missing, f'the packed component lacks files ESP-IDF needs: {missing}'


def test_component_manifest_packed_package_renders_templates(packed_component: Path, tmp_path: Path) -> None:
    """The packed hotreload_py, as ESP-IDF runs it from the component directory, finds every template."""
    script = (
        'import sys, hotreload_py, hotreload_py.codegen as codegen\n'
        'assert hotreload_py.__file__.startswith(sys.argv[1]), hotreload_py.__file__\n'
        'names = codegen._ENV.list_templates()\n'
        'assert names, "no templates"\n'
        'for name in names:\n'
        '    codegen._ENV.get_template(name)\n'
        'print(len(names))\n'
    )
    env = {**os.environ, 'PYTHONPATH': str(packed_component)}
    result = subprocess.run(
        [sys.executable, '-c', script, str(packed_component)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, _explain(result)
    expected = len(list((REPO_ROOT / 'templates').glob('*.j2')))
    assert int(result.stdout.strip()) == expected


def test_component_manifest_excludes_what_it_says(packed_component: Path) -> None:
    manifest = yaml.safe_load((REPO_ROOT / 'idf_component.yml').read_text()) or {}
    patterns = (manifest.get('files') or {}).get('exclude') or []
    leaked = {
        pattern: [str(p.relative_to(packed_component)) for p in packed_component.glob(pattern.rstrip('*') + '**/*')]
        for pattern in patterns
        if pattern.endswith('/**') and '*' not in pattern[:-3]
    }
    leaked = {
        pattern: files[:3] for pattern, files in leaked.items() if any((packed_component / f).is_file() for f in files)
    }
    assert not leaked, f'files the manifest excludes are in the package: {leaked}'


def test_component_manifest_targets_match_arch_table() -> None:
    manifest = yaml.safe_load(_require_file('idf_component.yml').read_text()) or {}
    targets = manifest.get('targets')
    assert targets, 'idf_component.yml lists no targets: the registry would offer the component for every chip'
    assert sorted(targets) == sorted(TARGETS), (
        f'idf_component.yml targets {sorted(targets)} differ from hotreload_py.arch.TARGETS {sorted(TARGETS)}'
    )


def test_component_manifests_pass_compote_lint() -> None:
    """The component's manifest and the projects' (example, test app) with warnings as errors."""
    manifests = [str(path) for path in _tracked_files() if path.name == 'idf_component.yml']
    if not manifests:
        pytest.skip('no idf_component.yml yet')
    if shutil.which('compote') is None:
        pytest.skip('compote is not installed: pip install idf-component-manager')
    result = _run(['compote', '-W', 'manifest', 'lint', *manifests], REPO_ROOT)
    assert result.returncode == 0, _explain(result)


def test_license_is_mit_everywhere() -> None:
    """LICENSE, the registry manifest, the Python package and every SPDX line name the same license."""
    assert (REPO_ROOT / 'LICENSE').read_text().startswith('MIT License'), 'LICENSE is not the MIT license text'
    manifest = yaml.safe_load(_require_file('idf_component.yml').read_text()) or {}
    assert manifest.get('license') == 'MIT', f'idf_component.yml license: {manifest.get("license")!r}'
    assert 'license = { text = "MIT" }' in (REPO_ROOT / 'pyproject.toml').read_text()
    others = []
    for rel in _tracked_files():
        path = REPO_ROOT / rel
        if path.is_symlink() or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for line in text.splitlines()[:10]:
            if 'SPDX-License-Identifier:' in line and not line.rstrip().endswith('SPDX-License-Identifier: MIT'):
                others.append(f'{rel}: {line.strip()}')
    assert not others, f'files under another license: {others}'


# --- Kconfig -----------------------------------------------------------------------


def test_kconfig_passes_kconfcheck(tmp_path: Path) -> None:
    kconfig = _require_file('Kconfig')
    work = tmp_path / 'Kconfig'
    shutil.copy2(kconfig, work)
    result = _run([sys.executable, '-m', 'kconfcheck', str(work)], tmp_path)
    if result.returncode != 0 and 'No module named kconfcheck' in result.stderr:
        pytest.skip('kconfcheck is not installed: pip install esp-idf-kconfig')
    suggestion = tmp_path / 'Kconfig.new'
    diff = ''
    if suggestion.is_file():
        diff = _run(['diff', '-u', str(work), str(suggestion)], tmp_path).stdout
    assert result.returncode == 0, _explain(result) + diff


def test_kconfig_every_option_has_help() -> None:
    lines = _require_file('Kconfig').read_text().splitlines()
    without_help: list[str] = []
    current: str | None = None
    for line in lines:
        words = line.split()
        if not words:
            continue
        if words[0] in ('config', 'menuconfig'):
            if current is not None:
                without_help.append(current)
            current = words[1]
        elif words[0] == 'help' and current is not None:
            current = None
        elif words[0] in ('menu', 'endmenu', 'choice', 'endchoice', 'if', 'endif', 'comment', 'source'):
            if current is not None:
                without_help.append(current)
            current = None
    if current is not None:
        without_help.append(current)
    assert not without_help, f'Kconfig options without help text: {without_help}'


# --- C headers ---------------------------------------------------------------------


def _host_compilers() -> list[str]:
    found = [cc for cc in ('gcc', 'clang-22', 'clang') if shutil.which(cc)]
    if not found:
        pytest.skip('no host C compiler (gcc or clang) on PATH')
    return found[:2]


@pytest.mark.parametrize('header', PUBLIC_HEADERS, ids=[path.name for path in PUBLIC_HEADERS])
@pytest.mark.parametrize('language', ['c', 'c++'])
def test_public_header_compiles_strict(header: Path, language: str, tmp_path: Path) -> None:
    """Each public header compiles on its own (included twice), as C11 and as C++, with warnings as errors."""
    std = '-std=c11' if language == 'c' else '-std=c++17'
    unit = tmp_path / ('unit.c' if language == 'c' else 'unit.cpp')
    unit.write_text(f'#include "{header.name}"\n#include "{header.name}"\nint hr_unit_anchor;\n')
    for cc in _host_compilers():
        compiler = cc if language == 'c' else cc.replace('gcc', 'g++').replace('clang', 'clang++')
        if shutil.which(compiler) is None:
            continue
        result = _run(
            [
                compiler,
                '-x',
                language,
                std,
                '-Wall',
                '-Wextra',
                '-Werror',
                '-Wpedantic',
                '-fsyntax-only',
                f'-I{REPO_ROOT / "include"}',
                f'-I{SHIM_INCLUDE}',
                str(unit),
            ],
            tmp_path,
        )
        assert result.returncode == 0, _explain(result)
