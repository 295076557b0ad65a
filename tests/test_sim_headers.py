"""The request head the host tools send fits the device's header limit, measured against the simulated device.

esp_http_server refuses a request whose header lines (after the request line)
exceed CONFIG_HTTPD_MAX_REQ_HDR_LEN with 431; the default is 512 bytes before
ESP-IDF v5.5 (1024 since), and the simulated device enforces 512. A signed
upload carries three hex digests, so the room left for the Host header (the
device's address as the user typed it) is what these tests measure. Host names
under the test-only suffix resolve to 127.0.0.1 here, so the request reaches the
real device under any name.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import test_sim_device
from test_sim_device import SimBuild

from hotreload_py import sim
from hotreload_py.client import DeviceClient
from hotreload_py.errors import DeviceError, HotreloadError

pytestmark = pytest.mark.qemu_user
#: The simulated device's limit (sim/platform/src/sim_httpd.c), ESP-IDF's default before v5.5.
DEVICE_HEADER_LIMIT = 512
#: Names ending in this resolve to 127.0.0.1 during these tests.
TEST_SUFFIX = '.hotreload-test'
#: The longest device addresses a user plausibly types, with a 5-digit port.
LONG_ADDRESSES = {
    'IPv4': '255.255.255.255:65535',
    'IPv6': '[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535',
    'mDNS, one 63-character label': 'a' * 63 + '.local:65535',
    'DNS, two 63-character labels': 'a' * 63 + '.' + 'b' * 63 + '.local:65535',
}

built = test_sim_device.built
device = test_sim_device.device


@pytest.fixture
def resolve_test_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve names ending in TEST_SUFFIX to 127.0.0.1 (no resolver here knows them)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(TEST_SUFFIX):
            host = '127.0.0.1'
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)


def head_size(request: httpx.Request) -> int:
    """Bytes of the request's header lines and the blank line after them: what the device's limit counts."""
    return sum(len(name) + len(value) + 4 for name, value in request.headers.raw) + 2


def host_name(length: int) -> str:
    """A valid DNS name of exactly length characters ending in TEST_SUFFIX (labels of at most 63)."""
    body = length - len(TEST_SUFFIX)
    assert body >= 1
    labels: list[str] = []
    while body > 0:
        take = min(63, body)
        if body - take == 1:  # a following label needs a dot and at least one character
            take -= 1
        labels.append('d' * take)
        body -= take + 1
    return '.'.join(labels) + TEST_SUFFIX


def signed_upload(url: str, key: bytes, module: bytes) -> tuple[int, HotreloadError | None]:
    """Upload with the tools' client; the size of the upload's request head and the error, if any."""
    sizes: list[int] = []

    def record(request: httpx.Request) -> None:
        if request.method == 'POST':
            sizes.append(head_size(request))

    with DeviceClient(url, key) as dev:
        dev._http.event_hooks['request'].append(record)
        try:
            dev.upload(module)
            error = None
        except HotreloadError as exc:
            error = exc
    assert len(sizes) == 1
    return sizes[0], error


def test_client_sends_only_headers_the_device_reads() -> None:
    with DeviceClient('http://127.0.0.1:1', b'k' * 32) as dev:
        request = dev._http.build_request('POST', '/upload', content=b'x', headers={'Content-Type': 'a/b'})
    assert {name.decode().lower() for name, _ in request.headers.raw} == {'host', 'content-type', 'content-length'}


@pytest.fixture
def upload_to(built: SimBuild, device: sim.SimDevice, resolve_test_names: None) -> Iterator[Callable[[str], Any]]:
    yield lambda host: signed_upload(f'http://{host}:{device.port}', built.key, built.edited)


@pytest.mark.parametrize('built', ['riscv32'], indirect=True)
def test_client_signed_upload_head_fits_the_device_for_long_addresses(
    built: SimBuild, device: sim.SimDevice, upload_to: Callable[[str], tuple[int, HotreloadError | None]]
) -> None:
    short = f'{host_name(len(TEST_SUFFIX) + 1)}:{device.port}'
    size, error = upload_to(short.rsplit(':', 1)[0])
    assert error is None, error
    overhead = size - len(short)
    room = DEVICE_HEADER_LIMIT - overhead
    print(
        f'signed upload head: {size} bytes with Host {short!r}; {overhead} without the Host value; '
        f'room for an address with port: {room} characters'
    )
    for kind, address in LONG_ADDRESSES.items():
        assert len(address) <= room, f'{kind} address {address} makes a {overhead + len(address)}-byte head'
    # The measurement is the device's own: a head of exactly the limit is accepted, one byte more is not.
    port_part = len(f':{device.port}')
    size, error = upload_to(host_name(room - port_part))
    assert (size, error) == (DEVICE_HEADER_LIMIT, None)
    size, error = upload_to(host_name(room - port_part + 1))
    assert size == DEVICE_HEADER_LIMIT + 1
    assert isinstance(error, DeviceError) and 'CONFIG_HTTPD_MAX_REQ_HDR_LEN' in str(error), error
