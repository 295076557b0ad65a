"""The simulated device: build its firmware, run it under QEMU user emulation, watch its output.

The device (sim/firmware) is the runtime from src/ compiled unchanged for
rv32imc or Xtensa windowed on the freestanding platform in sim/platform, a
Linux user-mode process under qemu-riscv32 / qemu-xtensa that serves the
hotreload HTTP API on 127.0.0.1. It is reached with the same commands as a
real device (`hotreload reload --url ... --build-dir ...`).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hotreload_py.errors import BuildError, DeviceError
from hotreload_py.manifest import Manifest, load_manifest
from hotreload_py.toolchains import TOOLCHAINS, Toolchain, missing_tools

#: The checkout holding sim/ (the package is installed editable from it).
REPO_ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = REPO_ROOT / 'sim' / 'firmware'
#: The seed README's component, used when no --component is given.
# The component the simulated application calls (sim/firmware/CMakeLists.txt: SIM_APP_CALLS_RELOADABLE).
APP_COMPONENT = 'reloadable'
DEFAULT_COMPONENT = REPO_ROOT / 'sim' / 'components' / 'reloadable'

#: Line the runtime logs once the server accepts requests.
READY_PATTERN = re.compile(r'Hot reload server running on port (\d+)')
#: qemu-user puts an 8 MiB guest stack right where the chips' RAM lives; 1 MiB keeps it clear.
QEMU_STACK = '1M'
#: Partition file under the build directory (survives device restarts, like flash).
PARTITION_FILE = Path('sim') / 'hotreload_partition.bin'

Echo = Callable[[str], None]


@dataclass(frozen=True)
class SimArch:
    """How the device is built and run for one architecture."""

    toolchain: str  # key in hotreload_py.toolchains.TOOLCHAINS
    chip: str  # the chip whose memory map the device uses
    cmake_toolchain: str  # file under cmake/toolchains/


SIM_ARCHES: dict[str, SimArch] = {
    'riscv32': SimArch('rv32-gcc', 'esp32c3', 'rv32-gcc.cmake'),
    'xtensa': SimArch('xtensa-windowed-clang', 'esp32s3', 'xtensa-windowed-clang.cmake'),
}


def sim_arch(arch: str) -> SimArch:
    """The row for arch, or a BuildError naming the choices."""
    try:
        return SIM_ARCHES[arch]
    except KeyError:
        raise BuildError(f'the simulated device runs {" or ".join(SIM_ARCHES)}, not {arch!r}') from None


def _toolchain(arch: str) -> Toolchain:
    toolchain = TOOLCHAINS[sim_arch(arch).toolchain]
    missing = missing_tools(toolchain) + [t for t in ('cmake', 'ninja') if _which(t) is None]
    if missing:
        raise BuildError(
            f'building the simulated {arch} device needs {", ".join(missing)}: run `bash scripts/setup.sh`'
        )
    return toolchain


def _which(name: str) -> str | None:
    from shutil import which

    return which(name)


def _run_build_step(cmd: Sequence[str], what: str, echo: Echo | None) -> None:
    result = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if echo is not None and result.stdout.strip():
        for line in result.stdout.strip().splitlines()[-5:]:
            echo(line)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise BuildError(f'{what} failed ({" ".join(cmd)}):\n' + '\n'.join(output[-30:]))


def build(
    arch: str,
    build_dir: Path,
    components: Sequence[Path] = (),
    *,
    auth: bool = True,
    echo: Echo | None = None,
) -> Manifest:
    """Configure (when needed) and build the simulated device's firmware and modules in build_dir."""
    info = sim_arch(arch)
    _toolchain(arch)
    if not (FIRMWARE_DIR / 'CMakeLists.txt').is_file():
        raise BuildError(
            f'the simulated device sources are not at {FIRMWARE_DIR}: install hotreload_py from a checkout '
            '(pip install -e .), which brings sim/'
        )
    dirs = [Path(c).resolve() for c in (components or [DEFAULT_COMPONENT])]
    for d in dirs:
        if not (d / 'CMakeLists.txt').is_file():
            raise BuildError(f'{d} is not a component: it has no CMakeLists.txt (idf_component_register(...))')
    build_dir = build_dir.resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    configure = [
        'cmake',
        '-G',
        'Ninja',
        '-S',
        str(FIRMWARE_DIR),
        '-B',
        str(build_dir),
        f'-DCMAKE_TOOLCHAIN_FILE={REPO_ROOT / "cmake" / "toolchains" / info.cmake_toolchain}',
        f'-DHOTRELOAD_SIM_COMPONENTS={";".join(str(d) for d in dirs)}',
        f'-DHOTRELOAD_SIM_AUTH={"ON" if auth else "OFF"}',
        # The interpreter running this, not whatever `python3` is first on PATH (a pyenv shim costs
        # a process start per pipeline step).
        f'-DPython3_EXECUTABLE={sys.executable}',
    ]
    cache = build_dir / 'CMakeCache.txt'
    if cache.is_file() and _cached_arch(cache) not in ('', arch):
        raise BuildError(f'{build_dir} holds a {_cached_arch(cache)} build: use another --build-dir for {arch}')
    _run_build_step(configure, 'configuring the simulated device', None)
    _run_build_step(['cmake', '--build', str(build_dir), '--parallel', '2'], 'building the simulated device', echo)
    return load_manifest(build_dir)


