"""The simulated device's platform (sim/platform) on its own, under qemu-user, for both architectures.

The test programs in sim/tests are built once per session and architecture:
libc_selftest prints what the freestanding C library computes (formatting,
64-bit helpers, strings, heap) and is compared with Python; platform_selftest
maps the chip RAM views, runs code copied twice to the same address (QEMU must
drop its stale translation), and serves an HTTP echo on 127.0.0.1.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain

from hotreload_py.sim import QEMU_STACK, SIM_ARCHES, free_port

pytestmark = pytest.mark.qemu_user
ARCHS = sorted(SIM_ARCHES)


_BUILDS: dict[str, Path] = {}


def _programs(tmp_path_factory: pytest.TempPathFactory, arch: str) -> Path:
    """Build directory of sim/tests for arch, built once per session."""
    if arch in _BUILDS:
        return _BUILDS[arch]
    info = SIM_ARCHES[arch]
    require_toolchain(info.toolchain)
    require_executable('cmake')
    require_executable('ninja')
    build = tmp_path_factory.mktemp(f'sim-platform-{arch}')
    toolchain_file = REPO_ROOT / 'cmake' / 'toolchains' / info.cmake_toolchain
    for cmd in (
        ['cmake', '-G', 'Ninja', '-S', str(REPO_ROOT / 'sim' / 'tests'), '-B', str(build),
         f'-DCMAKE_TOOLCHAIN_FILE={toolchain_file}'],
        ['ninja', '-C', str(build), '-j2'],
    ):  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    _BUILDS[arch] = build
    return build


def _qemu(arch: str) -> str:
    from hotreload_py.toolchains import TOOLCHAINS

    return TOOLCHAINS[SIM_ARCHES[arch].toolchain].qemu


def _expected_libc_output() -> list[str]:
    big = 0x123456789ABCDEF0
    div = 1000000007
    neg = -98765432109876
    sdiv = 12345

    def c_div(a: int, b: int) -> int:
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q

    def c_mod(a: int, b: int) -> int:
        return a - c_div(a, b) * b

    mask = (1 << 64) - 1
    return [
        'argc: 2 seven',
        'ints: -42 7 4000000000 beef BEEF Z %',
        'width: [   42] [42   ] [00042] [   ab] [ab   ] [ab]',
        'longs: -123456789 3000000000 -1234567890123 18446744073709551615 1122334455667788',
        'mixed: 1 2 3 aabbccddeeff0011 end',
        'many: 1 2 3 4 5 6 7 8 9 10',
        'ptr: 0x1234 size: 77',
        'pri: 4000000000 cafe -5',
        'snprintf: 20 [truncated-12345]',
        'vsnprintf: [1 two 1122334455667788 4 5 6 7 8]',
        f'div: {big // div} {big % div} {c_div(neg, sdiv)} {c_mod(neg, sdiv)}',
        f'mul: {(big * div) & mask} shift: {(big << 13) & mask:x} {big >> 29:x} {neg >> 7}',
        'string: 5 1 0 stack /c',
        'strtol: -1234 31 511',
        'heap: leak=0 allocations=0 aligned=1 kept=1 min_below=1',
    ]


@pytest.mark.parametrize('arch', ARCHS)
def test_sim_libc_matches_python(arch: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    build = _programs(tmp_path_factory, arch)
    result = subprocess.run(
        [_qemu(arch), '-s', QEMU_STACK, str(build / 'libc_selftest'), 'seven'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == _expected_libc_output()


@pytest.fixture
def platform_device(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running platform_selftest (request.param: the arch); stopped afterwards."""
    arch = request.param
    build = _programs(tmp_path_factory, arch)
    port = free_port()
    proc = subprocess.Popen(
        [_qemu(arch), '-s', QEMU_STACK, str(build / 'platform_selftest'), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip('\n'))
            if line.startswith('serving'):
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), 'platform_selftest did not start serving'
        assert proc.poll() is None, '\n'.join(lines)
        assert lines[0] == f'chip: {SIM_ARCHES[arch].chip} malloc_in_chip_ram: 1'
        # Two functions copied in turn to the same address both ran as themselves:
        # QEMU dropped its translation of the first copy.
        assert lines[1] == 'code: first=1 second=2 same_address=1'
        yield f'http://127.0.0.1:{port}'
        httpx.post(f'http://127.0.0.1:{port}/quit', timeout=30)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        reader.join(5)


