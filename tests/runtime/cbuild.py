"""Builds the runtime's C test programs natively with sanitizers (shared by tests/test_runtime_*.py)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

CFLAGS = (
    '-std=c11',
    '-g',
    '-O1',
    '-fsanitize=address,undefined',
    '-fno-sanitize-recover=all',
    '-fno-omit-frame-pointer',
    '-Wall',
    '-Wextra',
    '-Werror',
)
INCLUDES = (REPO / 'include', REPO / 'src', REPO / 'sim' / 'platform' / 'include', HERE)

#: Host versions of the ESP-IDF basics every program links.
PLATFORM = (
    'sim/platform/src/esp_err.c',
    'sim/platform/src/esp_log.c',
    'sim/platform/src/sim_time_host.c',
    'sim/platform/src/hr_crypto_soft.c',
    'src/hr_hmac.c',
    'sim/platform/src/hr_os_host.c',
    'sim/platform/src/esp_partition_file.c',
)


def build_program(name: str, sources: Sequence[str], out_dir: Path, extra: Sequence[str] = ()) -> Path:
    """Compile tests/runtime/<name>.c with @p sources (repo-relative) and the platform; skip without gcc."""
    compiler = shutil.which('gcc')
    if compiler is None:
        pytest.skip('gcc is not installed (apt-get install gcc)')
    out = out_dir / name
    cmd = [
        compiler,
        *CFLAGS,
        *extra,
        *(f'-I{path}' for path in INCLUDES),
        str(HERE / f'{name}.c'),
        *(str(REPO / src) for src in (*sources, *PLATFORM)),
        '-o',
        str(out),
        '-lpthread',
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f'building {name} failed:\n{" ".join(cmd)}\n{result.stderr}')
    return out


def run(program: Path, *args: str | Path, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run a test program (ASan/UBSan abort on any finding) and return its stdout."""
    result = subprocess.run([str(program), *map(str, args)], capture_output=True, text=True, timeout=60, env=env)
    if 'Sanitizer' in result.stderr or 'runtime error' in result.stderr:
        raise AssertionError(f'sanitizer report from {program.name}:\n{result.stderr}')
    if check and result.returncode != 0:
        raise AssertionError(f'{program.name} {args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}')
    return result.stdout
