"""Device client: URL rules, request signing, and failures against real sockets and a real HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from devtools_project import SimDevice, free_port
from elftools.elf.elffile import ELFFile

from hotreload_py import protocol
from hotreload_py import reload as flow
from hotreload_py.client import (
    DeviceClient,
    DeviceUnreachableError,
    FirmwareMismatchError,
    normalize_url,
    read_key,
    sign_headers,
)
from hotreload_py.errors import DeviceError
from hotreload_py.manifest import load_manifest


@pytest.mark.parametrize(
    ('given', 'expected'),
    [
        ('192.168.1.100', f'http://192.168.1.100:{protocol.DEFAULT_PORT}'),
        ('192.168.1.100:9000', 'http://192.168.1.100:9000'),
        ('esp32.local', f'http://esp32.local:{protocol.DEFAULT_PORT}'),
        ('  http://192.168.1.100:8080/ ', 'http://192.168.1.100:8080'),
        ('http://device', 'http://device'),
        ('https://device:8443', 'https://device:8443'),
        ('[::1]:8081', 'http://[::1]:8081'),
        ('::1', None),
    ],
)
def test_normalize_url_accepts_bare_host_and_port(given: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(DeviceError):
            normalize_url(given)
    else:
        assert normalize_url(given) == expected


@pytest.mark.parametrize(
    ('given', 'says'),
    [
        (None, 'HOTRELOAD_URL'),
        ('', '--url'),
        ('http://10.0.0.1:8080/upload', 'has a path'),
        ('ftp://10.0.0.1', "scheme 'ftp'"),
        ('10.0.0.1:99999', 'not valid'),
        ('http://:8080', 'no host'),
    ],
)
def test_normalize_url_rejects_bad_input_with_fix(given: str | None, says: str) -> None:
    with pytest.raises(DeviceError, match=says):
        normalize_url(given)


def test_sign_headers_matches_independent_hmac() -> None:
    key = bytes(range(32))
    body = b'\x7fELF module bytes'
    nonce = '00112233445566778899aabbccddeeff'
    headers = sign_headers(key, 'post', protocol.PATH_UPLOAD_AND_RELOAD, body, nonce)
    body_hash = hashlib.sha256(body).hexdigest()
    # The message spelled out from docs/CONTRACTS.md, not through protocol.auth_message.
    message = f'POST\n/upload-and-reload\n{body_hash}\n{nonce}'.encode()
    assert headers == {
        'X-Hotreload-Nonce': nonce,
        'X-Hotreload-Body-SHA256': body_hash,
        'X-Hotreload-Signature': hmac.new(key, message, 'sha256').hexdigest(),
    }


def test_sign_headers_depends_on_every_input() -> None:
    key = b'k' * 32
    base = sign_headers(key, 'POST', '/upload', b'a', 'n1')[protocol.HEADER_SIGNATURE]
    for changed in (
        sign_headers(b'K' * 32, 'POST', '/upload', b'a', 'n1'),
        sign_headers(key, 'GET', '/upload', b'a', 'n1'),
        sign_headers(key, 'POST', '/reload', b'a', 'n1'),
        sign_headers(key, 'POST', '/upload', b'b', 'n1'),
        sign_headers(key, 'POST', '/upload', b'a', 'n2'),
    ):
        assert changed[protocol.HEADER_SIGNATURE] != base


def test_read_key_reads_hex_and_rejects_garbage(tmp_path: Path) -> None:
    good = tmp_path / 'auth.key'
    good.write_text('00ff' * 16 + '\n')
    assert read_key(good) == bytes.fromhex('00ff' * 16)
    bad = tmp_path / 'bad.key'
    bad.write_text('not hex')
    with pytest.raises(DeviceError, match='hex-encoded'):
        read_key(bad)
    with pytest.raises(DeviceError, match='rebuild'):
        read_key(tmp_path / 'missing.key')


def test_client_unreachable_closed_port_says_what_to_check() -> None:
    port = free_port()
    with DeviceClient(f'127.0.0.1:{port}') as client, pytest.raises(DeviceUnreachableError) as info:
        client.status()
    message = str(info.value)
    assert f'cannot reach the device at http://127.0.0.1:{port}' in message
    assert 'connection refused' in message
    assert 'HOTRELOAD_URL' in message
    assert '\n' not in message


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A listening socket that completes TCP handshakes (backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_client_timeout_when_device_never_answers(silent_port: int) -> None:
    with DeviceClient(f'127.0.0.1:{silent_port}', timeout=0.3) as client, pytest.raises(DeviceUnreachableError) as info:
        client.status()
    assert 'did not answer within 0.3 s while reading the device status' in str(info.value)
    assert 'serial monitor' in str(info.value)


def test_client_timeout_during_upload(silent_port: int) -> None:
    with DeviceClient(f'127.0.0.1:{silent_port}', timeout=0.3) as client, pytest.raises(DeviceUnreachableError) as info:
        client.upload_and_reload(b'\0' * 1000)
    assert 'while uploading the module' in str(info.value)


@pytest.fixture()
def hanging_up_port() -> Iterator[int]:
    """A server that accepts each connection and closes it without a reply, like a device that reboots."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(8)
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_client_connection_closed_without_reply(hanging_up_port: int) -> None:
    with (
        DeviceClient(f'127.0.0.1:{hanging_up_port}', timeout=5) as client,
        pytest.raises(DeviceUnreachableError) as info,
    ):
        client.status()
    assert 'closed the connection while reading the device status' in str(info.value)