@pytest.mark.parametrize('platform_device', ARCHS, indirect=True)
def test_sim_platform_serves_http_bodies(platform_device: str) -> None:
    url = platform_device
    body = bytes(range(256)) * 300
    with httpx.Client(base_url=url, timeout=30) as client:
        reply = client.post('/echo', content=body)
        assert reply.status_code == 200
        assert reply.content == body
        assert reply.headers['X-Echo-Length'] == str(len(body))

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(body), 7001):
                yield body[i : i + 7001]

        reply = client.post('/echo', content=chunks())  # no length: httpx sends it chunked
        assert reply.status_code == 200 and reply.content == body
        assert client.get('/nowhere').status_code == 404
        assert client.get('/echo').status_code == 405
        # Header lines beyond ESP-IDF's default 512 bytes are refused there, so here too.
        assert client.get('/heap', headers={'X-Padding': 'p' * 600}).status_code == 431
        # The same keep-alive connection still works after the errors.
        assert client.post('/echo', content=b'again').content == b'again'
    # curl's "Expect: 100-continue": the body follows the interim answer.
    port = int(url.rsplit(':', 1)[1])
    with socket.create_connection(('127.0.0.1', port), timeout=30) as conn:
        conn.sendall(b'POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n')
        assert conn.recv(100) == b'HTTP/1.1 100 Continue\r\n\r\n'
        conn.sendall(b'hello')
        answer = b''
        while not answer.endswith(b'hello'):
            chunk = conn.recv(4096)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b'HTTP/1.1 200 OK\r\n')


@pytest.mark.parametrize('platform_device', ARCHS[:1], indirect=True)
@pytest.mark.parametrize('length', ['-1', '+5', ' 5 5', '99999999999999999999999', ''])
def test_sim_platform_bad_content_length_400(platform_device: str, length: str) -> None:
    # As esp_http_server's parser: a length that is not plain digits is a bad request, not a huge body.
    port = int(platform_device.rsplit(':', 1)[1])
    with socket.create_connection(('127.0.0.1', port), timeout=30) as conn:
        conn.sendall(f'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\nhello'.encode())
        answer = conn.recv(100)
    assert answer.startswith(b'HTTP/1.1 400 '), answer


@pytest.mark.parametrize('platform_device', ARCHS, indirect=True)
def test_sim_platform_stalled_upload_times_out_and_server_recovers(platform_device: str) -> None:
    url = platform_device
    port = int(url.rsplit(':', 1)[1])
    with socket.create_connection(('127.0.0.1', port), timeout=30) as stalled:
        # Promise a body and send half of it: the handler's recv times out (2 s in the test program).
        stalled.sendall(b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n' + b'x' * 50)
        idle = socket.create_connection(('127.0.0.1', port), timeout=30)  # connected, never sends
        with httpx.Client(base_url=url, timeout=30) as client:
            free_before = int(client.get('/heap').text)
            for i in range(20):
                assert client.post('/echo', content=str(i).encode()).content == str(i).encode()
            stalled.settimeout(30)
            assert stalled.recv(100) == b''  # the server gave up on it and closed the connection
            assert int(client.get('/heap').text) == free_before
        idle.close()


@pytest.mark.parametrize('misuse', ['exec-data-view', 'write-code-view'])
@pytest.mark.parametrize('arch', ARCHS)
def test_sim_platform_wrong_view_faults(arch: str, misuse: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Code fetched through the data bus view, or a store through the instruction bus view, faults as on the chip.
    build = _programs(tmp_path_factory, arch)
    result = subprocess.run(
        [_qemu(arch), '-s', QEMU_STACK, str(build / 'platform_selftest'), '0', misuse],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert f'misusing: {misuse}' in result.stdout
    assert result.returncode == -signal.SIGSEGV, (result.returncode, result.stdout, result.stderr)
