"""End to end on the simulated device: the real runtime under qemu-user, reached over HTTP on 127.0.0.1.

Per architecture, one session build (`hotreload sim build` with a scratch copy
of the seed README's component) gives the firmware and two modules for it: the
original (`2 + 3 = 5`) and an edited one (`2 + 3 = 23`). Each test starts its
own device process on a fresh partition file and stops it afterwards.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT, require_executable, require_toolchain

from hotreload_py import protocol, sim
from hotreload_py import reload as reload_mod
from hotreload_py.client import read_key, sign_headers
from hotreload_py.errors import DeviceError
from hotreload_py.manifest import Manifest, load_manifest

pytestmark = pytest.mark.qemu_user
ARCHS = sorted(sim.SIM_ARCHES)
OLD = re.escape('2 + 3 = 5')
NEW = re.escape('2 + 3 = 23')
BODY_EDIT = ('return a + b;', 'return a * 10 + b;')


@dataclass
class SimBuild:
    arch: str
    build_dir: Path
    component: Path
    manifest: Manifest
    key: bytes
    original: bytes  # the committed module every test starts from
    edited: bytes  # same firmware, reloadable_add edited

    def firmware_sha256(self) -> str:
        return hashlib.sha256(Path(self.manifest.firmware_elf).read_bytes()).hexdigest()

    def rebuild_module(self) -> bytes:
        manifest = load_manifest(self.build_dir)
        result = reload_mod.build_modules(manifest, manifest.components, lambda line: None)
        assert not result.firmware_changed
        return Path(manifest.components[0].module).read_bytes()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


_BUILDS: dict[str, SimBuild] = {}


@pytest.fixture
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SimBuild:
    """The session build for request.param (the arch), made on first use."""
    arch = request.param
    if arch in _BUILDS:
        return _BUILDS[arch]
    require_toolchain(sim.SIM_ARCHES[arch].toolchain)
    require_executable('cmake')
    require_executable('ninja')
    root = tmp_path_factory.mktemp(f'sim-device-{arch}')
    component = root / 'reloadable'
    shutil.copytree(REPO_ROOT / 'sim' / 'components' / 'reloadable', component)
    manifest = sim.build(arch, root / 'build', [component])
    assert manifest.auth_key_file is not None
    original = Path(manifest.components[0].module).read_bytes()
    build = SimBuild(arch, root / 'build', component, manifest, read_key(Path(manifest.auth_key_file)), original, b'')
    source = component / 'reloadable.c'
    _edit(source, *BODY_EDIT)
    build.edited = build.rebuild_module()
    _edit(source, BODY_EDIT[1], BODY_EDIT[0])
    assert build.rebuild_module() == original
    _BUILDS[arch] = build
    return build


@pytest.fixture
def device(built: SimBuild, tmp_path: Path) -> Iterator[sim.SimDevice]:
    """A device on a fresh partition running the original module; stopped afterwards."""
    dev = sim.SimDevice(built.build_dir, partition=tmp_path / 'partition.bin', period_ms=200, lifetime_s=300)
    try:
        dev.start(timeout=60)
        reply = signed(dev.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, built.original)
        assert reply.status_code == 200, reply.text
        dev.wait_for(OLD, timeout=30)
        yield dev
    finally:
        dev.stop()


def signed(url: str, key: bytes, path: str, body: bytes, *, nonce: str | None = None) -> httpx.Response:
    """POST body to path with the authentication headers (a fresh nonce unless one is given)."""
    with httpx.Client(base_url=url, timeout=60) as client:
        if nonce is None:
            nonce = client.get(protocol.PATH_NONCE).json()['nonce']
        headers = sign_headers(key, 'POST', path, body, nonce)
        headers['Content-Type'] = 'application/octet-stream'
        return client.post(path, content=body, headers=headers)


def status(url: str) -> dict[str, object]:
    reply = httpx.get(f'{url}{protocol.PATH_STATUS}', timeout=30)
    assert reply.status_code == 200
    body = reply.json()
    assert isinstance(body, dict)
    return body


def still_runs_old_code(dev: sim.SimDevice) -> None:
    """The device keeps calling the original module (two more calls, no new result)."""
    mark = dev.mark()
    dev.wait_for(OLD, since=mark, timeout=30)
    dev.wait_for(OLD, since=dev.mark(), timeout=30)
    assert not any('2 + 3 = 23' in line for line in dev.output(mark))


def restart_runs_old_code(dev: sim.SimDevice) -> None:
    """After a restart from the same partition, the committed module is the original one."""
    dev.stop()
    dev.start(timeout=60)
    dev.wait_for(OLD, timeout=30)
    assert not any('2 + 3 = 23' in line for line in dev.output())


def with_firmware_id(module: bytes, firmware_sha256: bytes) -> bytes:
    """The module with another firmware identity in its info record (what a build for other firmware carries)."""
    at = module.find(protocol.MODULE_INFO_MAGIC)
    assert at >= 0
    field = next(f for f in protocol.MODULE_INFO_FIELDS if f.name == 'firmware_sha256')
    start = at + field.offset
    return module[:start] + firmware_sha256 + module[start + field.size :]


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_identity_is_sha256_of_firmware_elf(built: SimBuild, device: sim.SimDevice) -> None:
    # qemu-user shows the guest binary as /proc/self/exe, which the device hashes.
    assert status(device.url)[protocol.STATUS_FIRMWARE_SHA256] == built.firmware_sha256()
    modules = status(device.url)[protocol.STATUS_MODULES]
    assert isinstance(modules, list)
    assert modules[0][protocol.STATUS_MODULE_SHA256] == hashlib.sha256(built.original).hexdigest()


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_edit_rebuild_reload_runs_new_code(built: SimBuild, device: sim.SimDevice) -> None:
    source = built.component / 'reloadable.c'
    _edit(source, *BODY_EDIT)
    try:
        mark = device.mark()
        report = reload_mod.reload(built.build_dir, device.url, echo=lambda line: None)
        assert report.staged == ['reloadable'] or report.reloaded == ['reloadable']
        device.wait_for(NEW, since=mark, timeout=30)
        device.wait_for('Hello, World!', since=mark, timeout=30)
        # The new module is committed: a restarted device loads it.
        device.stop()
        device.start(timeout=60)
        device.wait_for(NEW, timeout=30)
    finally:
        _edit(source, BODY_EDIT[1], BODY_EDIT[0])
        assert built.rebuild_module() == built.original


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_immediate_mode_reloads_through_hooks(built: SimBuild, tmp_path: Path) -> None:
    with sim.SimDevice(built.build_dir, partition=tmp_path / 'p.bin', mode='immediate', period_ms=200) as dev:
        reply = signed(dev.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, built.original)
        assert reply.status_code == 200 and reply.json()[protocol.RESP_RELOADED] is True
        dev.wait_for(OLD, timeout=30)
        mark = dev.mark()
        reply = signed(dev.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, built.edited)
        assert reply.status_code == 200 and reply.json()[protocol.RESP_RELOADED] is True
        dev.wait_for(r'Reloading now \(immediate mode\)', since=mark, timeout=30)
        dev.wait_for(NEW, since=mark, timeout=30)


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_changed_exports_refused_old_code_runs(built: SimBuild, device: sim.SimDevice) -> None:
    # A real module whose exports changed (one more function): its build relinks the firmware, so
    # `hotreload reload` refuses (the device needs the new firmware); stamped for the running
    # firmware, the device refuses it too.
    header = built.component / 'include' / 'reloadable.h'
    source = built.component / 'reloadable.c'
    saved_header, saved_source = header.read_text(), source.read_text()
    running = bytes.fromhex(built.firmware_sha256())
    header.write_text(saved_header + 'int reloadable_sub(int a, int b);\n')
    source.write_text(saved_source + '\nint reloadable_sub(int a, int b)\n{\n    return a - b;\n}\n')
    try:
        with pytest.raises(DeviceError, match='rebuilt the firmware'):
            reload_mod.reload(built.build_dir, device.url, echo=lambda line: None)
        grown = Path(load_manifest(built.build_dir).components[0].module).read_bytes()
        reply = signed(device.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, with_firmware_id(grown, running))
        assert reply.status_code == 409, reply.text
        assert 'ESP_ERR_HOTRELOAD_ABI_MISMATCH' in reply.text or 'export' in reply.text.lower()
        still_runs_old_code(device)
    finally:
        header.write_text(saved_header)
        source.write_text(saved_source)
        manifest = load_manifest(built.build_dir)
        reload_mod.build_modules(manifest, manifest.components, lambda line: None)
    assert Path(load_manifest(built.build_dir).components[0].module).read_bytes() == built.original
    assert built.firmware_sha256() == running.hex()


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_module_for_other_firmware_409(built: SimBuild, device: sim.SimDevice) -> None:
    other = with_firmware_id(built.edited, hashlib.sha256(b'another firmware').digest())
    reply = signed(device.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, other)
    assert reply.status_code == 409, reply.text
    still_runs_old_code(device)


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_corrupt_upload_keeps_old_module(built: SimBuild, device: sim.SimDevice) -> None:
    broken_header = b'\x7fELG' + built.edited[4:]
    reply = signed(device.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, broken_header)
    assert 400 <= reply.status_code < 500, reply.text
    # Damaged in transit: the body no longer matches the signed SHA-256.
    with httpx.Client(base_url=device.url, timeout=60) as client:
        nonce = client.get(protocol.PATH_NONCE).json()['nonce']
        headers = sign_headers(built.key, 'POST', protocol.PATH_UPLOAD_AND_RELOAD, built.edited, nonce)
        damaged = bytearray(built.edited)
        damaged[len(damaged) // 2] ^= 0xFF
        reply = client.post(protocol.PATH_UPLOAD_AND_RELOAD, content=bytes(damaged), headers=headers)
    assert 400 <= reply.status_code < 500, reply.text
    still_runs_old_code(device)
    restart_runs_old_code(device)


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_upload_cut_off_keeps_old_module(built: SimBuild, device: sim.SimDevice) -> None:
    nonce = httpx.get(f'{device.url}{protocol.PATH_NONCE}', timeout=30).json()['nonce']
    path = protocol.PATH_UPLOAD_AND_RELOAD
    headers = sign_headers(built.key, 'POST', path, built.edited, nonce)
    head = f'POST {path} HTTP/1.1\r\nHost: sim\r\nContent-Type: application/octet-stream\r\n'
    head += ''.join(f'{k}: {v}\r\n' for k, v in headers.items())
    head += f'Content-Length: {len(built.edited)}\r\n\r\n'
    with socket.create_connection(('127.0.0.1', device.port), timeout=30) as conn:
        conn.sendall(head.encode() + built.edited[: len(built.edited) // 2])
    device.wait_for('upload stopped after', timeout=30)
    assert status(device.url)[protocol.STATUS_UPDATE_PENDING] is False
    still_runs_old_code(device)
    restart_runs_old_code(device)


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_wrong_or_replayed_auth_401_nothing_written(built: SimBuild, device: sim.SimDevice) -> None:
    commits = sum('store: committed' in line for line in device.output())
    path = protocol.PATH_UPLOAD_AND_RELOAD
    reply = signed(device.url, b'\x55' * 32, path, built.edited)
    assert reply.status_code == 401, reply.text
    reply = httpx.post(f'{device.url}{path}', content=built.edited, timeout=30)
    assert reply.status_code == 401, reply.text
    # A request that was valid once (the original module, with its nonce), sent again.
    nonce = httpx.get(f'{device.url}{protocol.PATH_NONCE}', timeout=30).json()['nonce']
    assert signed(device.url, built.key, protocol.PATH_UPLOAD, built.original, nonce=nonce).status_code == 200
    commits += 1
    reply = signed(device.url, built.key, protocol.PATH_UPLOAD, built.original, nonce=nonce)
    assert reply.status_code == 401, reply.text
    assert sum('store: committed' in line for line in device.output()) == commits
    still_runs_old_code(device)
    restart_runs_old_code(device)


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_concurrent_mixed_traffic_no_heap_leak(built: SimBuild, device: sim.SimDevice) -> None:
    def settled_free_heap() -> int:
        body = status(device.url)
        while body[protocol.STATUS_UPDATE_PENDING]:
            device.wait_for(OLD, since=device.mark(), timeout=30)
            body = status(device.url)
        value = body['free_heap']
        assert isinstance(value, int)
        return value

    # Warm-up: one of each request, so lazily made state exists before the baseline.
    assert signed(device.url, built.key, protocol.PATH_UPLOAD, built.original).status_code == 200
    before = settled_free_heap()
    codes: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        try:
            with httpx.Client(base_url=device.url, timeout=60) as http:
                for i in range(50):
                    if i % 5 == index % 5:
                        # Clients race for the device's single nonce: 200 or 401 are both correct answers.
                        nonce = http.get(protocol.PATH_NONCE).json()['nonce']
                        headers = sign_headers(built.key, 'POST', protocol.PATH_UPLOAD, built.original, nonce)
                        code = http.post(protocol.PATH_UPLOAD, content=built.original, headers=headers).status_code
                        assert code in (200, 401), code
                    else:
                        reply = http.get(protocol.PATH_STATUS)
                        code = reply.status_code
                        assert code == 200 and reply.json()[protocol.RESP_OK] is True
                    with lock:
                        codes.append(code)
        except Exception as exc:  # reported below with the thread's index
            with lock:
                errors.append(f'client {index}: {exc!r}')

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    assert len(codes) == 200
    assert 200 in codes
    assert settled_free_heap() == before
    still_runs_old_code(device)


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_repeated_reloads_free_old_images(built: SimBuild, tmp_path: Path) -> None:
    with sim.SimDevice(built.build_dir, partition=tmp_path / 'p.bin', mode='immediate', period_ms=200) as dev:
        modules = [built.original, built.edited]
        free: list[object] = []
        for i in range(12):
            reply = signed(dev.url, built.key, protocol.PATH_UPLOAD_AND_RELOAD, modules[i % 2])
            assert reply.status_code == 200, reply.text
            dev.wait_for(NEW if i % 2 else OLD, since=dev.mark(), timeout=30)
            free.append(status(dev.url)['free_heap'])
        # Same module loaded, same free heap: every switch freed the image it replaced.
        assert free[2:] == free[:2] * 5
        assert status(dev.url)[protocol.STATUS_RELOAD_COUNT] == 12


@pytest.mark.parametrize('built', ARCHS, indirect=True)
def test_sim_device_multipart_upload_like_curl(built: SimBuild, device: sim.SimDevice) -> None:
    # curl -F "file=@build/reloadable_stripped.so" .../upload-and-reload, with the signature headers added.
    boundary = '------------------------a1b2c3d4e5f6a7b8'
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{protocol.MULTIPART_FIELD}"; '
        f'filename="reloadable_stripped.so"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    body += built.edited + f'\r\n--{boundary}--\r\n'.encode()
    path = protocol.PATH_UPLOAD_AND_RELOAD
    with httpx.Client(base_url=device.url, timeout=60) as client:
        nonce = client.get(protocol.PATH_NONCE).json()['nonce']
        headers = sign_headers(built.key, 'POST', path, body, nonce)
        headers['Content-Type'] = f'multipart/form-data; boundary={boundary}'
        mark = device.mark()
        reply = client.post(path, content=body, headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.json()['sha256'] == hashlib.sha256(built.edited).hexdigest()
    device.wait_for(NEW, since=mark, timeout=30)


@pytest.mark.parametrize('built', ARCHS[:1], indirect=True)
def test_sim_device_unknown_path_or_method_answers_json(built: SimBuild, device: sim.SimDevice) -> None:
    # esp_http_server's own 404/405 are HTML; the server registers JSON ones (httpd_register_err_handler).
    endpoints = [protocol.PATH_UPLOAD, protocol.PATH_RELOAD, protocol.PATH_UPLOAD_AND_RELOAD, protocol.PATH_STATUS]
    with httpx.Client(base_url=device.url, timeout=30) as client:
        missing = client.get('/nope')
        wrong_method = client.get(protocol.PATH_UPLOAD)
        after = client.get(protocol.PATH_STATUS)
    assert missing.status_code == 404, missing.text
    assert missing.headers['content-type'] == 'application/json'
    error = missing.json()['error']
    assert missing.json()['ok'] is False
    assert 'GET /nope' in error
    assert all(path in error for path in endpoints), error
    assert wrong_method.status_code == 405, wrong_method.text
    assert f'GET {protocol.PATH_UPLOAD}' in wrong_method.json()['error']
    assert after.status_code == 200


@pytest.mark.parametrize('built', ARCHS[:1], indirect=True)
def test_sim_device_unknown_path_with_raw_bytes_answers_valid_json(built: SimBuild, device: sim.SimDevice) -> None:
    # The path is echoed in the error: quotes, control bytes and bytes that are not UTF-8 must not break the JSON.
    host, port = device.url.removeprefix('http://').split(':')
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(b'GET /x"\\\x01\xff\xc3\xc3\xbc HTTP/1.1\r\nHost: device\r\nConnection: close\r\n\r\n')
        reply = b''
        while chunk := conn.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b'\r\n\r\n')
    assert head.startswith(b'HTTP/1.1 404'), head
    error = json.loads(body)['error']
    assert error.startswith('no endpoint GET /x"\\\x01\xff\xc3ü:'), error


@pytest.mark.parametrize('built', ARCHS[:1], indirect=True)
def test_sim_device_request_errors_answer_json(built: SimBuild, device: sim.SimDevice) -> None:
    # Errors esp_http_server finds in the request itself (here 431 and 400) are JSON too, and close the connection.
    with httpx.Client(base_url=device.url, timeout=30) as client:
        too_long = client.get(protocol.PATH_STATUS, headers={'X-Padding': 'p' * 600})
    assert too_long.status_code == 431, too_long.text
    assert too_long.json()['ok'] is False
    assert 'CONFIG_HTTPD_MAX_REQ_HDR_LEN' in too_long.json()['error']
    assert too_long.headers['connection'] == 'close'
    with socket.create_connection(('127.0.0.1', device.port), timeout=30) as conn:
        conn.sendall(f'POST {protocol.PATH_UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'.encode())
        reply = b''
        while chunk := conn.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b'\r\n\r\n')
    assert head.startswith(b'HTTP/1.1 400 '), head
    assert 'malformed HTTP request' in json.loads(body)['error']
    assert status(device.url)[protocol.STATUS_UPDATE_PENDING] is False
