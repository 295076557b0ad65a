"""`hotreload sim build`, `sim run` and `sim demo` as a user runs them (riscv32, the README's default)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain

from hotreload_py import sim, sim_demo
from hotreload_py.errors import BuildError, DeviceError

pytestmark = pytest.mark.qemu_user


def _children(pid: int) -> list[int]:
    """PIDs whose parent is pid (from /proc, so no procps is needed)."""
    found = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _hotreload(*args: str) -> list[str]:
    return [sys.executable, '-m', 'hotreload_py', *args]


def test_sim_parse_http_accepts_loopback_only() -> None:
    assert sim.parse_http('127.0.0.1:8080') == 8080
    assert sim.parse_http('localhost:9') == 9
    for bad in ('0.0.0.0:8080', '127.0.0.1', '127.0.0.1:http', '10.0.0.2:80', '127.0.0.1:70000'):
        with pytest.raises(DeviceError, match='127.0.0.1:PORT'):
            sim.parse_http(bad)


def test_sim_build_rejects_unknown_arch_and_non_component(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="riscv32 or xtensa, not 'arm'"):
        sim.build('arm', tmp_path / 'b')
    require_toolchain('rv32-gcc')
    require_executable('cmake')
    require_executable('ninja')
    with pytest.raises(BuildError, match='is not a component: it has no CMakeLists.txt'):
        sim.build('riscv32', tmp_path / 'b', [tmp_path])


@pytest.fixture(scope='module')
def cli_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`hotreload sim build` of the default component, once for this module's tests."""
    require_toolchain('rv32-gcc')
    require_executable('cmake')
    require_executable('ninja')
    root = tmp_path_factory.mktemp('sim-cli')
    build_dir = root / 'build'
    result = subprocess.run(
        _hotreload('sim', 'build', '--arch', 'riscv32', '--build-dir', str(build_dir)),
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'reloadable_stripped.so' in result.stdout
    assert 'note:' not in result.stderr  # the application calls the default component
    return build_dir


def test_sim_run_command_serves_and_stops_its_device_on_sigterm(cli_build: Path, tmp_path: Path) -> None:
    build_dir = cli_build
    port = sim.free_port()
    proc = subprocess.Popen(
        _hotreload('sim', 'run', '--build-dir', str(build_dir), '--http', f'127.0.0.1:{port}'),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                body = httpx.get(f'http://127.0.0.1:{port}/status', timeout=5).json()
            except httpx.TransportError:
                time.sleep(0.1)
        assert body is not None and body['ok'] is True
        children = _children(proc.pid)
        assert len(children) == 1  # the QEMU process running the firmware
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 128 + signal.SIGTERM
        assert 'Hot reload server running on port' in out
        with pytest.raises(ProcessLookupError):
            os.kill(children[0], 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    # The partition file lives in the build directory and survives the device.
    assert (build_dir / sim.PARTITION_FILE).stat().st_size == 512 * 1024


def test_sim_demo_shows_new_output_and_timings(tmp_path: Path) -> None:
    require_toolchain('rv32-gcc')
    require_executable('cmake')
    require_executable('ninja')
    lines: list[str] = []
    timings = sim_demo.demo(tmp_path, 'riscv32', echo=lines.append)
    text = '\n'.join(lines)
    assert f'device | {sim_demo.OLD_RESULT}' in text
    assert f'device | {sim_demo.NEW_RESULT}' in text
    assert 'device | Hello again, World! (reloaded)' in text
    assert text.index(sim_demo.OLD_RESULT) < text.index(sim_demo.NEW_RESULT)
    names = [name for name, _ in timings.phases]
    assert names == [
        'build firmware + module',
        'start device',
        'first upload + reload',
        'rebuild module',
        'upload + reload',
        'first call of new code',
        'edit to running (total)',
    ]
    assert lines[-1].splitlines()[-1].startswith('  edit to running (total)')
    # The scratch copy was edited, never the checkout's component.
    assert 'return a + b;' in (REPO_ROOT / 'sim' / 'components' / 'reloadable' / 'reloadable.c').read_text()
    assert 'return a * 10 + b;' in (tmp_path / 'components' / 'reloadable' / 'reloadable.c').read_text()


def test_sim_run_command_reports_a_taken_port(cli_build: Path) -> None:
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            _hotreload('sim', 'run', '--build-dir', str(cli_build), '--http', f'127.0.0.1:{port}'),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert 'error: the simulated device exited with status 2' in result.stderr
    assert f'cannot listen on 127.0.0.1:{port}' in result.stdout + result.stderr


def test_sim_build_says_when_the_application_does_not_call_the_component(tmp_path: Path) -> None:
    require_toolchain('rv32-gcc')
    require_executable('cmake')
    require_executable('ninja')
    component = tmp_path / 'comp'
    shutil.copytree(REPO_ROOT / 'sim' / 'components' / 'reloadable', component)
    result = subprocess.run(
        _hotreload('sim', 'build', '--component', str(component), '--build-dir', str(tmp_path / 'build')),
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "only from a component named 'reloadable'" in result.stderr
    assert 'comp will load and reload' in result.stderr
