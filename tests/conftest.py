"""Shared fixtures: cross toolchains, skip rules, and the repository root.

Markers are registered in pytest.ini. A test that needs a tool asks for the
fixture; when the tool is missing the test is skipped with its name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hotreload_py.toolchains import TOOLCHAINS, Toolchain, missing_tools

REPO_ROOT = Path(__file__).resolve().parent.parent

# Subprocesses (`python -m hotreload_py`, the CMake pipeline) import the package of this tree, not
# whichever checkout `pip install -e` last pointed at.
os.environ['PYTHONPATH'] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get('PYTHONPATH')]))

#: Fixtures of the device-tool tests (simulated device processes, a host-built project).
pytest_plugins = ['devtools_project']


@pytest.fixture(scope='session')
def repo_root() -> Path:
    """The checkout's top directory (the component root)."""
    return REPO_ROOT


def require_toolchain(name: str) -> Toolchain:
    """The named toolchain, or skip the calling test naming what is missing."""
    toolchain = TOOLCHAINS[name]
    missing = missing_tools(toolchain)
    if missing:
        pytest.skip(f'{name}: not installed: {", ".join(missing)} (bash scripts/setup.sh installs them)')
    return toolchain


@pytest.fixture(params=sorted(TOOLCHAINS), ids=sorted(TOOLCHAINS))
def toolchain(request: pytest.FixtureRequest) -> Toolchain:
    """Each cross toolchain in turn (skipped when not installed)."""
    return require_toolchain(request.param)


@pytest.fixture(scope='session')
def idf_path() -> Path:
    """ESP-IDF's checkout; tests that need it are skipped when IDF_PATH is unset."""
    value = os.environ.get('IDF_PATH')
    if not value or not Path(value, 'tools', 'idf.py').is_file():
        pytest.skip('needs ESP-IDF: IDF_PATH is not set to an ESP-IDF checkout')
    return Path(value)


def require_executable(name: str) -> str:
    """Full path of an executable on PATH, or skip the test naming it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f'{name} is not installed')
    return path
