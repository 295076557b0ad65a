"""Bounded libFuzzer runs over the parsers that see network and flash input (multipart, auth, store).

Each target runs a fixed number of inputs from a fixed seed under ASan/UBSan, so
a crash fails the test reproducibly; longer runs: build the same way and pass
-max_total_time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from runtime.cbuild import INCLUDES, REPO

HERE = Path(__file__).resolve().parent / 'runtime'
PLATFORM = ['sim/platform/src/esp_err.c', 'sim/platform/src/esp_log.c', 'sim/platform/src/sim_time_host.c']
TARGETS = {
    'fuzz_multipart': (['src/hr_multipart.c'], 50_000),
    'fuzz_auth': (
        ['src/hr_auth.c', 'sim/platform/src/hr_crypto_soft.c', 'src/hr_hmac.c', 'sim/platform/src/hr_os_host.c'],
        50_000,
    ),
    'fuzz_store': (
        [
            'src/hr_store.c',
            'sim/platform/src/esp_partition_file.c',
            'sim/platform/src/hr_crypto_soft.c',
            'src/hr_hmac.c',
        ],
        1_500,
    ),
}


def _libfuzzer_clang() -> str:
    clang = shutil.which('clang-22')
    runtime = Path('/usr/lib/llvm-22/lib/clang/22/lib/linux/libclang_rt.fuzzer-x86_64.a')
    if clang is None or not runtime.exists():
        pytest.skip('clang-22 with libFuzzer is not installed (apt-get install clang-22)')
    return clang


@pytest.mark.parametrize('target', sorted(TARGETS))
def test_runtime_fuzz_target_survives(target: str, tmp_path: Path) -> None:
    clang = _libfuzzer_clang()
    sources, runs = TARGETS[target]
    binary = tmp_path / target
    cmd = [
        clang,
        '-g',
        '-O1',
        '-fsanitize=fuzzer,address,undefined',
        '-fno-sanitize-recover=all',
        '-Wall',
        '-Wextra',
        '-Werror',
        *(f'-I{path}' for path in INCLUDES),
        str(HERE / f'{target}.c'),
        *(str(REPO / src) for src in (*sources, *PLATFORM)),
        '-o',
        str(binary),
    ]
    build = subprocess.run(cmd, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    env = dict(os.environ, FUZZ_PARTITION=str(tmp_path / 'partition.bin'), HR_SIM_LOG_LEVEL='0')
    result = subprocess.run(
        [str(binary), f'-runs={runs}', '-seed=1', '-max_len=2048', '-print_final_stats=1'],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    report = result.stderr[-4000:]
    assert result.returncode == 0, report
    assert 'Sanitizer' not in report and 'runtime error' not in report, report
    assert f'Done {runs} runs' in report, report
