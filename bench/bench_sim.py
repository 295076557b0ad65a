"""Edit-to-running time on the simulated device, split into build, upload, store, load and first call.

Two modules, each the `reloadable` component of the seed README: the example
itself, and the same with 998 more exported functions (1,000 exports). For
each, the simulated device is built once (`hotreload sim build`), started in
immediate mode, and then, per run, reloadable_add's body is edited and:

  build       rebuilding the module targets (what `hotreload reload` runs)
  upload      POST /upload on the host, minus the device's time storing it
  store       the device's handler time for that upload, minus the time it waited
              for bytes (the Server-Timing header of the simulated HTTP server)
  load        POST /reload: the device's load_us (validate, allocate, copy, relocate, switch)
  first call  from the /reload answer to the device printing the new result (the
              application polls every 10 ms tick; includes reading its output)
  total       from saving the file to the new result on the device's output

Figures are medians over the runs. Target: total under 1.5 s for the example.
Run: python bench/bench_sim.py [--arch riscv32|xtensa] [--runs N]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from hotreload_py import protocol, sim
from hotreload_py import reload as reload_mod
from hotreload_py.client import read_key, sign_headers
from hotreload_py.manifest import load_manifest

TARGET_S = 1.5
PHASES = ('build', 'upload', 'store', 'load', 'first call', 'total')


def make_component(root: Path, extra_functions: int) -> Path:
    """A copy of the seed component, with extra_functions more exports when asked."""
    component = root / f'exports-{extra_functions}' / 'reloadable'
    shutil.copytree(sim.DEFAULT_COMPONENT, component)
    if extra_functions:
        header = component / 'include' / 'reloadable.h'
        source = component / 'reloadable.c'
        header.write_text(
            header.read_text() + ''.join(f'int reloadable_fn{i}(int x);\n' for i in range(extra_functions))
        )
        source.write_text(
            source.read_text()
            + ''.join(
                f'\nint reloadable_fn{i}(int x)\n{{\n    return x * {i} + {i % 7};\n}}\n'
                for i in range(extra_functions)
            )
        )
    return component


def signed_post(client: httpx.Client, key: bytes, path: str, body: bytes) -> httpx.Response:
    nonce = client.get(protocol.PATH_NONCE).json()['nonce']
    headers = sign_headers(key, 'POST', path, body, nonce)
    headers['Content-Type'] = 'application/octet-stream'
    reply = client.post(path, content=body, headers=headers)
    if reply.status_code != 200:
        raise SystemExit(f'{path} answered {reply.status_code}: {reply.text}')
    return reply


def server_timing(reply: httpx.Response) -> dict[str, float]:
    """Server-Timing: handler;dur=12.345, recv;dur=1.000 -> {'handler': 0.012345, 'recv': 0.001}."""
    found = re.findall(r'(\w+);dur=([\d.]+)', reply.headers.get('Server-Timing', ''))
    return {name: float(ms) / 1000 for name, ms in found}


def bench_one(arch: str, work: Path, extra_functions: int, runs: int) -> dict[str, list[float]]:
    component = make_component(work, extra_functions)
    build_dir = work / f'build-{extra_functions}'
    manifest = sim.build(arch, build_dir, [component])
    assert manifest.auth_key_file is not None
    key = read_key(Path(manifest.auth_key_file))
    source = component / 'reloadable.c'
    original = source.read_text()
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    device = sim.SimDevice(build_dir, mode='immediate', period_ms=1000, lifetime_s=600)
    try:
        device.start(timeout=60)
        with httpx.Client(base_url=device.url, timeout=60) as client:
            module = Path(manifest.components[0].module).read_bytes()
            signed_post(client, key, protocol.PATH_UPLOAD_AND_RELOAD, module)
            device.wait_for(re.escape('2 + 3 = 5'), timeout=60)
            for run in range(1, runs + 1):
                expected = f'2 + 3 = {2 * (run + 1) + 3}'
                source.write_text(original.replace('return a + b;', f'return a * {run + 1} + b;'))
                start = time.monotonic()
                manifest = load_manifest(build_dir)
                built = reload_mod.build_modules(manifest, manifest.components, lambda line: None)
                if built.firmware_changed:
                    raise SystemExit('the edit relinked the firmware; the benchmark edits a function body only')
                t_built = time.monotonic()
                module = Path(manifest.components[0].module).read_bytes()
                reply = signed_post(client, key, protocol.PATH_UPLOAD, module)
                t_uploaded = time.monotonic()
                timing = server_timing(reply)
                store = timing.get('handler', 0.0) - timing.get('recv', 0.0)
                mark = device.mark()
                reply = signed_post(client, key, protocol.PATH_RELOAD, b'')
                t_reloaded = time.monotonic()
                device.wait_for(re.escape(expected), since=mark, timeout=30)
                t_running = time.monotonic()
                times['build'].append(t_built - start)
                times['upload'].append(t_uploaded - t_built - store)
                times['store'].append(store)
                times['load'].append(reply.json()[protocol.RESP_LOAD_US] / 1e6)
                times['first call'].append(t_running - t_reloaded)
                times['total'].append(t_running - start)
    finally:
        device.stop()
        source.write_text(original)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', choices=sorted(sim.SIM_ARCHES), default='riscv32')
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix='hr-bench-sim-') as tmp:
        for label, extra in (('example (2 exports)', 0), ('1,000 exports', 998)):
            print(f'building and measuring: {label} ...', file=sys.stderr)
            times = bench_one(args.arch, Path(tmp), extra, args.runs)
            rows.append((label, {phase: statistics.median(values) for phase, values in times.items()}))
    width = max(len(label) for label, _ in rows)
    print(f'\nsimulated {args.arch} device, median of {args.runs} runs, milliseconds')
    print(f'{"module":<{width}}  ' + '  '.join(f'{phase:>10}' for phase in PHASES))
    for label, medians in rows:
        print(f'{label:<{width}}  ' + '  '.join(f'{medians[phase] * 1000:10.1f}' for phase in PHASES))
    example_total = rows[0][1]['total']
    verdict = 'meets' if example_total < TARGET_S else 'misses'
    print(f'\nexample end to end: {example_total * 1000:.0f} ms ({verdict} the {TARGET_S * 1000:.0f} ms target)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
