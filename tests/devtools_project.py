"""A real host-built project with one reloadable component and its manifest, for the reload and watch tests.

The fixture in fixtures/devtools/ is copied (tests edit it), configured with
CMake + Ninja and described by a manifest like the one the build pipeline
writes, so the reload flow runs its real build step without a cross compiler.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hotreload_py import protocol
from hotreload_py.manifest import ComponentEntry, Manifest, save_manifest

FIXTURE = Path(__file__).resolve().parent / 'fixtures' / 'devtools'


def make_project(root: Path, auth_key: bytes | None = None) -> Path:
    """Copy, configure and describe the fixture project under root; returns the build directory."""
    if shutil.which('cmake') is None or shutil.which('ninja') is None:
        import pytest

        pytest.skip('cmake and ninja are needed (bash scripts/setup.sh installs them)')
    project = root / 'project'
    build = root / 'build'
    shutil.copytree(FIXTURE, project)
    subprocess.run(
        ['cmake', '-S', str(project), '-B', str(build), '-G', 'Ninja'], check=True, stdout=subprocess.DEVNULL
    )
    key_file = None
    if auth_key is not None:
        key_file = build / protocol.BUILD_SUBDIR / protocol.AUTH_KEY_NAME
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(auth_key.hex() + '\n')
    component = project / 'components' / 'reloadable'
    manifest = Manifest(
        generator='standalone',
        project_dir=str(project),
        build_dir=str(build),
        target='host',
        arch='riscv32',
        firmware_elf=str(build / 'firmware'),
        partition_label=protocol.DEFAULT_PARTITION_LABEL,
        auth_key_file=str(key_file) if key_file else None,
        build_tool=['cmake', '--build', str(build)],
        components=[
            ComponentEntry(
                name='reloadable',
                prefix='reloadable',
                source_dirs=[str(component)],
                module=str(build / f'reloadable{protocol.MODULE_SUFFIX}'),
                module_target='reloadable_module',
                exports=['reloadable_add', 'reloadable_greet'],
            )
        ],
    )
    save_manifest(manifest, build)
    return build
