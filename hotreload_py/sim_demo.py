"""`hotreload sim demo`: hot reload on the simulated device, from a fresh checkout, with the time of each phase.

Builds the simulated RISC-V device with a scratch copy of the seed README's
`reloadable` component, starts it, shows its output, edits reloadable.c in
the copy, reloads over HTTP with the same library `hotreload reload` uses,
shows the changed output and stops the device.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hotreload_py import reload as reload_mod
from hotreload_py import sim
from hotreload_py.errors import BuildError
from hotreload_py.manifest import load_manifest

Echo = Callable[[str], None]

#: The edit the demo makes: the function body of reloadable_add, and the greeting.
EDITS = (
    ('return a + b;', 'return a * 10 + b;'),
    ('"Hello, %s!\\n"', '"Hello again, %s! (reloaded)\\n"'),
)
OLD_RESULT = '2 + 3 = 5'
NEW_RESULT = '2 + 3 = 23'


@dataclass
class DemoTimings:
    """Seconds spent in each phase, in order."""

    phases: list[tuple[str, float]] = field(default_factory=list)

    def table(self) -> str:
        width = max(len(name) for name, _ in self.phases)
        rows = [f'  {name:<{width}}  {seconds * 1000:8.0f} ms' for name, seconds in self.phases]
        return '\n'.join(['timing:', *rows])


@contextmanager
def _phase(timings: DemoTimings, name: str) -> Iterator[None]:
    start = time.monotonic()
    yield
    timings.phases.append((name, time.monotonic() - start))


def edit_component(source: Path) -> None:
    """Apply EDITS to reloadable.c in a copy of the component (the original is never touched)."""
    path = source / 'reloadable.c'
    text = path.read_text()
    for old, new in EDITS:
        if old not in text:
            raise BuildError(f"{path} no longer contains {old!r}; the demo edits the seed README's reloadable.c")
        text = text.replace(old, new)
    path.write_text(text)


def demo(work_dir: Path | None = None, arch: str = 'riscv32', echo: Echo = print) -> DemoTimings:
    """Run the demo in work_dir (a temporary directory when None); the timings of its phases."""
    timings = DemoTimings()
    with tempfile.TemporaryDirectory(prefix='hotreload-sim-demo-') as tmp:
        root = (work_dir or Path(tmp)).resolve()
        component = root / 'components' / 'reloadable'
        build_dir = root / 'build'
        if component.exists():
            shutil.rmtree(component)
        shutil.copytree(sim.DEFAULT_COMPONENT, component)
        echo(f'== building the simulated {arch} device (firmware + module) in {build_dir}')
        with _phase(timings, 'build firmware + module'):
            sim.build(arch, build_dir, [component])
        partition = build_dir / sim.PARTITION_FILE
        partition.unlink(missing_ok=True)
        echo('== starting the device under QEMU (output prefixed with "device |")')
        device = sim.SimDevice(build_dir, period_ms=500, lifetime_s=600, echo=lambda line: echo(f'device | {line}'))
        try:
            with _phase(timings, 'start device'):
                device.start()
            echo(f'== first upload of the module to {device.url}')
            with _phase(timings, 'first upload + reload'):
                reload_mod.reload(build_dir, device.url, echo=echo)
                device.wait_for(re.escape(OLD_RESULT), timeout=30)
            echo(f'== editing {component / "reloadable.c"}: ' + ', '.join(f'{a} -> {b}' for a, b in EDITS))
            edit_component(component)
            mark = device.mark()
            start = time.monotonic()
            with _phase(timings, 'rebuild module'):
                manifest = load_manifest(build_dir)
                result = reload_mod.build_modules(manifest, manifest.components, echo)
            if result.firmware_changed:
                raise BuildError('the edit changed the firmware; the demo only edits function bodies')
            with _phase(timings, 'upload + reload'):
                report = reload_mod.reload(build_dir, device.url, build=False, echo=echo)
            with _phase(timings, 'first call of new code'):
                device.wait_for(re.escape(NEW_RESULT), timeout=30, since=mark)
            timings.phases.append(('edit to running (total)', time.monotonic() - start))
            echo(f'== {report.summary()} ({report.timing_line()})')
            device.wait_for(r'Hello again, World!', timeout=30, since=mark)
        finally:
            echo('== stopping the device')
            device.stop()
    echo(timings.table())
    return timings
