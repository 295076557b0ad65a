"""Time `hotreload gen-stubs` and `hotreload gen-ldscript` for 100, 1,000 and 5,000 exports.

Each figure is one whole `hotreload ...` process (interpreter start, imports,
ELF read, render, write), the fastest of several runs; the target is under
0.5 s at 5,000 exports. Inputs are assembled with the rv32 GNU assembler: a
module defining N functions, a module using N firmware functions, and a
firmware defining them among FIRMWARE_EXTRA other symbols (an ESP-IDF app has
tens of thousands). Run: python bench/bench_codegen.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hotreload_py.toolchains import TOOLCHAINS, missing_tools

SIZES = (100, 1_000, 5_000)
FIRMWARE_EXTRA = 30_000
TARGET_S = 0.5


def _assemble(source: str, path: Path) -> Path:
    toolchain = TOOLCHAINS['rv32-gcc']
    asm = path.with_suffix('.S')
    asm.write_text(source)
    subprocess.run([*toolchain.cc, '-c', str(asm), '-o', str(path)], check=True)
    return path


def _make_inputs(work: Path, n: int) -> tuple[Path, Path, Path]:
    exports = ''.join(f'.globl f{i}\n.type f{i}, @function\nf{i}:\n ret\n' for i in range(n))
    module = _assemble('.text\n' + exports, work / f'module{n}.o')
    uses = ''.join(f' .word fw{i}\n' for i in range(n))
    user = _assemble('.data\n' + uses, work / f'user{n}.o')
    defs = ''.join(f'.globl fw{i}\nfw{i}:\n ret\n' for i in range(n + FIRMWARE_EXTRA))
    fw_obj = _assemble('.text\n' + defs, work / f'fw{n}.o')
    firmware = work / f'fw{n}.elf'
    subprocess.run(
        [TOOLCHAINS['rv32-gcc'].tool('ld'), '-m', 'elf32lriscv', '-e', '0', '-o', str(firmware), str(fw_obj)],
        check=True,
    )
    return module, user, firmware


def _time(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return min(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5, help='Runs per figure (the fastest is shown).')
    args = parser.parse_args()
    missing = missing_tools(TOOLCHAINS['rv32-gcc'])
    if missing:
        print(f'bench_codegen: needs {", ".join(missing)} (bash scripts/setup.sh)', file=sys.stderr)
        return 2
    hotreload = [sys.executable, '-m', 'hotreload_py']
    baseline = _time([sys.executable, '-c', 'pass'], args.runs)
    rows = []
    with tempfile.TemporaryDirectory(prefix='hr-bench-') as tmp:
        work = Path(tmp)
        for n in SIZES:
            module, user, firmware = _make_inputs(work, n)
            out = work / f'out{n}'
            out.mkdir()
            stubs = [*hotreload, 'gen-stubs', str(module), '--abi', 'riscv']
            stubs += ['--stubs', str(out / 's.S'), '--table', str(out / 't.c')]
            ld = [*hotreload, 'gen-ldscript', '--firmware', str(firmware), '--module', str(user)]
            ld += ['--out', str(out / 'fw.ld')]
            first_stubs = _time(stubs, 1)
            steady_stubs = _time(stubs, args.runs)
            shutil.rmtree(out)
            out.mkdir()
            first_ld = _time(ld, 1)
            steady_ld = _time(ld, args.runs)
            rows.append((n, first_stubs, steady_stubs, first_ld, steady_ld))
    print(f'python -c pass: {baseline * 1000:.0f} ms (interpreter start, included below)')
    print(f'firmware for gen-ldscript: N + {FIRMWARE_EXTRA:,} global symbols')
    print(f'best of {args.runs} runs (the machine is shared: the minimum is the least noisy figure)')
    print()
    header = ('exports', 'gen-stubs write', 'gen-stubs unchanged', 'gen-ldscript write', 'gen-ldscript unchanged')
    print(' | '.join(header))
    print(' | '.join('-' * len(h) for h in header))
    worst = 0.0
    for n, a, b, c, d in rows:
        cells = [f'{n:,}', *(f'{v * 1000:.0f} ms' for v in (a, b, c, d))]
        print(' | '.join(cell.rjust(len(h)) for cell, h in zip(cells, header, strict=True)))
        if n == SIZES[-1]:
            worst = max(a, b, c, d)
    verdict = 'meets' if worst < TARGET_S else 'MISSES'
    print(f'\n{SIZES[-1]:,} exports: slowest {worst * 1000:.0f} ms, {verdict} the {TARGET_S * 1000:.0f} ms target')
    return 0


if __name__ == '__main__':
    sys.exit(main())
