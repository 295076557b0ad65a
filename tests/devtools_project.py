"""A real host-built project with one reloadable component and its manifest, for the reload and watch tests.

The fixture in fixtures/devtools/ is copied (tests edit it), configured with
CMake + Ninja and described by a manifest like the one the build pipeline
writes, so the reload flow runs its real build step without a cross compiler.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hotreload_py import protocol
from hotreload_py.manifest import ComponentEntry, Manifest, save_manifest

FIXTURE = Path(__file__).resolve().parent / 'fixtures' / 'devtools'


def make_project(root: Path, auth_key: bytes | None = None) -> Path:
    """Copy, configure and describe the fixture project under root; returns the build directory."""
    if shutil.which('cmake') is None or shutil.which('ninja') is None:
        pytest.skip('cmake and ninja are needed (bash scripts/setup.sh installs them)')
    project = root / 'project'
    build = root / 'build'
    shutil.copytree(FIXTURE, project)
    subprocess.run(
        ['cmake', '-S', str(project), '-B', str(build), '-G', 'Ninja'], check=True, stdout=subprocess.DEVNULL
    )
    key_file = None
    if auth_key is not None:
        key_file = build / protocol.BUILD_SUBDIR / protocol.AUTH_KEY_NAME
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(auth_key.hex() + '\n')
    component = project / 'components' / 'reloadable'
    manifest = Manifest(
        generator='standalone',
        project_dir=str(project),
        build_dir=str(build),
        target='host',
        arch='riscv32',
        firmware_elf=str(build / 'firmware'),
        partition_label=protocol.DEFAULT_PARTITION_LABEL,
        auth_key_file=str(key_file) if key_file else None,
        build_tool=['cmake', '--build', str(build)],
        components=[
            ComponentEntry(
                name='reloadable',
                prefix='reloadable',
                source_dirs=[str(component)],
                module=str(build / f'reloadable{protocol.MODULE_SUFFIX}'),
                module_target='reloadable_module',
                exports=['reloadable_add', 'reloadable_greet'],
            )
        ],
    )
    save_manifest(manifest, build)
    return build


# --- The simulated device ---------------------------------------------------------

SIM_COMPONENT = Path(__file__).resolve().parent.parent / 'sim' / 'components' / 'reloadable'


def sim_available() -> str | None:
    """None when `hotreload sim` can build and run a device here, else why not."""

    result = subprocess.run(
        [sys.executable, '-m', 'hotreload_py', 'sim', 'build', '--help'], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return 'the simulated device (hotreload sim build) is not available in this checkout'
    if shutil.which('qemu-riscv32') is None or shutil.which('riscv64-unknown-elf-gcc') is None:
        return 'qemu-riscv32 and riscv64-unknown-elf-gcc are needed (bash scripts/setup.sh installs them)'
    if not SIM_COMPONENT.is_dir():
        return f'{SIM_COMPONENT} is missing'
    return None


def sim_build(root: Path, arch: str = 'riscv32') -> tuple[Path, Path]:
    """Copy the seed's reloadable component under root and build a device for it; (component, build dir)."""

    component = root / 'reloadable'
    build = root / 'build'
    shutil.copytree(SIM_COMPONENT, component)
    subprocess.run(
        [
            sys.executable,
            '-m',
            'hotreload_py',
            'sim',
            'build',
            '--arch',
            arch,
            '--component',
            str(component),
            '--build-dir',
            str(build),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    return component, build


class SimDevice:
    """A running `hotreload sim run` process; its output lines are collected while it runs."""

    def __init__(self, build: Path, port: int, mode: str = 'cooperative') -> None:
        self.url = f'127.0.0.1:{port}'
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [
                sys.executable,
                '-m',
                'hotreload_py',
                'sim',
                'run',
                '--build-dir',
                str(build),
                '--http',
                f'127.0.0.1:{port}',
                '--mode',
                mode,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.lines.append(line.rstrip('\n'))

    def output(self) -> list[str]:
        with self._lock:
            return list(self.lines)

    def mark(self) -> int:
        """A position in the output; lines after it are new."""
        with self._lock:
            return len(self.lines)

    def since(self, mark: int) -> list[str]:
        with self._lock:
            return self.lines[mark:]

    def stop(self) -> None:

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._reader.join(timeout=10)


def free_port() -> int:

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope='session')
def sim_build_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One simulated RISC-V device build for the whole session: (component copy, build dir).

    Tests that edit the component restore it (see edited_source).
    """
    reason = sim_available()
    if reason is not None:
        pytest.skip(reason)
    return sim_build(tmp_path_factory.mktemp('sim'))


def wait_until_serving(device: SimDevice) -> None:
    """Poll GET /status until the device answers; AssertionError with its output if it dies or stays silent."""
    from hotreload_py.client import DeviceClient
    from hotreload_py.errors import DeviceError

    deadline = time.monotonic() + 60
    while True:
        try:
            with DeviceClient(device.url, timeout=2) as client:
                client.status()
            return
        except DeviceError:
            if device.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError('the simulated device did not come up:\n' + '\n'.join(device.output())) from None
            time.sleep(0.05)


@pytest.fixture()
def sim_device(sim_build_dir: tuple[Path, Path]) -> Iterator[SimDevice]:
    """A fresh device process (cooperative mode) on a free port, answering GET /status; stopped afterwards."""
    device = SimDevice(sim_build_dir[1], free_port())
    try:
        wait_until_serving(device)
        yield device
    finally:
        device.stop()


@pytest.fixture()
def edited_source(sim_build_dir: tuple[Path, Path]) -> Iterator[Path]:
    """The component's reloadable.c, restored (and rebuilt on next use) after the test."""
    source = sim_build_dir[0] / 'reloadable.c'
    original = source.read_text()
    yield source
    source.write_text(original)


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 120.0) -> None:
    """Poll condition until it holds; AssertionError naming what was awaited when the deadline passes."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f'timed out after {deadline:g} s waiting for {what}')
        time.sleep(0.02)
