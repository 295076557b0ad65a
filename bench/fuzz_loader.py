"""Fuzz the C loader with libFuzzer for a bounded time (not part of CI).

Builds tests/loader/fuzz_loader.c with the loader for each architecture
(clang -fsanitize=fuzzer,address,undefined), seeds the corpus with real
modules packaged as the build does (rv32 GCC medany, Xtensa call0 GCC, Xtensa
windowed clang), runs each fuzzer for --seconds and prints runs and findings.
Crash inputs are kept under --out. Run: python bench/fuzz_loader.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tests'))

from loader import loaderlib as ll  # noqa: E402

from hotreload_py.toolchains import TOOLCHAINS, missing_tools  # noqa: E402

SEEDS = {
    'riscv32': [('rv32-gcc', ['-O2', '-mcmodel=medany']), ('rv32-clang', ['-O2'])],
    'xtensa': [('xtensa-call0-gcc', ['-O2']), ('xtensa-windowed-clang', ['-O2'])],
}
FIRMWARE = {
    'riscv32': {'fw_add': 0x40001234, 'fw_log': 0x40002F00, 'fw_value': 0x3FC8F7FC, 'fw_table': 0x3FC90810},
    'xtensa': {'fw_add': 0x40081234, 'fw_log': 0x40082F00, 'fw_value': 0x3FFB07FC, 'fw_table': 0x3FFB1810},
}


def build_fuzzer(arch: str, out: Path) -> Path:
    machine = 'EM_RISCV' if arch == 'riscv32' else 'EM_XTENSA'
    cmd = [
        'clang-22',
        '-std=c11',
        '-g',
        '-O1',
        '-fsanitize=fuzzer,address,undefined',
        '-fno-sanitize-recover=all',
        f'-DHR_ARCH_EM={machine}',
        *(f'-I{REPO / d}' for d in ll.INCLUDES),
        str(ll.HERE / 'fuzz_loader.c'),
        *(str(REPO / s) for s in (*ll.LOADER_SOURCES, ll.ARCH_SOURCE[arch], *ll.PLATFORM_SOURCES)),
        '-o',
        str(out),
    ]
    subprocess.run(cmd, check=True)
    return out


def seed_corpus(arch: str, work: Path) -> Path:
    corpus = work / f'corpus-{arch}'
    corpus.mkdir()
    for tc_name, flags in SEEDS[arch]:
        toolchain = TOOLCHAINS[tc_name]
        if missing_tools(toolchain):
            continue
        d = work / f'seed-{tc_name}'
        objects = ll.compile_objects(toolchain, [ll.HERE / 'mod_main.c', ll.HERE / 'mod_util.c'], d, flags)
        fw = ll.write_firmware_script(d / 'fw.ld', FIRMWARE[arch])
        if ll.link(toolchain, objects, fw, d / 'mod.elf').returncode == 0:
            ll.package(toolchain, d / 'mod.elf', fw, corpus / f'{tc_name}.so')
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=int, default=60, help='Fuzzing time per architecture, in seconds.')
    parser.add_argument('--out', type=Path, default=Path('fuzz-findings'), help='Directory for crashing inputs.')
    args = parser.parse_args()
    if shutil.which('clang-22') is None:
        print('clang-22 is not installed', file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix='hr-fuzz-') as tmp:
        work = Path(tmp)
        print(f'{"arch":<8} {"seconds":>7} {"runs":>10} {"coverage":>8} {"result":<10}')
        for arch in ('riscv32', 'xtensa'):
            fuzzer = build_fuzzer(arch, work / f'fuzz_{arch}')
            corpus = seed_corpus(arch, work)
            result = subprocess.run(
                [
                    str(fuzzer),
                    str(corpus),
                    f'-max_total_time={args.seconds}',
                    '-max_len=65536',
                    '-rss_limit_mb=2048',
                    f'-artifact_prefix={args.out}/{arch}-',
                ],
                capture_output=True,
                text=True,
            )
            runs = re.findall(r'#(\d+)\s', result.stderr)
            cov = re.findall(r'cov: (\d+)', result.stderr)
            ok = result.returncode == 0
            failed |= not ok
            print(
                f'{arch:<8} {args.seconds:>7} {runs[-1] if runs else "?":>10} {cov[-1] if cov else "?":>8} '
                f'{"clean" if ok else "FINDING":<10}'
            )
            if not ok:
                print(result.stderr[-3000:], file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
