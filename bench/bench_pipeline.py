"""Wall time of the standalone build pipeline: configure, full build and each incremental case.

Builds tests/fixtures/pipeline/standalone (a firmware with two reloadable
components) with each installed toolchain in a temporary directory and times:
configure, the first full build, a no-op build, an edit of module code (only
the module relinks), an edit that adds an export (stubs regenerate, firmware
and module relink) and an edit of firmware code (firmware relinks, modules are
linked again). Each row also counts the build edges Ninja ran. The target for
a module-only edit is under 2 s on a 2-core machine: it is the build part of
`idf.py reload`. Run: python bench/bench_pipeline.py
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hotreload_py.toolchains import TOOLCHAINS, missing_tools

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / 'tests' / 'fixtures' / 'pipeline' / 'standalone'
NAMES = ('rv32-gcc', 'xtensa-call0-gcc', 'xtensa-windowed-clang')
MODULE_EDIT_TARGET_S = 2.0


def _timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f'{" ".join(cmd)} failed:\n{result.stdout}\n{result.stderr}')
    return elapsed, result.stdout


def _edges(ninja_output: str) -> int:
    counts = [int(m) for m in re.findall(r'^\[(\d+)/\d+\]', ninja_output, flags=re.M)]
    return max(counts, default=0)


def _edit(path: Path, old: str, new: str) -> Callable[[], None]:
    def apply() -> None:
        path.write_text(path.read_text().replace(old, new))

    return apply


def _append(path: Path, text: str) -> Callable[[], None]:
    def apply() -> None:
        path.write_text(path.read_text() + text)

    return apply


def bench(name: str, work: Path) -> list[tuple[str, float, int]]:
    src = work / 'src'
    shutil.copytree(FIXTURE, src)
    build = work / 'build'
    toolchain_file = REPO / 'cmake' / 'toolchains' / f'{name}.cmake'
    rows: list[tuple[str, float, int]] = []
    seconds, _ = _timed(
        ['cmake', '-G', 'Ninja', '-S', str(src), '-B', str(build), f'-DHOTRELOAD_DIR={REPO}',
         f'-DCMAKE_TOOLCHAIN_FILE={toolchain_file}']
    )  # fmt: skip
    rows.append(('configure', seconds, 0))
    module_src = src / 'components' / 'reloadable' / 'reloadable.c'
    steps: list[tuple[str, Callable[[], None]]] = [
        ('full build', lambda: None),
        ('no-op build', lambda: None),
        ('module code edit', _edit(module_src, 'return a + b;', 'return b + a;')),
        ('new export', _append(module_src, '\nint reloadable_sub(int a) { return -a; }\n')),
        ('firmware code edit', _edit(src / 'firmware' / 'main.c', 'fw_last_log = text;', 'fw_last_log = text + 0;')),
    ]
    for label, change in steps:
        change()
        seconds, out = _timed(['ninja', '-C', str(build), '-j2'])
        rows.append((label, seconds, _edges(out)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--toolchain', action='append', choices=NAMES, help='Only this toolchain (repeatable).')
    args = parser.parse_args()
    print(f'{"toolchain":<24} {"step":<20} {"seconds":>8} {"edges":>6}')
    for name in args.toolchain or NAMES:
        missing = missing_tools(TOOLCHAINS[name])
        if missing:
            print(f'{name:<24} skipped: not installed: {", ".join(missing)}')
            continue
        with tempfile.TemporaryDirectory(prefix=f'bench-pipeline-{name}-') as tmp:
            for label, seconds, edges in bench(name, Path(tmp)):
                note = ''
                if label == 'module code edit' and seconds > MODULE_EDIT_TARGET_S:
                    note = f'  (over the {MODULE_EDIT_TARGET_S} s target)'
                print(f'{name:<24} {label:<20} {seconds:>8.2f} {edges:>6}{note}')


if __name__ == '__main__':
    main()
