"""The `hotreload-cc-*` compiler driver CMake builds modules with: what the developer sees on stderr."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPO_ROOT

from hotreload_py.toolchains import Toolchain


def _cc(toolchain_name: str, source: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    driver = REPO_ROOT / 'cmake' / 'toolchains' / 'bin' / f'hotreload-cc-{toolchain_name}'
    cmd = [str(driver), '-Wall', '-O2', '-c', str(source), '-o', str(tmp_path / 'out.o')]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_cc_driver_shows_warnings_of_a_successful_compile(toolchain: Toolchain, tmp_path: Path) -> None:
    source = tmp_path / 'warn.c'
    source.write_text('int f(void) { int unused_local; return 1; }\n')
    result = _cc(toolchain.name, source, tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'unused_local' in result.stderr
    assert (tmp_path / 'out.o').stat().st_size > 0


def test_cc_driver_shows_errors_without_repeating_the_command(toolchain: Toolchain, tmp_path: Path) -> None:
    source = tmp_path / 'broken.c'
    source.write_text('int x = ;\n')
    result = _cc(toolchain.name, source, tmp_path)
    assert result.returncode == 1
    assert 'broken.c:1' in result.stderr
    # ninja already prints the driver command line; the compiler's own command is noise next to the error.
    assert 'failed (' not in result.stderr
    assert ' -c ' not in result.stderr