@pytest.fixture()
def plain_http_server(tmp_path: Path) -> Iterator[int]:
    """A real web server that is not a hotreload device: a wrong --url."""
    (tmp_path / 'index.html').write_text('<html>router admin page</html>')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_client_wrong_url_404_says_not_a_device(plain_http_server: int) -> None:
    with DeviceClient(f'127.0.0.1:{plain_http_server}') as client, pytest.raises(DeviceError) as info:
        client.status()
    message = str(info.value)
    assert 'answered 404' in message
    assert 'not a hotreload device server' in message
    assert str(protocol.DEFAULT_PORT) in message


def test_client_upload_progress_on_a_terminal_stream(silent_port: int) -> None:
    stream = io.StringIO()
    with DeviceClient(f'127.0.0.1:{silent_port}', timeout=0.3, progress=stream) as client:
        with pytest.raises(DeviceUnreachableError):
            client.upload_and_reload(b'\0' * 65536)
    text = stream.getvalue()
    assert '\ruploading the module: 100% 64 KiB' in text
    assert text.endswith('\r\x1b[K')  # the progress line is erased before any message


def test_client_no_progress_when_stderr_is_not_a_terminal(silent_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    with DeviceClient(f'127.0.0.1:{silent_port}', timeout=0.3) as client:
        assert client.progress is None
        with pytest.raises(DeviceUnreachableError):
            client.upload_and_reload(b'\0' * 8192)
    assert capsys.readouterr().err == ''


# --- Against the simulated device: what the server refuses, and how the client says it ----------------


def _device_module(build: Path) -> bytes:
    manifest = load_manifest(build)
    path = Path(manifest.components[0].module)
    if not path.is_file():
        flow.build_modules(manifest, manifest.components, lambda line: None)
    return path.read_bytes()


def _device_key(build: Path) -> bytes | None:
    manifest = load_manifest(build)
    return read_key(Path(manifest.auth_key_file)) if manifest.auth_key_file else None


def _with_other_firmware(module: bytes) -> bytes:
    """The module as if linked against another firmware: its info record names another identity."""
    elf = ELFFile(io.BytesIO(module))
    section = elf.get_section_by_name(protocol.MODULE_INFO_SECTION)
    assert section is not None
    field = next(field for field in protocol.MODULE_INFO_FIELDS if field.name == 'firmware_sha256')
    start = section['sh_offset'] + field.offset
    patched = bytearray(module)
    patched[start : start + field.size] = bytes(b ^ 0xFF for b in module[start : start + field.size])
    return bytes(patched)


@pytest.mark.qemu_user
def test_client_device_other_firmware_409_says_flash(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    build = sim_build_dir[1]
    module = _with_other_firmware(_device_module(build))
    with DeviceClient(sim_device.url, _device_key(build)) as client, pytest.raises(FirmwareMismatchError) as info:
        client.upload_and_reload(module)
    assert 'built for other firmware' in str(info.value)
    assert 'flash the firmware (idf.py flash)' in str(info.value)


@pytest.mark.qemu_user
def test_client_device_too_large_413(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    with DeviceClient(sim_device.url, _device_key(sim_build_dir[1])) as client, pytest.raises(DeviceError) as info:
        client.upload(b'\0' * (protocol.DEFAULT_MAX_MODULE_SIZE + 4096))
    assert 'too large for the device' in str(info.value)
    assert 'CONFIG_HOTRELOAD_MAX_MODULE_SIZE' in str(info.value)


@pytest.mark.qemu_user
def test_client_device_corrupt_module_400(sim_device: SimDevice, sim_build_dir: tuple[Path, Path]) -> None:
    with DeviceClient(sim_device.url, _device_key(sim_build_dir[1])) as client, pytest.raises(DeviceError) as info:
        client.upload_and_reload(b'\x7fELF' + b'\x01' * 2000)
    assert 'rejected the module' in str(info.value)


@pytest.mark.qemu_user
def test_client_device_auth_401_without_and_with_wrong_key(
    sim_device: SimDevice, sim_build_dir: tuple[Path, Path]
) -> None:
    build = sim_build_dir[1]
    with DeviceClient(sim_device.url) as client:
        auth = client.status().body.get(protocol.STATUS_AUTH)
    if not auth:
        pytest.skip('the simulated device build has authentication off')
    module = _device_module(build)
    with DeviceClient(sim_device.url) as client, pytest.raises(DeviceError) as info:
        client.upload(module)
    assert 'authentication failed' in str(info.value)
    assert 'requires authentication but this build has no key' in str(info.value)
    with DeviceClient(sim_device.url, b'\x55' * 32) as client, pytest.raises(DeviceError) as info:
        client.upload(module)
    assert "rejected this build's key" in str(info.value)
    with DeviceClient(sim_device.url, _device_key(build)) as client:
        assert client.upload(module).body.get(protocol.RESP_OK) is True
