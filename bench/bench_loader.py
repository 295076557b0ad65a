"""Instruction count of the C loader per relocation and per loaded byte (valgrind callgrind).

Modules of 10, 100 and 1,000 exported functions (rv32 GCC and Xtensa call0
GCC, -O2) are generated: each function reads and writes module data, calls
its neighbour and a firmware function, and sits in a function-pointer table.
They are linked and packaged as the build does; the host loader (no
sanitizers, -O2) loads each once under callgrind, counting only instructions
inside hr_loader_load(). The target is under 60 instructions per relocation,
with the same cost per relocation at every size (linear growth).

"relocs" counts every entry of the module's relocation sections, markers
included (RISC-V RELAX, Xtensa ASM_EXPAND: GCC emits them, the loader only
checks their place); "markers" says how many of them are. Modules built by
clang have none, so their cost per relocation is that of real ones.

Run: python bench/bench_loader.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tests'))

from loader import loaderlib as ll  # noqa: E402

from hotreload_py import elf  # noqa: E402
from hotreload_py.toolchains import TOOLCHAINS, missing_tools  # noqa: E402

SIZES = (10, 100, 1_000)
MARKERS = frozenset({'R_RISCV_NONE', 'R_RISCV_RELAX', 'R_RISCV_ALIGN', 'R_XTENSA_NONE', 'R_XTENSA_ASM_EXPAND'})
TARGET_PER_RELOC = 60
FIRMWARE = {'fw_log': 0x40002F00, 'fw_value': 0x3FC8F7FC}
FIRMWARE_XTENSA = {'fw_log': 0x40082F00, 'fw_value': 0x3FFB07FC}


def module_source(n: int) -> str:
    lines = [
        '#include <stdint.h>',
        'void fw_log(const char *m);',
        'extern int32_t fw_value;',
        f'static int32_t s_data[{n}];',
    ]
    for i in range(n):
        lines.append(f'int32_t f{i}(int32_t x);')
    for i in range(n):
        callee = f'f{(i + 1) % n}'
        lines.append(
            f'int32_t f{i}(int32_t x) {{ s_data[{i}] += x + fw_value; '
            f'if (x > {i}) {{ fw_log("f{i}"); return {callee}(x - 1); }} return s_data[{i}]; }}'
        )
    table = ', '.join(f'f{i}' for i in range(n))
    lines.append(f'__attribute__((used)) static int32_t (*const table[{n}])(int32_t) = {{ {table} }};')
    return '\n'.join(lines) + '\n'


def callgrind_instructions(loader: Path, module: Path, exports: list[str], work: Path, function: str) -> int:
    """Instructions executed inside @p function (and what it calls) during one load."""
    out = work / f'callgrind.{function}.out'
    args = [a for name in exports for a in ('--export', name)]
    subprocess.run(
        [
            'valgrind',
            '--tool=callgrind',
            f'--toggle-collect={function}',
            f'--callgrind-out-file={out}',
            str(loader),
            str(module),
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r'^(?:summary|totals): (\d+)', out.read_text(), re.M)
    assert match is not None, 'callgrind wrote no totals'
    return int(match[1])


def main() -> int:
    if shutil.which('valgrind') is None:
        print('valgrind is not installed (apt-get install valgrind)', file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix='hr-bench-loader-') as tmp:
        work = Path(tmp)
        for tc_name in ('rv32-gcc', 'xtensa-call0-gcc'):
            toolchain = TOOLCHAINS[tc_name]
            if missing_tools(toolchain):
                print(f'{tc_name}: skipped, missing {", ".join(missing_tools(toolchain))}', file=sys.stderr)
                continue
            loader = ll.build_host_loader(toolchain.arch, work / f'host_load_{toolchain.arch}', sanitize=False)
            firmware = FIRMWARE if toolchain.arch == 'riscv32' else FIRMWARE_XTENSA
            for n in SIZES:
                d = work / f'{tc_name}-{n}'
                d.mkdir()
                source = d / 'mod.c'
                source.write_text(module_source(n))
                objects = ll.compile_objects(toolchain, [source], d, ['-O2'])
                fw = ll.write_firmware_script(d / 'fw.ld', firmware)
                result = ll.link(toolchain, objects, fw, d / 'mod.elf')
                if result.returncode != 0:
                    raise SystemExit(result.stderr)
                exports = ll.package(toolchain, d / 'mod.elf', fw, d / 'mod.so')
                counts = elf.load(d / 'mod.so').reloc_counts
                relocs = sum(counts.values())
                markers = sum(count for name, count in counts.items() if name in MARKERS)
                loaded = sum(size for _, _, size in ll.section_bytes(d / 'mod.so').values())
                total = callgrind_instructions(loader, d / 'mod.so', exports, d, 'hr_loader_load')
                loop = callgrind_instructions(loader, d / 'mod.so', exports, d, 'hr_link_relocate')
                rows.append((tc_name, n, relocs, markers, loaded, total, loop))
    print('Instructions (x86-64 host build, -O2) inside hr_loader_load (all: validation, copy, relocation, exports)')
    print('and inside hr_link_relocate (the relocation loop alone).')
    print(
        f'{"toolchain":<18} {"functions":>9} {"relocs":>7} {"markers":>7} {"bytes":>7} {"all":>10} {"all/reloc":>9} '
        f'{"all/byte":>8} {"loop/reloc":>10}'
    )
    worst = 0.0
    for tc_name, n, relocs, markers, loaded, total, loop in rows:
        worst = max(worst, loop / relocs)
        print(
            f'{tc_name:<18} {n:>9} {relocs:>7} {markers:>7} {loaded:>7} {total:>10} {total / relocs:>9.1f} '
            f'{total / loaded:>8.2f} {loop / relocs:>10.1f}'
        )
    verdict = 'met' if worst < TARGET_PER_RELOC else 'NOT met'
    print(
        f'target: relocation loop under {TARGET_PER_RELOC} instructions per relocation: {verdict} (worst {worst:.1f})'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