def _cached_arch(cache: Path) -> str:
    match = re.search(r'^CMAKE_TOOLCHAIN_FILE:\w+=.*/([\w-]+)\.cmake$', cache.read_text(), re.MULTILINE)
    if match is None:
        return ''
    for name, info in SIM_ARCHES.items():
        if info.cmake_toolchain == f'{match.group(1)}.cmake':
            return name
    return ''


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


def parse_http(value: str) -> int:
    """The port of `127.0.0.1:PORT` (the device listens on the loopback interface only)."""
    host, sep, port = value.rpartition(':')
    if not sep or host not in ('127.0.0.1', 'localhost') or not port.isdigit() or not 0 <= int(port) < 65536:
        raise DeviceError(f'--http {value!r}: give 127.0.0.1:PORT (the simulated device listens on loopback only)')
    return int(port)


class SimDevice:
    """One running simulated device process; its output is collected line by line.

    Use as a context manager, or call stop(): the process is terminated (and
    killed if it does not exit) whatever happened.
    """

    def __init__(
        self,
        build_dir: Path,
        *,
        port: int = 0,
        partition: Path | None = None,
        mode: str = 'cooperative',
        period_ms: int = 1000,
        lifetime_s: int = 0,
        log_level: int | None = None,
        echo: Echo | None = None,
    ) -> None:
        self.manifest = load_manifest(build_dir)
        self.firmware = Path(self.manifest.firmware_elf)
        if not self.firmware.is_file():
            raise BuildError(f'the firmware {self.firmware} does not exist: run `hotreload sim build` first')
        arch = sim_arch(self.manifest.arch)
        self.qemu = TOOLCHAINS[arch.toolchain].qemu
        if _which(self.qemu) is None:
            raise DeviceError(f'{self.qemu} is not installed: run `bash scripts/setup.sh`')
        self._auto_port = port == 0
        self.port = port or free_port()
        self.partition = partition or Path(self.manifest.build_dir) / PARTITION_FILE
        self.partition.parent.mkdir(parents=True, exist_ok=True)
        self.mode = mode
        self.period_ms = period_ms
        self.lifetime_s = lifetime_s
        self.log_level = log_level
        self.echo = echo
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def start(self, timeout: float = 30.0) -> SimDevice:
        """Start the process and wait until its server answers (its ready line).

        With an automatically chosen port, another process may take the port between the
        choice and the device's bind(); the device then exits and is started again on another.
        """
        for attempt in range(3):
            try:
                return self._start_once(timeout)
            except DeviceError:
                lost_port = any('is the port in use?' in line for line in self.output())
                if not (self._auto_port and lost_port) or attempt == 2:
                    raise
                self.port = free_port()
        raise AssertionError('unreachable')

    def _start_once(self, timeout: float) -> SimDevice:
        env = dict(os.environ)
        env.update(
            HR_SIM_PARTITION=str(self.partition),
            HR_SIM_HTTP_PORT=str(self.port),
            HR_SIM_MODE=self.mode,
            HR_SIM_PERIOD_MS=str(self.period_ms),
            HR_SIM_LIFETIME_S=str(self.lifetime_s),
        )
        if self.log_level is not None:
            env['HR_SIM_LOG_LEVEL'] = str(self.log_level)
        self.lines = []
        self._proc = subprocess.Popen(
            [self.qemu, '-s', QEMU_STACK, str(self.firmware)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.partition.parent,
        )
        self._reader = threading.Thread(target=self._read, name='sim-device-output', daemon=True)
        self._reader.start()
        try:
            self.wait_for(READY_PATTERN, timeout=timeout)
        except DeviceError:
            self.stop()
            raise
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in self._proc.stdout:
            line = raw.decode('utf-8', 'replace').rstrip('\r\n')
            if self.echo is not None:
                self.echo(line)
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def mark(self) -> int:
        """Index of the next line; pass it to wait_for(since=...) to look only at later output."""
        with self._cond:
            return len(self.lines)

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 10.0, since: int = 0) -> re.Match[str]:
        """The first line from index since on that matches pattern; DeviceError after timeout or exit."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        index = since
        with self._cond:
            while True:
                while index < len(self.lines):
                    match = regex.search(self.lines[index])
                    index += 1
                    if match is not None:
                        return match
                remaining = deadline - time.monotonic()
                exited = self._proc is not None and self._proc.poll() is not None
                if remaining <= 0 or (exited and (self._reader is None or not self._reader.is_alive())):
                    tail = '\n'.join(self.lines[-15:])
                    why = f'exited with status {self._proc.returncode}' if exited and self._proc else 'timed out'
                    raise DeviceError(
                        f'the simulated device {why} before printing /{regex.pattern}/ '
                        f'(waited {timeout:.0f} s); its last output:\n{tail}'
                    )
                self._cond.wait(min(remaining, 0.2))

    def output(self, since: int = 0) -> list[str]:
        with self._cond:
            return list(self.lines[since:])

    def stop(self, timeout: float = 5.0) -> int | None:
        """Terminate the process (kill it after timeout); its exit status."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def wait(self) -> int:
        """Block until the process exits by itself; its exit status."""
        assert self._proc is not None
        status = self._proc.wait()
        if self._reader is not None:
            self._reader.join()
        return status

    def __enter__(self) -> SimDevice:
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
