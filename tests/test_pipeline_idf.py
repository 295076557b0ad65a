"""The pipeline inside real ESP-IDF builds (skipped without IDF_PATH).

`idf.py set-target esp32c3 && idf.py build` of examples/basic and of a project
whose two reloadable components come from CONFIG_HOTRELOAD_COMPONENTS; checks
the manifest, the packaged modules and the hotreload-flash target. Projects are
copied to tmp_path (the component manager writes dependencies.lock next to them)
and point at this checkout through a `hotreload` symlink: ESP-IDF names a
component after its directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from hotreload_py import elf, protocol
from hotreload_py.manifest import load_manifest

pytestmark = [pytest.mark.idf, pytest.mark.slow]

TARGET = 'esp32c3'
TOOLCHAIN = 'riscv32-esp-elf-gcc'


def _idf_env(idf_path: Path) -> dict[str, str]:
    if shutil.which(TOOLCHAIN) is None:
        pytest.skip(f'{TOOLCHAIN} is not on PATH (source {idf_path}/export.sh)')
    return dict(os.environ)


def _idf_py(idf_path: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ['python', str(idf_path / 'tools' / 'idf.py'), '-C', str(project), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=_idf_env(idf_path), check=False, timeout=1800)


def _component_link(root: Path) -> Path:
    """This checkout under the directory name `hotreload` (ESP-IDF names components after directories)."""
    link = root / 'deps' / 'hotreload'
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(REPO_ROOT, target_is_directory=True)
    return link


def _build(idf_path: Path, project: Path) -> Path:
    for args in (('set-target', TARGET), ('build',)):
        result = _idf_py(idf_path, project, *args)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return project / 'build'


def _check_modules(build: Path, names: list[str]) -> None:
    manifest = load_manifest(build)
    assert manifest.generator == 'esp-idf'
    assert manifest.target == TARGET
    assert manifest.arch == 'riscv32'
    assert sorted(c.name for c in manifest.components) == sorted(names)
    firmware = Path(manifest.firmware_elf)
    assert firmware.is_file()
    for entry in manifest.components:
        module = elf.load(Path(entry.module))
        assert module.elf_type == elf.ET_EXEC
        assert protocol.MODULE_INFO_SECTION in {s.name for s in module.sections}
        assert entry.exports
        assert entry.module_target == f'{entry.name}_module'


def _has_target(build: Path, target: str) -> bool:
    result = subprocess.run(['ninja', '-C', str(build), '-t', 'query', target], capture_output=True, check=False)
    return result.returncode == 0


def test_pipeline_idf_builds_examples_basic(idf_path: Path, tmp_path: Path) -> None:
    project = tmp_path / 'basic'
    shutil.copytree(REPO_ROOT / 'examples' / 'basic', project, ignore=shutil.ignore_patterns('build', 'sdkconfig'))
    manifest_file = project / 'main' / 'idf_component.yml'
    text = manifest_file.read_text()
    manifest_file.write_text(text.replace('"../../.."', f'"{_component_link(tmp_path)}"'))
    build = _build(idf_path, project)
    _check_modules(build, ['reloadable'])
    assert (build / f'reloadable{protocol.MODULE_SUFFIX}').is_file()
    for target in ('hotreload-flash', 'reloadable_module', 'reload', 'watch'):
        assert _has_target(build, target), target
    # `idf.py build flash` writes the module too: the build made the partition image and
    # flasher_args.json (what `idf.py flash` writes) lists it.
    image = build / protocol.BUILD_SUBDIR / f'{protocol.DEFAULT_PARTITION_LABEL}.bin'
    assert image.is_file()
    flasher_args = json.loads((build / 'flasher_args.json').read_text())
    assert any(Path(path).name == image.name for path in flasher_args['flash_files'].values())


def test_pipeline_idf_config_components_makes_two_reloadable(idf_path: Path, tmp_path: Path) -> None:
    project = tmp_path / 'two'
    link = _component_link(tmp_path)
    (project / 'main').mkdir(parents=True)
    (project / 'CMakeLists.txt').write_text(
        'cmake_minimum_required(VERSION 3.16)\n'
        f'set(EXTRA_COMPONENT_DIRS {link})\n'
        'include($ENV{IDF_PATH}/tools/cmake/project.cmake)\n'
        'project(two)\n'
    )
    (project / 'sdkconfig.defaults').write_text('CONFIG_HOTRELOAD_COMPONENTS="alpha;beta"\n')
    (project / 'main' / 'CMakeLists.txt').write_text(
        'idf_component_register(SRCS main.c PRIV_REQUIRES hotreload alpha beta)\n'
    )
    (project / 'main' / 'main.c').write_text(
        '#include "alpha.h"\n#include "beta.h"\nvoid app_main(void) { alpha_run(beta_value()); }\n'
    )
    for name, body in (('alpha', 'void alpha_run(int v) { (void)v; }'), ('beta', 'int beta_value(void) { return 7; }')):
        comp = project / 'components' / name
        (comp / 'include').mkdir(parents=True)
        proto = body.split('{')[0].strip() + ';'
        (comp / 'include' / f'{name}.h').write_text(f'#pragma once\n{proto}\n')
        (comp / f'{name}.c').write_text(f'#include "{name}.h"\n{body}\n')
        (comp / 'CMakeLists.txt').write_text(f'idf_component_register(SRCS {name}.c INCLUDE_DIRS include)\n')
    build = _build(idf_path, project)
    _check_modules(build, ['alpha', 'beta'])
    tables = {s.name for s in elf.load(Path(load_manifest(build).firmware_elf)).symbols}
    assert {'alpha_hr_table', 'beta_hr_table', 'hotreload_tables'} <= tables


def test_pipeline_idf_rejects_reloadable_main(idf_path: Path, tmp_path: Path) -> None:
    project = tmp_path / 'bad'
    link = _component_link(tmp_path)
    (project / 'main').mkdir(parents=True)
    (project / 'CMakeLists.txt').write_text(
        'cmake_minimum_required(VERSION 3.16)\n'
        f'set(EXTRA_COMPONENT_DIRS {link})\n'
        'include($ENV{IDF_PATH}/tools/cmake/project.cmake)\n'
        'project(bad)\n'
    )
    (project / 'main' / 'CMakeLists.txt').write_text(
        'idf_component_register(RELOADABLE SRCS main.c PRIV_REQUIRES hotreload)\n'
    )
    (project / 'main' / 'main.c').write_text('void app_main(void) {}\n')
    result = _idf_py(idf_path, project, 'set-target', TARGET)
    assert result.returncode != 0
    assert "component 'main' cannot be RELOADABLE" in ' '.join((result.stdout + result.stderr).split())
